"""The local engine: a pool of worker processes, each loading the model once, that the parent can kill.

Why not ``ProcessPoolExecutor``: one worker that dies (a crash in a PDF library) or hangs inside C
code breaks or blocks the whole executor. Here the parent hands one document at a time to each
worker over a pipe, watches each worker's clock and its process, and replaces a worker that dies or
overruns ``timeout`` + a grace period, recording that document as ``internal`` or ``timeout``. The
soft time limit (SIGALRM inside the worker) normally fires first and keeps the worker alive.

Workers are started with ``spawn``: a clean interpreter, safe next to threads and OpenMP pools.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import time
from collections import deque
from dataclasses import dataclass, field
from multiprocessing.connection import wait
from typing import Any, Callable, Iterable

from tipnlp.batch.inputs import BatchTask
from tipnlp.batch.worker import DocResult, WorkOptions, error_result, get_tagger, process_task
from tipnlp.errors import ModelError, TipnlpError

Handler = Callable[..., DocResult]
Loader = Callable[[Any], Any]

#: Seconds a worker may overrun ``timeout`` before the parent kills it (the soft limit came first).
HARD_KILL_GRACE = 5.0
#: Seconds a worker may take to start and load its model before the run gives up.
START_TIMEOUT = 600.0


def _die_with_parent(parent_pid: int) -> None:
    """Have the kernel kill this worker if the parent dies (Linux), so a killed run leaves no orphans."""
    import os
    import signal
    import sys

    if sys.platform.startswith("linux"):
        try:
            import ctypes

            ctypes.CDLL(None, use_errno=True).prctl(1, int(signal.SIGKILL))  # PR_SET_PDEATHSIG
        except (OSError, AttributeError):  # pragma: no cover - no libc prctl
            pass
    if os.getppid() != parent_pid:  # the parent died before prctl took effect
        os._exit(1)


def _worker_main(conn, options: WorkOptions, handler: Handler, loader: Loader, parent_pid: int) -> None:
    """Worker process: load the model once, then tag each task sent until told to stop."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    _die_with_parent(parent_pid)
    try:
        tagger = loader(options.model)
    except TipnlpError as err:
        _send(conn, ("fatal", err.code, err.message))
        return
    except Exception as err:  # noqa: BLE001 - reported to the parent, which stops the run
        _send(conn, ("fatal", "model", f"could not load the model: {type(err).__name__}: {err}"))
        return
    if not _send(conn, ("ready", tagger.model_name)):
        return
    while True:
        try:
            task = conn.recv()
        except (EOFError, OSError):  # the parent is gone
            return
        if task is None:
            return
        try:
            result = handler(tagger, task, options)
        except Exception as err:  # noqa: BLE001 - a handler bug must not take the worker down
            result = error_result(task, "internal", f"{task.path}: {type(err).__name__}: {err}", tagger.model_name)
        if not _send(conn, ("done", result)):
            return


def _send(conn, message) -> bool:
    """Send to the parent; False when it is gone."""
    try:
        conn.send(message)
    except (BrokenPipeError, OSError):
        return False
    return True


@dataclass
class _Worker:
    process: mp.process.BaseProcess
    conn: object
    ready: bool = False
    task: BatchTask | None = None
    started: float = field(default_factory=time.monotonic)


