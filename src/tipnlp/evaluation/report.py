"""Evaluation reports: ``metrics.json``, ``report.md``, ``errors.md`` and PNG figures per model, and
``comparison.md`` / ``comparison.json`` across models.

Reports are committed under ``evaluation/reports/``, and the repository must not hold sentences of
the corpus. So the error analysis lists passage ids, document ids, scores and offsets by default;
passage text is written only with ``include_text=True`` (the CLI's ``--excerpts``, for local use).
Figures use matplotlib's object API (no pyplot, no global backend state), imported only here.
"""

from __future__ import annotations

import io
import json
import math
import re
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np

from tipnlp.evaluation.io import atomic_write_bytes, atomic_write_text
from tipnlp.evaluation.metrics import pr_curve

__all__ = [
    "METRICS_FILE",
    "write_report",
    "write_metrics_json",
    "render_report_md",
    "error_analysis",
    "write_comparison",
    "comparison_rows",
    "slugify",
]

METRICS_FILE = "metrics.json"
REPORT_FILE = "report.md"
ERRORS_FILE = "errors.md"
PR_FIGURE = "pr_curves.png"
RELIABILITY_FIGURE = "reliability.png"
EXCERPT_CHARS = 200


# -- helpers ----------------------------------------------------------------------------------------


def _rounded(value: Any, digits: int = 6) -> Any:
    """Round floats for stable, diff-friendly JSON; NaN/inf become null."""
    if isinstance(value, float):
        return round(value, digits) if math.isfinite(value) else None
    if isinstance(value, (np.floating,)):
        return _rounded(float(value), digits)
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, Mapping):
        return {str(k): _rounded(v, digits) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_rounded(v, digits) for v in value]
    return value


def _json(obj: Any) -> str:
    return json.dumps(_rounded(obj), indent=2, ensure_ascii=False) + "\n"


def _f(value: float | None, digits: int = 3) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def _ci(interval: Sequence[float] | None) -> str:
    return "–" if not interval else f"[{interval[0]:.3f}, {interval[1]:.3f}]"


def _cell(text: Any) -> str:
    """Markdown-table-safe cell text."""
    return str(text).replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ").replace("\r", " ")


def _table(header: Sequence[str], rows: Sequence[Sequence[Any]], align: str | None = None) -> list[str]:
    align = align or ("l" + "r" * (len(header) - 1))
    marks = {"l": ":---", "r": "---:", "c": ":---:"}
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(marks[a] for a in align) + "|"]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return lines


def slugify(name: str) -> str:
    """A folder name for a model name or path (letters, digits, ``.``, ``_``, ``-``)."""
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", name.strip()).strip("-.")
    return slug or "model"


def _ci_of(metrics: Mapping[str, Any], *keys: str) -> Sequence[float] | None:
    node: Any = metrics.get("ci")
    for key in keys:
        if not isinstance(node, Mapping):
            return None
        node = node.get(key)
    return node


def _pps(metrics: Mapping[str, Any]) -> float | None:
    speed = metrics.get("speed") or {}
    value = speed.get("passages_per_second")
    return None if value is None or not math.isfinite(value) else float(value)


# -- error analysis ---------------------------------------------------------------------------------


