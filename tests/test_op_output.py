"""Every output says which operative paragraph (OP) a theme tag implements, and how sure tipnlp is.

The primary OP of a tag is the OP ranker's most probable OP for the theme; secondary OPs are those
confident enough to reach the passage level. Documents and a small batch results folder below are
written for these tests.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

import tipnlp.cli  # noqa: F401  (registers every command)
from tipnlp.cli.app import app
from tipnlp.records import SCHEMA_VERSION, Document, OpLink, PageSpan, PassagePrediction, ThemeScore

runner = CliRunner()
LEX = ("--model", "lexicon")


def _run(*args):
    return runner.invoke(app, [str(a) for a in args])


@pytest.fixture(scope="module")
def tagged_json(tmp_path_factory) -> dict:
    from conftest import SAMPLE_ACT

    path = tmp_path_factory.mktemp("act") / "model_act.txt"  # the doc id of sample_act_path
    path.write_text(SAMPLE_ACT, encoding="utf-8")
    result = _run("classify", path, "-f", "json", *LEX)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["passages"], "the sample act must give tagged passages, or these tests check nothing"
    return data


# -- classify json ------------------------------------------------------------------------------
def test_json_theme_tags_carry_ranked_ops_with_exactly_one_primary_first(tagged_json):
    assert tagged_json["schema_version"] == SCHEMA_VERSION == "1.1"
    for p in tagged_json["passages"]:
        for t in p["themes"]:
            ops = t["ops"]
            assert ops, f"{t['id']} has no OP"
            assert [o["primary"] for o in ops] == [True] + [False] * (len(ops) - 1)
            scores = [o["score"] for o in ops]
            assert scores == sorted(scores, reverse=True) and all(0 <= s <= 1 for s in scores)
            assert all(o["themes"] == [t["id"]] for o in ops)


def test_json_passage_ops_hold_every_tags_primary_marked_primary(tagged_json):
    for p in tagged_json["passages"]:
        by_op = {o["op"]: o for o in p["ops"]}
        for t in p["themes"]:
            primary = t["ops"][0]["op"]
            assert by_op[primary]["primary"] and t["id"] in by_op[primary]["themes"]
        primaries = {t["ops"][0]["op"] for t in p["themes"]}
        assert {o["op"] for o in p["ops"] if o["primary"]} == primaries


def test_document_primary_ops_are_the_tags_primaries_within_ops_covered(tagged_json):
    doc = tagged_json["document"]
    primaries = {t["ops"][0]["op"] for p in tagged_json["passages"] for t in p["themes"]}
    assert doc["primary_ops"] == sorted(primaries)
    assert set(doc["primary_ops"]) <= set(doc["ops_covered"])


# -- the schema ---------------------------------------------------------------------------------
def test_schema_requires_the_new_op_fields_from_1_1_but_still_accepts_1_0_records(tagged_json):
    from jsonschema import ValidationError

    from tipnlp.schemas import validate

    passage = tagged_json["passages"][0]
    validate(passage, definition="passage")
    no_ranks = json.loads(json.dumps(passage))
    del no_ranks["themes"][0]["ops"]
    with pytest.raises(ValidationError):
        validate(no_ranks, definition="passage")
    empty = json.loads(json.dumps(passage))
    empty["themes"][0]["ops"] = []
    with pytest.raises(ValidationError):  # every tag has at least one OP
        validate(empty, definition="passage")
    unmarked = json.loads(json.dumps(passage))
    del unmarked["ops"][0]["primary"]
    with pytest.raises(ValidationError):
        validate(unmarked, definition="passage")
    old = dict(no_ranks, schema_version="1.0", ops=[{k: v for k, v in o.items() if k != "primary"}
                                                    for o in passage["ops"]])
    validate(old, definition="passage")
    doc = dict(tagged_json["document"])
    del doc["primary_ops"]
    with pytest.raises(ValidationError):
        validate(doc, definition="document")
    validate(dict(doc, schema_version="1.0"), definition="document")


# -- flat formats -------------------------------------------------------------------------------
def test_csv_marks_each_tags_primary_op_and_names_it_in_its_own_column(sample_act_path, tagged_json):
    result = _run("classify", sample_act_path, "-f", "csv", *LEX)
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    expected = {(p["passage_id"], t["id"]): t["ops"][0]["op"] for p in tagged_json["passages"] for t in p["themes"]}
    assert len(rows) == len(expected)
    for row in rows:
        ops = row["ops"].split(";")
        assert ops[0] == f"{row['primary_op']}*" and not any(o.endswith("*") for o in ops[1:])
        assert int(row["primary_op"]) == expected[(row["passage_id"], row["theme"])]


def test_markdown_and_table_show_each_tags_primary_op_starred(sample_act_path, tagged_json):
    md = _run("classify", sample_act_path, "-f", "markdown", *LEX).stdout
    doc = tagged_json["document"]
    assert f"- primary operative paragraphs: {', '.join(map(str, doc['primary_ops']))}" in md
    table = _run("classify", sample_act_path, "-f", "table", *LEX).stdout
    for p in tagged_json["passages"]:
        for t in p["themes"]:
            cell = f"{t['ops'][0]['op']}*"
            assert cell in md and cell in table


def test_filtering_by_theme_keeps_an_op_on_every_remaining_tag(sample_act_path):
    result = _run("classify", sample_act_path, "-f", "json", "--theme", "supply_chains", *LEX)
    data = json.loads(result.stdout)
    assert data["passages"]
    for p in data["passages"]:
        assert [t["id"] for t in p["themes"]] == ["supply_chains"]
        assert p["themes"][0]["ops"][0]["primary"] and p["ops"]
        assert {o["op"] for o in p["ops"]} <= {35, 36, 43}
    assert data["document"]["primary_ops"] and set(data["document"]["primary_ops"]) <= {35, 36, 43}


# -- document report from records built here ----------------------------------------------------
def _link(op, score, theme, primary=False):
    return OpLink(op=op, score=score, themes=(theme,), primary=primary)


def _pred(start, themes, ops):
    return PassagePrediction(doc_id="d", passage_id=f"d:{start}-{start + 10}", page=1, start=start, end=start + 10,
                             heading="", text="x" * 10, themes=tuple(themes), ops=tuple(ops))


def test_document_report_counts_primary_ops_apart_from_secondary_ones():
    from tipnlp.report import build_document_report

    sc = ThemeScore("supply_chains", 0.9, ops=(_link(35, 0.7, "supply_chains", True), _link(36, 0.25, "supply_chains"),
                                               _link(43, 0.05, "supply_chains")))
    dr = ThemeScore("demand_reduction", 0.8, ops=(_link(13, 0.6, "demand_reduction", True),
                                                  _link(16, 0.35, "demand_reduction")))
    p1 = _pred(0, [sc, dr], [_link(35, 0.7, "supply_chains", True), _link(13, 0.6, "demand_reduction", True),
                             _link(16, 0.35, "demand_reduction")])
    assert [o.op for o in p1.theme_ops(sc)] == [35]  # 36 stayed below the secondary threshold
    assert [o.op for o in p1.theme_ops(dr)] == [13, 16]
    doc = Document(id="d", source="d.txt", sha256="0" * 64, text="x" * 40, format="txt", pages=[PageSpan(1, 0, 40)])
    report = build_document_report(doc, [p1], "test")
    assert report.ops_covered == (13, 16, 35)
    assert report.primary_ops == (13, 35)
    assert report.to_dict()["primary_ops"] == [13, 35]


# -- a batch results folder written here --------------------------------------------------------
def _op(op, score, theme, primary=None):
    d = {"op": op, "score": score, "themes": [theme]}
    if primary is not None:
        d["primary"] = primary
    return d


def _passage(doc_id, n, themes, ops, version="1.1"):
    return {"schema_version": version, "record": "passage", "doc_id": doc_id, "passage_id": f"{doc_id}:{n}-{n + 5}",
            "page": 1, "page_end": 1, "start": n, "end": n + 5, "heading": "", "text": "words", "themes": themes,
            "ops": ops, "source": f"{doc_id}.txt"}


def _document(doc_id, themes, ops_covered, primary_ops=None, error=None, version="1.1"):
    d = {"schema_version": version, "record": "document", "doc_id": doc_id, "source": f"{doc_id}.txt",
         "sha256": "0" * 64, "pages": 1, "n_passages": 3, "model": "lexicon",
         "themes": [{"id": t, "passages": 1, "max_score": 0.9, "evidence_score": 0.9, "strongest": []} for t in themes],
         "ops_covered": ops_covered, "metadata": {}, "error": error, "format": "txt", "n_tagged": 1,
         "passages_written": 1, "seconds": 0.1}
    if primary_ops is not None:
        d["primary_ops"] = primary_ops
    return d


@pytest.fixture()
def results(tmp_path) -> Path:
    """Doc A (1.1): OP 35 primary in one passage and secondary in another; 16 secondary only.
    Doc B (1.0, no primary flags): its first OP counts as primary. Doc C failed."""
    sc = "supply_chains"
    passages = [
        _passage("A", 0, [
            {"id": sc, "score": 0.9, "evidence": [], "ops": [_op(35, 0.7, sc, True), _op(36, 0.25, sc, False),
                                                             _op(43, 0.05, sc, False)]},
            {"id": "demand_reduction", "score": 0.8, "evidence": [],
             "ops": [_op(13, 0.6, "demand_reduction", True), _op(16, 0.35, "demand_reduction", False)]},
        ], [_op(35, 0.7, sc, True), _op(13, 0.6, "demand_reduction", True), _op(16, 0.35, "demand_reduction", False)]),
        _passage("A", 20, [{"id": sc, "score": 0.7, "evidence": [],
                            "ops": [_op(36, 0.5, sc, True), _op(35, 0.45, sc, False), _op(43, 0.05, sc, False)]}],
                 [_op(36, 0.5, sc, True), _op(35, 0.45, sc, False)]),
        _passage("B", 0, [{"id": "organ_removal", "score": 0.9, "evidence": []}],
                 [_op(39, 0.8, "organ_removal"), _op(16, 0.5, "organ_removal")], version="1.0"),
    ]
    documents = [
        _document("A", [sc, "demand_reduction"], [13, 16, 35, 36], [13, 35, 36]),
        _document("B", ["organ_removal"], [16, 39], version="1.0"),
        _document("C", [], [], [], error={"code": "corrupt", "message": "broken"}),
    ]
    out = tmp_path / "results"
    out.mkdir()
    (out / "passages.jsonl").write_text("".join(json.dumps(p) + "\n" for p in passages), encoding="utf-8")
    (out / "documents.jsonl").write_text("".join(json.dumps(d) + "\n" for d in documents), encoding="utf-8")
    return out


# op: (primary documents, primary passages, secondary documents, secondary passages)
EXPECTED_COVERAGE = {13: (1, 1, 0, 0), 16: (0, 0, 2, 2), 35: (1, 1, 0, 1), 36: (1, 1, 0, 0), 39: (1, 1, 0, 0)}


def _coverage(rows):
    return {int(r["op"]): (int(r["primary_documents"]), int(r["primary_passages"]), int(r["secondary_documents"]),
                           int(r["secondary_passages"])) for r in rows}


def test_collection_coverage_counts_primary_ops_apart_from_secondary_ones(results, tmp_path):
    from tipnlp.batch.collection_report import write_collection_report

    write_collection_report(results, tmp_path / "rep")
    with open(tmp_path / "rep" / "ops_coverage.csv", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 50
    got = {op: c for op, c in _coverage(rows).items() if any(c)}
    assert got == EXPECTED_COVERAGE
    page = (tmp_path / "rep" / "index.html").read_text(encoding="utf-8")
    assert "documents (secondary)" in page and "primary OPs: 13, 35, 36" in page
    assert "supply_chains 0.90 → OP 35*" in page and "demand_reduction 0.80 → OP 13*, 16" in page


@pytest.mark.parametrize("fmt", ["json", "tsv", "table"])
def test_ops_coverage_lists_the_ops_a_collection_addresses(results, fmt):
    result = _run("ops", "--coverage", results, "--format", fmt)
    assert result.exit_code == 0, result.output
    if fmt == "json":
        data = json.loads(result.stdout)
        assert data["documents"] == 2  # the failed document is not counted
        assert _coverage(data["ops"]) == EXPECTED_COVERAGE
        assert all(r["summary"] and r["verb"] for r in data["ops"])
    elif fmt == "tsv":
        rows = list(csv.DictReader(io.StringIO(result.stdout), delimiter="\t"))
        assert _coverage(rows) == EXPECTED_COVERAGE
    else:
        assert "docs primary" in result.stdout and "secondary" in result.stdout
        assert "16" in result.stdout and "27 " not in result.stdout


def test_ops_coverage_of_one_op_shows_it_even_when_unaddressed(results):
    data = json.loads(_run("ops", "27", "--coverage", results, "--json").stdout)
    assert [(r["op"], r["primary_documents"], r["secondary_passages"]) for r in data["ops"]] == [(27, 0, 0)]


def test_ops_coverage_of_a_folder_without_results_fails_clearly(tmp_path):
    result = _run("ops", "--coverage", tmp_path)
    assert result.exit_code != 0 and "documents.jsonl" in result.output


def test_batch_exports_mark_the_primary_op_of_each_tag(results):
    pq = pytest.importorskip("pyarrow.parquet")
    from tipnlp.batch.export import export_results

    export_results(results, "csv")
    with open(results / "passages.csv", encoding="utf-8") as fh:
        rows = [(r["doc_id"], r["theme"], r["ops"], r["primary_op"]) for r in csv.DictReader(fh)]
    assert rows == [("A", "supply_chains", "35*", "35"), ("A", "demand_reduction", "13*;16", "13"),
                    ("A", "supply_chains", "36*;35", "36"), ("B", "organ_removal", "39*;16", "39")]
    with open(results / "documents.csv", encoding="utf-8") as fh:
        assert [d["primary_ops"] for d in csv.DictReader(fh)] == ["13;35;36", "", ""]
    export_results(results, "parquet")
    table = pq.read_table(results / "passages.parquet").to_pylist()
    first = table[0]["themes"][0]["ops"]
    assert [(o["op"], o["primary"]) for o in first] == [(35, True), (36, False), (43, False)]
    assert table[2]["themes"][0]["ops"] is None  # a 1.0 record: no per-theme ranks
    docs = pq.read_table(results / "documents.parquet").to_pylist()
    assert docs[0]["primary_ops"] == [13, 35, 36]


# -- the HTML evidence page ---------------------------------------------------------------------
def test_html_shows_each_tags_ops_with_the_primary_marked_its_score_and_summary(sample_act_path, tagged_json):
    from bs4 import BeautifulSoup

    from tipnlp.taxonomy import load_taxonomy

    tax = load_taxonomy()
    page = _run("classify", sample_act_path, "-f", "html", *LEX).stdout
    soup = BeautifulSoup(page, "html.parser")
    articles = {a["data-passage-id"]: a for a in soup.select("article.passage")}
    for p in tagged_json["passages"]:
        for t in p["themes"]:
            block = articles[p["passage_id"]].select_one(f'div.tag-ops[data-theme="{t["id"]}"]')
            items = block.select("li.op")
            assert items, "every tag shows at least one OP"
            assert [li["data-primary"] for li in items] == ["true"] + ["false"] * (len(items) - 1)
            first = items[0]
            op = t["ops"][0]
            assert int(first["data-op"]) == op["op"] and "primary" in first.get_text()
            assert first.select_one(".op-score").get_text() == f"{op['score']:.2f}"
            assert tax.op(op["op"]).summary in first.select_one(".op-summary").get_text()
            for ev in t["evidence"]:
                assert ev["text"] in block.select_one(".evidence").get_text()
