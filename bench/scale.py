"""`python -m bench scale`: every named query at production scale, per dialect and size (issue 15).

Per dialect, every size first: a scratch database each, asm's migrations, a set-based seed
(bench/scale_seed.py), ANALYZE, the connection kept open. Then every named query of
queries/<dialect>/ (found in the files, not listed here) with each case of
asm.explain.plans.catalog, timed on all sizes side by side: a warm-up on each, then one run per
size in turn (round robin), so load on the shared machine hits every size alike; the median
per size (writes inside a transaction that is rolled back), the plan read by asm.explain.plans
(PostgreSQL: the custom plan, analyzed, and the generic plan), rows read where the dialect
counts them and rows returned. Between sizes, the growth of each case's time and rows read.
Writes bench/results/scale.md, scale.png and scale.json."""

from __future__ import annotations

import json
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import attrs
import click

import asm
from asm.cli.database import raw_connection
from asm.explain import plans
from asm.drivers.urls import parse_url
from bench import scale_seed
from bench.databases import create_database, drop_database

DIALECTS = ("postgres", "sqlite", "mysql")
RESULTS = Path(__file__).with_name("results")
TARGET = 1.3
# Rows read are counted, not timed: a keyed case whose reads grow past TARGET grows for real,
# unless the difference is a few rows (the sampled sessions differ a little between sizes).
READS_FLOOR = 100
# Below this, a difference in medians is timer and scheduling noise on a busy 2-core machine.
NOISE_MS = 0.1


@attrs.define
class Measure:
    query: str
    case: str
    klass: str
    note: str
    ms: float | None = None  # median; None: stopped at the timeout or failed
    runs: int = 0
    rows: int | None = None  # rows returned (or changed, for a write)
    verdict: str = ""
    rows_read: float | None = None
    scans: bool = False
    generic_ms: float | None = None
    generic_verdict: str = ""
    error: str = ""
    reason: str = ""  # why a keyed case cannot meet the target (plans.Case.reason)


def _settings(dialect: str, conn: Any, timeout_s: float) -> None:
    cur = conn.cursor()
    if dialect == "postgres":
        cur.execute(f"SET statement_timeout = {int(timeout_s * 1000)}")
    elif dialect == "mysql":
        cur.execute(f"SET SESSION max_statement_time = {float(timeout_s)}")
    cur.close()
    if dialect == "sqlite":
        deadline = {"at": None}

        def check() -> int:
            return int(deadline["at"] is not None and time.perf_counter() > deadline["at"])

        conn.set_progress_handler(check, 10_000)
        _DEADLINES[id(conn)] = (deadline, timeout_s)


_DEADLINES: dict[int, tuple[dict, float]] = {}


class _Deadline:
    """SQLite has no statement timeout: a progress handler interrupts past the deadline."""

    def __init__(self, conn: Any):
        self.conn = conn

    def __enter__(self) -> None:
        if id(self.conn) in _DEADLINES:
            deadline, timeout_s = _DEADLINES[id(self.conn)]
            deadline["at"] = time.perf_counter() + timeout_s

    def __exit__(self, *exc: Any) -> None:
        if id(self.conn) in _DEADLINES:
            _DEADLINES[id(self.conn)][0]["at"] = None


def _execute(dialect: str, conn: Any, query: plans.NamedQuery, params: Any, generic: bool = False,
             before: list[tuple[plans.NamedQuery, dict[str, Any]]] = ()) -> tuple[float, int]:
    """One execution: (ms, rows returned or changed). Writes, and generic executions (they need
    SET LOCAL), run in a transaction that is rolled back; only the statement is timed."""
    many = isinstance(params, list)
    encoded = [plans.encode(dialect, p) for p in params] if many else plans.encode(dialect, params)
    wrap = query.writes or generic
    cur = conn.cursor()
    try:
        if wrap:
            cur.execute("BEGIN")
            plans.run_before(conn, [(q.sql, plans.encode(dialect, p)) for q, p in before])
        try:
            with _Deadline(conn):
                if generic:
                    statement = plans.postgres_generic(conn, query.sql, encoded)
                    started = time.perf_counter()
                    cur.execute(statement)
                    rows = len(cur.fetchall()) if cur.description else cur.rowcount
                    return (time.perf_counter() - started) * 1000, rows
                started = time.perf_counter()
                if many:
                    cur.executemany(query.sql, encoded)
                elif encoded:
                    cur.execute(query.sql, encoded)
                else:
                    cur.execute(query.sql)
                rows = len(cur.fetchall()) if cur.description else cur.rowcount
                return (time.perf_counter() - started) * 1000, rows
        finally:
            if wrap:
                cur.execute("ROLLBACK")
            if generic:
                plans.postgres_deallocate(conn)
    finally:
        cur.close()


