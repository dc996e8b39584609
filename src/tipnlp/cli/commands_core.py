"""Core commands: classify one document, show its passages, list themes, operative paragraphs, models."""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path
from typing import List, Optional

import typer

from tipnlp.cli.app import QUIET_OPTION, app, handles_errors, info
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


class SegmentFormat(str, Enum):
    table = "table"
    json = "json"
    jsonl = "jsonl"


# The document types the models know (tipnlp.doc_types.DOC_TYPES; a test keeps the two lists equal,
# and this one is spelled out so that the CLI starts without importing numpy).
DocType = Enum("DocType", {t: t for t in (
    "law", "convention", "protocol", "un_resolution", "un_report", "gov_report", "ngo_report",
    "action_plan", "corporate_statement", "guidance", "other")}, type=str)


class ListFormat(str, Enum):
    table = "table"
    tsv = "tsv"
    json = "json"


_STDIN = "-"


def _read_input(file: Path, *, password: Optional[str], max_pages: int, max_bytes: int):
    """The document named on the command line; ``-`` reads it from standard input."""
    from tipnlp.ingest import read_bytes, read_document

    if str(file) != _STDIN:
        return read_document(file, password=password, max_pages=max_pages, max_bytes=max_bytes)
    from tipnlp.errors import DocumentTooLarge

    data = sys.stdin.buffer.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise DocumentTooLarge(f"<stdin>: the input is more than the limit of {max_bytes} bytes")
    return read_bytes(data, "<stdin>", password=password, doc_id="stdin", max_pages=max_pages)


def _list_format(fmt: Optional[ListFormat], json_out: bool) -> ListFormat:
    """--json wins; otherwise a table on a terminal and tab-separated lines when piped or redirected."""
    if json_out:
        return ListFormat.json
    if fmt is not None:
        return fmt
    return ListFormat.table if sys.stdout.isatty() else ListFormat.tsv


def _tsv(cells) -> str:
    return "\t".join(" ".join(str(c).split()) for c in cells)


@app.command()
@handles_errors
def classify(
    file: Path = typer.Argument(..., metavar="FILE", help="PDF, HTML, DOCX, text or Markdown file to tag; - reads standard input."),
    format: OutputFormat = typer.Option(OutputFormat.table, "--format", "-f", help="Output format."),
    out: Optional[Path] = typer.Option(None, "--out", "-o", metavar="PATH", help="Write here instead of stdout."),
    model: Optional[str] = typer.Option(None, "--model", "-m", metavar="NAME|DIR", help="Model name or directory (default: the shipped default)."),
    min_score: Optional[float] = typer.Option(None, "--min-score", min=0.0, max=1.0, metavar="SCORE", help="Drop themes scored below this (0-1)."),
    theme: Optional[List[str]] = typer.Option(None, "--theme", "-t", metavar="ID", help="Keep only this theme (repeatable; see `tipnlp themes`)."),
    all_passages: bool = typer.Option(False, "--all-passages", help="Also output passages with no theme (json, jsonl, csv)."),
    doc_type: Optional[DocType] = typer.Option(None, "--doc-type", help="What the document is (default: guessed from its opening text; the output's metadata says which)."),
    password: Optional[str] = typer.Option(None, "--password", metavar="TEXT", help="Password of an encrypted PDF."),
    max_pages: int = typer.Option(DEFAULT_MAX_PAGES, "--max-pages", metavar="N", help="Refuse documents with more pages."),
    max_bytes: int = typer.Option(DEFAULT_MAX_BYTES, "--max-bytes", metavar="N", help="Refuse files larger than this."),
    quiet: bool = QUIET_OPTION,
) -> None:
    """Tag one document with the themes of resolution 71/167 and their operative paragraphs."""
    # Cheap checks first: a bad --theme or a missing file is answered before any model is loaded.
    if theme:
        from tipnlp.model_themes import check_theme_ids

        check_theme_ids(theme, model)
    document = _read_input(file, password=password, max_pages=max_pages, max_bytes=max_bytes)

    import dataclasses

    from tipnlp.formats import filter_predictions, write
    from tipnlp.report import build_document_report
    from tipnlp.tagger import Tagger

    tagger = Tagger.load(model)
    if theme:
        from tipnlp.model_themes import check_theme_ids

        check_theme_ids(theme, model, predicted=tagger.themes)
    result = tagger.tag_document(document, doc_type=doc_type.value if doc_type else None)
    if min_score is not None or theme:
        passages = filter_predictions(result.passages, min_score, theme)
        report = build_document_report(result.document, passages, result.report.model)
        result = dataclasses.replace(result, passages=passages, report=report)
    with _open_out(out) as fh:
        write(result, format.value, fh, all_passages=all_passages)
    if out is not None:
        info(f"wrote {out} ({len(result.tagged)} tagged passages of {len(result.passages)})", quiet)


