"""Platt calibration of the linear theme models: written training passages teach the weights, corpus
passages set the probabilities."""

from __future__ import annotations

import numpy as np

from tipnlp.classifiers.linear import fit_calibrated_linear


def _data(seed: int = 0):
    rng = np.random.default_rng(seed)
    n_real, n_written = 300, 120
    x_real = rng.normal(size=(n_real, 5))
    y_real = (x_real[:, 0] + rng.normal(scale=1.5, size=n_real) > 1.0).astype(int)  # noisy, ~25% positive
    x_written = rng.normal(size=(n_written, 5))
    x_written[:, 0] += 3.0  # clear-cut written examples, all positive
    x = np.vstack([x_real, x_written])
    y = np.concatenate([y_real, np.ones(n_written, dtype=int)])[:, None]
    groups = np.array([f"doc{i % 30}" for i in range(n_real)] + [f"written:{i}" for i in range(n_written)])
    real = np.arange(len(y)) < n_real
    return x, y, groups, real


def _oof(calibrate):
    x, y, groups, real = _data()
    oof = np.full(y.shape, np.nan)
    fit_calibrated_linear(x, y, C=1.0, class_weight=None, folds=3, random_state=0, groups=groups, oof_out=oof,
                          calibrate=real if calibrate else None)
    return oof[:, 0], y[:, 0], real


def test_platt_fitted_on_corpus_rows_only_matches_their_positive_rate():
    oof, y, real = _oof(calibrate=True)
    # a logistic fit reproduces the positive rate of the rows it is fitted on
    assert abs(oof[real].mean() - y[real].mean()) < 0.01


def test_without_the_mask_written_positives_inflate_corpus_probabilities():
    masked, y, real = _oof(calibrate=True)
    unmasked, _, _ = _oof(calibrate=False)
    assert abs(unmasked[real].mean() - y[real].mean()) > 0.02
    assert not np.allclose(masked, unmasked)
