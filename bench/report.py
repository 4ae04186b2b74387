"""The results as Markdown (results.md) and a plot (results.png)."""

from __future__ import annotations

import os
from datetime import datetime, timezone
from pathlib import Path

from bench.cases import READ, history_label
from bench.run import python_version
from bench.targets import check, ratio
from bench.timing import median, p95

FINDINGS = Path(__file__).with_name("findings.md")


def write_report(results, options, out: Path, seconds: float) -> tuple[Path, Path]:
    out.mkdir(parents=True, exist_ok=True)
    md, png = out / "results.md", out / "results.png"
    md.write_text(markdown(results, options, seconds))
    plot(results, png)
    return md, png


def markdown(results, options, seconds: float) -> str:
    small, large = options.history
    lines = [
        "# asm benchmark results",
        "",
        f"Run on {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} CPUs, {python_version()}, "
        f"{seconds / 60:.1f} min in all. Servers: " + "; ".join(f"{r.dialect}: {r.server}" for r in results) + ".",
        f"Sizes: {options.iterations} calls per side for cheap operations (a fifth for batches and graph "
        f"sessions), histories of {small:,} and {large:,} events, iter_events over "
        + " and ".join(f"{n:,}" for n in options.iter_events) + f" events, {options.sessions:,} sessions to search.",
        "asm and the floor take turns call by call on the same database; times are per call. "
        "See bench/README.md for what the floor is and how to read the ratios.",
        "",
        "## Per operation",
        "",
        "| dialect | operation | asm median ms | asm p95 ms | floor median ms | floor p95 ms | asm/floor | "
        "asm events/s | round trips asm/floor |",
        "|---|---|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for r in results:
        for c in r.cases:
            a, f = c.timings.asm, c.timings.floor
            rate = f"{c.events / median(a):,.0f}" if c.events else ""
            trips = "" if c.round_trips[0] is None else f"{c.round_trips[0]} / {c.round_trips[1]}"
            lines.append(f"| {r.dialect} | {c.label} | {_ms(median(a))} | {_ms(p95(a))} | {_ms(median(f))} | "
                         f"{_ms(p95(f))} | {ratio(c):.2f} | {rate} | {trips} |")
    lines += ["", "## Targets", "", "| dialect | target | measured | met |", "|---|---|--:|---|"]
    for r in results:
        for c in check(r, options.history):
            lines.append(f"| {c.dialect} | {c.target} | {c.value} | {'yes' if c.met else '**no**'} |")
    s, l = history_label(small), history_label(large)
    lines += ["", "## Cost against history length", "",
              f"Median per call at {s} and {l} events already in the session.", "",
              f"| dialect | operation | asm {s} ms | asm {l} ms | asm growth | floor {s} ms | floor {l} ms | floor growth |",
              "|---|---|--:|--:|--:|--:|--:|--:|"]
    for r in results:
        for op in ("append_one", f"read_last_{READ}"):
            a, b = r.case(f"{op}@{s}").timings, r.case(f"{op}@{l}").timings
            lines.append(f"| {r.dialect} | {op} | {_ms(median(a.asm))} | {_ms(median(b.asm))} | "
                         f"{median(b.asm) / median(a.asm):.2f} | {_ms(median(a.floor))} | {_ms(median(b.floor))} | "
                         f"{median(b.floor) / median(a.floor):.2f} |")
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


def plot(results, path: Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    labels = [c.label for c in results[0].cases]
    fig, (bars, memory) = plt.subplots(1, 2, figsize=(15, 0.45 * len(labels) + 2.5),
                                       gridspec_kw={"width_ratios": [3, 1.4]})
    height = 0.8 / len(results)
    for n, r in enumerate(results):
        ratios = {c.label: ratio(c) for c in r.cases}
        ys = [i + n * height for i in range(len(labels))]
        bars.barh(ys, [ratios.get(label, 0) for label in labels], height=height, label=r.dialect)
    bars.set_yticks([i + 0.4 - height / 2 for i in range(len(labels))], labels)
    bars.invert_yaxis()
    for x, style in ((1.0, "-"), (1.3, "--"), (1.5, ":")):
        bars.axvline(x, color="black", linestyle=style, linewidth=0.8)
    bars.set_xlabel("asm median / floor median (1 = as fast as hand-written SQL; lines at 1.3 and 1.5)")
    bars.set_title("asm against the bare driver")
    bars.legend()
    for r in results:
        memory.plot([m.session_events for m in r.memory], [m.traced_peak_bytes / 1024 for m in r.memory],
                    marker="o", label=r.dialect)
    memory.set_xscale("log")
    memory.set_ylim(bottom=0)
    memory.set_xlabel("events in the session")
    memory.set_ylabel("traced peak KiB")
    memory.set_title("iter_events peak memory")
    memory.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.3f}"
