"""Batch tagging: every input recorded once, failures by code, crash + resume, exports, collection report.

The collection is written here (no corpus text). Runs use the lexicon model. Worker processes are
expensive to start (each imports spaCy), so the module runs the full batch once and reuses it.
"""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from typer.testing import CliRunner

from factories import make_html, make_image_only_pdf, make_pdf
from tipnlp.batch.inputs import assign_ids, collect_inputs
from tipnlp.batch.worker import DocResult, process_task
from tipnlp.batch.writer import ResultWriter, iter_records, recover
from tipnlp.cli import app

CLI = [sys.executable, "-c", "from tipnlp.cli import main; main()"]

TEXTS = {
    "law_victims.txt": (
        "Part 1. Protection of victims\n\n"
        "Section 1. A person identified as a victim of trafficking shall not be prosecuted or punished "
        "for immigration offences or for unlawful acts the person was compelled to commit as a direct "
        "consequence of being trafficked.\n\n"
        "Section 2. The Minister shall provide shelter, medical care and legal assistance to every "
        "victim of trafficking in persons, whatever the victim's nationality.\n"
    ),
    "law_training.md": (
        "# Training of officials\n\n"
        "1. Police officers, labour inspectors, prosecutors and judges shall receive regular training "
        "on identifying victims of trafficking, with attention to the needs of women and children.\n\n"
        "2. The training curriculum shall be gender-sensitive and reviewed every two years.\n"
    ),
    "company_statement.txt": (
        "Modern slavery statement for the financial year.\n\n"
        "We map our supply chains for risks of forced labour and require suppliers and recruitment "
        "agencies to charge no recruitment fees to workers. We audit suppliers and remediate findings.\n"
    ),
    "action_plan.md": (
        "# National action plan\n\n"
        "## Demand\n\nThe government will run campaigns to discourage the demand for sexual services "
        "from trafficked persons and for goods made with forced labour.\n\n"
        "## Organs\n\nHospitals must report suspected trafficking for the removal of organs, and "
        "transplant tourism will be monitored.\n"
    ),
    "ministry_note.txt": (
        "Note by the ministry.\n\nThe committee met twice during the year. Minutes were circulated to "
        "all members and the budget was approved without changes.\n"
    ),
    "empty_notice.txt": "   \n\n  \n",
}

HTMLS = {
    "ngo_report.html": [
        "Our outreach workers met survivors of labour trafficking in agriculture and construction.",
        "Survivors were often fined or detained for immigration offences instead of being protected; "
        "we call for a clear non-punishment provision.",
    ],
    "press_release.htm": [
        "The ministry announced new guidance for companies on due diligence in their supply chains, "
        "including audits of labour recruiters.",
    ],
}

PDFS = {
    "statute_scan_free.pdf": [
        "Chapter 3. Offences\nWhoever recruits, transports or harbours a person by force or deception "
        "for exploitation commits the offence of trafficking in persons.",
        "Chapter 4. Assistance\nVictims shall receive shelter, counselling and a recovery period before "
        "any decision on their residence status.",
    ],
    "annual_report.pdf": [
        "Annual report of the national rapporteur.\nThe rapporteur trained 400 frontline officers "
        "and border guards on indicators of trafficking.",
        "Buyers of sexual services from trafficking victims were prosecuted under the new demand law.",
    ],
}

EXPECTED_ERRORS = {
    "corrupt": "corrupt",
    "encrypted": "encrypted",
    "scanned": "no_text_layer",
    "empty_notice": "empty",
    "missing_file": "not_found",
}


