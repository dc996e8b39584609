"""One calibrated linear model per theme: shared by the TF-IDF and the embedding families.

Each theme gets a class-weighted logistic regression; its probabilities are calibrated with Platt
scaling fitted on cross-validated decision values of the training data, so the stored state is one
weight vector, an intercept and two Platt numbers per theme.
"""

from __future__ import annotations

import numpy as np


def fit_calibrated_linear(
    x, y: np.ndarray, *, C: float, class_weight: str | None, folds: int, random_state: int,
    solver: str = "lbfgs", max_iter: int = 2000, groups: np.ndarray | None = None,
    oof_out: np.ndarray | None = None, calibrate: np.ndarray | None = None, nb_alpha: float | None = None,
    sample_weight: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(coef (k, d) float32, intercept (k,), platt (k, 2))`` for the k label columns of ``y``.

    With ``groups`` (e.g. document ids) the calibration folds keep each group whole, so the
    cross-validated scores are those of unseen documents; ``oof_out`` (n, k), when given, receives
    those calibrated out-of-fold probabilities (thresholds can be tuned on them at no extra cost).
    ``calibrate`` (a boolean mask over the rows) limits the Platt fit to those rows: passages the
    project wrote train the weights, but the probabilities must describe corpus passages.
    ``nb_alpha`` (a smoothing count) fits each theme on features scaled by their naive-Bayes log-count
    ratios (``classifiers.nb_scaling``), learnt inside every calibration fold; the stored weights include
    the scales, so scoring is unchanged. ``sample_weight`` (per row) weighs the rows in every fit of the
    weights (not in the Platt fit).
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold, cross_val_predict

    k = y.shape[1]
    coef = np.zeros((k, x.shape[1]), dtype=np.float32)
    intercept = np.zeros(k, dtype=np.float64)
    platt = np.zeros((k, 2), dtype=np.float64)
    for j in range(k):
        yj = y[:, j]
        if yj.sum() == 0 or yj.sum() == len(yj):  # one class only: a constant score
            intercept[j], platt[j] = (10.0 if yj.sum() else -10.0), (1.0, 0.0)
            continue
        lr = LogisticRegression(C=C, class_weight=class_weight, max_iter=max_iter, solver=solver)
        est = lr
        if nb_alpha is not None:
            from sklearn.pipeline import make_pipeline

            from tipnlp.classifiers.nb_scaling import NaiveBayesScaler

            est = make_pipeline(NaiveBayesScaler(nb_alpha), lr)
        key = "sample_weight" if est is lr else "logisticregression__sample_weight"  # a pipeline names its step
        fit_params = {} if sample_weight is None else {key: sample_weight}
        n_folds = min(folds, int(yj.sum()), int(len(yj) - yj.sum()))
        if groups is not None:
            n_folds = min(n_folds, len(set(groups[yj == 1])))
        if n_folds >= 2:
            if groups is not None:
                cv = StratifiedGroupKFold(n_splits=n_folds, shuffle=True, random_state=random_state)
                margins = cross_val_predict(est, x, yj, cv=cv, groups=groups, method="decision_function",
                                            params=fit_params)
            else:
                cv = StratifiedKFold(n_splits=n_folds, shuffle=True, random_state=random_state)
                margins = cross_val_predict(est, x, yj, cv=cv, method="decision_function", params=fit_params)
        else:
            margins = est.fit(x, yj, **fit_params).decision_function(x)
        rows = calibrate if calibrate is not None and len(set(yj[calibrate])) == 2 else slice(None)
        sigmoid = LogisticRegression(C=1e4, max_iter=1000).fit(margins[rows].reshape(-1, 1), yj[rows])
        platt[j] = (sigmoid.coef_[0, 0], sigmoid.intercept_[0])
        if oof_out is not None:
            oof_out[:, j] = calibrated_proba(margins.reshape(-1, 1), platt[j : j + 1])[:, 0]
        est.fit(x, yj, **fit_params)
        coef[j] = lr.coef_[0] if est is lr else lr.coef_[0] * est[0].ratio_
        intercept[j] = lr.intercept_[0]
    return coef, intercept, platt


def calibrated_proba(margins: np.ndarray, platt: np.ndarray) -> np.ndarray:
    """Platt-scaled probabilities from (n, k) decision values."""
    z = margins * platt[:, 0][None, :] + platt[:, 1][None, :]
    return 1.0 / (1.0 + np.exp(-z))
