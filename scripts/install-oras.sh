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
bin_dir="${XDG_CACHE_HOME:-$HOME/.cache}/verified-fakes/bin"
oras="$bin_dir/oras"
stamp="$bin_dir/oras.version"

if [ -x "$oras" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$ORAS_VERSION" ]; then
  echo "$oras"
  exit 0
fi

go_cmd="$(command -v go || true)"
if [ -z "$go_cmd" ] && [ -x /usr/local/go/bin/go ]; then
  go_cmd=/usr/local/go/bin/go
fi
if [ -z "$go_cmd" ]; then
  echo "install-oras.sh: no go command on PATH or in /usr/local/go/bin" >&2
  exit 1
fi

mkdir -p "$bin_dir"
echo "install-oras.sh: building oras $ORAS_VERSION with $("$go_cmd" version)" >&2
GOBIN="$bin_dir" GOFLAGS="${GOFLAGS:-} -trimpath" "$go_cmd" install \
  "oras.land/oras/cmd/oras@$ORAS_VERSION" >&2
echo "$ORAS_VERSION" >"$stamp"
"$oras" version >&2
echo "$oras"
