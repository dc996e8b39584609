"""The lexicon's rules matched in plain Python: no spaCy at inference.

Why: importing spaCy and building its matchers costs about 1.3 s, more than tagging a 100-page PDF
takes, and the default model reads the lexicon rules on every run. This module tokenises as spaCy's
blank English tokenizer does where the rules can tell (white space, leading and trailing punctuation,
hyphens and slashes between letters, a closing full stop, dotted abbreviations, URLs), matches terms
on lower-case tokens, prefix words (``recruit*``) and the small token-pattern language the lexicon uses
(``LOWER``/``TEXT`` equal, ``IN``, ``NOT_IN``, ``REGEX``; ``LIKE_NUM``; ``OP`` ``?``, ``*``, ``+``,
``{m,n}``). It is not spaCy's tokenizer (it lacks spaCy's special cases: emoticons such as ``):``,
contractions, "Mr."): ``evaluation/rule_matcher_check.py`` counts how often the two disagree on the rule
features of the gold passages (0 of 4,632 on 2026-12-07), and tests pin agreement on made-up text.
"""

from __future__ import annotations

import re
from collections import defaultdict
from functools import lru_cache
from itertools import compress
from operator import itemgetter
from typing import Any, Sequence

Token = tuple[int, int, str]  # (char start, char end, text)

_PREFIX = set("([{\"'“”‘’«»`§$£€¥#*_<>=~+&…–—")
_SUFFIX = set(",;:!?)]}\"'”’»%…*_")
_BEFORE_STOP = set(")]}%\"'”’")  # a full stop after these (or a lower-case letter or digit) is split off
_DOTS = re.compile(r"\.{2,}")
_SPACE_RUN = re.compile(r"\s+")
_ABBREVIATION = re.compile(r"^(?:[A-Za-z]\.)+$")
_URL = re.compile(r"://|^www\.|@", re.IGNORECASE)
_INFIX = re.compile(
    r"(?<=[^\W_])(?:-{1,3}|–|—|~)(?=[^\W\d_])"  # hyphens and dashes before a letter
    r"|(?<=[0-9])[-+*^](?=[0-9-])"  # between digits ("22-49-2")
    r"|(?<=[^\W_])[:<>=/](?=[^\W\d_])"  # slashes and colons before a letter ("UN/ILO", "Tier1/direct")
    r"|(?<=[^\W\d_]),(?=[^\W\d_])"  # a comma between letters
    r"|(?<=[a-z])\.(?=[A-Z])"  # a missing space after a full stop ("end.Start")
)
_POSSESSIVE = ("'s", "’s", "'S", "’S")
_KEEP_WHOLE = frozenset({"and/or"})


def _split_chunk(chunk: str, offset: int, out: list[Token]) -> None:
    """Split one white-space-free chunk into tokens (prefixes, infixes, suffixes)."""
    end = len(chunk)
    if chunk.isalnum():  # most chunks are plain words or numbers
        out.append((offset, offset + end, chunk))
        return
    if end > 2 and chunk[-1] in ",;:" and chunk[:-1].isalnum():
        out.append((offset, offset + end - 1, chunk[:-1]))
        out.append((offset + end - 1, offset + end, chunk[-1]))
        return
    start = 0
    if _DOTS.fullmatch(chunk):  # a leader line of dots is one token
        out.append((offset, offset + end, chunk))
        return
    while start < end and end - start > 1:
        dots = _DOTS.match(chunk, start)
        if dots:
            out.append((offset + start, offset + dots.end(), dots.group()))
            start = dots.end()
        elif chunk[start] in _PREFIX:
            out.append((offset + start, offset + start + 1, chunk[start]))
            start += 1
        else:
            break
    tail: list[Token] = []
    while end - start > 1:
        piece = chunk[start:end]
        dots = re.search(r"\.{2,}$", piece)
        if dots and dots.start() > 0:
            tail.append((offset + start + dots.start(), offset + end, dots.group()))
            end = start + dots.start()
        elif piece[-1] in _SUFFIX:
            end -= 1
            tail.append((offset + end, offset + end + 1, piece[-1]))
        elif piece.endswith(_POSSESSIVE) and len(piece) > 2:
            end -= 2
            tail.append((offset + end, offset + end + 2, piece[-2:]))
        elif piece.endswith(".") and not _ABBREVIATION.match(piece) and (
            piece[-2].islower() or piece[-2].isdigit() or piece[-2] in _BEFORE_STOP
            or (len(piece) > 2 and piece[-2].isupper() and piece[-3].isupper())
        ):
            end -= 1
            tail.append((offset + end, offset + end + 1, "."))
        else:
            break
    core = chunk[start:end]
    if core:
        if core.lower() in _KEEP_WHOLE or _URL.search(core):
            out.append((offset + start, offset + end, core))
        else:
            last = 0
            for m in _INFIX.finditer(core):
                left = core[last:m.start()]
                if m.group() == "." and _ABBREVIATION.match(left + "."):  # "a.Sexual": "a." stays whole
                    out.append((offset + start + last, offset + start + m.end(), left + "."))
                    last = m.end()
                    continue
                if left:
                    out.append((offset + start + last, offset + start + m.start(), left))
                out.append((offset + start + m.start(), offset + start + m.end(), m.group()))
                last = m.end()
            if last < len(core):
                out.append((offset + start + last, offset + end, core[last:]))
    out.extend(reversed(tail))


