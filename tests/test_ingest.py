"""tipnlp.ingest: every format into one Document, format detection, PDF clean-up and every error case."""

from __future__ import annotations

import hashlib
import io
import json
import os
import zipfile
from pathlib import Path

import pytest
from factories import make_docx, make_html, make_image_only_pdf, make_pdf, make_zero_page_pdf

import tipnlp.ingest as ingest
from tipnlp.errors import (
    CorruptDocument,
    DocumentTooLarge,
    EmptyDocument,
    EncryptedDocument,
    InputNotFound,
    InputUnreadable,
    NoTextLayer,
    TipnlpError,
    UnsupportedFormat,
)
from tipnlp.ingest import cleanup, detect_format, make_doc_id, read_bytes, read_document
from tipnlp.ingest.html import flat_text
from tipnlp.ingest.pdf import join_pages
from tipnlp.records import PageSpan

# Text written for these tests (no corpus text in the repository).
BODIES = [
    "Recruiters promised the workers jobs at a fish plant.\nInspectors later found their passports locked in an office.",
    "The shelter in the harbour town opened forty beds.\nCaseworkers describe how the council tracks traf-\nficking reports across the valley.",
    "Calls to the helpline rose after the poster campaign.\nTraining reached labour inspectors, nurses and police.",
    "Funding for victim support doubled over two years.\nThe review closes with seven recommendations.",
]
HEADER = "Northwind Council - Annual Review of Labour Exploitation"
FOOTER = "Internal draft, not for circulation"


def _review_pages() -> list[str]:
    n = len(BODIES)
    return [f"{HEADER}\n{body}\n{FOOTER}\nPage {i} of {n}\n{i}" for i, body in enumerate(BODIES, start=1)]


@pytest.fixture()
def review_pdf(tmp_path: Path) -> Path:
    return make_pdf(_review_pages(), tmp_path / "Northwind Review-2031.pdf", title="Northwind review")


def assert_pages_consistent(doc) -> None:
    prev_end = 0
    for i, p in enumerate(doc.pages, start=1):
        assert p.number == i
        assert prev_end <= p.start <= p.end <= len(doc.text)
        prev_end = p.end


# --------------------------------------------------------------------------- PDF


def test_pdf_text_has_each_page_body_without_running_header_footer_or_page_numbers(review_pdf):
    doc = read_document(review_pdf)
    assert doc.format == "pdf"
    assert HEADER not in doc.text
    assert FOOTER not in doc.text
    assert "Page 2 of 4" not in doc.text
    assert all(line.strip() not in {"1", "2", "3", "4"} for line in doc.text.split("\n"))
    assert "Recruiters promised the workers jobs" in doc.text
    assert "seven recommendations." in doc.text


def test_pdf_joins_word_hyphenated_across_a_line_break(review_pdf):
    doc = read_document(review_pdf)
    assert "tracks trafficking reports" in doc.text
    assert "traf-" not in doc.text


def test_pdf_page_spans_hold_each_page_text_in_order(review_pdf):
    doc = read_document(review_pdf)
    assert doc.page_count == 4
    assert_pages_consistent(doc)
    for span, body in zip(doc.pages, BODIES):
        page_text = doc.text[span.start : span.end]
        assert page_text.startswith(body.split("\n")[0])
        assert page_text.endswith(body.split("\n")[-1])
    # pages are joined by a blank line, nothing else between them
    for a, b in zip(doc.pages, doc.pages[1:]):
        assert doc.text[a.end : b.start] == "\n\n"
    assert doc.page_at(doc.pages[2].start + 3) == 3


def test_pdf_metadata_title_page_count_id_sha_and_source(review_pdf):
    doc = read_document(str(review_pdf))
    assert doc.metadata["title"] == "Northwind review"
    assert doc.metadata["page_count"] == 4
    assert doc.id == "northwind_review_2031"
    assert doc.sha256 == hashlib.sha256(review_pdf.read_bytes()).hexdigest()
    assert doc.source == str(review_pdf)
    assert "\r" not in doc.text and "\ufffe" not in doc.text


