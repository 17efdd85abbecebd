#!/usr/bin/env bash
# Instructions per request of each benchmark app (bare, noop, floor, limited: see
# bench/servers/http.js), counted by valgrind's callgrind: steadier than wrk's throughput on a
# busy machine. Each app serves WARMUP pipelined requests, then the counters are zeroed and
# COUNT more are counted on the main thread. Slow (valgrind runs Node about 50 times slower):
# two apps at a time, a few minutes per pair. Needs valgrind (apt-get install -y valgrind) and
# a build (npm run build). Runs the `node` on the PATH.
#
#   bash bench/instructions.sh [COUNT=5000] [WARMUP=15000]
#   APPS="express-session express-session-limited" bash bench/instructions.sh
#   SERVER=fastify APPS="bare limited" bash bench/instructions.sh
# APPS: the apps to count, two at a time, each compared with the first (default: bare noop
# floor limited). SERVER: the script of bench/servers/ that serves them (default http, Express;
# fastify, hono, koa for row 2's apps).
set -euo pipefail
cd "$(dirname "$0")/.."
count=${1:-5000}
warmup=${2:-15000}
server="bench/servers/${SERVER:-http}.js"
[ -f "$server" ] || { echo "no $server" >&2; exit 2; }
command -v valgrind >/dev/null || { echo 'needs valgrind (apt-get install -y valgrind)' >&2; exit 2; }
[ -f dist/index.js ] || npm run build >/dev/null
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

measure() {
  local app=$1
  valgrind --tool=callgrind --dump-instr=no --separate-threads=yes \
    --callgrind-out-file="$work/$app.%p" \
    node "$server" "$app" 0 >"$work/$app.out" 2>"$work/$app.err" &
  local pid=$!
  until grep -q ready "$work/$app.out" 2>/dev/null; do
    kill -0 "$pid" 2>/dev/null || { cat "$work/$app.err" >&2; return 1; }
    sleep 0.5
  done
  local port cookie
  read -r _ port cookie <"$work/$app.out"
  node bench/servers/pipeline.js "$port" "$cookie" "$warmup"
  callgrind_control -z "$pid" >/dev/null 2>&1
  node bench/servers/pipeline.js "$port" "$cookie" "$count"
  callgrind_control -d "$pid" >/dev/null 2>&1
  kill "$pid"
  wait "$pid" 2>/dev/null || true
  # The main thread (01) of the dump requested above (part 1). Other threads are V8's
  # background compilers and GC helpers, whose work lands at times that vary from run to run.
  local total
  total=$(awk '/^(summary|totals):/ { print $2; exit }' "$work/$app".*.1-01)
  echo "$app $((total / count))" >"$work/$app.result"
}

read -r -a apps <<<"${APPS:-bare noop floor limited}"
for ((i = 0; i < ${#apps[@]}; i += 2)); do
  pids=()
  for app in "${apps[@]:i:2}"; do
    measure "$app" &
    pids+=($!)
  done
  for pid in "${pids[@]}"; do wait "$pid"; done # stops the script if a measurement failed
done
first=${apps[0]}
base=$(cut -d' ' -f2 "$work/$first.result")
echo "Node $(node -v), $server, instructions per request over $count requests after $warmup"
for app in "${apps[@]}"; do
  n=$(cut -d' ' -f2 "$work/$app.result")
  awk -v a="$app" -v n="$n" -v b="$base" -v f="$first" 'BEGIN { printf "%-24s %9d  %.3f of %s\n", a, n, b / n, f }'
done
