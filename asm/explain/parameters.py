"""Logical parameter values (lists, JSON documents, timestamps) as each driver takes them, and
as a user types them (`asm explain --param k=v`)."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

from asm.drivers.dialects import DIALECTS
from asm.drivers.dialects import BinaryArray

# How a logical value becomes the driver's, by parameter name (as the store's operations encode).
LIST_PARAMS = frozenset({"ids", "session_ids", "run_ids", "types", "providers", "statuses", "protected_types",
                         "first_types", "terminal_statuses", "exempt_statuses", "exempt_tags", "only_types",
                         "skip_types"})
JSON_PARAMS = frozenset({"tags", "data", "metadata", "context", "token_usage", "input", "output", "error",
                         "provider_metadata", "message", "rows"})
TIME_PARAMS = frozenset({"since", "until", "created_after", "created_before", "started_after", "started_before",
                         "after_at", "after_created_at", "now", "timestamp", "created_at", "updated_at", "deleted_at",
                         "deleted_before", "completed_before", "expected_updated_at", "started_at", "ended_at"})


def encode(dialect: str, params: dict[str, Any]) -> dict[str, Any]:
    d = DIALECTS[dialect]
    out: dict[str, Any] = {}
    for name, value in params.items():
        if value is None or isinstance(value, BinaryArray):  # an array column, in the driver's form already
            out[name] = value
        elif name in LIST_PARAMS:
            out[name] = d.encode_list([str(v) for v in (value if isinstance(value, (list, tuple)) else [value])])
        elif name in JSON_PARAMS:
            out[name] = d.encode_json(value)
        elif isinstance(value, datetime):
            out[name] = d.encode_ts(value)
        else:
            out[name] = value
    return out


def parse_value(name: str, text: str, like: Any = None) -> Any:
    """A `--param k=v` value: JSON when it reads as JSON (numbers, lists, null), else the text;
    a timestamp where the default is one (or the name says so), a list for list parameters."""
    try:
        value = json.loads(text)
    except ValueError:
        value = text
    if isinstance(value, str) and (isinstance(like, datetime) or name in TIME_PARAMS):
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        value = value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    if name in LIST_PARAMS and isinstance(value, str):
        value = [v for v in value.split(",") if v]
    return value
