"""Row-level checks as DuckDB SQL generated from a contract: set-based queries, no Python row loop.

Two steps. ``build_typed`` reads a source relation of text columns once into temp table ``typed_rows``: the
contract columns cast to their declared types, ``_bad``, true when the row breaks any column or row rule (all
rules evaluated in that one parallel scan), and for flagged rows the trimmed text of every non-text column as
``_t_<column>``. The reader then exposes it as view ``typed`` with the physical line number
``_line``. ``build_violations`` explains only the flagged rows from their masks, plus duplicate primary keys,
into temp table ``violations`` (``_file``, ``_line``, ``rule_id``, ``column_name``, ``value``, ``message``): one row per
broken rule per row.
"""

from __future__ import annotations

from config.contracts import Column, Contract

# Values of personal fields and free text never leave ingest as written, not even in the quarantine.
WITHHELD = "<withheld: personal field>"


def q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def lit(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def text_expr(col: Column, trim: bool = True) -> str:
    """The trimmed text of a cell; empty text is null. ``trim=False`` when no cell can start or end with a space
    (known from the byte scan), which saves a fifth of the typing pass."""
    expr = f"nullif(trim({q(col.name)}), '')" if trim else f"nullif({q(col.name)}, '')"
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


def nhs_number_as_integer(text: str) -> str:
    """The ten digits of a normalised NHS Number as one integer (null unless exactly ten digits)."""
    return f"case when regexp_full_match({text}, '[0-9]{{10}}') then cast({text} as bigint) end"


def nhs_number_valid(number: str, allow_test_range: bool = False) -> str:
    """Modulus-11 check digit, not a dummy number (all one digit) and, unless allowed, not in the 999 test range.

    ``number`` is the integer of ``nhs_number_as_integer``: digit ``i`` (from the left, 0-based) is
    ``number // 10^(9-i) % 10``; integer arithmetic on one column, about four times faster than nine substrings.
    A number of one repeated digit is a multiple of 1111111111.
    """
    weighted = " + ".join(f"(({number} // {10 ** (9 - i)}) % 10) * {10 - i}" for i in range(9))
    return (
        f"({number} is not null "
        f"and (11 - (({weighted}) % 11)) % 11 = {number} % 10 "
        f"and {number} % 1111111111 <> 0"
        + ("" if allow_test_range else f" and {number} < 9990000000")
        + ")"
    )


def number_col(col: Column) -> str:
    """The column of ``typed`` holding an NHS Number column's digits as an integer."""
    return q(f"_n_{col.name}")


def text_col(col: Column) -> str:
    """The column of ``typed`` holding a contract column's trimmed text (a text column is its own text)."""
    return q(col.name) if col.type == "varchar" else q(f"_t_{col.name}")


def _shown(col: Column) -> str:
    return lit(WITHHELD) if col.withheld else text_col(col)


def column_rules(col: Column, contract: Contract, allow_test_range: bool = False) -> list[tuple[str, str, str]]:
    """(rule_id, predicate that is true when the rule is BROKEN, message) for one column."""
    t, v = text_col(col), q(col.name)
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
        rules.append((f"{col.name}.nhs_number",
                      f"{t} is not null and not {nhs_number_valid(number_col(col), allow_test_range)}",
                      "expected a valid NHS Number (10 digits, modulus-11 check digit, not a dummy number"
                      + ("" if allow_test_range else ", not the 999 test range") + ")"))
    if col.check == "ods_code":
        rules.append((f"{col.name}.ods_code", f"{t} is not null and not regexp_full_match({t}, '[A-Z0-9]{{3,6}}')",
                      "expected an ODS code (3-6 capital letters or digits)"))
    if col.check == "lsoa":
        rules.append((f"{col.name}.lsoa", f"{t} is not null and {t} not in (select code from ref_lsoa)",
                      "expected a 2011 LSOA code of England or Wales"))
    if col.not_future:
        rules.append((f"{col.name}.not_future", f"{v} > current_timestamp::timestamp",
                      "a date in the future"))
    return rules


BITS_PER_MASK = 62  # rule verdicts packed into bigint masks ``_broken_0``, ``_broken_1``, ...


def verdicts(contract: Contract, allow_test_range: bool = False) -> list[tuple[str, str, str, str, str]]:
    """(rule_id, column name(s), value shown in the quarantine, message, predicate true when BROKEN), in bit order:
    every column rule, then every row rule. Duplicate primary keys are found across rows, separately."""
    out = [(rule_id, col.name, _shown(col), message, broken)
           for col in contract.columns for rule_id, broken, message in column_rules(col, contract, allow_test_range)]
    for rule in contract.rules:
        shown = " || ' / ' || ".join(
            f"coalesce(cast({q(c)} as varchar), '')" if not contract.column(c).withheld else lit(WITHHELD)
            for c in rule.columns
        )
        out.append((rule.id, ", ".join(rule.columns), shown, rule.description, f"not coalesce(({rule.sql}), true)"))
    return out


def _masks(contract: Contract, allow_test_range: bool) -> list[str]:
    """One bigint per 62 rules: bit ``i`` is set when the row breaks rule ``i`` (a null verdict is not broken)."""
    found = verdicts(contract, allow_test_range)
    chunks = [found[i:i + BITS_PER_MASK] for i in range(0, len(found), BITS_PER_MASK)] or [[]]
    return [" | ".join(f"(case when {v[4]} then {1 << i} else 0 end)::bigint" for i, v in enumerate(chunk))
            or "0::bigint" for chunk in chunks]


def build_typed(contract: Contract, source: str, allow_test_range: bool = False, carry: tuple[str, ...] = (),
                trim: bool = True) -> str:
    """CREATE ``typed_rows`` from ``source`` (text columns, plus the ``carry`` columns passed through as they are:
    ``_file``, the file's index in its group, and ``_line`` where the source knows it) in one pass:
    typed values, the rule masks, ``_bad`` (any rule broken) and the text of non-text columns. That text is
    only needed to show a broken value in the quarantine, so it is kept for flagged rows alone (and for a
    pseudonymised column, whose text is hashed); the others store a null, which costs next to nothing."""
    line = "".join(f"{q(c)}, " for c in carry)
    texts = ", ".join(f"{text_expr(c, trim)} as {q(c.name)}" for c in contract.columns)
    typed = ", ".join(f"{typed_expr(c, contract)} as {q(c.name)}" for c in contract.columns)
    kept = "".join(f", _t.{q(c.name)} as {text_col(c)}" for c in contract.columns if c.type != "varchar")
    kept += "".join(f", {nhs_number_as_integer(f'_t.{q(c.name)}')} as {number_col(c)}"
                    for c in contract.columns if c.check == "nhs_number")
    masks = _masks(contract, allow_test_range)
    bad = " or ".join(f"_broken_{k} <> 0" for k in range(len(masks)))
    stored = [q(c.name) for c in contract.columns]
    stored += [text_col(c) if c.personal == "pseudonymise"
               else f"case when _bad then {text_col(c)} end as {text_col(c)}"
               for c in contract.columns if c.type != "varchar"]
    stored += [f"_broken_{k}" for k in range(len(masks))] + ["_bad"]
    return (
        "create or replace temp table typed_rows as "
        f"select {line}{', '.join(stored)} from ("
        f"select *, ({bad}) as _bad from ("
        f"select *, {', '.join(f'{m} as _broken_{k}' for k, m in enumerate(masks))} from ("
        f"select {line}{typed}{kept} from (select {line}{texts} from {source}) _t) _v) _m) _b"
    )


def build_violations(contract: Contract, allow_test_range: bool = False) -> str:
    """Explain the flagged rows of ``typed`` (``_bad``) from their rule masks (no predicate is evaluated twice),
    plus duplicate primary keys over all rows, in one statement."""
    found = verdicts(contract, allow_test_range)
    if found:
        rules = ", ".join(f"({n}, {n // BITS_PER_MASK}, {n % BITS_PER_MASK}, {lit(rule_id)}, {lit(column)}, "
                          f"{lit(message)})" for n, (rule_id, column, _, message, _) in enumerate(found))
        groups = len(range(0, len(found), BITS_PER_MASK))
        mask = ("f._broken_0" if groups == 1 else
                "case r.grp " + " ".join(f"when {k} then f._broken_{k}" for k in range(groups)) + " end")
        shown = "case r.n " + " ".join(f"when {n} then ({v[2]})::varchar" for n, v in enumerate(found)) + " end"
        explained = (
            f"select f._file, f._line, r.rule_id, r.column_name, {shown} as value, r.message "
            f"from (select * from typed where _bad) f "
            f"join (values {rules}) r(n, grp, bit, rule_id, column_name, message) "
            f"on (({mask}) >> r.bit) & 1 = 1"
        )
    else:
        explained = "select null::bigint, null::bigint, null, null, null, null where false"
    return (
        "create or replace temp table violations as "
        "select _file::bigint as _file, _line::bigint as _line, rule_id::varchar as rule_id, "
        "column_name::varchar as column_name, "
        f"value::varchar as value, message::varchar as message from (\n{explained}\nunion all\n"
        f"{_duplicate_keys(contract)}\n)"
    )


def _duplicate_keys(contract: Contract) -> str:
    """Every row after the first with the same primary key in the same file (nulls equal). The window runs only
    over the rows whose key repeats, found by one hash aggregate."""
    key = ", ".join(["_file"] + [q(k) for k in contract.primary_key])
    same = " and ".join(f"t.{q(k)} is not distinct from d.{q(k)}" for k in ["_file", *contract.primary_key])
    key_shown = " || ' / ' || ".join(
        f"coalesce(cast({q(k)} as varchar), '')" if not contract.column(k).withheld else lit(WITHHELD)
        for k in contract.primary_key
    )
    repeated = f"(select {key} from typed group by {key} having count(*) > 1)"
    return (
        f"select _file, _line, 'primary_key.duplicate', {lit(', '.join(contract.primary_key))}, {key_shown}, "
        "'the primary key repeats an earlier row (first at line ' || first_line || ')' from ("
        f"select t.*, min(_line) over (partition by {key}) as first_line, "
        f"row_number() over (partition by {key} order by _line) as n "
        f"from typed t semi join {repeated} d on {same}) where n > 1"
    )
