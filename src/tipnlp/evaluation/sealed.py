"""The sealed split: how the shipped model does on documents no model builder has read.

Its gold was made by annotators who never hand their passages to whoever writes rules, seeds,
features or model code. Evaluating on it prints aggregate figures only — no passage text, no ids of
errors — and appends one line per run to ``evaluation/ledger.md``, so that every look is on record.
Run it once per candidate default model; never change a rule, seed or config because of its result.
"""

from __future__ import annotations

import datetime as _dt
import subprocess
from pathlib import Path
from typing import Any

from tipnlp.corpus import REPO_ROOT

LEDGER = REPO_ROOT / "evaluation" / "ledger.md"
LEDGER_HEADER = (
    "# Sealed-split ledger\n\n"
    "One line per run of `tipnlp evaluate --split sealed` (aggregate figures only). The sealed split is "
    "described in `corpora/README.md`; it is evaluated once per candidate default model.\n\n"
    "| date (UTC) | commit | model | passages / documents | macro F1 [95% CI] | micro F1 | per-theme F1 "
    "(demand, non-punishment, training, supply chains, organ) | document macro F1 |\n"
    "|---|---|---|---|---|---|---|---|\n"
)


def _commit() -> str:
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO_ROOT, capture_output=True,
                              text=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=REPO_ROOT,
                               capture_output=True, text=True, timeout=10).stdout.strip()
        return (head or "unknown") + ("+dirty" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def _f(x: Any) -> str:
    return "–" if x is None else f"{x:.3f}"


def ledger_line(metrics: dict[str, Any], commit: str, when: str | None = None) -> str:
    ci = (metrics.get("ci") or {}).get("macro_f1")
    per = ", ".join(_f(metrics["per_theme"][t]["f1"]) for t in metrics["themes"])
    when = when or _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M")
    macro = _f(metrics["macro_f1"]) + (f" [{ci[0]:.3f}, {ci[1]:.3f}]" if ci else "")
    return (f"| {when} | {commit} | {metrics['model']} | {metrics['n_passages']} / {metrics['n_documents']} | "
            f"{macro} | {_f(metrics['micro_f1'])} | {per} | {_f(metrics['document_level']['macro_f1'])} |")


def append_ledger(line: str, path: Path = LEDGER) -> None:
    if not path.is_file():
        path.write_text(LEDGER_HEADER, encoding="utf-8")
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(line + "\n")


def evaluate_sealed(model_spec: str | None = None, *, n_resamples: int = 1000, seed: int = 0,
                    batch_size: int = 256, ledger: Path = LEDGER) -> str:
    """Score a model on the sealed split; return (and log) the aggregate ledger line."""
    from tipnlp.classifiers import load_model
    from tipnlp.evaluation.harness import evaluate_model, model_name_of
    from tipnlp.evaluation.io import GoldRecord
    from tipnlp.gold import export_records

    records = [GoldRecord.from_dict(r, where="sealed gold") for r in export_records("sealed")]
    model = load_model(model_spec)
    name = model_spec or model_name_of(model)
    result = evaluate_model(records, model, model_name=name, batch_size=batch_size, n_resamples=n_resamples,
                            seed=seed, return_result=True)
    line = ledger_line(result.metrics, _commit())
    append_ledger(line, ledger)
    return line
