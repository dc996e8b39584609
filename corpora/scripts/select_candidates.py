"""Choose the passages to annotate: every theme's keyword candidates plus a random sample per document.

Keywords only *propose* passages for reading (so that rare themes and hard negatives are covered);
they never write a label. Output: one JSON object per passage with its text, for annotators only —
written outside the repository (the text of the corpus never enters it).

    python corpora/scripts/select_candidates.py --out /work/annot/candidates.jsonl
"""

from __future__ import annotations

import argparse
import json
import random
import re
from collections import Counter

from tipnlp.corpus import iter_manifest, read_corpus_document, resolution_row
from tipnlp.segment import segment

# Broad cues per theme (recall-oriented, many false positives on purpose: they give hard negatives).
CUES = {
    "demand_reduction": r"demand|sex tourism|travel\w* sex|patroni[sz]|purchas\w* (?:of )?(?:sex|commercial)|buyer|solicit|client|customer|john school|extraterritorial|commercial sex act",
    "non_punishment": r"non-?punish|not be (?:prosecuted|punished|held|liable|penali[sz]ed|detained|deported)|vacat\w+|expung|seal\w* .{0,30}record|affirmative defen[cs]e|immun\w+ from|penali[sz]|compelled to commit|direct consequence|criminali[sz]\w* (?:of )?(?:the )?victims|detention of (?:child )?victims|victims?\b.{0,80}\b(?:prosecut|punish|arrest|convict|detain|deport)|(?:prosecut|punish|arrest|convict|detain|deport)\w*.{0,80}\bvictims?\b",
    "gender_sensitive_training": r"training|trained|capacity.building|manual|guidelines|sensiti[sz]|curricul",
    "supply_chains": r"supply chain|supplier|due diligence|procurement|recruit\w* (?:agenc|fee)|recruitment fee|import\w* .{0,40}forced|forced labou?r .{0,40}goods|audit|code of conduct|modern slavery statement|transparency",
    "organ_removal": r"\borgans?\b|tissues?\b|transplant|body parts?",
}
CUE_RE = {k: re.compile(v, re.I) for k, v in CUES.items()}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--per-doc", type=int, default=6, help="random passages per document")
    ap.add_argument("--per-theme", type=int, default=220, help="keyword candidates per theme (all if fewer)")
    ap.add_argument("--formats", default="txt", help="comma-separated manifest formats to include")
    ap.add_argument("--seed", type=int, default=71167)
    ap.add_argument("--with-resolution", action="store_true", help="add every passage of resolution 71/167")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    formats = set(args.formats.split(","))

    chosen: dict[str, dict] = {}
    by_theme: dict[str, list[dict]] = {k: [] for k in CUES}
    rows = list(iter_manifest())
    if args.with_resolution:
        rows.append(resolution_row())
    for row in rows:
        is_resolution = row["id"] == resolution_row()["id"]
        if row["format"] not in formats and not is_resolution:
            continue
        try:
            doc = read_corpus_document(row)
        except Exception as err:  # scanned or unreadable files have no passages to annotate
            print(f"skip {row['id']}: {err}")
            continue
        passages = [p for p in segment(doc) if sum(c.isalpha() for c in p.text) >= 40]
        recs = [
            {
                "id": p.passage_id, "doc_id": p.doc_id, "start": p.start, "end": p.end,
                "doc_type": row["doc_type"], "title": row["title"], "heading": p.heading, "text": p.text,
            }
            for p in passages
        ]
        for rec in recs if is_resolution else rng.sample(recs, min(args.per_doc, len(recs))):
            rec["why"] = "random"
            chosen.setdefault(rec["id"], rec)
        for rec in recs:
            for theme, cue in CUE_RE.items():
                if cue.search(rec["text"]):
                    by_theme[theme].append(rec)
    for theme, recs in by_theme.items():
        picked = recs if len(recs) <= args.per_theme else rng.sample(recs, args.per_theme)
        for rec in picked:
            chosen.setdefault(rec["id"], dict(rec, why=f"cue:{theme}"))
    out = list(chosen.values())
    rng.shuffle(out)
    with open(args.out, "w", encoding="utf-8") as fh:
        for rec in out:
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
    print(len(out), "passages from", len({r["doc_id"] for r in out}), "documents")
    print(Counter(r["why"] for r in out))
    print({k: len(v) for k, v in by_theme.items()})


if __name__ == "__main__":
    main()
