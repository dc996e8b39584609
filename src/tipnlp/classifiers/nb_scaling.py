"""Naive-Bayes log-count ratios as feature scales (NBSVM, Wang & Manning 2012), for the linear fits.

Why: with a few hundred positives per theme, a plain logistic regression spreads its L2 budget evenly over
60,000 n-grams; scaling each feature by how much more often it occurs in a theme's passages than in the
others lets the regression spend that budget on the telling ones. The scale is a per-theme vector, so the
fitted model is still one weight vector per theme (weights times scales): inference is unchanged.
Imported only when a model is fitted (it needs scikit-learn).
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin


def nb_ratio(x, y: np.ndarray, alpha: float) -> np.ndarray:
    """log((p / |p|_1) / (q / |q|_1)) per column: p, q = alpha + the number of positive / negative rows
    in which the column is non-zero (presence, not weight, so one long passage does not dominate)."""
    present = (x != 0).astype(np.float64)  # sparse or dense alike
    y = np.asarray(y).astype(bool)
    p = alpha + np.asarray(present[y].sum(axis=0)).ravel()
    q = alpha + np.asarray(present[~y].sum(axis=0)).ravel()
    return np.log((p / p.sum()) / (q / q.sum()))


def scale_columns(x, r: np.ndarray):
    """``x`` with column j multiplied by ``r[j]`` (sparse stays sparse)."""
    if hasattr(x, "tocsr"):
        from scipy.sparse import diags

        return (x @ diags(r.astype(np.float64))).tocsr()
    return np.asarray(x) * r[None, :]


class NaiveBayesScaler(TransformerMixin, BaseEstimator):
    """Learns ``ratio_`` from the rows and labels it is fitted on; transforms by scaling columns with it
    (inside a pipeline, so a cross-validation fold never sees the held-out rows' labels)."""

    def __init__(self, alpha: float = 1.0):
        self.alpha = alpha

    def fit(self, x, y):
        self.ratio_ = nb_ratio(x, y, self.alpha)
        return self

    def transform(self, x):
        return scale_columns(x, self.ratio_)
