"""Write corpora/gold/review.jsonl: corrections from the consistency review against the final codebook.

Reviewers re-read passages with their round-1 labels and changed them only where the final codebook
(rules 1-24) says otherwise; each change is kept with its reason. Unchanged passages are not written.

    python corpora/scripts/import_review.py /work/annot/consistency/batch_*.review.jsonl
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from tipnlp.gold import GOLD_DIR, REVIEW_FILE, CorpusTexts, load_round, text_sha1


def main(files: list[str]) -> None:
    r1 = {r.id: r for r in load_round(1)}
    texts = CorpusTexts()
    out = []
    for file in sorted(files):
        reviewer = "rev_c" + Path(file).name.split(".")[0].replace("batch_", "")
        for n, line in enumerate(open(file, encoding="utf-8"), 1):
            if not line.strip():
                continue
            rec = json.loads(line)
            first = r1[rec["id"]]
            span = texts.span(first)
            if span.split()[:4] != rec["first_words"].split():
                raise SystemExit(f"{file}:{n}: first_words do not match passage {rec['id']}")
            if set(rec["labels"]) == set(first.labels):
                continue
            out.append({
                "doc_id": first.doc_id, "start": first.start, "end": first.end, "sha1": text_sha1(span),
                "labels": sorted(rec["labels"]), "annotator": reviewer, "round": "review",
                "round1_labels": list(first.labels), "reason": rec.get("reason", ""),
            })
    out.sort(key=lambda r: (r["doc_id"], r["start"]))
    with open(GOLD_DIR / REVIEW_FILE, "w", encoding="utf-8") as fh:
        for rec in out:
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
    print(f"wrote {len(out)} review corrections")


if __name__ == "__main__":
    main(sys.argv[1:])
