"""Is one ensemble of saved out-of-fold scores better than another? A paired bootstrap over documents.

    python evaluation/paired_bootstrap.py --base evaluation/oof/k5_1207/context_sentence_codebook_extra.npz \
        evaluation/oof/k5_1207/hybrid_C64_codebook_extra.npz \
        --candidate evaluation/oof/k5_1207/context_sentence_best_extra.npz evaluation/oof/k5_1207/hybrid_C64_codebook_extra.npz

Each side is scored as ``ensemble_cv.py --thresholds shared`` scores it: for every held-out fold the members'
weights (by mean AP) and the shared threshold are chosen on the other folds. Then documents are drawn with
replacement (the same draw for both sides) and the macro F1 difference is recomputed on each draw: its mean,
95% interval and the share of draws where the candidate is not better. Why: two rows of the comparison table
have overlapping intervals even when one wins on nearly every resample of the same documents. The two sides
may be folded differently (``oof_cv.py --group-by jurisdiction`` against by document): then the difference
is what the same documents lose when no training document shares their jurisdiction.
"""
from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from ensemble_cv import _load, _weights, cross_fitted_labels, gold_for


def shared_threshold_labels(members: list[dict], y: np.ndarray) -> np.ndarray:
    """Labels of every passage from weights and a shared threshold chosen on the other folds
    (``ensemble_cv.cross_fitted_labels``, as ``ensemble_cv.py --thresholds shared`` scores)."""
    stack = np.stack([m["scores"] for m in members])
    return cross_fitted_labels(stack, y, members[0]["folds"], _weights(len(members)), "shared")[1]


def paired_differences(y: np.ndarray, base: np.ndarray, candidate: np.ndarray, docs: np.ndarray,
                       resamples: int = 1000, seed: int = 0) -> np.ndarray:
    """Macro F1 (candidate − base) on each of ``resamples`` draws of documents, the same draws for both
    (``tipnlp.evaluation.bootstrap``'s per-document counts and draw weights)."""
    from tipnlp.evaluation.bootstrap import cluster_counts, resample_weights
    from tipnlp.evaluation.metrics import f1_from_counts, group_codes

    codes, names = group_codes(list(docs))
    w = resample_weights(np.random.default_rng(seed), resamples, len(names))
    macro = []
    for labels in (base, candidate):
        c = cluster_counts(y, labels, codes, len(names))
        macro.append(np.nanmean(f1_from_counts(w @ c["tp"], w @ c["fp"], w @ c["fn"]), axis=1))
    return macro[1] - macro[0]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--base", nargs="+", type=Path, required=True)
    ap.add_argument("--candidate", nargs="+", type=Path, required=True)
    ap.add_argument("--resamples", type=int, default=1000)
    ap.add_argument("--new-documents", action="store_true", help="resample only the documents added in 2026-12")
    args = ap.parse_args()
    from tipnlp.evaluation.metrics import count_matrix, macro_f1

    base = [_load(p) for p in args.base]
    cand = [_load(p) for p in args.candidate]
    ref = base[0]
    for side in (base, cand):  # a side's members share folds; the two sides may fold differently
        for m in side:         # (e.g. by document against by jurisdiction), but score the same passages
            if not np.array_equal(m["ids"], ref["ids"]):
                raise SystemExit(f"{m['name']}: not the same passages as {ref['name']}")
            if not np.array_equal(m["folds"], side[0]["folds"]):
                raise SystemExit(f"{m['name']}: not the same folds as {side[0]['name']}")
    records, y = gold_for(ref["ids"], ref["themes"])
    a, b = shared_threshold_labels(base, y), shared_threshold_labels(cand, y)
    docs = np.array([r["doc_id"] for r in records])
    keep = np.ones(len(docs), dtype=bool)
    if args.new_documents:
        keep = np.array([(r.get("meta") or {}).get("split") == "cv" for r in records])
    y, a, b, docs = y[keep], a[keep], b[keep], docs[keep]
    print(f"{len(set(docs))} documents, {len(docs)} passages; macro F1 base "
          f"{macro_f1(*count_matrix(y, a)):.3f}, candidate {macro_f1(*count_matrix(y, b)):.3f}")
    diffs = paired_differences(y, a, b, docs, args.resamples)
    lo, hi = np.percentile(diffs, [2.5, 97.5])
    print(f"candidate - base: {diffs.mean():+.3f} [{lo:+.3f}, {hi:+.3f}] (95%, {args.resamples} resamples of "
          f"documents); not better in {np.mean(diffs <= 0):.1%} of them")


if __name__ == "__main__":
    main()
