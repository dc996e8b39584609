"""HTML to paragraphs: page chrome dropped, block elements become paragraphs split by blank lines.

The tree is walked with an explicit stack, not recursion, so deeply nested pages don't crash.
"""

from __future__ import annotations

import html as html_lib
import re
import warnings
from typing import Any

from tipnlp.errors import CorruptDocument

DROP_TAGS = frozenset(
    {
        "script", "style", "nav", "header", "footer", "aside", "noscript", "form", "head", "template",
        "svg", "iframe", "object", "embed", "canvas", "select", "button", "map",
    }
)
BLOCK_TAGS = frozenset(
    {
        "address", "article", "blockquote", "body", "caption", "center", "dd", "details", "dialog", "div",
        "dl", "dt", "fieldset", "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "html",
        "legend", "li", "main", "ol", "p", "pre", "section", "summary", "table", "tbody", "td", "tfoot",
        "th", "thead", "tr", "ul",
    }
)
_WS = re.compile(r"\s+")
_BREAK = object()  # paragraph boundary
_NEWLINE = object()  # <br>: a line break inside a paragraph


def _is_dropped(tag: Any) -> bool:
    if tag.name in DROP_TAGS:
        return True
    attrs = tag.attrs or {}
    role = attrs.get("role")
    return isinstance(role, str) and role.strip().lower() == "navigation"


def _events(root: Any):
    """Text pieces and break markers in document order, from an iterative depth-first walk."""
    from bs4.element import NavigableString, PreformattedString, Tag

    stack: list[tuple[Any, bool, bool]] = [(root, False, False)]  # node, closing, inside <pre>
    while stack:
        node, closing, in_pre = stack.pop()
        if closing:
            yield _BREAK
            continue
        if isinstance(node, Tag):
            if _is_dropped(node):
                continue
            name = node.name
            if name == "br":
                yield _NEWLINE
                continue
            block = name in BLOCK_TAGS
            if block:
                yield _BREAK
                stack.append((node, True, in_pre))
            pre = in_pre or name in ("pre", "textarea")
            stack.extend((child, False, pre) for child in reversed(node.contents))
        elif isinstance(node, NavigableString) and not isinstance(node, PreformattedString):
            # PreformattedString covers comments, doctype, CDATA, processing instructions.
            yield (str(node), in_pre)


def _paragraphs(events) -> list[str]:
    paras: list[str] = []
    lines: list[str] = []
    current: list[str] = []

    def end_line() -> None:
        line = _WS.sub(" ", "".join(current)).strip()
        current.clear()
        if line:
            lines.append(line)

    def end_para() -> None:
        end_line()
        if lines:
            paras.append("\n".join(lines))
            lines.clear()

    for ev in events:
        if ev is _BREAK:
            end_para()
        elif ev is _NEWLINE:
            end_line()
        else:
            text, in_pre = ev
            if in_pre:
                first, *rest = text.split("\n")
                current.append(first)
                for piece in rest:
                    end_line()
                    current.append(piece)
            else:
                current.append(text)
    end_para()
    return paras


def _title(soup: Any) -> str:
    tag = soup.find("title")
    if tag is not None and tag.get_text(strip=True):
        return _WS.sub(" ", tag.get_text()).strip()
    h1 = soup.find("h1")
    if h1 is not None:
        return _WS.sub(" ", h1.get_text()).strip()
    return ""


_SCRIPT_STYLE = re.compile(
    r"<(script|style|noscript|template|head|nav|header|footer|aside|form)\b.*?</\1\s*>", re.I | re.S
)
_BLOCK_TAG_RE = re.compile(r"</?(?:" + "|".join(sorted(BLOCK_TAGS)) + r"|br)\b[^>]*>", re.I)
_TAG_RE = re.compile(r"<[^>]*>")


def flat_text(markup: str) -> list[str]:
    """Fallback when the tree cannot be walked: paragraphs from a regex strip of the markup."""
    markup = _SCRIPT_STYLE.sub(" ", markup)
    markup = _BLOCK_TAG_RE.sub("\n\n", markup)
    text = html_lib.unescape(_TAG_RE.sub(" ", markup))
    paras = (_WS.sub(" ", p).strip() for p in re.split(r"\n\s*\n", text))
    return [p for p in paras if p]


def read_html(data: bytes, name: str) -> tuple[str, dict[str, Any]]:
    """Paragraph text of an HTML document and its title (``<title>`` or first ``<h1>``)."""
    from bs4 import BeautifulSoup

    metadata: dict[str, Any] = {}
    try:
        with warnings.catch_warnings():
            # bs4 warns (on stderr, in the middle of CLI output) about XHTML or XML-looking input and
            # markup that looks like a file name; the reader handles both, the user can't act on them.
            warnings.simplefilter("ignore")
            soup = BeautifulSoup(data, "lxml")
        title = _title(soup)
        paras = _paragraphs(_events(soup))
        if soup.original_encoding:
            metadata["encoding"] = soup.original_encoding
    except RecursionError:
        # Parser or tree code recursed on pathological nesting: fall back to flat extraction.
        from bs4.dammit import UnicodeDammit

        markup = UnicodeDammit(data).unicode_markup or ""
        paras = flat_text(markup)
        m = re.search(r"<title[^>]*>(.*?)</title>", markup, re.I | re.S)
        title = _WS.sub(" ", html_lib.unescape(m.group(1))).strip() if m else ""
        metadata["extraction"] = "flat"
    except Exception as exc:
        raise CorruptDocument(f"{name}: the HTML cannot be parsed ({type(exc).__name__}: {exc})") from exc
    if title:
        metadata["title"] = title
    return "\n\n".join(paras), metadata
