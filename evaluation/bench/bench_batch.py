"""Benchmark ``tipnlp batch``: documents/s, pages/s and peak memory per engine and worker count.

    python evaluation/bench/bench_batch.py                 # corpus + 1,000 synthetic documents
    python evaluation/bench/bench_batch.py --n-synthetic 200 --configs local-1,local-2

Collections: (a) every file of the shared corpus manifest, read in place (the manifest is the
batch input); (b) a generated collection of short laws, reports and statements made from the
sentence templates below (written for this file; no corpus text). Configurations: the local engine
with 1 and 2 workers, and the Dask engine on a local cluster of 2 workers.

Each configuration runs in a fresh subprocess so that its peak memory is its own: ``RUSAGE_SELF``
is the parent (collection, writer), ``RUSAGE_CHILDREN`` the largest worker process (the kernel
reports the maximum over children, not their sum). Rates are given two ways: over the whole run
(start-up included: spawning workers, loading the model) and in steady state (first to last result).

Writes a markdown table to stdout and ``evaluation/reports/bench_batch.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DEFAULT_CONFIGS = ("local-1", "local-2", "dask-2")

# -- synthetic collection ---------------------------------------------------------------------------
_PLACES = ["Norland", "the Eastern Province", "Port Aven", "the Lake District", "Kessary", "the capital region"]
_ACTORS = ["The Ministry of Labour", "The National Police", "The Office of the Prosecutor", "The Social Welfare Agency",
           "The Border Service", "The Coordination Committee", "The Ministry of Health", "The Judicial Academy"]
_GROUPS = ["migrant workers", "children", "domestic workers", "seasonal farm hands", "fishing crews", "refugees"]
_SECTORS = ["textiles", "fisheries", "cocoa farming", "construction", "electronics assembly", "hotel services"]
_TEMPLATES = {
    "protection": [
        "{actor} shall provide safe housing, medical care and interpreters to every person identified as a victim of trafficking in {place}.",
        "A victim of trafficking shall not be fined, detained or prosecuted for immigration or labour offences committed because the victim was exploited.",
        "Support for {group} who escaped exploitation shall not depend on their readiness to testify against the traffickers.",
        "Victims may claim compensation for unpaid wages and for harm suffered, with free legal advice provided by the state.",
    ],
    "training": [
        "{actor} trained {n} officers, prosecutors and judges on identifying trafficked {group} during the year.",
        "Training modules for frontline staff shall address the particular situation of women and girls and be gender-sensitive.",
        "Labour inspectors in {place} attended a course on interviewing {group} with the help of cultural mediators.",
    ],
    "business": [
        "Companies sourcing from the {sector} sector shall map their suppliers and report on risks of forced labour each year.",
        "Recruitment agencies may not charge fees to {group}, and employers may not keep workers' passports.",
        "{actor} audited {n} factories in the {sector} industry and ordered the repayment of recruitment debts.",
        "Our company requires its suppliers in {sector} to allow unannounced audits and to remedy any case of debt bondage.",
    ],
    "demand": [
        "{actor} ran a campaign in {place} to discourage the purchase of sexual services from persons who may be trafficked.",
        "Knowingly using the labour or services of a trafficked person is an offence punishable by up to {n} years in prison.",
        "Consumers were informed about goods produced with forced labour in the {sector} sector.",
    ],
    "organs": [
        "Hospitals shall report to {actor} any request for a transplant that suggests trafficking for the removal of organs.",
        "Brokering the sale of a kidney or other organ is an offence, and transplant tourism from {place} will be monitored.",
    ],
    "admin": [
        "The committee met {n} times and adopted its rules of procedure.",
        "The annual budget of {actor} was approved without amendment.",
        "Statistics for {place} will be published in the next reporting period.",
        "This report covers the period from January to December and was prepared with the help of {n} agencies.",
    ],
}


def _sentence(rng: random.Random, topic: str) -> str:
    return rng.choice(_TEMPLATES[topic]).format(
        actor=rng.choice(_ACTORS), place=rng.choice(_PLACES), group=rng.choice(_GROUPS),
        sector=rng.choice(_SECTORS), n=rng.randint(2, 900),
    )


def make_synthetic_collection(folder: Path, n: int, seed: int = 71167) -> list[Path]:
    """``n`` short laws (.txt), reports (.md) and company statements (.html) in ``folder``."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    topics = list(_TEMPLATES)
    paths = []
    for i in range(n):
        kind = ("law", "report", "statement")[i % 3]
        paras = []
        for k in range(rng.randint(4, 12)):
            chosen = rng.sample(topics, 2)
            body = " ".join(_sentence(rng, rng.choice(chosen)) for _ in range(rng.randint(1, 4)))
            paras.append(f"Section {k + 1}. {body}" if kind == "law" else body)
        if kind == "law":
            path = folder / f"law_{i:05d}.txt"
            path.write_text(f"Act No. {i} on trafficking in persons\n\n" + "\n\n".join(paras) + "\n", encoding="utf-8")
        elif kind == "report":
            path = folder / f"report_{i:05d}.md"
            path.write_text(f"# Annual report {i}\n\n" + "\n\n".join(f"{j + 1}. {p}" for j, p in enumerate(paras)) + "\n",
                            encoding="utf-8")
        else:
            path = folder / f"statement_{i:05d}.html"
            body = "".join(f"<p>{p}</p>" for p in paras)
            path.write_text(f"<!DOCTYPE html><html><head><title>Statement {i}</title></head><body>"
                            f"<h1>Modern slavery statement {i}</h1>{body}</body></html>", encoding="utf-8")
        paths.append(path)
    return paths


