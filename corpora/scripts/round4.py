"""Gold round 4 (2026-12-07): every passage of the round-1 documents that no round had annotated.

Round 1 sampled passages of its 113 documents and round 3 added those with a rare-theme cue; round 4
annotates all the rest, so that every round-1 document is annotated whole, as a user's document is
tagged whole. Passage text stays in the work folder, outside the repository.

    python corpora/scripts/round4.py batches --work WORK     # WORK/r4/batchK.jsonl (+ a blind double sample)
    python corpora/scripts/round4.py prepare --work WORK --review dhs_blue_campaign_talk_to_youth_guide
                                                             # WORK/r4/adjudicate.jsonl: what the adjudicator decides
    python corpora/scripts/round4.py import --work WORK      # round4.jsonl, round4_double.jsonl, decisions, OPs

Batches follow document order (an annotator reads a document's passages together). Each batch also holds
a random ``--double`` share of the *previous* batch's passages, labelled again blind by this batch's
annotator. Annotators write ``WORK/r4/annot_batchK.jsonl`` ({id, labels, ops, reason} per passage); the
adjudicator writes ``WORK/r4/adjudicated.jsonl``. Re-running ``import`` replaces the earlier import.
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

from annotation_io import doc_of, op_choice, read_jsonl, replace_rounds, stand_off, theme_labels, write_jsonl

REPO = Path(__file__).resolve().parents[2]
GOLD = REPO / "corpora" / "gold"
ROUND = 4


def batches(work: Path, n_batches: int, double: float, seed: int) -> None:
    from tipnlp.corpus import iter_manifest, read_corpus_document, resolution_row
    from tipnlp.gold import load_first
    from tipnlp.segment import segment

    rng = random.Random(seed)
    annotated = {r.id for r in load_first() if r.round != ROUND}  # not round 4's own: rebuildable after it
    round1_docs = {r["doc_id"] for r in read_jsonl(GOLD / "round1.jsonl")}
    rows = [r for r in [*iter_manifest(), resolution_row()] if r["id"] in round1_docs and not r.get("twin_of")]
    todo = []
    for row in sorted(rows, key=lambda r: r["id"]):
        doc = read_corpus_document(row)
        for p in segment(doc):
            if p.passage_id not in annotated:
                todo.append({"id": p.passage_id, "doc_title": row.get("title", ""), "doc_type": row.get("doc_type"),
                             "heading": p.heading, "text": p.text})
    size = -(-len(todo) // n_batches)
    cut: list[list[dict]] = [todo[i: i + size] for i in range(0, len(todo), size)]
    out = work / "r4"
    out.mkdir(parents=True, exist_ok=True)
    for k, batch in enumerate(cut):
        previous = cut[k - 1]  # batch 1 re-reads a sample of the last batch
        picked = sorted(rng.sample(range(len(previous)), int(round(double * len(previous)))))
        # the doubles are marked for the import only; annotators are told nothing of it
        doubles = [{**previous[i], "double": True} for i in picked]
        write_jsonl(out / f"batch{k + 1}.jsonl", batch + doubles, ensure_ascii=False)
    print(f"{len(todo)} passages of {len(rows)} documents in {len(cut)} batches of about {size} "
          f"(+{double:.0%} of the previous batch, blind) -> {out}")


def _readings(work: Path) -> tuple[dict, dict, dict, dict]:
    """Passages, first readings, second readings (id -> row) and id -> (first batch, second batch)."""
    out = work / "r4"
    items, first, second, owner = {}, {}, {}, {}
    files = sorted(out.glob("batch*.jsonl"), key=lambda p: int(p.stem.removeprefix("batch")))
    for k, path in enumerate(files, 1):
        rows = read_jsonl(path)
        got = {r["id"]: r for r in read_jsonl(out / f"annot_batch{k}.jsonl")}
        missing = [r["id"] for r in rows if r["id"] not in got]
        if missing:
            raise SystemExit(f"annot_batch{k}.jsonl: {len(missing)} passages have no reading (first: {missing[0]})")
        for r in rows:
            if r.get("double"):
                second[r["id"]], owner.setdefault(r["id"], [0, 0])[1] = got[r["id"]], k
            else:
                items[r["id"]] = r
                first[r["id"]], owner.setdefault(r["id"], [0, 0])[0] = got[r["id"]], k
    return items, first, second, owner


def prepare(work: Path, review: list[str]) -> None:
    """Disagreements of the double sample, plus every tagged passage of the ``review`` documents (where a
    first reading contradicts how the other readers of the same document applied the codebook)."""
    items, first, second, _ = _readings(work)
    rng = random.Random(20261207)
    rows = []
    for i, it in items.items():
        la = theme_labels(first[i]["labels"])
        readings = [{"labels": la, "reason": first[i].get("reason", "")}]
        if i in second and theme_labels(second[i]["labels"]) != la:
            readings.append({"labels": theme_labels(second[i]["labels"]), "reason": second[i].get("reason", "")})
            kind = "disagreement"
        elif doc_of(it["id"]) in review and la:
            kind = "consistency"
        else:
            continue
        rng.shuffle(readings)
        rows.append({**{k: v for k, v in it.items() if k != "double"}, "kind": kind, "readings": readings})
    write_jsonl(work / "r4" / "adjudicate.jsonl", rows, ensure_ascii=False)
    print(f"{len(second)} passages read twice; {sum(r['kind'] == 'disagreement' for r in rows)} disagreements and "
          f"{sum(r['kind'] == 'consistency' for r in rows)} consistency items to adjudicate")


def import_(work: Path) -> None:
    items, first, second, owner = _readings(work)
    decided = {r["id"]: r for r in read_jsonl(work / "r4" / "adjudicated.jsonl")}
    r4, r4b, adj, ops = [], [], [], []
    for i, it in items.items():
        base = stand_off(i, it["text"])
        la = theme_labels(first[i]["labels"])
        r4.append({**base, "labels": la, "annotator": f"ann_r4_b{owner[i][0]}", "round": ROUND})
        readers = [(first[i], f"ann_r4_b{owner[i][0]}", ROUND, la)]
        if i in second:
            lb = theme_labels(second[i]["labels"])
            r4b.append({**base, "labels": lb, "annotator": f"ann_r4_b{owner[i][1]}", "round": f"{ROUND}b"})
            readers.append((second[i], f"ann_r4_b{owner[i][1]}", f"{ROUND}b", lb))
            if la != lb and i not in decided:
                raise SystemExit(f"{i}: the two readings differ and there is no adjudication (run prepare)")
        if i in decided:
            d = decided[i]
            final = theme_labels(d["labels"])
            rec = {**base, "labels": final, "annotator": "adjudicator", "round": f"adjudicated_r{ROUND}",
                   "kind": "disagreement" if i in second else "consistency", "first_labels": la, "reason": d.get("reason", "")}
            if i in second:
                rec["second_labels"] = theme_labels(second[i]["labels"])
            adj.append(rec)
            readers.append((d, "adjudicator", f"adjudicated_r{ROUND}", final))
        for row, annotator, rnd, labels in readers:
            for theme in labels:
                o = op_choice(row, theme)
                if o:
                    ops.append({**base, "theme": theme, **o, "annotator": annotator, "round": rnd})
    write_jsonl(GOLD / "round4.jsonl", r4)
    write_jsonl(GOLD / "round4_double.jsonl", r4b)
    mine = {f"adjudicated_r{ROUND}", ROUND, f"{ROUND}b"}
    replace_rounds(GOLD / "adjudicated.jsonl", mine, adj)
    replace_rounds(GOLD / "ops.jsonl", mine, ops)
    print(f"{len(r4)} passages, {len(r4b)} read twice, {len(adj)} adjudicated, {len(ops)} OP records")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("step", choices=["batches", "prepare", "import"])
    ap.add_argument("--work", type=Path, required=True)
    ap.add_argument("--batches", type=int, default=18)
    ap.add_argument("--double", type=float, default=0.2)
    ap.add_argument("--seed", type=int, default=4)
    ap.add_argument("--review", nargs="*", default=[],
                    help="documents whose every tagged passage goes to the adjudicator (prepare)")
    args = ap.parse_args()
    if args.step == "batches":
        batches(args.work, args.batches, args.double, args.seed)
    elif args.step == "prepare":
        prepare(args.work, args.review)
    else:
        import_(args.work)


if __name__ == "__main__":
    main()
