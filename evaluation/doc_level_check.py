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


def _macro_f1(y: np.ndarray, p: np.ndarray) -> tuple[float, list[float]]:
    f1 = []
    for j in range(y.shape[1]):
        tp = int((p[:, j] & (y[:, j] == 1)).sum())
        fp = int((p[:, j] & (y[:, j] == 0)).sum())
        fn = int((~p[:, j] & (y[:, j] == 1)).sum())
        f1.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    return float(np.mean(f1)), f1


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
    from tipnlp.tuning import f1_curve

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
    docs, code = np.unique([r["doc_id"] for r in records], return_inverse=True)
    n_docs, n_themes = len(docs), len(themes)
    doc_fold = np.zeros(n_docs, dtype=int)
    doc_fold[code] = folds
    y_doc = np.zeros((n_docs, n_themes), dtype=int)
    np.maximum.at(y_doc, code, y.astype(int))

    # the rule in use: one shared passage threshold (chosen on the other folds), any passage tagged
    tagged = np.zeros(y.shape, dtype=bool)
    for f in np.unique(folds):
        tr = folds != f
        cut = GRID[np.argmax(sum(f1_curve(y[tr, j], s[tr, j], GRID) for j in range(n_themes)))]
        tagged[~tr] = s[~tr] >= cut
    any_doc = np.zeros((n_docs, n_themes), dtype=bool)
    np.logical_or.at(any_doc, code, tagged)
    rows = [("any passage tagged (shared passage threshold)", *_macro_f1(y_doc, any_doc))]
    for how in ("max", "top2_mean", "noisy_or"):
        agg = _aggregate(s, code, n_docs, how)
        for strategy in ("shared", "per_theme"):
            pred = np.zeros((n_docs, n_themes), dtype=bool)
            for f in np.unique(doc_fold):
                tr = doc_fold != f
                curves = [f1_curve(y_doc[tr, j], agg[tr, j], GRID) for j in range(n_themes)]
                cut = (np.full(n_themes, GRID[np.argmax(sum(curves))]) if strategy == "shared"
                       else np.array([GRID[np.argmax(c)] for c in curves]))
                pred[~tr] = agg[~tr] >= cut
            rows.append((f"{how}, {strategy} document threshold", *_macro_f1(y_doc, pred)))
    print(f"{n_docs} documents; positives per theme {y_doc.sum(axis=0).tolist()}")
    print("| rule | document macro F1 | per theme |\n|---|---:|---|")
    for name, macro, per in rows:
        print(f"| {name} | {macro:.3f} | {' / '.join(f'{v:.3f}' for v in per)} |")


if __name__ == "__main__":
    main()
