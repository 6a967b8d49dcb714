#!/usr/bin/env bash
# The demo: installs what is missing, builds, then plays a county's day on
# this machine: a central server, two village branches and their township
# committee, each with its own LMDB data directory, syncing over mutual TLS
# on 127.0.0.1.  The branches work offline, edit the same member at the same
# time, and converge; every digest is checked against the server's.
set -euo pipefail
SRC=$(cd "$(dirname "$0")/.." && pwd)
"$SRC/deploy/install-deps.sh"
"$SRC/deploy/build.sh" >/dev/null
BIN=$SRC/build/bin
WORK=${ZHIBU_DEMO_DIR:-$(mktemp -d /tmp/zhibu-demo.XXXXXX)}
N=${ZHIBU_DEMO_MEMBERS:-2000}
say() { printf '\n== %s\n' "$*" >&2; }
run() { echo "\$ $*" >&2; "$@"; }
server() { run "$BIN/zhibu-server" --data "$WORK/server" "$@"; }
node() { local n=$1; shift; run "$BIN/zhibu-node" --data "$WORK/$n" --actor "secretary-$n" "$@"; }

SERVER_PID=
cleanup() { [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null; wait 2>/dev/null || true; }
trap cleanup EXIT

say "a roster of $N members in 200 branches (demo data in $WORK)"
"$BIN/zhibu-genroster" "$WORK/roster" --townships 10 --branches 20 --members "$N"
python3 - "$WORK/roster" <<'PY'
import csv, sys
d = sys.argv[1]
rows = list(csv.DictReader(open(f"{d}/members.csv", encoding="utf-8")))
for code in ("430121-01-01", "430121-01-02"):
    with open(f"{d}/{code}.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=rows[0].keys(), lineterminator="\n")
        w.writeheader()
        w.writerows(r for r in rows if r["org_code"] == code)
PY

say "the central operator sets up the server and enrolls three nodes"
server init
server org import "$WORK/roster/orgs.csv"
server enroll --node-id v0101 --org 430121-01-01 --server 127.0.0.1:7420 --out "$WORK/v0101.bundle"
server enroll --node-id v0102 --org 430121-01-02 --server 127.0.0.1:7420 --out "$WORK/v0102.bundle"
server enroll --node-id town01 --org 430121-01 --server 127.0.0.1:7420 --out "$WORK/town01.bundle"
"$BIN/zhibu-server" --data "$WORK/server" run --listen 127.0.0.1:0 --port-file "$WORK/port" \
  2> "$WORK/server.log" &
SERVER_PID=$!
for _ in $(seq 50); do [ -s "$WORK/port" ] && break; sleep 0.1; done
ADDR=127.0.0.1:$(cat "$WORK/port")
echo "server listening on $ADDR (log: $WORK/server.log)" >&2

say "each branch secretary sets up the node and loads the roster, offline"
for b in 01 02; do
  node v01$b init --enroll "$WORK/v01$b.bundle"
  node v01$b org import "$WORK/roster/orgs.csv"
  node v01$b member import "$WORK/roster/430121-01-$b.csv"
done
node town01 init --enroll "$WORK/town01.bundle"

say "first sync: branches push, the township pulls both"
node v0101 sync --server "$ADDR"
node v0102 sync --server "$ADDR"
node town01 sync --server "$ADDR"
node town01 member list --org 430121-01 | tail -1

M=$("$BIN/zhibu-node" --data "$WORK/v0101" member list --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["id"])')
say "offline, the branch and the township both change member $M's phone"
node v0101 member update "$M" --phone 13907310001
node town01 member update "$M" --phone 13907310002 --education 大学本科
node v0102 member add --name 李春华 --gender 女 --birth-date 1990-03-07 \
  --id-number 430121199003071241 --join-date 2015-06-30 --full-date 2016-06-30 \
  --ethnicity 苗族 --education 大学本科 --occupation 工人

TODAY=$(date -u +%Y-%m-%d)
say "the township issues a notice (通知); it cannot issue one in a branch's name"
node town01 notice add --id T01-2026-01 --title 主题党日通知 \
  --body "请各支部本周五下午开展主题党日活动。" --date "$TODAY"
"$BIN/zhibu-node" --data "$WORK/town01" notice add --title 越级 --body x --date "$TODAY" \
  --org 430121-01-01 || echo "  (refused, exit $?)" >&2

say "they sync, in any order, until quiet"
for n in v0101 town01 v0102 v0101 town01; do node $n sync --server "$ADDR"; done
node town01 conflicts
node v0101 member show "$M"

say "each branch received the notice and records that it read it (a fact)"
node v0102 notice list
node v0101 notice read T01-2026-01
node v0102 notice read T01-2026-01
for n in v0101 v0102 town01 v0101; do node $n sync --server "$ADDR"; done
node town01 notice show T01-2026-01

say "every node's digest equals the server's digest for its scope"
ok=1
for pair in v0101:430121-01-01 v0102:430121-01-02 town01:430121-01; do
  n=${pair%%:*} org=${pair#*:}
  a=$("$BIN/zhibu-node" --data "$WORK/$n" digest)
  b=$("$BIN/zhibu-server" --data "$WORK/server" digest --org "$org")
  printf '%-7s %-13s node %s  server %s  %s\n' "$n" "$org" "${a:0:16}" "${b:0:16}" \
    "$([ "$a" = "$b" ] && echo converged || echo DIFFERENT)" >&2
  [ "$a" = "$b" ] || ok=0
done
server verify
node town01 verify
server report stats --org 430121-01
server status
echo >&2; tail -n 4 "$WORK/server.log" >&2
[ "$ok" = 1 ] || { echo "demo: digests differ" >&2; exit 1; }
say "done: data in $WORK"
