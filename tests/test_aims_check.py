"""The outside AIMS.au check: sentences are found in the statement text and take their passage's tags."""

from __future__ import annotations

import sys
from pathlib import Path

from conftest import needs_corpus

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "evaluation"))
import aims_check  # noqa: E402


def test_normalised_text_maps_each_kept_character_back_to_its_offset():
    text = "Our  Suppliers,\nmust sign\tthe Code."
    norm, where = aims_check._normalised_with_map(text)
    assert norm == "our suppliers must sign the code "
    pos = norm.find("suppliers must")
    start, end = where[pos], where[pos + len("suppliers must") - 1] + 1
    assert text[start:end] == "Suppliers,\nmust"


def test_shares_count_c4_and_unlabelled_sentences_separately():
    empty = {k: 0 for k in ("C1 (reporting entity)", *aims_check.C4)}
    rows = [
        {"labels": {**empty, "C4 (risk mitigation)": 1}},
        {"labels": {**empty, "C4 (remediation)": 1}},
        {"labels": dict(empty)},
        {"labels": {**empty, "C1 (reporting entity)": 1}},
    ]
    shares = aims_check._shares(rows, [True, False, True, True])
    assert (shares["c4_sentences"], shares["c4_tagged_supply_chains"]) == (2, 1)
    assert (shares["unlabelled_sentences"], shares["unlabelled_tagged_supply_chains"]) == (1, 1)
    assert shares["c4_share"] == 0.5


@needs_corpus
def test_context_check_locates_most_sentences_and_separates_held_out_statements():
    from tipnlp.corpus import corpus_root

    sentences = aims_check.load_sentences(corpus_root())
    result = aims_check.context_check("lexicon", sentences)
    total = result["sentences_found"] + result["sentences_not_found"]
    assert total == sum(len(rows) for rows in sentences.values())
    assert result["sentences_found"] > 0.9 * total
    held, train = result["held_out_statements"], result["train_statements"]
    assert not set(held["statements"]) & set(train["statements"])
    assert held["sentences"] + train["sentences"] == result["all"]["sentences"]
    assert 0 <= result["all"]["c4_tagged_supply_chains"] <= result["all"]["c4_sentences"]
