"""The frameworks bench's results file (bench/frameworks/__init__.py, `report`): what each row
says, from rows made up here; the bench itself runs by hand (`python -m bench frameworks`)."""

from __future__ import annotations

from typing import Any

from bench.frameworks import BLOCK, PAUSE, report


def _row(backend: str, dialect: str, append: float, idle: float, read: float, **extra: Any) -> dict[str, Any]:
    return {"framework": "adk", "backend": backend, "dialect": dialect, "history": 1000, "append_ms": append,
            "append_p95_ms": append * 2, "idle_append_ms": idle, "idle_append_p95_ms": idle * 2,
            "read_ms": read, "read_p95_ms": read * 2, **extra}


def test_report_gives_each_regime_its_ratio_and_says_how_it_was_timed() -> None:
    rows = [_row("own", "postgres", 5.0, 6.0, 4.0), _row("asm", "postgres", 1.0, 2.0, 2.0)]
    text = report(rows, [1000], 200)
    assert f"runs of {BLOCK} calls" in text and f"after a {PAUSE * 1e3:g} ms pause" in text
    assert "{" not in text  # every placeholder filled in
    assert ("| postgres | 1,000 | 5.00 (10.00) | 1.00 (2.00) | 5.0x | 6.00 (12.00) | 2.00 (4.00) | 3.0x "
            "| 4.00 (8.00) | 2.00 (4.00) | 2.0x |  |") in text


def test_report_marks_a_backend_that_does_not_run_with_a_dash_and_its_reason() -> None:
    rows = [{"framework": "adk", "backend": "own", "dialect": "mysql", "history": 1000, "append_ms": None,
             "idle_append_ms": None, "read_ms": None, "note": "no saver"},
            _row("asm", "mysql", 1.0, 2.0, 2.0, note="timed alone")]
    line = next(line for line in report(rows, [1000], 200).splitlines() if line.startswith("| mysql"))
    assert line == ("| mysql | 1,000 | - | 1.00 (2.00) | - | - | 2.00 (4.00) | - | - | 2.00 (4.00) | - "
                    "| no saver; timed alone |")
