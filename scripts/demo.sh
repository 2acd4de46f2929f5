#!/usr/bin/env bash
# The main job on the embedded default: installs what is missing, builds, loads the demo into
# ./touchpoint.db (SQLite), shows the demo sequence's schedule preview, then serves the command
# center at http://127.0.0.1:8080 (with a sign-in token for a demo rep) until Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
./scripts/build.sh
tp=./build/sequencer/app/touchpoint
# Enrolled a week ago, so the queue has work due today and overdue, and the first emails
# have gone out to ./outbox/.
"$tp" demo --start "$(date -u -d '7 days ago' +%Y-%m-%dT07:00:00Z)"
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

# The command center, live: a sign-in token for a demo rep, then the bridge and the engine in
# the foreground (`listen` in ./touchpoint.json changes the address).
token="$("$tp" token create --user rep.anna@touchpoint.test | tail -n 1)"
cat <<EOF

================================================================================
  Touchpoint command center: http://127.0.0.1:8080

  Sign in as Anna Berg (rep.anna@touchpoint.test) with this token:

      $token

  Stop the server with Ctrl-C.
================================================================================

EOF
exec "$tp" serve