def test_pdf_closes_every_page_and_textpage(review_pdf, monkeypatch):
    import pypdfium2 as pdfium

    closed = {"page": 0, "textpage": 0}
    page_close, tp_close = pdfium.PdfPage.close, pdfium.PdfTextPage.close

    def count_page(self, *a, **k):
        closed["page"] += 1
        return page_close(self, *a, **k)

    def count_tp(self, *a, **k):
        closed["textpage"] += 1
        return tp_close(self, *a, **k)

    monkeypatch.setattr(pdfium.PdfPage, "close", count_page)
    monkeypatch.setattr(pdfium.PdfTextPage, "close", count_tp)
    read_document(review_pdf)
    assert closed["page"] >= 4 and closed["textpage"] >= 4


def test_pdf_encrypted_without_password_says_none_was_given(tmp_path):
    path = make_pdf(["Locked page about labour inspections in the port."], tmp_path / "locked.pdf", password="s3cret")
    with pytest.raises(EncryptedDocument) as err:
        read_document(path)
    assert "locked.pdf" in str(err.value) and "no password" in str(err.value)


def test_pdf_encrypted_with_wrong_password_says_it_is_wrong(tmp_path):
    path = make_pdf(["Locked page about labour inspections in the port."], tmp_path / "locked.pdf", password="s3cret")
    with pytest.raises(EncryptedDocument) as err:
        read_document(path, password="guess")
    assert "wrong" in str(err.value)


def test_pdf_encrypted_with_right_password_reads(tmp_path):
    path = make_pdf(["Locked page about labour inspections in the port."], tmp_path / "locked.pdf", password="s3cret")
    doc = read_document(path, password="s3cret")
    assert "labour inspections in the port" in doc.text


def test_truncated_pdf_is_corrupt(review_pdf, tmp_path):
    data = review_pdf.read_bytes()
    cut = tmp_path / "cut.pdf"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(CorruptDocument) as err:
        read_document(cut)
    assert "cut.pdf" in str(err.value)


def test_random_bytes_behind_pdf_header_are_corrupt(tmp_path):
    path = tmp_path / "junk.pdf"
    path.write_bytes(b"%PDF-1.7\n" + os.urandom(4000))
    with pytest.raises(CorruptDocument):
        read_document(path)


def test_image_only_pdf_has_no_text_layer_and_hint_names_ocrmypdf(tmp_path):
    path = make_image_only_pdf(tmp_path / "scan.pdf", n_pages=2)
    with pytest.raises(NoTextLayer) as err:
        read_document(path)
    assert "scan.pdf" in str(err.value)
    assert "ocrmypdf" in err.value.hint


def test_pdf_without_pages_is_empty(tmp_path):
    with pytest.raises(EmptyDocument) as err:
        read_document(make_zero_page_pdf(tmp_path / "nopages.pdf"))
    assert "no pages" in str(err.value)


def test_pdf_over_max_pages_is_too_large(review_pdf):
    with pytest.raises(DocumentTooLarge) as err:
        read_document(review_pdf, max_pages=3)
    assert "4 pages" in str(err.value)
    assert read_document(review_pdf, max_pages=4).page_count == 4


def test_file_over_max_bytes_is_too_large(review_pdf):
    size = review_pdf.stat().st_size
    with pytest.raises(DocumentTooLarge):
        read_document(review_pdf, max_bytes=size - 1)
    assert read_document(review_pdf, max_bytes=size).format == "pdf"


# --------------------------------------------------------------------------- PDF clean-up steps


def test_normalize_newlines_turns_crlf_and_cr_into_lf():
    assert cleanup.normalize_newlines("a\r\nb\rc\n") == "a\nb\nc\n"


def test_drop_layout_chars_removes_soft_hyphens_markers_and_form_feeds():
    assert cleanup.drop_layout_chars("inter\ufffenational\x0cco\u00adoperation\x02") == "internationalcooperation"
    assert cleanup.drop_layout_chars("tab\tnew\nline") == "tab\tnew\nline"


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("traf-\nficking", "trafficking"),
        ("exploi- \n  tation", "exploitation"),
        ("as follows:-\n(a) first", "as follows:-\n(a) first"),  # list dash: no letter after
        ("North-\nSouth", "North-\nSouth"),  # uppercase next: a real compound
        ("2020-\n2021", "2020-\n2021"),
        ("services -\neverything", "services -\neverything"),  # spaced dash
    ],
)
def test_join_hyphenated_only_joins_letter_hyphen_newline_lowercase(before, after):
    assert cleanup.join_hyphenated(before) == after


