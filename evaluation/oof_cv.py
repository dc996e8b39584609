"""Out-of-fold scores of one training config, saved for ensembles and threshold-free comparison.

    python evaluation/oof_cv.py training/context_sentence.yaml --k 3 --out evaluation/oof/k3
    python evaluation/oof_cv.py training/variants/finetuned_minilm_cv.yaml --k 3 --out evaluation/oof/k3

Retrains the config on each document-grouped fold (the same folds as ``tipnlp evaluate --cv K``:
``assign_folds`` with seed 0) without seed passages (AIMS.au sentence rows when the config asks for them)
and without threshold tuning, and writes
``<out>/<name>.npz``: passage ids (doc id and offsets, no text), fold per passage, out-of-fold scores,
and the fold timings. ``evaluation/ensemble_cv.py`` combines such files. Prints mean average precision
and best-threshold F1 per theme.
"""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("config")
    ap.add_argument("--k", type=int, default=3)
    ap.add_argument("--out", default="evaluation/oof/k3")
    ap.add_argument("--inferred-doc-types", action="store_true",
                    help="score held-out documents with the type a classifier fitted on the other documents "
                         "guesses, as a user's file is (as tipnlp evaluate --cv does)")
    args = ap.parse_args()

    from sklearn.metrics import average_precision_score

    from tipnlp.evaluation.cv import DocTypeInference, cross_validate, gold_pool, training_extra, uses_guessed_doc_types
    from tipnlp.evaluation.metrics import label_matrix
    from tipnlp.gold import CorpusTexts
    from tipnlp.taxonomy import core_theme_ids
    from tipnlp.tuning import load_config

    config = load_config(args.config)
    themes = core_theme_ids()
    texts = CorpusTexts()
    records, groups = gold_pool(texts=texts)
    y, _ = label_matrix([r["labels"] for r in records], themes)
    extra = training_extra(config, seeds=False)  # AIMS.au sentences when the config asks; never seeds
    guesser = DocTypeInference(texts=texts) if args.inferred_doc_types or uses_guessed_doc_types(config) else None
    t0 = time.perf_counter()
    cv = cross_validate(config, records, groups, args.k, themes=themes, inner_k=0, extra=extra,
                        progress=lambda m: print(m, flush=True),
                        doc_types=guesser if args.inferred_doc_types else None,
                        train_doc_types=guesser.cross_fitted() if uses_guessed_doc_types(config) else None)
    seconds = time.perf_counter() - t0
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(
        out / f"{config['name']}.npz", ids=np.array([r["id"] for r in records]), folds=cv.folds,
        scores=cv.scores.astype(np.float32), themes=np.array(themes),
        info=json.dumps({"config": str(args.config), "k": args.k, "seconds": round(seconds, 1),
                         "doc_type": "inferred per fold" if args.inferred_doc_types else "manifest",
                         "aims_training_sentences": len(extra),
                         "folds": cv.fold_info}),
    )
    aps = [average_precision_score(y[:, j], cv.scores[:, j]) for j in range(len(themes))]
    print(f"{config['name']}: mean AP {np.mean(aps):.3f} per theme {[round(a, 3) for a in aps]} "
          f"in {seconds:.0f} s -> {out / (config['name'] + '.npz')}", flush=True)


if __name__ == "__main__":
    main()