def _timed_sizes(dialect: str, items: list[tuple[Any, plans.NamedQuery, Any, list] | None], repeat: int,
                 budget_s: float, generic: bool = False) -> list[tuple[float, int, int] | BaseException | None]:
    """Median ms per size, the sizes side by side: a warm-up on each, then round robin (one timed
    run on each size in turn, repeated) so a change in the machine's load hits every size alike.
    Up to `repeat` runs per size, fewer once its budget is spent (one for a slow case). An item
    None (no parameters at that size) stays None; a failure at a size is its exception."""
    out: list[Any] = [None] * len(items)
    state: dict[int, dict[str, Any]] = {}
    for i, item in enumerate(items):
        if item is None:
            continue
        conn, query, params, before = item
        try:
            warm_ms, rows = _execute(dialect, conn, query, params, generic, before)
        except Exception as exc:  # noqa: BLE001 - the size's result
            out[i] = exc
            _recover(dialect, conn)
            continue
        state[i] = {"times": [], "rows": rows, "spent": warm_ms / 1000,
                    "repeat": 1 if warm_ms > budget_s * 1000 / 2 else repeat}
    while True:
        turn = [i for i, st in state.items() if len(st["times"]) < st["repeat"]
                and (st["spent"] < budget_s or not st["times"])]
        if not turn:
            break
        for i in turn:
            conn, query, params, before = items[i]
            st = state[i]
            try:
                ms, st["rows"] = _execute(dialect, conn, query, params, generic, before)
            except Exception as exc:  # noqa: BLE001
                out[i] = exc
                _recover(dialect, conn)
                del state[i]
                continue
            st["times"].append(ms)
            st["spent"] += ms / 1000
    for i, st in state.items():
        out[i] = (statistics.median(st["times"]), st["rows"], len(st["times"]))
    return out


def _short(exc: BaseException) -> str:
    text = f"{type(exc).__name__}: {exc}".splitlines()[0]
    return text[:200]


def _stopped(exc: BaseException) -> bool:
    text = str(exc).lower()
    return any(s in text for s in ("statement timeout", "canceling statement", "max_statement_time", "interrupted",
                                   "query execution was interrupted"))