@app.command("segment")
@handles_errors
def segment_command(
    file: Path = typer.Argument(..., metavar="FILE", help="Document to split into passages; - reads standard input."),
    format: SegmentFormat = typer.Option(SegmentFormat.table, "--format", "-f", help="table (for reading), json (one object) or jsonl (one passage per line)."),
    password: Optional[str] = typer.Option(None, "--password", metavar="TEXT", help="Password of an encrypted PDF."),
    max_pages: int = typer.Option(DEFAULT_MAX_PAGES, "--max-pages", metavar="N", help="Refuse documents with more pages."),
    max_bytes: int = typer.Option(DEFAULT_MAX_BYTES, "--max-bytes", metavar="N", help="Refuse files larger than this."),
) -> None:
    """Show the passages tipnlp cuts a document into (to check the segmenter)."""
    import json

    from tipnlp.segment import segment

    document = _read_input(file, password=password, max_pages=max_pages, max_bytes=max_bytes)
    passages = segment(document)
    if format == SegmentFormat.jsonl:
        for p in passages:
            print(json.dumps(p.to_dict(), ensure_ascii=False))
        return
    if format == SegmentFormat.json:
        print(json.dumps({"doc_id": document.id, "source": document.source, "pages": document.page_count,
                          "passages": [p.to_dict() for p in passages]}, ensure_ascii=False, indent=2))
        return
    from rich.table import Table

    from tipnlp._console import console
    from tipnlp.report import excerpt

    table = Table(title=f"{document.id}: {len(passages)} passages, {document.page_count} page(s)", title_justify="left")
    for col in ("#", "page", "chars", "heading", "excerpt"):
        table.add_column(col, overflow="fold" if col == "excerpt" else "ellipsis")
    for i, p in enumerate(passages):
        page = "-" if p.page_start is None else (str(p.page_start) if p.page_end == p.page_start else f"{p.page_start}-{p.page_end}")
        table.add_row(str(i), page, str(p.end - p.start), p.heading[-50:], excerpt(p.text, 100))
    console().print(table)


@app.command()
@handles_errors
def themes(
    format: Optional[ListFormat] = typer.Option(None, "--format", "-f", help="table, tsv or json (default: table on a terminal, tsv when piped or redirected)."),
    json_out: bool = typer.Option(False, "--json", help="Same as --format json."),
    model: Optional[str] = typer.Option(None, "--model", "-m", metavar="NAME|DIR", help="Say which themes this model predicts (default: the shipped default)."),
) -> None:
    """List the themes of the taxonomy, whether the model predicts them, and their operative paragraphs.

    Only the predicted themes can be found in documents; the wider themes of the taxonomy are listed
    for reference and marked "no" in the predicted column.
    """
    import json

    from tipnlp.model_themes import predicted_theme_ids
    from tipnlp.taxonomy import load_taxonomy

    tax = load_taxonomy()
    predicted = set(predicted_theme_ids(model))
    fmt = _list_format(format, json_out)
    if fmt == ListFormat.json:
        rows = [
            {"id": t.id, "label": t.label, "core": t.core, "predicted": t.id in predicted, "ops": list(t.ops),
             "definition": t.definition}
            for t in tax.themes
        ]
        print(json.dumps({"version": tax.version, "themes": rows}, ensure_ascii=False, indent=2))
        return
    if fmt == ListFormat.tsv:
        print(_tsv(("id", "predicted", "core", "ops", "label", "definition")))
        for t in tax.themes:
            print(_tsv((t.id, "yes" if t.id in predicted else "no", "yes" if t.core else "no",
                        ",".join(map(str, t.ops)), t.label, t.definition)))
        return
    from rich.table import Table

    from tipnlp._console import console

    table = Table(title=f"tipnlp taxonomy {tax.version} (predicted: themes the model tags)", title_justify="left")
    table.add_column("id", no_wrap=True)
    for col in ("predicted", "OPs", "definition"):
        table.add_column(col, overflow="fold")
    for t in tax.themes:
        table.add_row(t.id, "yes" if t.id in predicted else "no", ", ".join(map(str, t.ops)), t.definition)
    console().print(table)


