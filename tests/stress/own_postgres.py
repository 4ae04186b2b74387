"""A private PostgreSQL server for tests that stop and start it (never the shared one).

initdb and postgres refuse to run as root; as root they run as the `postgres` user through
runuser (or su), in a temporary folder that user owns.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile

import pytest

from databases import IN_CI


def _bindir() -> str | None:
    candidates = [os.environ.get("ASM_TEST_PG_BIN", "")]
    candidates += sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
    if shutil.which("pg_config"):
        candidates.append(subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True).stdout.strip())
    if shutil.which("initdb"):
        candidates.append(os.path.dirname(shutil.which("initdb")))
    return next((d for d in candidates if d and os.path.exists(os.path.join(d, "initdb"))), None)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _unavailable(reason: str) -> None:
    if IN_CI:
        pytest.fail(f"cannot run a private PostgreSQL server: {reason}", pytrace=False)
    pytest.skip(f"cannot run a private PostgreSQL server: {reason}")


class OwnPostgres:
    def __init__(self) -> None:
        self.bindir = _bindir()
        if self.bindir is None:
            _unavailable("no initdb found (set ASM_TEST_PG_BIN)")
        self.prefix: list[str] = []
        self.dir = tempfile.mkdtemp(prefix="asm-own-pg-")
        if os.geteuid() == 0:
            try:
                user = pwd.getpwnam("postgres")
            except KeyError:
                _unavailable("running as root and there is no `postgres` user to run it as")
            os.chown(self.dir, user.pw_uid, user.pw_gid)
            runuser = shutil.which("runuser")
            self.prefix = [runuser, "-u", "postgres", "--"] if runuser else None
        self.port = _free_port()
        self.data = os.path.join(self.dir, "data")
        try:
            self._run("initdb", "-D", self.data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")
        except subprocess.CalledProcessError as exc:
            shutil.rmtree(self.dir, ignore_errors=True)
            _unavailable(f"initdb failed: {exc.stderr.strip()[-300:]}")
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, program: str, *args: str) -> None:
        command = [os.path.join(self.bindir, program), *args]
        if self.prefix is None:  # root without runuser: su
            command = ["su", "postgres", "-s", "/bin/sh", "-c", subprocess.list2cmdline(command)]
        else:
            command = self.prefix + command
        subprocess.run(command, check=True, capture_output=True, text=True, timeout=60)

    def start(self) -> None:
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run("pg_ctl", "-D", self.data, "-o", options, "-l", os.path.join(self.dir, "log"), "-w", "start")

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", self.data, "-m", mode, "-w", "stop")

    def destroy(self) -> None:
        try:
            self.stop("immediate")
        except subprocess.CalledProcessError:
            pass  # not running
        shutil.rmtree(self.dir, ignore_errors=True)
