"""Plain text and Markdown: decoded bytes with newline normalisation and nothing else.

Gold annotations are character offsets into exactly this text, so no other clean-up may happen here.
"""

from __future__ import annotations

import codecs
import re

from tipnlp.errors import UnsupportedFormat

# Control characters that don't occur in real text (tab, newlines and form feed excluded); C1 controls
# appear when binary bytes fall through to latin-1.
_BINARY_CHARS = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f\x80-\x9f\ufffd]")
MAX_BINARY_SHARE = 0.02


def normalize_newlines(text: str) -> str:
    """``\\r\\n`` and lone ``\\r`` become ``\\n``."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def decode_bytes(data: bytes, name: str = "") -> tuple[str, str]:
    """Decode text bytes; returns ``(text, encoding)``.

    UTF-8 (a BOM is stripped), UTF-16 when it has a BOM, else cp1252, else latin-1. Raises
    ``UnsupportedFormat`` for NUL bytes or text that is mostly control characters (binary data).
    """
    label = name or "input"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            text, encoding = data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError as exc:
            raise UnsupportedFormat(f"{label}: looks like UTF-16 text but does not decode ({exc})") from exc
        if "\x00" in text:
            raise UnsupportedFormat(f"{label}: holds NUL characters, it is binary data, not text")
    else:
        if b"\x00" in data:
            raise UnsupportedFormat(f"{label}: holds NUL bytes, it is binary data, not text")
        if data.startswith(codecs.BOM_UTF8):
            data = data[len(codecs.BOM_UTF8) :]
        for encoding in ("utf-8", "cp1252", "latin-1"):
            try:
                text = data.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
    if text:
        bad = len(_BINARY_CHARS.findall(text))
        if bad > MAX_BINARY_SHARE * len(text):
            raise UnsupportedFormat(
                f"{label}: {bad} of {len(text)} characters are control or undecodable characters; "
                "it is binary data, not text"
            )
    return text, encoding


def read_text(data: bytes, name: str = "") -> tuple[str, str]:
    """The document text of a txt/md file and the encoding it was read with."""
    text, encoding = decode_bytes(data, name)
    return normalize_newlines(text), encoding
