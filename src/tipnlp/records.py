"""Typed records that flow through every stage: ingest -> segment -> classify -> link -> report.

Every record keeps character offsets into ``Document.text`` and page numbers, so that any tag can be
shown in its source. ``to_dict`` gives the stable JSON form (the field names are part of the public
output schema, see ``SCHEMA_VERSION``).
"""

from __future__ import annotations

import bisect
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, Mapping, Sequence

if TYPE_CHECKING:
    import numpy as np

SCHEMA_VERSION = "1.1"  # 1.1: per-theme ranked OPs, OpLink.primary, DocumentReport.primary_ops


@dataclass(frozen=True, slots=True)
class PageSpan:
    """One page of a document: 1-based page number and its character range in ``Document.text``."""

    number: int
    start: int
    end: int


@dataclass(slots=True)
class Document:
    """A document read into one text with its page boundaries.

    ``pages`` is never empty for a non-empty document: formats without pages (text, HTML, DOCX) get
    one page covering the whole text.
    """

    id: str
    source: str
    sha256: str
    text: str
    format: str
    pages: list[PageSpan] = field(default_factory=list)
    metadata: dict[str, Any] = field(default_factory=dict)
    _page_starts: list[int] | None = field(default=None, repr=False, compare=False)

    @property
    def page_count(self) -> int:
        return len(self.pages)

    def page_at(self, offset: int) -> int | None:
        """The 1-based page number holding character ``offset`` (None when there are no pages)."""
        if not self.pages:
            return None
        starts = self._page_starts
        if starts is None or len(starts) != len(self.pages):  # computed once, not per call
            starts = self._page_starts = [p.start for p in self.pages]
        i = bisect.bisect_right(starts, offset) - 1
        return self.pages[max(i, 0)].number

    def to_dict(self, with_text: bool = False) -> dict[str, Any]:
        d = {
            "id": self.id,
            "source": self.source,
            "sha256": self.sha256,
            "format": self.format,
            "pages": [asdict(p) for p in self.pages],
            "metadata": self.metadata,
        }
        if with_text:
            d["text"] = self.text
        return d


@dataclass(frozen=True, slots=True)
class Passage:
    """A unit of a document that gets themes: a numbered paragraph, a section of a law, a block.

    ``text == document.text[start:end]`` always holds.
    """

    doc_id: str
    start: int
    end: int
    text: str
    heading: str = ""
    page_start: int | None = None
    page_end: int | None = None
    kind: str = "block"

    @property
    def passage_id(self) -> str:
        return passage_id(self.doc_id, self.start, self.end)

    def to_dict(self) -> dict[str, Any]:
        return {
            "doc_id": self.doc_id,
            "passage_id": self.passage_id,
            "start": self.start,
            "end": self.end,
            "page_start": self.page_start,
            "page_end": self.page_end,
            "heading": self.heading,
            "kind": self.kind,
            "text": self.text,
        }


def passage_id(doc_id: str, start: int, end: int) -> str:
    """Stable id of a passage: document id plus character offsets."""
    return f"{doc_id}:{start}-{end}"


@dataclass(frozen=True, slots=True)
class Evidence:
    """A span of the document that supports a theme (document offsets), with what matched."""

    start: int
    end: int
    text: str
    source: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"start": self.start, "end": self.end, "text": self.text, "source": self.source}


@dataclass(frozen=True, slots=True)
class OpLink:
    """An operative paragraph of resolution 71/167 linked to a passage, ranked by ``score``.

    ``score`` is the OP ranker's probability that this OP is the one the passage implements for the
    theme(s) in ``themes``; ``primary`` marks the most probable OP of a theme.
    """

    op: int
    score: float
    themes: tuple[str, ...] = ()
    primary: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {"op": self.op, "score": round(float(self.score), 4), "themes": list(self.themes),
                "primary": self.primary}


@dataclass(frozen=True, slots=True)
class ThemeScore:
    """One theme assigned to a passage, its score in [0, 1], the evidence behind it, and the theme's
    operative paragraphs ranked for this passage (the first is the primary one)."""

    id: str
    score: float
    evidence: tuple[Evidence, ...] = ()
    ops: tuple[OpLink, ...] = ()

    @property
    def primary_op(self) -> int | None:
        return self.ops[0].op if self.ops else None

    def reported_ops(self, passage_ops: tuple[OpLink, ...] = ()) -> tuple[OpLink, ...]:
        """The OPs outputs show for this tag: the primary one, then the secondary ones that reached the
        passage level (``passage_ops``); without ranked OPs, the passage-level OPs of the theme."""
        confident = {o.op for o in passage_ops if self.id in o.themes}
        if self.ops:
            return tuple(o for o in self.ops if o.primary or o.op in confident)
        fallback = [o for o in passage_ops if self.id in o.themes]
        return tuple(OpLink(o.op, o.score, (self.id,), k == 0) for k, o in enumerate(fallback))

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "score": round(float(self.score), 4),
            "evidence": [e.to_dict() for e in self.evidence],
            "ops": [o.to_dict() for o in self.ops],
        }


