#!/usr/bin/env bash
# Installs the oras CLI (a Go program) at a pinned version with `go install`, into
#   ${XDG_CACHE_HOME:-$HOME/.cache}/verified-fakes/bin
# and prints the binary's path on the last line. A binary already there at the
# pinned version is reused. tests/test_artifacts_oras_cli.py and the conformance
# behaviours ART-704 and ART-705 find it there (or through FAKES_ORAS_BIN).
#
# Needs Go 1.23 or newer (the go command is looked up on PATH, then in
# /usr/local/go/bin) and the Go module proxy.
set -euo pipefail

ORAS_VERSION="${ORAS_VERSION:-v1.3.6}"
exec bash "$(dirname "$0")/go-install.sh" oras oras.land/oras/cmd/oras "$ORAS_VERSION" version
