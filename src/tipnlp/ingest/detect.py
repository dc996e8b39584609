"""Tell the format of a file from its content; the extension only breaks ties.

A ``.txt`` file holding a PDF is read as PDF; a ``.pdf`` holding text is read as text. Between HTML
fragments, Markdown and plain text (all decodable text) the extension decides when it names one of
them, because their content alone is ambiguous (Markdown may hold inline HTML).
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import PurePath

from tipnlp.errors import CorruptDocument, UnsupportedFormat
from tipnlp.ingest.text import decode_bytes

FORMATS = ("pdf", "html", "docx", "txt", "md")

# Binary signatures, named in the error message so the user knows what they passed.
_MAGIC: list[tuple[bytes, str]] = [
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"II*\x00", "a TIFF image"),
    (b"MM\x00*", "a TIFF image"),
    (b"\x7fELF", "an executable (ELF)"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "a legacy Office file (.doc/.xls/.ppt); save it as .docx or PDF"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"Rar!\x1a\x07", "a RAR archive"),
    (b"{\\rtf", "an RTF document; save it as .docx or PDF"),
    (b"%!PS", "a PostScript file; convert it to PDF"),
]
_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
SNIFF_BYTES = 64 * 1024

_HTML_DOC = re.compile(r"<(?:!doctype\s+html|html|head|body)[\s>/]", re.I)
_HTML_START = re.compile(
    r"^(?:\s|<!--.*?-->|<\?xml[^>]*\?>)*<(?:!doctype\s+html|html|head|body)[\s>]", re.I | re.S
)
_HTML_BLOCK_TAG = re.compile(r"<(?:p|div|h[1-6]|ul|ol|li|table|tr|td|section|article|title|meta|span|a|br)[\s>/]", re.I)
_ANY_TAG = re.compile(r"<[a-zA-Z][a-zA-Z0-9]*[\s>/]")
_MD_HEADING = re.compile(r"^#{1,6}[ \t]+\S", re.M)
_MD_LINK = re.compile(r"\[[^\]\n]+\]\([^)\s]+\)")
_MD_FENCE = re.compile(r"^(?:```|~~~)", re.M)

_EXT = {
    ".pdf": "pdf",
    ".html": "html",
    ".htm": "html",
    ".xhtml": "html",
    ".docx": "docx",
    ".txt": "txt",
    ".text": "txt",
    ".md": "md",
    ".markdown": "md",
}


def extension_format(filename: str) -> str | None:
    """The format a file name's extension suggests, or None."""
    return _EXT.get(PurePath(filename).suffix.lower()) if filename else None


def _zip_format(data: bytes, label: str, ext: str | None) -> str:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            names = set(zf.namelist())
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        if ext == "docx":
            raise CorruptDocument(f"{label}: the DOCX file is damaged or truncated ({exc})") from exc
        raise UnsupportedFormat(f"{label}: a damaged ZIP archive, not a document tipnlp reads") from exc
    if "word/document.xml" in names:
        return "docx"
    kind = "a spreadsheet (.xlsx)" if "xl/workbook.xml" in names else (
        "a presentation (.pptx)" if "ppt/presentation.xml" in names else (
            "an OpenDocument file" if "mimetype" in names else "a ZIP archive"
        )
    )
    raise UnsupportedFormat(f"{label}: {kind}, not a Word .docx document")


def starts_like_html(sample: str) -> bool:
    """The text opens (after blanks, comments, an XML declaration) with a doctype/html/head/body tag."""
    return bool(_HTML_START.match(sample[:4096]))


def looks_like_html(sample: str) -> bool:
    """Strong HTML signals: an HTML start, or html/head/body tags near the start."""
    head = sample[:4096]
    return bool(_HTML_START.match(head) or _HTML_DOC.search(head))


def looks_like_html_fragment(sample: str) -> bool:
    """Weak signal: starts with a tag and has several common HTML tags."""
    head = sample[:4096]
    return head.lstrip().startswith("<") and len(_HTML_BLOCK_TAG.findall(head)) >= 3


def looks_like_markdown(sample: str) -> bool:
    """Headings, links or code fences typical of Markdown."""
    head = sample[:16384]
    score = 2 * len(_MD_HEADING.findall(head)) + len(_MD_LINK.findall(head)) + 2 * len(_MD_FENCE.findall(head))
    return score >= 3


def detect_format(data: bytes, filename: str = "") -> str:
    """One of ``pdf``, ``html``, ``docx``, ``txt``, ``md``, decided from the content.

    Raises ``UnsupportedFormat`` for other binaries (images, archives, executables, legacy Office).
    """
    label = filename or "input"
    ext = extension_format(filename)
    head = data[:1024]
    if b"%PDF-" in head:
        return "pdf"
    if data.startswith(_ZIP_MAGIC):
        return _zip_format(data, label, ext)
    for magic, what in _MAGIC:
        if data.startswith(magic):
            raise UnsupportedFormat(f"{label}: {what}, not a document tipnlp reads")
    if data[:2] == b"MZ" and b"\x00" in data[:SNIFF_BYTES]:
        raise UnsupportedFormat(f"{label}: a Windows executable, not a document tipnlp reads")
    if not data:
        return ext if ext in ("txt", "md", "html") else "txt"
    # Text from here on: decode a sample (raises UnsupportedFormat for binary data). A multi-byte
    # character cut at the sample's end must not count as binary, hence the retry on a shorter cut.
    sample_bytes = data[:SNIFF_BYTES]
    try:
        sample, _ = decode_bytes(sample_bytes, label)
    except UnsupportedFormat:
        if len(data) <= SNIFF_BYTES:
            raise
        sample, _ = decode_bytes(sample_bytes[:-4], label)
    if starts_like_html(sample):
        return "html"
    if ext in ("txt", "md"):
        # Text that merely mentions or embeds tags stays verbatim text: gold offsets point into it.
        return ext
    if looks_like_html(sample) or looks_like_html_fragment(sample):
        return "html"
    if ext == "html" and _ANY_TAG.search(sample[:4096]):
        return "html"
    return "md" if looks_like_markdown(sample) else "txt"
