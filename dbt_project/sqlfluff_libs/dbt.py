"""dbt's cross-database macros (``dbt.date_trunc`` ...) as sqlfluff renders them: the DuckDB SQL dbt-duckdb
writes, so the linter sees the same shape of SQL as the warehouse. Only for linting; dbt uses its own macros."""

from __future__ import annotations


def date_trunc(datepart: str, date: str) -> str:
    return f"date_trunc('{datepart}', {date})"


def last_day(date: str, datepart: str) -> str:
    return f"cast(date_trunc('{datepart}', {date}) + interval 1 {datepart} - interval 1 day as date)"


def datediff(first_date: str, second_date: str, datepart: str) -> str:
    return f"date_diff('{datepart}', {first_date}::timestamp, {second_date}::timestamp)"


def dateadd(datepart: str, interval: str, from_date_or_timestamp: str) -> str:
    return f"date_add({from_date_or_timestamp}, interval ({interval}) {datepart})"


def listagg(measure: str, delimiter_text: str = "','", order_by_clause: str | None = None,
            limit_num: int | None = None) -> str:
    return f"string_agg({measure}, {delimiter_text}{' ' + order_by_clause if order_by_clause else ''})"


def position(substring_text: str, string_text: str) -> str:
    return f"position({substring_text} in {string_text})"


def generate_series(upper_bound: int) -> str:
    return f"select unnest(range(1, {upper_bound} + 1)) as generated_number"
