"""Out-of-fold scores of one training config, saved for ensembles and threshold-free comparison.

    python evaluation/oof_cv.py training/context_sentence.yaml --k 3 --out evaluation/oof/k3
    python evaluation/oof_cv.py training/variants/finetuned_minilm_cv.yaml --k 3 --out evaluation/oof/k3

Retrains the config on each document-grouped fold (the same folds as ``tipnlp evaluate --cv K``:
``assign_folds`` with seed 0) without the config's seed passages unless ``--with-extra`` (AIMS.au sentence
rows when the config asks for them)
and without threshold tuning, and writes
``<out>/<name>.npz``: passage ids (doc id and offsets, no text), fold per passage, out-of-fold scores,
and the fold timings. ``evaluation/ensemble_cv.py`` combines such files. Prints mean average precision
and best-threshold F1 per theme. ``--fold N`` runs the N-th fold alone (1-based, as the progress lines
count), for a model too slow for all folds on the CPU: ``<name>_foldN.npz`` holds NaN for the other
folds' passages, and the printed figures are that fold's; ``ensemble_cv.py`` refuses such files until
``merge_folds.py`` has joined every fold's part into one.

    python evaluation/oof_cv.py training/variants/finetuned_minilm_full_cpu.yaml --k 3 --fold 1 --out evaluation/oof/k3

``--group-by jurisdiction`` folds whole jurisdictions instead of documents (file name ends in
``_by_jurisdiction``): a second, harsher yardstick for documents from a legal tradition the corpus lacks.
"""
from __future__ import annotations

import argparse
import json
import re
import time
from pathlib import Path

import numpy as np


def jurisdiction_groups(records, groups, manifest_rows) -> list[str]:
    """Each passage's jurisdiction (manifest, text before any bracket or dash) as its fold group. Documents a
    document group already joins (a PDF and its text twin) share a jurisdiction, so they stay together."""
    by_group: dict[str, set[str]] = {}
    for r, g in zip(records, groups):
        place = re.split(r" \(| —", str(manifest_rows.get(r["doc_id"], {}).get("jurisdiction") or "unknown"))[0].strip()
        by_group.setdefault(g, set()).add(place)
    mixed = {g: places for g, places in by_group.items() if len(places) > 1}
    if mixed:
        raise SystemExit(f"document groups spanning jurisdictions: {mixed}")
    return [next(iter(by_group[g])) for g in groups]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("config")
    ap.add_argument("--k", type=int, default=3)
    ap.add_argument("--out", default="evaluation/oof/k3")
    ap.add_argument("--inferred-doc-types", action="store_true",
                    help="score held-out documents with the type a classifier fitted on the other documents "
                         "guesses, as a user's file is (as tipnlp evaluate --cv does)")
    ap.add_argument("--fold", type=int, default=None, help="run only this fold (1..k)")
    ap.add_argument("--train-fraction", type=float, default=1.0,
                    help="train each fold on this share of its training documents (a learning curve); "
                         "the output file's name says the share")
    ap.add_argument("--group-by", choices=["document", "jurisdiction"], default="document",
                    help="jurisdiction: fold whole jurisdictions (the manifest's, up to its first bracket or dash, so "
                         "'United States (federal)' and 'United States (Florida)' fall together) - a harder "
                         "question: how does the model do on a drafting tradition it never saw?")
    ap.add_argument("--with-extra", action="store_true",
                    help="also train every fold on the config's data.extra passages (written by the project, "
                         "never scored); the output file's name ends in _extra")
    args = ap.parse_args()
    if args.fold is not None and not 1 <= args.fold <= args.k:
        ap.error(f"--fold must be between 1 and --k ({args.k}), got {args.fold}")

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
    if args.group_by == "jurisdiction":
        groups = jurisdiction_groups(records, groups, texts.rows)
    y, _ = label_matrix([r["labels"] for r in records], themes)
    extra = training_extra(config, seeds=args.with_extra)  # AIMS.au sentences when the config asks
    guesser = DocTypeInference(texts=texts) if args.inferred_doc_types or uses_guessed_doc_types(config) else None
    t0 = time.perf_counter()
    cv = cross_validate(config, records, groups, args.k, themes=themes, inner_k=0, extra=extra,
                        progress=lambda m: print(m, flush=True),
                        doc_types=guesser if args.inferred_doc_types else None,
                        train_doc_types=guesser.cross_fitted() if uses_guessed_doc_types(config) else None,
                        only_folds=None if args.fold is None else [args.fold - 1],
                        train_fraction=args.train_fraction)
    seconds = time.perf_counter() - t0
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    share = "" if args.train_fraction >= 1 else f"_train{round(args.train_fraction * 100)}"
    suffix = (share + ("_extra" if args.with_extra else "") + ("" if args.group_by == "document" else "_by_jurisdiction")
              + ("" if args.fold is None else f"_fold{args.fold}"))
    target = out / (config["name"] + suffix + ".npz")
    np.savez_compressed(
        target, ids=np.array([r["id"] for r in records]), folds=cv.folds,
        scores=cv.scores.astype(np.float32), themes=np.array(themes),
        info=json.dumps({"config": str(args.config), "k": args.k, "seconds": round(seconds, 1),
                         "doc_type": "inferred per fold" if args.inferred_doc_types else "manifest",
                         "aims_training_sentences": sum(1 for r in extra if r.get("doc_bound")),
                         "extra_passages": sum(1 for r in extra if not r.get("doc_bound")),
                         "train_fraction": args.train_fraction, "group_by": args.group_by,
                         "folds": cv.fold_info}),
    )
    scored = np.isfinite(cv.scores).all(axis=1)
    aps = [average_precision_score(y[scored, j], cv.scores[scored, j]) for j in range(len(themes))]
    print(f"{config['name']}: mean AP {np.mean(aps):.3f} per theme {[round(a, 3) for a in aps]} "
          f"over {int(scored.sum())} passages in {seconds:.0f} s -> {target}", flush=True)


if __name__ == "__main__":
    main()
