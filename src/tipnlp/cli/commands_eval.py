"""``tipnlp predict`` and ``tipnlp evaluate``: run models over JSON Lines files and score them.

Thin: options are parsed here, the work is done by :mod:`tipnlp.evaluation`. Heavy imports
(numpy, the models, scikit-learn, matplotlib) happen inside the commands, so ``tipnlp --help``
stays fast.
"""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path
from typing import Any, Callable, Optional

import typer

from tipnlp.cli.app import app, handles_errors
from tipnlp.errors import DataError, ModelError


class Split(str, Enum):
    dev = "dev"
    test = "test"
    sealed = "sealed"


def _load_model(name: str | None) -> Any:
    """A model by shipped name or directory, through :func:`tipnlp.classifiers.load_model`."""
    try:
        from tipnlp.classifiers import load_model
    except ImportError as err:
        if err.name in ("tipnlp.classifiers", None) or "load_model" in str(err):
            raise ModelError("model loading (tipnlp.classifiers.load_model) is not available in this build",
                             hint="Evaluate an existing prediction file with --predictions instead.") from None
        raise
    return load_model(name) if name is not None else load_model()


def _split_records(split: Split) -> list[Any]:
    """The project's own gold passages of one split, through :func:`tipnlp.gold.export_records`."""
    try:
        from tipnlp.gold import export_records
    except ImportError as err:
        if err.name == "tipnlp.gold" or "export_records" in str(err):
            raise DataError("the project's gold data (tipnlp.gold.export_records) is not available yet",
                            hint="Pass a gold JSON Lines file instead of --split.") from None
        raise
    from tipnlp.evaluation.io import GoldRecord

    records = []
    for i, rec in enumerate(export_records(split.value)):
        if isinstance(rec, GoldRecord):
            records.append(rec)
            continue
        obj = rec.to_dict() if hasattr(rec, "to_dict") else rec
        records.append(GoldRecord.from_dict(obj, where=f"gold split {split.value!r}, record {i + 1}"))
    return records


def _count_lines(path: Path) -> int | None:
    """Non-blank lines, for the progress bar's total (None when the file cannot be read yet)."""
    try:
        with path.open("rb") as handle:
            return sum(1 for line in handle if line.strip())
    except OSError:
        return None


class _ProgressBar:
    """A rich progress bar on stderr (stdout stays clean for the summary); a no-op when not a TTY."""

    def __init__(self, description: str, total: int | None):
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        console = Console(stderr=True)
        self._progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                  TimeRemainingColumn(), console=console, transient=True,
                                  disable=not console.is_terminal)
        self._description = description
        self._total = total
        self._task = None

    def __enter__(self) -> Callable[[int], None]:
        self._progress.__enter__()
        self._task = self._progress.add_task(self._description, total=self._total)
        return lambda n: self._progress.advance(self._task, n)

    def __exit__(self, *exc: Any) -> None:
        self._progress.__exit__(*exc)


def _warn(message: str) -> None:
    print(f"warning: {message}", file=sys.stderr)


@app.command("predict")
@handles_errors
def predict_command(
    input_path: Path = typer.Argument(..., metavar="INPUT.jsonl",
                                      help='Passages to tag, one {"id": ..., "text": ...} per line.'),
    out: Path = typer.Option(..., "--out", "-o", metavar="PRED.jsonl",
                             help='Where to write {"id", "labels", "scores"} lines (written atomically).'),
    model: Optional[str] = typer.Option(None, "--model", "-m", metavar="NAME|PATH",
                                        help="A shipped model name or a model directory (default: the default model)."),
    batch_size: int = typer.Option(256, "--batch-size", min=1, help="Passages per model call."),
) -> None:
    """Predict themes for every passage of a JSON Lines file."""
    from tipnlp.evaluation.harness import model_name_of, predict_file

    if not input_path.exists():
        from tipnlp.errors import InputNotFound

        raise InputNotFound(f"{input_path}: no such file")
    loaded = _load_model(model)
    with _ProgressBar("predicting", _count_lines(input_path)) as advance:
        speed = predict_file(input_path, out, loaded, batch_size=batch_size, on_batch=advance)
    print(f"wrote {int(speed['passages'])} predictions to {out} with {model or model_name_of(loaded)} "
          f"({speed['passages_per_second']:,.0f} passages/s)")


