"""Import the round-3 annotations (labels and OPs) from the annotation work folder as stand-off gold.

Reads ``<work>/round3/batch*.jsonl`` (the passages handed out by ``prepare_round3.py``) and the
annotators' ``labels_batch*.jsonl``; writes ``corpora/gold/round3.jsonl`` (first annotations),
``round3_double.jsonl`` (blind second annotations), appends OP records to ``ops.jsonl`` and adds the
new documents to the ``cv`` list of ``corpora/splits.json``. Only ids, offsets, hashes, labels, OPs and
the annotators' own short reasons are written; never passage text.

A passage's first annotator is the batch it was dealt to (``pid`` number modulo the batch count, as
in ``prepare_round3.py``); a second label from another batch is the blind double.

    python corpora/scripts/import_round3.py --work /work/annot --batches 6
"""

from __future__ import annotations

import argparse
import hashlib
import json
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
GOLD = REPO / "corpora" / "gold"
THEMES = ("demand_reduction", "non_punishment", "gender_sensitive_training", "supply_chains", "organ_removal")


def sha1(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--work", type=Path, required=True)
    ap.add_argument("--batches", type=int, default=6)
    args = ap.parse_args()
    rdir = args.work / "round3"
    passages: dict[str, dict] = {}
    for b in range(1, args.batches + 1):
        for line in (rdir / f"batch{b}.jsonl").open(encoding="utf-8"):
            rec = json.loads(line)
            passages[rec["pid"]] = rec
    first, second, ops = [], [], []
    for b in range(1, args.batches + 1):
        annotator = f"ann_r3_b{b}"
        for line in (rdir / f"labels_batch{b}.jsonl").open(encoding="utf-8"):
            lab = json.loads(line)
            p = passages[lab["pid"]]
            labels = sorted({t for t in lab["labels"] if t in THEMES}, key=THEMES.index)
            is_first = int(lab["pid"][1:]) % args.batches == b - 1
            rnd = 3 if is_first else "3b"
            rec = {"doc_id": p["doc_id"], "start": p["start"], "end": p["end"], "sha1": sha1(p["text"]),
                   "labels": labels, "annotator": annotator, "round": rnd, "reason": lab.get("reason", "")}
            (first if is_first else second).append(rec)
            for theme in labels:
                o = (lab.get("ops") or {}).get(theme) or {}
                if "primary" not in o:
                    continue
                ops.append({"doc_id": p["doc_id"], "start": p["start"], "end": p["end"], "sha1": rec["sha1"],
                            "theme": theme, "primary": int(o["primary"]),
                            "secondary": sorted({int(x) for x in o.get("secondary", []) if int(x) != int(o["primary"])}),
                            "annotator": annotator, "round": rnd})
    key = lambda r: (r["doc_id"], r["start"])  # noqa: E731
    for name, recs in (("round3.jsonl", first), ("round3_double.jsonl", second)):
        with open(GOLD / name, "w", encoding="utf-8") as fh:
            for r in sorted(recs, key=key):
                fh.write(json.dumps(r, ensure_ascii=False) + "\n")
    ops_path = GOLD / "ops.jsonl"
    kept = []
    if ops_path.is_file():
        kept = [json.loads(x) for x in ops_path.open(encoding="utf-8") if x.strip()]
        kept = [r for r in kept if r.get("round") not in (3, "3b")]
    with open(ops_path, "w", encoding="utf-8") as fh:
        for r in kept + sorted(ops, key=lambda r: (r["doc_id"], r["start"], r["theme"], str(r["round"]))):
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")
    splits_path = REPO / "corpora" / "splits.json"
    splits = json.loads(splits_path.read_text(encoding="utf-8"))
    assigned = {d for k in ("train", "dev", "test") for d in splits.get(k, [])}
    splits["cv"] = sorted({r["doc_id"] for r in first} - assigned)
    splits_path.write_text(json.dumps(splits, indent=1) + "\n", encoding="utf-8")
    print(f"round3: {len(first)} first, {len(second)} second annotations; {len(ops)} OP records; "
          f"{len(splits['cv'])} new documents in cv")


if __name__ == "__main__":
    main()
