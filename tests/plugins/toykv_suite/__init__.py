"""The toy key-value provider's conformance suite, run by ``fakes conformance``."""
