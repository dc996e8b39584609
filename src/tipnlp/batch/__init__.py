"""Batch tagging of document collections: parallel, resumable, crash-safe; local processes or Dask.

    from tipnlp.batch import BatchConfig, run_batch
    summary = run_batch(["laws/"], BatchConfig(out_dir=Path("results"), model="lexicon", workers=4))

Submodules: ``inputs`` (files, folders, manifests -> tasks), ``worker`` (one document -> records),
``writer`` (crash-safe results folder and its recovery), ``local`` and ``dask_engine`` (engines),
``runner`` (one run end to end), ``export`` (Parquet/CSV), ``collection_report`` (matrix, OP
coverage, HTML). Importing this package stays cheap: no model, Dask or pyarrow is loaded.
"""

from __future__ import annotations

from tipnlp.batch.inputs import DEFAULT_GLOBS, BatchTask, collect_inputs
from tipnlp.batch.runner import BatchConfig, BatchSummary, run_batch, summarize_results
from tipnlp.batch.worker import DocResult, WorkOptions
from tipnlp.batch.writer import ResultWriter, recover

__all__ = [
    "DEFAULT_GLOBS",
    "BatchConfig",
    "BatchSummary",
    "BatchTask",
    "DocResult",
    "ResultWriter",
    "WorkOptions",
    "collect_inputs",
    "recover",
    "run_batch",
    "summarize_results",
]
