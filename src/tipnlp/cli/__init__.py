"""Command-line interface: ``tipnlp``. Importing this package registers every command on ``app``."""

from __future__ import annotations

from tipnlp.cli.app import app

# Command modules register themselves on ``app`` when imported.
from tipnlp.cli import commands_core  # noqa: F401,E402

for _optional in ("commands_corpus", "commands_eval", "commands_train", "commands_batch", "commands_review"):
    try:
        __import__(f"tipnlp.cli.{_optional}")
    except ModuleNotFoundError as _missing:  # a command group not written yet
        if _missing.name != f"tipnlp.cli.{_optional}":
            raise


def main() -> None:
    try:
        app()
    except BrokenPipeError:  # output closed outside a command (e.g. `tipnlp --help | head -1`)
        from tipnlp.cli.app import quiet_broken_pipe

        raise SystemExit(quiet_broken_pipe().exit_code) from None


__all__ = ["app", "main"]
