"""Every Python example in the README runs, and the README's main command tags the example PDF."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from conftest import REPO

README = (REPO / "README.md").read_text(encoding="utf-8")
PYTHON_BLOCKS = re.findall(r"```python\n(.*?)```", README, flags=re.S)


def test_readme_has_python_examples():
    assert len(PYTHON_BLOCKS) >= 2


@pytest.mark.parametrize("block", PYTHON_BLOCKS, ids=[f"example{i}" for i in range(len(PYTHON_BLOCKS))])
def test_readme_python_example_runs(block):
    result = subprocess.run([sys.executable, "-c", block], capture_output=True, text=True, cwd=REPO, timeout=300)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip(), "the example prints its result"


def test_readme_main_command_tags_the_example_pdf():
    assert "tipnlp classify examples/model_act.pdf" in README
    result = subprocess.run([sys.executable, "-m", "tipnlp", "classify", "examples/model_act.pdf"],
                            capture_output=True, text=True, cwd=REPO, timeout=300)
    assert result.returncode == 0, result.stderr
    for theme in ("non_punishment", "supply_chains", "organ_removal", "demand_reduction", "gender_sensitive_training"):
        assert theme in result.stdout


def test_readme_links_the_api_and_batch_docs():
    for doc in ("docs/api.md", "docs/batch.md"):
        assert f"]({doc})" in README
        assert (REPO / doc).is_file()


def test_readme_tagger_example_prints_a_heading():
    block = next(b for b in PYTHON_BLOCKS if "Tagger" in b)
    result = subprocess.run([sys.executable, "-c", block], capture_output=True, text=True, cwd=REPO, timeout=300)
    first = result.stdout.splitlines()[0]
    assert not first.startswith((" ", "[")), f"empty heading: {first!r}"