@pytest.mark.parametrize("line", ["12", " 7 ", "Page 3", "page 3 of 40", "- 7 -", "\u2013 12 \u2013", "3 of 40", "iv", "xii", "p. 9"])
def test_is_page_number_accepts_page_labels(line):
    assert cleanup.is_page_number(line)


@pytest.mark.parametrize("line", ["", "12 victims were found", "Section 4", "2024 report", "Page layout notes", "civil", "I", "vi vi"])
def test_is_page_number_rejects_text(line):
    assert not cleanup.is_page_number(line)


def test_edge_key_ignores_page_numbers_case_and_spacing():
    assert cleanup.edge_key("Annual Review  2031 | 7") == cleanup.edge_key("8 | annual review 2031")


def test_repeated_header_with_alternating_page_number_side_is_found():
    pages = [
        [f"{i} Harbour Authority Report" if i % 2 else f"Harbour Authority Report {i}", f"Unique body line {'abcdef'[i]}."]
        for i in range(1, 6)
    ]
    assert cleanup.find_repeated_edge_lines(pages) == {"harbour authority report"}


def test_numbered_headings_at_page_tops_are_not_running_headers():
    # "Article N" changes from page to page but not in step with the page number: keep it.
    numbers = [3, 9, 10, 17, 30, 31]
    pages = [[f"Article {n}", f"Body text number {'abcdef'[i]}."] for i, n in enumerate(numbers)]
    assert cleanup.find_repeated_edge_lines(pages) == set()


def test_single_word_margin_notes_are_not_running_headers():
    sections = [27, 51, 52, 60, 61]
    pages = [[f"Body {'abcde'[i]} goes here.", f"Amendment of section {n}", "principal", "enactment."] for i, n in enumerate(sections)]
    assert cleanup.find_repeated_edge_lines(pages) == set()


def test_short_documents_never_lose_lines_as_headers():
    pages = [["Same heading line here", "body one"], ["Same heading line here", "body two"]]
    assert cleanup.find_repeated_edge_lines(pages) == set()


def test_bare_numbers_are_removed_only_when_they_follow_the_page_numbering():
    # printed numbers run 65, 66, 67... on physical pages 1, 2, 3 (offset 64); a table figure is kept
    pages = [["65", "Text a."], ["66", "Text b.", "412"], ["67", "Text c."]]
    offsets = cleanup.page_number_offsets(pages)
    assert 64 in offsets
    assert cleanup.remove_edge_lines(pages[1], 2, set(), offsets) == ["Text b.", "412"]


def test_clean_pages_keeps_numbers_in_the_middle_of_a_page():
    body = ["Top line of text."] + [f"Body line {c}." for c in "abcdefgh"] + ["17"] + [f"More text {c}." for c in "abcdefgh"]
    cleaned = cleanup.clean_pages(["\r\n".join(body)])
    assert "\n17\n" in cleaned[0]


def test_join_pages_gives_empty_pages_zero_length_spans_without_separators():
    text, spans = join_pages(["one", "", "three"])
    assert text == "one\n\nthree"
    assert [(s.number, s.start, s.end) for s in spans] == [(1, 0, 3), (2, 3, 3), (3, 5, 10)]


# --------------------------------------------------------------------------- DOCX


def test_docx_paragraphs_and_table_cells_joined_by_blank_lines_with_title(tmp_path):
    path = make_docx(
        ["Policy on recruitment fees.", "", "Suppliers must repay any fee charged to workers."],
        tmp_path / "Fees Policy.docx",
        title="Recruitment fee policy",
        table=[["Risk", "Action"], ["Fees", "Repay"]],
    )
    doc = read_document(path)
    assert doc.format == "docx"
    assert doc.text == (
        "Policy on recruitment fees.\n\nSuppliers must repay any fee charged to workers.\n\nRisk\n\nAction\n\nFees\n\nRepay"
    )
    assert doc.metadata["title"] == "Recruitment fee policy"
    assert doc.pages == [PageSpan(1, 0, len(doc.text))]
    assert doc.id == "fees_policy"


