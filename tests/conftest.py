"""tests/plugins holds third-party provider packages (and their conformance suites) that
the plug-in tests install into a directory of their own; pytest must not collect them
as tests of this project."""

collect_ignore = ["plugins"]
