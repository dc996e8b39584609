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
def gold_check(
    corpus_dir: Optional[Path] = CORPUS_DIR_OPTION,
    min_passages: int = typer.Option(0, "--min-passages", metavar="N", help="Fail below N resolved gold passages."),
    min_documents: int = typer.Option(0, "--min-documents", metavar="N", help="Fail below N documents with gold."),
    min_double: int = typer.Option(0, "--min-double", metavar="N", help="Fail below N double-annotated passages."),
    min_kappa: float = typer.Option(0.0, "--min-kappa", metavar="K", help="Fail when a theme's kappa is below K."),
    as_json: bool = typer.Option(False, "--json", help="Print the figures as JSON."),
) -> None:
    """Verify every gold record (all rounds, OPs, sealed) against the corpus text and the split files;
    print counts and inter-annotator agreement."""
    import json as _json

    from tipnlp.errors import DataError
    from tipnlp.gold import (
        GOLD_DIR, OPS_FILE, CorpusTexts, agreement, label_counts, load_adjudicated, load_first, load_gold, load_recheck,
        load_second, load_splits, read_ops_file, sealed_documents,
    )
    from tipnlp.taxonomy import core_theme_ids

    texts = CorpusTexts(corpus_dir)
    first, second, adj = load_first(), load_second(), load_adjudicated()
    recheck_a, recheck_b = load_recheck()
    for recs in (first, second, adj, recheck_a, recheck_b):
        verify_records(recs, texts)
    ops_path = GOLD_DIR / OPS_FILE
    ops = read_ops_file(ops_path) if ops_path.is_file() else []
    _verify_ops(ops, texts)
    splits = load_splits()
    resolved = load_gold(check=False)
    missing = sorted({r.doc_id for r in resolved} - set(splits))
    if missing:
        raise DataError(f"documents with gold but no split: {', '.join(missing[:10])}")
    leaked = sorted({r.doc_id for r in first} & sealed_documents())
    if leaked:
        raise DataError(f"sealed documents in the training gold: {', '.join(leaked)}")
    try:
        sealed = load_gold("sealed", corpus_dir)
    except DataError:
        sealed = []
    themes = core_theme_ids()
    agree = agreement(first, second, themes)
    recheck = agreement(recheck_a, recheck_b, themes) if recheck_a else None
    docs = len({r.doc_id for r in resolved})
    figures = {
        "passages": len(resolved), "documents": docs, "first_annotations": len(first),
        "second_annotations": len(second), "double_annotated": agree["pairs"], "adjudicated": len(adj),
        "op_records": len(ops), "sealed_passages": len(sealed), "sealed_documents": len({r.doc_id for r in sealed}),
        "label_counts": dict(label_counts(resolved)), "agreement": agree, "recheck_agreement": recheck,
    }
    if as_json:
        print(_json.dumps(figures, indent=1))
    else:
        print(f"ok: {len(resolved)} gold passages from {docs} documents ({len(first)} first and {len(second)} "
              f"blind second annotations, {len(adj)} adjudicated or reviewed, {len(ops)} OP records) match the corpus")
        print("resolved label counts:", dict(label_counts(resolved)))
        print(f"agreement on {agree['pairs']} double-annotated passages: " + ", ".join(
            f"{t} kappa {v['kappa']:.3f}" for t, v in agree["per_theme"].items() if v["kappa"] is not None))
        if recheck:
            print(f"round-1 recheck, two blind readings of {recheck['pairs']} passages: " + ", ".join(
                f"{t} kappa {v['kappa']:.3f}" for t, v in recheck["per_theme"].items() if v["kappa"] is not None))
        print(f"sealed split: {len(sealed)} passages of {figures['sealed_documents']} documents (verified, not shown)")
    problems = []
    if len(resolved) < min_passages:
        problems.append(f"{len(resolved)} gold passages < {min_passages}")
    if docs < min_documents:
        problems.append(f"{docs} documents < {min_documents}")
    if agree["pairs"] < min_double:
        problems.append(f"{agree['pairs']} double-annotated passages < {min_double}")
    low = [t for t, v in agree["per_theme"].items() if v["kappa"] is not None and v["kappa"] < min_kappa]
    if low:
        problems.append(f"kappa below {min_kappa} for {', '.join(low)}")
    if problems:
        raise DataError("gold check failed: " + "; ".join(problems))


def verify_records(records, texts) -> None:
    from tipnlp.gold import verify

    verify(records, texts)


def _verify_ops(ops, texts) -> None:
    """Every OP record's span hash, and its primary among the theme's OPs in the taxonomy."""
    from tipnlp.errors import DataError
    from tipnlp.gold import text_sha1
    from tipnlp.taxonomy import load_taxonomy

    tax = load_taxonomy()
    allowed = {t.id: set(t.ops) | set(getattr(t, "related_ops", ()) or ()) for t in tax.themes}
    for rec in ops:
        span = texts.document(rec["doc_id"]).text[rec["start"]:rec["end"]]
        if text_sha1(span) != rec["sha1"]:
            raise DataError(f"OP record {rec['doc_id']}:{rec['start']}-{rec['end']} no longer matches the corpus text")
        if rec["primary"] not in allowed.get(rec["theme"], set()):
            raise DataError(f"OP record {rec['doc_id']}:{rec['start']}-{rec['end']}: OP {rec['primary']} is not an OP "
                            f"of {rec['theme']}")
