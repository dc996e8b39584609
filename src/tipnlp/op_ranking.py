"""Rank the operative paragraphs (OPs) of a tagged theme by reading the passage.

Which OP a passage implements depends on the passage, not only on its theme: a statute requiring
transparency statements implements OP 35, a company's own supplier audits OP 36, a hotel chain in a
sector initiative OP 43. For every theme with several OPs the ranker holds one multinomial logistic
regression over that theme's OPs, learned from the OP gold (``corpora/gold/ops.jsonl``). Features:
the passage's word n-grams, its heading's n-grams, the document type, and the passage's similarity
to each OP's profile (``tipnlp/data/op_profiles.yaml``, the project's own wording). Its output per
(passage, theme) is a probability for each of the theme's OPs; the most probable is the primary OP,
and others count as secondary when their probability reaches ``secondary_threshold_``.

Without a fitted model for a theme (no OP gold), the profile similarities alone rank its OPs.
The estimator contract holds: ``fit`` returns self and learned state lives in ``attr_`` attributes.
"""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np

from tipnlp.doc_types import DOC_TYPES
from tipnlp.records import as_record
from tipnlp.taxonomy import Taxonomy, load_taxonomy

RANKER_FILE = "op_ranker"  # op_ranker.json (vocabularies) + op_ranker.npz (weights)
PROFILES_FILE = "op_profiles.yaml"


def load_profiles(text: str | None = None) -> tuple[dict[str, dict[int, str]], dict[str, dict[int, "Cue"]]]:
    """theme -> OP -> profile text (summary and aspects joined), and theme -> OP -> its cues."""
    from tipnlp._yaml import safe_load

    if text is None:
        text = resources.files("tipnlp.data").joinpath(PROFILES_FILE).read_text(encoding="utf-8")
    data = safe_load(text) or {}
    out: dict[str, dict[int, str]] = {}
    cues: dict[str, dict[int, Cue]] = {}
    for theme, ops in (data.get("profiles") or {}).items():
        out[theme] = {int(op): " ".join([p.get("summary", "")] + list(p.get("aspects", []))) for op, p in ops.items()}
        cues[theme] = {
            int(op): Cue(*(re.compile(p[key], re.IGNORECASE) if p.get(key) else None
                           for key in ("cues", "cues_absent", "requires")))
            for op, p in ops.items() if p.get("cues") or p.get("cues_absent") or p.get("requires")
        }
    return out, cues


class Cue:
    """An OP's cue feature: how often its typical words occur (capped at 5, scaled to 0–1), plus 1 when
    a pattern that marks a competing OP is absent (``cues_absent``: e.g. a training-theme passage that
    never speaks of training is guidance itself, OP 46, not a training mandate, OP 38). ``requires``:
    the OP is never given to a passage without this pattern (OP 39 only where organs are named)."""

    __slots__ = ("present", "absent", "required")

    def __init__(self, present: "re.Pattern | None", absent: "re.Pattern | None" = None,
                 required: "re.Pattern | None" = None):
        self.present, self.absent, self.required = present, absent, required

    def allows(self, text: str) -> bool:
        return self.required is None or self.required.search(text) is not None

    def value(self, text: str) -> float:
        v = min(len(self.present.findall(text)), 5) / 5.0 if self.present is not None else 0.0
        if self.absent is not None and not self.absent.search(text):
            v += 1.0
        return v


