"""tipnlp speed and memory benchmarks: one command, one report.

    python evaluation/bench/run_benchmarks.py            # writes evaluation/reports/benchmarks.{md,json}
    python evaluation/bench/run_benchmarks.py --quick    # fewer repeats, no batch benchmark

Measures, in one run on this machine:

1. PDF text extraction, pages/s: tipnlp's reader (``read_document``: file read, hash, format
   detection, pdfium text, clean-up, page join) against bare pypdfium2 (open, then per page: textpage,
   ``get_text_range``, close) on the same PDFs (the corpus PDFs with a text layer and a generated
   100-page PDF); best of ``--repeats`` per file; the ratio is tipnlp / bare (target >= 0.8).
2. Classification passages/s for every loadable model (``tipnlp.classifiers.list_models()`` plus model
   dirs under ``.cache/models/``): ``predict_proba`` alone and ``Tagger.tag_passages`` (themes,
   evidence spans and OP links) on the passages of a generated 100-page act + report.
3. End to end on that 100-page PDF: ``python -m tipnlp classify`` in a new process (cold: start-up,
   imports and model load included) against a process that only imports the libraries the default
   model pulls in (bare import); in-process ``Tagger.tag_file`` after a warm-up (warm); a cProfile of
   the warm run when it misses its target.
4. Peak memory (``ru_maxrss`` of a fresh child, read with ``os.wait4``) of reading, and of tagging, a
   generated 1,000-page PDF.
5. Batch throughput with 1 and 2 workers via ``evaluation/bench/bench_batch.py`` when it exists.

Targets (2 cores): warm 100-page PDF < 1.5 s; cold <= bare import + 1.5 s; peak < 1 GiB at 1,000 pages.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import io
import json
import os
import platform
import pstats
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
REPORTS = REPO / "evaluation" / "reports"
sys.path.insert(0, str(HERE))

from synthetic_docs import synthetic_pdf  # noqa: E402

TARGET_RATIO = 0.8
TARGET_WARM_S = 1.5
TARGET_COLD_OVER_IMPORT_S = 1.5
TARGET_PEAK_MB = 1024
HEAVY_MODULES = ["numpy", "scipy", "sklearn", "joblib", "spacy", "torch", "transformers", "onnxruntime",
                 "sentence_transformers", "yaml", "pypdfium2", "bs4", "lxml", "docx", "typer", "rich"]


def corpus_dir() -> Path | None:
    env = os.environ.get("TIPNLP_CORPUS_DIR")
    root = Path(env) if env else REPO.parent / "shared" / "corpora"
    return root if (root / "manifest.jsonl").is_file() else None


# A small launcher process starts each measured command and reaps it with os.wait4. Spawning straight
# from this (large) process would not do: Linux carries the parent's RSS high-water mark into a forked
# child's ru_maxrss, so every child would report at least this process's size.
_LAUNCHER = """
import json, os, sys, time
t0 = time.perf_counter()
pid = os.posix_spawn(sys.argv[2], sys.argv[2:], os.environ)
_, status, ru = os.wait4(pid, 0)
wall = time.perf_counter() - t0
with open(sys.argv[1], "w") as fh:
    json.dump({"seconds": wall, "rc": os.waitstatus_to_exitcode(status), "maxrss_kb": ru.ru_maxrss}, fh)
