"""The sentence- and context-aware family: sentence units, codebook conditions, the estimator contract,
and evidence that is the deciding sentence."""

from __future__ import annotations

import numpy as np
import pytest

from tipnlp.classifiers.context import ContextSentenceClassifier, load_conditions, sentence_spans

THEMES = ["demand_reduction", "non_punishment", "gender_sensitive_training", "supply_chains", "organ_removal"]


def _conditions():
    return {c.id: c for c in load_conditions()[1]}


def test_sentence_units_split_list_items_and_keep_exact_offsets():
    text = ("The Department shall:\n(a) maintain a register of shelters;\n(b) publish annual statistics; and\n"
            "(c) provide training for border officers on identifying victims of trafficking.")
    spans = sentence_spans(text)
    pieces = [text[s:e] for s, e in spans]
    assert any(p.startswith("(c) provide training") for p in pieces)
    assert all(text[s:e] == p for (s, e), p in zip(spans, pieces))
    assert len(spans) >= 3


def test_organ_conditions_need_trade_in_the_same_sentence_not_just_the_word_organ():
    c = _conditions()
    assert c["organ_trade"].match("No person shall sell or buy a human kidney for valuable consideration.")
    assert c["organ_trade"].match("The hospital keeps a register of organ donors and their consent.") is None
    assert c["organ_procedure_only"].match("The hospital keeps a register of organ donors and their consent.")
    assert c["organ_procedure_only"].match("The register of donors shall not be used for the sale of organs.") is None


def test_non_punishment_condition_needs_the_victim_as_the_one_not_punished():
    c = _conditions()
    assert c["victim_not_punished"].match("A victim of trafficking shall not be prosecuted for unlawful entry.")
    assert c["victim_not_punished"].match("The police arrested three traffickers in the port city.") is None
    assert c["trafficker_prosecuted"].match("The police arrested three traffickers in the port city.")


def _data():
    texts, labels = [], []
    for i in range(20):
        texts.append({"text": f"Section {i}. Definitions. In this Act, a term {i} means a word used in it. "
                              "The agency shall keep records. The agency shall report yearly.",
                      "heading": "Part I > Definitions", "doc_type": "law", "doc_id": f"d{i % 5}"})
        labels.append([])
        texts.append({"text": f"The company audited {i} suppliers. We require every supplier to sign our code of "
                              "conduct, and we carry out risk assessments of forced labour in our supply chain.",
                      "heading": "Our due diligence", "doc_type": "corporate_statement", "doc_id": f"d{i % 5}"})
        labels.append(["supply_chains"])
        texts.append({"text": f"Item {i}. The agency shall keep records. The agency shall provide training to police "
                              "officers on identifying victims of trafficking. The agency shall report yearly.",
                      "heading": "Duties of the agency", "doc_type": "law", "doc_id": f"d{i % 5}"})
        labels.append(["gender_sensitive_training"])
    return texts, labels


@pytest.fixture(scope="module")
def fitted():
    texts, labels = _data()
    model = ContextSentenceClassifier(THEMES, min_df=1, calibration_folds=2, sentence_folds=2)
    assert model.fit(texts, labels) is model
    return model, texts


def test_fit_returns_self_and_scores_passages_of_their_theme_higher(fitted):
    model, texts = fitted
    proba = model.predict_proba(texts)
    assert proba.shape == (len(texts), len(THEMES))
    train = THEMES.index("gender_sensitive_training")
    assert proba[2::3, train].mean() > proba[0::3, train].mean() + 0.3
    assert model.oof_proba_.shape == (len(texts), len(THEMES))


def test_plain_strings_are_accepted_as_well_as_records(fitted):
    model, texts = fitted
    a = model.predict_proba([t["text"] for t in texts[:3]])
    assert a.shape == (3, len(THEMES)) and np.isfinite(a).all()


def test_evidence_is_the_deciding_sentence_with_the_matched_condition_inside_it(fitted):
    model, texts = fitted
    text = texts[2]["text"]
    ev = model.evidence(text, "gender_sensitive_training")
    s, e, source = ev[0]
    assert source.startswith("sentence:")
    assert "training to police" in text[s:e]
    assert "keep records" not in text[s:e]
    for cs, ce, csrc in ev[1:]:
        assert s <= cs < ce <= e and csrc.startswith("condition:")


def test_save_and_load_give_identical_scores(fitted, tmp_path):
    model, texts = fitted
    model.thresholds_ = {t: 0.5 for t in THEMES}
    model.save(tmp_path / "m")
    again = ContextSentenceClassifier.load(tmp_path / "m")
    assert np.allclose(model.predict_proba(texts), again.predict_proba(texts))


def test_inference_without_scikit_learn_matches_the_training_features(fitted):
    from tipnlp.classifiers.context import as_record

    model, texts = fitted
    records = [as_record(t) for t in texts]
    sentences, owner, spans = model._split(records)
    sent = model._sentence_proba(model.sentence_models_, model.sentence_vectorizer_.transform(sentences))
    x = model._features(records, model._pool(sent, owner, len(records)), spans)
    expected = np.asarray(x @ model.coef_.T) + model.intercept_[None, :]
    _, margins, *_ = model._score(texts)
    assert np.allclose(margins, expected, atol=1e-4)


