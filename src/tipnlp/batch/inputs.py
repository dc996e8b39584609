"""Turn the batch command's INPUT arguments (files, folders, manifests) into an ordered task list.

Order is deterministic (arguments in order, folders sorted), so two runs over the same inputs assign
the same document ids, whichever engine runs them.
"""

from __future__ import annotations

import fnmatch
import hashlib
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

from tipnlp.errors import DataError, InputNotFound

DEFAULT_GLOBS: tuple[str, ...] = ("*.pdf", "*.txt", "*.md", "*.html", "*.htm", "*.docx")

_ID_BAD = re.compile(r"[^a-z0-9_]")
_MAX_LIST_BYTES = 20 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class BatchTask:
    """One document to tag: its absolute path, the id its records get, and its place in the inputs."""

    index: int
    path: str
    doc_id: str


def _abs(path: str | os.PathLike[str]) -> str:
    return os.path.normpath(os.path.abspath(os.fspath(path)))


def _matches(name: str, globs: Sequence[str]) -> bool:
    lowered = name.lower()
    return any(fnmatch.fnmatchcase(lowered, g.lower()) for g in globs)


def _walk(folder: str, globs: Sequence[str], exclude: set[str]) -> list[str]:
    """Files under ``folder`` matching any glob (case-insensitive); hidden entries and ``exclude`` skipped."""
    found: list[str] = []
    for root, dirs, files in os.walk(folder, followlinks=False):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and _abs(os.path.join(root, d)) not in exclude)
        for name in sorted(files):
            if not name.startswith(".") and _matches(name, globs):
                found.append(_abs(os.path.join(root, name)))
    return sorted(found)


def _jsonl_manifest(path: str) -> list[tuple[str, str | None]]:
    """Entries of a JSON Lines manifest: ``file`` or ``path`` (relative to the manifest), optional ``id``."""
    base = os.path.dirname(path)
    entries: list[tuple[str, str | None]] = []
    try:
        fh = open(path, encoding="utf-8")
    except OSError as err:
        raise InputNotFound(f"{path}: cannot read the manifest ({err.strerror})") from None
    with fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as err:
                raise DataError(
                    f"{path}, line {n}: not valid JSON ({err.msg})",
                    hint='A manifest holds one JSON object per line with a "file" or "path" field.',
                ) from None
            target = row.get("file") or row.get("path") if isinstance(row, dict) else None
            if not isinstance(target, str) or not target:
                raise DataError(
                    f"{path}, line {n}: no \"file\" or \"path\" field",
                    hint='A manifest holds one JSON object per line with a "file" or "path" field.',
                )
            doc_id = row.get("id")
            entries.append((_abs(os.path.join(base, os.path.expanduser(target))), str(doc_id) if doc_id else None))
    return entries


#: How a line of a .txt INPUT must end to be read as a path when no such file exists (yet).
LISTED_SUFFIXES: tuple[str, ...] = (".pdf", ".txt", ".md", ".html", ".htm", ".docx", ".jsonl")
_MAX_PATH_LINE = 4096


def _looks_like_path(line: str, resolved: str) -> bool:
    """A list line: an existing file or folder, or one path-like token ending in a document extension."""
    if os.path.exists(resolved):
        return True
    return (len(line) <= _MAX_PATH_LINE and "\t" not in line
            and line.lower().endswith(LISTED_SUFFIXES))


def _path_list(path: str, strict: bool) -> list[str] | None:
    """Paths listed one per line in a text file (``#`` comments allowed), relative to the list's folder.

    Not ``strict`` (a .txt given as INPUT): the file is a list when every line names an existing file
    or folder or ends in a document extension (.pdf .txt .md .html .htm .docx .jsonl), so a list with
    a missing file is still a list (that entry becomes a ``not_found`` record); otherwise it is a
    document to tag and None is returned.
    """
    try:
        if os.path.getsize(path) > _MAX_LIST_BYTES and not strict:
            return None
        with open(path, encoding="utf-8") as fh:
            lines = [ln.strip() for ln in fh]
    except UnicodeDecodeError:
        if strict:
            raise DataError(f"{path}: a list of paths must be UTF-8 text") from None
        return None
    except OSError as err:
        raise InputNotFound(f"{path}: cannot read the list ({err.strerror})") from None
    base = os.path.dirname(path)
    listed = [ln for ln in lines if ln and not ln.startswith("#")]
    paths = [_abs(os.path.join(base, os.path.expanduser(ln))) for ln in listed]
    if strict:
        return paths
    if not paths or not all(_looks_like_path(ln, p) for ln, p in zip(listed, paths)):
        return None
    return paths


