"""How the command line talks: rich tables for people, one JSON document for machines, and
one `error: ...` line on stderr for every failure."""

from __future__ import annotations

import enum
import json
import re
import sys
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, TypeVar

import attrs
from rich.console import Console, Group, RenderableType
from rich.table import Table
from rich.text import Text

from asm.convert import format_timestamp
from asm.records import Event

# A file that is not a terminal gets this width, so ids are never folded when piped.
PIPE_WIDTH = 200

R = TypeVar("R", bound=RenderableType)


def console(stderr: bool = False) -> Console:
    stream = sys.stderr if stderr else sys.stdout
    width = None if stream.isatty() else PIPE_WIDTH
    return Console(file=stream, width=width, highlight=False, soft_wrap=False)


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
    """The one JSON document of a `--json` command."""
    sys.stdout.write(json.dumps(jsonable(document), indent=2, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def print_json_line(document: Any) -> None:
    """One compact JSON document per line (the stream of `events --follow --json`)."""
    sys.stdout.write(json.dumps(jsonable(document), ensure_ascii=False) + "\n")
    sys.stdout.flush()


def echo_flushed(line: str) -> None:
    """One line of plain text on stdout, flushed at once (a follower or a pipe sees it now)."""
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def table(title: str | None, columns: Sequence[str], rows: Iterable[Sequence[Any]],
          *, numeric: Sequence[str] = (), no_wrap: Sequence[str] = ()) -> Table | Group:
    """A table for people, under its title (a heading line, not padded to the table's width)."""
    return titled(title, bare_table(columns, rows, numeric=numeric, no_wrap=no_wrap))


def bare_table(columns: Sequence[str], rows: Iterable[Sequence[Any]],
               *, numeric: Sequence[str] = (), no_wrap: Sequence[str] = ()) -> Table:
    """A table for people, without a title."""
    out = Table(header_style="bold")
    for column in columns:
        # In a narrow terminal long values fold rather than squeezing other columns to nothing.
        out.add_column(column, justify="right" if column in numeric else "left", overflow="fold",
                       no_wrap=column in numeric, min_width=min(len(column), 12) if column in no_wrap else None)
    for row in rows:
        out.add_row(*(Text(cell(value)) for value in row))
    return out


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


def print_error(message: str) -> None:
    sys.stderr.write(f"error: {one_line(message)}\n")
    sys.stderr.flush()
