"""`python -m bench.export`: peak memory of a streamed export and import of one long session.

Per dialect: a session of N events (default 1,000,000) is seeded with set-based SQL
(bench/seed.py), exported with `store.query.export_session_to` to a file, and that file is
imported with `store.query.import_session_from` into a second, empty database. Each call runs
in a child process of its own (bench/export_child.py), which reports how far its peak resident
set rose above what it was just before the call. Target (issue 14): under 100 MB for 1,000,000
events. `--object-events N` also measures the in-memory path (export_session + to_json,
from_json + import_session) on a session of N events, for comparison. Writes
bench/results/export.md.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import click

import asm
from asm import Run, Session

from bench.databases import create_database, drop_database
from bench.floor import open_floor
from bench.run import server_version
from bench.seed import analyze, seed_events

DIALECTS = ("postgres", "sqlite", "mysql")
RESULTS = Path(__file__).with_name("results")
TARGET_BYTES = 100 * 1000 * 1000
MB = 1000 * 1000


@dataclass
class Measurement:
    kind: str
    events: int
    document_bytes: int
    seconds: float
    rss_growth_bytes: int


@dataclass
class DialectRun:
    dialect: str
    server: str
    seed_seconds: float = 0.0
    measurements: list[Measurement] = field(default_factory=list)
    checks: list[str] = field(default_factory=list)


def seed(dialect: str, url: str, session_id: str, events: int) -> None:
    """A session row, a run and `events` events numbered 1..events, written with plain SQL."""
    asm.migrate(url)
    with asm.connect(url) as store:
        store.save_session(Session.new(id=session_id, agent_id="bench-export", metadata={"seeded": events}))
        store.save_run(Run.new(session_id=session_id, status="completed", provider="openai"))
    floor = open_floor(dialect, url)
    try:
        seed_events(dialect, floor.conn, session_id, events)
        analyze(dialect, floor.conn)
    finally:
        floor.close()


def measure(kind: str, url: str, session_id: str, path: Path | str) -> Measurement:
    """One export or import in a child process (its own peak RSS, nothing inherited from us)."""
    done = subprocess.run([sys.executable, "-m", "bench.export_child", kind, url, session_id, str(path)],
                          capture_output=True, text=True, check=False,
                          cwd=Path(__file__).resolve().parent.parent)
    if done.returncode != 0:
        raise click.ClickException(f"{kind} failed: {done.stderr.strip().splitlines()[-1:]}")
    result = json.loads(done.stdout)
    return Measurement(kind, result["events"], Path(path).stat().st_size, result["seconds"],
                       result["rss_growth_bytes"])


def run_dialect(dialect: str, urls: tuple[str, str, str], events: int, object_events: int, tmp: Path,
                log=click.echo) -> DialectRun:
    source, target, objects = urls
    session_id = f"ses_bench_export_{events}"
    path = tmp / f"{dialect}-export.json"
    log(f"  {dialect}: seeding a session of {events:,} events")
    started = time.perf_counter()
    seed(dialect, source, session_id, events)
    result = DialectRun(dialect, _server(dialect, source), seed_seconds=time.perf_counter() - started)
    log(f"  {dialect}: streamed export")
    result.measurements.append(measure("export", source, session_id, path))
    asm.migrate(target)
    log(f"  {dialect}: streamed import into an empty database")
    result.measurements.append(measure("import", target, session_id, path))
    with asm.connect(target) as store:
        stored = store.get_latest_sequence(session_id)
        last = store.get_events(session_id, after=events - 1)
        result.checks.append(f"imported counter {stored:,}, last event number "
                             f"{last[0].sequence_number if last else None:,}, expected {events:,}")
        if stored != events or not last or last[0].sequence_number != events:
            raise click.ClickException(f"{dialect}: the import did not reproduce the session: {result.checks[-1]}")
    path.unlink()
    if object_events:
        object_session = f"ses_bench_objects_{object_events}"
        object_path = tmp / f"{dialect}-objects.json"
        log(f"  {dialect}: in-memory export and import of {object_events:,} events, for comparison")
        seed_events_only(dialect, source, object_session, object_events)
        result.measurements.append(measure("export-object", source, object_session, object_path))
        asm.migrate(objects)
        result.measurements.append(measure("import-object", objects, object_session, object_path))
        object_path.unlink()
    return result


def seed_events_only(dialect: str, url: str, session_id: str, events: int) -> None:
    with asm.connect(url) as store:
        store.save_session(Session.new(id=session_id, agent_id="bench-export"))
    floor = open_floor(dialect, url)
    try:
        seed_events(dialect, floor.conn, session_id, events)
    finally:
        floor.close()


def _server(dialect: str, url: str) -> str:
    floor = open_floor(dialect, url)
    try:
        return server_version(dialect, floor.conn)
    finally:
        floor.close()


def markdown(runs: list[DialectRun], events: int, seconds: float) -> str:
    lines = [
        "# Streamed export and import: peak memory",
        "",
        f"Run on {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} CPUs, Python "
        f"{platform.python_version()}, {seconds / 60:.1f} min in all, with `python -m bench.export`. Servers: "
        + "; ".join(f"{r.dialect}: {r.server}" for r in runs) + ".",
        "",
        "Each call ran in a process of its own; *RSS growth* is its peak resident set (VmHWM, reset as the call starts) "
        "minus its resident set just before the call (asm imported, store connected). The export "
        "writes a file; the import reads that file into an empty database, in one transaction. "
        f"Target (issue 14): growth under {TARGET_BYTES // MB} MB for {events:,} events. "
        "`export-object` / `import-object` are the in-memory path (`export_session(...).to_json()`, "
        "`SessionExport.from_json` + `import_session`), for comparison.",
        "",
        "| dialect | call | events | document MB | seconds | events/s | RSS growth MB | growth / document | target met |",
        "|---|---|--:|--:|--:|--:|--:|--:|---|",
    ]
    for r in runs:
        for m in r.measurements:
            streamed = not m.kind.endswith("-object")
            met = ("yes" if m.rss_growth_bytes < TARGET_BYTES else "**no**") if streamed and m.events >= events else ""
            lines.append(f"| {r.dialect} | {m.kind} | {m.events:,} | {m.document_bytes / MB:,.1f} | {m.seconds:,.1f} | "
                         f"{m.events / m.seconds:,.0f} | {m.rss_growth_bytes / MB:,.1f} | "
                         f"{m.rss_growth_bytes / m.document_bytes:.2f} | {met} |")
    lines += ["", "Seeding (set-based SQL, not measured): "
              + "; ".join(f"{r.dialect} {r.seed_seconds:.0f} s" for r in runs) + ".",
              "Checks after each import: " + "; ".join(f"{r.dialect}: {c}" for r in runs for c in r.checks) + "."]
    return "\n".join(lines) + "\n"


@click.command()
@click.option("--dialect", "-d", "dialects", multiple=True, type=click.Choice(DIALECTS),
              help="Dialects to run (repeatable); all three by default.")
@click.option("--events", "-n", default=1_000_000, show_default=True, help="Events in the exported session.")
@click.option("--object-events", default=0, show_default=True,
              help="Also measure the in-memory path on a session of this many events (0: skip).")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=RESULTS, show_default=True,
              help="Where export.md goes.")
def main(dialects, events, object_events, out) -> None:
    """Peak memory of a streamed export and import of one long session, per dialect."""
    started = time.perf_counter()
    runs = []
    with tempfile.TemporaryDirectory(prefix="asm-bench-export-") as tmp:
        for dialect in dialects or DIALECTS:
            urls = tuple(create_database(dialect, Path(tmp)) for _ in range(3))
            click.echo(f"{dialect}: export and import of {events:,} events")
            try:
                runs.append(run_dialect(dialect, urls, events, object_events, Path(tmp)))
            finally:
                for url in urls:
                    drop_database(dialect, url)
    out.mkdir(parents=True, exist_ok=True)
    md = out / "export.md"
    md.write_text(markdown(runs, events, time.perf_counter() - started))
    click.echo(f"wrote {md}")


if __name__ == "__main__":
    main()
