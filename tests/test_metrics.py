"""Metrics, bootstrap, calibration and JSONL reading of the evaluation harness.

Checked two ways: small cases computed by hand, and scikit-learn on random data.
"""

from __future__ import annotations

import json
import time

import numpy as np
import pytest

from tipnlp.errors import DataError
from tipnlp.evaluation.bootstrap import bootstrap_ci
from tipnlp.evaluation.calibration import brier_score, calibration_summary, expected_calibration_error, reliability_bins
from tipnlp.evaluation.io import GoldRecord, read_gold, read_inputs, read_predictions, write_jsonl
from tipnlp.evaluation.metrics import (
    CORE_THEMES,
    best_f1_threshold,
    document_matrix,
    exact_match,
    group_codes,
    label_matrix,
    multilabel_scores,
)

THEMES = list(CORE_THEMES)


# -- hand-computed cases ----------------------------------------------------------------------------


def test_per_theme_counts_and_scores_match_hand_computation():
    themes = ["a", "b", "c"]
    y_true = np.array([[1, 0, 0], [1, 1, 0], [0, 1, 0], [0, 0, 0]])
    y_pred = np.array([[1, 1, 0], [0, 1, 0], [0, 1, 0], [1, 0, 0]])
    s = multilabel_scores(y_true, y_pred, themes)
    a, b = s["per_theme"]["a"], s["per_theme"]["b"]
    # theme a: tp=1 (row0), fp=1 (row3), fn=1 (row1) -> P=R=F1=0.5
    assert (a["tp"], a["fp"], a["fn"], a["support"]) == (1, 1, 1, 2)
    assert a["precision"] == pytest.approx(0.5) and a["recall"] == pytest.approx(0.5) and a["f1"] == pytest.approx(0.5)
    # theme b: tp=2 (rows 1,2), fp=1 (row0), fn=0 -> P=2/3, R=1, F1=0.8
    assert (b["tp"], b["fp"], b["fn"], b["support"]) == (2, 1, 0, 2)
    assert b["precision"] == pytest.approx(2 / 3) and b["recall"] == 1.0 and b["f1"] == pytest.approx(0.8)
    # theme c: never gold, never predicted -> undefined and left out of the macro average
    c = s["per_theme"]["c"]
    assert c["f1"] is None and c["precision"] is None and c["recall"] is None and c["support"] == 0
    assert s["macro_over"] == ["a", "b"]
    assert s["macro_f1"] == pytest.approx((0.5 + 0.8) / 2)
    # micro: tp=3, fp=2, fn=1 -> 6/9
    assert s["micro_f1"] == pytest.approx(6 / 9)
    assert exact_match(y_true, y_pred) == pytest.approx(1 / 4)  # only row 2 is fully right


def test_false_alarms_on_absent_theme_give_f1_zero_and_count_in_macro():
    y_true = np.array([[1, 0], [0, 0]])
    y_pred = np.array([[1, 1], [0, 0]])
    s = multilabel_scores(y_true, y_pred, ["a", "b"])
    assert s["per_theme"]["b"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 0, "predicted": 1,
                                   "tp": 0, "fp": 1, "fn": 0}
    assert s["macro_f1"] == pytest.approx(0.5)


def test_missed_theme_has_precision_zero_not_undefined():
    s = multilabel_scores(np.array([[1], [1]]), np.array([[0], [0]]), ["a"])
    assert s["per_theme"]["a"]["precision"] == 0.0 and s["per_theme"]["a"]["f1"] == 0.0


def test_all_undefined_gives_none_macro_and_micro():
    s = multilabel_scores(np.zeros((3, 2), int), np.zeros((3, 2), int), ["a", "b"])
    assert s["macro_f1"] is None and s["micro_f1"] is None and s["macro_over"] == []


def test_label_matrix_reports_unknown_labels():
    y, unknown = label_matrix([["a", "zzz"], [], ["b", "a"]], ["a", "b"])
    assert y.tolist() == [[1, 0], [0, 0], [1, 1]]
    assert unknown == {"zzz": 1}


