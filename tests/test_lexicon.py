"""The lexicon baseline: detects each core theme with honest evidence and leaves hard negatives alone.

All sentences here are written for these tests (none are copied from the corpus).
"""

from __future__ import annotations

import json
import os
import pickle
import re
from pathlib import Path

import numpy as np
import pytest

from tipnlp.classifiers.lexicon import LexiconClassifier, default_lexicon_text, parse_lexicon, score_matches
from tipnlp.errors import DataError
from tipnlp.taxonomy import core_theme_ids

POSITIVES = [
    ("demand_reduction", "Any person who pays for sexual services from a person known to be a victim of trafficking commits an offence."),
    ("demand_reduction", "The ministry ran a campaign warning tourists that child sex tourism is a crime punishable at home."),
    ("demand_reduction", "The government made efforts to reduce the demand for commercial sex acts during the reporting period."),
    ("demand_reduction", "Parties shall take measures to discourage the demand that fosters exploitation of women and girls."),
    ("non_punishment", "A victim of trafficking shall not be prosecuted for immigration offences committed as a direct result of being trafficked."),
    ("non_punishment", "The court may vacate a conviction for prostitution where the defendant was a victim of sex trafficking."),
    ("non_punishment", "It is an affirmative defense to a charge of loitering that the accused was a victim of human trafficking."),
    ("non_punishment", "The non-punishment principle applies to children exploited in cannabis cultivation."),
    ("gender_sensitive_training", "In 2022 the academy trained 450 police officers and prosecutors on identifying victims of trafficking."),
    ("gender_sensitive_training", "The agency shall provide training for border guards and labour inspectors on the indicators of forced labour."),
    ("gender_sensitive_training", "Judges and medical personnel receive gender-sensitive training on how to treat survivors."),
    ("supply_chains", "Each company must publish a modern slavery statement describing due diligence in its supply chains."),
    ("supply_chains", "Recruitment agencies may not charge workers any recruitment fees."),
    ("supply_chains", "Our supplier code of conduct requires annual audits of all tier 1 suppliers."),
    ("supply_chains", "No goods produced with forced labour may be imported into the territory."),
    ("organ_removal", "Exploitation includes forced labour, slavery or the removal of organs."),
    ("organ_removal", "Whoever recruits a person for the purpose of organ removal is liable to imprisonment."),
    ("organ_removal", "Nurses should be trained to spot cases of trafficking for the sale of organs."),
]

HARD_NEGATIVES = [
    ("gender_sensitive_training", "Victims shall be offered vocational training and support from social workers in finding a job."),
    ("gender_sensitive_training", "Survivors receive skills training organised with the help of social workers."),
    ("supply_chains", "The municipality is responsible for water supply and sanitation in rural districts."),
    ("organ_removal", "Organ donation from a deceased donor requires consent, and the removal of organs must be certified by two doctors."),
    ("demand_reduction", "A person who recruits, transports or harbours a victim for exploitation shall be punished with ten years' imprisonment."),
    ("supply_chains", "A person who recruits, transports or harbours a victim for exploitation shall be punished with ten years' imprisonment."),
    ("non_punishment", "Victims are entitled to shelter, medical care and a temporary residence permit."),
    ("organ_removal", "The United Nations organs shall cooperate closely with the Special Rapporteur."),
    ("demand_reduction", "The public campaign raises awareness among young women about fraudulent job offers abroad."),
    ("non_punishment", "A witness who testifies shall not be prosecuted for acts done before leaving the requested State."),
    ("demand_reduction", "The demand for passports increased sharply last year."),
    ("supply_chains", "A legal person shall be liable for a trafficking offence committed for its benefit by its director."),
]


@pytest.fixture(scope="module")
def model() -> LexiconClassifier:
    return LexiconClassifier().fit([], [])


