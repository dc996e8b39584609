"""Does a passage's document context help, stacked on saved out-of-fold scores? (not adopted)

    python evaluation/doc_context_check.py evaluation/oof/k5_1207/context_sentence.npz \
        evaluation/oof/k5_1207/hybrid_C64.npz --weights 0.25 0.75

For each theme, a logistic regression over the ensemble's logit and its document context (the previous and
next passages' logits, the best other passage of the document, the document's mean, the mean of its best
three, its length) is fitted on the other folds and applied to the held-out fold; thresholds as training
tunes them (``--thresholds``), cross-fitted (``ensemble_cv.cross_fitted``).
"""
from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from ensemble_cv import _load, cross_fitted, gold_for

FEATURE_SETS = [["own"], ["own", "neighbours"], ["own", "doc_max"], ["own", "doc_mean"],
                ["own", "neighbours", "doc_max", "doc_mean"],
                ["own", "prev", "next", "doc_max", "doc_mean", "doc_top3", "doc_length"]]


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-4, 1 - 1e-4)
    return np.log(p / (1 - p))


def context_features(ids, scores: np.ndarray) -> dict[str, np.ndarray]:
    """Per passage and theme: its own logit and its document's context, passages ordered by offset."""
    doc = np.array([str(i).rsplit(":", 1)[0] for i in ids])
    start = np.array([int(str(i).rsplit(":", 1)[1].split("-")[0]) for i in ids])
    z = _logit(scores)
    floor = _logit(np.zeros(1))[0]
    f = {k: np.full_like(z, floor) for k in ("prev", "next", "doc_max", "doc_top3")}
    f["doc_mean"] = np.zeros_like(z)
    f["doc_length"] = np.zeros_like(z)
    for d in np.unique(doc):
        idx = np.where(doc == d)[0]
        idx = idx[np.argsort(start[idx])]
        zd = z[idx]
        f["prev"][idx[1:]], f["next"][idx[:-1]] = zd[:-1], zd[1:]
        f["doc_mean"][idx] = zd.mean(axis=0)
        f["doc_length"][idx] = np.log(len(idx))
        for k, i in enumerate(idx):
            other = np.delete(zd, k, axis=0)
            if len(other):
                f["doc_max"][i] = other.max(axis=0)
                f["doc_top3"][i] = np.sort(other, axis=0)[::-1][:3].mean(axis=0)
    f["own"] = z
    f["neighbours"] = np.maximum(f["prev"], f["next"])
    return f


def main() -> None:
    from sklearn.linear_model import LogisticRegression

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("files", nargs="+", type=Path)
    ap.add_argument("--weights", nargs="+", type=float, required=True)
    ap.add_argument("--thresholds", default="shared", choices=["per_theme", "shared", "shrunk"])
    args = ap.parse_args()
    members = [_load(p) for p in args.files]
    ids, folds = members[0]["ids"], members[0]["folds"]
    ordered, y = gold_for(ids, members[0]["themes"])
    scores = sum(w * m["scores"] for w, m in zip(args.weights, members))
    new = np.array([(r.get("meta") or {}).get("split") == "cv" for r in ordered])
    feats = context_features(ids, scores)
    one = [np.ones(1)]
    rows = [("ensemble as it is", scores)]
    for names in FEATURE_SETS:
        out = np.zeros_like(scores)
        for f in np.unique(folds):
            tr, te = folds != f, folds == f
            for j in range(y.shape[1]):
                x = np.column_stack([feats[n][:, j] for n in names])
                out[te, j] = LogisticRegression(max_iter=1000).fit(x[tr], y[tr, j]).predict_proba(x[te])[:, 1]
        rows.append((" + ".join(names), out))
    print("| stacked on | macro F1 | mean AP | F1 per theme | new documents: macro F1 / mean AP |")
    print("|---|---:|---:|---|---|")
    for name, s in rows:
        a = cross_fitted(s[None], y, folds, one, None, args.thresholds)
        b = cross_fitted(s[None], y, folds, one, new, args.thresholds)
        print(f"| {name} | {a['macro_f1']:.3f} | {a['mean_ap']:.3f} | {' / '.join(f'{x:.3f}' for x in a['f1'])} | "
              f"{b['macro_f1']:.3f} / {b['mean_ap']:.3f} |")


if __name__ == "__main__":
    main()
