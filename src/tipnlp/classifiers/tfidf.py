"""TF-IDF word and character n-grams with one class-weighted logistic regression per theme.

Probabilities are calibrated with Platt scaling fitted on cross-validated decision values of the
training data (so the stored model is one linear model per theme plus two numbers, small on disk).
Evidence for a theme is the word n-grams of the passage that push its score up the most.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from tipnlp.classifiers.base import ThemeClassifier

STATE_FILE = "tfidf.joblib"
FROZEN_FILE = "tfidf_frozen"  # tfidf_frozen.json + .npz: scoring without scikit-learn (see classifiers.frozen)
LEXICON_FILE = "lexicon.yaml"


def _texts_and_groups(inputs: Sequence[Any]) -> tuple[list[str], list[str] | None]:
    """Texts from strings or records; document ids when every record names one (for grouped folds)."""
    texts, groups = [], []
    for x in inputs:
        if isinstance(x, str):
            texts.append(x)
            groups.append("")
        else:
            texts.append(x.get("text", "") if isinstance(x, dict) else getattr(x, "text", ""))
            groups.append((x.get("doc_id") if isinstance(x, dict) else getattr(x, "doc_id", "")) or "")
    return texts, (groups if all(groups) else None)


class TfidfLinearClassifier(ThemeClassifier):
    family = "tfidf"
    accepts_records = True  # reads only the text; a record's doc_id groups the calibration folds

    def __init__(
        self,
        themes: Sequence[str],
        default_threshold: float = 0.5,
        C: float = 4.0,
        word_ngrams: tuple[int, int] = (1, 2),
        char_ngrams: tuple[int, int] = (3, 5),
        max_word_features: int = 60000,
        max_char_features: int = 60000,
        min_df: int = 2,
        class_weight: str | None = "balanced",
        calibration_folds: int = 5,
        lexicon_features: str = "none",
        random_state: int = 0,
        nb_alpha: float | None = None,
        written_weight: float = 1.0,
    ):
        super().__init__(themes, default_threshold)
        self.C = C
        self.word_ngrams = tuple(word_ngrams)
        self.char_ngrams = tuple(char_ngrams)
        self.max_word_features = max_word_features
        self.max_char_features = max_char_features
        self.min_df = min_df
        self.class_weight = class_weight
        self.calibration_folds = calibration_folds
        if lexicon_features not in ("none", "scores", "rules"):
            raise ValueError("lexicon_features must be 'none', 'scores' or 'rules'")
        self.lexicon_features = lexicon_features
        self.random_state = random_state
        self.nb_alpha = nb_alpha  # naive-Bayes feature scaling (classifiers.nb_scaling); None: plain LR
        self.written_weight = written_weight  # weight of the passages the project wrote, corpus rows 1

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update(
            C=self.C, word_ngrams=list(self.word_ngrams), char_ngrams=list(self.char_ngrams),
            max_word_features=self.max_word_features, max_char_features=self.max_char_features,
            min_df=self.min_df, class_weight=self.class_weight, calibration_folds=self.calibration_folds,
            lexicon_features=self.lexicon_features, random_state=self.random_state,
        )
        if self.nb_alpha is not None:  # absent from older configs: they load as before
            config["nb_alpha"] = self.nb_alpha
        if self.written_weight != 1.0:
            config["written_weight"] = self.written_weight
        return config

    # -- features -------------------------------------------------------------------------------
    def _build_vectorizers(self):
        from sklearn.feature_extraction.text import TfidfVectorizer

        word = TfidfVectorizer(
            ngram_range=self.word_ngrams, min_df=self.min_df, max_features=self.max_word_features,
            sublinear_tf=True, lowercase=True, token_pattern=r"(?u)\b[a-zA-Z][a-zA-Z]+\b", dtype=np.float32,
        )
        char = TfidfVectorizer(
            analyzer="char_wb", ngram_range=self.char_ngrams, min_df=self.min_df,
            max_features=self.max_char_features, sublinear_tf=True, lowercase=True, dtype=np.float32,
        )
        return word, char

    def _lexicon(self):
        """The rule tagger whose hits become features (its rules are saved with the model)."""
        if getattr(self, "_lexicon_model", None) is None:
            from tipnlp.classifiers.lexicon import LexiconClassifier

            self._lexicon_model = LexiconClassifier(themes=self.themes, lexicon_path=getattr(self, "lexicon_path_", None)).fit()
        return self._lexicon_model

    def _lexicon_block(self, texts: Sequence[str]):
        """The lexicon features as a sparse block, to stack with the TF-IDF blocks."""
        from scipy.sparse import csr_matrix

        return csr_matrix(self._lexicon_dense(texts))

    def _lexicon_dense(self, texts: Sequence[str]) -> np.ndarray:
        """Per theme the lexicon score and, with "rules", one column per rule (its strongest hit).
        Dense, so frozen scoring needs no scipy import."""
        from tipnlp.classifiers.lexicon import score_matches

        lexicon = self._lexicon()
        hits = lexicon.match_many(texts)
        rule_index = getattr(self, "rule_index_", {})
        width = len(self.themes) + (len(rule_index) if self.lexicon_features == "rules" else 0)
        block = np.zeros((len(texts), width), dtype=np.float32)
        for row, by_theme in enumerate(hits):
            for col, theme in enumerate(self.themes):
                matches = by_theme.get(theme, [])
                if not matches:
                    continue
                block[row, col] = score_matches(matches)
                if self.lexicon_features == "rules":
                    for _, _, rule, weight in matches:
                        k = rule_index.get(f"{theme}:{rule}")
                        if k is not None:
                            block[row, len(self.themes) + k] = max(block[row, len(self.themes) + k], weight)
        return block

    def forget(self) -> None:
        """Drop the lexicon's remembered rule hits (see ``LexiconClassifier.forget``)."""
        if getattr(self, "_lexicon_model", None) is not None:
            self._lexicon_model.forget()

    def _features(self, texts: Sequence[str]):
        from scipy.sparse import hstack

        blocks = [self.word_vectorizer_.transform(texts), self.char_vectorizer_.transform(texts)]
        if self.lexicon_features != "none":
            blocks.append(self._lexicon_block(texts))
        return hstack(blocks, format="csr")

    # -- learning -------------------------------------------------------------------------------
    def fit(self, texts: Sequence[str], labels: Sequence[Sequence[str]]) -> "TfidfLinearClassifier":
        from tipnlp.classifiers.linear import fit_calibrated_linear
        from tipnlp.records import corpus_rows

        texts, groups = _texts_and_groups(texts)
        y = self.label_matrix(labels)
        self.__dict__.pop("_names", None)  # the evidence cache belongs to the old vocabulary
        self.word_vectorizer_, self.char_vectorizer_ = self._build_vectorizers()
        self.word_vectorizer_.fit(texts)
        self.char_vectorizer_.fit(texts)
        if self.lexicon_features != "none":
            lexicon = self._lexicon().lexicon
            self.lexicon_text_ = lexicon.text
            self.rule_index_ = {}
            for theme in self.themes:
                for rule in lexicon.rules.get(theme, []):
                    self.rule_index_.setdefault(f"{theme}:{rule.id}", len(self.rule_index_))
        x = self._features(texts)
        grouped = groups is not None and len(set(groups)) >= self.calibration_folds
        # with document ids: calibration folds keep documents whole, and their out-of-fold scores
        # (transient, not saved) can tune thresholds without refitting
        self.oof_proba_ = np.full(y.shape, np.nan) if grouped else None
        corpus = corpus_rows(groups) if groups is not None else None
        weighted = corpus is not None and self.written_weight != 1.0
        weights = np.where(corpus, 1.0, self.written_weight) if weighted else None
        self.coef_, self.intercept_, self.platt_ = fit_calibrated_linear(
            x, y, C=self.C, class_weight=self.class_weight, folds=self.calibration_folds,
            random_state=self.random_state, solver="liblinear",
            groups=np.array(groups) if grouped else None, oof_out=self.oof_proba_,
            calibrate=corpus, nb_alpha=self.nb_alpha, sample_weight=weights,
        )
        self.n_features_in_ = x.shape[1]
        self._freeze()
        return self

    def _freeze(self) -> None:
        from tipnlp.classifiers.frozen import FrozenTfidf

        self.frozen_ = {"word": FrozenTfidf.from_sklearn(self.word_vectorizer_),
                        "char": FrozenTfidf.from_sklearn(self.char_vectorizer_)}

    def decision_function(self, texts: Sequence[Any]) -> np.ndarray:
        texts = _texts_and_groups(texts)[0]
        frozen = getattr(self, "frozen_", None)
        if frozen is None:
            x = self._features(texts)
            return np.asarray(x @ self.coef_.T) + self.intercept_[None, :]
        # the same linear scores from frozen vocabularies: no scikit-learn import at inference
        nw, nc = frozen["word"].size, frozen["char"].size
        z = frozen["word"].dot(texts, self.coef_[:, :nw]) + frozen["char"].dot(texts, self.coef_[:, nw:nw + nc])
        if self.lexicon_features != "none":
            z += self._lexicon_dense(texts) @ self.coef_[:, nw + nc:].T
        return z + self.intercept_[None, :]

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        if not len(texts):
            return np.zeros((0, len(self.themes)))
        from tipnlp.classifiers.linear import calibrated_proba

        return calibrated_proba(self.decision_function(texts), self.platt_)

    # -- evidence -------------------------------------------------------------------------------
    def evidence(self, text: str, theme: str, limit: int = 3) -> list[tuple[int, int, str]]:
        """Rule hits when the lexicon has any for ``theme``; otherwise the word n-grams that raise
        ``theme`` most. Rule hits are not padded with n-grams: next to a matched phrase, a weakly
        weighted word ("part", "of trafficking") reads to a reviewer as a reason it is not."""
        spans: list[tuple[int, int, str]] = []
        if self.lexicon_features != "none":
            spans = self._lexicon().evidence(text, theme, limit)
        if spans:
            return spans
        j = self.themes.index(theme)
        row = self.word_vectorizer_.transform([text])
        n_word = len(self.word_vectorizer_.vocabulary_)
        contrib = row.multiply(self.coef_[j, :n_word]).tocsr()
        if contrib.nnz == 0:
            return spans
        order = np.argsort(-contrib.data)
        names = self._feature_names()
        content = self._content_terms
        for k in order:
            if contrib.data[k] <= 0 or len(spans) >= limit:
                break
            if not content[contrib.indices[k]]:
                continue
            term = names[contrib.indices[k]]
            pattern = r"\b" + r"\W+".join(map(re.escape, term.split())) + r"\b"
            m = re.search(pattern, text, flags=re.IGNORECASE)
            if m and not any(s < m.end() and m.start() < e for s, e, _ in spans):
                spans.append((m.start(), m.end(), f"tfidf:{term}"))
        return sorted(spans)

    def _feature_names(self) -> np.ndarray:
        """Word n-gram names, and (``_content_terms``) which of them are more than stop words: both
        computed once per model, off the per-passage path."""
        if not hasattr(self, "_names"):
            from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

            names = self.word_vectorizer_.get_feature_names_out()
            self._content_terms = np.array([not all(w in ENGLISH_STOP_WORDS for w in t.split()) for t in names])
            self._names = names  # last, so a thread that sees _names also sees _content_terms
        return self._names

    # -- persistence ----------------------------------------------------------------------------
    def _save_state(self, path: Path) -> None:
        import joblib

        from tipnlp.classifiers.frozen import save_frozen

        if getattr(self, "frozen_", None) is None:
            self._freeze()
        save_frozen(path / FROZEN_FILE, self.frozen_,
                    {"coef": self.coef_.astype(np.float32), "intercept": np.asarray(self.intercept_, dtype=np.float64),
                     "platt": np.asarray(self.platt_, dtype=np.float64)},
                    {"rule_index": getattr(self, "rule_index_", {})})
        state = {
            "word_vectorizer": self.word_vectorizer_, "char_vectorizer": self.char_vectorizer_,
            "coef": self.coef_.astype(np.float32), "intercept": self.intercept_, "platt": self.platt_,
            "rule_index": getattr(self, "rule_index_", {}),
        }
        joblib.dump(state, path / STATE_FILE, compress=3)
        if self.lexicon_features != "none":
            (path / LEXICON_FILE).write_text(self.lexicon_text_, encoding="utf-8")

    def _load_state(self, path: Path) -> None:
        self._path = path
        if (path / f"{FROZEN_FILE}.json").is_file():
            from tipnlp.classifiers.frozen import load_frozen

            vecs, arrays, meta = load_frozen(path / FROZEN_FILE)
            self.frozen_ = vecs
            self.coef_, self.intercept_, self.platt_ = arrays["coef"], arrays["intercept"], arrays["platt"]
            self.rule_index_ = meta.get("rule_index", {})
            self.n_features_in_ = self.coef_.shape[1]
            self._load_lexicon(path)
            return  # the scikit-learn vectorizers are read only if n-gram evidence asks for them
        self._load_sklearn(path)

    def __getattr__(self, name: str) -> Any:
        # word_vectorizer_/char_vectorizer_ of a model loaded frozen: read on first use (evidence)
        if name in ("word_vectorizer_", "char_vectorizer_") and "_path" in self.__dict__:
            self._load_sklearn(self.__dict__["_path"], vectorizers_only=True)
            return self.__dict__[name]
        raise AttributeError(name)

    def _load_lexicon(self, path: Path) -> None:
        if self.lexicon_features != "none":
            self.lexicon_path_ = str(path / LEXICON_FILE)
            self.lexicon_text_ = (path / LEXICON_FILE).read_text(encoding="utf-8")
            self._lexicon_model = None

    def _load_sklearn(self, path: Path, vectorizers_only: bool = False) -> None:
        import joblib

        state = joblib.load(path / STATE_FILE)
        self.word_vectorizer_ = state["word_vectorizer"]
        self.char_vectorizer_ = state["char_vectorizer"]
        if vectorizers_only:
            return
        self.coef_ = state["coef"]
        self.intercept_ = state["intercept"]
        self.platt_ = state["platt"]
        self.rule_index_ = state.get("rule_index", {})
        self.n_features_in_ = self.coef_.shape[1]
        self._load_lexicon(path)
