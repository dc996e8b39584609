"""Model cards: a README.md in every model directory, written from its config.json.

The card states what a user needs before trusting a model: training data and counts, date, seed,
thresholds, dev and test scores with intervals, speed, and where it is known to fail.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

CARD_FILE = "README.md"


def _fmt(x: Any) -> str:
    if x is None:
        return "–"
    if isinstance(x, float):
        return f"{x:.3f}"
    return str(x)


def _ci(ci: Any) -> str:
    if isinstance(ci, (list, tuple)) and len(ci) == 2 and ci[0] is not None:
        return f"[{ci[0]:.3f}, {ci[1]:.3f}]"
    return "–"


def record_test_metrics(model_dir: str | Path, metrics: dict[str, Any]) -> None:
    """Store the test-split summary (from the evaluation harness) in the model's config and card."""
    model_dir = Path(model_dir)
    config_path = model_dir / "config.json"
    config = json.loads(config_path.read_text(encoding="utf-8"))
    per_theme = metrics.get("per_theme", {})
    ci = metrics.get("ci", {})
    config["test"] = {
        "passages": metrics.get("n_passages"),
        "documents": metrics.get("n_documents"),
        "macro_f1": metrics.get("macro_f1"),
        "macro_f1_ci": ci.get("macro_f1"),
        "micro_f1": metrics.get("micro_f1"),
        "per_theme": {
            t: {
                "precision": v.get("precision"), "recall": v.get("recall"), "f1": v.get("f1"),
                "support": v.get("support"), "f1_ci": (ci.get("per_theme", {}).get(t, {}) or {}).get("f1"),
            }
            for t, v in per_theme.items()
        },
        "document_macro_f1": (metrics.get("document_level") or {}).get("macro_f1"),
        "passages_per_second": (metrics.get("speed") or {}).get("passages_per_second"),
    }
    config_path.write_text(json.dumps(config, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    write_model_card(model_dir)


def write_model_card(model_dir: str | Path) -> Path:
    model_dir = Path(model_dir)
    c = json.loads((model_dir / "config.json").read_text(encoding="utf-8"))
    themes = c.get("params", {}).get("themes", [])
    lines = [
        f"# Model card: {c.get('name', model_dir.name)}",
        "",
        f"- family: `{c.get('family')}`; trained {c.get('trained_at', '?')} with seed {c.get('seed', '?')}",
        f"- taxonomy version {c.get('taxonomy_version', '?')} (five core themes of UN GA resolution 71/167)",
        "- retrain: `tipnlp train training/{}.yaml`".format(c.get("name", model_dir.name)),
        "",
        "## Training data",
        "",
        "Gold passages of tipnlp's own annotated corpus (`corpora/gold/`, codebook `corpora/CODEBOOK.md`),",
        "split by document: the model is fitted on **train**, its per-theme thresholds are tuned on **dev**,",
        "and **test** is used only for the scores below.",
        "",
    ]
    train = c.get("train", {})
    if train:
        lines += [f"Train: {train.get('passages')} passages; positives per theme:", ""]
        lines += ["| theme | positives |", "|---|---:|"]
        lines += [f"| {t} | {n} |" for t, n in train.get("positives", {}).items()]
        lines.append("")
    params = {k: v for k, v in c.get("params", {}).items() if k != "themes"}
    lines += ["## Parameters and thresholds", "", "```json", json.dumps(params, indent=1, sort_keys=True), "```", ""]
    lines += ["| theme | threshold (tuned on dev) |", "|---|---:|"]
    lines += [f"| {t} | {v:.2f} |" for t, v in c.get("thresholds", {}).items()]
    dev = c.get("dev", {})
    test = c.get("test", {})
    lines += ["", "## Scores", ""]
    lines += ["| theme | dev F1 | test P | test R | test F1 | test F1 95% CI | test support |", "|---|---:|---:|---:|---:|---|---:|"]
    for t in themes:
        tt = test.get("per_theme", {}).get(t, {})
        lines.append(
            f"| {t} | {_fmt(dev.get('per_theme_f1', {}).get(t))} | {_fmt(tt.get('precision'))} | {_fmt(tt.get('recall'))} "
            f"| {_fmt(tt.get('f1'))} | {_ci(tt.get('f1_ci'))} | {_fmt(tt.get('support'))} |"
        )
    lines.append(
        f"| **macro F1** | {_fmt(dev.get('macro_f1'))} | | | {_fmt(test.get('macro_f1'))} | {_ci(test.get('macro_f1_ci'))} | |"
    )
    lines += [
        "",
        f"Dev: {dev.get('passages', '?')} passages. Test: {test.get('passages', 'not yet evaluated')} passages"
        + (f" from {test.get('documents')} documents" if test.get("documents") else "")
        + ". Intervals: 95% bootstrap over documents.",
        "",
        "## Speed",
        "",
        f"- dev set: {_fmt(dev.get('passages_per_second'))} passages/s (model only, 2 CPU cores)"
        + (f"; test set: {_fmt(test.get('passages_per_second'))} passages/s" if test.get("passages_per_second") else ""),
        "- end-to-end figures: `evaluation/reports/benchmarks.md`",
        "",
        "## Known weaknesses",
        "",
    ]
    weak = [t for t in themes if (test.get("per_theme", {}).get(t, {}).get("f1") or 0) < 0.75 and test]
    if weak:
        lines.append(f"- Test F1 below 0.75: {', '.join(weak)} (see the error analysis in `evaluation/reports/`).")
    small = [t for t in themes if (test.get("per_theme", {}).get(t, {}).get("support") or 99) < 15 and test]
    if small:
        lines.append(f"- Few test positives for {', '.join(small)}: their intervals are wide; read them, not the point values.")
    lines += [f"- {note}" for note in c.get("training_config", {}).get("known_weaknesses", [])]
    lines += [
        "- Passages are judged alone, as the codebook says: context from neighbouring sections is not used.",
        "- English only; OCR'd or badly extracted PDFs degrade all scores.",
        "",
    ]
    path = model_dir / CARD_FILE
    path.write_text("\n".join(lines), encoding="utf-8")
    return path
