"""dbt itself compiles the stats macros to the very SQL the golden tests run (sql_render), and refuses a
confidence level the macros do not carry. Runs dbt twice (10 to 60 s each, with the machine's load)."""

from __future__ import annotations

import re
import subprocess

from tests.stats.sql_render import render
from transform.build import run_dbt

CALLS = [
    "{{ confidence_z(%s) }}", "{{ byars_lower('x', %s) }}", "{{ byars_upper('x', %s) }}",
    "{{ exact_poisson_lower('x', %s) }}", "{{ exact_poisson_upper('x', %s) }}", "{{ poisson_lower('x', %s) }}",
    "{{ poisson_upper('x', %s) }}", "{{ wilson_lower('x', 'n', %s) }}", "{{ wilson_upper('x', 'n', %s) }}",
    "{{ dobson_lower('v', 'var', 'o', 100000, %s) }}", "{{ dobson_upper('v', 'var', 'o', 10000, %s) }}",
]
AGGREGATES = "{{ dsr_value('x', 'n', 'w', 100000) }} as dsr, {{ dsr_variance('x', 'n', 'w') }} as variance"


def compile_with_dbt(settings, sql: str) -> subprocess.CompletedProcess:
    return run_dbt(settings, "compile", "--inline", sql, "--quiet")


def words(sql: str) -> str:
    return re.sub(r"\s+", " ", sql).strip()


def test_dbt_compiles_the_macros_to_the_tested_sql(settings) -> None:
    # GIVEN every public stats macro at both levels, and the DSR aggregates, in one query
    columns = [f"{call % level} as c{i}_{str(level).replace('.', '')}" for i, call in enumerate(CALLS)
               for level in (0.95, 0.998)]
    sql = f"select {', '.join(columns)}, {AGGREGATES} from {{{{ esp2013_weights() }}}} as e"
    # WHEN dbt compiles it in the project
    compiled = compile_with_dbt(settings, sql)
    # THEN dbt's SQL is the SQL the golden tests ran, word for word
    assert compiled.returncode == 0, compiled.stdout + compiled.stderr
    assert words(render(sql)) in words(compiled.stdout)


def test_dbt_refuses_a_level_the_macros_do_not_carry(settings) -> None:
    compiled = compile_with_dbt(settings, "select {{ wilson_lower('x', 'n', 0.99) }}")
    assert compiled.returncode != 0
    assert "available at confidence 0.95 or 0.998" in compiled.stdout + compiled.stderr
