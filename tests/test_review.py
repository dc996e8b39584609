"""``tipnlp review export|import``: real lexicon-model output, simulated reviewers, stand-off gold back."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from typer.testing import CliRunner

import tipnlp.cli  # noqa: F401  (registers every command group)
from tipnlp.cli.app import app
from tipnlp.gold import read_gold_file, text_sha1

runner = CliRunner()

# Text written for these tests (not corpus text). The lexicon model tags sections 1-6.
SAMPLE_LAW = """Model Act on Trafficking in Persons (test text)

Section 1. Non-punishment of victims
A victim of trafficking shall not be prosecuted or punished for unlawful acts committed as a direct consequence of having been trafficked, including the use of false documents.

Section 2. Training of officials
The Ministry shall provide training to police officers, prosecutors, judges and labour inspectors on identifying and referring victims of trafficking.

Section 3. Supply chains
Every business enterprise above the turnover threshold shall publish an annual statement on the steps taken to prevent forced labour in its supply chains, including due diligence and supplier audits.

Section 4. Organ removal
Trafficking for the purpose of the removal of organs shall be punished by imprisonment of up to fifteen years.

Section 5. Demand
Any person who knowingly uses the services of a victim of trafficking commits an offence.

Section 6. Recruitment
Recruitment agencies shall be licensed and shall not charge workers any recruitment fees.

