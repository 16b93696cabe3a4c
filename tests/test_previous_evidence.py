"""scripts/previous-evidence.sh: which earlier weekly run's evidence the new run is
compared with. The GitHub CLI is not on this machine, so a stand-in ``gh`` on PATH
answers the two calls the script makes, as the CLI documents them: ``gh run list
--json databaseId,status --jq …`` prints the completed runs' ids, newest first;
``gh run download ID --name ARTIFACT --dir DIR`` unpacks the artifact into DIR or
fails when that run has none."""

from __future__ import annotations

import json
import os
import stat
import subprocess
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "previous-evidence.sh"

STAND_IN = """#!/usr/bin/env bash
set -eu
case "$1 $2" in
  "run list") printf '%s\\n' $VF_RUNS ;;
  "run download")
    id=$3; shift 3
    while [ $# -gt 0 ]; do
      case $1 in --name) name=$2; shift 2 ;; --dir) dir=$2; shift 2 ;; *) shift ;; esac
    done
    for have in $VF_WITH_EVIDENCE; do
      if [ "$have" = "$id" ]; then
        mkdir -p "$dir"
        provider=${name#evidence-}
        echo "{\\"run\\": $id}" >"$dir/$provider-evidence.json"
        exit 0
      fi
    done
    echo "no artifact matches any of the names or patterns provided" >&2
    exit 1 ;;
esac
"""


def _run(tmp_path: Path, runs: str, with_evidence: str,
         current: str = "") -> subprocess.CompletedProcess[str]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    gh = bin_dir / "gh"
    gh.write_text(STAND_IN)
    gh.chmod(gh.stat().st_mode | stat.S_IEXEC)
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}", "VF_RUNS": runs,
           "VF_WITH_EVIDENCE": with_evidence, "GITHUB_RUN_ID": current}
    return subprocess.run(["bash", str(SCRIPT), "github", str(tmp_path / "previous")],
                          capture_output=True, text=True, env=env, timeout=60, check=False)


@pytest.mark.skipif(not SCRIPT.exists(), reason="run from a source checkout")
def test_the_newest_earlier_run_with_evidence_is_taken(tmp_path: Path) -> None:
    # 30 is this run itself; 29 uploaded nothing (it failed early); 28 has evidence.
    done = _run(tmp_path, runs="30 29 28 27", with_evidence="30 28 27", current="30")
    assert done.returncode == 0, done.stderr
    assert "workflow run 28" in done.stdout
    found = json.loads((tmp_path / "previous" / "github-evidence.json").read_text())
    assert found == {"run": 28}


@pytest.mark.skipif(not SCRIPT.exists(), reason="run from a source checkout")
def test_no_earlier_evidence_is_no_error(tmp_path: Path) -> None:
    done = _run(tmp_path, runs="5", with_evidence="", current="6")
    assert done.returncode == 0, done.stderr
    assert "compared with the committed evidence alone" in done.stdout
    assert not (tmp_path / "previous" / "github-evidence.json").exists()