def test_truncated_docx_is_corrupt(tmp_path):
    data = make_docx(["Some paragraph text for the test."], tmp_path / "a.docx").read_bytes()
    cut = tmp_path / "cut.docx"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(CorruptDocument):
        read_document(cut)


def test_docx_with_broken_document_xml_is_corrupt_and_names_the_parser_error(tmp_path):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("word/document.xml", "<w:document>not closed")
    path = tmp_path / "broken.docx"
    path.write_bytes(buf.getvalue())
    with pytest.raises(CorruptDocument) as err:
        read_document(path)
    assert "broken.docx" in str(err.value)
    assert "Error" in str(err.value)  # the original exception type is named


def test_unexpected_parser_exception_becomes_corrupt_document(tmp_path, monkeypatch):
    import tipnlp.ingest.docx as docx_mod

    def boom(data, name):
        raise KeyError("zz-internal")

    monkeypatch.setattr(docx_mod, "read_docx", boom)
    path = make_docx(["Paragraph."], tmp_path / "a.docx")
    with pytest.raises(CorruptDocument) as err:
        read_document(path)
    assert "KeyError" in str(err.value) and "a.docx" in str(err.value)


# --------------------------------------------------------------------------- HTML


def test_html_drops_page_chrome_and_keeps_paragraphs(tmp_path):
    path = make_html(
        ["Employers may not keep workers' identity papers.", "Inspectors visit each site twice a year."],
        tmp_path / "rules.html",
        title="Workplace rules",
        heading="Rules for employers",
    )
    doc = read_document(path)
    assert doc.format == "html"
    assert doc.text == (
        "Rules for employers\n\nEmployers may not keep workers' identity papers.\n\nInspectors visit each site twice a year."
    )
    assert doc.metadata["title"] == "Workplace rules"
    for noise in ("Home", "banner", "tracking", "color", "Next page", "Copyright"):
        assert noise not in doc.text


def test_html_title_falls_back_to_first_h1(tmp_path):
    path = make_html(["Body."], tmp_path / "t.html", heading="The Heading", chrome=False)
    assert read_document(path).metadata["title"] == "The Heading"


def test_html_blocks_lists_and_cells_become_paragraphs_inline_text_stays_joined():
    html = (
        b"<html><body><div>Intro with <b>bold</b> and <a href='#'>a link</a>.</div>"
        b"<ul><li>first item</li><li>second\n   item</li></ul>"
        b"<table><tr><td>cell one</td><td>cell two</td></tr></table>"
        b"<p>line one<br>line two</p><!-- a comment --></body></html>"
    )
    doc = read_bytes(html, "page.html")
    assert doc.text == (
        "Intro with bold and a link.\n\nfirst item\n\nsecond item\n\ncell one\n\ncell two\n\nline one\nline two"
    )


def test_deeply_nested_html_does_not_crash():
    depth = 20000
    html = b"<html><body>" + b"<div><span>" * depth + b"deep words" + b"</span></div>" * depth + b"</body></html>"
    doc = read_bytes(html, "deep.html")
    assert "deep words" in doc.text


def test_html_recursion_error_falls_back_to_flat_text(monkeypatch):
    import tipnlp.ingest.html as html_mod

    def recurse(root):
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setattr(html_mod, "_events", recurse)
    doc = read_bytes(b"<html><head><title>T</title></head><body><p>alpha</p><p>beta &amp; gamma</p></body></html>", "x.html")
    assert doc.text == "alpha\n\nbeta & gamma"
    assert doc.metadata == {"title": "T", "extraction": "flat"}


def test_flat_text_drops_scripts_and_splits_blocks():
    assert flat_text("<script>x()</script><div>a <i>b</i></div><p>c</p>") == ["a b", "c"]


