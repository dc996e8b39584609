"""Frozen sentence embeddings (all-MiniLM-L6-v2, mean-pooled) with a small trained head.

The encoder is not trained, so the model directory holds only the head (a few kB) and a reference
to the encoder: the name of the weights package, or the folder the user gave. The 87 MB of weights
are never copied into it. Two heads:

- ``logreg``: one class-weighted logistic regression per theme, Platt-calibrated on
  cross-validated decision values of the training data (as the TF-IDF family does);
- ``mlp``: one scikit-learn multi-label MLP over all themes.

Evidence for a theme is the passage's sentences that score highest for it on their own.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from tipnlp.classifiers.base import ThemeClassifier
from tipnlp.classifiers.encoders import (
    MeanPoolingEncoder,
    check_backend,
    encoder_path as locate_encoder,
    encoder_reference,
    sentence_evidence,
)
from tipnlp.errors import ModelError

STATE_FILE = "embedding_head.joblib"
HEADS = ("logreg", "mlp")


class EmbeddingClassifier(ThemeClassifier):
    family = "embedding"

    def __init__(
        self,
        themes: Sequence[str],
        default_threshold: float = 0.5,
        encoder_path: str | None = None,
        max_length: int = 256,
        batch_size: int = 32,
        backend: str = "torch",
        head: str = "logreg",
        C: float = 1.0,
        class_weight: str | None = "balanced",
        calibration_folds: int = 5,
        hidden_layer_sizes: Sequence[int] = (256,),
        alpha: float = 1e-3,
        max_iter: int = 500,
        num_threads: int | None = None,
        random_state: int = 0,
    ):
        super().__init__(themes, default_threshold)
        self.encoder_path = encoder_reference(encoder_path)
        self.max_length = max_length
        self.batch_size = batch_size
        self.backend = check_backend(backend)
        if head not in HEADS:
            raise ModelError(f"unknown embedding head {head!r}; use one of {', '.join(HEADS)}")
        self.head = head
        self.C = C
        self.class_weight = class_weight
        self.calibration_folds = calibration_folds
        self.hidden_layer_sizes = tuple(int(h) for h in hidden_layer_sizes)
        self.alpha = alpha
        self.max_iter = max_iter
        self.num_threads = num_threads
        self.random_state = random_state

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update(
            encoder_path=self.encoder_path, max_length=self.max_length, batch_size=self.batch_size,
            backend=self.backend, head=self.head, C=self.C, class_weight=self.class_weight,
            calibration_folds=self.calibration_folds, hidden_layer_sizes=list(self.hidden_layer_sizes),
            alpha=self.alpha, max_iter=self.max_iter, num_threads=self.num_threads, random_state=self.random_state,
        )
        return config

    # -- features -------------------------------------------------------------------------------
    def encoder(self) -> MeanPoolingEncoder:
        """The frozen encoder (built on first use; its weights load lazily)."""
        if getattr(self, "_encoder", None) is None:
            self._encoder = MeanPoolingEncoder(
                locate_encoder(self.encoder_path), max_length=self.max_length, batch_size=self.batch_size,
                backend=self.backend, num_threads=self.num_threads,
            )
        return self._encoder

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Sentence embeddings of ``texts`` (what the head sees).

        With ``TIPNLP_EMBEDDING_CACHE=1`` embeddings are kept on disk by text hash (cross-validation
        refits the head many times on the same passages; the frozen encoder need not run again).
        """
        import os

        texts = [t if isinstance(t, str) else (t.get("text", "") if isinstance(t, dict) else getattr(t, "text", str(t)))
                 for t in texts]
        if os.environ.get("TIPNLP_EMBEDDING_CACHE") != "1":
            return self.encoder().encode(texts)
        return _cached_encode(self.encoder(), texts, self.max_length)

    def _check_encoder(self, x: np.ndarray) -> None:
        if x.shape[1] != self.dim_:
            raise ModelError(
                f"the encoder at {self.encoder().path} gives {x.shape[1]}-d embeddings; this model's head "
                f"was trained on {self.dim_}-d ones", hint="Load the model with the encoder it was trained with.")
        if not getattr(self, "_fingerprint_checked", False):
            self._fingerprint_checked = True
            if self.encoder_fingerprint_ and self.encoder().fingerprint() != self.encoder_fingerprint_:
                warnings.warn(f"the encoder at {self.encoder().path} differs from the one this model was trained "
                              "with; its scores may be off", stacklevel=3)

    # -- learning -------------------------------------------------------------------------------
    def fit(self, texts: Sequence[str], labels: Sequence[Sequence[str]]) -> "EmbeddingClassifier":
        x = self.embed(texts)
        self.dim_ = int(x.shape[1])
        self.encoder_fingerprint_ = self.encoder().fingerprint()
        self._fingerprint_checked = True
        return self.fit_embeddings(x, self.label_matrix(labels))

    def fit_embeddings(self, x: np.ndarray, y: np.ndarray) -> "EmbeddingClassifier":
        """Fit the head on precomputed embeddings ``x`` and a 0/1 label matrix ``y`` (themes order)."""
        x = np.asarray(x, dtype=np.float32)
        self.dim_ = int(x.shape[1])
        if not hasattr(self, "encoder_fingerprint_"):
            self.encoder_fingerprint_ = ""
        if self.head == "mlp":
            self._fit_mlp(x, y)
        else:
            self._fit_logreg(x, y)
        return self

    def _fit_logreg(self, x: np.ndarray, y: np.ndarray) -> None:
        from tipnlp.classifiers.linear import fit_calibrated_linear

        self.mlp_ = None
        self.coef_, self.intercept_, self.platt_ = fit_calibrated_linear(
            x, y, C=self.C, class_weight=self.class_weight, folds=self.calibration_folds,
            random_state=self.random_state, max_iter=5000,
        )

    def _fit_mlp(self, x: np.ndarray, y: np.ndarray) -> None:
        from sklearn.neural_network import MLPClassifier

        self.coef_ = self.intercept_ = self.platt_ = None
        self.mlp_ = MLPClassifier(
            hidden_layer_sizes=self.hidden_layer_sizes, alpha=self.alpha, max_iter=self.max_iter,
            early_stopping=False, random_state=self.random_state,
        ).fit(x, y)

    # -- scores ---------------------------------------------------------------------------------
    def proba_from_embeddings(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=np.float32)
        if self.mlp_ is not None:
            return np.asarray(self.mlp_.predict_proba(x), dtype=float)
        from tipnlp.classifiers.linear import calibrated_proba

        return calibrated_proba(x @ self.coef_.T + self.intercept_[None, :], self.platt_)

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        if not len(texts):
            return np.zeros((0, len(self.themes)))
        x = self.embed(texts)
        self._check_encoder(x)
        return self.proba_from_embeddings(x)

    def evidence(self, text: str, theme: str, limit: int = 3) -> list[tuple[int, int, str]]:
        return sentence_evidence(self, text, theme, limit, source="embedding")

    # -- persistence ----------------------------------------------------------------------------
    def _save_state(self, path: Path) -> None:
        import joblib

        state = {
            "head": self.head, "dim": self.dim_, "encoder": self.encoder_path,
            "encoder_fingerprint": self.encoder_fingerprint_,
            "coef": None if self.coef_ is None else self.coef_.astype(np.float32),
            "intercept": self.intercept_, "platt": self.platt_, "mlp": self.mlp_,
        }
        joblib.dump(state, path / STATE_FILE, compress=3)

    def _load_state(self, path: Path) -> None:
        import joblib

        state = joblib.load(path / STATE_FILE)
        self.dim_ = int(state["dim"])
        self.encoder_fingerprint_ = state.get("encoder_fingerprint", "")
        self.coef_, self.intercept_, self.platt_ = state["coef"], state["intercept"], state["platt"]
        self.mlp_ = state["mlp"]


def _cached_encode(encoder: MeanPoolingEncoder, texts: list[str], max_length: int) -> np.ndarray:
    """Encode through a disk cache keyed by the encoder's weights, max length and each text's sha1."""
    import hashlib

    from tipnlp.classifiers.encoders import cache_dir

    folder = cache_dir() / "embeddings"
    folder.mkdir(parents=True, exist_ok=True)
    file = folder / f"{encoder.fingerprint()[:16]}-{max_length}.npz"
    store: dict[str, np.ndarray] = {}
    if file.is_file():
        with np.load(file) as data:
            store = dict(zip(data["keys"].tolist(), data["vectors"]))
    keys = [hashlib.sha1(t.encode("utf-8")).hexdigest() for t in texts]
    missing = sorted({k: i for i, k in enumerate(keys) if k not in store}.items(), key=lambda kv: kv[1])
    if missing:
        vectors = encoder.encode([texts[i] for _, i in missing])
        for (k, _), v in zip(missing, vectors):
            store[k] = v
        tmp = file.with_suffix(".tmp.npz")
        np.savez(tmp, keys=np.array(list(store)), vectors=np.stack(list(store.values())))
        tmp.replace(file)
    return np.stack([store[k] for k in keys]).astype(np.float32)
