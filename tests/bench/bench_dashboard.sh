#!/usr/bin/env bash
# Central aggregation at county scale (issue 12, "Speed and memory";
# tests/bench/README.md, "Reports and the dashboard"):
#   load    a county node imports N generated members and pushes them to an
#           empty server (the path real data takes: member import, sync)
#   stats   `zhibu-server report stats --json` of the county, a township and
#           a branch: wall time, user CPU and peak RSS (/usr/bin/time)
#   page    the dashboard's org page of each, over HTTPS: server time =
#           curl's time to the first byte minus its time to the end of the
#           TLS handshake (the page is built whole before its first byte);
#           "built" right after a branch's sync moved the server's head
#           (the page kept for the old head no longer serves), with the
#           server's user CPU for it, then "kept" (asked again)
#   sync    a branch node changes one member and syncs: wall time of
#           `zhibu-node sync`, alone and while 20 clients load the county's
#           page in a loop
# Reports numbers, never fails on time; exits non-zero only when a step
# fails or a count is wrong (the county's total must be N).
# Usage: tests/bench/bench_dashboard.sh [N]   (RUNS=5 by default; ZB_BIN=DIR
# to use built binaries, else a Release build into build/)
set -euo pipefail
SRC=$(cd "$(dirname "$0")/../.." && pwd)
N=${1:-100000}
RUNS=${RUNS:-5}
LOADERS=${LOADERS:-20}
if [ -z "${ZB_BIN:-}" ]; then
  cmake -S "$SRC" -B "$SRC/build" -DCMAKE_BUILD_TYPE=Release -DZB_SANITIZE=OFF -DZB_TESTS=ON >/dev/null
  cmake --build "$SRC/build" -j2 >/dev/null
  ZB_BIN=$SRC/build/bin
fi
[ -x /usr/bin/time ] || { echo "bench_dashboard: /usr/bin/time missing (deploy/install-deps.sh installs it)" >&2; exit 1; }
command -v curl >/dev/null || { echo "bench_dashboard: curl missing" >&2; exit 1; }
W=$(mktemp -d "${TMPDIR:-/tmp}/zhibu-bench-dash.XXXXXX")
SRV_PID= LOAD_PIDS=()
cleanup() {
  for p in "${LOAD_PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  [ -n "$SRV_PID" ] && kill "$SRV_PID" 2>/dev/null || true
  wait 2>/dev/null || true
  [ -n "${KEEP:-}" ] || rm -rf "$W"
}
trap cleanup EXIT
log() { echo "[bench_dashboard] $*" >&2; }
S="$ZB_BIN/zhibu-server" NODE="$ZB_BIN/zhibu-node"
median() { sort -g | awk '{a[NR]=$1} END {if (NR % 2) printf "%.4f\n", a[(NR+1)/2]; else printf "%.4f\n", (a[NR/2]+a[NR/2+1])/2}'; }
minmax() { sort -g | awk 'NR==1{lo=$1} {hi=$1} END {printf "%.3f–%.3f", lo, hi}'; }
wait_file() { for _ in $(seq 600); do [ -s "$1" ] && return 0; sleep 0.05; done; return 1; }

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), load $(cut -d' ' -f1-3 /proc/loadavg), commit $(git -C "$SRC" rev-parse --short HEAD 2>/dev/null || echo ?)" >&2

log "roster of $N members (10 townships × 20 branches), not timed"
"$ZB_BIN/zhibu-genroster" "$W/r" --townships 10 --branches 20 --members "$N" >/dev/null
"$S" init --data "$W/srv" >/dev/null 2>&1
"$S" org import "$W/r/orgs.csv" --data "$W/srv" >/dev/null 2>&1
"$S" enroll --data "$W/srv" --node-id c --org 430121 --server 127.0.0.1:7420 --out "$W/c.bundle" >/dev/null 2>&1
"$S" enroll --data "$W/srv" --node-id b --org 430121-01-01 --server 127.0.0.1:7420 --out "$W/b.bundle" >/dev/null 2>&1
"$NODE" init --enroll "$W/c.bundle" --data "$W/c" >/dev/null 2>&1
"$NODE" init --enroll "$W/b.bundle" --data "$W/b" >/dev/null 2>&1
TOKEN=$("$S" token issue --org 430121 --data "$W/srv" 2>/dev/null)
"$S" run --data "$W/srv" --listen 127.0.0.1:0 --port-file "$W/port" --http 127.0.0.1:0 \
  --http-port-file "$W/hport" 2>>"$W/server.log" &
SRV_PID=$!
wait_file "$W/port" && wait_file "$W/hport" || { log "the server did not start"; exit 1; }
PORT=$(head -1 "$W/port") HP=$(head -1 "$W/hport")

t0=$(date +%s.%N)
/usr/bin/time -f "%e %M" -o "$W/t.imp" "$NODE" member import "$W/r/members.csv" --data "$W/c" >/dev/null 2>&1
t1=$(date +%s.%N)
/usr/bin/time -f "%e %M" -o "$W/t.push" "$NODE" sync --data "$W/c" --server "127.0.0.1:$PORT" --timeout 600 >/dev/null 2>>"$W/node.log"
t2=$(date +%s.%N)
printf 'load: member import %.2f s (peak RSS %d MiB), push to the server %.2f s; server data %s\n' \
  "$(echo "$t1 - $t0" | bc)" "$(( $(cut -d' ' -f2 "$W/t.imp") / 1024 ))" "$(echo "$t2 - $t1" | bc)" \
  "$(du -sh "$W/srv" | cut -f1)"