def build_collection(root: Path) -> tuple[Path, Path, set[str]]:
    """A folder of documents plus a manifest naming one more file and one missing file."""
    folder = root / "docs"
    (folder / "sub").mkdir(parents=True)
    for name, text in TEXTS.items():
        (folder / name).write_text(text, encoding="utf-8")
    for name, paragraphs in HTMLS.items():
        make_html(paragraphs, folder / "sub" / name, title=name)
    for name, pages in PDFS.items():
        make_pdf(pages, folder / name)
    (folder / "corrupt.pdf").write_bytes(b"%PDF-1.7\n1 0 obj << /Type /Catalog >> broken and truncated")
    make_pdf(["A protected page about victim shelters."], folder / "encrypted.pdf", password="secret")
    make_image_only_pdf(folder / "scanned.pdf")
    (folder / "ignored.json").write_text("{}", encoding="utf-8")  # not matched by the default globs
    extra = root / "elsewhere"
    extra.mkdir()
    (extra / "guidance.txt").write_text(
        "Guidance for labour inspectors.\n\nInspectors should check whether workers paid recruitment fees "
        "and whether their passports were withheld by employers.\n", encoding="utf-8")
    manifest = root / "manifest.jsonl"
    manifest.write_text(
        json.dumps({"file": "elsewhere/guidance.txt", "id": "inspector_guidance"}) + "\n"
        + json.dumps({"path": "elsewhere/missing_file.txt"}) + "\n"
        + json.dumps({"file": "docs/law_victims.txt"}) + "\n",  # already in the folder: kept once
        encoding="utf-8",
    )
    ids = {Path(n).stem for n in [*TEXTS, *HTMLS, *PDFS]} | {"corrupt", "encrypted", "scanned",
                                                             "inspector_guidance", "missing_file"}
    return folder, manifest, ids


def _lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    root = tmp_path_factory.mktemp("batch")
    folder, manifest, ids = build_collection(root)
    out = root / "results"
    proc = subprocess.run(
        [*CLI, "batch", str(folder), str(manifest), "--out", str(out), "--model", "lexicon", "--workers", "1",
         "--format", "parquet", "--no-progress", "--strict"],
        capture_output=True, text=True, timeout=300,
    )
    return {"proc": proc, "out": out, "ids": ids, "root": root, "folder": folder}


def test_every_input_recorded_once_with_failures_by_code(run):
    proc, out = run["proc"], run["out"]
    assert proc.returncode == 14, proc.stderr
    docs = _lines(out / "documents.jsonl")
    counts = Counter(d["doc_id"] for d in docs)
    assert set(counts) == run["ids"]
    assert all(n == 1 for n in counts.values())
    assert len({d["source"] for d in docs}) == len(docs)
    errors = {d["doc_id"]: d["error"]["code"] for d in docs if d["error"]}
    assert errors == EXPECTED_ERRORS
    for d in docs:
        if d["error"]:
            assert d["error"]["message"] and d["passages_written"] == 0
        else:
            assert d["pages"] >= 1 and d["n_passages"] >= 1 and d["sha256"] and d["seconds"] >= 0
    pdf = next(d for d in docs if d["doc_id"] == "annual_report")
    assert pdf["pages"] == 2
    assert "5 failed" in proc.stdout and "corrupt 1" in proc.stdout and "not_found 1" in proc.stdout
    summary = json.loads((out / "summary.json").read_text())
    assert summary["documents"] == len(run["ids"]) and summary["failed"]["encrypted"] == 1


def test_passage_lines_match_their_document_records(run):
    out = run["out"]
    docs = {d["doc_id"]: d for d in _lines(out / "documents.jsonl")}
    passages = _lines(out / "passages.jsonl")
    assert passages, "the collection should produce tagged passages"
    per_doc = Counter(p["doc_id"] for p in passages)
    for doc_id, d in docs.items():
        assert per_doc.get(doc_id, 0) == d["passages_written"] == d["n_tagged"]
    assert len({p["passage_id"] for p in passages}) == len(passages)
    for p in passages:
        assert p["record"] == "passage" and p["themes"] and p["source"] == docs[p["doc_id"]]["source"]
    themes = {t["id"] for p in passages for t in p["themes"]}
    assert {"non_punishment", "supply_chains", "gender_sensitive_training"} <= themes


