"""Read any supported file (PDF, HTML, DOCX, plain text, Markdown) into one ``Document``.

The format is told from the content (see ``detect_format``). Every failure a user can act on is a
``tipnlp.errors`` error naming the file; no raw parser exception escapes.

Text and Markdown are kept verbatim apart from decoding and newline normalisation, because gold
annotations are character offsets into that text. PDF text is cleaned (see ``tipnlp.ingest.cleanup``).
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import PurePath
from typing import Any

from tipnlp.errors import (
    CorruptDocument,
    DocumentTooLarge,
    EmptyDocument,
    InputNotFound,
    InputUnreadable,
    TipnlpError,
)
from tipnlp.ingest.detect import FORMATS, detect_format
from tipnlp.records import Document, PageSpan

__all__ = ["FORMATS", "detect_format", "make_doc_id", "read_bytes", "read_document"]

_ID_BAD = re.compile(r"[^a-z0-9_]")


def make_doc_id(source: str) -> str:
    """Default document id: the file stem, lower-cased, other than ``[a-z0-9_]`` turned into ``_``."""
    stem = PurePath(source).stem if source else ""
    return _ID_BAD.sub("_", stem.lower()) or "document"


def _parse(data: bytes, fmt: str, name: str, password: str | None, max_pages: int | None):
    """Dispatch to the format reader: ``(text, pages or None, metadata)``."""
    if fmt == "pdf":
        from tipnlp.ingest.pdf import read_pdf

        return read_pdf(data, name, password=password, max_pages=max_pages)
    if fmt == "html":
        from tipnlp.ingest.html import read_html

        return _one_page(read_html(data, name))
    if fmt == "docx":
        from tipnlp.ingest.docx import read_docx

        return _one_page(read_docx(data, name))
    from tipnlp.ingest.text import read_text

    text, encoding = read_text(data, name)
    return text, None, {"encoding": encoding}


def _one_page(result: tuple[str, dict[str, Any]]) -> tuple[str, None, dict[str, Any]]:
    text, metadata = result
    return text, None, metadata


def read_bytes(
    data: bytes,
    source: str,
    *,
    password: str | None = None,
    doc_id: str | None = None,
    max_pages: int | None = None,
) -> Document:
    """Read a document held in memory; ``source`` names it in messages and in ``Document.source``."""
    name = str(source)
    if not data:
        raise EmptyDocument(f"{name}: the file is empty (0 bytes)")
    fmt = ""
    try:
        fmt = detect_format(data, name)
        text, pages, metadata = _parse(data, fmt, name, password, max_pages)
    except TipnlpError:
        raise
    except RecursionError as exc:
        raise CorruptDocument(f"{name}: the {fmt.upper() or 'input'} file is nested too deeply to read") from exc
    except Exception as exc:  # a parser bug or hostile input: never let a raw exception escape
        raise CorruptDocument(
            f"{name}: reading the {fmt.upper() or 'input'} file failed ({type(exc).__name__}: {exc})"
        ) from exc
    if not text.strip():
        raise EmptyDocument(f"{name}: the {fmt.upper()} file holds no text (empty or only whitespace)")
    if pages is None:
        pages = [PageSpan(1, 0, len(text))]
    return Document(
        id=doc_id if doc_id is not None else make_doc_id(name),
        source=name,
        sha256=hashlib.sha256(data).hexdigest(),
        text=text,
        format=fmt,
        pages=pages,
        metadata=metadata,
    )


def read_document(
    path: str | os.PathLike[str],
    *,
    password: str | None = None,
    doc_id: str | None = None,
    max_bytes: int | None = None,
    max_pages: int | None = None,
) -> Document:
    """Read the file at ``path`` into a Document (``source`` is the path as given)."""
    name = os.fspath(path)
    try:
        st = os.stat(name)
    except FileNotFoundError as exc:
        raise InputNotFound(f"{name}: no such file") from exc
    except NotADirectoryError as exc:
        raise InputNotFound(f"{name}: no such file (a parent in the path is not a folder)") from exc
    except OSError as exc:
        raise InputUnreadable(f"{name}: cannot be accessed ({exc.strerror or exc})") from exc
    if os.path.isdir(name):
        raise InputUnreadable(f"{name}: is a folder, not a file")
    if max_bytes is not None and st.st_size > max_bytes:
        raise DocumentTooLarge(f"{name}: the file is {st.st_size} bytes, more than the limit of {max_bytes}")
    try:
        with open(name, "rb") as fh:
            data = fh.read() if max_bytes is None else fh.read(max_bytes + 1)
    except IsADirectoryError as exc:
        raise InputUnreadable(f"{name}: is a folder, not a file") from exc
    except OSError as exc:
        raise InputUnreadable(f"{name}: cannot be read ({exc.strerror or exc})") from exc
    if max_bytes is not None and len(data) > max_bytes:  # grew since stat, or a special file
        raise DocumentTooLarge(f"{name}: the file is more than the limit of {max_bytes} bytes")
    return read_bytes(data, name, password=password, doc_id=doc_id, max_pages=max_pages)
