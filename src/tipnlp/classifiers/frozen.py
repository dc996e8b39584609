"""Fitted TF-IDF vectorisers and linear models frozen into plain arrays, for inference without scikit-learn.

Why: importing scikit-learn costs about 1.3 s (it pulls scipy.stats), more than tagging a short
document takes. Training still uses scikit-learn; the saved model holds only vocabularies, idf
weights and coefficients, and scoring counts each passage's terms, then weighs and sums a whole batch
in a few numpy calls. ``FrozenTfidf`` reproduces ``TfidfVectorizer.transform`` (word or ``char_wb``
analyzer, lower-casing, n-grams, sublinear tf, idf, l2 norm); ``tests/test_frozen.py`` checks it against
scikit-learn.
"""

from __future__ import annotations

import hashlib
import json
import re
import weakref
from collections import Counter
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from itertools import repeat
from pathlib import Path
from typing import Any, Sequence

import numpy as np

# Word n-gram counts shared, within one ``shared_term_counts()`` block, by the vectorisers that cut
# text the same way (the ensemble's members and the OP ranker all read each passage): counted once.
# Bounded: a 1,000-page document's counts would hold ~150 MB; the first texts' are kept (~20 MB at most).
SHARED_TEXTS = 1000
SHARED_ROWS = 1_000_000  # non-zero TF-IDF entries kept for a second model (~24 MB; a 100-page PDF needs ~0.35 M)


@dataclass
class _Shared:
    counts: dict = field(default_factory=dict)  # vectoriser settings -> {text: Counter of its n-grams}
    rows: dict = field(default_factory=dict)  # (vectoriser id, texts) -> (rows, columns, values)
    rows_kept: int = 0


_SHARED: ContextVar[_Shared | None] = ContextVar("tipnlp_shared_term_counts", default=None)


@contextmanager
def shared_term_counts():
    """Within the block, word vectorisers with the same settings count each text's n-grams once.
    Nothing outlives the block, so no document's counts serve another (nor flatter a timing)."""
    token = _SHARED.set(_Shared())
    try:
        yield
    finally:
        _SHARED.reset(token)


