#!/usr/bin/env bash
# Sets up this machine and runs every check: lint, types, unit and client
# tests, the conformance suite against the fake (with its coverage gate) and
# against a real registry (CNCF distribution, started here on loopback), and a
# benchmark smoke run.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '\n== %s\n' "$*"; }

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

if ! command -v docker-registry >/dev/null 2>&1 || ! command -v skopeo >/dev/null 2>&1; then
  log "installing docker-registry and skopeo"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq docker-registry skopeo >/dev/null
fi

log "installing verified-fakes with its test extra"
python3 -m pip install -q --disable-pip-version-check -e '.[test]'

log "ruff"
ruff check src tests conformance benchmarks
log "mypy --strict"
mypy

log "tests"
python3 -m pytest -q -n 2 tests

log "conformance: fake, under coverage (gate: 95% of src/fakes/artifacts)"
rm -f .coverage .coverage.*
python3 -m coverage run --branch --source=fakes.artifacts -m fakes.cli conformance \
  --provider artifacts --target fake
python3 -m coverage report --fail-under=95 --show-missing

log "conformance: real registry (distribution 2.8 on loopback)"
registry_log=$(mktemp)
python3 -m fakes.conformance.artifacts.distribution >"$registry_log" 2>&1 &
registry_pid=$!
trap 'kill "$registry_pid" 2>/dev/null || true' EXIT
for _ in $(seq 100); do [ -s "$registry_log" ] && break; sleep 0.1; done
registry_url=$(head -n 1 "$registry_log")
FAKES_REGISTRY_PROFILE=distribution-2.8 fakes conformance --provider artifacts --target "$registry_url"

log "benchmarks (smoke)"
python3 -m benchmarks --quick
