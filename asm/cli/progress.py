"""Progress on stderr for long commands: a bar with counts, rate and ETA (when the total is
known) on a terminal; nothing at all when stderr is not one, so pipes and logs stay clean."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

from rich.progress import (
    BarColumn,
    Progress,
    ProgressColumn,
    SpinnerColumn,
    Task,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text

from asm.cli.output import console

class RateColumn(ProgressColumn):
    """How many units a second, e.g. "12,345 events/s"."""

    def __init__(self, unit: str) -> None:
        super().__init__()
        self.unit = unit

    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text("" if speed is None else f"{speed:,.0f} {self.unit}/s", style="progress.data.speed")


class CountColumn(ProgressColumn):
    """The count done so far, e.g. "12,345 events"."""

    def __init__(self, unit: str) -> None:
        super().__init__()
        self.unit = unit

    def render(self, task: Task) -> Text:
        return Text(f"{int(task.completed):,} {self.unit}", style="progress.download")


def shown() -> bool:
    """Progress is drawn only for a person watching a terminal."""
    return sys.stderr.isatty()


class Bar:
    """What a command tells its bar: the count done so far, and a note after the description."""

    def __init__(self, progress: Progress, description: str) -> None:
        self._progress, self._description = progress, description
        self._task = progress.add_task(description)

    def start(self, total: int | None) -> None:
        self._progress.update(self._task, total=total)

    def update(self, done: int) -> None:
        self._progress.update(self._task, completed=done)

    def note(self, text: str) -> None:
        self._progress.update(self._task, description=f"{self._description} ({text})")


@contextmanager
def counting(description: str, unit: str, total: int | None = None) -> Iterator[Bar]:
    """A bar of `unit`s done (of `total`, with the ETA, when known). Removed when done: the
    command's own summary follows."""
    columns: list[ProgressColumn | str] = [SpinnerColumn(), TextColumn("{task.description}", markup=False)]
    if total is not None:
        columns += [BarColumn(), TaskProgressColumn(), CountColumn(unit), RateColumn(unit), TimeRemainingColumn()]
    else:
        columns += [CountColumn(unit), RateColumn(unit), TimeElapsedColumn()]
    progress = Progress(*columns, console=console(stderr=True), transient=True, disable=not shown())
    with progress:
        bar = Bar(progress, description)
        bar.start(total)
        yield bar
