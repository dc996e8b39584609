"""Train every model family from its config (if not trained yet) and compare them on the test split.

Writes ``evaluation/reports/comparison_dev/`` (the same on the dev split: the basis for choosing the
default), ``evaluation/reports/comparison/`` (side-by-side table with speeds, one report per model) and
``evaluation/reports/test/`` (the shipped default model's report), plus the AIMS.au outside check.
Models that are not shipped are trained into ``.cache/models/`` (git-ignored).

    python evaluation/compare_families.py              # everything (the fine-tuned transformer takes minutes)
    python evaluation/compare_families.py --skip finetuned_minilm
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CONFIGS = {  # config name -> needs the transformers extra
    "tfidf_lr": False,
    "spacy_textcat": False,
    "embedding_lr": True,
    "finetuned_minilm": True,
    "hybrid_tfidf_lexicon": False,
}


def run(*args: str) -> None:
    print("+", " ".join(args), flush=True)
    subprocess.run(args, check=True, cwd=REPO)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--skip", nargs="*", default=[], help="config names to leave out")
    ap.add_argument("--retrain", action="store_true", help="retrain models already present")
    args = ap.parse_args()
    tipnlp = [sys.executable, "-m", "tipnlp"]
    from tipnlp.classifiers import default_model_name, models_dir

    default = default_model_name()
    specs = ["lexicon"]
    for name, needs_torch in CONFIGS.items():
        if name in args.skip or not (REPO / "training" / f"{name}.yaml").is_file():
            continue
        if needs_torch:
            try:
                import torch  # noqa: F401
            except ModuleNotFoundError:
                print(f"skip {name}: the transformers extra is not installed")
                continue
        shipped = models_dir() / name
        target = shipped if shipped.is_dir() else REPO / ".cache" / "models" / name
        if args.retrain or not (target / "config.json").is_file():
            run(*tipnlp, "train", f"training/{name}.yaml", "--out", str(target))
        specs.append(str(target) if target != shipped else name)
    model_args = [a for spec in specs for a in ("--model", spec)]
    out = REPO / "evaluation" / "reports"
    # The default is chosen on dev (thresholds were tuned there too, so dev scores are optimistic for
    # every family alike); the test comparison is the one to quote.
    run(*tipnlp, "evaluate", "--split", "dev", *model_args, "--report", str(out / "comparison_dev"))
    run(*tipnlp, "evaluate", "--split", "test", *model_args, "--report", str(out / "comparison"))
    run(*tipnlp, "evaluate", "--split", "test", "--model", default, "--report", str(out / "test"))
    from tipnlp.model_card import record_test_metrics

    metrics = json.loads((out / "test" / "metrics.json").read_text(encoding="utf-8"))
    record_test_metrics(models_dir() / default, metrics)
    run(sys.executable, "evaluation/aims_check.py", "--model", default, "--out", str(out / "aims_check.json"))


if __name__ == "__main__":
    main()
