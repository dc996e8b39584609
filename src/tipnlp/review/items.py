"""Passages to send for review: read them from documents or result files, score, and choose.

A :class:`ReviewItem` is one passage with the model's score for *every* theme (not only the
assigned ones), because choosing passages "closest to a threshold" needs the scores that fell
below it. Scores always come from ``Tagger.predict_proba`` with the model given to the export,
so they and the suggested labels agree even when the passages came from another run.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Sequence

from tipnlp.errors import DataError, InputNotFound
from tipnlp.gold import text_sha1
from tipnlp.records import passage_id as make_passage_id

if TYPE_CHECKING:  # pragma: no cover
    from tipnlp.tagger import Tagger

PASSAGES_FILE = "passages.jsonl"


@dataclass(frozen=True)
class ReviewItem:
    """One passage for review: where it is (document offsets), its text and the model's view of it."""

    doc_id: str
    start: int
    end: int
    text: str
    heading: str = ""
    page: int | None = None
    scores: dict[str, float] = field(default_factory=dict)
    thresholds: dict[str, float] = field(default_factory=dict)
    model: str = ""

    @property
    def passage_id(self) -> str:
        return make_passage_id(self.doc_id, self.start, self.end)

    @property
    def sha1(self) -> str:
        return text_sha1(self.text)

    @property
    def labels(self) -> list[str]:
        """The model's themes: scores at or above their thresholds, best first."""
        hits = [t for t, s in self.scores.items() if s >= self.thresholds.get(t, 0.5)]
        return sorted(hits, key=lambda t: -self.scores[t])

    @property
    def margin(self) -> float:
        """Distance of the closest theme score to its threshold: 0 is the least certain."""
        if not self.scores:
            return 1.0
        return min(abs(s - self.thresholds.get(t, 0.5)) for t, s in self.scores.items())


# -- reading inputs -------------------------------------------------------------------------------
@dataclass
class _Raw:
    doc_id: str
    start: int
    end: int
    text: str
    heading: str = ""
    page: int | None = None


def _read_passage_file(path: Path) -> list[_Raw]:
    """Passage records (``classify --format jsonl``, batch ``passages.jsonl``); document lines are skipped."""
    out = []
    with open(path, encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
            except json.JSONDecodeError as err:
                raise DataError(f"{path}:{n}: not valid JSON ({err.msg})") from None
            if not isinstance(rec, dict):
                raise DataError(f"{path}:{n}: a line must be a JSON object")
            if rec.get("record") == "document" or rec.get("error"):
                continue
            missing = [k for k in ("doc_id", "start", "end") if k not in rec]
            if missing:
                raise DataError(f"{path}:{n}: passage record without {', '.join(missing)}")
            if not isinstance(rec.get("text"), str):
                raise DataError(
                    f"{path}:{n}: passage record without its text",
                    hint="Review needs the passage text: pass the documents themselves, or results written with text.",
                )
            try:
                start, end = int(rec["start"]), int(rec["end"])
            except (TypeError, ValueError):
                raise DataError(f"{path}:{n}: start/end must be integers") from None
            if end - start != len(rec["text"]):
                raise DataError(f"{path}:{n}: text length {len(rec['text'])} does not match offsets {start}-{end}")
            page = rec.get("page", rec.get("page_start"))
            out.append(_Raw(str(rec["doc_id"]), start, end, rec["text"], str(rec.get("heading") or ""),
                            page if isinstance(page, int) else None))
    return out


def read_inputs(inputs: Sequence[str | Path], tagger: "Tagger") -> list[ReviewItem]:
    """ReviewItems for documents, result folders (``passages.jsonl`` inside) or passage JSONL files.

    Documents are read and segmented on the fly; every passage gets all theme scores from
    ``tagger.predict_proba``. A passage seen twice (same document and offsets) is kept once.
    """
    raws: list[_Raw] = []
    for spec in inputs:
        path = Path(spec)
        if path.is_dir():
            found = path / PASSAGES_FILE
            if not found.is_file():
                raise InputNotFound(
                    f"{path}: a folder without {PASSAGES_FILE}",
                    hint="Pass documents, a batch results folder, or a passages .jsonl file.",
                )
            raws += _read_passage_file(found)
        elif path.suffix.lower() == ".jsonl":
            if not path.is_file():
                raise InputNotFound(f"{path}: no such file")
            raws += _read_passage_file(path)
        else:
            from tipnlp.ingest import read_document
            from tipnlp.segment import segment

            document = read_document(path)  # scored below: no need to run the full tagger first
            raws += [_Raw(p.doc_id, p.start, p.end, p.text, p.heading, p.page_start)
                     for p in segment(document, tagger.segmenter)]
    seen: set[tuple[str, int, int]] = set()
    unique = []
    for r in raws:
        key = (r.doc_id, r.start, r.end)
        if key not in seen and r.text.strip():
            seen.add(key)
            unique.append(r)
    return score(unique, tagger)


def score(raws: Iterable[Any], tagger: "Tagger") -> list[ReviewItem]:
    """Attach every theme's score (one ``predict_proba`` call) and the thresholds."""
    raws = list(raws)
    if not raws:
        return []
    themes = tagger.themes
    thresholds = {t: float(v) for t, v in zip(themes, tagger.model.threshold_vector())}
    proba = tagger.predict_proba([r.text for r in raws])
    return [
        ReviewItem(
            doc_id=r.doc_id, start=r.start, end=r.end, text=r.text, heading=r.heading, page=r.page,
            scores={t: round(float(row[j]), 4) for j, t in enumerate(themes)},
            thresholds=thresholds, model=tagger.model_name,
        )
        for r, row in zip(raws, proba)
    ]


# -- choosing -------------------------------------------------------------------------------------
def select_uncertain(items: Sequence[ReviewItem], n: int) -> list[ReviewItem]:
    """The ``n`` passages whose closest theme score lies nearest its threshold (ties: document order)."""
    order = sorted(range(len(items)), key=lambda i: (items[i].margin, i))
    return [items[i] for i in order[:n]]


def select_sample(items: Sequence[ReviewItem], n: int, seed: int = 0) -> list[ReviewItem]:
    """A seeded random sample of ``n`` passages, kept in document order (same seed, same sample)."""
    chosen = sorted(random.Random(seed).sample(range(len(items)), min(n, len(items))))
    return [items[i] for i in chosen]
