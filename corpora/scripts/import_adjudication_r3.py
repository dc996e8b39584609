"""Import the round-3 adjudication (disagreements and the rule-25 review) as stand-off decisions.

Appends to ``corpora/gold/adjudicated.jsonl`` (labels, with both annotations' labels and the
adjudicator's reason) and ``corpora/gold/ops.jsonl`` (annotator ``adjudicator``); re-running replaces
earlier round-3 decisions.

    python corpora/scripts/import_adjudication_r3.py --work /work/annot
"""

from __future__ import annotations

import argparse
import hashlib
import json
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
GOLD = REPO / "corpora" / "gold"
THEMES = ("demand_reduction", "non_punishment", "gender_sensitive_training", "supply_chains", "organ_removal")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--work", type=Path, required=True)
    args = ap.parse_args()
    items = {json.loads(x)["pid"]: json.loads(x) for x in (args.work / "adjudicate" / "items.jsonl").open(encoding="utf-8")}
    decisions = [json.loads(x) for x in (args.work / "adjudicate" / "decisions.jsonl").open(encoding="utf-8") if x.strip()]
    adj, ops = [], []
    for d in decisions:
        it = items[d["pid"]]
        sha1 = hashlib.sha1(it["text"].encode("utf-8")).hexdigest()
        labels = [t for t in THEMES if t in d["labels"]]
        rec = {"doc_id": it["doc_id"], "start": it["start"], "end": it["end"], "sha1": sha1, "labels": labels,
               "annotator": "adjudicator", "round": "adjudicated_r3", "kind": it["kind"],
               "first_labels": it["first"]["labels"], "reason": d.get("reason", "")}
        if "second" in it:
            rec["second_labels"] = it["second"]["labels"]
        adj.append(rec)
        for t in labels:
            o = (d.get("ops") or {}).get(t) or {}
            if "primary" in o:
                ops.append({"doc_id": it["doc_id"], "start": it["start"], "end": it["end"], "sha1": sha1, "theme": t,
                            "primary": int(o["primary"]),
                            "secondary": sorted({int(x) for x in o.get("secondary", [])} - {int(o["primary"])}),
                            "annotator": "adjudicator", "round": "adjudicated_r3"})
    for name, new in (("adjudicated.jsonl", adj), ("ops.jsonl", ops)):
        path = GOLD / name
        kept = [json.loads(x) for x in path.open(encoding="utf-8") if x.strip()] if path.is_file() else []
        kept = [r for r in kept if r.get("round") != "adjudicated_r3"]
        with open(path, "w", encoding="utf-8") as fh:
            for r in kept + new:
                fh.write(json.dumps(r, ensure_ascii=False) + "\n")
    print(f"{len(adj)} decisions, {len(ops)} OP decisions imported")


if __name__ == "__main__":
    main()