def _excerpt(text: str, limit: int = EXCERPT_CHARS) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def error_analysis(result: Any, max_errors: int = 25, include_text: bool = False) -> dict[str, Any]:
    """Per theme the false positives (highest score first) and false negatives (lowest score first).

    Each entry: ``id``, ``doc_id``, ``score`` (None without scores), ``start``/``end`` from the
    record's ``meta`` when present, and ``excerpt`` only when ``include_text``. Also the full counts.
    """
    out: dict[str, Any] = {}
    t = np.asarray(result.y_true, dtype=bool)
    p = np.asarray(result.y_pred, dtype=bool)
    for j, theme in enumerate(result.themes):
        col = result.scores[:, j] if result.scores is not None else None
        entry: dict[str, Any] = {}
        for kind, mask, descending in (("false_positives", p[:, j] & ~t[:, j], True),
                                       ("false_negatives", t[:, j] & ~p[:, j], False)):
            rows = np.flatnonzero(mask)
            if col is not None and not np.isnan(col[rows]).any():
                order = np.argsort(-col[rows] if descending else col[rows], kind="stable")
                rows = rows[order]
            items = []
            for i in rows[:max_errors]:
                rec = result.gold[int(i)]
                item: dict[str, Any] = {
                    "id": rec.id,
                    "doc_id": rec.doc_id,
                    "score": None if col is None or np.isnan(col[i]) else float(col[i]),
                }
                for key in ("start", "end"):
                    if key in rec.meta:
                        item[key] = rec.meta[key]
                if include_text:
                    item["excerpt"] = _excerpt(rec.text)
                items.append(item)
            entry[kind] = items
            entry[f"n_{kind}"] = int(mask.sum())
        out[theme] = entry
    return out


def _render_errors_md(model: str, errors: Mapping[str, Any], include_text: bool, max_errors: int) -> str:
    lines = [f"# Error analysis: {model}", ""]
    if include_text:
        lines.append(f"Excerpts are the first {EXCERPT_CHARS} characters of each passage. "
                     "**This file holds corpus text: do not commit it.**")
    else:
        lines.append("Passages are listed by id, document, score and character offsets (no text, so the "
                     "report can be committed). Re-run with `--excerpts` to see excerpts locally.")
    lines += ["", f"False positives are sorted by score, highest first; false negatives lowest first; "
                  f"at most {max_errors} of each per theme.", ""]
    for theme, entry in errors.items():
        lines += [f"## {theme}", ""]
        for kind, title in (("false_positives", "False positives"), ("false_negatives", "False negatives")):
            items = entry[kind]
            n = entry[f"n_{kind}"]
            shown = f" (showing {len(items)})" if len(items) < n else ""
            lines += [f"### {title}: {n}{shown}", ""]
            if not items:
                lines += ["None.", ""]
                continue
            header = ["id", "doc_id", "score", "start", "end"] + (["excerpt"] if include_text else [])
            rows = []
            for it in items:
                row = [f"`{it['id']}`", it["doc_id"] or "–", _f(it["score"]),
                       it.get("start", "–"), it.get("end", "–")]
                if include_text:
                    row.append(it.get("excerpt", ""))
                rows.append(row)
            lines += _table(header, rows, "llrrr" + ("l" if include_text else "")) + [""]
    return "\n".join(lines).rstrip() + "\n"


# -- figures ----------------------------------------------------------------------------------------


def _grid(n: int):
    from matplotlib.figure import Figure

    cols = min(3, max(1, n))
    rows = math.ceil(n / cols)
    fig = Figure(figsize=(4.2 * cols, 3.8 * rows), layout="constrained")
    axes = [fig.add_subplot(rows, cols, i + 1) for i in range(n)]
    return fig, axes


def _png(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100, metadata={"Software": None})
    return buf.getvalue()


def _pr_figure(result: Any) -> bytes | None:
    if result.scores is None:
        return None
    per_theme = result.metrics["per_theme"]
    fig, axes = _grid(len(result.themes))
    drawn = False
    for j, (theme, ax) in enumerate(zip(result.themes, axes)):
        col = result.scores[:, j]
        ax.set_title(theme, fontsize=10)
        ax.set_xlim(0, 1.02)
        ax.set_ylim(0, 1.02)
        ax.set_xlabel("recall")
        ax.set_ylabel("precision")
        ax.grid(alpha=0.3)
        curve = None if np.isnan(col).any() else pr_curve(result.y_true[:, j], col)
        if curve is None:
            reason = "no scores" if np.isnan(col).any() else "no gold positives"
            ax.text(0.5, 0.5, reason, ha="center", va="center", transform=ax.transAxes, color="grey")
            continue
        drawn = True
        precision, recall, _ = curve
        entry = per_theme[theme]
        ap = entry.get("average_precision")
        ax.step(recall, precision, where="post", label=f"PR curve (AP {_f(ap, 2)})")
        if entry.get("precision") is not None:
            thr = entry.get("threshold")
            label = "operating point" + (f" (t={thr:.2f})" if thr is not None else "")
            ax.plot([entry["recall"]], [entry["precision"]], "o", color="C3", markersize=8, label=label)
        if entry.get("best_f1") is not None:
            # Best-F1 point: recompute its precision/recall from the curve for the marker.
            p, r = precision[:-1], recall[:-1]
            with np.errstate(invalid="ignore", divide="ignore"):
                f1 = np.where(p + r > 0, 2 * p * r / np.where(p + r > 0, p + r, 1), 0.0)
            k = int(np.argmax(f1))
            ax.plot([r[k]], [p[k]], "^", color="C2", markersize=7,
                    label=f"best F1 {entry['best_f1']:.2f} (t={entry['best_threshold']:.2f})")
        ax.legend(loc="lower left", fontsize=7)
    fig.suptitle(f"Precision-recall per theme: {result.model}", fontsize=11)
    return _png(fig) if drawn else None


