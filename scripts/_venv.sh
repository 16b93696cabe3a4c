# Sourced by the scripts beside it. Gives them the repository's own virtualenv,
# .venv at the repository root: created on first use, reused after, rebuilt
# when broken (for example after the Python it was made from went away).
# Nothing is installed outside it except, when needed, Debian packages.
#
#   . scripts/_venv.sh
#   ensure_venv test,docs      # verified-fakes in editable mode, with these extras
#   "$VENV/bin/fakes" ...      # then call every tool through $VENV/bin
#
# PYTHON picks the interpreter that makes the venv (default: python3).

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VENV="$ROOT/.venv"

# mkdocs-material prints a banner about its end of life (May 2027) and MkDocs 2.0
# on every build; it is news, not a build warning. Say so to see it again.
export NO_MKDOCS_2_WARNING=${NO_MKDOCS_2_WARNING:-1}

log() { printf '\n== %s\n' "$*"; }

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# apt_install PACKAGE...: Debian packages, as root or through sudo.
apt_install() {
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "$@" >/dev/null
}

# ensure_venv EXTRAS: $VENV exists and holds verified-fakes (editable) with EXTRAS.
# The install is skipped when pyproject.toml, EXTRAS and the venv's Python are
# the same as at the last install; `rm -rf .venv` starts over.
ensure_venv() {
  local extras=$1 python=${PYTHON:-python3}
  if ! "$VENV/bin/python" -m pip --version >/dev/null 2>&1; then
    if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 10))' 2>/dev/null; then
      echo "verified-fakes needs Python 3.10 or newer as '$python' (set PYTHON=... to pick one)" >&2
      return 1
    fi
    log "creating the virtualenv $VENV"
    rm -rf "$VENV"
    if ! "$python" -m venv "$VENV" >/dev/null 2>&1; then
      # Debian and Ubuntu ship venv's pip bootstrap (ensurepip) in python3-venv.
      rm -rf "$VENV"
      if command -v apt-get >/dev/null 2>&1; then
        log "installing python3-venv"
        apt_install python3-venv
      fi
      "$python" -m venv "$VENV" || {
        echo "cannot create a virtualenv with '$python': install its venv module" \
             "(Debian: apt-get install python3-venv)" >&2
        return 1
      }
    fi
  fi
  local stamp
  stamp=$( { cat "$ROOT/pyproject.toml"; echo "$extras"; "$VENV/bin/python" -VV; } | sha256sum)
  if [ "$(cat "$VENV/.verified-fakes-install" 2>/dev/null)" != "$stamp" ]; then
    log "installing verified-fakes[$extras] into $VENV (the first time takes a minute)"
    rm -f "$VENV/.verified-fakes-install"
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check -e "$ROOT[$extras]"
    echo "$stamp" >"$VENV/.verified-fakes-install"
  fi
}
