"""Settings: the identifiable zone's root, the archive retention, and where the pseudonymisation key comes from."""

from __future__ import annotations

import json

import pytest

from config.settings import KEY_AIRFLOW_ID, SettingsError, get_pseudonym_key, get_settings

KEY_VARS = ("OUTCOMES_PSEUDONYM_KEY", "AIRFLOW_VAR_OUTCOMES_PSEUDONYM_KEY", "AIRFLOW_CONN_OUTCOMES_PSEUDONYM_KEY")


@pytest.fixture
def work(tmp_path, monkeypatch):
    monkeypatch.setenv("OUTCOMES_WORK_DIR", str(tmp_path / "work"))
    for name in ("OUTCOMES_IDENTIFIABLE_DIR", "OUTCOMES_ARCHIVE_RETENTION_DAYS"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path / "work"


def test_the_zone_defaults_to_a_folder_of_the_working_folder_holding_landing_inbox_and_archive(work):
    s = get_settings()
    assert s.identifiable_dir == work / "identifiable"
    assert [s.landing_dir, s.inbox_dir, s.archive_dir] == [work / "identifiable" / n for n in
                                                          ("landing", "inbox", "archive")]
    assert s.archive_retention_days == 30


def test_the_zone_moves_alone(work, tmp_path, monkeypatch):
    """GIVEN OUTCOMES_IDENTIFIABLE_DIR elsewhere WHEN settings are built THEN landing, inbox and archive move
    there and the lake, warehouse and publications stay in the working folder."""
    default = get_settings()
    monkeypatch.setenv("OUTCOMES_IDENTIFIABLE_DIR", str(tmp_path / "restricted"))
    moved = get_settings()
    assert [p.parent for p in (moved.landing_dir, moved.inbox_dir, moved.archive_dir)] == [tmp_path / "restricted"] * 3
    assert (moved.lake_dir, moved.warehouse_path, moved.publications_dir, moved.ledger_dir) == (
        default.lake_dir, default.warehouse_path, default.publications_dir, default.ledger_dir)


@pytest.mark.parametrize("where", ["work", "", "work/lake", "work/lake/raw/zone", "work/warehouse",
                                   "work/publications"])
def test_a_zone_that_overlaps_the_pseudonymised_data_is_refused(work, tmp_path, monkeypatch, where):
    monkeypatch.setenv("OUTCOMES_IDENTIFIABLE_DIR", str(tmp_path / where))
    with pytest.raises(SettingsError, match="OUTCOMES_IDENTIFIABLE_DIR=.* overlaps the .*a folder of its own"):
        get_settings()


@pytest.mark.parametrize("value", ["abc", "0", "-3", "2.5", "30 days"])
def test_a_bad_retention_is_refused_naming_the_variable_and_value(work, monkeypatch, value):
    monkeypatch.setenv("OUTCOMES_ARCHIVE_RETENTION_DAYS", value)
    with pytest.raises(SettingsError, match="OUTCOMES_ARCHIVE_RETENTION_DAYS must be a whole number of days, "
                                            f"at least 1: got '?{value}'?"):
        get_settings()


def test_a_retention_in_days_is_read(work, monkeypatch):
    monkeypatch.setenv("OUTCOMES_ARCHIVE_RETENTION_DAYS", " 7 ")
    assert get_settings().archive_retention_days == 7


# ---- the pseudonymisation key ------------------------------------------------------------------------------

@pytest.fixture
def no_key(monkeypatch, tmp_path):
    """GIVEN no key anywhere (environment, Airflow variable, Airflow connection), Airflow's home in a temporary
    folder (Airflow makes its folders there when imported)."""
    for name in KEY_VARS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AIRFLOW_HOME", str(tmp_path / "airflow"))


def test_the_environment_comes_first(no_key, monkeypatch):
    monkeypatch.setenv("OUTCOMES_PSEUDONYM_KEY", "from-the-environment-0123")
    monkeypatch.setenv("AIRFLOW_VAR_OUTCOMES_PSEUDONYM_KEY", "from-an-airflow-variable-0123")
    assert get_pseudonym_key() == b"from-the-environment-0123"


def test_an_airflow_variable_through_the_secrets_backend(no_key, monkeypatch):
    """GIVEN the key only as an Airflow Variable (the environment-variables secrets backend)
    WHEN the key is asked for outside a task THEN Airflow's Variable supplies it."""
    monkeypatch.setenv("AIRFLOW_VAR_OUTCOMES_PSEUDONYM_KEY", "from-an-airflow-variable-0123")
    monkeypatch.setenv("AIRFLOW_CONN_OUTCOMES_PSEUDONYM_KEY",
                       json.dumps({"conn_type": "generic", "password": "from-a-connection-0123"}))
    assert get_pseudonym_key() == b"from-an-airflow-variable-0123"


def test_an_airflow_connection_password(no_key, monkeypatch):
    monkeypatch.setenv("AIRFLOW_CONN_OUTCOMES_PSEUDONYM_KEY",
                       json.dumps({"conn_type": "generic", "password": "from-a-connection-0123"}))
    assert get_pseudonym_key() == b"from-a-connection-0123"


def test_no_key_anywhere_names_every_place_to_set_it(no_key):
    with pytest.raises(SettingsError) as caught:
        get_pseudonym_key()
    message = str(caught.value)
    assert "OUTCOMES_PSEUDONYM_KEY" in message and "no key was found" in message
    assert f"Airflow Variable {KEY_AIRFLOW_ID!r}" in message and f"Airflow Connection {KEY_AIRFLOW_ID!r}" in message


def test_a_short_key_is_refused_saying_where_it_came_from_but_not_what_it_is(no_key, monkeypatch):
    monkeypatch.setenv("AIRFLOW_VAR_OUTCOMES_PSEUDONYM_KEY", "tiny-secret")
    with pytest.raises(SettingsError, match="Airflow Variable 'outcomes_pseudonym_key' is shorter than 16") as caught:
        get_pseudonym_key()
    assert "tiny-secret" not in str(caught.value)
