"""The results as Markdown (results.md) and a plot (results.png), the sync and the async API."""

from __future__ import annotations

import os
from datetime import datetime, timezone
from pathlib import Path

from bench.cases import history_label
from bench.run import python_version
from bench.targets import APIS, GROWTH_OPS, check, ratio, ratio_target
from bench.timing import median, p95

FINDINGS = Path(__file__).with_name("findings.md")


def write_report(results, options, out: Path, seconds: float) -> tuple[Path, Path]:
    out.mkdir(parents=True, exist_ok=True)
    md, png = out / "results.md", out / "results.png"
    md.write_text(markdown(results, options, seconds))
    plot(results, options.history, png)
    return md, png


def markdown(results, options, seconds: float) -> str:
    small, large = options.history
    lines = [
        "# asm benchmark results",
        "",
        f"Run on {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} CPUs, {python_version()}, "
        f"{seconds / 60:.1f} min in all. Servers: " + "; ".join(f"{r.dialect}: {r.server}" for r in results) + ".",
        f"Sizes: {options.iterations} calls per side for cheap operations on the sync API, "
        f"{options.iterations_for('async')} on the async API (a fifth for batches of 100 and graph sessions, "
        f"a twentieth for batches of 1,000), histories of {small:,} and {large:,} events, iter_events over "
        + " and ".join(f"{n:,}" for n in options.iter_events) + f" events, {options.sessions:,} sessions to search.",
        "asm and the floor take turns call by call on the same database; times are per call. "
        "See bench/README.md for what the floor is and how to read the ratios.",
        "",
        "## Per operation: sync API",
        "",
        "| dialect | operation | asm median ms | asm p95 ms | floor median ms | floor p95 ms | asm/floor | "
        "asm events/s | round trips asm/floor |",
        "|---|---|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for r in results:
        for c in r.cases:
            lines.append(f"| {r.dialect} | {c.label} | {_times(c)} | {ratio(c):.2f} | {_rate(c)} | {_trips(c)} |")
    lines += ["", "## Per operation: async API", "",
              "The same cases on `asm.connect_async` / `AsyncGraphSessionStorage` against the floor on the bare "
              "async driver (psycopg's AsyncConnection, aiosqlite, aiomysql), in one event loop. "
              "*async/sync*: the async asm median over the sync asm median of the same case in this run.", "",
              "| dialect | operation | asm median ms | asm p95 ms | floor median ms | floor p95 ms | asm/floor | "
              "asm async/sync | asm events/s | round trips asm/floor |",
              "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|"]
    for r in results:
        sync = {c.key: c for c in r.cases}
        for c in r.async_cases:
            vs_sync = f"{median(c.timings.asm) / median(sync[c.key].timings.asm):.2f}" if c.key in sync else ""
            lines.append(f"| {r.dialect} | {c.label} | {_times(c)} | {ratio(c):.2f} | {vs_sync} | {_rate(c)} | "
                         f"{_trips(c)} |")
    lines += ["", "## Targets (issue 17)", "", "| dialect | api | target | measured | met |", "|---|---|---|--:|---|"]
    for r in results:
        for c in check(r, options.history):
            lines.append(f"| {c.dialect} | {c.api} | {c.target} | {c.value} | {'yes' if c.met else '**no**'} |")
    s, l = history_label(small), history_label(large)
    lines += ["", "## Cost against history length", "",
              f"Median per call at {s} and {l} events already in the session.", "",
              f"| dialect | api | operation | asm {s} ms | asm {l} ms | asm growth | floor {s} ms | floor {l} ms | "
              "floor growth |",
              "|---|---|---|--:|--:|--:|--:|--:|--:|"]
    for r in results:
        for api in APIS:
            if not r.cases_of(api):
                continue
            for op in GROWTH_OPS:
                a, b = r.case(f"{op}@{s}", api).timings, r.case(f"{op}@{l}", api).timings
                lines.append(f"| {r.dialect} | {api} | {op} | {_ms(median(a.asm))} | {_ms(median(b.asm))} | "
                             f"{median(b.asm) / median(a.asm):.2f} | {_ms(median(a.floor))} | "
                             f"{_ms(median(b.floor))} | {median(b.floor) / median(a.floor):.2f} |")
    lines += ["", "## iter_events over one long session (sync API, batch_size=500)", "",
              "Peak of Python allocations above the start of the walk (tracemalloc) and growth of the "
              "resident set (sampled every 5,000 events); the walk keeps no event. Seconds are with "
              "tracemalloc on, which slows allocation-heavy code.", "",
              "| dialect | events in session | events read | seconds | events/s | traced peak KiB | RSS growth KiB |",
              "|---|--:|--:|--:|--:|--:|--:|"]
    for r in results:
        for m in r.memory:
            lines.append(f"| {r.dialect} | {m.session_events:,} | {m.events_read:,} | {m.seconds:.1f} | "
                         f"{m.events_read / m.seconds:,.0f} | {m.traced_peak_bytes / 1024:,.0f} | "
                         f"{m.rss_growth_bytes / 1024:,.0f} |")
    if FINDINGS.exists():
        lines += ["", FINDINGS.read_text().strip()]
    return "\n".join(lines) + "\n"


def _times(c) -> str:
    a, f = c.timings.asm, c.timings.floor
    return f"{_ms(median(a))} | {_ms(p95(a))} | {_ms(median(f))} | {_ms(p95(f))}"


def _rate(c) -> str:
    return f"{c.events / median(c.timings.asm):,.0f}" if c.events else ""


def _trips(c) -> str:
    return "" if c.round_trips[0] is None else f"{c.round_trips[0]} / {c.round_trips[1]}"


def plot(results, history: tuple[int, int], path: Path) -> None:
    """Per dialect, asm/floor per case on both APIs with each case's target; then iter_events memory."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    keys = [c.key for c in results[0].cases]
    labels = [c.label for c in results[0].cases]
    fig = plt.figure(figsize=(4.6 * len(results) + 7, 0.32 * len(keys) + 2.5))
    grid = fig.add_gridspec(1, len(results) + 1, width_ratios=[1.0] * len(results) + [0.6])
    first = None
    for n, r in enumerate(results):
        ax = fig.add_subplot(grid[0, n], sharey=first)
        first = first or ax
        for offset, api, color in ((-0.2, "sync", "tab:blue"), (0.2, "async", "tab:orange")):
            ratios = {c.key: ratio(c) for c in r.cases_of(api)}
            ax.barh([i + offset for i in range(len(keys))], [ratios.get(k, 0) for k in keys], height=0.4,
                    color=color, label=api)
        label = "target"  # on the first target mark only
        for i, key in enumerate(keys):
            target = ratio_target(r.dialect, key, history)
            if target:
                ax.plot([target, target], [i - 0.45, i + 0.45], color="crimson", linewidth=1.6, label=label)
                label = None
        ax.axvline(1.0, color="black", linewidth=0.8)
        ax.set_title(f"{r.dialect}: asm / floor")
        ax.set_xlabel("asm median / floor median (1 = as fast as the bare driver)")
        if n == 0:
            ax.set_yticks(range(len(keys)), labels)
            ax.invert_yaxis()
        else:
            ax.tick_params(labelleft=False)
    # One legend for the ratio panels, above them, so it hides no bar.
    fig.legend(*first.get_legend_handles_labels(), loc="upper left", ncol=3, frameon=False)
    memory = fig.add_subplot(grid[0, len(results)])
    for r in results:
        memory.plot([m.session_events for m in r.memory], [m.traced_peak_bytes / 1024 for m in r.memory],
                    marker="o", label=r.dialect)
    memory.set_xscale("log")
    memory.set_ylim(bottom=0)
    memory.set_xlabel("events in the session")
    memory.set_ylabel("traced peak KiB")
    memory.set_title("iter_events peak memory (sync)")
    memory.legend()
    fig.tight_layout(rect=(0, 0, 1, 0.96))
    fig.savefig(path, dpi=100)
    plt.close(fig)


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.3f}"