def test_document_matrix_marks_theme_present_if_any_passage_has_it():
    codes, docs = group_codes(["d1", "d1", "d2", "d3", "d3"])
    assert docs == ["d1", "d2", "d3"]
    y = np.array([[1, 0], [0, 0], [0, 0], [0, 1], [1, 1]])
    assert document_matrix(y, codes).tolist() == [[1, 0], [0, 0], [1, 1]]


def test_best_f1_threshold_matches_brute_force():
    rng = np.random.default_rng(3)
    y = (rng.random(300) < 0.3).astype(int)
    s = np.clip(0.3 * y + rng.random(300) * 0.8, 0, 1)
    best, thr = best_f1_threshold(y, s)
    brute = []
    for t in np.unique(s):
        p = s >= t
        tp = np.sum(p & (y == 1))
        brute.append(2 * tp / (2 * tp + np.sum(p & (y == 0)) + np.sum(~p & (y == 1))))
    assert best == pytest.approx(max(brute))
    p = s >= thr
    tp = np.sum(p & (y == 1))
    assert 2 * tp / (2 * tp + np.sum(p & (y == 0)) + np.sum(~p & (y == 1))) == pytest.approx(best)
    assert best_f1_threshold(np.zeros(5), np.linspace(0, 1, 5)) is None


# -- against scikit-learn ---------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_metrics_agree_with_sklearn_on_random_data(seed):
    from sklearn.metrics import accuracy_score, brier_score_loss, precision_recall_fscore_support

    rng = np.random.default_rng(seed)
    n, k = 400, 5
    y_true = (rng.random((n, k)) < rng.uniform(0.05, 0.4, k)).astype(int)
    flip = rng.random((n, k)) < 0.2
    y_pred = np.where(flip, 1 - y_true, y_true)
    s = multilabel_scores(y_true, y_pred, THEMES)

    p, r, f, sup = precision_recall_fscore_support(y_true, y_pred, average=None, zero_division=0)
    for j, t in enumerate(THEMES):
        e = s["per_theme"][t]
        assert e["precision"] == pytest.approx(p[j])
        assert e["recall"] == pytest.approx(r[j])
        assert e["f1"] == pytest.approx(f[j])
        assert e["support"] == sup[j]
    micro = precision_recall_fscore_support(y_true, y_pred, average="micro", zero_division=0)[2]
    macro = precision_recall_fscore_support(y_true, y_pred, average="macro", zero_division=0)[2]
    assert s["micro_f1"] == pytest.approx(micro)
    assert s["macro_f1"] == pytest.approx(macro)
    assert exact_match(y_true, y_pred) == pytest.approx(accuracy_score(y_true, y_pred))

    scores = np.clip(y_true * 0.6 + rng.random((n, k)) * 0.5, 0, 1)
    cal = calibration_summary(y_true, scores, THEMES)
    for j, t in enumerate(THEMES):
        assert brier_score(y_true[:, j], scores[:, j]) == pytest.approx(brier_score_loss(y_true[:, j], scores[:, j]))
        assert cal["brier"][t] == pytest.approx(brier_score_loss(y_true[:, j], scores[:, j]))
    assert cal["brier_mean"] == pytest.approx(np.mean([cal["brier"][t] for t in THEMES]))


def test_macro_excludes_undefined_theme_where_sklearn_would_count_it():
    from sklearn.metrics import precision_recall_fscore_support

    rng = np.random.default_rng(5)
    y_true = (rng.random((100, 3)) < 0.3).astype(int)
    y_pred = y_true.copy()
    y_pred[:10] = 1 - y_pred[:10]
    y_true[:, 2] = 0
    y_pred[:, 2] = 0
    s = multilabel_scores(y_true, y_pred, ["a", "b", "c"])
    sk_defined = precision_recall_fscore_support(y_true, y_pred, labels=[0, 1], average="macro", zero_division=0)[2]
    assert s["macro_f1"] == pytest.approx(sk_defined)


