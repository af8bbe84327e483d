#!/usr/bin/env bash
# Runs the AWS conformance corpus (../shared/conformance) against a stepwise binary and
# fails when fewer cases pass than the floor recorded in .ci/conformance-floor.
# Raise the floor whenever the engine improves: it is a ratchet.
set -euo pipefail
bin=${1:-bin/stepwise}
root=$(cd "$(dirname "$0")/.." && pwd)
runner=${CONFORMANCE_DIR:-$root/../shared/conformance}/run.py
if [ ! -f "$runner" ]; then
  echo "conformance: $runner not found (shared/ must sit beside the checkout)" >&2
  exit 1
fi
report=$(mktemp)
trap 'rm -f "$report"' EXIT
echo "conformance: running the corpus; the first ${SHOW:-10} differences from AWS are listed (known ones are explained in docs/conformance.md), and the floor below decides"
python3 "$runner" --cli "$root/$bin" --show "${SHOW:-10}" --json "$report"
read -r floor_results floor_histories < "$root/.ci/conformance-floor"
read -r results histories < <(python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(r["result"], r["history"])' "$report")
echo "conformance floor: $floor_results results, $floor_histories histories; now: $results results, $histories histories"
if [ "$results" -lt "$floor_results" ] || [ "$histories" -lt "$floor_histories" ]; then
  echo "conformance: fewer cases pass than the recorded floor" >&2
  exit 1
fi
