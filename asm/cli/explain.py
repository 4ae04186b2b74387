"""`asm explain`: the database's plans for asm's named queries, with realistic parameters.

Parameters come from the database itself (`asm.explain.plans.read_samples`: the busiest recent
session, the rarest types, statuses and providers among the latest rows, a cursor at the hot
session's middle) through the cases of `asm.explain.plans.catalog`, the same cases the scale
benchmark runs. Each plan is read into a verdict (index range, index walk, full scan, sort)
and, for a query keyed by session, id or cursor, a full scan or a big index walk or sort is
flagged as a problem.
"""

from __future__ import annotations

from typing import Any

import attrs

from asm.explain import plans
from asm.drivers.errors import translate
from asm.drivers.urls import DatabaseURL
from asm.errors import NotFound, ValidationError

# The hot reads `asm explain` shows without a name.
HOT_QUERIES = ("get_events", "get_latest_events", "get_session", "search_sessions_updated_desc",
               "search_runs_started_desc", "search_events_sequence_asc")
# A keyed plan reading more rows than this from a table, or sorting more, is flagged.
PROBLEM_ROWS = 1_000


@attrs.frozen
class Explained:
    query: str
    case: str
    klass: str
    sql: str
    parameters: dict[str, Any]
    verdict: str
    plan: list[str]
    rows_read: float | None
    analyzed: bool
    problem: str  # why the plan will not hold as the tables grow ("" when fine or analytics)
    generic: bool = False
    rows_returned: int | None = None
    ms: float | None = None
    note: str = ""


def problem(plan: plans.Plan, klass: str) -> str:
    if klass != plans.KEYED:
        return ""
    found = [f"{a.kind} of {a.table}" for a in plan.scans(PROBLEM_ROWS)
             if a.rows is None or a.rows > PROBLEM_ROWS]
    found += [f"sort of {rows:,.0f} rows" for rows in plan.sorts if rows is not None and rows > PROBLEM_ROWS]
    return "; ".join(found)


class Explainer:
    """One connection, its samples and the catalog built from them."""

    def __init__(self, url: DatabaseURL, conn: Any):
        self.url, self.conn, self.dialect = url, conn, url.dialect
        self.server = conn.get_server_info() if self.dialect == "mysql" else ""
        self.queries = {q.name: q for q in plans.named_queries(self.dialect)}
        try:
            self.samples = plans.read_samples(conn, self.dialect)
        except Exception as exc:
            raise translate(exc, url=url, write=False, what="reading samples for explain") from exc
        self.catalog = plans.catalog(self.samples)

    def query(self, name: str) -> plans.NamedQuery:
        if name not in self.queries:
            raise NotFound(f"no query named {name!r} for {self.dialect}; `asm sql` lists them",
                           details={"name": name, "dialect": self.dialect})
        return self.queries[name]

    def cases(self, name: str, given: dict[str, str] | None = None) -> list[plans.Case]:
        """The catalog's cases, or with --param one case: the first one with those values."""
        query = self.query(name)
        cases = self.catalog.get(name) or [plans.Case("no catalog entry", {})]
        if not given:
            return cases
        unknown = sorted(set(given) - set(query.params))
        if unknown:
            raise ValidationError(f"{name} has no parameter {', '.join(unknown)} (it takes: {', '.join(query.params)})",
                                  details={"name": name, "parameters": unknown})
        first = cases[0]
        values = {k: plans.parse_value(k, v, first.params.get(k, plans.DEFAULTS.get(k))) for k, v in given.items()}
        return [attrs.evolve(first, label="given parameters", params={**first.params, **values}, many=())]

    def explain(self, name: str, case: plans.Case, *, analyze: bool = False, generic: bool = False) -> Explained:
        query = self.query(name)
        try:
            params = plans.case_params(query, case)
        except plans.MissingParameter as exc:
            raise ValidationError(f"{exc.args[0]}: give it with --param", details={"name": name}) from None
        first = params[0] if isinstance(params, list) else params
        before = [(self.queries[n], plans.query_params(self.queries[n], p, case.label))
                  for n, p in case.before if n in self.queries]
        try:
            plan = plans.explain(self.conn, self.dialect, query, first, analyze=analyze, generic=generic,
                                 server=self.server, before=before)
            returned, ms = self._run(query, first, before) if analyze else (None, None)
        except Exception as exc:
            raise translate(exc, url=self.url, write=query.writes, what=f"explaining {name}") from exc
        return Explained(query=name, case=case.label, klass=case.klass, sql=query.sql,
                         parameters=plans.encode(self.dialect, first), verdict=plan.verdict, plan=list(plan.lines),
                         rows_read=plan.rows_read, analyzed=plan.analyzed, problem=problem(plan, case.klass),
                         generic=generic, rows_returned=returned, ms=ms, note=plan.note or case.note)

    def _run(self, query: plans.NamedQuery, params: dict[str, Any],
             before: list[tuple[plans.NamedQuery, dict[str, Any]]]) -> tuple[int, float]:
        """Rows returned (or changed) and the time of one execution; writes are rolled back."""
        import time

        encoded = plans.encode(self.dialect, params)
        cur = self.conn.cursor()
        try:
            if query.writes:
                cur.execute("BEGIN")
                plans.run_before(self.conn, [(q.sql, plans.encode(self.dialect, p)) for q, p in before])
            try:
                started = time.perf_counter()
                cur.execute(query.sql, encoded) if encoded else cur.execute(query.sql)
                rows = len(cur.fetchall()) if cur.description else cur.rowcount
                return rows, (time.perf_counter() - started) * 1000
            finally:
                if query.writes:
                    cur.execute("ROLLBACK")
        finally:
            cur.close()


def explain(url: DatabaseURL, conn: Any, names: list[str] | None = None, *, given: dict[str, str] | None = None,
            analyze: bool = False, generic: bool = False, every_case: bool = True) -> list[Explained]:
    """Plans of the named queries (the hot reads when none is named): every catalog case of
    each, or only its first (`every_case=False`), or one case with the given parameters."""
    explainer = Explainer(url, conn)
    out = []
    for name in names or HOT_QUERIES:
        cases = explainer.cases(name, given)
        for case in cases if every_case or given else cases[:1]:
            out.append(explainer.explain(name, case, analyze=analyze, generic=generic))
    return out


def explain_all(url: DatabaseURL, conn: Any, *, analyze: bool = False, generic: bool = False) -> list[Explained]:
    """Every case of every named query (writes are only explained, or with analyze run and rolled
    back). A case that fails is reported in its row rather than ending the table."""
    explainer = Explainer(url, conn)
    out = []
    for name in explainer.queries:
        for case in explainer.catalog.get(name) or [plans.Case("no catalog entry", {})]:
            try:
                out.append(explainer.explain(name, case, analyze=analyze, generic=generic))
            except Exception as exc:  # noqa: BLE001 - one row, the error as its verdict
                _end_transaction(conn)
                message = getattr(exc, "message", None) or f"{type(exc).__name__}: {exc}"
                out.append(Explained(query=name, case=case.label, klass=case.klass, sql=explainer.queries[name].sql,
                                     parameters={}, verdict="error: " + message.splitlines()[0], plan=[],
                                     rows_read=None, analyzed=analyze, problem="", generic=generic))
    return out


def _end_transaction(conn: Any) -> None:
    cur = conn.cursor()
    try:
        cur.execute("ROLLBACK")
    except Exception:  # noqa: BLE001 - none was open
        pass
    finally:
        cur.close()
