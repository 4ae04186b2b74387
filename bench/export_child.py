"""One measured export or import in a process of its own (run by bench/export.py).

`python -m bench.export_child KIND URL SESSION_ID PATH` prints one JSON object: the seconds the
call took and how far the process's peak resident set (VmHWM, reset as the call starts) rose above what it was just
before the call, after asm was imported and the store connected.

KIND: `export` / `import` (the streamed store.query.export_session_to / import_session_from),
`export-async` / `import-async` (the same on an AsyncSessionStore), or `export-object` /
`import-object` (export_session + to_json, from_json + import_session: the whole document in
memory, for comparison).
"""

from __future__ import annotations

import asyncio
import gc
import json
import os
import resource
import sys
import time

import asm
from asm.query.export import SessionExport

_PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")


def rss_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * _PAGE_SIZE


def reset_peak_rss() -> None:
    """Start the peak over from now. Linux carries ru_maxrss across fork and exec, so without
    this a child of a big process (a long pytest run) reports its parent's peak."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass


def peak_rss_bytes() -> int:
    """The peak resident set since reset_peak_rss (VmHWM), else ru_maxrss."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux


async def run_async(kind: str, url: str, session_id: str, path: str) -> dict:
    store = await asm.connect_async(url)
    try:
        await store.get_latest_sequence(session_id)
        gc.collect()
        reset_peak_rss()
        baseline = rss_bytes()
        started = time.perf_counter()
        if kind == "export-async":
            summary = await store.query.export_session_to(session_id, path)
        else:
            summary = await store.query.import_session_from(path)
        return _result(kind, summary.events, started, baseline)
    finally:
        await store.close()


def _result(kind: str, events: int, started: float, baseline: int) -> dict:
    return {"kind": kind, "events": events, "seconds": time.perf_counter() - started,
            "baseline_rss_bytes": baseline, "rss_growth_bytes": max(0, peak_rss_bytes() - baseline)}


def run(kind: str, url: str, session_id: str, path: str) -> dict:
    if kind.endswith("-async"):
        return asyncio.run(run_async(kind, url, session_id, path))
    store = asm.connect(url)
    try:
        store.get_latest_sequence(session_id)  # the pool and the SQL loaded before the baseline
        gc.collect()
        reset_peak_rss()
        baseline = rss_bytes()
        started = time.perf_counter()
        if kind == "export":
            summary = store.query.export_session_to(session_id, path)
            events = summary.events
        elif kind == "import":
            summary = store.query.import_session_from(path)
            events = summary.events
        elif kind == "export-object":
            export = store.query.export_session(session_id)
            with open(path, "w", encoding="utf-8") as f:
                f.write(export.to_json())
            events = len(export.events)
        elif kind == "import-object":
            with open(path, "rb") as f:
                export = SessionExport.from_json(f.read())
            store.query.import_session(export)
            events = len(export.events)
        else:
            raise SystemExit(f"unknown kind {kind!r}")
        return _result(kind, events, started, baseline)
    finally:
        store.close()


if __name__ == "__main__":
    print(json.dumps(run(*sys.argv[1:5])))
