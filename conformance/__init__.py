"""Conformance suites: one test body, run against a fake and, opt-in, the real provider."""
