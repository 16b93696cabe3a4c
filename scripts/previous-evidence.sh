#!/usr/bin/env bash
# Fetches the merged evidence of the latest earlier run of the weekly workflow for
# one provider (the artifact evidence-PROVIDER that run uploaded) into DIR, as
# DIR/PROVIDER-evidence.json, for `fakes evidence --fail-on-changed` to compare
# the new run with. Needs the GitHub CLI and GH_TOKEN with actions: read.
#
#   bash scripts/previous-evidence.sh PROVIDER DIR
#
# Finding none (the first run, or artifacts past their retention) is no error:
# the run is then compared with the committed evidence alone.
set -euo pipefail
provider=${1:?usage: previous-evidence.sh PROVIDER DIR}
dir=${2:?usage: previous-evidence.sh PROVIDER DIR}
workflow=${VF_WORKFLOW:-conformance-weekly.yml}
mkdir -p "$dir"
runs=$(gh run list --workflow "$workflow" --limit 20 --json databaseId,status \
  --jq '.[] | select(.status == "completed") | .databaseId' || true)
for id in $runs; do
  if [ "$id" = "${GITHUB_RUN_ID:-}" ]; then continue; fi
  if gh run download "$id" --name "evidence-$provider" --dir "$dir/run-$id" 2>/dev/null \
      && [ -f "$dir/run-$id/$provider-evidence.json" ]; then
    cp "$dir/run-$id/$provider-evidence.json" "$dir/$provider-evidence.json"
    echo "previous evidence of $provider: workflow run $id"
    exit 0
  fi
done
echo "no previous evidence of $provider: compared with the committed evidence alone"