def tokenize(text: str) -> list[Token]:
    """Tokens of ``text`` with character offsets; white space other than one plain space between two
    chunks is a token of its own (as spaCy keeps it), so token windows count the same way."""
    out: list[Token] = []
    pos = 0
    append = out.append
    for m in _SPACE_RUN.finditer(text):
        start = m.start()
        if start > pos:
            chunk = text[pos:start]
            if chunk.isalnum():  # most chunks are plain words: no call needed
                append((pos, start, chunk))
            else:
                _split_chunk(chunk, pos, out)
        gap = m.group()
        if gap != " ":
            lead = 1 if gap[0] == " " and start > 0 else 0
            append((start + lead, m.end(), gap[lead:]))
        pos = m.end()
    if pos < len(text):
        _split_chunk(text[pos:], pos, out)
    return out


_NUMBER_WORDS = frozenset(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
    "seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety hundred thousand "
    "million billion trillion quadrillion gajillion bazillion".split()
)
_ORDINAL_WORDS = frozenset(
    "first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth thirteenth fourteenth "
    "fifteenth sixteenth seventeenth eighteenth nineteenth twentieth thirtieth fortieth fiftieth sixtieth "
    "seventieth eightieth ninetieth hundredth thousandth millionth billionth trillionth".split()
)


def like_num(text: str) -> bool:
    """A token that reads as a number: digits (with , or .), a fraction, a number or ordinal word, 3rd."""
    if text[:1] in ("+", "-", "±", "~"):
        text = text[1:]
    bare = text.replace(",", "").replace(".", "")
    if bare.isdigit():
        return True
    if bare.count("/") == 1:
        num, den = bare.split("/")
        if num.isdigit() and den.isdigit():
            return True
    lower = bare.lower()
    if lower in _NUMBER_WORDS or lower in _ORDINAL_WORDS:
        return True
    return lower.endswith(("st", "nd", "rd", "th")) and lower[:-2].isdigit()


# -- token patterns -------------------------------------------------------------------------------
@lru_cache(maxsize=None)
def _regex(pattern: str) -> re.Pattern:
    return re.compile(pattern)


def _value_ok(value: str, spec: Any) -> bool:
    if isinstance(spec, dict):
        for op, arg in spec.items():
            if op == "IN" and value not in arg:
                return False
            if op == "NOT_IN" and value in arg:
                return False
            if op == "REGEX" and not _regex(arg).search(value):
                return False
            if op not in ("IN", "NOT_IN", "REGEX"):
                raise ValueError(f"unsupported token-pattern operator {op!r}")
        return True
    return value == spec


