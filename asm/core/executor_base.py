"""What the sync and async executors share beyond plan.py: their setup, error wording and
the record of an open transaction."""

from __future__ import annotations

from typing import Any

import attrs

from asm.core.database import Database
from asm.drivers.dialects import DIALECTS
from asm.sql.files import load_queries
from asm.drivers.errors import translate
from asm.drivers.urls import DatabaseURL
from asm.errors import StorageConnectionFailed, StorageWriteFailed


@attrs.define(eq=False)
class OpenTransaction:
    """The connection of a `store.transaction()` block, shared by the calls made inside it.

    Tasks the block starts (and threads given its context) inherit it through a ContextVar and
    may outlive the block: `open` turns False as the block exits, after which their calls run
    on their own connections instead of inside whatever transaction that connection holds next.
    `lock` (threading or asyncio) keeps their statements from interleaving on the connection.
    """

    conn: Any
    lock: Any
    open: bool = True


ORPHANED_SAVEPOINT = ("a store.transaction() block nested in another ended after the outer one: its work "
                      "was committed or rolled back with the outer transaction; await the tasks a "
                      "transaction starts before its block exits")


def orphaned_savepoint() -> StorageWriteFailed:
    return StorageWriteFailed(ORPHANED_SAVEPOINT, details={"operation": "transaction"})


class ExecutorBase:
    def __init__(self, url: DatabaseURL, aiosql_adapter: str):
        self.url = url
        self.dialect = DIALECTS[url.dialect]
        # What the operations receive: the dialect and this store's settings (set by connect).
        self.database = Database(self.dialect)
        self._queries = load_queries(url.dialect, aiosql_adapter)
        self.closed = False

    def _check_open(self) -> None:
        if self.closed:
            raise StorageConnectionFailed("the store is closed", retryable=False)

    def _translate(self, exc: BaseException, *, write: bool, what: str) -> BaseException:
        return translate(exc, url=self.url, write=write, what=what)

    def _query(self, name: str) -> Any:
        return getattr(self._queries, name)