"""


def run_child(args: list[str], timeout: float = 600, env: dict | None = None) -> dict[str, Any]:
    """Run ``args`` in a fresh process: its wall time (perf_counter around spawn and wait, measured by
    the launcher) and its own peak RSS (``ru_maxrss`` from ``os.wait4``)."""
    import signal

    with tempfile.TemporaryDirectory() as tmp:
        result_path = Path(tmp) / "result.json"
        out_path, err_path = Path(tmp) / "out", Path(tmp) / "err"
        with open(out_path, "wb") as out, open(err_path, "wb") as err:
            proc = subprocess.Popen([sys.executable, "-c", _LAUNCHER, str(result_path), *args], stdout=out, stderr=err,
                                    env=env, cwd=REPO, start_new_session=True)
            try:
                proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        res = json.loads(result_path.read_text()) if result_path.is_file() else {"seconds": float(timeout), "rc": -9, "maxrss_kb": 0}
        return {"seconds": res["seconds"], "rc": res["rc"], "maxrss_mb": res["maxrss_kb"] / 1024,
                "stdout": out_path.read_text("utf-8", "replace"), "stderr": err_path.read_text("utf-8", "replace")}


# ----------------------------------------------------------------------------------- 1. extraction
def bare_pdfium_text(path: Path) -> int:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(path))
    try:
        n = len(pdf)
        for i in range(n):
            page = pdf[i]
            textpage = page.get_textpage()
            textpage.get_text_range()
            textpage.close()
            page.close()
    finally:
        pdf.close()
    return n


def bench_extraction(pdfs: list[Path], repeats: int) -> dict[str, Any]:
    from tipnlp.errors import TipnlpError
    from tipnlp.ingest import read_document

    rows = []
    for path in pdfs:
        try:
            read_document(path)  # warm the file cache; skips PDFs tipnlp refuses (scans)
        except TipnlpError as exc:
            rows.append({"file": path.name, "skipped": f"{exc.code}"})
            continue
        bare, ours = [], []
        for _ in range(repeats):
            t0 = time.perf_counter()
            n = bare_pdfium_text(path)
            bare.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            read_document(path)
            ours.append(time.perf_counter() - t0)
        rows.append({"file": path.name, "pages": n, "bare_s": min(bare), "tipnlp_s": min(ours),
                     "ratio": min(bare) / min(ours)})
    done = [r for r in rows if "pages" in r]
    pages = sum(r["pages"] for r in done)
    bare_s = sum(r["bare_s"] for r in done)
    ours_s = sum(r["tipnlp_s"] for r in done)
    return {"files": rows, "pages": pages, "bare_pages_per_s": pages / bare_s, "tipnlp_pages_per_s": pages / ours_s,
            "ratio": bare_s / ours_s, "worst_file_ratio": min((r["ratio"] for r in done), default=None)}


def profile_reader(path: Path) -> str:
    from tipnlp.ingest import read_document

    prof = cProfile.Profile()
    prof.enable()
    read_document(path)
    prof.disable()
    return _top(prof, 12)


# ----------------------------------------------------------------------------------- 2. models
def model_specs() -> list[str]:
    from tipnlp.classifiers import list_models

    specs = list(list_models())
    cache = REPO / ".cache" / "models"
    if cache.is_dir():
        specs += sorted(str(p) for p in cache.iterdir() if (p / "config.json").is_file())
    return specs


def bench_models(texts: list[str], repeats: int) -> list[dict[str, Any]]:
    from tipnlp.classifiers import load_model, model_config, resolve_model_path
    from tipnlp.errors import TipnlpError
    from tipnlp.tagger import Tagger

    rows = []
    for spec in model_specs():
        row: dict[str, Any] = {"model": Path(spec).name if os.sep in spec else spec}
        try:
            path = resolve_model_path(spec)
            row["family"] = "lexicon" if path is None else model_config(path).get("family", "?")
            t0 = time.perf_counter()
            model = load_model(spec)
            row["load_s"] = time.perf_counter() - t0
            model.predict_proba(texts[:8])  # warm-up (lazy pipelines, first-call caches)
            times = []
            for _ in range(repeats):
                t0 = time.perf_counter()
                model.predict_proba(texts)
                times.append(time.perf_counter() - t0)
            row["predict_passages_per_s"] = len(texts) / min(times)
            tagger = Tagger.load(model)
            tagger.tag_passages(texts[:8])
            t0 = time.perf_counter()
            tagger.tag_passages(texts)
            row["tag_passages_per_s"] = len(texts) / (time.perf_counter() - t0)
        except TipnlpError as exc:
            row["skipped"] = f"{exc.code}: {exc}"[:200]
        except Exception as exc:  # a model family under construction must not stop the other rows
            row["skipped"] = f"{type(exc).__name__}: {exc}"[:200]
        rows.append(row)
    return rows


# ----------------------------------------------------------------------------------- 3. end to end
_IMPORTS_PROBE = """
import json, sys, time
t0 = time.perf_counter()
from tipnlp.tagger import Tagger
tagger = Tagger.load()
tagger.tag_file(sys.argv[1])
mods = sorted({m.split('.')[0] for m in sys.modules})
print(json.dumps(mods))
"""


def default_model_imports(pdf: Path) -> list[str]:
    """The heavy libraries a default-model run imports (found by running one and reading sys.modules)."""
    res = run_child([sys.executable, "-c", _IMPORTS_PROBE, str(pdf)])
    if res["rc"] != 0:
        raise RuntimeError(f"probe failed: {res['stderr'][-2000:]}")
    mods = set(json.loads(res["stdout"].strip().splitlines()[-1]))
    return [m for m in HEAVY_MODULES if m in mods]


_COLD_BREAKDOWN_PROBE = """
import json, sys, time
marks = [("start", time.perf_counter())]
import tipnlp.cli
marks.append(("import tipnlp.cli (typer, rich)", time.perf_counter()))
from tipnlp.tagger import Tagger
marks.append(("import tipnlp.tagger (numpy, sklearn parts)", time.perf_counter()))
tagger = Tagger.load()
marks.append(("Tagger.load (model files, linker)", time.perf_counter()))
tagger.tag_file(sys.argv[1])
marks.append(("first tag_file (caches filled: word n-grams, rule tests)", time.perf_counter()))
tagger.tag_file(sys.argv[1])
marks.append(("second tag_file (warm)", time.perf_counter()))
print(json.dumps({b[0]: b[1] - a[1] for a, b in zip(marks, marks[1:])}))
"""


def cold_breakdown(pdf: Path) -> dict[str, float] | None:
    """Where a cold run's time goes: the same steps as ``classify``, timed inside one fresh process."""
    res = run_child([sys.executable, "-c", _COLD_BREAKDOWN_PROBE, str(pdf)])
    return json.loads(res["stdout"].strip().splitlines()[-1]) if res["rc"] == 0 else None


