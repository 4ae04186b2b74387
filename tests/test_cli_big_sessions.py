"""`asm events` and `asm show` on a 100k-event session: the first line arrives long before the
end and memory stays flat (compared with the same command on a 1k-event session, as ratios, so
the machine's speed does not matter). Driven through the real `asm` script."""

from __future__ import annotations

import json
import subprocess
import threading
import time
from collections.abc import Iterator

import attrs
import psutil
import pytest

import asm
from asm import Event, Run, Session
from terminal import on_a_terminal
from test_cli import ENV, TIMEOUT_S, command, run

BIG, SMALL = 100_000, 1_000
# Peak RSS of a command on BIG events may exceed the SMALL one's by this much at most (the
# whole listing in memory took ~600 MB here before it was streamed).
RSS_SLACK = 1.3


def record(url: str, count: int, *, with_row: bool = True) -> str:
    """A session of `count` events, appended in batches (the CLI is what is under test)."""
    with asm.connect(url) as store:
        session = Session.new(agent_id="big", status="active")
        if with_row:
            store.save_session(session)
        run_ = Run.new(session_id=session.id, status="completed", provider="openai")
        store.save_run(run_)
        for start in range(0, count, 5000):
            store.append_events([
                Event.new(type="message_streamed", session_id=session.id, run_id=run_.id, data={"chunk": f"t{i} " * 5})
                for i in range(start, min(count, start + 5000))])
    return session.id


@attrs.frozen
class Measured:
    first_line_s: float
    total_s: float
    peak_rss: int
    lines: int
    head: str


def measure(args: list[str]) -> Measured:
    """Run `args` with stdout piped: when its first line came, when it ended, its peak RSS."""
    peak = [0]
    started = time.monotonic()
    process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENV)
    watched = psutil.Process(process.pid)

    def sample() -> None:
        while process.poll() is None:
            try:
                peak[0] = max(peak[0], watched.memory_info().rss)
            except psutil.Error:
                return
            time.sleep(0.005)

    sampler = threading.Thread(target=sample)
    sampler.start()
    try:
        assert process.stdout is not None
        head = process.stdout.readline()
        first = time.monotonic() - started
        lines = 1 + sum(1 for _ in process.stdout)
        err = process.stderr.read() if process.stderr else ""
        process.wait(timeout=TIMEOUT_S)
    finally:
        if process.poll() is None:
            process.kill()
        sampler.join()
    assert process.returncode == 0, err
    return Measured(first, time.monotonic() - started, peak[0], lines, head)


@pytest.fixture(scope="module")
def sessions(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str, str]]:
    url = f"sqlite:///{tmp_path_factory.mktemp('big') / 'big.db'}"
    asm.migrate(url)
    yield url, record(url, BIG), record(url, SMALL)


@pytest.mark.parametrize("options", [(), ("--json",)], ids=["lines", "json"])
def test_events_streams_a_big_session_in_flat_memory(sessions, options):
    url, big, small = sessions
    large, little = measure(command(url, "events", big, *options)), measure(command(url, "events", small, *options))
    # One line per event, plus (--json) the same few lines of the document's head and tail.
    assert large.lines - BIG == little.lines - SMALL == (large.lines - BIG if options else 0) < 10
    assert large.peak_rss < RSS_SLACK * little.peak_rss, (large, little)
    # The first line is out long before the last (it came at the end, before streaming), about
    # as soon as the whole small listing (the interpreter's start-up dominates both).
    assert large.first_line_s < 0.6 * large.total_s, large
    assert large.first_line_s < 2 * little.total_s, (large, little)
    if not options:
        assert large.head.split()[:1] == ["1"]


def test_show_summarises_a_big_session_and_shows_only_the_latest_events(sessions):
    url, big, small = sessions
    large, little = measure(command(url, "show", big)), measure(command(url, "show", small))
    assert large.peak_rss < RSS_SLACK * little.peak_rss, (large, little)
    # A summary and a page of events: far quicker than listing them all.
    listing = measure(command(url, "events", big))
    assert large.total_s < 0.5 * listing.total_s, (large, listing)
    shown = run(url, "show", big, "--last", "5").stdout
    assert f"Events: {BIG:,} (first " in shown and "Latest 5 events" in shown
    assert f"{BIG - 5:,} older events not shown" in shown
    assert f" {BIG} " in shown and f" {BIG - 5} " not in shown
    default = run(url, "show", big).stdout
    assert "Latest 20 events" in default and f"{BIG - 20:,} older events not shown" in default


