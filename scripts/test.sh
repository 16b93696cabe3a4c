#!/usr/bin/env bash
# Sets up this machine and runs every check: lint, types, the documentation
# site build, unit and client tests, the conformance suites against the fakes
# (with their coverage gates) and against the real providers (CNCF distribution,
# started here on loopback, without auth and with htpasswd auth; kube-apiserver
# with etcd and kube-controller-manager, started on loopback), and a
# benchmark smoke run. The Kubernetes control plane (kube-apiserver, etcd,
# kube-controller-manager, kwok) is built from the Go module proxy on first use
# (about 25 minutes cold; cached after) for the tests that start it.
#
# Everything Python runs from the repository's own virtualenv, .venv (made on
# first use, reused after; see scripts/_venv.sh). Debian packages come from
# apt-get, as root or through sudo. Where Go is installed, the pinned oras CLI
# is built for its client tests (scripts/install-oras.sh); elsewhere they skip.
set -euo pipefail
. "$(dirname "$0")/_venv.sh"
cd "$ROOT"

if ! command -v docker-registry >/dev/null 2>&1 || ! command -v skopeo >/dev/null 2>&1; then
  log "installing docker-registry and skopeo"
  apt_install docker-registry skopeo
fi

ensure_venv test,docs

if command -v go >/dev/null 2>&1 || [ -x /usr/local/go/bin/go ]; then
  log "oras CLI (pinned; built once with go install, then cached)"
  bash scripts/install-oras.sh >/dev/null \
    || echo "the oras CLI was not built: its tests and ART-704/705 skip" >&2
fi

log "Kubernetes control plane (pinned; built once from the Go module proxy, then cached)"
bash scripts/build-kubernetes.sh

bin=$VENV/bin

log "ruff"
"$bin/ruff" check src tests conformance benchmarks examples
log "mypy --strict"
"$bin/mypy"

log "docs: mkdocs build --strict"
# No --quiet: it hides the warnings, and --strict then has none to fail on.
"$bin/mkdocs" build --strict

log "tests"
"$bin/python" -m pytest -q -n 2 tests examples

log "conformance: fake, under coverage (gate: 95% of src/fakes/artifacts)"
rm -f .coverage .coverage.*
"$bin/python" -m coverage run --branch --source=fakes.artifacts -m fakes.cli conformance \
  --provider artifacts --target fake
"$bin/python" -m coverage report --fail-under=95 --show-missing

log "conformance: Kubernetes, the fake (under coverage, gate: 95% of src/fakes/kubernetes) and a real kube-apiserver started on loopback for the run"
rm -f .coverage .coverage.*
"$bin/python" -m coverage run --branch --source=fakes.kubernetes -m fakes.cli conformance \
  --provider kubernetes --target fake --target real-local
"$bin/python" -m coverage report --fail-under=95 --show-missing

log "conformance: GitHub fake, under coverage (gate: 95% of src/fakes/github)"
rm -f .coverage .coverage.*
"$bin/python" -m coverage run --branch --source=fakes.github -m fakes.cli conformance \
  --provider github --target fake
"$bin/python" -m coverage report --fail-under=95 --show-missing

# Starts distribution on loopback with the given launcher options, runs the suite
# against it with the given profile (and credentials), and stops it.
real_registry() {
  local profile=$1; shift
  local started; started=$(mktemp)
  "$bin/python" -m fakes.conformance.artifacts.distribution "$@" >"$started" 2>&1 &
  local pid=$!
  for _ in $(seq 100); do [ -s "$started" ] && break; sleep 0.1; done
  local url; url=$(head -n 1 "$started")
  local status=0
  FAKES_REGISTRY_PROFILE=$profile "$bin/fakes" conformance --provider artifacts \
    --target "$url" || status=$?
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  return "$status"
}

log "conformance: real registry (distribution 2.8 on loopback, no auth)"
real_registry distribution-2.8

log "conformance: real registry (distribution 2.8 on loopback, htpasswd auth)"
FAKES_REGISTRY_USERNAME=vf-ci FAKES_REGISTRY_PASSWORD=vf-ci-secret \
  real_registry distribution-2.8-htpasswd --htpasswd vf-ci:vf-ci-secret

log "benchmarks (smoke)"
"$bin/python" -m benchmarks --quick
