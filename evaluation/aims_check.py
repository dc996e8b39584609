"""Outside check against other annotators: the AIMS.au sentence labels of eight modern slavery statements.

AIMS.au annotators labelled sentences against the Australian Act's reporting criteria. Sentences marked
C4 (actions to assess and address risk: "C4 (risk mitigation)" or "C4 (remediation)") are supply-chain
measures in our codebook. This script reports, for a model and for our own gold labels:

- the share of C4 sentences tagged `supply_chains` (model: each sentence classified alone);
- the share of sentences the AIMS annotators left without any label that are tagged `supply_chains`;
- gold cross-check: for our gold passages in these statements, how often a passage holding a C4
  sentence is `supply_chains`, and how often one holding only unlabelled sentences is.

    python evaluation/aims_check.py --model default --out evaluation/reports/aims_check.json
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

from tipnlp.corpus import corpus_root

C4 = ("C4 (risk mitigation)", "C4 (remediation)")


def load_sentences(root: Path) -> dict[str, list[dict]]:
    out = {}
    for path in sorted((root / "annotations" / "aims").glob("*.sentences.jsonl")):
        doc_id = path.name.split(".")[0]
        out[doc_id] = [json.loads(line) for line in path.open(encoding="utf-8") if line.strip()]
    return out


def _norm(s: str) -> str:
    return re.sub(r"\W+", " ", s).strip().lower()


def model_check(model_spec: str | None, sentences: dict[str, list[dict]]) -> dict:
    from tipnlp.classifiers import load_model

    model = load_model(None if model_spec in (None, "default") else model_spec)
    rows = [s for doc in sentences.values() for s in doc]
    texts = [s["sentence"] for s in rows]
    predicted = model.predict(texts)
    c4 = [i for i, s in enumerate(rows) if any(s["labels"].get(k) for k in C4)]
    unlabelled = [i for i, s in enumerate(rows) if not any(s["labels"].values())]
    hit = lambda idx: sum("supply_chains" in predicted[i] for i in idx)  # noqa: E731
    return {
        "model": getattr(model, "name_", model_spec),
        "sentences": len(rows),
        "c4_sentences": len(c4),
        "c4_tagged_supply_chains": hit(c4),
        "c4_share": round(hit(c4) / max(1, len(c4)), 3),
        "unlabelled_sentences": len(unlabelled),
        "unlabelled_tagged_supply_chains": hit(unlabelled),
        "unlabelled_share": round(hit(unlabelled) / max(1, len(unlabelled)), 3),
    }


def gold_check(sentences: dict[str, list[dict]]) -> dict:
    from tipnlp.gold import CorpusTexts, load_gold

    texts = CorpusTexts()
    gold = [r for r in load_gold(check=False) if r.doc_id in sentences]
    with_c4 = with_c4_sc = only_unlabelled = only_unlabelled_sc = 0
    for rec in gold:
        passage = _norm(texts.span(rec))
        inside = [s for s in sentences[rec.doc_id] if len(_norm(s["sentence"])) > 20 and _norm(s["sentence"]) in passage]
        if not inside:
            continue
        is_sc = "supply_chains" in rec.labels
        if any(any(s["labels"].get(k) for k in C4) for s in inside):
            with_c4 += 1
            with_c4_sc += is_sc
        elif not any(any(s["labels"].values()) for s in inside):
            only_unlabelled += 1
            only_unlabelled_sc += is_sc
    return {
        "gold_passages_in_aims_statements": len(gold),
        "passages_with_c4_sentence": with_c4,
        "of_which_supply_chains": with_c4_sc,
        "share": round(with_c4_sc / max(1, with_c4), 3),
        "passages_with_only_unlabelled_sentences": only_unlabelled,
        "of_which_supply_chains_unlabelled": only_unlabelled_sc,
        "share_unlabelled": round(only_unlabelled_sc / max(1, only_unlabelled), 3),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", default="default")
    ap.add_argument("--out", type=Path)
    ap.add_argument("--no-gold", action="store_true")
    args = ap.parse_args()
    sentences = load_sentences(corpus_root())
    result = {"model_check": model_check(args.model, sentences)}
    if not args.no_gold:
        result["gold_check"] = gold_check(sentences)
    text = json.dumps(result, indent=2)
    print(text)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