def _print_summary(results: list[Any]) -> None:
    from rich.table import Table

    from tipnlp._console import console as make_console

    console = make_console()
    themes: list[str] = []
    for r in results:
        themes += [t for t in r.themes if t not in themes]

    def f(x: float | None) -> str:
        return "–" if x is None else f"{x:.3f}"

    def ci(x: Any) -> str:
        return "" if not x else f" [{x[0]:.3f}, {x[1]:.3f}]"

    if len(results) == 1:
        m = results[0].metrics
        table = Table(title=f"{m['model']}: {m['n_passages']} passages, {m['n_documents']} documents")
        for col in ("theme", "precision", "recall", "F1", "95% CI", "support"):
            table.add_column(col, justify="left" if col == "theme" else "right")
        pci = (m.get("ci") or {}).get("per_theme", {})
        for t in m["themes"]:
            e = m["per_theme"][t]
            table.add_row(t, f(e["precision"]), f(e["recall"]), f(e["f1"]),
                          ci(pci.get(t, {}).get("f1")).strip() or "–", str(e["support"]))
        mci = m.get("ci") or {}
        table.add_section()
        table.add_row("macro F1", "", "", f(m["macro_f1"]), ci(mci.get("macro_f1")).strip() or "–", "")
        table.add_row("micro F1", "", "", f(m["micro_f1"]), ci(mci.get("micro_f1")).strip() or "–", "")
        table.add_row("exact match", "", "", f(m["exact_match"]), ci(mci.get("exact_match")).strip() or "–", "")
        table.add_row("document macro F1", "", "", f(m["document_level"]["macro_f1"]), "–", "")
        console.print(table)
        speed = m.get("speed")
        if speed:
            console.print(f"speed: {speed['passages_per_second']:,.0f} passages/s")
        return

    table = Table(title="model comparison (F1)")
    for col in ["model", "macro F1 [95% CI]", "micro F1", *themes, "passages/s"]:
        table.add_column(col, justify="left" if col == "model" else "right")
    for r in results:
        m = r.metrics
        speed = (m.get("speed") or {}).get("passages_per_second")
        table.add_row(m["model"], f(m["macro_f1"]) + ci((m.get("ci") or {}).get("macro_f1")), f(m["micro_f1"]),
                      *[f(m["per_theme"].get(t, {}).get("f1")) for t in themes],
                      "–" if speed is None else f"{speed:,.0f}")
    console.print(table)


