"""The read-only partner API (FastAPI, served by uvicorn: ``outcomes serve``).

Every data route needs ``Authorization: Bearer <token>`` (share/tokens.py): 401 without a valid, unrevoked,
unexpired token; 403 when the partner's agreement is not in force, or for a table or format outside it; 404 for
a version that does not exist. A partner only ever reads its own deliveries (``deliveries/<partner>/``): no route
takes a partner name. Each request is logged (who, what, when, outcome) to ``partners/access.jsonl``, never with
the token. ``/docs`` and ``/openapi.json`` describe the routes; ``/health`` answers without a token.

(No ``from __future__ import annotations`` here: FastAPI resolves the routes' annotated dependencies at run time.)
"""


import datetime as dt
import json
import re
from pathlib import Path
from typing import Annotated, Literal

import pyarrow.parquet as pq
from fastapi import Depends, FastAPI, HTTPException, Query, Request
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from config.agreements import Agreement
from config.settings import Settings, get_settings
from publish import store
from share.agreements import load_checked, standing
from share.tokens import authenticate

VERSION = re.compile(r"^v\d{4,}$")
MEDIA = {"csv": "text/csv; charset=utf-8", "parquet": "application/vnd.apache.parquet"}


class Partner:
    """The caller, once authenticated, with the agreement in force."""

    def __init__(self, name: str, token_id: str, agreement: Agreement) -> None:
        self.name, self.token_id, self.agreement = name, token_id, agreement


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    app = FastAPI(title="Shared outcomes: partner API", version="1",
                  description="Read-only access to the deliveries a partner's data-sharing agreement allows.")
    bearer = HTTPBearer(auto_error=False)
    agreements = _AgreementCache(settings)

    @app.middleware("http")
    async def access_log(request: Request, call_next):
        response = await call_next(request)
        entry = {"when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                 "partner": getattr(request.state, "partner", None), "token_id": getattr(request.state, "token", None),
                 "method": request.method, "path": request.url.path, "query": str(request.url.query),
                 "status": response.status_code, "outcome": _outcome(response.status_code)}
        settings.partners_dir.mkdir(parents=True, exist_ok=True)
        with open(settings.partners_dir / "access.jsonl", "a", encoding="utf-8") as log:
            log.write(json.dumps(entry) + "\n")
        return response

    def caller(request: Request,
               credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]) -> Partner:
        if credentials is None:
            raise HTTPException(401, "a bearer token is required", headers={"WWW-Authenticate": "Bearer"})
        record, state = authenticate(settings, credentials.credentials)
        if record is None or state != "active":
            raise HTTPException(401, f"token {state}", headers={"WWW-Authenticate": "Bearer"})
        request.state.partner, request.state.token = record.partner, record.token_id
        judged = standing(record.partner, agreements.current(), dt.date.today(), settings)
        if not judged.in_force:
            raise HTTPException(403, judged.reason)
        return Partner(record.partner, record.token_id, judged.agreement)

    Caller = Annotated[Partner, Depends(caller)]
    VersionQuery = Annotated[str | None, Query(description="a delivery version, e.g. v0002 (default: current)")]

    def folder(partner: Partner, version: str | None) -> Path:
        root = settings.deliveries_dir / partner.name
        if version is None:
            live = store.live(settings.deliveries_dir, partner.name)
            if live is None:
                raise HTTPException(404, "nothing has been delivered yet")
            return live.path
        if not VERSION.match(version) or version not in store.versions(settings.deliveries_dir, partner.name):
            raise HTTPException(404, f"no delivery version {version!r}")
        return root / version

    @app.get("/health", include_in_schema=False)
    def health() -> dict:
        return {"status": "ok"}

    @app.get("/v1/agreement", summary="What my agreement allows, and my delivery versions")
    def agreement(partner: Caller) -> dict:
        a = partner.agreement
        live = store.live(settings.deliveries_dir, partner.name)
        return {"partner": a.partner, "partner_name": a.partner_name, "agreement_id": a.agreement_id,
                "agreement_version": a.version, "purpose": a.purpose, "legal_basis": a.legal_basis,
                "tables": [g.model_dump() for g in a.tables], "areas": a.areas, "formats": a.formats,
                "start": str(a.start), "expiry": str(a.expiry), "profile": a.profile,
                "current_version": live.version if live else None,
                "versions": store.versions(settings.deliveries_dir, partner.name)}

    @app.get("/v1/manifest", summary="A delivery's manifest (checksums, row counts, gate, sources)")
    def manifest(partner: Caller, version: VersionQuery = None) -> JSONResponse:
        return JSONResponse(json.loads((folder(partner, version) / store.MANIFEST).read_text(encoding="utf-8")))

    @app.get("/v1/dictionary", summary="A delivery's data dictionary, from the measure registry")
    def dictionary(partner: Caller, version: VersionQuery = None) -> JSONResponse:
        return JSONResponse(json.loads((folder(partner, version) / "dictionary.json").read_text(encoding="utf-8")))

    @app.get("/v1/tables/{table}", summary="A table of a delivery as CSV, Parquet or JSON")
    def table(table: str, partner: Caller, version: VersionQuery = None,
              format: Literal["csv", "parquet", "json"] = "csv") -> Response:  # noqa: A002 - the query's name
        if partner.agreement.grant(table) is None:
            raise HTTPException(403, f"table {table!r} is not in agreement {partner.agreement.agreement_id}")
        if format not in partner.agreement.formats:
            raise HTTPException(403, f"format {format!r} is not in agreement {partner.agreement.agreement_id} "
                                     f"(agreed: {', '.join(partner.agreement.formats)})")
        where = folder(partner, version)
        path = where / f"{table}.{'parquet' if format == 'json' else format}"
        if not path.is_file():
            raise HTTPException(404, f"table {table!r} is not in delivery {where.name}")
        if format == "json":
            rows = pq.read_table(path).to_pylist()
            return Response(json.dumps({"table": table, "version": where.name, "rows": rows}, default=str),
                            media_type="application/json")
        return FileResponse(path, media_type=MEDIA[format], filename=f"{table}_{where.name}.{format}")

    return app


class _AgreementCache:
    """The checked agreements, reloaded whenever a file in the agreements folder changes (checked per request by
    listing the folder: an edited, added or removed agreement takes effect on the next request)."""

    def __init__(self, settings: Settings) -> None:
        self.settings, self.key, self.agreements = settings, None, {}

    def current(self) -> dict[str, Agreement]:
        folder = self.settings.agreements_dir
        key = tuple(sorted((p.name, p.stat().st_mtime_ns) for p in folder.glob("*.yaml")))
        if key != self.key:
            self.agreements, self.key = load_checked(self.settings), key
        return self.agreements


def _outcome(status: int) -> str:
    return {401: "unauthenticated", 403: "forbidden", 404: "not found"}.get(status, "ok" if status < 400 else "error")
