"""The Typer application object and the error handling shared by all commands.

Commands live in sibling modules (one module per command group) and register on ``app``; they stay
thin: parse options, call library functions, format output.
"""

from __future__ import annotations

import functools
import os
import sys
from typing import Callable, TypeVar

import typer

from tipnlp import __version__
from tipnlp.cli._help import install as _install_plain_help
from tipnlp.errors import EXIT_CODES, TipnlpError

_install_plain_help()

F = TypeVar("F", bound=Callable)
# Usage errors (bad parameters) keep Typer's own message and exit code 2.
_ClickException = next(c for c in typer.BadParameter.__mro__ if c.__name__ == "ClickException")

_EXIT_CODE_HELP = "\n".join(f"  {code}  {meaning}" for code, meaning in sorted(EXIT_CODES.items()))

app = typer.Typer(
    name="tipnlp",
    help=(
        "Tag trafficking-in-persons documents with the themes of UN GA resolution 71/167 and link "
        "each tag to the resolution's operative paragraphs.\n\nExit codes:\n\n" + _EXIT_CODE_HELP
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def fail(error: TipnlpError) -> typer.Exit:
    """Print a one-line error (and hint) on stderr; return the Exit to raise."""
    print(f"error: {error.message}", file=sys.stderr)
    if error.hint:
        print(f"hint: {error.hint}", file=sys.stderr)
    return typer.Exit(code=error.exit_code)


#: Exit status when the reader of our output went away (``| head``): 128 + SIGPIPE, as shells report
#: for other Unix tools killed by a closed pipe.
EXIT_BROKEN_PIPE = 141


def quiet_broken_pipe() -> typer.Exit:
    """The reader closed stdout (``tipnlp ... | head -1``): stop silently, like other Unix tools.

    Python would otherwise complain again when it flushes stdout at exit, so stdout is pointed at
    /dev/null first.
    """
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):  # stdout is not a real file (e.g. captured by a test runner)
        pass
    return typer.Exit(code=EXIT_BROKEN_PIPE)


def handles_errors(func: F) -> F:
    """Turn TipnlpError into a clear message and its exit code, never a traceback."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            result = func(*args, **kwargs)
            sys.stdout.flush()  # a closed pipe shows up here, not at interpreter exit
            return result
        except BrokenPipeError:
            raise quiet_broken_pipe() from None
        except TipnlpError as error:
            raise fail(error) from None
        except KeyboardInterrupt:
            print("interrupted", file=sys.stderr)
            raise typer.Exit(code=130) from None
        except (typer.Exit, typer.Abort, SystemExit, _ClickException):
            raise
        except Exception as error:  # a bug: one line for users, the traceback on request
            if os.environ.get("TIPNLP_DEBUG"):
                raise
            print(f"internal error: {type(error).__name__}: {error}", file=sys.stderr)
            print("hint: this is a bug in tipnlp; rerun with TIPNLP_DEBUG=1 for the traceback and report it.",
                  file=sys.stderr)
            raise typer.Exit(code=1) from None

    return wrapper  # type: ignore[return-value]


#: Set by -q/--quiet (before or after the command name): informational messages on stderr are dropped.
_STATE = {"quiet": False}

QUIET_OPTION = typer.Option(False, "--quiet", "-q", help="Print no progress or status messages (errors still go to stderr).")


def info(message: str, quiet: bool = False) -> None:
    """A status message on stderr, unless -q/--quiet was given."""
    if not (quiet or _STATE["quiet"]):
        print(message, file=sys.stderr)


def is_quiet(quiet: bool = False) -> bool:
    return quiet or _STATE["quiet"]


def _version_callback(value: bool) -> None:
    if value:
        print(f"tipnlp {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", "-V", callback=_version_callback, is_eager=True, help="Show the version and exit."
    ),
    quiet: bool = QUIET_OPTION,
) -> None:
    """tipnlp: themes of resolution 71/167 in policy documents."""
    _STATE["quiet"] = quiet
