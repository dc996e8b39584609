"""The evaluation harness end to end: predictions -> metrics dict -> report folder, models, streaming."""

from __future__ import annotations

import json
import tracemalloc

import numpy as np
import pytest

from tipnlp.classifiers.base import ThemeClassifier
from tipnlp.errors import DataError, ModelError
from tipnlp.evaluation import (
    CORE_THEMES,
    evaluate,
    evaluate_model,
    evaluate_predictions,
    predict_file,
    read_predictions,
    write_comparison,
    write_report,
)

THEMES = list(CORE_THEMES)
KEYWORDS = {
    "demand_reduction": "buyers",
    "non_punishment": "pardon",
    "gender_sensitive_training": "workshop",
    "supply_chains": "suppliers",
    "organ_removal": "kidney",
}
# A word no passage of the corpus holds: if it shows up in a report, passage text leaked.
SENTINEL = "quizzleflump"


class KeywordModel(ThemeClassifier):
    """A toy model for tests: score 0.9 when the theme's keyword is in the text, else 0.1."""

    family = "keyword"

    def __init__(self, themes=THEMES, default_threshold=0.5, keywords=None):
        super().__init__(themes, default_threshold)
        self.keywords = keywords or KEYWORDS
        self.thresholds_ = {t: 0.5 for t in self.themes}
        self.batches: list[int] = []

    def predict_proba(self, texts):
        self.batches.append(len(texts))
        return np.array([[0.9 if self.keywords[t] in x else 0.1 for t in self.themes] for x in texts])


class DuckModel:
    """Follows the contract without the base class: its own predict (only top theme above 0.5)."""

    themes = THEMES

    def predict_proba(self, texts):
        return np.array([[0.8 if KEYWORDS[t] in x else 0.3 for t in self.themes] for x in texts])

    def predict(self, texts):
        return [[t for t, s in zip(self.themes, row) if s > 0.5][:1] for row in self.predict_proba(texts)]


def _gold(n_docs=12, per_doc=5, seed=0):
    """Synthetic gold passages written for the tests; each carries the sentinel word."""
    rng = np.random.default_rng(seed)
    records = []
    for d in range(n_docs):
        for p in range(per_doc):
            labels = [t for t in THEMES if rng.random() < 0.3]
            words = [KEYWORDS[t] for t in labels]
            if rng.random() < 0.2:  # some noise so the keyword model makes mistakes
                words.append(KEYWORDS[THEMES[int(rng.integers(0, 5))]])
            if words and rng.random() < 0.15:
                words.pop(0)
            text = f"Section {p} of document {d} {SENTINEL} mentions " + " and ".join(words or ["nothing"]) + "."
            records.append({"id": f"d{d}:p{p}", "doc_id": f"d{d}", "text": text, "labels": labels,
                            "meta": {"start": p * 100, "end": p * 100 + 80}})
    return records


def _preds(gold, model):
    proba = model.predict_proba([g["text"] for g in gold])
    return [{"id": g["id"], "labels": [t for t, s in zip(THEMES, row) if s >= 0.5],
             "scores": dict(zip(THEMES, row.tolist()))} for g, row in zip(gold, proba)]


def _write_jsonl(path, records):
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


STABLE_KEYS = {"model", "n_passages", "n_documents", "themes", "macro_f1", "micro_f1", "exact_match",
               "per_theme", "ci", "document_level", "calibration"}


# -- evaluate_predictions ---------------------------------------------------------------------------


def test_metrics_dict_has_stable_keys_and_counts():
    gold = _gold()
    m = evaluate_predictions(gold, _preds(gold, KeywordModel()), THEMES, n_resamples=200)
    assert STABLE_KEYS <= set(m)
    assert m["n_passages"] == 60 and m["n_documents"] == 12 and m["themes"] == THEMES
    for t in THEMES:
        assert {"precision", "recall", "f1", "support", "tp", "fp", "fn"} <= set(m["per_theme"][t])
        assert m["ci"]["per_theme"][t]["f1"] is not None
        assert {"precision", "recall", "f1", "support", "tp", "fp", "fn"} <= set(m["document_level"]["per_theme"][t])
    assert m["ci"]["unit"] == "document" and m["ci"]["n_resamples"] == 200
    assert len(m["ci"]["macro_f1"]) == 2 and m["document_level"]["macro_f1"] is not None
    assert set(m["calibration"]["brier"]) == set(THEMES) and set(m["calibration"]["ece"]) == set(THEMES)
    assert 0 < m["macro_f1"] < 1