class OpRanker:
    """Per theme, probabilities over the theme's OPs for a passage; primary = the most probable."""

    def __init__(self, taxonomy: Taxonomy | None = None, C: float = 4.0, profile_weight: float = 1.0,
                 cue_weight: float = 1.0, secondary_threshold: float = 0.3, random_state: int = 0):
        self.taxonomy = taxonomy or load_taxonomy()
        self.cue_weight = cue_weight
        self.C = C
        self.profile_weight = profile_weight
        self.secondary_threshold = secondary_threshold
        self.random_state = random_state
        self.profiles_text_: str | None = None
        self.models_: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
        self.secondary_threshold_ = secondary_threshold

    # -- candidates and features ----------------------------------------------------------------
    def candidates(self, theme: str) -> list[int]:
        """The theme's OPs in taxonomy order (its first-listed OP first)."""
        if theme not in self.taxonomy:
            return []
        return [op.number for op in self.taxonomy.ops_for_theme(theme)]

    @property
    def profiles(self) -> dict[str, dict[int, str]]:
        if getattr(self, "_profiles", None) is None:
            if self.profiles_text_ is None:
                self.profiles_text_ = resources.files("tipnlp.data").joinpath(PROFILES_FILE).read_text(encoding="utf-8")
            self._profiles, self._cues = load_profiles(self.profiles_text_)
        return self._profiles

    @property
    def cues(self) -> dict[str, dict[int, Cue]]:
        _ = self.profiles
        return self._cues

    def _vectorizers(self, texts: Sequence[str], headings: Sequence[str], min_df: int = 2) -> None:
        from sklearn.feature_extraction.text import TfidfVectorizer

        kw = dict(sublinear_tf=True, lowercase=True, token_pattern=r"(?u)\b[a-zA-Z][a-zA-Z]+\b", dtype=np.float32)
        self.vectorizer_ = TfidfVectorizer(ngram_range=(1, 2), min_df=min_df, max_features=50000, **kw).fit(
            list(texts) + [p for ops in self.profiles.values() for p in ops.values()])
        self.heading_vectorizer_ = TfidfVectorizer(ngram_range=(1, 2), min_df=1, max_features=10000, **kw).fit(
            [h or "none" for h in headings] + ["none"])

    def _profile_sims(self, x, theme: str) -> np.ndarray:
        cands = self.candidates(theme)
        prof = self.profiles.get(theme, {})
        texts = [prof.get(op, "") for op in cands]
        p = self.vectorizer_.transform(texts)
        return np.asarray((x @ p.T).toarray()) if hasattr(x @ p.T, "toarray") else np.asarray(x @ p.T)

    def _features(self, records: Sequence[dict[str, str]], theme: str):
        from scipy.sparse import csr_matrix, hstack

        x = self.vectorizer_.transform([r["text"] for r in records])
        h = self.heading_vectorizer_.transform([r["heading"] for r in records])
        onehot = np.zeros((len(records), len(DOC_TYPES)), dtype=np.float32)
        for i, r in enumerate(records):
            if r["doc_type"] in DOC_TYPES:
                onehot[i, DOC_TYPES.index(r["doc_type"])] = 1.0
        sims = self._profile_sims(x, theme) * self.profile_weight
        cue = self._cue_block(records, theme)
        blocks = [x, h, csr_matrix(onehot), csr_matrix(sims.astype(np.float32)), csr_matrix(cue * self.cue_weight)]
        return hstack(blocks, format="csr"), sims

    # -- learning -------------------------------------------------------------------------------
    def fit(self, inputs: Sequence[Any], op_gold: Sequence[Mapping[str, Mapping[str, Any]]]) -> "OpRanker":
        """``op_gold[i]``: theme -> {"primary": op, "secondary": [...]} for passage ``inputs[i]``."""
        from sklearn.linear_model import LogisticRegression

        records = [as_record(x) for x in inputs]
        self._vectorizers([r["text"] for r in records], [r["heading"] for r in records])
        self.models_ = {}
        for theme in self.taxonomy.theme_ids:
            cands = self.candidates(theme)
            rows = [i for i, g in enumerate(op_gold) if theme in g and g[theme].get("primary") in cands]
            if len(cands) < 2 or not rows:
                continue
            y = np.array([op_gold[i][theme]["primary"] for i in rows])
            if len(set(y)) < 2:
                continue
            x, _ = self._features([records[i] for i in rows], theme)
            lr = LogisticRegression(C=self.C, max_iter=3000, random_state=self.random_state).fit(x, y)
            self.models_[theme] = (lr.classes_.astype(int), lr.coef_.astype(np.float32), lr.intercept_.astype(np.float64))
        self._freeze()
        return self

    # -- inference without scikit-learn ---------------------------------------------------------
    def _freeze(self) -> None:
        from tipnlp.classifiers.frozen import FrozenTfidf

        self.frozen_ = {"text": FrozenTfidf.from_sklearn(self.vectorizer_),
                        "heading": FrozenTfidf.from_sklearn(self.heading_vectorizer_)}
        self._profile_matrices()

    def _profile_only(self) -> None:
        """Vocabulary and idf from the OP profiles alone (no OP gold, no scikit-learn), built once
        under a lock so threads sharing a Tagger never see half of it."""
        import threading

        from tipnlp.classifiers.frozen import FrozenTfidf

        with self.__dict__.setdefault("_lock", threading.Lock()):
            if hasattr(self, "frozen_"):
                return
            pattern = r"(?u)\b[a-zA-Z][a-zA-Z]+\b"
            probe = FrozenTfidf("word", (1, 2), pattern, True, True, {}, np.zeros(0))
            docs = [set(probe._terms(t)) for ops in self.profiles.values() for t in ops.values()]
            vocab = {term: j for j, term in enumerate(sorted(set().union(*docs)))}
            df = np.zeros(len(vocab))
            for d in docs:
                for term in d:
                    df[vocab[term]] += 1
            idf = np.log((1 + len(docs)) / (1 + df)) + 1.0  # scikit-learn's smoothed idf
            text = FrozenTfidf("word", (1, 2), pattern, True, True, vocab, idf)
            heading = FrozenTfidf("word", (1, 2), pattern, True, True, {"none": 0}, np.ones(1))
            frozen = {"text": text, "heading": heading}
            self._profile_rows_for(frozen)
            self.frozen_ = frozen  # last: a thread that sees frozen_ sees the profile rows too

    def _profile_rows_for(self, frozen) -> None:
        rows_by_theme = {}
        f = frozen["text"]
        for theme in self.profiles:
            cands = self.candidates(theme)
            rows = np.zeros((len(cands), f.size), dtype=np.float32)
            for j, op in enumerate(cands):
                idx, val = f.transform_one(self.profiles[theme].get(op, ""))
                rows[j, idx] = val
            rows_by_theme[theme] = rows
        self.profile_rows_ = rows_by_theme

    def _profile_matrices(self) -> None:
        """Each theme's OP profiles as dense rows over the text vocabulary (for similarities)."""
        self._profile_rows_for(self.frozen_)

    def _frozen_parts(self, records: Sequence[dict[str, str]], theme: str):
        """The same features as ``_features``, as separate dense blocks and per-text sparse rows."""
        cands = self.candidates(theme)
        texts = [r["text"] for r in records]
        sims = (self.frozen_["text"].dot(texts, self.profile_rows_[theme]) if theme in self.profile_rows_
                else np.zeros((len(records), len(cands))))
        onehot = np.zeros((len(records), len(DOC_TYPES)))
        for i, r in enumerate(records):
            if r["doc_type"] in DOC_TYPES:
                onehot[i, DOC_TYPES.index(r["doc_type"])] = 1.0
        return texts, onehot, sims, self._cue_block(records, theme)

    def _cue_block(self, records, theme) -> np.ndarray:
        cands = self.candidates(theme)
        patterns = self.cues.get(theme, {})
        cue = np.zeros((len(records), len(cands)), dtype=np.float32)
        for i, r in enumerate(records):
            text = r["heading"] + "\n" + r["text"]
            for j, op in enumerate(cands):
                pat = patterns.get(op)
                if pat is not None:
                    cue[i, j] = pat.value(text)
        return cue

    def predict_proba(self, inputs: Sequence[Any], theme: str) -> tuple[list[int], np.ndarray]:
        """The theme's OPs and an (n, n_ops) array of probabilities (rows sum to 1)."""
        records = [as_record(x) for x in inputs]
        cands = self.candidates(theme)
        if not cands or not records:
            return cands, np.zeros((len(records), len(cands)))
        if len(cands) == 1:
            return cands, np.ones((len(records), 1))
        if not hasattr(self, "frozen_"):  # unfitted: the profiles alone define the vocabulary
            self._profile_only()
        texts, onehot, sims, cue = self._frozen_parts(records, theme)
        model = self.models_.get(theme)
        if model is None:  # profile similarity alone, sharpened
            z = sims * 10.0
        else:
            classes, coef, intercept = model
            v, h = self.frozen_["text"].size, self.frozen_["heading"].size
            n = len(cands)
            zc = (self.frozen_["text"].dot(texts, coef[:, :v])
                  + self.frozen_["heading"].dot([r["heading"] for r in records], coef[:, v:v + h])
                  + onehot @ coef[:, v + h:v + h + len(DOC_TYPES)].T
                  + (sims * self.profile_weight) @ coef[:, v + h + len(DOC_TYPES):v + h + len(DOC_TYPES) + n].T
                  + (cue * self.cue_weight) @ coef[:, v + h + len(DOC_TYPES) + n:].T
                  + intercept[None, :])
            if zc.shape[1] == 1:  # binary model: one column for classes[1]
                zc = np.hstack([-zc / 2, zc / 2])
            z = np.full((len(records), len(cands)), -1e3)
            for k, op in enumerate(classes):
                z[:, cands.index(int(op))] = zc[:, k]
            # OPs never seen in training keep a small share through their profile similarity
            unseen = [cands.index(op) for op in cands if op not in set(int(c) for c in classes)]
            for j in unseen:
                z[:, j] = zc.min(axis=1) - 2.0 + sims[:, j] * 4.0
        z = self._apply_requirements(z, records, theme)
        z = z - z.max(axis=1, keepdims=True)
        p = np.exp(z)
        return cands, p / p.sum(axis=1, keepdims=True)

    def _apply_requirements(self, z: np.ndarray, records: Sequence[dict[str, str]], theme: str) -> np.ndarray:
        """OPs whose profile ``requires`` a pattern the passage lacks get no probability (unless
        every OP of the theme is ruled out, when the scores stand)."""
        cues = self.cues.get(theme, {})
        ruled = [(j, cue) for j, op in enumerate(self.candidates(theme))
                 if (cue := cues.get(op)) is not None and cue.required is not None]
        if not ruled:
            return z
        z = z.copy()
        for i, r in enumerate(records):
            text = r["heading"] + "\n" + r["text"]
            out = [j for j, cue in ruled if not cue.allows(text)]
            if out and len(out) < z.shape[1]:
                z[i, out] = -np.inf
        return z

    def rank(self, inputs: Sequence[Any], themes_per_input: Sequence[Sequence[str]]) -> list[dict[str, list[tuple[int, float]]]]:
        """Per passage, per theme: (op, probability) from most to least probable (ruled-out OPs left out)."""
        out: list[dict[str, list[tuple[int, float]]]] = [{} for _ in inputs]
        by_theme: dict[str, list[int]] = {}
        for i, themes in enumerate(themes_per_input):
            for t in themes:
                by_theme.setdefault(t, []).append(i)
        for theme, idx in by_theme.items():
            cands, proba = self.predict_proba([inputs[i] for i in idx], theme)
            for row, i in enumerate(idx):
                order = np.argsort(-proba[row], kind="stable")
                # an OP ruled out by its profile's ``requires`` has probability 0 and is not listed
                out[i][theme] = [(cands[k], float(proba[row, k])) for k in order if proba[row, k] > 0.0]
        return out

    def link(self, inputs: Sequence[Any], themes_per_input: Sequence[Sequence[str]]):
        """OP links per passage: ``(per theme: ranked OpLinks with the primary marked, passage-level
        OpLinks)``. The passage level holds every theme's primary OP and the secondary OPs whose
        probability reaches ``secondary_threshold_``, so every tag has at least one OP."""
        from tipnlp.records import OpLink

        ranked = self.rank(inputs, themes_per_input)
        out = []
        for per_theme in ranked:
            theme_links: dict[str, tuple[OpLink, ...]] = {}
            best: dict[int, OpLink] = {}
            for theme, ops in per_theme.items():
                links = tuple(OpLink(op=op, score=p, themes=(theme,), primary=(k == 0)) for k, (op, p) in enumerate(ops))
                theme_links[theme] = links
                for link in links:
                    if not (link.primary or link.score >= self.secondary_threshold_):
                        continue
                    prev = best.get(link.op)
                    if prev is None:
                        best[link.op] = link
                    else:
                        best[link.op] = OpLink(op=link.op, score=max(prev.score, link.score),
                                               themes=tuple(dict.fromkeys(prev.themes + link.themes)),
                                               primary=prev.primary or link.primary)
            passage = tuple(sorted(best.values(), key=lambda o: (not o.primary, -o.score, o.op)))
            out.append((theme_links, passage))
        return out

    # -- persistence ----------------------------------------------------------------------------
    def save(self, path: str | Path) -> None:
        import json

        from tipnlp.classifiers.frozen import save_frozen

        _ = self.profiles
        arrays, themes = {}, {}
        for theme, (classes, coef, intercept) in self.models_.items():
            themes[theme] = len(themes)
            arrays[f"classes_{themes[theme]}"] = classes
            arrays[f"coef_{themes[theme]}"] = coef
            arrays[f"intercept_{themes[theme]}"] = intercept
        meta = {"C": self.C, "profile_weight": self.profile_weight, "cue_weight": self.cue_weight,
                "secondary_threshold": self.secondary_threshold_, "themes": themes}
        save_frozen(Path(path) / RANKER_FILE, getattr(self, "frozen_", {"text": None, "heading": None}), arrays, meta)
        (Path(path) / PROFILES_FILE).write_text(self.profiles_text_ or "", encoding="utf-8")
        json.dumps(meta)

    @classmethod
    def load(cls, path: str | Path | None, taxonomy: Taxonomy | None = None) -> "OpRanker":
        """From a model directory; without a saved ranker, the profile-only ranker."""
        from tipnlp.classifiers.frozen import load_frozen

        base = Path(path) / RANKER_FILE if path else None
        ranker = cls(taxonomy)
        if base is None or not base.with_suffix(".json").is_file():
            return ranker
        vecs, arrays, meta = load_frozen(base)
        ranker.C, ranker.profile_weight, ranker.cue_weight = meta["C"], meta["profile_weight"], meta["cue_weight"]
        ranker.secondary_threshold_ = meta["secondary_threshold"]
        profiles = Path(path) / PROFILES_FILE
        ranker.profiles_text_ = profiles.read_text(encoding="utf-8") if profiles.is_file() else None
        ranker.models_ = {t: (arrays[f"classes_{i}"], arrays[f"coef_{i}"], arrays[f"intercept_{i}"])
                          for t, i in meta["themes"].items()}
        if vecs.get("text") is not None:
            ranker.frozen_ = vecs
            ranker._profile_matrices()
        return ranker
