"""DOCX body text with python-docx: paragraphs and table cells in document order, blank-line separated."""

from __future__ import annotations

import io
from typing import Any

from tipnlp.errors import CorruptDocument, DocumentTooLarge, TipnlpError

MAX_TABLE_DEPTH = 20
MAX_XML_BYTES = 256 * 1024 * 1024
"""Most XML (all parts together, uncompressed) a DOCX may hold: python-docx inflates every part into
memory before parsing, so a small file that inflates to gigabytes (a ZIP bomb) must be refused first."""
MAX_XML_RATIO = 200
"""An XML part over 16 MB that inflates more than this many times is a bomb, not a document (real
WordprocessingML compresses 5-30 times)."""


def check_expansion(data: bytes, name: str) -> None:
    """Refuse a DOCX whose XML parts inflate past ``MAX_XML_BYTES`` or by a bomb-like ratio.

    Reads only the ZIP directory (declared sizes; zipfile stops at the declared size and then fails
    its CRC check, so a part cannot inflate past what it declares).
    """
    import zipfile

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            infos = zf.infolist()
    except Exception:  # not a readable ZIP: python-docx reports it as corrupt below
        return
    total = 0
    for info in infos:
        if not info.filename.endswith((".xml", ".rels")):
            continue
        total += info.file_size
        if info.file_size > 16 * 1024 * 1024 and info.file_size > MAX_XML_RATIO * max(info.compress_size, 1):
            raise DocumentTooLarge(
                f"{name}: the DOCX part {info.filename} inflates from {info.compress_size} to {info.file_size} bytes; "
                "it looks like a ZIP bomb, not a document",
                hint="Open the file in a word processor and save it again, or export it to PDF.",
            )
    if total > MAX_XML_BYTES:
        raise DocumentTooLarge(
            f"{name}: the DOCX holds {total} bytes of XML once unpacked, more than the limit of {MAX_XML_BYTES}",
            hint="Split the document, or export it to PDF.",
        )


def _blocks(container: Any, depth: int = 0):
    """Paragraph texts of a body or cell, descending into tables (merged cells read once)."""
    from docx.table import Table

    for item in container.iter_inner_content():
        if isinstance(item, Table):
            if depth >= MAX_TABLE_DEPTH:
                continue
            seen: set[Any] = set()  # the cell elements themselves: kept alive, compared by identity
            for row in item.rows:
                for cell in row.cells:
                    if cell._tc in seen:
                        continue
                    seen.add(cell._tc)
                    yield from _blocks(cell, depth + 1)
        else:
            yield item.text


def read_docx(data: bytes, name: str) -> tuple[str, dict[str, Any]]:
    """Text of a .docx (paragraphs and table cells joined by blank lines) and its core-properties title."""
    import docx

    metadata: dict[str, Any] = {}
    check_expansion(data, name)
    try:
        document = docx.Document(io.BytesIO(data))
        paras = [t.strip() for t in _blocks(document)]
        props = document.core_properties
        title = (props.title or "").strip()
        author = (props.author or "").strip()
    except TipnlpError:
        raise
    except Exception as exc:
        raise CorruptDocument(f"{name}: the DOCX file cannot be read ({type(exc).__name__}: {exc})") from exc
    if title:
        metadata["title"] = title
    if author:
        metadata["author"] = author
    return "\n\n".join(p for p in paras if p), metadata
