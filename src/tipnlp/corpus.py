"""Access to the shared corpus: where it is, its manifest, and its documents read by tipnlp's own ingest.

The corpus root is ``--corpus-dir``, else ``TIPNLP_CORPUS_DIR``, else ``../shared/corpora`` beside the
repository (or beside the current folder). Documents are read from there; their text never enters
the repository.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping, Sequence

from tipnlp.errors import DataError
from tipnlp.records import Document

ENV_VAR = "TIPNLP_CORPUS_DIR"
REPO_ROOT = Path(__file__).resolve().parents[2]
RESOLUTION_ID = "resolution-71-167"


def corpus_root(corpus_dir: str | Path | None = None, must_exist: bool = True) -> Path:
    """Resolve the corpus folder (the one holding ``manifest.jsonl``)."""
    candidates: list[Path] = []
    if corpus_dir:
        candidates.append(Path(corpus_dir))
    elif os.environ.get(ENV_VAR):
        candidates.append(Path(os.environ[ENV_VAR]))
    else:
        candidates += [REPO_ROOT.parent / "shared" / "corpora", Path.cwd().parent / "shared" / "corpora"]
    for path in candidates:
        if (path / "manifest.jsonl").is_file():
            return path.resolve()
    if must_exist:
        tried = ", ".join(str(p) for p in candidates)
        raise DataError(
            f"no corpus found (looked for manifest.jsonl in: {tried})",
            hint=f"Pass --corpus-dir or set {ENV_VAR} to the folder holding manifest.jsonl.",
        )
    return candidates[0]


def iter_manifest(corpus_dir: str | Path | None = None) -> Iterator[dict[str, Any]]:
    """Rows of ``manifest.jsonl`` in file order."""
    root = corpus_root(corpus_dir)
    with open(root / "manifest.jsonl", encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if line.strip():
                try:
                    yield json.loads(line)
                except json.JSONDecodeError as err:
                    raise DataError(f"manifest.jsonl line {n}: not valid JSON ({err.msg})") from None


def manifest_index(corpus_dir: str | Path | None = None) -> dict[str, dict[str, Any]]:
    return {row["id"]: row for row in iter_manifest(corpus_dir)}


def resolution_path(corpus_dir: str | Path | None = None) -> Path:
    return corpus_root(corpus_dir).parent / "resolution-71-167.md"


def document_path(row: dict[str, Any], corpus_dir: str | Path | None = None) -> Path:
    if row["id"] == RESOLUTION_ID:
        return resolution_path(corpus_dir)
    return corpus_root(corpus_dir) / row["file"]


def resolution_row() -> dict[str, Any]:
    """A manifest-like row for the resolution itself, whose operative paragraphs are gold passages too."""
    return {
        "id": RESOLUTION_ID,
        "title": "UN General Assembly resolution 71/167, Trafficking in women and girls (2016)",
        "jurisdiction": "United Nations",
        "doc_type": "un_resolution",
        "year": 2016,
        "format": "md",
        "file": "../resolution-71-167.md",
        "sha256": None,
    }


def read_corpus_document(
    row: dict[str, Any], corpus_dir: str | Path | None = None, verify: bool = True
) -> Document:
    """Read one manifest document with tipnlp's ingest; check its sha256 against the manifest."""
    from tipnlp.ingest import read_document

    path = document_path(row, corpus_dir)
    if verify and row.get("sha256"):
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        if digest != row["sha256"]:
            raise DataError(
                f"{row['id']}: sha256 of {path} is {digest[:12]}..., the manifest says {row['sha256'][:12]}...",
                hint="The corpus file changed; restore it from the shared corpus or update the manifest.",
            )
    doc = read_document(path, doc_id=row["id"])
    doc.metadata.update({k: row.get(k) for k in ("title", "doc_type", "jurisdiction", "year") if row.get(k)})
    return doc


def cache_dir() -> Path:
    """Local, git-ignored cache (``TIPNLP_CACHE_DIR`` or ``.cache/`` in the checkout)."""
    return Path(os.environ.get("TIPNLP_CACHE_DIR") or REPO_ROOT / ".cache")


def build_corpus(
    corpus_dir: str | Path | None = None,
    out_dir: str | Path | None = None,
    progress: "Callable[[str], None] | None" = None,
    *,
    splits: "Mapping[str, str] | None" = None,
    gold_labels: "Mapping[str, Sequence[str]] | None" = None,
) -> tuple[Path, list[dict[str, Any]]]:
    """Ingest and segment every manifest document, verify sha256s, save passages as a HF dataset.

    ``splits`` (doc id -> split) and ``gold_labels`` (passage id -> theme ids) are passed in by the
    caller (``tipnlp corpus build`` reads them from :mod:`tipnlp.gold`), so this module does not
    depend on the gold module, which depends on it. Returns the dataset folder and one status row per
    document (``error`` set when it failed, e.g. the scanned PDF). Passage ids are stable: document
    id plus character offsets.
    """
    from datasets import Dataset

    from tipnlp.errors import TipnlpError
    from tipnlp.segment import segment

    splits = dict(splits or {})
    gold_labels = {k: list(v) for k, v in (gold_labels or {}).items()}

    rows = list(iter_manifest(corpus_dir)) + [resolution_row()]
    columns: dict[str, list] = {k: [] for k in (
        "id", "doc_id", "start", "end", "page_start", "page_end", "heading", "kind", "text",
        "doc_type", "jurisdiction", "year", "split", "gold_labels", "has_gold")}
    status = []
    for row in rows:
        if progress:
            progress(row["id"])
        try:
            doc = read_corpus_document(row, corpus_dir)
        except TipnlpError as err:
            status.append({"doc_id": row["id"], "doc_type": row.get("doc_type"), "passages": 0, "error": f"{err.code}: {err}"})
            continue
        passages = segment(doc)
        for p in passages:
            columns["id"].append(p.passage_id)
            columns["doc_id"].append(p.doc_id)
            columns["start"].append(p.start)
            columns["end"].append(p.end)
            columns["page_start"].append(p.page_start)
            columns["page_end"].append(p.page_end)
            columns["heading"].append(p.heading)
            columns["kind"].append(p.kind)
            columns["text"].append(p.text)
            columns["doc_type"].append(row.get("doc_type"))
            columns["jurisdiction"].append(row.get("jurisdiction"))
            columns["year"].append(row.get("year"))
            columns["split"].append(splits.get(row["id"], "unassigned"))
            columns["gold_labels"].append(gold_labels.get(p.passage_id, []))
            columns["has_gold"].append(p.passage_id in gold_labels)
        status.append({"doc_id": row["id"], "doc_type": row.get("doc_type"), "passages": len(passages),
                       "pages": doc.page_count, "error": None})
    out = Path(out_dir) if out_dir else cache_dir() / "corpus"
    Dataset.from_dict(columns).save_to_disk(str(out))
    (out / "documents.json").write_text(json.dumps(status, indent=1), encoding="utf-8")
    return out, status


def load_corpus_dataset(path: str | Path | None = None):
    """The passages dataset written by ``build_corpus``."""
    from datasets import load_from_disk

    path = Path(path) if path else cache_dir() / "corpus"
    if not (path / "dataset_info.json").is_file():
        raise DataError(f"no built corpus at {path}", hint="Run `tipnlp corpus build` first.")
    return load_from_disk(str(path))
