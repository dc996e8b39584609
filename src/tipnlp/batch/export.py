"""Parquet and CSV copies of a results folder, made from its JSONL (which stays the source of truth).

Parquet keeps the nested structure with an explicit schema (themes with evidence, OP links), so
the column types do not depend on which documents happen to come first. CSV is flat: one row per
(passage, theme) like ``tipnlp classify --format csv`` (its OPs with the primary marked, ``35*;36``,
and the primary OP in its own column), and one row per document.
"""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path
from typing import Any, Iterable, Iterator

from tipnlp.batch.writer import DOCUMENTS_FILE, PASSAGES_FILE, iter_records
from tipnlp.op_output import ops_label, theme_ops

PASSAGE_CSV_FIELDS = [
    "source", "doc_id", "passage_id", "page", "page_end", "start", "end", "heading", "theme", "score", "ops",
    "primary_op", "evidence", "text",
]
DOCUMENT_CSV_FIELDS = [
    "source", "doc_id", "sha256", "format", "pages", "n_passages", "n_tagged", "passages_written", "model",
    "themes", "theme_passages", "ops_covered", "primary_ops", "error_code", "error_message", "seconds",
]
_BATCH_ROWS = 4096


def _passage_schema():
    import pyarrow as pa

    evidence = pa.struct([("start", pa.int64()), ("end", pa.int64()), ("text", pa.string()), ("source", pa.string())])
    op = pa.struct([("op", pa.int64()), ("score", pa.float64()), ("themes", pa.list_(pa.string())),
                    ("primary", pa.bool_())])
    theme = pa.struct([("id", pa.string()), ("score", pa.float64()), ("evidence", pa.list_(evidence)),
                       ("ops", pa.list_(op))])
    return pa.schema([
        ("source", pa.string()), ("doc_id", pa.string()), ("passage_id", pa.string()),
        ("page", pa.int64()), ("page_end", pa.int64()), ("start", pa.int64()), ("end", pa.int64()),
        ("heading", pa.string()), ("text", pa.string()),
        ("themes", pa.list_(theme)), ("ops", pa.list_(op)), ("schema_version", pa.string()),
    ])


def _document_schema():
    import pyarrow as pa

    theme = pa.struct([
        ("id", pa.string()), ("passages", pa.int64()), ("max_score", pa.float64()), ("evidence_score", pa.float64()),
    ])
    return pa.schema([
        ("source", pa.string()), ("doc_id", pa.string()), ("sha256", pa.string()), ("format", pa.string()),
        ("pages", pa.int64()), ("n_passages", pa.int64()), ("n_tagged", pa.int64()),
        ("passages_written", pa.int64()), ("model", pa.string()),
        ("themes", pa.list_(theme)), ("ops_covered", pa.list_(pa.int64())),
        ("primary_ops", pa.list_(pa.int64())), ("error_code", pa.string()), ("error_message", pa.string()), ("seconds", pa.float64()),
        ("metadata", pa.string()), ("schema_version", pa.string()),
    ])


def _error(record: dict[str, Any]) -> tuple[str | None, str | None]:
    error = record.get("error")
    if isinstance(error, dict):
        return error.get("code"), error.get("message")
    return (None, None) if not error else ("error", str(error))


def _document_row(record: dict[str, Any]) -> dict[str, Any]:
    code, message = _error(record)
    row = {name: record.get(name) for name in (
        "source", "doc_id", "sha256", "format", "pages", "n_passages", "n_tagged", "passages_written", "model",
        "ops_covered", "primary_ops", "seconds", "schema_version",
    )}
    row["themes"] = [
        {k: t.get(k) for k in ("id", "passages", "max_score", "evidence_score")} for t in record.get("themes") or []
    ]
    row["error_code"], row["error_message"] = code, message
    row["metadata"] = json.dumps(record.get("metadata") or {}, ensure_ascii=False, sort_keys=True)
    return row


def _chunks(rows: Iterable[dict[str, Any]], size: int = _BATCH_ROWS) -> Iterator[list[dict[str, Any]]]:
    chunk: list[dict[str, Any]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _write_parquet(rows: Iterable[dict[str, Any]], schema, path: Path) -> int:
    import pyarrow as pa
    import pyarrow.parquet as pq

    tmp = path.with_name(f".{path.name}.tmp")
    n = 0
    with pq.ParquetWriter(tmp, schema) as writer:
        for chunk in _chunks(rows):
            writer.write_table(pa.Table.from_pylist(chunk, schema=schema))
            n += len(chunk)
        if n == 0:
            writer.write_table(schema.empty_table())
    os.replace(tmp, path)
    return n


def _passage_csv_rows(records: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for p in records:
        base = {k: p.get(k) for k in ("source", "doc_id", "passage_id", "page", "page_end", "start", "end", "heading")}
        base["text"] = " ".join(str(p.get("text") or "").split())
        themes = p.get("themes") or []
        if not themes:
            yield dict(base, theme="", score="", ops="", primary_op="", evidence="")
        for t in themes:
            links = theme_ops(p, t)
            yield dict(
                base,
                theme=t.get("id"),
                score=t.get("score"),
                ops=ops_label(links),
                primary_op=links[0]["op"] if links else "",
                evidence=" | ".join(str(e.get("text", "")) for e in t.get("evidence") or []),
            )


def _document_csv_rows(records: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for record in records:
        row = _document_row(record)
        themes = record.get("themes") or []
        row["themes"] = ";".join(str(t.get("id")) for t in themes)
        row["theme_passages"] = ";".join(f"{t.get('id')}:{t.get('passages')}" for t in themes)
        row["ops_covered"] = ";".join(str(op) for op in record.get("ops_covered") or [])
        row["primary_ops"] = ";".join(str(op) for op in record.get("primary_ops") or [])
        yield {k: row.get(k) for k in DOCUMENT_CSV_FIELDS}


def _write_csv(rows: Iterable[dict[str, Any]], fields: list[str], path: Path) -> int:
    tmp = path.with_name(f".{path.name}.tmp")
    n = 0
    with open(tmp, "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields, lineterminator="\n", extrasaction="ignore")
        writer.writeheader()
        for row in rows:
            writer.writerow(row)
            n += 1
    os.replace(tmp, path)
    return n


def export_results(out_dir: str | os.PathLike[str], fmt: str) -> list[Path]:
    """Write ``passages.<fmt>`` and ``documents.<fmt>`` (``parquet`` or ``csv``) next to the JSONL files."""
    out = Path(out_dir)
    passages = iter_records(out / PASSAGES_FILE)
    documents = iter_records(out / DOCUMENTS_FILE)
    if fmt == "parquet":
        schema = _passage_schema()
        names = schema.names
        _write_parquet(({k: p.get(k) for k in names} for p in passages), schema, out / "passages.parquet")
        _write_parquet((_document_row(d) for d in documents), _document_schema(), out / "documents.parquet")
    elif fmt == "csv":
        _write_csv(_passage_csv_rows(passages), PASSAGE_CSV_FIELDS, out / "passages.csv")
        _write_csv(_document_csv_rows(documents), DOCUMENT_CSV_FIELDS, out / "documents.csv")
    else:
        raise ValueError(f"unknown export format {fmt!r}")
    return [out / f"passages.{fmt}", out / f"documents.{fmt}"]
