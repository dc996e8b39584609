"""Build the sealed split's gold from its two blind annotations, printing aggregate figures only.

Run by the project without looking at the passages: the passages, the annotators' labels and the
adjudication stay in the work folder (``<work>/sealed``), read only by the sealed split's own
annotators and adjudicator. This script prints counts and agreement, nothing per passage.

    python corpora/scripts/sealed_gold.py prepare --work /work/annot   # disagreements -> adjudication file
    python corpora/scripts/sealed_gold.py build --work /work/annot     # -> corpora/sealed/gold.jsonl, ops.jsonl
"""

from __future__ import annotations

import argparse
import hashlib
import json
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
OUT = REPO / "corpora" / "sealed"
THEMES = ("demand_reduction", "non_punishment", "gender_sensitive_training", "supply_chains", "organ_removal")


def _load(path: Path) -> dict[str, dict]:
    return {r["pid"]: r for r in (json.loads(x) for x in path.open(encoding="utf-8") if x.strip())}


def _kappa(a, b):
    n = len(a)
    po = sum(x == y for x, y in zip(a, b)) / n
    pa, pb = sum(a) / n, sum(b) / n
    pe = pa * pb + (1 - pa) * (1 - pb)
    return None if pe >= 1 else (po - pe) / (1 - pe)


def _primary(lab, theme):
    return ((lab.get("ops") or {}).get(theme) or {}).get("primary")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("step", choices=["prepare", "build"])
    ap.add_argument("--work", type=Path, required=True)
    args = ap.parse_args()
    sdir = args.work / "sealed"
    passages = _load(sdir / "passages.jsonl")
    a, b = _load(sdir / "labels_A.jsonl"), _load(sdir / "labels_B.jsonl")
    pids = sorted(passages)
    if args.step == "prepare":
        agreement = {}
        for t in THEMES:
            xa = [t in a[p]["labels"] for p in pids]
            xb = [t in b[p]["labels"] for p in pids]
            agreement[t] = {"kappa": round(_kappa(xa, xb), 3), "positives_a": sum(xa), "positives_b": sum(xb)}
        items = []
        for p in pids:
            la, lb = set(a[p]["labels"]), set(b[p]["labels"])
            op_diff = [t for t in la & lb if _primary(a[p], t) != _primary(b[p], t)]
            if la != lb or op_diff:
                items.append({**passages[p], "first": a[p], "second": b[p]})
        with open(sdir / "adjudicate_items.jsonl", "w", encoding="utf-8") as fh:
            for it in items:
                fh.write(json.dumps(it, ensure_ascii=False) + "\n")
        both = [(p, t) for p in pids for t in set(a[p]["labels"]) & set(b[p]["labels"])]
        op_agree = sum(_primary(a[p], t) == _primary(b[p], t) for p, t in both) / max(len(both), 1)
        print(json.dumps({"passages": len(pids), "exact_match": round(sum(set(a[p]["labels"]) == set(b[p]["labels"]) for p in pids) / len(pids), 4),
                          "per_theme": agreement, "to_adjudicate": len(items), "op_pairs": len(both),
                          "op_primary_agreement": round(op_agree, 3)}, indent=1))
        return
    decisions = _load(sdir / "adjudicate_decisions.jsonl") if (sdir / "adjudicate_decisions.jsonl").is_file() else {}
    gold, ops = [], []
    for p in pids:
        la, lb = a[p], b[p]
        if p in decisions:
            final, who = decisions[p], "adjudicator"
        elif set(la["labels"]) == set(lb["labels"]) and all(_primary(la, t) == _primary(lb, t) for t in la["labels"]):
            final, who = la, "agreed"
        else:
            raise SystemExit(f"{len([1 for q in pids if q not in decisions])} undecided disagreements: run prepare and adjudicate first")
        rec = passages[p]
        sha1 = hashlib.sha1(rec["text"].encode("utf-8")).hexdigest()
        labels = [t for t in THEMES if t in final["labels"]]
        gold.append({"doc_id": rec["doc_id"], "start": rec["start"], "end": rec["end"], "sha1": sha1, "labels": labels,
                     "annotator": "ann_sealed_a+ann_sealed_b" if who == "agreed" else "sealed_adjudicator",
                     "round": "sealed"})
        for t in labels:
            o = (final.get("ops") or {}).get(t) or {}
            if "primary" in o:
                ops.append({"doc_id": rec["doc_id"], "start": rec["start"], "end": rec["end"], "sha1": sha1, "theme": t,
                            "primary": int(o["primary"]), "secondary": sorted({int(x) for x in o.get("secondary", [])} - {int(o["primary"])}),
                            "annotator": "ann_sealed_a+ann_sealed_b" if who == "agreed" else "sealed_adjudicator", "round": "sealed"})
    OUT.mkdir(parents=True, exist_ok=True)
    key = lambda r: (r["doc_id"], r["start"])  # noqa: E731
    with open(OUT / "gold.jsonl", "w", encoding="utf-8") as fh:
        for r in sorted(gold, key=key):
            fh.write(json.dumps(r) + "\n")
    with open(OUT / "ops.jsonl", "w", encoding="utf-8") as fh:
        for r in sorted(ops, key=key):
            fh.write(json.dumps(r) + "\n")
    print(f"sealed gold: {len(gold)} passages of {len({r['doc_id'] for r in gold})} documents, "
          f"{len(decisions)} adjudicated; {len(ops)} OP records")


if __name__ == "__main__":
    main()
