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


def test_only_folds_scores_the_named_fold_and_leaves_the_others_unscored():
    """A slow model is cross-validated one fold at a time: only that fold's passages get scores, the
    rest stay NaN (so no metric can silently average zeros in), and a fold outside 0..k-1 is refused."""
    recs = theme_records(12, 6)
    groups = [r["doc_id"] for r in recs]
    config = {"name": "lexicon", "family": "lexicon", "params": {}}
    result = cross_validate(config, recs, groups, 3, themes=THEMES, inner_k=0, only_folds=[1])
    in_fold = result.folds == 1
    assert in_fold.any() and (~in_fold).any()
    assert np.isfinite(result.scores[in_fold]).all()
    assert np.isnan(result.scores[~in_fold]).all()
    assert [info["fold"] for info in result.fold_info] == [2]
    full = cross_validate(config, recs, groups, 3, themes=THEMES, inner_k=0)
    assert np.allclose(full.scores[in_fold], result.scores[in_fold])
    with pytest.raises(ValueError, match="only_folds"):
        cross_validate(config, recs, groups, 3, themes=THEMES, inner_k=0, only_folds=[3])


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


def test_doc_bound_extra_rows_train_only_folds_whose_training_documents_hold_their_document():
    """AIMS.au sentences belong to a statement: a fold holding that statement out must not train on them,
    while seed passages (no document) are in every fold's training data."""
    from tipnlp.classifiers import tfidf

    recs = theme_records(12, 6)
    extra = [{"id": f"aims:doc{d}:0", "doc_id": f"doc{d}", "doc_bound": True, "labels": ["supply_chains"],
              "text": f"Bound sentence of statement {d} on supplier audits.", "meta": {"heading": "", "doc_type": "law"}}
             for d in range(12)]
    extra.append({"id": "seed:1", "doc_id": "seed", "labels": [], "text": "A seed passage about nothing in particular.",
                  "meta": {"heading": "", "doc_type": ""}})
    fits: list[set[str]] = []
    original_fit = tfidf.TfidfLinearClassifier.fit

    def remembering_fit(self, texts, labels):
        fits.append({t if isinstance(t, str) else t["text"] for t in texts})
        return original_fit(self, texts, labels)

    held: list[set[str]] = []
    tfidf.TfidfLinearClassifier.fit = remembering_fit
    try:
        config = {"name": "t", "family": "tfidf", "params": {"C": 1.0, "char_ngrams": [3, 3], "min_df": 1,
                                                            "calibration_folds": 2}}
        cross_validate(config, recs, [r["doc_id"] for r in recs], 3, themes=THEMES, inner_k=2, extra=extra,
                       probe=lambda model, held_out, thr: held.append(held_out))
    finally:
        tfidf.TfidfLinearClassifier.fit = original_fit
    assert len(fits) == 3 * (1 + 2)  # each fold's model and its two inner threshold models
    for f, held_out in enumerate(held):
        fold_fits = fits[3 * f: 3 * f + 3]
        for trained in fold_fits:
            assert "A seed passage about nothing in particular." in trained
            bound = {t for t in trained if t.startswith("Bound sentence")}
            assert bound, "training documents' bound rows are used"
            assert not any(f"statement {d[3:]} " in t for d in held_out for t in bound)
        # the fold's own model sees the bound rows of every training document
        assert len({t for t in fold_fits[0] if t.startswith("Bound")}) == 12 - len(held_out)


def test_aims_labels_map_c4_to_supply_chains_and_drop_criteria_our_codebook_splits():
    from tipnlp.gold import aims_sentence_label

    base = {"Approval": 0, "Signature": 0, "C1 (reporting entity)": 0, "C2 (structure)": 0, "C2 (operations)": 0,
            "C2 (supply chains)": 0, "C3 (risk description)": 0, "C4 (risk mitigation)": 0, "C4 (remediation)": 0,
            "C5 (effectiveness)": 0, "C6 (consultation)": 0}
    assert aims_sentence_label({**base, "C4 (remediation)": 1}) == ["supply_chains"]
    assert aims_sentence_label({**base, "C4 (risk mitigation)": 1, "C3 (risk description)": 1}) == ["supply_chains"]
    assert aims_sentence_label(base) == []
    assert aims_sentence_label({**base, "Signature": 1, "C2 (structure)": 1}) == []
    assert aims_sentence_label({**base, "C3 (risk description)": 1}) is None
    assert aims_sentence_label({**base, "C5 (effectiveness)": 1}) is None


