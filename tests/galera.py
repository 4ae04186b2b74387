"""A private MariaDB Galera cluster on local ports, for tests of asm against a multi-primary
cluster (never the machine's own MariaDB on 3306).

`running_galera_cluster(nodes=3)` makes one datadir per node in a temporary folder (the system
tables from mariadb-install-db), picks free ports per node (SQL, group communication, IST,
SST), bootstraps node 1 with --wsrep-new-cluster, joins the others one by one (state transfer
by rsync), waits until every node is Synced in a cluster of `nodes`, and yields a
`GaleraCluster`. Afterwards every node gets SIGTERM (SIGKILL after a timeout) and the folder is
removed, whatever happened. As root the servers run as the `mysql` user.
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
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pymysql
import pytest

from databases import IN_CI

APT_PACKAGES = "mariadb-server galera-4 rsync"
PROVIDERS = ("/usr/lib/galera/libgalera_smm.so", "/usr/lib/libgalera_smm.so", "/usr/lib64/galera-4/libgalera_smm.so",
             "/usr/lib64/galera/libgalera_smm.so")
JOIN_TIMEOUT_S = 120.0
STOP_TIMEOUT_S = 30.0


def _unavailable(reason: str) -> None:
    message = f"cannot run a Galera cluster: {reason}"
    if IN_CI:
        pytest.fail(message + f" (CI=true: install it with apt-get install -y {APT_PACKAGES})", pytrace=False)
    pytest.skip(message)


def _program(*names: str) -> str | None:
    for name in names:
        found = shutil.which(name) or next(
            (p for p in (f"/usr/sbin/{name}", f"/usr/bin/{name}") if os.access(p, os.X_OK)), None)
        if found:
            return found
    return None


def _free_ports(count: int) -> list[int]:
    """`count` distinct free ports (held open together, so none is picked twice)."""
    with contextlib.ExitStack() as stack:
        sockets = [stack.enter_context(socket.socket()) for _ in range(count)]
        for s in sockets:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in sockets]


@dataclass(frozen=True)
class GaleraNode:
    number: int
    port: int  # SQL
    gcomm_port: int
    ist_port: int
    sst_port: int
    folder: Path

    @property
    def admin_url(self) -> str:
        return f"mysql://root@127.0.0.1:{self.port}/mysql"

    def url(self, database: str) -> str:
        """asm's URL of `database` through this node."""
        return f"mysql://root@127.0.0.1:{self.port}/{database}"

    def connect(self, database: str | None = None, **options: Any) -> Any:
        """A plain autocommit PyMySQL connection to this node, outside asm."""
        return pymysql.connect(host="127.0.0.1", port=self.port, user="root", password="", database=database,
                               autocommit=True, connect_timeout=5, charset="utf8mb4", **options)

    def query(self, sql: str, *params: Any, database: str | None = None) -> list[tuple[Any, ...]]:
        conn = self.connect(database)
        try:
            with conn.cursor() as cur:
                cur.execute(sql, params or None)
                return list(cur.fetchall())
        finally:
            conn.close()

    def status(self, name: str) -> str:
        rows = self.query("SHOW GLOBAL STATUS LIKE %s", name)
        return str(rows[0][1]) if rows else ""

    def log(self) -> str:
        with contextlib.suppress(OSError), open(self.folder / "error.log", errors="replace") as f:
            return f.read()
        return ""


