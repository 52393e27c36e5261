"""The read-only partner API over real HTTP on loopback (uvicorn in its own process): the whole access matrix of
partners, tables, versions and formats, with no token, a revoked one, an expired one and an expired agreement;
OpenAPI docs; and an access log that never holds a token."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import httpx
import pyarrow.parquet as pq
import pytest
import yaml

from publish import store
from publish.run import publish
from share.agreements import load_checked
from share.deliver import deliver, deliver_all
from share.tokens import issue, revoke
from tests.share.conftest import APRIL, build_published

REPO = Path(__file__).resolve().parents[2]
TABLES = ["measure_values", "ed_four_hour_performance"]
FORMATS = ["csv", "parquet", "json"]
VERSIONS = [None, "v0001", "v0002"]
DELIVERED_ON = dt.date(2026, 6, 1)  # the voluntary sector's agreement was in force then; it expired 2026-11-30


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """Deliveries v0001 to every partner and v0002 to those whose ED rows changed, a token per partner plus a
    revoked and an expired one, and the API served by uvicorn on a free loopback port."""
    root = tmp_path_factory.mktemp("api")
    agreements = root / "agreements"
    shutil.copytree(REPO / "agreements", agreements)
    voluntary = yaml.safe_load((agreements / "voluntary_sector.yaml").read_text())
    (agreements / "voluntary_sector.yaml").write_text(yaml.safe_dump({**voluntary, "expiry": "2026-11-30"}))
    settings = build_published(root / "work", agreements)
    deliver_all(settings, DELIVERED_ON)
    with duckdb.connect(str(settings.warehouse_path)) as con:
        con.execute("insert into marts.ed_four_hour_performance values ('RLQ', ?, '2', 220, 150, 68.2)", [APRIL[0]])
    publish(["ed_four_hour_performance"], settings)
    for partner in ("icb", "wye_valley", "worcestershire_acute"):  # those granted the ED table
        deliver(partner, settings, DELIVERED_ON)
    partners = sorted(load_checked(settings))
    tokens = {p: issue(settings, p) for p in partners}
    revoked = issue(settings, "wye_valley")
    revoke(settings, revoked.split(".")[0])
    expired = issue(settings, "wye_valley", days=1, now=dt.datetime.now(dt.UTC) - dt.timedelta(days=2))
    port = free_port()
    env = {**os.environ, "OUTCOMES_WORK_DIR": str(settings.work_dir), "OUTCOMES_AGREEMENTS_DIR": str(agreements),
           "PYTHONPATH": str(REPO)}
    process = subprocess.Popen([sys.executable, "-m", "uvicorn", "share.api:create_app", "--factory", "--host",
                                "127.0.0.1", "--port", str(port), "--log-level", "warning"], env=env, cwd=REPO)
    client = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30)
    deadline = time.monotonic() + 60
    while True:
        try:
            if client.get("/health").status_code == 200:
                break
        except httpx.TransportError:
            assert process.poll() is None and time.monotonic() < deadline, "the API did not start"
            time.sleep(0.1)
    yield settings, client, tokens, {"revoked": revoked, "expired": expired}
    client.close()
    process.terminate()
    process.wait(timeout=30)


def expected_status(settings, agreements, partner: str, table: str, version: str | None, fmt: str) -> int:
    agreement = agreements[partner]
    if not agreement.active_on(dt.date.today()):
        return 403
    if agreement.grant(table) is None or fmt not in agreement.formats:
        return 403
    if version is not None and version not in store.versions(settings.deliveries_dir, partner):
        return 404
    return 200


def test_every_partner_table_version_and_format_gets_what_its_agreement_says(server):
    """
    GIVEN eight partners' deliveries (three with a v0002) and a token for each
    WHEN each partner asks for every table, at every version (current, v0001, v0002) and in every format
    THEN the status is 200 exactly when the agreement is in force and allows the table and the format and the
         version exists for that partner (403 outside the agreement, 404 for a version it never had), and a 200
         body is that partner's own delivered file byte for byte (CSV, Parquet) or its rows (JSON)
    """
    settings, client, tokens, _ = server
    agreements = load_checked(settings)
    seen = {200: 0, 403: 0, 404: 0}
    for partner, token in tokens.items():
        for table, version, fmt in ((t, v, f) for t in TABLES for v in VERSIONS for f in FORMATS):
            params = {"format": fmt, **({"version": version} if version else {})}
            response = client.get(f"/v1/tables/{table}", params=params, headers={"Authorization": f"Bearer {token}"})
            want = expected_status(settings, agreements, partner, table, version, fmt)
            assert response.status_code == want, (partner, table, version, fmt, response.text)
            seen[want] += 1
            if want != 200:
                continue
            folder = store.live(settings.deliveries_dir, partner).path if version is None else \
                settings.deliveries_dir / partner / version
            if fmt == "json":
                body = response.json()
                assert body["version"] == folder.name
                assert body["rows"] == json.loads(json.dumps(pq.read_table(folder / f"{table}.parquet").to_pylist(),
                                                             default=str))
            else:
                assert response.content == (folder / f"{table}.{fmt}").read_bytes()
    assert seen[200] > 40 and seen[403] > 40 and seen[404] > 10


def test_no_revoked_or_expired_token_and_an_expired_agreement_are_refused_with_the_reason(server):
    """GIVEN no token, a malformed one, a revoked one, an expired one, and a valid token of a partner whose
    agreement expired WHEN each asks for its agreement THEN the first four get 401 and the last 403 naming the
    expiry."""
    _, client, tokens, bad = server
    assert client.get("/v1/agreement").status_code == 401
    for token in ("nonsense", bad["revoked"], bad["expired"], tokens["wye_valley"] + "x"):
        response = client.get("/v1/agreement", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401, token
    expired = client.get("/v1/agreement", headers={"Authorization": f"Bearer {tokens['voluntary_sector']}"})
    assert expired.status_code == 403 and "expired on 2026-11-30" in expired.json()["detail"]


def test_a_partner_lists_its_agreement_and_reads_its_manifest_and_dictionary(server):
    """GIVEN the ICB's token WHEN it asks what its agreement allows, for v0001's manifest and the current
    dictionary THEN it sees its tables, areas, formats and both versions; v0001's manifest is the file on disk;
    the dictionary describes the measures from the registry; and /openapi.json and /docs describe the routes."""
    settings, client, tokens, _ = server
    headers = {"Authorization": f"Bearer {tokens['icb']}"}

    allowed = client.get("/v1/agreement", headers=headers).json()
    manifest = client.get("/v1/manifest", params={"version": "v0001"}, headers=headers).json()
    words = client.get("/v1/dictionary", headers=headers).json()

    assert allowed["agreement_id"] == "DSA-HW-001" and allowed["areas"] == ["all"]
    assert allowed["versions"] == ["v0001", "v0002"] and allowed["current_version"] == "v0002"
    assert manifest == json.loads((settings.deliveries_dir / "icb" / "v0001" / "manifest.json").read_text())
    assert {w["name"] for w in words if w["kind"] == "measure"} == {"ed_4h_all_types", "rtt_over_52_weeks"}
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/v1/agreement", "/v1/manifest", "/v1/dictionary", "/v1/tables/{table}"} <= set(paths)
    assert client.get("/docs").status_code == 200


def test_the_access_log_says_who_what_when_and_the_outcome_without_the_token(server):
    """GIVEN the requests above (any order) and one more refused for a table outside Wye Valley's agreement
    WHEN the access log is read THEN that request is there with the partner, path, status and outcome, and no
    token secret appears anywhere in the log."""
    settings, client, tokens, bad = server
    client.get("/v1/tables/ed_four_hour_performance", headers={"Authorization": f"Bearer {tokens['voluntary_sector']}"})
    client.get("/v1/tables/nope", headers={"Authorization": f"Bearer {tokens['wye_valley']}"})

    text = (settings.partners_dir / "access.jsonl").read_text()
    entries = [json.loads(line) for line in io.StringIO(text)]
    assert any(e["partner"] == "wye_valley" and e["path"] == "/v1/tables/nope" and e["status"] == 403
               and e["outcome"] == "forbidden" and e["when"] for e in entries)
    secrets_ = [t.split(".", 1)[1] for t in [*tokens.values(), *bad.values()]]
    assert not any(secret in text for secret in secrets_)
