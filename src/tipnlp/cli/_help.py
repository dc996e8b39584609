"""Plain help text: parameter types as click writes them (TEXT, PATH, [a|b]), not Python type names.

Recent Typer releases show ``<bool>``, ``<list[str]>`` and ``{file}`` / ``[INPUT...]...`` in help and
usage lines, which mean nothing to a user of a command-line tool. This module adjusts that rendering
in one place; on Typer versions without these hooks it changes nothing.
"""

from __future__ import annotations

from typing import Any

_NAMES = {"str": "TEXT", "int": "INTEGER", "float": "FLOAT", "bool": "", "Path": "PATH"}


def _plain_type(param: Any, ctx: Any) -> str:
    """A click-style type label for ``param``; empty for flags and for arguments named by a metavar."""
    if getattr(param, "is_flag", False) or getattr(param, "count", False):
        return ""
    if getattr(param, "param_type_name", "") == "argument" and param.metavar:
        return ""
    desc = getattr(param, "type_descriptor", None)
    if desc is None:
        return ""
    if getattr(desc, "is_choice", False):
        return "[" + "|".join(str(getattr(c, "value", c)) for c in desc.choices or ()) + "]"
    if getattr(desc, "is_path", False):
        return "PATH"
    if getattr(desc, "is_ranged", False):
        return f"{_NAMES.get(str(desc.ranged_type_name), str(desc.ranged_type_name).upper())} RANGE"
    label = param.bare_type() if hasattr(param, "bare_type") else ""
    if label.startswith("list[") and label.endswith("]"):
        label = label[5:-1]
    return _NAMES.get(label, label.upper())


def _usage_name(param: Any) -> str:
    """``FILE`` for a required argument, ``[INPUT...]`` for optional or repeated ones."""
    name = param.metavar or param.name.upper()
    if param.nargs != 1 and not name.endswith("..."):
        name += "..."
    return name if param.required else f"[{name.strip('[]')}]"


def install() -> None:
    """Patch Typer's parameter rendering (idempotent; a no-op where the hooks do not exist)."""
    try:
        from typer import core
    except ImportError:  # pragma: no cover
        return
    base = getattr(core, "_TyperParameter", None)
    if base is not None and hasattr(base, "display_type") and not getattr(base, "_tipnlp_plain", False):
        base.display_type = lambda self, ctx: _plain_type(self, ctx)  # type: ignore[assignment]
        base._tipnlp_plain = True  # type: ignore[attr-defined]
    argument = getattr(core, "TyperArgument", None)
    if argument is not None and hasattr(argument, "_usage_display_name"):
        argument._usage_display_name = _usage_name  # type: ignore[assignment]
