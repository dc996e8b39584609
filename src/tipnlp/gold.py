"""Stand-off gold annotations: load, verify against the corpus text, resolve, split and export.

A gold record names a span of a corpus document, never its text::

    {"doc_id": "...", "start": 120, "end": 870, "sha1": "<sha1 of the span's text>",
     "labels": ["non_punishment"], "annotator": "ann_r1_b2", "round": 1}

Files in ``corpora/gold/``: ``round1.jsonl``, ``round3.jsonl`` and ``round4.jsonl`` (first annotation
of every passage: the 2026-11 set, the corpus-scale round of 2026-12 and the rest of the round-1
documents), ``round2.jsonl``, ``round3_double.jsonl`` and ``round4_double.jsonl`` (independent blind
second annotations of a subset), ``review.jsonl``
(corrections from the consistency review, with reasons), ``adjudicated.jsonl`` (the decision on every
first/second-annotation disagreement, with its reason), ``recheck_r1.jsonl`` and
``recheck_decisions.jsonl`` (the 2026-12-07 blind double re-annotation of every round-1 passage under the
current codebook, and the label changes it decided, with reasons), ``ops.jsonl`` (the operative
paragraphs of each positive (passage, theme) pair). The resolved label of a passage is the recheck's
decision when there is one, else the adjudicated one, else the reviewed one, else the first annotation.

``corpora/splits.json`` assigns documents: ``train``/``dev``/``test`` is the first (2026-11) split of
the first 120 documents, kept for the older reports; ``cv`` holds the documents added later. Model
selection cross-validates over all of them (:mod:`tipnlp.evaluation.cv`). The sealed split
(``corpora/sealed.json``) is kept apart: its gold lives in ``corpora/sealed/`` and is read only by
``tipnlp evaluate --split sealed``.
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
ROUND_FILES = {1: "round1.jsonl", 2: "round2.jsonl", 3: "round3.jsonl", "3b": "round3_double.jsonl",
               4: "round4.jsonl", "4b": "round4_double.jsonl"}
FIRST_ROUNDS = (1, 3, 4)
SECOND_ROUNDS = (2, "3b", "4b")
OP_SECOND_ROUNDS = ("3b", "4b", "op1b", "recheck_r1b")
ADJUDICATED_FILE = "adjudicated.jsonl"
REVIEW_FILE = "review.jsonl"
RECHECK_FILE = "recheck_r1.jsonl"
RECHECK_DECISIONS_FILE = "recheck_decisions.jsonl"
OPS_FILE = "ops.jsonl"
SEALED_FILE = REPO_ROOT / "corpora" / "sealed.json"
SEALED_GOLD = REPO_ROOT / "corpora" / "sealed" / "gold.jsonl"
SPLITS = ("train", "dev", "test", "cv")
POOL = "all"  # every non-sealed gold passage: the cross-validation pool


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
    core = {"doc_id", "start", "end", "sha1", "labels", "annotator", "round"}

    def parse(raw: dict[str, Any]) -> GoldRecord:
        if not isinstance(raw["labels"], list):
            raise TypeError("labels must be a list")
        return GoldRecord(
            doc_id=str(raw["doc_id"]), start=int(raw["start"]), end=int(raw["end"]), sha1=str(raw["sha1"]),
            labels=tuple(raw["labels"]), annotator=str(raw.get("annotator", "")), round=raw.get("round", 1),
            extra={k: v for k, v in raw.items() if k not in core},
        )

    return _read_jsonl(path, parse, "gold record")


class CorpusTexts:
    """Document texts read (once each) through tipnlp's ingest, for hash checks and exports."""

    def __init__(self, corpus_dir: str | Path | None = None):
        self.corpus_dir = corpus_dir
        self._rows: dict[str, dict] | None = None
        self._docs: dict[str, Document] = {}
        self._headings: dict[str, tuple[list[int], list[str]]] = {}

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

    def heading(self, rec: GoldRecord) -> str:
        """The heading path of the segmenter's passage that holds the span's start (context feature)."""
        import bisect

        if rec.doc_id not in self._headings:
            from tipnlp.segment import segment

            passages = segment(self.document(rec.doc_id))
            self._headings[rec.doc_id] = ([p.start for p in passages], [p.heading for p in passages])
        starts, heads = self._headings[rec.doc_id]
        i = bisect.bisect_right(starts, rec.start) - 1
        return heads[i] if i >= 0 else ""


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


