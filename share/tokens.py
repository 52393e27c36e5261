"""Per-partner API tokens, stored only as hashes (``partners/tokens.json`` under the working folder).

A token is ``<token id>.<secret>``: the id names the record, the secret (32 random bytes, URL-safe) is shown
once when issued and never stored; the record keeps its SHA-256 (a high-entropy secret needs no slow hash). A
token is valid until its expiry or until it is revoked; revocation takes effect on the next request (the API
reads the file each time).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import secrets
from dataclasses import asdict, dataclass
from pathlib import Path

from config.settings import Settings
from publish import store

DEFAULT_DAYS = 90


@dataclass(frozen=True)
class TokenRecord:
    token_id: str
    partner: str
    sha256: str
    issued_at: str
    expires_at: str
    revoked_at: str | None = None

    def state(self, now: dt.datetime) -> str:
        if self.revoked_at:
            return "revoked"
        return "expired" if now >= dt.datetime.fromisoformat(self.expires_at) else "active"


def _path(settings: Settings) -> Path:
    return settings.partners_dir / "tokens.json"


def read_tokens(settings: Settings) -> list[TokenRecord]:
    path = _path(settings)
    if not path.is_file():
        return []
    return [TokenRecord(**record) for record in json.loads(path.read_text(encoding="utf-8"))]


def _save(settings: Settings, records: list[TokenRecord]) -> None:
    settings.partners_dir.mkdir(parents=True, exist_ok=True)
    store.write_json(_path(settings), [asdict(r) for r in records])


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def issue(settings: Settings, partner: str, days: int = DEFAULT_DAYS, now: dt.datetime | None = None) -> str:
    """A new token for ``partner``; the only time its secret exists outside the partner's hands."""
    now = now or dt.datetime.now(dt.UTC)
    token_id, secret = secrets.token_hex(4), secrets.token_urlsafe(32)
    record = TokenRecord(token_id=token_id, partner=partner, sha256=_digest(secret), issued_at=now.isoformat(),
                         expires_at=(now + dt.timedelta(days=days)).isoformat())
    with store.table_lock(settings.partners_dir, "tokens"):
        _save(settings, [*read_tokens(settings), record])
    return f"{token_id}.{secret}"


def revoke(settings: Settings, token_id: str, now: dt.datetime | None = None) -> TokenRecord:
    now = now or dt.datetime.now(dt.UTC)
    with store.table_lock(settings.partners_dir, "tokens"):
        records = read_tokens(settings)
        found = next((r for r in records if r.token_id == token_id), None)
        if found is None:
            raise KeyError(f"no token {token_id!r} (outcomes tokens list shows them)")
        revoked = TokenRecord(**{**asdict(found), "revoked_at": found.revoked_at or now.isoformat()})
        _save(settings, [revoked if r.token_id == token_id else r for r in records])
    return revoked


def authenticate(settings: Settings, token: str, now: dt.datetime | None = None) -> tuple[TokenRecord | None, str]:
    """(the record, "active") for a valid token; (record or None, why not) otherwise."""
    now = now or dt.datetime.now(dt.UTC)
    token_id, _, secret = token.partition(".")
    record = next((r for r in read_tokens(settings) if r.token_id == token_id), None)
    if record is None or not secret or not hmac.compare_digest(record.sha256, _digest(secret)):
        return None, "unknown token"
    return record, record.state(now)
