#!/usr/bin/env bash
# The seed tutorial's walkthrough (../shared/seed/redis-replication-tutorial.md, sections 2.1 and 2.2, steps 1-11),
# run as its readers run it: three replcache-server processes started from redis.conf-style files, driven by the real
# redis-cli. Every reply the tutorial shows is checked. Exits 0 when every step held, 1 at the first that did not.
#
#   tests/e2e/seed-walkthrough.sh [path/to/ReplCache.Server.dll]
#
# Needs: dotnet, redis-cli (Debian's redis-tools), a Release build of src/ReplCache.Server.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
server=${1:-${REPLCACHE_SERVER:-$root/src/ReplCache.Server/bin/Release/net10.0/ReplCache.Server.dll}}
[[ -f $server ]] || { echo "seed-walkthrough: no server at $server (dotnet build src/ReplCache.Server -c Release)" >&2; exit 1; }
command -v redis-cli >/dev/null || { echo "seed-walkthrough: redis-cli is not installed (apt-get install redis-tools)" >&2; exit 1; }

work=$(mktemp -d)
declare -A pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done
  rm -rf "$work"
}
trap cleanup EXIT

step=""
fail() {
  echo "FAIL [$step] $*" >&2
  for f in "$work"/*.out; do [[ -f $f ]] && { echo "--- $f" >&2; tail -n 20 "$f" >&2; }; done
  exit 1
}
say() { step=$1; echo "== $1"; }

# A free port on 127.0.0.1: nothing answers a connection to it. Bounded: 200 tries.
free_port() {
  local p i
  for ((i = 0; i < 200; i++)); do
    p=$((20000 + RANDOM % 20000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return 0; fi
  done
  return 1
}

cli() { local port=$1; shift; redis-cli -h 127.0.0.1 -p "$port" "$@" 2>&1 | tr -d '\r'; }
field() { cli "$1" info replication | sed -n "s/^$2://p"; }

# Polls a condition (a shell command) for at most 20 s; waiting for replication is never a fixed sleep.
wait_for() {
  local what=$1 i; shift
  for ((i = 0; i < 400; i++)); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.05
  done
  fail "timed out waiting for $what"
}

expect() { # expect <what> <actual> <expected>
  [[ "$2" == "$3" ]] || fail "$1: expected '$3', got '$2'"
  echo "   ok: $1 = $(tr '\n' ' ' <<<"$2")"
}

field_is() { [[ "$(field "$1" "$2")" == "$3" ]]; }
get_is() { [[ "$(cli "$1" get "$2")" == "$3" ]]; }
answers() { [[ "$(cli "$1" ping)" == "PONG" ]]; }
gone() { ! kill -0 "$1" 2>/dev/null; }

p1=$(free_port) && p2=$(free_port) && p3=$(free_port) || fail "no free ports"
while [[ $p2 == "$p1" ]]; do p2=$(free_port); done
while [[ $p3 == "$p1" || $p3 == "$p2" ]]; do p3=$(free_port); done

# 2.1: three config files, as the tutorial writes them (ports of our choosing).
for p in "$p1" "$p2" "$p3"; do
  cat >"$work/redis$p.conf" <<CONF
bind 127.0.0.1
port $p
pidfile $work/redis_$p.pid
logfile "$p.log"
dir $work
dbfilename dump$p.rdb
repl-ping-replica-period 1
CONF
done

start() { # start <port> [extra arguments]: redis-server redis<port>.conf &
  local port=$1; shift
  (cd "$work" && exec dotnet "$server" "$work/redis$port.conf" "$@" >>"$work/$port.out" 2>&1) &
  pids[$port]=$!
  wait_for "the server on $port to answer PING" answers "$port"
}

stop() { # redis-cli -p <port> shutdown: the process ends by itself
  local port=$1
  cli "$port" shutdown >/dev/null
  wait_for "the server on $port to exit" gone "${pids[$port]}"
  unset "pids[$port]"
}

start "$p1"; start "$p2"; start "$p3"

say "1. info replication: all three are masters with no replicas"
for p in "$p1" "$p2" "$p3"; do
  expect "role on $p" "$(field "$p" role)" master
  expect "connected_slaves on $p" "$(field "$p" connected_slaves)" 0
done

say "2. set k1 v1 on $p1; the others are independent"
expect "set k1 v1" "$(cli "$p1" set k1 v1)" OK
expect "keys * on $p2" "$(cli "$p2" keys '*')" ""
expect "keys * on $p3" "$(cli "$p3" keys '*')" ""

say "3. slaveof 127.0.0.1 $p1 on $p2 and $p3"
expect "slaveof on $p2" "$(cli "$p2" slaveof 127.0.0.1 "$p1")" OK
expect "slaveof on $p3" "$(cli "$p3" slaveof 127.0.0.1 "$p1")" OK
for p in "$p2" "$p3"; do
  wait_for "$p's link to come up" field_is "$p" master_link_status up
  expect "role on $p" "$(field "$p" role)" slave
  expect "master_port on $p" "$(field "$p" master_port)" "$p1"
done
wait_for "$p1 to count two replicas" field_is "$p1" connected_slaves 2

say "4. full sync: keys * on the replicas shows k1"
expect "keys * on $p2" "$(cli "$p2" keys '*')" k1
expect "keys * on $p3" "$(cli "$p3" keys '*')" k1

say "5. incremental sync: set k2 v2 on $p1 reaches both replicas"
expect "set k2 v2" "$(cli "$p1" set k2 v2)" OK
wait_for "k2 on $p2" get_is "$p2" k2 v2
wait_for "k2 on $p3" get_is "$p3" k2 v2
expect "keys * on $p3" "$(cli "$p3" keys '*' | sort)" $'k1\nk2'

say "6. read-only replicas: set k3 v3 on a replica is refused"
for p in "$p2" "$p3"; do
  expect "set k3 v3 on $p" "$(cli "$p" set k3 v3)" "READONLY You can't write against a read only replica."
done

say "7. master down, replicas stand by"
stop "$p1"
for p in "$p2" "$p3"; do
  wait_for "$p's link to go down" field_is "$p" master_link_status down
  expect "role on $p" "$(field "$p" role)" slave
  expect "get k2 on $p (stale data still served)" "$(cli "$p" get k2)" v2
done

say "8. master back (redis-server redis$p1.conf &): everything as before"
start "$p1"
expect "keys * on $p1 (loaded from its dump file)" "$(cli "$p1" keys '*' | sort)" $'k1\nk2'
for p in "$p2" "$p3"; do
  wait_for "$p to reconnect by itself" field_is "$p" master_link_status up
done
wait_for "$p1 to count two replicas" field_is "$p1" connected_slaves 2
expect "sync_full on $p1 (the replicas continued partially)" "$(cli "$p1" info stats | tr -d '\r' | sed -n 's/^sync_full://p')" 0
expect "set k4 v4" "$(cli "$p1" set k4 v4)" OK
wait_for "k4 on $p3" get_is "$p3" k4 v4

say "9. a replica down: the master has one replica fewer, the other is unchanged"
stop "$p2"
wait_for "$p1 to count one replica" field_is "$p1" connected_slaves 1
expect "master_link_status on $p3" "$(field "$p3" master_link_status)" up

say "10a. replica back with its own config file: a master, as in Redis; slaveof again"
start "$p2"
expect "role on $p2" "$(field "$p2" role)" master
expect "keys * on $p2 (loaded from its dump file)" "$(cli "$p2" keys '*' | sort)" $'k1\nk2\nk4'
expect "slaveof on $p2" "$(cli "$p2" slaveof 127.0.0.1 "$p1")" OK
wait_for "$p2's link to come up" field_is "$p2" master_link_status up
wait_for "$p1 to count two replicas" field_is "$p1" connected_slaves 2

say "10b. ReplCache: a replica whose config names its master needs no slaveof after a restart"
stop "$p2"
wait_for "$p1 to count one replica" field_is "$p1" connected_slaves 1
expect "set k5 v5 while $p2 is down" "$(cli "$p1" set k5 v5)" OK
start "$p2" --replicaof "127.0.0.1 $p1"
wait_for "$p2 to reconnect by itself" field_is "$p2" master_link_status up
wait_for "k5 on $p2" get_is "$p2" k5 v5
expect "slaveof the same master again" "$(cli "$p2" slaveof 127.0.0.1 "$p1")" "OK Already connected to specified master"

say "11a. master down again, replicas stand by"
stop "$p1"
wait_for "$p2's link to go down" field_is "$p2" master_link_status down
wait_for "$p3's link to go down" field_is "$p3" master_link_status down

say "11b. slaveof no one on $p2: it becomes a master"
expect "slaveof no one" "$(cli "$p2" slaveof no one)" OK
expect "role on $p2" "$(field "$p2" role)" master
expect "set k6 v6 on $p2" "$(cli "$p2" set k6 v6)" OK

say "11c. slaveof 127.0.0.1 $p2 on $p3"
expect "slaveof on $p3" "$(cli "$p3" slaveof 127.0.0.1 "$p2")" OK
wait_for "$p3's link to $p2" field_is "$p3" master_link_status up
wait_for "k6 on $p3" get_is "$p3" k6 v6
expect "connected_slaves on $p2" "$(field "$p2" connected_slaves)" 1

say "11d. the old master comes back alone"
start "$p1"
expect "role on $p1" "$(field "$p1" role)" master
expect "connected_slaves on $p1" "$(field "$p1" connected_slaves)" 0

say "11e. slaveof 127.0.0.1 $p3 on $p1: $p3 is both a replica and a master"
expect "slaveof on $p1" "$(cli "$p1" slaveof 127.0.0.1 "$p3")" OK
wait_for "$p1's link to $p3" field_is "$p1" master_link_status up
wait_for "$p3 to count one replica" field_is "$p3" connected_slaves 1
expect "role on $p3" "$(field "$p3" role)" slave
expect "master_port on $p3" "$(field "$p3" master_port)" "$p2"
expect "set k7 v7 on $p2" "$(cli "$p2" set k7 v7)" OK
wait_for "k7 through the chain to $p1" get_is "$p1" k7 v7
expect "debug digest equal on $p1 and $p2" "$(cli "$p1" debug digest)" "$(cli "$p2" debug digest)"
cli "$p3" info replication | sed 's/^/   /'

echo "seed walkthrough: all steps held"
