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
    """Fit on the train split, tune per-theme thresholds on dev, save the model with its card."""
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
    dev = meta["dev"]
    print(json.dumps({"model": str(path), "dev_macro_f1": dev["macro_f1"], "dev_per_theme_f1": dev["per_theme_f1"]}, indent=2))
