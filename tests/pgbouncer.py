"""A private PgBouncer in front of the test PostgreSQL server, for tests of asm through a pooler.

`running_pgbouncer(mode="transaction")` writes a config in a temporary folder, starts PgBouncer
on a free local port (as the `postgres` user when we are root: PgBouncer refuses to run as
root), yields a `PgBouncer` whose `url(database_url)` points a test database's URL at it, and
stops it afterwards. A small pool (2 server connections by default) makes clients share server
connections, as they do in production.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from typing import Any
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

import pytest

from databases import IN_CI, POSTGRES_ADMIN_URL
from asm.drivers.urls import parse_url

START_TIMEOUT_S = 15.0


def pgbouncer_binary() -> str | None:
    return shutil.which("pgbouncer") or next(
        (p for p in ("/usr/sbin/pgbouncer", "/usr/bin/pgbouncer") if os.access(p, os.X_OK)), None)


def _unavailable(reason: str) -> None:
    message = f"cannot run PgBouncer: {reason}"
    if IN_CI:
        pytest.fail(message + " (CI=true: install it with apt-get install -y pgbouncer)", pytrace=False)
    pytest.skip(message)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass(frozen=True)
class PgBouncer:
    port: int
    mode: str
    log_path: str

    def url(self, database_url: str) -> str:
        """`database_url` (a test database on the PostgreSQL server) reached through PgBouncer."""
        parts = urlsplit(database_url)
        userinfo = parts.netloc.rpartition("@")[0]
        netloc = (userinfo + "@" if userinfo else "") + f"127.0.0.1:{self.port}"
        return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))

    def log(self) -> str:
        return _read(self.log_path)


def pgbouncer_version(binary: str) -> tuple[int, ...]:
    """(1, 18, 0) from `PgBouncer 1.18.0`; () when it cannot be read."""
    out = subprocess.run([binary, "--version"], capture_output=True, text=True, timeout=10).stdout
    words = out.split()
    if len(words) < 2 or words[0] != "PgBouncer":
        return ()
    return tuple(int(part) for part in words[1].split(".") if part.isdigit())


def _config(port: int, directory: str, mode: str, pool_size: int, ignore_startup_parameters: tuple[str, ...],
            settings: dict[str, str]) -> str:
    server = parse_url(POSTGRES_ADMIN_URL)
    return "\n".join([
        "[databases]",
        # Any database name the client asks for, on the test server, as the client's user.
        f"* = host={server.host or '127.0.0.1'} port={server.port or 5432}",
        "",
        "[pgbouncer]",
        "listen_addr = 127.0.0.1",
        f"listen_port = {port}",
        "unix_socket_dir =",
        "auth_type = trust",
        f"auth_file = {directory}/users.txt",
        f"pool_mode = {mode}",
        f"default_pool_size = {pool_size}",
        "min_pool_size = 0",
        "reserve_pool_size = 0",
        "max_client_conn = 200",
        f"ignore_startup_parameters = {', '.join(ignore_startup_parameters)}",
        f"logfile = {directory}/pgbouncer.log",
        f"pidfile = {directory}/pgbouncer.pid",
        "server_login_retry = 1",
        *(f"{key} = {value}" for key, value in settings.items()),
        "",
    ])


@contextlib.contextmanager
def running_pgbouncer(mode: str = "transaction", *, pool_size: int = 2,
                      ignore_startup_parameters: tuple[str, ...] = (),
                      settings: dict[str, str] | None = None) -> Iterator[PgBouncer]:
    """PgBouncer in `mode` (session, transaction or statement) on a free port, for the block.

    `ignore_startup_parameters`: the startup parameters it lets through without tracking them;
    empty by default, as in PgBouncer's own default (so `options` is refused). `settings`: more
    `[pgbouncer]` lines. PgBouncer 1.21 and later can track prepared statements
    (`max_prepared_statements`); it is turned off unless `settings` says otherwise, so every
    version behaves as 1.18 (Debian 12's) does."""
    binary = pgbouncer_binary()
    if binary is None:
        _unavailable("not installed (apt-get install -y pgbouncer)")
    settings = dict(settings or {})
    if pgbouncer_version(binary) >= (1, 21):
        settings.setdefault("max_prepared_statements", "0")
    directory = tempfile.mkdtemp(prefix="asm-pgbouncer-")
    command = [binary]
    if os.geteuid() == 0:
        try:
            user = pwd.getpwnam("postgres")
        except KeyError:
            shutil.rmtree(directory, ignore_errors=True)
            _unavailable("running as root and there is no `postgres` user to run it as")
        os.chown(directory, user.pw_uid, user.pw_gid)
        command += ["-u", "postgres"]  # PgBouncer refuses root; it switches user itself
    admin_user = parse_url(POSTGRES_ADMIN_URL).user or "postgres"
    with open(os.path.join(directory, "users.txt"), "w") as f:
        f.write(f'"{admin_user}" ""\n')
    port = _free_port()
    ini = os.path.join(directory, "pgbouncer.ini")
    with open(ini, "w") as f:
        f.write(_config(port, directory, mode, pool_size, ignore_startup_parameters, settings))
    bouncer = PgBouncer(port, mode, os.path.join(directory, "pgbouncer.log"))
    # stderr to a file, not a pipe: PgBouncer writes a line per connection there too, and
    # once an unread pipe is full (about 230 connections) it stops accepting clients.
    stderr = open(os.path.join(directory, "stderr.log"), "w")
    process = subprocess.Popen(command + [ini], stdout=subprocess.DEVNULL, stderr=stderr, text=True)
    try:
        _wait_listening(process, port, bouncer, stderr)
        yield bouncer
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)  # PgBouncer: SIGINT is a safe shutdown, fast
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        stderr.close()
        shutil.rmtree(directory, ignore_errors=True)


def _read(path: str) -> str:
    with contextlib.suppress(OSError), open(path) as f:
        return f.read()
    return ""


def _wait_listening(process: subprocess.Popen, port: int, bouncer: PgBouncer, stderr: Any) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            _unavailable(f"it exited with {process.returncode}: {(_read(stderr.name) or bouncer.log())[-500:]}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
            return
        time.sleep(0.05)
    process.kill()
    process.wait()
    _unavailable(f"not listening on port {port} after {START_TIMEOUT_S:.0f} s: {bouncer.log()[-500:]}")
