"""Cheap answers stay cheap: a missing file or a bad --theme is reported before any heavy library loads.

Timing lives in evaluation/bench/bench_startup.py; here we check the cause of slowness (what is
imported), which does not depend on the machine.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from conftest import REPO

HEAVY = ("sklearn", "scipy", "spacy", "numpy", "torch", "pandas", "pypdfium2")

PROBE = r"""
import json, sys
from tipnlp.cli import app
try:
    app(sys.argv[1:], prog_name="tipnlp")
except SystemExit as exit:
    code = exit.code
heavy = [m for m in %r if m in sys.modules]
print(json.dumps({"code": code, "heavy": heavy}))
""" % (HEAVY,)


def _probe(*args: str) -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(REPO / "src"), env.get("PYTHONPATH", "")])
    proc = subprocess.run([sys.executable, "-c", PROBE, *args], env=env, capture_output=True, text=True, timeout=120)
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("name", ["missing.pdf", "missing.txt"])
def test_missing_file_is_answered_without_loading_heavy_libraries(tmp_path, name):
    result = _probe("classify", str(tmp_path / name))
    assert result["code"] == 3
    assert result["heavy"] == []


def test_unknown_theme_is_answered_without_loading_heavy_libraries(tmp_path):
    doc = tmp_path / "a.txt"
    doc.write_text("Section 1. Victims shall not be punished.\n", encoding="utf-8")
    result = _probe("classify", str(doc), "--theme", "non_punishmnt")
    assert result["code"] == 2
    assert result["heavy"] == []


@pytest.mark.parametrize("args", [["--help"], ["themes"], ["ops", "27"], ["classify", "--help"]])
def test_help_and_listings_load_no_heavy_library(args):
    result = _probe(*args)
    assert result["code"] in (0, None)
    assert result["heavy"] == []
