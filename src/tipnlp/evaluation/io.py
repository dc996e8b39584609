"""JSON Lines input and output for evaluation: gold/input files and prediction files.

Readers stream (one record at a time) so a 100,000-line file never sits in memory, and every
problem is reported as :class:`~tipnlp.errors.DataError` naming the file and the 1-based line
number, because a user fixing a hand-edited gold file needs to know where to look.
Writers are atomic (temporary file in the same folder, then ``os.replace``): an interrupted run
never leaves a half-written prediction file that a later evaluation would silently read.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator, Mapping

from tipnlp.errors import DataError, InputNotFound, InputUnreadable

__all__ = [
    "GoldRecord",
    "PredictionRecord",
    "read_jsonl",
    "read_gold",
    "read_inputs",
    "read_predictions",
    "write_jsonl",
    "atomic_write_text",
    "atomic_write_bytes",
]


@dataclass(slots=True)
class GoldRecord:
    """One labelled passage: ``id``, ``text``, gold ``labels``; ``doc_id`` groups passages."""

    id: str
    text: str
    labels: list[str] = field(default_factory=list)
    doc_id: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, obj: Mapping[str, Any], where: str = "record", require_labels: bool = True) -> "GoldRecord":
        """Validate a JSON object; ``where`` (e.g. ``gold.jsonl:12``) prefixes every error."""
        if not isinstance(obj, Mapping):
            raise DataError(f"{where}: expected a JSON object, got {type(obj).__name__}")
        rid = _id_value(obj, "id", where)
        text = obj.get("text")
        if text is None:
            raise DataError(f"{where}: missing field 'text'", hint=_GOLD_HINT)
        if not isinstance(text, str):
            raise DataError(f"{where}: 'text' must be a string, got {type(text).__name__}", hint=_GOLD_HINT)
        if "labels" in obj or require_labels:
            labels = _labels_value(obj, where)
        else:
            labels = []
        doc_id = obj.get("doc_id")
        if doc_id is not None:
            doc_id = _id_value(obj, "doc_id", where)
        meta = obj.get("meta") or {}
        if not isinstance(meta, Mapping):
            raise DataError(f"{where}: 'meta' must be an object, got {type(meta).__name__}", hint=_GOLD_HINT)
        return cls(id=rid, text=text, labels=labels, doc_id=doc_id, meta=dict(meta))

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"id": self.id}
        if self.doc_id is not None:
            d["doc_id"] = self.doc_id
        d["text"] = self.text
        d["labels"] = list(self.labels)
        if self.meta:
            d["meta"] = dict(self.meta)
        return d


@dataclass(slots=True)
class PredictionRecord:
    """One model answer: predicted ``labels`` (thresholds applied) and per-theme ``scores``."""

    id: str
    labels: list[str] = field(default_factory=list)
    scores: dict[str, float] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, obj: Mapping[str, Any], where: str = "record") -> "PredictionRecord":
        if not isinstance(obj, Mapping):
            raise DataError(f"{where}: expected a JSON object, got {type(obj).__name__}")
        rid = _id_value(obj, "id", where, hint=_PRED_HINT)
        labels = _labels_value(obj, where, hint=_PRED_HINT)
        raw = obj.get("scores") or {}
        if not isinstance(raw, Mapping):
            raise DataError(f"{where}: 'scores' must be an object {{theme: score}}", hint=_PRED_HINT)
        scores: dict[str, float] = {}
        for key, value in raw.items():
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
                raise DataError(f"{where}: score of {key!r} must be a finite number, got {value!r}", hint=_PRED_HINT)
            scores[str(key)] = float(value)
        return cls(id=rid, labels=labels, scores=scores)

    def to_dict(self, digits: int = 6) -> dict[str, Any]:
        return {
            "id": self.id,
            "labels": list(self.labels),
            "scores": {k: round(float(v), digits) for k, v in self.scores.items()},
        }


_GOLD_HINT = 'Each line must be a JSON object like {"id": "p1", "text": "...", "labels": ["non_punishment"]}.'
_PRED_HINT = 'Each line must be a JSON object like {"id": "p1", "labels": [...], "scores": {"non_punishment": 0.9}}.'


def _id_value(obj: Mapping[str, Any], key: str, where: str, hint: str = _GOLD_HINT) -> str:
    value = obj.get(key)
    if value is None:
        raise DataError(f"{where}: missing field {key!r}", hint=hint)
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise DataError(f"{where}: {key!r} must be a string, got {type(value).__name__}", hint=hint)
    value = str(value)
    if not value:
        raise DataError(f"{where}: {key!r} is empty", hint=hint)
    return value


def _labels_value(obj: Mapping[str, Any], where: str, hint: str = _GOLD_HINT) -> list[str]:
    if "labels" not in obj:
        raise DataError(f"{where}: missing field 'labels'", hint=hint)
    labels = obj["labels"]
    if not isinstance(labels, list):
        raise DataError(f"{where}: 'labels' must be a list of theme ids, got {type(labels).__name__}", hint=hint)
    for lab in labels:
        if not isinstance(lab, str):
            raise DataError(f"{where}: 'labels' must hold strings, found {lab!r}", hint=hint)
    # Keep order, drop duplicates: a label listed twice is still one label.
    return list(dict.fromkeys(labels))


def _open_text(path: Path):
    if not path.exists():
        raise InputNotFound(f"{path}: no such file")
    if path.is_dir():
        raise InputUnreadable(f"{path}: is a folder, expected a JSON Lines file")
    try:
        return path.open("r", encoding="utf-8-sig")  # tolerate a BOM from Windows editors
    except OSError as err:
        raise InputUnreadable(f"{path}: cannot be read ({err.strerror or err})") from None


def read_jsonl(path: str | Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield ``(line_number, object)`` for each non-blank line; 1-based line numbers."""
    path = Path(path)
    with _open_text(path) as handle:
        lineno = 0
        while True:
            try:
                line = handle.readline()
            except UnicodeDecodeError as err:
                raise DataError(f"{path}:{lineno + 1}: not valid UTF-8 ({err.reason})",
                                hint="Save the file as UTF-8.") from None
            if not line:
                return
            lineno += 1
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as err:
                raise DataError(
                    f"{path}:{lineno}: malformed JSON ({err.msg}, column {err.colno})",
                    hint="Each line of a JSON Lines file must be one complete JSON object.",
                ) from None
            if not isinstance(obj, dict):
                raise DataError(f"{path}:{lineno}: expected a JSON object, got {type(obj).__name__}",
                                hint=_GOLD_HINT)
            yield lineno, obj


