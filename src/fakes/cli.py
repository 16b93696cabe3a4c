"""The ``fakes`` command: serve a fake for non-Python tools, run the conformance suite."""

from __future__ import annotations

import argparse
import contextlib
import signal
import sys
import threading
from collections.abc import Sequence

from fakes._clock import RealClock
from fakes.artifacts import Account, FakeRegistry

PROVIDERS = ("artifacts",)


def _account(spec: str) -> Account:
    """``user:password[:actions]`` where actions is a comma list of pull, push, delete."""
    parts = spec.split(":")
    if len(parts) not in (2, 3):
        raise argparse.ArgumentTypeError("expected user:password[:pull,push,delete]")
    actions = parts[2].split(",") if len(parts) == 3 else ["pull", "push", "delete"]
    unknown = set(actions) - {"pull", "push", "delete"}
    if unknown:
        raise argparse.ArgumentTypeError(f"unknown actions: {', '.join(sorted(unknown))}")
    grant = {a: ("*",) if a in actions else () for a in ("pull", "push", "delete")}
    return Account(parts[0], parts[1], **grant)


def _serve(args: argparse.Namespace) -> int:
    registry = FakeRegistry(
        host=args.host, port=args.port, clock=RealClock(),
        allow_non_loopback=args.allow_non_loopback,
        accounts=args.account or (), anonymous_pull=not args.no_anonymous_pull,
    )
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with registry:
        print(registry.url, flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            stop.wait()
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["conformance"]:
        from fakes._conformance import main as conformance

        return conformance(argv[1:])
    parser = argparse.ArgumentParser(prog="fakes", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("conformance", help="run the conformance suite (see --help there)")
    serve = commands.add_parser("serve", help="serve a fake until interrupted")
    serve.add_argument("provider", choices=PROVIDERS)
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=0, help="0 picks a free port")
    serve.add_argument("--allow-non-loopback", action="store_true",
                       help="allow binding an address other than loopback")
    serve.add_argument("--account", action="append", type=_account, metavar="USER:PASS[:ACTIONS]",
                       help="enable token auth with this account (repeatable)")
    serve.add_argument("--no-anonymous-pull", action="store_true",
                       help="with --account: anonymous clients may not pull")
    args = parser.parse_args(argv)
    return _serve(args)


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
