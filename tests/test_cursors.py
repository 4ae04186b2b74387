"""Keyset cursors: round trip, refusal of anything altered, foreign or out of range, and the
key a secret gives."""

import base64
import hashlib
import hmac
import json
import sys
from datetime import datetime, timezone

import pytest

import asm
from asm.cursors import check_cursor_secret, cursor_key, decode_cursor, encode_cursor, token_key

KEY = (datetime(2025, 6, 10, 17, 30, 48, 727954, tzinfo=timezone.utc), "ses_1")
KINDS = ("timestamp", "id")


def signed(body: str) -> str:
    """A cursor of this body text, signed with the built-in key (as anyone can)."""
    document = json.dumps([body, hmac.new(cursor_key(), body.encode(), hashlib.sha256).hexdigest()[:32]])
    return base64.urlsafe_b64encode(document.encode()).decode()


def test_a_cursor_gives_back_its_key():
    assert decode_cursor(encode_cursor("q", KEY), "q", KINDS) == KEY


@pytest.mark.parametrize("key, kinds", [
    (("ses_1", 0), ("id", "sequence")), (("ses_1", 2**63 - 1), ("id", "sequence")),
    ((2**63 - 1, "r"), ("tokens", "id")), ((-(2**63), "r"), ("tokens", "id")), ((0.1, "r"), ("tokens", "id")),
    ((1e300, "r"), ("tokens", "id")), ((5e-324, "r"), ("tokens", "id")),
    ((KEY[0], "6f1c2a8e-4b3d-4c2f-9a7e-0d5b8c9e1f20"), ("timestamp", "uuid")),
    ((datetime(1, 1, 1, tzinfo=timezone.utc), "x" * 255), KINDS),
    ((datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=timezone.utc), "😀" * 255), KINDS),
    ((KEY[0], '"\\\x01' * 85), KINDS),
])
def test_keys_at_the_ends_of_their_ranges_round_trip(key, kinds):
    cursor = encode_cursor("q", key)
    assert len(cursor) < 4096
    assert decode_cursor(cursor, "q", kinds) == key


@pytest.mark.parametrize("bad", [
    "", "not base64 !", "abc", 42, None, b"abc", "A" * 10_000, "\ud800",
    encode_cursor("q", KEY)[:-3],
    encode_cursor("q", KEY) + "=",
    encode_cursor("q", KEY)[:10] + "!" + encode_cursor("q", KEY)[10:],  # base64 would skip the "!"
    base64.urlsafe_b64encode(b'["[1,\\"q\\",[\\"x\\",\\"y\\"]]","0000000000000000"]').decode(),
])
def test_malformed_truncated_or_edited_cursors_are_refused(bad):
    with pytest.raises(asm.InvalidCursor):
        decode_cursor(bad, "q", KINDS)


def test_a_round1_cursor_is_refused():
    body = json.dumps([1, "q", [KEY[0].isoformat(), KEY[1]]])
    document = json.dumps([body, hashlib.sha256(body.encode()).hexdigest()[:16]])
    with pytest.raises(asm.InvalidCursor):
        decode_cursor(base64.urlsafe_b64encode(document.encode()).decode(), "q", KINDS)


def test_a_cursor_of_another_query_or_order_is_refused():
    with pytest.raises(asm.InvalidCursor, match="another query"):
        decode_cursor(encode_cursor("sessions:created_at_asc", KEY), "sessions:created_at_desc", KINDS)


def test_a_hand_signed_cursor_of_valid_values_is_accepted():
    """So the refusals below are about the values, not the tag."""
    assert decode_cursor(signed(json.dumps([2, "q", ["2025-06-10T17:30:48.727954Z", "ses_1"]])), "q", KINDS) == KEY


