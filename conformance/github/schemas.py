"""GitHub's published schemas, for the contract tests of your own automation.

Both checks use the subset of GitHub's OpenAPI description that the conformance suite
validates the fake with (``openapi-subset.json``, MIT, Copyright (c) 2020 Octokit
contributors; ``LICENSE-openapi``), and need ``jsonschema`` (the ``test`` extra):

- :func:`check_response` is a ``requests`` response hook: a 2xx JSON answer of an
  operation the subset describes must validate against that operation's schema;
- :func:`check_request` checks a prepared request: a JSON body must validate against
  the operation's request body schema.

Hook any ``requests.Session`` (``session.hooks["response"].append(check_response)``);
``examples/repo_policy`` shows how to reach the session PyGithub uses.
"""

from fakes.conformance.github._schemas import check_request, check_response

__all__ = ["check_request", "check_response"]
