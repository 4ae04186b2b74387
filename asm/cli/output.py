"""How the command line talks: rich tables for people, one JSON document for machines, and
one `error: ...` line on stderr for every failure."""

from __future__ import annotations

import dataclasses
import enum
import json
import os
import re
import sys
from collections.abc import Collection, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any, TypeVar

import attrs
import click
from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.measure import Measurement
from rich.table import Column, Table
from rich.text import Text

from asm.cli.app import DATABASE_META
from asm.convert import format_timestamp
from asm.drivers.urls import parse_url
from asm.errors import ValidationError
from asm.records import Event

# A file that is not a terminal gets this width, so ids are never folded when piped.
PIPE_WIDTH = 200

R = TypeVar("R", bound=RenderableType)


def console(stderr: bool = False) -> Console:
    """A terminal is as wide as it is; a pipe or a file is as wide as $COLUMNS says (rich reads
    it), else PIPE_WIDTH."""
    stream = sys.stderr if stderr else sys.stdout
    width = None if stream.isatty() or os.environ.get("COLUMNS", "").isdigit() else PIPE_WIDTH
    return UncroppedConsole(file=stream, width=width, highlight=False, soft_wrap=False)


class UncroppedConsole(Console):
    """Prints without cropping lines at the width: the only lines wider than it are ids longer
    than the terminal is wide, which stay whole (copyable) rather than cut."""

    def print(self, *objects: Any, **options: Any) -> None:
        options.setdefault("crop", False)
        super().print(*objects, **options)


def jsonable(value: Any) -> Any:
    """Records, enums and datetimes as plain JSON values (timestamps as fixed-width UTC text)."""
    if attrs.has(type(value)):
        return {field.name: jsonable(getattr(value, field.name)) for field in attrs.fields(type(value))}
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime):
        return format_timestamp(value)
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [jsonable(v) for v in value]
    if isinstance(value, (bytes, bytearray, memoryview)):
        # A binary parameter (the LangGraph tables' payloads, in `asm explain`): shown as hex.
        return bytes(value).hex()
    return value




