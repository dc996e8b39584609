"""Split a Document into passages: the units that get themes (see the codebook).

Laws are cut at their structure (parts, chapters, sections, articles, sub-sections), reports at
their numbered paragraphs, everything else at blank-line blocks. Each passage keeps its character
offsets into ``Document.text`` (so ``document.text[p.start:p.end] == p.text``), its pages and its
heading path ("Part II > 3. Trafficking in persons > (1)").

The text is read line by line; every line is classified (heading, numbered paragraph, sub-section
item, text, blank), lines are grouped into *atoms* (a start line plus its continuation lines), atoms
into *groups* (one section / one numbered paragraph / one prose block), and groups into passages:
over-long groups are split at their sub-sections, then at sentence boundaries (spaCy's
sentencizer); tiny fragments are merged into their neighbour.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from importlib import resources
from typing import Iterator

from tipnlp.records import Document, Passage

# -- line patterns ---------------------------------------------------------------------------------
_MAJOR_WORDS = r"(?:PART|Part|CHAPTER|Chapter|TITLE|Title|DIVISION|Division|BOOK|Book|SCHEDULE|Schedule|SUBTITLE|Subtitle|SUBPART|Subpart|ANNEX|Annex)"
_ROMAN = r"(?:[IVXLC]+)"
RE_MAJOR = re.compile(rf"^\s*{_MAJOR_WORDS}\s+(?:\d+[A-Z]?|{_ROMAN}|[A-Z])\b")
RE_ROMAN_HEADING = re.compile(rf"^\s*{_ROMAN}\.?\s*(?:[-—–:]\s*)?(?:[A-Z][^\n]{{0,100}})?$")
RE_LETTER_HEADING = re.compile(r"^\s*[A-H]\.\s+[A-Z][^.;:]{2,100}$")
RE_MARKDOWN_HEADING = re.compile(r"^\s*(#{1,6})\s+\S")
RE_SECTION = re.compile(
    r"^\s*(?:§{1,2}\s*\d+|(?:SECTION|Section|Sec\.|SEC\.|ARTICLE|Article|Art\.|ART\.|Rule|RULE|Regulation)\s+\d+[A-Za-z]*)"
)
RE_NUMBERED = re.compile(r"^\s*(\d{1,3}[A-Z]?)(?:\.|\))\s+(\S.*)$")
RE_NUMBERED_NODOT = re.compile(r"^\s*(\d{1,3}(?:\.\d+)?)\s+([A-Z].*)$")
RE_SUB_NUM = re.compile(r"^\s*(?:\d\[)?\((\d{1,3}[A-Za-z]?)\)")
RE_SUB_ALPHA = re.compile(r"^\s*(?:\(([a-zA-Z]{1,5})\)|([a-z]{1,3})[.)])\s")
RE_BULLET = re.compile(r"^\s*(?:[-•*▪●◦–]\s)")
RE_BOLD_TITLE = re.compile(r"^\s*\*{2,3}[^*]{2,100}\*{2,3}\s*$")
RE_COLLECTOR = re.compile(r"^\s*\[[^\]]*\]\s*$")
RE_TERMINAL = re.compile(r"[.;:,—–-]\s*$")
RE_SENTENCE_END = re.compile(r"[.!?;:]['\"”’)]?\s*$")
# A footnote: its number, then a web address or a citation word ("6 http://...", "12 See ...").
RE_FOOTNOTE = re.compile(r"^\s*\d{1,3}\s+(?:https?://|www\.|See\b|Ibid\b|Cf\.|Available at\b)")
# A table-of-contents entry: text, then a dot (or ellipsis) leader and a page number.
RE_TOC_LEADER = re.compile(r"(?:\.\s?){4,}\s*[0-9ivxlc]{1,4}\s*$|…{2,}\s*\d{1,4}\s*$|(?:\s\.){4,}\s*\d{1,4}\s*$")

# A heading does not end in one of these; a wrapped line of prose often does.
_FUNCTION_WORDS = frozenset(
    "the a an of and or to in for with by on at from as that which who whose its their his her our "
    "be is are was were has have had not no such this these those any all".split()
)

# Kinds of lines and atoms.
BLANK, MAJOR, SECTION, TITLE, NUMBERED, SUB_NUM, SUB_ALPHA, TEXT = (
    "blank", "major", "section", "title", "numbered", "sub_num", "sub_alpha", "text",
)
TOC = "toc"  # a table-of-contents entry: never a heading
FOOTNOTE = "footnote"  # a footnote line: never a heading
TITLE_CONT = "title_cont"  # the next line of a heading wrapped over several lines
_HEADINGS = {MAJOR, SECTION, TITLE}

#: Passage kinds of a table of contents and of a run of footnotes; the tagger gives them no themes.
CONTENTS = "contents"
FOOTNOTES = "footnotes"
NOT_TAGGED = frozenset({CONTENTS, FOOTNOTES})
#: Heading lines wrapped this short are read as one heading (a margin note, a wrapped title).
_WRAP_SHORT = 20
_WRAP_MAX = 60


@dataclass(frozen=True)
class SegmenterConfig:
    """Size limits of passages; read from ``data/segmenter.yaml`` unless given."""

    max_chars: int = 1500
    target_chars: int = 800
    min_chars: int = 60
    title_max_chars: int = 90

    @classmethod
    def default(cls) -> "SegmenterConfig":
        return _default_config()


@functools.lru_cache(maxsize=1)
def _default_config() -> SegmenterConfig:
    from tipnlp._yaml import safe_load

    raw = resources.files("tipnlp.data").joinpath("segmenter.yaml").read_text(encoding="utf-8")
    data = safe_load(raw) or {}
    return SegmenterConfig(**data)


@dataclass
class _Line:
    start: int
    end: int  # without the newline
    text: str
    kind: str = TEXT
    label: str = ""
    rank: int = 0  # nesting rank of major headings (smaller = outer)


@dataclass
class _Group:
    """One section / numbered paragraph / prose block, before size rules are applied."""

    heading_path: tuple[str, ...]
    atoms: list[list[_Line]] = field(default_factory=list)
    kind: str = "block"

    @property
    def start(self) -> int:
        return self.atoms[0][0].start

    @property
    def end(self) -> int:
        return self.atoms[-1][-1].end


# -- line classification ---------------------------------------------------------------------------
def _iter_lines(text: str) -> Iterator[_Line]:
    pos = 0
    for raw in text.split("\n"):
        end = pos + len(raw)
        stripped_end = end
        while stripped_end > pos and text[stripped_end - 1] in " \t\r\f\v":
            stripped_end -= 1
        yield _Line(pos, stripped_end, text[pos:stripped_end])
        pos = end + 1


def _is_titleish(text: str, cfg: SegmenterConfig) -> bool:
    s = text.strip().strip("*#_ ")
    if not s or len(s) > cfg.title_max_chars or RE_TERMINAL.search(s):
        return False
    if not (s[0].isupper() or s[0].isdigit()):
        return False
    return len(s.split()) <= 12


def _classify(lines: list[_Line], cfg: SegmenterConfig) -> None:
    """Give every line a kind, looking at its neighbours where the line alone is ambiguous."""
    n = len(lines)

    def next_nonblank(i: int) -> _Line | None:
        for j in range(i + 1, min(n, i + 4)):
            if lines[j].text.strip():
                return lines[j]
        return None

    prev_text = ""  # previous non-blank line's text ("" after a blank line)
    for i, line in enumerate(lines):
        s = line.text.strip()
        if not s or RE_COLLECTOR.match(s):
            line.kind = BLANK
            prev_text = ""
            continue
        after_break = prev_text == "" or bool(RE_SENTENCE_END.search(prev_text)) or lines[i - 1].kind in _HEADINGS
        nxt = next_nonblank(i)
        next_starts_lower = bool(nxt and nxt.text.strip()[:1].islower())
        md = RE_MARKDOWN_HEADING.match(line.text)
        if RE_TOC_LEADER.search(s) and len(s) <= 240:
            line.kind = TOC
        elif RE_FOOTNOTE.match(s):
            line.kind = FOOTNOTE
        elif md:
            line.kind, line.rank = MAJOR, len(md.group(1))
        elif RE_MAJOR.match(line.text) and len(s) <= 160:
            line.kind, line.rank = MAJOR, _major_rank(s)
        elif (sm := RE_SECTION.match(line.text)) is not None:
            rest = line.text[sm.end():].lstrip(" .:-—–").rstrip()
            # "Section 6. A victim ... shall not be prosecuted." is a whole provision, not a heading.
            whole = len(rest) > cfg.title_max_chars and RE_SENTENCE_END.search(rest)
            line.kind = NUMBERED if whole else SECTION
        elif (m := RE_NUMBERED.match(line.text)) is not None:
            rest = m.group(2).strip()
            short = (
                len(rest) <= cfg.title_max_chars
                and not RE_TERMINAL.search(rest)
                and rest.split()[-1].lower() not in _FUNCTION_WORDS
            )
            line.kind = SECTION if short and not next_starts_lower and after_break else NUMBERED
        elif RE_SUB_NUM.match(line.text):
            line.kind = SUB_NUM
        elif RE_SUB_ALPHA.match(line.text) or RE_BULLET.match(line.text):
            line.kind = SUB_ALPHA
        elif after_break and RE_ROMAN_HEADING.match(s) and len(s) <= 120:
            line.kind, line.rank = MAJOR, 2
        elif after_break and RE_LETTER_HEADING.match(s):
            line.kind, line.rank = MAJOR, 3
        elif (
            after_break
            and RE_NUMBERED_NODOT.match(line.text)
            and len(s) > 40
            and not s[:4].isdigit()
        ):
            line.kind = NUMBERED
        elif after_break and nxt is not None and not next_starts_lower and (
            RE_BOLD_TITLE.match(s) or (_is_titleish(s, cfg) and (prev_text == "" or lines[i - 1].kind in _HEADINGS or RE_SENTENCE_END.search(prev_text)))
        ):
            line.kind = TITLE
        else:
            line.kind = TEXT
        line.label = _label(s)
        prev_text = s
    _mark_toc_wraps(lines)
    _join_wrapped_titles(lines)


def _mark_toc_wraps(lines: list[_Line]) -> None:
    """Lines between contents entries belong to the contents, not to the headings: the first line of
    an entry wrapped over two lines ("5. Referring victims into the National Referral" / "Mechanism
    ........ 43"), or a page number printed on a line of its own."""
    nonblank = [i for i, line in enumerate(lines) if line.kind != BLANK]

    def around(k: int) -> tuple[_Line | None, _Line | None]:
        return (lines[nonblank[k - 1]] if k > 0 else None,
                lines[nonblank[k + 1]] if k + 1 < len(nonblank) else None)

    for k, i in enumerate(nonblank):
        s = lines[i].text.strip()
        before, after = around(k)
        if s.isdigit() and len(s) <= 4 and any(x is not None and x.kind == TOC for x in (before, after)):
            lines[i].kind = TOC
    for k, i in enumerate(nonblank):
        line = lines[i]
        before, after = around(k)
        if (line.kind != TOC and not RE_SENTENCE_END.search(line.text) and before is not None
                and before.kind == TOC and after is not None and after.kind == TOC):
            line.kind = TOC


def _join_wrapped_titles(lines: list[_Line]) -> None:
    """Read a heading wrapped over adjacent lines as one heading (label of all its lines).

    "OFFENCES AGAINST VICTIMS OF" / "CRIME AND WITNESSES" under "PART III", or a margin note printed
    as a column of short lines ("Board of" / "Management of" / "the Authority"), used to keep only
    one line. A next line continues the heading when the heading so far ends in a function word,
    when it starts in lower case, when both are short lines of a column, or both are in capitals;
    it must be short and not end a sentence.
    """
    i, n = 0, len(lines)
    while i < n:
        head = lines[i]
        if head.kind != TITLE and not (head.kind == MAJOR and not RE_MARKDOWN_HEADING.match(head.text)
                                       and not RE_MAJOR.match(head.text)):
            i += 1
            continue
        words = [head.text.strip()]
        j = i + 1
        while j < n:
            s = lines[j].text.strip()
            prev = lines[j - 1].text.strip()
            # A capitalised line read as a roman-numeral heading ("CRIME AND WITNESSES": "C") may continue too.
            # Only in the title of a "PART III" / "CHAPTER 2" heading, to leave other structure alone.
            loose_major = (lines[j].kind == MAJOR and not RE_MAJOR.match(s) and not RE_MARKDOWN_HEADING.match(s)
                           and i > 0 and bool(RE_MAJOR.match(lines[i - 1].text)))
            if (not s or lines[j].kind not in (TEXT, TITLE) and not loose_major or len(s) > _WRAP_MAX
                    or RE_SENTENCE_END.search(s) or len(" ".join(words)) + len(s) > 2 * _WRAP_MAX):
                break
            if not s[:1].isalpha() or any(ch.isdigit() for ch in s):  # table cells, figures, page numbers
                break
            last = words[-1].split()[-1].lower().strip(",")
            after = lines[j + 1].text.strip() if j + 1 < n else ""
            column = (len(prev) <= _WRAP_SHORT and len(s) <= _WRAP_SHORT and len(after) <= _WRAP_SHORT
                      and not any(ch.isdigit() for ch in words[0]))
            continues = (
                last in _FUNCTION_WORDS
                or s[:1].islower()
                or column
                or (prev.isupper() and s.isupper())
            )
            if not continues:
                break
            lines[j].kind = TITLE_CONT
            words.append(s)
            j += 1
        if len(words) > 1:
            head.label = _label(" ".join(words))
        i = j


def _major_rank(s: str) -> int:
    word = s.split()[0].lower()
    return {"title": 0, "book": 0, "subtitle": 1, "part": 1, "annex": 1, "schedule": 1, "chapter": 2,
            "division": 2, "subpart": 2}.get(word, 2)


def _label(s: str) -> str:
    s = re.sub(r"\s+", " ", s.strip().strip("*#").strip())
    return s if len(s) <= 80 else s[:77].rstrip() + "..."


# -- atoms and groups ------------------------------------------------------------------------------
def _atoms(lines: list[_Line]) -> Iterator[tuple[list[_Line], bool]]:
    """Yield (atom lines, preceded_by_blank). An atom: a start line and its continuation lines."""
    current: list[_Line] = []
    blank_before = True
    saw_blank = True
    for line in lines:
        if line.kind == BLANK:
            if current:
                yield current, blank_before
                current = []
            saw_blank = True
            continue
        if line.kind == TITLE_CONT and current and current[0].kind in _HEADINGS:
            current.append(line)  # the next line of a wrapped heading
            saw_blank = False
            continue
        if current and line.kind != TEXT:
            yield current, blank_before
            current = []
        if current and current[0].kind in _HEADINGS:
            yield current, blank_before
            current = []
        if not current:
            blank_before = saw_blank
        current.append(line)
        saw_blank = False
    if current:
        yield current, blank_before


def _groups(lines: list[_Line]) -> list[_Group]:
    majors: list[tuple[int, str]] = []  # (rank, label)
    section: str = ""
    groups: list[_Group] = []
    current: _Group | None = None
    pending_headings: list[list[_Line]] = []  # heading atoms waiting for their first content

    def path(extra: str = "") -> tuple[str, ...]:
        parts = [label for _, label in majors]
        if section:
            parts.append(section)
        if extra:
            parts.append(extra)
        return tuple(parts)

    def open_group(kind: str, extra: str = "") -> _Group:
        nonlocal current
        g = _Group(heading_path=path(extra), kind=kind)
        g.atoms.extend(pending_headings)
        pending_headings.clear()
        groups.append(g)
        current = g
        return g

    for atom, blank_before in _atoms(lines):
        head = atom[0]
        if head.kind == MAJOR:
            while majors and majors[-1][0] >= head.rank:
                majors.pop()
            majors.append((head.rank, head.label))
            section = ""
            current = None
            pending_headings.append(atom)
        elif head.kind in (SECTION, TITLE):
            if head.kind == TITLE and pending_headings and pending_headings[-1][0].kind == SECTION:
                # "Article 5" followed by its title line "Criminalization": one heading.
                section = f"{section} {head.label}".strip()
            else:
                section = head.label
            current = None
            pending_headings.append(atom)
        elif head.kind in (TOC, FOOTNOTE):
            kind = CONTENTS if head.kind == TOC else FOOTNOTES
            if current is None or current.kind != kind:
                open_group(kind)
            assert current is not None
            current.atoms.append(atom)
        elif head.kind == NUMBERED:
            open_group("paragraph").atoms.append(atom)
        elif head.kind in (SUB_NUM, SUB_ALPHA):
            if current is None:
                open_group("section" if section else "block")
            assert current is not None
            current.atoms.append(atom)
        else:  # TEXT (or a heading continuation line whose heading was not kept, e.g. after a blank)
            in_structure = current is not None and (current.kind in ("section", "paragraph"))
            if current is None or (blank_before and not in_structure) or current.kind in NOT_TAGGED:
                open_group("section" if section else "block")
            assert current is not None
            current.atoms.append(atom)
    if pending_headings:  # headings at the very end: keep them as their own passage
        open_group("heading")
    return [g for g in groups if g.atoms]


# -- size rules ------------------------------------------------------------------------------------
@functools.lru_cache(maxsize=1)
def _sentencizer():
    from tipnlp._spacy import import_spacy

    spacy = import_spacy()

    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    nlp.max_length = 10_000_000
    return nlp


def sentence_spans(text: str, offset: int = 0) -> list[tuple[int, int]]:
    """Sentence boundaries of ``text`` (spaCy sentencizer), as absolute offsets."""
    doc = _sentencizer()(text)
    spans = []
    for sent in doc.sents:
        s, e = sent.start_char, sent.end_char
        while e > s and text[e - 1].isspace():
            e -= 1
        if e > s:
            spans.append((offset + s, offset + e))
    return spans


def _fine_spans(
    text: str, start: int, end: int, max_chars: int, page_starts: tuple[int, ...] = ()
) -> list[tuple[int, int]]:
    """Spans of at most ``max_chars`` covering ``text[start:end]``: sentences, else lines, else words.

    An over-long sentence running over a page break (PDF text where the sentencizer finds no end,
    margin notes included) is cut at clause ends rather than at any line (see ``_clause_spans``).
    """
    out: list[tuple[int, int]] = []
    for s, e in sentence_spans(text[start:end], start):
        if e - s <= max_chars:
            out.append((s, e))
            continue
        lines = _line_spans(text, s, e)
        if any(s < b < e for b in page_starts):
            lines = _clause_spans(text, lines, max_chars)
        for ls, le in lines:
            if le - ls <= max_chars:
                out.append((ls, le))
                continue
            cut = ls
            while le - cut > max_chars:
                space = text.rfind(" ", cut + max_chars // 2, cut + max_chars)
                nxt = space if space > cut else cut + max_chars
                out.append((cut, nxt))
                cut = nxt
                while cut < le and text[cut].isspace():
                    cut += 1
            if le > cut:
                out.append((cut, le))
    return out


def _clause_spans(text: str, lines: list[tuple[int, int]], max_chars: int) -> list[tuple[int, int]]:
    """Lines of an over-long sentence joined into clauses: a cut then falls after ";", ":" or ","
    at a line end, or before a list item ("(c)"), not in the middle of a clause ("...and in" /
    "accordance with..."). A clause longer than ``max_chars`` is given back line by line."""
    clauses: list[list[tuple[int, int]]] = []
    for ls, le in lines:
        line = text[ls:le].strip()
        prev = text[clauses[-1][-1][0]:clauses[-1][-1][1]].rstrip() if clauses else ""
        if clauses and not (prev.endswith((";", ":", ",", "—", "–")) or line[:1] in "(•-–" or RE_SUB_ALPHA.match(line)):
            clauses[-1].append((ls, le))
        else:
            clauses.append([(ls, le)])
    out: list[tuple[int, int]] = []
    for clause in clauses:
        if clause[-1][1] - clause[0][0] <= max_chars:
            out.append((clause[0][0], clause[-1][1]))
        else:
            out.extend(clause)
    return out


def _line_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    spans, pos = [], start
    while pos < end:
        nl = text.find("\n", pos, end)
        stop = end if nl < 0 else nl
        if text[pos:stop].strip():
            spans.append((pos, stop))
        pos = stop + 1
    return spans


def _pack(spans: list[tuple[int, int]], max_chars: int) -> list[tuple[int, int]]:
    """Greedily join consecutive spans into chunks of at most ``max_chars`` (a longer span stays whole)."""
    chunks: list[tuple[int, int]] = []
    for s, e in spans:
        if chunks and e - chunks[-1][0] <= max_chars:
            chunks[-1] = (chunks[-1][0], e)
        else:
            chunks.append((s, e))
    return chunks


def _split_group(text: str, g: _Group, cfg: SegmenterConfig, page_starts: tuple[int, ...] = ()) -> list[tuple[int, int, str]]:
    """(start, end, sub-label) chunks of a group, each within max_chars where possible."""
    if g.end - g.start <= cfg.max_chars:
        return [(g.start, g.end, "")]
    # 1) at numbered sub-sections, else at any item; heading atoms stay with what follows them.
    for split_kinds in ({SUB_NUM}, {SUB_NUM, SUB_ALPHA}):
        units: list[tuple[int, int, str]] = []
        for atom in g.atoms:
            head = atom[0]
            if not units or (head.kind in split_kinds and units[-1][2] != "__heading__"):
                units.append((atom[0].start, atom[-1].end, "__heading__" if head.kind in _HEADINGS else head.label))
            else:
                s, _, lab = units[-1]
                units[-1] = (s, atom[-1].end, head.label if lab == "__heading__" else lab)
        if len(units) > 1:
            break
    out: list[tuple[int, int, str]] = []
    for s, e, lab in units:
        lab = "" if lab == "__heading__" else _short_label(lab)
        if e - s <= cfg.max_chars:
            out.append((s, e, lab))
            continue
        # 2) at sentence boundaries (then lines, then spaces, for text without punctuation).
        for cs, ce in _pack(_fine_spans(text, s, e, cfg.target_chars, page_starts), cfg.target_chars):
            out.append((cs, ce, lab))
    # pack small consecutive units back together up to max_chars
    packed: list[tuple[int, int, str]] = []
    for s, e, lab in out:
        if packed and e - packed[-1][0] <= cfg.max_chars and (packed[-1][1] - packed[-1][0] < cfg.max_chars // 2):
            ps, _, plab = packed[-1]
            packed[-1] = (ps, e, plab)
        else:
            packed.append((s, e, lab))
    return packed


def _short_label(label: str) -> str:
    m = RE_SUB_NUM.match(label) or RE_SUB_ALPHA.match(label)
    return label[: m.end()].strip() if m else ""


# -- public API ------------------------------------------------------------------------------------
def segment(document: Document, config: SegmenterConfig | None = None) -> list[Passage]:
    """Passages of ``document`` in reading order, non-overlapping, offsets into ``document.text``."""
    cfg = config or SegmenterConfig.default()
    text = document.text
    lines = list(_iter_lines(text))
    _classify(lines, cfg)
    page_starts = tuple(p.start for p in document.pages[1:])
    chunks: list[tuple[int, int, tuple[str, ...], str]] = []
    for g in _groups(lines):
        for s, e, sub in _split_group(text, g, cfg, page_starts):
            path = g.heading_path + ((sub,) if sub else ())
            chunks.append((s, e, path, g.kind))
    chunks = _merge_tiny(text, chunks, cfg.min_chars)
    passages = []
    for s, e, path, kind in chunks:
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e <= s:
            continue
        passages.append(
            Passage(
                doc_id=document.id,
                start=s,
                end=e,
                text=text[s:e],
                heading=" > ".join(path),
                page_start=document.page_at(s),
                page_end=document.page_at(e - 1),
                kind=kind,
            )
        )
    return passages


def _merge_tiny(text, chunks, min_chars):
    """Merge fragments shorter than ``min_chars`` (letters and digits counted) into the next chunk.

    Sizes are summed chunk by chunk (chunks do not overlap), so a long run of tiny fragments costs
    linear time.
    """
    def size(s, e):
        return sum(map(str.isalnum, text[s:e]))

    merged: list[tuple[int, int, tuple[str, ...], str]] = []
    carry: tuple[int, tuple[str, ...], int] | None = None
    for s, e, path, kind in chunks:
        n = size(s, e)
        if carry is not None:
            s, path, n = carry[0], path or carry[1], carry[2] + n
            carry = None
        if n < min_chars:
            carry = (s, path, n)
            continue
        merged.append((s, e, path, kind))
    if carry is not None:
        if merged:
            ps, _, ppath, pkind = merged[-1]
            merged[-1] = (ps, chunks[-1][1], ppath, pkind)
        else:
            merged.append((carry[0], chunks[-1][1], carry[1], "block"))
    return merged
