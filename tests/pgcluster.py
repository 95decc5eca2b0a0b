"""A throw-away PostgreSQL cluster for the tests (initdb in a temporary folder, own port).

PostgreSQL refuses to run as root, so as root the cluster runs as an unprivileged user
(`pgtest`, created when missing). `BOT_TEST_DATABASE_URL` points the tests at a server of
one's own instead. When neither a server nor the binaries exist, the PostgreSQL tests are
skipped with the reason, never passed.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

USER = "pgtest"


def find_bindir() -> Path | None:
    """Return the folder holding initdb and pg_ctl, or None."""
    found = shutil.which("initdb")
    if found:
        return Path(found).parent
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), reverse=True)
    return Path(versions[0]).parent if versions else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _as_user(args: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return args
    return ["runuser", "-u", USER, "--", *args]


def _ensure_user() -> None:
    if os.geteuid() != 0:
        return
    if subprocess.run(["id", USER], capture_output=True).returncode != 0:
        subprocess.run(
            ["useradd", "-M", "-r", "-s", "/usr/sbin/nologin", USER],
            check=True,
            capture_output=True,
        )


@contextmanager
def cluster() -> Iterator[str]:
    """Yield the URL of a fresh cluster's `postgres` database; stop and remove it after."""
    bindir = find_bindir()
    if bindir is None:
        raise FileNotFoundError(
            "PostgreSQL is not installed (no initdb; `apt-get install postgresql`), and "
            "BOT_TEST_DATABASE_URL is not set"
        )
    _ensure_user()
    root = Path(tempfile.mkdtemp(prefix="pgtest-"))
    os.chmod(root, 0o700)
    if os.geteuid() == 0:
        shutil.chown(root, USER, USER)
    data, port = root / "data", _free_port()
    run = {"check": True, "capture_output": True, "cwd": "/"}
    try:
        subprocess.run(
            _as_user(
                [str(bindir / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres",
                 "--no-sync", "-E", "UTF8", "--locale=C"]
            ),
            **run,
        )  # fmt: skip
        options = (
            f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
        )
        subprocess.run(
            _as_user([str(bindir / "pg_ctl"), "-D", str(data), "-o", options,
                      "-l", str(root / "log"), "-w", "-t", "60", "start"]),
            **run,
        )  # fmt: skip
        try:
            yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
        finally:
            subprocess.run(
                _as_user([str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w",
                          "stop"]),
                capture_output=True,
                cwd="/",
            )  # fmt: skip
    finally:
        shutil.rmtree(root, ignore_errors=True)


def fresh_database(server_url: str) -> str:
    """Create an empty database on the server; return its URL."""
    import psycopg

    name = "t_" + uuid.uuid4().hex[:12]
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base, _, _ = server_url.rpartition("/")
    return f"{base}/{name}"
