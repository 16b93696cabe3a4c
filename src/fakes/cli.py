"""The ``fakes`` command: serve a fake for non-Python tools, run a conformance suite,
merge conformance evidence, list the installed providers."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Mapping, Sequence
from importlib import import_module
from typing import Any

from fakes import providers as _providers
from fakes._clock import RealClock
from fakes.errors import PluginError, UsageError
from fakes.providers import Provider

__all__ = ["main"]


def _parser(installed: Mapping[str, Provider]) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="fakes", description="Serve a fake for non-Python tools, run a conformance suite, "
        "merge conformance evidence, list the installed providers.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    commands.add_parser(
        "conformance", help="run a provider's conformance suite (see `fakes conformance --help`)"
    )
    commands.add_parser(
        "evidence", help="merge conformance reports (JSON) into the evidence tables "
        "(see `fakes evidence --help`)"
    )
    commands.add_parser("providers", help="list the installed providers and their extras")
    serve = commands.add_parser(
        "serve", help="serve a fake until interrupted",
        description="Serve a fake on loopback until SIGINT or SIGTERM; the first line of\n"
        "output is its base URL.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    kinds = serve.add_subparsers(dest="provider", required=True, metavar="PROVIDER")
    usages = []
    for provider in installed.values():
        if provider.build_served is None:
            continue
        one = kinds.add_parser(provider.name, help=provider.summary,
                               description=f"Serve the {provider.name} fake: {provider.summary}.")
        one.add_argument("--host", default="127.0.0.1")
        one.add_argument("--port", type=int, default=0, help="0 (the default) picks a free port")
        one.add_argument("--allow-non-loopback", action="store_true",
                         help="allow binding an address other than loopback")
        one.add_argument("--no-control-api", action="store_true",
                         help="do not serve the control API under /_fakes")
        if provider.serve_options is not None:
            provider.serve_options(one)
        usages.append(_indented_usage(one))
    serve.epilog = (
        "the options of each provider:\n" + "".join(usages)
        if usages else "No installed provider can be served."
    )
    return parser


def _indented_usage(parser: argparse.ArgumentParser) -> str:
    """``parser``'s usage without its ``usage:`` prefix, indented by two."""
    first, *rest = parser.format_usage().splitlines()
    shift = len("usage: ") - 2
    return "\n".join(
        [first.replace("usage: ", "  ", 1), *(line[shift:] for line in rest)]
    ) + "\n"


def _serve(provider: Provider, args: argparse.Namespace) -> int:
    assert provider.build_served is not None  # only such providers have a sub-parser
    common: dict[str, Any] = {
        "host": args.host, "port": args.port, "clock": RealClock(),
        "allow_non_loopback": args.allow_non_loopback,
        "control_api": not args.no_control_api,
    }
    stop = threading.Event()
    # Both signals end the loop below, also where SIGINT was ignored (a background job).
    handlers = {sig: signal.signal(sig, lambda *_: stop.set())
                for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        provider.check_installed()
        fake = provider.build_served(args, common)
        with fake:
            print(fake.url, flush=True)
            stop.wait()
    except UsageError as error:
        sys.stderr.write(f"fakes serve {provider.name}: {error}\n")
        return 2
    finally:
        for sig, handler in handlers.items():
            signal.signal(sig, handler)
    return 0


def _describe(providers: Mapping[str, Provider]) -> str:
    if not providers:
        return "no providers are installed\n"
    blocks = []
    for provider in providers.values():
        missing = provider.missing_requirements()
        extra = provider.extra or "none"
        status = (
            f"missing {', '.join(missing)}: {provider.install_hint}" if missing else "installed"
        )
        lines = [
            f"{provider.name} — {provider.summary}",
            f"  extra:        {extra} ({status})",
            f"  fake:         {provider.fake}",
            f"  fixtures:     {', '.join(provider.fixtures)}",
        ]
        if provider.build_served is not None:
            lines.append(f"  serve:        fakes serve {provider.name}")
        if provider.conformance is not None:
            real = provider.real_targets
            target = f"fake|{real.metavar}" if real is not None else "fake"
            lines.append(
                f"  conformance:  fakes conformance --provider {provider.name} "
                f"--target {target}  ({provider.conformance})"
            )
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["conformance"]:
        # The suites ship as fakes.conformance (mapped from the top-level conformance/
        # tree, which the type checker does not see).
        runner = import_module("fakes.conformance._runner")
        code: int = runner.main(argv[1:])
        return code
    if argv[:1] == ["evidence"]:
        from fakes import _evidence

        return _evidence.main(argv[1:])
    try:
        installed = _providers.providers()
    except PluginError as error:
        sys.stderr.write(f"fakes: {error}\n")
        return 2
    args = _parser(installed).parse_args(argv)
    if args.command == "providers":
        sys.stdout.write(_describe(installed))
        return 0
    return _serve(installed[args.provider], args)


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
