"""git's wire protocol version 2 for upload-pack: the capability advertisement and the
``ls-refs`` and ``fetch`` commands (https://git-scm.com/docs/gitprotocol-v2), over the
repository's dulwich object store. git asks for it with ``Git-Protocol: version=2``.

The negotiation is stateless, as v2 over HTTP is: the server acknowledges the client's
``have`` lines it holds and declares itself ``ready`` as soon as one is common; the
pack holds what the wants reach and the common haves do not. ``fetch`` serves
``shallow``, ``deepen`` and ``deepen-relative``; ``deepen-since`` and ``deepen-not``
(part of the same ``shallow`` feature) are refused with an ``ERR`` naming them, and
filters are not advertised, so git falls back to a full fetch.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from io import BytesIO
from typing import Any

from dulwich.errors import GitProtocolError
from dulwich.object_store import MemoryObjectStore, find_shallow
from dulwich.objects import ShaFile, Tag
from dulwich.protocol import agent_string

from fakes.github._pack_out import write_pack
from fakes.github._receive import shared
from fakes.github._walk import to_send

__all__ = ["advertise", "serve"]

Write = Callable[[bytes], object]
FLUSH, DELIM = b"0000", b"0001"
_BAND_MAX = 65515  # side-band-64k: 65520 bytes a packet, less the length and the band


def _pkt(data: bytes) -> bytes:
    return b"%04x" % (len(data) + 4) + data


def advertise(write: Write) -> None:
    """The capability advertisement (gitprotocol-v2, "Capability Advertisement")."""
    for line in (b"version 2", b"agent=" + agent_string(), b"ls-refs", b"fetch=shallow",
                 b"server-option", b"object-format=sha1"):
        write(_pkt(line + b"\n"))
    write(FLUSH)


def _packets(body: bytes) -> Iterator[bytes | None]:
    """pkt-lines of ``body``: the payload, None for a flush, b"" for a delimiter."""
    stream = BytesIO(body)
    while True:
        size_text = stream.read(4)
        if not size_text:
            return
        try:
            size = int(size_text, 16)
        except ValueError:
            raise GitProtocolError(f"protocol error: bad line length character: "
                                   f"{size_text!r}") from None
        if size == 0:
            yield None
        elif size in (1, 2):
            yield b""
        elif size < 4:
            raise GitProtocolError(f"protocol error: bad line length {size}")
        else:
            data = stream.read(size - 4)
            if len(data) != size - 4:
                raise GitProtocolError("protocol error: the request ends in a packet")
            yield data.rstrip(b"\n")


def _request(body: bytes) -> tuple[str, list[bytes]]:
    """The command and its arguments (gitprotocol-v2, "Command Request")."""
    packets = _packets(body)
    command = None
    for line in packets:
        if line is None or line == b"":
            break
        if line.startswith(b"command="):
            command = line.removeprefix(b"command=").decode("ascii", "replace")
    if command is None:
        raise GitProtocolError("protocol error: no command requested")
    arguments = []
    for line in packets:
        if line is None:
            break
        arguments.append(line)
    return command, arguments


def serve(repo: Any, body: bytes, write: Write) -> None:
    """Answer one v2 request on the dulwich repository ``repo``."""
    command, arguments = _request(body)
    if command == "ls-refs":
        _ls_refs(repo, arguments, write)
    elif command == "fetch":
        _fetch(repo, arguments, write)
    else:
        raise GitProtocolError(f"invalid command '{command}'")


def _ls_refs(repo: Any, arguments: list[bytes], write: Write) -> None:
    symrefs = b"symrefs" in arguments
    peel = b"peel" in arguments
    prefixes = [a.removeprefix(b"ref-prefix ") for a in arguments
                if a.startswith(b"ref-prefix ")]
    refs: dict[bytes, bytes] = dict(repo.get_refs())
    targets: dict[bytes, bytes] = dict(repo.refs.get_symrefs())
    names = [n for n in refs if n == b"HEAD"] + sorted(n for n in refs if n != b"HEAD")
    for name in names:
        if prefixes and not any(name.startswith(p) for p in prefixes):
            continue
        line = refs[name] + b" " + name
        if symrefs and name in targets:
            line += b" symref-target:" + targets[name]
        if peel and name.startswith(b"refs/tags/"):
            found = repo.object_store[refs[name]]
            if isinstance(found, Tag):
                line += b" peeled:" + repo.get_peeled(name)
        write(_pkt(line + b"\n"))
    write(FLUSH)


class _InPlace(MemoryObjectStore):
    """The repository's objects handed out as they are: finding and packing them only
    reads them, and dulwich's ``__getitem__`` copies each one."""

    def __init__(self, data: dict[Any, ShaFile]) -> None:
        super().__init__()
        self._data = data

    def __getitem__(self, name: Any) -> ShaFile:
        return self._data[self._to_hexsha(name)]


