"""Batch commands: ``tipnlp batch`` tags a collection into a results folder; ``tipnlp report`` summarises it."""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path
from typing import Any, List, Optional

import typer

from tipnlp.cli.app import app, handles_errors
from tipnlp.limits import DEFAULT_BATCH_TIMEOUT, DEFAULT_MAX_BYTES, DEFAULT_MAX_PAGES

#: Exit status of ``tipnlp batch`` when the run finished but some documents failed.
EXIT_SOME_FAILED = 14



class BatchFormat(str, Enum):
    jsonl = "jsonl"
    parquet = "parquet"
    csv = "csv"


class Engine(str, Enum):
    local = "local"
    dask = "dask"


_BATCH_HELP = (
    "Tag every document of a collection into a RESULTS folder, in parallel, resumably.\n\n"
    "INPUT is a file, a folder (searched recursively for --glob), a .jsonl manifest (one object per line "
    'with a "file" or "path" field, relative to the manifest, and an optional "id"), or a .txt list of '
    "paths (one per line). RESULTS gets passages.jsonl (one line per passage), documents.jsonl (one "
    'summary per document; a document that could not be tagged has "error": {"code", "message"}), '
    "batch.json and summary.json; with --format parquet or csv also passages.* and documents.*.\n\n"
    "Each document is written durably as soon as it is done: after a crash or Ctrl-C, run the same "
    "command with --resume to finish the rest (documents are matched by the SHA-256 of their content).\n\n"
    f"Exit codes: 0 every document tagged; {EXIT_SOME_FAILED} the run finished but some documents failed "
    '(see "error" in documents.jsonl and the summary); 2 usage error; other codes as listed by '
    "`tipnlp --help` (e.g. 11 model not found, 12 results folder not resumable)."
)


class _Progress:
    """Documents done/total, pages and failures with an ETA, on stderr (only on a terminal by default)."""

    def __init__(self, enabled: Optional[bool]):
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        console = Console(stderr=True)
        show = console.is_terminal if enabled is None else enabled
        self.progress = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("docs · {task.fields[pages]} pages · {task.fields[failed]} failed"),
            TimeElapsedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            console=console,
            disable=not show,
        )
        self.task: Any = None
        self.pages = 0
        self.failed = 0

    def __enter__(self) -> "_Progress":
        self.progress.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.progress.__exit__(*exc)

    def start(self, todo: int, skipped: int) -> None:
        label = "tagging" if not skipped else f"tagging ({skipped} already done)"
        self.task = self.progress.add_task(label, total=todo, pages=0, failed=0)

    def advance(self, result: Any) -> None:
        self.pages += result.pages
        self.failed += 0 if result.ok else 1
        if self.task is not None:
            self.progress.update(self.task, advance=1, pages=self.pages, failed=self.failed)


def _usage(message: str) -> None:
    """A usage error: exit status 2, like the option parser's own."""
    print(f"error: {message}\nTry 'tipnlp batch --help' for help.", file=sys.stderr)
    raise typer.Exit(code=2)


def _print_summary(summary: Any, out_dir: Path) -> None:
    failed = sum(summary.failed.values())
    by_code = ", ".join(f"{code} {n}" for code, n in summary.failed.items())
    print(f"documents: {summary.documents} ({summary.ok} ok, {failed} failed{': ' + by_code if by_code else ''})")
    print(f"passages written: {summary.passages}; pages: {summary.pages}; model: {summary.model}")
    rate = summary.processed / summary.seconds if summary.seconds else 0.0
    print(f"this run: {summary.processed} documents in {summary.seconds:.1f} s ({rate:.2f} documents/s, "
          f"{summary.engine} engine, {summary.workers} worker(s)); {summary.skipped} already done")
    print(f"results: {out_dir}")