@pytest.mark.parametrize(("theme", "text"), POSITIVES)
def test_each_theme_is_detected_with_evidence_that_is_the_matched_text(model, theme, text):
    proba = model.predict_proba([text])[0]
    assert proba[model.themes.index(theme)] >= 0.5
    assert theme in model.predict([text])[0]
    spans = model.evidence(text, theme)
    assert spans
    for start, end, source in spans:
        assert 0 <= start < end <= len(text)
        assert source.startswith("lexicon:")
        assert text[start:end].strip() == text[start:end]  # a span starts and ends on a word
        rule_id = source.split(":", 1)[1]
        # the rule reported is one that matched exactly this span
        assert (start, end, rule_id) in {(s, e, r) for s, e, r, _ in model.match(text)[theme]}


@pytest.mark.parametrize(("theme", "text"), HARD_NEGATIVES)
def test_hard_negatives_are_not_tagged(model, theme, text):
    assert theme not in model.predict([text])[0]


def test_evidence_text_names_the_cue(model):
    text = "Recruitment agencies may not charge workers any recruitment fees."
    spans = [text[s:e].lower() for s, e, _ in model.evidence(text, "supply_chains")]
    assert "recruitment fees" in spans and "recruitment agencies" in spans


def test_proximity_rule_needs_the_context_word(model):
    officials = "The ministry organised training for judges and prosecutors."
    nobody = "The ministry organised training in carpentry and accounting."
    assert "gender_sensitive_training" in model.predict([officials])[0]
    assert "gender_sensitive_training" not in model.predict([nobody])[0]


def test_more_evidence_gives_a_higher_score(model):
    col = model.themes.index("supply_chains")
    one = "The company reviewed its supply chains."
    two = "The company reviewed its supply chains and banned recruitment fees for every worker."
    p = model.predict_proba([one, two])[:, col]
    assert p[1] > p[0]


def test_scores_are_in_unit_interval_and_shape_is_n_by_core_themes(model):
    texts = [t for _, t in POSITIVES + HARD_NEGATIVES] + ["", "   ", "x" * 10]
    proba = model.predict_proba(texts)
    assert proba.shape == (len(texts), len(core_theme_ids()))
    assert model.themes == core_theme_ids()
    assert np.all((proba >= 0) & (proba <= 1))
    assert not proba[-3:].any()


def test_score_combines_distinct_rules_only():
    one = [(0, 5, "a", 0.5)]
    assert score_matches(one) == pytest.approx(0.5)
    assert score_matches(one * 3) == pytest.approx(0.5)  # a repeated rule counts once
    assert score_matches(one + [(6, 9, "b", 0.5)]) == pytest.approx(0.75)
    assert score_matches([]) == 0.0


def test_unknown_theme_has_no_evidence(model):
    assert model.evidence("Recruitment agencies may not charge recruitment fees.", "no_such_theme") == []


def test_thresholds_come_from_the_lexicon_file(model):
    assert set(model.thresholds_) == set(model.themes)
    assert all(0 < v <= 1 for v in model.thresholds_.values())


def test_save_and_load_round_trip_gives_the_same_scores(model, tmp_path):
    texts = [t for _, t in POSITIVES]
    path = model.save(tmp_path / "lex")
    config = json.loads((path / "config.json").read_text(encoding="utf-8"))
    assert config["family"] == "lexicon"
    assert (path / "lexicon.yaml").read_text(encoding="utf-8") == default_lexicon_text()
    loaded = LexiconClassifier.load(path)
    assert loaded.themes == model.themes
    assert loaded.thresholds_ == model.thresholds_
    np.testing.assert_allclose(loaded.predict_proba(texts), model.predict_proba(texts))


def test_saved_lexicon_copy_is_what_a_loaded_model_uses(model, tmp_path):
    path = model.save(tmp_path / "lex")
    text = (path / "lexicon.yaml").read_text(encoding="utf-8")
    (path / "lexicon.yaml").write_text(text.replace('"organ trafficking", ', ""), encoding="utf-8")
    sentence = "The task force investigates organ trafficking."
    col = model.themes.index("organ_removal")
    assert LexiconClassifier.load(path).predict_proba([sentence])[0, col] < model.predict_proba([sentence])[0, col]


