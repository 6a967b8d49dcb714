#!/usr/bin/env bash
# `zhibu-server report freshness` (docs/PROTOCOL.md, "What the server
# remembers of each node"), over real TLS with the real binaries:
#   - a node that synced (with its PC's clock a year behind, then a year
#     ahead: the report shows the server's time, never the node's), one
#     whose session was cut in the middle of its push (its last error, the
#     reason, and the ops it had not pushed), one revoked (refused at the
#     handshake), one enrolled that never synced, one that only sends
#     parcels (a parcel imported twice is contact once), a township node
#     that never synced, and branches with no node at all (one covered by
#     the township's node, one by nobody);
#   - days silent by the server's clock, under faketime: 20 days on, the
#     quiet nodes are flagged with the default 14 days and not with
#     --days 30; a server 20 days on that hears from a node counts from
#     its own time;
#   - --org limits the nodes and the branches to a subtree; an org that
#     does not exist exits 4; --json, --csv and the Chinese table agree.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
zb_setup_sync
command -v faketime >/dev/null || fail "faketime is not installed (deploy/install-deps.sh installs it)"

SRV="$WORK/srv"
LOG="$WORK/server.log"
show_logs_on_failure "$LOG"
R="$WORK/roster"
gen_roster "$R" --townships 2 --branches 3 --members 300 --seed 12

# skewed OFFSET CMD ARGS…: CMD with its clock moved by OFFSET (faketime
# syntax: +20d, -400d).  ASan must not insist on being loaded first.
skewed() {
  local off=$1
  shift
  ASAN_OPTIONS="${ASAN_OPTIONS:-}:verify_asan_link_order=0" faketime -f "$off" "$@"
}

# fresh FILE [OPTIONS…]: report freshness --json of the whole server, into FILE.
fresh() {
  local out=$1
  shift
  ok "$SERVER" report freshness --json --data "$SRV" "$@"
  is_json "$LAST_OUT" "report freshness --json"
  cp "$LAST_OUT" "$out"
}

# node_is FILE NODE KEY VALUE: KEY of NODE in a report, as JSON text
# (strings quoted: '"ok"', numbers bare, null, true, false).
node_is() {
  local got
  got="$(python3 - "$1" "$2" "$3" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1], encoding="utf-8"))
n = [x for x in r["nodes"] if x["node_id"] == sys.argv[2]]
print(json.dumps(n[0][sys.argv[3]], ensure_ascii=False) if n else "absent")
EOF
)"
  [[ "$got" == "$4" ]] || fail "$2: $3 is $got, want $4 ($(head -c 2000 "$1"))"
}

# settled FILE NODE KEY VALUE: the report (into FILE) once NODE's KEY is
# VALUE — the server writes how a session ended just after the node has
# gone — waiting up to 10 s for it.
settled() {
  local i
  for ((i = 0; i < 100; i++)); do
    fresh "$1"
    [[ "$(node_is_quiet "$1" "$2" "$3")" == "$4" ]] && return 0
    sleep 0.1
  done
  node_is "$@"
}
node_is_quiet() {
  python3 - "$1" "$2" "$3" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1], encoding="utf-8"))
n = [x for x in r["nodes"] if x["node_id"] == sys.argv[2]]
print(json.dumps(n[0][sys.argv[3]], ensure_ascii=False) if n else "absent")
EOF
}

say "a server; six nodes enrolled; a branch with no node"
ok "$SERVER" init --data "$SRV"
ok "$SERVER" org import "$R/orgs.csv" --data "$SRV"
# b11 syncs, b12 is cut, b13 is revoked, b21 never syncs, b22 sends
# parcels, t02 (township 430121-02) never syncs; 430121-01-03 (b13's, once
# revoked) and 430121-02-03 have no node: the township's covers the second.
for n in b11:430121-01-01 b12:430121-01-02 b13:430121-01-03 b21:430121-02-01 \
  b22:430121-02-02 t02:430121-02; do
  enroll_node "$SRV" "$WORK/${n%%:*}" "${n%%:*}" "${n#*:}"
done
start_server "$SRV" "$LOG"
ADDR="127.0.0.1:$SRV_PORT"
sync_ok() {   # DIR [faketime offset]
  if [[ -n "${2:-}" ]]; then
    expect_exit 0 skewed "$2" "$NODE" sync --data "$1" --server "$ADDR" --timeout 60
  else
    ok "$NODE" sync --data "$1" --server "$ADDR" --timeout 60
  fi
}