@app.command()
@handles_errors
def ops(
    number: Optional[int] = typer.Argument(None, min=1, max=50, metavar="[N]", help="Operative paragraph number (1-50); all when omitted."),
    format: Optional[ListFormat] = typer.Option(None, "--format", "-f", help="table, tsv or json (default: table on a terminal, tsv when piped or redirected)."),
    json_out: bool = typer.Option(False, "--json", help="Same as --format json."),
    coverage: Optional[Path] = typer.Option(None, "--coverage", metavar="RESULTS", help="Instead, show which OPs the collection in this `tipnlp batch` results folder addresses: documents and passages with the OP as primary, and as secondary only."),
) -> None:
    """Show the operative paragraphs of resolution 71/167 (opening verb, a paraphrase) and their themes."""
    import json

    if coverage is not None:
        _ops_coverage(coverage, number, _list_format(format, json_out))
        return
    from tipnlp.taxonomy import load_taxonomy

    tax = load_taxonomy()
    chosen = [tax.op(number)] if number is not None else list(tax.ops)
    fmt = _list_format(format, json_out)
    if fmt == ListFormat.json:
        print(json.dumps([
            {"number": o.number, "verb": o.verb, "summary": o.summary, "addressees": list(o.addressees), "themes": list(o.themes)}
            for o in chosen
        ], ensure_ascii=False, indent=2))
        return
    if fmt == ListFormat.tsv:
        print(_tsv(("op", "verb", "themes", "paraphrase")))
        for o in chosen:
            print(_tsv((o.number, o.verb, ",".join(o.themes), o.summary)))
        return
    from rich.table import Table

    from tipnlp._console import console

    table = Table(title="Resolution 71/167: operative paragraphs (opening verb, then a paraphrase)", title_justify="left")
    table.add_column("OP", no_wrap=True)
    table.add_column("opens with", overflow="fold")
    for col in ("paraphrase", "themes"):
        table.add_column(col, overflow="fold")
    for o in chosen:
        table.add_row(str(o.number), f"{o.verb} …", o.summary, ", ".join(o.themes))
    console().print(table)


_COVERAGE_COLUMNS = ("op", "verb", "themes", "primary_documents", "primary_passages", "secondary_documents",
                     "secondary_passages")


def _ops_coverage(results: Path, number: Optional[int], fmt: ListFormat) -> None:
    """``ops --coverage``: the OPs a batch results folder addresses (all OPs of ``number`` alone)."""
    import json

    from tipnlp.batch.collection_report import load_collection, op_coverage_rows

    collection = load_collection(results, top=0)
    rows = op_coverage_rows(collection, addressed_only=number is None)
    if number is not None:
        rows = [r for r in rows if r["op"] == number]
    n_docs = sum(1 for d in collection.documents if not d.get("error"))
    if fmt == ListFormat.json:
        print(json.dumps({"results": str(results), "documents": n_docs, "ops": rows}, ensure_ascii=False, indent=2))
        return
    if fmt == ListFormat.tsv:
        print(_tsv(_COVERAGE_COLUMNS))
        for r in rows:
            print(_tsv(",".join(r[c]) if c == "themes" else r[c] for c in _COVERAGE_COLUMNS))
        return
    from rich.table import Table

    from tipnlp._console import console

    table = Table(title=f"OPs addressed by {results} ({n_docs} tagged documents; primary = the most probable "
                  "OP of a theme tag, secondary = a confident runner-up only)", title_justify="left")
    table.add_column("OP", no_wrap=True)
    table.add_column("opens with", overflow="fold")
    for col in ("docs primary", "passages primary", "docs secondary", "passages secondary"):
        table.add_column(col, justify="right", no_wrap=True)
    table.add_column("themes", overflow="fold")
    for r in rows:
        table.add_row(str(r["op"]), f"{r['verb']} …", str(r["primary_documents"]), str(r["primary_passages"]),
                      str(r["secondary_documents"]), str(r["secondary_passages"]), ", ".join(r["themes"]))
    console().print(table)
    if not rows:
        console().print("No operative paragraph is addressed.")


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
