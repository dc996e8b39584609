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
from typing import TYPE_CHECKING, Sequence

import numpy as np

if TYPE_CHECKING:
    from tipnlp.gold import CorpusTexts

STATE_FILE = "doc_type"  # doc_type.json (vocabularies, classes) + doc_type.npz (weights)
DOC_TYPES = ("law", "convention", "protocol", "un_resolution", "un_report", "gov_report", "ngo_report",
             "action_plan", "corporate_statement", "guidance", "other")


class DocTypeClassifier:
    """``fit(texts, types)`` on whole-document texts; ``predict`` gives (type, probability) per text."""

    def __init__(self, chars: int = 4000, C: float = 10.0, random_state: int = 0):
        self.chars = chars
        self.C = C
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
        self.n_documents_ = len(openings)
        self.classes_ = [str(c) for c in lr.classes_]
        self.coef_ = lr.coef_.astype(np.float32)
        self.intercept_ = lr.intercept_.astype(np.float64)
        self.vectorizers_ = {"word": FrozenTfidf.from_sklearn(word), "char": FrozenTfidf.from_sklearn(char)}
        return self

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """(n, n_classes) probabilities, columns in ``classes_`` order."""
        openings = [self._opening(t) for t in texts]
        v = self.vectorizers_["word"].size
        z = (self.vectorizers_["word"].dot(openings, self.coef_[:, :v])
             + self.vectorizers_["char"].dot(openings, self.coef_[:, v:]) + self.intercept_[None, :])
        if z.shape[1] == 1:  # two classes: scikit-learn keeps one column, for classes_[1]
            z = np.hstack([np.zeros_like(z), z])
        z = z - z.max(axis=1, keepdims=True)
        p = np.exp(z)
        return p / p.sum(axis=1, keepdims=True)

    def predict(self, texts: Sequence[str]) -> list[tuple[str, float]]:
        """The most probable type and its probability."""
        proba = self.predict_proba(texts)
        return [(self.classes_[j], float(row[j])) for row, j in zip(proba, np.argmax(proba, axis=1))]

    # -- persistence ----------------------------------------------------------------------------
    def save(self, path: str | Path) -> None:
        from tipnlp.classifiers.frozen import save_frozen

        meta = {"chars": self.chars, "C": self.C, "classes": self.classes_, "documents": self.n_documents_}
        save_frozen(Path(path) / STATE_FILE, self.vectorizers_,
                    {"coef": self.coef_, "intercept": self.intercept_}, meta)

    @classmethod
    def load(cls, path: str | Path | None) -> "DocTypeClassifier | None":
        """From a model directory; None when the model was trained without one."""
        from tipnlp.classifiers.frozen import load_frozen

        if path is None or not (Path(path) / f"{STATE_FILE}.json").is_file():
            return None
        vecs, arrays, meta = load_frozen(Path(path) / STATE_FILE)
        model = cls(chars=int(meta["chars"]), C=float(meta["C"]))
        model.classes_ = list(meta["classes"])
        model.n_documents_ = meta.get("documents")
        model.coef_, model.intercept_ = arrays["coef"], arrays["intercept"]
        model.vectorizers_ = vecs
        return model


def corpus_documents(texts: "CorpusTexts", exclude: set[str] = frozenset()) -> tuple[list[str], list[str], list[str]]:
    """(doc ids, texts, types) of the manifest's documents with a type, minus ``exclude`` (the sealed
    split), read through ``texts`` (a :class:`tipnlp.gold.CorpusTexts`, shared with the caller so each
    document is read once); unreadable documents (scanned PDFs) are skipped."""
    from tipnlp.errors import TipnlpError

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


def check_doc_type(doc_type: str) -> str:
    """A document type the models know, or a clear error naming the choices."""
    from tipnlp.errors import UsageError

    if doc_type not in DOC_TYPES:
        raise UsageError(f"unknown document type {doc_type!r}", hint=f"Use one of: {', '.join(DOC_TYPES)}.")
    return doc_type
