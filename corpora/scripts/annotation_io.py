"""Small readers shared by the annotation scripts of 2026-12-07 (recheck_r1.py, round4.py): JSON lines,
theme labels in codebook order, and an annotator's OP choice for one theme."""

from __future__ import annotations

import json
from pathlib import Path

THEMES = ("demand_reduction", "non_punishment", "gender_sensitive_training", "supply_chains", "organ_removal")


def read_jsonl(path: Path) -> list[dict]:
    """The rows of a JSON-lines file; none when the file does not exist."""
    return [json.loads(x) for x in path.open(encoding="utf-8") if x.strip()] if path.is_file() else []


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
