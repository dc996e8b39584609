"""YAML reading through libyaml when PyYAML was built with it.

Why: the pure-Python loader takes about 60 ms to read the files a model load needs (OP profiles,
codebook conditions, segmenter settings), a fifth of the load; libyaml reads them ten times faster
and gives the same data. Errors are PyYAML's either way (``yaml.YAMLError``).
"""

from __future__ import annotations

from typing import Any


def safe_load(text: str) -> Any:
    import yaml

    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
