"""Cross-validation grouped by document: groups, folds, and no document on both sides of a fold."""

from __future__ import annotations

import numpy as np
import pytest
from factories import theme_records

from tipnlp.evaluation.cv import assign_folds, cross_validate, document_groups

THEMES = ["demand_reduction", "non_punishment", "gender_sensitive_training", "supply_chains", "organ_removal"]

SHARED = ("For the purposes of this regulation a contractor means any person who enters into a contract "
          "with the agency for the supply of goods or services, including every subcontractor at any tier.")


def test_document_groups_join_pdf_twins_and_documents_that_share_paragraphs():
    rows = {"a": {}, "a_pdf": {"twin_of": "a"}, "b": {}, "c": {}, "d": {}}
    texts = {
        "b": "\n\n".join([SHARED, SHARED.replace("agency", "department"), SHARED.replace("goods", "works"), "Own text of b."]),
        "c": "\n\n".join([SHARED, SHARED.replace("agency", "department"), SHARED.replace("goods", "works"), "Other text."]),
        "d": "A document of its own, sharing nothing with the others.",
    }
    groups = document_groups(list(rows), rows, texts)
    assert groups["a"] == groups["a_pdf"]
    assert groups["b"] == groups["c"]
    assert len({groups["a"], groups["b"], groups["d"]}) == 3


def test_folds_keep_each_group_whole_and_give_every_fold_positives_of_every_theme():
    rng = np.random.default_rng(0)
    groups, rows = [], []
    for g in range(40):
        for _ in range(int(rng.integers(3, 12))):
            groups.append(f"g{g}")
            row = np.zeros(len(THEMES), dtype=int)
            row[g % len(THEMES)] = int(rng.random() < 0.5)
            rows.append(row)
    y = np.array(rows)
    folds = assign_folds(groups, y, 5, seed=1)
    for g in set(groups):
        assert len({folds[i] for i, x in enumerate(groups) if x == g}) == 1
    for f in range(5):
        assert (y[folds == f].sum(axis=0) > 0).all()


def test_too_few_groups_for_the_folds_is_a_clear_error():
    from tipnlp.errors import DataError

    with pytest.raises(DataError, match="too few"):
        assign_folds(["a", "a", "b"], np.zeros((3, 5)), 3)


def test_cross_validation_scores_every_passage_with_a_model_that_never_saw_its_document():
    recs = theme_records(12, 6)
    seen_by_fold: list[tuple[set, set]] = []

    def probe(model, held_out, thresholds):
        seen_by_fold.append((held_out, set(model.trained_on_)))

    from tipnlp.classifiers import tfidf

    original_fit = tfidf.TfidfLinearClassifier.fit

    def remembering_fit(self, texts, labels):
        self.trained_on_ = {t if isinstance(t, str) else t["text"] for t in texts}
        return original_fit(self, texts, labels)

    tfidf.TfidfLinearClassifier.fit = remembering_fit
    try:
        config = {"name": "t", "family": "tfidf", "params": {"C": 1.0, "char_ngrams": [3, 3], "min_df": 1,
                                                            "calibration_folds": 2}}
        result = cross_validate(config, recs, [r["doc_id"] for r in recs], 3, themes=THEMES, inner_k=2, probe=probe)
    finally:
        tfidf.TfidfLinearClassifier.fit = original_fit
    assert result.scores.shape == (len(recs), len(THEMES))
    assert len(seen_by_fold) == 3
    for held_out, trained_texts in seen_by_fold:
        held_texts = {r["text"] for r in recs if r["doc_id"] in held_out}
        assert not held_texts & trained_texts
    supply = THEMES.index("supply_chains")
    pos = [i for i, r in enumerate(recs) if "supply_chains" in r["labels"]]
    neg = [i for i, r in enumerate(recs) if not r["labels"]]
    assert result.scores[pos, supply].mean() > result.scores[neg, supply].mean()
    assert all(info["thresholds_from"] for info in result.fold_info)


@pytest.mark.parametrize("config", [
    {"name": "bow", "family": "spacy_textcat", "params": {"architecture": "bow", "max_epochs": 2, "dev_fraction": 0.2}},
    {"name": "context", "family": "context", "params": {"min_df": 1, "calibration_folds": 2, "sentence_folds": 2}},
    {"name": "lexicon", "family": "lexicon", "params": {}},
], ids=lambda c: c["family"])
def test_cross_validation_runs_for_the_cpu_model_families(config):
    """`tipnlp evaluate --cv` retrains any family from its config; the MiniLM families go through the same
    path (their tiny training loops are tested in test_transformer_families.py)."""
    recs = theme_records(12, 6)
    result = cross_validate(config, recs, [r["doc_id"] for r in recs], 2, themes=THEMES, inner_k=0)
    assert result.scores.shape == (len(recs), len(THEMES))
    assert np.isfinite(result.scores).all()


def test_held_out_documents_are_scored_with_guessed_types_and_training_can_use_guessed_types_too():
    """A user's file has no manifest type: CV scores held-out documents with the guesser's type, and a
    config may train on guessed types as well (``data: {doc_types: guessed}``)."""
    from tipnlp.classifiers import context

    recs = theme_records(12, 6)
    seen: dict[str, list[str]] = {"fit": [], "predict": []}
    original_fit, original_proba = context.ContextSentenceClassifier.fit, context.ContextSentenceClassifier.predict_proba

    def fit(self, inputs, labels):
        seen["fit"] += [x["doc_type"] for x in inputs]
        return original_fit(self, inputs, labels)

    def predict_proba(self, inputs):
        seen["predict"] += [x["doc_type"] for x in inputs]
        return original_proba(self, inputs)

    context.ContextSentenceClassifier.fit, context.ContextSentenceClassifier.predict_proba = fit, predict_proba
    try:
        config = {"name": "c", "family": "context", "params": {"min_df": 1, "calibration_folds": 2, "sentence_folds": 2}}
        cross_validate(config, recs, [r["doc_id"] for r in recs], 2, themes=THEMES, inner_k=0,
                       doc_types=lambda docs: {d: "guidance" for d in docs},
                       train_doc_types={r["doc_id"]: "other" for r in recs})
    finally:
        context.ContextSentenceClassifier.fit, context.ContextSentenceClassifier.predict_proba = original_fit, original_proba
    assert set(seen["fit"]) == {"other"}
    assert "guidance" in seen["predict"] and "law" not in seen["predict"]
