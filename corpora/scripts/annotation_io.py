"""Small readers and writers shared by the annotation scripts of 2026-12-07 (recheck_r1.py, round4.py):
JSON lines, theme labels in codebook order, an annotator's OP choice, and stand-off records."""

from __future__ import annotations

import json
from pathlib import Path

from tipnlp.gold import text_sha1

THEMES = ("demand_reduction", "non_punishment", "gender_sensitive_training", "supply_chains", "organ_removal")


def read_jsonl(path: Path) -> list[dict]:
    """The rows of a JSON-lines file; none when the file does not exist."""
    return [json.loads(x) for x in path.open(encoding="utf-8") if x.strip()] if path.is_file() else []


def write_jsonl(path: Path, rows, ensure_ascii: bool = True) -> None:
    path.write_text("".join(json.dumps(r, ensure_ascii=ensure_ascii) + "\n" for r in rows), encoding="utf-8")


def replace_rounds(path: Path, rounds: set, new: list[dict]) -> None:
    """Rewrite a shared gold file (``adjudicated.jsonl``, ``ops.jsonl``) with this script's earlier
    records (``rounds``) replaced by ``new``, so that re-running an import gives the same file."""
    write_jsonl(path, [r for r in read_jsonl(path) if r.get("round") not in rounds] + new)


def theme_labels(values) -> list[str]:
    """Core-theme labels in codebook order; anything else dropped."""
    return [t for t in THEMES if t in set(values or [])]


def op_choice(row: dict, theme: str) -> dict | None:
    """``{"primary", "secondary"}`` from an annotator's ``ops`` for ``theme`` (None without a primary)."""
    o = (row.get("ops") or {}).get(theme) or {}
    if "primary" not in o:
        return None
    primary = int(o["primary"])
    return {"primary": primary, "secondary": sorted({int(x) for x in o.get("secondary", [])} - {primary})}


def doc_of(pid: str) -> str:
    """The document id of a passage id (``tipnlp.records.passage_id``: ``doc:start-end``)."""
    return pid.rsplit(":", 1)[0]


def span_of(pid: str) -> tuple[int, int]:
    start, end = pid.rsplit(":", 1)[1].split("-")
    return int(start), int(end)


def stand_off(pid: str, text: str) -> dict:
    """The stand-off part of a gold record: document, offsets and the sha1 of the span's text."""
    start, end = span_of(pid)
    return {"doc_id": doc_of(pid), "start": start, "end": end, "sha1": text_sha1(text)}
