"""Errors a user can act on. Each carries a distinct exit code and a one-line hint.

The CLI prints ``error: <message>`` and, on the next line, ``hint: <hint>``, then exits with
``exit_code``. Batch mode records ``code`` and the message instead of stopping.
"""

from __future__ import annotations


class TipnlpError(Exception):
    """Base class: a problem with the user's input or setup, not a bug in tipnlp."""

    exit_code = 1
    code = "error"
    hint = ""

    def __init__(self, message: str, hint: str | None = None):
        super().__init__(message)
        self.message = message
        if hint is not None:
            self.hint = hint

    def __str__(self) -> str:
        return self.message


class InputNotFound(TipnlpError):
    exit_code = 3
    code = "not_found"
    hint = "Check the path; use an absolute path if in doubt."


class InputUnreadable(TipnlpError):
    exit_code = 4
    code = "unreadable"
    hint = "Check the file's permissions, or that it is a file and not a folder."


class UnsupportedFormat(TipnlpError):
    exit_code = 5
    code = "unsupported_format"
    hint = "tipnlp reads PDF, HTML, DOCX, plain text and Markdown; convert the file to one of these."


class EncryptedDocument(TipnlpError):
    exit_code = 6
    code = "encrypted"
    hint = "The PDF is password-protected: pass the password with --password."


class CorruptDocument(TipnlpError):
    exit_code = 7
    code = "corrupt"
    hint = "The file is damaged or truncated: download or export it again."


class NoTextLayer(TipnlpError):
    exit_code = 8
    code = "no_text_layer"
    hint = (
        "The PDF has no text layer (it looks scanned). Run OCR first, e.g. "
        "`ocrmypdf input.pdf output.pdf`, then tag the OCR'd file."
    )


class EmptyDocument(TipnlpError):
    exit_code = 9
    code = "empty"
    hint = "The document holds no text to tag."


class DocumentTooLarge(TipnlpError):
    exit_code = 10
    code = "too_large"
    hint = "Raise the limit with --max-pages / --max-bytes, or split the document."


class ModelError(TipnlpError):
    exit_code = 11
    code = "model"
    hint = "Check --model: a shipped model name (see `tipnlp models`) or a model directory."


class DataError(TipnlpError):
    """Corpus, gold or input-file problems (hash drift, malformed JSONL line, missing corpus)."""

    exit_code = 12
    code = "data"


class DocumentTimeout(TipnlpError):
    exit_code = 13
    code = "timeout"
    hint = "The document took longer than the per-document time limit; raise --timeout or split it."


class UsageError(TipnlpError):
    """A bad option value found after parsing (e.g. an unknown --theme): exit 2, like the parser's own."""

    exit_code = 2
    code = "usage"


EXIT_CODES: dict[int, str] = {
    0: "success",
    1: "unexpected internal error (a bug: please report it)",
    2: "usage error (bad option or argument)",
    **{cls.exit_code: cls.code for cls in TipnlpError.__subclasses__() if cls is not UsageError},
    14: "batch finished, but some documents failed (see documents.jsonl)",
    141: "output closed early (e.g. piped into head): nothing more is written",
}
