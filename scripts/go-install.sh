#!/usr/bin/env bash
# Installs a Go program at a pinned version with `go install`, into
#   ${XDG_CACHE_HOME:-$HOME/.cache}/verified-fakes/bin
# and prints the binary's path on the last line. A binary already there at the
# pinned version is reused.
#
#   bash scripts/go-install.sh NAME PACKAGE VERSION [VERSION-ARGS]
#
# e.g. `go-install.sh oras oras.land/oras/cmd/oras v1.3.6 version`; VERSION-ARGS
# (default --version) make the new binary print its version, as a check.
#
# Needs Go 1.23 or newer (the go command is looked up on PATH, then in
# /usr/local/go/bin) and the Go module proxy.
set -euo pipefail

name=${1:?usage: go-install.sh NAME PACKAGE VERSION [VERSION-ARGS]}
package=${2:?usage: go-install.sh NAME PACKAGE VERSION [VERSION-ARGS]}
version=${3:?usage: go-install.sh NAME PACKAGE VERSION [VERSION-ARGS]}
shift 3
if [ $# -eq 0 ]; then set -- --version; fi
bin_dir="${XDG_CACHE_HOME:-$HOME/.cache}/verified-fakes/bin"
binary="$bin_dir/$name"
stamp="$bin_dir/$name.version"

if [ -x "$binary" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$version" ]; then
  echo "$binary"
  exit 0
fi

go_cmd="$(command -v go || true)"
if [ -z "$go_cmd" ] && [ -x /usr/local/go/bin/go ]; then
  go_cmd=/usr/local/go/bin/go
fi
if [ -z "$go_cmd" ]; then
  echo "go-install.sh: no go command on PATH or in /usr/local/go/bin to build $name" >&2
  exit 1
fi

mkdir -p "$bin_dir"
echo "go-install.sh: building $name $version with $("$go_cmd" version)" >&2
GOBIN="$bin_dir" GOFLAGS="${GOFLAGS:-} -trimpath" "$go_cmd" install "$package@$version" >&2
echo "$version" >"$stamp"
"$binary" "$@" >&2
echo "$binary"
