"""The unit tier: store logic run against scripted query results, with no database.

Every test here drives a sans-I/O generator through `drive.play`/`drive.run`; none may use a
fixture that opens or migrates a database (those of tests/conftest.py).
"""

from __future__ import annotations

import pytest

pytest.register_assert_rewrite("drive")

from asm.drivers.dialects import Dialect  # noqa: E402 - after the assert rewrite is registered
from drive import fresh_dialect  # noqa: E402

DIALECT_NAMES = ("postgres", "sqlite", "mysql")
# What tests/conftest.py offers for tests against real databases.
_DATABASE_FIXTURES = frozenset({"_migrated_urls", "database_url", "raw", "connect", "event_loop_thread", "api",
                                "dialect"})


@pytest.fixture(params=DIALECT_NAMES)
def each_dialect(request: pytest.FixtureRequest) -> Dialect:
    """Each dialect in turn, a fresh copy as a store runs it."""
    return fresh_dialect(request.param)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    used = _DATABASE_FIXTURES.intersection(getattr(item, "fixturenames", ()))
    if used:
        pytest.fail(f"{item.nodeid} is a unit test but asks for {sorted(used)}: unit tests use no database "
                    "(for a dialect, use each_dialect or drive.fresh_dialect)", pytrace=False)
