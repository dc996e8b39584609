"""What a worker does with one document: tag it under a time limit and turn the outcome into records.

Shared by the local process pool and the Dask engine. Every failure (a ``TipnlpError``, the time
limit, or any unexpected exception) becomes a document record with ``error`` = {code, message}, so
one bad file never stops a run.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Iterator

from tipnlp.batch.inputs import BatchTask, file_sha256
from tipnlp.errors import TipnlpError
from tipnlp.records import SCHEMA_VERSION

if TYPE_CHECKING:
    from tipnlp.tagger import Tagger

#: Seconds to sleep before each document, so tests can interrupt a run part-way. Never set it otherwise.
TEST_DELAY_ENV = "TIPNLP_BATCH_TEST_DELAY"


@dataclass(frozen=True, slots=True)
class WorkOptions:
    """Per-document settings every worker needs (picklable: it travels to worker processes)."""

    model: str | None = None
    all_passages: bool = False
    max_pages: int | None = None
    max_bytes: int | None = None
    timeout: float | None = None


@dataclass(slots=True)
class DocResult:
    """One document's output: its passage lines (JSON text, already serialised) and its document record."""

    index: int
    document: dict[str, Any]
    passage_lines: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.document.get("error") is None

    @property
    def pages(self) -> int:
        return int(self.document.get("pages") or 0)


class _Deadline(BaseException):
    """Raised into the tagging code when the time limit passes.

    A BaseException, so the broad ``except Exception`` of parsers cannot swallow it.
    """


@contextlib.contextmanager
def deadline(seconds: float | None) -> Iterator[None]:
    """Interrupt the block with ``_Deadline`` after ``seconds``.

    In a process's main thread (local engine) this is SIGALRM; elsewhere (a Dask worker thread) an
    asynchronous exception is raised in the thread. Both interrupt Python code; a single long call
    into C returns first (the local engine also kills a worker that overruns by more than a grace).
    """
    if not seconds or seconds <= 0:
        yield
        return
    if threading.current_thread() is threading.main_thread() and hasattr(os, "fork"):
        import signal

        def on_alarm(signum, frame):  # noqa: ARG001
            raise _Deadline()

        previous = signal.signal(signal.SIGALRM, on_alarm)
        signal.setitimer(signal.ITIMER_REAL, seconds)
        try:
            yield
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
        return
    import ctypes

    target = ctypes.c_ulong(threading.get_ident())
    lock = threading.Lock()
    state = {"done": False, "fired": False}

    def fire() -> None:
        with lock:
            if not state["done"]:
                state["fired"] = True
                ctypes.pythonapi.PyThreadState_SetAsyncExc(target, ctypes.py_object(_Deadline))

    timer = threading.Timer(seconds, fire)
    timer.daemon = True
    timer.start()
    try:
        yield
    finally:
        timer.cancel()
        with lock:
            state["done"] = True
            if state["fired"]:  # clear it if it is still pending, so it cannot hit unrelated code
                ctypes.pythonapi.PyThreadState_SetAsyncExc(target, None)


_TAGGERS: dict[str | None, "Tagger"] = {}
_TAGGERS_LOCK = threading.Lock()


def get_tagger(model: str | None) -> "Tagger":
    """The process's Tagger for ``model``, loaded on first use: each worker loads a model once."""
    with _TAGGERS_LOCK:
        tagger = _TAGGERS.get(model)
        if tagger is None:
            from tipnlp.tagger import Tagger

            tagger = Tagger.load(model)
            _warm_up(tagger)
            _TAGGERS[model] = tagger
        return tagger


def _warm_up(tagger: "Tagger") -> None:
    """Tag one sentence, so lazy start-up costs (spaCy imports, matchers) do not count against ``--timeout``."""
    try:
        tagger.tag_text("Section 1. The State shall protect victims of trafficking and train its officers.")
    except Exception:  # noqa: BLE001 - a real document will report the problem
        pass


def error_result(task: BatchTask, code: str, message: str, model: str, seconds: float = 0.0,
                 sha256: str | None = None) -> DocResult:
    """The record of a document that could not be tagged."""
    record = {
        "schema_version": SCHEMA_VERSION,
        "record": "document",
        "doc_id": task.doc_id,
        "source": task.path,
        "sha256": sha256 if sha256 is not None else file_sha256(task.path),
        "pages": 0,
        "n_passages": 0,
        "model": model,
        "themes": [],
        "ops_covered": [],
        "primary_ops": [],
        "metadata": {},
        "error": {"code": code, "message": message},
        "format": None,
        "n_tagged": 0,
        "passages_written": 0,
        "seconds": round(seconds, 4),
    }
    return DocResult(index=task.index, document=record)


def _test_delay() -> None:
    delay = os.environ.get(TEST_DELAY_ENV)
    if delay:
        time.sleep(float(delay))


def process_task(tagger: "Tagger", task: BatchTask, options: WorkOptions) -> DocResult:
    """Tag one document; never raises for a bad document (its record carries the error)."""
    from tipnlp.errors import DocumentTimeout

    start = time.perf_counter()
    model = tagger.model_name
    try:
        try:
            with deadline(options.timeout):
                _test_delay()
                tagged = tagger.tag_file(
                    task.path, doc_id=task.doc_id, max_pages=options.max_pages, max_bytes=options.max_bytes
                )
        except _Deadline:
            raise DocumentTimeout(
                f"{task.path}: tagging took longer than the limit of {options.timeout:g} s"
            ) from None
        chosen = tagged.passages if options.all_passages else tagged.tagged
        lines = []
        for pred in chosen:
            row = pred.to_dict()
            row["source"] = task.path
            lines.append(json.dumps(row, ensure_ascii=False) + "\n")
        record = tagged.report.to_dict()
        record.update(
            source=task.path,
            error=None,
            format=tagged.document.format,
            n_tagged=len(tagged.tagged),
            passages_written=len(lines),
            seconds=round(time.perf_counter() - start, 4),
        )
        return DocResult(index=task.index, document=record, passage_lines=lines)
    except _Deadline:  # fired in the instant after the block: still the time limit
        return error_result(task, "timeout", f"{task.path}: tagging took longer than the limit of "
                            f"{options.timeout:g} s", model, time.perf_counter() - start)
    except TipnlpError as err:
        return error_result(task, err.code, err.message, model, time.perf_counter() - start)
    except Exception as err:  # a bug or a hostile file: record it, keep the run going
        return error_result(task, "internal", f"{task.path}: {type(err).__name__}: {err}", model,
                            time.perf_counter() - start)


def run_task(task: BatchTask, options: WorkOptions) -> DocResult:
    """Entry point of a Dask task: the cached Tagger of this worker process, then ``process_task``."""
    try:
        tagger = get_tagger(options.model)
    except TipnlpError as err:
        return error_result(task, err.code, err.message, str(options.model or "default"))
    return process_task(tagger, task, options)