def test_parquet_export_matches_the_jsonl(run):
    import pyarrow.parquet as pq

    out = run["out"]
    passages = pq.read_table(out / "passages.parquet").to_pylist()
    jsonl = _lines(out / "passages.jsonl")
    assert [p["passage_id"] for p in passages] == [p["passage_id"] for p in jsonl]
    assert passages[0]["themes"][0]["id"] == jsonl[0]["themes"][0]["id"]
    docs = pq.read_table(out / "documents.parquet").to_pylist()
    assert {d["doc_id"]: d["error_code"] for d in docs if d["error_code"]} == EXPECTED_ERRORS


def test_csv_export_has_a_row_per_passage_theme_and_document(run, tmp_path):
    from tipnlp.batch.export import export_results

    out = run["out"]
    export_results(out, "csv")
    with open(out / "passages.csv", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    jsonl = _lines(out / "passages.jsonl")
    assert len(rows) == sum(len(p["themes"]) for p in jsonl)
    assert {r["theme"] for r in rows} == {t["id"] for p in jsonl for t in p["themes"]}
    with open(out / "documents.csv", encoding="utf-8") as fh:
        docs = list(csv.DictReader(fh))
    assert {d["doc_id"] for d in docs} == run["ids"]
    assert {d["doc_id"]: d["error_code"] for d in docs if d["error_code"]} == EXPECTED_ERRORS


def test_report_writes_matrix_coverage_and_self_contained_html(run, tmp_path):
    result = CliRunner().invoke(app, ["report", str(run["out"]), "--out", str(tmp_path / "rep")])
    assert result.exit_code == 0, result.output
    rep = tmp_path / "rep"
    with open(rep / "matrix.csv", encoding="utf-8") as fh:
        matrix = list(csv.DictReader(fh))
    assert {r["doc_id"] for r in matrix} == run["ids"]
    docs = {d["doc_id"]: d for d in _lines(run["out"] / "documents.jsonl")}
    for row in matrix:
        for t in docs[row["doc_id"]]["themes"]:
            assert int(row[t["id"]]) == t["passages"]
    with open(rep / "ops_coverage.csv", encoding="utf-8") as fh:
        coverage = list(csv.DictReader(fh))
    assert len(coverage) == 50
    passages = _lines(run["out"] / "passages.jsonl")
    for row in coverage:
        op = int(row["op"])
        primary_in = [p for p in passages if op in {t["ops"][0]["op"] for t in p["themes"]}]
        linked_in = [p for p in passages if op in {o["op"] for o in p["ops"]}]
        assert int(row["primary_passages"]) == len(primary_in)
        assert int(row["secondary_passages"]) == len(linked_in) - len(primary_in)
        assert int(row["primary_documents"]) == sum(1 for d in docs.values() if op in d["primary_ops"])
        assert int(row["secondary_documents"]) == sum(
            1 for d in docs.values() if op in d["ops_covered"] and op not in d["primary_ops"])
    assert sum(int(r["primary_passages"]) for r in coverage) > 0, "the run must give primary OPs to count"
    page = (rep / "index.html").read_text(encoding="utf-8")
    for doc_id, d in docs.items():
        assert f"id='doc-{doc_id}'" in page and f"href='#doc-{doc_id}'" in page
        assert Path(d["source"]).as_uri() in page
    assert "<script" not in page and "<link" not in page and "http://" not in page and "https://" not in page


def _dummy_loader(model):
    """Stands in for the model in engine tests: workers start in a blink."""
    from types import SimpleNamespace

    return SimpleNamespace(model_name="dummy")


def _handler_with_failures(tagger, task, options):
    """Test handler for the local engine: hangs, crashes or raises for some files, else succeeds."""
    name = Path(task.path).stem
    if "hang" in name:  # stuck where SIGALRM cannot reach: the parent must kill the worker
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
        time.sleep(60)
    if "crash" in name:
        os._exit(3)

    class Fake:
        model_name = "dummy"

        def tag_file(self, *a, **k):
            if "slow" in name:  # plain Python: the soft limit interrupts it
                time.sleep(60)
            raise ValueError("unexpected failure inside the tagger")

    if "fine" in name:
        return DocResult(index=task.index, document={"doc_id": task.doc_id, "error": None, "pid": os.getpid()})
    return process_task(Fake(), task, options)


def test_timeouts_crashes_and_exceptions_become_records_and_the_run_goes_on(tmp_path, monkeypatch):
    import tipnlp.batch.local as local
    from tipnlp.batch.worker import WorkOptions

    monkeypatch.setattr(local, "HARD_KILL_GRACE", 1.0)
    names = ["a_boom", "b_fine", "c_slow", "d_hang", "e_crash", "f_fine", "g_fine"]
    for n in names:
        (tmp_path / f"{n}.txt").write_text("text")
    tasks = assign_ids([(str(tmp_path / f"{n}.txt"), None) for n in names])
    engine = local.LocalEngine(WorkOptions(timeout=1.0), workers=2, handler=_handler_with_failures,
                               loader=_dummy_loader)
    got: list[DocResult] = []
    engine.run(tasks, got.extend)
    records = {r.document["doc_id"]: r.document for r in got}
    assert len(got) == len(names) and set(records) == set(names)
    codes = {k: (d["error"] or {}).get("code") for k, d in records.items()}
    assert codes == {"a_boom": "internal", "b_fine": None, "c_slow": "timeout", "d_hang": "timeout",
                     "e_crash": "internal", "f_fine": None, "g_fine": None}
    assert "died" in records["e_crash"]["error"]["message"]
    assert "stopped" in records["d_hang"]["error"]["message"]
    assert "ValueError" in records["a_boom"]["error"]["message"]
    assert all(records[k]["sha256"] for k in ("a_boom", "d_hang", "e_crash"))


def _fake_result(index: int, doc_id: str, n_passages: int, error: str | None = None) -> DocResult:
    lines = [json.dumps({"record": "passage", "doc_id": doc_id, "passage_id": f"{doc_id}:{i}"}) + "\n"
             for i in range(n_passages)]
    document = {"record": "document", "doc_id": doc_id, "source": f"/x/{doc_id}.txt", "sha256": f"sha-{doc_id}",
                "error": {"code": error, "message": "m"} if error else None}
    return DocResult(index=index, document=document, passage_lines=lines)


def test_recovery_drops_partial_lines_and_unfinished_documents(tmp_path):
    out = tmp_path / "res"
    writer = ResultWriter(out)
    writer.prepare(resume=False, overwrite=False, settings={"model": "lexicon", "all_passages": False})
    with writer:
        writer.write(_fake_result(0, "a", 2))
        writer.write(_fake_result(1, "b", 0, error="corrupt"))
        writer.write(_fake_result(2, "c", 3))
    with open(out / "passages.jsonl", "ab") as fh:  # d's block, then a torn line, no document record
        fh.write(b'{"record": "passage", "doc_id": "d", "passage_id": "d:0"}\n{"record": "pass')
    with open(out / "documents.jsonl", "ab") as fh:
        fh.write(b'{"record": "document", "doc_id": "d", "sour')
    recovered = recover(out)
    assert [d["doc_id"] for d in recovered.documents] == ["a", "b", "c"]
    assert recovered.dropped_documents == 1 and recovered.dropped_passages == 2
    assert [p["doc_id"] for p in iter_records(out / "passages.jsonl")] == ["a", "a", "c", "c", "c"]
    assert (out / "documents.jsonl").read_bytes().endswith(b"\n")
    again = recover(out, retry_failed=True)  # idempotent; failed records go so they run again
    assert [d["doc_id"] for d in again.documents] == ["a", "c"] and again.retried == 1
    assert len(list(iter_records(out / "passages.jsonl"))) == 5


def test_recovery_refuses_a_passages_file_that_lost_lines(tmp_path):
    from tipnlp.errors import DataError

    out = tmp_path / "res"
    writer = ResultWriter(out)
    writer.prepare(resume=False, overwrite=False, settings={})
    with writer:
        writer.write(_fake_result(0, "a", 3))
    (out / "passages.jsonl").write_text("")
    with pytest.raises(DataError):
        recover(out)


def test_inputs_from_folders_manifests_and_path_lists(tmp_path):
    folder = tmp_path / "f"
    (folder / "deep" / ".hidden").mkdir(parents=True)
    for rel in ("one.txt", "deep/Two.PDF", "deep/three.docx", "deep/skip.json", "deep/.hidden/x.txt"):
        (folder / rel).write_text("x")
    listing = tmp_path / "list.txt"
    listing.write_text(f"# my documents\nf/one.txt\n{folder / 'deep' / 'three.docx'}\n")
    results = folder / "results"
    results.mkdir()
    (results / "index.html").write_text("<p>a report</p>")
    found = [p for p, _ in collect_inputs([folder], exclude=[results])]
    assert [Path(p).relative_to(folder).as_posix() for p in found] == ["deep/Two.PDF", "deep/three.docx", "one.txt"]
    assert [Path(p).name for p, _ in collect_inputs([listing])] == ["one.txt", "three.docx"]
    assert [Path(p).name for p, _ in collect_inputs([folder], globs=["*.txt"])] == ["one.txt"]
    prose = tmp_path / "prose.txt"
    prose.write_text("Victims shall be protected.\n")
    assert collect_inputs([prose]) == [(str(prose), None)]  # a .txt that is not a list is a document
    tasks = assign_ids([("/a/law.txt", None), ("/b/law.pdf", None), ("/c/x.txt", "law")])
    assert [t.doc_id for t in tasks] == ["law", "law_2", "law_3"]


def test_existing_results_need_resume_or_overwrite_and_the_same_model(run, tmp_path):
    runner = CliRunner()
    result = runner.invoke(app, ["batch", str(run["folder"]), "--out", str(run["out"]), "--model", "lexicon"])
    assert result.exit_code == 12 and "--resume" in result.output
    (tmp_path / "m").mkdir()
    result = runner.invoke(app, ["batch", str(run["folder"]), "--out", str(run["out"]), "--resume",
                                 "--model", str(tmp_path / "m")])
    assert result.exit_code == 11  # not a model directory: refused before anything is touched
    result = runner.invoke(app, ["batch", "--out", str(tmp_path / "o")])
    assert result.exit_code == 2


def test_sigkill_mid_run_then_resume_records_each_input_exactly_once(tmp_path):
    folder = tmp_path / "many"
    folder.mkdir()
    for i in range(30):
        topic = ["shelter for victims", "training of judges", "audits of suppliers", "demand for sex"][i % 4]
        (folder / f"doc_{i:02d}.txt").write_text(
            f"Report {i}.\n\nSection {i}. The authority reviewed {topic} in region {i}.\n\n"
            f"Section {i + 1}. Victims of trafficking shall not be punished for offences they were forced "
            f"to commit, and officials shall be trained on {topic}.\n", encoding="utf-8")
    out = tmp_path / "res"
    env = dict(os.environ, TIPNLP_BATCH_TEST_DELAY="0.25")
    args = [*CLI, "batch", str(folder), "--out", str(out), "--model", "lexicon", "--workers", "1", "--no-progress"]
    proc = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    docs_file = out / "documents.jsonl"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if docs_file.exists() and docs_file.read_bytes().count(b"\n") >= 2:
            break
        if proc.poll() is not None:
            break
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL, "the run finished before it could be killed"
    done_before = docs_file.read_bytes().count(b"\n")
    assert 2 <= done_before < 30
    with open(out / "passages.jsonl", "ab") as fh:  # a torn write, as if the kill hit mid-line
        fh.write(b'{"schema_version": "1.0", "record": "passage", "doc_id": "doc_29", "passage_id": "doc_29:0-')

    resumed = subprocess.run([*args, "--resume"], capture_output=True, text=True, timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    assert f"{done_before} already done" in resumed.stdout
    docs = _lines(docs_file)
    assert sorted(d["doc_id"] for d in docs) == [f"doc_{i:02d}" for i in range(30)]
    passages = _lines(out / "passages.jsonl")
    ids = [p["passage_id"] for p in passages]
    assert len(ids) == len(set(ids))
    per_doc = Counter(p["doc_id"] for p in passages)
    assert all(per_doc[d["doc_id"]] == d["passages_written"] == d["n_tagged"] > 0 for d in docs)

    no_model = [a for a in args if a not in ("--model", "lexicon")]  # resume keeps the run's model
    again = subprocess.run([*no_model, "--resume"], capture_output=True, text=True, timeout=120)
    assert again.returncode == 0 and "30 already done" in again.stdout
    assert len(_lines(docs_file)) == 30 and len(_lines(out / "passages.jsonl")) == len(passages)


def test_deadline_interrupts_python_code_in_the_main_thread_and_in_other_threads():
    import threading

    from tipnlp.batch.worker import _Deadline, deadline

    def busy() -> str:
        start = time.monotonic()
        try:
            with deadline(0.2):
                while time.monotonic() - start < 5:
                    time.sleep(0.01)
        except _Deadline:
            return f"stopped after {time.monotonic() - start:.1f}"
        return "not stopped"

    assert busy().startswith("stopped after 0.")
    box: list[str] = []
    thread = threading.Thread(target=lambda: box.append(busy()))  # how Dask workers run tasks
    thread.start()
    thread.join(10)
    assert box and box[0].startswith("stopped after 0.")
    with deadline(0.2):  # a block that ends in time is not interrupted later
        pass
    time.sleep(0.4)


def test_a_second_run_cannot_write_to_a_folder_in_use(tmp_path):
    from tipnlp.errors import DataError

    first = ResultWriter(tmp_path / "res")
    first.prepare(resume=False, overwrite=False, settings={})
    second = ResultWriter(tmp_path / "res")
    with pytest.raises(DataError, match="another tipnlp batch run"):
        second.prepare(resume=True, overwrite=False, settings={})
    first.close()
    second.prepare(resume=True, overwrite=False, settings={})  # free again once the first is done
    second.close()


def test_cli_batch_limits_each_document_by_default_and_0_turns_it_off(tmp_path, monkeypatch):
    """A hang inside a C library must not stall a collection run forever, so the CLI sets a
    per-document limit unless told otherwise."""
    from typer.testing import CliRunner

    import tipnlp.batch.runner as batch_pkg
    from tipnlp.cli import app
    from tipnlp.limits import DEFAULT_BATCH_TIMEOUT

    seen = []

    def fake_run_batch(inputs, config, **kwargs):
        seen.append(config.timeout)
        raise SystemExit(0)

    monkeypatch.setattr(batch_pkg, "run_batch", fake_run_batch)
    doc = tmp_path / "a.txt"
    doc.write_text("Section 1. A short act written for this test.\n", encoding="utf-8")
    runner = CliRunner()
    runner.invoke(app, ["batch", str(doc), "--out", str(tmp_path / "r1"), "--no-progress"])
    runner.invoke(app, ["batch", str(doc), "--out", str(tmp_path / "r2"), "--no-progress", "--timeout", "0"])
    assert seen == [DEFAULT_BATCH_TIMEOUT, None]
    assert DEFAULT_BATCH_TIMEOUT > 0
