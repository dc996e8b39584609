"""The plain-Python rule matcher finds what spaCy's matchers find, without importing spaCy.

All sentences here are written for these tests (none are copied from the corpus).
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from conftest import needs_corpus
from tipnlp.classifiers.lexicon import LexiconClassifier
from tipnlp.classifiers.rule_matcher import like_num, pattern_matches, tokenize
from tipnlp.errors import DataError

MADE_UP = [
    "Section 4. A victim of trafficking shall not be prosecuted for offences committed as a direct result of being trafficked.",
    "The U.S. Department's anti-trafficking unit trained 300 police officers (2021); e.g. labour inspectors, judges...",
    "Art. 5(1)(a) Whoever removes an organ, tissue or cells without consent, or for valuable consideration, commits an offence.",
    "Our Tier1/direct suppliers signed the code; sub-suppliers were audited.Recruitment fees were repaid to 1,200 workers.",
    "No.12 of 2003 -- Penalties--Mandatory sentence; 22-49-2 applies.**Provided** that the child is not penalised.",
    "a.Sexual exploitation of women and girls; b. the demand that fosters it.......... page 4",
    "Officials received gender-sensitive training on identifying victims of trafficking and on referral to shelters.",
    "The ministry warned tourists that child sex tourism is punishable, and discouraged the purchase of sexual services.",
    "  Indented\n\nnew paragraph with   extra spaces and a UN/ILO joint \"guidance\" note.",
    "The employer-pays principle: workers shall not bear any recruitment-related fees or costs.",
]


def _spacy_tokens(text: str) -> list[str]:
    spacy = pytest.importorskip("spacy")
    return [t.text for t in spacy.blank("en").make_doc(text)]


@pytest.mark.parametrize("text", MADE_UP)
def test_tokens_split_as_spacys_blank_english_tokenizer_does(text):
    assert [t for _, _, t in tokenize(text)] == _spacy_tokens(text)


def test_token_offsets_point_at_the_token_text():
    text = MADE_UP[1]
    assert all(text[s:e] == t for s, e, t in tokenize(text))


@pytest.mark.parametrize("text", MADE_UP)
def test_rule_hits_are_the_same_as_with_spacys_matchers(text):
    pytest.importorskip("spacy")
    assert LexiconClassifier(matcher="plain").match(text) == LexiconClassifier(matcher="spacy").match(text)


def test_like_num_reads_digits_number_words_fractions_and_ordinals():
    assert all(like_num(x) for x in ["12", "1,200", "3.5", "seven", "Twenty", "1/2", "3rd", "first"])
    assert not any(like_num(x) for x in ["officers", "12a", "1/2/3", "x"])


def test_token_patterns_match_every_length_the_repeat_operators_allow():
    words = "we trained 40 border guards last year and they trained".split()
    pattern = [{"LIKE_NUM": True}, {"LOWER": {"IN": ["border", "police"]}},
               {"TEXT": {"NOT_IN": ["."]}, "OP": "{0,2}"}, {"LOWER": {"REGEX": "^(last|next)$"}}]
    assert pattern_matches(words, pattern) == [(2, 6)]
    assert pattern_matches(words, [{"LOWER": "trained"}, {"LOWER": "x", "OP": "?"}]) == [(1, 2), (9, 10)]


def test_an_unsupported_pattern_attribute_fails_naming_the_rule(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("themes:\n  organ_removal:\n    rules:\n"
                    "      - {id: odd, weight: 0.5, patterns: [[{POS: NOUN}]]}\n", encoding="utf-8")
    with pytest.raises(DataError, match="rule `odd`: invalid token pattern"):
        LexiconClassifier(lexicon_path=path).predict_proba(["anything"])


def test_an_unknown_matcher_is_refused():
    with pytest.raises(DataError, match="unknown lexicon matcher"):
        LexiconClassifier(matcher="regex")


def test_matching_rules_imports_no_spacy():
    code = ("import sys; from tipnlp.classifiers.lexicon import LexiconClassifier; "
            f"hits = LexiconClassifier().match({MADE_UP[0]!r}); assert hits['non_punishment']; "
            "print('spacy' in sys.modules)")
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip() == "False"


@needs_corpus
def test_plain_and_spacy_matchers_agree_on_the_rule_features_of_the_gold_passages():
    """The models' rule features were first computed with spaCy; the corpus grows between rounds, so
    this allows a sliver of disagreement (0 of 4,632 features differed on 2026-12-07)."""
    pytest.importorskip("spacy")
    from tipnlp.evaluation.cv import gold_pool

    records, _ = gold_pool()
    texts = [r["text"] for r in records][:3000]

    def features(hits):
        return {(theme, rule, w) for theme, ms in hits.items() for _, _, rule, w in ms}

    plain = LexiconClassifier(matcher="plain").match_many(texts)
    ref = LexiconClassifier(matcher="spacy").match_many(texts)
    fired = sum(len(features(a) | features(b)) for a, b in zip(plain, ref))
    differ = sum(len(features(a) ^ features(b)) for a, b in zip(plain, ref))
    assert fired > 1000 and differ / fired <= 0.005


def test_terms_sharing_first_words_are_each_found_where_they_occur():
    from tipnlp.classifiers.rule_matcher import PlainRuleMatcher

    matcher = PlainRuleMatcher()
    matcher.add("one", ["forced"], [])
    matcher.add("two", ["forced labour"], [])
    matcher.add("three", ["forced labour camp"], [])
    matcher.add("other", ["forced marriage"], [])
    matcher.add("prefix", ["labour recruit*"], [])
    tokens = tokenize("Forced labour camps and forced marriage; forced labour recruiters. forced labour")
    spans = matcher.spans(tokens)
    assert spans["one"] == [(0, 1), (4, 5), (7, 8), (11, 12)]
    assert spans["two"] == [(0, 2), (7, 9), (11, 13)]  # the last one ends the text
    assert "three" not in spans  # "camps" is not "camp"
    assert spans["other"] == [(4, 6)]
    assert spans["prefix"] == [(8, 10)]


def test_a_full_word_cache_is_emptied_without_losing_matches(monkeypatch):
    """On an endless stream the per-word cache is cleared when full, even in the middle of a text."""
    from tipnlp.classifiers.rule_matcher import PlainRuleMatcher

    monkeypatch.setattr(PlainRuleMatcher, "PREFIX_CACHE_SIZE", 1)
    matcher = PlainRuleMatcher()
    matcher.add("prefix", ["recruit* fee*"], [])
    matcher.add("term", ["forced labour"], [])
    tokens = tokenize("Recruitment fees and forced labour: recruiters charged fees, a recruiting fee, forced labour.")
    spans = matcher.spans(tokens)
    assert spans["prefix"] == [(0, 2), (11, 13)]
    assert spans["term"] == [(3, 5), (14, 16)]
    assert len(matcher._prefix_starts) <= 2
