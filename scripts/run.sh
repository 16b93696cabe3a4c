#!/usr/bin/env bash
# Sets up the repository's virtualenv (.venv; the first run takes about a
# minute) and runs the `fakes` command from it. With no arguments that is
# `fakes conformance`: the conformance suite against the fakes. Arguments go
# to `fakes` as they are, e.g. `bash scripts/run.sh serve artifacts`.
set -euo pipefail
. "$(dirname "$0")/_venv.sh"
ensure_venv test
if [ $# -eq 0 ]; then set -- conformance; fi
exec "$VENV/bin/fakes" "$@"
