"""A case: one named query's parameters with a label, classed keyed or analytics; and the
parameters of exactly a query's own names, from a case with defaults filled in."""

from __future__ import annotations

from typing import Any

import attrs

from asm.explain.queries import NamedQuery

# keyed: by session, id or cursor, its cost must not grow with the tables;
# analytics: reads what it summarizes.
KEYED, ANALYTICS = "keyed", "analytics"


@attrs.frozen
class Case:
    label: str
    params: dict[str, Any]
    klass: str = KEYED
    many: tuple[dict[str, Any], ...] = ()  # rows of a `*!` query (params is then the first)
    note: str = ""
    # Statements run first in the same (rolled-back) transaction, untimed: (query name, params).
    before: tuple[tuple[str, dict[str, Any]], ...] = ()
    # Why a keyed case cannot meet the growth target (its cost follows something else that grows
    # with the seed): the report lists such a miss with it, apart from the unexplained ones.
    reason: str = ""


# Parameters every query may leave out of its cases: filters (NULL = none) and paging.
DEFAULTS: dict[str, Any] = {
    **dict.fromkeys((
        "agent_id", "statuses", "provider", "tags", "created_after", "created_before", "after_at", "after_id",
        "started_after", "started_before", "min_tokens", "after_tokens", "session_ids", "run_ids", "types",
        "providers", "since", "until", "correlation_id", "after_session_id", "after_sequence", "run_id", "after",
        "before", "status", "graph_id", "after_created_at", "protected_types", "first_types", "exempt_statuses",
        "exempt_tags", "completed_before", "parent_session_id", "deleted_at", "status_message", "input", "output",
        "error", "content_type", "checksum_sha256", "storage_backend", "storage_ref", "ended_at")),
    "include_deleted": 0, "limit": 100, "offset": 0, "schema_version": 1, "metadata": {},
}


class MissingParameter(KeyError):
    """A case gives no value for a parameter of its query, and it has no default."""


def case_params(query: NamedQuery, case: Case) -> dict[str, Any] | list[dict[str, Any]]:
    """The case's logical parameters for exactly the query's parameters (defaults filled in);
    a list of them for a `*!` query."""
    if query.many and case.many:
        return [query_params(query, row, case.label) for row in case.many]
    return query_params(query, case.params, case.label)


def query_params(query: NamedQuery, given: dict[str, Any], label: str) -> dict[str, Any]:
    """`given` for exactly the query's parameters, defaults filled in (`label`: the case's, for
    the error)."""
    out = {}
    for name in query.params:
        if name in given:
            out[name] = given[name]
        elif name in DEFAULTS:
            out[name] = DEFAULTS[name]
        else:
            raise MissingParameter(f"{query.name}: no value for parameter {name!r} in case {label!r}")
    return out