def _token_ok(text: str, spec: dict[str, Any]) -> bool:
    for attr, want in spec.items():
        if attr == "OP":
            continue
        if attr == "LOWER":
            ok = _value_ok(text.lower(), want)
        elif attr in ("TEXT", "ORTH"):
            ok = _value_ok(text, want)
        elif attr == "LIKE_NUM":
            ok = like_num(text) == bool(want)
        else:
            raise ValueError(f"unsupported token attribute {attr!r} (use LOWER, TEXT, IN, NOT_IN, REGEX, LIKE_NUM)")
        if not ok:
            return False
    return True


_OP_RANGE = re.compile(r"^\{(\d*),?(\d*)\}$")


def _repeats(op: str | None) -> tuple[int, int]:
    if op is None or op == "1":
        return 1, 1
    if op == "?":
        return 0, 1
    if op == "*":
        return 0, 1 << 30
    if op == "+":
        return 1, 1 << 30
    m = _OP_RANGE.match(op)
    if m:
        low, high = m.groups()
        if "," not in op:
            return int(low), int(low)
        return int(low or 0), int(high) if high else 1 << 30
    raise ValueError(f"unsupported OP {op!r} (use ?, *, +, {{m,n}})")


def check_pattern(pattern: Sequence[dict[str, Any]]) -> None:
    """Raise ValueError for a token pattern this matcher cannot run."""
    for spec in pattern:
        if not isinstance(spec, dict):
            raise ValueError("a token pattern is a list of token dicts")
        _repeats(spec.get("OP"))
        _token_ok("x", spec)


def pattern_matches(texts: Sequence[str], pattern: Sequence[dict[str, Any]],
                    cache: dict[str, tuple[bool, ...]] | None = None) -> list[tuple[int, int]]:
    """Every (start, end) token span where the pattern matches (all lengths, as spaCy's Matcher).
    ``cache`` remembers, per token text, which steps of this pattern the token passes."""
    steps = [(spec, *_repeats(spec.get("OP"))) for spec in pattern]
    cache = {} if cache is None else cache
    passes = list(map(cache.get, texts))  # most token texts were seen before: look them up in C
    for i in [i for i, hit in enumerate(passes) if hit is None]:
        text = texts[i]
        hit = cache.get(text)
        if hit is None:
            hit = cache[text] = tuple(_token_ok(text, spec) for spec, _, _ in steps)
        passes[i] = hit
    n = len(texts)
    found: set[tuple[int, int]] = set()

    def walk(step: int, pos: int, start: int) -> None:
        if step == len(steps):
            if pos > start:
                found.add((start, pos))
            return
        _, low, high = steps[step]
        count = 0
        while True:
            if count >= low:
                walk(step + 1, pos + count, start)
            if count >= high or pos + count >= n or not passes[pos + count][step]:
                return
            count += 1

    if steps[0][1] >= 1:  # a required first step: start only where it passes
        starts = compress(range(n), map(itemgetter(0), passes))
    else:
        starts = range(n)
    for i in starts:
        walk(0, i, i)
    return sorted(found)


# -- the matcher -------------------------------------------------------------------------------------
def _word_ok(word: str, test: tuple[bool, str]) -> bool:
    return word.startswith(test[1]) if test[0] else word == test[1]


