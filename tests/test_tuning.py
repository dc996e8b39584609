"""Threshold tuning on out-of-fold scores: per theme, shared, or shrunk toward the shared threshold."""

from __future__ import annotations

import numpy as np
import pytest

from tipnlp.errors import DataError
from tipnlp.tuning import tune_thresholds

GRID = np.round(np.arange(0.05, 0.951, 0.01), 2)


def _scores(rng, n_pos, n_neg, pos_mean, neg_mean):
    y = np.r_[np.ones(n_pos), np.zeros(n_neg)]
    s = np.clip(np.r_[rng.normal(pos_mean, 0.12, n_pos), rng.normal(neg_mean, 0.12, n_neg)], 0, 1)
    return y, s


def _two_themes():
    rng = np.random.default_rng(3)
    y0, s0 = _scores(rng, 400, 1600, 0.7, 0.3)  # a common theme: its own best threshold is reliable
    y1, s1 = _scores(rng, 8, 1992, 0.8, 0.3)    # a rare theme: its own best threshold is noise
    return np.c_[y0, y1].astype(int), np.c_[s0, s1]


def test_per_theme_thresholds_take_each_themes_best_f1():
    y = np.array([[1, 0], [1, 0], [0, 1], [0, 0]])
    s = np.array([[0.9, 0.2], [0.8, 0.1], [0.3, 0.4], [0.2, 0.35]])
    th = tune_thresholds(y, s, ["a", "b"], GRID)
    assert 0.3 < th["a"] <= 0.8 and 0.35 < th["b"] <= 0.4


def test_shared_strategy_gives_every_theme_one_threshold_best_for_macro_f1():
    y, s = _two_themes()
    th = tune_thresholds(y, s, ["common", "rare"], GRID, strategy="shared")
    assert th["common"] == th["rare"]
    own = tune_thresholds(y, s, ["common", "rare"], GRID)
    assert abs(th["common"] - own["common"]) < 0.15


def test_shrunk_strategy_moves_a_rare_theme_toward_the_shared_threshold_more_than_a_common_one():
    y, s = _two_themes()
    own = tune_thresholds(y, s, ["common", "rare"], GRID)
    shared = tune_thresholds(y, s, ["common", "rare"], GRID, strategy="shared")["rare"]
    shrunk = tune_thresholds(y, s, ["common", "rare"], GRID, strategy="shrunk", prior_positives=50)
    moved = {t: abs(shrunk[t] - own[t]) / max(abs(shared - own[t]), 1e-9) for t in ("common", "rare")}
    assert moved["rare"] > 0.8 and moved["common"] < 0.2
    assert min(own["rare"], shared) - 1e-9 <= shrunk["rare"] <= max(own["rare"], shared) + 1e-9


def test_an_unknown_threshold_strategy_is_a_clear_error():
    with pytest.raises(DataError, match="unknown threshold strategy"):
        tune_thresholds(np.zeros((2, 1)), np.zeros((2, 1)), ["a"], GRID, strategy="median")
