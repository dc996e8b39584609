"""A measured quality check of the segmenter on real PDFs of the corpus (stand-off, no corpus text).

``tests/data/segment_quality.json`` holds hand-checked expectations for a few corpus PDFs, each named
by document id and character offsets into the ingested text, with a short sha1 of the text it
points at (so a change of the ingested text is noticed instead of silently mis-scoring):

- ``heading``: the passage holding offset ``at`` has the text of ``span`` (whitespace joined; a
  wrapped heading counts whole) as a component of its heading path;
- ``not_heading``: the text of ``span`` (a contents entry, a footnote) is no heading of any passage;
- ``start``: a passage starts at ``at``;  ``no_start``: no passage starts at ``at`` (mid-sentence);
- ``contents`` / ``footnotes``: the passage holding ``at`` is of that kind (never tagged).

The score is the share of checks met. ``min_score`` records the score of the current segmenter;
a change may keep or raise it, never lower it (tests/test_segment_quality.py). Run this file to see
the score and each failed check:  ``python tests/segment_quality.py``.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

CHECKS_FILE = Path(__file__).with_name("data") / "segment_quality.json"


def norm(text: str) -> str:
    return " ".join(text.split())


def short_sha1(text: str) -> str:
    return hashlib.sha1(norm(text).encode("utf-8")).hexdigest()[:12]


def _same_heading(component: str, expected: str) -> bool:
    """Equal, or ``component`` is the segmenter's shortened label ("first 77 characters...") of it."""
    component = norm(component)
    if component == expected:
        return True
    return component.endswith("...") and len(component) > 40 and expected.startswith(component[:-3].rstrip())


def check(kind: str, item: dict[str, Any], text: str, passages: list) -> bool:
    if kind in ("start", "no_start"):
        starts = {p.start for p in passages}
        return (item["at"] in starts) == (kind == "start")
    if kind in ("contents", "footnotes"):
        holder = next((p for p in passages if p.start <= item["at"] < p.end), None)
        return holder is not None and holder.kind == kind
    s, e = item["span"]
    expected = norm(text[s:e])
    if kind == "heading":
        holder = next((p for p in passages if p.start <= item["at"] < p.end), None)
        return holder is not None and any(_same_heading(c, expected) for c in holder.heading.split(" > "))
    if kind == "not_heading":
        return not any(_same_heading(c, expected) for p in passages for c in p.heading.split(" > ") if c)
    raise ValueError(f"unknown check {kind!r}")


def score(corpus_dir: str | Path | None = None) -> dict[str, Any]:
    """Run every check; return ``{"score", "met", "total", "failed": [...], "drifted": [...]}``."""
    from tipnlp.corpus import manifest_index, read_corpus_document
    from tipnlp.segment import segment

    data = json.loads(CHECKS_FILE.read_text(encoding="utf-8"))
    rows = manifest_index(corpus_dir)
    met = total = 0
    failed, drifted = [], []
    for doc_id, checks in data["documents"].items():
        document = read_corpus_document(rows[doc_id], corpus_dir)
        passages = segment(document)
        for item in checks:
            s, e = item.get("span") or (item["at"], item["at"] + 40)
            if short_sha1(document.text[s:e]) != item["sha1"]:
                drifted.append((doc_id, item))
                continue
            total += 1
            if check(item["check"], item, document.text, passages):
                met += 1
            else:
                failed.append((doc_id, item))
    return {"score": round(met / total, 4) if total else 0.0, "met": met, "total": total, "failed": failed,
            "drifted": drifted, "min_score": data["min_score"]}


if __name__ == "__main__":
    result = score()
    print(f"segmenter quality: {result['met']}/{result['total']} checks met = {result['score']:.3f} "
          f"(recorded minimum {result['min_score']})")
    for doc_id, item in result["failed"]:
        print(f"  failed: {doc_id} {item['check']} {item.get('at', '')} {item.get('span', '')}: {item['why']}")
    for doc_id, item in result["drifted"]:
        print(f"  text changed under: {doc_id} {item}")