@dataclass
class FrozenTfidf:
    analyzer: str
    ngram_range: tuple[int, int]
    token_pattern: str | None
    lowercase: bool
    sublinear_tf: bool
    vocabulary: dict[str, int]
    idf: np.ndarray

    @classmethod
    def from_sklearn(cls, vec: Any) -> "FrozenTfidf":
        if vec.analyzer not in ("word", "char_wb") or vec.norm != "l2" or not vec.use_idf:
            raise ValueError("only word/char_wb TF-IDF with idf and l2 norm can be frozen")
        return cls(analyzer=vec.analyzer, ngram_range=tuple(vec.ngram_range), token_pattern=vec.token_pattern,
                   lowercase=bool(vec.lowercase), sublinear_tf=bool(vec.sublinear_tf),
                   vocabulary={str(k): int(v) for k, v in vec.vocabulary_.items()},
                   idf=np.asarray(vec.idf_, dtype=np.float64))

    @property
    def size(self) -> int:
        return len(self.idf)

    def _terms(self, text: str) -> list[str]:
        """Word n-grams of ``text`` (word analyzer; character n-grams go word by word, ``_char_word``)."""
        if self.lowercase:
            text = text.lower()
        lo, hi = self.ngram_range
        if not hasattr(self, "_rx"):
            self._rx = re.compile(self.token_pattern)
        tokens = self._rx.findall(text)
        if hi == 1:
            return tokens
        out = list(tokens) if lo == 1 else []
        for n in range(max(lo, 2), min(hi + 1, len(tokens) + 1)):
            # the n-grams in order, joined in C (zip of shifted token lists) rather than token by token
            out.extend(map(" ".join, zip(*(tokens[k:] for k in range(n)))))
        return out

    def _char_word(self, w: str) -> np.ndarray:
        """Vocabulary indices of one word's char_wb n-grams (cached: words repeat, n-grams per word do not change)."""
        cache = self.__dict__.setdefault("_wcache", {})
        hit = cache.get(w)
        if hit is None:
            if len(cache) > 300_000:
                cache.clear()
            vocab = self.vocabulary
            lo, hi = self.ngram_range
            padded = " " + w + " "
            wl = len(padded)
            out = []
            for n in range(lo, hi + 1):
                offset = 0
                j = vocab.get(padded[offset:offset + n])
                if j is not None:
                    out.append(j)
                while offset + n < wl:
                    offset += 1
                    j = vocab.get(padded[offset:offset + n])
                    if j is not None:
                        out.append(j)
                if offset == 0:
                    break
            hit = cache[w] = np.asarray(out, dtype=np.int64)
        return hit

    def _counts(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(row, column, count) of every vocabulary term of every text, rows in order.

        Why batched: a passage's own work is only counting its terms (in C, with ``Counter``); the
        vocabulary look-ups, weighting and norms run once over the whole batch, not as a dozen small
        numpy calls per sentence."""
        n = len(texts)
        if self.analyzer == "char_wb":
            parts: list[np.ndarray] = []
            words_per_text = np.zeros(n, dtype=np.int64)
            for i, text in enumerate(texts):
                # str.split() breaks on the same white space as scikit-learn's \s\s+ clean-up, so none is needed
                words = (text.lower() if self.lowercase else text).split()
                parts.extend(map(self._char_word, words))
                words_per_text[i] = len(words)
            sizes = np.fromiter(map(len, parts), dtype=np.int64, count=len(parts))
            if not sizes.sum():  # no text holds an n-gram the vocabulary knows
                return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0)
            owners = np.repeat(np.repeat(np.arange(n, dtype=np.int64), words_per_text), sizes)
            keys = owners * self.size + np.concatenate(parts)
            keys.sort()  # equal (text, n-gram) keys side by side: count the runs
            first = np.empty(len(keys), dtype=bool)
            first[0] = True
            np.not_equal(keys[1:], keys[:-1], out=first[1:])
            starts = np.flatnonzero(first)
            counts = np.diff(np.append(starts, len(keys))).astype(np.float64)
            keys = keys[starts]
            return keys // self.size, keys % self.size, counts
        terms: list[str] = []
        tallies: list[int] = []
        lengths = np.zeros(n, dtype=np.int64)
        shared = _SHARED.get()
        store = None if shared is None else shared.counts.setdefault(
            (self.analyzer, self.ngram_range, self.token_pattern, self.lowercase), {})
        for i, text in enumerate(texts):
            c = None if store is None else store.get(text)
            if c is None:
                c = Counter(self._terms(text))
                if store is not None and len(store) < SHARED_TEXTS:
                    store[text] = c
            terms.extend(c)
            tallies.extend(c.values())
            lengths[i] = len(c)
        cols = np.fromiter(map(self.vocabulary.get, terms, repeat(-1)), dtype=np.int64, count=len(terms))
        rows = np.repeat(np.arange(n, dtype=np.int64), lengths)
        known = cols >= 0
        return rows[known], cols[known], np.asarray(tallies, dtype=np.float64)[known]

    def _weighted(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(row, column, value) of the texts' l2-normalised TF-IDF rows."""
        rows, cols, tf = self._counts(texts)
        if self.sublinear_tf:
            tf = np.log(tf) + 1.0
        val = tf * self.idf[cols]
        norm = np.sqrt(np.bincount(rows, weights=val * val, minlength=len(texts)))
        norm[norm == 0] = 1.0
        return rows, cols, val / norm[rows]

    def transform_one(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """(column indices, values) of one text's l2-normalised TF-IDF row."""
        _, cols, val = self._weighted([text])
        return cols, val

    def transform(self, texts: Sequence[str]) -> list[tuple[np.ndarray, np.ndarray]]:
        rows, cols, val = self._weighted(texts)
        cut = np.searchsorted(rows, np.arange(1, len(texts)))
        return list(zip(np.split(cols, cut), np.split(val, cut)))

    def dot(self, texts: Sequence[str], weights: np.ndarray, batch: int = 256) -> np.ndarray:
        """(n, k) products of each text's row with ``weights`` (k, size): linear scores, no matrix built.
        Inside ``shared_term_counts()`` the rows of a batch are computed once per vectoriser, so models
        whose saved vectorisers are identical (loaded as one object) share them."""
        out = np.zeros((len(texts), weights.shape[0]))
        shared = _SHARED.get()
        for lo in range(0, len(texts), batch):
            chunk = texts[lo:lo + batch]
            key = (id(self), tuple(chunk)) if shared is not None and self.__dict__.get("shared_") else None
            hit = None if key is None else shared.rows.get(key)
            if hit is None:
                hit = self._weighted(chunk)
                if key is not None and shared.rows_kept + len(hit[2]) <= SHARED_ROWS:
                    shared.rows[key] = hit
                    shared.rows_kept += len(hit[2])
            rows, cols, val = hit
            for j in range(weights.shape[0]):
                out[lo:lo + len(chunk), j] = np.bincount(rows, weights=weights[j, cols] * val, minlength=len(chunk))
        return out

    # -- persistence ----------------------------------------------------------------------------
    def to_state(self) -> dict[str, Any]:
        terms = [""] * len(self.vocabulary)
        for term, j in self.vocabulary.items():
            terms[j] = term
        return {"analyzer": self.analyzer, "ngram_range": list(self.ngram_range), "token_pattern": self.token_pattern,
                "lowercase": self.lowercase, "sublinear_tf": self.sublinear_tf, "terms": terms}

    @classmethod
    def from_state(cls, state: dict[str, Any], idf: np.ndarray) -> "FrozenTfidf":
        return cls(analyzer=state["analyzer"], ngram_range=tuple(state["ngram_range"]),
                   token_pattern=state["token_pattern"], lowercase=state["lowercase"],
                   sublinear_tf=state["sublinear_tf"], vocabulary=dict(zip(state["terms"], range(len(state["terms"])))),
                   idf=np.asarray(idf, dtype=np.float64))


def save_frozen(path: Path, vectorizers: dict[str, FrozenTfidf | None], arrays: dict[str, np.ndarray],
                meta: dict[str, Any]) -> None:
    """One JSON file (vocabularies, settings) and one compressed npz (idf weights, coefficients)."""
    states = {name: (v.to_state() if v is not None else None) for name, v in vectorizers.items()}
    payload = {"vectorizers": states, "meta": meta}
    (path.with_suffix(".json")).write_text(json.dumps(payload), encoding="utf-8")
    idfs = {f"idf__{name}": v.idf for name, v in vectorizers.items() if v is not None}
    np.savez_compressed(path.with_suffix(".npz"), **idfs, **arrays)


# Vectorisers loaded so far, by content: the ensemble's members were fitted on the same texts with the
# same settings, so their character n-gram vectorisers are identical; loaded once, one object serves both
# (one vocabulary in memory, one word cache, and their rows computed once per call, see ``dot``).
_LOADED: "weakref.WeakValueDictionary[tuple, FrozenTfidf]" = weakref.WeakValueDictionary()


def _load_vectorizer(state: dict[str, Any], idf: np.ndarray) -> FrozenTfidf:
    key = (state["analyzer"], tuple(state["ngram_range"]), state["token_pattern"], state["lowercase"],
           state["sublinear_tf"], len(state["terms"]), hash(tuple(state["terms"])),
           hashlib.sha256(np.ascontiguousarray(idf, dtype=np.float64).tobytes()).hexdigest())
    known = _LOADED.get(key)
    if known is not None and list(known.vocabulary) == state["terms"]:
        known.shared_ = True  # a second model scores with it: ``dot`` keeps its rows for that model
        return known
    vec = _LOADED[key] = FrozenTfidf.from_state(state, idf)
    return vec


def load_frozen(path: Path) -> tuple[dict[str, FrozenTfidf | None], dict[str, np.ndarray], dict[str, Any]]:
    payload = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
    with np.load(path.with_suffix(".npz"), allow_pickle=False) as data:
        arrays = {k: data[k] for k in data.files}
    vecs = {name: (_load_vectorizer(st, arrays[f"idf__{name}"]) if st is not None else None)
            for name, st in payload["vectorizers"].items()}
    return vecs, {k: v for k, v in arrays.items() if not k.startswith("idf__")}, payload["meta"]
