"""Compare model variants by grouped cross-validation: one row per variant in evaluation/reports/comparison/.

Every row is a training config retrained on each fold (``tipnlp.evaluation.cv.run_cv``), with the
same document-grouped folds; ``--no-seeds`` rows drop the project's seed passages. Each variant's full
report goes to its own folder; ``comparison.md`` and ``comparison.json`` gather them, with the
threshold-free mean average precision, the scores on the documents added in 2026-12 (no rule or seed
was written from them) and the AIMS.au sentence check.

    python evaluation/compare_cv.py --k 5 --out evaluation/reports/comparison \
        training/context_sentence.yaml training/context_sentence.yaml:no-seeds training/tfidf_lr.yaml ...

A row already present in the output folder (its metrics.json) is kept unless ``--rerun``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from tipnlp.evaluation.cv import gold_pool, run_cv
from tipnlp.evaluation.io import atomic_write_text
from tipnlp.evaluation.report import slugify, write_report


def _f(x) -> str:
    return "–" if x is None else f"{x:.3f}"


def row(metrics: dict, sub: str) -> dict:
    themes = metrics["themes"]
    aps = [metrics["per_theme"][t].get("average_precision") for t in themes]
    p = metrics.get("protocol") or {}
    return {
        "model": metrics["model"], "report": sub, "k": p.get("k"), "seeds": p.get("with_seed_passages"),
        "macro_f1": metrics["macro_f1"], "macro_f1_ci": (metrics.get("ci") or {}).get("macro_f1"),
        "micro_f1": metrics["micro_f1"], "document_macro_f1": metrics["document_level"]["macro_f1"],
        "mean_ap": sum(a for a in aps if a is not None) / max(1, sum(a is not None for a in aps)),
        "per_theme_f1": {t: metrics["per_theme"][t]["f1"] for t in themes},
        "new_documents_macro_f1": (p.get("new_documents") or {}).get("macro_f1"),
        "aims_c4_share": (p.get("aims_sentences") or {}).get("c4_share"),
        "aims_unlabelled_share": (p.get("aims_sentences") or {}).get("unlabelled_share"),
        "seconds": p.get("seconds"),
        "doc_types": p.get("doc_types") or "manifest",
        # rows measured before the gold carried a fingerprint were scored on the gold of 2026-12-06
        "gold": (p.get("gold") or {}).get("digest") or "12-06",
        "passages": metrics.get("n_passages"),
    }


def render(rows: list[dict], themes: list[str]) -> str:
    lines = ["# Model comparison: grouped cross-validation", "",
             "Every row retrains its training config on each fold and scores documents the fold never saw "
             "(folds grouped by document, identical for every row; thresholds tuned inside each fold's training "
             "data). Columns: macro F1 with its 95% bootstrap interval over documents; mean average precision "
             "(threshold-free); document-level macro F1; macro F1 on the documents added in 2026-12 (no rule or "
             "seed passage was written from them); AIMS.au sentences classified alone by the fold model that "
             "never saw their statement (share of C4 sentences / of unlabelled sentences tagged supply_chains). "
             "Doc type: the document type held-out passages were scored with — *inferred* from the document's "
             "opening by a classifier fitted on the fold's other documents, as a user's file is, or the corpus "
             "*manifest*'s (rows measured before 2026-12-07; matters only for models that read the type). Gold: the "
             "gold the row was scored on, as passages / fingerprint (`12-06`: the gold before the 2026-12-07 "
             "round-1 recheck and round 4); rows on different gold are not directly comparable (the folds, "
             "balanced on the labels, differ too).", "",
             "| model | gold | seeds | doc type | macro F1 [95% CI] | mean AP | doc macro F1 | new docs macro F1 | "
             + " | ".join(themes) + " | AIMS C4 / unlabelled |",
             "|---|---|---|---|---|---:|---:|---:|" + "---:|" * len(themes) + "---|"]
    for r in rows:
        ci = r["macro_f1_ci"]
        macro = _f(r["macro_f1"]) + (f" [{ci[0]:.3f}, {ci[1]:.3f}]" if ci else "")
        aims = "–" if r["aims_c4_share"] is None else f"{r['aims_c4_share']:.1%} / {r['aims_unlabelled_share']:.1%}"
        lines.append(f"| [{r['model']}]({r['report']}/report.md) | {r.get('passages') or '–'} / {r['gold']} | {'yes' if r['seeds'] else 'no'} | {r.get('doc_types', 'manifest').split()[0]} | {macro} | "
                     f"{_f(r['mean_ap'])} | {_f(r['document_macro_f1'])} | {_f(r['new_documents_macro_f1'])} | "
                     + " | ".join(_f(r["per_theme_f1"][t]) for t in themes) + f" | {aims} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("configs", nargs="+", help="training/X.yaml, or training/X.yaml:no-seeds")
    ap.add_argument("--k", type=int, default=5)
    ap.add_argument("--out", type=Path, default=Path("evaluation/reports/comparison"))
    ap.add_argument("--bootstrap", type=int, default=1000)
    ap.add_argument("--rerun", action="store_true")
    args = ap.parse_args()
    pool = None
    for spec in args.configs:
        path, _, flag = spec.partition(":")
        seeds = flag != "no-seeds"
        name = Path(path).stem + ("" if seeds else "-no-seeds")
        target = args.out / slugify(name)
        if (target / "metrics.json").is_file() and not args.rerun:
            continue
        pool = pool or gold_pool()
        result, _ = run_cv(path, args.k, with_extra=seeds, n_resamples=args.bootstrap, pool=pool,
                           progress=lambda m, n=name: print(f"{n}: {m}", file=sys.stderr, flush=True))
        write_report(result, target)
        print(f"{name}: macro F1 {result.metrics['macro_f1']:.3f}", file=sys.stderr, flush=True)
    rows, themes = [], []
    for metrics_file in sorted(args.out.glob("*/metrics.json")):
        metrics = json.loads(metrics_file.read_text(encoding="utf-8"))
        if (metrics.get("protocol") or {}).get("kind") != "grouped_cv":
            continue
        themes = themes or metrics["themes"]
        rows.append(row(metrics, metrics_file.parent.name))
    rows.sort(key=lambda r: -(r["macro_f1"] or 0))
    atomic_write_text(args.out / "comparison.json", json.dumps(rows, indent=1) + "\n")
    atomic_write_text(args.out / "comparison.md", render(rows, themes))
    print(render(rows, themes))


if __name__ == "__main__":
    main()
