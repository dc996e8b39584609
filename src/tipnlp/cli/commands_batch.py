"""Batch commands: ``tipnlp batch`` tags a collection into a results folder; ``tipnlp report`` summarises it."""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path
from typing import Any, List, Optional

import typer

from tipnlp.cli.app import QUIET_OPTION, app, handles_errors, info, is_quiet
from tipnlp.limits import DEFAULT_BATCH_TIMEOUT, DEFAULT_MAX_BYTES, DEFAULT_MAX_PAGES

#: Exit status of ``tipnlp batch --strict`` when the run finished but some documents failed.
EXIT_SOME_FAILED = 14
#: Exit status after Ctrl-C or SIGTERM (128 + SIGINT, as shells report).
EXIT_INTERRUPTED = 130



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
    "paths (one per line). A .txt INPUT is read as a list when every line (blank lines and # comments "
    "aside) names an existing file or folder or ends in .pdf, .txt, .md, .html, .htm, .docx or .jsonl; "
    "a listed file that is missing gets a not_found record. Any other .txt is a document to tag. "
    "RESULTS gets passages.jsonl (one line per passage), documents.jsonl (one "
    'summary per document; a document that could not be tagged has "error": {"code", "message"}), '
    "batch.json and summary.json; with --format parquet or csv also passages.* and documents.*.\n\n"
    "Each document is written durably as soon as it is done: after a crash or Ctrl-C, run the same "
    "command with --resume to finish the rest (documents are matched by the SHA-256 of their content).\n\n"
    "Exit codes: 0 the run finished (documents that could not be tagged are records with an \"error\", "
    f"counted in the summary); with --strict, {EXIT_SOME_FAILED} when some documents failed; 130 interrupted "
    "(resume with --resume); 2 usage error; other codes as listed by `tipnlp --help` (e.g. 11 model not "
    "found, 12 results folder not resumable)."
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
    strict: bool = typer.Option(False, "--strict", help=f"Exit with status {EXIT_SOME_FAILED} when some documents could not be tagged."),
    quiet: bool = QUIET_OPTION,
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
        command=resume_command(inputs, out, manifest, glob, model, all_passages),
    )
    bar = _Progress(False if is_quiet(quiet) else progress)
    try:
        with bar, _SigtermAsInterrupt():
            summary = run_batch(
                [str(p) for p in inputs or []], config, manifests=[str(p) for p in manifest or []], globs=glob,
                on_start=bar.start, on_result=bar.advance,
            )
    except KeyboardInterrupt:
        _report_interrupt(out, config.command or "")
        raise typer.Exit(code=EXIT_INTERRUPTED) from None
    if not is_quiet(quiet):
        _print_summary(summary, out)
    if not summary.all_ok:
        print(f"{sum(summary.failed.values())} document(s) could not be tagged: see \"error\" in "
              f"{out / 'documents.jsonl'}", file=sys.stderr)
        if strict:
            raise typer.Exit(code=EXIT_SOME_FAILED)


def resume_command(inputs: Optional[List[Path]], out: Path, manifest: Optional[List[Path]], glob: Optional[List[str]],
                   model: Optional[str], all_passages: bool) -> str:
    """The shell command that finishes this run (what Ctrl-C and `tipnlp report` tell the user)."""
    import shlex

    args = ["tipnlp", "batch", *(str(p) for p in inputs or []), "--out", str(out)]
    for m in manifest or []:
        args += ["--manifest", str(m)]
    for g in glob or []:
        args += ["--glob", g]
    if model:
        args += ["--model", model]
    if all_passages:
        args.append("--all-passages")
    return shlex.join([*args, "--resume"])


class _SigtermAsInterrupt:
    """Treat SIGTERM (kill, a scheduler's time limit) like Ctrl-C, so the run cleans up and says how to resume."""

    def __enter__(self):
        import signal
        import threading

        self.previous = None
        if threading.current_thread() is threading.main_thread():
            self.previous = signal.signal(signal.SIGTERM, self._raise)
        return self

    @staticmethod
    def _raise(signum, frame):
        raise KeyboardInterrupt

    def __exit__(self, *exc):
        import signal

        if self.previous is not None:
            signal.signal(signal.SIGTERM, self.previous)
        return False


def _report_interrupt(out: Path, command: str) -> None:
    from tipnlp.batch.runner import completion

    done = completion(out)
    left = f"; {done.remaining} of {done.inputs} inputs remain" if done.inputs is not None else ""
    print(f"interrupted: {done.documents} document(s) done and kept in {out}{left}.", file=sys.stderr)
    print(f"hint: finish the run with: {command}", file=sys.stderr)


@app.command("report")
@handles_errors
def report_command(
    results: Path = typer.Argument(..., metavar="RESULTS", help="The --out folder of a `tipnlp batch` run."),
    out: Path = typer.Option(..., "--out", "-o", metavar="DIR", help="Where to write matrix.csv, ops_coverage.csv, index.html."),
    top: int = typer.Option(5, "--top", min=0, metavar="N", help="Top passages listed per document in index.html."),
    quiet: bool = QUIET_OPTION,
) -> None:
    """Report on a batch results folder: document x theme matrix, OP coverage, and an HTML page.

    A folder whose run was interrupted is reported as it stands, with a warning saying how many
    inputs remain and how to finish the run.
    """
    from tipnlp.batch.collection_report import write_collection_report
    from tipnlp.batch.runner import completion

    done = completion(results)
    if not done.finished:
        how = done.command or f"the same `tipnlp batch` command with --out {results} --resume"
        print(f"warning: {results} is incomplete: {done.remaining} of {done.inputs} inputs not tagged yet "
              f"(the run was interrupted); the report covers the {done.documents} done.", file=sys.stderr)
        print(f"hint: finish the run with: {how}", file=sys.stderr)
    paths = write_collection_report(results, out, top=top, remaining=done.remaining)
    info("wrote " + ", ".join(str(p) for p in paths), quiet)