# -- one measured run (in its own process) ----------------------------------------------------------
def _one(args: argparse.Namespace) -> None:
    import resource

    from tipnlp.batch.runner import BatchConfig, run_batch

    engine, workers = args.one.split("-")
    stamps: list[float] = []
    config = BatchConfig(out_dir=Path(args.out), model=args.model, workers=int(workers), engine=engine,
                         overwrite=True)
    start = time.perf_counter()
    summary = run_batch(args.inputs, config, on_result=lambda r: stamps.append(time.perf_counter()))
    wall = time.perf_counter() - start
    steady = (stamps[-1] - stamps[0]) if len(stamps) > 1 else None
    print(json.dumps({
        "config": args.one, "engine": engine, "workers": int(workers), "model": summary.model,
        "documents": summary.documents, "ok": summary.ok, "failed": summary.failed,
        "pages": summary.pages, "passages": summary.passages, "seconds": round(wall, 3),
        "startup_seconds": round(stamps[0] - start, 3) if stamps else None,
        "docs_per_s": round(summary.documents / wall, 3),
        "pages_per_s": round(summary.pages / wall, 3),
        "steady_docs_per_s": round((len(stamps) - 1) / steady, 3) if steady else None,
        "peak_rss_parent_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "peak_rss_worker_mb": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1),
    }))


def _corpus_dir(given: str | None) -> Path | None:
    for candidate in (given, os.environ.get("TIPNLP_CORPUS_DIR"), str(REPO.parent / "shared" / "corpora")):
        if candidate and (Path(candidate) / "manifest.jsonl").is_file():
            return Path(candidate)
    return None


