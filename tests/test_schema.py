"""The packaged JSON Schemas describe tipnlp's REAL output (classify json/jsonl, predict), and only it."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

jsonschema = pytest.importorskip("jsonschema")

import tipnlp.cli  # noqa: E402,F401  (registers every command)
from tipnlp.cli.app import app  # noqa: E402
from tipnlp.records import SCHEMA_VERSION  # noqa: E402
from tipnlp.schemas import load_schema, validate  # noqa: E402

runner = CliRunner()

PAGES = [
    "Section 1. Non-punishment of victims\nA victim of trafficking shall not be prosecuted or punished for "
    "unlawful acts committed as a direct consequence of having been trafficked.",
    "Section 2. Organ removal\nTrafficking for the purpose of the removal of organs shall be punished by "
    "imprisonment.\n\nSection 3. Commencement\nThis Act enters into force on the day after publication.",
]


@pytest.fixture()
def law_txt(tmp_path) -> Path:
    path = tmp_path / "act.txt"
    path.write_text("\n\n".join(PAGES) + "\n", encoding="utf-8")
    return path


def _classify(path: Path, tmp_path: Path, fmt: str, *extra: str) -> str:
    out = tmp_path / f"out.{fmt}"
    result = runner.invoke(app, ["classify", str(path), "-m", "lexicon", "-f", fmt, "-o", str(out), *extra])
    assert result.exit_code == 0, result.output
    return out.read_text(encoding="utf-8")


def test_schemas_are_valid_draft_2020_12():
    from jsonschema import Draft202012Validator

    for name in ("output", "predict"):
        schema = load_schema(name)
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
        Draft202012Validator.check_schema(schema)


@pytest.mark.parametrize("extra", [(), ("--all-passages",), ("--min-score", "0.9", "--theme", "organ_removal")])
def test_classify_json_envelope_validates(law_txt, tmp_path, extra):
    data = json.loads(_classify(law_txt, tmp_path, "json", *extra))
    validate(data)
    validate(data, definition="envelope")
    assert data["schema_version"] == SCHEMA_VERSION
    assert data["passages"], "the document must give tagged passages, or the test checks nothing"
    if "--all-passages" in extra:
        assert any(not p["themes"] for p in data["passages"])  # untagged passages validate too


def test_classify_jsonl_lines_validate_as_passages_then_document(law_txt, tmp_path):
    lines = [json.loads(line) for line in _classify(law_txt, tmp_path, "jsonl").splitlines()]
    assert len(lines) >= 3
    for rec in lines[:-1]:
        validate(rec, definition="passage")
        validate(rec)
    validate(lines[-1], definition="document")
    assert lines[-1]["record"] == "document"
    assert any(p["themes"][0]["evidence"] for p in lines[:-1])  # evidence objects were checked


def test_pdf_output_with_page_numbers_validates(tmp_path):
    from factories import make_pdf

    pdf = make_pdf(PAGES, tmp_path / "act.pdf")
    data = json.loads(_classify(pdf, tmp_path, "json"))
    validate(data)
    assert {p["page"] for p in data["passages"]} >= {1, 2}


def test_predict_lines_validate(tmp_path):
    inputs = tmp_path / "in.jsonl"
    inputs.write_text(
        json.dumps({"id": "a", "text": PAGES[0]}) + "\n" + json.dumps({"id": "b", "text": "Nothing to see."}) + "\n"
    )
    out = tmp_path / "pred.jsonl"
    result = runner.invoke(app, ["predict", str(inputs), "-o", str(out), "-m", "lexicon"])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(lines) == 2 and lines[0]["labels"] == ["non_punishment"]
    for line in lines:
        validate(line, "predict")


def test_schema_rejects_drifted_records(law_txt, tmp_path):
    """The schema is strict enough to catch a renamed field, a bad type or a score out of range."""
    data = json.loads(_classify(law_txt, tmp_path, "json"))
    passage = data["passages"][0]
    broken = []
    renamed = copy.deepcopy(passage)
    renamed["passage"] = renamed.pop("passage_id")
    broken.append(renamed)
    bad_score = copy.deepcopy(passage)
    bad_score["themes"][0]["score"] = 1.5
    broken.append(bad_score)
    bad_op = copy.deepcopy(passage)
    bad_op["ops"] = [{"op": 51, "score": 0.1, "themes": []}]
    broken.append(bad_op)
    wrong_version = copy.deepcopy(passage)
    wrong_version["schema_version"] = "2.0"
    broken.append(wrong_version)
    for rec in broken:
        with pytest.raises(jsonschema.ValidationError):
            validate(rec, definition="passage")
    envelope = copy.deepcopy(data)
    del envelope["document"]["sha256"]
    with pytest.raises(jsonschema.ValidationError):
        validate(envelope)


def test_schema_is_shipped_inside_the_package():
    from importlib import resources

    assert resources.files("tipnlp").joinpath("schemas", "output.schema.json").is_file()
    assert resources.files("tipnlp").joinpath("py.typed").is_file()


def test_batch_results_validate_against_the_schema(tmp_path):
    """Real `tipnlp batch` output (a tagged document and a failed one) follows the documented schema."""
    import json as _json

    from typer.testing import CliRunner

    from factories import make_image_only_pdf
    from tipnlp.cli import app
    from tipnlp.schemas import validate

    good = tmp_path / "act.txt"
    good.write_text("Section 4. A victim of trafficking shall not be prosecuted for prostitution committed as a "
                    "direct consequence of being trafficked.\n", encoding="utf-8")
    scan = make_image_only_pdf(tmp_path / "scan.pdf")
    out = tmp_path / "results"
    result = CliRunner().invoke(app, ["batch", str(good), str(scan), "--out", str(out), "--model", "lexicon",
                                      "--workers", "1", "--no-progress", "--strict"])
    assert result.exit_code == 14, result.output
    docs = [_json.loads(x) for x in (out / "documents.jsonl").read_text(encoding="utf-8").splitlines()]
    passages = [_json.loads(x) for x in (out / "passages.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(docs) == 2 and passages
    assert {d["error"]["code"] for d in docs if d["error"]} == {"no_text_layer"}
    for record in docs + passages:
        validate(record)
