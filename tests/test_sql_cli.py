"""`outcomes sql`: SQL on the analysts' read-only snapshot, as a table, as CSV or in the shell; one-line errors."""

from __future__ import annotations

import subprocess
import sys

import duckdb
import pytest
from rich.console import Console
from typer.testing import CliRunner

from outcomes import sql_query
from outcomes.cli import app
from outcomes.sql_shell import Shell
from transform.build import refresh_snapshot


def make_warehouse(settings, rows=((1, "RWP"), (2, "RLQ"))) -> None:
    """GIVEN a warehouse with marts.sites (2 rows by default), copied to the snapshot as a build does."""
    settings.warehouse_path.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(settings.warehouse_path)) as con:
        con.execute("create schema if not exists marts")
        con.execute("create or replace table marts.sites (id integer, code varchar, opened date)")
        con.executemany("insert into marts.sites values (?, ?, date '2020-01-01')", list(rows))
    refresh_snapshot(settings)


def sql(*args, input=None):
    return CliRunner().invoke(app, ["sql", *args], input=input)


def test_a_statement_prints_a_table_of_its_rows(settings):
    make_warehouse(settings)
    result = sql("-c", "select code, id * 10 as tens, id > 1 as later, null as nothing from marts.sites order by id")
    assert result.exit_code == 0, result.output
    lines = [line.split() for line in result.stdout.splitlines() if line.strip()]
    assert ["RWP", "│", "10", "│", "false", "│", "NULL"] in lines
    assert ["RLQ", "│", "20", "│", "true", "│", "NULL"] in lines
    assert "2 rows" in result.stdout


def test_only_max_rows_are_shown_and_the_table_says_more_were_left(settings):
    make_warehouse(settings, rows=[(i, f"S{i}") for i in range(5)])
    result = sql("-c", "select code from marts.sites order by id", "--max-rows", "2")
    assert result.exit_code == 0
    assert "S1" in result.stdout and "S2" not in result.stdout
    assert "2 rows (the first 2: more not shown" in result.stdout


def test_csv_goes_to_a_file_or_to_standard_output_with_every_row(settings, tmp_path):
    make_warehouse(settings, rows=[(i, f"S{i}") for i in range(3)])
    target = tmp_path / "sites.csv"
    query = "select id, code, opened, id > 1 as later, null as nothing from marts.sites order by id"
    to_file = sql("-c", query, "--csv", str(target), "--max-rows", "1")
    assert to_file.exit_code == 0 and "wrote 3 rows" in to_file.stderr
    expected = "id,code,opened,later,nothing\n0,S0,2020-01-01,false,\n1,S1,2020-01-01,false,\n2,S2,2020-01-01,true,\n"
    assert target.read_text() == expected
    to_stdout = sql("-c", query, "--csv", "-")
    assert to_stdout.exit_code == 0 and to_stdout.stdout == expected


def test_without_a_snapshot_the_error_says_to_build_first(settings):
    result = sql("-c", "select 1")
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1 and "no analyst snapshot" in result.stderr
    assert "outcomes build" in result.stderr and "make demo" in result.stderr


def test_a_sql_error_is_one_line_without_a_traceback(settings):
    make_warehouse(settings)
    result = sql("-c", "select * from marts.sitez")
    assert result.exit_code == 1
    assert result.stderr.startswith("error: Catalog Error: Table with name sitez does not exist")
    assert 'Did you mean "sites"' in result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.output


def test_the_snapshot_is_read_only(settings):
    make_warehouse(settings)
    result = sql("-c", "delete from marts.sites")
    assert result.exit_code == 1 and "read-only" in result.stderr
    with duckdb.connect(str(settings.snapshot_path), read_only=True) as con:
        assert con.execute("select count(*) from marts.sites").fetchone() == (2,)


def test_csv_without_a_statement_is_refused(settings):
    make_warehouse(settings)
    result = sql("--csv", "out.csv")
    assert result.exit_code == 1 and "--csv needs -c" in result.stderr


def test_queries_run_while_another_process_holds_the_warehouse_for_a_rebuild(settings):
    """GIVEN another process holding the warehouse's write lock (as dbt does during a build) WHEN an analyst
    queries THEN the snapshot answers, though the warehouse itself cannot even be opened read-only."""
    make_warehouse(settings)
    holder = subprocess.Popen(
        [sys.executable, "-c", "import duckdb, sys, time; con = duckdb.connect(sys.argv[1]); print('held', flush=True);"
         " time.sleep(60)", str(settings.warehouse_path)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(duckdb.IOException, match="lock"):
            duckdb.connect(str(settings.warehouse_path), read_only=True)
        result = sql("-c", "select count(*) as n from marts.sites")
        assert result.exit_code == 0 and "2" in result.stdout
    finally:
        holder.kill()
        holder.wait()


def test_an_open_session_keeps_its_copy_when_a_build_swaps_in_a_new_snapshot(settings):
    make_warehouse(settings)
    with sql_query.open_snapshot(settings) as session:
        make_warehouse(settings, rows=[(3, "R1A")])  # a rebuild: new warehouse, new snapshot renamed over the old
        assert sql_query.run(session, "select count(*) from marts.sites").rows == [(2,)]
    with sql_query.open_snapshot(settings) as fresh:
        assert sql_query.run(fresh, "select code from marts.sites").rows == [("R1A",)]


def shell_output(settings, lines: list[str]) -> str:
    feed = iter(lines)

    def read(prompt: str) -> str:
        try:
            return next(feed)
        except StopIteration:
            raise EOFError from None

    console = Console(record=True, width=100, force_terminal=False)
    with sql_query.open_snapshot(settings) as con:
        Shell(con, console, max_rows=100, read=read).loop()
    return console.export_text()


def test_the_shell_runs_statements_over_several_lines_and_carries_on_after_an_error(settings):
    make_warehouse(settings)
    text = shell_output(settings, ["select code", "from marts.sites", "where id = 2;", "select * from nowhere;",
                                   "select 41 + 1 as answer;"])
    assert "RLQ" in text and "RWP" not in text
    assert "error: Catalog Error" in text and "nowhere" in text
    assert "42" in text


def test_the_shell_lists_tables_shows_a_schema_and_writes_csv(settings, tmp_path):
    make_warehouse(settings)
    target = tmp_path / "out.csv"
    text = shell_output(settings, [".tables", ".schema marts.sites", ".schema marts.none", f".csv {target}",
                                   "select code from marts.sites order by id;", ".bogus", ".quit", "select 99;"])
    assert "marts.sites  table" in text
    assert "code  VARCHAR" in text and "opened  DATE" in text
    assert "no table or view 'marts.none'" in text
    assert target.read_text() == "code\nRWP\nRLQ\n" and f"wrote 2 rows to {target}" in text
    assert "unknown command .bogus" in text and "99" not in text


def test_the_command_without_a_statement_opens_the_shell_and_keeps_its_history(settings):
    make_warehouse(settings)
    result = sql(input="select 6 * 7 as answer;\n")
    assert result.exit_code == 0, result.output
    assert "read-only snapshot" in result.stdout and "42" in result.stdout
    history = settings.work_dir / "sql_history"
    assert history.exists()  # written on leaving, by readline


def test_piped_output_keeps_each_row_on_one_line_however_wide(settings):
    make_warehouse(settings)
    result = sql("-c", "select repeat('x', 150) as wide, 'end' as last_column")
    assert result.exit_code == 0
    assert any("x" * 150 in line and "end" in line for line in result.stdout.splitlines())