say "before any sync: every node is 'never', nothing flagged yet"
fresh "$WORK/f0.json"
python3 - "$WORK/f0.json" <<'EOF' || fail "report before any sync"
import json, sys
r = json.load(open(sys.argv[1], encoding="utf-8"))
ids = [n["node_id"] for n in r["nodes"]]
assert ids == ["b11", "b12", "b13", "t02", "b21", "b22"], ids   # by org code, then id
assert all(n["state"] == "never" and not n["flagged"] and n["days_silent"] == 0 for n in r["nodes"]), r
assert r["flagged"] == 0 and r["days"] == 14, r
assert [o["code"] for o in r["orgs_without_node"]] == ["430121-02-03"], r["orgs_without_node"]
EOF

say "b11 syncs with its clock a year behind, then a year ahead: the server's time is recorded"
T0="$(date -u +%s)"
sync_ok "$WORK/b11" -400d
sync_ok "$WORK/b11" +400d
T1="$(date -u +%s)"
sync_ok "$WORK/b12"
sync_ok "$WORK/b13"
settled "$WORK/f1.json" b13 state '"ok"'
settled "$WORK/f1.json" b12 state '"ok"'
settled "$WORK/f1.json" b11 state '"ok"'
wait_sessions "$LOG" 4 || fail "the server saw 4 sessions"
python3 - "$WORK/f1.json" "$T0" "$T1" <<'EOF' || fail "b11's last sync is the server's time"
import datetime, json, sys
r = json.load(open(sys.argv[1], encoding="utf-8"))
t0, t1 = int(sys.argv[2]), int(sys.argv[3])
n = {x["node_id"]: x for x in r["nodes"]}["b11"]
t = datetime.datetime.strptime(n["last_sync"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(
    tzinfo=datetime.timezone.utc).timestamp()
assert t0 - 1 <= t <= t1 + 1, (n["last_sync"], t0, t1)
assert (n["state"], n["last_sync_via"], n["days_silent"], n["unpushed"], n["org_name"]) == \
    ("ok", "session", 0, 0, n["org_name"]) and n["org_name"], n
assert n["last_error"] is None and n["last_error_reason"] is None, n
EOF

say "b12 imports its branch and syncs through a proxy that cuts its push: the error and the ops not pushed"
conv_members_of "$R/members.csv" "$WORK/m12.csv" 430121-01-02
ok "$NODE" member import "$WORK/m12.csv" --data "$WORK/b12"
pending="$(node_field "$WORK/b12" pending_ops)"
[[ $pending -ge 20 ]] || fail "b12 has only $pending ops to push"
# The handshake and Hello take ~0.5 kB up (a resumed session) to ~1.3 kB
# (a full one), the push of 40-odd members in batches sized by the link
# several kB more: a cut at 2700 bytes lands inside the push, after no or
# some batches were stored.
start_proxy "$SRV_PORT" "$WORK/cut.jsonl" --cut-up 2700
expect_exit 5 "$NODE" sync --data "$WORK/b12" --server "127.0.0.1:$PX_PORT" --timeout 60
stop_proxy
assert_eq "$(json_field "$WORK/cut.jsonl" cut)" true "the proxy cut the session"
for ((i = 0; i < 200; i++)); do
  grep -q "session node=b12 org=430121-01-02 pushed=[0-9]* .*ended:" "$LOG" && break
  sleep 0.05
done
stored="$(grep -o "session node=b12 org=430121-01-02 pushed=[0-9]* .*ended:" "$LOG" | tail -n 1 |
  sed 's/.*pushed=\([0-9]*\) .*/\1/')"
[[ "$stored" =~ ^[0-9]+$ && $stored -lt $pending ]] ||
  fail "the cut session stored $stored of $pending ops: the cut did not fall inside the push"
settled "$WORK/f2.json" b12 state '"failing"'
node_is "$WORK/f2.json" b12 unpushed "$((pending - stored))"
node_is "$WORK/f2.json" b12 last_error_via '"session"'
python3 - "$WORK/f2.json" <<'EOF' || fail "b12's last error"
import json, sys
n = {x["node_id"]: x for x in json.load(open(sys.argv[1], encoding="utf-8"))["nodes"]}["b12"]
assert n["last_error"] and n["last_error_reason"] and n["last_sync"] and n["last_error"] > n["last_sync"], n
EOF
sync_ok "$WORK/b12"
settled "$WORK/f3.json" b12 state '"ok"'
node_is "$WORK/f3.json" b12 unpushed 0

say "b13 is revoked and refused; its branch now has no node"
ok "$SERVER" revoke --data "$SRV" --node-id b13
sleep 1.1   # crl.pem's mtime must change for the running server to see it
expect_exit 6 "$NODE" sync --data "$WORK/b13" --server "$ADDR" --timeout 60
fresh "$WORK/f4.json"
node_is "$WORK/f4.json" b13 state '"revoked"'
node_is "$WORK/f4.json" b13 revoked true
node_is "$WORK/f4.json" b13 flagged false

say "b22 sends a parcel; importing it again (20 days later) is not contact again"
conv_members_of "$R/members.csv" "$WORK/m22.csv" 430121-02-02
ok "$NODE" org import "$R/orgs.csv" --data "$WORK/b22"   # no link: the tree comes by hand
ok "$NODE" member import "$WORK/m22.csv" --data "$WORK/b22"
ok "$NODE" bundle export "$WORK/b22-up.zbp" --data "$WORK/b22"
ok "$SERVER" bundle import "$WORK/b22-up.zbp" --data "$SRV"
fresh "$WORK/f5.json"
node_is "$WORK/f5.json" b22 state '"ok"'
node_is "$WORK/f5.json" b22 last_sync_via '"parcel"'
node_is "$WORK/f5.json" b22 unpushed 0
b22_sync="$(python3 -c '
import json, sys
print({x["node_id"]: x for x in json.load(open(sys.argv[1]))["nodes"]}["b22"]["last_sync"])' "$WORK/f5.json")"
expect_exit 0 skewed +20d "$SERVER" bundle import "$WORK/b22-up.zbp" --data "$SRV"
assert_grep "$LAST_ERR" "没有任何改变" "the second import"
fresh "$WORK/f6.json"
node_is "$WORK/f6.json" b22 last_sync "\"$b22_sync\""

say "the table, the JSON and the CSV of the same moment agree"
ok "$SERVER" report freshness --data "$SRV"
cp "$LAST_OUT" "$WORK/table.txt"
ok "$SERVER" report freshness --csv --lang en --data "$SRV"
cp "$LAST_OUT" "$WORK/f.csv"
fresh "$WORK/f7.json"
python3 - "$WORK/f7.json" "$WORK/f.csv" "$WORK/table.txt" <<'EOF' || fail "table, JSON and CSV"
import csv, json, sys
r = json.load(open(sys.argv[1], encoding="utf-8"))
rows = list(csv.DictReader(open(sys.argv[2], encoding="utf-8", newline="")))
table = open(sys.argv[3], encoding="utf-8").read()
nodes = [x for x in rows if x["kind"] == "node"]
assert [x["node_id"] for x in nodes] == [n["node_id"] for n in r["nodes"]], nodes
for x, n in zip(nodes, r["nodes"]):
    assert (x["org"], x["state"], x["flagged"]) == (n["org"], n["state"], "yes" if n["flagged"] else "no"), (x, n)
    assert x["unpushed"] == ("" if n["unpushed"] is None else str(n["unpushed"])), (x, n)
    assert n["node_id"] in table and n["org"] in table, n
orgs = [x["org"] for x in rows if x["kind"] == "org_without_node"]
assert orgs == [o["code"] for o in r["orgs_without_node"]], (orgs, r["orgs_without_node"])
assert "没有节点的党支部" in table and "节点同步情况" in table, table
EOF
python3 - "$WORK/f7.json" <<'EOF' || fail "branches without a node"
import json, sys
r = json.load(open(sys.argv[1], encoding="utf-8"))
o = {x["code"]: x for x in r["orgs_without_node"]}
assert sorted(o) == ["430121-01-03", "430121-02-03"], o
assert o["430121-01-03"]["covered_by_node"] is None, o     # b13 revoked, no township node
assert (o["430121-02-03"]["covered_by_node"], o["430121-02-03"]["covered_by_org"]) == ("t02", "430121-02"), o
EOF

say "20 days on (faketime): the quiet nodes are flagged; --days 30 flags none"
ok skewed +20d "$SERVER" report freshness --json --data "$SRV"
cp "$LAST_OUT" "$WORK/f20.json"
python3 - "$WORK/f20.json" <<'EOF' || fail "20 days on"
import json, sys
r = json.load(open(sys.argv[1], encoding="utf-8"))
n = {x["node_id"]: x for x in r["nodes"]}
for i in ("b11", "b12"):
    assert (n[i]["state"], n[i]["days_silent"], n[i]["flagged"]) == ("silent", 20, True), n[i]
for i in ("b21", "t02"):
    assert (n[i]["state"], n[i]["days_silent"], n[i]["flagged"]) == ("never", 20, True), n[i]
assert (n["b13"]["state"], n["b13"]["flagged"]) == ("revoked", False), n["b13"]
assert (n["b22"]["state"], n["b22"]["flagged"]) == ("silent", True), n["b22"]
assert r["flagged"] == 5, r["flagged"]
EOF
ok skewed +20d "$SERVER" report freshness --json --days 30 --data "$SRV"
python3 -c 'import json,sys; r = json.load(open(sys.argv[1])); assert r["flagged"] == 0 and \
  all(not n["flagged"] for n in r["nodes"]), r' "$LAST_OUT" || fail "--days 30 flags nobody"
ok skewed +20d "$SERVER" report freshness --data "$SRV"
assert_grep "$LAST_OUT" "5 个超过 14 天未同步或从未同步" "the table counts the flagged nodes"
grep -q '^  *! *b11 ' "$LAST_OUT" || grep -q '^! *b11 ' "$LAST_OUT" || fail "b11 not marked ! in the table: $(cat "$LAST_OUT")"

say "a server 20 days on hears from b11: days silent count from the server's own time"
stop_server
# libfaketime preloaded into the server itself (the faketime wrapper would
# stand between the test and the server's pid).
FAKETIME_LIB="$(ls /usr/lib/*/faketime/libfaketime.so.1 2>/dev/null | head -n 1)"
[[ -n "$FAKETIME_LIB" ]] || fail "libfaketime.so.1 not found"
rm -f "$SRV.port"
LD_PRELOAD="$FAKETIME_LIB" FAKETIME=+20d \
  ASAN_OPTIONS="${ASAN_OPTIONS:-}:verify_asan_link_order=0" \
  "$SERVER" run --data "$SRV" --listen 127.0.0.1:0 --port-file "$SRV.port" 2>>"$LOG" &
SRV_PID=$!
SRV_PORT="$(wait_port_file "$SRV.port" "$SRV_PID")"
ADDR="127.0.0.1:$SRV_PORT"
sync_ok "$WORK/b11"
wait_sessions "$LOG" 7 || fail "the 20-days-on server's session with b11 ended"
stop_server   # its last notes are written before it exits
ok skewed +20d "$SERVER" report freshness --json --data "$SRV"
cp "$LAST_OUT" "$WORK/f21.json"
node_is "$WORK/f21.json" b11 days_silent 0
node_is "$WORK/f21.json" b11 state '"ok"'
node_is "$WORK/f21.json" b12 days_silent 20
fresh "$WORK/f22.json"   # back to today: b11's last sync lies ahead; never negative
node_is "$WORK/f22.json" b11 days_silent 0

say "--org limits to a subtree; an org that does not exist exits 4; a bad --days exits 2"
fresh "$WORK/f8.json" --org 430121-02
python3 - "$WORK/f8.json" <<'EOF' || fail "--org 430121-02"
import json, sys
r = json.load(open(sys.argv[1], encoding="utf-8"))
assert r["org"] == "430121-02", r
assert [n["node_id"] for n in r["nodes"]] == ["t02", "b21", "b22"], r["nodes"]
assert [o["code"] for o in r["orgs_without_node"]] == ["430121-02-03"], r["orgs_without_node"]
EOF
expect_exit 4 "$SERVER" report freshness --org 430121-09 --data "$SRV"
expect_exit 2 "$SERVER" report freshness --days -1 --data "$SRV"
expect_exit 2 "$SERVER" report freshness --org 4301 --data "$SRV"
ok "$SERVER" verify --data "$SRV"
say "ok"
