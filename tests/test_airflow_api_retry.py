"""outcomes.airflow_local.api: a GET or PATCH the embedded SQLite database refused while locked (HTTP 500), or that
was not answered in time, is sent again; a POST never; a client error or a refused connection never."""

from __future__ import annotations

import http.server
import json
import socket
import threading
import time
import urllib.error

import pytest

from outcomes.airflow_local import api
from outcomes.airflow_local.api import ATTEMPTS, api_get, api_send
from outcomes.airflow_local.processes import Handle

SLOW = "slow"  # an answer given only after the client's wait (api.TIMEOUT_SECONDS, made short by the tests)


class Server(http.server.ThreadingHTTPServer):
    def __init__(self, answers: list[int | str]):
        self.answers, self.seen = list(answers), []
        super().__init__(("127.0.0.1", 0), Handler)


class Handler(http.server.BaseHTTPRequestHandler):
    def _answer(self) -> None:
        server = self.server
        server.seen.append((self.command, self.path))
        code = server.answers.pop(0) if server.answers else 200
        if code == SLOW:
            time.sleep(api.TIMEOUT_SECONDS * 3)
            code = 200
        body = json.dumps({"is_paused": False} if code == 200 else {"detail": "database is locked"}).encode()
        try:
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # a slow answer's client has stopped waiting

    do_GET = do_PATCH = do_POST = _answer

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def serve(monkeypatch):
    monkeypatch.setattr(api, "TIMEOUT_SECONDS", 0.3)
    servers = []

    def start(answers: list[int]) -> tuple[Server, Handle]:
        server = Server(answers)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return server, Handle(port=server.server_address[1])

    yield start
    for server in servers:
        server.shutdown()


def test_a_patch_refused_while_the_database_is_locked_is_sent_again(serve):
    """GIVEN an API that answers 500 twice, then 200
    WHEN a DAG is unpaused (a PATCH) THEN it is sent three times, waiting 1 s then 2 s, and its answer returned."""
    server, handle = serve([500, 500])
    waits: list[float] = []
    assert api_send(handle, "/api/v2/dags/late_feeds", {"is_paused": False}, sleep=waits.append) == {
        "is_paused": False}
    assert server.seen == [("PATCH", "/api/v2/dags/late_feeds")] * 3
    assert waits == [1, 2]


def test_a_patch_gives_up_after_its_attempts_and_a_post_or_a_client_error_is_never_sent_again(serve):
    """GIVEN an API that answers 500 every time, and one that answers 404
    WHEN a PATCH and a POST are sent THEN the PATCH raises after ATTEMPTS sends, the POST after one; the 404
    raises at once."""
    server, handle = serve([500] * 10)
    with pytest.raises(urllib.error.HTTPError, match="500"):
        api_send(handle, "/api/v2/dags/x", {}, sleep=lambda s: None)
    assert len(server.seen) == ATTEMPTS
    with pytest.raises(urllib.error.HTTPError, match="500"):
        api_send(handle, "/api/v2/dags/x/dagRuns", {}, method="POST", sleep=lambda s: None)
    assert len(server.seen) == ATTEMPTS + 1

    missing, handle = serve([404])
    with pytest.raises(urllib.error.HTTPError, match="404"):
        api_send(handle, "/api/v2/dags/nope", {}, sleep=lambda s: None)
    assert len(missing.seen) == 1


def test_a_get_refused_while_the_database_is_locked_or_not_answered_in_time_is_sent_again(serve):
    """GIVEN an API that answers 500, then nothing in time, then 200
    WHEN the DAG runs are read (a GET) THEN it is sent three times, waiting 1 s then 2 s, and its answer returned."""
    server, handle = serve([500, SLOW])
    waits: list[float] = []
    assert api_get(handle, "/api/v2/dags/publish/dagRuns", sleep=waits.append, limit=100) == {"is_paused": False}
    assert server.seen == [("GET", "/api/v2/dags/publish/dagRuns?limit=100")] * 3
    assert waits == [1, 2]


def test_a_get_gives_up_after_its_attempts_a_post_not_answered_is_not_sent_again_and_no_server_fails_at_once(serve):
    """GIVEN an API that never answers in time, and a port nothing listens on
    WHEN a GET and a POST are sent to the first and a GET to the second
    THEN the GET raises after ATTEMPTS sends, the POST after one, the refused connection at once."""
    server, handle = serve([SLOW] * (ATTEMPTS + 1))
    with pytest.raises(TimeoutError):
        api_get(handle, "/api/v2/monitor/health", sleep=lambda s: None)
    assert len(server.seen) == ATTEMPTS
    with pytest.raises((TimeoutError, urllib.error.URLError)):
        api_send(handle, "/api/v2/dags/x/dagRuns", {}, method="POST", sleep=lambda s: None)
    assert len(server.seen) == ATTEMPTS + 1

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed when the block ends: nothing listens there
    waits: list[float] = []
    with pytest.raises(urllib.error.URLError, match="refused"):
        api_get(Handle(port=port), "/api/v2/monitor/health", sleep=waits.append)
    assert waits == []
