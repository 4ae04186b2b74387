"""Conversion through cattrs: records <-> dicts and JSON, the JSON payload rules, timestamps.

- asm/convert/timestamps.py: the fixed-width UTC text of timestamps.
- asm/convert/payload.py: the JSON payload rules, as the payload fields' cattrs hook.
- asm/convert/records.py: the record converters (`converter`, `json_converter`) and the
  generated hooks asm.convert.rows builds each dialect's row converter from.
- asm/convert/errors.py: paths of refused values, read from cattrs' structured errors.
"""

from asm.convert.payload import MAX_DEPTH, normalize_json
from asm.convert.records import (
    converter,
    field_kinds,
    json_converter,
    record_from_dict,
    record_to_dict,
)
from asm.convert.timestamps import format_timestamp, parse_timestamp

__all__ = [
    "MAX_DEPTH",
    "converter",
    "json_converter",
    "normalize_json",
    "field_kinds",
    "format_timestamp",
    "parse_timestamp",
    "record_to_dict",
    "record_from_dict",
]