@app.command("evaluate")
@handles_errors
def evaluate_command(
    gold: Optional[Path] = typer.Argument(None, metavar="GOLD.jsonl",
                                          help='Gold passages: {"id", "text", "labels", "doc_id"?} per line.'),
    model: Optional[list[str]] = typer.Option(None, "--model", "-m", metavar="NAME|PATH",
                                              help="A model to evaluate; repeat to compare several."),
    predictions: Optional[list[Path]] = typer.Option(None, "--predictions", "-p", metavar="PRED.jsonl",
                                                     help="Evaluate an existing prediction file (repeatable)."),
    split: Optional[Split] = typer.Option(None, "--split", help="Use the project's own gold split instead of a file."),
    report: Optional[Path] = typer.Option(None, "--report", "-r", metavar="DIR",
                                          help="Write metrics.json, report.md and figures here "
                                               "(several models: comparison.md and one folder each)."),
    excerpts: bool = typer.Option(False, "--excerpts",
                                  help="Put passage excerpts in the error analysis (local use: do not commit)."),
    bootstrap: int = typer.Option(1000, "--bootstrap", min=0, help="Bootstrap resamples for the CIs (0: none)."),
    seed: int = typer.Option(0, "--seed", help="Seed of the bootstrap."),
    batch_size: int = typer.Option(256, "--batch-size", min=1, help="Passages per model call."),
    cv: Optional[int] = typer.Option(None, "--cv", min=2, metavar="K",
                                     help="Cross-validate by document over all non-sealed gold: retrain each "
                                          "--config (default: the default model's) on K-1 folds, score the rest."),
    config: Optional[list[Path]] = typer.Option(None, "--config", "-c", metavar="TRAINING.yaml",
                                                help="With --cv: a training config to cross-validate (repeatable)."),
    seeds: bool = typer.Option(True, "--seeds/--no-seeds",
                               help="With --cv: add the config's seed passages to each fold's training data."),
    inner: int = typer.Option(3, "--inner", min=0, metavar="K",
                              help="With --cv: inner grouped folds that tune thresholds (0: fixed 0.5)."),
    ops: bool = typer.Option(False, "--ops", help="With --cv: evaluate the OP ranker against the OP gold "
                                                  "(top-1, MRR per theme, with two baselines) instead of themes."),
) -> None:
    """Score models or prediction files against gold passages; print a summary, write a report.

    `--cv K` cross-validates training configs grouped by document (the model-selection yardstick);
    `--split sealed` scores a model on the sealed split, prints aggregate figures only and logs the
    run in evaluation/ledger.md.
    """
    from tipnlp.evaluation.harness import evaluate, evaluate_model
    from tipnlp.evaluation.io import read_gold, read_predictions
    from tipnlp.evaluation.metrics import default_themes
    from tipnlp.evaluation.report import slugify, write_comparison, write_report

    if cv is not None and ops:
        _cross_validate_ops(cv, config, report, seed)
        return
    if ops:
        raise typer.BadParameter("--ops needs --cv K", param_hint="--ops")
    if cv is not None:
        _cross_validate(cv, config or [], seeds, inner, report, bootstrap, seed)
        return
    if config:
        raise typer.BadParameter("--config needs --cv K", param_hint="--config")
    if split is Split.sealed:
        _evaluate_sealed(model, bootstrap, seed, batch_size)
        return
    if gold is not None and split is not None:
        raise typer.BadParameter("give either GOLD.jsonl or --split, not both", param_hint="GOLD.jsonl / --split")
    if gold is None and split is None:
        raise typer.BadParameter("give a gold file (GOLD.jsonl) or --split dev|test", param_hint="GOLD.jsonl")
    gold_records = list(read_gold(gold)) if gold is not None else _split_records(split)
    themes = default_themes()

    jobs: list[tuple[str, str, Any]] = [("pred", p.stem, p) for p in (predictions or [])]
    jobs += [("model", name, name) for name in (model or [])]
    if not jobs:
        jobs = [("model", "", None)]  # the default model

    several = len(jobs) > 1
    used: set[str] = set()
    results = []
    for kind, name, source in jobs:
        if kind == "pred":
            result = evaluate(gold_records, read_predictions(source), themes, model_name=name,
                              n_resamples=bootstrap, seed=seed)
        else:
            loaded = _load_model(source)
            with _ProgressBar(f"predicting ({name or 'default model'})", len(gold_records)) as advance:
                # a model given by path is named by its own config (``name_``), not by the path
                display = name if name and "/" not in name and "\\" not in name else None
                result = evaluate_model(gold_records, loaded, themes, model_name=display,
                                        batch_size=batch_size, n_resamples=bootstrap, seed=seed,
                                        on_batch=advance, return_result=True)
        for w in result.warnings:
            _warn(f"{result.model}: {w}" if several else w)
        results.append(result)

    if report is not None:
        if not several:
            write_report(results[0], report, include_text=excerpts)
            print(f"report written to {report}/report.md", file=sys.stderr)
        else:
            entries = []
            for result in results:
                sub = slugify(result.model)
                base, k = sub, 2
                while sub in used:
                    sub, k = f"{base}-{k}", k + 1
                used.add(sub)
                write_report(result, report / sub, include_text=excerpts)
                entries.append((result.metrics, sub))
            write_comparison(entries, report)
            print(f"comparison written to {report}/comparison.md", file=sys.stderr)
        if excerpts:
            _warn("the error analysis holds passage text (--excerpts): do not commit this report")
    _print_summary(results)


