"""Core commands: classify one document, show its passages, list themes, operative paragraphs, models."""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path
from typing import List, Optional

import typer

from tipnlp.cli.app import app, handles_errors
from tipnlp.limits import DEFAULT_MAX_BYTES, DEFAULT_MAX_PAGES


class OutputFormat(str, Enum):
    table = "table"
    json = "json"
    jsonl = "jsonl"
    csv = "csv"
    markdown = "markdown"
    html = "html"


def _open_out(out: Optional[Path]):
    """Write to ``out`` atomically (temp file, then rename) or to stdout."""
    if out is None:
        return _Stdout()
    return _AtomicFile(out)


class _Stdout:
    def __enter__(self):
        return sys.stdout

    def __exit__(self, *exc):
        sys.stdout.flush()
        return False


class _AtomicFile:
    def __init__(self, path: Path):
        self.path = path
        self.tmp = path.with_name(f".{path.name}.tmp")

    def __enter__(self):
        from tipnlp.errors import InputUnreadable

        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.fh = open(self.tmp, "w", encoding="utf-8", newline="")
        except OSError as err:
            raise InputUnreadable(f"cannot write {self.path}: {err.strerror}", hint="Choose a writable --out path.") from None
        return self.fh

    def __exit__(self, exc_type, *exc):
        import os

        self.fh.close()
        if exc_type is None:
            os.replace(self.tmp, self.path)
        else:
            self.tmp.unlink(missing_ok=True)
        return False


@app.command()
@handles_errors
def classify(
    file: Path = typer.Argument(..., help="PDF, HTML, DOCX, text or Markdown file to tag."),
    format: OutputFormat = typer.Option(OutputFormat.table, "--format", "-f", help="Output format."),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="Write here instead of stdout."),
    model: Optional[str] = typer.Option(None, "--model", "-m", help="Model name or directory (default: the shipped default)."),
    min_score: Optional[float] = typer.Option(None, "--min-score", min=0.0, max=1.0, help="Drop themes scored below this."),
    theme: Optional[List[str]] = typer.Option(None, "--theme", "-t", help="Keep only this theme (repeatable)."),
    all_passages: bool = typer.Option(False, "--all-passages", help="Also output passages with no theme (json, jsonl, csv)."),
    password: Optional[str] = typer.Option(None, "--password", help="Password of an encrypted PDF."),
    max_pages: int = typer.Option(DEFAULT_MAX_PAGES, "--max-pages", help="Refuse documents with more pages."),
    max_bytes: int = typer.Option(DEFAULT_MAX_BYTES, "--max-bytes", help="Refuse files larger than this."),
) -> None:
    """Tag one document with the themes of resolution 71/167 and their operative paragraphs."""
    import dataclasses

    from tipnlp.errors import DataError
    from tipnlp.formats import filter_predictions, write
    from tipnlp.report import build_document_report
    from tipnlp.tagger import Tagger

    tagger = Tagger.load(model)
    if theme:
        unknown = sorted(set(theme) - set(tagger.themes))
        if unknown:
            raise DataError(
                f"unknown theme id(s): {', '.join(unknown)}",
                hint=f"Known themes: {', '.join(tagger.themes)} (see `tipnlp themes`).",
            )
    result = tagger.tag_file(file, password=password, max_pages=max_pages, max_bytes=max_bytes)
    if min_score is not None or theme:
        passages = filter_predictions(result.passages, min_score, theme)
        report = build_document_report(result.document, passages, result.report.model)
        result = dataclasses.replace(result, passages=passages, report=report)
    with _open_out(out) as fh:
        write(result, format.value, fh, all_passages=all_passages)
    if out is not None:
        print(f"wrote {out} ({len(result.tagged)} tagged passages of {len(result.passages)})", file=sys.stderr)


