"""outcomes.airflow_local.api.api_send: a PATCH the embedded SQLite database refused while locked (HTTP 500) is
sent again; a POST never; a client error never."""

from __future__ import annotations

import http.server
import json
import threading
import urllib.error

import pytest

from outcomes.airflow_local.api import PATCH_ATTEMPTS, api_send
from outcomes.airflow_local.processes import Handle


class Server(http.server.ThreadingHTTPServer):
    def __init__(self, answers: list[int]):
        self.answers, self.seen = list(answers), []
        super().__init__(("127.0.0.1", 0), Handler)


class Handler(http.server.BaseHTTPRequestHandler):
    def _answer(self) -> None:
        server = self.server
        server.seen.append((self.command, self.path))
        code = server.answers.pop(0) if server.answers else 200
        body = json.dumps({"is_paused": False} if code == 200 else {"detail": "database is locked"}).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_PATCH = do_POST = _answer

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def serve():
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
    WHEN a PATCH and a POST are sent THEN the PATCH raises after PATCH_ATTEMPTS sends, the POST after one; the 404
    raises at once."""
    server, handle = serve([500] * 10)
    with pytest.raises(urllib.error.HTTPError, match="500"):
        api_send(handle, "/api/v2/dags/x", {}, sleep=lambda s: None)
    assert len(server.seen) == PATCH_ATTEMPTS
    with pytest.raises(urllib.error.HTTPError, match="500"):
        api_send(handle, "/api/v2/dags/x/dagRuns", {}, method="POST", sleep=lambda s: None)
    assert len(server.seen) == PATCH_ATTEMPTS + 1

    missing, handle = serve([404])
    with pytest.raises(urllib.error.HTTPError, match="404"):
        api_send(handle, "/api/v2/dags/nope", {}, sleep=lambda s: None)
    assert len(missing.seen) == 1
