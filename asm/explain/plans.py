"""Every name of the former single module `asm.explain.plans`, for the code that still imports
it (`asm/cli/explain.py`, `bench/scale.py`, tests); new code imports the modules by concern
(see `asm/explain/__init__.py`)."""

from __future__ import annotations

from asm.explain.cases import (ANALYTICS, DEFAULTS, KEYED, Case, MissingParameter, case_params,
                               query_params)
from asm.explain.catalog import (DELETED_SWEEP, FEWER_THAN_A_PAGE, ID_LIST, MARIADB_UNTIL, RETENTION_SWEEP,
                                 RUN_LIST_FILTER, SINCE_IN_NUMBER_ORDER, SWEEP, TYPE_IN_NUMBER_ORDER, catalog)
from asm.explain.explain import explain
from asm.explain.mysql import read_mysql_plan, read_mysql_tree
from asm.explain.parameters import JSON_PARAMS, LIST_PARAMS, TIME_PARAMS, encode, parse_value
from asm.explain.postgres import (GENERIC_NAME, postgres_deallocate, postgres_generic, postgres_positional,
                                  read_postgres_plan)
from asm.explain.queries import NamedQuery, named_queries
from asm.explain.samples import PLACEHOLDER_SESSION, SAMPLE_EVENTS, SAMPLE_ROWS, Samples, read_samples
from asm.explain.sqlite import read_sqlite_plan
from asm.explain.statements import fetch, run_before
from asm.explain.verdicts import FULL_SCAN, INDEX_RANGE, INDEX_WALK, Access, Plan

__all__ = [
    "ANALYTICS", "DEFAULTS", "DELETED_SWEEP", "FEWER_THAN_A_PAGE", "FULL_SCAN", "GENERIC_NAME", "ID_LIST",
    "INDEX_RANGE", "INDEX_WALK", "JSON_PARAMS", "KEYED", "LIST_PARAMS", "MARIADB_UNTIL", "PLACEHOLDER_SESSION",
    "RETENTION_SWEEP", "RUN_LIST_FILTER", "SAMPLE_EVENTS", "SAMPLE_ROWS", "SINCE_IN_NUMBER_ORDER", "SWEEP",
    "TIME_PARAMS", "TYPE_IN_NUMBER_ORDER", "Access", "Case", "MissingParameter", "NamedQuery", "Plan", "Samples",
    "case_params", "catalog", "encode", "explain", "fetch", "named_queries", "parse_value", "postgres_deallocate",
    "postgres_generic", "postgres_positional", "query_params", "read_mysql_plan", "read_mysql_tree",
    "read_postgres_plan", "read_samples", "read_sqlite_plan", "run_before",
]