def measure_sizes(dialect: str, conns: list[Any], *, repeat: int, budget_s: float, server: str,
                  log: Callable[[str], None]) -> tuple[list[list[Measure]], list[str], list[plans.Samples]]:
    """Every case of every named query on every size's database (one connection each, smallest
    first), timed side by side; returns the measures per size, the queries without a catalog
    entry, and the samples per size the cases were built from."""
    samples = [plans.read_samples(conn, dialect) for conn in conns]
    catalogs = [plans.catalog(s) for s in samples]
    queries = plans.named_queries(dialect)
    by_name = {q.name: q for q in queries}
    missing = [q.name for q in queries if q.name not in catalogs[0]]
    out: list[list[Measure]] = [[] for _ in conns]
    for number, query in enumerate(queries, 1):
        started = time.perf_counter()
        cases_per_size = [{c.label: c for c in cat.get(query.name, [])} for cat in catalogs]
        labels = [c.label for c in catalogs[0].get(query.name, [])]
        for label in labels:
            measures: list[Measure] = []
            items: list[Any] = []
            for size, conn in enumerate(conns):
                case = cases_per_size[size].get(label) or cases_per_size[0][label]
                m = Measure(query.name, case.label, case.klass, case.note, reason=case.reason)
                out[size].append(m)
                measures.append(m)
                try:
                    params = plans.case_params(query, case)
                    before = [(by_name[n], plans.case_params(by_name[n], plans.Case(case.label, p)))
                              for n, p in case.before if n in by_name]
                except plans.MissingParameter as exc:
                    m.error = str(exc.args[0])
                    items.append(None)
                    continue
                items.append((conn, query, params, before))
            for m, item, result in zip(measures, items, _timed_sizes(dialect, items, repeat, budget_s), strict=True):
                if item is None:
                    continue
                if isinstance(result, BaseException):
                    m.error = "stopped at the timeout" if _stopped(result) else _short(result)
                    continue
                m.ms, m.rows, m.runs = result
            for m, item in zip(measures, items, strict=True):
                if item is None or m.error:
                    continue
                conn, _query, params, before = item
                first = params[0] if isinstance(params, list) else params
                try:
                    plan = plans.explain(conn, dialect, query, first, analyze=True, server=server, before=before)
                    m.verdict, m.rows_read, m.scans = plan.verdict, plan.rows_read, bool(plan.scans())
                except Exception as exc:  # noqa: BLE001
                    m.verdict = "explain failed: " + _short(exc)
                    _recover(dialect, conn)
                if dialect == "postgres":
                    try:
                        m.generic_verdict = plans.explain(conn, dialect, query, first, generic=True).verdict
                    except Exception as exc:  # noqa: BLE001
                        m.generic_verdict = "stopped" if _stopped(exc) else _short(exc)
                        _recover(dialect, conn)
            if dialect == "postgres":
                generic = [None if item is None or m.error else
                           (item[0], query, item[2][0] if isinstance(item[2], list) else item[2], item[3])
                           for m, item in zip(measures, items, strict=True)]
                for m, result in zip(measures, _timed_sizes(dialect, generic, min(repeat, 3), budget_s, generic=True),
                                     strict=True):
                    if isinstance(result, BaseException):
                        m.generic_verdict = m.generic_verdict or ("stopped" if _stopped(result) else _short(result))
                    elif result is not None:
                        m.generic_ms = result[0]
        log(f"    {number}/{len(queries)} {query.name}: {len(labels)} cases on {len(conns)} sizes, "
            f"{time.perf_counter() - started:.1f} s")
    return out, missing, samples


def _recover(dialect: str, conn: Any) -> None:
    """After a failure inside a transaction: end it (a no-op when there is none)."""
    cur = conn.cursor()
    try:
        cur.execute("ROLLBACK")
    except Exception:  # noqa: BLE001
        pass
    finally:
        cur.close()
    if dialect == "postgres":
        try:
            plans.postgres_deallocate(conn)
        except Exception:  # noqa: BLE001
            pass


@attrs.define
class SizeRun:
    dialect: str
    events: int
    seed_s: float = 0.0
    run_s: float = 0.0
    seed_tables: dict[str, float] = attrs.Factory(dict)
    storage: dict[str, int] = attrs.Factory(dict)
    counts: dict[str, int] = attrs.Factory(dict)
    measures: list[Measure] = attrs.Factory(list)
    missing: list[str] = attrs.Factory(list)
    server: str = ""
    hot_session_events: int = 0
    cold_session_events: int = 0


def load_run(saved: dict[str, Any]) -> SizeRun:
    """A SizeRun from scale.json, its cases' notes and reasons taken from today's catalog."""
    labels = {(q, c.label): c for q, cases in catalog_labels().items() for c in cases}
    run = SizeRun(**{k: v for k, v in saved.items() if k != "measures"})
    for m in saved["measures"]:
        case = labels.get((m["query"], m["case"]))
        m = {**m, **({"note": case.note, "reason": case.reason} if case else {})}
        run.measures.append(Measure(**m))
    return run


