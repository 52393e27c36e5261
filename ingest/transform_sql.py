"""The personal-data boundary as SQL: pseudonymise, derive age, drop, redact free text, remove opt-outs, add lineage
columns."""

from __future__ import annotations

from config.contracts import Column, Contract
from config.settings import Settings
from ingest import engine
from ingest.redact import REDACTED, redacted_columns, redacted_name
from ingest.row_checks import lit, q, text_col
from lake.ledger import list_in_force
from lake.schema import output_name

AGE_BANDS = [(lo, f"{lo}-{lo + 4}") for lo in range(0, 90, 5)] + [(90, "90+")]


POSTCODE_LOOKUP = "postcodes/postcode_lsoa11.csv.gz"  # under the reference folder: columns postcode, lsoa11_code


def normalised_postcode(expr: str) -> str:
    return f"upper(replace({expr}, ' ', ''))"


def postcode_lookup_sql(reference_dir) -> str:
    """A relation (postcode_key, lsoa11_code) from the reference postcode lookup (ONS postcode directory subset)."""
    path = reference_dir / POSTCODE_LOOKUP
    if not path.exists():
        raise FileNotFoundError(
            f"a contract derives LSOAs from postcodes, but the lookup {path} is missing: add the ONS postcode "
            "directory subset (columns postcode, lsoa11_code) there, or set OUTCOMES_REFERENCE_DIR"
        )
    return (f"(select {normalised_postcode('postcode')} as postcode_key, any_value(lsoa11_code) as lsoa11_code "
            f"from read_csv('{path}', header=true, all_varchar=true) group by all)")


def age_years_sql(dob: str, at: str) -> str:
    return (f"(year({at}) - year({dob}) - case when month({at}) * 100 + day({at}) < month({dob}) * 100 + day({dob}) "
            "then 1 else 0 end)")


def age_band_sql(age: str) -> str:
    """The five-year band of AGE_BANDS (0-4, ..., 85-89, 90+) by arithmetic: one expression, not 19 branches."""
    low = f"({age} // 5 * 5)"
    return (f"case when {age} is null or {age} < 0 then null when {age} >= 90 then '90+' "
            f"else {low}::varchar || '-' || ({low} + 4)::varchar end")


def treated_columns(contract: Contract, pseudonyms: str) -> list[str]:
    """The columns written to the lake, from view ``typed``; ``pseudonyms`` names the SQL function of the keyed
    pseudonym (ingest.pseudonymise), which a pseudonymised column is written through."""
    out: list[str] = []
    for col in contract.columns:
        name = q(col.name)
        if col.dropped:
            continue
        if col.free_text == "redact":
            out.append(f"_rd.{q(redacted_name(col))} as {name}")  # ingest.redact
            continue
        match col.personal:
            case None:
                out.append(f"{name}")
            case "pseudonymise":
                out.append(f"{pseudonyms}({text_col(col)}) as {q(output_name(col))}")
            case "derive_age":
                age = _age_column(col)  # computed once, in the inner query of accepted_rows_sql
                out.append(f"{age}::integer as age_years")
                out.append(f"{age_band_sql(age)} as age_band")
            case "postcode_to_lsoa":
                lookup = f"_pc_{col.name}"
                out.append(f"(select {lookup}.lsoa11_code from {lookup} "
                           f"where {lookup}.postcode_key = {normalised_postcode(name)}) as {q(output_name(col))}")
            case "drop":
                pass
    return out


def _age_column(col: Column) -> str:
    return q(f"_age_{col.name}")


def _ages(contract: Contract) -> str:
    """Inner-query columns holding each derived age, so the band's many comparisons reuse one computation."""
    return "".join(f", {age_years_sql(q(c.name), f'cast({q(c.age_at)} as date)')} as {_age_column(c)}"
                   for c in contract.columns if c.personal == "derive_age")


def _joined(contract: Contract) -> str:
    """The join to the redacted free text (ingest.redact) of the rows, when the contract has any. A left join: a
    row can never be lost here (every row written has its ``_rid`` in ``_redacted``)."""
    return f" left join {REDACTED} _rd on _rd._rid = _a._rid" if redacted_columns(contract) else ""


def period_sql(contract: Contract) -> str:
    col = q(contract.period.column)
    if contract.period.grain == "snapshot":
        return f"cast({col} as date)"
    return f"cast(date_trunc('{contract.period.grain}', {col}) as date)"


OPTOUT_TABLE = "optout_persons"  # shared table of the ingest database (ingest.engine.shared_table)


def optout_persons_sql(contract: Contract, settings: Settings) -> str | None:
    """A subquery of opted-out person ids (latest loaded opt-out list), or None when nothing applies.

    The list is read from its batches once per process into a shared in-memory table, and read again only when
    a newer list is loaded (batches are immutable, so their paths identify their content)."""
    if contract.kind == "optout" or not any(c.personal == "pseudonymise" for c in contract.columns):
        return None
    from config.contracts import load_contracts  # local import: contracts are cached per folder

    paths = []
    for other in load_contracts(settings.contracts_dir):
        if other.kind != "optout":
            continue
        latest = list_in_force(settings, other.feed_id)
        if latest and latest.get("raw_path"):
            paths.append(f"{latest['raw_path']}/*.parquet")
    if not paths:
        return None
    files = ", ".join(lit(p) for p in paths)
    engine.shared_table(settings, OPTOUT_TABLE, tuple(paths),
                        f"select distinct person_id from read_parquet([{files}]) where person_id is not null")
    return f"select person_id from main.{OPTOUT_TABLE}"


FILES_TABLE = "_files"  # (_file, _batch, _name): the files of the group whose rows are written


def accepted_rows_sql(contract: Contract, optout_sql: str | None, pseudonyms: str, reference_dir=None) -> str:
    """The rows to write: checked, treated, opted-out people removed, with lineage columns and ``_file`` (a
    query, no copy). Only the files listed in ``_files`` are written; each row takes its batch id and file name
    from there."""
    lookups = [c for c in contract.columns if c.personal == "postcode_to_lsoa"]
    ctes = ", ".join(f"_pc_{c.name} as {postcode_lookup_sql(reference_dir)}" for c in lookups)
    person = next((c for c in contract.columns if c.personal == "pseudonymise" and c.name == "nhs_number"), None)
    keep = f"person_id is null or person_id not in ({optout_sql})" if optout_sql and person else "true"
    cols = ", ".join(treated_columns(contract, pseudonyms))
    return (
        (f"with {ctes} " if ctes else "")
        + f"select * from (select {cols}, _fl._batch as _batch_id, {period_sql(contract)} as _period, "
        "_fl._name as _source_file, _line::bigint as _source_line, current_timestamp::timestamp as _loaded_at, "
        "_a._file as _file "
        f"from (select *{_ages(contract)} from typed _t anti join violations _v "
        "on _v._file = _t._file and _v._line = _t._line) _a "
        f"join {FILES_TABLE} _fl on _fl._file = _a._file{_joined(contract)}) where {keep}"
    )