def test_unknown_labels_warn_and_are_ignored():
    gold = [{"id": "1", "text": "x", "labels": ["non_punishment", "made_up_theme"]},
            {"id": "2", "text": "y", "labels": []}]
    preds = [{"id": "1", "labels": ["non_punishment"], "scores": {}}, {"id": "2", "labels": ["other"]}]
    result = evaluate(gold, preds, THEMES, n_resamples=0)
    assert result.metrics["per_theme"]["non_punishment"]["f1"] == 1.0
    assert result.metrics["ci"] is None and result.metrics["calibration"] is None
    assert any("made_up_theme" in w for w in result.warnings)
    assert any("'other'" in w and "predicted" in w for w in result.warnings)
    assert any("no doc_id" in w for w in result.warnings)
    assert result.metrics["n_documents"] == 2


def test_missing_prediction_is_an_error():
    gold = [{"id": "1", "text": "x", "labels": []}, {"id": "2", "text": "y", "labels": []}]
    with pytest.raises(DataError, match="1 of 2 gold passages have no prediction: '2'"):
        evaluate_predictions(gold, [{"id": "1", "labels": []}], THEMES)


def test_thresholds_rederive_labels_from_scores():
    gold = [{"id": str(i), "text": "x", "labels": ["organ_removal"] if i < 2 else []} for i in range(4)]
    scores = [0.9, 0.4, 0.35, 0.1]
    preds = [{"id": str(i), "labels": [], "scores": {"organ_removal": s}} for i, s in enumerate(scores)]
    as_given = evaluate_predictions(gold, preds, THEMES, n_resamples=0)
    assert as_given["per_theme"]["organ_removal"]["tp"] == 0
    lowered = evaluate_predictions(gold, preds, THEMES, thresholds={"organ_removal": 0.38}, n_resamples=0)
    e = lowered["per_theme"]["organ_removal"]
    assert (e["tp"], e["fp"], e["fn"], e["threshold"]) == (2, 0, 0, 0.38)
    assert e["best_f1"] == 1.0 and e["best_threshold"] == pytest.approx(0.4)


# -- reports ----------------------------------------------------------------------------------------


def _all_text(folder):
    return "\n".join(p.read_bytes().decode("utf-8", "replace") for p in folder.rglob("*") if p.is_file())


