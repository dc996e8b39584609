"""The spaCy textcat family: training through spaCy's own loop, scores, persistence, loading.

Trains once (module fixture) a small bag-of-words model on passages written for this test.
"""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("spacy")

from tipnlp.classifiers import load_model  # noqa: E402
from tipnlp.classifiers.spacy_textcat import SpacyTextcatClassifier, carve_dev  # noqa: E402
from tipnlp.errors import DataError, ModelError  # noqa: E402

THEMES = ["supply_chains", "non_punishment", "organ_removal"]

SUPPLY = [
    "Companies must audit their suppliers and publish a supply chain statement every year.",
    "The retailer traced cotton suppliers to check for forced labour in its supply chain.",
    "Business enterprises shall report due diligence on suppliers and subcontractors.",
    "Public procurement contracts exclude suppliers that use forced labour in the supply chain.",
    "The firm mapped its supply chain and trained procurement staff on supplier risks.",
    "Importers must show that goods in their supply chain were not made with forced labour.",
    "The company statement describes supplier audits and remediation in the supply chain.",
    "Buyers should require suppliers to disclose recruitment fees paid by workers.",
    "A supply chain transparency law obliges large companies to publish audits of suppliers.",
    "Due diligence on suppliers covers subcontractors deep in the supply chain.",
    "Suppliers found using forced labour were removed from the approved supplier list.",
    "The brand publishes a list of suppliers and factories in its supply chain.",
    "Supply chain audits of fishing vessels found forced labour among suppliers.",
    "Companies must remedy forced labour found among their suppliers.",
]
NONPUN = [
    "Victims shall not be prosecuted for offences they were compelled to commit while trafficked.",
    "A trafficked person is not punished for unlawful acts that were a direct result of trafficking.",
    "Prosecutors dropped the charges because the victim was forced to commit the offence.",
    "Victims of trafficking must not be detained or punished for immigration offences.",
    "The court vacated the conviction of a trafficking victim compelled to commit crimes.",
    "Police should identify victims instead of arresting them for offences committed under coercion.",
    "The non-punishment principle protects victims from prosecution for compelled offences.",
    "Trafficked children are not prosecuted for crimes they were forced to commit.",
    "Victims were penalised for prostitution although they were trafficked and compelled.",
    "Criminal records of trafficking victims can be expunged when the offence was compelled.",
    "Authorities must not prosecute victims for using false documents under coercion.",
    "A victim compelled by traffickers to sell drugs shall not face punishment.",
    "Guidance tells prosecutors not to charge trafficked persons for compelled offences.",
]
OTHER = [
    "The weather tomorrow will be sunny with a light breeze from the west.",
    "The football team won the match after a late goal in the second half.",
    "Bake the bread for forty minutes until the crust turns golden brown.",
    "The library opens at nine and closes early on public holidays.",
    "Rainfall this spring was above average across the northern hills.",
    "The orchestra rehearsed the symphony twice before the concert.",
    "Add salt and pepper to the soup and let it simmer slowly.",
    "The museum displays paintings from the early modern period.",
    "Cyclists climbed the mountain pass in cold and windy conditions.",
    "The garden needs watering every evening during the dry summer.",
    "The train to the coast leaves every hour from the central station.",
    "Students read three novels and wrote an essay on each of them.",
    "The bakery sells fresh rolls and cakes every morning.",
]
TEXTS = SUPPLY + NONPUN + OTHER
LABELS = [["supply_chains"]] * len(SUPPLY) + [["non_punishment"]] * len(NONPUN) + [[]] * len(OTHER)

FAST = dict(architecture="bow", ngram_size=1, max_epochs=4, eval_frequency=2, patience=100, learn_rate=0.01,
            train_batch_size=8, random_state=3)


@pytest.fixture(scope="module")
def model():
    m = SpacyTextcatClassifier(THEMES, **FAST)
    assert m.fit(TEXTS, LABELS) is m
    return m


def test_fit_returns_self_with_a_trained_textcat_pipeline(model):
    assert model.nlp_.pipe_names == ["textcat_multilabel"]
    assert set(model.nlp_.get_pipe("textcat_multilabel").labels) == set(THEMES)


def test_predict_proba_shape_and_range(model):
    texts = ["Suppliers in the supply chain were audited.", "Sunny weather today.", "x"]
    proba = model.predict_proba(texts)
    assert proba.shape == (3, len(THEMES))
    assert np.all((proba >= 0) & (proba <= 1))