Section 7. Commencement
This Act enters into force on the day after its publication in the official gazette.
"""


def run(*args: str):
    return runner.invoke(app, [str(a) for a in args])


@pytest.fixture(scope="module")
def tagger():
    from tipnlp import Tagger

    return Tagger.load("lexicon")


@pytest.fixture()
def law(tmp_path) -> Path:
    path = tmp_path / "model_act.txt"
    path.write_text(SAMPLE_LAW, encoding="utf-8")
    return path


def _doc_text(path: Path) -> str:
    from tipnlp.ingest import read_document

    return read_document(path).text


def _export(law: Path, fmt: str, out: Path, *extra: str) -> None:
    result = run("review", "export", law, "--format", fmt, "--out", out, "--model", "lexicon", *extra)
    assert result.exit_code == 0, result.output


def _assert_standoff(gold_path: Path, law: Path) -> list:
    """Every record is stand-off (no text), anchored by a sha1 that matches the document."""
    text = _doc_text(law)
    raw = gold_path.read_text(encoding="utf-8")
    assert "supplier audits" not in raw and "recruitment fees" not in raw  # text never stored
    records = read_gold_file(gold_path)
    for line in raw.splitlines():
        assert set(json.loads(line)) == {"doc_id", "start", "end", "sha1", "labels", "annotator", "round"}
    for rec in records:
        assert rec.round == "review"
        assert rec.sha1 == text_sha1(text[rec.start : rec.end])
    return records


# -- choosing passages ----------------------------------------------------------------------------
def test_uncertain_picks_passages_whose_scores_are_closest_to_a_threshold(law, tmp_path, tagger):
    out = tmp_path / "tasks.jsonl"
    _export(law, "prodigy", out, "--uncertain", "2")
    tasks = [json.loads(line) for line in out.read_text().splitlines()]
    # independent computation of the margins from the model's full scores
    result = tagger.tag_file(law)
    proba = tagger.predict_proba([p.text for p in result.passages])
    thresholds = tagger.model.threshold_vector()
    margins = [float(abs(row - thresholds).min()) for row in proba]
    expected = sorted(range(len(margins)), key=lambda i: (margins[i], i))[:2]
    assert [t["meta"]["passage_id"] for t in tasks] == [result.passages[i].passage_id for i in expected]
    assert {t["meta"]["heading"] for t in tasks} == {"Section 2. Training of officials", "Section 5. Demand"}
    assert tasks[0]["meta"]["margin"] <= tasks[1]["meta"]["margin"]


def test_sample_is_reproducible_with_its_seed(law, tmp_path):
    picks = []
    for name, seed in (("a", 3), ("b", 3)):
        out = tmp_path / f"{name}.jsonl"
        _export(law, "prodigy", out, "--sample", "3", "--seed", str(seed))
        picks.append([json.loads(line)["meta"]["passage_id"] for line in out.read_text().splitlines()])
    assert picks[0] == picks[1] and len(picks[0]) == 3
    seen = set()
    for seed in range(6):
        out = tmp_path / f"s{seed}.jsonl"
        _export(law, "prodigy", out, "--sample", "3", "--seed", str(seed))
        seen.add(tuple(json.loads(line)["meta"]["passage_id"] for line in out.read_text().splitlines()))
    assert len(seen) > 1  # the seed matters


def test_uncertain_and_sample_together_are_refused(law, tmp_path):
    result = run("review", "export", law, "-f", "prodigy", "-o", tmp_path / "x.jsonl", "-m", "lexicon",
                 "--uncertain", "2", "--sample", "2")
    assert result.exit_code == 12
    assert "exclude each other" in result.output


def test_export_reads_classify_jsonl_and_a_results_folder(law, tmp_path):
    jsonl = tmp_path / "out.jsonl"
    assert run("classify", law, "-m", "lexicon", "-f", "jsonl", "--all-passages", "-o", jsonl).exit_code == 0
    folder = tmp_path / "batch"
    folder.mkdir()
    (folder / "passages.jsonl").write_text(jsonl.read_text())
    ids = []
    for source in (law, jsonl, folder):
        out = tmp_path / f"t{len(ids)}.jsonl"
        _export(source, "prodigy", out)
        ids.append([json.loads(line)["meta"]["passage_id"] for line in out.read_text().splitlines()])
    assert ids[0] == ids[1] == ids[2] and len(ids[0]) == 7


# -- Label Studio ---------------------------------------------------------------------------------
def test_label_studio_round_trip_with_two_reviewers(law, tmp_path):
    tasks_path = tmp_path / "ls_tasks.json"
    _export(law, "label-studio", tasks_path)
    tasks = json.loads(tasks_path.read_text())
    assert len(tasks) == 7
    config = ET.fromstring((tmp_path / "ls_tasks.label_config.xml").read_text())
    choices = config.find("Choices")
    assert choices.get("name") == "themes" and choices.get("choice") == "multiple" and choices.get("toName") == "text"
    assert {c.get("value") for c in choices.findall("Choice")} == {
        "demand_reduction", "non_punishment", "gender_sensitive_training", "supply_chains", "organ_removal"}
    by_heading = {t["data"]["heading"]: t for t in tasks}
    first = by_heading["Section 2. Training of officials"]
    assert first["predictions"][0]["result"][0]["value"]["choices"] == ["gender_sensitive_training"]
    assert first["predictions"][0]["model_version"] == "lexicon"
    assert by_heading["Section 7. Commencement"]["predictions"][0]["result"] == []

    # Simulate Label Studio's JSON export: reviewer 1 accepts the model everywhere; reviewer 2 adds
    # non_punishment to Section 5; reviewer 3 skipped (cancelled) one task.
    for task in tasks:
        model = task["predictions"][0]["result"]
        task["id"] = tasks.index(task) + 1
        mine = json.loads(json.dumps(model))
        theirs = json.loads(json.dumps(model))
        if task["data"]["heading"] == "Section 5. Demand":
            theirs[0]["value"]["choices"].append("non_punishment")
        task["annotations"] = [
            {"id": 1, "completed_by": 1, "result": mine, "was_cancelled": False},
            {"id": 2, "completed_by": {"id": 2, "email": "rev2@example.org"}, "result": theirs, "was_cancelled": False},
        ]
        if task["data"]["heading"] == "Section 6. Recruitment":
            task["annotations"].append({"id": 3, "completed_by": 3, "result": [], "was_cancelled": True})
    exported = tmp_path / "ls_export.json"
    exported.write_text(json.dumps(tasks))

    gold = tmp_path / "gold.jsonl"
    report = tmp_path / "agreement.json"
    disagreements = tmp_path / "disagree.jsonl"
    result = run("review", "import", exported, "-f", "label-studio", "-o", gold, "--report", report,
                 "--disagreements", disagreements)
    assert result.exit_code == 0, result.output
    assert "held out" in result.output
    records = _assert_standoff(gold, law)
    assert len(records) == 6  # Section 5 held out: the reviewers disagree
    assert {r.annotator for r in records} == {"label-studio:1+label-studio:rev2@example.org"}
    labels = {_doc_text(law)[r.start : r.end].split("\n")[0]: list(r.labels) for r in records}
    assert labels["Section 7. Commencement"] == []
    assert labels["Section 6. Recruitment"] == ["supply_chains"]
    held = [json.loads(line) for line in disagreements.read_text().splitlines()]
    assert len(held) == 1 and held[0]["labels_by_reviewer"]["label-studio:rev2@example.org"] == [
        ["demand_reduction", "non_punishment"]]

    figures = json.loads(report.read_text())
    assert figures["n_reviews"] == 14 and figures["n_pairs"] == 7
    assert figures["exact_between_reviewers"] == pytest.approx(6 / 7, abs=1e-4)
    between = {row["theme"]: row for row in figures["between_reviewers"]}
    assert between["non_punishment"]["agreement"] == pytest.approx(6 / 7, abs=1e-4)
    assert between["organ_removal"]["kappa"] == 1.0
    vs_model = {row["theme"]: row for row in figures["vs_model"]}
    assert vs_model["non_punishment"]["n"] == 14
    assert vs_model["non_punishment"]["agreement"] == pytest.approx(13 / 14, abs=1e-4)
    assert vs_model["supply_chains"]["kappa"] == 1.0


def test_label_studio_import_refuses_an_edited_text(law, tmp_path):
    tasks_path = tmp_path / "ls.json"
    _export(law, "label-studio", tasks_path, "--uncertain", "1")
    tasks = json.loads(tasks_path.read_text())
    tasks[0]["data"]["text"] += " (edited)"
    tasks[0]["annotations"] = [{"completed_by": 1, "result": [], "was_cancelled": False}]
    tasks_path.write_text(json.dumps(tasks))
    result = run("review", "import", tasks_path, "-f", "label-studio", "-o", tmp_path / "g.jsonl")
    assert result.exit_code == 12
    assert "sha1" in result.output
    assert not (tmp_path / "g.jsonl").exists()


# -- Argilla --------------------------------------------------------------------------------------
def test_argilla_round_trip(law, tmp_path):
    records_path = tmp_path / "argilla.json"
    _export(law, "argilla", records_path)
    records = json.loads(records_path.read_text())
    settings = json.loads((tmp_path / "argilla.settings.json").read_text())
    assert settings["questions"][0]["name"] == "themes"
    assert settings["questions"][0]["type"] == "multi_label_selection"
    for rec in records:  # the shape of argilla's Record.to_dict(), which Record.from_dict reads
        assert set(rec) == {"id", "fields", "metadata", "suggestions", "responses", "vectors"}
        assert rec["id"] == rec["metadata"]["passage_id"]
    organs = next(r for r in records if "removal of organs" in r["fields"]["text"])
    assert organs["suggestions"]["themes"]["value"] == ["organ_removal"]
    assert organs["suggestions"]["themes"]["agent"] == "lexicon"
    assert 0.5 <= organs["suggestions"]["themes"]["score"][0] <= 1

    # One reviewer: accepts the suggestions except on the training passage (says none);
    # a discarded response and a record nobody answered are not imported.
    for rec in records:
        suggested = rec["suggestions"].get("themes", {}).get("value", [])
        if "Training of officials" in rec["fields"]["text"]:
            suggested = []
        rec["responses"] = {"themes": [{"value": suggested, "user_id": "5b0c1c3e-0000-4000-8000-000000000001",
                                        "status": "submitted"}]}
    records[-1]["responses"] = {}
    records[0]["responses"]["themes"].append({"value": ["supply_chains"], "user_id": "x", "status": "discarded"})
    records_path.write_text(json.dumps(records))

    gold = tmp_path / "gold.jsonl"
    report = tmp_path / "agreement.json"
    result = run("review", "import", records_path, "-f", "argilla", "-o", gold, "--annotator", "ana",
                 "--report", report)
    assert result.exit_code == 0, result.output
    recs = _assert_standoff(gold, law)
    assert len(recs) == 6 and {r.annotator for r in recs} == {"ana"}
    training = next(r for r in recs if _doc_text(law)[r.start : r.end].startswith("Section 2."))
    assert training.labels == ()
    vs_model = {row["theme"]: row for row in json.loads(report.read_text())["vs_model"]}
    gst = vs_model["gender_sensitive_training"]
    assert gst["n"] == 6 and gst["agreement"] == pytest.approx(5 / 6, abs=1e-4)
    assert gst["kappa"] == 0.0  # the reviewer never says yes where the model said yes once
    assert vs_model["demand_reduction"]["kappa"] == 1.0


# -- Prodigy and the rules for existing gold files ------------------------------------------------
def _prodigy_reviewed(law: Path, tmp_path: Path, edit=None) -> Path:
    tasks_path = tmp_path / "prodigy.jsonl"
    if not tasks_path.exists():
        _export(law, "prodigy", tasks_path)
    rows = [json.loads(line) for line in tasks_path.read_text().splitlines()]
    assert rows[0]["options"][0] == {"id": "demand_reduction", "text": "Demand reduction"}
    for row in rows:
        row["answer"] = "accept"
        row["_session_id"] = "tipnlp_review-maria"
        if edit:
            edit(row)
    rows[-1]["answer"] = "ignore"
    out = tmp_path / "prodigy_db_out.jsonl"
    out.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return out


def test_prodigy_round_trip(law, tmp_path):
    reviewed = _prodigy_reviewed(law, tmp_path)
    gold = tmp_path / "gold.jsonl"
    result = run("review", "import", reviewed, "-f", "prodigy", "-o", gold)
    assert result.exit_code == 0, result.output
    recs = _assert_standoff(gold, law)
    assert len(recs) == 6  # the ignored task is not gold
    assert {r.annotator for r in recs} == {"prodigy:tipnlp_review-maria"}
    assert sorted(label for r in recs for label in r.labels) == sorted(
        ["non_punishment", "gender_sensitive_training", "supply_chains", "organ_removal", "demand_reduction",
         "supply_chains"])


def test_existing_gold_is_never_overwritten_without_append(law, tmp_path):
    gold = tmp_path / "gold.jsonl"
    gold.write_text('{"doc_id": "other", "start": 0, "end": 5, "sha1": "abc", "labels": [], "annotator": "x", "round": 1}\n')
    before = gold.read_bytes()
    reviewed = _prodigy_reviewed(law, tmp_path)
    result = run("review", "import", reviewed, "-f", "prodigy", "-o", gold)
    assert result.exit_code == 12
    assert "already exists" in result.output and "--append" in result.output
    assert gold.read_bytes() == before

    result = run("review", "import", reviewed, "-f", "prodigy", "-o", gold, "--append")
    assert result.exit_code == 0, result.output
    after = gold.read_text()
    assert after.startswith(before.decode())  # the existing line is kept byte for byte
    assert len(after.splitlines()) == 7

    # the same reviews again: nothing new, file unchanged
    snapshot = gold.read_bytes()
    result = run("review", "import", reviewed, "-f", "prodigy", "-o", gold, "--append")
    assert result.exit_code == 0 and "0 added, 6 unchanged" in result.output
    assert gold.read_bytes() == snapshot


def test_append_refuses_conflicting_labels_unless_asked(law, tmp_path):
    gold = tmp_path / "gold.jsonl"
    first = _prodigy_reviewed(law, tmp_path)
    assert run("review", "import", first, "-f", "prodigy", "-o", gold).exit_code == 0
    snapshot = gold.read_bytes()

    def drop_organs(row):
        row["accept"] = [t for t in row["accept"] if t != "organ_removal"]

    second = _prodigy_reviewed(law, tmp_path, edit=drop_organs)
    result = run("review", "import", second, "-f", "prodigy", "-o", gold, "--append", "--annotator", "lee")
    assert result.exit_code == 12
    assert "already have different labels" in result.output and "organ_removal" in result.output
    assert gold.read_bytes() == snapshot

    result = run("review", "import", second, "-f", "prodigy", "-o", gold, "--append", "--annotator", "lee",
                 "--replace-conflicts")
    assert result.exit_code == 0, result.output
    assert "1 replaced" in result.output
    recs = read_gold_file(gold)
    assert len(recs) == 6
    organs = [r for r in recs if _doc_text(law)[r.start : r.end].startswith("Section 4.")]
    assert organs[0].labels == () and organs[0].annotator == "lee"


def test_import_refuses_unknown_theme_ids(law, tmp_path):
    def typo(row):
        row["accept"] = ["non_punishmnet"]

    reviewed = _prodigy_reviewed(law, tmp_path, edit=typo)
    result = run("review", "import", reviewed, "-f", "prodigy", "-o", tmp_path / "g.jsonl")
    assert result.exit_code == 12 and "non_punishmnet" in result.output
    assert not (tmp_path / "g.jsonl").exists()