@dataclass
class GaleraCluster:
    nodes: list[GaleraNode]
    databases: list[str] = field(default_factory=list)

    @property
    def admin_urls(self) -> list[str]:
        return [node.admin_url for node in self.nodes]

    def create_database(self) -> str:
        """A fresh empty database, created through node 1 and present on every node on return
        (CREATE DATABASE is replicated in total order, but applied on the others meanwhile)."""
        name = f"asm_galera_{uuid.uuid4().hex[:12]}"
        self.nodes[0].query(f"CREATE DATABASE {name}")
        self.databases.append(name)
        for node in self.nodes[1:]:
            _wait(lambda: node.query("SHOW DATABASES LIKE %s", name), f"database {name} on node {node.number}",
                  [node], timeout=30)
        return name

    def drop_database(self, name: str) -> None:
        self.nodes[0].query(f"DROP DATABASE IF EXISTS {name}")
        if name in self.databases:
            self.databases.remove(name)

    def status_sum(self, *names: str) -> int:
        """The sum of some numeric wsrep status counters over every node."""
        return sum(int(node.status(name) or 0) for node in self.nodes for name in names)

    def logs(self) -> str:
        return "\n".join(f"--- node {n.number} error log (tail) ---\n{n.log()[-3000:]}" for n in self.nodes)


def _config(node: GaleraNode, everyone: list[GaleraNode], provider: str, user: str | None) -> str:
    folder = node.folder
    members = ",".join(f"127.0.0.1:{other.gcomm_port}" for other in everyone)
    provider_options = ";".join([
        f"gmcast.listen_addr=tcp://127.0.0.1:{node.gcomm_port}",
        f"ist.recv_addr=127.0.0.1:{node.ist_port}",
        "gcache.size=16M",
        "gcache.page_size=16M",
    ])
    lines = [
        "[mysqld]",
        *([f"user={user}"] if user else []),
        f"datadir={folder / 'data'}",
        f"socket={folder / 'mysqld.sock'}",
        f"pid-file={folder / 'mysqld.pid'}",
        f"log_error={folder / 'error.log'}",
        f"tmpdir={folder / 'tmp'}",
        f"port={node.port}",
        "bind-address=127.0.0.1",
        "skip-name-resolve",
        "performance_schema=OFF",
        "innodb_buffer_pool_size=32M",
        "innodb_log_file_size=16M",
        "innodb_flush_log_at_trx_commit=2",  # durability comes from the other nodes here
        "max_connections=200",
        # Galera's requirements.
        "binlog_format=ROW",
        "default_storage_engine=InnoDB",
        "innodb_autoinc_lock_mode=2",
        "wsrep_on=ON",
        f"wsrep_provider={provider}",
        f'wsrep_provider_options="{provider_options}"',
        "wsrep_cluster_name=asm_test",
        f"wsrep_cluster_address=gcomm://{members}",
        f"wsrep_node_name=node{node.number}",
        "wsrep_node_address=127.0.0.1",
        f"wsrep_node_incoming_address=127.0.0.1:{node.port}",
        f"wsrep_sst_receive_address=127.0.0.1:{node.sst_port}",
        "wsrep_sst_method=rsync",
        "wsrep_slave_threads=2",
        "",
        # The SST script reads its own section too (it must not pick the system's config).
        "[sst]",
        f"sst-log-archive-dir={folder / 'sst-logs'}",
        "",
    ]
    return "\n".join(lines)


def _wait(condition: Any, what: str, nodes: list[GaleraNode], timeout: float,
          processes: dict[int, subprocess.Popen[bytes]] | None = None) -> Any:
    deadline = time.monotonic() + timeout
    last: BaseException | None = None
    while time.monotonic() < deadline:
        for number, process in (processes or {}).items():
            if process.poll() is not None:
                raise RuntimeError(f"Galera node {number} exited with {process.returncode} while waiting for "
                                   f"{what}:\n" + "\n".join(n.log()[-3000:] for n in nodes if n.number == number))
        try:
            value = condition()
            if value:
                return value
        except pymysql.err.MySQLError as exc:  # not listening yet, or still joining
            last = exc
        time.sleep(0.2)
    logs = "\n".join(f"--- node {n.number} ---\n{n.log()[-3000:]}" for n in nodes)
    raise RuntimeError(f"timed out after {timeout:.0f} s waiting for {what} (last error: {last}):\n{logs}")


