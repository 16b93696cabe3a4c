#!/usr/bin/env bash
# Builds the documentation site (MkDocs, from docs/ and the docstrings in
# src/) into build/site/, with every warning an error. Sets up .venv with the
# docs extra first. `bash scripts/docs.sh serve` serves it on
# http://127.0.0.1:8000 instead and rebuilds on every change.
set -euo pipefail
. "$(dirname "$0")/_venv.sh"
ensure_venv test,docs
cd "$ROOT"
if [ "${1:-}" = serve ]; then
  exec "$VENV/bin/mkdocs" serve --strict "${@:2}"
fi
exec "$VENV/bin/mkdocs" build --strict "$@"
