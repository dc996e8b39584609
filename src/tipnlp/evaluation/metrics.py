"""Multi-label metrics for theme tagging, computed from 0/1 matrices (passages x themes).

Conventions (the same everywhere in tipnlp, and written into every ``metrics.json`` as ``notes``):

- precision = tp / (tp + fp), taken as 0 when nothing was predicted; recall = tp / (tp + fn), 0 when
  there is no gold positive; F1 = 2 tp / (2 tp + fp + fn), which equals the harmonic mean of
  precision and recall and is 0 when precision + recall = 0.
- A theme with **no gold positive and no predicted positive** (tp = fp = fn = 0) has nothing to
  measure: its precision, recall and F1 are ``None`` (undefined) and it is **left out of the macro
  average** (``macro_over`` lists the themes that were averaged). scikit-learn would count it as 0 or
  1 depending on ``zero_division``; both would reward or punish a model for a theme the test set
  does not hold.
- micro F1 pools tp/fp/fn over all themes; exact match is the share of passages whose whole label
  set is right (scikit-learn's subset accuracy).

Everything is vectorised with numpy so the bootstrap can reuse :func:`f1_from_counts` on
(resamples x themes) count arrays.
"""

from __future__ import annotations

from collections import Counter
from typing import Any, Hashable, Iterable, Sequence

import numpy as np

__all__ = [
    "CORE_THEMES",
    "METRIC_NOTES",
    "default_themes",
    "label_matrix",
    "count_matrix",
    "f1_from_counts",
    "precision_recall_from_counts",
    "per_theme_scores",
    "multilabel_scores",
    "micro_f1",
    "macro_f1",
    "exact_match",
    "group_codes",
    "document_matrix",
    "pr_curve",
    "best_f1_threshold",
    "average_precision",
]

#: The five core themes of resolution 71/167, in the order used by gold data and models.
CORE_THEMES: tuple[str, ...] = (
    "demand_reduction",
    "non_punishment",
    "gender_sensitive_training",
    "supply_chains",
    "organ_removal",
)

METRIC_NOTES: list[str] = [
    "precision is 0 when nothing was predicted for a theme; recall is 0 when it has no gold positive; "
    "F1 = 2tp/(2tp+fp+fn), i.e. 0 when precision+recall = 0.",
    "a theme with no gold and no predicted positives (tp=fp=fn=0) has undefined (null) "
    "precision/recall/F1 and is left out of the macro average (see macro_over).",
    "micro F1 pools tp/fp/fn over all themes; exact_match is subset accuracy (whole label set right).",
    "document level: a theme is present in a document when any of its passages has it (gold and "
    "predicted alike); passages without doc_id count as documents of their own.",
]


def default_themes() -> list[str]:
    """The core theme ids from :mod:`tipnlp.taxonomy` when it loads, else :data:`CORE_THEMES`.

    Every harness function also takes ``themes`` explicitly, so evaluation never depends on it.
    """
    try:
        from tipnlp import taxonomy
    except ImportError:
        return list(CORE_THEMES)
    try:
        if hasattr(taxonomy, "core_theme_ids"):
            ids = taxonomy.core_theme_ids()
        elif hasattr(taxonomy, "default_taxonomy"):
            ids = _theme_ids_of(taxonomy.default_taxonomy())
        else:
            ids = None
    except Exception:  # a broken taxonomy file must not stop an evaluation
        ids = None
    if ids and all(isinstance(t, str) for t in ids):
        return list(ids)
    return list(CORE_THEMES)


def _theme_ids_of(taxonomy: Any) -> list[str] | None:
    for attr in ("core_theme_ids", "core_ids"):
        value = getattr(taxonomy, attr, None)
        if callable(value):
            value = value()
        if value:
            return list(value)
    return None


def label_matrix(label_lists: Iterable[Sequence[str]], themes: Sequence[str]) -> tuple[np.ndarray, Counter]:
    """0/1 matrix (n, len(themes)) of label lists, and a Counter of labels not in ``themes``."""
    index = {t: j for j, t in enumerate(themes)}
    rows: list[list[int]] = []
    unknown: Counter = Counter()
    for labels in label_lists:
        row = []
        for lab in labels:
            j = index.get(lab)
            if j is None:
                unknown[lab] += 1
            else:
                row.append(j)
        rows.append(row)
    y = np.zeros((len(rows), len(themes)), dtype=np.int8)
    for i, cols in enumerate(rows):
        if cols:
            y[i, cols] = 1
    return y, unknown