def _default_config() -> Path:
    """The training config the default model was trained from (its config.json records it)."""
    import json

    from tipnlp.classifiers import resolve_model_path
    from tipnlp.corpus import REPO_ROOT

    path = resolve_model_path(None)
    if path is not None:
        meta = json.loads((path / "config.json").read_text(encoding="utf-8"))
        name = (meta.get("training_config") or {}).get("name") or meta.get("name")
        candidate = REPO_ROOT / "training" / f"{name}.yaml"
        if candidate.is_file():
            return candidate
    raise DataError("cannot tell which training config the default model came from",
                    hint="Pass --config training/<name>.yaml.")


def _cross_validate(k: int, configs: list[Path], seeds: bool, inner: int, report: Path | None,
                    bootstrap: int, seed: int) -> None:
    from tipnlp.evaluation.cv import gold_pool, run_cv
    from tipnlp.evaluation.report import slugify, write_comparison, write_report

    configs = configs or [_default_config()]
    for c in configs:
        if not c.is_file():
            raise DataError(f"no training config at {c}", hint="See training/*.yaml.")
    pool = gold_pool()
    results = []
    for c in configs:
        result, _ = run_cv(c, k, with_extra=seeds, inner_k=inner, seed=seed, n_resamples=bootstrap, pool=pool,
                           progress=lambda msg, c=c: print(f"{c.stem}: {msg}", file=sys.stderr))
        results.append(result)
        if report is not None:
            target = report / slugify(result.model) if len(configs) > 1 else report
            write_report(result, target)
    if report is not None and len(configs) > 1:
        write_comparison([(r.metrics, slugify(r.model)) for r in results], report)
        print(f"comparison written to {report}/comparison.md", file=sys.stderr)
    elif report is not None:
        print(f"report written to {report}/report.md", file=sys.stderr)
    _print_summary(results)


def _evaluate_sealed(model: Optional[list[str]], bootstrap: int, seed: int, batch_size: int) -> None:
    """Aggregate figures only; every run is appended to evaluation/ledger.md."""
    from tipnlp.evaluation.sealed import evaluate_sealed

    names = model or [None]
    for name in names:
        line = evaluate_sealed(name, n_resamples=bootstrap, seed=seed, batch_size=batch_size)
        print(line)


def _cross_validate_ops(k: int, configs: Optional[list[Path]], report: Path | None, seed: int) -> None:
    import json

    from tipnlp.evaluation.cv import DocTypeInference, gold_pool
    from tipnlp.evaluation.io import atomic_write_text
    from tipnlp.evaluation.op_eval import cross_validate_ops, render_op_report
    from tipnlp.gold import CorpusTexts
    from tipnlp.tuning import load_config

    cfg_path = (configs or [None])[0] or _default_config()
    params = dict(load_config(cfg_path).get("op_ranker") or {})
    params.pop("secondary_threshold", None)
    texts = CorpusTexts()  # each document read once for the gold, the groups and the type guesser
    records, groups = gold_pool(texts=texts)
    result = cross_validate_ops(records, groups, k, seed=seed, ranker_params=params,
                                progress=lambda m: print(m, file=sys.stderr), doc_types=DocTypeInference(texts=texts))
    text = render_op_report(result)
    if report is not None:
        report.mkdir(parents=True, exist_ok=True)
        atomic_write_text(report / "report.md", text)
        atomic_write_text(report / "metrics.json", json.dumps(result, indent=1, sort_keys=True) + "\n")
        print(f"report written to {report}/report.md", file=sys.stderr)
    print(text)
