"""Import the OP annotation of the 2026-11 gold positives into ``corpora/gold/ops.jsonl``.

``<work>/ops_old/items_all.jsonl`` (passages handed out, with their gold themes) and
``ops_A.jsonl`` (first annotator, every passage) / ``ops_B.jsonl`` (blind second annotator, a random
sample) become OP records with round ``op1`` / ``op1b``. Only ids, offsets, hashes and OPs are written.

    python corpora/scripts/import_ops_old.py --work /work/annot
"""

from __future__ import annotations

import argparse
import hashlib
import json
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
OPS = REPO / "corpora" / "gold" / "ops.jsonl"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--work", type=Path, required=True)
    args = ap.parse_args()
    items = {}
    for line in (args.work / "ops_old" / "items_all.jsonl").open(encoding="utf-8"):
        rec = json.loads(line)
        items[rec["pid"]] = rec
    new = []
    for name, rnd, annotator in (("ops_A.jsonl", "op1", "ann_op_a"), ("ops_B.jsonl", "op1b", "ann_op_b")):
        for line in (args.work / "ops_old" / name).open(encoding="utf-8"):
            lab = json.loads(line)
            it = items[lab["pid"]]
            sha1 = hashlib.sha1(it["text"].encode("utf-8")).hexdigest()
            for theme, o in (lab.get("ops") or {}).items():
                if theme not in it["themes"]:
                    continue
                new.append({"doc_id": it["doc_id"], "start": it["start"], "end": it["end"], "sha1": sha1,
                            "theme": theme, "primary": int(o["primary"]),
                            "secondary": sorted({int(x) for x in o.get("secondary", []) if int(x) != int(o["primary"])}),
                            "annotator": annotator, "round": rnd})
    kept = [json.loads(x) for x in OPS.open(encoding="utf-8") if x.strip()] if OPS.is_file() else []
    kept = [r for r in kept if r.get("round") not in ("op1", "op1b")]
    with open(OPS, "w", encoding="utf-8") as fh:
        for r in kept + sorted(new, key=lambda r: (r["doc_id"], r["start"], r["theme"], r["round"])):
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")
    print(f"{len(new)} OP records imported ({sum(r['round'] == 'op1b' for r in new)} second annotations)")


if __name__ == "__main__":
    main()
