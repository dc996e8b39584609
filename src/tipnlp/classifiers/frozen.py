"""Fitted TF-IDF vectorisers and linear models frozen into plain arrays, for inference without scikit-learn.

Why: importing scikit-learn costs about 1.3 s (it pulls scipy.stats), more than tagging a short
document takes. Training still uses scikit-learn; the saved model holds only vocabularies, idf
weights and coefficients, and scoring is a few numpy gathers per passage. ``FrozenTfidf`` reproduces
``TfidfVectorizer.transform`` (word or ``char_wb`` analyzer, lower-casing, n-grams, sublinear tf,
idf, l2 norm) exactly; a test checks it against scikit-learn.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

import numpy as np

_WHITE = re.compile(r"\s\s+")


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
        if self.lowercase:
            text = text.lower()
        lo, hi = self.ngram_range
        if self.analyzer == "char_wb":
            text = _WHITE.sub(" ", text)
            out = []
            for w in text.split():
                w = " " + w + " "
                wl = len(w)
                for n in range(lo, hi + 1):
                    offset = 0
                    out.append(w[offset:offset + n])
                    while offset + n < wl:
                        offset += 1
                        out.append(w[offset:offset + n])
                    if offset == 0:  # a word shorter than n counts once
                        break
            return out
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

    def transform_one(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """(column indices, values) of one text's l2-normalised TF-IDF row."""
        if self.analyzer == "char_wb":
            t = text.lower() if self.lowercase else text
            parts = [self._char_word(w) for w in _WHITE.sub(" ", t).split()]
            if not parts:
                return np.zeros(0, dtype=np.int64), np.zeros(0)
            idx, tf = np.unique(np.concatenate(parts), return_counts=True)
            if not len(idx):
                return idx, np.zeros(0)
            tf = tf.astype(np.float64)
        else:
            # count every term first (in C), then look up each distinct term once
            vocab = self.vocabulary
            found = [(j, c) for term, c in Counter(self._terms(text)).items() if (j := vocab.get(term)) is not None]
            if not found:
                return np.zeros(0, dtype=np.int64), np.zeros(0)
            idx = np.fromiter((j for j, _ in found), dtype=np.int64, count=len(found))
            tf = np.fromiter((c for _, c in found), dtype=np.float64, count=len(found))
        if self.sublinear_tf:
            tf = np.log(tf) + 1.0
        val = tf * self.idf[idx]
        norm = np.sqrt((val * val).sum())
        return idx, (val / norm if norm > 0 else val)

    def transform(self, texts: Sequence[str]) -> list[tuple[np.ndarray, np.ndarray]]:
        return [self.transform_one(t) for t in texts]

    def dot(self, texts: Sequence[str], weights: np.ndarray) -> np.ndarray:
        """(n, k) products of each text's row with ``weights`` (k, size): linear scores, no matrix built."""
        out = np.zeros((len(texts), weights.shape[0]))
        for i, t in enumerate(texts):
            idx, val = self.transform_one(t)
            if len(idx):
                out[i] = weights[:, idx] @ val
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


def load_frozen(path: Path) -> tuple[dict[str, FrozenTfidf | None], dict[str, np.ndarray], dict[str, Any]]:
    payload = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
    with np.load(path.with_suffix(".npz"), allow_pickle=False) as data:
        arrays = {k: data[k] for k in data.files}
    vecs = {name: (FrozenTfidf.from_state(st, arrays[f"idf__{name}"]) if st is not None else None)
            for name, st in payload["vectorizers"].items()}
    return vecs, {k: v for k, v in arrays.items() if not k.startswith("idf__")}, payload["meta"]