def test_html_with_only_scripts_is_empty():
    with pytest.raises(EmptyDocument):
        read_bytes(b"<html><body><script>var a = 1;</script><nav>menu</nav></body></html>", "s.html")


# --------------------------------------------------------------------------- text and Markdown


def test_txt_is_decoded_content_with_only_newlines_normalised(tmp_path):
    raw = "\ufeffFirst line\r\n\r\n  indented  line\twith tab \rlast line without newline".encode("utf-8")
    path = tmp_path / "Notes.TXT"
    path.write_bytes(raw)
    doc = read_document(path)
    assert doc.format == "txt"
    assert doc.text == "First line\n\n  indented  line\twith tab \nlast line without newline"
    assert doc.pages == [PageSpan(1, 0, len(doc.text))]
    assert doc.sha256 == hashlib.sha256(raw).hexdigest()
    assert doc.metadata["encoding"] == "utf-8"


def test_txt_falls_back_to_cp1252_then_latin1():
    doc = read_bytes("Caf\u00e9 \u201cquoted\u201d".encode("cp1252"), "a.txt")
    assert doc.text == "Caf\u00e9 \u201cquoted\u201d" and doc.metadata["encoding"] == "cp1252"
    doc = read_bytes(b"plain words and, at the end, one odd byte " * 10 + b"\x81", "b.txt")
    assert doc.metadata["encoding"] == "latin-1" and "\x81" in doc.text


def test_utf16_text_with_bom_is_read():
    doc = read_bytes("Line one\r\nLine two".encode("utf-16"), "w.txt")
    assert doc.text == "Line one\nLine two"


def test_markdown_kept_verbatim_and_detected_from_content():
    md = b"# Heading\n\nSee [the act](https://example.org/act).\n\n## Second\n\n- item\r\n"
    doc = read_bytes(md, "notes")
    assert doc.format == "md"
    assert doc.text == md.decode().replace("\r\n", "\n")
    assert doc.id == "notes"


def test_markdown_with_inline_html_in_txt_file_stays_text():
    data = b"Intro paragraph.\n\n***<u>Prevention</u>***\n\nMore text with <span>markup</span>.\n"
    doc = read_bytes(data, "fact_sheet.txt")
    assert doc.format == "txt" and doc.text == data.decode()


def test_whitespace_only_text_is_empty(tmp_path):
    path = tmp_path / "blank.txt"
    path.write_bytes(b" \r\n\t\n  ")
    with pytest.raises(EmptyDocument) as err:
        read_document(path)
    assert "blank.txt" in str(err.value)


def test_empty_file_is_empty(tmp_path):
    path = tmp_path / "zero.pdf"
    path.write_bytes(b"")
    with pytest.raises(EmptyDocument) as err:
        read_document(path)
    assert "zero.pdf" in str(err.value) and "empty" in str(err.value)


# --------------------------------------------------------------------------- format detection


def test_detection_uses_content_not_a_wrong_extension(tmp_path, review_pdf):
    pdf_as_txt = tmp_path / "really_a_pdf.txt"
    pdf_as_txt.write_bytes(review_pdf.read_bytes())
    assert read_document(pdf_as_txt).format == "pdf"

    docx_bytes = make_docx(["Word text here."], tmp_path / "w.docx").read_bytes()
    assert detect_format(docx_bytes, "file.pdf") == "docx"
    assert detect_format(b"<!DOCTYPE html><html><body><p>x</p></body></html>", "page.txt") == "html"
    assert detect_format(b"Just a few words of plain text.", "report.pdf") == "txt"
    assert detect_format(b"Just a few words of plain text.", "report.md") == "md"
    assert detect_format(b"  \n<html lang='en'><p>x</p></html>") == "html"
    assert detect_format(b"<div><p>a</p><p>b</p></div>") == "html"
    assert detect_format(b"Notes\n\nThe page had <body> and <html> tags in it.\n", "notes.txt") == "txt"
    assert detect_format(b"Notes\n\nThe page had <body> and <html> tags in it.\n", "notes") == "html"
    assert detect_format(b"# Title\n\nText with a [link](http://x.org/).\n") == "md"
    assert detect_format(b"Plain words.\nMore plain words.\n") == "txt"


