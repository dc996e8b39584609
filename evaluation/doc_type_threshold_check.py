"""Would a shared threshold per document type beat one threshold for all? Cross-fitted on saved OOF scores.

    python evaluation/doc_type_threshold_check.py evaluation/oof/k5_1207/context_sentence_codebook_extra.npz \
        evaluation/oof/k5_1207/hybrid_C64_codebook_extra.npz --weights 0.5 0.5

Why: company statements, laws and UN reports differ in how often a theme occurs, so one cut for every
document might suit none of them. For each held-out fold, the shared threshold is chosen on the other folds'
passages of each document type (the manifest's type, which flatters this check against a guessed one) when
that type has enough training passages and positives, else the common threshold is used.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("oof", nargs="+", type=Path, help="OOF files of the members (same passages and folds)")
    ap.add_argument("--weights", nargs="+", type=float, help="member weights (default: equal)")
    ap.add_argument("--min-rows", nargs="+", type=int, default=[300, 1000],
                    help="training passages a document type needs for a threshold of its own")
    args = ap.parse_args()

    from sklearn.metrics import f1_score

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from ensemble_cv import GRID, _load, passages_of

    from tipnlp.tuning import tune_thresholds

    ids, folds, themes, records, y = passages_of(args.oof[0])
    weights = args.weights or [1 / len(args.oof)] * len(args.oof)
    members = [_load(p) for p in args.oof]  # refuses one-fold files, as ensemble_cv does
    if any(not np.array_equal(m["ids"], ids) or not np.array_equal(m["folds"], folds) for m in members):
        raise SystemExit("the OOF files must hold the same passages and folds")
    scores = sum(w * m["scores"] for w, m in zip(weights, members))
    doc_type = np.array([str((r.get("meta") or {}).get("doc_type") or "unknown") for r in records])

    def cut(mask: np.ndarray) -> float:
        return tune_thresholds(y[mask], scores[mask], list(range(len(themes))), GRID, strategy="shared")[0]

    def macro(labels: np.ndarray) -> float:
        return float(np.mean([f1_score(y[:, j], labels[:, j]) for j in range(len(themes))]))

    for min_rows in args.min_rows:
        one, per_type = np.zeros(y.shape, bool), np.zeros(y.shape, bool)
        for f in np.unique(folds):
            tr, te = folds != f, folds == f
            common = cut(tr)
            one[te] = scores[te] >= common
            for t in np.unique(doc_type):
                own_tr, own_te = tr & (doc_type == t), te & (doc_type == t)
                enough = own_tr.sum() >= min_rows and y[own_tr].sum() >= 20
                per_type[own_te] = scores[own_te] >= (cut(own_tr) if enough else common)
        print(f"types with >= {min_rows} training passages: one threshold {macro(one):.3f}, "
              f"per document type {macro(per_type):.3f}")


if __name__ == "__main__":
    main()
