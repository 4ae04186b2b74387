"""Keyset cursors: round trip, and refusal of anything altered or foreign."""

import base64
from datetime import datetime, timezone

import pytest

import asm
from asm.cursors import decode_cursor, encode_cursor

KEY = (datetime(2025, 6, 10, 17, 30, 48, 727954, tzinfo=timezone.utc), "ses_1")


def test_a_cursor_gives_back_its_key():
    assert decode_cursor(encode_cursor("q", KEY), "q", (datetime, str)) == KEY


@pytest.mark.parametrize("bad", [
    "", "not base64 !", "abc", 42, None,
    encode_cursor("q", KEY)[:-3],
    base64.urlsafe_b64encode(b'["[1,\\"q\\",[\\"x\\",\\"y\\"]]","0000000000000000"]').decode(),
])
def test_malformed_truncated_or_edited_cursors_are_refused(bad):
    with pytest.raises(asm.InvalidCursor):
        decode_cursor(bad, "q", (datetime, str))


def test_a_cursor_of_another_query_or_order_is_refused():
    with pytest.raises(asm.InvalidCursor, match="another query"):
        decode_cursor(encode_cursor("sessions:created_at_asc", KEY), "sessions:created_at_desc", (datetime, str))


def test_value_types_are_checked():
    with pytest.raises(asm.InvalidCursor):
        decode_cursor(encode_cursor("q", ("x", "y")), "q", (datetime, str))
    with pytest.raises(asm.InvalidCursor):
        decode_cursor(encode_cursor("q", (1,)), "q", (str,))