def test_theme_with_training_signal_scores_higher_on_matching_text(model):
    proba = model.predict_proba([
        "The company audited suppliers for forced labour in its supply chain.",
        "The choir sang in the old church on a rainy afternoon.",
    ])
    j = THEMES.index("supply_chains")
    assert proba[0, j] > proba[1, j] + 0.1
    k = THEMES.index("non_punishment")
    victim = model.predict_proba(["Victims must not be prosecuted for offences they were compelled to commit."])
    assert victim[0, k] > proba[1, k] + 0.1


def test_texts_without_tokens_do_not_crash_bigram_models():
    m = SpacyTextcatClassifier(THEMES, **{**FAST, "ngram_size": 2, "max_epochs": 1, "normalize": "words"})
    m.fit(TEXTS + ["", "12 % 34"], LABELS + [[], []])
    proba = m.predict_proba(["", "   ", "100 %", "supply chain"])
    assert proba.shape == (4, 3) and np.isfinite(proba).all()


def test_save_load_round_trip_gives_identical_scores(model, tmp_path):
    model.thresholds_ = {"supply_chains": 0.3, "non_punishment": 0.4, "organ_removal": 0.5}
    model.save(tmp_path / "m")
    assert (tmp_path / "m" / "spacy_pipeline" / "config.cfg").is_file()
    again = SpacyTextcatClassifier.load(tmp_path / "m")
    texts = TEXTS[:5] + ["Victims are not punished.", "A quiet evening."]
    np.testing.assert_array_equal(model.predict_proba(texts), again.predict_proba(texts))
    assert again.thresholds_ == model.thresholds_
    assert again.get_config() == model.get_config()


def test_load_model_rebuilds_the_family_from_its_directory(model, tmp_path):
    model.save(tmp_path / "m")
    loaded = load_model(tmp_path / "m")
    assert isinstance(loaded, SpacyTextcatClassifier)
    assert loaded.themes == THEMES
    np.testing.assert_array_equal(loaded.predict_proba(SUPPLY[:3]), model.predict_proba(SUPPLY[:3]))


def test_damaged_model_directory_is_a_model_error(model, tmp_path):
    import shutil

    model.save(tmp_path / "m")
    shutil.rmtree(tmp_path / "m" / "spacy_pipeline")
    with pytest.raises(ModelError):
        load_model(tmp_path / "m")


def test_evidence_points_at_words_of_the_text(model):
    text = "The company audited its suppliers for forced labour."
    spans = model.evidence(text, "supply_chains", limit=2)
    assert 1 <= len(spans) <= 2
    for start, end, source in spans:
        assert source.startswith("spacy_textcat:")
        assert text[start:end].lower() == source.split(":", 1)[1]
    assert model.evidence(text, "not_a_theme") == []


def test_carve_dev_is_stratified_disjoint_and_seeded():
    labels = [["a"]] * 20 + [["b"]] * 2 + [["a", "b"]] * 2 + [[]] * 40
    train, dev = carve_dev(labels, 0.15, seed=1)
    assert sorted(train + dev) == list(range(len(labels)))
    assert any("b" in labels[i] for i in dev) and any("b" in labels[i] for i in train)
    assert any("a" in labels[i] for i in dev)
    assert 6 <= len(dev) <= 14
    assert carve_dev(labels, 0.15, seed=1) == (train, dev)


def test_training_config_applies_parameters_then_overrides():
    m = SpacyTextcatClassifier(
        THEMES, architecture="ensemble", tok2vec_width=32, max_epochs=7, learn_rate=0.003,
        overrides={"training.optimizer.learn_rate": 0.005}, random_state=11,
    )
    config = m.training_config("train.spacy", "dev.spacy")
    model_cfg = config["components"]["textcat_multilabel"]["model"]
    assert model_cfg["@architectures"] == "spacy.TextCatEnsemble.v2"
    assert model_cfg["tok2vec"]["encode"]["width"] == 32
    assert config["training"]["max_epochs"] == 7
    assert config["training"]["optimizer"]["learn_rate"] == 0.005
    assert config["system"]["seed"] == 11
    assert config["paths"]["train"] == "train.spacy"


def test_bad_architecture_and_missing_config_are_reported():
    with pytest.raises(ModelError):
        SpacyTextcatClassifier(THEMES, architecture="transformer").training_config()
    with pytest.raises(DataError):
        SpacyTextcatClassifier(THEMES, config_path="/no/such/textcat.cfg").training_config()
