"""The batch workflow as documented: path lists with a missing line, `batch && report`, interruptions.

Documents are written here (no corpus text); runs use the lexicon model and one worker.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import REPO
from tipnlp.batch.inputs import collect_inputs
from tipnlp.batch.writer import LOCK_FILE, ResultWriter
from tipnlp.cli import app

GOOD = ("Section 1. A victim of trafficking shall not be prosecuted or punished for offences committed as a "
        "direct consequence of having been trafficked.\n")


def _env(**extra: str) -> dict[str, str]:
    env = dict(os.environ, **extra)
    env["PYTHONPATH"] = os.pathsep.join([str(REPO / "src"), env.get("PYTHONPATH", "")])
    return env


def _tipnlp(*args: str) -> list[str]:
    return [sys.executable, "-m", "tipnlp", *args]


def test_a_path_list_with_a_missing_line_is_still_a_list(tmp_path):
    real = tmp_path / "real.txt"
    real.write_text(GOOD, encoding="utf-8")
    listing = tmp_path / "list.txt"
    listing.write_text(f"{real}\n/nonexistent.pdf\nsub/also missing.docx\n", encoding="utf-8")
    found = [p for p, _ in collect_inputs([listing])]
    assert found == [str(real), "/nonexistent.pdf", str(tmp_path / "sub" / "also missing.docx")]
    prose = tmp_path / "prose.txt"
    prose.write_text("Victims shall be protected.\nThe act was passed in 2020.\n", encoding="utf-8")
    assert collect_inputs([prose]) == [(str(prose), None)]


def test_batch_help_states_the_path_list_rule():
    words = CliRunner().invoke(app, ["batch", "--help"]).stdout.replace("│", " ").split()
    assert "read as a list when every line" in " ".join(words)
    assert "not_found record" in " ".join(words)


def test_readme_chain_reports_even_when_a_document_fails(tmp_path):
    """`tipnlp batch … --out results/ && tipnlp report results/ --out report/`, as the README writes it."""
    (tmp_path / "good.txt").write_text(GOOD, encoding="utf-8")
    (tmp_path / "list.txt").write_text("good.txt\n/nonexistent.pdf\n", encoding="utf-8")
    chain = (f"{sys.executable} -m tipnlp batch list.txt --out results/ --model lexicon --workers 1 --no-progress "
             f"&& {sys.executable} -m tipnlp report results/ --out report/")
    proc = subprocess.run(["bash", "-c", chain], cwd=tmp_path, env=_env(), capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "report" / "index.html").is_file()
    docs = [json.loads(x) for x in (tmp_path / "results" / "documents.jsonl").read_text().splitlines()]
    assert {d["doc_id"]: (d["error"] or {}).get("code") for d in docs} == {"good": None, "nonexistent": "not_found"}
    assert "1 document(s) could not be tagged" in proc.stderr
    assert not (tmp_path / "results" / LOCK_FILE).exists()
    strict = subprocess.run(_tipnlp("batch", "list.txt", "--out", "results/", "--model", "lexicon", "--workers", "1",
                                    "--no-progress", "--overwrite", "--strict"),
                            cwd=tmp_path, env=_env(), capture_output=True, text=True, timeout=300)
    assert strict.returncode == 14


def test_the_lock_file_goes_whatever_ends_the_run(tmp_path):
    writer = ResultWriter(tmp_path / "res")
    writer.prepare(resume=False, overwrite=False, settings={})
    assert (tmp_path / "res" / LOCK_FILE).exists()
    writer.close()
    assert not (tmp_path / "res" / LOCK_FILE).exists()

    from tipnlp.batch.runner import BatchConfig, run_batch

    doc = tmp_path / "a.txt"
    doc.write_text(GOOD, encoding="utf-8")

    def interrupt(todo, skipped):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_batch([doc], BatchConfig(out_dir=tmp_path / "out", model="lexicon", workers=1), on_start=interrupt)
    assert not (tmp_path / "out" / LOCK_FILE).exists()


def test_interrupted_batch_says_how_to_resume_and_report_says_what_remains(tmp_path):
    folder = tmp_path / "docs"
    folder.mkdir()
    n = 24  # with the per-document delay, the run lasts ~7 s: the interrupt lands mid-run even on a busy machine
    for i in range(n):
        (folder / f"doc_{i:02d}.txt").write_text(f"Report {i}.\n\n{GOOD}", encoding="utf-8")
    out = tmp_path / "res"
    args = _tipnlp("batch", str(folder), "--out", str(out), "--model", "lexicon", "--workers", "1", "--no-progress")
    docs_file = out / "documents.jsonl"
    for delay in ("0.3", "1.5"):  # a slower run when the first finished before the interrupt could land
        # a terminal's Ctrl-C: SIGINT at its default even when this suite runs in the background
        # (a shell starts background jobs with SIGINT ignored, and the child would inherit that)
        proc = subprocess.Popen(args + ["--overwrite"], env=_env(TIPNLP_BATCH_TEST_DELAY=delay),
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None:
            if docs_file.exists() and docs_file.read_bytes().count(b"\n") >= 2:
                break
            time.sleep(0.02)
        proc.send_signal(signal.SIGINT)
        _, stderr = proc.communicate(timeout=120)
        if not (proc.returncode == 0 and docs_file.read_bytes().count(b"\n") == n):
            break
    assert proc.returncode == 130, stderr
    done = docs_file.read_bytes().count(b"\n")
    assert 2 <= done < n
    assert "--resume" in stderr and f"{n - done} of {n} inputs remain" in stderr
    assert "Traceback" not in stderr
    assert not (out / LOCK_FILE).exists()

    report = CliRunner().invoke(app, ["report", str(out), "--out", str(tmp_path / "rep")])
    assert report.exit_code == 0
    assert "incomplete" in report.stderr and f"{n - done} of {n} inputs" in report.stderr
    assert "--resume" in report.stderr
    assert "Incomplete" in (tmp_path / "rep" / "index.html").read_text(encoding="utf-8")

    resumed = subprocess.run([*args, "--resume"], env=_env(), capture_output=True, text=True, timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    again = CliRunner().invoke(app, ["report", str(out), "--out", str(tmp_path / "rep")])
    assert "incomplete" not in again.stderr
