"""Evaluation harness: score theme predictions against gold passages and write reports.

Typical use::

    from tipnlp.evaluation import evaluate_model
    metrics = evaluate_model("gold.jsonl", model, report_dir="evaluation/reports/tfidf")

or, for a prediction file made elsewhere::

    from tipnlp.evaluation import evaluate, read_gold, read_predictions, write_report
    result = evaluate(read_gold("gold.jsonl"), read_predictions("pred.jsonl"))
    write_report(result, "report/")

Only numpy is imported here; scikit-learn and matplotlib load when a function needs them.
"""

from __future__ import annotations

from tipnlp.evaluation.bootstrap import bootstrap_ci
from tipnlp.evaluation.calibration import calibration_summary
from tipnlp.evaluation.harness import (
    EvaluationResult,
    evaluate,
    evaluate_model,
    evaluate_predictions,
    predict_file,
    predict_model,
)
from tipnlp.evaluation.io import (
    GoldRecord,
    PredictionRecord,
    read_gold,
    read_inputs,
    read_jsonl,
    read_predictions,
    write_jsonl,
)
from tipnlp.evaluation.metrics import CORE_THEMES, default_themes, multilabel_scores
from tipnlp.evaluation.report import write_comparison, write_report

__all__ = [
    "CORE_THEMES",
    "EvaluationResult",
    "GoldRecord",
    "PredictionRecord",
    "bootstrap_ci",
    "calibration_summary",
    "default_themes",
    "evaluate",
    "evaluate_model",
    "evaluate_predictions",
    "multilabel_scores",
    "predict_file",
    "predict_model",
    "read_gold",
    "read_inputs",
    "read_jsonl",
    "read_predictions",
    "write_comparison",
    "write_jsonl",
    "write_report",
]