def _fetch(repo: Any, arguments: list[bytes], write: Write) -> None:
    data = shared(repo.object_store)
    store = _InPlace(data)
    # dulwich's ids are NewTypes of bytes: Any keeps the casts out of the protocol logic
    wants: list[Any] = []
    haves: list[Any] = []
    client_shallow: set[Any] = set()
    depth = 0
    done = include_tag = wait_for_done = relative = False
    progress = True
    for argument in arguments:
        word, _, value = argument.partition(b" ")
        if word == b"want":
            if value not in data:
                raise GitProtocolError(f"upload-pack: not our ref {value.decode()}")
            if value not in wants:  # git names a commit once per ref it fetches
                wants.append(value)
        elif word == b"have":
            haves.append(value)
        elif word == b"done":
            done = True
        elif word == b"no-progress":
            progress = False
        elif word == b"include-tag":
            include_tag = True
        elif word == b"wait-for-done":
            wait_for_done = True
        elif word == b"shallow":
            client_shallow.add(value)
        elif word == b"deepen":
            depth = int(value)
        elif word == b"deepen-relative":
            relative = True
        elif word in (b"thin-pack", b"ofs-delta"):
            continue
        else:
            raise GitProtocolError(f"unexpected line: '{argument.decode('utf-8', 'replace')}'"
                                   " (verified-fakes serves want, have, done, shallow, "
                                   "deepen, deepen-relative and the pack options)")
    common = [h for h in haves if h in data]
    if not done:
        write(_pkt(b"acknowledgments\n"))
        for have in common:
            write(_pkt(b"ACK " + have + b"\n"))
        if not common:
            write(_pkt(b"NAK\n"))
        if not common or wait_for_done:
            write(FLUSH)
            return
        write(_pkt(b"ready\n"))
        write(DELIM)
    shallow: set[Any] = set(client_shallow)
    unshallow: set[Any] = set()
    if depth:
        # deepen-relative counts from the client's boundary: its shallow commits are
        # the first level, the N levels below them are new
        heads = sorted(client_shallow) if relative else wants
        boundary, not_shallow = find_shallow(store, heads, depth + 1 if relative else depth)
        unshallow = not_shallow & client_shallow
        shallow |= boundary - not_shallow
        shallow -= unshallow
        write(_pkt(b"shallow-info\n"))
        for sha in sorted(shallow - client_shallow):
            write(_pkt(b"shallow " + sha + b"\n"))
        for sha in sorted(unshallow):
            write(_pkt(b"unshallow " + sha + b"\n"))
        write(DELIM)
    if shallow or unshallow:
        common = []  # the client's haves say nothing of what lies past its boundary
    tagged = _tagged(repo) if include_tag else {}
    objects = to_send(data, wants, common,
                      lambda commit: [] if commit.id in shallow else commit.parents, tagged)
    write(_pkt(b"packfile\n"))
    if progress:
        write(_pkt(b"\x02" + f"Enumerating objects: {len(objects)}, done.\n".encode()))

    pending = bytearray()

    def band(data: bytes) -> None:
        # the pack comes a piece per object: gathered into full side-band packets
        pending.extend(data)
        while len(pending) >= _BAND_MAX:
            write(_pkt(b"\x01" + bytes(pending[:_BAND_MAX])))
            del pending[:_BAND_MAX]

    write_pack(band, [data[sha] for sha in objects], repo.object_format)
    if pending:
        write(_pkt(b"\x01" + bytes(pending)))
    write(FLUSH)


def _tagged(repo: Any) -> dict[Any, Any]:
    """Annotated tags by the object they point at, for ``include-tag``."""
    tagged: dict[Any, Any] = {}
    for name, sha in repo.get_refs().items():
        if name.startswith(b"refs/tags/"):
            found = repo.object_store[sha]
            if isinstance(found, Tag):
                tagged[found.object[1]] = sha
    return tagged