def test_report_folder_holds_metrics_markdown_and_figures_without_text(tmp_path):
    gold = _gold()
    result = evaluate(gold, _preds(gold, KeywordModel()), THEMES, model_name="keyword", n_resamples=100)
    out = write_report(result, tmp_path / "rep")
    names = {p.name for p in out.iterdir()}
    assert {"metrics.json", "report.md", "errors.md", "pr_curves.png", "reliability.png"} <= names
    for png in ("pr_curves.png", "reliability.png"):
        assert (out / png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    metrics = json.loads((out / "metrics.json").read_text(encoding="utf-8"))
    assert STABLE_KEYS <= set(metrics) and metrics["model"] == "keyword"
    report = (out / "report.md").read_text(encoding="utf-8")
    assert "](pr_curves.png)" in report and "](reliability.png)" in report and "](errors.md)" in report
    assert "| macro F1 |" in report and "## Calibration" in report and "## Per theme (documents)" in report
    # No passage text anywhere, but the errors list ids, documents and offsets.
    assert SENTINEL not in _all_text(out)
    errors = (out / "errors.md").read_text(encoding="utf-8")
    fp_total = sum(result.metrics["per_theme"][t]["fp"] for t in THEMES)
    assert fp_total > 0 and "`d" in errors and "| d" in errors


def test_excerpts_only_with_include_text(tmp_path):
    gold = _gold()
    result = evaluate(gold, _preds(gold, KeywordModel()), THEMES, n_resamples=0)
    write_report(result, tmp_path / "rep", include_text=True)
    assert SENTINEL in (tmp_path / "rep" / "errors.md").read_text(encoding="utf-8")
    assert SENTINEL not in (tmp_path / "rep" / "metrics.json").read_text(encoding="utf-8")


def test_error_analysis_sorts_false_positives_by_score_and_caps(tmp_path):
    gold = [{"id": f"p{i}", "text": "t", "labels": []} for i in range(40)]
    preds = [{"id": f"p{i}", "labels": ["supply_chains"], "scores": {"supply_chains": 0.5 + i / 100}}
             for i in range(40)]
    result = evaluate(gold, preds, THEMES, n_resamples=0)
    from tipnlp.evaluation.report import error_analysis

    fps = error_analysis(result, max_errors=25)["supply_chains"]
    assert fps["n_false_positives"] == 40 and len(fps["false_positives"]) == 25
    assert [x["id"] for x in fps["false_positives"][:2]] == ["p39", "p38"]


def test_report_without_scores_has_no_figures(tmp_path):
    gold = [{"id": "1", "text": "x", "labels": ["non_punishment"]}, {"id": "2", "text": "y", "labels": []}]
    preds = [{"id": "1", "labels": ["non_punishment"]}, {"id": "2", "labels": ["non_punishment"]}]
    out = write_report(evaluate(gold, preds, THEMES, n_resamples=50), tmp_path / "rep")
    assert not list(out.glob("*.png"))
    assert json.loads((out / "metrics.json").read_text())["calibration"] is None
    assert "calibration not measured" in (out / "report.md").read_text()


def test_two_models_give_comparison(tmp_path):
    gold = _gold()
    entries = []
    for name, model in (("keyword", KeywordModel()), ("duck", DuckModel())):
        metrics = evaluate_model(gold, model, THEMES, report_dir=tmp_path / name, model_name=name, n_resamples=50)
        entries.append((metrics, name))
    write_comparison(entries, tmp_path)
    table = (tmp_path / "comparison.md").read_text(encoding="utf-8")
    assert "[keyword](keyword/report.md)" in table and "[duck](duck/report.md)" in table
    assert all(t in table for t in THEMES) and "passages/s" in table
    data = json.loads((tmp_path / "comparison.json").read_text(encoding="utf-8"))
    assert [m["model"] for m in data["models"]] == ["keyword", "duck"]
    assert data["models"][0]["passages_per_second"] > 0 and len(data["models"][0]["macro_f1_ci"]) == 2
    assert (tmp_path / "duck" / "metrics.json").exists()


# -- models -----------------------------------------------------------------------------------------


def test_evaluate_model_from_file_measures_speed_and_uses_thresholds(tmp_path):
    gold = _gold()
    path = _write_jsonl(tmp_path / "gold.jsonl", gold)
    model = KeywordModel()
    model.thresholds_["organ_removal"] = 0.95  # never reached: organ_removal is never predicted
    m = evaluate_model(path, model, THEMES, batch_size=16, n_resamples=0)
    assert m["model"] == "keyword"
    assert m["speed"]["passages_per_second"] > 0 and m["speed"]["passages"] == 60
    assert m["per_theme"]["organ_removal"]["predicted"] == 0
    assert m["per_theme"]["organ_removal"]["threshold"] == 0.95
    assert m["per_theme"]["supply_chains"]["threshold"] == 0.5
    # one untimed warm-up call on one text, then predict_proba once per batch (not twice)
    assert model.batches == [1, 16, 16, 16, 12]


def test_evaluate_model_uses_the_models_own_predict_when_overridden():
    gold = [{"id": "1", "text": "buyers and kidney", "labels": ["demand_reduction", "organ_removal"]}]
    m = evaluate_model(gold, DuckModel(), THEMES, n_resamples=0)
    assert m["per_theme"]["demand_reduction"]["tp"] == 1
    assert m["per_theme"]["organ_removal"]["fn"] == 1  # DuckModel keeps only its top theme


def test_model_with_wrong_shape_is_a_model_error():
    class Broken(KeywordModel):
        def predict_proba(self, texts):
            return np.zeros((len(texts), 2))

    with pytest.raises(ModelError, match="shape"):
        evaluate_model([{"id": "1", "text": "x", "labels": []}], Broken(), THEMES, n_resamples=0)


def test_predict_file_streams_in_batches_and_writes_predictions(tmp_path):
    n = 1000
    src = _write_jsonl(tmp_path / "in.jsonl", ({"id": f"p{i}", "text": "suppliers" if i % 3 == 0 else "none"}
                                               for i in range(n)))
    model = KeywordModel()
    seen: list[int] = []
    speed = predict_file(src, tmp_path / "out.jsonl", model, batch_size=128, on_batch=seen.append)
    assert speed["passages"] == n and sum(seen) == n and max(model.batches) == 128
    preds = list(read_predictions(tmp_path / "out.jsonl"))
    assert [p.id for p in preds[:3]] == ["p0", "p1", "p2"]
    assert preds[0].labels == ["supply_chains"] and preds[1].labels == []
    assert preds[0].scores["supply_chains"] == pytest.approx(0.9) and set(preds[0].scores) == set(THEMES)


def test_predict_file_memory_does_not_grow_with_the_input(tmp_path):
    def peak_for(n):
        src = _write_jsonl(tmp_path / f"in{n}.jsonl",
                           ({"id": f"p{i}", "text": f"passage {i} about suppliers " * 4} for i in range(n)))
        tracemalloc.start()
        predict_file(src, tmp_path / f"out{n}.jsonl", KeywordModel(), batch_size=256)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        return peak

    small, large = peak_for(2_000), peak_for(20_000)
    assert large < 2 * small  # 10x the lines, not 10x the memory


def test_predict_file_leaves_no_output_when_the_model_fails(tmp_path):
    src = _write_jsonl(tmp_path / "in.jsonl", ({"id": str(i), "text": "x"} for i in range(10)))

    class Failing(KeywordModel):
        def predict_proba(self, texts):
            if len(self.batches) == 2:  # after the warm-up and the first batch
                raise RuntimeError("boom")
            return super().predict_proba(texts)

    with pytest.raises(RuntimeError):
        predict_file(src, tmp_path / "out.jsonl", Failing(), batch_size=4)
    assert not (tmp_path / "out.jsonl").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.jsonl"]
