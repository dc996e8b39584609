"""How well OPs are chosen for a (passage, theme) pair: grouped cross-validation against the OP gold.

For every positive (passage, theme) pair of the gold with an OP annotation, the ranker's top OP is
compared with the annotators' primary OP. Reported per theme and overall: top-1 accuracy, top-1 in
the gold set (primary or secondary), mean reciprocal rank of the gold primary, against two
baselines: always the theme's first-listed OP, and the earlier linker (similarity to OP summaries
plus one centroid per theme). Folds keep documents (and their twins or shared-text siblings) whole.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any, Callable, Mapping, Sequence

import numpy as np

Progress = Callable[[str], None]


def op_pairs(records: Sequence[Mapping[str, Any]]) -> list[tuple[int, str, int, list[int]]]:
    """(record index, theme, gold primary, gold secondary) for every labelled theme with OP gold."""
    out = []
    for i, r in enumerate(records):
        ops = (r.get("meta") or {}).get("ops") or {}
        for theme in r["labels"]:
            g = ops.get(theme)
            if g:
                out.append((i, theme, int(g["primary"]), [int(x) for x in g.get("secondary", [])]))
    return out


def _doc_macro(hits: Sequence[float], docs: Sequence[str]) -> float | None:
    """Top-1 averaged per document first: one document with many pairs cannot carry the figure."""
    by: dict[str, list[float]] = defaultdict(list)
    for h, d in zip(hits, docs):
        by[d].append(h)
    return float(np.mean([np.mean(v) for v in by.values()])) if by else None


def _score(rankings: list[list[int]], pairs, themes, docs: Sequence[str] | None = None) -> dict[str, Any]:
    per: dict[str, list[tuple[float, float, float]]] = defaultdict(list)
    per_docs: dict[str, list[str]] = defaultdict(list)
    for ranking, (i, theme, primary, secondary) in zip(rankings, pairs):
        top = ranking[0] if ranking else None
        rr = 1.0 / (ranking.index(primary) + 1) if primary in ranking else 0.0
        per[theme].append((float(top == primary), float(top in {primary, *secondary}), rr))
        per_docs[theme].append(docs[i] if docs is not None else str(i))
    out: dict[str, Any] = {"per_theme": {}}
    allrows, alldocs = [], []
    for t in themes:
        rows = per.get(t, [])
        allrows += rows
        alldocs += per_docs.get(t, [])
        out["per_theme"][t] = {
            "pairs": len(rows),
            "top1": float(np.mean([r[0] for r in rows])) if rows else None,
            "top1_in_gold": float(np.mean([r[1] for r in rows])) if rows else None,
            "mrr": float(np.mean([r[2] for r in rows])) if rows else None,
            "top1_doc_macro": _doc_macro([r[0] for r in rows], per_docs.get(t, [])) if docs is not None else None,
        }
    out["pairs"] = len(allrows)
    out["top1"] = float(np.mean([r[0] for r in allrows])) if allrows else None
    out["top1_in_gold"] = float(np.mean([r[1] for r in allrows])) if allrows else None
    out["mrr"] = float(np.mean([r[2] for r in allrows])) if allrows else None
    out["top1_doc_macro"] = _doc_macro([r[0] for r in allrows], alldocs) if docs is not None and allrows else None
    multi = [t for t in themes if out["per_theme"][t]["pairs"] and t != "non_punishment"]
    out["macro_top1_multi_op_themes"] = float(np.mean([out["per_theme"][t]["top1"] for t in multi])) if multi else None
    return out


def cross_validate_ops(
    records: Sequence[Mapping[str, Any]], groups: Sequence[str], k: int = 5, *, seed: int = 0,
    ranker_params: Mapping[str, Any] | None = None, progress: Progress | None = None,
    doc_types: Callable[[set[str]], Mapping[str, str]] | None = None, baselines: bool = True,
) -> dict[str, Any]:
    """Out-of-fold rankings of the OP ranker and (``baselines``) the two baselines, scored.
    ``doc_types(test_doc_ids)``: the document types held-out passages are ranked with (guessed, as for
    a user's file)."""
    from tipnlp.evaluation.cv import assign_folds, with_doc_types
    from tipnlp.linking import OpLinker
    from tipnlp.op_ranking import OpRanker
    from tipnlp.taxonomy import core_theme_ids

    say = progress or (lambda m: None)
    themes = core_theme_ids()
    pairs = op_pairs(records)
    y = np.zeros((len(records), len(themes)))
    for i, t, _, _ in pairs:
        y[i, themes.index(t)] = 1
    folds = assign_folds(list(groups), y, k, seed)
    names = ("ranker", "first_listed", "summary_linker") if baselines else ("ranker",)
    ranked: dict[str, list[list[int]]] = {name: [None] * len(pairs) for name in names}  # type: ignore[misc]
    probs: list[list[tuple[int, float]]] = [None] * len(pairs)  # type: ignore[list-item]
    first = OpRanker()
    gold_by_rec: dict[int, dict[str, dict]] = defaultdict(dict)
    for i, t, p, s in pairs:
        gold_by_rec[i][t] = {"primary": p, "secondary": s}
    for f in range(k):
        say(f"OP fold {f + 1}/{k}")
        train_idx = [i for i in range(len(records)) if folds[i] != f]
        tr = [i for i in train_idx if i in gold_by_rec]
        ranker = OpRanker(**(ranker_params or {})).fit([records[i] for i in tr], [gold_by_rec[i] for i in tr])
        test = [(n, pr) for n, pr in enumerate(pairs) if folds[pr[0]] == f]
        if not test:
            continue
        held = [records[pr[0]] for _, pr in test]
        if doc_types is not None:
            held = with_doc_types(held, doc_types({r["doc_id"] for r in held}))
        for (n, pr), r in zip(test, ranker.rank(held, [[pr[1]] for _, pr in test])):
            ranked["ranker"][n] = [op for op, _ in r[pr[1]]]
            probs[n] = r[pr[1]]
        if not baselines:
            continue
        linker = OpLinker().fit([records[i]["text"] for i in train_idx], [records[i]["labels"] for i in train_idx])
        links = linker.link_many([records[pr[0]]["text"] for _, pr in test], [[pr[1]] for _, pr in test], top=20)
        for (n, pr), lk in zip(test, links):
            ranked["first_listed"][n] = first.candidates(pr[1])
            ranked["summary_linker"][n] = [link.op for link in lk]
    docs = [r.get("doc_id", "") for r in records]
    out = {name: _score(r, pairs, themes, docs) for name, r in ranked.items()}
    # secondary OPs: the probability threshold that best recovers the gold secondary OPs
    best = (0.0, 0.3)
    for thr in np.round(np.arange(0.1, 0.55, 0.05), 2):
        tp = fp = fn = 0
        for pr, pb in zip(pairs, probs):
            pred = {op for op, p in pb[1:] if p >= thr}
            gold = set(pr[3])
            tp, fp, fn = tp + len(pred & gold), fp + len(pred - gold), fn + len(gold - pred)
        f1 = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
        if f1 > best[0]:
            best = (f1, float(thr))
    out["secondary"] = {"threshold": best[1], "f1": best[0]}
    out["k"] = k
    out["doc_types"] = "inferred per fold" if doc_types is not None else "manifest"
    out["documents"] = len({records[i]["doc_id"] for i, *_ in pairs})
    return out


def render_op_report(result: Mapping[str, Any], sealed: Mapping[str, Any] | None = None) -> str:
    """Markdown: one table per method, per theme."""
    from tipnlp.taxonomy import core_theme_ids

    themes = core_theme_ids()

    def f(x):
        return "–" if x is None else f"{x:.3f}"

    lines = ["# Operative-paragraph ranking", "",
             f"{result['ranker']['pairs']} gold (passage, theme) pairs with an annotated primary OP, from "
             f"{result['documents']} documents; {result['k']}-fold cross-validation grouped by document (each fold "
             "refits the ranker and the earlier linker on the other folds). Top-1: the top OP is the gold primary; "
             "in gold: the top OP is the primary or a secondary OP of the gold; MRR: mean reciprocal rank of the "
             "gold primary. Per document: top-1 averaged within each document first, then over documents (one "
             "document with many pairs cannot carry the figure). Document types of held-out passages: "
             + ("guessed from the document's opening by a guesser fitted on the other folds, as for a user's file."
                if result.get("doc_types", "").startswith("inferred") else "the corpus manifest's."), ""]
    lines += ["| method | pairs | top-1 | top-1 per document | top-1 in gold | MRR | "
              + " | ".join(f"top-1 {t}" for t in themes) + " |",
              "|---|---:|---:|---:|---:|---:|" + "---:|" * len(themes)]
    for name, label in (("ranker", "OP ranker (shipped)"), ("summary_linker", "earlier linker (summaries + centroid)"),
                        ("first_listed", "theme's first-listed OP")):
        m = result[name]
        lines.append(f"| {label} | {m['pairs']} | {f(m['top1'])} | {f(m.get('top1_doc_macro'))} | {f(m['top1_in_gold'])} | "
                     f"{f(m['mrr'])} | "
                     + " | ".join(f(m["per_theme"][t]["top1"]) for t in themes) + " |")
    lines += ["", f"Secondary OPs: probability threshold {result['secondary']['threshold']:.2f} "
                  f"(F1 {result['secondary']['f1']:.3f} against the gold secondary OPs, out of fold).", ""]
    lines += ["Pairs per theme: " + ", ".join(f"{t} {result['ranker']['per_theme'][t]['pairs']}" for t in themes) + ".",
              "`non_punishment` has one OP (27): its top-1 is 1 by construction.", ""]
    if sealed:
        lines += ["## Sealed split", "", f"Top-1 {f(sealed.get('top1'))}, in gold {f(sealed.get('top1_in_gold'))}, "
                  f"MRR {f(sealed.get('mrr'))} on {sealed.get('pairs')} pairs (aggregate only).", ""]
    return "\n".join(lines)
