"""Write the round-3 adjudication and OP-annotation work files (outside the repository).

- ``<work>/adjudicate/items.jsonl``: every round-3 passage whose first and blind second annotation
  disagree (labels, or the primary OP of a shared theme), with both label sets and reasons; plus
  every first-annotated ``demand_reduction`` passage whose primary OP is 20 or 24 (youth and public
  education), for the consistency review under codebook rule 25.
- ``<work>/ops_old/items_all.jsonl``: every positive passage of the 2026-11 gold (rounds 1-2,
  review and adjudication resolved) with its themes, for OP annotation; ``items_double.jsonl``: a
  random sample of them for a blind second OP annotation.

    python corpora/scripts/prepare_adjudication.py --work /work/annot --double 200
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

from tipnlp.gold import CorpusTexts, load_adjudicated, load_ops, load_round, read_ops_file, resolve, GOLD_DIR


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--work", type=Path, required=True)
    ap.add_argument("--double", type=int, default=200)
    ap.add_argument("--seed", type=int, default=5)
    args = ap.parse_args()
    texts = CorpusTexts()

    def context(rec):
        row = texts.rows[rec.doc_id]
        return {"doc_id": rec.doc_id, "title": row.get("title", ""), "doc_type": row.get("doc_type"),
                "heading": texts.heading(rec), "start": rec.start, "end": rec.end, "text": texts.span(rec)}

    first = {r.id: r for r in load_round(3)}
    second = {r.id: r for r in load_round("3b")}
    ops: dict[tuple[str, str], dict] = {}
    for o in read_ops_file(GOLD_DIR / "ops.jsonl"):
        from tipnlp.records import passage_id
        ops[(passage_id(o["doc_id"], o["start"], o["end"]), str(o["round"]), o["theme"])] = o
    items = []
    for pid, b in second.items():
        a = first[pid]
        shared = set(a.labels) & set(b.labels)
        op_diff = [t for t in shared if ops.get((pid, "3", t), {}).get("primary") != ops.get((pid, "3b", t), {}).get("primary")]
        if set(a.labels) != set(b.labels) or op_diff:
            def ann(r, rnd):
                return {"labels": list(r.labels), "reason": r.extra.get("reason", ""),
                        "ops": {t: {k: ops[(pid, rnd, t)][k] for k in ("primary", "secondary")}
                                for t in r.labels if (pid, rnd, t) in ops}}
            items.append({"kind": "disagreement", "pid": pid, **context(a), "first": ann(a, "3"), "second": ann(b, "3b")})
    for pid, a in first.items():
        if "demand_reduction" in a.labels and ops.get((pid, "3", "demand_reduction"), {}).get("primary") in (20, 24):
            if not any(i["pid"] == pid for i in items):
                items.append({"kind": "rule25_review", "pid": pid, **context(a),
                              "first": {"labels": list(a.labels), "reason": a.extra.get("reason", ""),
                                        "ops": {t: {k: ops[(pid, "3", t)][k] for k in ("primary", "secondary")}
                                                for t in a.labels if (pid, "3", t) in ops}}})
    (args.work / "adjudicate").mkdir(parents=True, exist_ok=True)
    with open(args.work / "adjudicate" / "items.jsonl", "w", encoding="utf-8") as fh:
        for it in items:
            fh.write(json.dumps(it, ensure_ascii=False) + "\n")
    old = [r for r in resolve(load_round(1), load_adjudicated()) if r.labels]
    have = load_ops()
    old = [r for r in old if not all(t in have.get(r.id, {}) for t in r.labels)]
    rows = [{"pid": f"o{i:04d}", "themes": list(r.labels), **context(r)} for i, r in enumerate(old)]
    (args.work / "ops_old").mkdir(parents=True, exist_ok=True)
    with open(args.work / "ops_old" / "items_all.jsonl", "w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    sample = random.Random(args.seed).sample(rows, min(args.double, len(rows)))
    with open(args.work / "ops_old" / "items_double.jsonl", "w", encoding="utf-8") as fh:
        for row in sample:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    kinds = {k: sum(1 for i in items if i["kind"] == k) for k in ("disagreement", "rule25_review")}
    print(f"adjudication items: {kinds}; old positives for OP annotation: {len(rows)} (double sample {len(sample)})")


if __name__ == "__main__":
    main()
