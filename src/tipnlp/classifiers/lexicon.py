"""A transparent pattern tagger: the baseline every trained model has to beat.

Every theme has a list of *rules* in ``tipnlp/data/lexicon.yaml``. A rule fires on

- ``terms``: phrases matched case-insensitively on tokens; a word ending in ``*`` matches any token
  starting with that prefix (``recruitment agenc*``);
- ``patterns``: spaCy-style token patterns (``LOWER``, ``TEXT``, ``REGEX``, ``IN``, ``NOT_IN``,
  ``LIKE_NUM``, ``OP``; no ``LEMMA``);
- optionally ``near``: the rule only counts when one of these terms/patterns lies within ``window``
  tokens of the match (a proximity rule: "training" near "judges");
- optionally ``unless``: the match is dropped when one of these lies within ``window`` tokens
  ("vocational" right before "training").

A theme's score is ``1 - prod(1 - weight)`` over the distinct rules that fired, so more and stronger
evidence gives a higher score, and one weak cue alone stays under the threshold. Everything — terms,
weights, windows, thresholds — lives in the YAML, so the baseline can be read and argued with.

The rules are matched in plain Python (``matcher="plain"``, :mod:`tipnlp.classifiers.rule_matcher`);
``matcher="spacy"`` runs spaCy's tokenizer and matchers instead, the reference the plain matcher is
checked against.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, ClassVar, Iterable, Sequence

import numpy as np

from tipnlp.classifiers.base import ThemeClassifier
from tipnlp.errors import DataError

LEXICON_FILE = "lexicon.yaml"
# "plain": tipnlp.classifiers.rule_matcher (no spaCy; the default); "spacy": spaCy's tokenizer and
# matchers, the reference the plain matcher is checked against (evaluation/rule_matcher_check.py).
MATCHERS = ("plain", "spacy")
DEFAULT_WINDOW = 12

Match = tuple[int, int, str, float]  # (char start, char end, rule id, weight)


@dataclass(frozen=True)
class _Side:
    """Terms and token patterns for the ``near`` or ``unless`` part of a rule."""

    terms: tuple[str, ...] = ()
    patterns: tuple[tuple[dict[str, Any], ...], ...] = ()
    window: int = DEFAULT_WINDOW
    side: str = "any"  # where the other span may lie: "any", "before" or "after" the match
    same_sentence: bool = True


@dataclass(frozen=True)
class Rule:
    """One lexicon rule of one theme (see the module docstring)."""

    theme: str
    id: str
    weight: float
    terms: tuple[str, ...] = ()
    patterns: tuple[tuple[dict[str, Any], ...], ...] = ()
    near: _Side | None = None
    unless: _Side | None = None
    note: str = ""

    @property
    def key(self) -> str:
        return f"{self.theme}::{self.id}"


@dataclass
class Lexicon:
    """The parsed lexicon file: rules per theme, thresholds and the file's raw text."""

    version: str
    threshold: float
    thresholds: dict[str, float]
    rules: dict[str, list[Rule]]
    text: str = field(repr=False, default="")

    def threshold_for(self, theme: str) -> float:
        return float(self.thresholds.get(theme, self.threshold))


def _fail(source: str, problem: str) -> DataError:
    return DataError(
        f"lexicon {source}: {problem}",
        hint="Fix the lexicon YAML: each rule needs an id, a weight in (0, 1] and terms or patterns.",
    )


def _as_patterns(value: Any, where: str, source: str) -> tuple[tuple[dict[str, Any], ...], ...]:
    """Accept one token pattern (a list of dicts) or a list of them."""
    if value is None:
        return ()
    if not isinstance(value, list) or not value:
        raise _fail(source, f"{where}: `patterns` must be a non-empty list")
    if all(isinstance(tok, dict) for tok in value):
        value = [value]
    out = []
    for pat in value:
        if not isinstance(pat, list) or not pat or not all(isinstance(tok, dict) for tok in pat):
            raise _fail(source, f"{where}: every pattern must be a non-empty list of token dicts")
        out.append(tuple(pat))
    return tuple(out)


def _as_terms(value: Any, where: str, source: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(t, str) and t.strip() for t in value):
        raise _fail(source, f"{where}: `terms` must be a list of non-empty strings")
    for term in value:
        if any("*" in word[:-1] or word == "*" for word in term.split()):
            raise _fail(source, f"{where}: `*` may only end a word (a prefix), as in `recruit*` ({term!r})")
    return tuple(t.strip() for t in value)


