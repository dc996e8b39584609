"""The Dask engine: documents become tasks on a ``dask.distributed`` cluster, results come back as they finish.

Each Dask worker process loads the model once (``tipnlp.batch.worker.get_tagger`` caches it per
process and model spec). Results are gathered with ``as_completed`` into the same crash-safe writer
as the local engine, so resume works the same. Input paths must be readable by the workers (a shared
file system on a cluster). Dask is imported only here: it is the optional extra ``distributed``.
"""

from __future__ import annotations

import logging
from typing import Callable, Iterable

from tipnlp.batch.inputs import BatchTask
from tipnlp.batch.worker import DocResult, WorkOptions, error_result, run_task
from tipnlp.errors import TipnlpError


class DaskEngine:
    """Run tasks on the scheduler at ``scheduler``, or on a LocalCluster of ``workers`` processes."""

    def __init__(self, options: WorkOptions, workers: int, scheduler: str | None = None):
        self.options = options
        self.workers = max(1, int(workers))
        self.scheduler = scheduler
        self.model_name = str(options.model or "default")

    def _client(self, n_tasks: int):
        try:
            from dask.distributed import Client, LocalCluster
        except ImportError:
            raise TipnlpError(
                "the Dask engine needs dask.distributed, which is not installed",
                hint="Install the extra: pip install 'tipnlp[distributed]', or use --engine local.",
            ) from None
        if self.scheduler:
            try:
                return Client(self.scheduler, timeout="30s"), None
            except (OSError, TimeoutError) as err:
                raise TipnlpError(
                    f"cannot reach the Dask scheduler at {self.scheduler} ({err})",
                    hint="Check --scheduler (e.g. tcp://host:8786) and that the scheduler is running.",
                ) from None
        cluster = LocalCluster(
            n_workers=min(self.workers, n_tasks),
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            silence_logs=logging.ERROR,
        )
        return Client(cluster), cluster

    def run(self, tasks: Iterable[BatchTask], on_results: Callable[[list[DocResult]], None]) -> None:
        """Submit every task, hand results to ``on_results`` as they complete (in groups)."""
        tasks = list(tasks)
        if not tasks:
            return
        from dask.distributed import as_completed

        client, cluster = self._client(len(tasks))
        try:
            if self.scheduler:
                self.workers = len(client.scheduler_info().get("workers", {})) or self.workers
            futures = client.map(
                run_task, tasks, options=self.options, pure=False,
                key=[f"tipnlp-batch-{t.index}-{t.doc_id}" for t in tasks],
            )
            by_key = {f.key: t for f, t in zip(futures, tasks)}
            for batch in as_completed(futures).batches():
                results = []
                for future in batch:
                    task = by_key[future.key]
                    try:
                        result = future.result()
                    except Exception as err:  # a worker died (KilledWorker) or the task could not run
                        result = error_result(task, "internal", f"{task.path}: the Dask task failed: "
                                              f"{type(err).__name__}: {err}", self.model_name)
                    if result.ok:
                        self.model_name = str(result.document.get("model") or self.model_name)
                    results.append(result)
                    future.release()
                on_results(results)
        finally:
            client.close()
            if cluster is not None:
                cluster.close()
