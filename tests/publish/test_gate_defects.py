"""The quality gate blocks each class of defect and leaves the live publication byte-identical.

A small measure_values mart (one measure, two trusts and the system, January and February 2024, both months
delivered in the ledger) is published once as v0001; each defect is then injected into the candidate as written
(the hook every real bug would pass through), and the publish must fail, name the defect in plain words, keep the
refused candidate for inspection, and leave v0001 and LATEST exactly as they were.
"""

from __future__ import annotations

import calendar
import datetime as dt
import hashlib
from collections.abc import Callable
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import publish.run as publish_run
from config.settings import get_settings
from publish import store
from publish.errors import GateFailed
from publish.run import publish
from publish.spec import load_spec
from tests.publish.conftest import record_delivery

TABLE = "measure_values"
SPEC = load_spec(TABLE)
JAN, FEB = "2024-01-01", "2024-02-01"
# (period, area_type, area_code, numerator, denominator): true counts, all large enough to publish.
CELLS = [(JAN, "organisation", "RWP", 800, 1000), (JAN, "organisation", "RLQ", 300, 400),
         (JAN, "system", "QGH", 1100, 1400), (FEB, "organisation", "RWP", 760, 1000),
         (FEB, "organisation", "RLQ", 330, 420), (FEB, "system", "QGH", 1090, 1420)]


def mart_rows(cells) -> pd.DataFrame:
    rows = []
    for period, area_type, area_code, numerator, denominator in cells:
        start = dt.date.fromisoformat(period)
        value = 100 * numerator / denominator
        rows.append({"measure_id": "ed_4h_type1", "period_type": "month", "period_start": start,
                     "period_end": start.replace(day=calendar.monthrange(start.year, start.month)[1]),
                     "area_type": area_type, "area_code": area_code, "breakdown": "all", "breakdown_value": "all",
                     "numerator": float(numerator), "denominator": float(denominator), "value": value,
                     "lower_95": value - 1, "upper_95": value + 1, "lower_998": value - 2, "upper_998": value + 2,
                     "unit": "percent", "target": 78.0, "meets_target": value >= 78, "best_value": None,
                     "gap_to_best": None, "registry_version": 1})
    return pd.DataFrame(rows, columns=SPEC.source_columns)


def build_mart(settings, cells) -> None:
    path = settings.warehouse_path
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    frame = mart_rows(cells)
    with duckdb.connect(str(path)) as con:
        con.register("frame", frame)
        con.execute("create schema marts")
        con.execute("create table marts.measure_values as select * replace (registry_version::integer as "
                    "registry_version) from frame")


def deliver_both_months(settings, months=(JAN, FEB)) -> None:
    for feed in ("rwp_ecds", "rlq_ecds"):
        for month in months:
            record_delivery(settings, feed, month)


def tamper_with(monkeypatch, change: Callable[[pd.DataFrame], pd.DataFrame]) -> None:
    """Rewrite the candidate's Parquet file, once written, with ``change`` applied (no schema enforced)."""
    write = publish_run._write

    def tampered(disclosed, spec, folder):
        csv_path, parquet_path = write(disclosed, spec, folder)
        written = pq.read_schema(parquet_path)
        frame = change(pq.read_table(parquet_path).to_pandas(types_mapper={pa.int64(): pd.Int64Dtype()}.get))
        kept = pa.schema([f for f in written if f.name in frame.columns])
        pq.write_table(pa.Table.from_pandas(frame, schema=kept, preserve_index=False), parquet_path)
        return csv_path, parquet_path

    monkeypatch.setattr(publish_run, "_write", tampered)


