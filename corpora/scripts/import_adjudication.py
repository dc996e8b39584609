"""Write corpora/gold/adjudicated.jsonl: the decision on every round-1/round-2 disagreement.

Decisions come from the adjudicator's files (``{"id", "labels", "reason"}`` per line); only passages
on which the two rounds currently disagree are kept, so every record explains a real disagreement.

    python corpora/scripts/import_adjudication.py /work/annot/adjudication/decisions*.jsonl
"""

from __future__ import annotations

import json
import sys

from tipnlp.gold import GOLD_DIR, ADJUDICATED_FILE, CorpusTexts, load_round, text_sha1


def main(files: list[str]) -> None:
    decisions = {}
    for file in files:
        for line in open(file, encoding="utf-8"):
            if line.strip():
                rec = json.loads(line)
                decisions[rec["id"]] = rec
    r1 = {r.id: r for r in load_round(1)}
    r2 = {r.id: r for r in load_round(2)}
    texts = CorpusTexts()
    out, missing = [], []
    for pid, second in r2.items():
        first = r1[pid]
        if set(first.labels) == set(second.labels):
            continue
        if pid not in decisions:
            missing.append(pid)
            continue
        d = decisions[pid]
        out.append({
            "doc_id": first.doc_id, "start": first.start, "end": first.end,
            "sha1": text_sha1(texts.span(first)), "labels": d["labels"], "annotator": "adjudicator",
            "round": "adjudicated", "round1_labels": list(first.labels), "round2_labels": list(second.labels),
            "reason": d["reason"],
        })
    if missing:
        raise SystemExit(f"undecided disagreements: {missing}")
    out.sort(key=lambda r: (r["doc_id"], r["start"]))
    with open(GOLD_DIR / ADJUDICATED_FILE, "w", encoding="utf-8") as fh:
        for rec in out:
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
    print(f"wrote {len(out)} adjudicated records")


if __name__ == "__main__":
    main(sys.argv[1:])
