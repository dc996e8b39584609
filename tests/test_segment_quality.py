"""The segmenter's measured quality on real PDFs can only stay or rise (tests/segment_quality.py).

Also guarded: the resolved gold passages that coincide with segmenter passages (the corpus data
set matches gold labels to passages by id), so a segmenter change cannot silently drop them.
Both need the shared corpus and are skipped without it.
"""

from __future__ import annotations

import json

import pytest

from conftest import needs_corpus
from segment_quality import CHECKS_FILE, score

pytestmark = [needs_corpus, pytest.mark.corpus]


def test_segmenter_quality_score_does_not_drop(corpus_dir):
    result = score(corpus_dir)
    assert not result["drifted"], f"the ingested text changed under checks: {result['drifted']}"
    failed = "\n".join(f"{d} {i['check']} {i.get('at', i.get('span'))}: {i['why']}" for d, i in result["failed"])
    assert result["score"] >= result["min_score"], f"score {result['score']} < {result['min_score']}:\n{failed}"


def test_gold_passages_still_coincide_with_segmenter_passages(corpus_dir):
    from collections import defaultdict

    from tipnlp.corpus import manifest_index, read_corpus_document
    from tipnlp.gold import load_adjudicated, load_round, resolve
    from tipnlp.segment import segment

    spans = defaultdict(set)
    for record in resolve(load_round(1), load_adjudicated()):
        spans[record.doc_id].add((record.start, record.end))
    rows = manifest_index(corpus_dir)
    coinciding = 0
    for doc_id, wanted in spans.items():
        if doc_id not in rows:  # the resolution itself is not a manifest document
            continue
        document = read_corpus_document(rows[doc_id], corpus_dir)
        coinciding += len(wanted & {(p.start, p.end) for p in segment(document)})
    minimum = json.loads(CHECKS_FILE.read_text(encoding="utf-8"))["gold_coinciding_min"]
    assert coinciding >= minimum
