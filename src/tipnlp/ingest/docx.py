"""DOCX body text with python-docx: paragraphs and table cells in document order, blank-line separated."""

from __future__ import annotations

import io
from typing import Any

from tipnlp.errors import CorruptDocument, TipnlpError

MAX_TABLE_DEPTH = 20


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
