#!/usr/bin/env bash
# The main job on the embedded default: installs what is missing, builds, loads the demo into
# ./touchpoint.db (SQLite) and shows the demo sequence's schedule preview.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
./scripts/build.sh
tp=./build/sequencer/app/touchpoint
"$tp" demo
echo
echo "Task queue:"
"$tp" tasks
echo
echo "Outgoing email:"
"$tp" messages
echo
echo "Schedule preview of the demo sequence for the demo prospects, starting now:"
"$tp" schedule --sequence demo/sequence.json --prospects demo/prospects.csv \
  --start "$(date -u +%Y-%m-%dT%H:%M:%SZ)" --owner-timezone Europe/Stockholm
