"""Document-level themes from passage scores: is "any passage tagged" the best rule? (saved OOF scores)

    python evaluation/doc_level_check.py evaluation/oof/k5/context_sentence.npz evaluation/oof/k5/hybrid_C64.npz \
        --weights 0.25 0.75

A document addresses a theme when at least one of its passages is tagged (what `tipnlp classify` reports
and what the evaluation's document-level F1 counts). Compared here, cross-fitted on the same folds (each
held-out fold's thresholds chosen on the other folds' documents): the document's best passage score, the
mean of its best two, and a noisy-OR of all its passages, each with one shared or per-theme threshold.
"""
from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from ensemble_cv import GRID, _load, gold_for


def _cross_fitted(y: np.ndarray, s: np.ndarray, folds: np.ndarray, strategy: str) -> np.ndarray:
    """Labels for each held-out fold from thresholds tuned (``tipnlp.tuning``) on the other folds."""
    from tipnlp.tuning import tune_thresholds

    themes = list(range(y.shape[1]))
    out = np.zeros(y.shape, dtype=int)
    for f in np.unique(folds):
        tr = folds != f
        cut = tune_thresholds(y[tr], s[tr], themes, GRID, strategy=strategy)
        out[~tr] = s[~tr] >= np.array([cut[j] for j in themes])
    return out


def _aggregate(scores: np.ndarray, code: np.ndarray, n_docs: int, how: str) -> np.ndarray:
    out = np.zeros((n_docs, scores.shape[1]))
    if how == "max":
        np.maximum.at(out, code, scores)
    elif how == "top2_mean":
        for d in range(n_docs):
            s = np.sort(scores[code == d], axis=0)[::-1]
            out[d] = s[:2].mean(axis=0)
    else:  # noisy_or
        np.add.at(out, code, np.log1p(-np.clip(scores, 0.0, 0.999)))
        out = 1.0 - np.exp(out)
    return out


def main() -> None:
    from tipnlp.evaluation.metrics import document_matrix, group_codes, multilabel_scores

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("files", nargs="+", type=Path)
    ap.add_argument("--weights", nargs="+", type=float)
    args = ap.parse_args()
    members = [_load(f) for f in args.files]
    weights = args.weights or [1.0 / len(members)] * len(members)
    if len(weights) != len(members):
        ap.error("one weight per file")
    s = sum(w * m["scores"] for w, m in zip(weights, members))
    folds, themes = members[0]["folds"], members[0]["themes"]
    records, y = gold_for(members[0]["ids"], themes)
    code, docs = group_codes([r["doc_id"] for r in records])
    n_docs = len(docs)
    doc_fold = np.zeros(n_docs, dtype=int)
    doc_fold[code] = folds
    y_doc = document_matrix(y.astype(int), code, n_docs)

    def row(name: str, pred: np.ndarray) -> tuple[str, float, list[float]]:
        m = multilabel_scores(y_doc, pred, themes)
        return name, m["macro_f1"], [m["per_theme"][t]["f1"] or 0.0 for t in themes]

    # the rule in use: one shared passage threshold, any passage tagged
    rows = [row("any passage tagged (shared passage threshold)",
                document_matrix(_cross_fitted(y, s, folds, "shared"), code, n_docs))]
    for how in ("max", "top2_mean", "noisy_or"):
        agg = _aggregate(s, code, n_docs, how)
        for strategy in ("shared", "per_theme"):
            rows.append(row(f"{how}, {strategy} document threshold", _cross_fitted(y_doc, agg, doc_fold, strategy)))
    print(f"{n_docs} documents; positives per theme {y_doc.sum(axis=0).tolist()}")
    print("| rule | document macro F1 | per theme |\n|---|---:|---|")
    for name, macro, per in rows:
        print(f"| {name} | {macro:.3f} | {' / '.join(f'{v:.3f}' for v in per)} |")


if __name__ == "__main__":
    main()
