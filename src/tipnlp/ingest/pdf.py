"""PDF text with pypdfium2, one page at a time, cleaned and joined with page offsets."""

from __future__ import annotations

import re
from typing import Any

from tipnlp.errors import (
    CorruptDocument,
    DocumentTooLarge,
    EmptyDocument,
    EncryptedDocument,
    NoTextLayer,
    TipnlpError,
)
from tipnlp.ingest.cleanup import clean_pages
from tipnlp.records import PageSpan

PAGE_SEPARATOR = "\n\n"
MIN_CHARS_PER_PAGE = 20
"""Below this many non-space characters per page on average, a PDF is taken to have no text layer."""

PDFIUM_ERR_PASSWORD = 4


_ZERO_PAGES = re.compile(rb"/Count\s+0(?![0-9])")
_PAGE_OBJECT = re.compile(rb"/Type\s*/Page(?![A-Za-z])")


def _open_error(exc: Exception, name: str, password: str | None, data: bytes = b"") -> TipnlpError:
    """Map a pypdfium2 load error to the tipnlp error a user can act on.

    pdfium refuses to load a PDF whose page tree is empty, so that case is told from the raw bytes:
    a page tree counting 0 pages and no page object.
    """
    code = getattr(exc, "err_code", None)
    if code == PDFIUM_ERR_PASSWORD or "password" in str(exc).lower():
        if password is None:
            return EncryptedDocument(f"{name}: the PDF is password-protected and no password was given")
        return EncryptedDocument(
            f"{name}: the PDF is password-protected and the password given is wrong",
            hint="Check the password passed with --password.",
        )
    if _ZERO_PAGES.search(data) and not _PAGE_OBJECT.search(data):
        return EmptyDocument(f"{name}: the PDF has no pages")
    return CorruptDocument(f"{name}: the PDF cannot be opened ({type(exc).__name__}: {exc})")


def extract_pages(data: bytes, name: str, *, password: str | None = None, max_pages: int | None = None):
    """Raw pdfium text of each page and the document metadata.

    Pages and their text pages are closed as soon as their text is read, so memory holds only the
    strings, not pdfium's page objects, even for 1,000-page files.
    """
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(data, password=password)
    except pdfium.PdfiumError as exc:
        raise _open_error(exc, name, password, data) from exc
    except Exception as exc:  # pdfium may raise anything on hostile input
        raise CorruptDocument(f"{name}: the PDF cannot be opened ({type(exc).__name__}: {exc})") from exc
    try:
        n = len(pdf)
        if n == 0:
            raise EmptyDocument(f"{name}: the PDF has no pages")
        if max_pages is not None and n > max_pages:
            raise DocumentTooLarge(f"{name}: the PDF has {n} pages, more than the limit of {max_pages}")
        try:
            meta = pdf.get_metadata_dict(skip_empty=True)
        except Exception:  # metadata is optional; a broken info dict must not lose the text
            meta = {}
        raw: list[str] = []
        for i in range(n):
            page = pdf[i]
            try:
                textpage = page.get_textpage()
                try:
                    raw.append(textpage.get_text_range())
                finally:
                    textpage.close()
            finally:
                page.close()
    except TipnlpError:
        raise
    except Exception as exc:
        raise CorruptDocument(
            f"{name}: the PDF is damaged, reading its pages failed ({type(exc).__name__}: {exc})"
        ) from exc
    finally:
        pdf.close()
    return raw, meta


def join_pages(pages: list[str], sep: str = PAGE_SEPARATOR) -> tuple[str, list[PageSpan]]:
    """Join cleaned page texts with ``sep``; each PageSpan covers exactly its page's text.

    An empty page gets a zero-length span and adds no separator, so spans stay ordered and disjoint.
    """
    parts: list[str] = []
    spans: list[PageSpan] = []
    pos = 0
    for number, text in enumerate(pages, start=1):
        if text and pos > 0:
            parts.append(sep)
            pos += len(sep)
        spans.append(PageSpan(number, pos, pos + len(text)))
        parts.append(text)
        pos += len(text)
    return "".join(parts), spans


def read_pdf(
    data: bytes, name: str, *, password: str | None = None, max_pages: int | None = None
) -> tuple[str, list[PageSpan], dict[str, Any]]:
    """Cleaned text, page spans and metadata (``title`` when the PDF has one, ``page_count``)."""
    raw, meta = extract_pages(data, name, password=password, max_pages=max_pages)
    n = len(raw)
    visible = sum(sum(map(len, t.split())) - t.count("\ufffe") for t in raw)
    if visible < MIN_CHARS_PER_PAGE * n:
        raise NoTextLayer(
            f"{name}: the PDF has {n} page(s) but only {visible} characters of extractable text; "
            "it looks scanned or image-only"
        )
    text, spans = join_pages(clean_pages(raw))
    metadata: dict[str, Any] = {"page_count": n}
    title = str(meta.get("Title", "")).strip()
    if title:
        metadata["title"] = title
    for key in ("Author", "Subject", "Creator", "Producer", "CreationDate"):
        value = str(meta.get(key, "")).strip()
        if value:
            metadata[key.lower()] = value
    return text, spans, metadata