@dataclass(frozen=True, slots=True)
class PassagePrediction:
    """The themes and operative paragraphs of one passage: the unit of every output format."""

    doc_id: str
    passage_id: str
    page: int | None
    start: int
    end: int
    heading: str
    text: str
    themes: tuple[ThemeScore, ...] = ()
    ops: tuple[OpLink, ...] = ()
    page_end: int | None = None

    @property
    def theme_ids(self) -> list[str]:
        return [t.id for t in self.themes]

    def theme_ops(self, theme: ThemeScore) -> tuple[OpLink, ...]:
        """``theme``'s reported OPs in this passage, primary first (see ``ThemeScore.reported_ops``)."""
        return theme.reported_ops(self.ops)

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema_version": SCHEMA_VERSION,
            "record": "passage",
            "doc_id": self.doc_id,
            "passage_id": self.passage_id,
            "page": self.page,
            "page_end": self.page_end if self.page_end is not None else self.page,
            "start": self.start,
            "end": self.end,
            "heading": self.heading,
            "text": self.text,
            "themes": [t.to_dict() for t in self.themes],
            "ops": [o.to_dict() for o in self.ops],
        }


@dataclass(frozen=True, slots=True)
class ThemeSummary:
    """How strongly a document expresses one theme: passage count, strength and best passages."""

    id: str
    passages: int
    max_score: float
    evidence_score: float
    strongest: tuple[dict[str, Any], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "passages": self.passages,
            "max_score": round(float(self.max_score), 4),
            "evidence_score": round(float(self.evidence_score), 4),
            "strongest": list(self.strongest),
        }


@dataclass(frozen=True, slots=True)
class DocumentReport:
    """Summary of one tagged document: themes ranked by evidence and operative paragraphs covered."""

    doc_id: str
    source: str
    sha256: str
    pages: int
    n_passages: int
    model: str
    themes: tuple[ThemeSummary, ...] = ()
    ops_covered: tuple[int, ...] = ()
    metadata: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    #: OPs that are the primary OP of at least one theme tag (a subset of ``ops_covered``).
    primary_ops: tuple[int, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema_version": SCHEMA_VERSION,
            "record": "document",
            "doc_id": self.doc_id,
            "source": self.source,
            "sha256": self.sha256,
            "pages": self.pages,
            "n_passages": self.n_passages,
            "model": self.model,
            "themes": [t.to_dict() for t in self.themes],
            "ops_covered": list(self.ops_covered),
            "primary_ops": list(self.primary_ops),
            "metadata": self.metadata,
            "error": self.error,
        }


@dataclass(slots=True)
class TaggedDocument:
    """The result of tagging one document: the document, every passage's prediction, the report."""

    document: Document
    passages: list[PassagePrediction]
    report: DocumentReport

    @property
    def tagged(self) -> list[PassagePrediction]:
        return [p for p in self.passages if p.themes]

    def to_dict(self, all_passages: bool = False) -> dict[str, Any]:
        chosen = self.passages if all_passages else self.tagged
        return {
            "schema_version": SCHEMA_VERSION,
            "document": self.report.to_dict(),
            "passages": [p.to_dict() for p in chosen],
        }


WRITTEN_PREFIX = "written:"  # doc id of a training passage the project wrote (seed passages), one per passage


def is_written(doc_id: str) -> bool:
    """Whether a training row is a passage written by the project rather than a corpus passage: such rows
    teach a model's weights but must not calibrate its probabilities, which describe real documents."""
    return str(doc_id).startswith(WRITTEN_PREFIX)


def corpus_rows(doc_ids: Sequence[str]) -> np.ndarray:
    """Boolean mask of the training rows that are corpus passages (the rows that may fit a calibration)."""
    import numpy as np

    return np.array([not is_written(d) for d in doc_ids], dtype=bool)


def as_record(item: Any) -> dict[str, str]:
    """A model input as ``{"text", "heading", "doc_type", "doc_id"}``, from a string, a mapping (with or
    without ``meta``) or a record object: one reading of inputs for every context-aware component."""
    if isinstance(item, str):
        return {"text": item, "heading": "", "doc_type": "", "doc_id": ""}
    if isinstance(item, Mapping):
        get = item.get
    else:
        def get(key, default=None):
            return getattr(item, key, default)
    meta = get("meta") or {}
    return {
        "text": get("text") or "",
        "heading": get("heading") or meta.get("heading") or "",
        "doc_type": get("doc_type") or meta.get("doc_type") or "",
        "doc_id": get("doc_id") or "",
    }
