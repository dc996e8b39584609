"""A weighted average of several theme classifiers' probabilities.

Why: models built differently err differently. In grouped cross-validation the context model (sentence
scores, codebook conditions, document type) and the TF-IDF model with lexicon-rule features rank
passages differently enough that their average ranks better than either (evaluation/ensemble_cv.py).
Each member is an ordinary family with its own parameters, fitted on the same passages; the ensemble's
out-of-fold scores (``oof_proba_``) are the weighted average of the members' document-grouped
out-of-fold scores, so thresholds are tuned as for any member. Evidence comes from one member
(``evidence_from``, default the first: the context model's deciding sentence and matched phrases).
Each member is saved in its own sub-folder (``member_0/``, ...) of the model directory.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np

from tipnlp.classifiers.base import ThemeClassifier
from tipnlp.errors import ModelError
from tipnlp.records import as_record


class EnsembleClassifier(ThemeClassifier):
    family = "ensemble"
    accepts_records = True  # members that read only text get the text

    def __init__(self, themes: Sequence[str], members: Sequence[Mapping[str, Any]] = (), evidence_from: int = 0,
                 default_threshold: float = 0.5, random_state: int = 0):
        super().__init__(themes, default_threshold)
        if not members:
            raise ModelError("an ensemble needs members: a list of {family, params, weight}")
        self.members = [{"family": str(m["family"]), "params": dict(m.get("params") or {}),
                         "weight": float(m.get("weight", 1.0))} for m in members]
        weights = np.array([m["weight"] for m in self.members])
        if (weights < 0).any() or weights.sum() <= 0:
            raise ModelError(f"ensemble weights must be non-negative and not all zero (got {weights.tolist()})")
        if not 0 <= evidence_from < len(self.members):
            raise ModelError(f"evidence_from={evidence_from} names no member (there are {len(self.members)})")
        self.evidence_from = evidence_from
        self.random_state = random_state

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update(members=self.members, evidence_from=self.evidence_from, random_state=self.random_state)
        return config

    @property
    def weights(self) -> np.ndarray:
        w = np.array([m["weight"] for m in self.members], dtype=float)
        return w / w.sum()

    @staticmethod
    def _inputs(model: Any, inputs: Sequence[Any]) -> list[Any]:
        if getattr(model, "accepts_records", False):
            return list(inputs)
        return [as_record(x)["text"] for x in inputs]

    def _build(self, spec: Mapping[str, Any]) -> ThemeClassifier:
        from tipnlp.classifiers import family_class

        model = family_class(spec["family"])(themes=self.themes, **spec["params"])
        if "random_state" in model.get_config() and "random_state" not in spec["params"]:
            model.random_state = self.random_state
        return model

    def fit(self, inputs: Sequence[Any], labels: Sequence[Sequence[str]]) -> "EnsembleClassifier":
        self.members_ = []
        oofs = []
        for spec in self.members:
            model = self._build(spec)
            model.fit(self._inputs(model, inputs), labels)
            self.members_.append(model)
            oofs.append(getattr(model, "oof_proba_", None))
        if all(o is not None for o in oofs):
            self.oof_proba_ = np.tensordot(self.weights, np.stack([o[: len(labels)] for o in oofs]), axes=1)
        else:
            self.oof_proba_ = None
        return self

    def predict_proba(self, inputs: Sequence[Any]) -> np.ndarray:
        if not len(inputs):
            return np.zeros((0, len(self.themes)))
        return np.tensordot(self.weights, np.stack([m.predict_proba(self._inputs(m, inputs)) for m in self.members_]),
                            axes=1)

    def evidence(self, text: str, theme: str, limit: int = 3) -> list[tuple[int, int, str]]:
        return self.members_[self.evidence_from].evidence(text, theme, limit)

    def forget(self) -> None:
        """Drop what members remember between calls (the lexicon's rule hits)."""
        for model in getattr(self, "members_", []):
            if hasattr(model, "forget"):
                model.forget()

    # -- persistence ----------------------------------------------------------------------------
    def _save_state(self, path: Path) -> None:
        for i, model in enumerate(self.members_):
            model.save(path / f"member_{i}")

    def _load_state(self, path: Path) -> None:
        from tipnlp.classifiers import family_class

        self.members_ = []
        for i, spec in enumerate(self.members):
            folder = path / f"member_{i}"
            if not folder.is_dir():
                raise ModelError(f"{path} is an ensemble without its member {i} (no {folder.name}/ folder)")
            self.members_.append(family_class(spec["family"]).load(folder))
