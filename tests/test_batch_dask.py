"""The Dask engine on a local cluster of two workers gives the same records as the local engine."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest.importorskip("distributed")

from factories import make_pdf  # noqa: E402
from tipnlp.batch.runner import BatchConfig, run_batch  # noqa: E402

DOCS = {
    "shelter_law.txt": "Section 1. Victims of trafficking shall be given shelter and legal aid.\n\n"
                       "Section 2. A victim shall not be punished for offences committed under coercion.\n",
    "inspection.md": "# Labour inspection\n\nInspectors shall audit recruitment agencies and the supply chains "
                     "of large companies for forced labour.\n",
    "training_plan.txt": "The academy will train prosecutors and judges on trafficking, with gender-sensitive "
                         "modules on interviewing women and children.\n",
    "minutes.txt": "The board approved the annual budget and elected a new chair.\n",
    "broken.pdf": None,
}


def _collection(root: Path) -> Path:
    folder = root / "in"
    folder.mkdir()
    for name, text in DOCS.items():
        if text is None:
            (folder / name).write_bytes(b"%PDF-1.4 not really a pdf")
        else:
            (folder / name).write_text(text, encoding="utf-8")
    make_pdf(["Campaigns discouraged the demand for services of trafficked persons.",
              "Buyers of such services were fined under the new law."], folder / "demand_report.pdf")
    return folder


def _outcome(out: Path) -> tuple[dict, dict]:
    docs = {}
    for line in (out / "documents.jsonl").read_text(encoding="utf-8").splitlines():
        d = json.loads(line)
        docs[d["doc_id"]] = ((d["error"] or {}).get("code"), d["pages"], d["passages_written"], tuple(d["ops_covered"]))
    passages = {}
    for line in (out / "passages.jsonl").read_text(encoding="utf-8").splitlines():
        p = json.loads(line)
        passages[p["passage_id"]] = tuple(sorted(t["id"] for t in p["themes"]))
    return docs, passages


@pytest.mark.timeout(180)
def test_dask_local_cluster_matches_local_engine(tmp_path):
    folder = _collection(tmp_path)
    local = run_batch([folder], BatchConfig(out_dir=tmp_path / "local", model="lexicon", workers=1))
    dask = run_batch([folder], BatchConfig(out_dir=tmp_path / "dask", model="lexicon", workers=2, engine="dask"))
    assert local.documents == dask.documents == len(DOCS) + 1
    assert dask.failed == local.failed == {"corrupt": 1}
    local_docs, local_passages = _outcome(tmp_path / "local")
    dask_docs, dask_passages = _outcome(tmp_path / "dask")
    assert dask_docs == local_docs
    assert dask_passages == local_passages and local_passages
    assert dask.engine == "dask" and dask.passages == local.passages
