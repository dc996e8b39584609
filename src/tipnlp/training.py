"""Train a classifier from a config file: fit on train, tune per-theme thresholds on dev, save.

A training config (YAML, under ``training/``)::

    name: tfidf_lr            # model directory name under models/
    family: tfidf             # see tipnlp.classifiers.FAMILIES
    seed: 71167
    params: {C: 4.0, ...}     # passed to the family's __init__
    data: {train: train, dev: dev, extra: [training/synthetic/seed_passages.jsonl]}
    thresholds: {min: 0.05, max: 0.95, step: 0.01}

``data.extra`` adds training-only passages written by the project (never corpus text, never used
for tuning or scores). The test split is never read here. Thresholds are chosen on dev only; dev scores are recorded in
the model's config and card.
"""

from __future__ import annotations

import datetime as _dt
import json
import time
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np


from tipnlp.tuning import load_config, seed_everything, tune_thresholds  # noqa: F401  (re-exported)

Progress = Callable[[str], None]


def _split_records(split: str, corpus_dir=None) -> tuple[list[str], list[list[str]], list[dict]]:
    from tipnlp.gold import export_records

    records = list(export_records(split, corpus_dir))
    return [r["text"] for r in records], [r["labels"] for r in records], records


def _extra_records(paths: Sequence[str]) -> tuple[list[str], list[list[str]]]:
    """Training-only passages from JSONL files (paths relative to the repository root)."""
    from tipnlp.evaluation.cv import training_extra

    rows = training_extra({"data": {"extra": list(paths)}})
    return [r["text"] for r in rows], [list(r["labels"]) for r in rows]


def train_from_config(
    config_path: str | Path,
    output: str | Path | None = None,
    corpus_dir: str | Path | None = None,
    progress: Progress | None = None,
) -> tuple[Path, dict[str, Any]]:
    """Train and save a model directory (classifier, thresholds, OP ranker); returns it and a summary.

    ``data.train: all`` (the current protocol) trains on every non-sealed gold passage and takes the
    thresholds from out-of-fold scores of that data (the model's own document-grouped calibration
    folds, else an inner grouped split); the older ``train``/``dev`` configs tune on dev.
    """
    config = load_config(config_path)
    if (config.get("data") or {}).get("train") == "all":
        return _train_all(config, config_path, output, corpus_dir, progress)
    return _train_dev(config, output, corpus_dir, progress)


def _meta_base(config: dict[str, Any], seed: int) -> dict[str, Any]:
    """What every model directory records about where it came from."""
    from tipnlp.taxonomy import load_taxonomy

    return {"name": config["name"], "taxonomy_version": load_taxonomy().version,
            "trained_at": _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d"), "seed": seed,
            "training_config": config}


def _train_all(config, config_path, output, corpus_dir, progress) -> tuple[Path, dict[str, Any]]:
    from tipnlp.classifiers import models_dir
    from tipnlp.evaluation.cv import (
        DocTypeInference, _fit, config_thresholds, inner_thresholds, model_inputs, record_groups, training_extra,
        uses_guessed_doc_types, with_doc_types,
    )
    from tipnlp.evaluation.metrics import label_matrix
    from tipnlp.gold import CorpusTexts, export_records
    from tipnlp.op_ranking import OpRanker
    from tipnlp.taxonomy import core_theme_ids

    say = progress or (lambda msg: None)
    seed = int(config.get("seed", 0))
    seed_everything(seed)
    themes = core_theme_ids()
    say("loading gold data (all non-sealed documents)")
    texts = CorpusTexts(corpus_dir)  # every document is read once and shared by the steps below
    records = list(export_records("all", texts=texts))
    extra = training_extra(config, corpus_dir=corpus_dir)
    if uses_guessed_doc_types(config):
        say("guessing every document's type, cross-fitted (the model meets guessed types in use)")
        guessed = DocTypeInference(texts=texts).cross_fitted()
        records, extra = with_doc_types(records, guessed), with_doc_types(extra, guessed)
    n_aims = sum(1 for r in extra if r.get("doc_bound"))
    say(f"fitting {config['family']} on {len(records)} gold + {len(extra) - n_aims} written passages"
        + (f" + {n_aims} AIMS.au sentences" if n_aims else ""))
    t0 = time.perf_counter()
    model = _fit(config, themes, records, extra)
    fit_seconds = time.perf_counter() - t0
    y, _ = label_matrix([r["labels"] for r in records], themes)
    own = getattr(model, "oof_proba_", None)
    if own is not None and np.isfinite(own[: len(records)]).all():
        thresholds = config_thresholds(config, y, own[: len(records)], themes)
        source = "out-of-fold scores of the model's document-grouped calibration folds"
    else:
        thresholds, _ = inner_thresholds(config, themes, records, record_groups(records, texts), extra, 3, seed)
        source = "out-of-fold scores of a 3-fold document-grouped split"
    model.thresholds_ = thresholds
    say("fitting the OP ranker on the OP gold")
    with_ops = [r for r in records if (r.get("meta") or {}).get("ops")]
    ranker_params = dict(config.get("op_ranker") or {})
    ranker = OpRanker(**ranker_params).fit(with_ops, [r["meta"]["ops"] for r in with_ops])
    if "secondary_threshold" in ranker_params:
        ranker.secondary_threshold_ = float(ranker_params["secondary_threshold"])
    else:
        say("tuning the secondary-OP threshold on out-of-fold OP rankings")
        ranker.secondary_threshold_ = _secondary_threshold(records, record_groups(records, texts), ranker_params, seed)
    say("fitting the document-type classifier on the corpus manifest")
    doc_typer = _fit_doc_typer(config, texts)
    t0 = time.perf_counter()
    model.predict_proba(model_inputs(model, records[:500]))
    pps = min(500, len(records)) / max(time.perf_counter() - t0, 1e-9)

    out = Path(output) if output else models_dir() / config["name"]
    counts = {t: int(y[:, j].sum()) for j, t in enumerate(themes)}
    meta = {
        **_meta_base(config, seed),
        "train": {"passages": len(records) + len(extra), "gold_passages": len(records), "extra_passages": len(extra) - n_aims,
                  "aims_sentences": n_aims,
                  "documents": len({r["doc_id"] for r in records}), "positives": counts,
                  "op_pairs": sum(len(r["meta"]["ops"]) for r in with_ops), "fit_seconds": round(fit_seconds, 2)},
        "thresholds_from": source,
        "passages_per_second": round(pps, 1),
        "doc_type_classifier": {"documents": doc_typer.n_documents_, "types": doc_typer.classes_},
    }
    model.save(out, extra=meta)
    ranker.save(out)
    doc_typer.save(out)
    say(f"saved {out}")
    return out, meta


