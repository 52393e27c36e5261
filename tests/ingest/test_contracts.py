"""Contracts: every shipped contract is valid, its code lists exist, and the dbt sources are generated from it."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from config.contracts import ContractError, load_contract, load_contracts
from config.settings import get_settings
from transform.sources import render_sources, sync

REPO = Path(__file__).resolve().parents[2]


def test_every_contract_is_valid_and_its_code_lists_exist():
    """GIVEN the repository's contracts WHEN loaded THEN each validates (every open-text column declares its
    free_text treatment; the Healthwatch comments are redacted) and each code list file exists."""
    contracts = load_contracts(REPO / "contracts")
    assert any(c.feed_id == "rwp_ecds" for c in contracts)
    redacted = {(c.feed_id, col.name) for c in contracts for col in c.columns if col.free_text == "redact"}
    assert redacted == {("hwherefs_feedback", "comment"), ("hwworcs_feedback", "comment")}
    for contract in contracts:
        for col in contract.columns:
            if col.code_list:
                assert (REPO / "contracts" / "reference" / f"{col.code_list}.csv").exists(), (contract.feed_id, col)


def test_committed_dbt_sources_match_the_contracts():
    """GIVEN the contracts WHEN the dbt sources are rendered THEN they equal the committed file
    (run `outcomes contracts sync` after changing a contract)."""
    assert sync(get_settings(), check=True)


def test_generated_sources_have_one_table_per_contract_with_treated_columns():
    contracts = load_contracts(REPO / "contracts")
    doc = yaml.safe_load(render_sources(contracts))
    raw = next(s for s in doc["sources"] if s["name"] == "raw")
    assert [t["name"] for t in raw["tables"]] == [c.feed_id for c in contracts]
    ecds = next(t for t in raw["tables"] if t["name"] == "rwp_ecds")
    names = [c["name"] for c in ecds["columns"]]
    assert "person_id" in names and "nhs_number" not in names and "date_of_birth" not in names
    assert {"age_years", "age_band", "_batch_id", "_period"} <= set(names)


def _column(contract: dict, name: str) -> dict:
    return next(c for c in contract["columns"] if c["name"] == name)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.update(colour="blue"), "colour"),
        (lambda d: d.update(primary_key=["no_such_column"]), "primary_key column 'no_such_column'"),
        (lambda d: d["period"].update(column="nowhere"), "period column 'nowhere'"),
        (lambda d: d.update(feed="ecds-v2"), "letters, digits and underscores"),
        (lambda d: _column(d, "attendance_id").pop("free_text"), "'attendance_id': open text .* declare free_text"),
        (lambda d: _column(d, "arrival_datetime").update(free_text="redact"), "applies to varchar columns only"),
        (lambda d: _column(d, "nhs_number").update(free_text="redact"), "personal .* or free_text .*, not both"),
        (lambda d: _column(d, "attendance_id").update(free_text="scrub"), "free_text"),
    ],
)
def test_invalid_contract_is_refused_naming_the_file_and_the_problem(tmp_path, change, message):
    """GIVEN a contract with a mistake WHEN loaded THEN ContractError names the file and what is wrong."""
    data = yaml.safe_load((REPO / "contracts" / "rwp_ecds.yaml").read_text())
    change(data)
    path = tmp_path / "broken.yaml"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(ContractError, match=message) as caught:
        load_contract(path)
    assert str(path) in str(caught.value)