def _reliability_figure(result: Any) -> bytes | None:
    cal = result.metrics.get("calibration")
    if not cal:
        return None
    themes = [t for t in result.themes if t in cal["reliability"]]
    fig, axes = _grid(len(themes))
    for theme, ax in zip(themes, axes):
        bins = [b for b in cal["reliability"][theme] if b["count"]]
        ax.plot([0, 1], [0, 1], "--", color="grey", linewidth=1, label="perfect calibration")
        ax.plot([b["mean_score"] for b in bins], [b["fraction_positive"] for b in bins], "o-", color="C0",
                label="model")
        for b in bins:
            ax.annotate(str(b["count"]), (b["mean_score"], b["fraction_positive"]), fontsize=6,
                        textcoords="offset points", xytext=(3, -8), color="grey")
        ax.set_title(f"{theme} (ECE {_f(cal['ece'][theme], 3)})", fontsize=10)
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1.02)
        ax.set_xlabel("mean score in bin")
        ax.set_ylabel("fraction positive")
        ax.grid(alpha=0.3)
        ax.legend(loc="upper left", fontsize=7)
    fig.suptitle(f"Reliability ({cal['n_bins']} equal-width bins; numbers = passages per bin): {result.model}",
                 fontsize=11)
    return _png(fig)


# -- report -----------------------------------------------------------------------------------------


