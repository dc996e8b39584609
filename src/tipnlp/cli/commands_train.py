"""`tipnlp train CONFIG`: train a model family from a config file under training/."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from tipnlp.cli.app import app, handles_errors


@app.command()
@handles_errors
def train(
    config: Path = typer.Argument(..., help="Training config (YAML), e.g. training/tfidf_lr.yaml."),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="Model directory (default: models/<name>)."),
    corpus_dir: Optional[Path] = typer.Option(None, "--corpus-dir", help="Corpus folder (default: ../shared/corpora)."),
) -> None:
    """Train a model from its config and save it with its OP ranker and model card.

    Configs with `data: {train: all}` fit on every non-sealed gold passage and take thresholds from
    out-of-fold scores; older configs fit on train and tune on dev."""
    import json

    from rich.console import Console

    from tipnlp.model_card import write_model_card
    from tipnlp.training import train_from_config

    console = Console(stderr=True)
    with console.status("training") as status:
        def progress(message: str) -> None:
            status.update(message)
            console.log(message)

        path, meta = train_from_config(config, output=out, corpus_dir=corpus_dir, progress=progress)
    write_model_card(path)
    summary = {"model": str(path)}
    if "dev" in meta:
        summary.update(dev_macro_f1=meta["dev"]["macro_f1"], dev_per_theme_f1=meta["dev"]["per_theme_f1"])
    else:
        summary.update(gold_passages=meta["train"]["gold_passages"], thresholds_from=meta["thresholds_from"])
    print(json.dumps(summary, indent=2))
