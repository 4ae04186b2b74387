"""A private PostgreSQL primary with a streaming hot standby, for the read-replica tests (never
the machine's own server on 5432).

`running_primary_and_standby()` initdb's a primary (wal_level=replica, WAL senders, replication
allowed from 127.0.0.1 without a password) on a free local port, starts it, copies it with
`pg_basebackup -R` (which writes the standby's primary_conninfo and standby.signal), starts the
standby on another free port, waits until it streams, and yields a `PrimaryAndStandby`.
Afterwards both are stopped and the folder removed, whatever happened. As root the servers run
as the `postgres` user (PostgreSQL refuses root), like tests/postgres18.py's.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest

from databases import IN_CI
from postgres18 import START_TIMEOUT_S, _free_port

BIN = Path("/usr/lib/postgresql/15/bin")
DATABASE = "asm_replicas"
SETTINGS = """
listen_addresses = '127.0.0.1'
wal_level = replica
max_wal_senders = 5
hot_standby = on
fsync = off
"""


def _unavailable(reason: str) -> None:
    message = f"cannot run a PostgreSQL primary and standby: {reason}"
    if IN_CI:
        pytest.fail(message + " (CI=true: the PostgreSQL 15 server binaries are expected in " + str(BIN) + ")",
                    pytrace=False)
    pytest.skip(message)


@dataclass
class PrimaryAndStandby:
    folder: Path
    user: str | None
    primary_port: int
    standby_port: int

    def url(self, port: int, database: str = DATABASE) -> str:
        return f"postgresql://postgres@127.0.0.1:{port}/{database}"

    @property
    def primary_url(self) -> str:
        return self.url(self.primary_port)

    @property
    def standby_url(self) -> str:
        return self.url(self.standby_port)

    def _pg_ctl(self, data: str, *args: str) -> None:
        _run(self.user, str(BIN / "pg_ctl"), "-D", str(self.folder / data), "-w", "-t", str(START_TIMEOUT_S),
             *args)

    def start(self, data: str, port: int) -> None:
        self._pg_ctl(data, "-o", f"-p {port} -k {self.folder}", "-l", str(self.folder / f"{data}.log"), "start")

    def stop(self, data: str, mode: str = "fast") -> None:
        self._pg_ctl(data, "-m", mode, "stop")

    def stop_standby(self) -> None:
        self.stop("standby")

    def start_standby(self) -> None:
        self.start("standby", self.standby_port)
        self.wait_streaming()

    def wait_streaming(self, timeout: float = START_TIMEOUT_S) -> None:
        """Until the primary sees the standby streaming and the standby accepts reads."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                with psycopg.connect(self.url(self.primary_port, "postgres"), autocommit=True) as conn:
                    row = conn.execute("SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'").fetchone()
                with psycopg.connect(self.url(self.standby_port, "postgres"), autocommit=True) as conn:
                    recovery = conn.execute("SELECT pg_is_in_recovery()").fetchone()
                if row and row[0] >= 1 and recovery and recovery[0]:
                    return
            except psycopg.OperationalError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError("the standby did not start streaming")
            time.sleep(0.1)

    def wait_replayed(self, timeout: float = 30.0) -> None:
        """Until the standby has replayed everything the primary has written so far."""
        with psycopg.connect(self.url(self.primary_port, "postgres"), autocommit=True) as primary:
            row = primary.execute("SELECT pg_current_wal_lsn()").fetchone()
        assert row is not None
        deadline = time.monotonic() + timeout
        with psycopg.connect(self.url(self.standby_port, "postgres"), autocommit=True) as standby:
            while True:
                done = standby.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", (row[0],)).fetchone()
                if done and done[0]:
                    return
                if time.monotonic() > deadline:
                    raise TimeoutError("the standby did not catch up")
                time.sleep(0.02)


def _run(user: str | None, *command: str) -> None:
    done = subprocess.run(command, user=user, capture_output=True, text=True, timeout=START_TIMEOUT_S + 30)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed ({done.returncode}): {done.stdout}{done.stderr}")


@contextlib.contextmanager
def running_primary_and_standby() -> Iterator[PrimaryAndStandby]:
    if not (BIN / "initdb").exists() or not (BIN / "pg_basebackup").exists():
        _unavailable(f"no initdb and pg_basebackup in {BIN}")
    user = None
    if os.geteuid() == 0:
        try:
            owner = pwd.getpwnam("postgres")
        except KeyError:
            _unavailable("running as root and there is no `postgres` user to run the servers as")
        user = "postgres"
    folder = Path(tempfile.mkdtemp(prefix="asm-standby-"))
    folder.chmod(0o755)
    if user is not None:
        os.chown(folder, owner.pw_uid, owner.pw_gid)
    pair = PrimaryAndStandby(folder, user, _free_port(), _free_port())
    started: list[str] = []
    try:
        _run(user, str(BIN / "initdb"), "-D", str(folder / "primary"), "-U", "postgres", "--auth=trust",
             "--encoding=UTF8", "--no-instructions")
        with open(folder / "primary" / "postgresql.conf", "a") as conf:
            conf.write(SETTINGS)
        with open(folder / "primary" / "pg_hba.conf", "a") as hba:
            hba.write("host replication all 127.0.0.1/32 trust\n")
        pair.start("primary", pair.primary_port)
        started.append("primary")
        with psycopg.connect(pair.url(pair.primary_port, "postgres"), autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {DATABASE}")
        _run(user, str(BIN / "pg_basebackup"), "-h", "127.0.0.1", "-p", str(pair.primary_port), "-U", "postgres",
             "-D", str(folder / "standby"), "-R", "-X", "stream", "-c", "fast")
        pair.start("standby", pair.standby_port)
        started.append("standby")
        pair.wait_streaming()
        yield pair
    finally:
        for data in reversed(started):
            with contextlib.suppress(Exception):
                pair.stop(data, "immediate")
        shutil.rmtree(folder, ignore_errors=True)
