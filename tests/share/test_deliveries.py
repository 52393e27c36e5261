"""Per-partner deliveries built from the live publications: only the rows each agreement allows, with a manifest
that checks out, source batches from the ledger, refusals that say why, and nothing person-level in any file."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import json
import re
import shutil

import pandas as pd
import pyarrow.parquet as pq
import pytest
import yaml
from openpyxl import load_workbook

from lake.ledger import write_entry
from publish import store
from share import files
from share.agreements import load_checked
from share.deliver import deliver, deliver_all
from tests.share.conftest import build_published

TODAY = dt.date(2026, 12, 2)


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """Both marts published, four ledger rows, and a delivery to every partner of the repository's agreements."""
    settings = build_published(tmp_path_factory.mktemp("deliveries") / "work")
    for batch, feed, version, status in (("b1", "rwp_ecds", 1, "loaded"), ("b2", "rwp_ecds", 2, "loaded"),
                                         ("b3", "rlq_rtt", 1, "loaded"), ("b4", "rlq_ecds", 1, "rejected")):
        write_entry(settings, {"batch_id": batch, "feed_id": feed, "status": status, "version": version,
                               "declared_period": "2025-04-01", "claimed_at": f"2025-05-0{version}T00:00:00.000000Z"})
    results = {r.partner: r for r in deliver_all(settings, TODAY)}
    return settings, results


def rows(settings, partner, table="measure_values") -> pd.DataFrame:
    return pd.read_csv(settings.deliveries_dir / partner / "v0001" / f"{table}.csv", dtype=str,
                       keep_default_na=False)


def test_each_partner_receives_only_the_rows_its_agreement_allows(world):
    """
    GIVEN deliveries to every partner
    WHEN their CSV files are read
    THEN a council has only the system and its own place, a trust only the system and its own organisation and
         sites (and its own ED rows), the voluntary sector only the system, the ICB everything, and the measures
         are those each agreement lists
    """
    settings, results = world
    assert {r.status for r in results.values()} == {"delivered"}
    areas = {p: set(zip(rows(settings, p)["area_type"], rows(settings, p)["area_code"], strict=True))
             for p in results}
    assert areas["herefordshire_council"] == {("system", "QGH"), ("place", "E06000019")}
    assert areas["worcestershire_council"] == {("system", "QGH"), ("place", "E10000034")}
    assert areas["worcestershire_acute"] == {("system", "QGH"), ("organisation", "RWP"), ("site", "RWP50")}
    assert areas["wye_valley"] == {("system", "QGH"), ("organisation", "RLQ")}
    assert areas["voluntary_sector"] == {("system", "QGH")}
    assert len(areas["icb"]) == 6
    assert set(rows(settings, "wye_valley", "ed_four_hour_performance")["organisation_code"]) == {"RLQ"}
    assert set(rows(settings, "herefordshire_council")["measure_id"]) == {"ed_4h_all_types"}
    assert not (settings.deliveries_dir / "herefordshire_council" / "v0001" / "ed_four_hour_performance.csv").exists()


def test_the_manifest_checks_out_against_the_files_the_ledger_and_the_agreement(world):
    """
    GIVEN Wye Valley's delivery
    WHEN its manifest is read
    THEN every file's sha256 and size match, the row counts match the CSV files, the agreement id and version,
         the registry versions of the delivered measures, the gate result and the Parquet schema are recorded,
         and the source batches are the ledger's current batches of the measures' feeds (the superseded b1 and
         the rejected b4 are not)
    """
    settings, _ = world
    folder = settings.deliveries_dir / "wye_valley" / "v0001"
    manifest = json.loads((folder / "manifest.json").read_text())

    for name, entry in manifest["files"].items():
        assert entry == {"sha256": store.sha256(folder / name), "bytes": (folder / name).stat().st_size}, name
    assert set(manifest["files"]) == {"measure_values.csv", "measure_values.parquet", "ed_four_hour_performance.csv",
                                      "ed_four_hour_performance.parquet", "wye_valley.xlsx", "dictionary.json",
                                      "README.txt"}
    table = manifest["tables"]["measure_values"]
    parquet_rows = pq.read_table(folder / "measure_values.parquet").num_rows
    assert table["rows"] == len(rows(settings, "wye_valley")) == parquet_rows
    assert manifest["agreement"]["id"] == "DSA-HW-003" and manifest["agreement"]["version"] == 1
    assert manifest["registry_versions"] == {"ed_4h_all_types": 1, "rtt_over_52_weeks": 1}
    assert table["gate"]["success"] is True and table["publication_version"] == "v0001"
    assert [c["name"] for c in table["schema"]][-1] == "suppressed"
    fixture = {f"20240205T090000_{feed}_2025-04-01_v1_loaded" for feed in ("r1a_miu", "rlq_ecds", "rwp_rtt")}
    assert set(table["source_batches"]) == {"b2", "b3", *fixture}  # build_published's own deliveries, b1 and
    # its rwp_ecds v1 superseded by b2, its rlq_rtt by the later b3
    assert (settings.deliveries_dir / "wye_valley" / "LATEST").read_text().strip() == "v0001"


def test_the_workbook_has_a_readme_the_tables_and_a_dictionary_from_the_registry(world):
    """GIVEN the ICB's delivery WHEN its workbook is opened THEN the README sheet comes first and names the
    agreement, each table has its sheet with '*' for suppressed counts, and the dictionary describes each
    delivered measure from the registry."""
    settings, _ = world
    book = load_workbook(settings.deliveries_dir / "icb" / "v0001" / "icb.xlsx")

    assert book.sheetnames == ["README", "measure_values", "ed_four_hour_performance", "dictionary"]
    readme = {r[0]: r[1] for r in book["README"].iter_rows(values_only=True)}
    assert readme["agreement"] == "DSA-HW-001 version 1"
    values = list(book["measure_values"].iter_rows(values_only=True))
    header = values[0]
    rlq_rtt = next(r for r in values if r[0] == "rtt_over_52_weeks" and r[5] == "RLQ")
    assert rlq_rtt[header.index("numerator")] == "*"
    words = [r for r in book["dictionary"].iter_rows(values_only=True) if r[1] == "measure"]
    assert {r[2] for r in words} == {"ed_4h_all_types", "rtt_over_52_weeks"}
    assert any("Incomplete referral-to-treatment pathways waiting more than 52 weeks" in r[4] for r in words)


