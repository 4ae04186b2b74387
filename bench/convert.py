"""`python -m bench.convert`: the cost of conversion, this checkout against a baseline checkout.

Times, side by side in one run, the code of this checkout ("new") and of another checkout
("old", by default /tmp/cattrs-base: `git worktree add /tmp/cattrs-base <commit>`):

- rows -> records: `asm.convert.rows.from_row` over a batch of 1,000 Event, Session and Run rows in
  each dialect's wire forms (what its driver returns: SQLite text timestamps and JSON text;
  psycopg aware UTC datetimes and parsed jsonb; PyMySQL naive datetimes and JSON text);
- records -> params: `asm.convert.rows.to_params` over the same 1,000 records, per dialect;
- graph `get` decoding: `asm.graph.operations._from_row` of a graph session row with a
  200-message chat history, per dialect.

Each side runs in a child process of its own (this file with `--child CHECKOUT`, which imports
asm from that checkout), kept for the whole run. The parent builds the rows once and asks the
children in turns, case by case, the order alternating every round, so that load on the
machine hits both sides alike; the number per case is the median over the rounds, and the
ratio new/old of the medians. Before timing, each case's results are compared between the
sides (the reprs of every record read and params written). Writes bench/results/convert.md,
keeping its `## Notes` section.
Target: new/old <= 1.05 on every read case.
"""

from __future__ import annotations

import gc
import hashlib
import json
import os
import pickle
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import click

DIALECTS = ("sqlite", "postgres", "mysql")
RECORDS = (("Event", "asm_events"), ("Session", "asm_sessions"), ("Run", "asm_runs"))
RESULTS = Path(__file__).with_name("results")
CHECKOUT = Path(__file__).resolve().parent.parent
TARGET = 1.05
BATCH = 1000
MESSAGES = 200
UTC = timezone.utc


@dataclass(frozen=True)
class Case:
    name: str
    kind: str  # "read", "write" or "graph"
    dialect: str
    record: str
    items: int  # rows or records per timed batch


def cases() -> list[Case]:
    found = []
    for dialect in DIALECTS:
        for record, _table in RECORDS:
            found.append(Case(f"rows -> {record}", "read", dialect, record, BATCH))
        for record, _table in RECORDS:
            found.append(Case(f"{record} -> params", "write", dialect, record, BATCH))
        found.append(Case(f"graph get, {MESSAGES} messages", "graph", dialect, "GraphSession", 1))
    return found


# -- the data (built once, by the parent, with this checkout's asm) --------------------------


