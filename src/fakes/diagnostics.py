"""What a failing test's report shows about the fakes it used: each fake's change log
(who wrote what, in order) and the requests that got injected faults."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from fakes._fake import Fake
from fakes._journal import Change

__all__ = ["describe_fake", "describe_fakes"]

#: A change log longer than this shows its last entries only.
MAX_CHANGES = 200
_DETAIL_WIDTH = 100


def describe_fakes(fakes: Iterable[Fake[Any]]) -> str:
    """:func:`describe_fake` of each fake, a blank line between them."""
    return "\n\n".join(describe_fake(fake) for fake in fakes)


def describe_fake(fake: Fake[Any]) -> str:
    """The change log and the faults hit of ``fake``, as lines for a test report."""
    changes = list(fake.journal)
    lines = [f"{type(fake).__name__} change log ({len(changes)} change(s)):"]
    if len(changes) > MAX_CHANGES:
        lines.append(f"  ... {len(changes) - MAX_CHANGES} earlier change(s) left out")
    lines.extend(f"  {_line(change)}" for change in changes[-MAX_CHANGES:])
    if not changes:
        lines.append("  (none)")
    fired = list(fake.faults.fired)
    if fired:
        lines.append(f"{type(fake).__name__} injected faults ({len(fired)}):")
        lines.extend(f"  {f.describe()}" for f in fired)
    return "\n".join(lines)


def _line(change: Change) -> str:
    at = change.at.strftime("%H:%M:%S")
    detail = ", ".join(f"{k}={v}" for k, v in change.detail.items())
    if len(detail) > _DETAIL_WIDTH:
        detail = detail[:_DETAIL_WIDTH - 3] + "..."
    return (f"#{change.seq} {at} {change.actor}: {change.operation} {change.resource}"
            + (f" ({detail})" if detail else ""))
