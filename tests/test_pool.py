"""The blocking and the asyncio pools of the sqlite3 and MySQL stores."""

import asyncio
import sqlite3
import threading

import pytest

import asm
from asm.drivers.async_pool import AsyncSimplePool
from asm.drivers.pool import SimplePool


def sqlite_pool(path, max_size=2, timeout=5.0):
    return SimplePool(lambda: sqlite3.connect(path, isolation_level=None, check_same_thread=False),
                      sqlite3.Connection.close, max_size=max_size, timeout=timeout)


def test_a_connection_left_in_a_transaction_by_an_error_is_rolled_back(tmp_path):
    pool = sqlite_pool(tmp_path / "p.db", max_size=1)
    with pool.connection() as conn:
        conn.execute("CREATE TABLE t (x INTEGER)")
    with pytest.raises(RuntimeError):
        with pool.connection() as conn:
            conn.execute("BEGIN")
            conn.execute("INSERT INTO t VALUES (1)")
            raise RuntimeError("the caller failed before COMMIT")
    with pool.connection() as conn:
        assert not conn.in_transaction
        assert conn.execute("SELECT COUNT(*) FROM t").fetchone() == (0,)


def test_a_broken_connection_is_dropped_and_replaced(tmp_path):
    made = []
    pool = SimplePool(lambda: made.append(sqlite3.connect(tmp_path / "p.db", check_same_thread=False))
                      or made[-1], sqlite3.Connection.close, max_size=1)
    with pytest.raises(asm.StorageConnectionFailed):
        with pool.connection():
            raise asm.StorageConnectionFailed("gone")
    with pool.connection() as conn:
        assert conn is made[-1] and len(made) == 2


def test_an_exhausted_pool_times_out_with_a_connection_error(tmp_path):
    pool = sqlite_pool(tmp_path / "p.db", max_size=1, timeout=0.05)
    with pool.connection():
        with pytest.raises(asm.StorageConnectionFailed, match="no free database connection"):
            with pool.connection():
                pass


def test_waiters_get_a_connection_when_one_is_returned(tmp_path):
    pool = sqlite_pool(tmp_path / "p.db", max_size=1)
    got = []
    with pool.connection():
        waiter = threading.Thread(target=lambda: got.append(pool.connection().__enter__() is not None))
        waiter.start()
    waiter.join(5)
    assert got == [True]


def async_pool(max_size=1, timeout=5.0):
    async def connect():
        return object()

    async def close(conn):
        pass

    return AsyncSimplePool(connect, close, max_size=max_size, timeout=timeout)


def test_an_exhausted_async_pool_times_out_with_a_connection_error():
    async def scenario():
        pool = async_pool(timeout=0.05)
        async with pool.connection():
            with pytest.raises(asm.StorageConnectionFailed, match="no free database connection"):
                async with pool.connection():
                    pass

    asyncio.run(scenario())


def test_closing_an_async_pool_fails_its_waiters_at_once():
    async def scenario():
        pool = async_pool(timeout=30)
        async with pool.connection():
            waiter = asyncio.create_task(pool.connection().__aenter__())
            await asyncio.sleep(0)
            await pool.close()
            with pytest.raises(asm.StorageConnectionFailed, match="closed"):
                await asyncio.wait_for(waiter, 1)

    asyncio.run(scenario())
