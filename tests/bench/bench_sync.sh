#!/usr/bin/env bash
# Sync benchmark on the peer's (PouchDB's) published workload (tests/bench/README.md, "Sync"):
#   push   one county node with N members pushes to an empty server
#   incr   1,000 members change phone, then one sync
#   noop   one sync with nothing changed
#   pull   a fresh county node pulls everything
# All over mutual TLS on 127.0.0.1, through zhibu-faultproxy counting the
# bytes each way (TLS records included).  Reports numbers; never fails on
# time.  Usage: tests/bench/bench_sync.sh [N] [--json]   (RUNS=3 by default)
set -euo pipefail
SRC=$(cd "$(dirname "$0")/../.." && pwd)
N=100000 JSON=0
for a in "$@"; do case "$a" in --json) JSON=1 ;; *) N=$a ;; esac; done
RUNS=${RUNS:-3}
if [ -z "${ZB_BIN:-}" ]; then
  cmake -S "$SRC" -B "$SRC/build" -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build "$SRC/build" -j"$(nproc)" >/dev/null
  ZB_BIN=$SRC/build/bin
fi
[ -x /usr/bin/time ] || { echo "bench_sync: /usr/bin/time missing (deploy/install-deps.sh installs it)" >&2; exit 1; }
W=$(mktemp -d /tmp/zhibu-bench-sync.XXXXXX)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$W"; }
trap cleanup EXIT
log() { echo "[bench_sync] $*" >&2; }

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), kernel $(uname -r)" >&2
"$ZB_BIN/zhibu-genroster" "$W/r" --townships 10 --branches 20 --members "$N"
python3 - "$W/r/members.csv" "$W/incr.csv" "$N" <<'PY'
import csv, sys
src, dst, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
rows = list(csv.DictReader(open(src, encoding="utf-8")))
step = n // 1000
with open(dst, "w", newline="", encoding="utf-8") as f:
    w = csv.DictWriter(f, fieldnames=rows[0].keys(), lineterminator="\n")
    w.writeheader()
    for k in range(1000):          # the peer's members i = 1 + k*floor(N/1000)
        i = 1 + k * step
        r = dict(rows[i - 1]); r["phone"] = "199%08d" % i
        w.writerow(r)
PY

wait_file() { for _ in $(seq 100); do [ -s "$1" ] && return 0; sleep 0.05; done; return 1; }
now() { date +%s.%N; }

# One sync through the proxy: prints "seconds up down rss_kb".
timed_sync() {
  local data=$1 stats=$2
  : > "$stats"
  local t0 t1
  t0=$(now)
  /usr/bin/time -f "%M" -o "$W/rss" "$ZB_BIN/zhibu-node" sync --data "$data" \
    --server "127.0.0.1:$PPORT" 2>> "$W/node.log"
  t1=$(now)
  for _ in $(seq 100); do [ -s "$stats" ] && break; sleep 0.02; done
  python3 - "$stats" "$t0" "$t1" "$(cat "$W/rss")" <<'PY'
import json, sys
up = down = 0
for line in open(sys.argv[1]):
    c = json.loads(line); up += c["up"]; down += c["down"]
print("%.3f %d %d %s" % (float(sys.argv[3]) - float(sys.argv[2]), up, down, sys.argv[4]))
PY
}

