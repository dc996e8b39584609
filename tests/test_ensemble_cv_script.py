"""evaluation/ensemble_cv.py combines saved out-of-fold files; a one-fold file must not slip in."""
import sys
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "evaluation"))

import ensemble_cv  # noqa: E402


def _write(path: Path, scores: np.ndarray) -> Path:
    np.savez_compressed(path, ids=np.array([f"d:{i}-{i + 1}" for i in range(len(scores))]),
                        folds=np.arange(len(scores)) % 2, scores=scores, themes=np.array(["a", "b"]), info="{}")
    return path


def test_a_one_fold_oof_file_is_refused_with_a_message_naming_the_fix(tmp_path):
    scores = np.full((4, 2), 0.5)
    scores[1::2] = np.nan  # oof_cv.py --fold leaves the other folds unscored
    with pytest.raises(SystemExit, match="without --fold"):
        ensemble_cv._load(_write(tmp_path / "m_fold1.npz", scores))


def test_a_complete_oof_file_loads_with_its_scores(tmp_path):
    scores = np.array([[0.1, 0.9], [0.2, 0.8], [0.3, 0.7], [0.4, 0.6]])
    loaded = ensemble_cv._load(_write(tmp_path / "m.npz", scores))
    assert loaded["themes"] == ["a", "b"] and loaded["name"] == "m"
    assert np.allclose(loaded["scores"], scores)


def _part(path: Path, fold: int, folds: np.ndarray, value: float) -> Path:
    scores = np.full((len(folds), 2), np.nan)
    scores[folds == fold] = value
    np.savez_compressed(path, ids=np.array([f"d:{i}-{i + 1}" for i in range(len(folds))]), folds=folds,
                        scores=scores, themes=np.array(["a", "b"]), info='{"k": 2}')
    return path


def test_one_fold_parts_merge_into_a_whole_file_and_a_missing_fold_is_named(tmp_path):
    import merge_folds

    folds = np.array([0, 1, 0, 1])
    p1 = _part(tmp_path / "m_fold1.npz", 0, folds, 0.2)
    p2 = _part(tmp_path / "m_fold2.npz", 1, folds, 0.7)
    merged = merge_folds.merge([p1, p2])
    assert np.allclose(merged["scores"][:, 0], [0.2, 0.7, 0.2, 0.7])
    with pytest.raises(SystemExit, match=r"fold\(s\) \[2\]"):
        merge_folds.merge([p1])
    with pytest.raises(SystemExit, match="more than one part"):
        merge_folds.merge([p1, p1])


def test_paired_bootstrap_scores_labels_from_thresholds_chosen_on_the_other_folds():
    import paired_bootstrap

    y = np.array([[1, 0], [0, 1], [1, 0], [0, 1], [1, 1], [0, 0], [1, 0], [0, 1]])
    folds = np.arange(len(y)) % 2
    perfect = {"scores": y * 0.9 + 0.05, "folds": folds}
    noise = {"scores": np.full(y.shape, 0.5), "folds": folds}
    assert (paired_bootstrap.shared_threshold_labels([perfect], y) == (y == 1)).all()
    # a member that cannot rank adds nothing next to one that can: every fold picks the perfect one alone
    assert (paired_bootstrap.shared_threshold_labels([perfect, noise], y) == (y == 1)).all()


def test_paired_bootstrap_differences_use_the_same_documents_for_both_sides():
    import paired_bootstrap

    y = np.array([[1, 0], [0, 1], [1, 0], [0, 1], [1, 1], [0, 0]])
    docs = np.array(["a", "a", "b", "b", "c", "c"])
    right, wrong = y == 1, np.zeros(y.shape, dtype=bool)
    wrong[0, 0] = True
    assert np.allclose(paired_bootstrap.paired_differences(y, right, right, docs, resamples=50), 0.0)
    better = paired_bootstrap.paired_differences(y, wrong, right, docs, resamples=50)
    assert (better > 0).all()  # perfect labels beat near-empty ones on every draw of documents


def test_jurisdiction_folds_join_a_countrys_documents_and_refuse_a_group_spanning_two():
    from oof_cv import jurisdiction_groups

    rows = {"a": {"jurisdiction": "United States (federal)"}, "b": {"jurisdiction": "United States — Hawaii"},
            "c": {"jurisdiction": "United Kingdom"}, "d": {}}
    records = [{"doc_id": d} for d in "abcd"]
    assert jurisdiction_groups(records, ["g1", "g2", "g3", "g4"], rows) == [
        "United States", "United States", "United Kingdom", "unknown"]
    with pytest.raises(SystemExit, match="spanning jurisdictions"):  # a PDF twin filed under another country
        jurisdiction_groups(records[:3], ["g1", "g1", "g1"], rows)


def test_scores_saved_from_saved_folds_load_as_an_oof_file(tmp_path, capsys):
    """knn_oof.py and frozen_embedding_oof.py write through save_scores: ensemble_cv must read the result."""
    ids, folds = [f"d:{i}-{i + 1}" for i in range(4)], np.array([0, 1, 0, 1])
    scores = np.array([[0.9, 0.1], [0.2, 0.8], [0.7, 0.3], [0.4, 0.6]])
    y = np.array([[1, 0], [0, 1], [1, 0], [0, 0]])
    ensemble_cv.save_scores(tmp_path, "third", ids, folds, ["a", "b"], scores, y, {"script": "test"})
    loaded = ensemble_cv._load(tmp_path / "third.npz")
    assert [str(i) for i in loaded["ids"]] == ids and loaded["themes"] == ["a", "b"]
    assert np.allclose(loaded["scores"], scores) and (loaded["folds"] == folds).all()
    assert "third: mean AP 1.000" in capsys.readouterr().out  # every positive ranked first
