"""Guess a document's type (law, company statement, UN report, ...) from its opening text.

Why: the theme classifier and the OP ranker read the document type (a company's own words point to
OP 36, a statute to OP 35), and in training it comes from the corpus manifest. A user's PDF has no
manifest row, so without this component the models would meet an empty type they never saw in
training. The classifier reads the first ``chars`` characters (title page, preamble), word and
character n-grams, one multinomial logistic regression, trained on the manifest's documents by
``tipnlp train``. Inference runs on frozen arrays (no scikit-learn import). A type the user states
(``--doc-type``) or the manifest gives always wins over the guess.
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import numpy as np

STATE_FILE = "doc_type"  # doc_type.json (vocabularies, classes) + doc_type.npz (weights)
DOC_TYPES = ("law", "convention", "protocol", "un_resolution", "un_report", "gov_report", "ngo_report",
             "action_plan", "corporate_statement", "guidance", "other")


class DocTypeClassifier:
    """``fit(texts, types)`` on whole-document texts; ``predict`` gives (type, probability) per text."""

    def __init__(self, chars: int = 4000, C: float = 10.0, min_confidence: float = 0.0, random_state: int = 0):
        self.chars = chars
        self.C = C
        self.min_confidence = min_confidence
        self.random_state = random_state

    def _opening(self, text: str) -> str:
        return text[: self.chars]

    def fit(self, texts: Sequence[str], types: Sequence[str]) -> "DocTypeClassifier":
        from scipy.sparse import hstack
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression

        from tipnlp.classifiers.frozen import FrozenTfidf
        from tipnlp.errors import DataError

        unknown = sorted(set(types) - set(DOC_TYPES))
        if unknown:
            raise DataError(f"unknown document types {unknown}; use {', '.join(DOC_TYPES)}")
        if len(set(types)) < 2:
            raise DataError("the document-type classifier needs documents of at least two types")
        openings = [self._opening(t) for t in texts]
        word = TfidfVectorizer(sublinear_tf=True, ngram_range=(1, 2), min_df=2, dtype=np.float64)
        char = TfidfVectorizer(sublinear_tf=True, analyzer="char_wb", ngram_range=(3, 5), min_df=2,
                               max_features=50000, dtype=np.float64)
        x = hstack([word.fit_transform(openings), char.fit_transform(openings)], format="csr")
        lr = LogisticRegression(C=self.C, max_iter=3000, class_weight="balanced", random_state=self.random_state)
        lr.fit(x, list(types))
        self.classes_ = [str(c) for c in lr.classes_]
        self.coef_ = lr.coef_.astype(np.float32)
        self.intercept_ = lr.intercept_.astype(np.float64)
        self.vectorizers_ = {"word": FrozenTfidf.from_sklearn(word), "char": FrozenTfidf.from_sklearn(char)}
        return self

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """(n, n_classes) probabilities, columns in ``classes_`` order."""
        openings = [self._opening(t) for t in texts]
        v = self.vectorizers_["word"].size
        if self.coef_.shape[0] == 1:  # two classes: one column for classes_[1]
            z1 = (self.vectorizers_["word"].dot(openings, self.coef_[:, :v])
                  + self.vectorizers_["char"].dot(openings, self.coef_[:, v:]) + self.intercept_[None, :])
            z = np.hstack([np.zeros_like(z1), z1])
        else:
            z = (self.vectorizers_["word"].dot(openings, self.coef_[:, :v])
                 + self.vectorizers_["char"].dot(openings, self.coef_[:, v:]) + self.intercept_[None, :])
        z = z - z.max(axis=1, keepdims=True)
        p = np.exp(z)
        return p / p.sum(axis=1, keepdims=True)

    def predict(self, texts: Sequence[str]) -> list[tuple[str, float]]:
        """The most probable type and its probability; ``""`` below ``min_confidence``."""
        out = []
        for row in self.predict_proba(texts):
            j = int(np.argmax(row))
            out.append((self.classes_[j] if row[j] >= self.min_confidence else "", float(row[j])))
        return out

    # -- persistence ----------------------------------------------------------------------------
    def save(self, path: str | Path) -> None:
        from tipnlp.classifiers.frozen import save_frozen

        meta = {"chars": self.chars, "C": self.C, "min_confidence": self.min_confidence, "classes": self.classes_}
        save_frozen(Path(path) / STATE_FILE, self.vectorizers_,
                    {"coef": self.coef_, "intercept": self.intercept_}, meta)

    @classmethod
    def load(cls, path: str | Path | None) -> "DocTypeClassifier | None":
        """From a model directory; None when the model was trained without one."""
        from tipnlp.classifiers.frozen import load_frozen

        if path is None or not (Path(path) / f"{STATE_FILE}.json").is_file():
            return None
        vecs, arrays, meta = load_frozen(Path(path) / STATE_FILE)
        model = cls(chars=int(meta["chars"]), C=float(meta["C"]), min_confidence=float(meta["min_confidence"]))
        model.classes_ = list(meta["classes"])
        model.coef_, model.intercept_ = arrays["coef"], arrays["intercept"]
        model.vectorizers_ = vecs
        return model


def corpus_documents(corpus_dir: str | Path | None = None, exclude: set[str] = frozenset()) -> tuple[list[str], list[str], list[str]]:
    """(doc ids, texts, types) of the manifest's documents with a type, minus ``exclude`` (the sealed
    split); unreadable documents (scanned PDFs) are skipped."""
    from tipnlp.errors import TipnlpError
    from tipnlp.gold import CorpusTexts

    texts = CorpusTexts(corpus_dir)
    ids, out_texts, types = [], [], []
    for doc_id, row in sorted(texts.rows.items()):
        if doc_id in exclude or row.get("doc_type") not in DOC_TYPES:
            continue
        try:
            text = texts.document(doc_id).text
        except TipnlpError:
            continue
        ids.append(doc_id)
        out_texts.append(text)
        types.append(str(row["doc_type"]))
    return ids, out_texts, types