def test_model_pickles_without_its_matchers(model):
    text = "Recruitment agencies may not charge recruitment fees."
    model.predict_proba([text])  # builds the matchers
    clone = pickle.loads(pickle.dumps(model))
    np.testing.assert_allclose(clone.predict_proba([text]), model.predict_proba([text]))


def test_custom_lexicon_file_is_used(tmp_path):
    path = tmp_path / "mini.yaml"
    path.write_text(
        "version: '0'\nthreshold: 0.4\nthemes:\n  organ_removal:\n    rules:\n"
        "      - {id: kidney, weight: 0.5, terms: [kidney sale*]}\n",
        encoding="utf-8",
    )
    clf = LexiconClassifier(lexicon_path=path).fit()
    assert clf.thresholds_["organ_removal"] == pytest.approx(0.4)
    text = "Police broke up a ring arranging kidney sales."
    assert clf.predict([text]) == [["organ_removal"]]
    (start, end, source), = clf.evidence(text, "organ_removal")
    assert text[start:end] == "kidney sales" and source == "lexicon:kidney"


@pytest.mark.parametrize(
    ("snippet", "message"),
    [
        ("themes:\n  not_a_theme:\n    rules:\n      - {id: a, weight: 0.5, terms: [x]}\n", "unknown theme id"),
        ("themes:\n  organ_removal:\n    rules:\n      - {id: a, weight: 1.5, terms: [x]}\n", "weight"),
        ("themes:\n  organ_removal:\n    rules:\n      - {id: a, weight: 0.5}\n", "needs terms or patterns"),
        ("themes:\n  organ_removal:\n    rules:\n      - {id: a, weight: 0.5, terms: [x]}\n"
         "      - {id: a, weight: 0.5, terms: [y]}\n", "duplicate rule id"),
        ("themes:\n  organ_removal:\n    rules:\n      - {id: a, weight: 0.5, terms: [x], near: {window: 3}}\n",
         "needs terms or patterns"),
        ("threshold: 2\nthemes: {}\n", "threshold"),
    ],
)
def test_broken_lexicon_is_rejected_with_a_data_error(snippet, message):
    with pytest.raises(DataError, match=message):
        parse_lexicon(snippet, known_themes=core_theme_ids())


def test_invalid_token_pattern_fails_when_matchers_are_built(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(
        "themes:\n  organ_removal:\n    rules:\n"
        "      - {id: bad, weight: 0.5, patterns: [[{NOT_AN_ATTR: x}]]}\n",
        encoding="utf-8",
    )
    with pytest.raises(DataError, match="invalid token pattern"):
        LexiconClassifier(lexicon_path=path).predict_proba(["anything"])


def _corpus_dir() -> Path | None:
    env = os.environ.get("TIPNLP_CORPUS_DIR")
    path = Path(env) if env else Path(__file__).resolve().parents[2] / "shared" / "corpora"
    return path if (path / "texts").is_dir() else None


@pytest.mark.corpus
def test_every_core_theme_fires_somewhere_in_the_real_corpus(model):
    root = _corpus_dir()
    if root is None:
        pytest.skip("corpus not available")
    names = ["un_palermo_protocol_2000", "ke_counter_trafficking_in_persons_act_2010", "us_34usc_ch207",
             "ca_s211_supply_chains_2023", "us_22usc_ch78_tvpa"]
    passages = []
    for name in names:
        path = root / "texts" / f"{name}.txt"
        if path.is_file():
            passages += [p for p in re.split(r"\n\s*\n", path.read_text(encoding="utf-8")) if p.strip()]
    if not passages:
        pytest.skip("corpus texts not available")
    hits = np.asarray(model.predict_proba(passages) >= model.threshold_vector()[None, :])
    fired = {t for t, n in zip(model.themes, hits.sum(axis=0)) if n}
    assert fired == set(model.themes)
    # a baseline that tags most passages would be useless: themes stay the exception
    assert hits.any(axis=1).mean() < 0.5
