"""The review loop: send passages to annotation tools, read the reviews back as stand-off gold.

    items = read_inputs(["law.pdf"], Tagger.load())          # every passage, every theme's score
    chosen = select_uncertain(items, 50)                      # closest to a threshold first
    write_export(chosen, "label-studio", Path("review.json"), tagger.themes)
    ... reviewers work in Label Studio / Argilla / Prodigy and export ...
    reviews = read_reviews(["export.json"], "label-studio")
    report = agreement(reviews, tagger.themes)               # per theme kappa, vs model and between reviewers
    gold = reviews_to_gold(reviews)                           # one record per agreed passage
    write_gold(gold.records, Path("review_gold.jsonl"), append=True)

The command line is ``tipnlp review export`` / ``tipnlp review import``.
"""

from tipnlp.review.agreement import AgreementReport, ThemeAgreement, agreement
from tipnlp.review.formats import FORMATS, Review, read_reviews, write_export
from tipnlp.review.io import GoldFromReviews, WriteSummary, reviews_to_gold, write_gold
from tipnlp.review.items import ReviewItem, read_inputs, score, select_sample, select_uncertain

__all__ = [
    "FORMATS", "ReviewItem", "Review", "AgreementReport", "ThemeAgreement", "GoldFromReviews", "WriteSummary",
    "read_inputs", "score", "select_uncertain", "select_sample", "write_export", "read_reviews", "agreement",
    "reviews_to_gold", "write_gold",
]