class LocalEngine:
    """Tag tasks on ``workers`` local processes; ``run`` hands results to the parent as they arrive."""

    def __init__(self, options: WorkOptions, workers: int, handler: Handler = process_task,
                 loader: Loader = get_tagger):
        """``handler(tagger, task, options)`` tags one document and ``loader(model)`` loads the model in
        each worker; both must be importable top-level functions (they travel to spawned processes)."""
        self.options = options
        self.workers = max(1, int(workers))
        self.handler = handler
        self.loader = loader
        self.model_name = str(options.model or "default")
        self._ctx = mp.get_context("spawn")

    def _start(self) -> _Worker:
        parent, child = self._ctx.Pipe(duplex=True)
        process = self._ctx.Process(
            target=_worker_main, args=(child, self.options, self.handler, self.loader, os.getpid()), daemon=True,
            name="tipnlp-batch-worker",
        )
        process.start()
        child.close()
        return _Worker(process=process, conn=parent)

    @staticmethod
    def _stop(worker: _Worker, kill: bool = False) -> None:
        if kill:
            worker.process.kill()
        else:
            try:
                worker.conn.send(None)
            except (BrokenPipeError, OSError):
                pass
        worker.process.join(timeout=5)
        if worker.process.is_alive():
            worker.process.kill()
            worker.process.join(timeout=5)
        worker.conn.close()

    def run(self, tasks: Iterable[BatchTask], on_results: Callable[[list[DocResult]], None]) -> None:
        """Tag ``tasks``; ``on_results`` gets the results that arrived together (written as one group)."""
        queue = deque(tasks)
        if not queue:
            return
        pool = [self._start() for _ in range(min(self.workers, len(queue)))]
        timeout = self.options.timeout
        hard_limit = None if not timeout else timeout + max(HARD_KILL_GRACE, 0.5 * timeout)
        clean = False

        def dispatch() -> None:
            for w in pool:
                if w.ready and w.task is None and queue:
                    task = queue.popleft()
                    try:
                        w.conn.send(task)
                    except (BrokenPipeError, OSError):  # it just died: the task waits for its replacement
                        queue.appendleft(task)
                        continue
                    w.task, w.started = task, time.monotonic()

        try:
            while queue or any(w.task is not None for w in pool):
                dispatch()
                wait([w.conn for w in pool] + [w.process.sentinel for w in pool], timeout=0.5)
                arrived: list[DocResult] = []
                try:
                    pool[:] = [kept for w in pool if (kept := self._collect(w, arrived, hard_limit, bool(queue)))]
                    dispatch()  # workers start their next document while the results are written
                finally:
                    if arrived:
                        on_results(arrived)
            clean = True
        finally:
            for w in pool:
                self._stop(w, kill=not clean)

    def _collect(self, w: _Worker, arrived: list[DocResult], hard_limit: float | None, more: bool) -> _Worker | None:
        """Take a worker's messages into ``arrived``; return it, or if it died or overran a replacement
        (None when there is no ``more`` work to give it)."""
        replace = False
        while w.conn.poll():
            try:
                message = w.conn.recv()
            except (EOFError, OSError):
                replace = True
                break
            kind = message[0]
            if kind == "ready":
                w.ready = True
                self.model_name = message[1]
            elif kind == "fatal":
                raise _error_for(message[1], message[2])
            elif kind == "done":
                w.task = None
                arrived.append(message[1])
        now = time.monotonic()
        if replace or not w.process.is_alive():
            code = w.process.exitcode
            if w.task is not None:
                arrived.append(error_result(
                    w.task, "internal", f"{w.task.path}: the worker process died (exit code {code})",
                    self.model_name, now - w.started))
            elif not w.ready:
                raise ModelError(f"a batch worker died while loading the model (exit code {code})")
            self._stop(w, kill=True)
            return self._start() if more else None
        if w.task is not None and hard_limit is not None and now - w.started > hard_limit:
            task = w.task
            self._stop(w, kill=True)
            arrived.append(error_result(
                task, "timeout", f"{task.path}: tagging took longer than the limit of {self.options.timeout:g} s "
                "(the worker was stopped)", self.model_name, now - w.started))
            return self._start() if more else None
        if not w.ready and now - w.started > START_TIMEOUT:
            raise ModelError(f"a batch worker did not load the model within {START_TIMEOUT:g} s")
        return w


def _error_for(code: str, message: str) -> TipnlpError:
    """Rebuild, in the parent, the error a worker reported while starting."""
    for cls in TipnlpError.__subclasses__():
        if cls.code == code:
            return cls(message)
    return ModelError(message)
