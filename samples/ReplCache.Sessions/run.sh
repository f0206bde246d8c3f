#!/usr/bin/env bash
# Three instances of the session sample on localhost — a primary and two secondaries that forward their writes —
# then the load generator, which sends every request of a user to the next instance. Exits with the load
# generator's code: 0 when every read saw its session's writes and no request failed.
#   samples/ReplCache.Sessions/run.sh [users] [requests per user] [send|withhold (the ReplCache-Position cookie)]
set -euo pipefail
cd "$(dirname "$0")"
dotnet build -c Release -nologo -v q >/dev/null
app=(dotnet bin/Release/net10.0/ReplCache.Sessions.dll)
pids=()
stop_instances() {   # secondaries first: stopping the primary first would make each of them see its link drop
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do kill "${pids[i]}" 2>/dev/null || true; wait "${pids[i]}" 2>/dev/null || true; done
}
trap stop_instances EXIT

wait_healthy() {   # bounded: 10 s per instance
  for _ in $(seq 1 200); do curl -sf "http://127.0.0.1:$1/health" >/dev/null && return 0; sleep 0.05; done
  echo "the instance on :$1 was not healthy within 10 s" >&2
  return 1
}

"${app[@]}" --role primary --http 5200 --repl 7200 & pids+=($!)
# The primary creates the data-protection key ring (kept in ReplCache) at start-up; the secondaries start after it
# and read that ring once synced.
wait_healthy 5200
"${app[@]}" --role secondary --http 5201 --repl 7201 --primary 7200 & pids+=($!)
"${app[@]}" --role secondary --http 5202 --repl 7202 --primary 7200 & pids+=($!)
wait_healthy 5201
wait_healthy 5202
"${app[@]}" --role load --instances 5200,5201,5202 --users "${1:-200}" --requests "${2:-10}" --offset-token "${3:-send}"
