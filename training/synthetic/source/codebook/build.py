"""Codebook passages: join the writers' files, make blind re-reading batches, measure agreement, drop
passages that share a run of words with any corpus text, and write training/synthetic/codebook_passages.jsonl.

    python training/synthetic/source/codebook/build.py batches --work WORK   # WORK/gen_*.jsonl -> WORK/verify/batchN.jsonl
    (second readers label WORK/verify/batchN.jsonl -> WORK/verify/labelsN.jsonl, blind to the writers)
    python training/synthetic/source/codebook/build.py agree --work WORK     # agreement, kappa per theme
    python training/synthetic/source/codebook/build.py build --work WORK     # agreed, no corpus run >= 10 words

Writers and readers work from the codebook only (prompts in prompts/); none reads a corpus document.
"""
from __future__ import annotations

import argparse
import collections
import json
import random
import re
from pathlib import Path

from tipnlp.corpus import REPO_ROOT, corpus_root, resolution_path
from tipnlp.taxonomy import core_theme_ids

OUT = REPO_ROOT / "training" / "synthetic" / "codebook_passages.jsonl"
THEMES = list(core_theme_ids())
# the style a writer gave -> the document type the models read (tipnlp.doc_types.DOC_TYPES)
DOC_TYPE = {"us_code": "law", "toolkit": "guidance", "un_recommendation": "un_report",
            "company_statement": "corporate_statement"}
N_BATCHES = 4
MAX_RUN = 10  # a passage sharing this many consecutive words with a corpus text is dropped
SEED = 71167


def _jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _written(work: Path | list[Path]) -> dict[str, dict]:
    rows = {}
    for f in [f for w in ([work] if isinstance(work, Path) else work) for f in sorted(w.glob("gen_*.jsonl"))]:
        for r in _jsonl(f):
            if set(r["labels"]) - set(THEMES):
                raise SystemExit(f"{f}: {r['id']}: unknown labels {sorted(set(r['labels']) - set(THEMES))}")
            rows[r["id"]] = r
    return rows


def batches(work: Path) -> None:
    """Shuffled, renamed (v0001...) so a reader sees neither the writer's slice nor its labels."""
    rows = list(_written(work).values())
    random.Random(SEED).shuffle(rows)
    key = {f"v{i + 1:04d}": r["id"] for i, r in enumerate(rows)}
    inv = {w: v for v, w in key.items()}
    out = work / "verify"
    out.mkdir(exist_ok=True)
    for b in range(N_BATCHES):
        with (out / f"batch{b + 1}.jsonl").open("w", encoding="utf-8") as fh:
            for r in rows[b::N_BATCHES]:
                fh.write(json.dumps({"id": inv[r["id"]], "doc_type": DOC_TYPE.get(r["style"], r["style"]),
                                     "text": r["text"]}, ensure_ascii=False) + "\n")
    (work / "verify_key.json").write_text(json.dumps(key), encoding="utf-8")
    print(f"{len(rows)} passages in {N_BATCHES} batches -> {out}")


def _second_reading(works: list[Path]) -> dict[str, list[str]]:
    got = {}
    for work in works:
        key = json.loads((work / "verify_key.json").read_text(encoding="utf-8"))
        for f in sorted((work / "verify").glob("labels*.jsonl")):
            for r in _jsonl(f):
                got[key[r["id"]]] = sorted(set(r["labels"]))
    return got


def agree(work: list[Path]) -> dict:
    from sklearn.metrics import cohen_kappa_score

    rows, second = _written(work), _second_reading(work)
    ids = [i for i in rows if i in second]
    exact = sum(set(rows[i]["labels"]) == set(second[i]) for i in ids)
    kappa = {t: round(float(cohen_kappa_score([t in rows[i]["labels"] for i in ids], [t in second[i] for i in ids])), 3)
             for t in THEMES}
    report = {"passages": len(rows), "read_twice": len(ids), "exact": exact, "kappa": kappa}
    print(json.dumps(report))
    return report


def _corpus_runs(texts: list[str], n: int = 7) -> list[int]:
    """Longest run of consecutive words each text shares with the corpus texts (or the resolution)."""
    def toks(s: str) -> list[str]:
        return re.findall(r"[a-z0-9]+", s.lower())

    grams: set[str] = set()
    files = [p for p in (corpus_root() / "texts").rglob("*") if p.is_file()] + [resolution_path()]
    for p in files:
        t = toks(p.read_text(encoding="utf-8", errors="ignore"))
        grams.update(" ".join(t[i:i + n]) for i in range(len(t) - n + 1))
    out = []
    for text in texts:
        t, best, run = toks(text), 0, 0
        for i in range(len(t) - n + 1):
            run = run + 1 if " ".join(t[i:i + n]) in grams else 0
            best = max(best, run + n - 1 if run else 0)
        out.append(best)
    return out


def build(work: list[Path]) -> None:
    rows, second = _written(work), _second_reading(work)
    agreed = [r for i, r in rows.items() if i in second and set(r["labels"]) == set(second[i])]
    runs = _corpus_runs([r["text"] for r in agreed])
    kept = [r for r, n in zip(agreed, runs) if n < MAX_RUN]
    with OUT.open("w", encoding="utf-8") as fh:
        for r in kept:
            fh.write(json.dumps({"id": r["id"], "text": r["text"], "labels": sorted(set(r["labels"])),
                                 "meta": {"doc_type": DOC_TYPE.get(r["style"], r["style"]), "heading": ""},
                                 "style": r["style"], "note": r["note"]}, ensure_ascii=False) + "\n")
    counts = collections.Counter(t for r in kept for t in (r["labels"] or ["none"]))
    print(f"{len(rows)} written, {len(agreed)} agreed, {len(agreed) - len(kept)} dropped for a corpus run of "
          f">= {MAX_RUN} words -> {len(kept)} in {OUT.relative_to(REPO_ROOT)}; {dict(counts)}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("step", choices=["batches", "agree", "build"])
    ap.add_argument("--work", type=Path, nargs="+", required=True,
                    help="one work folder per writing round (batches: one)")
    args = ap.parse_args()
    if args.step == "batches":
        if len(args.work) != 1:
            ap.error("batches: one --work folder")
        batches(args.work[0])
    else:
        {"agree": agree, "build": build}[args.step](args.work)


if __name__ == "__main__":
    main()
