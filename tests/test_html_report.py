"""The HTML evidence report: escaped, self-contained, evidence marked, and working in a real browser.

The browser tests run Debian's ``chromium`` headless (``apt-get install chromium``) with
``--dump-dom``; the page's own script records errors in ``#js-errors`` and sets
``body[data-js]``, and Chromium's console log (stderr) is checked as well. They skip when no
Chromium binary is found (set ``TIPNLP_CHROMIUM`` to point at one).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from typer.testing import CliRunner

from tipnlp.html_report import render_html

# Written for these tests; the markup characters check escaping.
SAMPLE = """Section 1. Non-punishment <of> victims & others
A victim of trafficking shall not be prosecuted or punished for unlawful acts committed as a direct consequence of having been trafficked, including the use of false documents <script>alert("owned")</script>.

Section 2. Training of officials
The Ministry shall provide training to police officers, prosecutors, judges and labour inspectors on identifying and referring victims of trafficking.

Section 3. Organs and supply chains
Trafficking for the purpose of the removal of organs shall be punished. Every business enterprise shall publish a statement on forced labour in its supply chains, including due diligence and supplier audits.

Section 4. Commencement
This Act enters into force on the day after its publication.
"""


@pytest.fixture(scope="module")
def tagger():
    from tipnlp import Tagger

    return Tagger.load("lexicon")


@pytest.fixture(scope="module")
def result(tagger):
    return tagger.tag_text(SAMPLE, doc_id="model-act")


@pytest.fixture(scope="module")
def page(result) -> str:
    return render_html(result)


def _marked(p_text) -> tuple[str, set[int]]:
    """The text of a rendered passage and the positions inside <mark> elements."""
    text, marked = "", set()
    for node in p_text.children:
        chunk = node.get_text()
        if getattr(node, "name", None) == "mark":
            marked.update(range(len(text), len(text) + len(chunk)))
        text += chunk
    return text, marked


def test_every_tagged_passage_is_shown_with_its_evidence_marked(result, page):
    soup = BeautifulSoup(page, "html.parser")
    articles = soup.select("article.passage")
    assert [a["data-passage-id"] for a in articles] == [p.passage_id for p in result.tagged]
    assert len(articles) == 3  # Section 4 has no theme
    for art, pred in zip(articles, result.tagged):
        text, marked = _marked(art.select_one("p.text"))
        assert text == pred.text  # escaping round-trips: the reader sees the exact text
        expected = {i - pred.start for t in pred.themes for e in t.evidence for i in range(e.start, e.end)}
        assert expected and marked == expected
        assert art["data-themes"].split() == [t.id for t in pred.themes]
        for t in pred.themes:
            assert art.select_one(f'span.tag[data-theme="{t.id}"]').b.get_text() == f"{t.score:.2f}"
        assert [a["href"] for a in art.select("span.ops a")] == [f"#op-{o.op}" for o in pred.ops]


def test_all_text_is_escaped(page):
    assert 'alert("owned")' not in page and "<of>" not in page
    assert "&lt;script&gt;alert(&quot;owned&quot;)&lt;/script&gt;" in page
    assert "Non-punishment &lt;of&gt; victims &amp; others" in page
    assert page.count("<script") == 2  # the page's JSON data and its own script, nothing injected


def test_page_is_self_contained(page):
    soup = BeautifulSoup(page, "html.parser")
    assert not soup.find_all("link") and not soup.find_all(src=True)
    assert not [a for a in soup.find_all(href=True) if not a["href"].startswith("#")]
    assert "http://" not in page and "https://" not in page
    assert soup.find("style") is not None and soup.find("meta", charset="utf-8") is not None


def test_summaries_by_theme_and_operative_paragraph(result, page):
    from tipnlp.taxonomy import load_taxonomy

    tax = load_taxonomy()
    soup = BeautifulSoup(page, "html.parser")
    assert [tr["data-theme"] for tr in soup.select("#themes tbody tr")] == [t.id for t in result.report.themes]
    ops = {int(tr["id"][3:]): tr for tr in soup.select("#ops tbody tr")}
    assert set(ops) == set(result.report.ops_covered) and 27 in ops
    assert tax.op(27).summary in ops[27].get_text()
    for link in soup.select('a[href^="#op-"]'):  # every OP link has its target
        assert soup.find(id=link["href"][1:]) is not None
    assert soup.select_one("#shown-count").get_text() == "3"


def test_page_numbers_come_from_the_document(tmp_path, tagger):
    from factories import make_pdf

    pdf = make_pdf(
        ["Section 1. Training\nThe Ministry shall provide training to police officers and prosecutors on "
         "identifying victims of trafficking.",
         "Section 2. Organs\nTrafficking for the purpose of the removal of organs shall be punished."],
        tmp_path / "act.pdf",
    )
    soup = BeautifulSoup(render_html(tagger.tag_file(pdf)), "html.parser")
    assert [s.get_text() for s in soup.select("article.passage span.pages")] == ["p. 1", "p. 2"]


def test_empty_result_renders_a_clear_page(tagger):
    html = render_html(tagger.tag_text("This Act enters into force on the day after its publication.\n"))
    assert "No theme was found in this document." in html and "<article" not in html


# -- in a real browser ----------------------------------------------------------------------------
def _chromium() -> str | None:
    for candidate in (os.environ.get("TIPNLP_CHROMIUM"), "chromium", "chromium-browser", "google-chrome"):
        if candidate and shutil.which(candidate):
            return shutil.which(candidate)
    return None


def _dump_dom(path: Path, fragment: str, tmp_path: Path) -> tuple[BeautifulSoup, str]:
    binary = _chromium()
    if binary is None:
        pytest.skip("no chromium binary (apt-get install chromium)")
    profile = tmp_path / f"profile{len(list(tmp_path.iterdir()))}"
    cmd = [
        binary, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
        "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
        "--disable-extensions", f"--user-data-dir={profile}", "--enable-logging=stderr", "--v=0",
        "--dump-dom", path.resolve().as_uri() + fragment,
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return BeautifulSoup(proc.stdout, "html.parser"), proc.stderr


@pytest.fixture()
def report(tmp_path, tagger) -> tuple[Path, dict[str, list[str]]]:
    """The report as the CLI writes it (``classify --format html``), and passage ids by theme."""
    from tipnlp.cli import app

    doc = tmp_path / "act.txt"
    doc.write_text(SAMPLE, encoding="utf-8")
    out = tmp_path / "report.html"
    res = CliRunner().invoke(app, ["classify", str(doc), "-m", "lexicon", "-f", "html", "-o", str(out)])
    assert res.exit_code == 0, res.output
    ids: dict[str, list[str]] = {"*": []}
    for p in tagger.tag_file(doc).tagged:
        ids["*"].append(p.passage_id)
        for t in p.themes:
            ids.setdefault(t.id, []).append(p.passage_id)
    return out, ids


def _console_errors(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if "CONSOLE" in line or "Uncaught" in line]


def test_browser_runs_the_page_without_errors_and_shows_every_passage(report, tmp_path):
    report_file, ids = report
    dom, stderr = _dump_dom(report_file, "", tmp_path)
    assert dom.body["data-js"] == "ok", dom.select_one("#js-errors").get_text()
    assert dom.select_one("#js-errors").get_text() == ""
    assert _console_errors(stderr) == []
    shown = [a for a in dom.select("article.passage") if not a.has_attr("hidden")]
    assert [a["data-passage-id"] for a in shown] == ids["*"] and len(ids["*"]) == 3
    assert dom.body["data-shown"] == "3"
    assert "removal of organs" in shown[2].get_text()


def test_browser_filters_passages_by_theme(report, tmp_path):
    report_file, ids = report
    dom, stderr = _dump_dom(report_file, "#only=organ_removal", tmp_path)
    assert dom.body["data-js"] == "ok" and _console_errors(stderr) == []
    shown = [a["data-passage-id"] for a in dom.select("article.passage") if not a.has_attr("hidden")]
    assert shown == ids["organ_removal"] and len(shown) == 1
    boxes = {b["value"]: b.has_attr("checked") for b in dom.select("input.theme-filter")}
    assert len(boxes) == 4  # the checkbox *attribute* is the initial state; the script sets the property
    assert dom.select_one("#shown-count").get_text() == "1"

    dom, _ = _dump_dom(report_file, "#only=non_punishment,gender_sensitive_training", tmp_path)
    shown = [a["data-passage-id"] for a in dom.select("article.passage") if not a.has_attr("hidden")]
    assert shown == ids["non_punishment"] + ids["gender_sensitive_training"] and len(shown) == 2


def test_browser_test_would_see_a_script_error(report, tmp_path):
    """Guard for the two checks above: a broken script is reported by the page and by Chromium."""
    report_file, _ = report
    broken = tmp_path / "broken.html"
    page = report_file.read_text()
    assert "counter.textContent = String(shown);" in page
    broken.write_text(page.replace("counter.textContent = String(shown);", "counter.textContent = String(shown); notDefined();"))
    dom, stderr = _dump_dom(broken, "", tmp_path)
    assert dom.body["data-js"] == "error"
    assert "notDefined" in dom.select_one("#js-errors").get_text()
    assert _console_errors(stderr)
