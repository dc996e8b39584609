"""Stackers in place of the ensemble's fixed average: on the members' scores, and on neighbouring passages.

    python evaluation/stacker_check.py evaluation/oof/k3/context_sentence_inferred_doctype.npz \
        evaluation/oof/k3/hybrid_tfidf_lexicon.npz --weights 0.25 0.75

Why: the design notes suggest a small stacker fitted on the members' out-of-fold predictions; first, per
theme, a logistic regression on the members' log-odds for that theme, fitted on the other folds' OOF scores.
Measured 2026-12-07: cross-fitted macro F1 0.598 against 0.634 for the fixed 0.25 / 0.75 average (training
and organ removal lose most: their score scales differ between folds), so the ensemble keeps fixed weights.
Second, themes cluster in documents (a non-punishment section runs over several passages), so a passage's
neighbours' scores might correct it. Base: the weighted average of the given OOF files (the default
ensemble). Per theme a logistic regression reads the base score's log-odds, the max and min of the
previous and next gold passage's (contiguous within 50 characters), and optionally the document's max
and mean and the other themes' scores; fitted on the other folds' out-of-fold scores and applied to the
held-out fold, thresholds cross-fitted as in evaluation/ensemble_cv.py. Measured 2026-12-07: every variant
lowered cross-fitted macro F1 (0.634 -> 0.584 / 0.552 / 0.551), mostly through organ_removal, whose few
positives sit in few documents.
"""
from __future__ import annotations

import argparse
import collections
from pathlib import Path

import numpy as np


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("files", nargs="+", type=Path)
    ap.add_argument("--weights", nargs="+", type=float)
    args = ap.parse_args()

    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from ensemble_cv import _load, cross_fitted, gold_for
    from sklearn.linear_model import LogisticRegression

    members = [_load(p) for p in args.files]
    weights = np.array(args.weights or [1.0] * len(members), dtype=float)
    base = np.tensordot(weights / weights.sum(), np.stack([m["scores"] for m in members]), axes=1)
    ids, folds, themes = [str(i) for i in members[0]["ids"]], members[0]["folds"], members[0]["themes"]
    _, y = gold_for(ids, themes)
    n, n_themes = base.shape
    docs = collections.defaultdict(list)
    for k, i in enumerate(ids):
        doc, span = i.rsplit(":", 1)
        s, e = map(int, span.split("-"))
        docs[doc].append((s, e, k))
    prev, nxt, doc_of = np.full(n, -1), np.full(n, -1), np.zeros(n, int)
    for d, spans in enumerate(docs.values()):
        spans.sort()
        for a, b in zip(spans, spans[1:]):
            if b[0] - a[1] <= 50:
                nxt[a[2]], prev[b[2]] = b[2], a[2]
        for _, _, k in spans:
            doc_of[k] = d

    def logit(p):
        p = np.clip(p, 1e-4, 1 - 1e-4)
        return np.log(p / (1 - p))

    def features(j: int, level: int) -> np.ndarray:
        s = base[:, j]
        before = np.where(prev >= 0, s[np.maximum(prev, 0)], s)
        after = np.where(nxt >= 0, s[np.maximum(nxt, 0)], s)
        cols = [logit(s), logit(np.maximum(before, after)), logit(np.minimum(before, after))]
        if level >= 2:
            top = np.zeros(len(docs))
            np.maximum.at(top, doc_of, s)
            cols += [logit(top[doc_of]), logit((np.bincount(doc_of, s) / np.bincount(doc_of))[doc_of])]
        if level >= 3:
            cols += [logit(base[:, t]) for t in range(n_themes) if t != j]
        return np.column_stack(cols)

    one = [np.array([1.0])]
    r0 = cross_fitted(base[None], y, folds, one)
    print(f"base: macro F1 {r0['macro_f1']:.3f}, mean AP {r0['mean_ap']:.3f}")
    stacked = np.zeros(base.shape)
    for f in np.unique(folds):
        tr, te = folds != f, folds == f
        for j in range(n_themes):
            x = np.column_stack([logit(m["scores"][:, j]) for m in members])
            stacked[te, j] = LogisticRegression(max_iter=1000).fit(x[tr], y[tr, j]).predict_proba(x[te])[:, 1]
    r = cross_fitted(stacked[None], y, folds, one)
    print(f"stacker on the members' log-odds: macro F1 {r['macro_f1']:.3f}, mean AP {r['mean_ap']:.3f}, "
          f"F1 per theme {' / '.join(f'{x:.3f}' for x in r['f1'])}")
    for level, name in [(1, "neighbours"), (2, "+ document max/mean"), (3, "+ other themes")]:
        stacked = np.zeros(base.shape)
        for f in np.unique(folds):
            tr, te = folds != f, folds == f
            for j in range(n_themes):
                x = features(j, level)
                stacked[te, j] = LogisticRegression(max_iter=1000).fit(x[tr], y[tr, j]).predict_proba(x[te])[:, 1]
        r = cross_fitted(stacked[None], y, folds, one)
        print(f"{name}: macro F1 {r['macro_f1']:.3f}, mean AP {r['mean_ap']:.3f}, "
              f"F1 per theme {' / '.join(f'{x:.3f}' for x in r['f1'])}")


if __name__ == "__main__":
    main()
