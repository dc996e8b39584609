"""A sentence-aware, context-aware linear model: the passage is scored from its sentences and its setting.

Why: a bag of n-grams over the whole passage misses one training mandate inside a long list of
duties and cannot tell a "Definitions" section from an offence. This family adds, to the passage's
word n-grams:

- **sentence scores**: a sentence model (word n-grams, one logistic regression per theme, trained on
  sentences that inherit their passage's labels) scores every sentence; the passage gets the
  highest and the mean of the two highest sentence scores per theme (max pooling). The best sentence
  is the evidence a reviewer reads. In training, those features come from out-of-fold sentence
  models (grouped by document when the inputs say which), so the passage model does not learn to
  trust memorised sentences;
- **context**: the heading path (its own n-grams) and the document type;
- **codebook conditions** (``tipnlp/data/conditions.yaml``): patterns that must hold in one sentence
  together (organs AND sale; training AND officials AND trafficking; the victim AND not AND
  prosecuted), and some that mark the codebook's hard negatives.

The passage model is one class-weighted logistic regression per theme, Platt-calibrated on
cross-validated margins (:mod:`tipnlp.classifiers.linear`). Inputs are strings, or mappings / records
with ``text`` and optionally ``heading``, ``doc_type`` and ``doc_id``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np

from tipnlp.doc_types import DOC_TYPES
from tipnlp.classifiers.base import ThemeClassifier
from tipnlp.records import as_record, corpus_rows

STATE_FILE = "context"  # context.json (vocabularies) + context.npz (weights)
CONDITIONS_FILE = "conditions.yaml"
MEMO_SIZE = 16384  # passages whose sentence scores are remembered for the evidence step (a 1,000-page PDF: ~4,300)

# Sentence-like units: sentence ends, semicolons closing list items, and new lines that open a
# numbered or lettered item (a long list of duties is scored item by item).
_SPLIT = re.compile(
    r"(?<=[.!?;:])\s+(?=[\"'“(\[]?[A-Z0-9(])"
    r"|\n\s*(?=(?:\(?[a-zA-Z0-9]{1,4}[.)]|[•\-–*])\s)"
    r"|\n\s*\n"
)


def sentence_spans(text: str, min_chars: int = 25) -> list[tuple[int, int]]:
    """Character spans of the sentence-like units of ``text`` (short pieces join their neighbour)."""
    spans: list[tuple[int, int]] = []
    start = 0
    for m in _SPLIT.finditer(text):
        end = m.start()
        if text[start:end].strip():
            spans.append((start, end))
        start = m.end()
    if text[start:].strip():
        spans.append((start, len(text)))
    merged: list[tuple[int, int]] = []
    for s, e in spans:
        if merged and (len(text[merged[-1][0]:merged[-1][1]].strip()) < min_chars or len(text[s:e].strip()) < min_chars):
            merged[-1] = (merged[-1][0], e)
        else:
            merged.append((s, e))
    out = []
    for s, e in merged:  # trim whitespace so spans show clean text
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        out.append((s, e))
    return out or [(0, len(text))]


@dataclass(frozen=True)
class Condition:
    id: str
    theme: str
    all: tuple[re.Pattern, ...]
    none: tuple[re.Pattern, ...] = ()
    # the same patterns with their letters lower-cased, run on a lower-cased sentence: Python's re is
    # about twice as fast without IGNORECASE (used where lower-casing keeps the sentence's length)
    all_lower: tuple[re.Pattern, ...] = ()
    none_lower: tuple[re.Pattern, ...] = ()
    # for each pattern of ``all_lower``: words one of which every match contains (None: not known)
    all_literals: tuple[tuple[str, ...] | None, ...] = ()

    def possible(self, text: str, lower: str) -> bool:
        """False when the condition cannot hold in any sentence of ``text`` (``lower``: its lower-cased
        form): a required pattern found nowhere in the passage is found in none of its sentences.
        Lets a passage skip the per-sentence tests of most conditions."""
        if self.all_lower and len(lower) == len(text):
            for words in self.all_literals:  # a substring test is far cheaper than the pattern
                if words is not None and not any(w in lower for w in words):
                    return False
            return all(p.search(lower) for p in self.all_lower)
        return all(p.search(text) for p in self.all)

    def match(self, sentence: str) -> list[tuple[int, int]] | None:
        """Spans of the matched words when the condition holds in ``sentence``, else None."""
        lower = sentence.lower()
        if self.all_lower and len(lower) == len(sentence):
            sentence, required, excluded = lower, self.all_lower, self.none_lower
        else:
            required, excluded = self.all, self.none
        if any(p.search(sentence) for p in excluded):
            return None
        spans = []
        for p in required:
            m = p.search(sentence)
            if m is None:
                return None
            spans.append(m.span())
        return spans


def _lower_pattern(pattern: str) -> str:
    """Lower-case a pattern's letters but not its escapes (``\\B``, ``\\W`` keep their meaning)."""
    out, i = [], 0
    while i < len(pattern):
        if pattern[i] == "\\" and i + 1 < len(pattern):
            out.append(pattern[i:i + 2])
            i += 2
        else:
            out.append(pattern[i].lower())
            i += 1
    return "".join(out)


