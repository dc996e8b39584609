"""Document-level summary of passage predictions: themes ranked by evidence, strongest passages, OPs
(all OPs covered, and the primary OPs of the theme tags)."""

from __future__ import annotations

from collections import defaultdict
from typing import Sequence

from tipnlp.records import Document, DocumentReport, PassagePrediction, ThemeSummary

EXCERPT_CHARS = 160


def excerpt(text: str, limit: int = EXCERPT_CHARS) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def build_document_report(
    document: Document, predictions: Sequence[PassagePrediction], model: str, strongest: int = 3
) -> DocumentReport:
    """Rank themes by evidence: the sum of the scores of the passages tagged with them.

    A theme found in many passages with high scores ranks above one seen once; ``strongest`` names
    the best passages of each theme so a reader can go straight to them.
    """
    by_theme: dict[str, list[tuple[float, PassagePrediction]]] = defaultdict(list)
    ops: set[int] = set()
    primary: set[int] = set()  # primary OP of at least one theme tag: what the document does, not what it touches
    for pred in predictions:
        for theme in pred.themes:
            by_theme[theme.id].append((theme.score, pred))
            reported = pred.theme_ops(theme)
            ops.update(link.op for link in reported)
            primary.update(link.op for link in reported[:1])
        ops.update(link.op for link in pred.ops)
    summaries = []
    for theme_id, hits in by_theme.items():
        hits.sort(key=lambda h: (-h[0], h[1].start))
        summaries.append(
            ThemeSummary(
                id=theme_id,
                passages=len(hits),
                max_score=hits[0][0],
                evidence_score=sum(score for score, _ in hits),
                strongest=tuple(
                    {
                        "passage_id": p.passage_id,
                        "page": p.page,
                        "start": p.start,
                        "end": p.end,
                        "heading": p.heading,
                        "score": round(float(score), 4),
                        "excerpt": excerpt(p.text),
                    }
                    for score, p in hits[:strongest]
                ),
            )
        )
    summaries.sort(key=lambda s: (-s.evidence_score, s.id))
    return DocumentReport(
        doc_id=document.id,
        source=document.source,
        sha256=document.sha256,
        pages=document.page_count,
        n_passages=len(predictions),
        model=model,
        themes=tuple(summaries),
        ops_covered=tuple(sorted(ops)),
        primary_ops=tuple(sorted(primary)),
        metadata={k: v for k, v in document.metadata.items() if isinstance(v, (str, int, float, bool)) or v is None},
    )
