"""Start-up time of the command line: what a new user pays before tipnlp does anything.

    python evaluation/bench/bench_startup.py            # writes evaluation/reports/startup.{md,json}
    python evaluation/bench/bench_startup.py --repeats 3 --no-write

Each case runs ``python -m tipnlp ...`` in a fresh process (cold: interpreter, imports, model load)
``--repeats`` times and reports the median wall time; the text files are written here (no corpus
text). For the default model's one-page case it also times, in one child process, the stages of
the path (CLI import, model load, tagging) so a miss can be traced to its cause.

Targets (issue 14, 2 cores, cold): a missing file answered in < 0.5 s; a one-page text tagged in
<= 1.5 s.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
REPORTS = REPO / "evaluation" / "reports"

ONE_PAGE = """THE EXAMPLE PROTECTION ACT (BENCHMARK TEXT)

PART I - VICTIMS

1. Non-punishment
A victim of trafficking shall not be prosecuted or punished for immigration offences or for unlawful acts
committed as a direct consequence of having been trafficked.

2. Assistance
Every victim shall receive shelter, medical care, counselling and legal aid, whatever the victim's
nationality or willingness to testify.

PART II - PREVENTION

3. Training
Police officers, prosecutors, judges and labour inspectors shall be trained to identify victims and to
refer them to assistance, with attention to the needs of women and girls.

4. Supply chains
Companies with more than 500 employees shall publish each year the due diligence they carry out to keep
forced labour out of their supply chains, including audits of suppliers and recruitment agencies.

5. Demand
Paying for sexual services from a person known to be a victim of trafficking is an offence.
"""

STAGES = r"""
import sys, time
t0 = time.perf_counter()
import tipnlp.cli  # noqa: F401
t1 = time.perf_counter()
from tipnlp.tagger import Tagger
tagger = Tagger.load(sys.argv[2] if sys.argv[2] != "default" else None)
t2 = time.perf_counter()
tagger.tag_file(sys.argv[1])
t3 = time.perf_counter()
print(f"{t1 - t0:.3f} {t2 - t1:.3f} {t3 - t2:.3f}")
"""

NOTES = """Where the time goes (measured with `python -X importtime` and cProfile, issues 12 and 14):

- The command line itself (`--help`, a missing file, a bad `--theme`) loads no heavy library: the input
  and the options are checked before any model is loaded (`tests/test_startup.py` guards this).
- The default model (`context_sentence`) and its OP ranker are stored as plain arrays and JSON
  vocabularies (`classifiers/frozen.py`): loading and tagging import neither scikit-learn (~1.3 s, it
  pulls scipy.stats and pandas) nor spaCy for short texts (`tests/test_shipped_model.py` guards this).
- The lexicon and the earlier TF-IDF models still unpickle scikit-learn objects and build spaCy
  matchers, hence their slower one-page time."""

TARGETS = {"missing file": 0.5, "one-page text (default model)": 1.5}


def _env() -> dict[str, str]:
    env = dict(os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
    env["PYTHONPATH"] = os.pathsep.join([str(REPO / "src"), env.get("PYTHONPATH", "")])
    return env


def time_command(args: list[str], repeats: int) -> tuple[float, int]:
    """Median wall seconds of ``python -m tipnlp *args`` in fresh processes, and the last exit status."""
    times, code = [], 0
    for _ in range(repeats):
        start = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "tipnlp", *args], env=_env(), capture_output=True, timeout=600)
        times.append(time.perf_counter() - start)
        code = proc.returncode
    return statistics.median(times), code


def stages(path: Path, model: str) -> dict[str, float]:
    out = subprocess.run([sys.executable, "-c", STAGES, str(path), model], env=_env(), capture_output=True,
                         text=True, timeout=600, check=True).stdout.split()
    return dict(zip(("cli import", "model load", "tag"), map(float, out)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--no-write", action="store_true", help="Print only; do not write evaluation/reports/startup.*")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        page = Path(tmp) / "one_page.txt"
        page.write_text(ONE_PAGE, encoding="utf-8")
        cases = {
            "--version": ["--version"],
            "--help": ["--help"],
            "missing file": ["classify", str(Path(tmp) / "missing.pdf")],
            "one-page text (lexicon model)": ["classify", str(page), "--model", "lexicon"],
            "one-page text (default model)": ["classify", str(page)],
        }
        rows = []
        for name, cmd in cases.items():
            seconds, code = time_command(cmd, args.repeats)
            target = TARGETS.get(name)
            rows.append({"case": name, "seconds": round(seconds, 3), "exit": code, "target": target,
                         "met": None if target is None else seconds <= target})
            print(f"{name:32s} {seconds:6.2f} s  exit {code}" + (f"  target {target} s" if target else ""), flush=True)
        breakdown = {m: stages(page, m) for m in ("default", "lexicon")}
    for model, parts in breakdown.items():
        print(f"stages ({model}): " + ", ".join(f"{k} {v:.2f} s" for k, v in parts.items()))
    result = {"machine": {"python": platform.python_version(), "cpus": os.cpu_count(), "platform": platform.platform()},
              "repeats": args.repeats, "cases": rows, "stages": breakdown}
    if args.no_write:
        return
    REPORTS.mkdir(parents=True, exist_ok=True)
    (REPORTS / "startup.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    lines = ["# Start-up time of `tipnlp` (cold, fresh process per run)", "",
             f"Median of {args.repeats} runs; Python {result['machine']['python']}, {result['machine']['cpus']} CPUs. "
             "Written by `evaluation/bench/bench_startup.py`.", "",
             "| case | seconds | exit | target |", "|---|---:|---:|---|"]
    for r in rows:
        target = "" if r["target"] is None else f"{r['target']} s ({'met' if r['met'] else 'missed'})"
        lines.append(f"| {r['case']} | {r['seconds']:.2f} | {r['exit']} | {target} |")
    lines += ["", "Stages of the one-page run, in one process (seconds):", "",
              "| model | cli import | model load | tag |", "|---|---:|---:|---:|"]
    for model, parts in breakdown.items():
        lines.append(f"| {model} | {parts['cli import']:.2f} | {parts['model load']:.2f} | {parts['tag']:.2f} |")
    lines += ["", NOTES]
    (REPORTS / "startup.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
