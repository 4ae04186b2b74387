"""bench/batch_append.py runs end to end on tiny sizes, so it cannot rot (it swaps asm's
insert_events for the other form, which leans on the store's internals). It checks what is
written and that both forms stored the same events, never the timings."""

from __future__ import annotations

from click.testing import CliRunner

from bench.batch_append import FORMS, PG_FORMS, main


def test_batch_append_benchmark_writes_its_tables(tmp_path):
    out = tmp_path / "batch_append.md"
    outcome = CliRunner().invoke(main, ["-n", "2", "--size", "3", "--size", "7", "--out", str(out)],
                                 catch_exceptions=False)
    assert outcome.exit_code == 0, outcome.output
    text = out.read_text()
    rows = [line for line in text.splitlines() if line.startswith("| ")]
    for dialect in ("postgres", "sqlite", "mysql"):
        for size in (3, 7):
            # Part 1 (asm's form first, bold, then the others) and part 2 (single appends and batches).
            mine = [row for row in rows if row.startswith(f"| {dialect} | {size} |")]
            assert len(mine) == len(FORMS[dialect]) + 1, (dialect, size, mine)
            forms = [row.split(" | ")[2] for row in mine[:len(FORMS[dialect])]]
            assert forms == list(FORMS[dialect]) and mine[0].split(" | ")[3].startswith("**"), mine
    for label, _ in PG_FORMS:
        assert any(row.startswith(f"| {label} |") for row in rows), label
