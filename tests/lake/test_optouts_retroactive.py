"""The national data opt-out list in force applies to every period at every build, not only to files ingested
after the list arrived (docs/contracts.md, "Which opt-out list applies"). A real ingest and a real dbt build of the
feed's lake view and the mart read here (the rest of the project reads the same views; built whole, it took 55 s
of the suite for three builds)."""

from __future__ import annotations

import duckdb

from ingest.load import ingest_file
from ingest.pseudonymise import pseudonym
from tests.conftest import TEST_KEY
from tests.ingest.ecds_rows import nhs_number, row, write_ecds
from tests.ingest.test_optouts import write_optouts
from transform.build import build

BUILT = ["+lake__rwp_ecds", "+ed_four_hour_performance"]


def lake_people(settings) -> set[str]:
    with duckdb.connect(str(settings.snapshot_path), read_only=True) as con:
        return {r[0] for r in con.sql("select person_id from lake.rwp_ecds").fetchall()}


def mart_attendances(settings) -> int:
    with duckdb.connect(str(settings.snapshot_path), read_only=True) as con:
        return con.sql("select sum(attendances) from marts.ed_four_hour_performance").fetchall()[0][0]


def test_an_opt_out_arriving_later_removes_the_persons_earlier_rows_at_the_next_build(settings, tmp_path):
    """GIVEN April's attendances of 30 people loaded and built, with no opt-out list yet
    WHEN May's opt-out list names persons 4 and 9, then later a list withdrawn for person 9 (June: person 4 only)
    THEN after the next build persons 4 and 9 are gone from April's current rows and the mart, and after the
    June list only person 4 is (the latest list is the one in force); the raw batches themselves are untouched."""
    ingest_file(write_ecds(tmp_path / "RWP_ECDS_2025-04.csv", [row(i) for i in range(30)]), settings=settings)
    build(BUILT, settings=settings)
    everyone = {pseudonym(TEST_KEY.encode(), nhs_number(i)) for i in range(30)}
    assert lake_people(settings) == everyone and mart_attendances(settings) == 30

    ingest_file(write_optouts(tmp_path / "NDOP_OPTOUTS_202505.csv", "2025-05-31", [4, 9]), settings=settings)
    build(BUILT, settings=settings)
    four, nine = (pseudonym(TEST_KEY.encode(), nhs_number(i)) for i in (4, 9))
    assert lake_people(settings) == everyone - {four, nine}
    assert mart_attendances(settings) == 28

    ingest_file(write_optouts(tmp_path / "NDOP_OPTOUTS_202506.csv", "2025-06-30", [4]), settings=settings)
    build(BUILT, settings=settings)
    assert lake_people(settings) == everyone - {four}
    raw = duckdb.sql(f"select count(*) from read_parquet('{settings.raw_dir}/rwp_ecds/*/*.parquet')").fetchall()
    assert raw == [(30,)]
