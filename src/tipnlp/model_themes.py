"""Which themes a model predicts, read from its config without loading it.

The taxonomy holds more themes than the models are trained on (the nine wider themes of the
resolution); commands use this to mark those as not predicted, to keep always-empty columns out of
reports, and to refuse a --theme no model output can match, before anything heavy is loaded.
"""

from __future__ import annotations

import difflib
from typing import Iterable, Sequence


def predicted_theme_ids(model: str | None = None) -> list[str]:
    """Theme ids the model ``model`` (name or directory; None: the default) predicts, in column order.

    Read from the model's ``config.json`` (``themes`` or ``params.themes``); the lexicon baseline,
    or a config that does not say, predicts the core themes of the taxonomy.
    """
    from tipnlp.classifiers import model_config, resolve_model_path
    from tipnlp.taxonomy import core_theme_ids

    path = resolve_model_path(model)
    if path is not None:
        config = model_config(path)
        listed = config.get("themes") or (config.get("params") or {}).get("themes")
        if isinstance(listed, list) and listed and all(isinstance(t, str) for t in listed):
            return list(listed)
    return core_theme_ids()


def check_theme_ids(requested: Iterable[str], model: str | None = None, predicted: Sequence[str] | None = None) -> None:
    """Raise a usage error (exit 2) for a theme id the model cannot output, suggesting the closest id."""
    from tipnlp.errors import UsageError
    from tipnlp.taxonomy import load_taxonomy

    known = list(predicted) if predicted is not None else predicted_theme_ids(model)
    taxonomy = load_taxonomy()
    for theme in requested:
        if theme in known:
            continue
        if theme in taxonomy:
            raise UsageError(
                f"--theme {theme}: the model does not predict this theme (it is one of the taxonomy's wider themes)",
                hint=f"Predicted themes: {', '.join(known)} (see `tipnlp themes`).",
            )
        close = difflib.get_close_matches(theme, known + taxonomy.theme_ids, n=1, cutoff=0.5)
        suggestion = f"Did you mean {close[0]}? " if close else ""
        raise UsageError(
            f"--theme {theme}: unknown theme id",
            hint=f"{suggestion}Predicted themes: {', '.join(known)} (see `tipnlp themes`).",
        )
