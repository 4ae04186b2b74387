"""Reading one large JSON document a value at a time, holding only the value being read.

The streamed import walks an export's top-level object key by key and its record lists item
by item. Each value is parsed by the standard json module (`raw_decode`), so strings, numbers
and the refusal of NaN are exactly those of `SessionExport.from_json`. (ijson was tried: its C
backend turns an escaped lone surrogate into "?" or a raw UnicodeDecodeError, and its Python
backend is some 25 times slower than this.)
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Callable, Iterator
from typing import Any

from asm.errors import ValidationError

CHUNK_CHARS = 1 << 18
# The json module's own whitespace.
_WHITESPACE = re.compile(r"[ \t\n\r]*")
# A parse failing this close to the end of the text read so far may only need more text
# (a literal or number cut in two); further back, the text itself is wrong.
_LOOKAHEAD = 64


def _problem(detail: str) -> ValidationError:
    return ValidationError(f"document is not a JSON document: {detail}", details={"field": "document"})


class JsonReader:
    """The JSON text that `read(n)` returns (bytes in UTF-8, or str), consumed from the front."""

    def __init__(self, read: Callable[[int], Any]):
        self._read = read
        self._decoder: Any = None  # for bytes; chosen at the first read
        self._parse = json.JSONDecoder(parse_constant=_reject_constant).raw_decode
        self._text = ""
        self._pos = 0
        self._consumed = 0  # characters dropped from the front of _text
        self._eof = False
        self._started = False

    def peek(self) -> str | None:
        """The next character after whitespace, None at the end of the text."""
        while True:
            blank = _WHITESPACE.match(self._text, self._pos)
            assert blank is not None  # `*` matches the empty text too
            self._pos = blank.end()
            if self._pos < len(self._text):
                return self._text[self._pos]
            if self._eof:
                return None
            self._fill()

    def take(self, allowed: str, what: str) -> str:
        """The next character after whitespace, which must be one of `allowed`."""
        char = self.peek()
        if char is None or char not in allowed:
            found = "the end of the text" if char is None else repr(char)
            raise _problem(f"expected {what} at character {self._consumed + self._pos}, found {found}")
        self._pos += 1
        return char

    def value(self) -> Any:
        """The next whole JSON value."""
        if self.peek() is None:
            raise _problem(f"expected a value at character {self._consumed + self._pos}, found the end of the text")
        while True:
            try:
                value, end = self._parse(self._text, self._pos)
            except json.JSONDecodeError as exc:
                if self._eof or (exc.pos < len(self._text) - _LOOKAHEAD
                                 and not exc.msg.startswith("Unterminated string")):
                    message = exc.msg.removesuffix(" at")  # "Unterminated string starting at"
                    raise _problem(f"{message} at character {self._consumed + exc.pos}") from None
                self._fill()
                continue
            except (ValueError, RecursionError) as exc:  # NaN, a number of too many digits, deep nesting
                raise _problem(f"{exc} near character {self._consumed + self._pos}") from None
            if not self._eof and end > len(self._text) - _LOOKAHEAD and type(value) in (int, float):
                self._fill()  # a number near the end may go on in the next chunk ("0" of "0.5")
                continue
            self._pos = end
            return value

    def items(self, where: str) -> Iterator[Any]:
        """The values of the JSON array that comes next, one at a time."""
        self.take("[", f"the array {where}")
        if self.peek() == "]":
            self._pos += 1
            return
        while True:
            yield self.value()
            if self.take(",]", f"',' or ']' in the array {where}") == "]":
                return

    def end(self) -> None:
        """Nothing but whitespace may follow the document."""
        if self.peek() is not None:
            raise _problem(f"extra data at character {self._consumed + self._pos}")

    def _fill(self) -> None:
        """Read more text. The part still unparsed stays: at least double it, so a value spanning
        many chunks is parsed again only a few times."""
        pending = self._text[self._pos:]
        chunk = self._next_chunk(max(CHUNK_CHARS, len(pending)))
        self._consumed += self._pos
        self._text, self._pos = pending + chunk, 0

    def _next_chunk(self, size: int) -> str:
        try:
            chunk = self._read(size)
        except OSError as exc:
            raise ValidationError(f"cannot read the file: {exc.strerror or exc}", details={"field": "file"}) from exc
        if isinstance(chunk, str):
            text = chunk
        elif isinstance(chunk, (bytes, bytearray, memoryview)):
            if self._decoder is None:
                self._decoder = codecs.getincrementaldecoder("utf-8")()
            try:
                text = self._decoder.decode(chunk, final=not chunk)
            except UnicodeDecodeError as exc:
                raise _problem(f"it is not UTF-8 text ({exc.reason})") from None
        else:
            raise ValidationError(f"file.read() must return bytes or str, not {type(chunk).__name__}",
                                  details={"field": "file"})
        if not chunk:
            self._eof = True
        if not self._started and text:
            self._started = True
            text = text.removeprefix("\ufeff")  # a byte order mark, as json.loads(bytes) allows
        return text


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not a JSON number")
