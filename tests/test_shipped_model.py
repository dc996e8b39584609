"""The shipped default model: it loads, it is reproducible from its config, and its card tells the truth."""

from __future__ import annotations

import json

import pytest

from conftest import REPO, needs_corpus
from tipnlp.classifiers import default_model_name, load_model, models_dir


def test_default_model_is_shipped_with_config_card_and_thresholds():
    name = default_model_name()
    path = models_dir() / name
    config = json.loads((path / "config.json").read_text(encoding="utf-8"))
    assert (path / "README.md").is_file()
    assert set(config["thresholds"]) == set(config["params"]["themes"])
    assert all(0.0 < t < 1.0 for t in config["thresholds"].values())
    assert config["dev"]["macro_f1"] > 0.5
    size = sum(f.stat().st_size for f in (REPO / "models").rglob("*") if f.is_file())
    assert size < 50 * 1024 * 1024


def test_default_model_tags_text_it_never_saw():
    model = load_model()
    texts = [
        "Section 12. A person who is a victim of trafficking shall not be held criminally liable for "
        "unlawful entry or for prostitution where the act was a direct consequence of being trafficked.",
        "The company audited 40 suppliers for forced labour indicators and required them to repay "
        "recruitment fees charged to migrant workers in its supply chain.",
        "The committee met on Tuesday to approve the minutes of the previous session.",
    ]
    predicted = model.predict(texts)
    assert "non_punishment" in predicted[0]
    assert "supply_chains" in predicted[1]
    assert predicted[2] == []


@needs_corpus
@pytest.mark.slow
def test_retraining_the_shipped_model_reproduces_its_dev_scores(tmp_path):
    """`tipnlp train training/<default>.yaml` from a fresh clone gives the same dev scores within noise."""
    from tipnlp.training import train_from_config

    name = default_model_name()
    shipped = json.loads((models_dir() / name / "config.json").read_text(encoding="utf-8"))
    _, meta = train_from_config(REPO / "training" / f"{name}.yaml", output=tmp_path / name)
    assert meta["dev"]["macro_f1"] == pytest.approx(shipped["dev"]["macro_f1"], abs=0.02)
    for theme, f1 in shipped["dev"]["per_theme_f1"].items():
        assert meta["dev"]["per_theme_f1"][theme] == pytest.approx(f1, abs=0.05)


def test_default_evidence_is_the_rule_hits_alone_when_the_lexicon_has_any():
    from tipnlp.classifiers import load_model

    model = load_model()
    text = ("(1) The Ministry shall train police officers to identify victims of trafficking, including "
            "victims of trafficking for the removal of organs.")
    spans = model.evidence(text, "organ_removal")
    assert spans and all(label.startswith("lexicon:") for _, _, label in spans)
    assert any("organs" in text[s:e] for s, e, _ in spans)


def test_default_evidence_without_rule_hits_names_content_words_only():
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    from tipnlp.classifiers import load_model

    model = load_model()
    text = ("The company reviewed the working conditions of the workers employed by the firms that make "
            "its uniforms, and it visited three of the factories during the year.")
    seen = 0
    for theme in model.themes:
        if model._lexicon().evidence(text, theme):
            continue
        for s, e, label in model.evidence(text, theme):
            seen += 1
            assert label.startswith("tfidf:")
            assert not all(word in ENGLISH_STOP_WORDS for word in text[s:e].lower().split())
    assert seen > 0
