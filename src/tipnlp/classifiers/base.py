"""The one contract every theme classifier follows, in the spirit of scikit-learn estimators.

- ``__init__`` only stores parameters;
- ``fit(texts, labels)`` learns and returns ``self``; learned state lives in ``attr_`` attributes;
- ``predict_proba(texts)`` gives an (n_texts, n_themes) array of scores in [0, 1], columns in
  ``self.themes`` order;
- ``predict(texts)`` applies the per-theme ``thresholds_`` and returns lists of theme ids;
- ``evidence(text, theme)`` gives the character spans of ``text`` that support ``theme``;
- ``save(dir)`` / ``load(dir)`` write and read a model directory whose ``config.json`` names the
  family, so :func:`tipnlp.classifiers.load_model` can rebuild any model from its directory.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, ClassVar, Sequence

import numpy as np

CONFIG_FILE = "config.json"


class ThemeClassifier:
    """Base class: thresholds, prediction, config I/O. Subclasses implement the learning."""

    family: ClassVar[str] = "base"

    themes: list[str]
    thresholds_: dict[str, float]

    def __init__(self, themes: Sequence[str], default_threshold: float = 0.5):
        self.themes = list(themes)
        self.default_threshold = default_threshold

    # -- learning -------------------------------------------------------------------------------
    def fit(self, texts: Sequence[str], labels: Sequence[Sequence[str]]) -> "ThemeClassifier":
        raise NotImplementedError

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        raise NotImplementedError

    # -- decisions ------------------------------------------------------------------------------
    def threshold_vector(self) -> np.ndarray:
        thresholds = getattr(self, "thresholds_", None) or {}
        return np.array([thresholds.get(t, self.default_threshold) for t in self.themes], dtype=float)

    def predict(self, texts: Sequence[str]) -> list[list[str]]:
        proba = self.predict_proba(texts)
        hits = proba >= self.threshold_vector()[None, :]
        return [[t for t, on in zip(self.themes, row) if on] for row in hits]

    def evidence(self, text: str, theme: str, limit: int = 3) -> list[tuple[int, int, str]]:
        """Spans ``(start, end, source)`` of ``text`` supporting ``theme``; empty when unknown."""
        return []

    def label_matrix(self, labels: Sequence[Sequence[str]]) -> np.ndarray:
        index = {t: i for i, t in enumerate(self.themes)}
        y = np.zeros((len(labels), len(self.themes)), dtype=int)
        for row, labs in enumerate(labels):
            for lab in labs:
                if lab in index:
                    y[row, index[lab]] = 1
        return y

    # -- persistence ----------------------------------------------------------------------------
    def get_config(self) -> dict[str, Any]:
        """Parameters that rebuild an unfitted instance (subclasses extend)."""
        return {"themes": self.themes, "default_threshold": self.default_threshold}

    def save(self, path: str | Path, extra: dict[str, Any] | None = None) -> Path:
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        config = {
            "family": self.family,
            "params": self.get_config(),
            "thresholds": {t: float(v) for t, v in (getattr(self, "thresholds_", {}) or {}).items()},
        }
        if extra:
            config.update(extra)
        old = path / CONFIG_FILE
        if old.exists():  # keep fields written by others (metrics, taxonomy version, ...)
            merged = json.loads(old.read_text(encoding="utf-8"))
            merged.update(config)
            config = merged
        (path / CONFIG_FILE).write_text(json.dumps(config, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        self._save_state(path)
        return path

    def _save_state(self, path: Path) -> None:
        raise NotImplementedError

    @classmethod
    def load(cls, path: str | Path) -> "ThemeClassifier":
        path = Path(path)
        config = json.loads((path / CONFIG_FILE).read_text(encoding="utf-8"))
        model = cls(**config.get("params", {}))
        model.thresholds_ = dict(config.get("thresholds", {}))
        model._load_state(path)
        return model

    def _load_state(self, path: Path) -> None:
        raise NotImplementedError
