"""A pack (gitformat-pack, version 2) of whole objects, written as it goes, for fetches
served on loopback. No HTTP.

Each object is stored, not compressed: its zlib stream holds deflate's stored blocks
(RFC 1950; RFC 1951, 3.2.4), which any git inflates. On loopback, deflating costs
more than the bytes it saves: setting up a deflate stream per object cost more than
writing a small object, and compressing a large one took longer than sending it.
"""

from __future__ import annotations

import hashlib
import struct
import zlib
from collections.abc import Callable, Sequence
from typing import Any

from dulwich.objects import ShaFile
from dulwich.pack import pack_header_chunks, pack_object_header

__all__ = ["write_pack"]

_BLOCK = 0xFFFF  # the largest stored block
_ZLIB_HEADER = b"\x78\x01"  # deflate, 32 KiB window, no dictionary (RFC 1950, 2.2)


def write_pack(write: Callable[[bytes], object], objects: Sequence[ShaFile],
               object_format: Any) -> None:
    """``objects`` as a pack: header, each object, the trailing checksum."""
    digest = hashlib.sha1()

    def out(data: bytes) -> None:
        digest.update(data)
        write(data)

    for chunk in pack_header_chunks(len(objects)):
        out(chunk)
    for found in objects:
        raw = b"".join(found.as_raw_chunks())
        out(bytes(pack_object_header(found.type_num, None, len(raw), object_format)))
        _stored(out, raw)
    write(digest.digest())


def _stored(out: Callable[[bytes], None], raw: bytes) -> None:
    """``raw`` as a zlib stream of stored blocks."""
    out(_ZLIB_HEADER)
    view = memoryview(raw)
    start = 0
    while True:
        block = view[start:start + _BLOCK]
        start += len(block)
        final = start >= len(raw)
        out(struct.pack("<BHH", final, len(block), len(block) ^ 0xFFFF) + block)
        if final:
            break
    out(struct.pack(">I", zlib.adler32(raw)))