def bench_cold(pdf: Path, out_json: Path, modules: list[str], repeats: int) -> dict[str, Any]:
    python = [sys.executable]
    cold_cmd = python + ["-m", "tipnlp", "classify", str(pdf), "--format", "json", "--out", str(out_json)]
    bare_import = "import " + ", ".join(m if m != "scipy" else "scipy.sparse" for m in modules)
    runs = {"interpreter": python + ["-c", "pass"], "bare_import": python + ["-c", bare_import],
            "cli_help": python + ["-m", "tipnlp", "--help"], "cold_classify": cold_cmd}
    out: dict[str, Any] = {"bare_import_statement": bare_import, "command": " ".join(["python"] + cold_cmd[1:])}
    for _ in range(1):  # one untimed round: page cache, .pyc files
        for args in runs.values():
            run_child(args)
    for key, args in runs.items():
        res = [run_child(args) for _ in range(repeats)]
        bad = [r for r in res if r["rc"] != 0]
        if bad:
            out[key] = {"error": bad[0]["stderr"][-1500:]}
            continue
        secs = [r["seconds"] for r in res]
        out[key] = {"median_s": statistics.median(secs), "min_s": min(secs),
                    "maxrss_mb": max(r["maxrss_mb"] or 0 for r in res)}
    out["breakdown"] = cold_breakdown(pdf)
    if "median_s" in out.get("cold_classify", {}) and "median_s" in out.get("bare_import", {}):
        out["cold_minus_bare_import_s"] = out["cold_classify"]["median_s"] - out["bare_import"]["median_s"]
    return out


def bench_warm(pdf: Path, repeats: int) -> dict[str, Any]:
    from tipnlp.tagger import Tagger

    t0 = time.perf_counter()
    tagger = Tagger.load()
    load_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    first = tagger.tag_file(pdf)
    first_s = time.perf_counter() - t0
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        tagger.tag_file(pdf)
        times.append(time.perf_counter() - t0)
    stages = stage_times(tagger, pdf)
    out = {"model": tagger.model_name, "load_s": load_s, "first_call_s": first_s, "median_s": statistics.median(times),
           "min_s": min(times), "pages": first.document.page_count, "passages": len(first.passages),
           "chars": len(first.document.text), "stages_s": stages}
    if out["median_s"] >= TARGET_WARM_S:
        prof = cProfile.Profile()
        prof.enable()
        tagger.tag_file(pdf)
        prof.disable()
        out["profile"] = _top(prof, 25)
    return out


