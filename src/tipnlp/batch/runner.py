"""One batch run: collect inputs, skip what a previous run finished, tag the rest, summarise, export."""

from __future__ import annotations

import json
import os
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

from tipnlp.batch.inputs import BatchTask, assign_ids, collect_inputs, file_sha256, resume_key
from tipnlp.batch.worker import DocResult, WorkOptions
from tipnlp.batch.writer import DOCUMENTS_FILE, ResultWriter, iter_records, write_atomic
from tipnlp.errors import InputNotFound

ENGINES = ("local", "dask")
EXPORT_FORMATS = ("jsonl", "parquet", "csv")


def default_workers() -> int:
    """All cores this process may use (the CPU affinity mask under SLURM or taskset, else cpu_count)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


@dataclass(slots=True)
class BatchConfig:
    """Settings of a batch run (the CLI options of ``tipnlp batch``)."""

    out_dir: Path
    model: str | None = None
    workers: int | None = None
    all_passages: bool = False
    max_pages: int | None = None
    max_bytes: int | None = None
    timeout: float | None = None
    engine: str = "local"
    scheduler: str | None = None
    resume: bool = False
    overwrite: bool = False
    retry_failed: bool = False
    export: str = "jsonl"
    #: The command that started the run (shown by ``tipnlp report`` when the folder is unfinished).
    command: str | None = None


@dataclass(slots=True)
class BatchSummary:
    """Totals over every document in the results folder, plus what this run did."""

    documents: int = 0
    ok: int = 0
    failed: dict[str, int] = field(default_factory=dict)
    passages: int = 0
    pages: int = 0
    tagging_seconds: float = 0.0
    processed: int = 0
    skipped: int = 0
    seconds: float = 0.0
    engine: str = "local"
    workers: int = 1
    model: str = ""

    @property
    def all_ok(self) -> bool:
        return not self.failed

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def summarize_results(out_dir: Path) -> BatchSummary:
    """Count documents, failures by code, passages and pages over ``documents.jsonl``."""
    summary = BatchSummary()
    failed: Counter[str] = Counter()
    for record in iter_records(Path(out_dir) / DOCUMENTS_FILE):
        summary.documents += 1
        error = record.get("error")
        if error:
            failed[(error or {}).get("code", "internal") if isinstance(error, dict) else "internal"] += 1
        else:
            summary.ok += 1
        summary.passages += int(record.get("passages_written") or 0)
        summary.pages += int(record.get("pages") or 0)
        summary.tagging_seconds += float(record.get("seconds") or 0.0)
        summary.model = summary.model or str(record.get("model") or "")
    summary.failed = dict(sorted(failed.items()))
    summary.tagging_seconds = round(summary.tagging_seconds, 3)
    return summary


@dataclass(frozen=True, slots=True)
class Completion:
    """How far a results folder got: documents recorded out of the inputs its last run was given."""

    documents: int
    inputs: int | None
    command: str | None

    @property
    def remaining(self) -> int:
        return max(0, self.inputs - self.documents) if self.inputs is not None else 0

    @property
    def finished(self) -> bool:
        return self.remaining == 0


def completion(out_dir: Path) -> Completion:
    """Documents recorded in ``out_dir`` against the inputs its last run planned (from ``batch.json``)."""
    from tipnlp.batch.writer import SETTINGS_FILE, read_settings

    settings = read_settings(Path(out_dir) / SETTINGS_FILE)
    inputs = settings.get("inputs")
    documents = sum(1 for _ in iter_records(Path(out_dir) / DOCUMENTS_FILE))
    command = settings.get("command")
    return Completion(documents, inputs if isinstance(inputs, int) else None,
                      command if isinstance(command, str) else None)


def _canonical_model(spec: str | None) -> str:
    """The model as stored in ``batch.json`` (a name, or an absolute directory path)."""
    from tipnlp.classifiers import default_model_name, model_config, resolve_model_path

    path = resolve_model_path(spec)  # raises ModelError for an unknown name, before any worker starts
    if path is not None:
        model_config(path)  # and for a folder that is not a model
    if spec is None or str(spec) == "default":
        return default_model_name()
    if path is not None and Path(str(spec)).is_dir():
        return str(path.resolve())
    return str(spec)


def plan_tasks(entries: Sequence[tuple[str, str | None]], done: Iterable[dict[str, Any]]) -> tuple[list[BatchTask], int]:
    """Tasks still to run, and how many inputs were skipped because ``done`` already holds them.

    Inputs are matched to done records by content hash (a multiset: two identical files need two
    records); ids are assigned as on a fresh run, so a resumed document keeps the id it would have had.
    """
    done = list(done)
    tasks = assign_ids(entries)
    if not done:
        return tasks, 0
    remaining: Counter[str] = Counter(resume_key(d.get("sha256"), str(d.get("source", ""))) for d in done)
    todo: list[BatchTask] = []
    skipped = 0
    for task in tasks:
        key = resume_key(file_sha256(task.path), task.path)
        if remaining[key] > 0:
            remaining[key] -= 1
            skipped += 1
        else:
            todo.append(task)
    taken = {str(d.get("doc_id")) for d in done}
    if any(t.doc_id in taken for t in todo):  # the inputs changed since: keep ids unique
        fresh = assign_ids([(t.path, t.doc_id) for t in todo], taken=taken)
        todo = [BatchTask(index=t.index, path=t.path, doc_id=f.doc_id) for t, f in zip(todo, fresh)]
    return todo, skipped


def run_batch(
    inputs: Iterable[str | os.PathLike[str]],
    config: BatchConfig,
    *,
    manifests: Iterable[str | os.PathLike[str]] = (),
    globs: Sequence[str] | None = None,
    on_start: Callable[[int, int], None] | None = None,
    on_result: Callable[[DocResult], None] | None = None,
) -> BatchSummary:
    """Tag every document named by ``inputs``/``manifests`` into ``config.out_dir``.

    ``on_start(todo, skipped)`` is called once the work is known, ``on_result`` after each document
    is safely written.
    Returns totals over the whole results folder; failed documents are records, not exceptions.
    """
    started = time.perf_counter()
    out_dir = Path(config.out_dir)
    if config.engine not in ENGINES:
        raise ValueError(f"unknown engine {config.engine!r}")
    spec = config.model
    if spec is None and config.resume:  # resuming without --model: keep the model the run started with
        from tipnlp.batch.writer import SETTINGS_FILE, read_settings

        spec = read_settings(out_dir / SETTINGS_FILE).get("model")
    model = _canonical_model(spec)
    entries = collect_inputs(inputs, manifests=manifests, globs=globs, exclude=[out_dir])
    if not entries:
        raise InputNotFound(
            "no documents found in the inputs",
            hint="Check the paths and --glob (default: *.pdf *.txt *.md *.html *.htm *.docx).",
        )
    writer = ResultWriter(out_dir)
    settings: dict[str, Any] = {"model": model, "all_passages": bool(config.all_passages), "inputs": len(entries)}
    if config.command:
        settings["command"] = config.command
    try:
        recovered = writer.prepare(config.resume, config.overwrite, settings, retry_failed=config.retry_failed)
        todo, skipped = plan_tasks(entries, recovered.documents)
        workers = config.workers or default_workers()
        options = WorkOptions(
            model=model, all_passages=config.all_passages, max_pages=config.max_pages,
            max_bytes=config.max_bytes, timeout=config.timeout,
        )
        if on_start is not None:
            on_start(len(todo), skipped)
        if config.engine == "dask":
            from tipnlp.batch.dask_engine import DaskEngine

            engine: Any = DaskEngine(options, workers, scheduler=config.scheduler)
        else:
            from tipnlp.batch.local import LocalEngine

            engine = LocalEngine(options, workers)
        processed = 0

        def write(results: list[DocResult]) -> None:
            nonlocal processed
            writer.write_many(results)
            processed += len(results)
            if on_result is not None:
                for result in results:
                    on_result(result)

        with writer:
            engine.run(todo, write)
        summary = summarize_results(out_dir)
        summary.processed, summary.skipped = processed, skipped
        summary.seconds = round(time.perf_counter() - started, 3)
        summary.engine, summary.workers = config.engine, int(getattr(engine, "workers", workers))
        summary.model = summary.model or model
        if config.export in ("parquet", "csv"):
            from tipnlp.batch.export import export_results

            export_results(out_dir, config.export)
        write_atomic(out_dir / "summary.json", json.dumps(summary.to_dict(), indent=2) + "\n")
        return summary
    finally:
        writer.close()
