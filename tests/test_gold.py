"""Gold annotations: stand-off only, verified against the corpus, split by document, exportable."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections import Counter

import pytest

from conftest import REPO, needs_corpus
from tipnlp.errors import DataError
from tipnlp.gold import (
    GOLD_DIR, SPLITS, CorpusTexts, export_records, load_gold, load_round, load_splits, read_gold_file, text_sha1,
    verify,
)
from tipnlp.taxonomy import core_theme_ids


def test_gold_files_hold_offsets_and_hashes_not_text():
    for path in [*GOLD_DIR.glob("*.jsonl"), *(GOLD_DIR.parent / "sealed").glob("*.jsonl")]:
        for line in path.read_text(encoding="utf-8").splitlines():
            rec = json.loads(line)
            assert {"doc_id", "start", "end", "sha1", "annotator", "round"} <= set(rec)
            assert "text" not in rec
            if path.name == "ops.jsonl":  # OP records: one theme, its primary and secondary OPs
                assert rec["theme"] in core_theme_ids() and isinstance(rec["primary"], int)
            else:
                assert set(rec["labels"]) <= set(core_theme_ids())
            assert len(rec.get("note", "")) < 300 and len(rec.get("reason", "")) < 400


def test_malformed_gold_line_names_file_and_line(tmp_path):
    bad = tmp_path / "g.jsonl"
    bad.write_text('{"doc_id": "x", "start": 0, "end": 3, "sha1": "a", "labels": []}\n{"doc_id": \n', encoding="utf-8")
    with pytest.raises(DataError, match=r"g\.jsonl:2"):
        read_gold_file(bad)


def test_splits_are_disjoint_and_cover_every_gold_document():
    splits = load_splits()
    data = json.loads((REPO / "corpora" / "splits.json").read_text(encoding="utf-8"))
    seen = Counter(doc for s in SPLITS for doc in data[s])
    assert all(n == 1 for n in seen.values()), "a document is in two splits"
    gold_docs = {r.doc_id for r in load_round(1)}
    assert gold_docs <= set(splits)


@needs_corpus
def test_every_theme_has_positives_in_every_split():
    for split in SPLITS:
        counts = Counter(label for r in load_gold(split, check=False) for label in r.labels)
        for theme in core_theme_ids():
            assert counts[theme] >= 3, f"{theme} has {counts[theme]} positives in {split}"


@needs_corpus
def test_all_gold_records_match_the_corpus_text():
    texts = CorpusTexts()
    for loader in (lambda: load_round(1), lambda: load_round(2), lambda: load_gold(check=False)):
        verify(loader(), texts)


@needs_corpus
def test_drifted_text_fails_with_a_message_naming_the_record(tmp_path, corpus_dir):
    gold = tmp_path / "gold"
    gold.mkdir()
    first = (GOLD_DIR / "round1.jsonl").read_text(encoding="utf-8").splitlines()[0]
    rec = json.loads(first)
    rec["sha1"] = text_sha1("something else")
    (gold / "round1.jsonl").write_text(json.dumps(rec) + "\n", encoding="utf-8")
    with pytest.raises(DataError, match=rf"{rec['doc_id']}:{rec['start']}-{rec['end']}"):
        load_gold(gold_dir=gold)


@needs_corpus
def test_changed_corpus_file_is_detected_by_its_sha256(tmp_path, corpus_dir):
    copy = tmp_path / "corpora"
    shutil.copytree(corpus_dir, copy)
    rec = read_gold_file(GOLD_DIR / "round1.jsonl")[0]
    row = json.loads(next(l for l in (copy / "manifest.jsonl").open() if json.loads(l)["id"] == rec.doc_id))
    target = copy / row["file"]
    target.chmod(0o644)
    target.write_bytes(target.read_bytes() + b"\n")
    with pytest.raises(DataError, match="sha256"):
        CorpusTexts(copy).document(rec.doc_id)


@needs_corpus
def test_export_format_is_the_evaluation_format():
    records = list(export_records("dev"))
    assert records
    ids = set()
    for r in records:
        assert set(r) == {"id", "doc_id", "text", "labels", "meta"}
        assert r["id"] == f"{r['doc_id']}:{r['meta']['start']}-{r['meta']['end']}"
        assert r["meta"]["split"] == "dev"
        assert text_sha1(r["text"]) == next(
            g.sha1 for g in load_gold("dev", check=False) if g.id == r["id"])
        ids.add(r["id"])
    assert len(ids) == len(records)


@needs_corpus
def test_no_corpus_text_is_stored_in_the_repository(corpus_dir):
    """No 200-character run of any corpus text appears in a tracked file."""
    files = subprocess.run(["git", "ls-files"], cwd=REPO, capture_output=True, text=True).stdout.split()
    blob_parts = []
    for name in files:
        path = REPO / name
        if path.is_file() and path.stat().st_size < 5_000_000:
            try:
                blob_parts.append(" ".join(path.read_text(encoding="utf-8").split()))
            except (UnicodeDecodeError, OSError):
                continue
    blob = "\n".join(blob_parts)
    sources = [corpus_dir / json.loads(l)["file"] for l in (corpus_dir / "manifest.jsonl").open()
               if json.loads(l)["format"] == "txt"]
    sources.append(corpus_dir.parent / "resolution-71-167.md")
    # every corpus window text[i:i+200] (i a multiple of 100) is looked for in the blob; such a window
    # starts with the 100 characters at i, so index those and check only where the blob holds one
    texts = {src.name: " ".join(src.read_text(encoding="utf-8").split()) for src in sources}
    heads: dict[str, list[tuple[str, int]]] = {}
    for name, text in texts.items():
        for i in range(0, max(0, len(text) - 200), 100):
            heads.setdefault(text[i: i + 100], []).append((name, i))
    leaks = set()
    for j in range(len(blob) - 199):
        for name, i in heads.get(blob[j: j + 100], ()):
            if texts[name][i: i + 200] == blob[j: j + 200]:
                leaks.add(name)
    assert not leaks, f"corpus text found in tracked files: {sorted(leaks)}"


def test_recheck_decision_overrides_adjudication_and_first_annotation(tmp_path):
    """The round-1 recheck decides last: its label wins over an earlier adjudication of the passage."""
    from tipnlp.gold import load_adjudicated, load_first, load_recheck, resolve

    def rec(labels, annotator, rnd, **extra):
        return json.dumps({"doc_id": "d", "start": 0, "end": 5, "sha1": "x", "labels": labels,
                           "annotator": annotator, "round": rnd, **extra}) + "\n"

    (tmp_path / "round1.jsonl").write_text(rec(["supply_chains"], "a1", 1), encoding="utf-8")
    (tmp_path / "adjudicated.jsonl").write_text(rec(["demand_reduction"], "adjudicator", "adjudicated"), encoding="utf-8")
    (tmp_path / "recheck_r1.jsonl").write_text(
        rec(["non_punishment"], "rechk_a", "recheck_r1") + rec([], "rechk_b", "recheck_r1b"), encoding="utf-8")
    resolved = resolve(load_first(tmp_path), load_adjudicated(tmp_path))
    assert list(resolved[0].labels) == ["demand_reduction"]  # blind readings alone decide nothing
    (tmp_path / "recheck_decisions.jsonl").write_text(
        rec(["non_punishment"], "adjudicator", "recheck_r1", reason="rule 3"), encoding="utf-8")
    resolved = resolve(load_first(tmp_path), load_adjudicated(tmp_path))
    assert list(resolved[0].labels) == ["non_punishment"]
    a, b = load_recheck(tmp_path)
    assert [r.annotator for r in a] == ["rechk_a"] and [list(r.labels) for r in b] == [[]]
