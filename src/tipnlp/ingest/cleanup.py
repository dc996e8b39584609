"""Small clean-up steps for text extracted from PDF pages.

Each step is a pure function so it can be tested alone. ``clean_pages`` chains them. Only PDF text goes
through here: text and Markdown files are kept verbatim (gold offsets point into them).
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict

# Characters that carry no text: pdfium's U+FFFE marks a hyphen it already joined at a line end
# ("inter\ufffenational"), U+00AD is a soft hyphen; the C0 controls (form feed included, tab and
# newline kept) and U+FFFF are layout or garbage.
_DROP = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u00ad\ufffe\uffff]")

# Starts with the literal hyphen (the letter before it is a lookbehind) so the regex engine can jump
# from hyphen to hyphen instead of trying every letter: 80x faster on long pages.
_HYPHEN_BREAK = re.compile(r"-(?<=[^\W\d_]-)[ \t]*\n[ \t]*(?=[a-z])")
_WS = re.compile(r"\s+")
_DIGITS = re.compile(r"\d+")
_EDGE_PUNCT = " \t|\u00b7\u2022-\u2013\u2014:,"

# Page-number lines that are never body text, whatever the number.
_PAGE_LABEL = re.compile(
    r"""^(?:
        (?:page|pg\.?|p\.)\s*\d{1,4}(?:\s*(?:of|/)\s*\d{1,4})?   # Page 3, Page 3 of 40, p. 3
      | [-\u2013\u2014]\s*\d{1,4}\s*[-\u2013\u2014]               # - 7 -
      | \d{1,4}\s*(?:of|/)\s*\d{1,4}                              # 3 of 40, 3/40
      | \|\s*\d{1,4}\s*\|?|\d{1,4}\s*\|                           # | 7, 7 |
      | (?-i:(?=[ivx])x{0,3}(?:ix|iv|v?i{0,3}))                   # front matter: i .. xxxix
    )$""",
    re.I | re.X,
)
_BARE_INT = re.compile(r"^\d{1,4}$")

EDGE_LINES = 3
"""How many non-blank lines at the top and at the bottom of a page count as its header/footer zone."""


def normalize_newlines(text: str) -> str:
    """``\\r\\n`` and lone ``\\r`` to ``\\n`` (pdfium ends its lines with ``\\r\\n``)."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def drop_layout_chars(text: str) -> str:
    """Remove soft hyphens, pdfium's hyphen markers, form feeds and other control characters."""
    return _DROP.sub("", text)


def join_hyphenated(text: str) -> str:
    """Join words split by a hyphen at a line end: ``traf-\\nficking`` -> ``trafficking``.

    Only when a letter precedes the hyphen and a lowercase letter starts the next line, so list
    dashes (``as follows:-``), ranges and numbers split over lines are left alone.
    """
    return _HYPHEN_BREAK.sub("", text)


def is_page_number(line: str) -> bool:
    """True for a line that is only a page label: ``12``, ``Page 3 of 40``, ``- 7 -``, ``iv``."""
    s = line.strip()
    return bool(s) and (bool(_BARE_INT.match(s)) or bool(_PAGE_LABEL.match(s)))


def edge_key(line: str) -> str:
    """Comparison key for running headers: digits, edge separators and case ignored.

    Removing digits (and the ``|`` or dash beside a page number) lets ``Report 2024 | 7`` on page 7
    match ``8 | Report 2024`` on page 8.
    """
    return _WS.sub(" ", _DIGITS.sub("", line)).strip(_EDGE_PUNCT).casefold()


def _edge_indexes(lines: list[str], k: int = EDGE_LINES) -> list[int]:
    """Indexes of the first ``k`` and last ``k`` non-blank lines of a page."""
    nonblank = [i for i, ln in enumerate(lines) if ln.strip()]
    if len(nonblank) <= 2 * k:
        return nonblank
    return nonblank[:k] + nonblank[-k:]


def _tracks_page_number(occurrences: list[tuple[int, str]]) -> bool:
    """True when the numbers in a recurring line follow the page number (a running header/footer).

    A line such as ``Section 12`` at the top of many pages differs from page to page too, but its
    numbers don't move in step with the page, so it is kept.
    """
    offsets: Counter[int] = Counter()
    for page_no, line in occurrences:
        for off in {int(n) - page_no for n in _DIGITS.findall(line) if len(n) <= 4}:
            offsets[off] += 1
    return bool(offsets) and offsets.most_common(1)[0][1] >= 0.8 * len(occurrences)


