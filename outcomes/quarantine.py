"""Why were rows quarantined? A summary of the quarantine by rule, and its rows as CSV for the sender.

The quarantine (``<lake>/quarantine/<feed_id>/batch_id=<id>/``) holds one row per broken rule per row: file,
physical line, rule, column, the value as shown (personal fields and free text are already withheld by ingest:
``<withheld: personal field>``) and the rule's message. Nothing here reads the delivered files.
"""

from __future__ import annotations

import csv
from dataclasses import asdict, dataclass
from pathlib import Path

from config.settings import Settings
from ingest.row_checks import WITHHELD

FIRST_LINES = 5
EXAMPLES = 3
CSV_COLUMNS = ("feed_id", "file", "batch_id", "line", "rule_id", "column_name", "value", "message")


@dataclass
class RuleSummary:
    feed_id: str
    rule_id: str
    column: str | None
    message: str | None
    rows: int
    files: int
    first_file: str
    first_lines: list[int]  # of first_file (the first by name, when several files broke the rule)
    examples: list[str]  # distinct values as shown in the quarantine; a personal field shows only WITHHELD

    def to_dict(self) -> dict:
        return asdict(self)

    def line(self) -> str:
        lines = ", ".join(map(str, self.first_lines)) + (", ..." if self.rows > len(self.first_lines) else "")
        if self.files > 1:
            lines += f" of {self.first_file}"
        examples = ", ".join(repr(v) for v in self.examples) or "none shown"
        if self.examples == [WITHHELD]:
            examples = "withheld (personal field)"
        return (f"{self.feed_id}  {self.rule_id}: {self.rows:,} rows in {self.files} file(s), lines {lines}; "
                f"values {examples}; {self.message or ''}").rstrip("; ")


class NoQuarantine(LookupError):
    """The named file is not in the ledger; the message says which files of the feed are."""


def _glob(settings: Settings, feed: str | None) -> str:
    return str(settings.quarantine_dir / (feed or "*") / "batch_id=*" / "**" / "*.parquet")


def _source(file: str | None) -> str:
    """SQL of the quarantine rows, with the feed id taken from the folder (parameters ``glob`` and ``file``)."""
    return ("select split_part(parse_dirpath(filename), '/', -2) as feed_id, file, batch_id, line, rule_id, "
            "column_name, value, message from read_parquet($glob, filename = true, hive_partitioning = false, "
            "union_by_name = true)" + (" where file = $file" if file else ""))


def _query(settings: Settings, feed: str | None, file: str | None, sql: str):
    """Run ``sql`` (which reads the relation ``q``) over the quarantine; None when there is nothing to read."""
    import duckdb

    root = settings.quarantine_dir
    if not root.exists() or not any(root.glob(f"{feed or '*'}/batch_id=*/**/*.parquet")):
        return None
    con = duckdb.connect()
    params = {"glob": _glob(settings, feed), **({"file": file} if file else {})}
    return con, con.execute(f"with q as ({_source(file)}) {sql}", params)


def check_file(settings: Settings, feed: str | None, file: str | None) -> None:
    """Raise NoQuarantine when ``file`` (a delivered file's name) has no ledger row (of ``feed``, if given)."""
    if not file:
        return
    from lake.ledger import read_entries

    entries = [e for e in read_entries(settings) if feed is None or e["feed_id"] == feed]
    if not any(e["file"] == file for e in entries):
        known = sorted({e["file"] for e in entries})[-5:]
        scope = f" of feed {feed}" if feed else ""
        raise NoQuarantine(f"no delivered file{scope} is named {file!r}"
                           + (f" (latest: {', '.join(known)})" if known else " (nothing delivered yet)"))


def summarise(settings: Settings, feed: str | None = None, file: str | None = None) -> list[RuleSummary]:
    """One summary per feed and rule: rows, files, the first lines, a few distinct example values and the message of
    the first row (first file, first line: a message can name its row's line, so any other row's would change from
    one call to the next)."""
    found = _query(settings, feed, file,
                   "select feed_id, rule_id, any_value(column_name), first(message order by file, line), count(*), "
                   "count(distinct file), min(file), "
                   f"(list(line order by line) filter (where file = first_file))[1:{FIRST_LINES}], "
                   f"list_sort(list_distinct(list(value)))[1:{EXAMPLES}] "
                   "from (select *, min(file) over (partition by feed_id, rule_id) as first_file from q) "
                   "group by feed_id, rule_id order by feed_id, count(*) desc, rule_id")
    if found is None:
        return []
    con, result = found
    try:
        rows = result.fetchall()
    finally:
        con.close()
    return [RuleSummary(feed_id=r[0], rule_id=r[1], column=r[2], message=r[3], rows=r[4], files=r[5],
                        first_file=r[6], first_lines=list(r[7]), examples=sorted(r[8])) for r in rows]


def write_csv(settings: Settings, path: Path, feed: str | None = None, file: str | None = None) -> int:
    """Write the quarantined rows (file, line, rule, column, value as shown, message) to ``path``; the count."""
    found = _query(settings, feed, file,
                   f"select {', '.join(CSV_COLUMNS)} from q order by feed_id, file, line, rule_id")
    path.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(CSV_COLUMNS)
        if found is not None:
            con, result = found
            try:
                while batch := result.fetchmany(10_000):
                    writer.writerows(batch)
                    count += len(batch)
            finally:
                con.close()
    return count
