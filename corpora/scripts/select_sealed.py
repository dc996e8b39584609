"""Pick the sealed evaluation split at random from the documents new to the shared corpus.

Run once, before anyone read those documents (2026-12-06). Only manifest metadata is used (id,
doc_type, twin_of, whether AIMS.au labels exist): no document text. Stratified by document type:
statutes (``law``), company statements without AIMS.au labels (the labelled ones are kept for
training), and every other type. PDF twins follow their text row. Writes ``corpora/sealed.json``.

    python corpora/scripts/select_sealed.py --seed 20261206
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
STRATA = {"statute": 9, "company_statement": 3, "other": 6}


def stratum(row: dict) -> str:
    if row["doc_type"] == "law":
        return "statute"
    if row["doc_type"] == "corporate_statement":
        return "company_statement"
    return "other"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, default=20261206)
    ap.add_argument("--corpus", type=Path, default=REPO.parent / "shared" / "corpora")
    args = ap.parse_args()
    rows = [json.loads(line) for line in (args.corpus / "manifest.jsonl").open(encoding="utf-8") if line.strip()]
    splits = json.loads((REPO / "corpora" / "splits.json").read_text(encoding="utf-8"))
    seen = {d for docs in splits.values() for d in docs}
    aims = {p.name.split(".")[0] for p in (args.corpus / "annotations" / "aims").glob("*.sentences.jsonl")}
    pool: dict[str, list[str]] = {k: [] for k in STRATA}
    for row in rows:
        if row["id"] in seen or row.get("twin_of") or row["id"] in aims:
            continue
        pool[stratum(row)].append(row["id"])
    rng = random.Random(args.seed)
    chosen: dict[str, list[str]] = {}
    for name, k in STRATA.items():
        chosen[name] = sorted(rng.sample(sorted(pool[name]), k))
    picked = {d for docs in chosen.values() for d in docs}
    twins = sorted(r["id"] for r in rows if r.get("twin_of") in picked)
    out = {
        "created": "2026-12-06",
        "seed": args.seed,
        "method": "stratified random sample of documents new to ../shared/corpora on 2026-12-06 (not in the "
                  "earlier train/dev/test split, not PDF twins, no AIMS.au labels); twins follow their text row",
        "pool_sizes": {k: len(v) for k, v in pool.items()},
        "strata": chosen,
        "twins": twins,
        "documents": sorted(picked | set(twins)),
    }
    (REPO / "corpora" / "sealed.json").write_text(json.dumps(out, indent=1) + "\n", encoding="utf-8")
    print(json.dumps({k: len(v) for k, v in chosen.items()}), len(out["documents"]), "documents")


if __name__ == "__main__":
    main()
