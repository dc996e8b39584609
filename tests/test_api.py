"""The library API: lazy ``from tipnlp import Tagger``, typed records, and one Tagger shared by threads."""

from __future__ import annotations

import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest

import tipnlp
from tipnlp.errors import EmptyDocument
from tipnlp.records import (
    DocumentReport,
    Evidence,
    OpLink,
    PassagePrediction,
    TaggedDocument,
    ThemeScore,
)

# Written for these tests.
LAW = """Section 1. Non-punishment of victims
A victim of trafficking shall not be prosecuted or punished for unlawful acts committed as a direct consequence of having been trafficked.

Section 2. Supply chains
Every business enterprise shall publish an annual statement on forced labour in its supply chains, including due diligence and supplier audits.

Section 3. Commencement
This Act enters into force on the day after its publication.
"""

PASSAGES = [
    "Trafficking for the purpose of the removal of organs shall be punished by imprisonment.",
    "The Ministry shall provide training to police officers and prosecutors on identifying victims of trafficking.",
    "Recruitment agencies shall not charge workers any recruitment fees.",
    "Any person who knowingly uses the services of a victim of trafficking commits an offence.",
    "The committee meets twice a year.",
]


@pytest.fixture(scope="module")
def tagger():
    return tipnlp.Tagger.load("lexicon")


def test_import_tipnlp_is_lazy_until_tagger_is_used():
    code = (
        "import sys, tipnlp\n"
        "heavy = [m for m in ('tipnlp.tagger', 'numpy', 'spacy', 'sklearn') if m in sys.modules]\n"
        "assert not heavy, heavy\n"
        "from tipnlp import Tagger\n"
        "assert 'tipnlp.tagger' in sys.modules and Tagger.__name__ == 'Tagger'\n"
        "assert 'spacy' not in sys.modules\n"
    )
    _run_python(code)


def _run_python(code: str) -> str:
    """Run ``code`` in a fresh interpreter (import side effects are the point) and return its stdout."""
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_public_names_resolve_and_unknown_names_fail():
    for name in tipnlp.__all__:
        assert getattr(tipnlp, name) is not None
    assert isinstance(tipnlp.__version__, str)
    with pytest.raises(ImportError):
        from tipnlp import NoSuchThing  # noqa: F401


def test_default_load_gives_a_working_tagger():
    tagger = tipnlp.Tagger.load()
    assert tagger.themes and tagger.model_name
    assert tagger.tag_passages([PASSAGES[0]])[0].theme_ids == ["organ_removal"]


def test_tag_text_returns_typed_records_anchored_in_the_text(tagger):
    result = tagger.tag_text(LAW, doc_id="act")
    assert isinstance(result, TaggedDocument) and isinstance(result.report, DocumentReport)
    assert result.document.id == "act" and result.document.text == LAW
    assert all(isinstance(p, PassagePrediction) for p in result.passages)
    assert [p.theme_ids for p in result.tagged] == [["non_punishment"], ["supply_chains"]]
    for p in result.passages:
        assert LAW[p.start : p.end] == p.text and p.page == 1 and p.doc_id == "act"
        for t in p.themes:
            assert isinstance(t, ThemeScore) and 0.5 <= t.score <= 1
            for e in t.evidence:
                assert isinstance(e, Evidence) and LAW[e.start : e.end] == e.text
        assert all(isinstance(o, OpLink) and 1 <= o.op <= 50 for o in p.ops)
    assert 27 in result.report.ops_covered
    assert result.report.themes[0].id in {"non_punishment", "supply_chains"}


def test_tag_file_equals_tag_text_of_the_same_content(tagger, tmp_path):
    path = tmp_path / "act.txt"
    path.write_text(LAW, encoding="utf-8")
    from_file = tagger.tag_file(path, doc_id="act")
    from_text = tagger.tag_text(LAW, doc_id="act")
    assert [p.to_dict() for p in from_file.passages] == [p.to_dict() for p in from_text.passages]
    assert from_file.document.source == str(path)


def test_tag_passages_uses_offsets_relative_to_each_text(tagger):
    preds = tagger.tag_passages(PASSAGES, doc_id="batch")
    assert [p.passage_id for p in preds] == [f"batch:{i}" for i in range(len(PASSAGES))]
    assert [p.theme_ids for p in preds] == [
        ["organ_removal"], ["gender_sensitive_training"], ["supply_chains"], ["demand_reduction"], []]
    for p, text in zip(preds, PASSAGES):
        assert p.start == 0 and p.end == len(text) and p.page is None
        for t in p.themes:
            assert all(text[e.start : e.end] == e.text for e in t.evidence)


def test_empty_text_is_a_clear_error(tagger):
    with pytest.raises(EmptyDocument):
        tagger.tag_text("  \n ")


def test_one_tagger_shared_by_four_threads_gives_the_sequential_results():
    # A fresh Tagger, used by the threads first: any lazily built state is built under contention.
    tagger = tipnlp.Tagger.load("lexicon")
    texts = [LAW.replace("Section 2", f"Section {i}") + "\n" + PASSAGES[i % len(PASSAGES)] for i in range(24)]

    def work(i: int):
        return (tagger.tag_text(texts[i], doc_id=f"d{i}").to_dict(all_passages=True),
                [p.to_dict() for p in tagger.tag_passages([texts[i]], doc_id=f"d{i}")])

    with ThreadPoolExecutor(max_workers=4) as pool:
        threaded = list(pool.map(work, list(range(len(texts))) * 2))  # each text twice, interleaved
    sequential = [tagger.tag_text(t, doc_id=f"d{i}").to_dict(all_passages=True) for i, t in enumerate(texts)]
    passages_seq = [[p.to_dict() for p in tagger.tag_passages([t], doc_id=f"d{i}")] for i, t in enumerate(texts)]
    assert any(p["themes"] for doc in sequential for p in doc["passages"])
    for i, (doc, passages) in enumerate(threaded):
        assert doc == sequential[i % len(texts)]
        assert passages == passages_seq[i % len(texts)]


@pytest.mark.parametrize("model", ["lexicon", "hybrid_tfidf_lexicon"])
def test_remembered_rule_hits_change_nothing_and_are_dropped_after_each_call(model):
    """The lexicon memo only saves work inside one call: a tagger that has just tagged a text and a
    fresh one give identical records, and no rule hit stays remembered after the call."""
    used = tipnlp.Tagger.load(model)
    used.tag_text(LAW, doc_id="memo")
    first = used.tag_text(LAW, doc_id="memo")
    lexicon = getattr(used.model, "_lexicon_model", None) or used.model
    assert lexicon.__dict__.get("_memo") == {}, "rule hits must be forgotten after a Tagger call"
    fresh = tipnlp.Tagger.load(model).tag_text(LAW, doc_id="memo")
    assert [p.to_dict() for p in first.passages] == [p.to_dict() for p in fresh.passages]
    assert any(p.themes for p in first.passages)


def test_tagging_with_the_default_model_never_imports_torch():
    """The default model needs no torch; importing it (thinc does when it can) costs seconds and
    hundreds of MB on every cold run, so spaCy is imported with torch kept out."""
    code = (
        "import sys, tipnlp\n"
        "tagger = tipnlp.Tagger.load()\n"
        "tagger.tag_text('Section 1. Every company shall audit its suppliers for forced labour.')\n"
        "print('torch' in sys.modules, 'spacy' in sys.modules)\n"
    )
    torch_loaded, _spacy_loaded = _run_python(code).split()
    assert torch_loaded == "False"  # spaCy, where the segmenter needs it, is imported with torch kept out
