"""Cross-validation grouped by document: the yardstick for choosing models.

A held-out split scored documents the rules and seeds were written from; grouped cross-validation
retrains every learned part on each fold's training documents and predicts documents the fold never
saw. Groups join PDF twins and documents that share text (e.g. two regulations with the same
definitions), so no text is on both sides of a fold. Folds are balanced greedily so that each holds
positives of every theme. Thresholds are tuned inside each fold's training data (out-of-fold scores
of an inner grouped split), never on the fold being scored.

Hand-written rules (the lexicon) and seed passages cannot be re-fitted per fold; the report says when
each was last changed, and every comparison is run with and without the seeds.
"""

from __future__ import annotations

import hashlib
import re
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

import numpy as np

from tipnlp.errors import DataError

Progress = Callable[[str], None]

_PARA = re.compile(r"\n\s*\n|\n(?=\s*(?:\(?\w{1,4}[.)]|§|Section|Article)\s)")


def _para_hashes(text: str, min_chars: int = 160) -> set[str]:
    """Hashes of a document's longer paragraphs (whitespace-normalised), to find shared text."""
    out = set()
    for para in _PARA.split(text):
        norm = " ".join(para.split()).lower()
        if len(norm) >= min_chars:
            out.add(hashlib.sha1(norm.encode("utf-8")).hexdigest()[:16])
    return out


class _UnionFind:
    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, x: str) -> str:
        self.parent.setdefault(x, x)
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def document_groups(
    doc_ids: Sequence[str], rows: Mapping[str, Mapping[str, Any]], texts: Mapping[str, str] | None = None,
    min_shared: int = 3,
) -> dict[str, str]:
    """doc id -> group id: twins (``twin_of``) and documents sharing ``min_shared`` long paragraphs."""
    uf = _UnionFind()
    for d in doc_ids:
        uf.find(d)
        twin = (rows.get(d) or {}).get("twin_of")
        if twin:
            uf.union(d, twin)
    if texts:
        owners: dict[str, list[str]] = {}
        for d, text in texts.items():
            for h in _para_hashes(text):
                owners.setdefault(h, []).append(d)
        shared: dict[tuple[str, str], int] = {}
        for ds in owners.values():
            ds = sorted(set(ds))
            if 1 < len(ds) <= 5:  # boilerplate shared by many documents does not make them one text
                for i in range(len(ds)):
                    for j in range(i + 1, len(ds)):
                        shared[(ds[i], ds[j])] = shared.get((ds[i], ds[j]), 0) + 1
        for (a, b), n in shared.items():
            if n >= min_shared:
                uf.union(a, b)
    return {d: uf.find(d) for d in doc_ids}


def assign_folds(groups: Sequence[str], y: np.ndarray, k: int, seed: int = 0) -> np.ndarray:
    """Fold index per row: whole groups, balanced on every theme's positives and on size.

    Groups are placed rarest-theme first (iterative stratification, by group): each goes to the fold
    that is furthest below its share for the group's rarest theme, ties broken by size.
    """
    if k < 2:
        raise DataError(f"cross-validation needs at least 2 folds (got {k})")
    keys = sorted(set(groups))
    if len(keys) < k:
        raise DataError(f"only {len(keys)} document groups: too few for {k} folds")
    rng = np.random.default_rng(seed)
    index = {g: i for i, g in enumerate(keys)}
    codes = np.array([index[g] for g in groups])
    n_groups = len(keys)
    pos = np.zeros((n_groups, y.shape[1]))
    np.add.at(pos, codes, y)
    size = np.bincount(codes, minlength=n_groups).astype(float)
    totals = pos.sum(0) + 1e-9
    rarity = np.where(pos > 0, 1.0 / totals, 0.0).max(1)  # weight of the group's rarest theme
    order = sorted(range(n_groups), key=lambda g: (-rarity[g], -pos[g].sum(), rng.random()))
    fold_pos = np.zeros((k, y.shape[1]))
    fold_size = np.zeros(k)
    group_fold = np.zeros(n_groups, dtype=int)
    for g in order:
        if pos[g].any():
            t = int(np.argmax(np.where(pos[g] > 0, 1.0 / totals, 0.0)))
            need = fold_pos[:, t] / totals[t] + 1e-3 * fold_size / max(size.sum(), 1)
        else:
            need = fold_size.copy()
        best = np.flatnonzero(need == need.min())
        f = int(best[np.argmin(fold_size[best])])
        group_fold[g] = f
        fold_pos[f] += pos[g]
        fold_size[f] += size[g]
    return group_fold[codes]


