"""A real SFTP server on loopback for the pull tests: ``asyncssh``, public-key authentication only, chrooted to a
folder, on its own event loop in a thread. Stoppable and restartable on the same port (a server that goes down)."""

from __future__ import annotations

import asyncio
import json
import threading
from pathlib import Path

import asyncssh

USER = "council"


class SftpServer:
    def __init__(self, root: Path, port: int):
        self.root, self.port = root, port
        self.host_key = asyncssh.generate_private_key("ssh-ed25519")
        self.client_key = asyncssh.generate_private_key("ssh-ed25519")
        self.loop = asyncio.new_event_loop()
        threading.Thread(target=self.loop.run_forever, daemon=True).start()
        self._server = None

    def start(self) -> SftpServer:
        self.root.mkdir(parents=True, exist_ok=True)
        authorized = asyncssh.import_authorized_keys(self.client_key.export_public_key().decode())

        async def listen():
            return await asyncssh.listen(
                "127.0.0.1", self.port, server_host_keys=[self.host_key], authorized_client_keys=authorized,
                sftp_factory=lambda chan: asyncssh.SFTPServer(chan, chroot=str(self.root)), allow_scp=False,
                password_auth=False, kbdint_auth=False)

        self._server = asyncio.run_coroutine_threadsafe(listen(), self.loop).result(10)
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            asyncio.run_coroutine_threadsafe(self._server.wait_closed(), self.loop).result(10)
            self._server = None

    def close(self) -> None:
        self.stop()
        self.loop.call_soon_threadsafe(self.loop.stop)

    def connection_json(self, key: asyncssh.SSHKey | None = None) -> str:
        """An Airflow ``sftp`` connection (JSON, for ``AIRFLOW_CONN_<ID>``): key auth, the host key pinned."""
        private = (key or self.client_key).export_private_key("openssh").decode()
        return json.dumps({"conn_type": "sftp", "host": "127.0.0.1", "port": self.port, "login": USER,
                           "extra": {"private_key": private,
                                     "host_key": self.host_key.export_public_key().decode().strip(),
                                     "conn_timeout": 5}})
