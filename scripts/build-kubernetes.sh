#!/usr/bin/env bash
# Build the real Kubernetes control plane that conformance/kubernetes/control_plane.py
# starts on loopback: kube-apiserver, kube-controller-manager, etcd and (optionally) kwok.
#
#   bash scripts/build-kubernetes.sh                 build what is missing, reuse the rest
#   bash scripts/build-kubernetes.sh --print-bin-dir print the binary directory and exit
#   bash scripts/build-kubernetes.sh --check         exit 0 if the required binaries are there, else 1
#
# Versions: scripts/kubernetes-versions.env (the only place they are pinned).
# Binaries: ${VERIFIED_FAKES_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/verified-fakes}/kubernetes-<version>/bin/
# (or $VERIFIED_FAKES_KUBERNETES_BIN if set).
# Go's module and build caches stay where `go env` puts them, so a rebuild is fast.
# GOPROXY, GOFLAGS and the other Go settings of the environment are respected.
set -euo pipefail
# The whole script is one { ...; exit; } block: bash parses it before running any of
# it, so editing or checking out this file during a long build cannot derail the build.
{

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=kubernetes-versions.env
source "$here/kubernetes-versions.env"

cache_root="${VERIFIED_FAKES_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/verified-fakes}"
# VERIFIED_FAKES_KUBERNETES_BIN, if set, names the binary directory itself (the launcher reads it too).
bin_dir="${VERIFIED_FAKES_KUBERNETES_BIN:-$cache_root/kubernetes-$KUBERNETES_VERSION/bin}"

say() { printf 'build-kubernetes: %s\n' "$*"; }
die() { printf 'build-kubernetes: error: %s\n' "$*" >&2; exit 1; }

# name, version (written into <name>.version next to the binary), required (1/0)
components=(
  "etcd $ETCD_VERSION 1"
  "kube-apiserver $KUBERNETES_VERSION 1"
  "kube-controller-manager $KUBERNETES_VERSION 1"
  "kwok $KWOK_VERSION 0"
)

is_built() { # name version
  [[ -x "$bin_dir/$1" && -f "$bin_dir/$1.version" && "$(cat "$bin_dir/$1.version")" == "$2" ]] \
    && { [[ $1 != kwok ]] || [[ -f "$bin_dir/kwok-stages.yaml" ]]; }
}

case "${1:-}" in
  --print-bin-dir) echo "$bin_dir"; exit 0 ;;
  --check)
    for c in "${components[@]}"; do
      read -r name version required <<<"$c"
      if [[ $required == 1 ]] && ! is_built "$name" "$version"; then
        echo "missing: $bin_dir/$name ($version)"; exit 1
      fi
    done
    exit 0 ;;
  -h|--help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  "") ;;
  *) die "unknown argument: $1 (try --help)" ;;
esac

start_all=$SECONDS
mkdir -p "$bin_dir"

todo=()
for c in "${components[@]}"; do
  read -r name version required <<<"$c"
  if is_built "$name" "$version"; then
    say "reusing $bin_dir/$name ($version)"
  else
    todo+=("$name")
  fi
