"""`tipnlp classify/segment/themes/ops`: output formats, filters and one clear error per bad input."""

from __future__ import annotations

import csv
import io
import json

import pytest
from typer.testing import CliRunner

from factories import make_image_only_pdf, make_pdf
from tipnlp.cli import app
from tipnlp.errors import (
    CorruptDocument, EmptyDocument, EncryptedDocument, InputNotFound, NoTextLayer, UnsupportedFormat,
)

runner = CliRunner()
LEX = ["--model", "lexicon"]


def run(*args):
    return runner.invoke(app, [str(a) for a in args])


def test_classify_json_has_document_report_and_tagged_passages(sample_act_path):
    result = run("classify", sample_act_path, "--format", "json", *LEX)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["schema_version"]
    found = {t["id"] for t in data["document"]["themes"]}
    assert {"non_punishment", "organ_removal", "supply_chains"} <= found
    text = sample_act_path.read_text(encoding="utf-8")
    for p in data["passages"]:
        assert text[p["start"] : p["end"]] == p["text"]
        for theme in p["themes"]:
            for ev in theme["evidence"]:
                assert text[ev["start"] : ev["end"]] == ev["text"]
                assert p["start"] <= ev["start"] < ev["end"] <= p["end"]
        assert p["ops"], "every tagged passage links to operative paragraphs"
    np_passage = next(p for p in data["passages"] if any(t["id"] == "non_punishment" for t in p["themes"]))
    assert 27 in [o["op"] for o in np_passage["ops"]]


def test_theme_filter_and_min_score(sample_act_path):
    result = run("classify", sample_act_path, "--format", "jsonl", "--theme", "supply_chains", *LEX)
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    passages = [r for r in lines if r["record"] == "passage"]
    assert passages and all({t["id"] for t in r["themes"]} == {"supply_chains"} for r in passages)
    assert lines[-1]["record"] == "document"
    high = run("classify", sample_act_path, "--format", "json", "--min-score", "0.999", *LEX)
    assert all(t["score"] >= 0.999 for p in json.loads(high.stdout)["passages"] for t in p["themes"])


def test_unknown_theme_is_a_usage_error(sample_act_path):
    result = run("classify", sample_act_path, "--theme", "no_such_theme", *LEX)
    assert result.exit_code == 2
    assert "unknown theme" in result.stderr


def test_csv_markdown_and_table_outputs(sample_act_path, tmp_path):
    out = tmp_path / "r.csv"
    assert run("classify", sample_act_path, "--format", "csv", "--out", out, *LEX).exit_code == 0
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert rows and {"doc_id", "passage_id", "page", "theme", "score", "ops", "evidence"} <= set(rows[0])
    md = run("classify", sample_act_path, "--format", "markdown", *LEX)
    assert md.exit_code == 0 and "| theme | passages |" in md.stdout
    table = run("classify", sample_act_path, *LEX)
    assert table.exit_code == 0 and "non_punishment" in table.stdout


def test_pdf_keeps_page_numbers(tmp_path):
    pdf = make_pdf(
        ["Section 1. Every victim of trafficking shall not be prosecuted for prostitution committed as a direct consequence of being trafficked.",
         "Section 2. Companies shall report on due diligence in their supply chains and audit their suppliers for forced labour."],
        tmp_path / "two_pages.pdf",
    )
    data = json.loads(run("classify", pdf, "--format", "json", *LEX).stdout)
    pages = {t["id"]: p["page"] for p in data["passages"] for t in p["themes"]}
    assert pages.get("non_punishment") == 1
    assert pages.get("supply_chains") == 2
    assert data["document"]["pages"] == 2


@pytest.mark.parametrize(
    "make, error",
    [
        (lambda d: d / "missing.pdf", InputNotFound),
        (lambda d: (d / "img.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(200)) and d / "img.png", UnsupportedFormat),
        (lambda d: (d / "bad.pdf").write_bytes(b"%PDF-1.7\n1 0 obj <<\n") and d / "bad.pdf", CorruptDocument),
        (lambda d: make_pdf(["secret text"], d / "locked.pdf", password="pw"), EncryptedDocument),
        (lambda d: make_image_only_pdf(d / "scan.pdf"), NoTextLayer),
        (lambda d: (d / "empty.txt").write_text("  \n\n ") and d / "empty.txt", EmptyDocument),
    ],
)
def test_bad_input_gets_one_clear_line_and_its_exit_code(tmp_path, make, error):
    path = make(tmp_path)
    result = run("classify", path, *LEX)
    assert result.exit_code == error.exit_code
    assert result.stderr.startswith("error: ")
    assert "Traceback" not in result.output
    if error is NoTextLayer:
        assert "ocrmypdf" in result.stderr


def test_encrypted_pdf_opens_with_its_password(tmp_path):
    pdf = make_pdf(["A victim of trafficking shall not be prosecuted for prostitution."], tmp_path / "l.pdf", password="pw")
    assert run("classify", pdf, "--password", "pw", *LEX).exit_code == 0
    wrong = run("classify", pdf, "--password", "nope", *LEX)
    assert wrong.exit_code == EncryptedDocument.exit_code


def test_segment_themes_ops_and_version(sample_act_path):
    seg = run("segment", sample_act_path, "--format", "jsonl")
    assert seg.exit_code == 0
    passages = [json.loads(x) for x in seg.stdout.splitlines()]
    assert any("Non-punishment" in p["heading"] for p in passages)
    themes = json.loads(run("themes", "--json").stdout)
    assert [t["id"] for t in themes["themes"] if t["core"]] == [
        "demand_reduction", "non_punishment", "gender_sensitive_training", "supply_chains", "organ_removal"]
    op27 = json.loads(run("ops", "27", "--json").stdout)
    assert op27[0]["themes"] == ["non_punishment"]
    bad = run("ops", "51")
    assert bad.exit_code == 2 and "less than or equal to 50" in bad.output
    assert run("--version").stdout.startswith("tipnlp ")


def test_unknown_model_is_a_clear_error(sample_act_path):
    result = run("classify", sample_act_path, "--model", "no-such-model")
    assert result.exit_code == 11
    assert "no model" in result.stderr