RESULTS=$W/results
: > "$RESULTS"
for run in $(seq "$RUNS"); do
  R=$W/run$run
  mkdir -p "$R"
  "$ZB_BIN/zhibu-server" init --data "$R/srv" 2>/dev/null
  "$ZB_BIN/zhibu-server" org import "$W/r/orgs.csv" --data "$R/srv" 2>/dev/null
  for n in a b; do
    "$ZB_BIN/zhibu-server" enroll --data "$R/srv" --node-id "county-$n" --org 430121 \
      --server 127.0.0.1:7420 --out "$R/$n.bundle" 2>/dev/null
    "$ZB_BIN/zhibu-node" init --enroll "$R/$n.bundle" --data "$R/$n" 2>/dev/null
  done
  "$ZB_BIN/zhibu-node" org import "$W/r/orgs.csv" --data "$R/a" 2>/dev/null
  "$ZB_BIN/zhibu-node" member import "$W/r/members.csv" --data "$R/a" 2>/dev/null
  "$ZB_BIN/zhibu-server" run --data "$R/srv" --listen 127.0.0.1:0 --port-file "$R/sport" 2>>"$W/server.log" &
  SPID=$!; PIDS+=("$SPID")
  wait_file "$R/sport"
  "$ZB_BIN/zhibu-faultproxy" --listen 127.0.0.1:0 --port-file "$R/pport" \
    --target "127.0.0.1:$(cat "$R/sport")" --stats-file "$R/stats" 2>>"$W/proxy.log" &
  PPID_=$!; PIDS+=("$PPID_")
  wait_file "$R/pport"
  PPORT=$(cat "$R/pport")
  sync
  log "run $run: push"
  echo "push $(timed_sync "$R/a" "$R/stats")" >> "$RESULTS"
  "$ZB_BIN/zhibu-node" member import "$W/incr.csv" --data "$R/a" 2>/dev/null
  sync
  log "run $run: incr"
  echo "incr $(timed_sync "$R/a" "$R/stats")" >> "$RESULTS"
  log "run $run: noop"
  echo "noop $(timed_sync "$R/a" "$R/stats")" >> "$RESULTS"
  sync
  log "run $run: pull"
  echo "pull $(timed_sync "$R/b" "$R/stats")" >> "$RESULTS"
  a=$("$ZB_BIN/zhibu-node" digest --data "$R/b"); b=$("$ZB_BIN/zhibu-server" digest --org 430121 --data "$R/srv")
  [ "$a" = "$b" ] || { echo "bench_sync: run $run: pulled node's digest differs from the server's" >&2; exit 1; }
  # VmHWM counts the LMDB map's file pages too (shared page cache, not the
  # server's own memory): report both parts as they stand at the end.
  echo "server_rss $(awk '/VmHWM/ {print $2}' /proc/$SPID/status)" >> "$RESULTS"
  echo "server_anon $(awk '/RssAnon/ {print $2}' /proc/$SPID/status)" >> "$RESULTS"
  echo "server_file $(awk '/RssFile/ {print $2}' /proc/$SPID/status)" >> "$RESULTS"
  kill "$PPID_" "$SPID"; wait "$PPID_" "$SPID" 2>/dev/null || true
  PIDS=()
done

python3 - "$RESULTS" "$N" "$RUNS" "$JSON" <<'PY'
import json, statistics, sys
path, n, runs, as_json = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4] == "1"
ph = {}
srv, anon, filebacked = [], [], []
for line in open(path):
    f = line.split()
    if f[0] == "server_rss":
        srv.append(int(f[1]) / 1024)
    elif f[0] == "server_anon":
        anon.append(int(f[1]) / 1024)
    elif f[0] == "server_file":
        filebacked.append(int(f[1]) / 1024)
    else:
        ph.setdefault(f[0], []).append((float(f[1]), int(f[2]), int(f[3]), int(f[4]) / 1024))
# PouchDB 9 -> pouchdb-server 4.2 medians at N = 100,000, copied from the peer's
# published results: main = defaults, tuned = keep-alive + batch_size 1000.
peer = {"push": (58.806, 39.824, 53076090), "incr": (0.673, 0.615, 569501),
        "noop": (0.018, 0.032, 2796), "pull": (47.211, 31.218, 20615277)}
med = lambda xs: statistics.median(xs)
print(f"Zhibu sync, N = {n}, {runs} runs (median, min-max); peer at N = 100,000")
print(f"{'phase':5} {'wall s':>22} {'bytes up':>10} {'bytes down':>11} {'node RSS MiB':>12} {'peer s (tuned)':>15} {'x vs tuned':>10} {'peer bytes':>11}")
out = {}
for name in ("push", "incr", "noop", "pull"):
    rs = ph.get(name, [])
    if not rs:
        continue
    w = [r[0] for r in rs]
    up, down, rss = med([r[1] for r in rs]), med([r[2] for r in rs]), max(r[3] for r in rs)
    p = peer[name]
    ratio = p[1] / med(w) if med(w) > 0 else float("inf")
    print(f"{name:5} {med(w):8.3f} ({min(w):.3f}-{max(w):.3f}) {up:>10.0f} {down:>11.0f} {rss:12.1f} {p[0]:6.3f} ({p[1]:.3f}) {ratio:10.1f} {p[2]:>11}")
    out[name] = {"wall_s": med(w), "wall_min": min(w), "wall_max": max(w), "bytes_up": up,
                 "bytes_down": down, "node_peak_rss_mib": rss}
print(f"server peak RSS: {max(srv):.1f} MiB (peer: 221.9 MiB); at the end {max(anon):.1f} MiB "
      f"its own (RssAnon) + {max(filebacked):.1f} MiB of mapped LMDB file pages (RssFile)")
out["server_peak_rss_mib"] = max(srv)
out["server_rss_anon_mib"] = max(anon)
out["server_rss_file_mib"] = max(filebacked)
if as_json:
    print(json.dumps({"n": n, "runs": runs, "phases": out}))
PY
