"""The earlier OP linker, kept only as a baseline of the OP evaluation (``tipnlp evaluate --cv K --ops``);
tagging ranks OPs with :mod:`tipnlp.op_ranking`.

Candidate OPs are those of the passage's themes (from the taxonomy). They are ranked by how closely
the passage matches each OP: cosine similarity to the OP's summary and theme definition, and to the
centroid of the gold passages of the OP's theme (learned by ``fit``; stored as vectors, never text).
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import numpy as np

from tipnlp.records import OpLink
from tipnlp.taxonomy import Taxonomy, load_taxonomy

N_FEATURES = 2**15
LINKER_FILE = "op_linker.npz"


def _vectorizer():
    from sklearn.feature_extraction.text import HashingVectorizer

    return HashingVectorizer(
        n_features=N_FEATURES, ngram_range=(1, 2), stop_words="english", alternate_sign=False, norm="l2"
    )


class OpLinker:
    """Rank the OPs of a passage's themes; ``fit`` learns one centroid per theme from gold passages."""

    def __init__(self, taxonomy: Taxonomy | None = None, summary_weight: float = 0.5):
        self.taxonomy = taxonomy or load_taxonomy()
        self.summary_weight = summary_weight
        self._vec = _vectorizer()
        self._op_numbers = [op.number for op in self.taxonomy.ops]
        profiles = []
        for op in self.taxonomy.ops:
            definitions = " ".join(self.taxonomy.theme(t).definition for t in op.themes if t in self.taxonomy)
            profiles.append(f"{op.verb} {op.summary} {definitions}")
        self._op_matrix = self._vec.transform(profiles)
        self.theme_centroids_: dict[str, np.ndarray] = {}

    def fit(self, texts: Sequence[str], labels: Sequence[Sequence[str]]) -> "OpLinker":
        x = self._vec.transform(texts)
        for theme in self.taxonomy.theme_ids:
            rows = [i for i, labs in enumerate(labels) if theme in labs]
            if not rows:
                continue
            centroid = np.asarray(x[rows].mean(axis=0)).ravel()
            norm = np.linalg.norm(centroid)
            if norm > 0:
                self.theme_centroids_[theme] = (centroid / norm).astype(np.float32)
        return self

    def link_many(self, texts: Sequence[str], themes_per_text: Sequence[Sequence[str]], top: int = 5) -> list[tuple[OpLink, ...]]:
        """OP links for many passages at once (one sparse product for all)."""
        out: list[tuple[OpLink, ...]] = [() for _ in texts]
        todo = [i for i, th in enumerate(themes_per_text) if th]
        if not todo:
            return out
        x = self._vec.transform([texts[i] for i in todo])
        op_sims = (x @ self._op_matrix.T).toarray()
        centroid_themes = list(self.theme_centroids_)
        centroid_sims = (
            np.asarray(x @ np.stack([self.theme_centroids_[t] for t in centroid_themes]).T)
            if centroid_themes else np.zeros((len(todo), 0))
        )
        for row, i in enumerate(todo):
            themes = list(themes_per_text[i])
            centroid_sim = {
                t: float(centroid_sims[row, centroid_themes.index(t)]) if t in self.theme_centroids_ else 0.0
                for t in themes
            }
            links: dict[int, OpLink] = {}
            for t in themes:
                if t not in self.taxonomy:
                    continue
                for op in self.taxonomy.ops_for_theme(t):
                    s = op_sims[row, self._op_numbers.index(op.number)]
                    score = self.summary_weight * s + (1 - self.summary_weight) * centroid_sim[t]
                    prev = links.get(op.number)
                    op_themes = tuple(th for th in themes if th in op.themes)
                    if prev is None or score > prev.score:
                        links[op.number] = OpLink(op=op.number, score=float(score), themes=op_themes)
            out[i] = tuple(sorted(links.values(), key=lambda link: (-link.score, link.op))[:top])
        return out

    def save(self, path: str | Path) -> None:
        np.savez_compressed(
            Path(path) / LINKER_FILE,
            themes=np.array(list(self.theme_centroids_)),
            centroids=np.stack(list(self.theme_centroids_.values())) if self.theme_centroids_ else np.zeros((0, N_FEATURES), np.float32),
            summary_weight=np.array(self.summary_weight),
        )

    @classmethod
    def load(cls, path: str | Path | None, taxonomy: Taxonomy | None = None) -> "OpLinker":
        """Load from a model directory; without a saved linker, link by OP summaries only."""
        file = Path(path) / LINKER_FILE if path else None
        if file is None or not file.is_file():
            return cls(taxonomy)
        data = np.load(file)
        linker = cls(taxonomy, summary_weight=float(data["summary_weight"]))
        linker.theme_centroids_ = {str(t): c for t, c in zip(data["themes"], data["centroids"])}
        return linker
