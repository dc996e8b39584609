"""A rich Console that lets a closed pipe surface as BrokenPipeError.

rich's own Console exits with status 1 when the reader goes away; the CLI wants every command to
stop the same quiet way (see ``tipnlp.cli.app.handles_errors``).
"""

from __future__ import annotations

from typing import Any


def console(**kwargs: Any):
    """A ``rich.console.Console(**kwargs)`` that raises BrokenPipeError instead of exiting."""
    from rich.console import Console

    class _PipeAwareConsole(Console):
        def on_broken_pipe(self) -> None:
            self.quiet = True
            raise BrokenPipeError

    return _PipeAwareConsole(**kwargs)
