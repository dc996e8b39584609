"""Evaluate theme predictions against gold passages, and run models over JSON Lines files.

- :func:`evaluate_predictions` is pure: gold records + prediction records -> the metrics dict
  (the content of ``metrics.json``).
- :func:`evaluate` does the same and also keeps the matrices and records a report needs.
- :func:`evaluate_model` runs any model that follows the contract of
  :class:`tipnlp.classifiers.base.ThemeClassifier` (``themes``, ``predict_proba``, ``predict``)
  over a gold file, times it, and optionally writes the report.
- :func:`predict_file` streams an input file through a model in batches into a prediction file.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Mapping, Sequence

import numpy as np

from tipnlp.errors import DataError, ModelError
from tipnlp.evaluation.bootstrap import bootstrap_ci
from tipnlp.evaluation.calibration import calibration_summary
from tipnlp.evaluation.io import GoldRecord, PredictionRecord, read_gold, read_inputs, write_jsonl
from tipnlp.evaluation.metrics import (
    METRIC_NOTES,
    average_precision,
    best_f1_threshold,
    default_themes,
    document_matrix,
    exact_match,
    group_codes,
    label_matrix,
    multilabel_scores,
)

__all__ = [
    "EvaluationResult",
    "evaluate",
    "evaluate_predictions",
    "evaluate_model",
    "predict_model",
    "predict_file",
]

log = logging.getLogger("tipnlp.evaluation")

BatchCallback = Callable[[int], None]


@dataclass
class EvaluationResult:
    """The metrics dict plus what a report needs (matrices and the gold records, in gold order)."""

    metrics: dict[str, Any]
    themes: list[str]
    gold: list[GoldRecord]
    y_true: np.ndarray
    y_pred: np.ndarray
    scores: np.ndarray | None = None  # (n, themes) with NaN where a score is missing
    warnings: list[str] = field(default_factory=list)

    @property
    def model(self) -> str:
        return self.metrics["model"]


def _as_gold(record: GoldRecord | Mapping[str, Any], i: int) -> GoldRecord:
    if isinstance(record, GoldRecord):
        return record
    return GoldRecord.from_dict(record, where=f"gold record {i + 1}")


def _as_pred(record: PredictionRecord | Mapping[str, Any], i: int) -> PredictionRecord:
    if isinstance(record, PredictionRecord):
        return record
    return PredictionRecord.from_dict(record, where=f"prediction record {i + 1}")


def _few(items: Sequence[str], n: int = 5) -> str:
    shown = ", ".join(repr(x) for x in items[:n])
    return shown + (f" and {len(items) - n} more" if len(items) > n else "")


def _warn(warnings_out: list[str], message: str) -> None:
    # Returned in the result and in metrics.json; the CLI prints them. Logged at INFO only, so
    # they are not printed twice by logging's last-resort handler.
    warnings_out.append(message)
    log.info(message)


def evaluate(
    gold_records: Iterable[GoldRecord | Mapping[str, Any]],
    pred_records: Iterable[PredictionRecord | Mapping[str, Any]],
    themes: Sequence[str] | None = None,
    thresholds: Mapping[str, float] | None = None,
    *,
    model_name: str = "predictions",
    n_resamples: int = 1000,
    seed: int = 0,
    speed: Mapping[str, float] | None = None,
    operating_thresholds: Mapping[str, float] | None = None,
) -> EvaluationResult:
    """Score predictions against gold; see :func:`evaluate_predictions` for the arguments.

    ``operating_thresholds`` only annotates ``per_theme.<id>.threshold`` (the thresholds the labels
    were made with), while ``thresholds`` re-derives the predicted labels from the scores.
    """
    themes = list(themes) if themes is not None else default_themes()
    if not themes:
        raise DataError("no themes to evaluate")
    warnings_out: list[str] = []
    gold = [_as_gold(r, i) for i, r in enumerate(gold_records)]
    if not gold:
        raise DataError("the gold data holds no passages", hint="Check the gold file or the --split.")
    seen: set[str] = set()
    dups = [g.id for g in gold if g.id in seen or seen.add(g.id)]
    if dups:
        raise DataError(f"duplicate passage ids in the gold data: {_few(dups)}",
                        hint="Every gold passage needs its own id.")

    preds: dict[str, PredictionRecord] = {}
    pdups: list[str] = []
    for i, r in enumerate(pred_records):
        p = _as_pred(r, i)
        if p.id in preds:
            pdups.append(p.id)
        preds[p.id] = p
    if pdups:
        raise DataError(f"duplicate ids in the predictions: {_few(pdups)}")
    missing = [g.id for g in gold if g.id not in preds]
    if missing:
        raise DataError(
            f"{len(missing)} of {len(gold)} gold passages have no prediction: {_few(missing)}",
            hint="Predict the same input file you evaluate (tipnlp predict GOLD.jsonl --out PRED.jsonl).",
        )
    extra = len(preds) - len(gold)
    if extra > 0:
        _warn(warnings_out, f"{extra} predictions have ids not in the gold data; they were ignored")
    ordered = [preds[g.id] for g in gold]

    y_true, unknown_gold = label_matrix((g.labels for g in gold), themes)
    y_pred, unknown_pred = label_matrix((p.labels for p in ordered), themes)
    for where, unknown in (("gold", unknown_gold), ("predicted", unknown_pred)):
        if unknown:
            listing = ", ".join(f"{lab!r} ({n}x)" for lab, n in sorted(unknown.items()))
            _warn(warnings_out, f"unknown {where} label ids ignored (not in the theme list): {listing}")

    scores = np.full((len(gold), len(themes)), np.nan)
    for i, p in enumerate(ordered):
        if p.scores:
            for j, t in enumerate(themes):
                v = p.scores.get(t)
                if v is not None:
                    scores[i, j] = v
    complete = ~np.isnan(scores).any(axis=0)
    has_any = ~np.isnan(scores).all(axis=0)
    partial = [t for j, t in enumerate(themes) if has_any[j] and not complete[j]]
    if partial:
        _warn(warnings_out, f"scores missing for some passages of {', '.join(partial)}: "
                            "no PR curve or calibration for these themes")

    if thresholds:
        y_pred = y_pred.copy()
        for t, thr in thresholds.items():
            if t not in themes:
                continue
            j = themes.index(t)
            if not complete[j]:
                raise DataError(f"cannot apply a threshold to {t!r}: some predictions have no score for it")
            y_pred[:, j] = (scores[:, j] >= float(thr)).astype(y_pred.dtype)
    shown_thresholds = dict(operating_thresholds or {})
    shown_thresholds.update({t: float(v) for t, v in (thresholds or {}).items() if t in themes})

    passage = multilabel_scores(y_true, y_pred, themes)
    for j, t in enumerate(themes):
        entry = passage["per_theme"][t]
        if t in shown_thresholds:
            entry["threshold"] = float(shown_thresholds[t])
        if complete[j]:
            best = best_f1_threshold(y_true[:, j], scores[:, j])
            entry["best_f1"] = best[0] if best else None
            entry["best_threshold"] = best[1] if best else None
            entry["average_precision"] = average_precision(y_true[:, j], scores[:, j])

    has_doc = any(g.doc_id is not None for g in gold)
    doc_keys = [("doc", g.doc_id) if g.doc_id is not None else ("passage", g.id) for g in gold]
    codes, doc_list = group_codes(doc_keys)
    n_docs = len(doc_list)
    if not has_doc:
        _warn(warnings_out, "no doc_id in the gold data: each passage counts as its own document, "
                            "and the bootstrap resamples passages")
    doc_true = document_matrix(y_true, codes, n_docs)
    doc_pred = document_matrix(y_pred, codes, n_docs)
    document = multilabel_scores(doc_true, doc_pred, themes)

    ci = None
    if n_resamples and n_resamples > 0:
        ci = bootstrap_ci(y_true, y_pred, themes, groups=codes if has_doc else None,
                          n_resamples=n_resamples, seed=seed)

    calibration = None
    if complete.any():
        cols = [j for j in range(len(themes)) if complete[j]]
        calibration = calibration_summary(y_true[:, cols], scores[:, cols], [themes[j] for j in cols])

    metrics: dict[str, Any] = {
        "model": model_name,
        "n_passages": len(gold),
        "n_documents": n_docs,
        "themes": list(themes),
        "macro_f1": passage["macro_f1"],
        "micro_f1": passage["micro_f1"],
        "exact_match": exact_match(y_true, y_pred),
        "macro_over": passage["macro_over"],
        "per_theme": passage["per_theme"],
        "ci": ci,
        "document_level": {
            "n_documents": n_docs,
            "macro_f1": document["macro_f1"],
            "micro_f1": document["micro_f1"],
            "exact_match": exact_match(doc_true, doc_pred),
            "macro_over": document["macro_over"],
            "per_theme": document["per_theme"],
        },
        "calibration": calibration,
    }
    if speed:
        metrics["speed"] = {k: float(v) for k, v in speed.items()}
    metrics["notes"] = list(METRIC_NOTES)
    metrics["warnings"] = list(warnings_out)
    return EvaluationResult(metrics=metrics, themes=list(themes), gold=gold, y_true=y_true, y_pred=y_pred,
                            scores=scores if has_any.any() else None, warnings=warnings_out)


def evaluate_predictions(
    gold_records: Iterable[GoldRecord | Mapping[str, Any]],
    pred_records: Iterable[PredictionRecord | Mapping[str, Any]],
    themes: Sequence[str] | None = None,
    thresholds: Mapping[str, float] | None = None,
    **options: Any,
) -> dict[str, Any]:
    """The metrics dict of predictions against gold (pure: reads and writes no file).

    ``gold_records``: :class:`GoldRecord` or dicts with ``id``, ``text``, ``labels`` (``doc_id``
    optional). ``pred_records``: :class:`PredictionRecord` or dicts with ``id``, ``labels``,
    ``scores``. ``themes``: theme ids in column order (default: the five core themes).
    ``thresholds``: ``{theme: t}`` re-derives that theme's predicted labels as ``score >= t``;
    without it the predicted ``labels`` are used as they are. ``options``: ``model_name``,
    ``n_resamples`` (0 turns the bootstrap off), ``seed``, ``speed``.
    Every gold id needs a prediction (:class:`DataError` otherwise).
    """
    return evaluate(gold_records, pred_records, themes, thresholds, **options).metrics


# -- running models -------------------------------------------------------------------------------


def model_name_of(model: Any) -> str:
    """A readable name for a model object (its ``name``, else its family, else its class)."""
    for attr in ("name", "name_", "family"):
        value = getattr(model, attr, None)
        if isinstance(value, str) and value and value != "base":
            return value
    return type(model).__name__


def model_thresholds(model: Any) -> dict[str, float] | None:
    """The per-theme thresholds ``model.predict`` applies, when the model exposes them."""
    themes = getattr(model, "themes", None)
    vector = getattr(model, "threshold_vector", None)
    if themes is not None and callable(vector):
        try:
            return {t: float(v) for t, v in zip(themes, vector())}
        except Exception:  # noqa: BLE001 - an exotic model; thresholds are only shown, not needed
            return None
    thresholds = getattr(model, "thresholds_", None)
    return {t: float(v) for t, v in thresholds.items()} if isinstance(thresholds, Mapping) else None


def _uses_base_predict(model: Any) -> bool:
    try:
        from tipnlp.classifiers.base import ThemeClassifier
    except ImportError:  # pragma: no cover - base.py ships with tipnlp
        return False
    return isinstance(model, ThemeClassifier) and type(model).predict is ThemeClassifier.predict


def _model_themes(model: Any) -> list[str]:
    themes = getattr(model, "themes", None)
    if not themes:
        raise ModelError(f"the model {model_name_of(model)!r} has no 'themes' (its column order)")
    return list(themes)


def predict_model(model: Any, texts: Sequence[str]) -> tuple[np.ndarray, list[list[str]]]:
    """Scores (n, len(model.themes)) and thresholded labels for one batch of texts.

    Calls ``predict_proba`` once; the labels come from the model's own ``predict`` unless it is the
    base class's (thresholds applied to the same scores), which spares a second pass.
    """
    model_themes = _model_themes(model)
    proba = np.asarray(model.predict_proba(list(texts)), dtype=float)
    if proba.shape != (len(texts), len(model_themes)):
        raise ModelError(f"predict_proba returned shape {proba.shape}, expected {(len(texts), len(model_themes))}")
    if not np.isfinite(proba).all():
        raise ModelError("predict_proba returned NaN or infinite scores")
    if _uses_base_predict(model):
        hits = proba >= model.threshold_vector()[None, :]
        labels = [[t for t, on in zip(model_themes, row) if on] for row in hits]
    else:
        labels = [list(x) for x in model.predict(list(texts))]
        if len(labels) != len(texts):
            raise ModelError(f"predict returned {len(labels)} rows for {len(texts)} texts")
    return proba, labels


def record_inputs(model: Any, records: Sequence[GoldRecord]) -> list[Any]:
    """Texts, or for context-aware models (``accepts_records``) text with heading and document type."""
    if getattr(model, "accepts_records", False):
        return [{"text": r.text, "heading": (r.meta or {}).get("heading") or "",
                 "doc_type": (r.meta or {}).get("doc_type") or ""} for r in records]
    return [r.text for r in records]


def _batched(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    it = iter(items)
    while batch := list(islice(it, size)):
        yield batch


def _predict_records(
    records: Iterable[GoldRecord],
    model: Any,
    batch_size: int,
    on_batch: BatchCallback | None,
    clock: list[float],
    warmup: bool = True,
) -> Iterator[PredictionRecord]:
    """Yield one PredictionRecord per input record; adds model time to ``clock[0]``.

    With ``warmup``, one untimed call on the first text comes first: models load pipelines and
    build matchers lazily (seconds), which would otherwise swamp passages/second on small sets.
    """
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    model_themes = _model_themes(model)
    for batch in _batched(records, batch_size):
        inputs = record_inputs(model, batch)
        if warmup:
            model.predict_proba(inputs[:1])
            warmup = False
        start = time.perf_counter()
        proba, labels = predict_model(model, inputs)
        clock[0] += time.perf_counter() - start
        for rec, row, labs in zip(batch, proba, labels):
            yield PredictionRecord(id=rec.id, labels=labs, scores=dict(zip(model_themes, row.tolist())))
        if on_batch is not None:
            on_batch(len(batch))


def _speed(n: int, seconds: float) -> dict[str, float]:
    return {"passages_per_second": n / seconds if seconds > 0 else float("inf"), "seconds": seconds, "passages": n}


def evaluate_model(
    gold_path: str | Path | Iterable[GoldRecord | Mapping[str, Any]],
    model: Any,
    themes: Sequence[str] | None = None,
    report_dir: str | Path | None = None,
    *,
    batch_size: int = 256,
    model_name: str | None = None,
    n_resamples: int = 1000,
    seed: int = 0,
    include_text: bool = False,
    on_batch: BatchCallback | None = None,
    return_result: bool = False,
) -> dict[str, Any] | EvaluationResult:
    """Predict the gold passages with ``model``, score them, and write a report when asked.

    ``gold_path``: a gold JSON Lines file, or gold records already in memory (e.g. from
    ``tipnlp.gold.export_records``). ``model``: ``themes``, ``predict_proba(texts)`` and
    ``predict(texts)`` as in :mod:`tipnlp.classifiers.base`. Speed (passages per second) is the
    time spent in the model only, after one untimed warm-up call. Returns the metrics dict (or the :class:`EvaluationResult` with
    ``return_result=True``).
    """
    if isinstance(gold_path, (str, Path)):
        gold = list(read_gold(gold_path))
    else:
        gold = [_as_gold(r, i) for i, r in enumerate(gold_path)]
    themes = list(themes) if themes is not None else default_themes()
    missing = [t for t in themes if t not in _model_themes(model)]
    clock = [0.0]
    preds = list(_predict_records(gold, model, batch_size, on_batch, clock))
    result = evaluate(
        gold, preds, themes,
        model_name=model_name or model_name_of(model),
        n_resamples=n_resamples, seed=seed,
        speed=_speed(len(gold), clock[0]),
        operating_thresholds=model_thresholds(model),
    )
    if missing:
        msg = f"the model does not score {', '.join(missing)}: counted as never predicted"
        result.warnings.append(msg)
        result.metrics["warnings"].append(msg)
        log.info(msg)
    if report_dir is not None:
        from tipnlp.evaluation.report import write_report

        write_report(result, report_dir, include_text=include_text)
    return result if return_result else result.metrics


def predict_file(
    input_path: str | Path,
    output_path: str | Path,
    model: Any,
    batch_size: int = 256,
    *,
    on_batch: BatchCallback | None = None,
) -> dict[str, float]:
    """Stream ``input_path`` (``id``, ``text`` per line) through ``model`` into ``output_path``.

    Reads, predicts and writes one batch at a time (memory bounded by ``batch_size``, not by the
    file) and writes ``{"id", "labels", "scores"}`` lines atomically: the output appears only when
    complete. Returns ``{"passages", "seconds", "passages_per_second"}`` (model time only).
    """
    clock = [0.0]
    n = write_jsonl(output_path, _predict_records(read_inputs(input_path), model, batch_size, on_batch, clock))
    return _speed(n, clock[0])
