#!/usr/bin/env bash
# One writer and two readers of the catalog service on localhost, then the load generator against them.
#   samples/ReplCache.Catalog/run.sh [seconds per throughput run]
set -euo pipefail
cd "$(dirname "$0")"
dotnet build -c Release -nologo -v q >/dev/null
app=(dotnet bin/Release/net10.0/ReplCache.Catalog.dll)
pids=()
trap 'kill "${pids[@]}" 2>/dev/null' EXIT
"${app[@]}" --role writer --http 5100 --repl 7100 & pids+=($!)
"${app[@]}" --role reader --http 5101 --repl 7101 --writer 5100 --primary 7100 & pids+=($!)
"${app[@]}" --role reader --http 5102 --repl 7102 --writer 5100 --primary 7100 & pids+=($!)
for port in 5100 5101 5102; do   # bounded wait for each instance's health endpoint
  for _ in $(seq 1 200); do curl -sf "http://127.0.0.1:$port/health" >/dev/null && break; sleep 0.05; done
done
"${app[@]}" --role load --instances 5100,5101,5102 --products 1000 --seconds "${1:-5}"
