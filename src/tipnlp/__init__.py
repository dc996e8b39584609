"""tipnlp: tag trafficking-in-persons documents with the themes of UN GA resolution 71/167."""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__", "Tagger"]


def __getattr__(name: str):
    # Lazy: ``import tipnlp`` must stay cheap (the CLI's start-up path).
    if name == "Tagger":
        from tipnlp.tagger import Tagger

        return Tagger
    raise AttributeError(name)
