"""Training configs, seeding and threshold tuning: shared by training and cross-validation (which must
not import each other)."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from tipnlp.errors import DataError


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    try:  # only when torch is installed (transformer families)
        import torch

        torch.manual_seed(seed)
    except ModuleNotFoundError:
        pass


def tune_thresholds(
    y: np.ndarray, proba: np.ndarray, themes: Sequence[str], grid: Sequence[float]
) -> dict[str, float]:
    """Per theme, the threshold with the best F1 on (dev) data; the middle of a tie's plateau."""
    out = {}
    for j, theme in enumerate(themes):
        best_f1, best = -1.0, []
        for t in grid:
            pred = proba[:, j] >= t
            tp = int((pred & (y[:, j] == 1)).sum())
            fp = int((pred & (y[:, j] == 0)).sum())
            fn = int((~pred & (y[:, j] == 1)).sum())
            f1 = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
            if f1 > best_f1 + 1e-12:
                best_f1, best = f1, [t]
            elif abs(f1 - best_f1) <= 1e-12:
                best.append(t)
        out[theme] = float(best[len(best) // 2]) if best else 0.5
    return out


def load_config(path: str | Path) -> dict[str, Any]:
    import yaml

    path = Path(path)
    if not path.is_file():
        raise DataError(f"no training config at {path}", hint="See training/*.yaml for examples.")
    config = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    for key in ("name", "family"):
        if key not in config:
            raise DataError(f"{path}: the config needs a `{key}` field")
    return config