@pytest.mark.parametrize("kind, value", [
    ("timestamp", "x"), ("timestamp", 5), ("timestamp", "2025-06-10T17:30:48"),
    ("timestamp", "2025-06-10T18:30:48.727954+01:00"),  # a time asm would write otherwise
    ("timestamp", "0001-01-01T00:00:00.000000+01:00"),  # before year 1 in UTC: OverflowError
    ("id", ""), ("id", "x" * 256), ("id", "a\x00"), ("id", "\udc80"), ("id", 1), ("id", None),
    ("uuid", "x"), ("uuid", "6F1C2A8E-4B3D-4C2F-9A7E-0D5B8C9E1F20"), ("uuid", "6f1c2a8e4b3d4c2f9a7e0d5b8c9e1f20"),
    ("sequence", -1), ("sequence", 2**63), ("sequence", True), ("sequence", 1.0), ("sequence", "1"),
    ("tokens", "5"), ("tokens", True), ("tokens", 2**63), ("tokens", -(2**63) - 1), ("tokens", None), ("tokens", [1]),
])
def test_values_are_checked_by_kind(kind, value):
    with pytest.raises(asm.InvalidCursor):
        decode_cursor(signed(json.dumps([2, "q", [value]])), "q", (kind,))


@pytest.mark.parametrize("literal", ["1e400", "-1e400", "NaN", "Infinity", "5" * 5000, "5" * 20])
def test_numbers_no_row_holds_are_refused_before_they_are_numbers(literal):
    cursor = signed(f'[2,"q",[{literal}]]')
    for kind in ("tokens", "sequence"):
        with pytest.raises(asm.InvalidCursor):
            decode_cursor(cursor, "q", (kind,))


def test_the_number_of_values_must_match():
    with pytest.raises(asm.InvalidCursor):
        decode_cursor(encode_cursor("q", KEY), "q", ("timestamp", "id", "id"))
    with pytest.raises(asm.InvalidCursor):
        decode_cursor(encode_cursor("q", KEY), "q", ("timestamp",))


def test_a_secret_signs_cursors_only_that_secret_opens():
    cursor = encode_cursor("q", KEY, b"service secret")
    assert decode_cursor(cursor, "q", KINDS, b"service secret") == KEY
    assert decode_cursor(cursor, "q", KINDS, "service secret") == KEY  # str and its UTF-8 bytes are one secret
    for other in (None, b"another secret", b""):
        with pytest.raises(asm.InvalidCursor):
            decode_cursor(cursor, "q", KINDS, other)
    with pytest.raises(asm.InvalidCursor):  # signed with the built-in key, as anyone can
        decode_cursor(encode_cursor("q", KEY), "q", KINDS, b"service secret")


def test_keys_differ_per_secret_and_from_the_secret_itself():
    keys = {cursor_key(), cursor_key(b"a"), cursor_key(b"b")}
    assert len(keys) == 3 and b"a" not in keys and all(len(k) == 32 for k in keys)


@pytest.mark.parametrize("value", ["", b"", 5, ["s"], "a\x00", "\ud800"])
def test_a_secret_is_a_non_empty_str_or_bytes(value):
    with pytest.raises(asm.ValidationError):
        check_cursor_secret(value)


def test_secrets_are_read_as_bytes():
    assert check_cursor_secret(None) is None
    assert check_cursor_secret("é") == "é".encode()
    assert check_cursor_secret(bytearray(b"k")) == b"k"


def test_token_sums_past_64_bits_are_carried_as_the_float_they_came_from():
    assert token_key(int(1e300)) == 1e300 and type(token_key(int(1e300))) is float
    assert token_key(2**63 - 1) == 2**63 - 1 and type(token_key(2**63 - 1)) is int
    assert token_key(1.5) == 1.5
    assert token_key(10**400) == sys.float_info.max


def test_the_error_does_not_echo_raw_control_characters():
    with pytest.raises(asm.InvalidCursor) as caught:
        decode_cursor("x\x00\n\ud800" * 40, "q", KINDS)
    shown = caught.value.details["cursor"]
    assert len(shown) <= 80
    shown.encode("ascii")