class PlainRuleMatcher:
    """Token spans of every term, prefix term and token pattern, per matcher key."""

    PREFIX_CACHE_SIZE = 200_000  # words remembered with the prefix terms they may start (bounded memory)

    def __init__(self) -> None:
        self._terms: dict[str, list[str]] = defaultdict(list)  # one-word term -> keys
        # longer terms by their first two words -> (the words after those two, key)
        self._pairs: dict[tuple[str, str], list[tuple[tuple[str, ...], str]]] = defaultdict(list)
        self._first_words: set[str] = set()
        self._prefix_terms: list[tuple[str, list[tuple[bool, str]]]] = []
        self._prefix_starts: dict[str, tuple[int, ...]] = {}  # lower-case token -> prefix terms that may start there
        self._patterns: list[tuple[str, tuple[dict[str, Any], ...]]] = []
        self._pattern_cache: list[dict[str, tuple[bool, ...]]] = []  # per pattern: token text -> steps passed

    @staticmethod
    def term_tests(term: str) -> list[tuple[bool, str]]:
        """``recruitment agenc*`` -> [(False, "recruitment"), (True, "agenc")]: (is_prefix, lower text)."""
        tests: list[tuple[bool, str]] = []
        for word in term.split():
            if word.endswith("*"):
                tests.append((True, word[:-1].lower()))
            else:
                tests.extend((False, t.lower()) for _, _, t in tokenize(word))
        return tests

    def add(self, key: str, terms: Sequence[str], patterns: Sequence[Sequence[dict[str, Any]]]) -> None:
        for term in terms:
            tests = self.term_tests(term)
            if any(is_prefix for is_prefix, _ in tests):
                self._prefix_terms.append((key, tests))
                self._prefix_starts.clear()
            elif tests:
                words = tuple(t for _, t in tests)
                if len(words) == 1:
                    self._terms[words[0]].append(key)
                else:
                    self._pairs[words[:2]].append((words[2:], key))
                    self._first_words.add(words[0])
        for pattern in patterns:
            check_pattern(pattern)
            self._patterns.append((key, tuple(pattern)))
            self._pattern_cache.append({})

    def _starts(self, word: str) -> tuple[int, ...]:
        """The prefix terms whose first word ``word`` passes (remembered per word, bounded)."""
        starts = self._prefix_starts.get(word)
        if starts is None:
            if len(self._prefix_starts) > self.PREFIX_CACHE_SIZE:
                self._prefix_starts.clear()
            starts = self._prefix_starts[word] = tuple(
                n_ for n_, (_, tests) in enumerate(self._prefix_terms) if _word_ok(word, tests[0]))
        return starts

    def spans(self, tokens: Sequence[Token]) -> dict[str, list[tuple[int, int]]]:
        lowers = [t.lower() for _, _, t in tokens]
        found: dict[str, set[tuple[int, int]]] = defaultdict(set)
        n = len(lowers)
        # Why by distinct word: most tokens start no term; test each distinct word once, then visit
        # only the positions of the words that do. Longer terms are looked up by their first two words.
        hot: dict[str, tuple[int, ...]] = {}  # word -> the prefix terms it may start
        terms, first_words, prefix_starts = self._terms, self._first_words, self._prefix_starts
        for word in set(lowers):
            starts = prefix_starts.get(word)
            if starts is None:
                starts = self._starts(word)
            if starts or word in terms or word in first_words:
                hot[word] = starts
        pairs = self._pairs
        for i in (compress(range(n), map(hot.__contains__, lowers)) if hot else ()):
            word = lowers[i]
            for key in terms.get(word, ()):
                found[key].add((i, i + 1))
            if i + 1 < n and word in first_words:
                for rest, key in pairs.get((word, lowers[i + 1]), ()):
                    end = i + 2 + len(rest)
                    if end <= n and (not rest or tuple(lowers[i + 2:end]) == rest):
                        found[key].add((i, end))
            for n_ in hot[word]:
                key, tests = self._prefix_terms[n_]
                end = i + len(tests)
                if end <= n and all(_word_ok(lowers[i + k], test) for k, test in enumerate(tests[1:], 1)):
                    found[key].add((i, end))
        if self._patterns:
            texts = [t for _, _, t in tokens]
            for (key, pattern), cache in zip(self._patterns, self._pattern_cache):
                if len(cache) > 200_000:  # bounded memory on endless streams of new token texts
                    cache.clear()
                found[key].update(pattern_matches(texts, pattern, cache))
        return {k: sorted(v) for k, v in found.items()}


_SENTENCE_END = frozenset({".", "!", "?"})


def sentence_index(tokens: Sequence[Token]) -> list[int]:
    """Sentence number of every token; a stand-alone ``.``/``!``/``?`` token ends a sentence."""
    out, current = [], 0
    for _, _, text in tokens:
        out.append(current)
        if text in _SENTENCE_END:
            current += 1
    return out