def _as_side(value: Any, where: str, source: str) -> _Side | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise _fail(source, f"{where} must be a mapping with terms/patterns/window")
    side = _Side(
        terms=_as_terms(value.get("terms"), where, source),
        patterns=_as_patterns(value.get("patterns"), where, source),
        window=value.get("window", DEFAULT_WINDOW),
        side=value.get("side", "any"),
        same_sentence=value.get("same_sentence", True),
    )
    if not side.terms and not side.patterns:
        raise _fail(source, f"{where} needs terms or patterns")
    if not isinstance(side.window, int) or isinstance(side.window, bool) or side.window < 0:
        raise _fail(source, f"{where}: window must be a non-negative integer")
    if side.side not in ("any", "before", "after"):
        raise _fail(source, f"{where}: side must be any, before or after")
    if not isinstance(side.same_sentence, bool):
        raise _fail(source, f"{where}: same_sentence must be true or false")
    return side


def parse_lexicon(text: str, source: str = "<string>", known_themes: Iterable[str] | None = None) -> Lexicon:
    """Parse and validate lexicon YAML text; raise :class:`DataError` naming the first problem."""
    import yaml

    from tipnlp._yaml import safe_load

    try:
        data = safe_load(text)
    except yaml.YAMLError as exc:
        raise _fail(source, f"not valid YAML ({exc})") from exc
    if not isinstance(data, dict) or not isinstance(data.get("themes"), dict):
        raise _fail(source, "expected a mapping with a `themes` mapping")
    threshold = data.get("threshold", 0.5)
    thresholds = data.get("thresholds") or {}
    if not isinstance(thresholds, dict):
        raise _fail(source, "`thresholds` must map theme ids to numbers")
    for name, value in [("threshold", threshold), *thresholds.items()]:
        if not isinstance(value, (int, float)) or not 0.0 <= value <= 1.0:
            raise _fail(source, f"threshold for {name!r} must be a number in [0, 1]")
    known = set(known_themes) if known_themes is not None else None
    rules: dict[str, list[Rule]] = {}
    for theme, body in data["themes"].items():
        if known is not None and theme not in known:
            raise _fail(source, f"unknown theme id `{theme}` (not in the taxonomy)")
        raw_rules = body.get("rules") if isinstance(body, dict) else body
        if not isinstance(raw_rules, list):
            raise _fail(source, f"theme `{theme}` needs a list of rules")
        seen: set[str] = set()
        parsed = []
        for i, raw in enumerate(raw_rules):
            where = f"theme `{theme}` rule #{i + 1}"
            if not isinstance(raw, dict) or not raw.get("id"):
                raise _fail(source, f"{where} needs an `id`")
            rid = str(raw["id"])
            where = f"theme `{theme}` rule `{rid}`"
            if rid in seen:
                raise _fail(source, f"duplicate rule id `{rid}` in theme `{theme}`")
            seen.add(rid)
            weight = raw.get("weight")
            if not isinstance(weight, (int, float)) or isinstance(weight, bool) or not 0.0 < weight <= 1.0:
                raise _fail(source, f"{where}: weight must be a number in (0, 1]")
            rule = Rule(
                theme=theme,
                id=rid,
                weight=float(weight),
                terms=_as_terms(raw.get("terms"), where, source),
                patterns=_as_patterns(raw.get("patterns"), where, source),
                near=_as_side(raw.get("near"), f"{where} near", source),
                unless=_as_side(raw.get("unless"), f"{where} unless", source),
                note=str(raw.get("note", "")),
            )
            if not rule.terms and not rule.patterns:
                raise _fail(source, f"{where} needs terms or patterns")
            parsed.append(rule)
        rules[theme] = parsed
    return Lexicon(
        version=str(data.get("version", "")),
        threshold=float(threshold),
        thresholds={k: float(v) for k, v in thresholds.items()},
        rules=rules,
        text=text,
    )


def default_lexicon_text() -> str:
    return resources.files("tipnlp").joinpath("data", LEXICON_FILE).read_text(encoding="utf-8")


