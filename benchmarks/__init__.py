"""Benchmarks of the artifact fake against the targets in DESIGN.md §5.

Run them from the repository root::

    python -m benchmarks            # the full run (a few minutes on 2 cores)
    python -m benchmarks --quick    # a smoke run, well under 20 s
    python -m benchmarks --output results.json

Every comparison is made inside one process run, on the same machine, through
the same client (``requests.Session``), so the numbers that matter are the
ratios; the absolute times only describe this machine. ``docs/performance.md``
records a full run and explains each measurement.

These are measurements, not tests: they never fail on a missed goal, they
report it. The run fails only when a target answers something unexpected
(a wrong status, wrong content) — then the numbers would mean nothing.
"""
