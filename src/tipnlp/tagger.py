"""The library entry point: ``Tagger`` runs ingest -> segment -> classify -> link -> report.

    from tipnlp import Tagger
    tagger = Tagger.load()                 # the shipped default model
    result = tagger.tag_file("law.pdf")    # TaggedDocument: passages with themes, OPs, evidence
    result.report.themes                   # themes ranked by evidence

A Tagger holds no global state and does not change after ``load``: one instance can be shared by
threads (each call builds its own records).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Sequence

import numpy as np

from tipnlp.classifiers.frozen import shared_term_counts
from tipnlp.doc_types import DOC_TYPES, DocTypeClassifier, check_doc_type
from tipnlp.op_ranking import OpRanker
from tipnlp.records import Document, Evidence, PageSpan, PassagePrediction, TaggedDocument, ThemeScore
from tipnlp.report import build_document_report
from tipnlp.segment import NOT_TAGGED, SegmenterConfig, segment

if TYPE_CHECKING:
    from tipnlp.classifiers.base import ThemeClassifier


class Tagger:
    """Tag documents, texts or bare passages with themes, evidence and operative paragraphs."""

    def __init__(
        self,
        model: "ThemeClassifier",
        ranker: OpRanker | None = None,
        segmenter: SegmenterConfig | None = None,
        evidence_limit: int = 3,
        doc_typer: DocTypeClassifier | None = None,
    ):
        self.model = model
        self.ranker = ranker or OpRanker()
        self.doc_typer = doc_typer
        self.segmenter = segmenter or SegmenterConfig.default()
        self.evidence_limit = evidence_limit

    @classmethod
    def load(cls, model: "str | Path | ThemeClassifier | None" = None) -> "Tagger":
        """Load a model by name or path (None: the shipped default) with its OP ranker."""
        from tipnlp.classifiers import load_model

        if model is None or isinstance(model, (str, Path)):
            clf = load_model(model)
        else:
            clf = model
        path = getattr(clf, "path_", None)
        return cls(clf, OpRanker.load(path), doc_typer=DocTypeClassifier.load(path))

    @property
    def model_name(self) -> str:
        return str(getattr(self.model, "name_", type(self.model).__name__))

    @property
    def themes(self) -> list[str]:
        return list(self.model.themes)

    # -- public API -----------------------------------------------------------------------------
    def tag_file(
        self,
        path: str | Path,
        *,
        password: str | None = None,
        doc_id: str | None = None,
        max_pages: int | None = None,
        max_bytes: int | None = None,
        doc_type: str | None = None,
    ) -> TaggedDocument:
        """Read a PDF, HTML, DOCX, text or Markdown file and tag it."""
        from tipnlp.ingest import read_document

        document = read_document(path, password=password, doc_id=doc_id, max_pages=max_pages, max_bytes=max_bytes)
        return self.tag_document(document, doc_type=doc_type)

    def tag_text(self, text: str, doc_id: str | None = None, source: str = "<text>",
                 doc_type: str | None = None) -> TaggedDocument:
        """Tag a text already in memory (segmented like a document)."""
        import hashlib

        from tipnlp.errors import EmptyDocument

        if not text.strip():
            raise EmptyDocument(f"{source}: the text is empty")
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
        document = Document(
            id=doc_id or f"text-{digest[:12]}",
            source=source,
            sha256=digest,
            text=text,
            format="txt",
            pages=[PageSpan(1, 0, len(text))],
        )
        return self.tag_document(document, doc_type=doc_type)

    def document_type(self, document: Document, doc_type: str | None = None) -> tuple[str, str]:
        """(type, where it came from): the caller's, the document's metadata (corpus manifest), the
        model's guess from the opening text, or none. The models were trained with a type for
        every passage; a guess is closer to that than none."""
        if doc_type:
            check_doc_type(doc_type)
            return doc_type, "given"
        known = str(document.metadata.get("doc_type") or "")
        if known in DOC_TYPES:
            return known, "metadata"
        if self.doc_typer is not None and document.text.strip():
            guess, _ = self.doc_typer.predict([document.text])[0]
            if guess:
                return guess, "inferred"
        return "", "none"

    def tag_document(self, document: Document, doc_type: str | None = None) -> TaggedDocument:
        import dataclasses

        kind, source = self.document_type(document, doc_type)
        # the result's document says which type was used; the caller's document is left as it was
        metadata = {**document.metadata, "doc_type_source": source, **({"doc_type": kind} if kind else {})}
        document = dataclasses.replace(document, metadata=metadata)
        passages = segment(document, self.segmenter)
        # A table of contents names every theme of the document and argues none, and footnotes are
        # citations: such passages get no themes.
        content = [p for p in passages if p.kind not in NOT_TAGGED]
        tagged = iter(self._predict(
            [p.text for p in content],
            offsets=[p.start for p in content],
            meta=[(p.doc_id, p.passage_id, p.page_start, p.page_end, p.heading) for p in content],
            doc_type=kind,
        ))
        predictions = [
            next(tagged) if p.kind not in NOT_TAGGED else PassagePrediction(
                doc_id=p.doc_id, passage_id=p.passage_id, page=p.page_start, page_end=p.page_end, start=p.start,
                end=p.end, heading=p.heading, text=p.text, themes=(), ops=())
            for p in passages
        ]
        report = build_document_report(document, predictions, self.model_name)
        return TaggedDocument(document=document, passages=predictions, report=report)

    def tag_passages(self, texts: Sequence[str], doc_id: str = "passages") -> list[PassagePrediction]:
        """Tag ready-made passages (no segmentation); offsets are relative to each text."""
        return self._predict(
            list(texts),
            offsets=[0] * len(texts),
            meta=[(doc_id, f"{doc_id}:{i}", None, None, "") for i in range(len(texts))],
        )

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        return self.model.predict_proba(list(texts))

    # -- internals ------------------------------------------------------------------------------
    def _predict(self, texts: list[str], offsets: list[int], meta: list[tuple], doc_type: str = "") -> list[PassagePrediction]:
        if not texts:
            return []
        # context-aware models and the OP ranker read the heading and document type too
        inputs = [{"text": t, "heading": m[4] or "", "doc_type": doc_type} for t, m in zip(texts, meta)]
        with shared_term_counts():  # the members and the OP ranker count each passage's words once
            proba = self.model.predict_proba(inputs if getattr(self.model, "accepts_records", False) else texts)
            thresholds = self.model.threshold_vector()
            themes = list(self.model.themes)
            assigned: list[list[tuple[str, float]]] = []
            for row in proba:
                hits = [(themes[j], float(row[j])) for j in np.flatnonzero(row >= thresholds)]
                hits.sort(key=lambda h: -h[1])
                assigned.append(hits)
            links = self.ranker.link(inputs, [[t for t, _ in hits] for hits in assigned])
        try:
            return self._records(texts, offsets, meta, assigned, links)
        finally:
            forget = getattr(self.model, "forget", None)
            if forget is not None:  # cached rule hits serve this call's evidence only
                forget()

    def _records(self, texts, offsets, meta, assigned, links) -> list[PassagePrediction]:
        out = []
        for i, text in enumerate(texts):
            doc_id, pid, page, page_end, heading = meta[i]
            base = offsets[i]
            scores = tuple(
                ThemeScore(
                    id=theme,
                    score=score,
                    evidence=tuple(
                        Evidence(base + s, base + e, text[s:e], source)
                        for s, e, source in self.model.evidence(text, theme, self.evidence_limit)
                    ),
                    ops=links[i][0].get(theme, ()),
                )
                for theme, score in assigned[i]
            )
            out.append(
                PassagePrediction(
                    doc_id=doc_id,
                    passage_id=pid,
                    page=page,
                    page_end=page_end,
                    start=base,
                    end=base + len(text),
                    heading=heading,
                    text=text,
                    themes=scores,
                    ops=links[i][1],
                )
            )
        return out

