"""Themes the model does not predict are marked as such, kept out of reports, and refused by --theme."""

from __future__ import annotations

import csv
import json

from typer.testing import CliRunner

from tipnlp.batch.collection_report import write_collection_report
from tipnlp.cli import app
from tipnlp.model_themes import predicted_theme_ids
from tipnlp.taxonomy import load_taxonomy

runner = CliRunner()
CORE = ["demand_reduction", "non_punishment", "gender_sensitive_training", "supply_chains", "organ_removal"]


def test_shipped_models_predict_the_core_themes():
    assert predicted_theme_ids() == CORE
    assert predicted_theme_ids("lexicon") == CORE


def test_themes_marks_the_wider_themes_as_not_predicted():
    data = json.loads(runner.invoke(app, ["themes", "--json"]).stdout)
    predicted = {t["id"]: t["predicted"] for t in data["themes"]}
    assert [t for t, yes in predicted.items() if yes] == CORE
    assert predicted["criminalisation"] is False
    rows = [line.split("\t") for line in runner.invoke(app, ["themes"]).stdout.splitlines()]
    assert ["criminalisation", "no"] == rows[[r[0] for r in rows].index("criminalisation")][:2]


def test_a_theme_the_model_cannot_predict_is_a_usage_error(sample_act_path):
    result = runner.invoke(app, ["classify", str(sample_act_path), "--theme", "criminalisation", "-m", "lexicon"])
    assert result.exit_code == 2
    assert "does not predict" in result.stderr


def test_a_mistyped_theme_is_a_usage_error_naming_the_closest_id(sample_act_path):
    result = runner.invoke(app, ["classify", str(sample_act_path), "--theme", "non_punishmnt", "-m", "lexicon"])
    assert result.exit_code == 2
    assert "Did you mean non_punishment?" in result.stderr


def _results_folder(path, model="lexicon"):
    path.mkdir()
    (path / "batch.json").write_text(json.dumps({"model": model, "all_passages": False}), encoding="utf-8")
    doc = {"doc_id": "a", "source": str(path / "a.txt"), "pages": 1, "n_passages": 2, "n_tagged": 1, "model": model,
           "themes": [{"id": "non_punishment", "passages": 1}], "ops_covered": [27], "error": None}
    (path / "documents.jsonl").write_text(json.dumps(doc) + "\n", encoding="utf-8")
    (path / "passages.jsonl").write_text("", encoding="utf-8")
    return path


def test_report_has_a_column_per_predicted_theme_only(tmp_path):
    results = _results_folder(tmp_path / "results")
    write_collection_report(results, tmp_path / "report")
    with open(tmp_path / "report" / "matrix.csv", encoding="utf-8") as fh:
        header = next(csv.reader(fh))
    assert header == ["doc_id", "source", *CORE, "error"]
    page = (tmp_path / "report" / "index.html").read_text(encoding="utf-8")
    wider = [t.id for t in load_taxonomy().themes if not t.core]
    assert wider and not any(f">{t}</th>" in page for t in wider)