def catalog_labels() -> dict[str, list[plans.Case]]:
    """The catalog's cases over an empty database (labels, classes, notes and reasons do not
    depend on the values read)."""
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'labels.db'}"
        asm.migrate(url)
        conn = raw_connection(parse_url(url))
        try:
            return plans.catalog(plans.read_samples(conn, "sqlite"))
        finally:
            conn.close()


def _server(dialect: str, conn: Any) -> str:
    cur = conn.cursor()
    try:
        if dialect == "postgres":
            cur.execute("SHOW server_version")
            return "PostgreSQL " + cur.fetchone()[0].split()[0]
        if dialect == "mysql":
            cur.execute("SELECT VERSION()")
            return cur.fetchone()[0]
        cur.execute("SELECT sqlite_version()")
        return "SQLite " + cur.fetchone()[0]
    finally:
        cur.close()


def _counts(conn: Any) -> dict[str, int]:
    cur = conn.cursor()
    try:
        out = {}
        for table in scale_seed.ASM_TABLES:
            cur.execute(f"SELECT COUNT(*) FROM {table}")
            out[table] = int(cur.fetchone()[0])
        return out
    finally:
        cur.close()


def seed_size(dialect: str, url: str, events: int, *, log: Callable[[str], None]) -> tuple[SizeRun, Any]:
    """One size's database migrated, seeded and analyzed; returns its run and its open connection."""
    run = SizeRun(dialect, events)
    asm.migrate(url)
    conn = raw_connection(parse_url(url))
    try:
        run.server = _server(dialect, conn)
        started = time.perf_counter()
        log(f"  seeding {events:,} events")
        run.seed_tables = scale_seed.seed(dialect, conn, scale_seed.Shape(events), log=log)
        scale_seed.analyze(dialect, conn)
        run.seed_s = time.perf_counter() - started
        run.counts = _counts(conn)
        run.storage = scale_seed.storage(dialect, conn, parse_url(url).database or "")
        log(f"  seeded in {run.seed_s:.0f} s")
    except BaseException:
        conn.close()
        raise
    return run, conn


def run_sizes(dialect: str, urls: list[str], sizes: list[int], *, repeat: int, budget_s: float, timeout_s: float,
              log: Callable[[str], None]) -> list[SizeRun]:
    """Every size seeded first (each its own database, kept open), then every case timed on all
    of them side by side (measure_sizes)."""
    runs: list[SizeRun] = []
    conns: list[Any] = []
    try:
        for url, events in zip(urls, sizes, strict=True):
            log(f"{dialect}, {events:,} events: {parse_url(url)}")
            run, conn = seed_size(dialect, url, events, log=log)
            runs.append(run)
            conns.append(conn)
        for conn in conns:
            _settings(dialect, conn, timeout_s)
        log(f"{dialect}: running the queries on {len(conns)} sizes side by side")
        started = time.perf_counter()
        measures, missing, samples = measure_sizes(dialect, conns, repeat=repeat, budget_s=budget_s,
                                                   server=runs[0].server, log=log)
        elapsed = time.perf_counter() - started
        for run, run_measures, sample in zip(runs, measures, samples, strict=True):
            run.measures, run.missing, run.run_s = run_measures, missing, elapsed
            run.hot_session_events, run.cold_session_events = sample.hot_length, sample.cold_length
    finally:
        for conn in conns:
            _DEADLINES.pop(id(conn), None)
            conn.close()
    return runs


# --- the report -----------------------------------------------------------------------------


def _ms(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:,.0f}" if value >= 100 else f"{value:,.1f}" if value >= 10 else f"{value:.2f}"


def _rows(value: float | None) -> str:
    return "—" if value is None else f"{value:,.0f}"


def growth(times: list[float | None]) -> list[float | None]:
    return [None if a is None or b is None or a <= 0 else b / a for a, b in zip(times, times[1:])]


