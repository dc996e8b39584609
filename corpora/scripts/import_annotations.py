"""Turn annotators' label files into stand-off gold records (offsets + sha1, no text).

Annotators worked on files that held passage texts (outside the repository); their label files hold
``{"id", "labels", "note"}`` per passage, where ``id`` is ``doc_id:start-end``. This script anchors
each label to the corpus text through tipnlp's own ingest, checks the span, and writes
``corpora/gold/round{N}.jsonl``.

    python corpora/scripts/import_annotations.py --round 1 --out corpora/gold/round1.jsonl \
        /work/annot/round1/batch_*.labels.jsonl
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

from tipnlp.gold import CorpusTexts, text_sha1
from tipnlp.taxonomy import core_theme_ids

ID_RE = re.compile(r"^(?P<doc>.+):(?P<start>\d+)-(?P<end>\d+)$")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("files", nargs="+")
    ap.add_argument("--round", type=int, required=True)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    themes = set(core_theme_ids())
    texts = CorpusTexts()
    seen: set[str] = set()
    out = []
    for file in sorted(args.files):
        annotator = "ann_r{}_{}".format(args.round, Path(file).name.split(".")[0].replace("batch_", "b"))
        for n, line in enumerate(open(file, encoding="utf-8"), 1):
            if not line.strip():
                continue
            rec = json.loads(line)
            m = ID_RE.match(rec["id"])
            if not m:
                raise SystemExit(f"{file}:{n}: bad id {rec['id']!r}")
            if rec["id"] in seen:
                raise SystemExit(f"{file}:{n}: duplicate id {rec['id']}")
            seen.add(rec["id"])
            bad = set(rec["labels"]) - themes
            if bad:
                raise SystemExit(f"{file}:{n}: unknown labels {bad}")
            doc_id, start, end = m["doc"], int(m["start"]), int(m["end"])
            span = texts.document(doc_id).text[start:end]
            if not span.strip():
                raise SystemExit(f"{file}:{n}: empty span for {rec['id']}")
            out.append({
                "doc_id": doc_id, "start": start, "end": end, "sha1": text_sha1(span),
                "labels": sorted(rec["labels"], key=sorted(themes).index), "annotator": annotator,
                "round": args.round, "note": rec.get("note", ""),
            })
    out.sort(key=lambda r: (r["doc_id"], r["start"]))
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    with open(args.out, "w", encoding="utf-8") as fh:
        for rec in out:
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
    print(f"wrote {len(out)} records to {args.out}")


if __name__ == "__main__":
    main()
