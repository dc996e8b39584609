"""The taxonomy file: the five core themes, 50 OPs, and strict validation of edited copies."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tipnlp.errors import DataError
from tipnlp.taxonomy import OperativeParagraph, Taxonomy, Theme, core_theme_ids, load_taxonomy

CORE = ["demand_reduction", "non_punishment", "gender_sensitive_training", "supply_chains", "organ_removal"]

# The codebook's (THEMES.md) primary OP lists of the core themes.
CODEBOOK_OPS = {
    "demand_reduction": [13, 16, 20, 22, 23, 24, 30],
    "non_punishment": [27],
    "gender_sensitive_training": [38, 39, 46, 47],
    "supply_chains": [35, 36, 43],
    "organ_removal": [16, 39],
}


@pytest.fixture()
def raw() -> dict:
    """The packaged taxonomy as plain data, to break in copies."""
    text = (Path(__file__).resolve().parents[1] / "src" / "tipnlp" / "data" / "taxonomy.yaml").read_text("utf-8")
    return yaml.safe_load(text)


def write(tmp_path: Path, data: dict) -> Path:
    path = tmp_path / "taxonomy.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def test_packaged_taxonomy_has_exactly_the_five_core_themes_in_order():
    tax = Taxonomy.load()
    assert tax.core_theme_ids == CORE
    assert core_theme_ids() == CORE
    assert all(isinstance(t, Theme) and t.core for t in tax.core_themes)
    assert tax.version


def test_packaged_taxonomy_has_fifty_operative_paragraphs_numbered_one_to_fifty():
    tax = Taxonomy.load()
    assert [op.number for op in tax.ops] == list(range(1, 51))
    for op in tax.ops:
        assert isinstance(op, OperativeParagraph)
        assert op.verb and op.summary
        assert len(op.summary.split()) <= 30, f"OP {op.number} summary is not one short line"


def test_core_themes_list_the_codebook_ops_and_each_exists():
    tax = Taxonomy.load()
    for theme_id, ops in CODEBOOK_OPS.items():
        assert list(tax.theme(theme_id).ops) == ops
        assert [op.number for op in tax.ops_for_theme(theme_id)] == ops
        for n in ops:
            assert theme_id in [t.id for t in tax.themes_for_op(n)]


def test_op_and_theme_directions_agree():
    tax = Taxonomy.load()
    for theme in tax.themes:
        for n in theme.ops:
            assert theme.id in tax.op(n).themes
    for op in tax.ops:
        for theme_id in op.themes:
            assert op.number in tax.theme(theme_id).ops


def test_wider_themes_are_present_but_not_core():
    tax = Taxonomy.load()
    wider = [t for t in tax.themes if not t.core]
    assert {"criminalisation", "victim_assistance", "safe_migration"} <= {t.id for t in wider}
    assert set(tax.theme("safe_migration").ops) == {32, 33, 34}
    assert not set(tax.core_theme_ids) & {t.id for t in wider}


def test_verbs_follow_the_resolution():
    tax = Taxonomy.load()
    assert tax.op(1).verb == "Takes note with appreciation"
    assert tax.op(27).verb == "Urges"
    assert tax.op(33).verb == "Strongly urges"
    assert tax.op(50).verb == "Requests"


def test_default_taxonomy_is_cached():
    assert Taxonomy.load() is load_taxonomy()


def test_unknown_lookups_raise_key_error():
    tax = Taxonomy.load()
    with pytest.raises(KeyError):
        tax.theme("no_such_theme")
    with pytest.raises(KeyError):
        tax.op(51)


def test_new_non_core_theme_in_a_copy_loads_without_code_change(tmp_path, raw):
    raw["themes"].append(
        {"id": "child_marriage", "label": "Child and forced marriage", "core": False, "ops": [16],
         "definition": "Marriage used as a route into exploitation.", "include": [], "exclude": []}
    )
    raw["operative_paragraphs"][15]["themes"].append("child_marriage")
    tax = Taxonomy.load(write(tmp_path, raw))
    assert "child_marriage" in tax
    assert [op.number for op in tax.ops_for_theme("child_marriage")] == [16]
    assert tax.core_theme_ids == CORE


def test_op_number_outside_range_is_rejected(tmp_path, raw):
    raw["operative_paragraphs"][-1]["number"] = 51
    with pytest.raises(DataError, match="outside 1..50"):
        Taxonomy.load(write(tmp_path, raw))


def test_theme_op_outside_range_is_rejected(tmp_path, raw):
    raw["themes"][0]["ops"].append(99)
    with pytest.raises(DataError, match="OP 99"):
        Taxonomy.load(write(tmp_path, raw))


def test_duplicate_op_number_is_rejected(tmp_path, raw):
    raw["operative_paragraphs"][1]["number"] = 1
    with pytest.raises(DataError, match="duplicate operative paragraph number 1"):
        Taxonomy.load(write(tmp_path, raw))


def test_unknown_theme_id_on_an_op_is_rejected(tmp_path, raw):
    raw["operative_paragraphs"][0]["themes"] = ["not_a_theme"]
    with pytest.raises(DataError, match="unknown theme id `not_a_theme`"):
        Taxonomy.load(write(tmp_path, raw))


def test_duplicate_theme_id_is_rejected(tmp_path, raw):
    raw["themes"].append(dict(raw["themes"][0]))
    with pytest.raises(DataError, match="duplicate theme id `demand_reduction`"):
        Taxonomy.load(write(tmp_path, raw))


def test_inconsistent_theme_and_op_lists_are_rejected(tmp_path, raw):
    raw["operative_paragraphs"][26]["themes"] = []  # OP 27 no longer names non_punishment
    with pytest.raises(DataError, match="OP 27"):
        Taxonomy.load(write(tmp_path, raw))


def test_missing_required_field_is_rejected(tmp_path, raw):
    del raw["themes"][1]["definition"]
    with pytest.raises(DataError, match="missing `definition`"):
        Taxonomy.load(write(tmp_path, raw))


def test_missing_op_is_rejected(tmp_path, raw):
    raw["operative_paragraphs"] = [op for op in raw["operative_paragraphs"] if op["number"] != 12]
    with pytest.raises(DataError, match=r"missing: \[12\]"):
        Taxonomy.load(write(tmp_path, raw))


def test_error_names_the_file_and_has_a_hint(tmp_path, raw):
    raw["operative_paragraphs"][0]["themes"] = ["not_a_theme"]
    path = write(tmp_path, raw)
    with pytest.raises(DataError) as info:
        Taxonomy.load(path)
    assert str(path) in str(info.value)
    assert info.value.hint and info.value.exit_code == DataError.exit_code


def test_unreadable_path_raises_data_error(tmp_path):
    with pytest.raises(DataError):
        Taxonomy.load(tmp_path / "missing.yaml")
