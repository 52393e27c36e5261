"""Parse YAML declarations with PyYAML's C parser when it is built in (several times faster than the pure-Python
one: the contracts, measures, table specs and dbt model files are read on every run)."""

from __future__ import annotations

from typing import Any

import yaml

SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml(text: str) -> Any:
    """``yaml.safe_load`` of ``text``, by the C parser when PyYAML has it."""
    return yaml.load(text, Loader=SAFE_LOADER)
