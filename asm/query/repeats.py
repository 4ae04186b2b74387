"""Finding a value that occurs twice among millions, in about 16 bytes a value.

The streamed import must refuse an export whose records repeat an id (or an artifact key), as
`SessionExport` does, without keeping millions of strings: it keeps a 96-bit digest of each
value (a false repeat needs a collision, some 1e-16 for ten million values) with its position,
spread over 64 buckets so the final check builds one small dict at a time.
"""

from __future__ import annotations

from array import array
from hashlib import blake2b

DIGEST_BYTES = 12
_BUCKETS = 64  # named by the first byte of the digest
_KEPT = DIGEST_BYTES - 1


class RepeatFinder:
    def __init__(self) -> None:
        # bucket -> (digests without their first byte, end to end; the positions they were added at)
        self._buckets: dict[int, tuple[bytearray, array[int]]] = {}
        self._count = 0

    def add(self, value: str) -> None:
        """The value at the next position (0, 1, 2, ...)."""
        digest = blake2b(value.encode("utf-8", "surrogatepass"), digest_size=DIGEST_BYTES).digest()
        bucket = self._buckets.get(digest[0] % _BUCKETS)
        if bucket is None:
            bucket = self._buckets[digest[0] % _BUCKETS] = (bytearray(), array("I"))
        bucket[0].extend(digest[1:])
        bucket[1].append(self._count)
        self._count += 1

    def first_repeat(self) -> tuple[int, int] | None:
        """(earlier, later): the positions of the first value that repeats an earlier one."""
        found: tuple[int, int] | None = None
        for digests, positions in self._buckets.values():
            seen: dict[bytes, int] = {}
            for k, position in enumerate(positions):
                earlier = seen.setdefault(bytes(digests[k * _KEPT:(k + 1) * _KEPT]), position)
                if earlier != position and (found is None or position < found[1]):
                    found = (earlier, position)
        return found