def test_a_stricter_agreement_is_rebuilt_under_its_profile_and_gated(world):
    """GIVEN Healthwatch's agreement asking for strict_10 WHEN its delivery's manifest is read THEN its tables
    went through strict_10, the gate ran again on them, and no delivered count is between 1 and 9."""
    settings, _ = world
    manifest = json.loads((settings.deliveries_dir / "healthwatch_herefordshire" / "v0001" /
                           "manifest.json").read_text())

    table = manifest["tables"]["measure_values"]
    assert table["profiles"] == ["strict_10"] and table["gate"]["rerun_under_profile"] == "strict_10"
    assert table["gate"]["success"] is True
    counts = rows(settings, "healthwatch_herefordshire")[["numerator", "denominator"]].stack()
    assert not counts[counts != "*"].astype(int).between(1, 9).any()


def test_a_rerun_with_nothing_new_is_unchanged(world, monkeypatch):
    """GIVEN Wye Valley's delivery v0001 WHEN it is delivered again with nothing new THEN it is unchanged, no version
    is added, and no workbook was written (the workbook is most of a delivery's time; the CSV files decide)."""
    settings, _ = world
    workbooks = []
    real = files.write_xlsx
    monkeypatch.setattr(files, "write_xlsx", lambda *args: workbooks.append(args[-1]) or real(*args))
    again = deliver("wye_valley", settings, TODAY)
    assert (again.status, again.version) == ("unchanged", "v0001")
    assert store.versions(settings.deliveries_dir, "wye_valley") == ["v0001"]
    assert workbooks == []


def test_an_expired_or_missing_agreement_delivers_nothing_and_says_why(world, tmp_path):
    """GIVEN a copy of the world whose Wye Valley agreement expired on 2026-11-30, and no agreement for 'nobody'
    WHEN each is delivered THEN both are refused with the reason, and no delivery folder is written."""
    settings, _ = world
    agreements = tmp_path / "agreements"
    shutil.copytree(settings.project_root / "agreements", agreements)
    data = yaml.safe_load((agreements / "wye_valley.yaml").read_text())
    (agreements / "wye_valley.yaml").write_text(yaml.safe_dump({**data, "expiry": "2026-11-30"}))
    fresh = dataclasses.replace(settings, work_dir=tmp_path / "work", agreements_root=agreements)
    shutil.copytree(settings.publications_dir, fresh.publications_dir)

    expired = deliver("wye_valley", fresh, TODAY)
    missing = deliver("nobody", fresh, TODAY, load_checked(fresh))

    assert expired.status == "refused" and "DSA-HW-003 version 1 expired on 2026-11-30" in expired.reason
    assert missing.status == "refused" and "no data-sharing agreement for partner 'nobody'" in missing.reason
    assert not fresh.deliveries_dir.exists()


PSEUDONYM = re.compile(r"\b[0-9a-f]{64}\b")
NHS_NUMBER = re.compile(r"\b\d{10}\b")
PERSONAL_COLUMNS = {"person_id", "nhs_number", "pseudonym", "date_of_birth", "postcode", "lsoa11_code", "comment",
                    "comments", "free_text", "notes"}


def delivered_text(folder) -> dict[str, str]:
    """Every delivered file as text, the manifest without its checksums."""
    texts = {}
    for path in folder.rglob("*"):
        if path.suffix in (".csv", ".txt") or path.name == "dictionary.json":
            texts[str(path)] = path.read_text(encoding="utf-8")
        elif path.suffix == ".parquet":
            texts[str(path)] = pq.read_table(path).to_pandas().to_csv(index=False)
        elif path.suffix == ".xlsx":
            book = load_workbook(path)
            texts[str(path)] = "\n".join(",".join("" if v is None else str(v) for v in row)
                                         for sheet in book for row in sheet.iter_rows(values_only=True))
        elif path.name == "manifest.json":
            manifest = json.loads(path.read_text())
            manifest.pop("files"), manifest.pop("content_sha256")
            texts[str(path)] = json.dumps(manifest)
    return texts


def test_no_delivered_file_holds_a_person_level_row_a_pseudonym_or_free_text(world):
    """
    GIVEN every partner's delivery
    WHEN each file is scanned (CSV, Parquet, XLSX, dictionary, README, manifest)
    THEN no column is a personal or free-text one, no value looks like a pseudonym (64 hex) or an NHS Number,
         and every row is an aggregate: each published count is '*', 0 or at least 10, so no row is one person
    """
    settings, results = world
    for partner in results:
        folder = settings.deliveries_dir / partner / "v0001"
        for name, text in delivered_text(folder).items():
            assert not PSEUDONYM.search(text) and not NHS_NUMBER.search(text), name
        for path in folder.glob("*.csv"):
            with open(path, newline="", encoding="utf-8") as handle:
                reader = csv.DictReader(handle)
                assert not PERSONAL_COLUMNS & set(reader.fieldnames), path
                for row in reader:
                    for col in ("numerator", "denominator", "attendances", "within_four_hours"):
                        cell = row.get(col)
                        assert cell is None or cell == "*" or cell == "0" or int(cell) >= 10, (path, row)
