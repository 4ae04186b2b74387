"""bench/batch_append.py runs end to end on tiny sizes, so it cannot rot (it swaps asm's
insert_events for the other form, which leans on the store's internals). It checks what is
written and that both forms stored the same events, never the timings."""

from __future__ import annotations

from click.testing import CliRunner

from bench.batch_append import main


def test_batch_append_benchmark_writes_its_tables(tmp_path):
    out = tmp_path / "batch_append.md"
    outcome = CliRunner().invoke(main, ["-n", "2", "--size", "3", "--size", "7", "--out", str(out)],
                                 catch_exceptions=False)
    assert outcome.exit_code == 0, outcome.output
    text = out.read_text()
    rows = [line for line in text.splitlines() if line.startswith("| ")]
    for dialect in ("postgres", "sqlite", "mysql"):
        for size in (3, 7):
            assert any(row.startswith(f"| {dialect} | {size} |") for row in rows), (dialect, size)
    # asm's own form is the bold one: one statement on PostgreSQL, executemany elsewhere.
    assert next(r for r in rows if r.startswith("| postgres | 7 |")).split(" | ")[3].startswith("**")
    assert next(r for r in rows if r.startswith("| mysql | 7 |")).split(" | ")[2].startswith("**")
    for form in ("executemany (asm before)", "jsonb_to_recordset (asm now)", "unnest, binary parameters (%b)"):
        assert any(row.startswith(f"| {form} |") for row in rows), form
