"""`tipnlp corpus build|stats` and `tipnlp gold export|check`: the shared corpus and the gold data."""

from __future__ import annotations

import json
import sys
from collections import Counter, defaultdict
from pathlib import Path
from typing import Optional

import typer

from tipnlp.cli.app import app, handles_errors

corpus_app = typer.Typer(help="Build and describe the shared corpus.", no_args_is_help=True)
gold_app = typer.Typer(help="Export and check the gold annotations.", no_args_is_help=True)
app.add_typer(corpus_app, name="corpus")
app.add_typer(gold_app, name="gold")

CORPUS_DIR_OPTION = typer.Option(
    None, "--corpus-dir", help="Folder holding manifest.jsonl (default: $TIPNLP_CORPUS_DIR, then ../shared/corpora)."
)


def _splits_and_gold_labels() -> tuple[dict[str, str], dict[str, list[str]]]:
    """The document splits and resolved gold labels per passage id; empty when the gold data is missing."""
    from tipnlp.errors import TipnlpError
    from tipnlp.gold import load_adjudicated, load_round, load_splits, resolve

    splits: dict[str, str] = {}
    try:
        splits = load_splits()
    except TipnlpError:
        pass
    gold_labels: dict[str, list[str]] = {}
    try:
        gold_labels = {r.id: list(r.labels) for r in resolve(load_round(1), load_adjudicated())}
    except TipnlpError:
        pass
    return splits, gold_labels


@corpus_app.command("build")
@handles_errors
def corpus_build(
    corpus_dir: Optional[Path] = CORPUS_DIR_OPTION,
    out: Optional[Path] = typer.Option(None, "--out", help="Dataset folder (default: .cache/corpus)."),
) -> None:
    """Ingest and segment every manifest document (sha256 checked) into a local HF dataset."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from tipnlp.corpus import build_corpus, iter_manifest

    splits, gold_labels = _splits_and_gold_labels()
    total = sum(1 for _ in iter_manifest(corpus_dir)) + 1
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  transient=True, console=None) as bar:
        task = bar.add_task("building corpus", total=total)

        def step(doc_id: str) -> None:
            bar.update(task, advance=1, description=f"reading {doc_id[:40]}")

        path, status = build_corpus(corpus_dir, out, progress=step, splits=splits, gold_labels=gold_labels)
    failed = [s for s in status if s["error"]]
    n_passages = sum(s["passages"] for s in status)
    print(f"built {path}: {len(status) - len(failed)} documents, {n_passages} passages")
    for s in failed:
        print(f"  not ingested: {s['doc_id']}: {s['error']}")


@corpus_app.command("stats")
@handles_errors
def corpus_stats(
    dataset: Optional[Path] = typer.Option(None, "--dataset", help="Built dataset folder (default: .cache/corpus)."),
    json_out: bool = typer.Option(False, "--json", help="Machine-readable output."),
) -> None:
    """Documents and passages by type, jurisdiction and split; gold counts by theme."""
    from tipnlp.corpus import load_corpus_dataset

    ds = load_corpus_dataset(dataset)
    cols = ds.select_columns(["doc_id", "doc_type", "jurisdiction", "split", "gold_labels", "has_gold"]).to_dict()
    docs: dict[str, tuple[str, str, str]] = {}
    by = {"doc_type": Counter(), "jurisdiction": Counter(), "split": Counter()}
    for i, doc_id in enumerate(cols["doc_id"]):
        docs[doc_id] = (cols["doc_type"][i], cols["jurisdiction"][i], cols["split"][i])
        by["doc_type"][cols["doc_type"][i]] += 1
        by["jurisdiction"][cols["jurisdiction"][i]] += 1
        by["split"][cols["split"][i]] += 1
    gold = defaultdict(Counter)
    for i, has in enumerate(cols["has_gold"]):
        if has:
            split = cols["split"][i]
            gold[split]["passages"] += 1
            for lab in cols["gold_labels"][i] or ["(none)"]:
                gold[split][lab] += 1
    doc_counts = {key: Counter(v[j] for v in docs.values()) for j, key in enumerate(("doc_type", "jurisdiction", "split"))}
    stats = {
        "documents": len(docs),
        "passages": len(cols["doc_id"]),
        "by": {k: {"documents": dict(doc_counts[k]), "passages": dict(by[k])} for k in by},
        "gold": {split: dict(c) for split, c in sorted(gold.items())},
    }
    if json_out:
        print(json.dumps(stats, indent=2, ensure_ascii=False))
        return
    from rich.table import Table

    from tipnlp._console import console as make_console

    console = make_console()
    console.print(f"[bold]{stats['documents']}[/bold] documents, [bold]{stats['passages']}[/bold] passages")
    for key in ("doc_type", "split", "jurisdiction"):
        table = Table(title=f"by {key}", title_justify="left")
        table.add_column(key)
        table.add_column("documents", justify="right")
        table.add_column("passages", justify="right")
        for name, n in sorted(doc_counts[key].items(), key=lambda kv: -kv[1]):
            table.add_row(str(name), str(n), str(by[key][name]))
        console.print(table)
    if gold:
        themes = sorted({k for c in gold.values() for k in c} - {"passages"})
        table = Table(title="gold passages by split and theme", title_justify="left")
        table.add_column("split")
        table.add_column("passages", justify="right")
        for t in themes:
            table.add_column(t, justify="right")
        for split, c in sorted(gold.items()):
            table.add_row(split, str(c["passages"]), *[str(c.get(t, 0)) for t in themes])
        console.print(table)


@gold_app.command("export")
@handles_errors
def gold_export(
    split: Optional[str] = typer.Option(None, "--split", help="train, dev or test (default: all)."),
    out: Path = typer.Option(..., "--out", "-o", help="JSONL file to write."),
    corpus_dir: Optional[Path] = CORPUS_DIR_OPTION,
) -> None:
    """Write resolved gold passages with their text: {id, doc_id, text, labels, meta} per line."""
    import os

    from tipnlp.gold import export_records

    tmp = out.with_name(f".{out.name}.tmp")
    n = 0
    with open(tmp, "w", encoding="utf-8") as fh:
        for rec in export_records(split, corpus_dir):
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
            n += 1
    os.replace(tmp, out)
    print(f"wrote {n} gold passages to {out}", file=sys.stderr)


@gold_app.command("check")
@handles_errors
def gold_check(corpus_dir: Optional[Path] = CORPUS_DIR_OPTION) -> None:
    """Verify every gold record (all rounds) against the corpus text and the split file."""
    from tipnlp.gold import CorpusTexts, label_counts, load_adjudicated, load_round, load_splits, resolve, verify

    texts = CorpusTexts(corpus_dir)
    r1, r2, adj = load_round(1), load_round(2), load_adjudicated()
    for recs in (r1, r2, adj):
        verify(recs, texts)
    splits = load_splits()
    resolved = resolve(r1, adj)
    missing = sorted({r.doc_id for r in resolved} - set(splits))
    if missing:
        from tipnlp.errors import DataError

        raise DataError(f"documents with gold but no split: {', '.join(missing)}")
    print(f"ok: {len(r1)} round-1, {len(r2)} round-2, {len(adj)} adjudicated records match the corpus")
    print("resolved label counts:", dict(label_counts(resolved)))
