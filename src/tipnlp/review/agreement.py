"""Agreement of reviewers with the model and with each other, per theme (Cohen's kappa, % agreement).

Each theme is a yes/no decision per passage. *Reviewer vs model* pools every review that carries the
model's labels; *between reviewers* pools every pair of different reviewers who labelled the same
passage (a passage with three reviewers gives three pairs). Kappa is ``None`` where it is undefined
(both sides said the same single value everywhere), and so is everything when there is nothing to
compare.
"""

from __future__ import annotations

import itertools
import math
import warnings
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Iterable, Sequence

from tipnlp.review.formats import Review


@dataclass(frozen=True)
class ThemeAgreement:
    theme: str
    n: int
    agreement: float | None
    kappa: float | None

    def to_dict(self) -> dict:
        return {"theme": self.theme, "n": self.n, "agreement": self.agreement, "kappa": self.kappa}


@dataclass
class AgreementReport:
    """``vs_model`` and ``between_reviewers``: one row per theme; ``exact_*``: share of identical label sets."""

    vs_model: list[ThemeAgreement] = field(default_factory=list)
    between_reviewers: list[ThemeAgreement] = field(default_factory=list)
    exact_vs_model: float | None = None
    exact_between_reviewers: float | None = None
    n_reviews: int = 0
    n_passages: int = 0
    n_pairs: int = 0
    reviewers: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {
            "n_reviews": self.n_reviews, "n_passages": self.n_passages, "n_pairs": self.n_pairs,
            "reviewers": self.reviewers,
            "exact_vs_model": self.exact_vs_model, "exact_between_reviewers": self.exact_between_reviewers,
            "vs_model": [a.to_dict() for a in self.vs_model],
            "between_reviewers": [a.to_dict() for a in self.between_reviewers],
        }


def _kappa(a: Sequence[int], b: Sequence[int]) -> float | None:
    from sklearn.metrics import cohen_kappa_score

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value = float(cohen_kappa_score(a, b, labels=[0, 1]))
    return None if math.isnan(value) else round(value, 4)


def _per_theme(pairs: list[tuple[frozenset[str], frozenset[str]]], themes: Sequence[str]) -> list[ThemeAgreement]:
    rows = []
    for theme in themes:
        a = [int(theme in x) for x, _ in pairs]
        b = [int(theme in y) for _, y in pairs]
        n = len(pairs)
        agree = round(sum(i == j for i, j in zip(a, b)) / n, 4) if n else None
        rows.append(ThemeAgreement(theme, n, agree, _kappa(a, b) if n else None))
    return rows


def agreement(reviews: Iterable[Review], themes: Sequence[str]) -> AgreementReport:
    reviews = list(reviews)
    report = AgreementReport(n_reviews=len(reviews), reviewers=sorted({r.reviewer for r in reviews}))
    seen = {t: None for t in themes}
    for r in reviews:  # labels outside ``themes`` still count (kept after the known ones)
        for t in itertools.chain(r.labels, r.model_labels or ()):
            seen.setdefault(t, None)
    all_themes = list(seen)

    with_model = [(frozenset(r.labels), frozenset(r.model_labels)) for r in reviews if r.model_labels is not None]
    report.vs_model = _per_theme(with_model, all_themes)
    if with_model:
        report.exact_vs_model = round(sum(x == y for x, y in with_model) / len(with_model), 4)

    by_passage: dict[tuple, dict[str, frozenset[str]]] = defaultdict(dict)
    for r in reviews:
        by_passage[r.key].setdefault(r.reviewer, frozenset(r.labels))
    report.n_passages = len(by_passage)
    pairs = [
        (labels[a], labels[b])
        for labels in by_passage.values()
        for a, b in itertools.combinations(sorted(labels), 2)
    ]
    report.n_pairs = len(pairs)
    report.between_reviewers = _per_theme(pairs, all_themes)
    if pairs:
        report.exact_between_reviewers = round(sum(x == y for x, y in pairs) / len(pairs), 4)
    return report