def render_report_md(metrics: Mapping[str, Any], figures: Sequence[tuple[str, str]] = (),
                     errors_file: str | None = ERRORS_FILE) -> str:
    """The Markdown report of one model (GitHub-readable tables)."""
    themes = metrics["themes"]
    ci = metrics.get("ci")
    lines = [f"# Evaluation: {metrics['model']}", ""]
    facts = [f"{metrics['n_passages']} passages in {metrics['n_documents']} documents",
             f"{len(themes)} themes"]
    pps = _pps(metrics)
    if pps is not None:
        facts.append(f"{pps:,.0f} passages/s")
    lines += ["; ".join(facts) + ".", ""]
    protocol = metrics.get("protocol")
    if protocol:
        lines += ["## Protocol", ""] + [f"- {line}" for line in protocol.get("lines", [])] + [""]
    if ci:
        unit = "documents" if ci["unit"] == "document" else "passages"
        lines += [f"95% confidence intervals: percentile bootstrap, {ci['n_resamples']} resamples of "
                  f"{unit} (seed {ci['seed']}).", ""]

    lines += ["## Summary", ""]
    lines += _table(["metric", "value", "95% CI"], [
        ["macro F1", _f(metrics["macro_f1"]), _ci(_ci_of(metrics, "macro_f1"))],
        ["micro F1", _f(metrics["micro_f1"]), _ci(_ci_of(metrics, "micro_f1"))],
        ["exact match", _f(metrics["exact_match"]), _ci(_ci_of(metrics, "exact_match"))],
        ["document-level macro F1", _f(metrics["document_level"]["macro_f1"]), "–"],
    ])
    excluded = [t for t in themes if t not in metrics.get("macro_over", themes)]
    if excluded:
        lines += ["", f"Macro F1 leaves out {', '.join(excluded)}: no gold and no predicted positive "
                      "(F1 undefined)."]

    lines += ["", "## Per theme (passages)", ""]
    rows = []
    for t in themes:
        e = metrics["per_theme"][t]
        best = "–" if e.get("best_f1") is None else f"{e['best_f1']:.3f} @ {e['best_threshold']:.2f}"
        rows.append([t, _f(e["precision"]), _f(e["recall"]), _f(e["f1"]),
                     _ci(_ci_of(metrics, "per_theme", t, "f1")), e["support"], e["tp"], e["fp"], e["fn"],
                     _f(e.get("threshold"), 2), best, _f(e.get("average_precision"))])
    lines += _table(["theme", "precision", "recall", "F1", "F1 95% CI", "support", "tp", "fp", "fn",
                     "threshold", "best F1 @ t", "AP"], rows)
    lines += ["", "F1 is at the model's thresholds. *Best F1 @ t* moves each threshold on this test data "
                  "(for information; it overstates what a fixed threshold achieves). AP: average precision."]

    doc = metrics["document_level"]
    lines += ["", "## Per theme (documents)", "",
              "A theme is present in a document when any of its passages has it, in gold and in "
              "predictions alike.", ""]
    rows = [[t, _f(doc["per_theme"][t]["precision"]), _f(doc["per_theme"][t]["recall"]),
             _f(doc["per_theme"][t]["f1"]), doc["per_theme"][t]["support"], doc["per_theme"][t]["tp"],
             doc["per_theme"][t]["fp"], doc["per_theme"][t]["fn"]] for t in themes]
    rows.append(["**macro**", "", "", _f(doc["macro_f1"]), "", "", "", ""])
    rows.append(["**micro**", "", "", _f(doc["micro_f1"]), "", "", "", ""])
    lines += _table(["theme", "precision", "recall", "F1", "documents", "tp", "fp", "fn"], rows)

    lines += ["", "## Calibration", ""]
    cal = metrics.get("calibration")
    if not cal:
        lines += ["No scores in the predictions: calibration not measured."]
    else:
        rows = [[t, _f(cal["brier"][t], 4), _f(cal["ece"][t], 4)] for t in themes if t in cal["brier"]]
        rows.append(["**mean**", _f(cal["brier_mean"], 4), _f(cal["ece_mean"], 4)])
        lines += _table(["theme", "Brier", f"ECE ({cal['n_bins']} bins)"], rows)
        lines += ["", "Lower is better for both. Brier: mean squared error of the score against the 0/1 "
                      "label. ECE: share-weighted gap between mean score and fraction positive per bin."]

    if figures:
        lines += ["", "## Figures", ""]
        for title, name in figures:
            lines += [f"![{title}]({name})", ""]

    if errors_file:
        lines += ["", "## Error analysis", "",
                  f"False positives and false negatives per theme: [{errors_file}]({errors_file}).", ""]
        rows = [[t, metrics["per_theme"][t]["fp"], metrics["per_theme"][t]["fn"]] for t in themes]
        lines += _table(["theme", "false positives", "false negatives"], rows)

    warnings = metrics.get("warnings") or []
    if warnings:
        lines += ["", "## Warnings", ""] + [f"- {w}" for w in warnings]
    notes = metrics.get("notes") or []
    if notes:
        lines += ["", "## Conventions", ""] + [f"- {n}" for n in notes]
    return "\n".join(lines).rstrip() + "\n"


def write_metrics_json(metrics: Mapping[str, Any], path: str | Path) -> Path:
    """``metrics.json``: floats rounded to 6 digits, atomic write."""
    return atomic_write_text(path, _json(metrics))


