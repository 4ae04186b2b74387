"""The sync API is generated from the async source (tools/async_to_sync.py): never a hand-kept copy."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tools import async_to_sync  # noqa: E402


def test_every_generated_sync_module_is_current():
    stale = [path for path, text in async_to_sync.generate().items() if (ROOT / path).read_text() != text]
    assert not stale, f"run `python -m tools.async_to_sync`: stale {stale}"


def test_every_async_module_with_a_sync_twin_is_a_source():
    """A new async_*.py beside a hand-written sync twin would be a copy kept by hand again."""
    # async_compat.py and compat.py hold what has no mechanical sync form: written by hand, by design.
    sources = {*async_to_sync.SOURCES, "asm/core/async_compat.py"}
    twins = []
    for path in (ROOT / "asm").rglob("async_*.py"):
        relative = str(path.relative_to(ROOT))
        if relative not in sources and (path.parent / (path.stem[len("async_"):] + ".py")).exists():
            twins.append(relative)
    assert not twins, f"hand-kept twins: {twins}; add the async one to SOURCES"


def test_unasync_drops_the_keywords_and_renames_keeping_comments_and_alignment():
    source = (
        "async def connect_async(url: str,\n"
        "                        timeout: float) -> AsyncSessionStore:\n"
        "    # opens an AsyncSessionStore\n"
        "    async with lock:\n"
        "        rows = [row async for row in fetch()]\n"
        "    return await AsyncSessionStore.open(url,\n"
        "                                        timeout)\n"
    )
    assert async_to_sync.unasync(source, "x/async_y.py").split("\n", 2)[2] == (
        "def connect(url: str,\n"
        "            timeout: float) -> SessionStore:\n"
        "    # opens an SessionStore\n"
        "    with lock:\n"
        "        rows = [row for row in fetch()]\n"
        "    return SessionStore.open(url,\n"
        "                             timeout)\n"
    )


def test_a_sync_twin_is_named_after_its_source():
    assert async_to_sync.sync_path("asm/store/async_session_store.py") == "asm/store/session_store.py"
    assert async_to_sync.sync_path("asm/core/async_executor.py") == "asm/core/sync_executor.py"