def _table(rows: list[dict]) -> str:
    lines = [
        "| collection | engine | workers | docs | pages | failed | wall s | docs/s | pages/s | steady docs/s | "
        "start-up s | peak RSS parent MB | peak RSS worker MB |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['collection']} | {r['engine']} | {r['workers']} | {r['documents']} | {r['pages']} | "
            f"{sum(r['failed'].values())} | {r['seconds']:.1f} | {r['docs_per_s']:.2f} | {r['pages_per_s']:.2f} | "
            f"{r['steady_docs_per_s'] or 0:.2f} | {r['startup_seconds'] or 0:.1f} | {r['peak_rss_parent_mb']:.0f} | "
            f"{r['peak_rss_worker_mb']:.0f} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus-dir", help="Shared corpus folder (default: $TIPNLP_CORPUS_DIR or ../shared/corpora).")
    parser.add_argument("--n-synthetic", type=int, default=1000, help="Documents in the generated collection.")
    parser.add_argument("--configs", default=",".join(DEFAULT_CONFIGS), help="engine-workers, comma-separated.")
    parser.add_argument("--model", default=None, help="Model name or directory (default: the default model).")
    parser.add_argument("--report", type=Path, default=REPO / "evaluation" / "reports" / "bench_batch.json")
    parser.add_argument("--keep", action="store_true", help="Keep the generated collection and results folders.")
    parser.add_argument("--one", help=argparse.SUPPRESS)
    parser.add_argument("--inputs", nargs="*", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        _one(args)
        return 0

    collections: list[tuple[str, list[str]]] = []
    corpus = _corpus_dir(args.corpus_dir)
    tmp = Path(tempfile.mkdtemp(prefix="tipnlp-bench-batch-"))
    if corpus is not None:
        collections.append(("corpus", [str(corpus / "manifest.jsonl")]))
    else:
        print("warning: shared corpus not found; measuring the synthetic collection only", file=sys.stderr)
    if args.n_synthetic > 0:
        make_synthetic_collection(tmp / "synthetic", args.n_synthetic)
        collections.append((f"synthetic-{args.n_synthetic}", [str(tmp / "synthetic")]))
    rows = []
    for name, inputs in collections:
        for config in args.configs.split(","):
            cmd = [sys.executable, __file__, "--one", config, "--out", str(tmp / f"out-{name}-{config}"),
                   "--inputs", *inputs]
            if args.model:
                cmd += ["--model", args.model]
            print(f"running {name} / {config} ...", file=sys.stderr, flush=True)
            proc = subprocess.run(cmd, capture_output=True, text=True)
            if proc.returncode != 0:
                print(proc.stderr[-3000:], file=sys.stderr)
                raise SystemExit(f"{name} / {config} failed")
            row = json.loads(proc.stdout.strip().splitlines()[-1])
            row["collection"] = name
            rows.append(row)
            print(f"  {row['documents']} docs in {row['seconds']:.1f} s", file=sys.stderr, flush=True)

    def scaling(collection: str, key: str = "docs_per_s") -> float | None:
        by = {r["config"]: r for r in rows if r["collection"] == collection}
        if "local-1" in by and "local-2" in by and by["local-1"].get(key) and by["local-2"].get(key):
            return round(by["local-2"][key] / by["local-1"][key], 3)
        return None

    report = {
        "benchmark": "tipnlp batch",
        "model": rows[0]["model"] if rows else args.model,
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version(),
                    "load_average_at_end": list(os.getloadavg())},
        "runs": rows,
        "scaling_local_1_to_2_workers": {name: scaling(name) for name, _ in collections},
        "scaling_local_1_to_2_workers_steady": {name: scaling(name, "steady_docs_per_s") for name, _ in collections},
    }
    if not args.keep:
        import shutil

        shutil.rmtree(tmp, ignore_errors=True)
    else:
        print(f"kept collections and results under {tmp}", file=sys.stderr)
    args.report.parent.mkdir(parents=True, exist_ok=True)
    args.report.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"model: {report['model']}; machine: {os.cpu_count()} CPUs, load average at end "
          f"{', '.join(f'{x:.1f}' for x in os.getloadavg())}\n")
    print(_table(rows))
    print()
    for name, factor in report["scaling_local_1_to_2_workers"].items():
        steady = report["scaling_local_1_to_2_workers_steady"][name]
        if factor is not None:
            print(f"- {name}: local engine 1 -> 2 workers: x{factor:.2f} documents/s over the whole run, "
                  f"x{steady or 0:.2f} in steady state")
    return 0


if __name__ == "__main__":
    sys.exit(main())
