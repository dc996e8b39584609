"""Fuzz campaign for tipnlp's readers: every input must end in a Document or a documented error.

    python evaluation/fuzz/run_fuzz.py --n 10000            # the full campaign (6-18 min on 2 cores, by load)
    python evaluation/fuzz/run_fuzz.py --n 200 --seed 7     # a quick one
    python evaluation/fuzz/run_fuzz.py --replay FILE        # re-run one saved reproducer in-process

Inputs are generated from a seed (case ``i`` depends only on ``--seed`` and ``i``): mutated real PDFs
(``$TIPNLP_CORPUS_DIR/pdf`` or ``../shared/corpora/pdf``, skipped when absent) and our own generated
PDFs (truncated, bit-flipped, spliced, numbers swapped for hostile values), hand-built PDFs with
hostile structure (cyclic page trees, absurd counts and boxes, deep arrays), random bytes behind a
``%PDF-`` header, zero-page and 5,000-page PDFs, HTML with 10k-deep nesting and scripts, invalid
UTF-8, ZIP files pretending to be DOCX (mutated, bombs, entity expansion), random text.

Each input runs in a worker process (a pool of ``--workers``), under a per-input time limit. A worker
that hangs is killed and replaced (outcome ``hang``), one that dies (a segfault in pdfium, the memory
limit) is replaced too (outcome ``crash``); neither stops the campaign. A failure is any of:
``exception`` (a non-tipnlp exception escaped ``read_bytes``), ``bad_error`` (a tipnlp error that
ingestion does not document, or one whose message does not name the file), ``invariant`` (a Document
or its passages break their contract: see ``check_document`` / ``check_passages``), ``hang``,
``crash``. Each failure's input is saved under ``<out>/failures/`` with a JSON note beside it.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import multiprocessing as mp
import os
import random
import re
import sys
import tempfile
import time
import traceback
import zipfile
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from multiprocessing.connection import wait
from pathlib import Path
from typing import Any, Callable, Iterator

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path.insert(0, str(REPO / "evaluation" / "bench"))

# Errors that ingestion documents (tipnlp.ingest.read_bytes); anything else is a failure.
DOCUMENTED_CODES = frozenset({"unsupported_format", "encrypted", "corrupt", "no_text_layer", "empty", "too_large"})
FAILURE_OUTCOMES = ("exception", "bad_error", "invariant", "hang", "crash")


# ==================================================================================== checks
def check_document(doc: Any, data: bytes) -> list[str]:
    """Contract of a Document from ``read_bytes``; returns the broken rules (empty when fine)."""
    from tipnlp.ingest import FORMATS

    problems = []
    if doc.format not in FORMATS:
        problems.append(f"format {doc.format!r} not one of {FORMATS}")
    if not doc.text.strip():
        problems.append("text is empty or whitespace")
    if "\x00" in doc.text:
        problems.append("text holds a NUL character")
    if doc.format in ("txt", "md", "pdf") and "\r" in doc.text:
        problems.append("text holds a carriage return (newlines not normalised)")
    if doc.sha256 != hashlib.sha256(data).hexdigest():
        problems.append("sha256 is not that of the input bytes")
    if not doc.pages:
        problems.append("no pages")
    prev_end = 0
    for i, p in enumerate(doc.pages, start=1):
        if p.number != i:
            problems.append(f"page {i} numbered {p.number}")
            break
        if not (prev_end <= p.start <= p.end <= len(doc.text)):
            problems.append(f"page {i} span {p.start}-{p.end} out of order or out of bounds (prev end {prev_end})")
            break
        prev_end = p.end
    return problems


def _collector_line(line: str) -> bool:
    return bool(re.match(r"^\s*\[[^\]]*\]\s*$", line))


def check_passages(doc: Any, passages: list[Any]) -> list[str]:
    """Contract of ``segment``: ordered, disjoint, in bounds, exact text, trimmed, pages right."""
    problems = []
    text = doc.text
    prev = 0
    for k, p in enumerate(passages):
        where = f"passage {k} ({p.start}-{p.end})"
        if not (0 <= p.start < p.end <= len(text)):
            problems.append(f"{where}: out of bounds or empty (len {len(text)})")
            continue
        if p.start < prev:
            problems.append(f"{where}: overlaps or precedes the previous passage (ends {prev})")
        prev = p.end
        if text[p.start : p.end] != p.text:
            problems.append(f"{where}: text differs from document.text[start:end]")
        if not p.text.strip() or p.text != p.text.strip():
            problems.append(f"{where}: blank or not trimmed")
        if p.page_start != doc.page_at(p.start) or p.page_end != doc.page_at(p.end - 1):
            problems.append(f"{where}: pages {p.page_start}-{p.page_end} != {doc.page_at(p.start)}-{doc.page_at(p.end - 1)}")
        if p.page_start is not None and p.page_end is not None and p.page_start > p.page_end:
            problems.append(f"{where}: page_start after page_end")
        if p.doc_id != doc.id:
            problems.append(f"{where}: doc_id {p.doc_id!r} != {doc.id!r}")
    if not passages:
        content = [ln for ln in text.split("\n") if ln.strip() and not _collector_line(ln)]
        if content:
            problems.append(f"no passages although the text has {len(content)} non-blank line(s)")
    return problems[:20]


def check_bytes(data: bytes, name: str, *, max_pages: int | None = None, do_segment: bool = True,
                on_stage: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Read ``data`` as file ``name`` and check the result: the unit of work of a fuzz case.

    ``on_stage("segment")`` is called when reading is done, so a hang can be told apart by stage.
    """
    from tipnlp.errors import TipnlpError
    from tipnlp.ingest import read_bytes

    try:
        doc = read_bytes(data, name, max_pages=max_pages)
    except TipnlpError as exc:
        msg = str(exc)
        if exc.code not in DOCUMENTED_CODES:
            return {"outcome": "bad_error", "code": exc.code, "detail": f"undocumented {type(exc).__name__}: {msg[:300]}"}
        if not msg.startswith(name):
            return {"outcome": "bad_error", "code": exc.code, "detail": f"message does not name the file: {msg[:300]}"}
        return {"outcome": "error", "code": exc.code, "detail": msg[len(name) + 2 :][:160]}
    except Exception as exc:  # the thing we hunt
        return {"outcome": "exception", "code": type(exc).__name__, "detail": traceback.format_exc()[-3000:]}
    problems = check_document(doc, data)
    n_passages = None
    if do_segment and not problems:
        from tipnlp.segment import segment

        if on_stage is not None:
            on_stage("segment")
        try:
            passages = segment(doc)
        except Exception as exc:
            return {"outcome": "exception", "code": f"segment:{type(exc).__name__}", "detail": traceback.format_exc()[-3000:]}
        n_passages = len(passages)
        problems = [f"segment: {p}" for p in check_passages(doc, passages)]
    if problems:
        return {"outcome": "invariant", "code": doc.format, "detail": "; ".join(problems)[:2000]}
    return {"outcome": "ok", "code": doc.format, "detail": f"{len(doc.text)} chars, {doc.page_count} pages, {n_passages} passages"}


