"""Clean output passes its contract: header, code lists, patterns, types, ranges, NHS Numbers, LSOAs, rules."""

from __future__ import annotations

import re
from pathlib import Path

import nhs_number
import pandas as pd
import pytest
from conftest import CONTRACTS, ROOT, contract_of, feed_files

from config.contracts import Contract
from synth.feeds import registry
from synth.feeds.welsh_residents import serves_wales
from synth.geography import load_border_geography, load_geography

LSOAS = set(load_geography(ROOT / "reference").lsoas["lsoa_code"])
BORDER_LSOAS = set(load_border_geography(ROOT / "reference").lsoas["lsoa_code"])  # Wye Valley's Welsh residents


def _code_list(name: str) -> set[str]:
    return set(pd.read_csv(CONTRACTS / "reference" / f"{name}.csv", dtype=str)["code"])


def _parse(values: pd.Series, col, contract: Contract) -> pd.Series:
    """Typed values (NaN/NaT where empty); raises if a non-empty value does not parse."""
    present = values != ""
    if col.type in ("date", "timestamp"):
        if contract.file.format == "xlsx":
            parsed = pd.to_datetime(values.where(present), errors="raise")
        else:
            fmt = contract.file.date_format if col.type == "date" else contract.file.timestamp_format
            parsed = pd.to_datetime(values.where(present), format=fmt, errors="raise")
    elif col.type in ("integer", "decimal"):
        parsed = pd.to_numeric(values.where(present), errors="raise")
        if col.type == "integer":
            assert (parsed.dropna() % 1 == 0).all(), col.name
    elif col.type == "boolean":
        assert set(values[present]) <= {"Y", "N"}, (col.name, set(values[present]))
        parsed = values.where(present)
    else:
        parsed = values.where(present)
    return parsed


def contract_problems(df: pd.DataFrame, contract: Contract) -> list[str]:
    problems = []
    if list(df.columns) != contract.column_names:
        return [f"header {list(df.columns)} != {contract.column_names}"]
    typed = {}
    for col in contract.columns:
        values = df[col.name].astype(str).where(df[col.name] != "", "")
        present = values != ""
        if not col.nullable and not present.all():
            problems.append(f"{col.name}: {int((~present).sum())} empty values in a non-nullable column")
        v = values[present]
        allowed = set(col.codes or []) | (_code_list(col.code_list) if col.code_list else set())
        if allowed and not set(v) <= allowed:
            problems.append(f"{col.name}: values outside the code list {sorted(set(v) - allowed)[:5]}")
        if col.pattern and not v.str.fullmatch(col.pattern).all():
            misfits = list(v[~v.str.fullmatch(col.pattern)][:3])
            problems.append(f"{col.name}: values not matching {col.pattern}: {misfits}")
        if col.check == "nhs_number":
            bad = [x for x in set(v) if not nhs_number.is_valid(x)]
            if bad:
                problems.append(f"{col.name}: invalid NHS Numbers {bad[:3]}")
        allowed_lsoas = LSOAS | BORDER_LSOAS if serves_wales(contract.feed_id) else LSOAS
        if col.check == "lsoa" and not set(v) <= allowed_lsoas:
            problems.append(f"{col.name}: LSOAs outside the system's area {sorted(set(v) - allowed_lsoas)[:3]}")
        try:
            typed[col.name] = _parse(values, col, contract)
        except (ValueError, TypeError) as exc:
            problems.append(f"{col.name}: does not parse as {col.type}: {exc}")
            continue
        if col.min is not None and (typed[col.name].dropna() < col.min).any():
            problems.append(f"{col.name}: below {col.min}")
        if col.max is not None and (typed[col.name].dropna() > col.max).any():
            problems.append(f"{col.name}: above {col.max}")
        if col.not_future and (typed[col.name].dropna() > pd.Timestamp.now()).any():
            problems.append(f"{col.name}: dates in the future")
    for rule in contract.rules:
        m = re.fullmatch(r"\s*(\w+)\s*>=\s*(\w+)\s*", rule.sql)
        assert m, f"test understands only 'a >= b' rules, found {rule.sql!r}"
        a, b = typed.get(m.group(1)), typed.get(m.group(2))
        if a is not None and b is not None and ((a < b) & a.notna() & b.notna()).any():
            problems.append(f"rule {rule.id} broken on {int((a < b).sum())} rows")
    key = df[contract.primary_key]
    if key.duplicated().any():
        problems.append(f"primary key {contract.primary_key} duplicated on {int(key.duplicated().sum())} rows")
    return problems