@app.command("segment")
@handles_errors
def segment_command(
    file: Path = typer.Argument(..., help="Document to split into passages."),
    format: OutputFormat = typer.Option(OutputFormat.table, "--format", "-f", help="table or jsonl."),
    password: Optional[str] = typer.Option(None, "--password", help="Password of an encrypted PDF."),
    max_pages: int = typer.Option(DEFAULT_MAX_PAGES, "--max-pages"),
    max_bytes: int = typer.Option(DEFAULT_MAX_BYTES, "--max-bytes"),
) -> None:
    """Show the passages tipnlp cuts a document into (to check the segmenter)."""
    import json

    from tipnlp.ingest import read_document
    from tipnlp.segment import segment

    document = read_document(file, password=password, max_pages=max_pages, max_bytes=max_bytes)
    passages = segment(document)
    if format == OutputFormat.jsonl or format == OutputFormat.json:
        for p in passages:
            print(json.dumps(p.to_dict(), ensure_ascii=False))
        return
    from rich.console import Console
    from rich.table import Table

    from tipnlp.report import excerpt

    table = Table(title=f"{document.id}: {len(passages)} passages, {document.page_count} page(s)", title_justify="left")
    for col in ("#", "page", "chars", "heading", "excerpt"):
        table.add_column(col, overflow="fold" if col == "excerpt" else "ellipsis")
    for i, p in enumerate(passages):
        page = "-" if p.page_start is None else (str(p.page_start) if p.page_end == p.page_start else f"{p.page_start}-{p.page_end}")
        table.add_row(str(i), page, str(p.end - p.start), p.heading[-50:], excerpt(p.text, 100))
    Console().print(table)


@app.command()
@handles_errors
def themes(json_out: bool = typer.Option(False, "--json", help="Machine-readable output.")) -> None:
    """List the themes of the taxonomy with their operative paragraphs."""
    import json

    from tipnlp.taxonomy import load_taxonomy

    tax = load_taxonomy()
    if json_out:
        rows = [
            {"id": t.id, "label": t.label, "core": t.core, "ops": list(t.ops), "definition": t.definition}
            for t in tax.themes
        ]
        print(json.dumps({"version": tax.version, "themes": rows}, ensure_ascii=False, indent=2))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"tipnlp taxonomy {tax.version}", title_justify="left")
    for col in ("id", "core", "OPs", "definition"):
        table.add_column(col, overflow="fold")
    for t in tax.themes:
        table.add_row(t.id, "yes" if t.core else "", ", ".join(map(str, t.ops)), t.definition)
    Console().print(table)


@app.command()
@handles_errors
def ops(
    number: Optional[int] = typer.Argument(None, min=1, max=50, help="Operative paragraph number (1-50); all when omitted."),
    json_out: bool = typer.Option(False, "--json", help="Machine-readable output."),
) -> None:
    """Show the operative paragraphs of resolution 71/167 and their themes."""
    import json

    from tipnlp.taxonomy import load_taxonomy

    tax = load_taxonomy()
    chosen = [tax.op(number)] if number is not None else list(tax.ops)
    if json_out:
        print(json.dumps([
            {"number": o.number, "verb": o.verb, "summary": o.summary, "addressees": list(o.addressees), "themes": list(o.themes)}
            for o in chosen
        ], ensure_ascii=False, indent=2))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title="Resolution 71/167: operative paragraphs", title_justify="left")
    for col in ("OP", "verb", "summary (paraphrase)", "themes"):
        table.add_column(col, overflow="fold")
    for o in chosen:
        table.add_row(str(o.number), o.verb, o.summary, ", ".join(o.themes))
    Console().print(table)


@app.command()
@handles_errors
def models() -> None:
    """List the models tipnlp can load by name, and the default."""
    from tipnlp.classifiers import default_model_name, list_models, model_config, resolve_model_path

    default = default_model_name()
    for name in list_models():
        path = resolve_model_path(name)
        family = "lexicon" if path is None else model_config(path).get("family", "?")
        mark = " (default)" if name == default else ""
        print(f"{name}\t{family}{mark}")
