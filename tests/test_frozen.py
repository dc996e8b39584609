"""Frozen TF-IDF scoring reproduces scikit-learn's vectorisers without importing scikit-learn at inference.

All sentences here are written for these tests (none are copied from the corpus).
"""

from __future__ import annotations

import numpy as np
import pytest

from tipnlp.classifiers.frozen import FrozenTfidf, shared_term_counts

TRAIN = [
    "Victims of trafficking shall not be punished for offences they were compelled to commit.",
    "Police officers and labour inspectors receive training on identifying victims of trafficking.",
    "Companies publish the due diligence they carry out on suppliers and recruitment agencies.",
    "Buying sexual services from a victim of trafficking is an offence; demand is discouraged.",
    "Removing an organ for payment, or without lawful authority, is trafficking in persons.",
]
NEW = [
    "Labour inspectors audited suppliers; recruitment agencies repaid fees to workers.",
    "The victim was not punished. The victim was not punished.",  # repeated words and n-grams
    "",  # no text at all
    "zzqx vvkw",  # nothing the vocabulary knows
    "  Training\n\nfor   judges and prosecutors on victims' rights  ",
]


@pytest.mark.parametrize("analyzer, ngrams", [("word", (1, 2)), ("char_wb", (3, 5))])
@pytest.mark.parametrize("sublinear", [True, False])
def test_frozen_rows_and_scores_equal_scikit_learns(analyzer, ngrams, sublinear):
    from sklearn.feature_extraction.text import TfidfVectorizer

    vec = TfidfVectorizer(analyzer=analyzer, ngram_range=ngrams, sublinear_tf=sublinear).fit(TRAIN)
    frozen = FrozenTfidf.from_sklearn(vec)
    ref = vec.transform(NEW).toarray()
    weights = np.random.default_rng(0).normal(size=(3, frozen.size))
    assert np.allclose(frozen.dot(NEW, weights), ref @ weights.T)
    assert np.allclose(frozen.dot(NEW, weights, batch=2), ref @ weights.T)  # batches join seamlessly
    for row, (idx, val), text in zip(ref, frozen.transform(NEW), NEW):
        dense = np.zeros(frozen.size)
        dense[idx] = val
        assert np.allclose(dense, row)
        one_idx, one_val = frozen.transform_one(text)
        assert np.array_equal(one_idx, idx) and np.allclose(one_val, val)
    assert not frozen.dot(NEW, weights)[3].any()  # unknown words score nothing, and do not fail


def test_word_counts_are_shared_inside_the_block_and_kept_by_no_one_after_it(monkeypatch):
    from sklearn.feature_extraction.text import TfidfVectorizer

    small = FrozenTfidf.from_sklearn(TfidfVectorizer(ngram_range=(1, 2), max_features=20).fit(TRAIN))
    large = FrozenTfidf.from_sklearn(TfidfVectorizer(ngram_range=(1, 2)).fit(TRAIN))
    calls = []
    terms = FrozenTfidf._terms
    monkeypatch.setattr(FrozenTfidf, "_terms", lambda self, text: calls.append(text) or terms(self, text))
    w_small, w_large = np.ones((1, small.size)), np.ones((1, large.size))
    alone = small.dot(NEW, w_small), large.dot(NEW, w_large)
    calls.clear()
    with shared_term_counts():
        shared = small.dot(NEW, w_small), large.dot(NEW, w_large)
    assert len(calls) == len(NEW)  # each text cut into n-grams once for both vectorisers
    assert all(np.array_equal(a, b) for a, b in zip(alone, shared))
    small.dot(NEW, w_small)
    assert len(calls) == 2 * len(NEW)  # after the block nothing is remembered


def test_identical_saved_vectorisers_load_as_one_object_and_score_the_same(tmp_path):
    from sklearn.feature_extraction.text import TfidfVectorizer

    from tipnlp.classifiers.frozen import load_frozen, save_frozen

    char = FrozenTfidf.from_sklearn(TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 4)).fit(TRAIN))
    word = FrozenTfidf.from_sklearn(TfidfVectorizer().fit(TRAIN))
    save_frozen(tmp_path / "a", {"char": char, "word": word}, {}, {})
    save_frozen(tmp_path / "b", {"char": char, "other": FrozenTfidf.from_sklearn(TfidfVectorizer().fit(TRAIN[:2]))}, {}, {})
    (a, _, _), (b, _, _) = load_frozen(tmp_path / "a"), load_frozen(tmp_path / "b")
    assert a["char"] is b["char"]  # one vocabulary in memory, one word cache
    assert a["word"] is not b["other"]  # different vocabularies stay apart
    weights = np.random.default_rng(1).normal(size=(2, char.size))
    alone = a["char"].dot(NEW, weights)
    with shared_term_counts():
        first, second = a["char"].dot(NEW, weights), b["char"].dot(NEW, weights * 2)
    assert np.array_equal(first, alone) and np.allclose(second, 2 * alone)


def test_shared_counts_stay_bounded_on_a_long_document(monkeypatch):
    """A 1,000-page document must not hold every passage's n-gram counts until the call ends."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    from tipnlp.classifiers import frozen

    monkeypatch.setattr(frozen, "SHARED_TEXTS", 2)
    vec = FrozenTfidf.from_sklearn(TfidfVectorizer(ngram_range=(1, 2)).fit(TRAIN))
    weights = np.ones((1, vec.size))
    with shared_term_counts():
        scores = vec.dot(NEW, weights)
        assert [len(texts) for texts in frozen._SHARED.get().counts.values()] == [2]
        assert np.array_equal(vec.dot(NEW, weights), scores)  # texts past the bound are counted again, alike
    assert frozen._SHARED.get() is None
