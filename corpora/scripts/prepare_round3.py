"""Cut the corpus into passages and write annotation batches for gold round 3 (2026-12-06).

Passage text goes to a work folder outside the repository (``--out``); only ids and offsets come
back through ``import_round3.py``. Documents of the sealed split (``corpora/sealed.json``) go to
their own folder for their own annotators and are never mixed with the training batches.

Selection for the training batches: every passage of every document new to the corpus (PDF twins
counted once, through their text row), plus every not-yet-annotated passage of older documents that
matches a rare-theme cue (organs, victims and punishment, training, buyers/demand). Rare-theme cue
matches are ordered first. Each batch also receives a blind double-annotation sample (``--double``)
drawn from another batch.

    python corpora/scripts/prepare_round3.py --out /work/annot --batches 6 --double 0.22
"""

from __future__ import annotations

import argparse
import json
import random
import re
from pathlib import Path

from tipnlp.corpus import iter_manifest, read_corpus_document, resolution_row
from tipnlp.errors import TipnlpError
from tipnlp.gold import load_adjudicated, load_round, load_splits, resolve
from tipnlp.segment import segment

REPO = Path(__file__).resolve().parents[2]
CUES = {
    "organ_removal": r"\borgans?\b|\btissues?\b|transplant|body parts?|kidney",
    "non_punishment": r"(victim|trafficked person|survivor)[^.]{0,200}(prosecut|punish|penal|detain|detention|criminal liab|convict|vacat|expung|seal|defen[cs]e|offender)"
                      r"|(prosecut|punish|penal|convict|vacat|expung|defen[cs]e)[^.]{0,200}(victim|trafficked)|safe harbou?r|set aside",
    "gender_sensitive_training": r"\btrain(ing|ed)?\b|capacity[- ]building|curricul|guidelines? for",
    "demand_reduction": r"\bdemand\b|purchas|patroni[sz]|solicit|buyer|\bjohn|sex tourism|travel",
}


def cue_themes(text: str) -> list[str]:
    return [t for t, rx in CUES.items() if re.search(rx, text, re.I)]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--batches", type=int, default=6)
    ap.add_argument("--double", type=float, default=0.22)
    ap.add_argument("--seed", type=int, default=3)
    ap.add_argument("--max-new", type=int, default=100000, help="cap on training-batch passages")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    sealed = set(json.loads((REPO / "corpora" / "sealed.json").read_text())["documents"])
    old_docs = set(load_splits())
    gold_ids = {r.id for r in resolve(load_round(1), load_adjudicated())}
    rows = list(iter_manifest()) + [resolution_row()]
    sealed_rows, train_rows = [], []
    for row in rows:
        if row.get("twin_of"):
            continue
        try:
            doc = read_corpus_document(row)
        except TipnlpError as err:
            print("skip", row["id"], err.code)
            continue
        for p in segment(doc):
            rec = {"doc_id": row["id"], "title": row.get("title", ""), "doc_type": row.get("doc_type"),
                   "heading": p.heading, "start": p.start, "end": p.end, "text": p.text}
            if row["id"] in sealed:
                sealed_rows.append(rec)
            elif p.passage_id in gold_ids:
                continue
            elif row["id"] not in old_docs:
                rec["cues"] = cue_themes(p.text)
                train_rows.append(rec)
            else:
                cues = cue_themes(p.text)
                if set(cues) & {"organ_removal", "non_punishment", "demand_reduction", "gender_sensitive_training"}:
                    rec["cues"] = cues
                    train_rows.append(rec)
    # sealed: one file, for the sealed annotators only
    sdir = args.out / "sealed"
    sdir.mkdir(parents=True, exist_ok=True)
    with open(sdir / "passages.jsonl", "w", encoding="utf-8") as fh:
        for i, rec in enumerate(sealed_rows):
            fh.write(json.dumps({"pid": f"s{i:05d}", **rec}, ensure_ascii=False) + "\n")
    # training batches: cue matches first, then the rest; dealt round-robin by document order
    rng.shuffle(train_rows)
    train_rows.sort(key=lambda r: 0 if r["cues"] else 1)
    train_rows = train_rows[: args.max_new]
    for i, rec in enumerate(train_rows):
        rec["pid"] = f"p{i:05d}"
    n = args.batches
    batches: list[list[dict]] = [[] for _ in range(n)]
    for i, rec in enumerate(train_rows):
        batches[i % n].append(rec)
    doubles: list[list[dict]] = [[] for _ in range(n)]
    for b, batch in enumerate(batches):
        cue = [r for r in batch if r["cues"]]
        rest = [r for r in batch if not r["cues"]]
        k = int(round(args.double * len(batch)))
        pick = rng.sample(cue, min(len(cue), k // 2)) + rng.sample(rest, min(len(rest), k - min(len(cue), k // 2)))
        doubles[(b + 1) % n].extend(pick)  # the next annotator labels them again, blind
    rdir = args.out / "round3"
    rdir.mkdir(parents=True, exist_ok=True)
    for b in range(n):
        items = batches[b] + doubles[b]
        rng.shuffle(items)
        with open(rdir / f"batch{b + 1}.jsonl", "w", encoding="utf-8") as fh:
            for rec in items:
                out = {k: v for k, v in rec.items() if k != "cues"}
                fh.write(json.dumps(out, ensure_ascii=False) + "\n")
    print(f"sealed passages: {len(sealed_rows)}; training passages: {len(train_rows)} "
          f"(cue matches {sum(1 for r in train_rows if r['cues'])}); doubles: {sum(map(len, doubles))}; "
          f"batch sizes: {[len(batches[b]) + len(doubles[b]) for b in range(n)]}")


if __name__ == "__main__":
    main()
