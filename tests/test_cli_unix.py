"""The CLI behaves like a Unix tool: closed pipes, redirected output, standard input, quiet runs."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from conftest import REPO
from tipnlp.cli import app
from tipnlp.taxonomy import load_taxonomy


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(REPO / "src"), env.get("PYTHONPATH", "")])
    env.pop("TIPNLP_DEBUG", None)
    return env


def _run_into_closed_pipe(*args: str) -> subprocess.CompletedProcess:
    """Run tipnlp with stdout a pipe whose reader is already gone (what `| head -1` leads to)."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        return subprocess.run([sys.executable, "-m", "tipnlp", *args], stdout=write_end, stderr=subprocess.PIPE,
                              text=True, env=_env(), timeout=300)
    finally:
        os.close(write_end)


def test_closed_pipe_exits_quietly_without_an_internal_error(sample_act_path):
    result = _run_into_closed_pipe("classify", str(sample_act_path), "-f", "jsonl", "--model", "lexicon")
    assert "internal error" not in result.stderr
    assert "Traceback" not in result.stderr and "BrokenPipe" not in result.stderr
    assert result.returncode == 141


def test_closed_pipe_on_a_table_command_is_quiet_too():
    result = _run_into_closed_pipe("ops")
    assert result.stderr == ""
    assert result.returncode == 141


# -- output that is piped or redirected ----------------------------------------------------------

runner = CliRunner()


def invoke(*args, **kwargs):
    return runner.invoke(app, [str(a) for a in args], **kwargs)


def test_themes_piped_keeps_every_theme_id_whole_on_its_own_line():
    result = invoke("themes")  # CliRunner's stdout is not a terminal
    assert result.exit_code == 0, result.output
    rows = [line.split("\t") for line in result.stdout.splitlines()]
    assert rows[0][:2] == ["id", "predicted"]
    assert [r[0] for r in rows[1:]] == load_taxonomy().theme_ids
    assert len({len(r) for r in rows}) == 1, "every row has the same number of tab-separated fields"


def test_themes_and_ops_format_json_parse():
    themes = json.loads(invoke("themes", "--format", "json").stdout)
    assert [t["id"] for t in themes["themes"]] == load_taxonomy().theme_ids
    ops = json.loads(invoke("ops", "--format", "json").stdout)
    assert len(ops) == 50


def test_ops_keeps_the_opening_verb_apart_from_the_paraphrase():
    tax = load_taxonomy()
    out = invoke("ops").stdout
    for op in tax.ops:
        assert f"{op.verb} {op.summary[:20]}" not in out
        assert f"{op.verb}\t{op.summary[:20]}" not in out
    header, *rows = [line.split("\t") for line in out.splitlines()]
    assert header == ["op", "verb", "themes", "paraphrase"]
    assert rows[28][1] == tax.op(29).verb and rows[28][3] == tax.op(29).summary


def test_segment_refuses_a_format_it_cannot_write(sample_act_path):
    result = invoke("segment", sample_act_path, "-f", "html")
    assert result.exit_code == 2
    data = json.loads(invoke("segment", sample_act_path, "-f", "json").stdout)
    assert data["passages"] and all({"start", "end", "heading"} <= set(p) for p in data["passages"])
    lines = invoke("segment", sample_act_path, "-f", "jsonl").stdout.splitlines()
    assert len(lines) == len(data["passages"])


# -- standard input, quiet runs, version, help ---------------------------------------------------


def test_classify_dash_reads_the_document_from_standard_input(sample_act_path):
    text = sample_act_path.read_text(encoding="utf-8")
    result = invoke("classify", "-", "-f", "json", "--model", "lexicon", input=text)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["document"]["doc_id"] == "stdin"
    assert {t["id"] for t in data["document"]["themes"]} >= {"non_punishment", "supply_chains"}


def test_quiet_drops_status_messages_but_not_the_output(sample_act_path, tmp_path):
    loud = invoke("classify", sample_act_path, "-m", "lexicon", "-f", "json", "-o", tmp_path / "a.json")
    assert "wrote" in loud.stderr
    quiet = invoke("classify", sample_act_path, "-m", "lexicon", "-f", "json", "-o", tmp_path / "b.json", "-q")
    assert quiet.exit_code == 0 and quiet.stderr == ""
    assert (tmp_path / "b.json").is_file()
    before = invoke("-q", "classify", sample_act_path, "-m", "lexicon", "-f", "json", "-o", tmp_path / "c.json")
    assert before.exit_code == 0 and before.stderr == ""


def test_short_version_flag():
    result = invoke("-V")
    assert result.exit_code == 0 and result.stdout.startswith("tipnlp ")


@pytest.mark.parametrize("command", ["classify", "segment", "themes", "ops", "batch", "report", "models"])
def test_help_shows_no_python_type_names(command):
    result = invoke(command, "--help")
    assert result.exit_code == 0
    for leak in ("<bool>", "<str>", "<int>", "<path>", "list[", "{file}", "]..."):
        assert leak not in result.stdout, f"{leak!r} in `tipnlp {command} --help`"
