"""spaCy integration: ``nlp.add_pipe("tipnlp_themes")`` tags a Doc with the themes of 71/167.

Registered through the ``spacy_factories`` entry point, so it works in any English pipeline once
tipnlp is installed. The component runs tipnlp's own segmentation and classifier on ``doc.text``.
"""

from __future__ import annotations

from typing import Any


def make_theme_tagger(nlp: Any, name: str, model: str | None = None, min_score: float | None = None):
    """spaCy factory: build the component (the model loads once, here)."""
    from tipnlp.spacy_pipe import ThemeTaggerComponent

    return ThemeTaggerComponent(nlp, name, model=model, min_score=min_score)
