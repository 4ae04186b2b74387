"""`python -m bench`: run the benchmark on every dialect and write bench/results/."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import click

from bench.databases import create_database, drop_database
from bench.report import write_report
from bench.run import Options, run_dialect

DIALECTS = ("postgres", "sqlite", "mysql")
RESULTS = Path(__file__).with_name("results")


@click.command()
@click.option("--dialect", "-d", "dialects", multiple=True, type=click.Choice(DIALECTS),
              help="Dialects to run (repeatable); all three by default.")
@click.option("--iterations", "-n", default=400, show_default=True,
              help="Calls per side for cheap operations (batches of 100 and graph sessions get a fifth, "
                   "batches of 1,000 a twentieth).")
@click.option("--async-iterations", type=int, default=None,
              help="The same for the async API  [default: --iterations]")
@click.option("--history", nargs=2, type=int, default=(1_000, 100_000), show_default=True,
              help="Events already in the session for the small and the large history.")
@click.option("--iter-events", multiple=True, type=int, default=(100_000, 1_000_000), show_default=True,
              help="Session sizes that iter_events walks (repeatable).")
@click.option("--sessions", default=2_000, show_default=True, help="Sessions in the search data set.")
@click.option("--messages", default=200, show_default=True, help="Chat messages in the graph session.")
@click.option("--database", "databases", multiple=True, metavar="DIALECT=URL",
              help="Use this empty database for a dialect instead of a throwaway one (repeatable).")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=RESULTS, show_default=True,
              help="Where results.md and results.png go.")
def main(dialects, iterations, async_iterations, history, iter_events, sessions, messages, databases, out) -> None:
    """Time asm against hand-written SQL on the bare driver ("floor"), side by side, per dialect,
    on the sync API and then on the async API."""
    given = dict(d.split("=", 1) for d in databases)
    options = Options(iterations=iterations, history=tuple(sorted(history)), iter_events=tuple(sorted(iter_events)),
                      sessions=sessions, messages=messages, async_iterations=async_iterations)
    started = time.perf_counter()
    results = []
    with tempfile.TemporaryDirectory(prefix="asm-bench-") as tmp:
        for dialect in dialects or DIALECTS:
            url = given.get(dialect) or create_database(dialect, Path(tmp))
            click.echo(f"{dialect}: benchmarking")
            try:
                results.append(run_dialect(dialect, url, options, log=click.echo))
            finally:
                if dialect not in given:
                    drop_database(dialect, url)
    md, png = write_report(results, options, out, time.perf_counter() - started)
    click.echo(f"wrote {md} and {png}")
