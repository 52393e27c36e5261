"""`outcomes tokens issue|revoke|list`: a token is printed once, only its hash is kept, and a revoked or unknown
one is refused."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from outcomes.cli import app


def cli(work: Path, *args: str):
    """The command run in this process (typer's runner), its working folder ``work``."""
    return CliRunner().invoke(app, list(args), env={"OUTCOMES_WORK_DIR": str(work)})


def test_issue_list_revoke_and_refuse(tmp_path):
    """
    GIVEN an empty working folder
    WHEN a token is issued for Wye Valley, the tokens listed, the token revoked and listed again, and a token asked
         for a partner with no agreement
    THEN the token is printed once as <id>.<secret>; the store holds its SHA-256, never the secret; the list shows
         it active then revoked, without secret or hash; and the unknown partner gets exit 1 with a one-line reason
    """
    issued = cli(tmp_path, "tokens", "issue", "wye_valley", "--days", "30")
    token_id, secret = issued.stdout.strip().split(".", 1)
    listed = cli(tmp_path, "tokens", "list")
    revoked = cli(tmp_path, "tokens", "revoke", token_id)
    again = cli(tmp_path, "tokens", "list")
    unknown = cli(tmp_path, "tokens", "issue", "nobody")

    assert issued.exit_code == 0 and len(secret) >= 40
    stored = (tmp_path / "partners" / "tokens.json").read_text()
    assert secret not in stored and json.loads(stored)[0]["partner"] == "wye_valley"
    assert token_id in listed.stdout and "active" in listed.stdout and secret not in listed.stdout
    assert json.loads(stored)[0]["sha256"] not in listed.stdout
    assert revoked.exit_code == 0 and "revoked" in again.stdout
    assert unknown.exit_code == 1 and "no data-sharing agreement for partner 'nobody'" in unknown.output