class _RuleEngine:
    """What both matchers share: every rule's parts registered under ``<rule key>::main|near|unless``,
    and the rules applied to the token spans an engine finds (``_scan``)."""

    def __init__(self, lexicon: Lexicon, source: str):
        self.lexicon = lexicon
        self.rules = [r for rs in lexicon.rules.values() for r in rs]
        for rule in self.rules:
            for part, side in (("main", rule), ("near", rule.near), ("unless", rule.unless)):
                if side is None:
                    continue
                try:
                    self._add(f"{rule.key}::{part}", side.terms, side.patterns)
                except ValueError as exc:
                    raise _fail(source, f"theme `{rule.theme}` rule `{rule.id}`: invalid token pattern ({exc})") from exc

    def _add(self, key: str, terms: Sequence[str], patterns: Sequence[Sequence[dict[str, Any]]]) -> None:
        raise NotImplementedError

    def _scan(self, texts: list[str], batch_size: int):
        """Per text: its tokens ``(start, end, text)`` and the token spans found per matcher key."""
        raise NotImplementedError

    def match_many(self, texts: list[str], batch_size: int = 256) -> list[dict[str, list[Match]]]:
        """Rule hits per theme as character spans, in text order, for each text."""
        from tipnlp.classifiers.rule_matcher import sentence_index

        out = []
        for tokens, spans in self._scan(texts, batch_size):
            offsets = [(s, e) for s, e, _ in tokens]
            out.append(apply_rules(self.rules, spans, offsets, lambda tokens=tokens: sentence_index(tokens)))
        return out


class _PlainLexicon(_RuleEngine):
    """The rules matched by :mod:`tipnlp.classifiers.rule_matcher` (plain Python, no spaCy)."""

    def __init__(self, lexicon: Lexicon, source: str):
        from tipnlp.classifiers.rule_matcher import PlainRuleMatcher

        self.matcher = PlainRuleMatcher()
        super().__init__(lexicon, source)

    def _add(self, key, terms, patterns) -> None:
        self.matcher.add(key, terms, patterns)

    def _scan(self, texts, batch_size):
        from tipnlp.classifiers.rule_matcher import tokenize

        for text in texts:
            tokens = tokenize(text)
            yield tokens, self.matcher.spans(tokens)


class _CompiledLexicon(_RuleEngine):
    """The reference: spaCy's tokenizer, one PhraseMatcher and one Matcher holding every rule's parts
    (prefix words such as ``recruit*`` go to the plain matcher, spaCy's per-token REGEX being slow)."""

    def __init__(self, lexicon: Lexicon, source: str):
        from tipnlp._spacy import import_spacy
        from tipnlp.classifiers.rule_matcher import PlainRuleMatcher

        spacy = import_spacy()
        from spacy.matcher import Matcher, PhraseMatcher

        self.nlp = spacy.blank("en")
        self.nlp.max_length = 50_000_000  # tokenizer only: long passages are cheap
        self.phrases = PhraseMatcher(self.nlp.vocab, attr="LOWER")
        self.matcher = Matcher(self.nlp.vocab)
        self.prefixes = PlainRuleMatcher()
        super().__init__(lexicon, source)

    def _add(self, key, terms, patterns) -> None:
        plain = [t for t in terms if "*" not in t]
        if plain:
            self.phrases.add(key, [self.nlp.make_doc(t) for t in plain])
        self.prefixes.add(key, [t for t in terms if "*" in t], ())
        if patterns:
            try:
                self.matcher.add(key, [list(p) for p in patterns])
            except Exception as exc:  # spaCy raises its own MatchPatternError on bad patterns
                raise ValueError(str(exc)) from exc

    def _scan(self, texts, batch_size):
        strings = self.nlp.vocab.strings
        for doc in self.nlp.pipe(texts, batch_size=batch_size):
            tokens = [(t.idx, t.idx + len(t.text), t.text) for t in doc]
            found: dict[str, set[tuple[int, int]]] = defaultdict(set)
            for match_id, start, end in list(self.phrases(doc)) + (list(self.matcher(doc)) if len(self.matcher) else []):
                found[strings[match_id]].add((start, end))
            for key, spans in self.prefixes.spans(tokens).items():
                found[key].update(spans)
            yield tokens, {k: sorted(v) for k, v in found.items()}


