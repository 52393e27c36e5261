"""The published-schema registry (config/published_schemas.yaml): the columns of each table partners and
analysts build on, version by version. A column may only disappear in a new version that names it in
``dropped`` or ``renamed``; the tests compare each model's declared columns with the latest version."""

from __future__ import annotations

import datetime as dt
from functools import cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

SCHEMAS_PATH = Path(__file__).with_name("published_schemas.yaml")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SchemaVersion(_Strict):
    version: int = Field(ge=1)
    date: dt.date
    change: str = Field(min_length=1)
    columns: list[str] = Field(min_length=1)
    renamed: dict[str, str] = Field(default_factory=dict)  # old name -> new name
    dropped: list[str] = Field(default_factory=list)


class PublishedTable(_Strict):
    model: str
    versions: list[SchemaVersion] = Field(min_length=1)

    @property
    def version(self) -> SchemaVersion:
        return self.versions[-1]

    @model_validator(mode="after")
    def _columns_leave_only_with_a_new_version(self) -> PublishedTable:
        numbers = [v.version for v in self.versions]
        if numbers != list(range(1, len(numbers) + 1)):
            raise ValueError(f"versions must be 1, 2, 3 ... in order, found {numbers}")
        for earlier, later in zip(self.versions, self.versions[1:], strict=False):
            gone = [c for c in earlier.columns if c not in later.columns]
            unexplained = [c for c in gone if c not in later.dropped and c not in later.renamed]
            if unexplained:
                raise ValueError(f"version {later.version} loses {unexplained} of version {earlier.version} "
                                 "without naming them in `dropped` or `renamed`")
        return self


class PublishedSchemas(_Strict):
    tables: dict[str, PublishedTable]


class PublishedSchemaError(ValueError):
    """The published-schema registry is invalid; the message names the file and the problem."""


@cache
def load_published_schemas(path: Path = SCHEMAS_PATH) -> PublishedSchemas:
    try:
        return PublishedSchemas.model_validate(yaml.safe_load(Path(path).read_text(encoding="utf-8")))
    except (yaml.YAMLError, ValueError) as exc:
        raise PublishedSchemaError(f"{path}: invalid published-schema registry: {exc}") from exc
