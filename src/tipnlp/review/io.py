"""Turn reviews into stand-off gold records and write them without ever losing an existing file.

One gold record per passage. When several reviewers labelled a passage and agree, their record
names them all (``annotator = "a+b"``); when they disagree the passage is *held out* and listed,
for adjudication, rather than resolved by a silent rule. A gold file that exists is never
overwritten: ``append`` adds new passages, keeps identical ones, and refuses a passage whose labels
differ from the file's unless ``replace_conflicts`` is given. Writes are atomic (temp file + rename).
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from tipnlp.errors import DataError, InputUnreadable
from tipnlp.gold import GoldRecord, read_gold_file
from tipnlp.records import passage_id
from tipnlp.review.files import atomic_write
from tipnlp.review.formats import Review

ROUND = "review"


@dataclass
class Disagreement:
    doc_id: str
    start: int
    end: int
    sha1: str
    labels_by_reviewer: dict[str, list[list[str]]]  # reviewer -> the label sets they gave

    def to_dict(self) -> dict:
        return {"doc_id": self.doc_id, "start": self.start, "end": self.end, "sha1": self.sha1,
                "labels_by_reviewer": self.labels_by_reviewer}


@dataclass
class GoldFromReviews:
    records: list[GoldRecord] = field(default_factory=list)
    disagreements: list[Disagreement] = field(default_factory=list)


def reviews_to_gold(reviews: Iterable[Review], order: Iterable[str] | None = None) -> GoldFromReviews:
    """One gold record per passage on which all its reviewers agree; the rest as disagreements."""
    by_passage: dict[tuple[str, int, int], list[Review]] = defaultdict(list)
    for rev in reviews:
        by_passage[rev.key].append(rev)
    rank = {t: i for i, t in enumerate(order or [])}
    out = GoldFromReviews()
    for key, revs in by_passage.items():
        sha1s = {r.sha1 for r in revs}
        if len(sha1s) > 1:
            raise DataError(
                f"passage {key[0]}:{key[1]}-{key[2]} comes with different text hashes in {', '.join(sorted({r.source for r in revs}))}",
                hint="The files were exported from different versions of the document; re-export.",
            )
        by_reviewer: dict[str, set[frozenset[str]]] = defaultdict(set)
        for r in revs:
            by_reviewer[r.reviewer].add(frozenset(r.labels))
        distinct = {labels for sets in by_reviewer.values() for labels in sets}
        if len(distinct) == 1:
            labels = sorted(next(iter(distinct)), key=lambda t: (rank.get(t, len(rank)), t))
            out.records.append(GoldRecord(
                doc_id=key[0], start=key[1], end=key[2], sha1=revs[0].sha1, labels=tuple(labels),
                annotator="+".join(sorted(by_reviewer)), round=ROUND,
            ))
        else:
            out.disagreements.append(Disagreement(
                key[0], key[1], key[2], revs[0].sha1,
                {who: sorted(sorted(s) for s in sets) for who, sets in sorted(by_reviewer.items())},
            ))
    out.records.sort(key=lambda r: (r.doc_id, r.start, r.end))
    return out


@dataclass
class WriteSummary:
    added: int = 0
    unchanged: int = 0
    replaced: int = 0
    total: int = 0


def _line(rec: GoldRecord) -> str:
    return json.dumps(rec.to_dict(), ensure_ascii=False) + "\n"


def write_gold(
    records: list[GoldRecord], out: Path, *, append: bool = False, replace_conflicts: bool = False
) -> WriteSummary:
    """Write ``records`` to ``out`` (JSONL); see the module docstring for the rules on existing files."""
    out = Path(out)
    if not out.exists():
        atomic_write(out, "".join(_line(r) for r in records))
        return WriteSummary(added=len(records), total=len(records))
    if out.is_dir():
        raise InputUnreadable(f"{out}: is a folder, not a gold file")
    if not append:
        raise DataError(
            f"{out} already exists; tipnlp never overwrites a gold file",
            hint="Pass --append to add the new passages to it (conflicting labels are refused), or choose another --out.",
        )
    existing = read_gold_file(out)  # validates the file first: a malformed line fails here
    by_id = {r.id: r for r in existing}
    new: list[GoldRecord] = []
    replace: dict[str, GoldRecord] = {}
    conflicts: list[str] = []
    summary = WriteSummary()
    for rec in records:
        old = by_id.get(rec.id)
        if old is None:
            new.append(rec)
        elif set(old.labels) == set(rec.labels) and old.sha1 == rec.sha1:
            summary.unchanged += 1
        else:
            conflicts.append(
                f"{rec.id}: file has [{', '.join(old.labels)}] by {old.annotator or '?'}, "
                f"review says [{', '.join(rec.labels)}] by {rec.annotator}"
                + ("" if old.sha1 == rec.sha1 else " (and the text hash differs)")
            )
            replace[rec.id] = rec
    if conflicts and not replace_conflicts:
        shown = "\n  ".join(conflicts[:10]) + (f"\n  ... and {len(conflicts) - 10} more" if len(conflicts) > 10 else "")
        raise DataError(
            f"{len(conflicts)} passage(s) in {out} already have different labels; nothing was written:\n  {shown}",
            hint="Adjudicate them, or pass --replace-conflicts to let the review win.",
        )
    lines = []
    with open(out, encoding="utf-8") as fh:  # keep the existing lines byte for byte
        for raw in fh:
            if not raw.strip():
                continue
            row = json.loads(raw)
            rid = passage_id(str(row["doc_id"]), int(row["start"]), int(row["end"]))
            if rid in replace:
                lines.append(_line(replace.pop(rid)))
                summary.replaced += 1
            else:
                lines.append(raw if raw.endswith("\n") else raw + "\n")
    lines += [_line(r) for r in new]
    atomic_write(out, "".join(lines))
    summary.added = len(new)
    summary.total = len(lines)
    return summary
