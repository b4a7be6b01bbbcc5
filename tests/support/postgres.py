"""A real PostgreSQL server for the tests, started in a temporary directory on 127.0.0.1.

It uses the server binaries of the machine's PostgreSQL package (`.ci/run` installs it); as root the
server runs as the `postgres` user, since PostgreSQL refuses to run as root. DOSSIER_TEST_DATABASE_URL
points the tests at an existing server instead.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from pathlib import Path

USER = "dossier"


def _binary(name: str) -> str:
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)
    found = candidates[0] if candidates else shutil.which(name)
    if not found:
        raise RuntimeError(
            f"PostgreSQL's {name} was not found: install the server (apt-get install postgresql), "
            "as .ci/run does, or set DOSSIER_TEST_DATABASE_URL"
        )
    return found


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class PostgresServer:
    """initdb + pg_ctl in a temporary directory; `url(name)` gives a fresh database."""

    def __init__(self) -> None:
        self.directory = Path(tempfile.mkdtemp(prefix="dossier-pg-"))
        self.data = self.directory / "data"
        self.port = _free_port()
        self._as = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []

    def _run(self, *command: str) -> None:
        subprocess.run([*self._as, *command], check=True, capture_output=True, timeout=120)

    def start(self) -> PostgresServer:
        if self._as:
            shutil.chown(self.directory, "postgres")
        self._run(
            _binary("initdb"), "-D", str(self.data), "-U", USER, "--auth=trust", "--no-sync", "-E", "UTF8"
        )
        options = f"-c listen_addresses=127.0.0.1 -c port={self.port} -c unix_socket_directories={self.directory} -c fsync=off"
        self._run(
            _binary("pg_ctl"),
            "-D",
            str(self.data),
            "-o",
            options,
            "-l",
            str(self.directory / "log"),
            "-w",
            "start",
        )
        return self

    def stop(self) -> None:
        subprocess.run(
            [*self._as, _binary("pg_ctl"), "-D", str(self.data), "-m", "fast", "stop"],
            capture_output=True,
            timeout=60,
        )
        shutil.rmtree(self.directory, ignore_errors=True)

    @property
    def base_url(self) -> str:
        return f"postgresql://{USER}@127.0.0.1:{self.port}"

    def url(self, name: str | None = None) -> str:
        """A new, empty database on this server."""
        return create_database(self.base_url, name)


def create_database(base_url: str, name: str | None = None) -> str:
    """CREATE DATABASE on the server at base_url (postgresql://user@host:port); returns its URL."""
    import psycopg

    name = name or f"test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(f"{base_url}/postgres", autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    return f"{base_url}/{name}"
