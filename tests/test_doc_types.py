"""The document-type guesser: a user's file gets a type the models were trained with, and a stated one wins."""

from __future__ import annotations

import numpy as np
import pytest

from tipnlp.doc_types import DOC_TYPES, DocTypeClassifier

# Written for these tests: openings of three kinds of document.
LAWS = [f"ACT No. {n} of {1990 + n}\nAn Act to provide for the prevention of trafficking in persons.\n"
        f"BE IT ENACTED by the Parliament as follows:\nSection 1. Short title. This Act may be cited as the "
        f"Prevention Act {1990 + n}.\nSection 2. Interpretation. In this Act, unless the context otherwise requires"
        for n in range(8)]
STATEMENTS = [f"Modern Slavery Statement {2015 + n}\nThis statement is made by Acme Holdings plc for the financial "
              f"year ending 31 March {2016 + n}. Our business and supply chains: we source apparel from 300 "
              "suppliers in 12 countries. Our policies include a supplier code of conduct approved by the Board."
              for n in range(8)]
UN = [f"United Nations A/HRC/{30 + n}/1 General Assembly Distr.: General\nHuman Rights Council, session {30 + n}, "
      "Agenda item 3. Report of the Special Rapporteur on trafficking in persons, especially women and children."
      for n in range(8)]


def _fitted() -> DocTypeClassifier:
    texts = LAWS + STATEMENTS + UN
    types = ["law"] * 8 + ["corporate_statement"] * 8 + ["un_report"] * 8
    return DocTypeClassifier().fit(texts, types)


def test_fit_returns_self_and_tells_a_statute_from_a_company_statement():
    clf = DocTypeClassifier()
    assert clf.fit(LAWS + STATEMENTS, ["law"] * 8 + ["corporate_statement"] * 8) is clf
    guesses = clf.predict([
        "ACT No. 99 of 2031\nAn Act to amend the criminal code.\nBE IT ENACTED by the Parliament as follows:",
        "Modern Slavery Statement 2031\nThis statement is made by Zenith Foods Ltd for the financial year; our suppliers",
    ])
    assert [g for g, _ in guesses] == ["law", "corporate_statement"]


def test_probabilities_sum_to_one_and_survive_save_and_load(tmp_path):
    clf = _fitted()
    probe = ["Report of the Special Rapporteur on trafficking in persons to the General Assembly", LAWS[0]]
    before = clf.predict_proba(probe)
    assert np.allclose(before.sum(axis=1), 1.0)
    clf.save(tmp_path)
    loaded = DocTypeClassifier.load(tmp_path)
    assert loaded is not None and loaded.classes_ == clf.classes_
    assert np.allclose(loaded.predict_proba(probe), before, atol=1e-6)
    assert DocTypeClassifier.load(tmp_path / "nowhere") is None


def test_unknown_type_in_training_data_is_refused():
    from tipnlp.errors import DataError

    with pytest.raises(DataError, match="unknown document types"):
        DocTypeClassifier().fit(LAWS[:2] + UN[:2], ["law", "law", "statute", "statute"])


def test_cli_choices_are_the_models_document_types():
    from tipnlp.cli.commands_core import DocType

    assert tuple(t.value for t in DocType) == DOC_TYPES


class _RecordingModel:
    """A stand-in theme model that remembers the document type of what it scored."""

    accepts_records = True
    themes = ["supply_chains"]
    name_ = "recording"

    def __init__(self):
        self.seen: list[str] = []

    def predict_proba(self, inputs):
        self.seen += [r["doc_type"] for r in inputs]
        return np.zeros((len(inputs), 1))

    def threshold_vector(self):
        return np.array([0.5])


@pytest.mark.parametrize("given, metadata, expected, source", [
    ("guidance", "law", "guidance", "given"),          # the caller's word wins
    (None, "law", "law", "metadata"),                  # then the manifest's
    (None, None, "corporate_statement", "inferred"),   # then the guess
])
def test_the_models_see_the_stated_the_known_or_the_guessed_document_type(given, metadata, expected, source):
    from tipnlp.tagger import Tagger

    model = _RecordingModel()
    tagger = Tagger(model, doc_typer=_fitted())
    text = STATEMENTS[0] + "\n\nWe audit our suppliers every year and publish the results."
    doc = tagger.tag_text(text, doc_type=given) if metadata is None else None
    if metadata is not None:
        from tipnlp.records import Document, PageSpan

        document = Document(id="d", source="<t>", sha256="0", text=text, format="txt",
                            pages=[PageSpan(1, 0, len(text))], metadata={"doc_type": metadata})
        doc = tagger.tag_document(document, doc_type=given)
    assert set(model.seen) == {expected}
    assert doc.document.metadata["doc_type"] == expected
    assert doc.document.metadata["doc_type_source"] == source


def test_an_unknown_stated_type_is_a_usage_error_naming_the_choices():
    from tipnlp.errors import UsageError
    from tipnlp.tagger import Tagger

    with pytest.raises(UsageError) as err:
        Tagger(_RecordingModel()).tag_text("Section 1. Text.", doc_type="statute")
    assert "corporate_statement" in err.value.hint
