"""Ensembles of saved out-of-fold scores (evaluation/oof_cv.py), scored without peeking at the fold.

    python evaluation/ensemble_cv.py evaluation/oof/k3/context_sentence.npz evaluation/oof/k3/finetuned_minilm_cv.npz

Every file must hold the same passages and folds. For each held-out fold, the members' weights
(a grid over the simplex, step 0.25) and the per-theme thresholds are chosen on the *other* folds'
out-of-fold scores, then applied to the held-out fold ("cross-fitted"), so no number below was tuned
on the passages it scores. Prints one row per member and per ensemble: macro F1 (cross-fitted
thresholds), mean average precision, per-theme F1, and the weights chosen per fold.
"""
from __future__ import annotations

import argparse
import itertools
import json
from pathlib import Path

import numpy as np


def _load(path: Path) -> dict:
    with np.load(path, allow_pickle=False) as z:
        scores = z["scores"].astype(float)
        if not np.isfinite(scores).all():
            raise SystemExit(f"{path}: some passages have no out-of-fold score (a one-fold run, oof_cv.py "
                             "--fold?); ensembles need every fold: run oof_cv.py without --fold")
        return {"ids": z["ids"], "folds": z["folds"], "scores": scores,
                "themes": [str(t) for t in z["themes"]], "name": path.stem}


def gold_for(ids, themes: list[str]) -> tuple[list[dict], np.ndarray]:
    """The gold records of an OOF file's passages, in its order, and their label matrix."""
    from tipnlp.evaluation.cv import gold_pool
    from tipnlp.evaluation.metrics import label_matrix

    records, _ = gold_pool()
    by_id = {r["id"]: r for r in records}
    ordered = [by_id[str(i)] for i in ids]
    y, _ = label_matrix([r["labels"] for r in ordered], themes)
    return ordered, y


def passages_of(path: Path) -> tuple[list[str], np.ndarray, list[str], list[dict], np.ndarray]:
    """``(ids, folds, themes, gold records, label matrix)`` of a saved OOF file: a member scored from saved
    folds (``knn_oof.py``, ``frozen_embedding_oof.py``) reuses exactly its passages and folds."""
    with np.load(path) as z:
        ids, folds, themes = [str(i) for i in z["ids"]], z["folds"], [str(t) for t in z["themes"]]
    ordered, y = gold_for(ids, themes)
    return ids, folds, themes, ordered, y


def save_scores(out: Path, name: str, ids: list[str], folds: np.ndarray, themes: list[str], scores: np.ndarray,
                y: np.ndarray, info: dict) -> None:
    """Write ``<out>/<name>.npz`` in oof_cv.py's format and print its mean average precision per theme."""
    from sklearn.metrics import average_precision_score

    out.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(out / f"{name}.npz", ids=np.array(ids), folds=folds, scores=scores.astype(np.float32),
                        themes=np.array(themes), info=json.dumps(info))
    aps = [average_precision_score(y[:, j], scores[:, j]) for j in range(len(themes))]
    print(f"{name}: mean AP {np.mean(aps):.3f} per theme {[round(a, 3) for a in aps]} -> {out / name}.npz")


GRID = np.round(np.arange(0.05, 0.951, 0.01), 2)


def _best_threshold(y: np.ndarray, s: np.ndarray) -> float:
    """The threshold with the best F1, ties broken toward 0.5 (``--thresholds nearest_half``)."""
    from tipnlp.tuning import f1_curve

    curve = f1_curve(y, s, GRID)
    tied = GRID[curve == curve.max()]
    return float(tied[np.argmin(np.abs(tied - 0.5))])


def _weights(n: int, step: float = 0.25) -> list[np.ndarray]:
    ticks = np.round(np.arange(0, 1 + 1e-9, step), 4)
    return [np.array(w) for w in itertools.product(ticks, repeat=n) if abs(sum(w) - 1) < 1e-9]