def test_every_registered_feed_has_a_contract_and_files(clean_run, contracts):
    """GIVEN the generator's feed registry and the contracts folder
    WHEN a clean run of every feed is made
    THEN every feed has a contract named <org>_<feed>.yaml, every contract has a feed, and each feed wrote
    files into <ORG>/<feed>/ whose names match the contract's file pattern."""
    report, _ = clean_run
    assert set(registry()) == set(contracts)
    for feed_id, c in contracts.items():
        assert (CONTRACTS / f"{feed_id}.yaml").exists()
        files = feed_files(report, c)
        assert files, feed_id
        assert all(c.matches(p.name) for p in files)
    assert len(report.files) == sum(len(feed_files(report, c)) for c in contracts.values())


@pytest.mark.parametrize("feed_id", sorted(registry()))
def test_clean_output_passes_its_contract(clean_run, contracts, read, feed_id):
    """GIVEN a clean run (defects off)
    WHEN each file of the feed is read with the contract's format, delimiter and encoding
    THEN its header is the contract's column list in order and every value passes nullability, code lists,
    patterns, types with the declared formats, ranges, NHS Number and LSOA checks, not-future, the row rules
    and the primary key; and the truth file lists no defects."""
    report, truth = clean_run
    c = contracts[feed_id]
    assert truth["defects"] == []
    rows = 0
    for path in feed_files(report, c):
        df = read(path, c)
        assert contract_problems(df, c) == [], path.name
        rows += len(df)
    assert rows == report.rows_by_feed[feed_id]


def test_validator_catches_a_broken_file(clean_run, contracts, read):
    """GIVEN a clean ECDS file with one code changed, one date swapped and the header reordered
    WHEN the test's contract validator runs on it
    THEN it reports each problem (so the clean-output test above can fail)."""
    report, _ = clean_run
    c = contracts["rwp_ecds"]
    df = read(feed_files(report, c)[0], c)
    df.loc[0, "site_code"] = "X9Z99"
    df.loc[1, "departure_datetime"] = "2020-01-01 00:00:00"
    problems = contract_problems(df, c)
    assert any("site_code" in p for p in problems) and any("departure_not_before_arrival" in p for p in problems)
    assert contract_problems(df[list(reversed(df.columns))], c)[0].startswith("header")


def test_same_person_across_feeds(clean_run, contracts, read):
    """GIVEN the emergency care, admitted care and GP list files of a clean run
    WHEN NHS Numbers are compared
    THEN every person in an event feed is on the GP list with the same date of birth, and emergency admissions
    (method 21) match an ECDS attendance of the same person ending that day."""
    report, _ = clean_run
    gp = contracts["qgh_gp_list"]
    register = read(feed_files(report, gp)[0], gp).set_index("nhs_number")["date_of_birth"]
    ecds = pd.concat([read(p, contracts["rwp_ecds"]) for p in feed_files(report, contracts["rwp_ecds"])
                      if "_v2" not in p.name])
    assert ecds["nhs_number"].isin(register.index).all()
    assert (ecds["date_of_birth"].to_numpy() == register.loc[ecds["nhs_number"]].to_numpy()).all()
    apc = pd.concat([read(p, contracts["rwp_apc"]) for p in feed_files(report, contracts["rwp_apc"])])
    em = apc[apc["admission_method"] == "21"]
    left = set(zip(ecds["nhs_number"], ecds["departure_datetime"].str[:10], strict=True))
    assert len(em) > 50
    assert all((n, d) in left for n, d in zip(em["nhs_number"], em["admission_date"], strict=True))


def test_every_lsoa_is_one_of_the_480_or_a_welsh_border_one(default_run, contracts, read):
    """GIVEN every file of a default run (with defects) that has an lsoa_code column
    WHEN its LSOA values are collected
    THEN there are 480 allowed LSOAs of Herefordshire and Worcestershire, nearly all of them seen, and each other
    non-empty value is one of the 135 Welsh border LSOAs (in Wye Valley's feeds: tests/synth/test_synth_welsh*)."""
    report, truth = default_run
    assert len(LSOAS) == 480 and len(BORDER_LSOAS) == 135
    seen: set[str] = set()
    for path in report.files:
        c = contract_of(contracts, path)
        df = read(path, c, "windows-1252" if _is_1252(truth, report, path) else None)
        if "lsoa_code" in df.columns:
            seen |= set(df["lsoa_code"]) - {""}
    assert seen and seen <= LSOAS | BORDER_LSOAS, sorted(seen - LSOAS - BORDER_LSOAS)[:5]
    assert len(seen & LSOAS) > 400  # the population covers (nearly) every LSOA
    assert seen & BORDER_LSOAS


def _is_1252(truth, report, path: Path) -> bool:
    rel = str(path.relative_to(report.out_dir))
    return any(d["kind"] == "windows_1252" and d["file"] == rel for d in truth["defects"])
