"""`python -m bench startup`: how long `import asm` and `asm --help` take, next to a bare
`python -c pass` (the floor) measured in the same rounds, and written to bench/results/startup.md.

Each run is a fresh process (as a user's shell starts one), timed from spawn to exit, like
hyperfine. The commands take turns within each round, so a burst of load on a shared machine
hits all of them alike; the medians, and each one's excess over the floor, are the result.
"""

from __future__ import annotations

import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

import attrs
import click

RESULTS = Path(__file__).with_name("results")
# The budgets the startup work aimed for (issue 20 item 13): whole wall-clock times.
TARGETS_MS = {"import asm": 100.0, "asm --help": 150.0}


@attrs.frozen
class Case:
    name: str
    argv: tuple[str, ...]


@attrs.frozen
class Timing:
    case: Case
    samples_ms: tuple[float, ...]

    @property
    def median(self) -> float:
        return statistics.median(self.samples_ms)

    @property
    def low(self) -> float:
        return min(self.samples_ms)

    @property
    def high(self) -> float:
        return max(self.samples_ms)


def cases(python: str) -> list[Case]:
    """The floor first; `asm` is the script installed next to the interpreter."""
    script = Path(python).with_name("asm")
    return [
        Case("python -c pass", (python, "-c", "pass")),
        Case("import asm", (python, "-c", "import asm")),
        Case("asm --help", (str(script), "--help")),
    ]


def run_once(case: Case) -> float:
    """Milliseconds from spawn to exit; a failing command stops the benchmark."""
    started = time.perf_counter()
    done = subprocess.run(case.argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False)
    elapsed = (time.perf_counter() - started) * 1000
    if done.returncode != 0:
        raise click.ClickException(f"{' '.join(case.argv)} failed: {done.stderr.decode(errors='replace')[-500:]}")
    return elapsed


def measure(all_cases: list[Case], runs: int, warmup: int) -> list[Timing]:
    """`warmup` untimed rounds (the file cache), then `runs` rounds, the cases taking turns."""
    for _ in range(warmup):
        for case in all_cases:
            run_once(case)
    samples: dict[str, list[float]] = {case.name: [] for case in all_cases}
    for _ in range(runs):
        for case in all_cases:
            samples[case.name].append(run_once(case))
    return [Timing(case, tuple(samples[case.name])) for case in all_cases]


def import_costs(argv: tuple[str, ...], top: int = 12) -> list[tuple[str, float]]:
    """What a command's imports cost, by package (asm's by subpackage), from `-X importtime`:
    each module's own time, summed; the largest first. Indicative only (importtime adds overhead)."""
    done = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, check=False,
                          env={**os.environ, "PYTHONPROFILEIMPORTTIME": "1"})
    totals: dict[str, float] = {}
    for line in done.stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        own, _, name = line[len("import time:"):].split("|")
        parts = name.strip().split(".")
        key = ".".join(parts[:3] if parts[:2] == ["asm", "cli"] else parts[:2] if parts[0] == "asm" else parts[:1])
        totals[key] = totals.get(key, 0.0) + int(own) / 1000
    return sorted(totals.items(), key=lambda item: -item[1])[:top]


def report(timings: list[Timing], runs: int, warmup: int) -> str:
    floor = timings[0]
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    lines = [
        "# Startup time",
        "",
        "`python -m bench startup`: each command run as a fresh process, spawn to exit, "
        f"{runs} rounds after {warmup} warm-up rounds; within a round the commands take turns, so the "
        "floor (`python -c pass`) is measured side by side with the rest.",
        "",
        f"Python {platform.python_version()} on {platform.system()} {platform.machine()}, "
        f"{os.cpu_count()} CPUs, load average at the end {load}.",
        "",
        "| command | median ms | min ms | max ms | median over the floor ms | x floor | target ms | met |",
        "|---|---:|---:|---:|---:|---:|---:|:-:|",
    ]
    for timing in timings:
        target = TARGETS_MS.get(timing.case.name)
        met = "" if target is None else ("yes" if timing.median <= target else "NO")
        lines.append(
            f"| `{timing.case.name}` | {timing.median:.1f} | {timing.low:.1f} | {timing.high:.1f} | "
            f"{timing.median - floor.median:.1f} | {timing.median / floor.median:.1f} | "
            f"{'' if target is None else f'{target:.0f}'} | {met} |")
    help_timing = next(t for t in timings if t.case.name == "asm --help")
    help_case = help_timing.case
    if help_timing.median > TARGETS_MS["asm --help"]:
        lines += ["", "`asm --help` misses its target although it loads no driver: the command line's own "
                  "modules import rich, the record and conversion modules and the query layer up front (the "
                  "table below); loading those only when a command runs is what is left."]
    lines += ["", "Where `asm --help` spends its imports (`-X importtime`, each module's own time summed by "
              "package, one run; indicative):", "", "| package | ms |", "|---|---:|"]
    lines += [f"| `{name}` | {ms:.1f} |" for name, ms in import_costs(help_case.argv)]
    lines += [
        "",
        "The targets are whole wall-clock medians. `import asm` imports no database driver (psycopg,",
        "PyMySQL, aiomysql, aiosqlite, yoyo): the public names are loaded on first use and each",
        "driver when a store first opens its dialect (tests/test_startup.py checks this).",
        "",
    ]
    return "\n".join(lines)


@click.command()
@click.option("--runs", "-n", default=30, show_default=True, help="Timed rounds (each runs every command once).")
@click.option("--warmup", default=3, show_default=True, help="Untimed rounds first.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=RESULTS, show_default=True,
              help="Where startup.md goes.")
def main(runs: int, warmup: int, out: Path) -> None:
    """Time `import asm` and `asm --help` against `python -c pass`."""
    timings = measure(cases(sys.executable), runs, warmup)
    text = report(timings, runs, warmup)
    out.mkdir(parents=True, exist_ok=True)
    path = out / "startup.md"
    path.write_text(text)
    click.echo(text)
    click.echo(f"wrote {path}")
