"""The ``tipnlp_themes`` spaCy component, loaded through the installed ``spacy_factories`` entry point."""

from __future__ import annotations

import importlib.metadata

import pytest

spacy = pytest.importorskip("spacy")

# Written for these tests.
TEXT = """Section 1. Non-punishment of victims
A victim of trafficking shall not be prosecuted or punished for unlawful acts committed as a direct consequence of having been trafficked.

Section 2. Organs and officials
Trafficking for the purpose of the removal of organs shall be punished. The Ministry shall provide training to police officers, prosecutors and judges on identifying victims of trafficking.

Section 3. Commencement
This Act enters into force on the day after its publication.
"""


@pytest.fixture(scope="module")
def nlp():
    nlp = spacy.blank("en")
    nlp.add_pipe("tipnlp_themes", config={"model": "lexicon"})
    return nlp


@pytest.fixture(scope="module")
def tagger():
    from tipnlp import Tagger

    return Tagger.load("lexicon")


def test_factory_is_registered_by_the_installed_entry_point():
    points = importlib.metadata.entry_points(group="spacy_factories")
    assert any(ep.name == "tipnlp_themes" and ep.value == "tipnlp.spacy_component:make_theme_tagger" for ep in points)
    assert spacy.blank("en").has_factory("tipnlp_themes")


def test_config_round_trips_through_the_pipeline_config(nlp):
    cfg = nlp.config["components"]["tipnlp_themes"]
    assert cfg["factory"] == "tipnlp_themes" and cfg["model"] == "lexicon" and cfg["min_score"] is None
    rebuilt = spacy.blank("en").from_config(nlp.config)  # what spacy.load does with a saved pipeline
    assert rebuilt.pipe_names == ["tipnlp_themes"]
    assert rebuilt(TEXT).cats == nlp(TEXT).cats


def test_spans_match_the_taggers_passages_and_themes(nlp, tagger):
    doc = nlp(TEXT)
    expected = [
        (p.passage_id.split(":")[1], t.id, round(t.score, 4), [o.op for o in p.theme_ops(t)])
        for p in tagger.tag_text(TEXT).tagged for t in p.themes
    ]
    assert len(expected) == 3  # non_punishment; organ_removal + training on one passage
    group = doc.spans["tipnlp"]
    got = [(f"{s.start_char}-{s.end_char}", s.label_, s._.tipnlp_score, s._.tipnlp_ops) for s in group]
    assert got == expected
    for span in group:
        assert span._.tipnlp_passage_id.endswith(f":{span.start_char}-{span.end_char}")
        assert span.text == TEXT[span.start_char : span.end_char]
    organ, training = [s for s in group if s.label_ in ("organ_removal", "gender_sensitive_training")]
    assert organ.start == training.start and organ._.tipnlp_ops != training._.tipnlp_ops  # per-theme values
    assert 27 in group[0]._.tipnlp_ops
    assert group.attrs["model"] == "lexicon"
    ev = doc.spans["tipnlp_evidence"]
    assert {s.label_ for s in ev} == {"non_punishment", "organ_removal", "gender_sensitive_training"}
    assert any("removal of organs" in s.text for s in ev if s.label_ == "organ_removal")


def test_cats_are_the_max_passage_score_of_every_theme(nlp, tagger):
    doc = nlp(TEXT)
    passages = tagger.tag_text(TEXT).passages
    proba = tagger.predict_proba([p.text for p in passages])
    assert set(doc.cats) == set(tagger.themes)
    for j, theme in enumerate(tagger.themes):
        assert doc.cats[theme] == pytest.approx(float(proba[:, j].max()))
    assert doc.cats["non_punishment"] > 0.5 and doc.cats["supply_chains"] < 0.5


def test_pipe_gives_the_same_result_as_calling_each_doc(nlp):
    texts = [TEXT, "", "The Ministry shall publish an annual report.", TEXT.replace("organs", "kidneys")]
    piped = list(nlp.pipe(texts, batch_size=3))
    single = [nlp(t) for t in texts]
    for a, b in zip(piped, single):
        assert a.cats == b.cats
        assert [(s.start, s.end, s.label_, s._.tipnlp_score) for s in a.spans["tipnlp"]] == [
            (s.start, s.end, s.label_, s._.tipnlp_score) for s in b.spans["tipnlp"]]
    assert len(piped[1].spans["tipnlp"]) == 0 and set(piped[1].cats.values()) == {0.0}


def test_min_score_drops_weak_spans_but_keeps_cats():
    nlp = spacy.blank("en")
    nlp.add_pipe("tipnlp_themes", config={"model": "lexicon", "min_score": 0.95})
    doc = nlp(TEXT)
    assert doc.spans["tipnlp"]
    assert all(s._.tipnlp_score >= 0.95 for s in doc.spans["tipnlp"])
    assert "gender_sensitive_training" not in {s.label_ for s in doc.spans["tipnlp"]}
    assert doc.cats["gender_sensitive_training"] > 0.5


def test_annotations_survive_docbin_serialisation(nlp):
    from spacy.tokens import DocBin

    doc = nlp(TEXT)
    data = DocBin(store_user_data=True, docs=[doc]).to_bytes()
    back = list(DocBin().from_bytes(data).get_docs(nlp.vocab))[0]
    assert back.cats == doc.cats
    assert [(s.label_, s._.tipnlp_score, s._.tipnlp_ops, s._.tipnlp_op_links) for s in back.spans["tipnlp"]] == [
        (s.label_, s._.tipnlp_score, s._.tipnlp_ops, s._.tipnlp_op_links) for s in doc.spans["tipnlp"]]


def test_each_span_gives_its_themes_ranked_ops_with_the_primary_first(nlp, tagger):
    doc = nlp(TEXT)
    by_key = {(p.passage_id.split(":")[1], t.id): t for p in tagger.tag_text(TEXT).tagged for t in p.themes}
    assert doc.spans["tipnlp"]
    for span in doc.spans["tipnlp"]:
        theme = by_key[(f"{span.start_char}-{span.end_char}", span.label_)]
        links = span._.tipnlp_op_links
        assert links, "every tag has at least one OP"
        assert span._.tipnlp_primary_op == theme.primary_op == links[0]["op"] == span._.tipnlp_ops[0]
        assert [link["primary"] for link in links] == [True] + [False] * (len(links) - 1)
        assert all(0.0 <= link["score"] <= 1.0 for link in links)