def _manifest_entries(path: str, strict: bool) -> list[tuple[str, str | None]] | None:
    if path.lower().endswith(".jsonl"):
        return _jsonl_manifest(path)
    listed = _path_list(path, strict)
    return None if listed is None else [(p, None) for p in listed]


def collect_inputs(
    inputs: Iterable[str | os.PathLike[str]] = (),
    *,
    manifests: Iterable[str | os.PathLike[str]] = (),
    globs: Sequence[str] | None = None,
    exclude: Iterable[str | os.PathLike[str]] = (),
) -> list[tuple[str, str | None]]:
    """``(absolute path, id or None)`` of every document named by ``inputs`` and ``manifests``.

    An input is a file, a folder (searched recursively for ``globs``, by default PDF, text, Markdown,
    HTML and DOCX), a ``.jsonl`` manifest, or a ``.txt`` list of paths (recognised when every line
    names an existing path or ends in a document extension). Missing files named by a manifest or
    list are kept (they become ``not_found`` records), as for every entry of ``manifests``. A path seen twice is kept
    once; anything under an ``exclude`` folder (the results folder) is skipped.
    """
    globs = tuple(globs) if globs else DEFAULT_GLOBS
    skip = {_abs(p) for p in exclude}
    ordered: dict[str, str | None] = {}

    def add(path: str, doc_id: str | None = None) -> None:
        if path in ordered or any(path == s or path.startswith(s + os.sep) for s in skip):
            return
        ordered[path] = doc_id

    def expand(path: str, doc_id: str | None, from_manifest: bool) -> None:
        if os.path.isdir(path):
            for found in _walk(path, globs, skip):
                add(found)
        elif from_manifest or os.path.exists(path):
            add(path, doc_id)
        else:
            raise InputNotFound(f"{path}: no such file or folder")

    for manifest in manifests:
        mpath = _abs(manifest)
        if not os.path.isfile(mpath):
            raise InputNotFound(f"{mpath}: no such manifest")
        for target, doc_id in _manifest_entries(mpath, strict=True) or []:
            expand(target, doc_id, True)
    for item in inputs:
        path = _abs(item)
        lowered = path.lower()
        if os.path.isfile(path) and (lowered.endswith(".jsonl") or lowered.endswith(".txt")):
            entries = _manifest_entries(path, strict=False)
            if entries is not None:
                for target, doc_id in entries:
                    expand(target, doc_id, True)
                continue
        expand(path, None, False)
    return list(ordered.items())


def _base_id(path: str, given: str | None) -> str:
    if given:
        return given
    stem = Path(path).stem.lower()
    return _ID_BAD.sub("_", stem) or "document"


def assign_ids(entries: Sequence[tuple[str, str | None]], taken: Iterable[str] = ()) -> list[BatchTask]:
    """Tasks with unique document ids: the manifest id or file stem, ``_2``, ``_3``... on a clash."""
    used = set(taken)
    tasks = []
    for index, (path, given) in enumerate(entries):
        base = _base_id(path, given)
        doc_id, n = base, 1
        while doc_id in used:
            n += 1
            doc_id = f"{base}_{n}"
        used.add(doc_id)
        tasks.append(BatchTask(index=index, path=path, doc_id=doc_id))
    return tasks


def file_sha256(path: str) -> str | None:
    """SHA-256 of a file's bytes (None when it cannot be read): how resume recognises done documents."""
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                digest.update(chunk)
    except OSError:
        return None
    return digest.hexdigest()


def resume_key(sha256: str | None, source: str) -> str:
    """The key a document is matched on when resuming: its content hash, or its path if unreadable."""
    return sha256 if sha256 else f"path:{source}"