def _secondary_threshold(records, groups, ranker_params, seed) -> float:
    """The probability from which a non-primary OP is listed, tuned like the theme thresholds: on
    document-grouped out-of-fold rankings of the OP gold (the F1 of recovering annotators' secondary OPs)."""
    from tipnlp.evaluation.op_eval import cross_validate_ops

    result = cross_validate_ops(records, groups, 5, seed=seed, ranker_params=ranker_params, baselines=False)
    return float(result["secondary"]["threshold"])


def _fit_doc_typer(config, texts):
    """The document-type guesser for documents without a manifest row, fitted on every non-sealed
    manifest document with a type (settings: the config's ``doc_type_classifier``)."""
    from tipnlp.doc_types import DocTypeClassifier, corpus_documents
    from tipnlp.gold import sealed_documents

    _, documents, types = corpus_documents(texts, exclude=sealed_documents())
    params = dict(config.get("doc_type_classifier") or {})
    return DocTypeClassifier(**params, random_state=int(config.get("seed", 0))).fit(documents, types)


def _train_dev(config, output, corpus_dir, progress) -> tuple[Path, dict[str, Any]]:
    """The 2026-11 protocol: fit on train, tune thresholds on dev."""
    from tipnlp.classifiers import family_class, models_dir
    from tipnlp.evaluation.harness import evaluate_predictions
    from tipnlp.op_ranking import OpRanker
    from tipnlp.taxonomy import core_theme_ids

    say = progress or (lambda msg: None)
    seed = int(config.get("seed", 0))
    seed_everything(seed)
    themes = core_theme_ids()
    data = config.get("data", {})
    say("loading gold data")
    train_x, train_y, train_records = _split_records(data.get("train", "train"), corpus_dir)
    dev_x, dev_y, dev_records = _split_records(data.get("dev", "dev"), corpus_dir)
    n_gold_train = len(train_x)
    extra_x, extra_y = _extra_records(data.get("extra", []))
    train_x, train_y = train_x + extra_x, train_y + extra_y
    params = dict(config.get("params", {}))
    cls = family_class(config["family"])
    model = cls(themes=themes, **params)
    if "random_state" in model.get_config() and "random_state" not in params:
        model.random_state = seed
    say(f"fitting {config['family']} on {len(train_x)} passages")
    t0 = time.perf_counter()
    model.fit(train_x, train_y)
    fit_seconds = time.perf_counter() - t0

    say(f"tuning thresholds on {len(dev_x)} dev passages")
    t0 = time.perf_counter()
    dev_proba = model.predict_proba(dev_x)
    predict_seconds = time.perf_counter() - t0
    grid_cfg = config.get("thresholds", {})
    grid = np.round(np.arange(grid_cfg.get("min", 0.05), grid_cfg.get("max", 0.95) + 1e-9, grid_cfg.get("step", 0.01)), 4)
    y_dev = model.label_matrix(dev_y)
    model.thresholds_ = tune_thresholds(y_dev, dev_proba, themes, grid)

    dev_pred = [
        {"id": r["id"], "labels": [t for j, t in enumerate(themes) if dev_proba[i, j] >= model.thresholds_[t]],
         "scores": {t: float(dev_proba[i, j]) for j, t in enumerate(themes)}}
        for i, r in enumerate(dev_records)
    ]
    dev_metrics = evaluate_predictions(dev_records, dev_pred, themes=themes)

    say("fitting the OP ranker")
    with_ops = [r for r in train_records if (r.get("meta") or {}).get("ops")]
    ranker = OpRanker().fit(with_ops, [r["meta"]["ops"] for r in with_ops])

    out = Path(output) if output else models_dir() / config["name"]
    counts = {t: int(sum(t in labs for labs in train_y)) for t in themes}
    meta = {
        **_meta_base(config, seed),
        "train": {"passages": len(train_x), "gold_passages": n_gold_train, "extra_passages": len(extra_x),
                  "positives": counts, "fit_seconds": round(fit_seconds, 2)},
        "dev": {
            "passages": len(dev_x),
            "macro_f1": dev_metrics.get("macro_f1"),
            "micro_f1": dev_metrics.get("micro_f1"),
            "per_theme_f1": {t: dev_metrics["per_theme"][t].get("f1") for t in themes},
            "passages_per_second": round(len(dev_x) / max(predict_seconds, 1e-9), 1),
        },
    }
    model.save(out, extra=meta)
    ranker.save(out)
    say(f"saved {out}")
    return out, meta


def write_json(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", encoding="utf-8")
