"""File writing shared by the review modules: one leaf module, so formats.py and io.py need not import each other."""

from __future__ import annotations

import os
from pathlib import Path

from tipnlp.errors import InputUnreadable


def atomic_write(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` in one step (temp file, then rename): never a half-written file."""
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(tmp, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except OSError as err:
        tmp.unlink(missing_ok=True)
        raise InputUnreadable(f"cannot write {path}: {err.strerror or err}", hint="Choose a writable --out path.") from None