"$NODE" sync --data "$W/b" --server "127.0.0.1:$PORT" --timeout 600 >/dev/null 2>>"$W/node.log"

ORGS=(430121 430121-01 430121-01-01)
echo "report stats (RUNS=$RUNS), load $(cut -d' ' -f1 /proc/loadavg):"
for org in "${ORGS[@]}"; do
  : >"$W/wall" ; : >"$W/rss" ; : >"$W/user"
  for _ in $(seq "$RUNS"); do
    sync
    a=$(date +%s.%N)
    /usr/bin/time -f "%M %U" -o "$W/t" "$S" report stats --json --org "$org" --data "$W/srv" >"$W/stats.json" 2>/dev/null
    b=$(date +%s.%N)
    echo "$b - $a" | bc >>"$W/wall"
    cut -d' ' -f1 "$W/t" >>"$W/rss"
    cut -d' ' -f2 "$W/t" >>"$W/user"
  done
  total=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["total"])' "$W/stats.json")
  if [ "$org" = 430121 ] && [ "$total" != "$N" ]; then log "county total $total, want $N"; exit 1; fi
  printf '  %-14s %7s members  wall %s s (%s)  user CPU %s s (%s)  peak RSS %d MiB\n' "$org" "$total" \
    "$(median <"$W/wall")" "$(minmax <"$W/wall")" "$(median <"$W/user")" "$(minmax <"$W/user")" \
    "$(( $(sort -n "$W/rss" | tail -1) / 1024 ))"
done

# page ORG: server seconds for one GET of ORG's page (first byte - TLS done).
page() {
  curl -s -o /dev/null --cacert "$W/srv/pki/ca.crt" --resolve "localhost:$HP:127.0.0.1" \
    -H "Authorization: Bearer $TOKEN" -w '%{http_code} %{time_appconnect} %{time_starttransfer}\n' \
    "https://localhost:$HP/org/$1" | awk '$1 != 200 {exit 1} {printf "%.4f\n", $3 - $2}'
}
M=$(awk -F, -v o=430121-01-01 'NR > 1 && $11 == o {print $1; exit}' "$W/r/members.csv")
# bump: the branch changes one member's phone and syncs, which moves the
# server's head: the next page of every org is built, not kept.
bump() {
  "$NODE" member update "$M" --phone "1390000$(printf %04d $((RANDOM % 10000)))" --data "$W/b" >/dev/null 2>&1
  "$NODE" sync --data "$W/b" --server "127.0.0.1:$PORT" --timeout 120 >/dev/null 2>>"$W/node.log"
}
# cpu: the server's user CPU so far, in clock ticks (/proc/PID/stat field 14).
cpu() { awk '{print $14}' "/proc/$SRV_PID/stat"; }
HZ=$(getconf CLK_TCK)
echo "dashboard page, server time (RUNS=$RUNS), load $(cut -d' ' -f1 /proc/loadavg):"
for org in "${ORGS[@]}"; do
  : >"$W/pt" ; : >"$W/pc" ; : >"$W/pk"
  for _ in $(seq "$RUNS"); do
    bump
    c0=$(cpu)
    page "$org" >>"$W/pt" || { log "GET /org/$org failed"; exit 1; }
    c1=$(cpu)
    echo "($c1 - $c0) / $HZ" | bc -l >>"$W/pc"
    page "$org" >>"$W/pk" || { log "GET /org/$org failed"; exit 1; }
  done
  printf '  /org/%-14s built %s s (%s), server user CPU %s s (%s); kept %s s (%s)\n' "$org" \
    "$(median <"$W/pt")" "$(minmax <"$W/pt")" "$(median <"$W/pc")" "$(minmax <"$W/pc")" \
    "$(median <"$W/pk")" "$(minmax <"$W/pk")"
done

# small_sync OUT: RUNS times, the branch changes one member's phone and syncs.
small_sync() {
  : >"$1"
  for i in $(seq "$RUNS"); do
    "$NODE" member update "$M" --phone "1390000$(printf %04d $((RANDOM % 10000)))" --data "$W/b" >/dev/null 2>&1
    a=$(date +%s.%N)
    "$NODE" sync --data "$W/b" --server "127.0.0.1:$PORT" --timeout 120 >/dev/null 2>>"$W/node.log"
    b=$(date +%s.%N)
    echo "$b - $a" | bc >>"$1"
  done
}
echo "a small sync (one member changed at a branch), RUNS=$RUNS:"
small_sync "$W/s0"
printf '  alone:                         %s s (%s), load %s\n' "$(median <"$W/s0")" "$(minmax <"$W/s0")" "$(cut -d' ' -f1 /proc/loadavg)"
: >"$W/loads"
for i in $(seq "$LOADERS"); do
  ( while :; do page 430121 >>"$W/loads" 2>/dev/null || sleep 0.1; done ) &
  LOAD_PIDS+=($!)
done
sleep 2
small_sync "$W/s1"
printf '  with %2d clients loading pages:  %s s (%s), load %s\n' "$LOADERS" "$(median <"$W/s1")" "$(minmax <"$W/s1")" "$(cut -d' ' -f1 /proc/loadavg)"
for p in "${LOAD_PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
wait "${LOAD_PIDS[@]}" 2>/dev/null || true
LOAD_PIDS=()
printf '  pages served meanwhile: %d, server time each %s s (median)\n' "$(wc -l <"$W/loads")" "$(median <"$W/loads")"
