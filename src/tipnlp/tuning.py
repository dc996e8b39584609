"""Training configs, seeding and threshold tuning: shared by training and cross-validation (which must
not import each other)."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from tipnlp.errors import DataError


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    try:  # only when torch is installed (transformer families)
        import torch

        torch.manual_seed(seed)
    except ModuleNotFoundError:
        pass


THRESHOLD_STRATEGIES = ("per_theme", "shared", "shrunk")


def f1_curve(y: np.ndarray, scores: np.ndarray, grid: Sequence[float]) -> np.ndarray:
    """F1 of ``scores >= t`` for every threshold t of the grid."""
    pred = scores[:, None] >= np.asarray(grid, dtype=float)[None, :]
    pos = (y == 1)[:, None]
    tp = (pred & pos).sum(0)
    fp = (pred & ~pos).sum(0)
    fn = (~pred & pos).sum(0)
    return np.where(tp > 0, 2 * tp / np.maximum(2 * tp + fp + fn, 1), 0.0)


def _plateau_middle(curve: np.ndarray, grid: Sequence[float]) -> float:
    """The middle of the best F1's plateau (ties are common on few positives)."""
    if not len(curve) or curve.max() <= 0:
        return 0.5
    best = np.flatnonzero(curve >= curve.max() - 1e-12)
    return float(grid[int(best[len(best) // 2])])


def tune_thresholds(
    y: np.ndarray, proba: np.ndarray, themes: Sequence[str], grid: Sequence[float],
    strategy: str = "per_theme", prior_positives: float = 200.0,
) -> dict[str, float]:
    """Thresholds with the best F1 on out-of-fold (or dev) scores.

    ``per_theme``: each theme's own best threshold (middle of a tie's plateau). ``shared``: one
    threshold for every theme, the best for macro F1 — the scores are calibrated probabilities, and a
    rare theme's own best threshold is mostly noise (organ removal's moved from 0.21 to 0.59 between
    folds). ``shrunk``: each theme's own threshold pulled toward the shared one, the more the fewer
    positives it has: ``(n * own + prior_positives * shared) / (n + prior_positives)``.
    """
    if strategy not in THRESHOLD_STRATEGIES:
        raise DataError(f"unknown threshold strategy {strategy!r}; use one of {', '.join(THRESHOLD_STRATEGIES)}")
    grid = np.asarray(grid, dtype=float)
    curves = [f1_curve(y[:, j], proba[:, j], grid) for j in range(len(themes))]
    own = [_plateau_middle(c, grid) for c in curves]
    if strategy == "per_theme":
        return {t: own[j] for j, t in enumerate(themes)}
    shared = _plateau_middle(np.mean(curves, axis=0), grid)
    if strategy == "shared":
        return {t: shared for t in themes}
    n = y.sum(axis=0).astype(float)
    return {t: round(float((n[j] * own[j] + prior_positives * shared) / (n[j] + prior_positives)), 4)
            for j, t in enumerate(themes)}


def load_config(path: str | Path) -> dict[str, Any]:
    from tipnlp._yaml import safe_load

    path = Path(path)
    if not path.is_file():
        raise DataError(f"no training config at {path}", hint="See training/*.yaml for examples.")
    config = safe_load(path.read_text(encoding="utf-8")) or {}
    for key in ("name", "family"):
        if key not in config:
            raise DataError(f"{path}: the config needs a `{key}` field")
    return config