# ==================================================================================== seeds
LOREM = (
    "The inspectors visited the processing plant at dawn. Workers described debts that grew each month. "
    "A caseworker arranged shelter for three families. The prosecutor opened an inquiry into the agency. "
    "Training sessions for border officers began in spring. Hotline calls doubled after the campaign."
).split(". ")


@dataclass
class Seeds:
    """Valid documents the mutators start from, built once per campaign."""

    own_pdfs: list[tuple[str, bytes]] = field(default_factory=list)
    real_pdfs: list[tuple[str, bytes]] = field(default_factory=list)
    docx: list[tuple[str, bytes]] = field(default_factory=list)
    html: list[tuple[str, bytes]] = field(default_factory=list)
    big: dict[str, bytes] = field(default_factory=dict)


def corpus_pdf_dir() -> Path | None:
    env = os.environ.get("TIPNLP_CORPUS_DIR")
    root = Path(env) if env else REPO.parent / "shared" / "corpora"
    return root / "pdf" if (root / "pdf").is_dir() else None


def _docx_bytes(paragraphs: list[str], table: list[list[str]] | None = None, nested: int = 0, title: str = "") -> bytes:
    import docx

    d = docx.Document()
    for p in paragraphs:
        d.add_paragraph(p)
    if table:
        t = d.add_table(rows=len(table), cols=len(table[0]))
        for i, row in enumerate(table):
            for j, cell in enumerate(row):
                t.cell(i, j).text = cell
        cell = t.cell(0, 0)
        for level in range(nested):
            inner = cell.add_table(rows=1, cols=2)
            inner.cell(0, 1).text = f"nested level {level}"
            cell = inner.cell(0, 0)
        if len(table) > 1 and len(table[0]) > 1:
            t.cell(0, 0).merge(t.cell(0, 1))
    if title:
        d.core_properties.title = title
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def build_seeds(workdir: Path, *, real: bool = True, big: bool = True, max_real_bytes: int = 4_000_000) -> Seeds:
    """Own PDFs/DOCX/HTML (always), corpus PDFs (``real``), zero- and 5,000-page PDFs (``big``)."""
    from fpdf import FPDF
    from synthetic_docs import synthetic_pages, write_text_pdf

    seeds = Seeds()
    pages = synthetic_pages(6, seed=11)
    seeds.own_pdfs.append(("own_compressed.pdf", write_text_pdf(pages[:4], workdir / "own_c.pdf").read_bytes()))
    seeds.own_pdfs.append(("own_plain.pdf", write_text_pdf(pages[4:6], workdir / "own_p.pdf", compress=False).read_bytes()))
    pdf = FPDF()
    pdf.set_font("Helvetica", size=11)
    pdf.add_page()
    pdf.multi_cell(0, 5, " ".join(LOREM) * 2)
    pdf.set_encryption(owner_password="owner", user_password="secret")
    enc = workdir / "own_enc.pdf"
    pdf.output(str(enc))
    seeds.own_pdfs.append(("own_encrypted.pdf", enc.read_bytes()))
    pdf = FPDF()
    pdf.set_compression(False)
    for _ in range(2):
        pdf.add_page()
        pdf.rect(20, 30, 150, 200, style="F")
    img = workdir / "own_img.pdf"
    pdf.output(str(img))
    seeds.own_pdfs.append(("own_image_only.pdf", img.read_bytes()))
    seeds.own_pdfs.append(("own_struct.pdf", build_struct_pdf(random.Random(5), hostile=False)))

    pdf_dir = corpus_pdf_dir() if real else None
    if pdf_dir is not None:
        for path in sorted(pdf_dir.glob("*.pdf")):
            if path.stat().st_size <= max_real_bytes:
                seeds.real_pdfs.append((path.name, path.read_bytes()))

    table = [["Region", "Victims identified"], ["North coast", "41"], ["Capital district", "112"]]
    seeds.docx.append(("own_plain.docx", _docx_bytes(LOREM, title="Shelter review")))
    seeds.docx.append(("own_table.docx", _docx_bytes(LOREM[:2], table=table, nested=3)))
    seeds.docx.append(("own_deep_table.docx", _docx_bytes(LOREM[:1], table=table, nested=40)))

    for i, paras in enumerate((LOREM, LOREM[::-1])):
        body = "".join(f"<p>{p}.</p>" for p in paras)
        seeds.html.append((f"own_{i}.html", (
            "<!DOCTYPE html><html><head><meta charset='utf-8'><title>Review</title><style>p{}</style></head>"
            f"<body><nav>Home</nav><h1>Annual review</h1>{body}<ul><li>one</li><li>two</li></ul>"
            "<table><tr><td>cell</td></tr></table><script>var x = '</p>';</script></body></html>"
        ).encode()))

    if big:
        zero = workdir / "zero_pages.pdf"
        import pypdfium2 as pdfium

        empty = pdfium.PdfDocument.new()
        try:
            empty.save(str(zero))
        finally:
            empty.close()
        seeds.big["zero_pages.pdf"] = zero.read_bytes()
        seeds.big["pages_5000.pdf"] = _many_pages_pdf(workdir / "pages_5000.pdf", 5000)
        seeds.big["pages_5001.pdf"] = _many_pages_pdf(workdir / "pages_5001.pdf", 5001)
    return seeds


