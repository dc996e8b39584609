"""Which operative paragraphs (OPs) an output shows for a theme tag, and which of them is primary.

One place for the rule, so that CSV, Markdown, tables, HTML, the batch exports and the collection
report agree. It works on the JSON form of the records (dicts), which is what the batch results
hold; ``tipnlp.records`` objects go through ``to_dict`` first.

A theme tag's *reported* OPs are its primary OP (the ranker's most probable OP for the theme) and
its secondary OPs confident enough to reach the passage level (``passage["ops"]``), primary first.
Records written before schema 1.1 have no per-theme OPs and no ``primary`` flag: the theme's first
passage-level OP then counts as primary (the old linker ranked them best first).
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

PRIMARY_MARK = "*"


def _op(link: Mapping[str, Any]) -> int | None:
    op = link.get("op")
    return int(op) if op is not None else None


def theme_ops(passage: Mapping[str, Any], theme: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The theme tag's reported OPs as ``{"op", "score", "primary"}`` dicts, primary first."""
    tid = theme.get("id")
    confident = [o for o in passage.get("ops") or [] if tid in (o.get("themes") or [])]
    confident_ops = {_op(o) for o in confident}
    ranked = theme.get("ops") or []
    if ranked:
        out = [{"op": _op(o), "score": o.get("score"), "primary": _is_primary(o, k)} for k, o in enumerate(ranked)]
        return sorted((o for o in out if o["primary"] or o["op"] in confident_ops), key=lambda o: not o["primary"])
    # pre-1.1 record: passage-level OPs only, best first
    return [{"op": _op(o), "score": o.get("score"), "primary": k == 0} for k, o in enumerate(confident)]


def _is_primary(link: Mapping[str, Any], rank: int) -> bool:
    return bool(link["primary"]) if "primary" in link else rank == 0


def primary_op(passage: Mapping[str, Any], theme: Mapping[str, Any]) -> int | None:
    """The theme tag's primary OP (None only when the theme has no OP at all)."""
    ops = theme_ops(passage, theme)
    return ops[0]["op"] if ops else None


def ops_label(links: Sequence[Mapping[str, Any]], sep: str = ";") -> str:
    """``35*;36``: the OP numbers, the primary one marked with ``*``."""
    return sep.join(f"{o['op']}{PRIMARY_MARK if o.get('primary') else ''}" for o in links)


def op_roles(passage: Mapping[str, Any]) -> tuple[set[int], set[int]]:
    """(primary OPs, secondary OPs) of a passage; an OP primary for any of its themes is primary."""
    primary: set[int] = set()
    for theme in passage.get("themes") or []:
        op = primary_op(passage, theme)
        if op is not None:
            primary.add(op)
    linked = {_op(o) for o in passage.get("ops") or []} - {None}
    for theme in passage.get("themes") or []:
        linked.update(o["op"] for o in theme_ops(passage, theme))
    return primary, linked - primary


__all__ = ["PRIMARY_MARK", "theme_ops", "primary_op", "ops_label", "op_roles"]
