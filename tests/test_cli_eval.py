"""``tipnlp evaluate`` and ``tipnlp predict`` through the Typer app (no real model needed)."""

from __future__ import annotations

import json
import sys
import types

import numpy as np
import pytest
from typer.testing import CliRunner

import tipnlp.cli.commands_eval as commands_eval  # registers the commands on the shared app
from tipnlp.cli.app import app
from tipnlp.evaluation import CORE_THEMES

THEMES = list(CORE_THEMES)
SENTINEL = "wobblethorpe"  # a made-up word: finding it in a report means passage text leaked


class KeywordModel:
    """Duck-typed model: ``themes``, ``predict_proba``, ``predict``; 'fees' marks supply chains."""

    themes = THEMES
    name_ = "keyword-test"

    def predict_proba(self, texts):
        return np.array([[0.8 if (t == "supply_chains" and "fees" in x) else 0.1 for t in self.themes]
                         for x in texts])

    def predict(self, texts):
        return [[t for t, s in zip(self.themes, row) if s >= 0.5] for row in self.predict_proba(texts)]


def _gold_records():
    rows = []
    for i in range(30):
        supply = i % 3 == 0
        text = f"Clause {i} {SENTINEL}: " + ("agencies may not charge recruitment fees." if supply else "general rules.")
        if i % 10 == 9:  # a missed positive
            text, supply = f"Clause {i} {SENTINEL}: agencies are licensed.", True
        rows.append({"id": f"p{i}", "doc_id": f"d{i // 5}", "text": text,
                     "labels": ["supply_chains"] if supply else [], "meta": {"start": i * 50, "end": i * 50 + 40}})
    return rows


@pytest.fixture()
def files(tmp_path):
    gold = _gold_records()
    gold_path = tmp_path / "gold.jsonl"
    gold_path.write_text("".join(json.dumps(r) + "\n" for r in gold), encoding="utf-8")
    model = KeywordModel()
    proba = model.predict_proba([r["text"] for r in gold])
    preds = []
    for name, shift in (("alpha", 0.0), ("beta", 0.35)):
        path = tmp_path / f"{name}.jsonl"
        with path.open("w", encoding="utf-8") as fh:
            for r, row in zip(gold, proba):
                scores = {t: float(min(1.0, s + shift)) for t, s in zip(THEMES, row)}
                fh.write(json.dumps({"id": r["id"], "labels": [t for t, s in scores.items() if s >= 0.5],
                                     "scores": scores}) + "\n")
        preds.append(path)
    return gold_path, preds


def _run(*args):
    return CliRunner().invoke(app, [str(a) for a in args])


def test_evaluate_prediction_file_writes_report_and_prints_table(files, tmp_path):
    gold, (alpha, _) = files
    res = _run("evaluate", gold, "--predictions", alpha, "--report", tmp_path / "rep", "--bootstrap", 100)
    assert res.exit_code == 0, res.output
    assert "macro F1" in res.stdout and "supply_chains" in res.stdout
    metrics = json.loads((tmp_path / "rep" / "metrics.json").read_text())
    assert metrics["model"] == "alpha" and metrics["ci"]["n_resamples"] == 100
    assert metrics["per_theme"]["supply_chains"]["fn"] == 3
    assert (tmp_path / "rep" / "report.md").exists() and (tmp_path / "rep" / "pr_curves.png").exists()
    assert SENTINEL not in "".join(p.read_text("utf-8", "replace") for p in (tmp_path / "rep").glob("*.md"))


def test_evaluate_with_excerpts_puts_text_in_errors(files, tmp_path):
    gold, (alpha, _) = files
    res = _run("evaluate", gold, "-p", alpha, "--report", tmp_path / "rep", "--excerpts", "--bootstrap", 0)
    assert res.exit_code == 0, res.output
    assert SENTINEL in (tmp_path / "rep" / "errors.md").read_text("utf-8")
    assert "do not commit" in res.stderr


