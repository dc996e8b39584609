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
    "(demand, non-punishment, training, supply chains, organ) | document macro F1 | OP top-1 (pairs) |\n"
    "|---|---|---|---|---|---|---|---|---|\n"
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


def ledger_line(metrics: dict[str, Any], commit: str, when: str | None = None,
                op: dict[str, Any] | None = None) -> str:
    ci = (metrics.get("ci") or {}).get("macro_f1")
    per = ", ".join(_f(metrics["per_theme"][t]["f1"]) for t in metrics["themes"])
    when = when or _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M")
    macro = _f(metrics["macro_f1"]) + (f" [{ci[0]:.3f}, {ci[1]:.3f}]" if ci else "")
    return (f"| {when} | {commit} | {metrics['model']} | {metrics['n_passages']} / {metrics['n_documents']} | "
            f"{macro} | {_f(metrics['micro_f1'])} | {per} | {_f(metrics['document_level']['macro_f1'])} | "
            + (f"{_f(op.get('top1'))} ({op.get('pairs')})" if op else "–") + " |")


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
    from tipnlp.gold import CorpusTexts, export_records

    model = load_model(model_spec)
    texts = CorpusTexts()
    rows = _as_users_see_them(list(export_records("sealed", texts=texts)), model, texts)
    records = [GoldRecord.from_dict(r, where="sealed gold") for r in rows]
    name = model_spec or model_name_of(model)
    result = evaluate_model(records, model, model_name=name, batch_size=batch_size, n_resamples=n_resamples,
                            seed=seed, return_result=True)
    op = _sealed_ops(model_spec, records)
    line = ledger_line(result.metrics, _commit(), op=op)
    append_ledger(line, ledger)
    return line


def _as_users_see_them(rows: list[dict[str, Any]], model, texts) -> list[dict[str, Any]]:
    """Sealed passages with the document type the model's own guesser gives their document (a user's
    file has no manifest row); unchanged when the model has no guesser."""
    from tipnlp.doc_types import DocTypeClassifier
    from tipnlp.evaluation.cv import with_doc_types

    guesser = DocTypeClassifier.load(getattr(model, "path_", None))
    if guesser is None:
        return rows
    docs = sorted({r["doc_id"] for r in rows})
    return with_doc_types(rows, {d: t for d, (t, _) in zip(docs, guesser.predict([texts.document(d).text for d in docs]))})


def _sealed_ops(model_spec: str | None, records) -> dict[str, Any] | None:
    """Top-1 of the model's OP ranker on the sealed (passage, gold theme) pairs with an OP annotation."""
    import json

    from tipnlp.classifiers import resolve_model_path
    from tipnlp.corpus import REPO_ROOT
    from tipnlp.op_ranking import OpRanker
    from tipnlp.records import passage_id

    path = REPO_ROOT / "corpora" / "sealed" / "ops.jsonl"
    if not path.is_file():
        return None
    gold = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            o = json.loads(line)
            gold[(passage_id(o["doc_id"], o["start"], o["end"]), o["theme"])] = int(o["primary"])
    ranker = OpRanker.load(resolve_model_path(model_spec))
    by_id = {r.id: r for r in records}
    pairs = [(by_id[pid], theme, op) for (pid, theme), op in gold.items() if pid in by_id]
    if not pairs:
        return None
    ranked = ranker.rank([{"text": r.text, "heading": (r.meta or {}).get("heading", ""),
                           "doc_type": (r.meta or {}).get("doc_type", "")} for r, _, _ in pairs],
                         [[t] for _, t, _ in pairs])
    hits = [rk[t][0][0] == op for rk, (_, t, op) in zip(ranked, pairs)]
    return {"pairs": len(pairs), "top1": sum(hits) / len(hits)}