@dataclass
class CVResult:
    """Out-of-fold scores and labels for every record, and what each fold did."""

    themes: list[str]
    scores: np.ndarray
    labels: list[list[str]]
    folds: np.ndarray
    fold_info: list[dict[str, Any]] = field(default_factory=list)

    def predictions(self, ids: Sequence[str]) -> list[dict[str, Any]]:
        return [
            {"id": pid, "labels": self.labels[i], "scores": {t: float(self.scores[i, j]) for j, t in enumerate(self.themes)}}
            for i, pid in enumerate(ids)
        ]


def model_inputs(model: Any, records: Sequence[Mapping[str, Any]]) -> list[Any]:
    """Plain strings for text-only families; the record (text, heading, doc type) for context-aware ones."""
    if getattr(model, "accepts_records", False):
        return [{"text": r["text"], "heading": (r.get("meta") or {}).get("heading", ""),
                 "doc_type": (r.get("meta") or {}).get("doc_type") or "", "doc_id": r.get("doc_id") or ""}
                for r in records]
    return [r["text"] for r in records]


def build_model(config: Mapping[str, Any], themes: Sequence[str]) -> Any:
    from tipnlp.classifiers import family_class

    params = dict(config.get("params", {}))
    model = family_class(config["family"])(themes=list(themes), **params)
    if "random_state" in model.get_config() and "random_state" not in params:
        model.random_state = int(config.get("seed", 0))
    return model


def with_doc_types(records: Sequence[Mapping[str, Any]], types: Mapping[str, str] | None) -> list[Mapping[str, Any]]:
    """The records with their document's type replaced by ``types[doc_id]`` (unchanged without ``types``)."""
    if not types:
        return list(records)
    return [{**r, "meta": {**(r.get("meta") or {}), "doc_type": types.get(r.get("doc_id", ""), "")}}
            if r.get("doc_id") in types else r for r in records]


def uses_guessed_doc_types(config: Mapping[str, Any]) -> bool:
    """``data: {doc_types: guessed}``: train on the cross-fitted guessed types, not the manifest's."""
    return ((config.get("data") or {}).get("doc_types") or "manifest") == "guessed"