def build_data() -> dict[str, Any]:
    """Per dialect: 1,000 rows of each record table and one graph session row, as its driver
    returns them."""
    from asm import Event, Run, Session
    from asm.drivers.dialects import DIALECTS as ASM_DIALECTS
    from asm.convert.rows import to_params
    from asm.graph import Context

    base = datetime(2025, 6, 10, 17, 30, 48, 727954, tzinfo=UTC)
    sessions: list[Any] = []
    runs: list[Any] = []
    events: list[Any] = []
    for i in range(BATCH):
        when = base + timedelta(seconds=i, microseconds=i * 7)
        session = Session.new(agent_id=f"agent-{i % 7}", status="active", tags=["vip", f"t{i % 5}"],
                              metadata={"customer": f"c{i}", "plan": "pro"},
                              context={"goal": "answer the claim", "step": i % 9}, created_at=when)
        run = Run.new(session_id=session.id, status="completed", input={"question": f"q{i}"},
                      output={"answer": f"a{i}", "score": 0.5 + i / 4000}, turn_count=i % 12,
                      token_usage={"input_tokens": 100 + i, "output_tokens": 40 + i % 50},
                      started_at=when, ended_at=when + timedelta(seconds=3), provider="openai",
                      provider_metadata={"model": "gpt-4o", "region": "eu"})
        event = Event.new(type="message_sent", session_id=session.id, run_id=run.id,
                          sequence_number=i + 1, provider="openai", correlation_id=f"c-{i}",
                          data={"role": "assistant", "content": f"reply number {i} " * 6,
                                "tool_calls": [{"name": "search", "arguments": {"q": f"x{i}"}}]},
                          metadata={"latency_ms": 120 + i % 80}, timestamp=when)
        sessions.append(session)
        runs.append(run)
        events.append(event)
    records: dict[str, list[Any]] = {"Event": events, "Session": sessions, "Run": runs}

    context = Context()
    context.set("insurance_type", "car")
    context.set("claim", {"amount": 150, "approved": True, "items": ["windscreen", "mirror"]})
    for i in range(MESSAGES // 2):
        context.chat_history.add_user_message(f"message number {i} " * 5)
        context.chat_history.add_assistant_message(f"reply number {i} " * 8)
    graph_text = context.to_json()

    data: dict[str, Any] = {}
    for dialect in DIALECTS:
        sqlite = ASM_DIALECTS["sqlite"]
        rows: dict[str, list[dict[str, Any]]] = {}
        for record, _table in RECORDS:
            # SQLite's rows hold exactly what its parameters were: text timestamps and JSON.
            rows[record] = [driver_row(dialect, to_params(sqlite, r)) for r in records[record]]
        graph = {"id": "0190a5c4-7e2b-7c3d-9f00-0123456789ab", "graph_id": "claims",
                 "current_task_id": "review", "status_message": None, "context": graph_text,
                 "created_at": "2025-06-10T17:30:48.727954Z", "updated_at": "2025-06-10T17:32:27.573057Z"}
        data[dialect] = {"rows": rows, "graph": driver_row(dialect, graph)}
    return data


TIMESTAMPS = {"timestamp", "created_at", "updated_at", "deleted_at", "started_at", "ended_at"}


def driver_row(dialect: str, row: dict[str, Any]) -> dict[str, Any]:
    """`row` (SQLite's wire forms) as the driver of `dialect` returns it."""
    if dialect == "sqlite":
        return dict(row)
    out = {}
    for key, value in row.items():
        if key in TIMESTAMPS and value is not None:
            moment = datetime.fromisoformat(value)
            # psycopg (TimeZone UTC): aware datetimes; PyMySQL: DATETIME(6) as naive UTC.
            value = moment if dialect == "postgres" else moment.replace(tzinfo=None)
        elif dialect == "postgres" and isinstance(value, str) and value[:1] in "{[":
            value = json.loads(value)  # psycopg parses jsonb
        out[key] = value
    if dialect == "postgres" and "graph_id" in row:
        import uuid

        out["id"] = uuid.UUID(row["id"])  # a uuid column
    return out


# -- the child: one side ---------------------------------------------------------------------


def child(checkout: str, data_path: str) -> None:
    """Serve timing requests for the asm of `checkout`: one JSON request a line on stdin."""
    sys.path.insert(0, checkout)
    import asm

    if not Path(asm.__file__).resolve().is_relative_to(Path(checkout).resolve()):
        raise SystemExit(f"asm was imported from {asm.__file__}, not from {checkout}")
    import asm.records as asm_records
    from asm.graph.operations import _from_row as graph_from_row

    try:
        from asm.convert.rows import from_row, to_params
        from asm.drivers.dialects import DIALECTS as ASM_DIALECTS
    except ImportError:  # a checkout from before the asm/db split (the baseline, bf3aa1a)
        from asm.db.dialects import DIALECTS as ASM_DIALECTS  # type: ignore[no-redef]
        from asm.db.rows import from_row, to_params  # type: ignore[no-redef]

    with open(data_path, "rb") as f:
        data = pickle.load(f)
    tables = dict(RECORDS)
    runners: dict[str, Callable[[], list[Any]]] = {}
    for case in cases():
        dialect = ASM_DIALECTS[case.dialect]
        if case.kind == "graph":
            runners[key(case)] = partial(each, partial(graph_from_row, dialect), [data[case.dialect]["graph"]])
            continue
        cls = getattr(asm_records, case.record)
        read = partial(from_row, dialect, cls, tables[case.record])
        rows = data[case.dialect]["rows"][case.record]
        if case.kind == "read":
            runners[key(case)] = partial(each, read, rows)
        else:
            runners[key(case)] = partial(each, partial(to_params, dialect), [read(row) for row in rows])
    print(json.dumps({"ready": sys.version.split()[0]}), flush=True)
    for line in sys.stdin:
        request = json.loads(line)
        run = runners[request["case"]]
        if request.get("check"):
            shown = [repr(item) for item in run()]
            digest = hashlib.sha256("\n".join(shown).encode()).hexdigest()
            print(json.dumps({"check": [digest, shown[0]]}), flush=True)
            continue
        gc.collect()
        start = time.perf_counter_ns()
        run()
        print(json.dumps({"ns": time.perf_counter_ns() - start}), flush=True)


def each(function: Callable[[Any], Any], items: list[Any]) -> list[Any]:
    return [function(item) for item in items]


def key(case: Case) -> str:
    return f"{case.dialect}/{case.name}"


class Side:
    """A child process timing the asm of one checkout."""

    def __init__(self, name: str, checkout: Path, data_path: str):
        self.name = name
        self.process = subprocess.Popen(
            [sys.executable, __file__, "--child", str(checkout), "--data", data_path],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=str(checkout),
        )
        self.python = self.ask_raw(None)["ready"]

    def ask_raw(self, request: dict[str, Any] | None) -> dict[str, Any]:
        assert self.process.stdin is not None and self.process.stdout is not None
        if request is not None:
            self.process.stdin.write(json.dumps(request) + "\n")
            self.process.stdin.flush()
        line = self.process.stdout.readline()
        if not line:
            raise SystemExit(f"the {self.name} side stopped (see its error above)")
        answer: dict[str, Any] = json.loads(line)
        return answer

    def check(self, case: Case) -> list[str]:
        checked: list[str] = self.ask_raw({"case": key(case), "check": True})["check"]
        return checked

    def time(self, case: Case) -> int:
        ns: int = self.ask_raw({"case": key(case)})["ns"]
        return ns

    def close(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.wait(timeout=60)


# -- the parent ------------------------------------------------------------------------------


@dataclass
class Result:
    case: Case
    old_ns: list[int]
    new_ns: list[int]

    def per_item_us(self, ns: list[int]) -> float:
        return statistics.median(ns) / self.case.items / 1000

    @property
    def ratio(self) -> float:
        return statistics.median(self.new_ns) / statistics.median(self.old_ns)


def measure(base: Path, rounds: int, only: str | None) -> tuple[list[Result], dict[str, str]]:
    chosen = [case for case in cases() if only is None or only in key(case)]
    with tempfile.TemporaryDirectory() as tmp:
        data_path = os.path.join(tmp, "data.pickle")
        with open(data_path, "wb") as f:
            pickle.dump(build_data(), f)
        sides = [Side("old", base, data_path), Side("new", CHECKOUT, data_path)]
        try:
            for case in chosen:
                old, new = (side.check(case) for side in sides)
                if old != new:
                    raise SystemExit(f"{key(case)}: the sides disagree:\n old {old[1]}\n new {new[1]}")
            results = {key(case): Result(case, [], []) for case in chosen}
            for round_ in range(rounds):
                ordered = sides if round_ % 2 == 0 else sides[::-1]
                for case in chosen:
                    for side in ordered:
                        getattr(results[key(case)], f"{side.name}_ns").append(side.time(case))
                print(f"round {round_ + 1}/{rounds}", file=sys.stderr, flush=True)
            about = {"python": sides[0].python}
        finally:
            for side in sides:
                side.close()
    return list(results.values()), about


def commit_of(checkout: Path) -> str:
    try:
        return subprocess.run(["git", "-C", str(checkout), "rev-parse", "--short", "HEAD"],
                              capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "?"


def report(results: list[Result], about: dict[str, str], base: Path, rounds: int,
           notes: str) -> str:
    from importlib.metadata import version

    lines = [
        "# Conversion: cattrs converters (new) against the hand-written code (old)",
        "",
        f"`python -m bench.convert --base {base} --rounds {rounds}` on {platform.node()} "
        f"({os.cpu_count()} cores), {datetime.now(UTC):%Y-%m-%d}; Python {about['python']}, "
        f"attrs {version('attrs')}, cattrs {version('cattrs')}. Old: {base} at "
        f"{commit_of(base)}; new: this checkout (commit {commit_of(CHECKOUT)} and its working "
        "tree). Times per row, record or graph session: the median of "
        f"{rounds} batches per side, the sides taking turns batch by batch (see the module "
        "docstring of bench/convert.py). Target: new/old <= "
        f"{TARGET:.2f} on every read case (rows -> records, graph get).",
        "",
        "| dialect | case | old µs | new µs | new/old | |",
        "|---|---|---:|---:|---:|---|",
    ]
    for result in results:
        case = result.case
        verdict = "" if case.kind == "write" else ("ok" if result.ratio <= TARGET else "**over**")
        lines.append(
            f"| {case.dialect} | {case.name} | {result.per_item_us(result.old_ns):.2f} | "
            f"{result.per_item_us(result.new_ns):.2f} | {result.ratio:.3f} | {verdict} |"
        )
    reads = [r for r in results if r.case.kind != "write"]
    over = [r for r in reads if r.ratio > TARGET]
    lines += ["", f"Read cases over {TARGET:.2f}: "
              + (", ".join(f"{r.case.dialect} {r.case.name} ({r.ratio:.3f})" for r in over) or "none") + "."]
    if notes:
        lines += ["", notes.strip()]
    return "\n".join(lines) + "\n"


NOTES_HEADING = "## Notes"


def kept_notes(output: Path) -> str:
    """The notes section of an earlier report (written by hand: reasons, profiles), kept."""
    if not output.exists():
        return ""
    text = output.read_text()
    index = text.find("\n" + NOTES_HEADING + "\n")
    return text[index + 1:] if index >= 0 else ""


@click.command()
@click.option("--base", type=click.Path(exists=True, file_okay=False, path_type=Path),
              default=Path("/tmp/cattrs-base"), show_default=True,
              help="The baseline checkout (git worktree add /tmp/cattrs-base <commit>).")
@click.option("--rounds", type=click.IntRange(min=3), default=41, show_default=True,
              help="Timed batches per case and side.")
@click.option("--only", default=None, help="Only the cases whose 'dialect/name' contains this.")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path),
              default=RESULTS / "convert.md", show_default=True)
@click.option("--child", "child_checkout", default=None, hidden=True)
@click.option("--data", "data_path", default=None, hidden=True)
def main(base: Path, rounds: int, only: str | None, output: Path, child_checkout: str | None,
         data_path: str | None) -> None:
    """Time conversion in this checkout against a baseline checkout; write the results."""
    if child_checkout is not None:
        assert data_path is not None
        child(child_checkout, data_path)
        return
    results, about = measure(base.resolve(), rounds, only)
    text = report(results, about, base, rounds, kept_notes(output))
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