def target_met(klass: str, times: list[float | None], error: str = "") -> str:
    if klass != plans.KEYED:
        return "analytics"
    if error or any(t is None for t in times):
        return "**no** (" + (error or "failed at a size") + ")"
    if len(times) < 2:
        return "—"
    ok = all(g is not None and (g <= TARGET or b - a <= NOISE_MS)
             for g, a, b in zip(growth(times), times, times[1:]))
    return "yes" if ok else "**no**"


def reads_grow(klass: str, reads: list[float | None]) -> float | None:
    """The largest growth of a keyed case's rows read between consecutive sizes when it is past
    TARGET (and more than READS_FLOOR rows), else None."""
    if klass != plans.KEYED:
        return None
    worst = None
    for g, a, b in zip(growth(reads), reads, reads[1:]):
        if g is not None and g > TARGET and b - a > READS_FLOOR and (worst is None or g > worst):
            worst = g
    return worst


def _table_rows(runs: list[SizeRun]) -> list[dict[str, Any]]:
    """One row per (query, case), over the sizes in order."""
    keyed: dict[tuple[str, str], dict[str, Any]] = {}
    for run in sorted(runs, key=lambda r: r.events):
        for m in run.measures:
            row = keyed.setdefault((m.query, m.case), {"query": m.query, "case": m.case, "klass": m.klass,
                                                       "note": m.note, "reason": m.reason, "times": [],
                                                       "generic": [], "reads": [],
                                                       "last": m})
            row["times"].append(m.ms)
            row["reads"].append(m.rows_read)
            row["generic"].append(m.generic_ms)
            row["last"] = m
            row["error"] = m.error or row.get("error", "")
    sizes = len(runs)
    for row in keyed.values():  # a case missing at a size (a query added between runs)
        row["times"] += [None] * (sizes - len(row["times"]))
        row["reads"] += [None] * (sizes - len(row["reads"]))
    return list(keyed.values())


