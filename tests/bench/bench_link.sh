#!/usr/bin/env bash
# Sync over emulated poor links, full-size profiles (tests/bench/README.md,
# "Poor links"): per profile, the completion time, the bytes each way and
# the bytes resent (beyond a clean run) of a 100-member branch's first
# sync and of a day's edits, plus what a no-op sync costs.  "cut+refused":
# connections the link cut, and connections it refused while down.
#
# The scenario is tests/integration/test_sync_link.sh, run with
# ZB_LINK_FULL=1 (the profiles at full size: 2G at 50 kbit/s with 300 ms
# each way and a stall every ~20 s; a 64 kbit/s link up 20 s and down
# 40 s, each sync starting 1.2 s before a drop; a cut every ~4 KB each way)
# and ZB_LINK_BENCH=1 (a profile that does not finish within its deadline
# is reported, not a failure).  Reports numbers; never fails on time.
#
#   tests/bench/bench_link.sh [--json]         RUNS=3 by default, seeds 1..RUNS
#   ZB_BIN=DIR tests/bench/bench_link.sh       existing binaries (no build)
#   ZB_BIN=OLD ZB_PROXY=NEW/zhibu-faultproxy tests/bench/bench_link.sh
#                                              older binaries through today's link
#   PROFILES="2g cutty" tests/bench/bench_link.sh
set -euo pipefail
SRC=$(cd "$(dirname "$0")/../.." && pwd)
JSON=0
for a in "$@"; do case "$a" in --json) JSON=1 ;; *) echo "usage: $0 [--json]" >&2; exit 2 ;; esac; done
RUNS=${RUNS:-3}
if [ -z "${ZB_BIN:-}" ]; then
  cmake -S "$SRC" -B "$SRC/build" -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build "$SRC/build" -j"$(nproc)" >/dev/null
  ZB_BIN=$SRC/build/bin
fi
export ZB_BIN ZB_SRC=$SRC
[ -x "${ZB_PROXY:-$ZB_BIN/zhibu-faultproxy}" ] || {
  echo "bench_link: no zhibu-faultproxy in $ZB_BIN (build with tests on, or set ZB_PROXY)" >&2
  exit 1
}
W=$(mktemp -d /tmp/zhibu-bench-link.XXXXXX)
trap 'rm -rf "$W"' EXIT
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), kernel $(uname -r), load $(cut -d' ' -f1-3 /proc/loadavg)" >&2
echo "binaries: $ZB_BIN; proxy: ${ZB_PROXY:-$ZB_BIN/zhibu-faultproxy}" >&2

for run in $(seq "$RUNS"); do
  echo "[bench_link] run $run of $RUNS (seed $run)" >&2
  ZB_LINK_FULL=1 ZB_LINK_BENCH=1 ZB_LINK_SEED=$run ZB_LINK_REPORT="$W/report" \
    ZB_LINK_PROFILES="${PROFILES:-2g flap cutty}" \
    bash "$SRC/tests/integration/test_sync_link.sh" >"$W/run$run.log" 2>&1 || {
    echo "bench_link: run $run failed; its log:" >&2
    tail -n 40 "$W/run$run.log" >&2
    exit 1
  }
done

python3 - "$W/report" "$RUNS" "$JSON" <<'PY'
import json, statistics, sys
path, runs, as_json = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "1"
rows = [json.loads(l) for l in open(path)]
med = statistics.median
print(f"Sync over emulated links, a 100-member branch, {runs} runs (median; min-max when they differ)")
def cell(xs, fmt):
    m = med(xs)
    s = fmt.format(m)
    if min(xs) != max(xs):
        s += " (" + fmt.format(min(xs)) + "-" + fmt.format(max(xs)) + ")"
    return s
noop = {}
for r in rows:
    if r["profile"] == "clean" and r["phase"].startswith("noop"):
        noop.setdefault(r["phase"], []).append(r["up"] + r["down"])
out = {}
print(f"{'profile':7} {'phase':6} {'done':>5} {'seconds':>18} {'syncs':>9} {'cut+refused':>11} {'bytes up':>16} {'bytes down':>16} {'resent up':>16} {'resent down':>16}")
for prof in ("clean", "2g", "flap", "cutty"):
    for phase in ("first", "day"):
        rs = [r for r in rows if r["profile"] == prof and r["phase"] == phase]
        if not rs:
            continue
        done = sum(1 for r in rs if r["done"])
        secs = [float(r["seconds"]) for r in rs]
        cut = cell([r["cuts"] - r["refused"] for r in rs], "{:.0f}")
        refused = cell([r["refused"] for r in rs], "{:.0f}")
        line = (f"{prof:7} {phase:6} {done:>2}/{len(rs):<2} {cell(secs, '{:.1f}'):>18} "
                f"{cell([r['syncs'] for r in rs], '{:.0f}'):>9} {cut + '+' + refused:>11} "
                f"{cell([r['up'] for r in rs], '{:.0f}'):>16} {cell([r['down'] for r in rs], '{:.0f}'):>16} "
                f"{cell([r['resent_up'] for r in rs], '{:.0f}'):>16} {cell([r['resent_down'] for r in rs], '{:.0f}'):>16}")
        print(line)
        out[f"{prof}/{phase}"] = {"done": done, "runs": len(rs), "seconds": med(secs),
                                  "up": med([r["up"] for r in rs]), "down": med([r["down"] for r in rs]),
                                  "resent_up": med([r["resent_up"] for r in rs]),
                                  "resent_down": med([r["resent_down"] for r in rs]),
                                  "cuts": med([r["cuts"] - r["refused"] for r in rs]),
                                  "refused": med([r["refused"] for r in rs]),
                                  "syncs": med([r["syncs"] for r in rs])}
for k, v in sorted(noop.items()):
    what = "full handshake" if k == "noop-full" else "resumed TLS session"
    print(f"no-op sync, {what}: {cell(v, '{:.0f}')} bytes both ways together")
    out[k] = med(v)
if as_json:
    print(json.dumps({"runs": runs, "results": out}))
PY
