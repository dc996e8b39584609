"""JSON Schemas (draft 2020-12) of tipnlp's machine-readable outputs, shipped with the package.

- ``output``: ``classify --format json`` (envelope) and each line of ``--format jsonl`` (a passage
  or document record);
- ``predict``: each line of ``tipnlp predict``.
"""

from __future__ import annotations

import functools
import json
from importlib import resources
from typing import Any

SCHEMAS = ("output", "predict")


@functools.lru_cache(maxsize=None)
def load_schema(name: str = "output") -> dict[str, Any]:
    """The schema as a dict (``name``: one of ``SCHEMAS``)."""
    if name not in SCHEMAS:
        raise KeyError(f"no schema {name!r}; known: {', '.join(SCHEMAS)}")
    text = resources.files(__package__).joinpath(f"{name}.schema.json").read_text(encoding="utf-8")
    return json.loads(text)


def validate(instance: Any, name: str = "output", definition: str | None = None) -> None:
    """Raise ``jsonschema.ValidationError`` unless ``instance`` fits (optionally one ``$defs`` entry).

    Needs the ``jsonschema`` package (a dev dependency).
    """
    from jsonschema import Draft202012Validator

    schema = load_schema(name)
    if definition is not None:
        schema = {"$ref": f"#/$defs/{definition}", "$defs": schema["$defs"]}
    Draft202012Validator(schema).validate(instance)


__all__ = ["SCHEMAS", "load_schema", "validate"]
