"""Contents pages, footnotes and wrapped headings (written here; the corpus checks are in test_segment_quality)."""

from __future__ import annotations

from tipnlp.records import Document, PageSpan
from tipnlp.segment import CONTENTS, FOOTNOTES, segment


def _doc(text: str, pages: list[tuple[int, int]] | None = None) -> Document:
    spans = [PageSpan(i + 1, s, e) for i, (s, e) in enumerate(pages or [(0, len(text))])]
    return Document(id="t", source="t.txt", sha256="0" * 64, text=text, format="pdf", pages=spans)


CONTENTS_PAGE = (
    "Contents\n"
    "1. About this guidance ........................................ 4\n"
    "Annex A – Victims of trafficking ................................ 12\n"
    "Annex B – Referral pathways for organisations that may meet potential\n"
    "victims ......................................................... 17\n"
    "\n"
    "1. About this guidance\n"
    "This guidance explains how public bodies identify and support victims of trafficking and modern "
    "slavery, and how they refer them to the national referral mechanism for support.\n"
)


def test_contents_entries_are_no_headings_and_form_an_untagged_passage():
    passages = segment(_doc(CONTENTS_PAGE))
    headings = {c for p in passages for c in p.heading.split(" > ")}
    assert not any("...." in h or h.startswith("Annex") for h in headings)
    contents = [p for p in passages if p.kind == CONTENTS]
    assert contents and "Annex B" in contents[0].text
    body = passages[-1]
    assert body.heading == "1. About this guidance" and body.text.startswith("1. About this guidance")


def test_footnotes_are_no_headings_and_get_no_themes():
    text = (
        "Victims of trafficking shall not be prosecuted for offences they were compelled to commit as a "
        "direct consequence of being trafficked.\n"
        "6 http://www.example.org/guidance.pdf\n"
        "7 See the national action plan, chapter 3.\n"
        "\n"
        "Companies shall report on the due diligence they carry out in their supply chains to keep forced "
        "labour out of them.\n"
    )
    passages = segment(_doc(text))
    assert not any("http" in p.heading for p in passages)
    notes = [p for p in passages if p.kind == FOOTNOTES]
    assert notes and notes[0].text.startswith("6 http")

    from tipnlp import Tagger

    result = Tagger.load("lexicon").tag_document(_doc(text))
    assert all(not p.themes for p in result.passages if p.text.startswith("6 http"))


def test_a_heading_wrapped_over_lines_is_one_heading():
    text = (
        "PART III\n"
        "OFFENCES AGAINST VICTIMS OF\n"
        "CRIME AND WITNESSES\n"
        "14. Any person who threatens a victim of crime or witness with any harm commits an offence and "
        "shall be liable to imprisonment.\n"
        "Board of\n"
        "Management of\n"
        "the Authority\n"
        "\n"
        "15. The Board shall consist of the members appointed by the Minister under this Act, who shall "
        "hold office for three years.\n"
    )
    passages = segment(_doc(text))
    assert passages[0].heading == "PART III > OFFENCES AGAINST VICTIMS OF CRIME AND WITNESSES"
    assert passages[-1].heading.endswith("Board of Management of the Authority")