def load_round(round_no: int | str, gold_dir: Path = GOLD_DIR) -> list[GoldRecord]:
    path = gold_dir / ROUND_FILES[round_no]
    return read_gold_file(path) if path.is_file() else []


def load_first(gold_dir: Path = GOLD_DIR) -> list[GoldRecord]:
    """First annotations of every passage (rounds 1, 3 and 4)."""
    return [r for n in FIRST_ROUNDS for r in load_round(n, gold_dir)]


def load_second(gold_dir: Path = GOLD_DIR) -> list[GoldRecord]:
    """Blind second annotations (agreement studies): round 2 and the doubles of rounds 3 and 4."""
    return [r for n in SECOND_ROUNDS for r in load_round(n, gold_dir)]


def sealed_documents(path: Path = SEALED_FILE) -> set[str]:
    """Ids of the sealed split's documents (with their PDF twins)."""
    if not path.is_file():
        return set()
    return set(json.loads(path.read_text(encoding="utf-8")).get("documents", []))


def load_recheck(gold_dir: Path = GOLD_DIR) -> tuple[list[GoldRecord], list[GoldRecord]]:
    """The round-1 recheck's two blind readings (annotators ``rechk_a`` and ``rechk_b``)."""
    path = gold_dir / RECHECK_FILE
    rows = read_gold_file(path) if path.is_file() else []
    return [r for r in rows if r.annotator == "rechk_a"], [r for r in rows if r.annotator == "rechk_b"]


def load_adjudicated(gold_dir: Path = GOLD_DIR) -> list[GoldRecord]:
    """Decisions that override the first annotation, later ones winning: consistency-review
    corrections, adjudications, then the round-1 recheck's decisions."""
    out: list[GoldRecord] = []
    for name in (REVIEW_FILE, ADJUDICATED_FILE, RECHECK_DECISIONS_FILE):
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
    for doc_id in sealed_documents():
        if doc_id in out:
            raise DataError(f"{path}: document {doc_id} is in {out[doc_id]} and in the sealed split")
        out[doc_id] = "sealed"
    return out


def load_gold(
    split: str | None = None, corpus_dir: str | Path | None = None, gold_dir: Path = GOLD_DIR, check: bool = True
) -> list[GoldRecord]:
    """The resolved gold records (of one split), verified against the corpus unless ``check=False``.

    ``split=None`` or ``"all"`` gives every non-sealed passage; ``"sealed"`` the sealed split's gold.
    """
    if split is not None and split not in (*SPLITS, POOL, "sealed"):
        raise DataError(f"unknown split {split!r}; use one of {', '.join((*SPLITS, POOL, 'sealed'))}")
    if split == "sealed":
        if not SEALED_GOLD.is_file():
            raise DataError(f"no sealed gold at {SEALED_GOLD}", hint="The sealed split's annotators write it.")
        records = read_gold_file(SEALED_GOLD)
        if check:
            verify(records, CorpusTexts(corpus_dir))
        return records
    sealed = sealed_documents()
    records = [r for r in resolve(load_first(gold_dir), load_adjudicated(gold_dir)) if r.doc_id not in sealed]
    if not records:
        raise DataError(f"no gold annotations in {gold_dir}")
    if split == POOL:
        split = None
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
    split: str | None = None, corpus_dir: str | Path | None = None, gold_dir: Path = GOLD_DIR,
    texts: CorpusTexts | None = None,
) -> Iterator[dict[str, Any]]:
    """Gold passages with their text, in the exchange format read by ``evaluate`` and ``predict``
    (``texts``: documents already read, shared with the caller)."""
    texts = texts or CorpusTexts(corpus_dir)
    records = load_gold(split, corpus_dir, gold_dir, check=False)
    splits = load_splits() if SPLITS_FILE.is_file() else {}
    ops = load_ops(gold_dir) if split != "sealed" else {}
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
                "annotator": rec.annotator, "round": rec.round, "heading": texts.heading(rec),
                "ops": ops.get(rec.id, {}),
            },
        }