def _leading_literals(pattern: str) -> tuple[str, ...] | None:
    """Words one of which every match of ``pattern`` must contain: the literal start of the pattern, or of
    each alternative of its first group (``\\b(organs?|tissues?)`` -> ``organ``, ``tissue``); None when
    the pattern starts otherwise (a class, an optional group) and no such words are known."""
    from re import _constants as sre
    from re import _parser

    def prefix(items) -> str:
        out = []
        for op, av in items:
            if op is not sre.LITERAL:
                break
            out.append(chr(av))
        return "".join(out)

    try:  # the regex parser is CPython's own module: if it ever changes, skip the shortcut, not the test
        items = list(_parser.parse(pattern))
    except Exception:
        return None
    for i, (op, av) in enumerate(items):
        if op is sre.AT:  # \b and anchors match no text
            continue
        if op is sre.LITERAL:
            return (prefix(items[i:]),)
        if op is sre.SUBPATTERN:
            body = list(av[-1])
            if len(body) == 1 and body[0][0] is sre.BRANCH:
                alternatives = [prefix(list(a)) for a in body[0][1][1]]
            else:
                alternatives = [prefix(body)]
            return tuple(dict.fromkeys(alternatives)) if all(alternatives) else None
        return None
    return None


def load_conditions(text: str | None = None) -> tuple[str, list[Condition]]:
    """The condition file's text and its compiled conditions (the packaged file by default)."""
    from tipnlp._yaml import safe_load

    if text is None:
        text = resources.files("tipnlp.data").joinpath(CONDITIONS_FILE).read_text(encoding="utf-8")
    data = safe_load(text) or {}
    out = []
    for c in data.get("conditions", []):
        out.append(Condition(
            id=c["id"], theme=c["theme"],
            all=tuple(re.compile(p, re.IGNORECASE) for p in c.get("all", [])),
            none=tuple(re.compile(p, re.IGNORECASE) for p in c.get("none", [])),
            all_lower=tuple(re.compile(_lower_pattern(p)) for p in c.get("all", [])),
            none_lower=tuple(re.compile(_lower_pattern(p)) for p in c.get("none", [])),
            all_literals=tuple(_leading_literals(_lower_pattern(p)) for p in c.get("all", [])),
        ))
    return text, out