def bound_extra(train: Sequence[Mapping[str, Any]], extra: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """The extra rows a model trained on ``train`` may see: seed passages always, rows bound to a
    corpus document (``doc_bound``, e.g. AIMS.au sentences) only when that document is in ``train``."""
    docs = {r.get("doc_id") for r in train}
    return [r for r in extra if not r.get("doc_bound") or r.get("doc_id") in docs]


def _fit(config, themes, train: Sequence[Mapping[str, Any]], extra: Sequence[Mapping[str, Any]]):
    model = build_model(config, themes)
    rows = list(train) + bound_extra(train, extra)
    model.fit(model_inputs(model, rows), [list(r["labels"]) for r in rows])
    return model


def threshold_grid(config: Mapping[str, Any]) -> np.ndarray:
    g = config.get("thresholds", {}) or {}
    return np.round(np.arange(g.get("min", 0.05), g.get("max", 0.95) + 1e-9, g.get("step", 0.01)), 4)


def config_thresholds(config: Mapping[str, Any], y: np.ndarray, proba: np.ndarray,
                      themes: Sequence[str]) -> dict[str, float]:
    """Thresholds tuned as the config's ``thresholds`` block says (grid, ``strategy``, ``prior_positives``)."""
    from tipnlp.tuning import tune_thresholds

    g = config.get("thresholds", {}) or {}
    return tune_thresholds(y, proba, themes, threshold_grid(config), g.get("strategy", "per_theme"),
                           float(g.get("prior_positives", 200.0)))


def inner_thresholds(
    config: Mapping[str, Any], themes: Sequence[str], train: Sequence[Mapping[str, Any]], groups: Sequence[str],
    extra: Sequence[Mapping[str, Any]], inner_k: int, seed: int,
) -> tuple[dict[str, float], np.ndarray]:
    """Thresholds from out-of-fold scores of an inner grouped split of the training data."""
    from tipnlp.evaluation.metrics import label_matrix

    y, _ = label_matrix([r["labels"] for r in train], themes)
    inner = assign_folds(groups, y, inner_k, seed)
    oof = np.zeros((len(train), len(themes)))
    for f in range(inner_k):
        tr = [r for r, fi in zip(train, inner) if fi != f]
        te_idx = np.flatnonzero(inner == f)
        model = _fit(config, themes, tr, extra)
        oof[te_idx] = model.predict_proba(model_inputs(model, [train[i] for i in te_idx]))
    return config_thresholds(config, y, oof, themes), oof


def cross_validate(
    config: Mapping[str, Any], records: Sequence[Mapping[str, Any]], groups: Sequence[str], k: int = 5, *,
    themes: Sequence[str], extra: Sequence[Mapping[str, Any]] = (), inner_k: int = 3, seed: int = 0,
    progress: Progress | None = None, probe: Callable[[Any, set[str], Mapping[str, float]], None] | None = None,
    doc_types: "Callable[[set[str]], Mapping[str, str]] | None" = None,
    train_doc_types: Mapping[str, str] | None = None,
    only_folds: Sequence[int] | None = None,
    train_fraction: float = 1.0,
) -> CVResult:
    """Retrain ``config``'s model on each fold's training documents, score the held-out documents.

    ``doc_types(test_doc_ids)`` gives the document type each held-out document is scored with (as a
    user's file would be: guessed by a classifier that never saw it); without it, the manifest's.
    ``only_folds`` (0-based) runs those folds alone, for a model too slow to run them all on the CPU;
    the other folds' passages keep NaN scores and no labels. ``train_fraction`` < 1 trains each fold on
    that share of its training document groups (drawn with ``seed``), for learning curves."""
    from tipnlp.evaluation.metrics import label_matrix
    from tipnlp.tuning import seed_everything

    say = progress or (lambda msg: None)
    y, _ = label_matrix([r["labels"] for r in records], themes)
    folds = assign_folds(groups, y, k, seed)
    run = range(k) if only_folds is None else sorted(set(only_folds))
    if any(not 0 <= f < k for f in run):
        raise ValueError(f"only_folds must name folds 0..{k - 1}, got {list(only_folds or [])}")
    scores = np.full((len(records), len(themes)), 0.0 if only_folds is None else np.nan)
    labels: list[list[str]] = [[] for _ in records]
    info = []
    for f in run:
        seed_everything(int(config.get("seed", 0)))
        tr_idx, te_idx = np.flatnonzero(folds != f), np.flatnonzero(folds == f)
        if train_fraction < 1:
            pool = sorted({groups[i] for i in tr_idx})
            keep = set(np.random.default_rng([seed, f]).permutation(pool)[: max(1, round(train_fraction * len(pool)))])
            tr_idx = np.array([i for i in tr_idx if groups[i] in keep], dtype=int)
        train = with_doc_types([records[i] for i in tr_idx], train_doc_types)
        fold_extra = with_doc_types(extra, train_doc_types)  # _fit keeps only the rows its documents allow
        say(f"fold {f + 1}/{k}: {len(tr_idx)} training passages, {len(te_idx)} held out")
        t0 = time.perf_counter()
        model = _fit(config, themes, train, fold_extra)
        own = getattr(model, "oof_proba_", None)
        if own is not None and inner_k >= 2 and np.isfinite(own[: len(train)]).all():
            # the model's own calibration folds were grouped by document: tune on those scores
            ytr, _ = label_matrix([r["labels"] for r in train], themes)
            thresholds = config_thresholds(config, ytr, own[: len(train)], themes)
            inner_kind = "model's grouped calibration folds"
        elif inner_k >= 2:
            thresholds, _ = inner_thresholds(config, themes, train, [groups[i] for i in tr_idx], fold_extra, inner_k,
                                             seed)
            inner_kind = f"inner {inner_k}-fold grouped split"
        else:
            thresholds = {t: 0.5 for t in themes}
            inner_kind = "fixed 0.5"
        fit_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        held_out = [records[i] for i in te_idx]
        if doc_types is not None:
            held_out = with_doc_types(held_out, doc_types({r["doc_id"] for r in held_out}))
        proba = model.predict_proba(model_inputs(model, held_out))
        pred_s = time.perf_counter() - t0
        scores[te_idx] = proba
        if probe is not None:  # e.g. classify single sentences of the held-out documents
            probe(model, {records[i]["doc_id"] for i in te_idx}, thresholds)
        for row, i in enumerate(te_idx):
            labels[i] = [t for j, t in enumerate(themes) if proba[row, j] >= thresholds[t]]
        info.append({
            "fold": f + 1, "train_passages": int(len(tr_idx)), "test_passages": int(len(te_idx)),
            "test_documents": len({records[i]["doc_id"] for i in te_idx}),
            "test_positives": {t: int(y[te_idx, j].sum()) for j, t in enumerate(themes)},
            "thresholds": {t: round(float(v), 3) for t, v in thresholds.items()}, "thresholds_from": inner_kind,
            "fit_seconds": round(fit_s, 1), "predict_seconds": round(pred_s, 2),
        })
    return CVResult(themes=list(themes), scores=scores, labels=labels, folds=folds, fold_info=info)


class DocTypeInference:
    """Per fold, the document types a classifier fitted on the other documents guesses for the
    held-out ones (the held-out documents, their twins and the sealed split are left out of its fit)."""

    def __init__(self, corpus_dir: str | Path | None = None, texts: Any = None):
        from tipnlp.doc_types import corpus_documents
        from tipnlp.gold import CorpusTexts, sealed_documents

        corpus = texts or CorpusTexts(corpus_dir)
        self.rows = corpus.rows
        self.ids, self.texts, self.types = corpus_documents(corpus, exclude=sealed_documents())
        self.guesses: list[dict[str, str]] = []

    def __call__(self, test_docs: set[str]) -> dict[str, str]:
        from tipnlp.doc_types import DocTypeClassifier

        held = set(test_docs)
        held |= {str(self.rows[d].get("twin_of")) for d in test_docs if self.rows.get(d, {}).get("twin_of")}
        held |= {d for d in self.ids if self.rows[d].get("twin_of") in held}
        keep = [i for i, d in enumerate(self.ids) if d not in held]
        clf = DocTypeClassifier().fit([self.texts[i] for i in keep], [self.types[i] for i in keep])
        index = {d: i for i, d in enumerate(self.ids)}
        order = sorted(d for d in test_docs if d in index)
        guesses = {d: t for d, (t, _) in zip(order, clf.predict([self.texts[index[d]] for d in order]))}
        self.guesses.append({d: guesses[d] for d in order})
        return guesses

    def cross_fitted(self, k: int = 5) -> dict[str, str]:
        """Every corpus document's type as guessed by a guesser fitted on the other folds (twins kept
        together): the noisy types a model is trained with when it should meet types as users' files get them."""
        from tipnlp.doc_types import DocTypeClassifier

        group = {d: str(self.rows[d].get("twin_of") or d) for d in self.ids}
        keys = sorted(set(group.values()))
        fold_of = {g: i % k for i, g in enumerate(sorted(keys, key=lambda g: hashlib.sha1(g.encode()).hexdigest()))}
        out: dict[str, str] = {}
        for f in range(k):
            fit = [i for i, d in enumerate(self.ids) if fold_of[group[d]] != f]
            held = [i for i, d in enumerate(self.ids) if fold_of[group[d]] == f]
            if not held:
                continue
            clf = DocTypeClassifier().fit([self.texts[i] for i in fit], [self.types[i] for i in fit])
            for i, (t, _) in zip(held, clf.predict([self.texts[i] for i in held])):
                out[self.ids[i]] = t
        return out

    def accuracy(self) -> float | None:
        truth = dict(zip(self.ids, self.types))
        pairs = [(t, truth[d]) for g in self.guesses for d, t in g.items()]
        return sum(a == b for a, b in pairs) / len(pairs) if pairs else None


def last_changed(paths: Sequence[str | Path]) -> dict[str, str]:
    """When each hand-written resource was last committed (git), for the report's caveat."""
    from tipnlp.corpus import REPO_ROOT

    out = {}
    for p in paths:
        try:
            res = subprocess.run(["git", "log", "-1", "--format=%cs %h", "--", str(p)], cwd=REPO_ROOT,
                                 capture_output=True, text=True, timeout=10)
            out[str(p)] = res.stdout.strip() or "not committed"
        except (OSError, subprocess.SubprocessError):
            out[str(p)] = "unknown"
    return out


def training_extra(config: Mapping[str, Any], *, seeds: bool = True,
                   corpus_dir: str | Path | None = None) -> list[dict[str, Any]]:
    """Training-only rows a config asks for: the project's seed passages (``data.extra``) and, with
    ``data.aims_sentences``, AIMS.au sentence labels bound to their statements (``true``: C4 sentences as
    supply_chains and entity/sign-off sentences as no theme; ``c4``: the C4 sentences only)."""
    data = config.get("data") or {}
    rows = _seed_records(list(data.get("extra", []) or [])) if seeds else []
    if data.get("aims_sentences"):
        from tipnlp.gold import aims_sentence_records

        rows += aims_sentence_records(corpus_dir, positives_only=str(data["aims_sentences"]).lower() == "c4")
    return rows


def _seed_records(paths: Sequence[str]) -> list[dict[str, Any]]:
    from tipnlp.corpus import REPO_ROOT
    from tipnlp.evaluation.io import read_gold
    from tipnlp.records import WRITTEN_PREFIX

    out = []
    for p in paths:
        path = Path(p) if Path(p).is_absolute() else REPO_ROOT / p
        for rec in read_gold(path):  # a passage written as a kind of document says so in its meta
            meta = {"heading": str(rec.meta.get("heading", "")), "doc_type": str(rec.meta.get("doc_type", ""))}
            out.append({"id": rec.id, "doc_id": WRITTEN_PREFIX + rec.id, "text": rec.text, "labels": list(rec.labels),
                        "meta": meta})
    return out


def record_groups(records: Sequence[Mapping[str, Any]], texts: Any) -> list[str]:
    """Each record's document group (:func:`document_groups` over the records' documents, read from
    ``texts``, a :class:`tipnlp.gold.CorpusTexts`)."""
    doc_ids = sorted({r["doc_id"] for r in records})
    groups = document_groups(doc_ids, texts.rows, {d: texts.document(d).text for d in doc_ids})
    return [groups[r["doc_id"]] for r in records]


def gold_pool(corpus_dir: str | Path | None = None, texts: Any = None) -> tuple[list[dict[str, Any]], list[str]]:
    """Every non-sealed gold passage with its text and context, and its document group."""
    from tipnlp.gold import CorpusTexts, export_records

    texts = texts or CorpusTexts(corpus_dir)
    records = list(export_records("all", texts=texts))
    return records, record_groups(records, texts)


def gold_digest(records: Sequence[Mapping[str, Any]]) -> str:
    """A short fingerprint of the gold a figure was measured on (passage ids and their labels), so a
    report says when two rows were scored against different gold."""
    import hashlib
    import json

    rows = sorted((str(r["id"]), sorted(r.get("labels") or [])) for r in records)
    return hashlib.sha1(json.dumps(rows).encode("utf-8")).hexdigest()[:8]


def run_cv(
    config_path: str | Path, k: int = 5, *, with_extra: bool = True, inner_k: int = 3, seed: int = 0,
    n_resamples: int = 1000, corpus_dir: str | Path | None = None, progress: Progress | None = None,
    pool: tuple[list[dict[str, Any]], list[str]] | None = None, aims: bool = True, infer_doc_types: bool = True,
):
    """Cross-validate one training config over the gold pool; an EvaluationResult with a protocol."""
    from tipnlp.evaluation.harness import evaluate
    from tipnlp.taxonomy import core_theme_ids
    from tipnlp.tuning import load_config

    config = load_config(config_path)
    themes = core_theme_ids()
    from tipnlp.gold import CorpusTexts

    texts = CorpusTexts(corpus_dir)
    records, groups = pool if pool is not None else gold_pool(texts=texts)
    extra_paths = list((config.get("data") or {}).get("extra", []) or [])
    extra = training_extra(config, seeds=with_extra, corpus_dir=corpus_dir)
    seeds = [r for r in extra if not r.get("doc_bound")]
    t0 = time.perf_counter()
    probe = AimsProbe(corpus_dir) if aims else None
    guesser = DocTypeInference(texts=texts) if infer_doc_types or uses_guessed_doc_types(config) else None
    doc_types = guesser if infer_doc_types else None
    train_types = guesser.cross_fitted() if uses_guessed_doc_types(config) else None
    cv = cross_validate(config, records, groups, k, themes=themes, extra=extra, inner_k=inner_k, seed=seed,
                        progress=progress, probe=probe, doc_types=doc_types, train_doc_types=train_types)
    seconds = time.perf_counter() - t0
    name = f"{config['name']}{'' if with_extra or not extra_paths else ' (no seeds)'}"
    preds = cv.predictions([r["id"] for r in records])
    result = evaluate(records, preds, themes, model_name=name, n_resamples=n_resamples, seed=seed)
    # Documents added after the rules and seeds were written: the part of the pool no hand-written
    # resource was shaped on (their first split is "cv").
    fresh = [i for i, r in enumerate(records) if (r.get("meta") or {}).get("split") == "cv"]
    subset = None
    if fresh:
        sub = evaluate([records[i] for i in fresh], [preds[i] for i in fresh], themes, model_name=name,
                       n_resamples=n_resamples, seed=seed)
        subset = {"passages": len(fresh), "documents": len({records[i]["doc_id"] for i in fresh}),
                  "macro_f1": sub.metrics["macro_f1"], "macro_f1_ci": (sub.metrics.get("ci") or {}).get("macro_f1"),
                  "micro_f1": sub.metrics["micro_f1"],
                  "per_theme_f1": {t: sub.metrics["per_theme"][t]["f1"] for t in themes},
                  "document_macro_f1": sub.metrics["document_level"]["macro_f1"]}
    hand = ["src/tipnlp/data/lexicon.yaml"] if _uses_lexicon(config) else []
    changed = last_changed(hand + extra_paths) if (hand or extra_paths) else {}
    lines = [
        f"{k}-fold cross-validation grouped by document over {len(records)} non-sealed gold passages of "
        f"{len({r['doc_id'] for r in records})} documents ({len(set(groups))} groups: PDF twins and documents "
        "sharing text are one group); folds balanced on every theme's positives.",
        f"Each fold retrains `{config['family']}` from `{Path(config_path).name}`; thresholds are tuned on "
        f"out-of-fold scores of the fold's training data only ({cv.fold_info[0]['thresholds_from']}).",
        (f"Seed passages written by the project ({len(seeds)}) are added to every fold's training data, never scored."
         if seeds else "No seed passages in training." + (" (run without them: `--no-seeds`)" if extra_paths else "")),
    ]
    if len(seeds) < len(extra):
        lines.append(f"AIMS.au sentence labels ({len(extra) - len(seeds)} sentences: C4 as supply_chains, entity and "
                     "sign-off sentences as no theme) are added to a fold's training data only when their statement "
                     "is one of the fold's training documents; never scored.")
    if hand:
        lines.append("Hand-written rules are not re-fitted per fold: they were written by people who had read "
                     "the first 113 gold documents, so those documents are not unseen for the rules.")
    for path, when in changed.items():
        lines.append(f"`{path}` last changed: {when}.")
    if subset:
        ci = subset["macro_f1_ci"]
        lines.append(
            f"On the {subset['passages']} passages of the {subset['documents']} documents added in 2026-12 (no rule or "
            f"seed passage was written from them): macro F1 {subset['macro_f1']:.3f}"
            + (f" [{ci[0]:.3f}, {ci[1]:.3f}]" if ci else "") + "; per theme "
            + ", ".join(f"{t} {v:.3f}" for t, v in subset["per_theme_f1"].items() if v is not None)
            + f"; document-level macro F1 {subset['document_macro_f1']:.3f}.")
    if doc_types is not None and doc_types.accuracy() is not None:
        lines.append(f"Held-out documents are scored with the document type a classifier fitted on the other "
                     f"documents guesses from their opening text, as a user's file is (right for "
                     f"{doc_types.accuracy():.1%} of them); training uses "
                     + ("types guessed the same way (cross-fitted)." if train_types else "the manifest's types."))
    aims_summary = probe.summary() if probe is not None and probe.statements else None
    if aims_summary:
        lines.append(
            f"AIMS.au sentences classified alone by the fold model that never saw their statement "
            f"({aims_summary['statements']} statements): {aims_summary['c4_share']:.1%} of "
            f"{aims_summary['c4_sentences']} C4 sentences tagged supply_chains, {aims_summary['unlabelled_share']:.1%} "
            f"of {aims_summary['unlabelled_sentences']} unlabelled sentences.")
    lines.append(f"Wall time {seconds:.0f} s.")
    result.metrics["protocol"] = {
        "kind": "grouped_cv", "k": k, "inner_k": inner_k, "seed": seed, "config": str(config_path),
        "with_seed_passages": bool(seeds), "gold": {"passages": len(records), "digest": gold_digest(records)},
        "aims_training_sentences": len(extra) - len(seeds), "hand_written_last_changed": changed, "folds": cv.fold_info,
        "seconds": round(seconds, 1), "lines": lines, "new_documents": subset,
        "aims_sentences": aims_summary,
        "doc_types": ("inferred per fold" if infer_doc_types else "manifest"),
        "train_doc_types": "guessed (cross-fitted)" if train_types else "manifest",
        "doc_type_accuracy": doc_types.accuracy() if doc_types is not None else None,
    }
    return result, cv


class AimsProbe:
    """Sentences of AIMS.au-labelled statements, each classified alone by the fold model that did
    not see its statement: the share of C4 sentences tagged ``supply_chains`` and of sentences the
    AIMS annotators left unlabelled that are tagged."""

    def __init__(self, corpus_dir: str | Path | None = None):
        from tipnlp.gold import read_aims

        self.rows: dict[str, list[dict]] = read_aims(corpus_dir)
        self.c4 = [0, 0]
        self.unlabelled = [0, 0]
        self.statements: set[str] = set()

    def __call__(self, model: Any, held_out: set[str], thresholds: Mapping[str, float]) -> None:
        from tipnlp.gold import AIMS_C4

        docs = [d for d in held_out if d in self.rows]
        if not docs:
            return
        j = list(model.themes).index("supply_chains")
        for d in docs:
            rows = self.rows[d]
            recs = [{"text": r["sentence"], "meta": {"heading": "", "doc_type": "corporate_statement"}, "doc_id": d}
                    for r in rows]
            proba = model.predict_proba(model_inputs(model, recs))[:, j]
            for r, p in zip(rows, proba):
                tagged = int(p >= thresholds.get("supply_chains", 0.5))
                if any(r["labels"].get(k) for k in AIMS_C4):
                    self.c4[0] += tagged
                    self.c4[1] += 1
                elif not any(r["labels"].values()):
                    self.unlabelled[0] += tagged
                    self.unlabelled[1] += 1
            self.statements.add(d)

    def summary(self) -> dict[str, Any]:
        return {"statements": len(self.statements), "c4_sentences": self.c4[1],
                "c4_tagged_supply_chains": self.c4[0], "c4_share": self.c4[0] / max(self.c4[1], 1),
                "unlabelled_sentences": self.unlabelled[1], "unlabelled_tagged": self.unlabelled[0],
                "unlabelled_share": self.unlabelled[0] / max(self.unlabelled[1], 1)}


def _uses_lexicon(config: Mapping[str, Any]) -> bool:
    params = config.get("params", {}) or {}
    return config.get("family") == "lexicon" or params.get("lexicon_features", "none") not in ("none", None, False)
