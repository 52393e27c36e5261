"""Pulling from SQL: a real PostgreSQL (``pgserver``: PostgreSQL 16 binaries in a wheel, started by the test) stands
in for the ICB's warehouse, holding ECDS attendances as it receives them through SUS; the ``rwp_ecds`` contract is
declared ``source: sql`` with a table and its incremental column, one extract per month.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import tracemalloc
from datetime import date
from pathlib import Path

import pytest

from config import names
from config.contracts import contract_for_feed
from config.settings import get_settings
from ingest.claim import READY_MARKER
from outcomes.feed_ingest import files_for_run
from pull.errors import SourceMisconfigured, SourceUnavailable
from pull.sources import pull_into_landing
from tests.ingest.ecds_rows import HEADER, row
from tests.pull.conftest import contracts_copy, ingest_waiting, with_source

FEED = "rwp_ecds"
APRIL = (date(2025, 4, 1), date(2025, 5, 1))
SOURCE = """source:
  kind: sql
  connection: icb_warehouse
  table: sus.ecds_attendances
  incremental_column: arrival_datetime
"""
TYPES = {"date_of_birth": "date", "arrival_datetime": "timestamp", "departure_datetime": "timestamp"}


def start_postgres(folder: Path):
    import pgserver

    return pgserver.get_server(folder, cleanup_mode="stop")


@pytest.fixture(scope="module")
def postgres():
    """GIVEN PostgreSQL holding 5 April attendances and 1 May attendance in sus.ecds_attendances. (Its data folder is
    not under pytest's owner-only temporary folders: run as root, pgserver runs PostgreSQL as its own user.)"""
    top = Path(tempfile.mkdtemp(prefix="outcomes-pg-"))
    top.chmod(0o711)
    folder = top / "data"
    server = start_postgres(folder)
    columns = ", ".join(f"{c} {TYPES.get(c, 'text')}" for c in HEADER)
    values = [row(i) for i in range(5)] + [row(9, attendance_id="ATT_MAY", arrival_datetime="2025-05-02 09:00:00",
                                                departure_datetime="2025-05-02 11:00:00")]
    inserts = "".join(f"insert into sus.ecds_attendances values ({', '.join(repr(v[c]) for c in HEADER)});\n"
                      for v in values)
    server.psql(f"create schema sus; create table sus.ecds_attendances ({columns});\n{inserts}")
    yield server, folder
    server.cleanup()
    shutil.rmtree(top, ignore_errors=True)


def connection_json(folder: Path, login: str = "postgres") -> str:
    return json.dumps({"conn_type": "postgres", "host": str(folder), "login": login, "schema": "postgres"})


@pytest.fixture
def sql(postgres, settings, monkeypatch, tmp_path):
    server, folder = postgres
    contracts = contracts_copy(tmp_path / "contracts", with_source(FEED, SOURCE))
    monkeypatch.setenv("OUTCOMES_CONTRACTS_DIR", str(contracts))
    monkeypatch.setenv("AIRFLOW_CONN_ICB_WAREHOUSE", connection_json(folder))
    monkeypatch.setenv("OUTCOMES_ALLOW_TEST_NHS_NUMBERS", "1")
    return server, folder


def contract():
    return contract_for_feed(get_settings().contracts_dir, FEED)


def landing() -> Path:
    return names.landing_folder(get_settings(), contract())


def pull(period=APRIL):
    return pull_into_landing(contract(), get_settings(), period)



def test_a_period_is_extracted_with_its_manifest_and_pulled_again_is_ingested_once(sql, settings):
    """GIVEN the warehouse table
    WHEN April is extracted, ingested, extracted again and ingested again
    THEN landing holds RWP_ECDS_2025-04.csv with April's 5 rows only, its manifest states 5 rows and the file's
    sha256, _READY follows; ingest loads all 5 once and records the second extract as a duplicate"""
    (landed,) = pull()
    name = "RWP_ECDS_2025-04.csv"
    text = (landing() / name).read_text()
    assert landed.path.name == name and text.splitlines()[0] == ",".join(HEADER)
    assert len(text.splitlines()) == 6 and "ATT_MAY" not in text and "2025-04-01 10:00:00" in text
    manifest = json.loads((landing() / f"{name}.manifest.json").read_text())
    assert manifest == {"row_count": 5, "sha256": landed.sha256}
    assert (landing() / READY_MARKER).is_file()
    assert ingest_waiting(FEED) == ["loaded"]
    pull()
    assert ingest_waiting(FEED) == ["duplicate"]


def bulk_month(server, month: int, rows: int) -> tuple[date, date]:
    server.psql("insert into sus.ecds_attendances select 'BULK' || g, '9434765919', '1970-05-17', '1', 'A', "
                "'E01014068', 'M81001', 'RWP50', '01', '1', '3', "
                f"timestamp '2025-{month:02d}-01' + g * interval '30 second', timestamp '2025-{month:02d}-01 04:00', "
                f"'306689006' from generate_series(1, {rows}) g;")
    return date(2025, month, 1), date(2025, month + 1, 1)


def extract_peak(period: tuple[date, date]) -> tuple[int, int]:
    """(rows, peak Python memory) of an extract, measured on a second run (the first one's imports not counted)."""
    pull(period)
    tracemalloc.start()
    (landed,) = pull(period)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return json.loads(Path(str(landed.path) + ".manifest.json").read_text())["row_count"], peak


def test_the_extract_streams_in_bounded_memory(sql, settings):
    """GIVEN 10,000 attendances in June (two batches) and four times as many in July
    WHEN each month is extracted
    THEN every row is in its file, and July's extract peaks at under 1.5 times June's memory (rows stream through
    a server-side cursor a batch at a time; reading the whole month would take about four times as much)"""
    server, _ = sql
    june, july = bulk_month(server, 6, 10_000), bulk_month(server, 7, 40_000)
    (june_rows, june_peak), (july_rows, july_peak) = extract_peak(june), extract_peak(july)
    assert (june_rows, july_rows) == (10_000, 40_000)
    assert july_peak < 1.5 * june_peak, (june_peak, july_peak)


KILLED_MID_EXTRACT = """
import os, signal, sys
import psycopg
from config.contracts import contract_for_feed
from config.settings import get_settings
from pull.sources import pull_into_landing
from datetime import date

# the process dies for real (SIGKILL) after the first batch of rows has been written to the temporary file
real = psycopg.ServerCursor.fetchmany
calls = {"n": 0}
def fetchmany(self, size=0):
    calls["n"] += 1
    if calls["n"] == 2:
        os.kill(os.getpid(), signal.SIGKILL)
    return real(self, size)
psycopg.ServerCursor.fetchmany = fetchmany
settings = get_settings()
april = (date(2025, 4, 1), date(2025, 5, 1))
pull_into_landing(contract_for_feed(settings.contracts_dir, sys.argv[1]), settings, april)
"""


def test_killed_mid_extract_nothing_partial_reaches_landing(sql, settings):
    """GIVEN an extract killed (SIGKILL) after its first batch was written
    WHEN landing is looked at, and the extract is run again
    THEN no file (nor manifest, nor _READY) is in landing, only the hidden temporary file claim ignores; the rerun
    lands the complete extract"""
    killed = subprocess.run([sys.executable, "-c", KILLED_MID_EXTRACT, FEED], env=dict(os.environ),
                            capture_output=True, timeout=120)
    assert killed.returncode == -9, killed.stderr.decode()[-2000:]
    assert [p.name for p in landing().iterdir()] == [".RWP_ECDS_2025-04.csv.part"]
    assert files_for_run(FEED) == []
    assert [p.path.name for p in pull()] == ["RWP_ECDS_2025-04.csv"]


def test_a_database_down_is_transient_and_wrong_credentials_fail_clearly(sql, settings, monkeypatch):
    """GIVEN the database stopped, then back with a connection naming a role it does not know, then no connection
    WHEN April is extracted each time
    THEN SourceUnavailable while down (retried), SourceMisconfigured naming the feed and the connection id for the
    wrong login and for the missing connection; with the right connection again the extract lands"""
    server, folder = sql
    server.cleanup()
    try:
        with pytest.raises(SourceUnavailable, match=r"feed rwp_ecds: database \(Airflow connection 'icb_warehouse'\)"):
            pull()
        assert not landing().exists() or not any(landing().iterdir())
    finally:
        start_postgres(folder)
    monkeypatch.setenv("AIRFLOW_CONN_ICB_WAREHOUSE", connection_json(folder, login="nobody"))
    with pytest.raises(SourceMisconfigured, match=r"feed rwp_ecds: .*'icb_warehouse'.*refused the connection's cred"):
        pull()
    monkeypatch.delenv("AIRFLOW_CONN_ICB_WAREHOUSE")
    with pytest.raises(SourceMisconfigured, match=r"Airflow connection 'icb_warehouse' is not defined"):
        pull()
    monkeypatch.setenv("AIRFLOW_CONN_ICB_WAREHOUSE", connection_json(folder))
    assert len(pull()) == 1


def test_sources_check_connects_and_plans_the_extract(sql, settings, monkeypatch, tmp_path):
    """GIVEN the warehouse WHEN the sources are checked, then with the table misnamed in the contract
    THEN reachable (the extract plans); then unreachable naming the missing relation"""
    from pull.sources import check_all

    assert [(r.reachable, r.detail) for r in check_all([contract()])] == [(True, "connected; the extract query plans")]
    wrong = contracts_copy(tmp_path / "wrong", with_source(FEED, SOURCE.replace("sus.", "nowhere.")))
    monkeypatch.setenv("OUTCOMES_CONTRACTS_DIR", str(wrong))
    (result,) = check_all([contract()])
    assert not result.reachable and "nowhere" in result.detail and "'icb_warehouse'" in result.detail
