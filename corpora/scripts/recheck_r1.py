"""The 2026-12-07 consistency re-annotation of the round-1 gold under the current codebook (rules 1-28).

Round 1 (2026-11) was labelled before rules 13-28 were written; every round-1 passage was labelled
again by two annotators blind to each other and to the old labels.

    python corpora/scripts/recheck_r1.py batches --work WORK      # passage batches for the annotators
    python corpora/scripts/recheck_r1.py prepare --work WORK      # the adjudication items
    python corpora/scripts/recheck_r1.py import --work WORK       # stand-off records into corpora/gold

``batches`` writes ``WORK/guides_batch.jsonl`` (every gold passage of the round-1 documents whose title
names a guide: read first, as a pilot) and ``WORK/r1_batch1..8.jsonl`` (the other round-1 passages, by
document and offset, cut at document boundaries), without labels.

``prepare`` (after both annotations are in ``WORK/annot_*``) writes ``WORK/adjudicate.jsonl``: every
passage where the two new readings disagree, or agree with each other against a label that was itself
adjudicated or reviewed before; the three readings are shown unnamed and in shuffled order. ``import``
writes ``corpora/gold/recheck_r1.jsonl`` (both blind annotations of every passage), ``recheck_decisions.jsonl``
(every passage whose resolved label changes: the two readings when they agree, else the adjudicator's,
with the reason) and appends OP records for positive (passage, theme) pairs that had none. Re-running
replaces the earlier import. Passage text stays in WORK, outside the repository.
"""

from __future__ import annotations

import argparse
import random
import re
from pathlib import Path

from annotation_io import doc_of, op_choice, read_jsonl, replace_rounds, span_of, stand_off, theme_labels, write_jsonl

REPO = Path(__file__).resolve().parents[2]
GOLD = REPO / "corpora" / "gold"
ROUND = "recheck_r1"


GUIDE_TITLE = re.compile(r"\bguide\b", re.IGNORECASE)
N_BATCHES = 8


