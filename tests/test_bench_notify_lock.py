"""bench/notify_lock.py (NOTIFY on every append against 0008's NOTIFY for long polls only) runs
end to end on tiny sizes, so it cannot rot; this checks what it writes, never the timings."""

from __future__ import annotations

from click.testing import CliRunner

from bench.notify_lock import VARIANTS, main


def test_notify_lock_benchmark_writes_a_row_per_trigger_and_workers(tmp_path):
    out = tmp_path / "notify-lock.md"
    args = ["-w", "1", "-w", "3", "-n", "4", "--pgbench-seconds", "1", "--rounds", "2", "--out", str(out)]
    outcome = CliRunner().invoke(main, args, catch_exceptions=False)
    assert outcome.exit_code == 0, outcome.output
    rows = [line for line in out.read_text().splitlines() if line.startswith("| ")]
    for workers in (1, 3):
        for variant in VARIANTS:
            assert any(row.startswith(f"| {workers} | {variant} | ") for row in rows), (workers, variant)
        assert any(row.startswith(f"| {workers} | every append | ") and "| 1.00x |" in row for row in rows)
