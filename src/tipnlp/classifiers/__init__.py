"""Theme classifiers: one contract (``base.ThemeClassifier``), several families, one loader.

``load_model(spec)`` accepts ``None`` / ``"default"`` (the shipped default model), the name of a
shipped model (a folder under ``models/``), ``"lexicon"`` (the rule baseline, built from its pattern
file), or the path of any model directory written by ``save``.
"""

from __future__ import annotations

import json
from importlib import import_module, resources
from pathlib import Path
from typing import TYPE_CHECKING

from tipnlp.errors import ModelError

if TYPE_CHECKING:
    from tipnlp.classifiers.base import ThemeClassifier

# family name -> "module:Class"; modules import lazily so unused heavy stacks are never loaded.
FAMILIES: dict[str, str] = {
    "lexicon": "tipnlp.classifiers.lexicon:LexiconClassifier",
    "tfidf": "tipnlp.classifiers.tfidf:TfidfLinearClassifier",
    "spacy_textcat": "tipnlp.classifiers.spacy_textcat:SpacyTextcatClassifier",
    "embedding": "tipnlp.classifiers.embedding:EmbeddingClassifier",
    "finetuned": "tipnlp.classifiers.finetuned:FinetunedTransformerClassifier",
    "ensemble": "tipnlp.classifiers.ensemble:EnsembleClassifier",
    "context": "tipnlp.classifiers.context:ContextSentenceClassifier",
}

DEFAULT_FILE = "DEFAULT"


def family_class(family: str) -> type["ThemeClassifier"]:
    try:
        module_name, cls_name = FAMILIES[family].split(":")
    except KeyError:
        raise ModelError(f"unknown model family {family!r}; known: {', '.join(sorted(FAMILIES))}") from None
    try:
        module = import_module(module_name)
    except ModuleNotFoundError as err:
        raise ModelError(
            f"model family {family!r} needs the package {err.name!r}, which is not installed",
            hint="Install the extra it needs, e.g. `pip install 'tipnlp[transformers]'` (torch==2.13.0 first).",
        ) from None
    return getattr(module, cls_name)


def models_dir() -> Path:
    """The folder of shipped models: ``models/`` in a source checkout, ``tipnlp/_models`` in a wheel."""
    source_tree = Path(__file__).resolve().parents[3] / "models"
    if source_tree.is_dir():
        return source_tree
    return Path(str(resources.files("tipnlp").joinpath("_models")))


def default_model_name() -> str:
    marker = models_dir() / DEFAULT_FILE
    if marker.is_file():
        return marker.read_text(encoding="utf-8").strip()
    return "lexicon"


def resolve_model_path(spec: str | Path | None) -> Path | None:
    """The model directory for ``spec`` (None for the lexicon baseline, which needs no directory)."""
    if spec is None or str(spec) == "default":
        spec = default_model_name()
    if str(spec) == "lexicon":
        return None
    path = Path(spec)
    if path.is_dir():
        return path
    shipped = models_dir() / str(spec)
    if shipped.is_dir():
        return shipped
    available = ", ".join(list_models()) or "none"
    raise ModelError(f"no model {str(spec)!r}: not a model directory and not a shipped model ({available})")


def list_models() -> list[str]:
    root = models_dir()
    names = ["lexicon"]
    if root.is_dir():
        names += sorted(p.name for p in root.iterdir() if (p / "config.json").is_file())
    return names


def model_config(path: Path) -> dict:
    try:
        return json.loads((path / "config.json").read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ModelError(f"{path} is not a model directory (no config.json)") from None
    except json.JSONDecodeError as err:
        raise ModelError(f"{path}/config.json is not valid JSON ({err.msg})") from None


def load_model(spec: str | Path | None = None) -> "ThemeClassifier":
    """Load a classifier by name or path (see module docstring)."""
    path = resolve_model_path(spec)
    if path is None:
        from tipnlp.classifiers.lexicon import LexiconClassifier

        model = LexiconClassifier().fit([], [])
        model.name_ = "lexicon"
        return model
    config = model_config(path)
    cls = family_class(config.get("family", ""))
    try:
        model = cls.load(path)
    except ModelError:
        raise
    except Exception as err:  # a damaged model directory must not surface as a traceback
        raise ModelError(f"could not load model {path}: {type(err).__name__}: {err}") from None
    model.name_ = config.get("name", path.name)
    model.path_ = path
    return model
