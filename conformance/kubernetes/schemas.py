"""Check Kubernetes documents against the published schemas of their kinds, outside the
suite: the checker the conformance suite runs on every answer of the fake, for an
automation's own contract tests (see ``examples/operator``).

``schema_errors(document)`` lists what breaks the schema of the document's kind (a
request body as well as an answer); ``check_response`` is a ``requests`` response
hook that raises on an answer that breaks it. Both need the ``test`` extra
(``jsonschema``) and check nothing without it.
"""

from __future__ import annotations

from fakes.conformance.kubernetes._schemas import check_response, schema_errors

__all__ = ["check_response", "schema_errors"]
