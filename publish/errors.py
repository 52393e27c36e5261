"""Errors raised by the publication package, each phrased for the engineer who has to act on it."""

from __future__ import annotations


class PublishError(RuntimeError):
    """Base class: a publication could not be produced."""


class SpecError(PublishError):
    """A publication spec (publish/tables/<table>.yaml) or its suite is missing or invalid."""


class SourceMissing(PublishError):
    """The warehouse or the source relation a table is built from does not exist (has dbt run?)."""


class WarehouseBusy(PublishError):
    """The warehouse is locked by its writer (a dbt build is running): retry after the build."""


class GateFailed(PublishError):
    """The candidate failed its Great Expectations suite: nothing was promoted, LATEST is unchanged.

    ``table`` names the table, ``failures`` holds one plain-words sentence per failed expectation and
    ``report_path`` the JSON validation report kept in the audit folder, ``candidate_path`` the refused candidate
    kept for inspection and ``docs_path`` the Data Docs page.
    """

    def __init__(self, table: str, failures: list[str], report_path: str | None = None, *,
                 candidate_path: str | None = None, docs_path: str | None = None) -> None:
        self.table = table
        self.failures = list(failures)
        self.report_path = report_path
        self.candidate_path = candidate_path
        self.docs_path = docs_path
        lines = "\n".join(f"  - {failure}" for failure in self.failures)
        where = f"\nFull validation report: {report_path}" if report_path else ""
        where += f"\nRefused candidate kept at: {candidate_path}" if candidate_path else ""
        where += f"\nData Docs: {docs_path}" if docs_path else ""
        super().__init__(
            f"Publication of {table!r} blocked by its quality gate ({len(self.failures)} failed "
            f"expectation(s)); the previous version stays live:\n{lines}{where}"
        )
