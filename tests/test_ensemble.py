"""The ensemble family: a weighted average of members, saved and loaded whole, evidence from one member."""

from __future__ import annotations

import numpy as np
import pytest
from factories import theme_records

from tipnlp.classifiers.ensemble import EnsembleClassifier
from tipnlp.errors import ModelError

THEMES = ["supply_chains", "non_punishment"]


def _data():
    """Made-up passages of six documents, as records with their document id (grouped calibration)."""
    recs = theme_records(6, 5)
    return ([{"text": r["text"], "heading": "", "doc_type": "law", "doc_id": r["doc_id"]} for r in recs],
            [r["labels"] for r in recs])


MEMBERS = [
    {"family": "context", "weight": 1.0, "params": {"min_df": 1, "calibration_folds": 2, "sentence_folds": 2}},
    {"family": "tfidf", "weight": 3.0, "params": {"min_df": 1, "char_ngrams": [3, 3], "calibration_folds": 2}},
]


def test_fit_returns_self_and_scores_are_the_weighted_average_of_the_members():
    inputs, labels = _data()
    model = EnsembleClassifier(THEMES, members=MEMBERS, random_state=1)
    assert model.fit(inputs, labels) is model
    a, b = (m.predict_proba(inputs) for m in model.members_)
    assert np.allclose(model.predict_proba(inputs), 0.25 * a + 0.75 * b)
    assert model.oof_proba_.shape == (len(inputs), len(THEMES))  # both members give grouped out-of-fold scores
    supply = THEMES.index("supply_chains")
    proba = model.predict_proba([{"text": "Every firm shall audit its suppliers for forced labour.", "doc_type": "law"}])
    assert proba[0, supply] > 0.5


def test_saved_ensemble_loads_with_its_members_and_gives_the_same_scores(tmp_path):
    from tipnlp.classifiers import load_model

    inputs, labels = _data()
    model = EnsembleClassifier(THEMES, members=MEMBERS).fit(inputs, labels)
    model.thresholds_ = {"supply_chains": 0.4, "non_punishment": 0.6}
    model.save(tmp_path / "ens")
    loaded = load_model(tmp_path / "ens")
    assert isinstance(loaded, EnsembleClassifier)
    assert np.allclose(loaded.predict_proba(inputs[:4]), model.predict_proba(inputs[:4]))
    assert loaded.thresholds_ == model.thresholds_
    text = inputs[1]["text"]
    assert loaded.evidence(text, "non_punishment") == loaded.members_[0].evidence(text, "non_punishment")


def test_a_member_folder_missing_is_a_clear_model_error(tmp_path):
    import shutil

    from tipnlp.classifiers import load_model

    inputs, labels = _data()
    EnsembleClassifier(THEMES, members=MEMBERS).fit(inputs, labels).save(tmp_path / "ens")
    shutil.rmtree(tmp_path / "ens" / "member_1")
    with pytest.raises(ModelError, match="member 1"):
        load_model(tmp_path / "ens")


@pytest.mark.parametrize("members, evidence_from", [([], 0), ([{"family": "tfidf", "weight": -1}], 0),
                                                     ([{"family": "tfidf"}], 3)])
def test_bad_ensemble_settings_are_refused(members, evidence_from):
    with pytest.raises(ModelError):
        EnsembleClassifier(THEMES, members=members, evidence_from=evidence_from)


def test_a_saved_tfidf_model_scores_the_same_frozen_without_loading_scikit_learn_vectorizers(tmp_path):
    from tipnlp.classifiers.tfidf import TfidfLinearClassifier

    inputs, labels = _data()
    model = TfidfLinearClassifier(THEMES, min_df=1, char_ngrams=(3, 4), calibration_folds=2,
                                  lexicon_features="rules").fit(inputs, labels)
    texts = [x["text"] for x in inputs[:6]]
    fresh = model.predict_proba(texts)
    model.save(tmp_path / "t")
    loaded = TfidfLinearClassifier.load(tmp_path / "t")
    assert "word_vectorizer_" not in loaded.__dict__  # scoring needs no scikit-learn object
    assert np.allclose(loaded.predict_proba(texts), fresh, atol=1e-5)
    assert len(loaded._feature_names()) > 0  # n-gram evidence reads the vectorisers on demand
    assert "word_vectorizer_" in loaded.__dict__
