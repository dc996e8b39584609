"""Check the mapping "AIMS.au C4 sentence => supply_chains" with our own annotator, blind to AIMS labels.

``prepare`` draws a stratified random sample of AIMS.au sentences (C4 and not C4) into
``<work>/aims/sample.jsonl`` (sentence text, statement title; no AIMS labels) and keeps the key apart
in ``key.jsonl``. Our annotator labels each sentence alone against the codebook into ``labels.jsonl``.
``score`` compares: agreement and Cohen's kappa between the mapping and our annotator, written to
``corpora/aims_mapping.json`` with stand-off rows (statement file, sentence index, both labels).

    python corpora/scripts/aims_mapping_check.py prepare --work /work/annot --n 200
    python corpora/scripts/aims_mapping_check.py score --work /work/annot
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
C4 = ("C4 (risk mitigation)", "C4 (remediation)")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("step", choices=["prepare", "score"])
    ap.add_argument("--work", type=Path, required=True)
    ap.add_argument("--n", type=int, default=200)
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--corpus", type=Path, default=REPO.parent / "shared" / "corpora")
    args = ap.parse_args()
    wdir = args.work / "aims"
    wdir.mkdir(parents=True, exist_ok=True)
    if args.step == "prepare":
        sealed = set(json.loads((REPO / "corpora" / "sealed.json").read_text())["documents"])
        rows = {json.loads(x)["id"]: json.loads(x) for x in (args.corpus / "manifest.jsonl").open(encoding="utf-8")}
        c4, other = [], []
        for path in sorted((args.corpus / "annotations" / "aims").glob("*.sentences.jsonl")):
            doc = path.name.split(".")[0]
            if doc in sealed:
                continue
            for line in path.open(encoding="utf-8"):
                s = json.loads(line)
                if len(s["sentence"].split()) < 6:
                    continue
                item = {"doc_id": doc, "sentence_idx": s["sentence_idx"], "sentence": s["sentence"],
                        "title": rows.get(doc, {}).get("title", doc), "c4": any(s["labels"].get(k) for k in C4)}
                (c4 if item["c4"] else other).append(item)
        rng = random.Random(args.seed)
        sample = rng.sample(c4, args.n // 2) + rng.sample(other, args.n - args.n // 2)
        rng.shuffle(sample)
        with open(wdir / "sample.jsonl", "w", encoding="utf-8") as fh, open(wdir / "key.jsonl", "w", encoding="utf-8") as key:
            for i, it in enumerate(sample):
                fh.write(json.dumps({"sid": f"a{i:04d}", "title": it["title"], "sentence": it["sentence"]}, ensure_ascii=False) + "\n")
                key.write(json.dumps({"sid": f"a{i:04d}", "doc_id": it["doc_id"], "sentence_idx": it["sentence_idx"], "c4": it["c4"]}) + "\n")
        print(f"{len(sample)} sentences ({args.n // 2} C4)")
        return
    key = {json.loads(x)["sid"]: json.loads(x) for x in (wdir / "key.jsonl").open(encoding="utf-8")}
    labs = {json.loads(x)["sid"]: json.loads(x) for x in (wdir / "labels.jsonl").open(encoding="utf-8")}
    pairs = [(key[s]["c4"], "supply_chains" in labs[s]["labels"]) for s in key if s in labs]
    n = len(pairs)
    po = sum(a == b for a, b in pairs) / n
    pa, pb = sum(a for a, _ in pairs) / n, sum(b for _, b in pairs) / n
    pe = pa * pb + (1 - pa) * (1 - pb)
    kappa = (po - pe) / (1 - pe)
    c4_yes = sum(b for a, b in pairs if a) / max(1, sum(a for a, _ in pairs))
    other_yes = sum(b for a, b in pairs if not a) / max(1, sum(not a for a, _ in pairs))
    out = {"sentences": n, "agreement": round(po, 3), "kappa": round(kappa, 3),
           "c4_judged_supply_chains": round(c4_yes, 3), "non_c4_judged_supply_chains": round(other_yes, 3),
           "rows": [{"doc_id": key[s]["doc_id"], "sentence_idx": key[s]["sentence_idx"], "aims_c4": key[s]["c4"],
                     "ours": labs[s]["labels"]} for s in sorted(key) if s in labs]}
    (REPO / "corpora" / "aims_mapping.json").write_text(json.dumps(out, indent=1) + "\n", encoding="utf-8")
    print(json.dumps({k: v for k, v in out.items() if k != "rows"}))


if __name__ == "__main__":
    main()
