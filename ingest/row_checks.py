"""Row-level checks as DuckDB SQL generated from a contract: one set-based query per rule, no Python row loop.

Input: ``src`` (text columns + ``_line``). Output: temp table ``typed`` (contract columns cast to their declared
types, their trimmed text as ``_t_<column>``, and ``_line``: one table, so no rule needs a join) and temp table
``violations`` (``_line``, ``rule_id``, ``column_name``,
``value``, ``message``), one row per broken rule per row.
"""

from __future__ import annotations

from ingest.contract import Column, Contract

# Values of personal fields never leave ingest, not even in the quarantine.
WITHHELD = "<withheld: personal field>"


def q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def lit(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def text_expr(col: Column) -> str:
    """The trimmed text of a cell; empty text is null."""
    expr = f"nullif(trim({q(col.name)}), '')"
    if col.check == "nhs_number":
        expr = f"regexp_replace({expr}, '[ -]', '', 'g')"
    return expr


def typed_expr(col: Column, contract: Contract) -> str:
    t = f"_t.{q(col.name)}"
    match col.type:
        case "varchar":
            return t
        case "integer":
            return f"try_cast({t} as bigint)"
        case "decimal":
            return f"try_cast({t} as double)"
        case "boolean":
            return (f"case when lower({t}) in ('1','y','yes','true','t') then true "
                    f"when lower({t}) in ('0','n','no','false','f') then false end")
        case "date":
            return f"try_strptime({t}, {lit(contract.file.date_format)})::date"
        case "timestamp":
            return f"try_strptime({t}, {lit(contract.file.timestamp_format)})"
    raise ValueError(col.type)


def nhs_number_valid(expr: str, allow_test_range: bool = False) -> str:
    """Modulus-11 check digit, not a dummy number (all one digit) and, unless allowed, not in the 999 test range."""
    weighted = " + ".join(f"cast(substr({expr}, {i + 1}, 1) as integer) * {10 - i}" for i in range(9))
    return (
        f"(regexp_full_match({expr}, '[0-9]{{10}}') "
        f"and (11 - (({weighted}) % 11)) % 11 = cast(substr({expr}, 10, 1) as integer) "
        f"and length(replace({expr}, substr({expr}, 1, 1), '')) > 0"
        + ("" if allow_test_range else f" and not starts_with({expr}, '999')")
        + ")"
    )


def text_col(name: str) -> str:
    """The column of ``typed`` holding a contract column's trimmed text."""
    return q(f"_t_{name}")


def _shown(col: Column) -> str:
    return lit(WITHHELD) if col.personal else text_col(col.name)


def column_rules(col: Column, contract: Contract, allow_test_range: bool = False) -> list[tuple[str, str, str]]:
    """(rule_id, predicate that is true when the rule is BROKEN, message) for one column."""
    t, v = text_col(col.name), q(col.name)
    rules: list[tuple[str, str, str]] = []
    if not col.nullable:
        rules.append((f"{col.name}.not_null", f"{t} is null", "a value is required"))
    if col.type != "varchar":
        fmt = {"date": contract.file.date_format, "timestamp": contract.file.timestamp_format}.get(col.type)
        expected = f"{col.type}" + (f" in format {fmt}" if fmt else "")
        rules.append((f"{col.name}.type", f"{t} is not null and {v} is null", f"expected {expected}"))
    if col.codes:
        allowed = ", ".join(lit(c) for c in col.codes)
        rules.append((f"{col.name}.code", f"{t} is not null and {t} not in ({allowed})",
                      f"expected one of {', '.join(col.codes)}"))
    if col.code_list:
        rules.append((f"{col.name}.code_list",
                      f"{t} is not null and {t} not in (select code from ref_{col.code_list})",
                      f"expected a code from the {col.code_list} list"))
    if col.min is not None:
        rules.append((f"{col.name}.min", f"{v} < {col.min}", f"expected at least {col.min:g}"))
    if col.max is not None:
        rules.append((f"{col.name}.max", f"{v} > {col.max}", f"expected at most {col.max:g}"))
    if col.pattern:
        rules.append((f"{col.name}.pattern", f"{t} is not null and not regexp_full_match({t}, {lit(col.pattern)})",
                      f"expected text matching {col.pattern}"))
    if col.check == "nhs_number":
        rules.append((f"{col.name}.nhs_number", f"{t} is not null and not {nhs_number_valid(t, allow_test_range)}",
                      "expected a valid NHS Number (10 digits, modulus-11 check digit, not a dummy number"
                      + ("" if allow_test_range else ", not the 999 test range") + ")"))
    if col.check == "ods_code":
        rules.append((f"{col.name}.ods_code", f"{t} is not null and not regexp_full_match({t}, '[A-Z0-9]{{3,6}}')",
                      "expected an ODS code (3-6 capital letters or digits)"))
    if col.check == "lsoa":
        rules.append((f"{col.name}.lsoa", f"{t} is not null and {t} not in (select code from ref_lsoa)",
                      "expected an English LSOA 2011 code"))
    if col.not_future:
        rules.append((f"{col.name}.not_future", f"{v} > current_timestamp::timestamp",
                      "a date in the future"))
    return rules


def build_typed(contract: Contract) -> str:
    texts = ", ".join(f"{text_expr(c)} as {q(c.name)}" for c in contract.columns)
    typed = ", ".join(f"{typed_expr(c, contract)} as {q(c.name)}" for c in contract.columns)
    kept = ", ".join(f"_t.{q(c.name)} as {text_col(c.name)}" for c in contract.columns)
    return (
        "create or replace temp table typed as "
        f"select _t._line, {typed}, {kept} from (select _line, {texts} from src) _t"
    )


def build_violations(contract: Contract, allow_test_range: bool = False) -> str:
    """One set-based query per rule over ``typed`` (measured faster than one wide scan building lists)."""
    selects = []
    for col in contract.columns:
        for rule_id, broken, message in column_rules(col, contract, allow_test_range):
            selects.append(
                f"select _line, {lit(rule_id)} as rule_id, {lit(col.name)} as column_name, "
                f"{_shown(col)} as value, {lit(message)} as message from typed where {broken}"
            )
    for rule in contract.rules:
        shown = " || ' / ' || ".join(
            f"coalesce(cast({q(c)} as varchar), '')" if not contract.column(c).personal else lit(WITHHELD)
            for c in rule.columns
        )
        selects.append(
            f"select _line, {lit(rule.id)}, {lit(', '.join(rule.columns))}, {shown}, {lit(rule.description)} "
            f"from typed where not coalesce(({rule.sql}), true)"
        )
    key = ", ".join(q(k) for k in contract.primary_key)
    key_shown = " || ' / ' || ".join(
        f"coalesce(cast({q(k)} as varchar), '')" if not contract.column(k).personal else lit(WITHHELD)
        for k in contract.primary_key
    )
    selects.append(
        f"select _line, 'primary_key.duplicate', {lit(', '.join(contract.primary_key))}, {key_shown}, "
        "'the primary key repeats an earlier row (first at line ' || first_line || ')' from ("
        f"select _line, {key}, min(_line) over (partition by {key}) as first_line, "
        f"row_number() over (partition by {key} order by _line) as n from typed) where n > 1"
    )
    body = "\nunion all\n".join(selects)
    return (
        "create or replace temp table violations as "
        "select _line::bigint as _line, rule_id::varchar as rule_id, column_name::varchar as column_name, "
        f"value::varchar as value, message::varchar as message from (\n{body}\n)"
    )
