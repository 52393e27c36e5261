"""A pulled file reaches landing whole or not at all, and contracts declare their sources strictly."""

from __future__ import annotations

import pytest
import yaml

from config.contracts import Contract, ContractError, load_contract
from config.settings import get_settings
from pull.landing import IncompleteDownload, land_stream, safe_name


def test_a_download_that_breaks_off_leaves_nothing_in_landing(tmp_path):
    """GIVEN a download that fails after its first chunk, and one shorter than the source said
    WHEN each is landed
    THEN the error propagates and landing holds no file, not even the temporary one"""
    def broken():
        yield b"attendance_id\n"
        raise ConnectionResetError("the server went away")

    landing = tmp_path / "zone" / "landing"
    with pytest.raises(ConnectionResetError):
        land_stream(broken(), landing, "RWP_ECDS_2025-04.csv", tmp_path / "zone")
    with pytest.raises(IncompleteDownload, match="14 bytes arrived, the source said 20"):
        land_stream([b"attendance_id\n"], landing, "RWP_ECDS_2025-04.csv", tmp_path / "zone", expected_size=20)
    assert list(landing.iterdir()) == []


@pytest.mark.parametrize("name", ["../escape.csv", ".hidden.csv", "_READY", "a/b.csv", ""])
def test_a_source_cannot_name_a_file_out_of_landing(name):
    with pytest.raises(ValueError, match="rwp_ecds: the source named a file"):
        safe_name(name, "rwp_ecds")


def _contract_with(source: dict, tmp_path, drop_period_in_name: bool = False) -> Contract:
    data = yaml.safe_load((get_settings().contracts_dir / "rwp_ecds.yaml").read_text())
    data["source"] = source
    if drop_period_in_name:
        data["delivery"].pop("period_in_name")
    path = tmp_path / "rwp_ecds.yaml"
    path.write_text(yaml.safe_dump(data))
    return load_contract(path)


@pytest.mark.parametrize(("source", "message"), [
    ({"kind": "sql", "connection": "c", "query": "select 1", "table": "t", "incremental_column": "d"},
     "either query or table"),
    ({"kind": "sql", "connection": "c", "table": "sus.ecds"}, "needs incremental_column"),
    ({"kind": "sql", "connection": "c", "table": "ecds; drop table x", "incremental_column": "d"}, "plain"),
    ({"kind": "sftp", "connection": "c", "remote_folder": "/out", "after": "delete"}, "after"),
    ({"kind": "mesh", "connection": "c", "mailbox": "X26ABC2"}, "workflow_id"),
    ({"kind": "ftp"}, "kind"),
])
def test_a_wrong_source_is_refused_naming_the_field(tmp_path, source, message):
    with pytest.raises(ContractError, match=message):
        _contract_with(source, tmp_path)


def test_a_sql_source_needs_the_period_in_the_file_name(tmp_path):
    source = {"kind": "sql", "connection": "c", "table": "sus.ecds", "incremental_column": "arrival_datetime"}
    assert _contract_with(source, tmp_path).source.kind == "sql"
    with pytest.raises(ContractError, match="declare delivery.period_in_name"):
        _contract_with(source, tmp_path, drop_period_in_name=True)


def test_folder_is_the_default_source(tmp_path):
    data = yaml.safe_load((get_settings().contracts_dir / "rlq_ecds.yaml").read_text())
    assert "source" not in data and Contract.model_validate(data).source.kind == "folder"
