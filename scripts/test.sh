#!/usr/bin/env bash
# Sets up this machine and runs every check: lint, types, the documentation
# site build, unit and client tests, the conformance suites against the fakes
# (with their coverage gates) and against the real providers (CNCF distribution,
# started here on loopback, without auth and with htpasswd auth; kube-apiserver
# with etcd and kube-controller-manager, started on loopback) through the weekly
# sandbox run's script, which also refreshes the evidence tables in docs/evidence/,
# and a benchmark smoke run. The Kubernetes control plane (kube-apiserver, etcd,
# kube-controller-manager, kwok) is built from the Go module proxy on first use
# (about 25 minutes cold; cached after) for the tests that start it.
#
# Everything Python runs from the repository's own virtualenv, .venv (made on
# first use, reused after; see scripts/_venv.sh). Debian packages come from
# apt-get, as root or through sudo. Where Go is installed, the pinned oras CLI
# is built for its client tests (scripts/install-oras.sh); elsewhere they skip;
# and so is actionlint, which checks the workflows (scripts/install-actionlint.sh).
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

# Where Go is installed: actionlint (pinned; built once, then cached) on the workflows.
if command -v go >/dev/null 2>&1 || [ -x /usr/local/go/bin/go ]; then
  log "actionlint: .github/workflows"
  if actionlint=$(bash scripts/install-actionlint.sh | tail -n 1); then
    "$actionlint" .github/workflows/*.yml
  else
    echo "actionlint was not built: tests/test_evidence.py still checks the workflow" >&2
  fi
fi

log "tests"
"$bin/python" -m pytest -q -n 2 tests examples

# The conformance runs are the weekly sandbox run's own steps
# (scripts/conformance-weekly.sh: janitor, suite, evidence) against the real targets
# started here, so the workflow's logic is tested with only the secrets differing.
# Each run writes its JSON report to build/evidence/ and refreshes the evidence
# tables the docs show (docs/evidence/<provider>.{json,md}; commit the refresh).
weekly() { VF_PUBLISH=docs/evidence bash scripts/conformance-weekly.sh "$@"; }
# The command the suite runs under: coverage of one fake's package.
under_coverage() { echo "$bin/python -m coverage run --branch --source=fakes.$1 -m fakes.cli"; }

# Starts distribution on loopback with the given launcher options, runs the artifact
# suite's weekly steps against it with the given profile (and credentials), stops it.
real_registry() {
  local profile=$1; shift
  local started; started=$(mktemp)
  "$bin/python" -m fakes.conformance.artifacts.distribution "$@" >"$started" 2>&1 &
  local pid=$!
  for _ in $(seq 100); do [ -s "$started" ] && break; sleep 0.1; done
  local url; url=$(head -n 1 "$started")
  local status=0
  FAKES_REGISTRY_URL=$url FAKES_REGISTRY_PROFILE=$profile weekly artifacts || status=$?
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  return "$status"
}

log "conformance: artifacts, the fake under coverage (gate: 95% of src/fakes/artifacts) and distribution 2.8 on loopback (no auth)"
rm -f .coverage .coverage.*
VF_FAKES=$(under_coverage artifacts) real_registry distribution-2.8
"$bin/python" -m coverage report --fail-under=95 --show-missing

log "conformance: artifacts, distribution 2.8 on loopback with htpasswd auth"
VF_WITH_FAKE=0 FAKES_REGISTRY_USERNAME=vf-ci FAKES_REGISTRY_PASSWORD=vf-ci-secret \
  real_registry distribution-2.8-htpasswd --htpasswd vf-ci:vf-ci-secret

log "conformance: Kubernetes, the fake (under coverage, gate: 95% of src/fakes/kubernetes) and a real kube-apiserver started on loopback for the run"
rm -f .coverage .coverage.*
VF_FAKES=$(under_coverage kubernetes) FAKES_KUBERNETES_TARGET=real-local weekly kubernetes
"$bin/python" -m coverage report --fail-under=95 --show-missing

# GitHub's local real target is git's own server: the behaviours git defines run
# there, the REST ones are skipped (they need a GitHub: the weekly sandbox run).
log "conformance: GitHub, the fake (under coverage, gate: 95% of src/fakes/github) and git http-backend started on loopback for the run"
rm -f .coverage .coverage.*
VF_FAKES=$(under_coverage github) FAKES_GITHUB_TARGET=real-local weekly github
"$bin/python" -m coverage report --fail-under=95 --show-missing

# After the conformance runs: the site shows the evidence tables they refreshed.
log "docs: mkdocs build --strict"
# No --quiet: it hides the warnings, and --strict then has none to fail on.
"$bin/mkdocs" build --strict

log "benchmarks (smoke)"
"$bin/python" -m benchmarks --quick