# -- calibration ------------------------------------------------------------------------------------


def test_ece_and_reliability_bins_by_hand():
    y = np.array([1, 0, 1, 1, 0])
    s = np.array([0.05, 0.05, 0.95, 1.0, 0.55])
    bins = reliability_bins(y, s, n_bins=10)
    assert [b["count"] for b in bins] == [2, 0, 0, 0, 0, 1, 0, 0, 0, 2]  # 1.0 lands in the last bin
    assert bins[0]["fraction_positive"] == 0.5 and bins[0]["mean_score"] == pytest.approx(0.05)
    assert bins[1]["mean_score"] is None
    # |0.5-0.05|*2/5 + |0-0.55|*1/5 + |1-0.975|*2/5
    expected = 0.45 * 0.4 + 0.55 * 0.2 + 0.025 * 0.4
    assert expected_calibration_error(y, s) == pytest.approx(expected)
    assert expected_calibration_error(np.ones(4), np.ones(4)) == pytest.approx(0.0)


# -- bootstrap --------------------------------------------------------------------------------------


def _noisy(n, k=5, seed=0):
    rng = np.random.default_rng(seed)
    y_true = (rng.random((n, k)) < 0.25).astype(int)
    y_pred = np.where(rng.random((n, k)) < 0.15, 1 - y_true, y_true)
    return y_true, y_pred


def test_bootstrap_interval_contains_point_estimate_and_is_seeded():
    y_true, y_pred = _noisy(600)
    groups = np.arange(600) // 6
    s = multilabel_scores(y_true, y_pred, THEMES)
    ci = bootstrap_ci(y_true, y_pred, THEMES, groups=groups, n_resamples=500, seed=7)
    assert ci["unit"] == "document" and ci["n_units"] == 100 and ci["n_resamples"] == 500
    lo, hi = ci["macro_f1"]
    assert lo < s["macro_f1"] < hi
    lo, hi = ci["micro_f1"]
    assert lo < s["micro_f1"] < hi
    for t in THEMES:
        lo, hi = ci["per_theme"][t]["f1"]
        assert lo <= s["per_theme"][t]["f1"] <= hi and hi - lo > 0
    assert bootstrap_ci(y_true, y_pred, THEMES, groups=groups, n_resamples=500, seed=7) == ci
    assert bootstrap_ci(y_true, y_pred, THEMES, groups=groups, n_resamples=500, seed=8) != ci


def test_bootstrap_resamples_whole_documents():
    # 20 documents of 50 identical passages each. Resampling documents must behave exactly like
    # resampling 20 single passages (F1 does not change when every count is multiplied by 50),
    # and must be much wider than treating the 1000 passages as independent.
    doc_true, doc_pred = _noisy(20, seed=11)
    y_true, y_pred = np.repeat(doc_true, 50, axis=0), np.repeat(doc_pred, 50, axis=0)
    groups = np.repeat(np.arange(20), 50)
    by_doc = bootstrap_ci(y_true, y_pred, THEMES, groups=groups, n_resamples=400, seed=3)
    collapsed = bootstrap_ci(doc_true, doc_pred, THEMES, groups=None, n_resamples=400, seed=3)
    by_passage = bootstrap_ci(y_true, y_pred, THEMES, groups=None, n_resamples=400, seed=3)
    assert by_doc["unit"] == "document" and by_passage["unit"] == "passage"
    assert by_doc["macro_f1"] == pytest.approx(collapsed["macro_f1"])
    assert by_doc["micro_f1"] == pytest.approx(collapsed["micro_f1"])
    width = lambda ci: ci["micro_f1"][1] - ci["micro_f1"][0]  # noqa: E731
    assert width(by_doc) > 3 * width(by_passage)


