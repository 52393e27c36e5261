"""Feed contracts: one YAML file per feed under ``contracts/``, validated by these models.

A contract is the single declaration of a feed. The loader, the dbt sources, the raw quality checks and the
feed documentation are all driven from it (see docs/contracts.md for the field reference).
"""

from __future__ import annotations

import fnmatch
from functools import cache
from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from config.yaml_text import load_yaml

ColumnType = Literal["varchar", "integer", "decimal", "boolean", "date", "timestamp"]
Treatment = Literal["pseudonymise", "drop", "derive_age", "postcode_to_lsoa"]
# Free text (comments, notes) at the ingest boundary: identifiers typed into it are replaced by typed placeholders
# (ingest.redact), or the column is not kept; ``none`` states that open text is not free text (an id, a name of an
# organisation).
FreeText = Literal["redact", "drop", "none"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Column(_Strict):
    name: str
    type: ColumnType
    description: str = ""
    nullable: bool = True
    codes: list[str] | None = None  # allowed values (compared as text)
    code_list: str | None = None  # name of a reference list in contracts/reference/<name>.csv (column "code")
    min: float | None = None
    max: float | None = None
    pattern: str | None = None  # regular expression the text must match in full
    check: Literal["nhs_number", "ods_code", "lsoa"] | None = None
    not_future: bool = False
    personal: Treatment | None = None  # how personal data is treated at the ingest boundary
    age_at: str | None = None  # for personal=derive_age: the event-date column age is measured at
    free_text: FreeText | None = None  # required on open text: a varchar with no codes, code_list, pattern or check

    @model_validator(mode="after")
    def _free_text_declared(self) -> Column:
        if self.free_text in ("redact", "drop") and self.type != "varchar":
            raise ValueError(f"column {self.name!r}: free_text {self.free_text} applies to varchar columns only")
        if self.free_text and self.personal:
            raise ValueError(f"column {self.name!r}: declare personal ({self.personal}) or free_text "
                             f"({self.free_text}), not both")
        if self.is_open_text and self.free_text is None:
            raise ValueError(
                f"column {self.name!r}: open text (varchar with no codes, code_list, pattern, check or personal "
                "treatment) must declare free_text: redact (identifiers replaced at ingest), drop (not kept) "
                "or none (not free text, e.g. an identifier or an organisation name)")
        return self

    @property
    def is_open_text(self) -> bool:
        """Text whose values the contract does not constrain: it may hold whatever a person typed."""
        return (self.type == "varchar" and not (self.codes or self.code_list or self.pattern or self.check)
                and self.personal is None)

    @property
    def dropped(self) -> bool:
        """Not kept past ingest (a personal or free-text column declared ``drop``)."""
        return self.personal == "drop" or self.free_text == "drop"

    @property
    def withheld(self) -> bool:
        """Its values never leave ingest as written, not even in the quarantine."""
        return self.personal is not None or self.free_text in ("redact", "drop")


class Rule(_Strict):
    """A row rule across columns, written as a DuckDB SQL boolean expression that must hold."""

    id: str
    description: str
    sql: str
    columns: list[str]


class FileSpec(_Strict):
    pattern: str  # glob on the file name, e.g. "RWP_ECDS_*.csv"
    format: Literal["csv", "xlsx", "parquet"]
    delimiter: str = ","
    encoding: Literal["utf-8", "windows-1252", "latin-1"] = "utf-8"
    date_format: str = "%Y-%m-%d"
    timestamp_format: str = "%Y-%m-%d %H:%M:%S"
    sheet: str | None = None  # XLSX sheet name; first sheet when empty
    manifest_suffix: str = ".manifest.json"  # optional sidecar {"row_count": N, "sha256": "..."}


class Period(_Strict):
    column: str
    grain: Literal["day", "week", "month", "year", "snapshot"] = "month"


Replaces = Literal["declared_period", "snapshot", "append"]


class DeliverySpec(_Strict):
    """What one delivered file stands for (docs/contracts.md, "What a delivery replaces").

    ``replaces``: ``declared_period`` (the file is the complete statement of the period its name declares: a later
    delivery for the same period supersedes it whole; its rows from other months are late rows that add),
    ``snapshot`` (the file stands for the date its name declares), ``append`` (every delivery adds).
    ``period_in_name``: the strftime format of the declared period in the part of the name the file pattern's
    ``*`` matches, optionally followed by ``_v<N>`` (the delivery's version; 1 when absent). A manifest may
    state ``period`` and ``version`` instead; when both state them they must agree.
    """

    replaces: Replaces
    period_in_name: str | None = None


class Cadence(_Strict):
    frequency: Literal["daily", "weekly", "monthly", "quarterly", "annual"]
    deadline_days: int = Field(ge=0, description="days after the end of a period by which it must arrive")


class FolderSource(_Strict):
    """Today's default: the partner drops files into the feed's landing folder, then ``_READY``."""

    kind: Literal["folder"] = "folder"


class MeshSource(_Strict):
    """Messages sent to our MESH ``mailbox`` under ``workflow_id`` whose file name matches the contract's pattern.
    The endpoint, mailbox password, shared key and certificates live in the Airflow connection ``connection``."""

    kind: Literal["mesh"]
    connection: str
    mailbox: str
    workflow_id: str


class SftpSource(_Strict):
    """Files matching ``pattern`` (default: the contract's file pattern) in ``remote_folder`` of the SFTP server of
    the Airflow connection ``connection``; after a file is in landing it is moved to ``processed_folder``
    (``after: move``) or left where it is (``after: leave``, then it is remembered so it is fetched once)."""

    kind: Literal["sftp"]
    connection: str
    remote_folder: str
    pattern: str | None = None
    after: Literal["move", "leave"] = "move"
    processed_folder: str = "processed"


class SqlSource(_Strict):
    """One extract per period from the database of the Airflow connection ``connection``: either ``query``, a
    SELECT with the bound parameters ``%(period_start)s`` and ``%(period_end)s`` (end exclusive), or ``table`` with
    ``incremental_column`` (rows whose column falls in the period)."""

    kind: Literal["sql"]
    connection: str
    query: str | None = None
    table: str | None = None
    incremental_column: str | None = None

    @model_validator(mode="after")
    def _query_or_table(self) -> SqlSource:
        if bool(self.query) == bool(self.table):
            raise ValueError("source sql: declare either query or table (with incremental_column), not both")
        if self.table and not self.incremental_column:
            raise ValueError(f"source sql: table {self.table!r} needs incremental_column")
        for name in filter(None, (self.table, self.incremental_column)):
            if not all(part.replace("_", "").isalnum() for part in name.split(".")):
                raise ValueError(f"source sql: {name!r} must be a plain (optionally schema-qualified) name")
        return self


Source = Annotated[FolderSource | MeshSource | SftpSource | SqlSource, Field(discriminator="kind")]


class Contract(_Strict):
    organisation: str  # ODS code (or local-authority code) of the sender
    feed: str  # short feed name, unique within the organisation
    kind: Literal["activity", "optout", "reference"] = "activity"  # optout: national data opt-out list
    title: str
    description: str = ""
    national_dataset: str | None = None
    file: FileSpec
    period: Period
    delivery: DeliverySpec
    cadence: Cadence
    primary_key: list[str]
    columns: list[Column]
    rules: list[Rule] = []
    max_rejection_rate: float = Field(default=0.05, ge=0, le=1)
    # A row that repeats an earlier row of its file in every column: quarantined as a repeated primary key, or,
    # where a repeat is harmless (an opt-out list naming someone twice), collapsed into it and counted.
    duplicate_rows: Literal["quarantine", "collapse"] = "quarantine"
    source: Source = FolderSource()  # where the files come from (pulled by a pull DAG unless ``folder``)

    @field_validator("organisation", "feed")
    @classmethod
    def _slug(cls, value: str) -> str:
        if not value.replace("_", "").isalnum():
            raise ValueError(f"must be letters, digits and underscores, found {value!r}")
        return value

    @model_validator(mode="after")
    def _references_exist(self) -> Contract:
        names = {c.name for c in self.columns}
        if len(names) != len(self.columns):
            raise ValueError("column names must be unique")
        for key in self.primary_key:
            if key not in names:
                raise ValueError(f"primary_key column {key!r} is not declared")
        if self.period.column not in names:
            raise ValueError(f"period column {self.period.column!r} is not declared")
        for rule in self.rules:
            missing = set(rule.columns) - names
            if missing:
                raise ValueError(f"rule {rule.id!r} uses undeclared columns {sorted(missing)}")
        if isinstance(self.source, SqlSource) and not self.delivery.period_in_name:
            raise ValueError("source sql names each extract by its period: declare delivery.period_in_name")
        if self.delivery.period_in_name and self.file.pattern.count("*") != 1:
            raise ValueError("delivery.period_in_name needs a file pattern with exactly one '*' (the period)")
        for col in self.columns:
            if col.personal == "derive_age" and col.age_at not in names:
                raise ValueError(f"column {col.name!r}: derive_age needs age_at naming a declared column")
        return self

    @property
    def feed_id(self) -> str:
        """Globally unique feed id, e.g. ``rwp_ecds``; names the lake folder, dbt source table and DAG."""
        return f"{self.organisation.lower()}_{self.feed.lower()}"

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    def matches(self, filename: str) -> bool:
        return fnmatch.fnmatchcase(filename, self.file.pattern)

    def landing_subdir(self) -> Path:
        return Path(self.organisation) / self.feed


class ContractError(ValueError):
    """A contract file is invalid or no contract matches a file."""


def load_contract(path: Path) -> Contract:
    try:
        data = load_yaml(path.read_text(encoding="utf-8"))
        return Contract.model_validate(data)
    except (yaml.YAMLError, ValueError) as exc:
        raise ContractError(f"{path}: invalid contract: {exc}") from exc


@cache
def _load_dir(directory: str) -> tuple[Contract, ...]:
    paths = sorted(Path(directory).glob("*.yaml"))
    contracts = tuple(load_contract(p) for p in paths)
    ids = [c.feed_id for c in contracts]
    dupes = {i for i in ids if ids.count(i) > 1}
    if dupes:
        raise ContractError(f"{directory}: feed ids declared twice: {sorted(dupes)}")
    return contracts


def load_contracts(directory: Path) -> tuple[Contract, ...]:
    """Every contract in a folder (``*.yaml``, sorted by file name)."""
    return _load_dir(str(Path(directory).resolve()))


def contract_for_feed(directory: Path, feed_id: str) -> Contract:
    for contract in load_contracts(directory):
        if contract.feed_id == feed_id:
            return contract
    known = ", ".join(c.feed_id for c in load_contracts(directory))
    raise ContractError(f"no contract for feed {feed_id!r} (known feeds: {known})")


def contract_for_file(directory: Path, filename: str) -> Contract:
    """The one contract whose file pattern matches ``filename``."""
    found = [c for c in load_contracts(directory) if c.matches(filename)]
    if not found:
        raise ContractError(
            f"{filename}: rule file.name: no contract's file pattern matches this name "
            f"(expected one of: {', '.join(c.file.pattern for c in load_contracts(directory))})"
        )
    if len(found) > 1:
        raise ContractError(f"{filename}: matches several contracts: {[c.feed_id for c in found]}")
    return found[0]
