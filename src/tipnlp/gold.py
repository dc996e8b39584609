"""Stand-off gold annotations: load, verify against the corpus text, resolve, split and export.

A gold record names a span of a corpus document, never its text::

    {"doc_id": "...", "start": 120, "end": 870, "sha1": "<sha1 of the span's text>",
     "labels": ["non_punishment"], "annotator": "ann_r1_b2", "round": 1}

Files in ``corpora/gold/``: ``round1.jsonl`` (first annotation of every passage), ``round2.jsonl``
(independent second annotation of a subset), ``review.jsonl`` (corrections from the consistency
review against the final codebook, with reasons), ``adjudicated.jsonl`` (the decision on every
round-1/round-2 disagreement, with its reason). The resolved label of a passage is the adjudicated
one when there is one, else the reviewed one, else the round-1 label. ``corpora/splits.json`` assigns whole documents to train/dev/test.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator

from tipnlp.corpus import REPO_ROOT, RESOLUTION_ID, manifest_index, read_corpus_document, resolution_row
from tipnlp.errors import DataError
from tipnlp.records import Document, passage_id

GOLD_DIR = REPO_ROOT / "corpora" / "gold"
SPLITS_FILE = REPO_ROOT / "corpora" / "splits.json"
ROUND_FILES = {1: "round1.jsonl", 2: "round2.jsonl"}
ADJUDICATED_FILE = "adjudicated.jsonl"
REVIEW_FILE = "review.jsonl"
SPLITS = ("train", "dev", "test")


def text_sha1(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class GoldRecord:
    doc_id: str
    start: int
    end: int
    sha1: str
    labels: tuple[str, ...]
    annotator: str = ""
    round: int | str = 1
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def id(self) -> str:
        return passage_id(self.doc_id, self.start, self.end)

    def to_dict(self) -> dict[str, Any]:
        d = {
            "doc_id": self.doc_id, "start": self.start, "end": self.end, "sha1": self.sha1,
            "labels": list(self.labels), "annotator": self.annotator, "round": self.round,
        }
        d.update(self.extra)
        return d


def read_gold_file(path: str | Path) -> list[GoldRecord]:
    """Parse one stand-off JSONL file; a malformed line fails with its file and line number."""
    path = Path(path)
    records = []
    with open(path, encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                raw = json.loads(line)
                rec = GoldRecord(
                    doc_id=str(raw["doc_id"]), start=int(raw["start"]), end=int(raw["end"]), sha1=str(raw["sha1"]),
                    labels=tuple(raw["labels"]), annotator=str(raw.get("annotator", "")), round=raw.get("round", 1),
                    extra={k: v for k, v in raw.items() if k not in {"doc_id", "start", "end", "sha1", "labels", "annotator", "round"}},
                )
            except (json.JSONDecodeError, KeyError, TypeError, ValueError) as err:
                raise DataError(f"{path}:{n}: malformed gold record ({type(err).__name__}: {err})") from None
            if not isinstance(raw["labels"], list):
                raise DataError(f"{path}:{n}: labels must be a list")
            records.append(rec)
    return records


class CorpusTexts:
    """Document texts read (once each) through tipnlp's ingest, for hash checks and exports."""

    def __init__(self, corpus_dir: str | Path | None = None):
        self.corpus_dir = corpus_dir
        self._rows: dict[str, dict] | None = None
        self._docs: dict[str, Document] = {}

    @property
    def rows(self) -> dict[str, dict]:
        if self._rows is None:
            self._rows = manifest_index(self.corpus_dir)
            self._rows[RESOLUTION_ID] = resolution_row()
        return self._rows

    def document(self, doc_id: str) -> Document:
        if doc_id not in self._docs:
            if doc_id not in self.rows:
                raise DataError(f"gold names document {doc_id!r}, which the corpus manifest does not list")
            self._docs[doc_id] = read_corpus_document(self.rows[doc_id], self.corpus_dir)
        return self._docs[doc_id]

    def span(self, rec: GoldRecord) -> str:
        return self.document(rec.doc_id).text[rec.start : rec.end]


