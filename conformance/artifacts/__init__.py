"""Conformance suite for the artifact store: the OCI Distribution protocol."""
