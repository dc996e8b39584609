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


def test_naive_bayes_ratio_favours_features_seen_in_positives():
    from tipnlp.classifiers.nb_scaling import nb_ratio

    x = np.array([[1, 0, 1], [2, 0, 1], [0, 1, 1], [0, 1, 1]], dtype=float)
    r = nb_ratio(x, np.array([1, 1, 0, 0]), alpha=1.0)
    assert r[0] > 0 > r[1]  # only in positives / only in negatives
    assert abs(r[2]) < 1e-12  # everywhere: no information
    assert r[0] == -r[1]  # presence counts, not weights: the 2 counts once


def test_naive_bayes_scaled_fit_stores_weights_that_score_like_the_pipeline():
    """The stored weights include the scales, so inference (x @ coef) needs no scaler."""
    from scipy.sparse import random as sparse_random
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    from tipnlp.classifiers.nb_scaling import NaiveBayesScaler

    rng = np.random.default_rng(0)
    x = sparse_random(300, 40, density=0.1, random_state=1, format="csr")
    y = ((x[:, 3].toarray().ravel() > 0) | (rng.random(300) < 0.05)).astype(int)[:, None]
    coef, intercept, _ = fit_calibrated_linear(x, y, C=4.0, class_weight="balanced", folds=3, random_state=0,
                                               solver="liblinear", nb_alpha=1.0)
    plain, _, _ = fit_calibrated_linear(x, y, C=4.0, class_weight="balanced", folds=3, random_state=0,
                                        solver="liblinear")
    pipe = make_pipeline(NaiveBayesScaler(1.0), LogisticRegression(C=4.0, class_weight="balanced",
                                                                   solver="liblinear", max_iter=2000)).fit(x, y[:, 0])
    np.testing.assert_allclose(x @ coef[0] + intercept[0], pipe.decision_function(x), atol=1e-4)
    assert not np.allclose(coef, plain)  # the scaling changed the fit


def test_row_weights_change_the_weights_but_ones_change_nothing():
    x, y, groups, real = _data()
    kw = dict(C=1.0, class_weight=None, folds=3, random_state=0, groups=groups, calibrate=real)
    plain = fit_calibrated_linear(x, y, **kw)
    ones = fit_calibrated_linear(x, y, sample_weight=np.ones(len(y)), **kw)
    light = fit_calibrated_linear(x, y, sample_weight=np.where(real, 1.0, 0.1), **kw)
    np.testing.assert_allclose(ones[0], plain[0], rtol=1e-5)
    # the clear-cut written positives pull the weight of feature 0 up; weighed down, they pull less
    assert light[0][0, 0] < plain[0][0, 0]


def test_row_weights_reach_the_naive_bayes_pipeline():
    x, y, groups, real = _data()
    x = np.where(x > 0.3, x, 0.0)  # presence ratios need zeros (a feature everywhere is scaled to 0)
    kw = dict(C=1.0, class_weight=None, folds=3, random_state=0, groups=groups, calibrate=real, nb_alpha=1.0)
    plain = fit_calibrated_linear(x, y, **kw)
    light = fit_calibrated_linear(x, y, sample_weight=np.where(real, 1.0, 0.1), **kw)
    assert not np.allclose(light[0], plain[0])