_SINGLE_WORD = re.compile(r"[^\W\d_]+[.,;:]?")
_LETTER = re.compile(r"[^\W\d_]")


def _header_like(key: str) -> bool:
    """A key that could be a running header: two letters or more and not one plain word.

    Single words recurring at page edges are more often the end of a margin note (``principal
    enactment.`` in statutes) than a running header.
    """
    return len(_LETTER.findall(key)) >= 2 and not _SINGLE_WORD.fullmatch(key)


def find_repeated_edge_lines(pages: list[list[str]], min_share: float = 0.2, min_pages: int = 3) -> set[str]:
    """Keys (see ``edge_key``) of lines that recur in the header/footer zone of many pages.

    A key counts when it appears on at least ``min_pages`` pages and ``min_share`` of all pages, looks
    like a header (``_header_like``), and its lines are identical or differ only by the page number.
    """
    n = len(pages)
    if n < min_pages:
        return set()
    need = max(min_pages, math.ceil(min_share * n))
    seen: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for page_no, lines in enumerate(pages, start=1):
        keys_here: set[str] = set()
        for i in _edge_indexes(lines):
            key = edge_key(lines[i])
            if key not in keys_here and _header_like(key):
                keys_here.add(key)
                seen[key].append((page_no, lines[i].strip()))
    repeated = set()
    for key, occ in seen.items():
        if len(occ) < need:
            continue
        most_common_raw = Counter(raw for _, raw in occ).most_common(1)[0][1]
        if most_common_raw >= need or _tracks_page_number(occ):
            repeated.add(key)
    return repeated


def page_number_offsets(pages: list[list[str]]) -> set[int]:
    """Offsets (printed number minus physical page number) that bare numbers at page edges share.

    A bare ``67`` at the top of physical page 3 is a page number when other pages show the same
    offset (64); a lone figure from a table at a page bottom is not. Offset 0 is always accepted.
    """
    offsets: Counter[int] = Counter()
    for page_no, lines in enumerate(pages, start=1):
        here = {int(lines[i].strip()) - page_no for i in _edge_indexes(lines) if _BARE_INT.match(lines[i].strip())}
        offsets.update(here)
    return {0} | {off for off, c in offsets.items() if c >= 2}


def remove_edge_lines(
    lines: list[str], page_no: int, repeated: set[str], offsets: set[int]
) -> list[str]:
    """Drop running headers/footers and page-number lines from the edge zone of one page."""
    drop = set()
    for i in _edge_indexes(lines):
        s = lines[i].strip()
        if _BARE_INT.match(s):
            if int(s) - page_no in offsets:
                drop.add(i)
        elif _PAGE_LABEL.match(s) or (repeated and edge_key(s) in repeated):
            drop.add(i)
    if not drop:
        return lines
    return [ln for i, ln in enumerate(lines) if i not in drop]


def strip_blank_edges(text: str) -> str:
    """Remove blank lines (and surrounding whitespace) at the start and end of a page's text."""
    return text.strip()


def page_lines(raw: str) -> list[str]:
    """One page's raw text as lines: newlines normalised, layout chars dropped, trailing spaces cut
    (pdfium leaves one after most lines)."""
    return [ln.rstrip(" \t") for ln in drop_layout_chars(normalize_newlines(raw)).split("\n")]


def clean_pages(raw_pages: list[str]) -> list[str]:
    """Clean the raw text of all pages of one document; returns one cleaned string per page."""
    pages = [page_lines(raw) for raw in raw_pages]
    repeated = find_repeated_edge_lines(pages)
    offsets = page_number_offsets(pages)
    out = []
    for page_no, lines in enumerate(pages, start=1):
        kept = remove_edge_lines(lines, page_no, repeated, offsets)
        out.append(strip_blank_edges(join_hyphenated("\n".join(kept))))
    if repeated and not any(out) and any(any(ln.strip() for ln in lines) for lines in pages):
        # Every line was taken for a running header: pages of one short recurring line (a register,
        # a form, a slide deck). Losing the whole document is worse than keeping its "headers".
        out = [strip_blank_edges(join_hyphenated("\n".join(remove_edge_lines(lines, n, set(), offsets))))
               for n, lines in enumerate(pages, start=1)]
    return out
