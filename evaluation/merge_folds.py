"""Join one-fold out-of-fold files (``oof_cv.py --fold N``) into the whole file ``ensemble_cv.py`` reads.

    python evaluation/merge_folds.py evaluation/oof/k3/finetuned_minilm_full_cpu_fold{1,2,3}.npz \
        --out evaluation/oof/k3/finetuned_minilm_full_cpu.npz

Every part must hold the same passages and folds; each passage must be scored by exactly one part.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np


def merge(parts: list[Path]) -> dict[str, np.ndarray]:
    loaded = []
    for path in parts:
        with np.load(path, allow_pickle=False) as z:
            loaded.append({k: z[k] for k in z.files})
    first = loaded[0]
    for path, part in zip(parts[1:], loaded[1:]):
        for key in ("ids", "folds", "themes"):
            if not np.array_equal(part[key], first[key]):
                raise SystemExit(f"{path}: its {key} differ from {parts[0]}'s; the parts must come from one "
                                 "config's oof_cv.py --fold runs with the same --k")
    scored = np.stack([np.isfinite(p["scores"]).all(axis=1) for p in loaded])
    twice = np.flatnonzero(scored.sum(axis=0) > 1)
    if len(twice):
        raise SystemExit(f"{len(twice)} passages are scored by more than one part (e.g. {first['ids'][twice[0]]})")
    missing = np.flatnonzero(scored.sum(axis=0) == 0)
    if len(missing):
        folds = sorted({int(first["folds"][i]) + 1 for i in missing})
        raise SystemExit(f"{len(missing)} passages have no score: run oof_cv.py --fold for fold(s) {folds}")
    scores = np.zeros(first["scores"].shape, dtype=np.float32)
    infos = []
    for part, mask in zip(loaded, scored):
        scores[mask] = part["scores"][mask]
        infos.append(json.loads(str(part["info"])))
    info = {k: v for k, v in infos[0].items() if k not in ("folds", "seconds", "only_fold", "note")}
    info["parts"] = infos
    return {"ids": first["ids"], "folds": first["folds"], "scores": scores, "themes": first["themes"],
            "info": np.array(json.dumps(info))}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("parts", nargs="+", type=Path)
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    merged = merge(args.parts)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(args.out, **merged)
    print(f"{len(args.parts)} parts, {len(merged['ids'])} passages -> {args.out}")


if __name__ == "__main__":
    main()