def test_aims_training_rows_are_bound_to_their_statement_and_skip_unknown_or_sealed_documents(tmp_path, monkeypatch):
    import json

    from tipnlp import gold

    corpus = tmp_path / "corpora"
    (corpus / "annotations" / "aims").mkdir(parents=True)
    (corpus / "manifest.jsonl").write_text("\n".join(json.dumps(
        {"id": d, "doc_type": "corporate_statement", "file": f"texts/{d}.txt", "format": "txt"})
        for d in ("ms_a", "ms_sealed")) + "\n", encoding="utf-8")
    rows = [{"sentence_idx": 0, "sentence": "We audit our suppliers every year.", "labels": {"C4 (risk mitigation)": 1}},
            {"sentence_idx": 1, "sentence": "Signed by the board.", "labels": {"Signature": 1}},
            {"sentence_idx": 2, "sentence": "Our risks lie in cotton.", "labels": {"C3 (risk description)": 1}}]
    for d in ("ms_a", "ms_sealed", "ms_not_in_corpus"):
        (corpus / "annotations" / "aims" / f"{d}.sentences.jsonl").write_text(
            "\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    monkeypatch.setattr(gold, "sealed_documents", lambda path=None: {"ms_sealed"})
    out = gold.aims_sentence_records(corpus)
    assert [(r["doc_id"], r["labels"]) for r in out] == [("ms_a", ["supply_chains"]), ("ms_a", [])]
    assert all(r["doc_bound"] and r["meta"]["doc_type"] == "corporate_statement" for r in out)


def test_gold_digest_changes_with_a_label_and_not_with_record_order():
    from tipnlp.evaluation.cv import gold_digest

    gold = [{"id": "a:0-5", "labels": ["supply_chains"]}, {"id": "b:0-9", "labels": []}]
    assert gold_digest(gold) == gold_digest(list(reversed(gold)))
    relabelled = [{"id": "a:0-5", "labels": []}, {"id": "b:0-9", "labels": []}]
    assert gold_digest(relabelled) != gold_digest(gold)


def test_train_fraction_trains_each_fold_on_whole_documents_of_that_share_and_scores_every_fold():
    recs = theme_records(12, 6)
    groups = [r["doc_id"] for r in recs]
    config = {"name": "lexicon", "family": "lexicon", "params": {}}
    full = cross_validate(config, recs, groups, 3, themes=THEMES, inner_k=0)
    half = cross_validate(config, recs, groups, 3, themes=THEMES, inner_k=0, train_fraction=0.5)
    for a, b in zip(full.fold_info, half.fold_info):
        assert b["train_passages"] < a["train_passages"] and b["test_passages"] == a["test_passages"]
        per_doc = len(recs) // len(set(groups))
        assert b["train_passages"] % per_doc == 0  # whole documents only
    assert np.array_equal(full.folds, half.folds) and np.isfinite(half.scores).all()


def test_seed_passages_keep_the_document_type_they_were_written_as(tmp_path):
    """A passage written as a piece of statutory guidance trains the context model as guidance, not as a
    document of no type; a seed file without meta keeps the empty type."""
    import json

    from tipnlp.evaluation.cv import training_extra

    path = tmp_path / "seeds.jsonl"
    rows = [{"id": "s1", "text": "You should refer a possible victim to the duty officer.", "labels": ["gender_sensitive_training"],
             "meta": {"doc_type": "guidance", "heading": "Part 2 - Referral"}},
            {"id": "s2", "text": "A passage with no meta at all.", "labels": []}]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    got = {r["id"]: r for r in training_extra({"data": {"extra": [str(path)]}})}
    assert got["s1"]["meta"] == {"doc_type": "guidance", "heading": "Part 2 - Referral"}
    assert got["s2"]["meta"] == {"doc_type": "", "heading": ""}
    # each written passage is its own group (calibration folds spread them), marked as written
    from tipnlp.records import is_written

    assert is_written(got["s1"]["doc_id"]) and got["s1"]["doc_id"] != got["s2"]["doc_id"]
    assert not got["s1"].get("doc_bound")