@pytest.mark.parametrize(
    ("data", "what"),
    [
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, "PNG"),
        (b"\xff\xd8\xff\xe0" + os.urandom(200), "JPEG"),
        (b"\x7fELF\x02\x01\x01" + b"\x00" * 50, "ELF"),
        (b"MZ\x90\x00\x03\x00\x00\x00", "executable"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 50, "legacy Office"),
        (b"{\\rtf1\\ansi hello}", "RTF"),
        (b"text then \x00\x00\x00 binary", "NUL"),
        (bytes(range(1, 32)) * 20, "control"),
    ],
)
def test_binary_inputs_are_unsupported(data, what):
    with pytest.raises(UnsupportedFormat) as err:
        detect_format(data, "thing.txt")
    assert what in str(err.value) and "thing.txt" in str(err.value)


def test_zip_that_is_not_docx_is_unsupported(tmp_path):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("xl/workbook.xml", "<workbook/>")
    path = tmp_path / "sheet.docx"
    path.write_bytes(buf.getvalue())
    with pytest.raises(UnsupportedFormat) as err:
        read_document(path)
    assert "sheet.docx" in str(err.value) and "xlsx" in str(err.value)


# --------------------------------------------------------------------------- paths and ids


def test_missing_path_is_not_found(tmp_path):
    with pytest.raises(InputNotFound) as err:
        read_document(tmp_path / "nope.pdf")
    assert "nope.pdf" in str(err.value) and err.value.exit_code == 3


def test_directory_is_unreadable(tmp_path):
    with pytest.raises(InputUnreadable) as err:
        read_document(tmp_path)
    assert "folder" in str(err.value)


def test_file_that_cannot_be_opened_is_unreadable(tmp_path, monkeypatch):
    path = tmp_path / "locked.txt"
    path.write_text("words")

    def deny(*a, **k):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(ingest, "open", deny, raising=False)
    with pytest.raises(InputUnreadable) as err:
        read_document(path)
    assert "Permission denied" in str(err.value) and "locked.txt" in str(err.value)


def test_doc_id_defaults_to_sanitised_stem_and_can_be_given():
    assert make_doc_id("/x/My Report (Final)-2024.v2.PDF") == "my_report__final__2024_v2"
    assert make_doc_id("") == "document"
    doc = read_bytes(b"Some text.", "a/b/Some File.txt", doc_id="custom")
    assert doc.id == "custom" and doc.source == "a/b/Some File.txt"


# --------------------------------------------------------------------------- real corpus (read only)


def _corpus_dir() -> Path | None:
    env = os.environ.get("TIPNLP_CORPUS_DIR")
    path = Path(env) if env else Path(__file__).resolve().parents[1].parent / "shared" / "corpora"
    return path if (path / "manifest.jsonl").is_file() else None


def _manifest() -> list[dict]:
    root = _corpus_dir()
    if root is None:
        return []
    with open(root / "manifest.jsonl", encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


_ROWS = _manifest()


@pytest.mark.corpus
@pytest.mark.skipif(not _ROWS, reason="corpus not found (set TIPNLP_CORPUS_DIR)")
@pytest.mark.parametrize("row", _ROWS, ids=[r["id"] for r in _ROWS])
def test_corpus_file_reads_or_raises_a_tipnlp_error(row):
    path = _corpus_dir() / row["file"]
    try:
        doc = read_document(path)
    except TipnlpError as exc:
        if row["id"] == "ms_edan_uk_2022_scanned_pdf":
            assert isinstance(exc, NoTextLayer)
            return
        raise
    assert row["id"] != "ms_edan_uk_2022_scanned_pdf", "the scanned PDF must raise NoTextLayer"
    assert doc.sha256 == row["sha256"], "manifest sha256 should be of the raw file bytes"
    assert doc.format == row["format"]
    assert_pages_consistent(doc)
    if row["format"] == "txt":
        raw = path.read_bytes().decode("utf-8-sig")
        assert doc.text == raw.replace("\r\n", "\n").replace("\r", "\n")
