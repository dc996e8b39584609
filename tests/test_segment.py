"""The segmenter follows the structure of laws and reports and keeps offsets exact."""

from __future__ import annotations

from conftest import SAMPLE_ACT

from tipnlp.records import Document, PageSpan
from tipnlp.segment import SegmenterConfig, segment


def _doc(text: str, pages: list[PageSpan] | None = None) -> Document:
    return Document("t", "<test>", "0", text, "txt", pages or [PageSpan(1, 0, len(text))])


def test_law_sections_become_passages_with_heading_paths():
    passages = segment(_doc(SAMPLE_ACT))
    headings = [p.heading for p in passages]
    assert any(h.startswith("PART II - OFFENCES > 3. Purchase of sexual services") for h in headings)
    assert any(h.endswith("4. Non-punishment of victims") for h in headings)
    non_punishment = next(p for p in passages if "4. Non-punishment" in p.heading)
    assert non_punishment.text.startswith("4. Non-punishment of victims")
    assert "shall not be prosecuted" in non_punishment.text
    # sections do not bleed into each other
    assert "Training of officials" not in non_punishment.text


def test_offsets_round_trip_and_passages_do_not_overlap():
    doc = _doc(SAMPLE_ACT)
    passages = segment(doc)
    assert passages
    last_end = 0
    for p in passages:
        assert doc.text[p.start : p.end] == p.text
        assert p.start >= last_end
        last_end = p.end


def test_numbered_report_paragraphs_are_separate_passages():
    text = (
        "II. Recommendations\n\n"
        "12. The Committee recommends that the State party train border guards to identify victims.\n"
        "(a) by issuing guidelines;\n(b) by funding courses.\n"
        "13. The Committee also recommends that victims are not detained for irregular entry or stay.\n"
        "14. The Committee welcomes the adoption of a national action plan for the period 2020 to 2024.\n"
    )
    passages = segment(_doc(text))
    starts = [p.text.split()[0] for p in passages]
    assert starts == ["II.", "13.", "14."] or starts == ["12.", "13.", "14."]
    first = passages[0]
    assert "(b) by funding courses." in first.text  # items stay with their paragraph
    assert all("II. Recommendations" in p.heading for p in passages)


def test_long_block_is_split_at_sentence_boundaries():
    sentence = "The agency reviewed the conditions of migrant workers in the fishing sector in detail. "
    text = sentence * 40
    cfg = SegmenterConfig(max_chars=600, target_chars=300, min_chars=20)
    passages = segment(_doc(text), cfg)
    assert len(passages) > 5
    for p in passages:
        assert len(p.text) <= 600
        assert p.text.endswith(".")


def test_text_without_punctuation_is_still_cut_to_size():
    text = "\n".join(f"line {i} of a list without any full stop" for i in range(300))
    passages = segment(_doc(text), SegmenterConfig(max_chars=500, target_chars=400, min_chars=10))
    assert max(len(p.text) for p in passages) <= 500


def test_tiny_fragments_are_merged_into_the_next_passage():
    text = "2019\n\nStatement\n\nThis statement describes the steps the company took to assess the risk of forced labour among its suppliers.\n"
    passages = segment(_doc(text), SegmenterConfig(min_chars=40))
    assert len(passages) == 1
    assert passages[0].text.startswith("2019")


def test_page_numbers_follow_the_document_pages():
    page1 = "1. First paragraph on the first page, long enough to stand alone as a passage here."
    page2 = "2. Second paragraph on the second page, also long enough to stand alone as a passage."
    text = page1 + "\n\n" + page2
    pages = [PageSpan(1, 0, len(page1)), PageSpan(2, len(page1) + 2, len(text))]
    passages = segment(_doc(text, pages))
    assert [(p.page_start, p.page_end) for p in passages] == [(1, 1), (2, 2)]
