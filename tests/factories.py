"""Build small test documents (PDF, DOCX, HTML) from text written in the tests.

Other test modules import these (``from factories import make_pdf``); fixtures never copy corpus text.
"""

from __future__ import annotations

import html
from pathlib import Path


def make_pdf(
    pages: list[str],
    path: str | Path,
    *,
    password: str | None = None,
    title: str | None = None,
    font_size: int = 11,
) -> Path:
    """A PDF with one page per string (newlines become line breaks); optionally user-password encrypted.

    Text must be latin-1 (fpdf2's core Helvetica font).
    """
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_auto_page_break(False)
    pdf.set_font("Helvetica", size=font_size)
    if title:
        pdf.set_title(title)
    for text in pages:
        pdf.add_page()
        if text:
            pdf.multi_cell(0, font_size * 0.5, text)
    if password is not None:
        pdf.set_encryption(owner_password=f"owner-{password}", user_password=password)
    path = Path(path)
    pdf.output(str(path))
    return path


def make_image_only_pdf(path: str | Path, n_pages: int = 2) -> Path:
    """A PDF whose pages hold only a drawn rectangle: no text layer, like a scan."""
    from fpdf import FPDF

    pdf = FPDF()
    for _ in range(n_pages):
        pdf.add_page()
        pdf.set_fill_color(90, 90, 90)
        pdf.rect(20, 30, 150, 200, style="F")
    path = Path(path)
    pdf.output(str(path))
    return path


def make_zero_page_pdf(path: str | Path) -> Path:
    """A valid PDF with no pages at all."""
    import pypdfium2 as pdfium

    path = Path(path)
    pdf = pdfium.PdfDocument.new()
    try:
        pdf.save(str(path))
    finally:
        pdf.close()
    return path


def make_docx(
    paragraphs: list[str],
    path: str | Path,
    *,
    title: str | None = None,
    table: list[list[str]] | None = None,
) -> Path:
    """A .docx with these paragraphs, then (optionally) a table with these rows of cell texts."""
    import docx

    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    if table:
        t = document.add_table(rows=len(table), cols=max(len(r) for r in table))
        for i, row in enumerate(table):
            for j, cell_text in enumerate(row):
                t.cell(i, j).text = cell_text
    if title is not None:
        document.core_properties.title = title
    path = Path(path)
    document.save(str(path))
    return path


def make_html(
    paragraphs: list[str],
    path: str | Path,
    *,
    title: str | None = None,
    heading: str | None = None,
    chrome: bool = True,
) -> Path:
    """An HTML page: optional <title> and <h1>, paragraphs, and (``chrome``) nav/script/style/footer noise."""
    esc = html.escape
    parts = ["<!DOCTYPE html>", "<html><head><meta charset='utf-8'>"]
    if title is not None:
        parts.append(f"<title>{esc(title)}</title>")
    if chrome:
        parts.append("<style>body { color: red; }</style>")
    parts.append("</head><body>")
    if chrome:
        parts.append("<nav><a href='/'>Home</a> <a href='/about'>About us</a></nav>")
        parts.append("<header>Site banner text</header>")
        parts.append("<script>var tracking = 'do not keep me';</script>")
    if heading is not None:
        parts.append(f"<h1>{esc(heading)}</h1>")
    parts.extend(f"<p>{esc(p)}</p>" for p in paragraphs)
    if chrome:
        parts.append("<div role='navigation'>Next page | Previous page</div>")
        parts.append("<footer>Copyright footer text</footer>")
    parts.append("</body></html>")
    path = Path(path)
    path.write_text("\n".join(parts), encoding="utf-8")
    return path


def theme_records(n_docs: int, per_doc: int) -> list[dict]:
    """Small made-up documents of gold-like records: supply-chain duties, victim protection and plain
    procedure, ``per_doc`` passages in each of ``n_docs`` documents."""
    recs = []
    for d in range(n_docs):
        for k in range(per_doc):
            if k % 3 == 0:
                text, labels = f"Company {d} shall audit its suppliers and report on forced labour risk {k}.", ["supply_chains"]
            elif k % 3 == 1:
                text, labels = f"A victim of trafficking shall not be prosecuted for offence {d}-{k}.", ["non_punishment"]
            else:
                text, labels = f"The minister may make regulations on form {d}-{k} and fees.", []
            recs.append({"id": f"doc{d}:{k}", "doc_id": f"doc{d}", "text": text, "labels": labels,
                         "meta": {"heading": "", "doc_type": "law"}})
    return recs
