"""The shipped default model: it loads, it is reproducible from its config, and its card tells the truth."""

from __future__ import annotations

import json

import numpy as np
import pytest

from conftest import REPO, needs_corpus
from tipnlp.classifiers import default_model_name, load_model, models_dir

UNSEEN = [
    "Section 12. A person who is a victim of trafficking shall not be held criminally liable for "
    "unlawful entry or for prostitution where the act was a direct consequence of being trafficked.",
    "The company audited 40 suppliers for forced labour indicators and required them to repay "
    "recruitment fees charged to migrant workers in its supply chain.",
    "The committee met on Tuesday to approve the minutes of the previous session.",
]


def _config() -> dict:
    return json.loads((models_dir() / default_model_name() / "config.json").read_text(encoding="utf-8"))


def test_default_model_is_shipped_with_config_card_thresholds_and_cross_validated_scores():
    path = models_dir() / default_model_name()
    config = _config()
    card = (path / "README.md").read_text(encoding="utf-8")
    assert set(config["thresholds"]) == set(config["params"]["themes"])
    assert all(0.0 < t < 1.0 for t in config["thresholds"].values())
    assert config["cv"]["macro_f1"] > 0.5 and config["cv"]["k"] == 5
    assert f"{config['cv']['macro_f1']:.3f}" in card
    assert (path / "op_ranker.json").is_file()
    size = sum(f.stat().st_size for f in (REPO / "models").rglob("*") if f.is_file())
    assert size < 50 * 1024 * 1024


def test_default_model_tags_text_it_never_saw():
    predicted = load_model().predict(UNSEEN)
    assert "non_punishment" in predicted[0]
    assert "supply_chains" in predicted[1]
    assert predicted[2] == []


def test_default_evidence_is_the_deciding_sentence_and_the_conditions_met_in_it():
    model = load_model()
    text = ("The Department shall keep records of its staff. The Department shall provide training to police "
            "officers and border officials on identifying victims of trafficking. The Department shall report "
            "to Parliament every year.")
    spans = model.evidence(text, "gender_sensitive_training")
    s, e, label = spans[0]
    assert label.startswith("sentence:") and "training to police" in text[s:e]
    assert all(s <= a < b <= e and lab.startswith("condition:") for a, b, lab in spans[1:])


def test_tagging_with_the_default_model_imports_neither_scikit_learn_nor_torch_nor_spacy():
    """Each of them costs a second or more of start-up: the default scores from frozen arrays and
    matches its lexicon rules in plain Python."""
    import subprocess
    import sys

    code = ("import sys; from tipnlp import Tagger; t = Tagger.load(); "
            f"r = t.tag_text({UNSEEN[0]!r}); assert r.passages[0].themes; "
            "print(sorted(m for m in ('sklearn', 'torch', 'scipy', 'spacy') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "[]"


@needs_corpus
@pytest.mark.slow
def test_retraining_the_shipped_model_reproduces_its_thresholds_and_scores(tmp_path):
    """`tipnlp train training/<default>.yaml` from a fresh clone gives the shipped model back."""
    from tipnlp.training import train_from_config

    name = default_model_name()
    shipped = load_model()
    _, meta = train_from_config(REPO / "training" / f"{name}.yaml", output=tmp_path / name)
    again = load_model(str(tmp_path / name))
    for theme, t in shipped.thresholds_.items():
        assert again.thresholds_[theme] == pytest.approx(t, abs=0.03)
    assert np.allclose(shipped.predict_proba(UNSEEN), again.predict_proba(UNSEEN), atol=0.03)
    assert meta["train"]["gold_passages"] == _config()["train"]["gold_passages"]