def write_report(runs: list[SizeRun], out: Path, name: str, command: str, elapsed_s: float) -> tuple[Path, Path]:
    out.mkdir(parents=True, exist_ok=True)
    md, png, raw = out / f"{name}.md", out / f"{name}.png", out / f"{name}.json"
    by_dialect: dict[str, list[SizeRun]] = {}
    for run in runs:
        by_dialect.setdefault(run.dialect, []).append(run)
    lines = [
        "# Every named query at scale",
        "",
        f"`{command}` ({elapsed_s / 60:.0f} min in all). **Sizes are measured side by side**: per dialect every "
        "size is seeded first (each its own database, kept open), then each case runs once on every size as a "
        "warm-up and its timed runs alternate between the sizes (round robin), so a change in the shared "
        "machine's load hits every size alike and the growth ratios are not skewed by it. Each dialect and size "
        "is a fresh database, migrated, seeded with set-based SQL (`bench/scale_seed.py`: N events, N/50 sessions over 50 agents, 3 runs per "
        "session, three hot sessions holding 10% of the events each, the other sessions about 35 events each, "
        "spread over 180 days) and analyzed, on the servers' default configurations. Every named query of "
        "`queries/<dialect>/` runs with the cases of `asm/explain/plans.py: catalog` (values read from the database "
        "by `read_samples`). Times are the median of up to 5 runs after a warm-up (fewer for slow ones), in ms; "
        "writes run in a transaction that is rolled back. *growth* is the time at a size over the time at the "
        "size before; *rows read* are given at every size, and *reads growth* is their ratio (counted, not "
        "timed: no noise). A **keyed** case (by session, id or cursor) meets its target when each growth is at most "
        f"{TARGET}x, or the difference is under {NOISE_MS} ms (timer noise); an **analytics** case reads what "
        "it summarizes, and its cost is the measure. A keyed case whose rows read grow by more than "
        f"{TARGET}x (and more than {READS_FLOOR} rows) is listed among the misses with *reads grow*, whatever its "
        "times. The verdict and rows returned are those at the largest size (*rows read* from EXPLAIN ANALYZE on PostgreSQL and ANALYZE on MariaDB; SQLite does not count them). "
        "On PostgreSQL *generic* is the plan a prepared statement may switch to after 5 executions "
        "(`plan_cache_mode = force_generic_plan`; asm forces custom plans whenever it prepares).",
        "",
        "## Runs",
        "",
        "| dialect | server | events | sessions | runs | seed s | queries s (all sizes) | hot session | typical session |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for run in runs:
        lines.append(f"| {run.dialect} | {run.server} | {run.events:,} | {run.counts.get('asm_sessions', 0):,} | "
                     f"{run.counts.get('asm_runs', 0):,} | {run.seed_s:,.0f} | {run.run_s:,.0f} | "
                     f"{run.hot_session_events:,} | {run.cold_session_events:,} |")
    lines += ["", "## Storage per event (largest size)", "",
              "All of asm's tables with their indexes (and TOAST), over the number of events; *events table* is "
              "asm_events alone. PostgreSQL: `pg_total_relation_size`; MariaDB: `data_length + index_length` "
              "after ANALYZE TABLE; SQLite: `dbstat` pages. Each event carries about 190 bytes of `data` JSON.",
              "", "| dialect | events | all tables MB | bytes per event | events table bytes per event |",
              "|---|---:|---:|---:|---:|"]
    for dialect, dialect_runs in by_dialect.items():
        big = max(dialect_runs, key=lambda r: r.events)
        total = sum(big.storage.values())
        events_bytes = big.storage.get("asm_events", total)
        lines.append(f"| {dialect} | {big.events:,} | {total / 1e6:,.1f} | {total / max(big.events, 1):,.0f} | "
                     f"{events_bytes / max(big.events, 1):,.0f} |")
    failing: list[str] = []
    reasoned: list[str] = []
    for dialect, dialect_runs in by_dialect.items():
        dialect_runs.sort(key=lambda r: r.events)
        sizes = [r.events for r in dialect_runs]
        rows = _table_rows(dialect_runs)
        pg = dialect == "postgres"
        head = ["query", "case", "class"] + [f"{_size(s)} ms" for s in sizes]
        head += ["growth"] if len(sizes) > 1 else []
        head += ["rows read"] + (["reads growth"] if len(sizes) > 1 else [])
        head += ["target met", "verdict", "rows returned"]
        head += ["generic ms", "generic verdict"] if pg else []
        lines += ["", f"## {dialect}", "", "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        for row in rows:
            m: Measure = row["last"]
            met = target_met(row["klass"], row["times"], row.get("error", ""))
            reads = reads_grow(row["klass"], row["reads"])
            why = [] if not met.startswith("**no**") else [
                row.get("error") or "time grows " + ", ".join(
                    "—" if g is None else f"{g:.2f}x" for g in growth(row["times"]))]
            why += [] if reads is None else [f"reads grow {reads:.2f}x"]
            counted = all(r is not None for r in row["reads"])
            same = counted and (all(r == 0 for r in row["reads"])
                                or all(g is not None and g <= 1.05 for g in growth(row["reads"])))
            if why and reads is None and same:
                why.append("rows read the same (" + ", ".join(_rows(r) for r in row["reads"]) + ")")
            if why and row["reason"] and not row.get("error"):
                reasoned.append(f"{dialect}: `{row['query']}` ({row['case']}): " + "; ".join(why)
                                + f". *Why:* {row['reason']}")
                met = "**no**, see why" if met.startswith("**no**") else met + ", reads grow: see why"
            elif why:
                failing.append(f"{dialect}: `{row['query']}` ({row['case']}): " + "; ".join(why))
            cells = [f"`{row['query']}`", row["case"], row["klass"]] + [_ms(t) for t in row["times"]]
            if len(sizes) > 1:
                cells.append(", ".join("—" if g is None else f"{g:.2f}x" for g in growth(row["times"])))
            cells.append(", ".join(_rows(r) for r in row["reads"]))
            if len(sizes) > 1:
                cells.append(", ".join("—" if g is None else f"{g:.2f}x" for g in growth(row["reads"])))
            verdict = m.error if m.error and not m.verdict else m.verdict
            cells += [met, verdict.replace("|", "/"), _rows(m.rows)]
            if pg:
                cells += [_ms(m.generic_ms), m.generic_verdict.replace("|", "/")]
            lines.append("| " + " | ".join(cells) + " |")
        missing = sorted({q for r in dialect_runs for q in r.missing})
        if missing:
            lines += ["", f"Queries of {dialect} without a catalog entry: " + ", ".join(f"`{q}`" for q in missing)]
        notes = sorted({(r["query"], r["case"], r["note"]) for r in rows if r["note"]})
        if notes:
            lines += ["", f"Analytics and notes ({dialect}):", ""]
            lines += [f"- `{q}` ({c}): {n}" for q, c, n in notes]
    lines += ["", "## Keyed cases that miss the target", ""]
    if any("rows read the same" in f for f in failing):
        lines += ["Where the rows read are the same at every size, the plan reads the same rows: what grows is "
                  "the cost of reaching them (a B-tree one level deeper, pages that no longer stay in the server's "
                  "own cache: PostgreSQL's default shared_buffers is 128 MB, MariaDB's buffer pool 128 MB, "
                  "SQLite's page cache 2 MB), not the work of the plan.", ""]
    lines += [f"- {f}" for f in failing] or ["None."]
    lines += ["", "## Keyed cases that cannot meet it, and why", "",
              "Their cost follows something that grows with this seed other than the table: a hot session "
              "holds 10% of the events at every size, and so do its runs and its time windows.", ""]
    lines += [f"- {f}" for f in reasoned] or ["None."]
    md.write_text("\n".join(lines) + "\n")
    raw.write_text(json.dumps([attrs.asdict(r) for r in runs], indent=1, default=str))
    _plot(by_dialect, png)
    return md, png


def _size(events: int) -> str:
    for unit, div in (("M", 1_000_000), ("k", 1_000)):
        if events >= div and events % (div // 10) == 0:
            value = events / div
            return f"{value:g}{unit}"
    return f"{events:,}"


def _plot(by_dialect: dict[str, list[SizeRun]], path: Path) -> None:
    """Per dialect: time at the smallest size against time at the largest, log-log; keyed cases
    above the 1.3x line miss the target."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(by_dialect), figsize=(6 * len(by_dialect), 5.5), squeeze=False)
    for ax, (dialect, dialect_runs) in zip(axes[0], by_dialect.items(), strict=True):
        dialect_runs = sorted(dialect_runs, key=lambda r: r.events)
        rows = _table_rows(dialect_runs)
        small, large = dialect_runs[0].events, dialect_runs[-1].events
        for klass, color in ((plans.ANALYTICS, "#999999"), (plans.KEYED, "#1f77b4")):
            points = [(r["times"][0], r["times"][-1], r) for r in rows if r["klass"] == klass
                      and r["times"][0] and r["times"][-1]]
            bad = [p for p in points if klass == plans.KEYED and target_met(klass, p[2]["times"]) != "yes"]
            good = [p for p in points if p not in bad]
            ax.scatter([p[0] for p in good], [p[1] for p in good], s=14, c=color, label=klass, alpha=0.8)
            if bad:
                ax.scatter([p[0] for p in bad], [p[1] for p in bad], s=22, c="#d62728", label="keyed, missed")
                for x, y, r in bad[:12]:
                    ax.annotate(r["query"], (x, y), fontsize=6, alpha=0.8)
        everything = [t for r in rows for t in (r["times"][0], r["times"][-1]) if t]
        lo, hi = (min(everything) / 2, max(everything) * 2) if everything else (0.01, 1000)
        ax.plot([lo, hi], [lo, hi], "k:", lw=0.8, label="same time")
        ax.plot([lo, hi], [lo * TARGET, hi * TARGET], "g--", lw=0.8, label=f"{TARGET}x")
        ratio = large / small if small else 10
        ax.plot([lo, hi], [lo * ratio, hi * ratio], "r:", lw=0.8, label=f"{ratio:g}x (grows with the data)")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlim(lo, hi)
        ax.set_ylim(lo, hi * ratio)
        ax.set_xlabel(f"ms at {_size(small)} events")
        ax.set_ylabel(f"ms at {_size(large)} events")
        ax.set_title(dialect)
        ax.legend(fontsize=7, loc="upper left")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


# --- the command ----------------------------------------------------------------------------


def _sizes(_ctx: Any, _param: Any, value: str) -> list[int]:
    try:
        sizes = sorted({int(v.replace("_", "")) for v in value.split(",") if v.strip()})
    except ValueError:
        raise click.BadParameter("a comma-separated list of event counts, e.g. 100000,1000000") from None
    if not sizes or sizes[0] < 100:
        raise click.BadParameter("sizes of at least 100 events")
    return sizes


@click.command(name="scale")
@click.option("--sizes", default="100000,1000000", show_default=True, callback=_sizes,
              help="Event counts to seed, comma-separated (growth is measured between consecutive ones).")
@click.option("--dialect", "-d", "dialects", multiple=True, type=click.Choice(DIALECTS),
              help="Dialects to run (repeatable); all three by default.")
@click.option("--repeat", "-n", default=5, show_default=True, help="Timed runs per case after a warm-up.")
@click.option("--budget", default=3.0, show_default=True, help="Seconds of timed runs per case at most.")
@click.option("--timeout", default=120.0, show_default=True, help="Seconds before a statement is stopped.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=RESULTS, show_default=True,
              help="Where NAME.md, NAME.png and NAME.json go.")
@click.option("--name", default="scale", show_default=True, help="Base name of the result files.")
@click.option("--keep", is_flag=True, help="Keep the scratch databases (their URLs are printed).")
@click.option("--from-json", "from_json", type=click.Path(dir_okay=False, exists=True, path_type=Path),
              help="Measure nothing: write the report again from a saved NAME.json, with the catalog's current "
                   "notes and reasons.")
def main(sizes: list[int], dialects: tuple[str, ...], repeat: int, budget: float, timeout: float, out: Path,
         name: str, keep: bool, from_json: Path | None) -> None:
    """Seed production-shaped databases and time every named query, per dialect and size."""
    started = time.perf_counter()
    command = "python -m bench scale --sizes " + ",".join(str(s) for s in sizes) + "".join(
        f" -d {d}" for d in dialects)
    if from_json is not None:
        runs = [load_run(r) for r in json.loads(from_json.read_text())]
        names = sorted({r.dialect for r in runs}, key=DIALECTS.index)
        command = "python -m bench scale --sizes " + ",".join(str(s) for s in sorted({r.events for r in runs})) + (
            "".join(f" -d {d}" for d in names) if len(names) < len(DIALECTS) else "")
        elapsed = sum(r.seed_s for r in runs) + sum({r.dialect: r.run_s for r in runs}.values())
        md, png = write_report(runs, out, name, command, elapsed)
        click.echo(f"wrote {md} and {png}")
        return
    runs: list[SizeRun] = []

    def log(text: str) -> None:
        click.echo(f"[{time.perf_counter() - started:6.0f} s] {text}")

    with tempfile.TemporaryDirectory(prefix="asm-scale-") as tmp:
        for dialect in dialects or DIALECTS:
            urls: list[str] = []
            try:
                for _events in sizes:
                    urls.append(create_database(dialect, Path(tmp) if not keep else Path(tempfile.mkdtemp())))
                runs += run_sizes(dialect, urls, sizes, repeat=repeat, budget_s=budget, timeout_s=timeout, log=log)
                log(f"{dialect}: queries on every size in {runs[-1].run_s:.0f} s")
                # After every dialect, so a long run stopped midway keeps what it measured.
                write_report(runs, out, name, command, time.perf_counter() - started)
            finally:
                if not keep:
                    for url in urls:
                        drop_database(dialect, url)
    md, png = write_report(runs, out, name, command, time.perf_counter() - started)
    click.echo(f"wrote {md} and {png}")