def _many_pages_pdf(path: Path, n: int) -> bytes:
    """``n`` pages of one short line each: fpdf2 writes 5,000 of them in about 2 s."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_auto_page_break(False)
    pdf.set_font("Helvetica", size=11)
    for i in range(n):
        pdf.add_page()
        pdf.text(20, 20, f"Register entry {i + 1}: one more shelter place was funded in this district.")
    pdf.output(str(path))
    return path.read_bytes()


# ==================================================================================== generators
INTERESTING_NUMBERS = [b"0", b"-1", b"1", b"2147483647", b"2147483648", b"4294967295", b"-2147483649",
                       b"99999999999999999999", b"1e308", b"0.0000001", b"65535", b"3.4e38", b"NaN", b"-0"]
PDF_TOKENS = [b"obj", b"endobj", b" R ", b"<<", b">>", b"[", b"]", b"stream\n", b"endstream", b"xref",
              b"trailer", b"startxref", b"/Type /Pages", b"/Count 0", b"/Kids [1 0 R]", b"/Length 99999999",
              b"/Filter /FlateDecode", b"/Encrypt 1 0 R", b"%%EOF", b"(", b")", b"\\", b"BT", b"ET", b"Tj"]


def mutate_bytes(rng: random.Random, data: bytes, *, tokens: list[bytes] | None = None) -> tuple[str, bytes]:
    """One random mutation of ``data``: its name and the result."""
    n = len(data)
    op = rng.choice(["truncate", "truncate", "flip", "flip", "bytes", "splice", "tokens", "numbers", "delete"])
    if op == "truncate":
        cut = rng.choice([rng.randint(0, n), rng.randint(max(0, n - 2048), n), rng.randint(0, min(n, 2048))])
        return f"truncate@{cut}", data[:cut]
    buf = bytearray(data)
    if op == "flip":
        k = rng.choice([1, 2, 8, 64, 512])
        for _ in range(k):
            i = rng.randrange(n)
            buf[i] ^= 1 << rng.randrange(8)
        return f"flip{k}", bytes(buf)
    if op == "bytes":
        i = rng.randrange(n)
        k = rng.choice([1, 4, 16, 256, 4096])
        buf[i : i + k] = rng.randbytes(k)
        return f"bytes{k}@{i}", bytes(buf)
    if op == "splice":
        i, j = sorted(rng.randrange(n) for _ in range(2))
        k = rng.randrange(n)
        return f"splice{i}-{j}@{k}", bytes(buf[:k] + buf[i:j] + buf[k:])
    if op == "delete":
        i = rng.randrange(n)
        k = rng.choice([1, 16, 1024, 65536])
        del buf[i : i + k]
        return f"delete{k}@{i}", bytes(buf)
    if op == "tokens":
        for _ in range(rng.choice([1, 4, 32])):
            i = rng.randrange(n)
            buf[i:i] = rng.choice(tokens or PDF_TOKENS)
        return "tokens", bytes(buf)
    # numbers: swap integers in the structure for hostile values
    spots = [m.span() for m in re.finditer(rb"(?<![0-9.])\d{1,10}(?![0-9.])", data[: 2_000_000])]
    if not spots:
        return mutate_bytes(rng, data, tokens=tokens)
    out = bytearray()
    last = 0
    chosen = sorted(rng.sample(spots, min(len(spots), rng.choice([1, 3, 20]))))
    for s, e in chosen:
        out += data[last:s] + rng.choice(INTERESTING_NUMBERS)
        last = e
    out += data[last:]
    return f"numbers{len(chosen)}", bytes(out)


def build_struct_pdf(rng: random.Random, hostile: bool = True) -> bytes:
    """A hand-written PDF, optionally with hostile structure; xref offsets are often wrong on purpose."""
    text = " ".join(rng.sample(LOREM, 3)).replace("(", "").replace(")", "")
    count = b"1"
    kids = b"[3 0 R]"
    media = b"[0 0 612 792]"
    content = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode()
    extra = b""
    filt = b""
    trick = "none"
    if hostile:
        trick = rng.choice(["cycle", "self_parent", "count", "media", "deep_array", "deep_dict", "many_ops",
                            "huge_tj", "missing_font", "bad_filter", "kids_not_array", "nested_pages",
                            "encrypt_garbage", "long_string", "escape_soup", "inline_image"])
        if trick == "cycle":
            kids = b"[2 0 R 3 0 R]"
        elif trick == "self_parent":
            extra = b"/Parent 3 0 R"
        elif trick == "count":
            count = rng.choice(INTERESTING_NUMBERS)
        elif trick == "media":
            media = b"[" + b" ".join(rng.choice(INTERESTING_NUMBERS) for _ in range(4)) + b"]"
        elif trick == "deep_array":
            depth = rng.choice([1000, 100_000])
            extra = b"/Junk " + b"[" * depth + b"]" * rng.choice([0, depth])
        elif trick == "deep_dict":
            depth = rng.choice([1000, 50_000])
            extra = b"/Junk " + b"<< /A " * depth + b">>" * depth
        elif trick == "many_ops":
            content = b"BT /F1 1 Tf " + b"1 0 Td (x) Tj " * rng.choice([10_000, 200_000]) + b"ET"
        elif trick == "huge_tj":
            content = b"BT /F1 12 Tf 72 720 Td (" + b"word " * rng.choice([10_000, 400_000]) + b") Tj ET"
        elif trick == "missing_font":
            content = content.replace(b"/F1", b"/F9")
        elif trick == "bad_filter":
            filt = rng.choice([b"/Filter /FlateDecode", b"/Filter /LZWDecode", b"/Filter [/ASCIIHexDecode /FlateDecode]",
                               b"/Filter /JBIG2Decode", b"/Filter /Bogus"])
        elif trick == "kids_not_array":
            kids = rng.choice([b"3 0 R", b"(kids)", b"<< >>", b"null"])
        elif trick == "nested_pages":
            kids = b"[2 0 R 2 0 R 3 0 R]"
        elif trick == "long_string":
            content = b"BT /F1 12 Tf 72 720 Td (" + rng.randbytes(rng.choice([1000, 100_000])).replace(b")", b"]") + b") Tj ET"
        elif trick == "escape_soup":
            content = b"BT /F1 12 Tf 72 720 Td (" + b"\\" * 5000 + b"\\777\\0\\(" * 2000 + b") Tj ET"
        elif trick == "inline_image":
            content = b"BI /W 100000 /H 100000 /BPC 8 /CS /RGB ID " + rng.randbytes(500) + b" EI " + content
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids " + kids + b" /Count " + count + b" >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox " + media + b" /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> " + extra + b" >>",
        b"<< /Length " + str(len(content)).encode() + b" " + filt + b" >>\nstream\n" + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for i, body in enumerate(objs, start=1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n".encode() + body + b"\nendobj\n"
    xref_at = len(out)
    out += f"xref\n0 {len(objs) + 1}\n0000000000 65535 f \n".encode()
    for off in offsets:
        out += f"{off if not (hostile and rng.random() < 0.3) else rng.randrange(10**9):010d} 00000 n \n".encode()
    enc = b" /Encrypt << /Filter /Standard /V 9 /R 9 /O (x) /U (y) /P -1 >>" if trick == "encrypt_garbage" else b""
    out += f"trailer\n<< /Size {len(objs) + 1} /Root 1 0 R".encode() + enc + f" >>\nstartxref\n{xref_at}\n%%EOF\n".encode()
    return bytes(out)


_TAGS = ["div", "span", "b", "i", "p", "table", "tr", "td", "ul", "li", "a", "section", "font", "blockquote",
         "pre", "em", "h2", "article", "form", "script", "style", "nav", "svg", "template", "select", "textarea"]


def build_deep_html(rng: random.Random, depth: int = 10_000) -> bytes:
    """HTML nested ``depth`` levels, with text, scripts and (sometimes) unclosed or mismatched tags."""
    mode = rng.choice(["same", "mixed", "unclosed", "mismatched", "scripts", "tables"])
    opens: list[str] = []
    parts = ["<!DOCTYPE html><html><head><title>Deep page</title></head><body>"]
    for level in range(depth):
        if mode == "same":
            tag = "div"
        elif mode == "tables":
            tag = ["table", "tr", "td"][level % 3]
        else:
            tag = rng.choice(_TAGS[:15])
        parts.append(f"<{tag} class='c{level % 7}'>")
        opens.append(tag)
        if level % 500 == 0:
            parts.append(f"level {level} {rng.choice(LOREM)}. ")
        if mode == "scripts" and level % 50 == 0:
            parts.append("<script>document.write('<div>' + '</div>'.repeat(3)); if (a < b && c > d) {}</script>")
    parts.append("the innermost words")
    if mode != "unclosed":
        closes = [f"</{t}>" for t in reversed(opens)]
        if mode == "mismatched":
            rng.shuffle(closes)
        parts.extend(closes)
        parts.append("</body></html>")
    return "".join(parts).encode()


_ATTR_NAMES = ["id", "class", "role", "style", "href", "x"]
_ATTR_VALUES = ["navigation", "a", "", "&amp;", '"', "Navigation ", "<p>"]


def build_random_html(rng: random.Random) -> bytes:
    """Tag soup: random tags, attributes, entities, comments, CDATA, encodings declared wrongly."""
    pieces = []
    if rng.random() < 0.5:
        pieces.append(rng.choice(["<!DOCTYPE html>", "<?xml version='1.0' encoding='utf-16'?>", "<html>",
                                  "<meta charset='shift_jis'>", "<meta http-equiv='Content-Type' content='text/html; charset=bogus'>"]))
    for _ in range(rng.randint(1, 300)):
        r = rng.random()
        if r < 0.35:
            tag = rng.choice(_TAGS)
            attrs = " ".join(f"{rng.choice(_ATTR_NAMES)}='{rng.choice(_ATTR_VALUES)}'" for _ in range(rng.randint(0, 3)))
            pieces.append(f"<{tag} {attrs}>" if rng.random() < 0.7 else f"</{tag}>")
        elif r < 0.6:
            pieces.append(rng.choice(LOREM) + rng.choice([". ", " ", "\n", "\r\n", "\t"]))
        elif r < 0.7:
            pieces.append(rng.choice(["&amp;", "&#0;", "&#x110000;", "&#xD800;", "&nbsp;", "&bogus;", "&#99999999999;", "&lt;p&gt;"]))
        elif r < 0.8:
            pieces.append(rng.choice(["<!-- c -->", "<!--", "-->", "<![CDATA[x]]>", "<br>", "<br/>", "<hr>", "<?php ?>", "<!x>"]))
        else:
            pieces.append("".join(chr(rng.choice([rng.randint(0x20, 0x7E), rng.randint(0xA0, 0x2FFF), rng.randint(0xE000, 0x10FFFF)]))
                                  for _ in range(rng.randint(1, 40))))
    text = "".join(pieces)
    enc = rng.choice(["utf-8", "utf-8", "utf-16", "latin-1", "cp1252"])
    return text.encode(enc, errors="replace") if enc not in ("latin-1", "cp1252") else text.encode(enc, errors="ignore")


def build_fake_docx(rng: random.Random, seeds: Seeds) -> tuple[str, bytes]:
    """A ZIP that claims to be a DOCX: mutated real ones, missing parts, garbage or hostile XML, bombs."""
    base_name, base = rng.choice(seeds.docx)
    how = rng.choice(["zip_bytes", "zip_bytes", "entry_mutate", "entry_garbage", "drop_entry", "only_document",
                      "hostile_xml", "empty_zip", "not_zip", "deep_xml", "bomb"])
    if how == "zip_bytes":
        op, data = mutate_bytes(rng, base, tokens=[b"PK\x03\x04", b"PK\x01\x02", b"PK\x05\x06", b"\x00" * 4, b"\xff" * 4])
        return f"{base_name}:{op}", data
    if how == "not_zip":
        return "docx:not_zip", rng.randbytes(rng.randint(0, 5000))
    if how == "empty_zip":
        buf = io.BytesIO()
        zipfile.ZipFile(buf, "w").close()
        return "docx:empty_zip", buf.getvalue()
    zin = zipfile.ZipFile(io.BytesIO(base))
    entries = {n: zin.read(n) for n in zin.namelist()}
    if how == "entry_mutate":
        target = rng.choice(list(entries))
        op, entries[target] = mutate_bytes(rng, entries[target], tokens=[b"<", b">", b"</w:p>", b"<w:tbl>", b"&", b"\x00", b"]]>"])
        how = f"entry_mutate:{target}:{op}"
    elif how == "entry_garbage":
        target = rng.choice(list(entries))
        entries[target] = rng.randbytes(rng.randint(0, 2000))
        how = f"entry_garbage:{target}"
    elif how == "drop_entry":
        target = rng.choice(list(entries))
        del entries[target]
        how = f"drop_entry:{target}"
    elif how == "only_document":
        entries = {"word/document.xml": entries["word/document.xml"]}
    elif how == "hostile_xml":
        doc = entries["word/document.xml"].split(b"?>", 1)[-1]
        ent = b'<!ENTITY a "aaaaaaaaaa">' + b"".join(
            f'<!ENTITY a{i} "{("&a" + (str(i - 1) if i > 1 else "") + ";") * 10}">'.encode() for i in range(1, 10))
        ext = b'<!ENTITY ext SYSTEM "file:///etc/passwd">'
        entries["word/document.xml"] = (b'<?xml version="1.0"?><!DOCTYPE d [' + ent + ext + b"]>"
                                        + doc.replace(b"<w:body>", b"<w:body><w:p><w:r><w:t>&a9;&ext;</w:t></w:r></w:p>", 1))
    elif how == "deep_xml":
        depth = rng.choice([5000, 200_000])
        tag = rng.choice([b"w:tbl", b"w:p", b"w:sdt", b"w:x"])
        inner = b"<" + tag + b">" if tag != b"w:tbl" else b"<w:tbl><w:tr><w:tc>"
        outer = b"</" + tag + b">" if tag != b"w:tbl" else b"</w:tc></w:tr></w:tbl>"
        doc = entries["word/document.xml"]
        entries["word/document.xml"] = doc.replace(b"<w:body>", b"<w:body>" + inner * depth + b"<w:p><w:r><w:t>deep</w:t></w:r></w:p>" + outer * depth, 1)
        how = f"deep_xml:{tag.decode()}:{depth}"
    elif how == "bomb":
        return "docx:bomb", seeds.big.get("bomb.docx") or _docx_bomb(seeds)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for n, b in entries.items():
            z.writestr(n, b)
    return f"{base_name}:{how}", buf.getvalue()


def _docx_bomb(seeds: Seeds, uncompressed_mb: int = 400) -> bytes:
    """A DOCX whose document.xml inflates from ~0.4 MB to ``uncompressed_mb`` MB of whitespace."""
    base = seeds.docx[0][1]
    zin = zipfile.ZipFile(io.BytesIO(base))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for n in zin.namelist():
            if n != "word/document.xml":
                z.writestr(n, zin.read(n))
        doc = zin.read("word/document.xml")
        head, tail = doc.split(b"<w:body>", 1)
        with z.open("word/document.xml", "w", force_zip64=True) as fh:
            fh.write(head + b"<w:body>")
            chunk = b" " * (1 << 20)
            for _ in range(uncompressed_mb):
                fh.write(chunk)
            fh.write(tail)
    seeds.big["bomb.docx"] = buf.getvalue()
    return seeds.big["bomb.docx"]


_STRUCT_LINES = ["PART {r}", "CHAPTER {n}", "Section {n}. {w}", "{n}. {w}", "({n}) {w}", "({a}) {w}", "{a}) {w}", "- {w}",
                 "# {w}", "### {w}", "**{w}**", "[{w}]", "{r}. {W}", "{A}. {W}", "Article {n}", "§ {n}", "", "", "   ",
                 "{w}", "{w}", "{w}", "{W}", "{n}", "Page {n} of {n}", "{w}-", "\t{w}", "{long}"]


def build_text(rng: random.Random) -> tuple[str, bytes]:
    """Law-like or random text, in a random encoding, sometimes invalid UTF-8 or with control bytes."""
    how = rng.choice(["structured", "structured", "unicode", "invalid_utf8", "controls", "bom", "long_line", "random_bytes"])
    words = " ".join(rng.sample(LOREM, rng.randint(1, len(LOREM))))
    if how == "random_bytes":
        return "text:random_bytes", rng.randbytes(rng.randint(1, 20000))
    if how == "long_line":
        unit = rng.choice(["word ", "x", "a.", "\u00a0", "(1) ", "\u2028", "Section 1 "])
        return "text:long_line", (unit * rng.randint(1000, 200_000)).encode("utf-8")
    lines = []
    for _ in range(rng.randint(1, 400)):
        tmpl = rng.choice(_STRUCT_LINES)
        n = rng.choice([1, 2, 3, 12, 99, 100, 1000, 2024])
        lines.append(tmpl.format(r=rng.choice(["I", "IV", "XII", "MMXX", "C"]), n=n, a=rng.choice(["a", "b", "iv", "A", "zz"]),
                                 w=" ".join(rng.sample(words.split(), min(len(words.split()), rng.randint(1, 40)))),
                                 W=rng.choice(["Trafficking in persons", "Victim support", "OFFENCES", "General provisions"]),
                                 A=rng.choice("ABCDEFGH"), long="word" * rng.randint(100, 3000)))
    sep = rng.choice(["\n", "\n", "\r\n", "\r", "\n\n", "\x0c\n", "\u2029"])
    text = sep.join(lines)
    if how == "unicode":
        text = "".join(c if rng.random() > 0.05 else chr(rng.choice([0x2028, 0x85, 0xA0, 0x3000, 0x200B, 0xFEFF, 0x1F600, 0xD7FF, 0x0301]))
                       for c in text)
    data = text.encode(rng.choice(["utf-8", "utf-8", "utf-16", "cp1252"]), errors="ignore")
    if how == "invalid_utf8":
        b = bytearray(data)
        for _ in range(rng.randint(1, 50)):
            b[rng.randrange(len(b) + 1):0] = rng.choice([b"\xff", b"\xc3", b"\xe2\x82", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\x80"])
        data = bytes(b)
    elif how == "controls":
        b = bytearray(data)
        for _ in range(rng.randint(1, 30)):
            b[rng.randrange(len(b) + 1):0] = bytes([rng.choice([0, 1, 7, 8, 11, 12, 27, 127])])
        data = bytes(b)
    elif how == "bom":
        data = rng.choice([b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff"]) + data
    return f"text:{how}", data


_PATHOLOGICAL_UNITS = ["-- ** --\n\n", "* * *\n\n", "________\n\n", ".\n", "x\n", "(a)\n", "1.\n", "- \n", "# h\n",
                       "PART {i}\n", "Section {i}\n\n", "Victim Support\n\n", "[note]\n", "\u3000\n", "a" * 60 + "\n",
                       "word ", "(1) ", "... ", "{i}. Title\n", "\t\t\n"]


def build_pathological_text(rng: random.Random) -> tuple[str, bytes]:
    """One line shape repeated to 20-300 KB: finds passes of the segmenter that are not linear."""
    unit = rng.choice(_PATHOLOGICAL_UNITS)
    size = rng.choice([20_000, 80_000, 300_000])
    n = max(1, size // len(unit.format(i=1)))
    text = "".join(unit.format(i=i % 999 + 1) for i in range(n)) if "{i}" in unit else unit * n
    return f"pathological:{unit!r}x{n}", text.encode("utf-8")


# ==================================================================================== cases
@dataclass
class Case:
    index: int
    kind: str
    how: str
    name: str
    data: bytes
    max_pages: int | None = None
    timeout: float | None = None  # None: the campaign's default


_EXT_FOR = {"pdf": [".pdf", ".pdf", ".txt", ""], "html": [".html", ".htm", ".txt", ".md", ""],
            "docx": [".docx", ".docx", ".zip", ".pdf"], "text": [".txt", ".md", ".html", ".pdf", ".docx", ""]}


def _kinds(seeds: Seeds) -> list[tuple[str, float, Callable[[random.Random], tuple[str, bytes]]]]:
    kinds: list[tuple[str, float, Callable[[random.Random], tuple[str, bytes]]]] = []

    def mut(pool):
        def gen(rng):
            base_name, base = rng.choice(pool)
            op, data = mutate_bytes(rng, base)
            if rng.random() < 0.2:  # stacked mutations
                op2, data = mutate_bytes(rng, data) if data else ("", data)
                op = f"{op}+{op2}"
            return f"{base_name}:{op}", data
        return gen

    if seeds.real_pdfs:
        kinds.append(("pdf_real_mutated", 0.22, mut(seeds.real_pdfs)))
    kinds.append(("pdf_own_mutated", 0.18 if seeds.real_pdfs else 0.3, mut(seeds.own_pdfs)))
    kinds.append(("pdf_struct", 0.10, lambda rng: ("pdf_struct", build_struct_pdf(rng))))
    kinds.append(("pdf_header_random", 0.06, lambda rng: ("pdf_header_random", rng.choice(
        [b"%PDF-1.", b"%PDF-2.0\n", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n", b"junk before %PDF-1.7\n"]) + rng.randbytes(rng.randint(0, 50_000)))))
    kinds.append(("html_deep", 0.03, lambda rng: ("html_deep", build_deep_html(rng, rng.choice([10_000, 10_000, 3_000])))))
    kinds.append(("html_random", 0.10, lambda rng: ("html_random", build_random_html(rng))))
    def html_mutated(rng):
        op, data = mutate_bytes(rng, rng.choice(seeds.html)[1], tokens=[b"<", b">", b"</", b"<!--", b"<script>", b"&#", b"<pre>"])
        return f"html_mutated:{op}", data

    kinds.append(("html_mutated", 0.05, html_mutated))
    kinds.append(("docx_fake", 0.12, lambda rng: build_fake_docx(rng, seeds)))
    kinds.append(("text", 0.12, build_text))
    kinds.append(("text_pathological", 0.02, build_pathological_text))
    kinds.append(("bytes_random", 0.02, lambda rng: ("bytes_random", rng.randbytes(rng.randint(0, 4096)))))
    return kinds


def special_cases(seeds: Seeds) -> list[tuple[str, str, str, bytes, int | None, float | None]]:
    """Fixed cases run first: (kind, how, name, data, max_pages, timeout)."""
    out = []
    if "zero_pages.pdf" in seeds.big:
        out.append(("pdf_big", "zero_pages", "zero_pages.pdf", seeds.big["zero_pages.pdf"], None, None))
        out.append(("pdf_big", "pages_5000_limit_5000", "pages_5000.pdf", seeds.big["pages_5000.pdf"], 5000, 90.0))
        out.append(("pdf_big", "pages_5001_limit_5000", "pages_5001.pdf", seeds.big["pages_5001.pdf"], 5000, 30.0))
        out.append(("pdf_big", "pages_5000_limit_10", "pages_5000.pdf", seeds.big["pages_5000.pdf"], 10, None))
        out.append(("docx_fake", "bomb_400mb", "bomb.docx", _docx_bomb(seeds), None, None))
    for mode_seed in range(6):
        out.append(("html_deep", f"deep10k_{mode_seed}", "deep.html", build_deep_html(random.Random(mode_seed), 10_000), None, None))
    out.append(("html_deep", "deep100k_div", "deeper.html", b"<html><body>" + b"<div>" * 100_000 + b"core text" + b"</div>" * 100_000, None, 30.0))
    out.append(("text_pathological", "punctuation_blocks_8000", "rules.txt", b"-- ** --\n\n" * 8000, None, None))
    out.append(("text", "invalid_utf8_only", "bad.txt", bytes(range(0x80, 0x100)) * 40, None, None))
    out.append(("text", "nul_only", "nul.txt", b"\x00" * 100, None, None))
    out.append(("text", "bom_only", "bom.txt", b"\xef\xbb\xbf", None, None))
    out.append(("pdf_header_random", "header_only", "h.pdf", b"%PDF-1.7", None, None))
    out.append(("docx_fake", "empty_zip", "e.docx", _empty_zip(), None, None))
    return out


def _empty_zip() -> bytes:
    buf = io.BytesIO()
    zipfile.ZipFile(buf, "w").close()
    return buf.getvalue()


def generate_cases(n: int, seed: int, seeds: Seeds, *, skip_kinds: frozenset[str] = frozenset()) -> Iterator[Case]:
    """``n`` cases: the special ones, then random ones; case ``i`` depends only on ``seed`` and ``i``.

    ``skip_kinds`` drops kinds from the draw (the others keep their relative weights).
    """
    specials = [sp for sp in special_cases(seeds) if sp[0] not in skip_kinds]
    for i, (kind, how, name, data, max_pages, timeout) in enumerate(specials[:n]):
        yield Case(i, kind, how, name, data, max_pages, timeout)
    kinds = [k for k in _kinds(seeds) if k[0] not in skip_kinds]
    weights = [w for _, w, _ in kinds]
    for i in range(len(specials), n):
        rng = random.Random(f"{seed}:{i}")
        kind, _, gen = rng.choices(kinds, weights)[0]
        how, data = gen(rng)
        family = kind.split("_")[0] if not kind.startswith("bytes") else "text"
        ext = rng.choice(_EXT_FOR.get(family, [""]) if kind != "text_pathological" else [".txt", ".md"])
        max_pages = rng.choice([None] * 8 + [1, 3]) if family == "pdf" else None
        yield Case(i, kind, how, f"case{i}{ext}", data, max_pages)


# ==================================================================================== pool
def _worker_main(conn, log_path: str, mem_limit_mb: int, do_segment: bool) -> None:
    import faulthandler
    import resource

    if mem_limit_mb:
        limit = mem_limit_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    log = open(log_path, "a", buffering=1)
    faulthandler.enable(file=log)
    # Warm the readers so the first case of each kind is not charged with imports.
    import bs4  # noqa: F401
    import docx  # noqa: F401
    import pypdfium2  # noqa: F401

    import tipnlp.ingest  # noqa: F401

    if do_segment:
        from tipnlp.segment import sentence_spans

        sentence_spans("Warm up. Twice.")
    conn.send(("ready", os.getpid()))
    probes = os.environ.get("TIPNLP_FUZZ_PROBES") == "1"  # lets the tests check hang/crash handling
    while True:
        msg = conn.recv()
        if msg is None:
            break
        index, name, data, max_pages, timeout = msg
        if probes and data == b"__HANG__":
            time.sleep(3600)
        if probes and data == b"__CRASH__":
            os.abort()
        log.write(f"case {index} {name}\n")
        faulthandler.dump_traceback_later(max(timeout - 0.5, 0.5), exit=False, file=log)
        t0 = time.perf_counter()
        result = check_bytes(data, name, max_pages=max_pages, do_segment=do_segment,
                             on_stage=lambda stage: conn.send(("stage", index, stage)))
        result["seconds"] = round(time.perf_counter() - t0, 4)
        faulthandler.cancel_dump_traceback_later()
        result["maxrss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
        conn.send((index, result))


class _Worker:
    def __init__(self, ctx, log_dir: Path, mem_limit_mb: int, do_segment: bool):
        self.conn, child = ctx.Pipe()
        self.log_path = str(log_dir / f"worker-{time.monotonic_ns()}.log")
        self.proc = ctx.Process(target=_worker_main, args=(child, self.log_path, mem_limit_mb, do_segment), daemon=True)
        self.proc.start()
        child.close()
        self.case: Case | None = None
        self.stage = ""
        self.deadline = 0.0
        self.ready = False

    def send(self, case: Case, timeout: float) -> None:
        self.case = case
        self.stage = "read"
        self.deadline = time.monotonic() + timeout
        self.conn.send((case.index, case.name, case.data, case.max_pages, timeout))

    def kill(self) -> None:
        if self.proc.is_alive():
            self.proc.kill()
        self.proc.join(5)
        self.conn.close()


@dataclass
class Summary:
    n: int = 0
    seconds: float = 0.0
    by_kind: Counter = field(default_factory=Counter)
    outcomes: Counter = field(default_factory=Counter)  # "ok:pdf", "error:corrupt", "hang", ...
    outcomes_by_kind: dict = field(default_factory=lambda: defaultdict(Counter))
    failures: list = field(default_factory=list)
    slowest: list = field(default_factory=list)
    max_worker_rss_mb: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {"n": self.n, "seconds": round(self.seconds, 1), "by_kind": dict(self.by_kind),
                "outcomes": dict(self.outcomes), "outcomes_by_kind": {k: dict(v) for k, v in self.outcomes_by_kind.items()},
                "failures": self.failures, "slowest": self.slowest, "max_worker_rss_mb": self.max_worker_rss_mb}


def run_campaign(cases: Iterator[Case], *, workers: int = 2, timeout: float = 10.0, out_dir: Path,
                 mem_limit_mb: int = 4096, do_segment: bool = True, progress: bool = True) -> Summary:
    """Run every case in the worker pool; failures are saved under ``out_dir/failures``."""
    ctx = mp.get_context("spawn")
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "failures").mkdir(exist_ok=True)
    log_dir = out_dir / "logs"
    log_dir.mkdir(exist_ok=True)
    summary = Summary()
    t_start = time.monotonic()
    pool = [_Worker(ctx, log_dir, mem_limit_mb, do_segment) for _ in range(workers)]
    pending = iter(cases)
    exhausted = False
    slow: list[tuple[float, int, str, str]] = []

    def record(case: Case, result: dict[str, Any]) -> None:
        summary.n += 1
        summary.by_kind[case.kind] += 1
        outcome = result["outcome"]
        key = outcome if outcome in ("hang", "crash") else f"{outcome}:{result.get('code')}"
        summary.outcomes[key] += 1
        summary.outcomes_by_kind[case.kind][key] += 1
        summary.max_worker_rss_mb = max(summary.max_worker_rss_mb, result.get("maxrss_mb", 0.0))
        if "seconds" in result:
            slow.append((result["seconds"], case.index, case.kind, case.how))
        if outcome in FAILURE_OUTCOMES:
            stem = f"case{case.index:05d}_{case.kind}"
            ext = Path(case.name).suffix or ".bin"
            repro = out_dir / "failures" / f"{stem}{ext}"
            repro.write_bytes(case.data)
            note = {"index": case.index, "kind": case.kind, "how": case.how, "name": case.name,
                    "max_pages": case.max_pages, "reproducer": str(repro), **result}
            (out_dir / "failures" / f"{stem}.json").write_text(json.dumps(note, indent=2), encoding="utf-8")
            summary.failures.append(note)
            if progress:
                print(f"  FAILURE case {case.index} [{case.kind} {case.how}] {outcome}: {str(result.get('detail'))[:300]}", flush=True)
        if progress and summary.n % 250 == 0:
            print(f"  {summary.n} cases, {time.monotonic() - t_start:.0f} s, {sum(summary.outcomes[k] for k in summary.outcomes if k.split(':')[0] in FAILURE_OUTCOMES)} failures", flush=True)

    try:
        while True:
            for i, w in enumerate(pool):  # feed idle, ready workers
                if w.ready and w.case is None and not exhausted:
                    case = next(pending, None)
                    if case is None:
                        exhausted = True
                    else:
                        w.send(case, case.timeout or timeout)
            busy = [w for w in pool if w.case is not None or not w.ready]
            if exhausted and not any(w.case is not None for w in pool):
                break
            now = time.monotonic()
            waits = [max(0.0, w.deadline - now) for w in pool if w.case is not None]
            ready = wait([w.conn for w in busy] + [w.proc.sentinel for w in busy], timeout=min(waits) if waits else 5.0)
            for i, w in enumerate(pool):
                replace = None
                if w.conn in ready or (w.proc.sentinel in ready):
                    try:
                        msg = w.conn.recv() if w.conn.poll() else None
                        while msg is not None and msg[0] == "stage" and w.conn.poll():
                            w.stage = msg[2]
                            msg = w.conn.recv()
                    except (EOFError, OSError):
                        msg = None
                    if msg is not None and msg[0] == "ready":
                        w.ready = True
                    elif msg is not None and msg[0] == "stage":
                        w.stage = msg[2]
                    elif msg is not None:
                        case, w.case = w.case, None
                        record(case, msg[1])
                    elif not w.proc.is_alive():
                        code = w.proc.exitcode
                        if w.case is not None:
                            record(w.case, {"outcome": "crash", "code": code, "stage": w.stage,
                                            "detail": f"worker died with exit code {code} while in {w.stage}; log {w.log_path}"})
                        elif not w.ready:
                            raise RuntimeError(f"a fuzz worker failed to start (exit code {code}); see {w.log_path}")
                        replace = w
                if replace is None and w.case is not None and time.monotonic() > w.deadline:
                    record(w.case, {"outcome": "hang", "code": None, "stage": w.stage,
                                    "detail": f"no result within {w.case.timeout or timeout} s, in {w.stage}; stack in {w.log_path}"})
                    replace = w
                if replace is not None:
                    w.case = None
                    w.kill()
                    pool[i] = _Worker(ctx, log_dir, mem_limit_mb, do_segment)
    finally:
        for w in pool:
            try:
                if w.proc.is_alive() and w.case is None and w.ready:
                    w.conn.send(None)
                    w.proc.join(2)
            except OSError:
                pass
            w.kill()
    summary.seconds = time.monotonic() - t_start
    slow.sort(reverse=True)
    summary.slowest = [{"seconds": s, "index": i, "kind": k, "how": h} for s, i, k, h in slow[:10]]
    return summary


def format_summary(summary: Summary) -> str:
    lines = [f"fuzz campaign: {summary.n} inputs in {summary.seconds:.0f} s; peak worker RSS {summary.max_worker_rss_mb:.0f} MB", "",
             "inputs by kind:"]
    for kind, count in sorted(summary.by_kind.items()):
        outs = ", ".join(f"{k} {v}" for k, v in summary.outcomes_by_kind[kind].most_common())
        lines.append(f"  {kind:<18} {count:>6}   {outs}")
    lines += ["", "outcomes:"]
    for key, count in summary.outcomes.most_common():
        lines.append(f"  {key:<30} {count:>6}")
    lines += ["", f"failures: {len(summary.failures)}"]
    for f in summary.failures[:50]:
        stage = f" in {f['stage']}" if f.get("stage") else ""
        lines.append(f"  case {f['index']} [{f['kind']} {f['how']}] {f['outcome']}{stage} {f.get('code')}: {str(f.get('detail'))[:200]!r}")
        lines.append(f"    reproducer: {f['reproducer']}")
    lines += ["", "slowest inputs:"]
    for s in summary.slowest[:5]:
        lines.append(f"  {s['seconds']:7.2f} s  case {s['index']} [{s['kind']} {s['how']}]")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=10_000, help="number of inputs (default 10000)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--timeout", type=float, default=10.0, help="seconds per input (default 10)")
    ap.add_argument("--mem-limit-mb", type=int, default=4096, help="address-space limit of each worker")
    ap.add_argument("--out", type=Path, default=None, help="where failures and logs go (default: a new temp dir)")
    ap.add_argument("--no-real", action="store_true", help="don't use the corpus PDFs")
    ap.add_argument("--no-big", action="store_true", help="skip the zero/5,000-page PDFs and the DOCX bomb")
    ap.add_argument("--no-segment", action="store_true", help="only read, don't segment")
    ap.add_argument("--skip-kinds", default="", help="comma-separated kinds to leave out, e.g. text_pathological")
    ap.add_argument("--replay", type=Path, help="re-run one saved input in this process and print the result")
    ap.add_argument("--json", type=Path, help="also write the summary here")
    args = ap.parse_args(argv)

    if args.replay:
        note = args.replay.with_suffix(".json")
        meta = json.loads(note.read_text()) if note.is_file() else {}
        result = check_bytes(args.replay.read_bytes(), meta.get("name", args.replay.name), max_pages=meta.get("max_pages"),
                             do_segment=not args.no_segment)
        print(json.dumps(result, indent=2))
        return 0 if result["outcome"] not in FAILURE_OUTCOMES else 1

    out_dir = args.out or Path(tempfile.mkdtemp(prefix="tipnlp-fuzz-"))
    seeds_dir = out_dir / "seeds"
    seeds_dir.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    seeds = build_seeds(seeds_dir, real=not args.no_real, big=not args.no_big)
    print(f"seeds: {len(seeds.own_pdfs)} own PDFs, {len(seeds.real_pdfs)} corpus PDFs, {len(seeds.docx)} DOCX, "
          f"{len(seeds.html)} HTML, big: {sorted(seeds.big)} ({time.perf_counter() - t0:.1f} s); output in {out_dir}", flush=True)
    skip = frozenset(k for k in args.skip_kinds.split(",") if k)
    summary = run_campaign(generate_cases(args.n, args.seed, seeds, skip_kinds=skip), workers=args.workers, timeout=args.timeout,
                           out_dir=out_dir, mem_limit_mb=args.mem_limit_mb, do_segment=not args.no_segment)
    text = format_summary(summary)
    print(text)
    (out_dir / "summary.txt").write_text(text + "\n", encoding="utf-8")
    (out_dir / "summary.json").write_text(json.dumps(summary.to_dict(), indent=2), encoding="utf-8")
    if args.json:
        args.json.write_text(json.dumps(summary.to_dict(), indent=2), encoding="utf-8")
    return 1 if summary.failures else 0


if __name__ == "__main__":
    sys.exit(main())
