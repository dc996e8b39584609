"""Property tests of ``segment``: for any document, passages are ordered, disjoint, in bounds, exact
slices of the text, trimmed, non-empty, on the right pages, and together cover the text.

Documents are drawn from law- and report-like lines (headings, numbered paragraphs, sub-sections,
bullets, collector notes, long unbroken lines) mixed with arbitrary Unicode, over one page or many
pages joined the way the PDF reader joins them. Small size limits are drawn too, so the splitting paths
(sub-sections, sentences, lines, hard cuts at spaces) all run.
"""

from __future__ import annotations

import os
import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tipnlp.ingest.pdf import join_pages
from tipnlp.records import Document, PageSpan
from tipnlp.segment import SegmenterConfig, segment

# TIPNLP_HYPOTHESIS_EXAMPLES=2000 for a longer bug hunt; CI keeps 150 per test.
SETTINGS = settings(max_examples=int(os.environ.get("TIPNLP_HYPOTHESIS_EXAMPLES", "150")), deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])

WORDS = ["the", "victim", "shall", "Agency", "inspectors", "may", "refer", "shelter", "of", "and",
         "trafficking", "persons", "labour", "Section", "Part", "court", "x", "1", "(a)", "Act."]
_word = st.sampled_from(WORDS)
_prose = st.lists(_word, min_size=1, max_size=40).map(" ".join)
_sentences = st.lists(_prose.map(lambda s: s[:1].upper() + s[1:] + "."), min_size=1, max_size=6).map(" ".join)
_num = st.sampled_from(["1", "2", "12", "3A", "100", "999"])
_roman = st.sampled_from(["I", "II", "IV", "IX", "XII", "C"])

_structured_line = st.one_of(
    st.builds("PART {} {}".format, _roman, _prose),
    st.builds("CHAPTER {}".format, _num),
    st.builds("Section {}. {}".format, _num, _prose),
    st.builds("Article {}".format, _num),
    st.builds("§ {} {}".format, _num, _prose),
    st.builds("{}. {}".format, _num, _sentences),
    st.builds("{} {}".format, _num, _sentences),
    st.builds("({}) {}".format, _num, _sentences),
    st.builds("({}) {}".format, st.sampled_from(["a", "b", "iv", "zz"]), _prose),
    st.builds("{}) {}".format, st.sampled_from(["a", "b", "c"]), _prose),
    st.builds("- {}".format, _prose),
    st.builds("• {}".format, _prose),
    st.builds("# {}".format, _prose),
    st.builds("### {}".format, _prose),
    st.builds("**{}**".format, _prose),
    st.builds("[{}]".format, _prose),
    st.builds("{}. {}".format, _roman, _prose),
    st.builds("{}. {}".format, st.sampled_from("ABCH"), st.sampled_from(["Victim support", "Offences", "General"])),
    _sentences,
    _prose,
    st.just(""),
    st.just("   "),
    st.just("\t"),
    st.builds(lambda n: "word" * n, st.integers(1, 600)),  # one unbroken token, longer than any limit
    st.builds(lambda n: "no punctuation here " * n, st.integers(1, 120)),
)
_any_line = st.text(
    alphabet=st.characters(codec="utf-8", exclude_characters="\n", exclude_categories=["Cs"]), max_size=120
)
_line = st.one_of(_structured_line, _structured_line, _structured_line, _any_line)
_lines = st.lists(_line, min_size=1, max_size=60)


@st.composite
def documents(draw) -> Document:
    """A Document with one page, or with pages joined like the PDF reader joins them."""
    lines = draw(_lines)
    if draw(st.booleans()):
        text = "\n".join(lines)
        pages = [PageSpan(1, 0, len(text))]
    else:
        cuts = sorted(draw(st.lists(st.integers(0, len(lines)), max_size=6)))
        bounds = [0, *cuts, len(lines)]
        page_texts = ["\n".join(lines[a:b]).strip() for a, b in zip(bounds, bounds[1:])]
        text, pages = join_pages(page_texts)
    return Document(id="doc", source="doc.txt", sha256="0" * 64, text=text, format="txt", pages=pages)


@st.composite
def configs(draw) -> SegmenterConfig:
    max_chars = draw(st.integers(20, 2000))
    target = draw(st.integers(10, max_chars))
    return SegmenterConfig(max_chars=max_chars, target_chars=target, min_chars=draw(st.integers(0, 120)),
                           title_max_chars=draw(st.integers(10, 120)))


_COLLECTOR = re.compile(r"^\s*\[[^\]]*\]\s*$")


def assert_passage_contract(doc: Document, passages) -> None:
    text = doc.text
    prev_end = 0
    for p in passages:
        assert 0 <= p.start < p.end <= len(text), (p.start, p.end, len(text))
        assert p.start >= prev_end, "passages overlap or are out of order"
        prev_end = p.end
        assert text[p.start : p.end] == p.text
        assert p.text.strip() and p.text == p.text.strip(), "passage is blank or not trimmed"
        assert p.doc_id == doc.id
        assert p.page_start == doc.page_at(p.start)
        assert p.page_end == doc.page_at(p.end - 1)
        assert p.page_start <= p.page_end
        # the page span of page_start really holds the passage's first character
        span = doc.pages[p.page_start - 1]
        assert span.number == p.page_start and span.start <= p.start


def uncovered(doc: Document, passages) -> list[tuple[int, str]]:
    """Non-space characters outside every passage, collector lines (``[...]``) excepted."""
    covered = bytearray(len(doc.text))
    for p in passages:
        covered[p.start : p.end] = b"\x01" * (p.end - p.start)
    missing = []
    pos = 0
    for line in doc.text.split("\n"):
        if not _COLLECTOR.match(line):
            missing += [(pos + i, ch) for i, ch in enumerate(line) if not ch.isspace() and not covered[pos + i]]
        pos += len(line) + 1
    return missing


@SETTINGS
@given(documents())
def test_passages_are_ordered_disjoint_exact_slices_on_the_right_pages(doc):
    passages = segment(doc)
    assert_passage_contract(doc, passages)


@SETTINGS
@given(documents(), configs())
def test_contract_holds_for_any_size_limits(doc, cfg):
    assert_passage_contract(doc, segment(doc, cfg))


@SETTINGS
@given(documents())
def test_passages_cover_every_non_space_character(doc):
    passages = segment(doc)
    assert uncovered(doc, passages)[:5] == []


@SETTINGS
@given(documents())
def test_passages_respect_max_chars_unless_one_unbreakable_token(doc):
    cfg = SegmenterConfig(max_chars=300, target_chars=150, min_chars=20)
    for p in segment(doc, cfg):
        if len(p.text) > cfg.max_chars:
            # tiny fragments are merged into a neighbour, so allow that slack; a longer excess must be
            # a single token that has no space to cut at
            longest_token = max(len(t) for t in p.text.split())
            assert len(p.text) <= cfg.max_chars + cfg.min_chars * 4 or longest_token > cfg.max_chars // 2, p.text[:200]


@SETTINGS
@given(documents())
def test_segmenting_is_deterministic(doc):
    assert segment(doc) == segment(doc)


def test_empty_and_whitespace_documents_have_no_passages():
    for text in ("", " ", "\n\n\t\n", "[collector note]\n\n"):
        doc = Document(id="d", source="d", sha256="", text=text, format="txt", pages=[PageSpan(1, 0, len(text))])
        assert segment(doc) == []