def batches(work: Path) -> None:
    from tipnlp.corpus import manifest_index, resolution_row
    from tipnlp.evaluation.cv import gold_pool

    records, _ = gold_pool()
    by_id = {r["id"]: r for r in records}
    manifest = manifest_index()
    round1 = [f"{r['doc_id']}:{r['start']}-{r['end']}" for r in read_jsonl(GOLD / "round1.jsonl")]
    round1_docs = {doc_of(pid) for pid in round1}
    guides = {d for d in round1_docs if d in manifest and GUIDE_TITLE.search(manifest[d].get("title", ""))}

    def row(pid: str) -> dict:
        r = by_id[pid]
        m = manifest.get(r["doc_id"]) or resolution_row()
        return {"id": pid, "doc_title": m["title"], "doc_type": m["doc_type"],
                "heading": (r.get("meta") or {}).get("heading", ""), "text": r["text"]}

    work.mkdir(parents=True, exist_ok=True)
    # the guides' passages annotated before the recheck (rounds 1 and 3), not those added later
    earlier = set(round1) | {f"{r['doc_id']}:{r['start']}-{r['end']}" for r in read_jsonl(GOLD / "round3.jsonl")}
    pilot = [r["id"] for r in records if r["doc_id"] in guides and r["id"] in earlier]
    in_pilot = set(pilot)
    rest = sorted((p for p in round1 if p in by_id and p not in in_pilot), key=lambda p: (doc_of(p), span_of(p)[0]))
    size = -(-len(rest) // N_BATCHES)
    cut: list[list[str]] = [[] for _ in range(N_BATCHES)]
    k = 0
    for pid in rest:
        if len(cut[k]) >= size and k < N_BATCHES - 1 and by_id[pid]["doc_id"] != by_id[cut[k][-1]]["doc_id"]:
            k += 1
        cut[k].append(pid)
    for name, ids in [("guides_batch", pilot)] + [(f"r1_batch{i}", ids) for i, ids in enumerate(cut, 1)]:
        write_jsonl(work / f"{name}.jsonl", (row(pid) for pid in ids))
    print(f"{len(pilot)} pilot passages of {len(guides)} guides, {len(rest)} more in {N_BATCHES} batches -> {work}")


def _readings(work: Path) -> tuple[dict, dict, dict]:
    """Passages (id -> input row) and the A and B readings (id -> output row) of every batch."""
    items, a, b = {}, {}, {}
    for batch in sorted(work.glob("r1_batch*.jsonl")) + [work / "guides_batch.jsonl"]:
        rows = read_jsonl(batch)
        items.update({r["id"]: {**r, "batch": batch.stem} for r in rows})
        if batch.stem == "guides_batch":
            a_path, b_path = work / "annot_A.jsonl", work / "annot_B.jsonl"
        else:
            k = batch.stem.removeprefix("r1_batch")
            a_path, b_path = work / f"annot_r1_b{k}_A.jsonl", work / f"annot_r1_b{k}_B.jsonl"
        for path, into in ((a_path, a), (b_path, b)):
            got = {r["id"]: r for r in read_jsonl(path)}
            missing = [r["id"] for r in rows if r["id"] not in got]
            if missing:
                raise SystemExit(f"{path}: {len(missing)} passages of {batch.name} have no reading (first: {missing[0]})")
            into.update(got)
    return items, a, b


def _current() -> tuple[dict, set]:
    """Labels as resolved before the recheck (first annotation, review, adjudication; never the
    recheck's own decisions, so that re-running the import gives the same files), and the ids whose
    label was adjudicated or reviewed."""
    from tipnlp.gold import ADJUDICATED_FILE, REVIEW_FILE, load_first, read_gold_file, resolve

    earlier = [rec for name in (REVIEW_FILE, ADJUDICATED_FILE) for rec in read_gold_file(GOLD / name)]
    labels = {r.id: theme_labels(r.labels) for r in resolve(load_first(), earlier)}
    return labels, {rec.id for rec in earlier}


def _agreed(la: list[str], lb: list[str], lc: list[str], was_decided: bool) -> bool:
    """Both new readings decide without an adjudicator: they agree, and either confirm the old label or
    overrule one that no earlier adjudication or review had decided."""
    return la == lb and (la == lc or not was_decided)


def prepare(work: Path) -> None:
    items, a, b = _readings(work)
    current, decided = _current()
    rng = random.Random(20261207)
    out = []
    for pid, it in items.items():
        la, lb, lc = theme_labels(a[pid]["labels"]), theme_labels(b[pid]["labels"]), current[pid]
        if _agreed(la, lb, lc, pid in decided):
            continue
        readings = [{"labels": la, "reason": a[pid].get("reason", "")},
                    {"labels": lb, "reason": b[pid].get("reason", "")},
                    {"labels": lc, "reason": ""}]
        rng.shuffle(readings)
        out.append({"id": pid, "doc_title": it["doc_title"], "doc_type": it["doc_type"], "heading": it["heading"],
                    "text": it["text"], "readings": readings})
    write_jsonl(work / "adjudicate.jsonl", out, ensure_ascii=False)
    print(f"{len(items)} passages read twice; {len(out)} to adjudicate -> {work / 'adjudicate.jsonl'}")


def import_(work: Path) -> None:
    items, a, b = _readings(work)
    current, decided = _current()
    adjudicated = {r["id"]: r for r in read_jsonl(work / "adjudicated.jsonl")}
    have_ops = {(f"{r['doc_id']}:{r['start']}-{r['end']}", r["theme"]) for r in read_jsonl(GOLD / "ops.jsonl")
                if r.get("round") not in (ROUND, ROUND + "b")}
    blind, decisions, ops = [], [], []
    for pid, it in items.items():
        base = stand_off(pid, it["text"])
        la, lb, lc = theme_labels(a[pid]["labels"]), theme_labels(b[pid]["labels"]), current[pid]
        blind += [{**base, "labels": la, "annotator": "rechk_a", "round": ROUND, "batch": it["batch"]},
                  {**base, "labels": lb, "annotator": "rechk_b", "round": ROUND + "b", "batch": it["batch"]}]
        if _agreed(la, lb, lc, pid in decided):
            final, who, reason, source = la, "recheck", a[pid].get("reason", ""), a[pid]
        else:
            if pid not in adjudicated:
                raise SystemExit(f"{pid}: needs an adjudication (run prepare, then the adjudicator)")
            d = adjudicated[pid]
            final, who, reason, source = theme_labels(d["labels"]), "adjudicator", d.get("reason", ""), d
        if final != lc:
            decisions.append({**base, "labels": final, "annotator": who, "round": ROUND, "previous_labels": lc,
                              "a_labels": la, "b_labels": lb, "reason": reason})
        for theme in final:
            if (pid, theme) in have_ops:
                continue
            readers = [(source, who if who == "adjudicator" else "rechk_a", ROUND)]
            if who != "adjudicator" and theme in lb:
                readers.append((b[pid], "rechk_b", ROUND + "b"))
            for row, annotator, rnd in readers:
                o = op_choice(row, theme)
                if o:
                    ops.append({**base, "theme": theme, **o, "annotator": annotator, "round": rnd})
    write_jsonl(GOLD / "recheck_r1.jsonl", blind)
    write_jsonl(GOLD / "recheck_decisions.jsonl", decisions)
    replace_rounds(GOLD / "ops.jsonl", {ROUND, ROUND + "b"}, ops)
    print(f"{len(items)} passages, {len(blind)} blind readings, {len(decisions)} label changes, {len(ops)} OP records")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("step", choices=["batches", "prepare", "import"])
    ap.add_argument("--work", type=Path, required=True)
    args = ap.parse_args()
    {"batches": batches, "prepare": prepare, "import": import_}[args.step](args.work)


if __name__ == "__main__":
    main()