def print_json(document: Any) -> None:
    """The one JSON document of a `--json` command. An object names the database the command
    ran on (`database`: the URL without its password) unless it names one itself."""
    sys.stdout.write(json.dumps(with_database(jsonable(document)), indent=2, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def with_database(body: Any) -> Any:
    """A JSON object with the running command's database first (`database`: the URL without
    its password), unless it names one itself; anything else as it is."""
    if isinstance(body, dict) and "database" not in body and (database := command_database()) is not None:
        return {"database": database, **body}
    return body


def command_database() -> str | None:
    """The running command's database URL as printed (no password); None outside a command
    or for a URL that does not parse (the command itself says what is wrong with it)."""
    context = click.get_current_context(silent=True)
    raw = None if context is None else context.meta.get(DATABASE_META)
    if raw is None:
        return None
    try:
        return str(parse_url(raw))
    except ValidationError:
        return None


def print_json_line(document: Any) -> None:
    """One compact JSON document per line (the stream of `events --follow --json`)."""
    sys.stdout.write(json.dumps(jsonable(document), ensure_ascii=False) + "\n")
    sys.stdout.flush()


# A stream flushes every this many records: the first at once, then in bounded batches.
FLUSH_EVERY = 500


@contextmanager
def quiet_broken_pipe() -> Iterator[None]:
    """A reader that left early (`asm events ID | head`) ends the output, not in an error."""
    try:
        yield
    except BrokenPipeError:
        # Later writes (the interpreter's own flush at exit) go nowhere instead of failing.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)


def stream_json(head: dict[str, Any], key: str, items: Iterable[Any]) -> None:
    """One JSON document written as it is read: `head`'s keys, then `key` holding `items`, one
    compact item per line, so a long list never sits in memory (`events --json`)."""
    out = sys.stdout
    head = with_database(jsonable(head))
    text = json.dumps(head, indent=2, ensure_ascii=False)
    out.write(text[:-1].rstrip() + ("," if head else "") + f"\n  {json.dumps(key)}: [")
    count = 0
    for item in items:
        out.write(("\n    " if count == 0 else ",\n    ") + json.dumps(jsonable(item), ensure_ascii=False))
        if count % FLUSH_EVERY == 0:
            out.flush()
        count += 1
    out.write("\n  ]\n}\n")
    out.flush()


def stream_lines(lines: Iterable[str], *, pager: bool) -> None:
    """Lines on stdout as they come: through the pager ($PAGER, else less) when asked and stdout
    is a terminal, never into a pipe or a file."""
    if pager and sys.stdout.isatty():
        # The pager gets a newline after the last line from click itself.
        return click.echo_via_pager(("\n" if i else "") + line for i, line in enumerate(lines))
    count = 0
    for line in lines:
        sys.stdout.write(line + "\n")
        if count % FLUSH_EVERY == 0:
            sys.stdout.flush()
        count += 1
    sys.stdout.flush()


def echo_flushed(line: str) -> None:
    """One line of plain text on stdout, flushed at once (a follower or a pipe sees it now)."""
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


# Columns holding ids people copy into the next command: never folded (the first one of a
# table, the row's own id, is never left out either).
ID_COLUMNS = frozenset({"id", "run", "session", "session id", "run id", "key"})
# How narrow a column that may wrap can get before the table leaves columns out instead: its
# longest word, up to this (a longer word folds).
MIN_WRAPPED_WIDTH = 16


def table(title: str | None, columns: Sequence[str], rows: Iterable[Sequence[Any]],
          *, numeric: Sequence[str] = (), no_wrap: Sequence[str] = (),
          ids: Collection[str] = ID_COLUMNS) -> Table | Group:
    """A table for people, under its title (a heading line, not padded to the table's width)."""
    return titled(title, bare_table(columns, rows, numeric=numeric, no_wrap=no_wrap, ids=ids))


def bare_table(columns: Sequence[str], rows: Iterable[Sequence[Any]],
               *, numeric: Sequence[str] = (), no_wrap: Sequence[str] = (),
               ids: Collection[str] = ID_COLUMNS) -> Table:
    """A table for people, without a title, fitted to the width it is printed at (FittedTable):
    the `ids` columns stay whole, `numeric` ones too, `no_wrap` ones keep 12 characters."""
    out = FittedTable(header_style="bold")
    for column in columns:
        # In a narrow terminal long values fold rather than squeezing other columns to nothing.
        whole = column in numeric or column in ids
        out.add_column(column, justify="right" if column in numeric else "left", overflow="fold",
                       no_wrap=whole, min_width=min(len(column), 12) if column in no_wrap and not whole else None)
    for row in rows:
        out.add_row(*(Text(cell(value)) for value in row))
    return out


class FittedTable(Table):
    """A table that fits the width it is printed at. Columns that cannot wrap (ids, numbers)
    keep their full width; the others wrap, down to their longest word (at most
    MIN_WRAPPED_WIDTH) or their `min_width`; if that is still too wide, columns are left out from
    the right (never the first id column), and a caption names them. When even that does not
    fit, each row becomes a block of lines."""

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        width = options.max_width
        sizes = [self._measure(console, options, column) for column in self.columns]
        natural = [size.maximum for size in sizes]
        floors = [size.maximum if c.no_wrap else min(size.maximum, max(c.min_width or 0, size.minimum))
                  for c, size in zip(self.columns, sizes, strict=True)]
        shown = list(range(len(self.columns)))
        # The row's own id (the first id column) always shows; other columns go from the right.
        key = next((i for i in shown if _is_id(self.columns[i])), 0)
        droppable = [i for i in reversed(shown) if i != key]
        while self._width_of(shown, floors) > width and droppable:
            shown.remove(droppable.pop(0))
        if len(shown) == len(natural) and self._width_of(shown, natural) <= width:
            yield from super().__rich_console__(console, options)  # fits as it is
        elif self._width_of(shown, floors) > width:
            yield self._blocks(width)
        else:
            yield self._narrowed(shown, natural, floors, width)

    def _measure(self, console: Console, options: ConsoleOptions, column: Column) -> Measurement:
        """The column's longest word (capped at MIN_WRAPPED_WIDTH) and longest line."""
        cells = [column.header, *column._cells, *((column.footer,) if self.show_footer else ())]
        sizes = [Measurement.get(console, options.update(width=10**6), c) for c in cells]
        return Measurement(min(max((m.minimum for m in sizes), default=0), MIN_WRAPPED_WIDTH),
                           max((m.maximum for m in sizes), default=0))

    def _width_of(self, shown: Sequence[int], widths: Sequence[int]) -> int:
        # Each column has one space of padding each side, and a border line before it and at the end.
        return sum(widths[i] + 3 for i in shown) + 1

    def _narrowed(self, shown: list[int], natural: list[int], floors: list[int], width: int) -> Table:
        """The shown columns at fixed widths: the wrapping ones share what the others leave,
        the widest giving way first."""
        room = width - self._width_of(shown, [0] * len(natural))
        wrapping = [i for i in shown if not self.columns[i].no_wrap]
        room -= sum(natural[i] for i in shown if self.columns[i].no_wrap)
        cap = max((natural[i] for i in wrapping), default=0)
        while cap > 0 and sum(min(natural[i], max(floors[i], cap)) for i in wrapping) > room:
            cap -= 1
        # A plain Table with this one's settings and rows, over the shown columns only.
        out = Table.__new__(Table)
        out.__dict__.update(self.__dict__)
        out.columns = []
        for index, i in enumerate(shown):
            column = self.columns[i]
            fixed = natural[i] if column.no_wrap else min(natural[i], max(floors[i], cap))
            out.columns.append(dataclasses.replace(column, width=fixed, min_width=None, _index=index))
        left_out = [_header(self.columns[i]) for i in range(len(self.columns)) if i not in shown]
        if left_out:
            out.caption = Text(f"not shown at this width: {', '.join(left_out)} (see --json)")
            out.caption_justify = "left"
        return out

    def _blocks(self, width: int) -> Group:
        """Row by row: the ids on their own line, then one `name: value` line per other column."""
        lines: list[RenderableType] = []
        first = next((c for c in self.columns if _is_id(c)), self.columns[0])
        for row in range(self.row_count):
            lines.append(Text(str(first._cells[row]), style="bold", no_wrap=True, overflow="ignore"))
            for column in self.columns:
                if column is not first and str(column._cells[row]):
                    text = f"  {_header(column)}: {column._cells[row]}"
                    if _is_id(column) and len(text) > width:  # the id on a line of its own, whole
                        lines += [Text(f"  {_header(column)}:"), Text(str(column._cells[row]), overflow="ignore")]
                    else:
                        lines.append(Text(text))
        return Group(*lines)


def _is_id(column: Column) -> bool:
    return column.no_wrap and column.justify != "right"


def _header(column: Column) -> str:
    return str(column.header) or "#"


def titled(title: str | None, renderable: R) -> R | Group:
    return renderable if title is None else Group(Text(title, style="bold"), renderable)


def cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, enum.Enum):
        return str(value.value)
    if isinstance(value, datetime):
        return when(value)
    if isinstance(value, (dict, list)):
        return compact(value)
    return str(value)


def when(value: datetime | None, *, date: bool = True, millis: bool = True) -> str:
    """A timestamp for people: UTC, to the millisecond (or second)."""
    if value is None:
        return ""
    text = value.strftime("%Y-%m-%d %H:%M:%S" if date else "%H:%M:%S")
    return text + f".{value.microsecond // 1000:03d}" if millis else text


def one_day(values: Sequence[datetime | None]) -> str | None:
    """The UTC date all these timestamps share, if they do (tables then show times only)."""
    days = {v.date() for v in values if v is not None}
    return days.pop().isoformat() if len(days) == 1 else None


def duration(start: datetime | None, end: datetime | None) -> str:
    if start is None or end is None:
        return ""
    seconds = (end - start).total_seconds()
    if seconds < 1:
        return f"{seconds * 1000:.0f} ms"
    return f"{seconds:.1f} s" if seconds < 120 else f"{seconds / 60:.0f} min"


def compact(value: Any, limit: int = 80) -> str:
    text = json.dumps(jsonable(value), ensure_ascii=False, separators=(",", ":"))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def describe(event: Event) -> str:
    """The one-line gist of an event's data for a timeline."""
    data = event.data
    parts = []
    if "content" in data:
        parts.append(f"{data['role']}: {data['content']}" if "role" in data else str(data["content"]))
    elif "chunk" in data:
        parts.append(f"… {data['chunk']}")
    if "tool" in data:
        parts.append(f"tool {data['tool']}")
        for key in ("args", "result"):
            if key in data:
                parts.append(f"{key} {compact(data[key], 60)}")
    error = data.get("error")
    if isinstance(data.get("message"), str):
        parts.append(data["message"])
    elif isinstance(error, dict) and isinstance(error.get("message"), str):
        parts.append(f"error: {error['message']}")
    elif error is not None:
        parts.append(f"error: {compact(error, 60)}")
    if "artifact_key" in data:
        parts.append(f"artifact {data['artifact_key']}")
    if "total_tokens" in data:
        parts.append(f"{data['total_tokens']} tokens")
    if not parts and data:
        parts.append(compact(data))
    return "; ".join(parts)


def event_line(event: Event) -> str:
    """An event as one line of a log (`events --follow`)."""
    run = event.run_id or "-"
    line = f"{event.sequence_number:>5}  {when(event.timestamp)}  {event.type.value:<24} {run}  {describe(event)}"
    return line.rstrip()


def timeline(events: Sequence[Event], title: str | None = "Timeline",
             run_labels: dict[str, str] | None = None) -> Table | Group:
    """The events in order; `run_labels` names runs shortly (by their row in a runs table)."""
    def run(event: Event) -> str:
        if event.run_id is None:
            return ""
        return (run_labels or {}).get(event.run_id, event.run_id)

    day = one_day([e.timestamp for e in events])
    if title is not None and day is not None:
        title = f"{title} ({day})"
    return table(
        title, ("#", "time (UTC)", "type", "run", "detail"),
        ((e.sequence_number, when(e.timestamp, date=day is None), e.type, run(e), describe(e)) for e in events),
        numeric=("#",), no_wrap=("time (UTC)", "type", "run"),
    )


# --- errors ---

# psycopg quotes the statement under a message ("LINE 2: FROM ..." and a caret line).
_STATEMENT_CONTEXT = re.compile(r"\n\s*LINE \d+:[^\n]*\n[ \t]*\^")


def one_line(message: str) -> str:
    """A message of any shape as one line."""
    message = _STATEMENT_CONTEXT.sub("", message)
    return " ".join(part.strip() for part in message.splitlines() if part.strip()) or "failed"


def print_error(message: str, *, code: str | None = None, as_json: bool = False) -> None:
    """The one line of a failure: `error: ...`, or with --json the document
    {"error": {"code": ..., "message": ...}} (code: the asm error's stable code, or the
    command line's own: usage_error, interrupted, ...)."""
    if as_json:
        document = {"error": {"code": code or "error", "message": one_line(message)}}
        sys.stderr.write(json.dumps(document, ensure_ascii=False) + "\n")
    else:
        sys.stderr.write(f"error: {one_line(message)}\n")
    sys.stderr.flush()