def cross_fitted_labels(stack: np.ndarray, y: np.ndarray, folds: np.ndarray, weights: list[np.ndarray],
                        thresholds: str = "nearest_half") -> tuple[np.ndarray, np.ndarray, list[list[float]]]:
    """Scores, labels and each fold's weights: for each held-out fold the weights (by mean AP) and the
    thresholds (``thresholds``, see :func:`cross_fitted`) are chosen on the other folds' scores."""
    from sklearn.metrics import average_precision_score

    from tipnlp.tuning import tune_thresholds

    n_themes = y.shape[1]
    final = np.zeros(y.shape)
    labels = np.zeros(y.shape, dtype=bool)
    chosen = []
    for f in np.unique(folds):
        tr, te = folds != f, folds == f

        def map_of(w):
            s = np.tensordot(w, stack[:, tr], axes=1)
            return np.mean([average_precision_score(y[tr, j], s[:, j]) for j in range(n_themes)])

        w = max(weights, key=map_of) if len(weights) > 1 else weights[0]
        chosen.append([float(x) for x in w])
        s_tr = np.tensordot(w, stack[:, tr], axes=1)
        s_te = np.tensordot(w, stack[:, te], axes=1)
        final[te] = s_te
        if thresholds == "nearest_half":
            cut = [_best_threshold(y[tr, j], s_tr[:, j]) for j in range(n_themes)]
        else:
            tuned = tune_thresholds(y[tr], s_tr, list(range(n_themes)), GRID, strategy=thresholds)
            cut = [tuned[j] for j in range(n_themes)]
        for j in range(n_themes):
            labels[te, j] = s_te[:, j] >= cut[j]
    return final, labels, chosen


def cross_fitted(stack: np.ndarray, y: np.ndarray, folds: np.ndarray, weights: list[np.ndarray],
                 subset: np.ndarray | None = None, thresholds: str = "nearest_half") -> dict:
    """stack: (members, n, themes). Weights chosen by mean AP, thresholds by F1, on the other folds;
    scored on every passage, or on ``subset`` (a boolean mask) only. ``thresholds``: ``nearest_half``
    (each theme's best, ties broken toward 0.5: the figures reported before 2026-12-07's third session)
    or a strategy of :func:`tipnlp.tuning.tune_thresholds` (``per_theme``, ``shared``, ``shrunk``), as
    training tunes them."""
    from sklearn.metrics import average_precision_score

    final, labels, chosen = cross_fitted_labels(stack, y, folds, weights, thresholds)
    n_themes = y.shape[1]
    if subset is not None:
        y, final, labels = y[subset], final[subset], labels[subset]
    f1 = []
    for j in range(n_themes):
        tp = int((labels[:, j] & (y[:, j] == 1)).sum())
        fp = int((labels[:, j] & (y[:, j] == 0)).sum())
        fn = int((~labels[:, j] & (y[:, j] == 1)).sum())
        f1.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    aps = [average_precision_score(y[:, j], final[:, j]) for j in range(n_themes)]
    return {"macro_f1": float(np.mean(f1)), "f1": f1, "mean_ap": float(np.mean(aps)), "ap": aps, "weights": chosen}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("files", nargs="+", type=Path)
    ap.add_argument("--json", type=Path, help="Also write the rows here.")
    ap.add_argument("--new-documents", action="store_true",
                    help="Score only the documents added in 2026-12 (no rule or seed was written from them); "
                         "weights and thresholds still come from the other folds' passages.")
    ap.add_argument("--thresholds", default="nearest_half", choices=["nearest_half", "per_theme", "shared", "shrunk"],
                    help="How each fold's thresholds are chosen on the other folds (default: each theme's best, "
                         "ties toward 0.5, as reported before; the others as training tunes them).")
    args = ap.parse_args()

    members = [_load(p) for p in args.files]
    base = members[0]
    for m in members[1:]:
        if not (np.array_equal(m["ids"], base["ids"]) and np.array_equal(m["folds"], base["folds"])):
            raise SystemExit(f"{m['name']}: not the same passages and folds as {base['name']}")
    ordered, y = gold_for(base["ids"], base["themes"])
    stack = np.stack([m["scores"] for m in members])
    subset = None
    if args.new_documents:
        subset = np.array([(r.get("meta") or {}).get("split") == "cv" for r in ordered])
    rows = []
    for i, m in enumerate(members):
        one = [np.eye(len(members))[i]]
        rows.append({"model": m["name"], **cross_fitted(stack, y, base["folds"], one, subset, args.thresholds)})
    for size in range(2, len(members) + 1):
        for combo in itertools.combinations(range(len(members)), size):
            sub = stack[list(combo)]
            rows.append({"model": " + ".join(members[i]["name"] for i in combo),
                         **cross_fitted(sub, y, base["folds"], _weights(size), subset, args.thresholds)})
    scored = int(subset.sum()) if subset is not None else len(y)
    print(f"{len(np.unique(base['folds']))} folds, {scored} passages scored"
          + (" (documents added in 2026-12)" if subset is not None else "") + f"; themes: {', '.join(base['themes'])}")
    print("| model | macro F1 (cross-fitted) | mean AP | F1 per theme | weights per fold |")
    print("|---|---:|---:|---|---|")
    for r in rows:
        print(f"| {r['model']} | {r['macro_f1']:.3f} | {r['mean_ap']:.3f} | "
              f"{' / '.join(f'{x:.3f}' for x in r['f1'])} | {r['weights'] if ' + ' in r['model'] else ''} |")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
