#!/usr/bin/env bash
# Sets up the repository's virtualenv (.venv; the first run takes about a
# minute) and runs the `fakes` command from it. With no arguments that is
# `fakes conformance --provider P` for each installed provider: every conformance
# suite against its fake. Arguments go to `fakes` as they are, e.g.
# `bash scripts/run.sh serve artifacts`.
set -euo pipefail
. "$(dirname "$0")/_venv.sh"
ensure_venv test
if [ $# -gt 0 ]; then exec "$VENV/bin/fakes" "$@"; fi

# No arguments: each installed provider's conformance suite against its fake, in turn.
status=0
for provider in $("$VENV/bin/python" -c 'from fakes import providers; print(*providers.providers())'); do
  "$VENV/bin/fakes" conformance --provider "$provider" || status=$?
done
exit "$status"
