"""The sealed split: aggregate figures only, every run on the ledger, never in the training gold."""

from __future__ import annotations

import re

from conftest import needs_corpus


def _fake_sealed(split=None, corpus_dir=None, **_):
    assert split == "sealed"
    texts = [
        ("A victim of trafficking shall not be prosecuted for immigration offences.", ["non_punishment"]),
        ("Every company shall publish a statement on forced labour in its supply chains.", ["supply_chains"]),
        ("The minister may prescribe the form of the annual report.", []),
        ("Whoever pays for a sexual act with a trafficked person commits an offence.", ["demand_reduction"]),
    ]
    for i, (text, labels) in enumerate(texts):
        yield {"id": f"secret_doc_{i // 2}:{i}-{i + 1}", "doc_id": f"secret_doc_{i // 2}", "text": text,
               "labels": labels, "meta": {"heading": "", "doc_type": "law"}}


def test_sealed_evaluation_prints_aggregates_only_and_logs_every_run(tmp_path, monkeypatch):
    import tipnlp.gold
    from tipnlp.evaluation import sealed

    monkeypatch.setattr(tipnlp.gold, "export_records", _fake_sealed)
    ledger = tmp_path / "ledger.md"
    line = sealed.evaluate_sealed("lexicon", n_resamples=20, ledger=ledger)
    assert "secret_doc" not in line and "prosecuted" not in line
    assert re.search(r"\| lexicon \| 4 / 2 \|", line)
    sealed.evaluate_sealed("lexicon", n_resamples=20, ledger=ledger)
    rows = [x for x in ledger.read_text().splitlines() if x.startswith("| 20")]
    assert len(rows) == 2
    assert ledger.read_text().startswith("# Sealed-split ledger")


@needs_corpus
def test_no_sealed_document_is_in_the_training_gold():
    from tipnlp.gold import load_first, load_gold, load_second, sealed_documents

    sealed_docs = sealed_documents()
    assert len({d for d in sealed_docs if not d.endswith("_pdf")}) >= 15
    assert not {r.doc_id for r in load_gold("all", check=False)} & sealed_docs
    assert not {r.doc_id for r in load_first() + load_second()} & sealed_docs
    assert {r.doc_id for r in load_gold("sealed", check=False)} <= sealed_docs
