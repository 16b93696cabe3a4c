#!/usr/bin/env bash
# Installs actionlint, the linter of GitHub Actions workflows, at a pinned version
# with `go install` (see go-install.sh) and prints the binary's path on the last
# line. scripts/test.sh lints .github/workflows/ with it where Go is installed.
set -euo pipefail

ACTIONLINT_VERSION="${ACTIONLINT_VERSION:-v1.7.12}"
exec bash "$(dirname "$0")/go-install.sh" actionlint \
  github.com/rhysd/actionlint/cmd/actionlint "$ACTIONLINT_VERSION" -version