done
if [[ ${#todo[@]} -eq 0 ]]; then
  say "all binaries present in $bin_dir; nothing to build"
  exit 0
fi
say "to build: ${todo[*]}"

# --- Go toolchain ------------------------------------------------------------------
GO="${GO:-}"
if [[ -n $GO && ! -x $GO ]]; then
  die "GO=$GO is not an executable Go toolchain: point GO at Go $GO_MIN_VERSION or newer, or unset it to use go from PATH"
fi
if [[ -z $GO ]]; then
  if command -v go >/dev/null 2>&1; then GO="$(command -v go)"
  elif [[ -x /usr/local/go/bin/go ]]; then GO=/usr/local/go/bin/go
  fi
fi
[[ -n $GO && -x $GO ]] || die "no Go toolchain found: install Go $GO_MIN_VERSION or newer and put its bin/ on PATH (or set GO=/path/to/go)"
# Never let `go` fetch a different toolchain behind our back.
export GOTOOLCHAIN=local
go_version="$("$GO" env GOVERSION)"           # e.g. go1.26.8
go_mm="${go_version#go}"; go_mm="${go_mm%%[!0-9.]*}"
IFS=. read -r gmaj gmin _ <<<"$go_mm"
IFS=. read -r wmaj wmin <<<"$GO_MIN_VERSION"
if (( gmaj < wmaj || (gmaj == wmaj && gmin < wmin) )); then
  die "$GO is $go_version; these versions need Go $GO_MIN_VERSION or newer: install it and put it first on PATH (or set GO=/path/to/go)"
fi
say "Go: $GO ($go_version), GOPROXY=$("$GO" env GOPROXY), GOFLAGS=$("$GO" env GOFLAGS)"

export CGO_ENABLED="${CGO_ENABLED:-0}"
gomodcache="$("$GO" env GOMODCACHE)"
modcache_size() { du -sk "$gomodcache" 2>/dev/null | cut -f1 || echo 0; }
modcache_before="$(modcache_size)"

work="$(mktemp -d "${TMPDIR:-/tmp}/build-kubernetes.XXXXXX")"
trap 'chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"' EXIT

download() { # module@version [field] -> prints the path of its go.mod (or of FIELD: Dir, Zip)
  local out field="${2:-GoMod}"
  if ! out="$("$GO" mod download -json "$1" 2>&1)"; then
    printf '%s\n' "$out" >&2
    die "could not download $1 through the Go module proxy (GOPROXY=$("$GO" env GOPROXY)). Check that the proxy is reachable from this machine, or point GOPROXY at one that is, then re-run."
  fi
  sed -n "s/^[[:space:]]*\"$field\": \"\\(.*\\)\",\\{0,1\\}\$/\\1/p" <<<"$out"
}

# build_in_wrapper NAME MODULE VERSION "REPLACES" "LDFLAGS" PACKAGE...
# A throwaway main module that requires MODULE@VERSION (plus replace lines) and builds
# the given main packages into $work/out. Needed because `go install pkg@version`
# refuses modules whose go.mod has replace directives (k8s.io/kubernetes, etcd).
build_in_wrapper() {
  local name="$1" module="$2" version="$3" replaces="$4" ldflags="$5"; shift 5
  local dir="$work/$name" t0=$SECONDS
  mkdir -p "$dir" "$work/out"
  # Each step checks its status: set -e does not apply inside `f || ...` callers.
  (
    cd "$dir" || exit 1
    "$GO" mod init "verified-fakes.local/build-$name" >/dev/null 2>&1 || exit 1
    local args=("-require=$module@$version") r
    for r in $replaces; do args+=("-replace=$r"); done
    "$GO" mod edit "${args[@]}" || exit 1
    local pkgs=() p
    for p in "$@"; do pkgs+=("$p@$version"); done
    say "$name: resolving modules (go get ${*})"
    "$GO" get "${pkgs[@]}" || exit 1
    say "$name: compiling"
    # One package: the binary is named NAME; several: each after its package.
    local out="$work/out/"
    [[ $# -eq 1 ]] && out="$work/out/$name"
    "$GO" build -trimpath -ldflags "-s -w $ldflags" -o "$out" "$@" || exit 1
  ) || return 1
  say "$name: built in $((SECONDS - t0)) s"
}

install_bin() { # name version
  install -m 0755 "$work/out/$1" "$bin_dir/$1.tmp"
  mv -f "$bin_dir/$1.tmp" "$bin_dir/$1"
  echo "$2" >"$bin_dir/$1.version"
}

want() { local x; for x in "${todo[@]}"; do [[ $x == "$1" ]] && return 0; done; return 1; }

# --- etcd --------------------------------------------------------------------------
if want etcd; then
  download "go.etcd.io/etcd/server/v3@$ETCD_VERSION" >/dev/null
  # The etcd binary is the main package at the root of the server module.
  build_in_wrapper etcd go.etcd.io/etcd/server/v3 "$ETCD_VERSION" "" "" go.etcd.io/etcd/server/v3 \
    || die "building etcd $ETCD_VERSION (go.etcd.io/etcd/server/v3) failed; see the Go output above"
  install_bin etcd "$ETCD_VERSION"
fi

# --- kube-apiserver, kube-controller-manager --------------------------------------
kube_pkgs=()
want kube-apiserver && kube_pkgs+=(k8s.io/kubernetes/cmd/kube-apiserver)
want kube-controller-manager && kube_pkgs+=(k8s.io/kubernetes/cmd/kube-controller-manager)
if [[ ${#kube_pkgs[@]} -gt 0 ]]; then
  kube_gomod="$(download "k8s.io/kubernetes@$KUBERNETES_VERSION")"
  [[ -f $kube_gomod ]] || die "the Go module proxy gave no go.mod for k8s.io/kubernetes@$KUBERNETES_VERSION"
  IFS=. read -r kmaj kmin kpatch <<<"${KUBERNETES_VERSION#v}"
  staging_version="v0.$kmin.$kpatch"
  # One replace per staging module that k8s.io/kubernetes replaces with ./staging/...
  staging="$(sed -n 's#^[[:space:]]*\(replace[[:space:]]\{1,\}\)\{0,1\}\(k8s\.io/[^[:space:]]*\)[[:space:]]\{1,\}=>[[:space:]]\{1,\}\./staging/.*#\2#p' "$kube_gomod")"
  [[ -n $staging ]] || die "found no staging replace directives in $kube_gomod"
  replaces=""
  for m in $staging; do replaces+=" $m=$m@$staging_version"; done
  say "kubernetes: $(wc -w <<<"$staging") staging modules pinned to $staging_version"
  kube_ldflags=""
  build_date="$(date -u ${SOURCE_DATE_EPOCH:+--date=@$SOURCE_DATE_EPOCH} +%Y-%m-%dT%H:%M:%SZ)"
  for pkg in k8s.io/client-go/pkg/version k8s.io/component-base/version; do
    kube_ldflags+=" -X $pkg.gitVersion=$KUBERNETES_VERSION -X $pkg.gitMajor=$kmaj -X $pkg.gitMinor=$kmin"
    kube_ldflags+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=$build_date"
  done
  build_in_wrapper kubernetes k8s.io/kubernetes "$KUBERNETES_VERSION" "$replaces" "$kube_ldflags" \
      "${kube_pkgs[@]}" \
    || die "building ${kube_pkgs[*]} at $KUBERNETES_VERSION failed; see the Go output above"
  for p in "${kube_pkgs[@]}"; do install_bin "${p##*/}" "$KUBERNETES_VERSION"; done
fi

# --- kwok (optional) ---------------------------------------------------------------
kwok_note=""
if want kwok; then
  # kwok on its own (without kwokctl) simulates nothing unless it is given Stage objects:
  # ship its default "fast" node and pod stages (from the same module version) beside it.
  if kwok_dir="$(download "sigs.k8s.io/kwok@$KWOK_VERSION" Dir)" \
       && build_in_wrapper kwok sigs.k8s.io/kwok "$KWOK_VERSION" "" "" sigs.k8s.io/kwok/cmd/kwok; then
    stages="$kwok_dir/kustomize/stage"
    for f in node/fast/node-initialize.yaml node/heartbeat-with-lease/node-heartbeat-with-lease.yaml \
             pod/fast/pod-ready.yaml pod/fast/pod-complete.yaml pod/fast/pod-delete.yaml; do
      printf -- '---\n# %s (sigs.k8s.io/kwok %s)\n' "kustomize/stage/$f" "$KWOK_VERSION"
      cat "$stages/$f"
    done >"$bin_dir/kwok-stages.yaml"
    install_bin kwok "$KWOK_VERSION"
  else
    kwok_note="kwok $KWOK_VERSION did not build (see above); the control plane will run without simulated nodes and pods"
    printf 'build-kubernetes: warning: %s\n' "$kwok_note" >&2
  fi
fi

modcache_after="$(modcache_size)"
say "done in $((SECONDS - start_all)) s; binaries in $bin_dir:"
(cd "$bin_dir" && for f in etcd kube-apiserver kube-controller-manager kwok; do
  [[ -f $f ]] && printf '  %-24s %6s MiB  %s\n' "$f" "$(( $(stat -c %s "$f") / 1048576 ))" "$(cat "$f.version")"
done)
say "binaries: $(du -sh "$bin_dir" | cut -f1) on disk; Go module cache grew by $(( (modcache_after - modcache_before) / 1024 )) MiB"
[[ -z $kwok_note ]] || say "note: $kwok_note"
exit 0
}
