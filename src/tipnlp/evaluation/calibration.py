"""Calibration of theme scores: are scores of 0.8 right about 80% of the time?

Reviewers read scores as confidence and the CLI sorts evidence by them, so besides F1 we report
per theme the Brier score (mean squared error of the score against the 0/1 gold label; lower is
better) and the expected calibration error over 10 equal-width bins (weighted mean gap between
mean score and observed positive rate), plus the bin table behind a reliability diagram.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

__all__ = ["brier_score", "reliability_bins", "expected_calibration_error", "calibration_summary"]


def brier_score(y_true_col: np.ndarray, scores_col: np.ndarray) -> float | None:
    """Mean of (score - label)^2 for one theme; None for zero rows."""
    y = np.asarray(y_true_col, dtype=float)
    s = np.asarray(scores_col, dtype=float)
    return float(np.mean((s - y) ** 2)) if y.size else None


def _bin_index(scores: np.ndarray, n_bins: int) -> np.ndarray:
    # Bins [0, 1/n), [1/n, 2/n), ..., [(n-1)/n, 1]: a score of exactly 1 goes to the last bin.
    return np.clip(np.floor(np.clip(scores, 0.0, 1.0) * n_bins).astype(int), 0, n_bins - 1)


def reliability_bins(y_true_col: np.ndarray, scores_col: np.ndarray, n_bins: int = 10) -> list[dict[str, Any]]:
    """Per equal-width bin: bounds, count, mean score and observed fraction of positives (None if empty)."""
    y = np.asarray(y_true_col, dtype=float)
    s = np.asarray(scores_col, dtype=float)
    idx = _bin_index(s, n_bins)
    count = np.bincount(idx, minlength=n_bins)
    sum_s = np.bincount(idx, weights=s, minlength=n_bins)
    sum_y = np.bincount(idx, weights=y, minlength=n_bins)
    bins = []
    for b in range(n_bins):
        c = int(count[b])
        bins.append({
            "lower": b / n_bins,
            "upper": (b + 1) / n_bins,
            "count": c,
            "mean_score": float(sum_s[b] / c) if c else None,
            "fraction_positive": float(sum_y[b] / c) if c else None,
        })
    return bins


def expected_calibration_error(y_true_col: np.ndarray, scores_col: np.ndarray, n_bins: int = 10) -> float | None:
    """ECE = sum over bins of (bin share) * |fraction positive - mean score|; None for zero rows."""
    y = np.asarray(y_true_col, dtype=float)
    if y.size == 0:
        return None
    ece = 0.0
    for b in reliability_bins(y, scores_col, n_bins):
        if b["count"]:
            ece += b["count"] / y.size * abs(b["fraction_positive"] - b["mean_score"])
    return float(ece)


def calibration_summary(
    y_true: np.ndarray, scores: np.ndarray, themes: Sequence[str], n_bins: int = 10
) -> dict[str, Any]:
    """Brier and ECE per theme, their means over themes, and reliability-diagram bins per theme."""
    y = np.asarray(y_true, dtype=float)
    s = np.asarray(scores, dtype=float)
    brier = {t: brier_score(y[:, j], s[:, j]) for j, t in enumerate(themes)}
    ece = {t: expected_calibration_error(y[:, j], s[:, j], n_bins) for j, t in enumerate(themes)}

    def mean(values: dict[str, float | None]) -> float | None:
        vals = [v for v in values.values() if v is not None]
        return float(np.mean(vals)) if vals else None

    return {
        "n_bins": n_bins,
        "brier": brier,
        "brier_mean": mean(brier),
        "ece": ece,
        "ece_mean": mean(ece),
        "reliability": {t: reliability_bins(y[:, j], s[:, j], n_bins) for j, t in enumerate(themes)},
    }
