"""The spaCy pipeline component behind the ``tipnlp_themes`` factory.

    nlp = spacy.blank("en")
    nlp.add_pipe("tipnlp_themes", config={"model": "lexicon"})
    doc = nlp(text)
    doc.cats                                  # {"non_punishment": 0.98, ...} for the whole text
    for span in doc.spans["tipnlp"]:          # one span per (tagged passage, theme)
        span.label_, span._.tipnlp_score, span._.tipnlp_primary_op, span._.tipnlp_ops, span._.tipnlp_passage_id

What it sets on a ``Doc``:

- ``doc.cats``: one entry per theme of the model, the **maximum passage score** of that theme over
  all passages of the text (below-threshold scores included), so a theme is "in" the document when
  at least one passage expresses it. tipnlp has no separate document-level classifier.
- ``doc.spans["tipnlp"]``: a ``SpanGroup`` with one span per (passage, assigned theme), labelled by
  the theme id. Passage character offsets are mapped to tokens with
  ``doc.char_span(start, end, alignment_mode="expand")``. The group's ``attrs`` hold the model
  name and the themes' thresholds.
- ``doc.spans["tipnlp_evidence"]``: the evidence spans behind each theme, labelled by theme id.
- Span extensions (registered with ``force=True``): ``tipnlp_score`` (the span's theme score),
  ``tipnlp_ops`` (the operative paragraphs of the span's theme, ranked: the primary OP first, then
  the secondary OPs confident enough to be reported, as in every other output), ``tipnlp_primary_op``
  (the first of them), ``tipnlp_op_links`` (the same OPs as ``{"op", "score", "primary"}`` dicts:
  ``score`` is the OP ranker's probability) and ``tipnlp_passage_id``. spaCy keys span extension
  values by character offsets only, so two spans of one passage with different themes would share
  one value; the component therefore stores one dict per passage in ``span._.tipnlp_passage``
  (serialisable with ``DocBin``) and the per-theme attributes are getters that read it with the
  span's label. There is no bare ``span._.ops`` alias: every attribute carries the ``tipnlp_``
  prefix so that it cannot overwrite another package's extension of the same name.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterable, Iterator

if TYPE_CHECKING:  # pragma: no cover
    from spacy.language import Language
    from spacy.tokens import Doc, Span

    from tipnlp.records import TaggedDocument

SPANS_KEY = "tipnlp"
EVIDENCE_KEY = "tipnlp_evidence"


def _passage_info(span: "Span") -> dict[str, Any]:
    return span._.tipnlp_passage or {}


def _span_score(span: "Span") -> float | None:
    return _passage_info(span).get("scores", {}).get(span.label_)


def _span_op_links(span: "Span") -> list[dict[str, Any]]:
    return [dict(link) for link in _passage_info(span).get("op_links", {}).get(span.label_, [])]


def _span_ops(span: "Span") -> list[int]:
    links = _passage_info(span).get("op_links", {}).get(span.label_)
    if links is None:  # a Doc annotated before op_links existed
        return list(_passage_info(span).get("ops", {}).get(span.label_, []))
    return [int(link["op"]) for link in links]


def _span_primary_op(span: "Span") -> int | None:
    ops = _span_ops(span)
    return ops[0] if ops else None


def _span_passage_id(span: "Span") -> str | None:
    return _passage_info(span).get("passage_id")


def register_extensions() -> None:
    """Register the ``Span._.tipnlp_*`` attributes (idempotent: ``force=True``)."""
    from spacy.tokens import Span

    Span.set_extension("tipnlp_passage", default=None, force=True)
    Span.set_extension("tipnlp_score", getter=_span_score, force=True)
    Span.set_extension("tipnlp_ops", getter=_span_ops, force=True)
    Span.set_extension("tipnlp_primary_op", getter=_span_primary_op, force=True)
    Span.set_extension("tipnlp_op_links", getter=_span_op_links, force=True)
    Span.set_extension("tipnlp_passage_id", getter=_span_passage_id, force=True)


class ThemeTaggerComponent:
    """Tag ``doc.text`` with tipnlp (segmentation + classifier + OP linker); see the module docstring.

    ``model`` is any spec ``tipnlp.classifiers.load_model`` accepts (None: the shipped default);
    ``min_score`` drops span-group entries scored below it (``doc.cats`` keeps every theme).
    """

    def __init__(self, nlp: "Language | None", name: str = "tipnlp_themes", model: str | None = None,
                 min_score: float | None = None):
        from tipnlp.tagger import Tagger

        self.name = name
        self.model = model
        self.min_score = min_score
        self.tagger = Tagger.load(model)  # once: a Tagger is immutable and shared by all calls
        register_extensions()

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(self.tagger.themes)

    def __call__(self, doc: "Doc") -> "Doc":
        return next(iter(self.pipe([doc], batch_size=1)))

    def pipe(self, stream: Iterable["Doc"], batch_size: int = 32) -> Iterator["Doc"]:
        """Tag docs in batches: the full theme scores of a batch's passages come from one model call."""
        from spacy.util import minibatch

        for batch in minibatch(stream, size=batch_size):
            tagged = [self._tag(doc) for doc in batch]
            texts = [p.text for result in tagged if result is not None for p in result.passages]
            proba = self.tagger.predict_proba(texts) if texts else None
            row = 0
            for doc, result in zip(batch, tagged):
                n = 0 if result is None else len(result.passages)
                self._annotate(doc, result, None if proba is None or n == 0 else proba[row : row + n])
                row += n
                yield doc

    # -- internals ------------------------------------------------------------------------------
    def _tag(self, doc: "Doc") -> "TaggedDocument | None":
        if not doc.text.strip():
            return None
        return self.tagger.tag_text(doc.text, source="<spacy>")

    def _annotate(self, doc: "Doc", result: "TaggedDocument | None", proba) -> None:
        from spacy.tokens import SpanGroup

        themes = self.labels
        cats = {theme: 0.0 for theme in themes}
        if proba is not None:
            maxima = proba.max(axis=0)
            cats.update({theme: float(maxima[j]) for j, theme in enumerate(themes)})
        doc.cats.update(cats)

        spans: list = []
        evidence: list = []
        for pred in result.tagged if result is not None else []:
            kept = [t for t in pred.themes if self.min_score is None or t.score >= self.min_score]
            if not kept:
                continue
            span = doc.char_span(pred.start, pred.end, alignment_mode="expand")
            if span is None:  # only whitespace between tokens: nothing to point at
                continue
            info = span._.tipnlp_passage or {"passage_id": pred.passage_id, "scores": {}, "op_links": {}}
            for theme in kept:
                info["scores"][theme.id] = round(float(theme.score), 4)
                info["op_links"][theme.id] = [
                    {"op": o.op, "score": round(float(o.score), 4), "primary": k == 0}
                    for k, o in enumerate(pred.theme_ops(theme))
                ]
                spans.append(doc.char_span(pred.start, pred.end, label=theme.id, alignment_mode="expand"))
                for ev in theme.evidence:
                    ev_span = doc.char_span(ev.start, ev.end, label=theme.id, alignment_mode="expand")
                    if ev_span is not None:
                        evidence.append(ev_span)
            span._.tipnlp_passage = info
        group = SpanGroup(doc, name=SPANS_KEY, spans=spans)
        group.attrs["model"] = self.tagger.model_name
        group.attrs["thresholds"] = {
            t: float(v) for t, v in zip(themes, self.tagger.model.threshold_vector())
        }
        doc.spans[SPANS_KEY] = group
        doc.spans[EVIDENCE_KEY] = SpanGroup(doc, name=EVIDENCE_KEY, spans=evidence)


__all__ = ["ThemeTaggerComponent", "register_extensions", "SPANS_KEY", "EVIDENCE_KEY"]