class ContextSentenceClassifier(ThemeClassifier):
    family = "context"
    accepts_records = True

    def __init__(
        self,
        themes: Sequence[str],
        default_threshold: float = 0.5,
        C: float = 4.0,
        sentence_C: float = 4.0,
        word_ngrams: tuple[int, int] = (1, 2),
        max_features: int = 80000,
        min_df: int = 2,
        class_weight: str | None = "balanced",
        calibration_folds: int = 3,
        sentence_folds: int = 2,
        use_sentences: bool = True,
        use_heading: bool = True,
        use_doc_type: bool = True,
        use_conditions: bool = True,
        dense_weight: float = 1.0,
        char_ngrams: tuple[int, int] | None = None,
        max_char_features: int = 60000,
        sentence_labels: str = "inherit",
        random_state: int = 0,
    ):
        super().__init__(themes, default_threshold)
        self.C = C
        self.sentence_C = sentence_C
        self.word_ngrams = tuple(word_ngrams)
        self.max_features = max_features
        self.min_df = min_df
        self.class_weight = class_weight
        self.calibration_folds = calibration_folds
        self.sentence_folds = sentence_folds
        self.use_sentences = use_sentences
        self.use_heading = use_heading
        self.use_doc_type = use_doc_type
        self.use_conditions = use_conditions
        self.dense_weight = dense_weight
        self.char_ngrams = tuple(char_ngrams) if char_ngrams else None
        self.max_char_features = max_char_features
        if sentence_labels not in ("inherit", "best"):
            raise ValueError(f"sentence_labels must be 'inherit' or 'best', got {sentence_labels!r}")
        self.sentence_labels = sentence_labels
        self.random_state = random_state

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update(
            C=self.C, sentence_C=self.sentence_C, word_ngrams=list(self.word_ngrams), max_features=self.max_features,
            min_df=self.min_df, class_weight=self.class_weight, calibration_folds=self.calibration_folds,
            sentence_folds=self.sentence_folds, use_sentences=self.use_sentences, use_heading=self.use_heading,
            use_doc_type=self.use_doc_type, use_conditions=self.use_conditions, dense_weight=self.dense_weight,
            char_ngrams=list(self.char_ngrams) if self.char_ngrams else None, max_char_features=self.max_char_features,
            sentence_labels=self.sentence_labels, random_state=self.random_state,
        )
        return config

    # -- pieces ---------------------------------------------------------------------------------
    def _vectorizer(self, ngrams=None, max_features=None):
        from sklearn.feature_extraction.text import TfidfVectorizer

        return TfidfVectorizer(
            ngram_range=tuple(ngrams or self.word_ngrams), min_df=self.min_df,
            max_features=max_features or self.max_features, sublinear_tf=True, lowercase=True,
            token_pattern=r"(?u)\b[a-zA-Z][a-zA-Z]+\b", dtype=np.float32,
        )

    @property
    def conditions(self) -> list[Condition]:
        if getattr(self, "_conditions", None) is None:
            self.conditions_text_, self._conditions = load_conditions(getattr(self, "conditions_text_", None))
        return self._conditions

    def _split(self, records: Sequence[dict[str, str]]) -> tuple[list[str], np.ndarray, list[list[tuple[int, int]]]]:
        """All sentences, the passage index of each, and each passage's sentence spans."""
        sentences: list[str] = []
        owner: list[int] = []
        spans_all = []
        for i, r in enumerate(records):
            spans = sentence_spans(r["text"])
            spans_all.append(spans)
            for s, e in spans:
                sentences.append(r["text"][s:e])
                owner.append(i)
        return sentences, np.asarray(owner, dtype=int), spans_all

    def _candidates(self, text: str) -> list[int]:
        """Indices of the conditions that could hold in some sentence of ``text`` (``Condition.possible``)."""
        lower = text.lower()
        return [k for k, c in enumerate(self.conditions) if c.possible(text, lower)]

    def _condition_block(self, records: Sequence[dict[str, str]], spans_all,
                         candidates: Sequence[list[int]] | None = None) -> np.ndarray:
        conds = self.conditions
        block = np.zeros((len(records), len(conds)), dtype=np.float32)
        for i, r in enumerate(records):
            maybe = candidates[i] if candidates is not None else self._candidates(r["text"])
            if not maybe:
                continue
            sents = [r["text"][s:e] for s, e in spans_all[i]]
            for k in maybe:
                if any(conds[k].match(s) is not None for s in sents):
                    block[i, k] = 1.0
        return block

    @staticmethod
    def _pool(sent_proba: np.ndarray, owner: np.ndarray, n: int) -> np.ndarray:
        """Per passage and theme: the best sentence score and the mean of the best two."""
        k = sent_proba.shape[1]
        best = np.zeros((n, k))
        second = np.zeros((n, k))
        for row, i in enumerate(owner):
            p = sent_proba[row]
            higher = p > best[i]
            second[i] = np.where(higher, best[i], np.maximum(second[i], p))
            best[i] = np.where(higher, p, best[i])
        return np.hstack([best, (best + second) / 2])

    def _sentence_models(self, x, y, keep: np.ndarray | None = None):
        """One sentence model per theme; ``keep`` (sentences x themes, boolean) leaves rows out of a theme's fit."""
        from sklearn.linear_model import LogisticRegression

        models = []
        for j in range(y.shape[1]):
            rows = slice(None) if keep is None else keep[:, j]
            yj = y[rows, j]
            if 0 < yj.sum() < len(yj):
                models.append(LogisticRegression(C=self.sentence_C, class_weight=self.class_weight, max_iter=2000,
                                                 solver="liblinear").fit(x[rows], yj))
            else:
                models.append(None)
        return models

    @staticmethod
    def _best_sentences(scores: np.ndarray, ys: np.ndarray, owner: np.ndarray) -> np.ndarray:
        """Multiple-instance labels: in a passage with a theme, only its best-scoring sentence for that theme
        (and any other scoring at least 0.5) keeps the label; its other sentences are left out of that theme's
        fit rather than taught as positives (a long list of duties holds one training mandate). Sentences of
        passages without the theme stay negatives."""
        keep = np.ones(ys.shape, dtype=bool)
        for j in range(ys.shape[1]):
            pos = np.flatnonzero(ys[:, j] == 1)
            if not len(pos):
                continue
            best: dict[int, int] = {}
            for row in pos:
                i = owner[row]
                if i not in best or scores[row, j] > scores[best[i], j]:
                    best[i] = row
            chosen = set(best.values())
            for row in pos:
                if row not in chosen and scores[row, j] < 0.5:
                    keep[row, j] = False
        return keep

    @staticmethod
    def _sentence_proba(models, x) -> np.ndarray:
        out = np.zeros((x.shape[0], len(models)))
        for j, m in enumerate(models):
            if m is not None:
                out[:, j] = m.predict_proba(x)[:, 1]
        return out

    def _features(self, records, sentence_pool: np.ndarray | None, spans_all):
        from scipy.sparse import csr_matrix, hstack

        blocks = [self.word_vectorizer_.transform([r["text"] for r in records])]
        if self.char_ngrams:
            blocks.append(self.char_vectorizer_.transform([r["text"] for r in records]))
        if self.use_heading:
            blocks.append(self.heading_vectorizer_.transform([r["heading"] for r in records]))
        dense = self._dense(records, sentence_pool, spans_all)
        if dense.shape[1]:  # dense_weight (in _dense): how much the regulariser lets these few features speak
            blocks.append(csr_matrix(dense))
        return hstack(blocks, format="csr")

    # -- learning -------------------------------------------------------------------------------
    def fit(self, inputs: Sequence[Any], labels: Sequence[Sequence[str]]) -> "ContextSentenceClassifier":
        from sklearn.model_selection import GroupKFold, KFold

        from tipnlp.classifiers.linear import fit_calibrated_linear

        records = [as_record(x) for x in inputs]
        y = self.label_matrix(labels)
        self.__dict__.pop("_names", None)
        self.forget()  # sentence scores remembered from an earlier fit are stale
        self.word_vectorizer_ = self._vectorizer().fit([r["text"] for r in records])
        if self.char_ngrams:
            from sklearn.feature_extraction.text import TfidfVectorizer

            self.char_vectorizer_ = TfidfVectorizer(
                analyzer="char_wb", ngram_range=self.char_ngrams, min_df=self.min_df,
                max_features=self.max_char_features, sublinear_tf=True, lowercase=True, dtype=np.float32,
            ).fit([r["text"] for r in records])
        if self.use_heading:
            self.heading_vectorizer_ = self._vectorizer(ngrams=(1, 2), max_features=20000).fit(
                [r["heading"] or "none" for r in records])
        sentences, owner, spans_all = self._split(records)
        pool = None
        if self.use_sentences:
            self.sentence_vectorizer_ = self._vectorizer().fit(sentences)
            xs = self.sentence_vectorizer_.transform(sentences)
            ys = y[owner]
            # out-of-fold sentence scores for the passage model (grouped by document when known)
            groups = np.array([records[i]["doc_id"] or f"#{i}" for i in owner])
            n_groups = len(set(groups))
            oof = np.zeros((len(sentences), len(self.themes)))
            if n_groups >= self.sentence_folds >= 2:
                splitter = GroupKFold(n_splits=self.sentence_folds) if len(set(r["doc_id"] for r in records)) > 1 \
                    else KFold(n_splits=self.sentence_folds, shuffle=True, random_state=self.random_state)
                passage_groups = groups if isinstance(splitter, GroupKFold) else None
                folds = list(splitter.split(xs, groups=passage_groups))
                for tr, te in folds:
                    models = self._sentence_models(xs[tr], ys[tr])
                    oof[te] = self._sentence_proba(models, xs[te])
            keep = None
            if self.sentence_labels == "best" and n_groups >= self.sentence_folds >= 2:
                # second pass: each positive passage's sentences judged by the first pass's out-of-fold scores
                keep = self._best_sentences(oof, ys, owner)
                for tr, te in folds:
                    models = self._sentence_models(xs[tr], ys[tr], keep[tr])
                    oof[te] = self._sentence_proba(models, xs[te])
            self.sentence_models_ = self._sentence_models(xs, ys, keep)
            pool = self._pool(oof, owner, len(records))
        x = self._features(records, pool, spans_all)
        doc_groups = np.array([r["doc_id"] or f"#{i}" for i, r in enumerate(records)])
        known = len({r["doc_id"] for r in records if r["doc_id"]}) >= self.calibration_folds
        # transient (not saved): calibrated scores of documents each calibration fold did not see
        self.oof_proba_ = np.full(y.shape, np.nan)
        self.coef_, self.intercept_, self.platt_ = fit_calibrated_linear(
            x, y, C=self.C, class_weight=self.class_weight, folds=self.calibration_folds,
            random_state=self.random_state, solver="liblinear", groups=doc_groups if known else None,
            oof_out=self.oof_proba_, calibrate=corpus_rows(doc_groups),
        )
        self.n_features_in_ = x.shape[1]
        self._freeze()
        return self

    # -- inference without scikit-learn ---------------------------------------------------------
    def _freeze(self) -> None:
        """Vocabularies, idf weights and coefficients as plain arrays (see tipnlp.classifiers.frozen)."""
        from tipnlp.classifiers.frozen import FrozenTfidf

        self.frozen_ = {"word": FrozenTfidf.from_sklearn(self.word_vectorizer_)}
        blocks = [("word", self.frozen_["word"].size)]
        if self.char_ngrams:
            self.frozen_["char"] = FrozenTfidf.from_sklearn(self.char_vectorizer_)
            blocks.append(("char", self.frozen_["char"].size))
        if self.use_heading:
            self.frozen_["heading"] = FrozenTfidf.from_sklearn(self.heading_vectorizer_)
            blocks.append(("heading", self.frozen_["heading"].size))
        blocks.append(("dense", self.coef_.shape[1] - sum(n for _, n in blocks)))
        self.blocks_ = blocks
        if self.use_sentences:
            self.frozen_["sentence"] = FrozenTfidf.from_sklearn(self.sentence_vectorizer_)
            d = self.frozen_["sentence"].size
            coef = np.zeros((len(self.themes), d), dtype=np.float32)
            intercept = np.full(len(self.themes), -30.0)
            for j, m in enumerate(self.sentence_models_):
                if m is not None:
                    coef[j] = m.coef_[0]
                    intercept[j] = m.intercept_[0]
            self.sentence_coef_, self.sentence_intercept_ = coef, intercept

    def _sentence_scores_frozen(self, sentences: Sequence[str]) -> np.ndarray:
        z = self.frozen_["sentence"].dot(sentences, self.sentence_coef_) + self.sentence_intercept_[None, :]
        return 1.0 / (1.0 + np.exp(-z))

    def _dense(self, records, pool, spans_all, candidates=None) -> np.ndarray:
        dense = []
        if self.use_doc_type:
            onehot = np.zeros((len(records), len(DOC_TYPES)), dtype=np.float32)
            for i, r in enumerate(records):
                if r["doc_type"] in DOC_TYPES:
                    onehot[i, DOC_TYPES.index(r["doc_type"])] = 1.0
            dense.append(onehot)
        if self.use_conditions:
            dense.append(self._condition_block(records, spans_all, candidates))
        if self.use_sentences and pool is not None:
            dense.append(pool.astype(np.float32))
        if not dense:
            return np.zeros((len(records), 0))
        return np.hstack(dense) * self.dense_weight

    def _score(self, inputs: Sequence[Any]):
        records = [as_record(x) for x in inputs]
        sentences, owner, spans_all = self._split(records)
        candidates = [self._candidates(r["text"]) for r in records] if self.use_conditions else None
        sent_proba = None
        pool = None
        if self.use_sentences:
            sent_proba = self._sentence_scores_frozen(sentences)
            pool = self._pool(sent_proba, owner, len(records))
        margins = np.tile(self.intercept_[None, :], (len(records), 1)).astype(np.float64)
        col = 0
        for name, n in self.blocks_:
            w = self.coef_[:, col:col + n]
            if name == "dense":
                margins += self._dense(records, pool, spans_all, candidates) @ w.T
            else:
                texts = [r["heading"] for r in records] if name == "heading" else [r["text"] for r in records]
                margins += self.frozen_[name].dot(texts, w)
            col += n
        self._remember(records, spans_all, sent_proba, owner, candidates)
        return records, margins, sent_proba, owner, spans_all

    def _remember(self, records, spans_all, sent_proba, owner, candidates) -> None:
        """Keep each passage's sentence spans, sentence scores and possible conditions, so the
        evidence step after a prediction does not split and score the same passages again
        (bounded; the Tagger calls ``forget`` after each document)."""
        memo = self.__dict__.setdefault("_memo", {})
        if len(memo) + len(records) > MEMO_SIZE:
            memo.clear()
            if len(records) > MEMO_SIZE:  # a bulk scoring run (training, evaluation): nothing worth keeping
                return
        if sent_proba is None:
            sent_proba = np.zeros((len(owner), len(self.themes)))
        ends = np.cumsum(np.bincount(owner, minlength=len(records))) if len(owner) else np.zeros(len(records), int)
        start = 0
        for i, r in enumerate(records):
            end = int(ends[i])
            memo[r["text"]] = (spans_all[i], sent_proba[start:end], candidates[i] if candidates is not None else None)
            start = end

    def forget(self) -> None:
        """Drop what ``_remember`` kept (timings and memory never depend on earlier documents)."""
        self.__dict__["_memo"] = {}

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state["_memo"] = {}
        return state

    def predict_proba(self, inputs: Sequence[Any]) -> np.ndarray:
        if not len(inputs):
            return np.zeros((0, len(self.themes)))
        from tipnlp.classifiers.linear import calibrated_proba

        _, margins, *_ = self._score(inputs)
        return calibrated_proba(margins, self.platt_)

    def _remembered(self, text: str) -> tuple | None:
        """(sentence spans, sentence scores, possible conditions) kept by the prediction just made."""
        return self.__dict__.get("_memo", {}).get(text)

    def sentence_scores(self, text: str) -> tuple[list[tuple[int, int]], np.ndarray]:
        """Each sentence's span and its per-theme sentence-model scores (for evidence and review)."""
        hit = self._remembered(text)
        if hit is not None:
            return hit[0], hit[1]
        spans = sentence_spans(text)
        if not self.use_sentences:
            return spans, np.zeros((len(spans), len(self.themes)))
        return spans, self._sentence_scores_frozen([text[s:e] for s, e in spans])

    # -- evidence -------------------------------------------------------------------------------
    def evidence(self, text: str, theme: str, limit: int = 3) -> list[tuple[int, int, str]]:
        """The sentence that decided (highest sentence score for ``theme``), then the words of the
        codebook conditions that hold inside it: a span a reviewer can check against the codebook."""
        if isinstance(text, Mapping) or not isinstance(text, str):
            text = as_record(text)["text"]
        j = self.themes.index(theme)
        spans, scores = self.sentence_scores(text)
        if not spans:
            return []
        hit = self._remembered(text)
        maybe = set(hit[2] if hit is not None and hit[2] is not None else self._candidates(text))
        positive = [c for k, c in enumerate(self.conditions)
                    if k in maybe and c.theme == theme and c.id not in NEGATIVE_CONDITIONS]
        hits = [[(c, c.match(text[s:e])) for c in positive] for s, e in spans]
        hits = [[(c, h) for c, h in row if h] for row in hits]
        # the sentence model's score, nudged towards sentences where a codebook condition holds
        rank = scores[:, j] + 0.25 * np.minimum([len(row) for row in hits], 2)
        best = int(np.argmax(rank))
        s, e = spans[best]
        out = [(s, e, f"sentence:{scores[best, j]:.2f}")]
        seen: set[tuple[int, int]] = set()
        for c, spans_c in hits[best]:
            for a, b in spans_c:
                if (a, b) not in seen and len(out) < limit + 1:
                    seen.add((a, b))
                    out.append((s + a, s + b, f"condition:{c.id}"))
        return out

    # -- persistence ----------------------------------------------------------------------------
    def _save_state(self, path: Path) -> None:
        from tipnlp.classifiers.frozen import save_frozen

        _ = self.conditions  # make sure the condition text is known
        arrays = {"coef": self.coef_.astype(np.float32), "intercept": self.intercept_, "platt": self.platt_}
        if self.use_sentences:
            arrays.update(sentence_coef=self.sentence_coef_, sentence_intercept=self.sentence_intercept_)
        save_frozen(path / STATE_FILE, self.frozen_, arrays, {"blocks": self.blocks_})
        (path / CONDITIONS_FILE).write_text(self.conditions_text_, encoding="utf-8")

    def _load_state(self, path: Path) -> None:
        from tipnlp.classifiers.frozen import load_frozen

        self.frozen_, arrays, meta = load_frozen(path / STATE_FILE)
        self.blocks_ = [tuple(b) for b in meta["blocks"]]
        self.coef_, self.intercept_, self.platt_ = arrays["coef"], arrays["intercept"], arrays["platt"]
        if self.use_sentences:
            self.sentence_coef_, self.sentence_intercept_ = arrays["sentence_coef"], arrays["sentence_intercept"]
        self.n_features_in_ = self.coef_.shape[1]
        self.conditions_text_ = (path / CONDITIONS_FILE).read_text(encoding="utf-8")
        self._conditions = None


# Conditions that mark the codebook's hard negatives: features, never shown as evidence.
NEGATIVE_CONDITIONS = {"organ_procedure_only", "trafficker_prosecuted", "training_other_subject", "victims_training",
                       "definitions_clause"}