def verify(records: Iterable[GoldRecord], texts: CorpusTexts) -> None:
    """Check every record's hash against the current corpus text; name the first that drifted."""
    for rec in records:
        span = texts.span(rec)
        if text_sha1(span) != rec.sha1:
            raise DataError(
                f"gold record {rec.id} (annotator {rec.annotator}, round {rec.round}): the corpus text at "
                f"[{rec.start}:{rec.end}] no longer matches its sha1 — the document or its ingestion changed",
                hint="Restore the corpus file, or re-anchor the annotation (see corpora/README.md).",
            )


def load_round(round_no: int, gold_dir: Path = GOLD_DIR) -> list[GoldRecord]:
    path = gold_dir / ROUND_FILES[round_no]
    return read_gold_file(path) if path.is_file() else []


def load_adjudicated(gold_dir: Path = GOLD_DIR) -> list[GoldRecord]:
    """Decisions that override round 1: consistency-review corrections, then adjudications."""
    out: list[GoldRecord] = []
    for name in (REVIEW_FILE, ADJUDICATED_FILE):
        path = gold_dir / name
        if path.is_file():
            out += read_gold_file(path)
    return out


def resolve(round1: list[GoldRecord], adjudicated: list[GoldRecord]) -> list[GoldRecord]:
    """Round-1 labels, replaced by the adjudicated decision where there is one."""
    decided = {rec.id: rec for rec in adjudicated}
    return [decided.get(rec.id, rec) for rec in round1]


def load_splits(path: Path = SPLITS_FILE) -> dict[str, str]:
    """doc_id -> split."""
    if not path.is_file():
        raise DataError(f"no split file at {path}", hint="The split is a committed file: corpora/splits.json.")
    data = json.loads(path.read_text(encoding="utf-8"))
    out: dict[str, str] = {}
    for split in SPLITS:
        for doc_id in data.get(split, []):
            if doc_id in out:
                raise DataError(f"{path}: document {doc_id} is in both {out[doc_id]} and {split}")
            out[doc_id] = split
    return out


def load_gold(
    split: str | None = None, corpus_dir: str | Path | None = None, gold_dir: Path = GOLD_DIR, check: bool = True
) -> list[GoldRecord]:
    """The resolved gold records (of one split), verified against the corpus unless ``check=False``."""
    if split is not None and split not in SPLITS:
        raise DataError(f"unknown split {split!r}; use one of {', '.join(SPLITS)}")
    records = resolve(load_round(1, gold_dir), load_adjudicated(gold_dir))
    if not records:
        raise DataError(f"no gold annotations in {gold_dir}")
    if split is not None:
        splits = load_splits()
        missing = sorted({r.doc_id for r in records} - set(splits))
        if missing:
            raise DataError(f"documents with gold but no split: {', '.join(missing[:5])}")
        records = [r for r in records if splits[r.doc_id] == split]
    if check:
        verify(records, CorpusTexts(corpus_dir))
    return records


def export_records(
    split: str | None = None, corpus_dir: str | Path | None = None, gold_dir: Path = GOLD_DIR
) -> Iterator[dict[str, Any]]:
    """Gold passages with their text, in the exchange format read by ``evaluate`` and ``predict``."""
    texts = CorpusTexts(corpus_dir)
    records = load_gold(split, corpus_dir, gold_dir, check=False)
    splits = load_splits() if SPLITS_FILE.is_file() else {}
    for rec in records:
        span = texts.span(rec)
        if text_sha1(span) != rec.sha1:
            verify([rec], texts)  # raises with the full message
        row = texts.rows[rec.doc_id]
        yield {
            "id": rec.id,
            "doc_id": rec.doc_id,
            "text": span,
            "labels": list(rec.labels),
            "meta": {
                "start": rec.start, "end": rec.end, "split": splits.get(rec.doc_id), "doc_type": row.get("doc_type"),
                "annotator": rec.annotator, "round": rec.round,
            },
        }


def label_counts(records: Iterable[GoldRecord]) -> Counter:
    counts: Counter = Counter()
    for rec in records:
        counts.update(rec.labels)
        if not rec.labels:
            counts["(none)"] += 1
    return counts
