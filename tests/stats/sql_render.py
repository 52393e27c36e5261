"""Render the stats macros (dbt_project/macros/stats/*.sql) as dbt does, to run their SQL in DuckDB.

dbt renders macros with Jinja; these macros use plain Jinja plus dbt's `exceptions.raise_compiler_error`, so
rendering the same files with jinja2 and that one function gives the same SQL text as dbt. test_sql_macros_dbt
proves it by compiling the same calls with dbt itself and comparing the text.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import jinja2

MACROS = Path(__file__).resolve().parents[2] / "dbt_project" / "macros" / "stats"


class CompilerError(Exception):
    """What dbt's raise_compiler_error raises, here."""


def _raise_compiler_error(message: str) -> None:
    raise CompilerError(message)


def render(template: str) -> str:
    """Render `template` (e.g. "select {{ wilson_lower('x', 'n', 0.95) }} as lower") with the stats macros."""
    source = "".join(path.read_text(encoding="utf-8") for path in sorted(MACROS.glob("*.sql")))
    environment = jinja2.Environment(undefined=jinja2.StrictUndefined)
    namespace = SimpleNamespace(raise_compiler_error=_raise_compiler_error)
    return environment.from_string(source + template).render(exceptions=namespace).strip()