def test_a_saved_model_loads_and_scores_without_importing_scikit_learn(fitted, tmp_path):
    import subprocess
    import sys

    model, texts = fitted
    model.thresholds_ = {t: 0.5 for t in THEMES}
    model.save(tmp_path / "m")
    code = ("import sys; from tipnlp.classifiers.context import ContextSentenceClassifier as C; "
            f"m = C.load({str(tmp_path / 'm')!r}); m.predict_proba(['A victim shall not be prosecuted.']); "
            "m.evidence('A victim shall not be prosecuted.', 'non_punishment'); "
            "print('sklearn' in sys.modules, 'scipy' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["False", "False"]


@pytest.mark.parametrize("sentence", [
    "The Ministry shall provide training to police officers on identifying victims of trafficking.",
    "THE MINISTRY SHALL PROVIDE TRAINING TO POLICE OFFICERS ON IDENTIFYING VICTIMS OF TRAFFICKING.",
    "İstanbul police received training on identifying victims of trafficking.",  # lower() lengthens İ
    "Whoever sells a kidney of another person for financial gain commits an offence.",
    "The committee approved its minutes.",
])
def test_conditions_match_the_same_words_on_the_fast_lower_case_path(sentence):
    import dataclasses

    from tipnlp.classifiers.context import load_conditions

    _, conditions = load_conditions()
    slow = [dataclasses.replace(c, all_lower=(), none_lower=()) for c in conditions]
    assert [c.match(sentence) for c in conditions] == [c.match(sentence) for c in slow]
    assert any(c.match(sentence) for c in conditions) == ("minutes" not in sentence)


def test_leading_literals_are_words_every_match_must_contain():
    from tipnlp.classifiers.context import _leading_literals

    assert _leading_literals(r"\b(organs?|body parts?|for (a )?profit)\b") == ("organ", "body part", "for ")
    assert _leading_literals(r"\bvictims? of\b") == ("victim",)
    assert _leading_literals(r"\b[0-9]+ days\b") is None  # a class first: no words known
    assert _leading_literals(r"\b(police )?officers\b") is None  # an optional group first
    assert _leading_literals(r"\b(|officer)\b") is None  # an empty alternative


PASSAGES = [
    "Section 4. No person shall sell a kidney. The register of donors is kept by the Authority.",
    "The Authority shall train its inspectors.\nIt shall also train police officers on identifying victims "
    "of trafficking and on referring them to shelters.",
    "A child who was trafficked shall not be charged with prostitution; the prosecutor shall refer the child "
    "to services. Traffickers arrested at the border shall be prosecuted.",
    "İSTANBUL İLÇE. Buyers of sexual services commit an offence. Campaigns shall discourage the demand.",
    "The committee approved its minutes and adjourned.",
]


@pytest.mark.parametrize("text", PASSAGES)
def test_skipping_conditions_absent_from_the_passage_changes_no_condition_feature(text):
    from tipnlp.classifiers.context import as_record

    model = ContextSentenceClassifier(THEMES)
    conds = model.conditions
    record = as_record(text)
    spans = sentence_spans(text)
    fast = model._condition_block([record], [spans])[0]
    every = [any(c.match(text[s:e]) is not None for s, e in spans) for c in conds]
    assert fast.tolist() == [float(x) for x in every]
    assert set(model._candidates(text)) >= {k for k, hit in enumerate(every) if hit}
    if "minutes" in text:  # no condition's words occur: no sentence is tested at all
        assert model._candidates(text) == []


def test_evidence_after_a_prediction_is_the_same_as_evidence_computed_afresh(fitted):
    model, texts = fitted
    passages = [t["text"] for t in texts[:6]] + PASSAGES
    model.forget()
    fresh = [[model.evidence(p, t) for t in THEMES] for p in passages]
    model.predict_proba(passages)
    assert set(passages) <= set(model._memo)
    remembered = [[model.evidence(p, t) for t in THEMES] for p in passages]
    assert remembered == fresh
    model.forget()
    assert not model._memo


def test_best_sentence_labels_keep_the_best_sentence_of_each_positive_passage_and_drop_the_weak_others():
    owner = np.array([0, 0, 0, 1, 1, 2])
    ys = np.array([[1], [1], [1], [0], [0], [1]])
    scores = np.array([[0.2], [0.9], [0.6], [0.1], [0.8], [0.05]])
    keep = ContextSentenceClassifier._best_sentences(scores, ys, owner)
    # passage 0: best (0.9) and the other >= 0.5 kept, the weak one left out; negatives and
    # a one-sentence passage's only sentence always kept
    assert keep[:, 0].tolist() == [False, True, True, True, True, True]


def test_best_sentence_labels_still_find_the_training_mandate_and_round_trip(tmp_path):
    texts, labels = _data()
    model = ContextSentenceClassifier(THEMES, min_df=1, calibration_folds=2, sentence_folds=2,
                                      sentence_labels="best").fit(texts, labels)
    ev = model.evidence(texts[2]["text"], "gender_sensitive_training")
    assert "training to police" in texts[2]["text"][ev[0][0]:ev[0][1]]
    model.thresholds_ = {t: 0.5 for t in THEMES}
    model.save(tmp_path / "m")
    again = ContextSentenceClassifier.load(tmp_path / "m")
    assert again.sentence_labels == "best"
    assert np.allclose(model.predict_proba(texts), again.predict_proba(texts))
    with pytest.raises(ValueError, match="sentence_labels"):
        ContextSentenceClassifier(THEMES, sentence_labels="max")