def read_gold(path: str | Path) -> Iterator[GoldRecord]:
    """Stream gold records (``id``, ``text``, ``labels`` required; ``doc_id``, ``meta`` optional)."""
    for lineno, obj in read_jsonl(path):
        yield GoldRecord.from_dict(obj, where=f"{path}:{lineno}")


def read_inputs(path: str | Path) -> Iterator[GoldRecord]:
    """Stream passages to predict: like :func:`read_gold` but ``labels`` may be absent."""
    for lineno, obj in read_jsonl(path):
        yield GoldRecord.from_dict(obj, where=f"{path}:{lineno}", require_labels=False)


def read_predictions(path: str | Path) -> Iterator[PredictionRecord]:
    """Stream prediction records (``id``, ``labels`` required; ``scores`` optional)."""
    for lineno, obj in read_jsonl(path):
        yield PredictionRecord.from_dict(obj, where=f"{path}:{lineno}")


def _atomic_open(path: Path, mode: str):
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    kwargs = {"encoding": "utf-8", "newline": "\n"} if "b" not in mode else {}
    return os.fdopen(fd, mode, **kwargs), Path(tmp)


def _commit(tmp: Path, path: Path) -> None:
    # mkstemp creates 0600 files; give the result the usual permissions (respecting umask).
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)
    os.replace(tmp, path)


def write_jsonl(path: str | Path, records: Iterable[Mapping[str, Any] | Any]) -> int:
    """Write records (dicts or objects with ``to_dict``) one per line, atomically; return the count.

    ``records`` may be a generator: it is consumed while writing, so memory stays bounded.
    If it raises, the target file is left untouched.
    """
    path = Path(path)
    handle, tmp = _atomic_open(path, "w")
    count = 0
    try:
        with handle:
            for record in records:
                obj = record.to_dict() if hasattr(record, "to_dict") else record
                handle.write(json.dumps(obj, ensure_ascii=False) + "\n")
                count += 1
        _commit(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return count


def atomic_write_text(path: str | Path, text: str) -> Path:
    """Write a text file atomically (reports are read by people and by CI: never half-written)."""
    return _atomic_write(path, "w", text)


def atomic_write_bytes(path: str | Path, data: bytes) -> Path:
    """Write a binary file (a figure) atomically."""
    return _atomic_write(path, "wb", data)


def _atomic_write(path: str | Path, mode: str, content: str | bytes) -> Path:
    path = Path(path)
    handle, tmp = _atomic_open(path, mode)
    try:
        with handle:
            handle.write(content)
        _commit(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path
