"""Shared test set-up: offline model hubs, the corpus location, a small law written for the tests."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).parent))  # `from factories import make_pdf`

REPO = Path(__file__).resolve().parents[1]


def _corpus_dir() -> Path | None:
    for path in (os.environ.get("TIPNLP_CORPUS_DIR"), REPO.parent / "shared" / "corpora"):
        if path and (Path(path) / "manifest.jsonl").is_file():
            return Path(path)
    return None


CORPUS = _corpus_dir()
needs_corpus = pytest.mark.skipif(CORPUS is None, reason="the shared corpus (../shared/corpora) is not present")


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    if CORPUS is None:
        pytest.skip("the shared corpus is not present")
    return CORPUS


# A short anti-trafficking act written for the tests (not taken from any real law).
SAMPLE_ACT = """THE MODEL ANTI-TRAFFICKING ACT (TEST TEXT)

PART I - PRELIMINARY

1. Short title
This Act may be cited as the Model Anti-Trafficking Act.

2. Definitions
In this Act, exploitation includes forced labour, servitude, sexual exploitation and the removal of organs or tissue for transplantation.

PART II - OFFENCES

3. Purchase of sexual services from a trafficked person
(1) A person who pays for sexual services knowing that the provider is a victim of trafficking commits an offence.
(2) A person convicted under subsection (1) is liable to a fine and must attend an education programme for sex buyers.

4. Non-punishment of victims
A victim of trafficking shall not be prosecuted or punished for immigration offences, the use of false documents or prostitution committed as a direct consequence of having been trafficked.

PART III - PREVENTION

5. Training of officials
The Ministry shall train police officers, prosecutors, judges, labour inspectors and border officials to identify victims of trafficking and to refer them to assistance.

6. Supply chain transparency
Every company with an annual turnover above the prescribed amount shall publish a yearly statement describing the due diligence it carries out to identify and remove forced labour from its supply chains, including audits of its suppliers.

7. Commencement
This Act comes into force on the day after its publication.
"""


@pytest.fixture
def sample_act_path(tmp_path: Path) -> Path:
    path = tmp_path / "model_act.txt"
    path.write_text(SAMPLE_ACT, encoding="utf-8")
    return path
