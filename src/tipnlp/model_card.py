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


def record_cv_metrics(model_dir: str | Path, metrics: dict[str, Any], ops: dict[str, Any] | None = None) -> None:
    """Store the cross-validated summary of the model's training config (and of its OP ranker) in the
    model's config.json; the card shows them."""
    model_dir = Path(model_dir)
    config_path = model_dir / "config.json"
    config = json.loads(config_path.read_text(encoding="utf-8"))
    ci = metrics.get("ci", {}) or {}
    protocol = metrics.get("protocol", {}) or {}
    config["cv"] = {
        "k": protocol.get("k"), "passages": metrics.get("n_passages"), "documents": metrics.get("n_documents"),
        "macro_f1": metrics.get("macro_f1"), "macro_f1_ci": ci.get("macro_f1"), "micro_f1": metrics.get("micro_f1"),
        "document_macro_f1": (metrics.get("document_level") or {}).get("macro_f1"),
        "per_theme": {t: {"precision": v.get("precision"), "recall": v.get("recall"), "f1": v.get("f1"),
                          "f1_ci": ((ci.get("per_theme") or {}).get(t) or {}).get("f1"), "support": v.get("support"),
                          "average_precision": v.get("average_precision")}
                      for t, v in metrics.get("per_theme", {}).items()},
        "new_documents": protocol.get("new_documents"), "aims_sentences": protocol.get("aims_sentences"),
        "with_seed_passages": protocol.get("with_seed_passages"),
    }
    if ops:
        config["cv_ops"] = {"top1": ops["ranker"]["top1"], "mrr": ops["ranker"]["mrr"],
                            "top1_in_gold": ops["ranker"]["top1_in_gold"], "pairs": ops["ranker"]["pairs"],
                            "per_theme_top1": {t: v["top1"] for t, v in ops["ranker"]["per_theme"].items()},
                            "first_listed_top1": ops["first_listed"]["top1"],
                            "summary_linker_top1": ops["summary_linker"]["top1"],
                            "secondary_threshold": ops["secondary"]["threshold"]}
    config_path.write_text(json.dumps(config, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def _header(c: dict[str, Any], model_dir: Path) -> list[str]:
    return [
        f"# Model card: {c.get('name', model_dir.name)}",
        "",
        f"- family: `{c.get('family')}`; trained {c.get('trained_at', '?')} with seed {c.get('seed', '?')}",
        f"- taxonomy version {c.get('taxonomy_version', '?')} (five core themes of UN GA resolution 71/167)",
        "- retrain: `tipnlp train training/{}.yaml`".format(c.get("name", model_dir.name)),
        "",
        "## Training data",
        "",
    ]


_STRATEGY_NOTE = {"per_theme": ", each theme's own best F1",
                  "shared": ", one threshold shared by every theme (the best for macro F1)",
                  "shrunk": ", each theme's own pulled toward the shared one in proportion to its few positives"}


def _cv_card(c: dict[str, Any], model_dir: Path) -> list[str]:
    themes = c.get("params", {}).get("themes", [])
    cv = c.get("cv") or {}
    train = c.get("train", {})
    lines = _header(c, model_dir) + [
        f"Every non-sealed gold passage of `corpora/gold/` ({train.get('gold_passages')} passages of "
        f"{train.get('documents')} documents, codebook `corpora/CODEBOOK.md`) plus {train.get('extra_passages')} "
        "passages written by the project (training only; `training/synthetic/`). Thresholds: " + str(c.get("thresholds_from", "?"))
        + _STRATEGY_NOTE.get(((c.get("training_config") or {}).get("thresholds") or {}).get("strategy", "per_theme"), "")
        + ". "
        f"The OP ranker is fitted on {train.get('op_pairs', '?')} gold (passage, theme) pairs with their primary OP.",
        "",
        "| theme | gold positives | threshold |", "|---|---:|---:|",
    ]
    lines += [f"| {t} | {train.get('positives', {}).get(t, '–')} | {c.get('thresholds', {}).get(t, 0.5):.2f} |"
              for t in themes]
    params = {k: v for k, v in c.get("params", {}).items() if k != "themes"}
    lines += ["", "```json", json.dumps(params, indent=1, sort_keys=True), "```", ""]
    lines += ["## How good it is on documents it never saw", ""]
    if cv:
        lines += [f"{cv.get('k')}-fold cross-validation grouped by document over {cv.get('passages')} gold passages of "
                  f"{cv.get('documents')} documents: each fold retrains this config and tunes thresholds inside its "
                  "training data (`tipnlp evaluate --cv 5`). Intervals: 95% bootstrap over documents.", "",
                  "| theme | precision | recall | F1 | F1 95% CI | AP | support |", "|---|---:|---:|---:|---|---:|---:|"]
        for t in themes:
            e = cv["per_theme"].get(t, {})
            lines.append(f"| {t} | {_fmt(e.get('precision'))} | {_fmt(e.get('recall'))} | {_fmt(e.get('f1'))} | "
                         f"{_ci(e.get('f1_ci'))} | {_fmt(e.get('average_precision'))} | {_fmt(e.get('support'))} |")
        lines.append(f"| **macro F1** | | | {_fmt(cv.get('macro_f1'))} | {_ci(cv.get('macro_f1_ci'))} | | |")
        lines += ["", f"Document-level macro F1 {_fmt(cv.get('document_macro_f1'))}."]
        nd = cv.get("new_documents")
        if nd:
            lines.append(f"On the {nd['passages']} passages of the {nd['documents']} documents added in 2026-12 (no rule or "
                         f"seed passage was written from them): macro F1 {_fmt(nd['macro_f1'])}.")
        aims = cv.get("aims_sentences")
        if aims:
            lines.append(f"AIMS.au sentences classified alone by fold models that never saw their statement: "
                         f"{aims['c4_share']:.1%} of C4 sentences and {aims['unlabelled_share']:.1%} of unlabelled "
                         "sentences tagged `supply_chains`.")
    sealed = c.get("sealed")
    if sealed:
        lines += ["", f"Sealed split (documents no model builder read; `evaluation/ledger.md`): {sealed}."]
    ops = c.get("cv_ops")
    if ops:
        lines += ["", "## Operative paragraphs", "",
                  f"OP ranker, grouped cross-validation over {ops['pairs']} gold pairs: top-1 {_fmt(ops['top1'])} "
                  f"(first-listed OP {_fmt(ops['first_listed_top1'])}, earlier linker {_fmt(ops['summary_linker_top1'])}), "
                  f"MRR {_fmt(ops['mrr'])}; per theme " + ", ".join(f"{t} {_fmt(v)}" for t, v in ops["per_theme_top1"].items())
                  + f". Secondary OPs are listed at passage level from probability {ops['secondary_threshold']:.2f}."]
    lines += ["", "## Speed", "", f"- {_fmt(c.get('passages_per_second'))} passages/s for the classifier alone "
              "(2 CPU cores); end to end: `evaluation/reports/benchmarks.md`", "", "## Known weaknesses", ""]
    lines += [f"- {note}" for note in c.get("training_config", {}).get("known_weaknesses", [])]
    lines += ["- Passages are judged alone, as the codebook says: context from neighbouring sections is not used.",
              "- English only; OCR'd or badly extracted PDFs degrade all scores.", ""]
    return lines


def write_model_card(model_dir: str | Path) -> Path:
    model_dir = Path(model_dir)
    c = json.loads((model_dir / "config.json").read_text(encoding="utf-8"))
    if (c.get("training_config", {}).get("data") or {}).get("train") == "all":
        path = model_dir / CARD_FILE
        path.write_text("\n".join(_cv_card(c, model_dir)), encoding="utf-8")
        return path
    themes = c.get("params", {}).get("themes", [])
    lines = _header(c, model_dir) + [
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