def load_ops(gold_dir: Path = GOLD_DIR) -> dict[str, dict[str, dict[str, Any]]]:
    """passage id -> theme -> {"primary": op, "secondary": [ops]}: the resolved OP gold.

    ``ops.jsonl`` holds one record per annotator and (passage, theme); an ``adjudicator`` record wins,
    else the first annotator's (the record whose ``round`` is not a second round).
    """
    path = gold_dir / OPS_FILE
    if not path.is_file():
        return {}
    out: dict[str, dict[str, dict[str, Any]]] = {}
    rank: dict[tuple[str, str], int] = {}
    for rec in read_ops_file(path):
        key = (passage_id(rec["doc_id"], rec["start"], rec["end"]), rec["theme"])
        r = 2 if rec.get("annotator") == "adjudicator" else (0 if rec.get("round") in OP_SECOND_ROUNDS else 1)
        if r >= rank.get(key, -1):
            rank[key] = r
            out.setdefault(key[0], {})[key[1]] = {"primary": int(rec["primary"]),
                                                  "secondary": [int(x) for x in rec.get("secondary", [])]}
    return out


def read_ops_file(path: str | Path) -> list[dict[str, Any]]:
    """OP gold records, each ``{doc_id, start, end, sha1, theme, primary, secondary, annotator, round}``."""
    def parse(raw: dict[str, Any]) -> dict[str, Any]:
        raw["start"], raw["end"], raw["primary"] = int(raw["start"]), int(raw["end"]), int(raw["primary"])
        str(raw["doc_id"]), str(raw["theme"])
        return raw

    return _read_jsonl(path, parse, "OP record")


def _read_jsonl(path: str | Path, parse: Any, what: str) -> list[Any]:
    """Parse each record of a JSONL file (read by the evaluation harness's reader); a malformed one
    fails with its file and line number."""
    from tipnlp.evaluation.io import read_jsonl

    out = []
    for n, raw in read_jsonl(path):
        try:
            out.append(parse(raw))
        except (KeyError, TypeError, ValueError) as err:
            raise DataError(f"{path}:{n}: malformed {what} ({type(err).__name__}: {err})") from None
    return out


def label_counts(records: Iterable[GoldRecord]) -> Counter:
    counts: Counter = Counter()
    for rec in records:
        counts.update(rec.labels)
        if not rec.labels:
            counts["(none)"] += 1
    return counts


def _kappa(a: list[bool], b: list[bool]) -> float | None:
    """Cohen's kappa for two binary label lists (None when both annotators are constant and equal)."""
    n = len(a)
    if not n:
        return None
    po = sum(x == y for x, y in zip(a, b)) / n
    pa, pb = sum(a) / n, sum(b) / n
    pe = pa * pb + (1 - pa) * (1 - pb)
    return None if pe >= 1 else (po - pe) / (1 - pe)