@app.command("batch", help=_BATCH_HELP)
@handles_errors
def batch_command(
    inputs: Optional[List[Path]] = typer.Argument(None, metavar="INPUT...", help="Files, folders, manifests (.jsonl) or path lists (.txt)."),
    out: Path = typer.Option(..., "--out", "-o", metavar="RESULTS", help="Results folder (created if needed)."),
    format: BatchFormat = typer.Option(BatchFormat.jsonl, "--format", "-f", help="Also write Parquet or CSV copies at the end (the JSONL is always written)."),
    manifest: Optional[List[Path]] = typer.Option(None, "--manifest", help="A manifest or path list, read as such whatever its name (repeatable)."),
    glob: Optional[List[str]] = typer.Option(None, "--glob", "-g", help="File pattern for folders (repeatable; default *.pdf *.txt *.md *.html *.htm *.docx)."),
    model: Optional[str] = typer.Option(None, "--model", "-m", help="Model name or directory (default: the shipped default)."),
    workers: Optional[int] = typer.Option(None, "--workers", "-w", min=1, help="Worker processes (default: all cores)."),
    resume: bool = typer.Option(False, "--resume", help="Finish an interrupted run: keep done documents, tag the rest."),
    retry_failed: bool = typer.Option(False, "--retry-failed", help="With --resume: tag failed documents again."),
    overwrite: bool = typer.Option(False, "--overwrite", help="Discard results already in RESULTS and start again."),
    all_passages: bool = typer.Option(False, "--all-passages", help="Also write passages with no theme."),
    max_pages: int = typer.Option(DEFAULT_MAX_PAGES, "--max-pages", min=1, help="Refuse documents with more pages (error code too_large)."),
    max_bytes: int = typer.Option(DEFAULT_MAX_BYTES, "--max-bytes", min=1, help="Refuse files larger than this (error code too_large)."),
    timeout: Optional[float] = typer.Option(DEFAULT_BATCH_TIMEOUT, "--timeout", min=0.0, metavar="SECONDS", help="Per-document time limit; a document over it is recorded with error code timeout (0: no limit)."),
    engine: Engine = typer.Option(Engine.local, "--engine", help="local: a pool of processes here; dask: tasks on a Dask cluster."),
    scheduler: Optional[str] = typer.Option(None, "--scheduler", metavar="ADDRESS", help="Dask scheduler address (e.g. tcp://host:8786); without it --engine dask starts a local cluster of --workers processes."),
    progress: Optional[bool] = typer.Option(None, "--progress/--no-progress", help="Show a progress bar (default: when stderr is a terminal)."),
) -> None:
    from tipnlp.batch.runner import BatchConfig, run_batch

    if not inputs and not manifest:
        _usage("give at least one INPUT or --manifest")
    if scheduler and engine != Engine.dask:
        _usage("--scheduler needs --engine dask")
    if retry_failed and not resume:
        _usage("--retry-failed needs --resume")
    if resume and overwrite:
        _usage("--resume and --overwrite exclude each other")
    config = BatchConfig(
        out_dir=out, model=model, workers=workers, all_passages=all_passages, max_pages=max_pages,
        max_bytes=max_bytes, timeout=timeout or None, engine=engine.value, scheduler=scheduler,
        resume=resume, overwrite=overwrite, retry_failed=retry_failed, export=format.value,
    )
    bar = _Progress(progress)
    with bar:
        summary = run_batch(
            [str(p) for p in inputs or []], config, manifests=[str(p) for p in manifest or []], globs=glob,
            on_start=bar.start, on_result=bar.advance,
        )
    _print_summary(summary, out)
    if not summary.all_ok:
        print(f"some documents failed: see \"error\" in {out / 'documents.jsonl'}", file=sys.stderr)
        raise typer.Exit(code=EXIT_SOME_FAILED)


@app.command("report")
@handles_errors
def report_command(
    results: Path = typer.Argument(..., metavar="RESULTS", help="The --out folder of a `tipnlp batch` run."),
    out: Path = typer.Option(..., "--out", "-o", metavar="DIR", help="Where to write matrix.csv, ops_coverage.csv, index.html."),
    top: int = typer.Option(5, "--top", min=0, help="Top passages listed per document in index.html."),
) -> None:
    """Report on a batch results folder: document x theme matrix, OP coverage, and an HTML page."""
    from tipnlp.batch.collection_report import write_collection_report

    paths = write_collection_report(results, out, top=top)
    print("wrote " + ", ".join(str(p) for p in paths))
