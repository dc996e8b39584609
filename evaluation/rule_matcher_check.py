"""How often the plain-Python rule matcher and spaCy's disagree on the lexicon's rule features.

    python evaluation/rule_matcher_check.py            # every non-sealed gold passage

Why: the default model reads one feature per lexicon rule (its strongest hit in the passage) and the
lexicon score per theme. Since 2026-12-07 the rules are matched by ``tipnlp.classifiers.rule_matcher``
(no spaCy import at inference); this counts, over the gold passages, the (passage, rule) features and
the (passage, theme) lexicon scores on which the two matchers differ, and prints the rules involved.
Offsets of the hits may differ by a token edge without changing a feature; only features are compared.
"""
from __future__ import annotations

import argparse
from collections import Counter


def features(hits: dict) -> dict[str, float]:
    out: dict[str, float] = {}
    for theme, matches in hits.items():
        for _, _, rule, weight in matches:
            out[f"{theme}:{rule}"] = max(weight, out.get(f"{theme}:{rule}", 0.0))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--show", type=int, default=15, help="How many disagreeing rules to list.")
    args = ap.parse_args()

    from tipnlp.classifiers.lexicon import LexiconClassifier, score_matches
    from tipnlp.evaluation.cv import gold_pool

    records, _ = gold_pool()
    texts = [r["text"] for r in records]
    plain = LexiconClassifier(matcher="plain").match_many(texts)
    spacy = LexiconClassifier(matcher="spacy").match_many(texts)
    n_features = differ = passages_differ = score_differ = 0
    rules: Counter = Counter()
    for a, b in zip(plain, spacy):
        fa, fb = features(a), features(b)
        keys = set(fa) | set(fb)
        n_features += len(keys)
        bad = [k for k in keys if fa.get(k) != fb.get(k)]
        differ += len(bad)
        passages_differ += bool(bad)
        rules.update(bad)
        score_differ += sum(abs(score_matches(a.get(t, [])) - score_matches(b.get(t, []))) > 1e-9
                            for t in set(a) | set(b))
    print(f"{len(texts)} passages; rule features firing under either matcher: {n_features}; "
          f"differing: {differ} ({differ / max(n_features, 1):.2%}) in {passages_differ} passages; "
          f"(passage, theme) lexicon scores differing: {score_differ}")
    for rule, count in rules.most_common(args.show):
        print(f"  {rule}: {count}")


if __name__ == "__main__":
    main()