def stage_times(tagger: Any, pdf: Path) -> dict[str, float]:
    """Seconds per stage of one warm run, using the same public pieces ``Tagger`` chains together."""
    import numpy as np

    from tipnlp.ingest import read_document
    from tipnlp.report import build_document_report
    from tipnlp.segment import segment

    t: dict[str, float] = {}
    t0 = time.perf_counter()
    doc = read_document(pdf)
    t["read (ingest)"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    passages = segment(doc, tagger.segmenter)
    t["segment"] = time.perf_counter() - t0
    texts = [p.text for p in passages]
    model = tagger.model
    t0 = time.perf_counter()
    proba = model.predict_proba(texts)
    thresholds = model.threshold_vector()
    t["predict_proba + thresholds"] = time.perf_counter() - t0
    themes = list(model.themes)
    assigned = [[themes[j] for j in np.flatnonzero(row >= thresholds)] for row in proba]
    t0 = time.perf_counter()
    n_evidence = 0
    for text, ths in zip(texts, assigned):
        for theme in ths:
            model.evidence(text, theme, tagger.evidence_limit)
            n_evidence += 1
    t[f"evidence ({n_evidence} calls: one per passage and theme)"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    tagger.ranker.link(texts, assigned)
    t["OP ranking"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    preds = tagger._predict(texts, [p.start for p in passages],
                            [(p.doc_id, p.passage_id, p.page_start, p.page_end, p.heading) for p in passages])
    build_document_report(doc, preds, tagger.model_name)
    t["whole classify step again (Tagger._predict + report), for comparison"] = time.perf_counter() - t0
    return t


def _top(prof: cProfile.Profile, n: int) -> str:
    buf = io.StringIO()
    stats = pstats.Stats(prof, stream=buf)
    stats.sort_stats("cumulative").print_stats(n)
    buf.write("\n--- by own time ---\n")
    stats.sort_stats("tottime").print_stats(n)
    text = buf.getvalue()
    return "\n".join(ln for ln in text.splitlines() if ln.strip() and not ln.startswith(("   Ordered by", "   List reduced")))


# ----------------------------------------------------------------------------------- 4. memory
_READ_PROBE = "import sys, tipnlp.ingest as i; d = i.read_document(sys.argv[1]); print(len(d.text), d.page_count)"
_TAG_PROBE = ("import sys; from tipnlp.tagger import Tagger; r = Tagger.load().tag_file(sys.argv[1]); "
              "print(len(r.document.text), r.document.page_count, len(r.passages))")
_TRACE_PROBE = ("import sys, tracemalloc; tracemalloc.start(); import tipnlp.ingest as i; d = i.read_document(sys.argv[1]); "
                "print(tracemalloc.get_traced_memory()[1] / 2**20)")


def bench_memory(pdf1000: Path) -> dict[str, Any]:
    out: dict[str, Any] = {"pdf_bytes": pdf1000.stat().st_size}
    base = run_child([sys.executable, "-c", "import tipnlp.ingest, pypdfium2, tipnlp.tagger"])
    out["baseline_imports_maxrss_mb"] = base["maxrss_mb"]
    for key, code in (("read_1000_pages", _READ_PROBE), ("tag_file_1000_pages", _TAG_PROBE)):
        res = run_child([sys.executable, "-c", code, str(pdf1000)])
        out[key] = {"maxrss_mb": res["maxrss_mb"], "seconds": res["seconds"], "rc": res["rc"],
                    "stdout": res["stdout"].strip()[-200:], **({"stderr": res["stderr"][-1500:]} if res["rc"] else {})}
    res = run_child([sys.executable, "-c", _TRACE_PROBE, str(pdf1000)])
    out["read_1000_pages_tracemalloc_peak_mb"] = float(res["stdout"].strip() or "nan") if res["rc"] == 0 else None
    return out


# ----------------------------------------------------------------------------------- 5. batch
def bench_batch(timeout: float, n_synthetic: int) -> dict[str, Any]:
    """Run ``bench_batch.py`` (another engineer's) for the local engine with 1 and 2 workers.

    Its JSON goes to a temporary file so its own report (``evaluation/reports/bench_batch.json``) is
    left as its author last wrote it.
    """
    script = HERE / "bench_batch.py"
    if not script.is_file():
        return {"status": "pending: evaluation/bench/bench_batch.py does not exist yet"}
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "bench_batch.json"
        cmd = ["evaluation/bench/bench_batch.py", "--configs", "local-1,local-2", "--n-synthetic", str(n_synthetic)]
        res = run_child([sys.executable, *cmd, "--report", str(report)], timeout=timeout)
        out: dict[str, Any] = {"command": "python " + " ".join(cmd), "rc": res["rc"], "seconds": res["seconds"],
                               "stdout": res["stdout"][-6000:]}
        if res["rc"] != 0:
            out["stderr"] = res["stderr"][-2000:]
        if report.is_file():
            try:
                out["json"] = json.loads(report.read_text(encoding="utf-8"))
            except json.JSONDecodeError:
                pass
    return out


# ----------------------------------------------------------------------------------- report
def _f(x: Any, nd: int = 2) -> str:
    return "n/a" if x is None else (f"{x:.{nd}f}" if isinstance(x, float) else str(x))


def verdict(ok: bool | None) -> str:
    return "n/a" if ok is None else ("met" if ok else "**missed**")


def write_report(r: dict[str, Any], md_path: Path) -> None:
    env = r["environment"]
    ex, warm, cold, mem = r["extraction"], r["warm"], r["cold"], r["memory"]
    L = ["# tipnlp benchmarks", "",
         f"Generated by `python evaluation/bench/run_benchmarks.py` on {env['date']} — {env['cpus']} CPUs, "
         f"Python {env['python']}, {env['platform']}; load average at start {env['loadavg_start']}, at end "
         f"{env['loadavg_end']} (other jobs on the machine make numbers noisy; each timing is the best or "
         "median of several runs, as stated).", "",
         "## Summary", "",
         "| measurement | value | target | verdict | how |", "|---|---|---|---|---|"]
    L.append(f"| PDF text extraction, tipnlp / bare pypdfium2 | {ex['ratio']:.2f} ({ex['tipnlp_pages_per_s']:.0f} vs "
             f"{ex['bare_pages_per_s']:.0f} pages/s, {ex['pages']} pages) | >= {TARGET_RATIO} | {verdict(ex['ratio'] >= TARGET_RATIO)} | "
             f"sum of best-of-{r['repeats']} times over the same PDFs, same run |")
    if "median_s" in warm:
        L.append(f"| warm `Tagger.tag_file`, {warm['pages']}-page PDF ({warm['model']}) | {warm['median_s']:.2f} s "
                 f"(min {warm['min_s']:.2f}) | < {TARGET_WARM_S} s | {verdict(warm['median_s'] < TARGET_WARM_S)} | "
                 f"in-process, median of {r['repeats']} after a warm-up call |")
    c = cold.get("cold_classify", {})
    b = cold.get("bare_import", {})
    if "median_s" in c and "median_s" in b:
        diff = cold["cold_minus_bare_import_s"]
        diff_min = c["min_s"] - b["min_s"]
        L.append(f"| cold `python -m tipnlp classify`, 100-page PDF | median {c['median_s']:.2f} s vs bare import {b['median_s']:.2f} s: "
                 f"+{diff:.2f} s; best {c['min_s']:.2f} vs {b['min_s']:.2f} s: +{diff_min:.2f} s | cold <= import + {TARGET_COLD_OVER_IMPORT_S} s | "
                 f"{verdict(diff <= TARGET_COLD_OVER_IMPORT_S)} (median), {verdict(diff_min <= TARGET_COLD_OVER_IMPORT_S)} (best) | "
                 f"new process timed with perf_counter, {max(3, r['repeats'])} runs each |")
    for key, label in (("read_1000_pages", "read"), ("tag_file_1000_pages", "Tagger.tag_file")):
        m = mem.get(key, {})
        if m.get("maxrss_mb"):
            L.append(f"| peak RSS, {label} of a 1,000-page PDF | {m['maxrss_mb']:.0f} MB ({m['seconds']:.1f} s) | < {TARGET_PEAK_MB} MB | "
                     f"{verdict(m['maxrss_mb'] < TARGET_PEAK_MB and m['rc'] == 0)} | ru_maxrss of a fresh process (os.wait4) |")
    for row in r["models"]:
        if "predict_passages_per_s" in row:
            L.append(f"| classification, `{row['model']}` ({row['family']}) | {row['predict_passages_per_s']:.0f} passages/s "
                     f"predict_proba; {row['tag_passages_per_s']:.0f} passages/s with evidence and OP links | — | — | "
                     f"{r['n_passages']} passages of the generated 100-page document, best of {r['repeats']} |")
        else:
            L.append(f"| classification, `{row['model']}` | skipped: {row.get('skipped', '')[:120]} | — | — | |")
    L += ["", "## 1. PDF text extraction", "",
          "Bare pypdfium2: open, then per page `get_textpage().get_text_range()` and close. tipnlp: `read_document` "
          "(read the file, SHA-256, detect the format, the same pdfium loop, header/footer and hyphen clean-up, page "
          "join). Best of the repeats per file.", "",
          "| file | pages | bare s | tipnlp s | ratio |", "|---|---|---|---|---|"]
    for f in ex["files"]:
        if "pages" in f:
            L.append(f"| {f['file']} | {f['pages']} | {f['bare_s']:.3f} | {f['tipnlp_s']:.3f} | {f['ratio']:.2f} |")
        else:
            L.append(f"| {f['file']} | — | — | — | skipped ({f['skipped']}) |")
    if r.get("reader_profile"):
        L += ["", "Profile of one `read_document` call on the slowest-ratio file:", "", "```", r["reader_profile"], "```"]
    L += ["", "## 2. Classification", "",
          f"Passages: the {r['n_passages']} passages `segment` cuts from the generated 100-page act + report. "
          "`predict_proba` alone, then `Tagger.tag_passages` (thresholds, evidence spans, OP links, records).", "",
          "| model | family | load s | predict_proba passages/s | tag_passages passages/s |", "|---|---|---|---|---|"]
    for row in r["models"]:
        if "predict_passages_per_s" in row:
            L.append(f"| {row['model']} | {row['family']} | {row['load_s']:.2f} | {row['predict_passages_per_s']:.0f} | {row['tag_passages_per_s']:.0f} |")
        else:
            L.append(f"| {row['model']} | {row.get('family', '?')} | — | skipped: {row.get('skipped', '')[:150]} | — |")
    L += ["", "## 3. End to end, 100-page PDF", "",
          f"Command: `{cold.get('command')}`; bare import: `{cold.get('bare_import_statement')}` (the heavy libraries a "
          "default-model run imports, found from `sys.modules` of a probe run).", "",
          "| process | median s | min s | peak RSS MB |", "|---|---|---|---|"]
    for key in ("interpreter", "bare_import", "cli_help", "cold_classify"):
        v = cold.get(key, {})
        if "median_s" in v:
            L.append(f"| {key} | {v['median_s']:.2f} | {v['min_s']:.2f} | {v['maxrss_mb']:.0f} |")
        elif v:
            L.append(f"| {key} | failed: {v.get('error', '')[-200:]!r} | | |")
    if cold.get("breakdown"):
        L += ["", "Where a cold run's time goes (one fresh process, the steps of `classify` timed in order; heavy "
              "imports happen inside the step that first needs them):", "", "| step | s |", "|---|---|"]
        L += [f"| {k} | {v:.2f} |" for k, v in cold["breakdown"].items()]
    if "median_s" in warm:
        L += ["", f"Warm in-process run ({warm['pages']} pages, {warm['chars']} characters, {warm['passages']} passages): model load "
              f"{warm['load_s']:.2f} s, first call {warm['first_call_s']:.2f} s (caches filled), then median "
              f"{warm['median_s']:.2f} s. Time per stage of one warm run (same pieces as `Tagger.tag_file`, timed one by one):", "",
              "| stage | s |", "|---|---|"]
        L += [f"| {k} | {v:.3f} |" for k, v in warm["stages_s"].items()]
    if warm.get("profile"):
        L += ["", "cProfile of one warm `tag_file` (target missed):", "", "```", warm["profile"], "```"]
    if r.get("analysis"):
        L += ["", "### Analysis", "", r["analysis"]]
    L += ["", "## 4. Memory, 1,000-page PDF", "",
          f"A generated 1,000-page text PDF ({mem['pdf_bytes'] / 2**20:.1f} MB). Peak RSS of a fresh process that "
          f"only imports tipnlp, pypdfium2 and the tagger: {_f(mem.get('baseline_imports_maxrss_mb'), 0)} MB. Python "
          f"heap peak while reading (tracemalloc): {_f(mem.get('read_1000_pages_tracemalloc_peak_mb'), 0)} MB. Pages are "
          "opened, read and closed one at a time (checked by `tests/test_fuzz_ingest.py`).", "",
          "| process | peak RSS MB | s | output |", "|---|---|---|---|"]
    for key in ("read_1000_pages", "tag_file_1000_pages"):
        m = mem.get(key, {})
        L.append(f"| {key} | {_f(m.get('maxrss_mb'), 0)} | {_f(m.get('seconds'), 1)} | {m.get('stdout', '')} |")
    batch = r["batch"]
    L += ["", "## 5. Batch throughput", ""]
    if "status" in batch:
        L.append(batch["status"])
    else:
        L += [f"`{batch['command']}` (exit code {batch['rc']}, {batch['seconds']:.0f} s). Its output:", "", batch["stdout"].strip() or "(none)"]
        if batch.get("stderr"):
            L += ["", "```", batch["stderr"][-1500:], "```"]
    md_path.write_text("\n".join(L) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--quick", action="store_true", help="2 repeats, skip the batch benchmark")
    ap.add_argument("--out", type=Path, default=REPORTS / "benchmarks.md")
    ap.add_argument("--batch-timeout", type=float, default=1200)
    ap.add_argument("--batch-n", type=int, default=300, help="synthetic documents for bench_batch.py (default 300)")
    ap.add_argument("--no-batch", action="store_true")
    ap.add_argument("--from-json", type=Path, help="only rewrite the markdown from a saved JSON (e.g. after editing analysis.md)")
    args = ap.parse_args(argv)
    if args.from_json:
        saved = json.loads(args.from_json.read_text(encoding="utf-8"))
        analysis = HERE / "analysis.md"
        if analysis.is_file():
            saved["analysis"] = analysis.read_text(encoding="utf-8").strip()
        write_report(saved, args.out)
        print(f"rewrote {args.out} from {args.from_json}")
        return 0
    repeats = 2 if args.quick else args.repeats
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

    def step(msg: str) -> None:
        print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)

    r: dict[str, Any] = {"repeats": repeats, "environment": {
        "date": dt.datetime.now().strftime("%Y-%m-%d %H:%M"), "cpus": os.cpu_count(), "python": platform.python_version(),
        "platform": platform.platform(), "loadavg_start": " ".join(f"{x:.1f}" for x in os.getloadavg())}}
    with tempfile.TemporaryDirectory(prefix="tipnlp-bench-") as tmp:
        tmpdir = Path(tmp)
        step("generating the 100- and 1,000-page PDFs")
        pdf100 = synthetic_pdf(tmpdir / "varnland_act_100.pdf", 100, seed=1)
        pdf1000 = synthetic_pdf(tmpdir / "varnland_act_1000.pdf", 1000, seed=2)

        step("1. PDF extraction")
        root = corpus_dir()
        pdfs = sorted((root / "pdf").glob("*.pdf")) if root else []
        r["extraction"] = bench_extraction(pdfs + [pdf100], repeats)
        worst = min((f for f in r["extraction"]["files"] if "ratio" in f), key=lambda f: f["ratio"], default=None)
        if worst and worst["ratio"] < TARGET_RATIO:
            r["reader_profile"] = profile_reader(next(p for p in pdfs + [pdf100] if p.name == worst["file"]))

        step("2. classification")
        from tipnlp.ingest import read_document
        from tipnlp.segment import segment

        texts = [p.text for p in segment(read_document(pdf100))]
        r["n_passages"] = len(texts)
        r["models"] = bench_models(texts, repeats)

        step("3. end to end: warm")
        r["warm"] = bench_warm(pdf100, repeats)
        step("3. end to end: cold")
        modules = default_model_imports(pdf100)
        r["cold"] = bench_cold(pdf100, tmpdir / "out.json", modules, max(3, repeats))

        step("4. memory")
        r["memory"] = bench_memory(pdf1000)

    step("5. batch")
    r["batch"] = {"status": "skipped (--quick/--no-batch)"} if (args.quick or args.no_batch) else bench_batch(args.batch_timeout, args.batch_n)
    r["environment"]["loadavg_end"] = " ".join(f"{x:.1f}" for x in os.getloadavg())
    REPORTS.mkdir(parents=True, exist_ok=True)
    analysis = HERE / "analysis.md"
    if analysis.is_file():  # hand-written notes on hot paths, kept next to the script
        r["analysis"] = analysis.read_text(encoding="utf-8").strip()
    write_report(r, args.out)
    args.out.with_suffix(".json").write_text(json.dumps(r, indent=2, default=str), encoding="utf-8")
    step(f"wrote {args.out} and {args.out.with_suffix('.json')}")
    print(args.out.read_text(encoding="utf-8").split("## 1.")[0])
    return 0


if __name__ == "__main__":
    sys.exit(main())
