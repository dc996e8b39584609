"""spaCy ``textcat_multilabel``: one sigmoid score per theme, trained with spaCy's own config and loop.

``fit`` reads a spaCy training config (``training/spacy/textcat.cfg`` by default), puts this
instance's parameters on top, writes the passages to ``DocBin`` files and runs
``spacy.training.loop.train``. spaCy picks its best checkpoint on a dev set carved (stratified,
seeded) from the *training* passages; the project's dev split stays free for the per-theme
threshold tuning done by :func:`tipnlp.training.train_from_config`.

Architectures: the bag-of-words model (``bow``) trains in about a minute but ranks unseen documents
poorly on this gold (dev macro AUC about 0.65 against 0.89 for TF-IDF + logistic regression): spaCy
trains it with Adam, which moves every hashed n-gram weight by about the same step however rare the
n-gram, so words peculiar to one source document weigh as much as topical ones, and passage-length
sums of weights saturate the sigmoid. The ``ensemble`` (bag of words + a small CNN tok2vec with
attention pooling) does better (AUC about 0.76) and is the default; see training/spacy_textcat.yaml.

Evidence is occlusion: the words whose removal from the passage lowers the theme's score the most.
It asks the model itself, so it is honest for every architecture.
"""

from __future__ import annotations

import io
import re
import tempfile
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from tipnlp.classifiers.base import ThemeClassifier
from tipnlp.errors import DataError, ModelError

PIPELINE_DIR = "spacy_pipeline"
COMPONENT = "textcat_multilabel"
DEFAULT_CONFIG = Path("training") / "spacy" / "textcat.cfg"
ARCHITECTURES = ("bow", "ensemble", "reduce", "config")
_WORD = re.compile(r"[^\W\d_]+(?:[-'’][^\W\d_]+)*")


def _words(text: str) -> str:
    return " ".join(_WORD.findall(text.lower()))


# What the pipeline reads (the saved spacy_pipeline/ expects text normalised the same way). The
# bag-of-words model keys on exact token strings, so numbers, curly quotes and percent signs typical
# of one source document become strong features; "words" keeps only lower-cased words (like the
# TF-IDF family's token pattern). It helped the bow model a little (dev AUC 0.60 -> 0.65), not the ensemble.
NORMALIZERS = {"none": lambda t: t, "lower": str.lower, "words": _words}


def default_config_path() -> Path | None:
    """The repository's ``training/spacy/textcat.cfg``; None when absent (an installed wheel)."""
    from tipnlp.corpus import REPO_ROOT

    path = REPO_ROOT / DEFAULT_CONFIG
    return path if path.is_file() else None


def resolve_config_path(config_path: str | Path | None) -> Path | None:
    """An explicit path (as given, else relative to the repository), or the packaged default."""
    if config_path is None:
        return default_config_path()
    from tipnlp.corpus import REPO_ROOT

    for candidate in (Path(config_path), REPO_ROOT / str(config_path)):
        if candidate.is_file():
            return candidate
    raise DataError(
        f"no spaCy training config at {config_path}",
        hint="Pass the path of a spaCy .cfg file, or leave config_path unset for training/spacy/textcat.cfg.",
    )


def carve_dev(labels: Sequence[Sequence[str]], fraction: float, seed: int) -> tuple[list[int], list[int]]:
    """Indices (train, dev): ``fraction`` of each stratum to dev, a stratum being a passage's rarest label.

    Every label with at least two passages gets at least one into dev, so spaCy's macro AUC is
    defined for it; unlabelled passages form their own stratum.
    """
    counts: dict[str, int] = {}
    for labs in labels:
        for lab in labs:
            counts[lab] = counts.get(lab, 0) + 1
    strata: dict[str, list[int]] = {}
    for i, labs in enumerate(labels):
        key = min(labs, key=lambda lab: (counts[lab], lab)) if labs else ""
        strata.setdefault(key, []).append(i)
    rng = np.random.default_rng(seed)
    dev: list[int] = []
    for key in sorted(strata):
        members = list(strata[key])
        rng.shuffle(members)
        n_dev = int(round(fraction * len(members)))
        if len(members) >= 2:
            n_dev = min(max(n_dev, 1), len(members) - 1)
        dev.extend(members[:n_dev])
    dev_set = set(dev)
    return [i for i in range(len(labels)) if i not in dev_set], sorted(dev_set)