def apply_rules(rules, spans, offsets, sentences) -> dict[str, list[Match]]:
    """Rule hits per theme from the token spans of every matcher key (``<rule key>::main|near|unless``):
    proximity (``near``) and veto (``unless``) conditions applied, as character spans in text order.
    ``offsets`` are the tokens' character spans; ``sentences()`` gives every token's sentence number."""
    out: dict[str, list[Match]] = defaultdict(list)
    sentence_of: list[int] | None = None
    for rule in rules:
        main = spans.get(f"{rule.key}::main")
        if not main:
            continue
        if sentence_of is None and (rule.near or rule.unless):
            sentence_of = sentences()
        main = _drop_nested(main)
        if rule.near:
            near = spans.get(f"{rule.key}::near", [])
            hits = []
            for s, e in main:
                best = _nearest(s, e, near, rule.near, sentence_of)
                if best is not None:
                    hits.append((min(s, best[0]), max(e, best[1]), s, e))
        else:
            hits = [(s, e, s, e) for s, e in main]
        if rule.unless:
            veto = spans.get(f"{rule.key}::unless", [])
            hits = [h for h in hits if _nearest(h[2], h[3], veto, rule.unless, sentence_of, allow_overlap=True) is None]
        for s, e, _, _ in hits:
            out[rule.theme].append((offsets[s][0], offsets[e - 1][1], rule.id, rule.weight))
    for theme in out:
        out[theme].sort()
    return dict(out)


