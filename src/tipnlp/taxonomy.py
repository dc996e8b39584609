"""The themes of resolution 71/167 and its operative paragraphs, read from a YAML file.

The taxonomy is data, not code: adding a theme or changing which OPs it points to is an edit of
``tipnlp/data/taxonomy.yaml`` (or of a copy passed to :meth:`Taxonomy.load`). The loader checks the
file strictly, because every model, gold file and report relies on these ids and OP numbers.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Iterable, Mapping

from tipnlp.errors import DataError

N_OPS = 50
DEFAULT_RESOURCE = "taxonomy.yaml"

_THEME_REQUIRED = ("id", "label", "definition", "ops")
_OP_REQUIRED = ("number", "verb", "summary")


@dataclass(frozen=True, slots=True)
class Theme:
    """One theme: a stable id, a human label, a definition and the OPs that express it."""

    id: str
    label: str
    definition: str
    ops: tuple[int, ...]
    core: bool = False
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    related_ops: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class OperativeParagraph:
    """One operative paragraph: its number, opening verb, a paraphrase, who it addresses, its themes."""

    number: int
    verb: str
    summary: str
    addressees: tuple[str, ...] = ()
    themes: tuple[str, ...] = ()


def _fail(source: str, problem: str) -> DataError:
    return DataError(
        f"taxonomy {source}: {problem}",
        hint="Fix the taxonomy YAML; every theme needs id/label/definition/ops, every OP "
        "number/verb/summary, and theme `ops` must match OP `themes`.",
    )


def _str_list(value: Any, where: str, source: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _fail(source, f"{where} must be a list of strings")
    return tuple(value)


def _op_list(value: Any, where: str, source: str) -> tuple[int, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, int) and not isinstance(v, bool) for v in value):
        raise _fail(source, f"{where} must be a list of integers")
    for n in value:
        if not 1 <= n <= N_OPS:
            raise _fail(source, f"{where} names OP {n}, outside 1..{N_OPS}")
    if len(set(value)) != len(value):
        raise _fail(source, f"{where} lists an OP twice")
    return tuple(value)


class Taxonomy:
    """Themes and operative paragraphs with look-ups in both directions."""

    def __init__(
        self,
        themes: Iterable[Theme],
        ops: Iterable[OperativeParagraph],
        version: str = "",
        resolution: Mapping[str, Any] | None = None,
    ):
        self._themes = tuple(themes)
        self._theme_index = {t.id: t for t in self._themes}
        self._ops = tuple(sorted(ops, key=lambda o: o.number))
        self._op_index = {o.number: o for o in self._ops}
        self.version = version
        self.resolution = dict(resolution or {})

    # -- loading --------------------------------------------------------------------------------
    @classmethod
    def load(cls, path: str | Path | None = None) -> "Taxonomy":
        """Read and validate a taxonomy YAML; ``None`` reads the packaged file (cached)."""
        if path is None:
            return _default_taxonomy()
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise DataError(f"cannot read taxonomy {path}: {exc}", hint="Check the path.") from exc
        return cls.from_yaml(text, source=str(path))

    @classmethod
    def from_yaml(cls, text: str, source: str = "<string>") -> "Taxonomy":
        import yaml

        from tipnlp._yaml import safe_load

        try:
            data = safe_load(text)
        except yaml.YAMLError as exc:
            raise _fail(source, f"not valid YAML ({exc})") from exc
        return cls.from_dict(data, source=source)

    @classmethod
    def from_dict(cls, data: Any, source: str = "<dict>") -> "Taxonomy":
        """Build and validate; raise :class:`DataError` naming the first problem found."""
        if not isinstance(data, dict):
            raise _fail(source, "top level must be a mapping")
        for key in ("version", "themes", "operative_paragraphs"):
            if key not in data:
                raise _fail(source, f"missing required field `{key}`")
        if not isinstance(data["themes"], list) or not isinstance(data["operative_paragraphs"], list):
            raise _fail(source, "`themes` and `operative_paragraphs` must be lists")

        themes: list[Theme] = []
        seen_ids: set[str] = set()
        for i, raw in enumerate(data["themes"]):
            if not isinstance(raw, dict):
                raise _fail(source, f"theme #{i + 1} is not a mapping")
            for key in _THEME_REQUIRED:
                if raw.get(key) in (None, ""):
                    raise _fail(source, f"theme #{i + 1} ({raw.get('id', '?')}) is missing `{key}`")
            tid = raw["id"]
            if not isinstance(tid, str):
                raise _fail(source, f"theme #{i + 1} id must be a string")
            if tid in seen_ids:
                raise _fail(source, f"duplicate theme id `{tid}`")
            seen_ids.add(tid)
            themes.append(
                Theme(
                    id=tid,
                    label=str(raw["label"]),
                    definition=str(raw["definition"]).strip(),
                    ops=_op_list(raw["ops"], f"theme `{tid}` ops", source),
                    core=bool(raw.get("core", False)),
                    include=_str_list(raw.get("include"), f"theme `{tid}` include", source),
                    exclude=_str_list(raw.get("exclude"), f"theme `{tid}` exclude", source),
                    related_ops=_op_list(raw.get("related_ops"), f"theme `{tid}` related_ops", source),
                )
            )

        ops: list[OperativeParagraph] = []
        seen_ops: set[int] = set()
        for i, raw in enumerate(data["operative_paragraphs"]):
            if not isinstance(raw, dict):
                raise _fail(source, f"operative paragraph #{i + 1} is not a mapping")
            for key in _OP_REQUIRED:
                if raw.get(key) in (None, ""):
                    raise _fail(source, f"operative paragraph #{i + 1} is missing `{key}`")
            n = raw["number"]
            if not isinstance(n, int) or isinstance(n, bool) or not 1 <= n <= N_OPS:
                raise _fail(source, f"operative paragraph number {n!r} is outside 1..{N_OPS}")
            if n in seen_ops:
                raise _fail(source, f"duplicate operative paragraph number {n}")
            seen_ops.add(n)
            op_themes = _str_list(raw.get("themes"), f"OP {n} themes", source)
            for tid in op_themes:
                if tid not in seen_ids:
                    raise _fail(source, f"OP {n} names unknown theme id `{tid}`")
            ops.append(
                OperativeParagraph(
                    number=n,
                    verb=str(raw["verb"]),
                    summary=str(raw["summary"]).strip(),
                    addressees=_str_list(raw.get("addressees"), f"OP {n} addressees", source),
                    themes=op_themes,
                )
            )
        missing = sorted(set(range(1, N_OPS + 1)) - seen_ops)
        if missing:
            raise _fail(source, f"operative paragraphs missing: {missing}")

        # Both directions must agree, so OP links and theme look-ups never disagree.
        by_op = {o.number: set(o.themes) for o in ops}
        for t in themes:
            for n in t.ops:
                if t.id not in by_op[n]:
                    raise _fail(source, f"theme `{t.id}` lists OP {n}, but OP {n} does not list `{t.id}`")
        by_theme = {t.id: set(t.ops) for t in themes}
        for o in ops:
            for tid in o.themes:
                if o.number not in by_theme[tid]:
                    raise _fail(source, f"OP {o.number} lists theme `{tid}`, but `{tid}` does not list OP {o.number}")

        if not any(t.core for t in themes):
            raise _fail(source, "no theme is marked `core: true`")
        return cls(themes, ops, version=str(data["version"]), resolution=data.get("resolution") or {})

    # -- look-ups -------------------------------------------------------------------------------
    @property
    def themes(self) -> tuple[Theme, ...]:
        """All themes, core and wider, in file order."""
        return self._themes

    @property
    def core_themes(self) -> tuple[Theme, ...]:
        return tuple(t for t in self._themes if t.core)

    @property
    def core_theme_ids(self) -> list[str]:
        """Ids of the core themes in file order: the column order of every model."""
        return [t.id for t in self._themes if t.core]

    @property
    def theme_ids(self) -> list[str]:
        return [t.id for t in self._themes]

    @property
    def ops(self) -> tuple[OperativeParagraph, ...]:
        return self._ops

    def theme(self, theme_id: str) -> Theme:
        try:
            return self._theme_index[theme_id]
        except KeyError:
            raise KeyError(f"unknown theme id {theme_id!r}; known: {', '.join(self._theme_index)}") from None

    def op(self, number: int) -> OperativeParagraph:
        try:
            return self._op_index[number]
        except KeyError:
            raise KeyError(f"no operative paragraph {number!r} (1..{N_OPS})") from None

    def ops_for_theme(self, theme_id: str) -> tuple[OperativeParagraph, ...]:
        return tuple(self._op_index[n] for n in self.theme(theme_id).ops)

    def themes_for_op(self, number: int) -> tuple[Theme, ...]:
        return tuple(self._theme_index[t] for t in self.op(number).themes)

    def __contains__(self, theme_id: object) -> bool:
        return theme_id in self._theme_index

    def __repr__(self) -> str:
        return f"Taxonomy(version={self.version!r}, themes={len(self._themes)}, ops={len(self._ops)})"


@functools.lru_cache(maxsize=1)
def _default_taxonomy() -> Taxonomy:
    text = resources.files("tipnlp").joinpath("data", DEFAULT_RESOURCE).read_text(encoding="utf-8")
    return Taxonomy.from_yaml(text, source=f"tipnlp/data/{DEFAULT_RESOURCE}")


def load_taxonomy(path: str | Path | None = None) -> Taxonomy:
    """Shorthand for :meth:`Taxonomy.load`."""
    return Taxonomy.load(path)


def core_theme_ids() -> list[str]:
    """Core theme ids of the packaged taxonomy (cached)."""
    return _default_taxonomy().core_theme_ids
