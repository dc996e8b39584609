"""The whole shared corpus goes through tipnlp: every document is tagged or gets a clear error."""

from __future__ import annotations

import pytest

from conftest import needs_corpus
from tipnlp.corpus import corpus_root, iter_manifest, read_corpus_document
from tipnlp.errors import DataError, NoTextLayer, TipnlpError
from tipnlp.segment import segment


def test_corpus_root_without_corpus_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv("TIPNLP_CORPUS_DIR", str(tmp_path))
    with pytest.raises(DataError, match="no corpus found"):
        corpus_root()


@needs_corpus
def test_every_document_segments_with_exact_offsets_or_fails_clearly():
    from tipnlp.tagger import Tagger

    tagger = Tagger.load("lexicon")
    failures = {}
    n_passages = 0
    for row in iter_manifest():
        try:
            doc = read_corpus_document(row)
        except TipnlpError as err:
            failures[row["id"]] = err
            continue
        passages = segment(doc)
        assert passages, row["id"]
        for p in passages:
            assert doc.text[p.start : p.end] == p.text
            assert p.page_start is not None and 1 <= p.page_start <= (p.page_end or p.page_start) <= doc.page_count
        n_passages += len(passages)
        result = tagger.tag_document(doc)
        assert len(result.passages) == len(passages)
    assert set(failures) == {"ms_edan_uk_2022_scanned_pdf"}
    assert isinstance(failures["ms_edan_uk_2022_scanned_pdf"], NoTextLayer)
    assert n_passages > 5000