def _drop_nested(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Of spans sharing tokens keep the longest ("supply chain" inside "supply chain audit")."""
    kept: list[tuple[int, int]] = []
    for s, e in sorted(spans, key=lambda se: (se[0] - se[1], se[0])):
        if all(e <= ks or s >= ke for ks, ke in kept):
            kept.append((s, e))
    return sorted(kept)


def _nearest(
    s: int,
    e: int,
    others: list[tuple[int, int]],
    side: _Side,
    sentence_of: list[int] | None,
    allow_overlap: bool = False,
) -> tuple[int, int] | None:
    """The span of ``others`` closest to [s, e) that ``side`` accepts (window, direction, sentence)."""
    best, best_gap = None, None
    for os_, oe in others:
        overlap = os_ < e and s < oe
        if overlap and not allow_overlap:
            continue
        if not overlap:
            if side.side == "after" and os_ < e:
                continue
            if side.side == "before" and oe > s:
                continue
        gap = 0 if overlap else max(os_ - e, s - oe)
        if gap > side.window or (best_gap is not None and gap >= best_gap):
            continue
        if side.same_sentence and sentence_of is not None:
            lo, hi = min(s, os_), max(e, oe) - 1
            if sentence_of[lo] != sentence_of[hi]:
                continue
        best, best_gap = (os_, oe), gap
    return best


def score_matches(matches: Sequence[Match]) -> float:
    """``1 - prod(1 - w)`` over distinct rules: repeats of one rule count once."""
    weights: dict[str, float] = {}
    for _, _, rid, w in matches:
        weights[rid] = max(w, weights.get(rid, 0.0))
    miss = 1.0
    for w in weights.values():
        miss *= 1.0 - w
    return float(min(1.0, max(0.0, 1.0 - miss)))


MEMO_SIZE = 4096  # texts whose rule hits are remembered (about one long document's passages)


class LexiconClassifier(ThemeClassifier):
    """Rule-based baseline: scores themes from weighted phrase, pattern and proximity rules."""

    family: ClassVar[str] = "lexicon"

    def __init__(
        self,
        themes: Sequence[str] | None = None,
        default_threshold: float = 0.5,
        lexicon_path: str | Path | None = None,
        matcher: str = "plain",
    ):
        if themes is None:
            from tipnlp.taxonomy import core_theme_ids

            themes = core_theme_ids()
        super().__init__(themes, default_threshold=default_threshold)
        self.lexicon_path = str(lexicon_path) if lexicon_path is not None else None
        if matcher not in MATCHERS:
            raise DataError(f"unknown lexicon matcher {matcher!r}", hint=f"Use one of: {', '.join(MATCHERS)}.")
        self.matcher = matcher
        self._lexicon: Lexicon | None = None
        self._compiled: _RuleEngine | None = None

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config["matcher"] = self.matcher
        return config

    # -- lexicon --------------------------------------------------------------------------------
    @property
    def lexicon(self) -> Lexicon:
        if self._lexicon is None:
            if self.lexicon_path is None:
                text, source = default_lexicon_text(), f"tipnlp/data/{LEXICON_FILE}"
            else:
                try:
                    text = Path(self.lexicon_path).read_text(encoding="utf-8")
                except OSError as exc:
                    raise DataError(f"cannot read lexicon {self.lexicon_path}: {exc}", hint="Check the path.") from exc
                source = self.lexicon_path
            from tipnlp.taxonomy import Taxonomy

            self._lexicon = parse_lexicon(text, source, known_themes=Taxonomy.load().theme_ids)
        return self._lexicon

    def _matchers(self) -> _RuleEngine:
        if self._compiled is None:
            engine = _PlainLexicon if self.matcher == "plain" else _CompiledLexicon
            self._compiled = engine(self.lexicon, self.lexicon_path or LEXICON_FILE)
        return self._compiled

    def __getstate__(self) -> dict[str, Any]:
        # spaCy matchers do not pickle; they are rebuilt on first use (for joblib / dask workers).
        state = self.__dict__.copy()
        state["_compiled"] = None
        state["_memo"] = {}
        return state

    # -- the estimator contract -----------------------------------------------------------------
    def fit(self, texts: Sequence[str] = (), labels: Sequence[Sequence[str]] = ()) -> "LexiconClassifier":
        """Nothing to learn: take the thresholds from the lexicon file."""
        self.thresholds_ = {t: self.lexicon.threshold_for(t) for t in self.themes}
        return self

    def threshold_vector(self) -> np.ndarray:
        if not getattr(self, "thresholds_", None):
            self.fit()
        return super().threshold_vector()

    def match_many(self, texts: Iterable[str], batch_size: int = 256) -> list[dict[str, list[Match]]]:
        """Rule hits per text. Recent results are remembered, so the evidence step after a prediction
        does not tokenise and match the same passages again (safe under threads: a result missing
        from the memo is simply computed)."""
        texts = list(texts)
        memo = self.__dict__.setdefault("_memo", {})
        known = {t: hit for t in dict.fromkeys(texts) if (hit := memo.get(t)) is not None}
        todo = [t for t in dict.fromkeys(texts) if t not in known]
        if todo:
            found = dict(zip(todo, self._matchers().match_many(todo, batch_size)))
            known.update(found)
            if len(memo) + len(found) > MEMO_SIZE:
                memo.clear()
            memo.update(found)
        return [known[t] for t in texts]

    def forget(self) -> None:
        """Drop remembered rule hits (the Tagger calls this after each document, so timings and
        memory never depend on documents seen before)."""
        self.__dict__["_memo"] = {}

    def match(self, text: str) -> dict[str, list[Match]]:
        """Every rule hit in ``text``: theme -> [(start, end, rule id, weight)], character offsets."""
        return self.match_many([text])[0]

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        texts = list(texts)
        proba = np.zeros((len(texts), len(self.themes)), dtype=float)
        for row, hits in enumerate(self.match_many(texts)):
            for col, theme in enumerate(self.themes):
                if theme in hits:
                    proba[row, col] = score_matches(hits[theme])
        return proba

    def evidence(self, text: str, theme: str, limit: int = 3) -> list[tuple[int, int, str]]:
        """The strongest non-overlapping rule hits for ``theme`` as ``(start, end, "lexicon:<rule>")``."""
        hits = sorted(self.match(text).get(theme, []), key=lambda h: (-h[3], h[0]))
        chosen: list[tuple[int, int, str]] = []
        used_rules: set[str] = set()
        for start, end, rid, _ in hits:
            if len(chosen) >= limit:
                break
            if rid in used_rules or any(start < ce and cs < end for cs, ce, _ in chosen):
                continue
            used_rules.add(rid)
            chosen.append((start, end, f"lexicon:{rid}"))
        return sorted(chosen)

    # -- persistence ----------------------------------------------------------------------------
    def save(self, path: str | Path, extra: dict[str, Any] | None = None) -> Path:
        if not getattr(self, "thresholds_", None):
            self.fit()
        info = {"lexicon_version": self.lexicon.version}
        return super().save(path, extra={**info, **(extra or {})})

    def _save_state(self, path: Path) -> None:
        (path / LEXICON_FILE).write_text(self.lexicon.text, encoding="utf-8")

    def _load_state(self, path: Path) -> None:
        self.lexicon_path = str(path / LEXICON_FILE)
        self._lexicon = None
        self._compiled = None
        self._memo = {}
        self.lexicon  # parse now so a broken model directory fails at load time


__all__ = ["LexiconClassifier", "Lexicon", "Rule", "parse_lexicon", "score_matches", "default_lexicon_text"]