class SpacyTextcatClassifier(ThemeClassifier):
    """A blank English spaCy pipeline with one ``textcat_multilabel`` component.

    Parameters given here win over the training config file; ``overrides`` (dotted spaCy config
    keys, e.g. ``{"training.optimizer.learn_rate": 0.002}``) win over both.
    ``architecture``: ``bow`` (TextCatBOW: sparse n-gram logistic regression, fast), ``ensemble``
    (TextCatEnsemble: BOW plus a CNN tok2vec with attention), ``reduce`` (TextCatReduce: pooled CNN
    tok2vec) or ``config`` (keep the model block of the config file as it is).
    ``patience`` and ``eval_frequency`` count optimizer steps (one step = ``train_batch_size``
    passages); ``batch_size`` is the prediction batch; ``dev_fraction`` of the training passages
    goes to spaCy's own dev set (see :func:`carve_dev`).
    """

    family = "spacy_textcat"

    def __init__(
        self,
        themes: Sequence[str],
        default_threshold: float = 0.5,
        config_path: str | None = None,
        overrides: dict[str, Any] | None = None,
        architecture: str = "ensemble",
        ngram_size: int = 2,
        normalize: str = "none",
        tok2vec_width: int = 64,
        tok2vec_depth: int = 2,
        max_epochs: int = 10,
        patience: int = 150,
        eval_frequency: int = 10,
        dropout: float = 0.1,
        learn_rate: float = 0.001,
        train_batch_size: int = 32,
        dev_fraction: float = 0.15,
        batch_size: int = 256,
        random_state: int = 0,
    ):
        super().__init__(themes, default_threshold)
        self.config_path = None if config_path is None else str(config_path)
        self.overrides = dict(overrides or {})
        self.architecture = architecture
        self.ngram_size = ngram_size
        self.normalize = normalize
        self.tok2vec_width = tok2vec_width
        self.tok2vec_depth = tok2vec_depth
        self.max_epochs = max_epochs
        self.patience = patience
        self.eval_frequency = eval_frequency
        self.dropout = dropout
        self.learn_rate = learn_rate
        self.train_batch_size = train_batch_size
        self.dev_fraction = dev_fraction
        self.batch_size = batch_size
        self.random_state = random_state

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update(
            config_path=self.config_path, overrides=dict(self.overrides), architecture=self.architecture,
            ngram_size=self.ngram_size, normalize=self.normalize, tok2vec_width=self.tok2vec_width,
            tok2vec_depth=self.tok2vec_depth, max_epochs=self.max_epochs, patience=self.patience,
            eval_frequency=self.eval_frequency, dropout=self.dropout, learn_rate=self.learn_rate,
            train_batch_size=self.train_batch_size, dev_fraction=self.dev_fraction, batch_size=self.batch_size, random_state=self.random_state,
        )
        return config

    # -- config ---------------------------------------------------------------------------------
    def _tok2vec_block(self) -> dict[str, Any]:
        width = int(self.tok2vec_width)
        return {
            "@architectures": "spacy.Tok2Vec.v2",
            "embed": {
                "@architectures": "spacy.MultiHashEmbed.v2", "width": width,
                "attrs": ["NORM", "PREFIX", "SUFFIX", "SHAPE"], "rows": [5000, 1000, 2500, 2500],
                "include_static_vectors": False,
            },
            "encode": {
                "@architectures": "spacy.MaxoutWindowEncoder.v2", "width": width,
                "depth": int(self.tok2vec_depth), "window_size": 1, "maxout_pieces": 3,
            },
        }

    def _model_block(self) -> dict[str, Any] | None:
        bow = {
            "@architectures": "spacy.TextCatBOW.v3", "exclusive_classes": False, "length": 262144,
            "ngram_size": int(self.ngram_size), "no_output_layer": False, "nO": None,
        }
        if self.architecture == "bow":
            return bow
        if self.architecture == "ensemble":
            return {"@architectures": "spacy.TextCatEnsemble.v2", "tok2vec": self._tok2vec_block(),
                    "linear_model": bow, "nO": None}
        if self.architecture == "reduce":
            return {"@architectures": "spacy.TextCatReduce.v1", "tok2vec": self._tok2vec_block(),
                    "exclusive_classes": False, "use_reduce_first": False, "use_reduce_last": False,
                    "use_reduce_max": True, "use_reduce_mean": True, "nO": None}
        if self.architecture == "config":
            return None
        raise ModelError(f"unknown spaCy textcat architecture {self.architecture!r}; known: {', '.join(ARCHITECTURES)}")

    def training_config(self, train_path: str | Path | None = None, dev_path: str | Path | None = None):
        """The spaCy ``Config`` that ``fit`` trains with (file, then parameters, then overrides)."""
        from spacy.util import load_config
        from thinc.api import Config

        path = resolve_config_path(self.config_path)
        if path is not None:
            config = load_config(path, interpolate=False)
        else:  # no config file shipped: spaCy's own quickstart config for the same pipeline
            from spacy.cli.init_config import init_config

            config = init_config(lang="en", pipeline=[COMPONENT], optimize="efficiency")
        if COMPONENT not in config["nlp"]["pipeline"]:
            raise DataError(f"the spaCy config {path} has no {COMPONENT!r} component in its pipeline")
        model = self._model_block()
        if model is not None:
            config["components"][COMPONENT]["model"] = model
        config["system"]["seed"] = int(self.random_state)
        config["training"]["seed"] = int(self.random_state)
        training = config["training"]
        training.update(
            max_epochs=int(self.max_epochs), max_steps=0, patience=int(self.patience),
            eval_frequency=int(self.eval_frequency), dropout=float(self.dropout),
        )
        training["optimizer"]["learn_rate"] = float(self.learn_rate)
        training["batcher"] = {
            "@batchers": "spacy.batch_by_sequence.v1", "size": int(self.train_batch_size), "get_length": None,
        }
        config["paths"]["train"] = None if train_path is None else str(train_path)
        config["paths"]["dev"] = None if dev_path is None else str(dev_path)
        # a round trip through text applies the user's overrides with spaCy's own validation
        return Config().from_str(config.to_str(), overrides=dict(self.overrides), interpolate=False)

    # -- learning -------------------------------------------------------------------------------
    def _prepare(self, texts: Sequence[str]) -> list[str]:
        """Text as the spaCy pipeline sees it (see ``NORMALIZERS``)."""
        try:
            norm = NORMALIZERS[self.normalize]
        except KeyError:
            raise ModelError(f"unknown normalize {self.normalize!r}; known: {', '.join(NORMALIZERS)}") from None
        # an empty Doc crashes spaCy's n-gram extraction (ngram_size >= 2); one space is a
        # token the model never learned from, so such a text scores as the bare bias
        return [norm(t) or " " for t in texts]

    def _docbin(self, nlp, texts: Sequence[str], y: np.ndarray, path: Path) -> Path:
        from spacy.tokens import DocBin

        docs = DocBin(store_user_data=False)
        for text, row in zip(texts, y):
            doc = nlp.make_doc(text)
            doc.cats = {t: float(v) for t, v in zip(self.themes, row)}
            docs.add(doc)
        docs.to_disk(path)
        return path

    def fit(self, texts: Sequence[str], labels: Sequence[Sequence[str]]) -> "SpacyTextcatClassifier":
        import spacy
        from spacy.training.initialize import init_nlp
        from spacy.training.loop import train

        texts = self._prepare(texts)
        if len(texts) != len(labels):
            raise DataError(f"{len(texts)} texts but {len(labels)} label lists")
        if len(texts) < 2:
            raise DataError("spaCy textcat needs at least two training passages")
        y = self.label_matrix(labels)
        known = [[t for t in labs if t in self.themes] for labs in labels]
        train_idx, dev_idx = carve_dev(known, self.dev_fraction, self.random_state)
        if not dev_idx:  # tiny data: evaluate on the training passages rather than on nothing
            dev_idx = list(train_idx)
        blank = spacy.blank("en")
        log = io.StringIO()
        with tempfile.TemporaryDirectory(prefix="tipnlp-textcat-") as tmp:
            tmp_path = Path(tmp)
            train_file = self._docbin(blank, [texts[i] for i in train_idx], y[train_idx], tmp_path / "train.spacy")
            dev_file = self._docbin(blank, [texts[i] for i in dev_idx], y[dev_idx], tmp_path / "dev.spacy")
            config = self.training_config(train_file, dev_file)
            out = tmp_path / "out"
            out.mkdir()
            nlp = init_nlp(config)
            train(nlp, out, stdout=log, stderr=log)
            best = out / "model-best"
            self.nlp_ = spacy.load(best if best.is_dir() else out / "model-last")
        self.train_log_ = log.getvalue()
        self.spacy_dev_size_ = len(dev_idx)
        return self

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        texts = self._prepare(texts)
        proba = np.zeros((len(texts), len(self.themes)), dtype=float)
        for row, doc in enumerate(self.nlp_.pipe(texts, batch_size=self.batch_size)):
            cats = doc.cats
            proba[row] = [cats.get(t, 0.0) for t in self.themes]
        return proba

    # -- evidence -------------------------------------------------------------------------------
    def evidence(self, text: str, theme: str, limit: int = 3, max_words: int = 80) -> list[tuple[int, int, str]]:
        """Words whose removal (every occurrence) lowers ``theme``'s score most; spans of first occurrences.

        Costs one prediction per distinct content word (stop words and punctuation are not tried;
        at most ``max_words``): about a second per call for the ensemble architecture on CPU.
        """
        if theme not in self.themes or not text.strip() or limit <= 0:
            return []
        j = self.themes.index(theme)
        tokens = list(self.nlp_.make_doc(text))
        first: dict[str, int] = {}
        for k, tok in enumerate(tokens):
            if not (tok.is_punct or tok.is_space or tok.is_stop) and tok.lower_ not in first:
                first[tok.lower_] = k
        words = list(first)[:max_words]
        if not words:
            return []
        variants = [
            "".join(tok.text_with_ws for tok in tokens if tok.lower_ != word) for word in words
        ]
        scores = self.predict_proba([text] + variants)[:, j]
        drops = scores[0] - scores[1:]
        spans: list[tuple[int, int, str]] = []
        for k in np.argsort(-drops, kind="stable"):
            if drops[k] <= 1e-4 or len(spans) >= limit:
                break
            tok = tokens[first[words[k]]]
            spans.append((tok.idx, tok.idx + len(tok.text), f"spacy_textcat:{words[k]}"))
        return spans

    # -- persistence ----------------------------------------------------------------------------
    def _save_state(self, path: Path) -> None:
        self.nlp_.to_disk(path / PIPELINE_DIR)

    def _load_state(self, path: Path) -> None:
        import spacy

        pipeline = path / PIPELINE_DIR
        if not pipeline.is_dir():
            raise ModelError(f"{path} has no {PIPELINE_DIR}/ folder: not a spacy_textcat model directory")
        self.nlp_ = spacy.load(pipeline)


__all__ = ["SpacyTextcatClassifier", "carve_dev", "default_config_path", "resolve_config_path"]