def count_matrix(y_true: np.ndarray, y_pred: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-theme tp, fp, fn (int64 arrays of length n_themes)."""
    t = np.asarray(y_true, dtype=bool)
    p = np.asarray(y_pred, dtype=bool)
    if t.shape != p.shape:
        raise ValueError(f"y_true {t.shape} and y_pred {p.shape} differ in shape")
    tp = np.count_nonzero(t & p, axis=0).astype(np.int64)
    fp = np.count_nonzero(~t & p, axis=0).astype(np.int64)
    fn = np.count_nonzero(t & ~p, axis=0).astype(np.int64)
    return tp, fp, fn


def f1_from_counts(tp, fp, fn) -> np.ndarray:
    """F1 = 2tp/(2tp+fp+fn) elementwise; NaN where tp=fp=fn=0 (undefined). Any array shape."""
    tp = np.asarray(tp, dtype=float)
    denom = 2 * tp + np.asarray(fp, dtype=float) + np.asarray(fn, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(denom > 0, 2 * tp / np.where(denom > 0, denom, 1), np.nan)


def precision_recall_from_counts(tp, fp, fn) -> tuple[np.ndarray, np.ndarray]:
    """Precision and recall elementwise, 0 on a zero denominator (see the module conventions)."""
    tp = np.asarray(tp, dtype=float)
    pp = tp + np.asarray(fp, dtype=float)
    ap = tp + np.asarray(fn, dtype=float)
    precision = np.divide(tp, pp, out=np.zeros_like(tp), where=pp > 0)
    recall = np.divide(tp, ap, out=np.zeros_like(tp), where=ap > 0)
    return precision, recall


def _num(x: float) -> float | None:
    return None if x is None or not np.isfinite(x) else float(x)


def per_theme_scores(y_true: np.ndarray, y_pred: np.ndarray, themes: Sequence[str]) -> dict[str, dict[str, Any]]:
    """``{theme: {precision, recall, f1, support, tp, fp, fn, predicted}}``; None where undefined."""
    tp, fp, fn = count_matrix(y_true, y_pred)
    precision, recall = precision_recall_from_counts(tp, fp, fn)
    f1 = f1_from_counts(tp, fp, fn)
    out: dict[str, dict[str, Any]] = {}
    for j, theme in enumerate(themes):
        defined = bool(np.isfinite(f1[j]))
        out[theme] = {
            "precision": float(precision[j]) if defined else None,
            "recall": float(recall[j]) if defined else None,
            "f1": float(f1[j]) if defined else None,
            "support": int(tp[j] + fn[j]),
            "predicted": int(tp[j] + fp[j]),
            "tp": int(tp[j]),
            "fp": int(fp[j]),
            "fn": int(fn[j]),
        }
    return out


def macro_f1(tp, fp, fn) -> float | None:
    """Mean F1 over the themes where it is defined; None when none is."""
    f1 = f1_from_counts(tp, fp, fn)
    return _num(np.nanmean(f1)) if np.isfinite(f1).any() else None


def micro_f1(tp, fp, fn) -> float | None:
    """F1 of the pooled counts; None when there is no gold and no predicted label at all."""
    return _num(f1_from_counts(np.sum(tp), np.sum(fp), np.sum(fn)))


def exact_match(y_true: np.ndarray, y_pred: np.ndarray) -> float | None:
    """Share of rows whose whole label set is right (None for zero rows)."""
    t = np.asarray(y_true, dtype=bool)
    if t.shape[0] == 0:
        return None
    return float(np.mean(np.all(t == np.asarray(y_pred, dtype=bool), axis=1)))


def multilabel_scores(y_true: np.ndarray, y_pred: np.ndarray, themes: Sequence[str]) -> dict[str, Any]:
    """Per-theme scores plus micro/macro F1 and the list of themes the macro average covers."""
    tp, fp, fn = count_matrix(y_true, y_pred)
    per_theme = per_theme_scores(y_true, y_pred, themes)
    return {
        "macro_f1": macro_f1(tp, fp, fn),
        "micro_f1": micro_f1(tp, fp, fn),
        "macro_over": [t for t in themes if per_theme[t]["f1"] is not None],
        "per_theme": per_theme,
    }


def group_codes(keys: Sequence[Hashable]) -> tuple[np.ndarray, list[Hashable]]:
    """Integer code per row (first-seen order) and the distinct keys: for documents and clusters."""
    index: dict[Hashable, int] = {}
    codes = np.fromiter((index.setdefault(k, len(index)) for k in keys), dtype=np.int64, count=len(keys))
    return codes, list(index)


def document_matrix(y: np.ndarray, codes: np.ndarray, n_groups: int | None = None) -> np.ndarray:
    """Collapse passage rows to documents: a theme is on for a document when any passage has it."""
    y = np.asarray(y)
    if n_groups is None:
        n_groups = int(codes.max()) + 1 if len(codes) else 0
    out = np.zeros((n_groups, y.shape[1]), dtype=y.dtype)
    np.maximum.at(out, codes, y)
    return out


# -- score-based (threshold-free) measures ---------------------------------------------------------


def pr_curve(y_true_col: np.ndarray, scores_col: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """scikit-learn's precision-recall curve for one theme; None when it has no gold positive."""
    y = np.asarray(y_true_col, dtype=int)
    if y.sum() == 0:
        return None
    from sklearn.metrics import precision_recall_curve

    return precision_recall_curve(y, np.asarray(scores_col, dtype=float))


def best_f1_threshold(y_true_col: np.ndarray, scores_col: np.ndarray) -> tuple[float, float] | None:
    """The highest F1 reachable by moving this theme's threshold, and that threshold.

    For information only: it is tuned on the test data itself, so it overstates what a model with a
    fixed threshold achieves. None when the theme has no gold positive.
    """
    curve = pr_curve(y_true_col, scores_col)
    if curve is None:
        return None
    precision, recall, thresholds = curve
    p, r = precision[:-1], recall[:-1]  # the last point (P=1, R=0) has no threshold
    with np.errstate(invalid="ignore", divide="ignore"):
        f1 = np.where(p + r > 0, 2 * p * r / np.where(p + r > 0, p + r, 1), 0.0)
    i = int(np.argmax(f1))
    return float(f1[i]), float(thresholds[i])


def average_precision(y_true_col: np.ndarray, scores_col: np.ndarray) -> float | None:
    """Area under the precision-recall curve (scikit-learn's step-wise AP); None without positives."""
    y = np.asarray(y_true_col, dtype=int)
    if y.sum() == 0:
        return None
    from sklearn.metrics import average_precision_score

    return float(average_precision_score(y, np.asarray(scores_col, dtype=float)))