def write_report(
    result: Any,
    report_dir: str | Path,
    include_text: bool = False,
    *,
    max_errors: int = 25,
    figures: bool = True,
) -> Path:
    """Write ``metrics.json``, ``report.md``, ``errors.md`` and the PNG figures into ``report_dir``.

    ``result``: an :class:`~tipnlp.evaluation.harness.EvaluationResult`. With ``include_text=False``
    (the default) no passage text is written anywhere, so the folder can be committed.
    Figures are skipped when there are no scores. Returns ``report_dir``.
    """
    report_dir = Path(report_dir)
    report_dir.mkdir(parents=True, exist_ok=True)
    written: list[tuple[str, str]] = []
    if figures:
        for title, name, make in (("Precision-recall curves", PR_FIGURE, _pr_figure),
                                  ("Reliability diagrams", RELIABILITY_FIGURE, _reliability_figure)):
            data = make(result)
            target = report_dir / name
            if data is not None:
                atomic_write_bytes(target, data)
                written.append((title, name))
            elif target.exists():  # a stale figure from an earlier run would mislead
                target.unlink()
    errors = error_analysis(result, max_errors=max_errors, include_text=include_text)
    atomic_write_text(report_dir / ERRORS_FILE, _render_errors_md(result.model, errors, include_text, max_errors))
    write_metrics_json(result.metrics, report_dir / METRICS_FILE)
    atomic_write_text(report_dir / REPORT_FILE, render_report_md(result.metrics, written, ERRORS_FILE))
    return report_dir


# -- comparison -------------------------------------------------------------------------------------


def comparison_rows(entries: Sequence[tuple[Mapping[str, Any], str | None]]) -> dict[str, Any]:
    """The content of ``comparison.json`` for ``(metrics, report_subfolder)`` pairs."""
    themes: list[str] = []
    for metrics, _ in entries:
        themes += [t for t in metrics["themes"] if t not in themes]
    models = []
    for metrics, sub in entries:
        models.append({
            "model": metrics["model"],
            "report": sub,
            "n_passages": metrics["n_passages"],
            "macro_f1": metrics["macro_f1"],
            "macro_f1_ci": _ci_of(metrics, "macro_f1"),
            "micro_f1": metrics["micro_f1"],
            "micro_f1_ci": _ci_of(metrics, "micro_f1"),
            "exact_match": metrics["exact_match"],
            "document_macro_f1": metrics["document_level"]["macro_f1"],
            "per_theme_f1": {t: metrics["per_theme"].get(t, {}).get("f1") for t in themes},
            "passages_per_second": _pps(metrics),
            "brier_mean": (metrics.get("calibration") or {}).get("brier_mean"),
        })
    return {"themes": themes, "models": models}


def write_comparison(
    entries: Sequence[tuple[Mapping[str, Any], str | None]], report_dir: str | Path
) -> Path:
    """``comparison.json`` and ``comparison.md``: one row per model, linking each model's report folder."""
    report_dir = Path(report_dir)
    data = comparison_rows(entries)
    themes = data["themes"]
    header = ["model", "macro F1 [95% CI]", "micro F1", "exact match", "doc macro F1"] + themes + ["passages/s"]
    rows = []
    for m in data["models"]:
        name = f"[{m['model']}]({m['report']}/{REPORT_FILE})" if m["report"] else m["model"]
        ci = m["macro_f1_ci"]
        macro = _f(m["macro_f1"]) + (f" [{ci[0]:.3f}, {ci[1]:.3f}]" if ci else "")
        pps = "–" if m["passages_per_second"] is None else f"{m['passages_per_second']:,.0f}"
        rows.append([name, macro, _f(m["micro_f1"]), _f(m["exact_match"]), _f(m["document_macro_f1"])]
                    + [_f(m["per_theme_f1"][t]) for t in themes] + [pps])
    n = {m["n_passages"] for m in data["models"]}
    lines = ["# Model comparison", "",
             f"{'/'.join(str(x) for x in sorted(n))} gold passages. Per-theme columns are passage-level F1 at "
             "each model's thresholds; each model's folder holds its full report.", ""]
    lines += _table(header, rows)
    atomic_write_text(report_dir / "comparison.json", _json(data))
    atomic_write_text(report_dir / "comparison.md", "\n".join(lines) + "\n")
    return report_dir