def test_two_prediction_files_give_a_comparison(files, tmp_path):
    gold, (alpha, beta) = files
    res = _run("evaluate", gold, "-p", alpha, "-p", beta, "--report", tmp_path / "cmp", "--bootstrap", 50)
    assert res.exit_code == 0, res.output
    assert (tmp_path / "cmp" / "alpha" / "metrics.json").exists() and (tmp_path / "cmp" / "beta" / "report.md").exists()
    table = (tmp_path / "cmp" / "comparison.md").read_text("utf-8")
    assert "[alpha](alpha/report.md)" in table and "[beta](beta/report.md)" in table
    data = json.loads((tmp_path / "cmp" / "comparison.json").read_text())
    assert [m["model"] for m in data["models"]] == ["alpha", "beta"]
    assert "model comparison" in res.stdout


def test_malformed_gold_line_gives_data_error_with_line_number(files, tmp_path):
    _, (alpha, _) = files
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "a", "text": "x", "labels": []}\n{"id": "b", "text": \n', encoding="utf-8")
    res = _run("evaluate", bad, "-p", alpha)
    assert res.exit_code == 12
    assert "bad.jsonl:2: malformed JSON" in res.stderr and "Traceback" not in res.output


def test_missing_gold_file_and_conflicting_sources(files, tmp_path):
    gold, (alpha, _) = files
    assert _run("evaluate", tmp_path / "nope.jsonl", "-p", alpha).exit_code == 3
    assert _run("evaluate", gold, "--split", "dev", "-p", alpha).exit_code == 2
    assert _run("evaluate", "-p", alpha).exit_code == 2


def test_split_without_gold_module_is_a_data_error(files, monkeypatch):
    _, (alpha, _) = files
    monkeypatch.setitem(sys.modules, "tipnlp.gold", None)  # as if tipnlp.gold were not written yet
    res = _run("evaluate", "--split", "test", "-p", alpha)
    assert res.exit_code == 12 and "tipnlp.gold" in res.stderr


def test_split_reads_project_gold_through_export_records(files, monkeypatch):
    _, (alpha, _) = files
    fake = types.ModuleType("tipnlp.gold")
    asked = []

    def export_records(split):
        asked.append(split)
        return iter(_gold_records())

    fake.export_records = export_records
    monkeypatch.setitem(sys.modules, "tipnlp.gold", fake)
    res = _run("evaluate", "--split", "dev", "-p", alpha, "--bootstrap", 0)
    assert res.exit_code == 0, res.output
    assert asked == ["dev"]


def test_evaluate_and_predict_with_a_model(files, tmp_path, monkeypatch):
    gold, _ = files
    loaded = []
    monkeypatch.setattr(commands_eval, "_load_model", lambda name: loaded.append(name) or KeywordModel())
    res = _run("evaluate", gold, "--model", "kw", "--report", tmp_path / "rep", "--bootstrap", 20)
    assert res.exit_code == 0, res.output
    metrics = json.loads((tmp_path / "rep" / "metrics.json").read_text())
    assert metrics["model"] == "kw" and metrics["speed"]["passages_per_second"] > 0
    assert "passages/s" in res.stdout

    out = tmp_path / "pred.jsonl"
    res = _run("predict", gold, "--out", out, "--batch-size", 7)
    assert res.exit_code == 0, res.output
    assert loaded == ["kw", None]
    lines = [json.loads(x) for x in out.read_text().splitlines()]
    assert len(lines) == 30 and set(lines[0]) == {"id", "labels", "scores"}
    assert lines[0]["labels"] == ["supply_chains"] and "wrote 30 predictions" in res.stdout
    # the prediction file written by `predict` evaluates as is
    res = _run("evaluate", gold, "-p", out, "--bootstrap", 0)
    assert res.exit_code == 0, res.output


def test_predict_missing_input_exit_code(tmp_path, monkeypatch):
    monkeypatch.setattr(commands_eval, "_load_model", lambda name: KeywordModel())
    res = _run("predict", tmp_path / "none.jsonl", "--out", tmp_path / "o.jsonl")
    assert res.exit_code == 3 and not (tmp_path / "o.jsonl").exists()


def test_ops_and_config_without_cv_are_usage_errors():
    runner = CliRunner()
    for args in (["evaluate", "--ops"], ["evaluate", "--config", "training/context_sentence.yaml"]):
        result = runner.invoke(app, args)
        assert result.exit_code == 2, (args, result.output)


def test_cv_with_a_missing_config_names_it():
    result = CliRunner().invoke(app, ["evaluate", "--cv", "3", "--config", "training/no_such.yaml"])
    assert result.exit_code != 0
    assert "no_such.yaml" in result.output
