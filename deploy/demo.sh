#!/usr/bin/env bash
# The demo: installs what is missing, builds, then plays a county's day on
# this machine: a central server, three village branches and their township
# committee, each with its own LMDB data directory, syncing over mutual TLS
# on 127.0.0.1.  One branch loads the roster Chinese Excel saved (GB18030,
# Chinese headers, no ids); the branches work offline, edit the same member
# at the same time, record a member's leaving, move a member from one branch
# to another (组织关系转接), and converge; a third branch
# has no link and syncs by signed parcels (数据包); every digest is checked
# against the server's.
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
for code in ("430121-01-01", "430121-01-02", "430121-01-03"):
    with open(f"{d}/{code}.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=rows[0].keys(), lineterminator="\n")
        w.writeheader()
        w.writerows(r for r in rows if r["org_code"] == code)
# Branch 01 keeps its roster as Chinese Excel saves it: GB18030 ("CSV (逗号分隔)"),
# Chinese headers, a 序号 column, no member ids (the node assigns them).
zh = {"name": "姓名", "gender": "性别", "ethnicity": "民族", "birth_date": "出生日期",
      "id_number": "身份证号", "education": "学历", "category": "人员类别",
      "join_date": "入党日期", "full_date": "转正日期", "org_code": "所在党支部",
      "phone": "联系电话", "occupation": "工作岗位"}
with open(f"{d}/430121-01-01-excel.csv", "w", newline="", encoding="gb18030") as f:
    w = csv.writer(f, lineterminator="\r\n")
    w.writerow(["序号"] + list(zh.values()))
    mine = [r for r in rows if r["org_code"] == "430121-01-01"]
    for i, r in enumerate(mine, 1):
        w.writerow([i] + [r[k].replace("-", "/") if k.endswith("_date") else r[k] for k in zh])
PY

say "the central operator sets up the server and enrolls three nodes"
server init
server org import "$WORK/roster/orgs.csv"
server enroll --node-id v0101 --org 430121-01-01 --server 127.0.0.1:7420 --out "$WORK/v0101.bundle"
server enroll --node-id v0102 --org 430121-01-02 --server 127.0.0.1:7420 --out "$WORK/v0102.bundle"
server enroll --node-id town01 --org 430121-01 --server 127.0.0.1:7420 --out "$WORK/town01.bundle"
server enroll --node-id v0103 --org 430121-01-03 --server 127.0.0.1:7420 --out "$WORK/v0103.bundle"
"$BIN/zhibu-server" --data "$WORK/server" run --listen 127.0.0.1:0 --port-file "$WORK/port" \
  2> "$WORK/server.log" &
SERVER_PID=$!
for _ in $(seq 50); do [ -s "$WORK/port" ] && break; sleep 0.1; done
ADDR=127.0.0.1:$(cat "$WORK/port")
echo "server listening on $ADDR (log: $WORK/server.log)" >&2

say "each branch secretary sets up the node and loads the roster, offline"
say "(the bundle brought the branch's org directory: no org file needed;"
say " branch 01's file is what Chinese Excel saves: GB18030, Chinese headers, no ids)"
for b in 01 02 03; do
  node v01$b init --enroll "$WORK/v01$b.bundle"
done
node v0101 member import "$WORK/roster/430121-01-01-excel.csv"
node v0102 member import "$WORK/roster/430121-01-02.csv"
node v0103 member import "$WORK/roster/430121-01-03.csv"
node v0102 member list --xlsx "$WORK/v0102-花名册.xlsx"   # the 花名册 for Excel/WPS
node v0102 member import "$WORK/v0102-花名册.xlsx"          # edited there, it imports back
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

L=$("$BIN/zhibu-node" --data "$WORK/v0102" member list --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[1]["id"])')
say "a member of branch 02 has died: the member leaves, and is never deleted"
node v0102 member leave "$L" --reason 去世 --date "$TODAY" --note 病故

say "branch 03 has no link: its data travels as signed parcels (数据包) on a USB stick"
node v0103 bundle export "$WORK/usb-v0103-up.zbp"
server bundle import "$WORK/usb-v0103-up.zbp"

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
node town01 member show "$L"
node town01 report stats --as-of "$TODAY" | head -1

X=$("$BIN/zhibu-node" --data "$WORK/v0102" member list --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[2]["id"])')
say "member $X moves from branch 02 to branch 01 (组织关系转接): 02 issues, 01 accepts"
node v0102 transfer out "$X" --to 430121-01-01 --reason 工作调动
for n in v0102 v0101; do node $n sync --server "$ADDR"; done
node v0101 transfer list --in
TID=$("$BIN/zhibu-node" --data "$WORK/v0101" transfer list --in --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["id"])')
node v0101 transfer accept "$TID"
for n in v0101 v0102 town01; do node $n sync --server "$ADDR"; done
node v0102 transfer list --out --state 已接收
node v0101 member show "$X" | grep -E "^(姓名|所在党支部) "
"$BIN/zhibu-node" --data "$WORK/v0102" member show "$X" >/dev/null 2>&1 &&
  { echo "demo: branch 02 still shows the member who moved" >&2; exit 1; }
echo "  branch 02 no longer lists $X; branch 01 does" >&2

say "the parcel back to branch 03: the township's notice, the others' changes"
server bundle export --node v0103 "$WORK/usb-v0103-down.zbp"
node v0103 bundle import "$WORK/usb-v0103-down.zbp"
node v0103 notice list

say "every node's digest equals the server's digest for its scope"
ok=1
for pair in v0101:430121-01-01 v0102:430121-01-02 v0103:430121-01-03 town01:430121-01; do
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
server report balance --org 430121-01
server report freshness --org 430121-01
server status
echo >&2; tail -n 4 "$WORK/server.log" >&2
[ "$ok" = 1 ] || { echo "demo: digests differ" >&2; exit 1; }
say "done: data in $WORK"
