"""What the sync and async executors share beyond plan.py: their setup and error wording."""

from __future__ import annotations

from typing import Any

from asm.db.dialects import DIALECTS
from asm.db.resources import load_queries
from asm.db.translate import translate
from asm.db.urls import DatabaseURL
from asm.errors import StorageConnectionFailed


class ExecutorBase:
    def __init__(self, url: DatabaseURL, aiosql_adapter: str):
        self.url = url
        self.dialect = DIALECTS[url.dialect]
        self._queries = load_queries(url.dialect, aiosql_adapter)
        self.closed = False

    def _check_open(self) -> None:
        if self.closed:
            raise StorageConnectionFailed("the store is closed", retryable=False)

    def _translate(self, exc: BaseException, *, write: bool, what: str) -> BaseException:
        return translate(exc, url=self.url, write=write, what=what)

    def _query(self, name: str) -> Any:
        return getattr(self._queries, name)
