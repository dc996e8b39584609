"""all-MiniLM-L6-v2 fine-tuned end to end for multi-label theme classification.

A classification head (one logit per theme) over the [CLS] state (``pooling="cls"``, transformers'
``AutoModelForSequenceClassification``) or over the mean of the token states (``pooling="mean"``, the
pooling the sentence encoder was trained with) is trained with binary cross-entropy through the
transformers ``Trainer``, seeded, on a GPU when there is one (scoring runs on the CPU). The new head may
learn at its own rate (``head_learning_rate``), and batches are random by default: on the CPU, the head
rate lifted 3-fold mean AP from 0.368 to 0.394 and random batches lifted one fold from 0.361 to 0.437
(``evaluation/reports/comparison/transformer_and_ensembles.md``). Rare themes
get a positive-class weight (``pos_weight``: ``"sqrt"`` of the negative/positive ratio by default,
capped) so they are not drowned by the many passages with no theme. Scores are sigmoids of the
logits; thresholds are tuned on dev by :func:`tipnlp.training.train_from_config`.

The model directory holds the fine-tuned weights and tokenizer (about 90 MB: keep such directories
under ``.cache/models/``, not ``models/``). Inference runs under torch or, with ``backend="onnx"``,
under ONNX Runtime from an export kept in the user cache folder.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
import time
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from tipnlp.classifiers.base import ThemeClassifier
from tipnlp.classifiers.encoders import (
    ONNX_OPSET,
    cache_dir,
    check_backend,
    configure_threads,
    encoder_path as locate_encoder,
    encoder_reference,
    export_onnx,
    load_tokenizer,
    logits_module,
    mean_pool,
    onnx_forward,
    onnx_ready,
    onnx_session,
    require_torch,
    run_batched,
    sentence_evidence,
    torch_forward,
    warn_onnx_fallback,
)
from tipnlp.errors import ModelError

WEIGHTS_DIR = "transformer"
STATE_FILE = "finetune.json"
POS_WEIGHTS = ("none", "sqrt", "balanced")
POOLINGS = ("cls", "mean")
MEAN_HEAD_FILE = "mean_head.pt"


def _mean_pooled_classifier(backbone, themes: Sequence[str]):
    """A linear head over the mean-pooled token states of ``backbone``; returns an output with ``.logits``
    like transformers' sequence classifiers, so training, scoring and ONNX export treat both alike."""
    torch, transformers = require_torch()
    backbone.config.id2label = dict(enumerate(themes))
    backbone.config.label2id = {t: i for i, t in enumerate(themes)}

    class MeanPooledClassifier(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.backbone = backbone
            self.config = backbone.config
            self.dropout = torch.nn.Dropout(0.1)
            self.head = torch.nn.Linear(backbone.config.hidden_size, len(themes))

        def forward(self, input_ids, attention_mask, token_type_ids=None, **_):
            kwargs = {"input_ids": input_ids, "attention_mask": attention_mask}
            if token_type_ids is not None:
                kwargs["token_type_ids"] = token_type_ids
            pooled = mean_pool(self.backbone(**kwargs).last_hidden_state, attention_mask)
            return transformers.modeling_outputs.SequenceClassifierOutput(logits=self.head(self.dropout(pooled)))

    return MeanPooledClassifier()


class FinetunedTransformerClassifier(ThemeClassifier):
    family = "finetuned"

    def __init__(
        self,
        themes: Sequence[str],
        default_threshold: float = 0.5,
        encoder_path: str | None = None,
        max_length: int = 256,
        epochs: float = 4,
        batch_size: int = 16,
        learning_rate: float = 5e-5,
        weight_decay: float = 0.01,
        warmup_ratio: float = 0.1,
        pos_weight: str = "sqrt",
        max_pos_weight: float = 10.0,
        predict_batch_size: int = 32,
        negative_fraction: float = 1.0,
        pooling: str = "cls",
        head_learning_rate: float | None = None,
        length_grouped_batches: bool = False,
        backend: str = "torch",
        num_threads: int | None = None,
        random_state: int = 0,
    ):
        super().__init__(themes, default_threshold)
        self.encoder_path = encoder_reference(encoder_path)
        self.max_length = max_length
        self.epochs = epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.weight_decay = weight_decay
        self.warmup_ratio = warmup_ratio
        if pos_weight not in POS_WEIGHTS:
            raise ModelError(f"unknown pos_weight {pos_weight!r}; use one of {', '.join(POS_WEIGHTS)}")
        self.pos_weight = pos_weight
        self.max_pos_weight = max_pos_weight
        self.predict_batch_size = predict_batch_size
        if not 0.0 < float(negative_fraction) <= 1.0:
            raise ModelError(f"negative_fraction must be in (0, 1] (got {negative_fraction})")
        self.negative_fraction = float(negative_fraction)
        if pooling not in POOLINGS:
            raise ModelError(f"unknown pooling {pooling!r}; use one of {', '.join(POOLINGS)}")
        self.pooling = pooling
        self.head_learning_rate = None if head_learning_rate is None else float(head_learning_rate)
        # batches of passages of similar length are cheaper on a CPU but gather passages of one kind
        # (and theme): on one fold, random batches ranked far better (mean AP 0.437 vs 0.361)
        self.length_grouped_batches = bool(length_grouped_batches)
        self.backend = check_backend(backend)
        self.num_threads = num_threads
        self.random_state = random_state

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update(
            encoder_path=self.encoder_path, max_length=self.max_length, epochs=self.epochs,
            batch_size=self.batch_size, learning_rate=self.learning_rate, weight_decay=self.weight_decay,
            warmup_ratio=self.warmup_ratio, pos_weight=self.pos_weight, max_pos_weight=self.max_pos_weight,
            predict_batch_size=self.predict_batch_size, negative_fraction=self.negative_fraction,
            pooling=self.pooling, head_learning_rate=self.head_learning_rate,
            length_grouped_batches=self.length_grouped_batches, backend=self.backend, num_threads=self.num_threads,
            random_state=self.random_state,
        )
        return config

    # -- learning -------------------------------------------------------------------------------
    def positive_weights(self, y: np.ndarray) -> np.ndarray | None:
        """Per-theme weight of positive examples in the loss (None: unweighted)."""
        if self.pos_weight == "none":
            return None
        pos = y.sum(axis=0).astype(float)
        ratio = (len(y) - pos) / np.maximum(pos, 1.0)
        w = np.sqrt(ratio) if self.pos_weight == "sqrt" else ratio
        return np.clip(w, 1.0, float(self.max_pos_weight))

    def training_rows(self, y: np.ndarray) -> np.ndarray:
        """Indices kept for training: every passage with a theme, a seeded share of the others.

        Most passages carry no theme; on a CPU, dropping a share of them cuts the cost of an epoch
        while every positive is still seen each epoch.
        """
        if self.negative_fraction >= 1.0:
            return np.arange(len(y))
        rng = np.random.default_rng(self.random_state)
        return np.flatnonzero(y.any(axis=1) | (rng.random(len(y)) < self.negative_fraction))

    def fit(self, texts: Sequence[str], labels: Sequence[Sequence[str]]) -> "FinetunedTransformerClassifier":
        torch, transformers = require_torch()
        configure_threads(self.num_threads)
        y_all = self.label_matrix(labels).astype(np.float32)
        rows_kept = self.training_rows(y_all)
        texts = [str(texts[i]) for i in rows_kept]
        y = y_all[rows_kept]
        base = locate_encoder(self.encoder_path)
        tokenizer = load_tokenizer(base)
        transformers.set_seed(self.random_state)
        try:
            if self.pooling == "mean":
                model = _mean_pooled_classifier(
                    transformers.AutoModel.from_pretrained(str(base), local_files_only=True), self.themes)
            else:
                model = transformers.AutoModelForSequenceClassification.from_pretrained(
                    str(base), local_files_only=True, num_labels=len(self.themes),
                    problem_type="multi_label_classification",
                    id2label=dict(enumerate(self.themes)), label2id={t: i for i, t in enumerate(self.themes)},
                )
        except (OSError, ValueError) as err:
            raise ModelError(f"could not load the encoder from {base}: {err}") from None

        enc = tokenizer(texts, truncation=True, max_length=self.max_length)
        rows = [{**{k: enc[k][i] for k in enc.keys()}, "labels": y[i].tolist()} for i in range(len(texts))]
        weights = self.positive_weights(y)
        pos_weight = None if weights is None else torch.tensor(weights, dtype=torch.float32)

        def bce_loss(outputs, labels, num_items_in_batch=None):
            return torch.nn.functional.binary_cross_entropy_with_logits(
                outputs.logits, labels.to(outputs.logits.dtype),
                pos_weight=None if pos_weight is None else pos_weight.to(outputs.logits.device))

        epoch_seconds: list[float] = []
        losses: list[float] = []

        class EpochClock(transformers.TrainerCallback):
            def on_epoch_begin(self, args, state, control, **kw):
                self.t0 = time.perf_counter()

            def on_epoch_end(self, args, state, control, **kw):
                epoch_seconds.append(round(time.perf_counter() - self.t0, 2))

            def on_log(self, args, state, control, logs=None, **kw):
                if logs and "loss" in logs:
                    losses.append(round(float(logs["loss"]), 5))

        with tempfile.TemporaryDirectory(prefix="tipnlp-finetune-") as tmp:
            args = transformers.TrainingArguments(
                output_dir=tmp, num_train_epochs=float(self.epochs), per_device_train_batch_size=self.batch_size,
                learning_rate=self.learning_rate, weight_decay=self.weight_decay,
                warmup_steps=float(self.warmup_ratio), lr_scheduler_type="linear",
                seed=self.random_state, data_seed=self.random_state,
                train_sampling_strategy="group_by_length" if self.length_grouped_batches else "random",
                save_strategy="no", eval_strategy="no", logging_strategy="epoch", report_to="none",
                disable_tqdm=True, use_cpu=not torch.cuda.is_available(), dataloader_num_workers=0,
                label_names=["labels"],
            )
            trainer = transformers.Trainer(
                model=model, args=args, train_dataset=rows, processing_class=tokenizer,
                data_collator=transformers.DataCollatorWithPadding(tokenizer),
                compute_loss_func=bce_loss, callbacks=[EpochClock()],
                optimizers=(self._optimizer(torch, model), None),
            )
            trainer.remove_callback(transformers.PrinterCallback)  # losses are kept in training_
            trainer.train()
        self.model_ = trainer.model.to("cpu").eval()  # scored on the CPU wherever it was trained
        self.tokenizer_ = tokenizer
        self.training_ = {
            "epoch_seconds": epoch_seconds, "epoch_losses": losses,
            "pos_weight": None if weights is None else [round(float(w), 4) for w in weights],
            "train_passages": len(texts),
        }
        self._forward = self._fingerprint = None
        return self

    def _optimizer(self, torch, model):
        """AdamW with the new head at ``head_learning_rate`` (a randomly initialised layer learns little
        at an encoder's fine-tuning rate) and the pretrained weights at ``learning_rate``; None lets the
        Trainer build its own when no head rate is set."""
        if self.head_learning_rate is None:
            return None
        head_names = ("head.", "classifier.", "pooler.")  # [CLS] pooler: never trained by the sentence encoder
        head, body = [], []
        for name, param in model.named_parameters():
            (head if any(part in name for part in head_names) else body).append(param)
        return torch.optim.AdamW([{"params": body, "lr": self.learning_rate},
                                  {"params": head, "lr": self.head_learning_rate}],
                                 weight_decay=self.weight_decay)

    # -- scores ---------------------------------------------------------------------------------
    def fingerprint(self) -> str:
        """A hash of the fine-tuned weights (keys the cached ONNX export)."""
        if getattr(self, "_fingerprint", None) is None:
            digest = hashlib.sha1()
            for name, tensor in sorted(self.model_.state_dict().items()):
                digest.update(name.encode())
                digest.update(tensor.detach().cpu().contiguous().numpy().tobytes())
            self._fingerprint = digest.hexdigest()[:16]
        return self._fingerprint

    def onnx_file(self, directory: str | Path | None = None) -> Path:
        name = f"logits-{self.fingerprint()}-opset{ONNX_OPSET}.onnx"
        return (Path(directory) if directory is not None else cache_dir() / "onnx") / name

    def export_onnx(self, directory: str | Path | None = None) -> Path:
        """Write (or reuse) the ONNX export of the fine-tuned model; default: the user cache folder."""
        file = self.onnx_file(directory)
        if not file.is_file():
            export_onnx(logits_module(self.model_), self.tokenizer_, file)
        return file

    def _get_forward(self):
        if getattr(self, "_forward", None) is None:
            self._on_torch = True
            if self.backend == "onnx":
                if onnx_ready(self.onnx_file()):
                    self._forward = onnx_forward(onnx_session(self.export_onnx(), self.num_threads))
                    self._on_torch = False
                else:
                    warn_onnx_fallback(self.onnx_file())
            if self._on_torch:
                self._forward = torch_forward(logits_module(self.model_))
        return self._forward

    def decision_function(self, texts: Sequence[str]) -> np.ndarray:
        """Logits, shape ``(len(texts), len(themes))``."""
        forward = self._get_forward()
        if self._on_torch:
            configure_threads(self.num_threads)
        return run_batched(list(texts), self.tokenizer_, forward, self.max_length,
                           self.predict_batch_size).astype(float)

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        if not len(texts):
            return np.zeros((0, len(self.themes)))
        return 1.0 / (1.0 + np.exp(-self.decision_function(texts)))

    def evidence(self, text: str, theme: str, limit: int = 3) -> list[tuple[int, int, str]]:
        return sentence_evidence(self, text, theme, limit, source="finetuned")

    # -- persistence ----------------------------------------------------------------------------
    def _save_state(self, path: Path) -> None:
        folder = path / WEIGHTS_DIR
        if self.pooling == "mean":
            torch, _ = require_torch()
            self.model_.backbone.save_pretrained(str(folder))
            torch.save(self.model_.head.state_dict(), folder / MEAN_HEAD_FILE)
        else:
            self.model_.save_pretrained(str(folder))
        self.tokenizer_.save_pretrained(str(folder))
        (path / STATE_FILE).write_text(json.dumps(getattr(self, "training_", {}), indent=2) + "\n", encoding="utf-8")

    def _load_state(self, path: Path) -> None:
        _, transformers = require_torch()
        folder = path / WEIGHTS_DIR
        if not folder.is_dir():
            raise ModelError(f"{path} has no fine-tuned weights (no {WEIGHTS_DIR}/ folder)")
        self.tokenizer_ = load_tokenizer(folder)
        try:
            if self.pooling == "mean":
                torch, _ = require_torch()
                backbone = transformers.AutoModel.from_pretrained(str(folder), local_files_only=True)
                themes = [backbone.config.id2label[i] for i in range(len(backbone.config.id2label))]
                self.model_ = _mean_pooled_classifier(backbone, themes)
                self.model_.head.load_state_dict(torch.load(folder / MEAN_HEAD_FILE, weights_only=True))
                self.model_.eval()
            else:
                self.model_ = transformers.AutoModelForSequenceClassification.from_pretrained(
                    str(folder), local_files_only=True).eval()
        except (OSError, ValueError) as err:
            raise ModelError(f"could not load the fine-tuned weights from {folder}: {err}") from None
        saved = [self.model_.config.id2label[i] for i in range(self.model_.config.num_labels)]
        if saved != self.themes:
            raise ModelError(f"{folder} scores themes {saved}, but the model config lists {self.themes}")
        state_file = path / STATE_FILE
        self.training_ = json.loads(state_file.read_text(encoding="utf-8")) if state_file.is_file() else {}
        self._forward = self._fingerprint = None
