"""spaCy integration: ``nlp.add_pipe("tipnlp_themes")`` tags a Doc with the themes of 71/167.

Registered through the ``spacy_factories`` entry point, so it works in any English pipeline once
tipnlp is installed. The component runs tipnlp's own segmentation and classifier on ``doc.text``
(see ``tipnlp.spacy_pipe`` for what it sets on the Doc).

spaCy imports this module itself (through the entry point) when it builds a ``Language``; the
``Language.factory`` decorator below is what registers the factory's name and default config, so
spaCy is imported at module level here, and nothing else in tipnlp imports this module.
"""

# No ``from __future__ import annotations``: spaCy validates the config against these annotations.
from typing import Optional

from spacy.language import Language


@Language.factory(
    "tipnlp_themes",
    default_config={"model": None, "min_score": None},
    assigns=["doc.cats", "doc.spans"],
)
def make_theme_tagger(nlp: Language, name: str, model: Optional[str] = None, min_score: Optional[float] = None):
    """spaCy factory: build the component (the model loads once, here)."""
    from tipnlp.spacy_pipe import ThemeTaggerComponent

    return ThemeTaggerComponent(nlp, name, model=model, min_score=min_score)