def agreement(
    first: Iterable[GoldRecord], second: Iterable[GoldRecord], themes: Iterable[str]
) -> dict[str, Any]:
    """Per-theme Cohen's kappa and raw agreement between first and blind second annotations."""
    by_id = {r.id: r for r in first}
    pairs = [(by_id[r.id], r) for r in second if r.id in by_id]
    out: dict[str, Any] = {"pairs": len(pairs), "per_theme": {}}
    for t in themes:
        a = [t in p.labels for p, _ in pairs]
        b = [t in q.labels for _, q in pairs]
        out["per_theme"][t] = {
            "kappa": _kappa(a, b), "agree": sum(x == y for x, y in zip(a, b)) / max(len(a), 1),
            "positives_first": sum(a), "positives_second": sum(b),
            "disagreements": sum(x != y for x, y in zip(a, b)),
        }
    out["exact_match"] = sum(set(p.labels) == set(q.labels) for p, q in pairs) / max(len(pairs), 1)
    ks = [v["kappa"] for v in out["per_theme"].values() if v["kappa"] is not None]
    out["mean_kappa"] = sum(ks) / len(ks) if ks else None
    return out


# -- AIMS.au sentence labels (another project's scheme, read as training rows) ----------------------

AIMS_FOLDER = ("annotations", "aims")
AIMS_C4 = ("C4 (risk mitigation)", "C4 (remediation)")
# criteria that describe the reporting entity or sign the statement off: no theme in our codebook
AIMS_NO_THEME = ("Approval", "Signature", "C1 (reporting entity)", "C2 (structure)", "C2 (operations)")


def read_aims(corpus_dir: str | Path | None = None) -> dict[str, list[dict[str, Any]]]:
    """statement (corpus doc id) -> its AIMS.au sentence rows ``{sentence, sentence_idx, labels}``."""
    from tipnlp.corpus import corpus_root

    folder = corpus_root(corpus_dir).joinpath(*AIMS_FOLDER)
    out: dict[str, list[dict[str, Any]]] = {}
    for path in sorted(folder.glob("*.sentences.jsonl")):
        with path.open(encoding="utf-8") as fh:
            out[path.name.split(".")[0]] = [json.loads(x) for x in fh if x.strip()]
    return out


def aims_sentence_label(labels: dict[str, Any]) -> list[str] | None:
    """Our label for an AIMS.au sentence: C4 (actions to assess and address risk, remediation) ->
    ``supply_chains``; no criterion or only entity/sign-off criteria -> no theme; None (unused) for
    the criteria our codebook splits either way (supply-chain description, risks, effectiveness,
    consultation)."""
    marked = {k for k, v in labels.items() if v}
    if marked & set(AIMS_C4):
        return ["supply_chains"]
    if marked <= set(AIMS_NO_THEME):
        return []
    return None


def aims_sentence_records(corpus_dir: str | Path | None = None, positives_only: bool = False) -> list[dict[str, Any]]:
    """Training rows from AIMS.au sentence labels, one per sentence, bound to their statement
    (``positives_only``: the C4 sentences alone).

    Each row names its statement's ``doc_id`` and carries ``doc_bound``: cross-validation trains on it
    only in folds whose training documents include that statement. Statements of the sealed split are
    never read. Our check of the mapping (``corpora/aims_mapping.json``): 58% of C4 sentences read
    alone are ``supply_chains`` by our codebook, 7% of the others. In grouped CV these rows lowered
    ``supply_chains`` average precision (0.818 -> 0.782 for the TF-IDF/lexicon model), so no shipped config
    uses them (``evaluation/reports/comparison/sentence_labels_and_thresholds.md``)."""
    manifest = manifest_index(corpus_dir)
    sealed = sealed_documents()
    out: list[dict[str, Any]] = []
    for doc_id, rows in read_aims(corpus_dir).items():
        if doc_id in sealed or doc_id not in manifest:
            continue
        doc_type = manifest[doc_id].get("doc_type") or "corporate_statement"
        for row in rows:
            labels = aims_sentence_label(row.get("labels") or {})
            text = str(row.get("sentence") or "").strip()
            if labels is None or len(text) < 3 or (positives_only and not labels):
                continue
            out.append({"id": f"aims:{doc_id}:{row.get('sentence_idx')}", "doc_id": doc_id, "text": text,
                        "labels": labels, "doc_bound": True,
                        "meta": {"heading": "", "doc_type": doc_type, "split": "aims"}})
    return out