def _synced(node: GaleraNode, size: int) -> bool:
    return (node.status("wsrep_local_state_comment") == "Synced"
            and node.status("wsrep_cluster_size") == str(size)
            and node.status("wsrep_ready") == "ON")


def _stop(processes: dict[int, subprocess.Popen[bytes]]) -> None:
    """SIGTERM to every node (a clean shutdown), SIGKILL to those still running after the timeout."""
    for process in processes.values():
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + STOP_TIMEOUT_S
    for process in processes.values():
        try:
            process.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextlib.contextmanager
def running_galera_cluster(nodes: int = 3) -> Iterator[GaleraCluster]:
    mariadbd = _program("mariadbd", "mysqld")
    install_db = _program("mariadb-install-db", "mysql_install_db")
    provider = next((p for p in PROVIDERS if os.path.exists(p)), None)
    if mariadbd is None or install_db is None:
        _unavailable("no mariadbd or mariadb-install-db (MariaDB server)")
    if provider is None:
        _unavailable(f"no Galera provider library at {', '.join(PROVIDERS)} (galera-4)")
    if _program("rsync") is None:
        _unavailable("no rsync (the state transfer to joining nodes uses it)")
    user = None
    owner = None
    if os.geteuid() == 0:
        try:
            owner = pwd.getpwnam("mysql")
        except KeyError:
            _unavailable("running as root and there is no `mysql` user to run the servers as")
        user = "mysql"
    root = Path(tempfile.mkdtemp(prefix="asm-galera-"))
    processes: dict[int, subprocess.Popen[bytes]] = {}
    try:
        root.chmod(0o755)
        ports = _free_ports(4 * nodes)
        cluster = GaleraCluster([GaleraNode(k + 1, *ports[4 * k:4 * k + 4], folder=root / f"node{k + 1}")
                                 for k in range(nodes)])
        for node in cluster.nodes:
            for sub in ("", "tmp", "sst-logs"):
                (node.folder / sub).mkdir(exist_ok=True)
            (node.folder / "my.cnf").write_text(_config(node, cluster.nodes, provider, user))
        first = cluster.nodes[0]
        _install(install_db, first, user)
        # The joiners' data is replaced by the state transfer; they start from a copy.
        for node in cluster.nodes[1:]:
            shutil.copytree(first.folder / "data", node.folder / "data", symlinks=True)
        if owner is not None:
            for path in [root, *root.rglob("*")]:
                os.lchown(path, owner.pw_uid, owner.pw_gid)
        for node in cluster.nodes:
            command = [mariadbd, f"--defaults-file={node.folder / 'my.cnf'}"]
            if node is first:
                command.append("--wsrep-new-cluster")
            processes[node.number] = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                                      start_new_session=True)
            # One joiner at a time: a donor serves one state transfer at once.
            _wait(lambda: _synced(node, node.number), f"node {node.number} Synced in a cluster of {node.number}",
                  cluster.nodes, JOIN_TIMEOUT_S, processes)
        for node in cluster.nodes:
            _wait(lambda: _synced(node, nodes), f"node {node.number} Synced in a cluster of {nodes}",
                  cluster.nodes, JOIN_TIMEOUT_S, processes)
        yield cluster
    finally:
        _stop(processes)
        shutil.rmtree(root, ignore_errors=True)


def _install(install_db: str, node: GaleraNode, user: str | None) -> None:
    """The system tables, with root@127.0.0.1 and root@localhost without a password."""
    command = [install_db, "--no-defaults", f"--datadir={node.folder / 'data'}", "--auth-root-authentication-method=normal",
               "--skip-test-db", "--skip-name-resolve", "--innodb-log-file-size=16M", "--innodb-buffer-pool-size=32M"]
    if user is not None:
        command.append(f"--user={user}")
        owner = pwd.getpwnam(user)
        os.chown(node.folder, owner.pw_uid, owner.pw_gid)
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        raise RuntimeError(f"mariadb-install-db failed ({done.returncode}):\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
