"""Out-of-fold scores of a nearest-neighbour vote over TF-IDF vectors, on the folds of a saved OOF file.

    python evaluation/knn_oof.py evaluation/oof/k5_1207/hybrid_C64_codebook_extra.npz --out evaluation/oof/k5_1207
    python evaluation/ensemble_cv.py --thresholds shared evaluation/oof/k5_1207/context_sentence_codebook_extra.npz \
        evaluation/oof/k5_1207/hybrid_C64_codebook_extra.npz evaluation/oof/k5_1207/knn_tfidf_k25.npz

Why: a cheap check of a member with another inductive bias than the two linear ones. A passage's score for
a theme is the similarity-weighted share of its k most similar training passages (other folds' gold, by
cosine of word and character TF-IDF) that carry the theme: a drafting pattern seen a few times in training
counts even when no single n-gram weight captures it. Gold passages only (no written passages).
Writes ``knn_tfidf_k{K}.npz`` in the format of evaluation/oof_cv.py (same passages, same folds).
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folds_from", type=Path, help="A saved OOF file whose passages and folds are reused.")
    ap.add_argument("--out", type=Path, default=Path("evaluation/oof/k5_1207"))
    ap.add_argument("--k", type=int, default=25, help="neighbours per passage")
    args = ap.parse_args()

    from scipy.sparse import hstack
    from sklearn.preprocessing import normalize

    from tipnlp.classifiers.tfidf import TfidfLinearClassifier

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from ensemble_cv import passages_of, save_scores

    ids, folds, themes, ordered, y = passages_of(args.folds_from)
    texts = [r["text"] for r in ordered]
    t0 = time.perf_counter()
    scores = np.zeros(y.shape)
    for f in np.unique(folds):
        tr, te = np.flatnonzero(folds != f), np.flatnonzero(folds == f)
        word, char = TfidfLinearClassifier(themes)._build_vectorizers()  # the TF-IDF member's n-gram settings
        y_tr = y[tr].astype(np.float64)
        train_texts = [texts[i] for i in tr]
        xtr = normalize(hstack([word.fit_transform(train_texts), char.fit_transform(train_texts)]).tocsr())
        test_texts = [texts[i] for i in te]
        xte = normalize(hstack([word.transform(test_texts), char.transform(test_texts)]).tocsr())
        for start in range(0, len(te), 500):
            sim = (xte[start:start + 500] @ xtr.T).toarray()
            top = np.argpartition(-sim, args.k, axis=1)[:, :args.k]
            w = np.take_along_axis(sim, top, axis=1)
            votes = np.einsum("nk,nkj->nj", w, y_tr[top])
            scores[te[start:start + 500]] = votes / np.maximum(w.sum(axis=1, keepdims=True), 1e-9)
    save_scores(args.out, f"knn_tfidf_k{args.k}", ids, folds, themes, scores, y,
                {"script": "evaluation/knn_oof.py", "folds_from": str(args.folds_from), "k": args.k,
                 "seconds": round(time.perf_counter() - t0, 1)})


if __name__ == "__main__":
    main()