def test_show_json_streams_every_event_after_a_summary(sessions):
    url, big, small = sessions
    measured, small_one = measure(command(url, "--json", "show", big)), measure(command(url, "--json", "show", small))
    assert measured.lines > BIG and measured.first_line_s < 0.6 * measured.total_s
    assert measured.first_line_s < 2 * small_one.total_s and measured.peak_rss < RSS_SLACK * small_one.peak_rss
    document = json.loads(run(url, "--json", "show", big, "--last", "3").stdout)
    assert document["event_count"] == BIG and document["session"]["id"] == big
    assert [e["sequence_number"] for e in document["events"]] == [BIG - 2, BIG - 1, BIG]
    assert document["first_event_at"] < document["last_event_at"]


def test_events_limit_before_after_and_last(sessions):
    url, big, _ = sessions
    first, window, tail, none = (json.loads(run(url, "--json", "events", big, *args).stdout)["events"]
                                 for args in (("--limit", "3"), ("--after", "10", "--before", "14"),
                                              ("--last", "2", "--before", "50"), ("--limit", "0")))
    assert [e["sequence_number"] for e in first] == [1, 2, 3]
    assert [e["sequence_number"] for e in window] == [11, 12, 13]
    assert [e["sequence_number"] for e in tail] == [48, 49]
    assert none == []
    lines = run(url, "events", big, "--after", "99990", "--limit", "4").stdout.splitlines()
    assert [line.split()[0] for line in lines] == ["99991", "99992", "99993", "99994"]
    both = subprocess.run(command(url, "events", big, "--limit", "1", "--last", "1"), capture_output=True, text=True,
                          env=ENV, timeout=TIMEOUT_S)
    assert both.returncode == 2 and "--limit and --last" in both.stderr


def test_a_reader_that_leaves_early_ends_the_listing_quietly(sessions):
    url, big, _ = sessions
    process = subprocess.Popen(command(url, "events", big), stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=ENV)
    assert process.stdout is not None and process.stderr is not None
    assert process.stdout.readline().split()[:1] == [b"1"]
    process.stdout.close()  # as `| head -1` does
    assert process.wait(timeout=TIMEOUT_S) == 0
    assert process.stderr.read() == b""


def test_an_id_with_events_but_no_session_row_is_shown(sessions):
    url, *_ = sessions
    orphan = record(url, 3, with_row=False)
    shown, document, listed = (run(url, "show", orphan).stdout, json.loads(run(url, "--json", "show", orphan).stdout),
                               run(url, "events", orphan).stdout)
    assert "has events but no session row" in shown and "Events: 3 (first " in shown
    assert document["session"] is None and len(document["events"]) == 3 and document["event_count"] == 3
    assert len(listed.splitlines()) == 3


@pytest.mark.stress
def test_events_stream_in_flat_memory_on_the_servers(dialect, fresh_url):
    if dialect == "sqlite":
        pytest.skip("the default run covers SQLite")
    asm.migrate(fresh_url)
    big, small = record(fresh_url, BIG), record(fresh_url, SMALL)
    for options in ((), ("--json",)):
        large, little = measure(command(fresh_url, "events", big, *options)), \
            measure(command(fresh_url, "events", small, *options))
        assert large.peak_rss < RSS_SLACK * little.peak_rss, (large, little)
        assert large.first_line_s < 0.6 * large.total_s and large.first_line_s < 2 * little.total_s, large


def all_on_a_terminal(args: list[str], env: dict[str, str]) -> str:
    """What a pseudo-terminal holding stdin, stdout and stderr of `args` got."""
    code, shown = on_a_terminal(args, {**ENV, **env})
    assert code == 0, shown
    return shown


def test_events_page_on_a_terminal_only(sessions):
    url, _, small = sessions
    pager = {"PAGER": "sed s/^/paged:/", "TERM": "xterm-256color"}
    paged = all_on_a_terminal(command(url, "events", small, "--limit", "3"), pager)
    assert [line.split()[:2] for line in paged.splitlines() if "paged:" in line] == \
        [["paged:", "1"], ["paged:", "2"], ["paged:", "3"]], paged
    assert "paged:" not in all_on_a_terminal(command(url, "events", small, "--limit", "3", "--no-pager"), pager)
    piped = subprocess.run(command(url, "events", small, "--limit", "3"), capture_output=True, text=True,
                           env={**ENV, **pager}, timeout=TIMEOUT_S)
    assert piped.returncode == 0 and "paged:" not in piped.stdout and len(piped.stdout.splitlines()) == 3
