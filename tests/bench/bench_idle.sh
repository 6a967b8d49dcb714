#!/usr/bin/env bash
# What an idle branch daemon costs on the wire a day (tests/bench/README.md,
# "Idle daemon"; goal of issue 13: at most 50 KB a day at default settings).
#
# A branch node (one branch of a generated roster) syncs once to catch up;
# then `zhibu-node daemon` runs with nothing changing anywhere, through
# zhibu-faultproxy counting every connection's bytes each way (TLS
# included).  The day is simulated: the default interval (one session an
# hour, zb_daemon.h ZB_DAEMON_INTERVAL_S) is shortened to SIM_INTERVAL
# seconds, so a day at the default, 86400 / interval sessions (12), takes
# 12 x SIM_INTERVAL seconds; its bytes are counted, and the mean session
# scaled to other intervals for comparison.  The
# daemon's watch for local changes (a read of the log head every 2 s) sends
# nothing: the proxy sees exactly one connection per session.
# Reports numbers; never fails on size or time.
#
# Usage: tests/bench/bench_idle.sh [SESSIONS] [--json]   (SESSIONS: a day's
# at the default interval; SIM_INTERVAL 2; ZB_BIN=DIR uses built binaries,
# else a Release build in build/).  KB are 1000 bytes.
set -euo pipefail
SRC=$(cd "$(dirname "$0")/../.." && pwd)
SESSIONS= JSON=0
for a in "$@"; do case "$a" in --json) JSON=1 ;; *) SESSIONS=$a ;; esac; done
SIM_INTERVAL=${SIM_INTERVAL:-2}
if [ -z "${ZB_BIN:-}" ]; then
  cmake -S "$SRC" -B "$SRC/build" -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build "$SRC/build" -j"$(nproc)" >/dev/null
  ZB_BIN=$SRC/build/bin
fi
DEFAULT_INTERVAL=$(sed -n 's/^#define ZB_DAEMON_INTERVAL_S \([0-9]*\)u.*/\1/p' "$SRC/common/net/zb_daemon.h")
[ -n "$DEFAULT_INTERVAL" ] || { echo "bench_idle: no ZB_DAEMON_INTERVAL_S in zb_daemon.h" >&2; exit 1; }
SESSIONS=${SESSIONS:-$(( 86400 / DEFAULT_INTERVAL ))}
W=$(mktemp -d /tmp/zhibu-bench-idle.XXXXXX)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$W"; }
trap cleanup EXIT
log() { echo "[bench_idle] $*" >&2; }
wait_file() { for _ in $(seq 200); do [ -s "$1" ] && return 0; sleep 0.05; done; return 1; }

"$ZB_BIN/zhibu-genroster" "$W/r" --townships 1 --branches 2 --members 60 >/dev/null
S=$W/srv B=$W/b
"$ZB_BIN/zhibu-server" init --data "$S" 2>/dev/null
"$ZB_BIN/zhibu-server" org import "$W/r/orgs.csv" --data "$S" 2>/dev/null
"$ZB_BIN/zhibu-server" enroll --data "$S" --node-id b0101 --org 430121-01-01 \
  --server 127.0.0.1:7420 --out "$W/b.bundle" 2>/dev/null
"$ZB_BIN/zhibu-node" init --enroll "$W/b.bundle" --data "$B" 2>/dev/null
"$ZB_BIN/zhibu-node" org import "$W/r/orgs.csv" --data "$B" 2>/dev/null
python3 - "$W/r/members.csv" "$W/b.csv" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], encoding="utf-8")))
with open(sys.argv[2], "w", newline="", encoding="utf-8") as f:
    w = csv.DictWriter(f, fieldnames=rows[0].keys(), lineterminator="\n")
    w.writeheader()
    w.writerows(r for r in rows if r["org_code"].startswith("430121-01-01"))
PY
"$ZB_BIN/zhibu-node" member import "$W/b.csv" --data "$B" 2>/dev/null
"$ZB_BIN/zhibu-server" run --data "$S" --listen 127.0.0.1:0 --port-file "$W/sport" 2>>"$W/server.log" &
PIDS+=($!)
wait_file "$W/sport" || { log "the server did not start"; exit 1; }
"$ZB_BIN/zhibu-faultproxy" --listen 127.0.0.1:0 --port-file "$W/pport" \
  --target "127.0.0.1:$(cat "$W/sport")" --stats-file "$W/stats" 2>>"$W/proxy.log" &
PIDS+=($!)
wait_file "$W/pport" || { log "the proxy did not start"; exit 1; }
PPORT=$(cat "$W/pport")
"$ZB_BIN/zhibu-node" sync --data "$B" --server "127.0.0.1:$PPORT" 2>>"$W/node.log" ||
  { log "the first sync failed"; exit 1; }
sleep 0.5
: > "$W/stats"

log "daemon idle: $SESSIONS sessions at --interval $SIM_INTERVAL (standing for ${DEFAULT_INTERVAL} s each)"
"$ZB_BIN/zhibu-node" daemon --data "$B" --server "127.0.0.1:$PPORT" \
  --interval "$SIM_INTERVAL" 2>>"$W/daemon.log" &
DPID=$!
PIDS+=("$DPID")
t0=$(date +%s)
while [ "$(wc -l < "$W/stats")" -lt "$SESSIONS" ]; do
  kill -0 "$DPID" 2>/dev/null || { log "the daemon died"; tail -5 "$W/daemon.log" >&2; exit 1; }
  [ $(( $(date +%s) - t0 )) -lt $(( SESSIONS * SIM_INTERVAL * 3 + 60 )) ] ||
    { log "only $(wc -l < "$W/stats") sessions"; exit 1; }
  sleep 0.2
done
kill -TERM "$DPID"
wait "$DPID" || true
python3 - "$W/stats" "$SESSIONS" "$DEFAULT_INTERVAL" "$JSON" "$W/daemon.log" <<'PY'
import json, sys
stats, n, interval, as_json, dlog = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4] == "1", sys.argv[5]
conns = [json.loads(l) for l in open(stats)][:n]
up = sum(c["up"] for c in conns)
down = sum(c["down"] for c in conns)
failed = sum(1 for l in open(dlog) if "sync failed" in l)
per = (up + down) / len(conns)
per_day = 86400 / interval
res = {"phase": "idle_daemon", "sessions": len(conns), "failed": failed,
       "up_per_session": round(up / len(conns)), "down_per_session": round(down / len(conns)),
       "bytes_per_session": round(per), "default_interval_s": interval,
       "sessions_per_day": per_day, "bytes_per_day": round(per * per_day)}
res["counted_up"], res["counted_down"] = up, down
if as_json:
    print(json.dumps(res))
else:
    print("idle daemon, %d sessions counted (%d failed) = %.1f h at the default %d s interval:" %
          (len(conns), failed, len(conns) * interval / 3600, interval))
    print("  %d B up + %d B down = %d B; %d B a session (%d up, %d down)" %
          (up, down, up + down, res["bytes_per_session"], res["up_per_session"], res["down_per_session"]))
    for iv in sorted({interval, 300, 600, 1800, 3600, 7200}):
        mark = "  <- default" if iv == interval else ""
        print("  interval %5d s: %6.1f sessions a day, %8.1f KB a day%s" %
              (iv, 86400 / iv, per * 86400 / iv / 1000, mark))
PY