def fingerprint(table_dir: Path) -> dict[str, str]:
    """sha256 of LATEST and of every file of every version folder."""
    files = [table_dir / "LATEST", *sorted(p for p in table_dir.glob("v*/*") if p.is_file())]
    return {str(p.relative_to(table_dir)): hashlib.sha256(p.read_bytes()).hexdigest() for p in files}


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    """A working folder with v0001 of measure_values live, built from CELLS; yields the settings."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("OUTCOMES_WORK_DIR", str(tmp_path_factory.mktemp("gate") / "work"))
        settings = get_settings()
        build_mart(settings, CELLS)
        deliver_both_months(settings)
        [first] = publish([TABLE])
        assert (first.status, first.version) == ("published", "v0001")
        yield settings


def where(frame, period, area_code):
    return (frame["period_start"] == dt.date.fromisoformat(period)) & (frame["area_code"] == area_code)


def leaked_three(f):
    f.loc[where(f, FEB, "RLQ"), "numerator"] = 3
    return f


def missing_month(f):
    return f[~where(f, FEB, "RLQ")]


def percent_130(f):
    at = where(f, JAN, "RWP")
    f.loc[at, ["value", "lower_95", "upper_95", "lower_998", "upper_998"]] = [130.0, 129.0, 131.0, 128.0, 132.0]
    return f


def dropped_column(f):
    return f.drop(columns=["upper_998"])


def volume_halved(f):
    feb = f["period_start"] == dt.date.fromisoformat(FEB)
    for col in ("numerator", "denominator"):
        f.loc[feb, col] = (f.loc[feb, col] / 2 / 5).round().astype("Int64") * 5
    return f


def limits_apart(f):
    f.loc[where(f, JAN, "RWP"), "lower_95"] = f.loc[where(f, JAN, "RWP"), "value"] + 5
    return f


def numerator_above(f):
    f.loc[where(f, JAN, "RLQ"), "numerator"] = 450
    return f


DEFECTS = [
    (leaked_three, "is a count the disclosure rules (nhs_standard) forbid", "numerator=3"),
    (missing_month, "no rows for RLQ in February 2024 and no refused or late file", "organisation=RLQ"),
    (percent_130, "value is a percentage between 0 and 100", "value=130.0"),
    (dropped_column, "exactly the published columns, in order", "upper_998"),
    (volume_halved, "No figure falls below its lowest allowed value", "figure=volume"),
    (limits_apart, "lower_95 is not above value", "area_code=RWP"),
    (numerator_above, "numerator is not above denominator", "numerator=450"),
]


@pytest.mark.parametrize(("defect", "expectation", "cell"), DEFECTS, ids=[d[0].__name__ for d in DEFECTS])
def test_each_defect_blocks_publication_and_leaves_the_live_version_byte_identical(
        live, monkeypatch, defect, expectation, cell):
    """
    GIVEN v0001 of measure_values is live
    WHEN a candidate carrying one defect is published
    THEN GateFailed names the table, the expectation and the offending cell; no v0002 exists; v0001 and LATEST are
         byte-identical; the refused candidate is kept in _rejected/
    """
    table_dir = live.publications_dir / TABLE
    before = fingerprint(table_dir)
    rejected_before = len(list((table_dir / "_rejected").glob("*"))) if (table_dir / "_rejected").exists() else 0
    tamper_with(monkeypatch, defect)

    with pytest.raises(GateFailed) as caught:
        publish([TABLE])

    matching = [f for f in caught.value.failures if expectation in f]
    assert matching, caught.value.failures
    assert any(cell in f for f in matching), matching
    assert all(f.startswith(f"{TABLE}: ") for f in caught.value.failures)
    assert store.versions(live.publications_dir, TABLE) == ["v0001"]
    assert fingerprint(table_dir) == before
    assert len(list((table_dir / "_rejected").iterdir())) == rejected_before + 1
    assert Path(caught.value.candidate_path, f"{TABLE}.parquet").is_file()


def test_a_clean_candidate_passes_and_an_unchanged_one_publishes_nothing(live):
    """
    GIVEN v0001 of measure_values is live and nothing changed
    WHEN it is published again
    THEN the gate passes and the result is 'unchanged' at v0001, with the gate's Data Docs built
    """
    [again] = publish([TABLE])
    assert (again.status, again.version) == ("unchanged", "v0001")
    assert (live.work_dir / "gx" / "uncommitted" / "data_docs" / "local_site" / "index.html").is_file()


@pytest.mark.parametrize("refused", [True, False], ids=["refused", "not_delivered_yet"])
def test_a_month_missing_with_a_reason_in_the_ledger_passes_and_carries_the_caveat(settings, refused):
    """
    GIVEN the mart has no RLQ February row, and the ledger shows either RLQ's February file refused at ingest, or
          no RLQ delivery after January (the file is late or not yet due)
    WHEN measure_values is published
    THEN the gate passes and the manifest carries a caveat naming RLQ, February 2024 and the reason (the refused
         file and its rule, or the latest delivery)
    """
    build_mart(settings, [c for c in CELLS if (c[0], c[2]) != (FEB, "RLQ")])
    deliver_both_months(settings, months=(JAN,))
    record_delivery(settings, "rwp_ecds", FEB)
    if refused:
        file = record_delivery(settings, "rlq_ecds", FEB, status="rejected", rule="file.header",
                               reason="the header does not match the contract")["file"]

    [result] = publish([TABLE])

    caveats = store.live(settings.publications_dir, TABLE).manifest["caveats"]
    assert result.status == "published" and len(caveats) == 1
    assert caveats[0]["organisation"] == "RLQ" and caveats[0]["period_start"] == FEB
    assert "RLQ has no rows for February 2024" in caveats[0]["caveat"]
    reason = f"{file} was refused (file.header)" if refused else "the latest delivery of rlq_ecds is for January 2024"
    assert reason in caveats[0]["caveat"]


def test_a_fall_the_ledger_explains_as_a_resubmission_passes(settings):
    """
    GIVEN v0001 is live, then both trusts resubmit February (version 2, after v0001) and February's counts halve
    WHEN measure_values is published
    THEN the gate passes (v0002), where the same fall without the resubmissions is refused (the defect test above)
    """
    build_mart(settings, CELLS)
    deliver_both_months(settings)
    publish([TABLE])
    for feed in ("rwp_ecds", "rlq_ecds"):
        record_delivery(settings, feed, FEB, version=2, received_at=dt.datetime.now(dt.UTC).isoformat())
    build_mart(settings, [(p, t, a, n // 2, d // 2) if p == FEB else (p, t, a, n, d) for p, t, a, n, d in CELLS])

    [result] = publish([TABLE])

    assert (result.status, result.version) == ("published", "v0002")


def test_a_trusts_month_arriving_after_another_trusts_raises_the_rows_and_passes(settings):
    """
    GIVEN v0001 was published with RLQ's February not yet delivered (a caveat), and RLQ's February then arrives
    WHEN measure_values is published with February's rows up by half (2 to 3)
    THEN the rise is explained by the new delivery in the ledger and v0002 is published without the caveat
    """
    build_mart(settings, [c for c in CELLS if (c[0], c[2]) != (FEB, "RLQ")])
    deliver_both_months(settings, months=(JAN,))
    record_delivery(settings, "rwp_ecds", FEB)
    assert publish([TABLE])[0].version == "v0001"
    record_delivery(settings, "rlq_ecds", FEB, received_at=dt.datetime.now(dt.UTC).isoformat())
    build_mart(settings, CELLS)

    [result] = publish([TABLE])

    assert (result.status, result.version) == ("published", "v0002")
    assert store.live(settings.publications_dir, TABLE).manifest["caveats"] == []


def test_a_month_received_before_the_live_version_but_loaded_after_its_build_explains_the_rise(settings):
    """
    GIVEN v0001 was published from a build whose watermark is RWP's February, and RLQ's February had been
    received before v0001 was published (it waited in the landing folder) but was loaded after that build
    WHEN measure_values is published again with RLQ's February built in (February's rows up by half)
    THEN the rise is explained by that delivery (its batch is past v0001's build watermark), and v0002 is
    published; judged by receipt time alone, the delivery looked older than v0001 and the rise was refused
    """
    build_mart(settings, [c for c in CELLS if (c[0], c[2]) != (FEB, "RLQ")])
    deliver_both_months(settings, months=(JAN,))
    rwp = record_delivery(settings, "rwp_ecds", FEB)
    [first] = publish([TABLE], built_upto=rwp["batch_id"])  # the watermark the caller read from the build state
    assert first.version == "v0001"
    assert store.live(settings.publications_dir, TABLE).manifest["source"]["built_upto"] == rwp["batch_id"]
    rlq = record_delivery(settings, "rlq_ecds", FEB, received_at="2024-02-06T09:00:00+00:00")  # before v0001
    build_mart(settings, CELLS)

    [result] = publish([TABLE], built_upto=rlq["batch_id"])

    assert (result.status, result.version) == ("published", "v0002")


def test_a_run_builds_its_gates_data_docs_once_and_a_refusal_names_the_built_page(live, monkeypatch):
    """
    GIVEN v0001 of measure_values is live
    WHEN one run gates two candidates (the table twice), and then a run gates a defective one
    THEN the Data Docs are built once per run, after its gates (not once per gate: about 0.3 s each), and the
         refusal names the index page, which is there when GateFailed reaches the caller
    """
    from publish.gx_project import Project

    built = []
    real_build = Project.build_docs

    def counting(self):
        built.append(self.docs_index())
        return real_build(self)

    monkeypatch.setattr(Project, "build_docs", counting)
    index = live.work_dir / "gx" / "uncommitted" / "data_docs" / "local_site" / "index.html"
    assert [r.status for r in publish([TABLE, TABLE])] == ["unchanged", "unchanged"]
    assert built == [index]

    index.unlink()
    tamper_with(monkeypatch, percent_130)
    with pytest.raises(GateFailed) as caught:
        publish([TABLE])
    assert len(built) == 2
    assert caught.value.docs_path == str(index) and index.is_file()