def test_bootstrap_is_fast_enough():
    y_true, y_pred = _noisy(2000)
    start = time.perf_counter()
    bootstrap_ci(y_true, y_pred, THEMES, n_resamples=1000, seed=0)
    bootstrap_ci(y_true, y_pred, THEMES, groups=np.arange(2000) // 10, n_resamples=1000, seed=0)
    assert time.perf_counter() - start < 3.0


def test_bootstrap_rare_theme_interval_ignores_undefined_resamples():
    y_true = np.zeros((200, 2), int)
    y_pred = np.zeros((200, 2), int)
    y_true[:100, 0] = 1
    y_pred[:90, 0] = 1
    y_true[0, 1] = y_pred[0, 1] = 1  # one positive: many resamples miss it entirely
    ci = bootstrap_ci(y_true, y_pred, ["a", "b"], n_resamples=300, seed=0)
    assert ci["per_theme"]["b"]["f1"] == [1.0, 1.0]
    assert ci["per_theme"]["a"]["f1"][0] < 1.0


# -- JSON Lines -------------------------------------------------------------------------------------


def _write(path, lines):
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_minimal_gold_file_reads_without_optional_fields(tmp_path):
    path = _write(tmp_path / "gold.jsonl", [json.dumps({"id": "x1", "text": "Some words.", "labels": []}),
                                            "",
                                            json.dumps({"id": 7, "text": "More.", "labels": ["a", "a"]})])
    records = list(read_gold(path))
    assert records == [GoldRecord("x1", "Some words.", []), GoldRecord("7", "More.", ["a"])]
    assert records[0].doc_id is None and records[0].meta == {}


@pytest.mark.parametrize(
    "bad, needle",
    [
        ('{"id": "p3", "text": "broken", "labels": [}', "malformed JSON"),
        ('{"text": "no id here", "labels": []}', "missing field 'id'"),
        ('{"id": "p3", "labels": []}', "missing field 'text'"),
        ('{"id": "p3", "text": "x", "labels": "demand_reduction"}', "'labels' must be a list"),
        ('["not", "an", "object"]', "expected a JSON object"),
    ],
)
def test_bad_gold_line_reports_file_and_line_number(tmp_path, bad, needle):
    good = json.dumps({"id": "p1", "text": "Fine.", "labels": []})
    path = _write(tmp_path / "gold.jsonl", [good, "", bad, good])  # the bad one is line 3
    with pytest.raises(DataError) as err:
        list(read_gold(path))
    assert "gold.jsonl:3:" in err.value.message
    assert needle in err.value.message


def test_inputs_need_no_labels_but_predictions_do(tmp_path):
    path = _write(tmp_path / "in.jsonl", [json.dumps({"id": "a", "text": "t"})])
    assert list(read_inputs(path))[0].labels == []
    with pytest.raises(DataError, match="missing field 'labels'"):
        list(read_gold(path))
    pred = _write(tmp_path / "pred.jsonl", [json.dumps({"id": "a", "labels": [], "scores": {"x": "high"}})])
    with pytest.raises(DataError, match=r"pred.jsonl:1: score of 'x'"):
        list(read_predictions(pred))


def test_write_jsonl_is_atomic_when_the_producer_fails(tmp_path):
    target = tmp_path / "out.jsonl"
    target.write_text("old\n", encoding="utf-8")

    def records():
        yield {"id": "1"}
        raise RuntimeError("model crashed")

    with pytest.raises(RuntimeError):
        write_jsonl(target, records())
    assert target.read_text(encoding="utf-8") == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["out.jsonl"]
    assert write_jsonl(target, ({"id": str(i)} for i in range(3))) == 3
    assert [json.loads(x)["id"] for x in target.read_text(encoding="utf-8").splitlines()] == ["0", "1", "2"]


def test_importing_the_harness_stays_cheap():
    import subprocess
    import sys

    code = (
        "import sys, tipnlp.evaluation;"
        "heavy = {'sklearn', 'matplotlib', 'scipy', 'spacy', 'torch'} & {m.split('.')[0] for m in sys.modules};"
        "assert not heavy, heavy"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
