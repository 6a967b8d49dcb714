#!/usr/bin/env bash
# Transfers (组织关系转接; docs/RECORDS.md, "Transfers"), end to end over the
# real server and mutual TLS on 127.0.0.1, between a branch of one township
# and a branch of another, watched from both branches, both townships and
# the county:
#   - `transfer out` at the origin; refused at the node (exit 3 or 6, no op
#     written): an unknown destination, the member's own branch, a member
#     outside the issuer's scope, a second open transfer, a committee as
#     destination, a --date in the future;
#   - after sync the destination's nodes hold the transfer (with the copy
#     of the member's record) but not the member; the member still counts
#     at the origin while the transfer is open;
#   - `transfer accept` at the destination: the server moves the member in
#     the same step; afterwards the destination's nodes hold the member
#     and count it, the origin's nodes no longer list it and keep the
#     transfer as 已接收; one member, one branch, at the server and at
#     every node;
#   - accept and cancel at once, and two accepts from two destination
#     nodes: the server's order decides, the loser comes back in
#     `rejected`; reject needs its reason;
#   - expiry: open on the day before date + 3 months, expired on that day
#     (no act applies any more, and a new transfer may be issued);
#   - between the steps of the first transfer (issue, pull, accept, pull)
#     the server is killed with SIGKILL, a branch's sync is killed, and
#     connections are cut each way; a later accept is synced through more
#     of the same: the member moves exactly once, and verify (which replays
#     the server log and checks every accept is followed by its move)
#     passes;
#   - a transfer outside the deployment ends the membership (转出系统外);
#   - --json, --state, --in/--out, show; digests converge and verify
#     passes on every node and the server.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
conv_setup

C=430121
T1=430121-01
B1=430121-01-01
T2=430121-02
B2=430121-02-01
SRV="$WORK/srv"
LOG="$WORK/server.log"
show_logs_on_failure "$LOG"
R="$WORK/roster"
gen_roster "$R" --townships 2 --branches 1 --members 8 --seed 11
TODAY="$(date -u +%Y-%m-%d)"
NODES="c:$C t01:$T1 b0101:$B1 t02:$T2 b0201:$B2 b0201b:$B2"

say "a server, a county, two townships with a branch each; members in both branches"
ok "$SERVER" init --data "$SRV"
ok "$SERVER" org import "$R/orgs.csv" --data "$SRV"
for n in $NODES; do
  conv_enroll "$SRV" "$WORK/${n%%:*}" "${n%%:*}" "${n#*:}"
done
conv_start_server "$SRV" "$LOG"
conv_members_of "$R/members.csv" "$WORK/m1.csv" "$B1"
conv_members_of "$R/members.csv" "$WORK/m2.csv" "$B2"
conv_sync "$WORK/b0101"
ok "$NODE" member import "$WORK/m1.csv" --data "$WORK/b0101"
conv_sync "$WORK/b0101"
conv_sync "$WORK/b0201"
ok "$NODE" member import "$WORK/m2.csv" --data "$WORK/b0201"
for n in $NODES; do conv_sync "$WORK/${n%%:*}"; done

ok "$NODE" member list --json --data "$WORK/b0101"
read -r M1 M2 M3 M4 <<<"$(python3 -c '
import json, sys
ms = sorted(json.load(open(sys.argv[1], encoding="utf-8")), key=lambda m: m["id"])
print(ms[0]["id"], ms[1]["id"], ms[2]["id"], ms[3]["id"])' "$LAST_OUT")"
ok "$NODE" member list --json --data "$WORK/b0201"
M9="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[0]["id"])' "$LAST_OUT")"

# count DIR ORG: members of ORG that node DIR counts (report stats total).
count() {
  ok "$NODE" report stats --json --org "$2" --data "$1"
  conv_json_field "$LAST_OUT" total
}
srv_count() {
  ok "$SERVER" report stats --json --org "$1" --data "$SRV"
  conv_json_field "$LAST_OUT" total
}
N1="$(count "$WORK/b0101" "$B1")"
N2="$(count "$WORK/b0201" "$B2")"

# one_branch: at the server, every member is in exactly one branch's list,
# and the branches' counts add up to the county's.
one_branch() {
  ok "$SERVER" report stats --json --org "$C" --data "$SRV"
  local total
  total="$(conv_json_field "$LAST_OUT" total)"
  assert_eq "$(($(srv_count "$B1") + $(srv_count "$B2")))" "$total" \
    "the two branches' counts add up to the county's"
}

# tstate DIR TID: the transfer's status as node DIR shows it.
tstate() {
  ok "$NODE" transfer show "$2" --json --data "$1"
  conv_json_field "$LAST_OUT" status
}

PROXY="$ZB_BIN/zhibu-faultproxy"
[[ -x "$PROXY" ]] || fail "$PROXY is not an executable"
# crash_server: kill -9, then a new server on the same data directory.
crash_server() {
  kill -9 "$CONV_SRV_PID" 2>/dev/null || true
  wait "$CONV_SRV_PID" 2>/dev/null || true
  CONV_SRV_PID=
  conv_start_server "$SRV" "$LOG"
}
# kill9_sync DIR SECONDS: a sync of DIR killed with SIGKILL after SECONDS.
kill9_sync() {
  { timeout -s KILL "$2" "$NODE" sync --data "$1" --server "$CONV_ADDR"; } >/dev/null 2>&1 || true
}
# cut_sync DIR ARGS…: one sync of DIR through a proxy with ARGS (where to
# cut); it may fail (exit 5) or, when the cut falls after the session's
# last byte, succeed.
cut_sync() {
  local dir=$1
  shift
  start_proxy "$CONV_PORT" "$WORK/px.stats" "$@"
  "$NODE" sync --data "$dir" --server "127.0.0.1:$PX_PORT" --timeout 20 >/dev/null 2>&1 || true
  stop_proxy
}

say "transfers refused at the node store nothing"
ops_before="$(ops_count "$WORK/b0101")"
expect_exit 3 "$NODE" transfer out "$M1" --to 430121-02-77 --data "$WORK/b0101" --lang en
assert_grep "$LAST_ERR" "does not exist" "an unknown destination"
expect_exit 3 "$NODE" transfer out "$M1" --to "$B1" --data "$WORK/b0101" --lang en
assert_grep "$LAST_ERR" "own branch" "the member's own branch as destination"
expect_exit 3 "$NODE" transfer out "$M1" --to "$T2" --data "$WORK/b0101" --lang en
assert_grep "$LAST_ERR" "members belong to branches" "a committee as destination"
expect_exit 3 "$NODE" transfer out "$M1" --to "$B2" --date 2999-01-01 --data "$WORK/b0101" --lang en
assert_grep "$LAST_ERR" "after today" "a transfer dated in the future"
expect_exit 3 "$NODE" transfer out M9999999999 --to "$B2" --data "$WORK/b0101" --lang en
assert_grep "$LAST_ERR" "does not exist on this node" "an unknown member"
expect_exit 3 "$NODE" transfer out "$M9" --to "$B1" --data "$WORK/b0101" --lang en
assert_grep "$LAST_ERR" "does not exist on this node" "another branch's member is not this node's"
expect_exit 2 "$NODE" transfer out "$M1" --to "$B2" --name 张三 --data "$WORK/b0101"
assert_eq "$(ops_count "$WORK/b0101")" "$ops_before" "refused transfers add no op"

say "the origin issues a transfer; a second open one for the member is refused"
ok "$NODE" transfer out "$M1" --to "$B2" --reason 工作调动 --data "$WORK/b0101"
TID="$(cat "$LAST_OUT")"
[[ "$TID" =~ ^b0101-[0-9]+$ ]] || fail "transfer out printed '$TID', not a transfer id"
expect_exit 3 "$NODE" transfer out "$M1" --to "$B2" --data "$WORK/b0101" --lang en
assert_grep "$LAST_ERR" "already has an open transfer $TID" "a second open transfer"
ok "$NODE" transfer show "$TID" --json --data "$WORK/b0101"
ok "$NODE" member show "$M1" --json --data "$WORK/b0101"
cp "$LAST_OUT" "$WORK/m1.json"
ok "$NODE" transfer show "$TID" --json --data "$WORK/b0101"
python3 - "$WORK/m1.json" "$LAST_OUT" "$TID" "$B1" "$B2" "$TODAY" <<'EOF' || fail "transfer show --json"
import json, sys
m = json.load(open(sys.argv[1], encoding="utf-8"))
t = json.load(open(sys.argv[2], encoding="utf-8"))
tid, b1, b2, today = sys.argv[3:7]
assert (t["id"], t["member_id"], t["from_org"], t["to_org"], t["date"], t["status"], t["reason"]) \
    == (tid, m["id"], b1, b2, today, "待接收", "工作调动"), t
for f in ("name", "gender", "id_number", "birth_date", "category", "join_date", "full_date", "phone"):
    assert t[f] == m[f], (f, t[f], m[f])
assert t["dues_paid_to"] == "", t
EOF

say "after sync: the destination holds the transfer, not the member; the origin still counts it"
# Between the steps: the origin's push cut, the server killed, the
# origin's sync killed, the destination's pull cut.
cut_sync "$WORK/b0101" --cut-up 700
crash_server
kill9_sync "$WORK/b0101" 0.05
cut_sync "$WORK/b0201" --cut-down 1500
crash_server
for n in b0101 t01 t02 b0201 b0201b c; do conv_sync "$WORK/$n"; done
for n in b0201 b0201b t02 c t01; do
  assert_eq "$(tstate "$WORK/$n" "$TID")" "待接收" "$n holds the open transfer"
done
expect_exit 4 "$NODE" member show "$M1" --data "$WORK/b0201"
assert_eq "$(count "$WORK/b0101" "$B1")" "$N1" "the origin counts the member while the transfer is open"
assert_eq "$(srv_count "$B1")" "$N1" "and so does the server"
ok "$NODE" transfer list --in --json --data "$WORK/b0201"
assert_grep "$LAST_OUT" "$TID" "transfer list --in at the destination"
ok "$NODE" transfer list --out --json --data "$WORK/b0201"
! grep -q "$TID" "$LAST_OUT" || fail "transfer list --out at the destination lists an incoming transfer"
ok "$NODE" transfer list --out --state 待接收 --json --data "$WORK/b0101"
assert_grep "$LAST_OUT" "$TID" "transfer list --out --state 待接收 at the origin"
expect_exit 2 "$NODE" transfer list --state 未知 --data "$WORK/b0101"
expect_exit 6 "$NODE" transfer accept "$TID" --data "$WORK/b0101" --lang en
assert_grep "$LAST_ERR" "outside the writer's scope" "the origin cannot accept its own transfer"
expect_exit 6 "$NODE" transfer cancel "$TID" --data "$WORK/b0201"
expect_exit 3 "$NODE" transfer reject "$TID" --data "$WORK/b0201" --lang en
assert_grep "$LAST_ERR" "needs its reason" "a rejection needs its reason"
for n in $NODES; do conv_assert_converged "$SRV" "$WORK/${n%%:*}" "${n#*:}" "${n%%:*} (open)"; done

say "two destination nodes accept at once: the server's order decides"
ok "$NODE" transfer accept "$TID" --data "$WORK/b0201"
ok "$NODE" transfer accept "$TID" --data "$WORK/b0201b"
crash_server
cut_sync "$WORK/b0201" --cut-up 300
kill9_sync "$WORK/b0201" 0.05
crash_server
conv_sync "$WORK/b0201"
conv_sync "$WORK/b0201b"
ok "$SERVER" verify --data "$SRV"
ok "$NODE" rejected --json --data "$WORK/b0201b"
python3 - "$LAST_OUT" "$TID" <<'EOF' || fail "the second accept comes back rejected"
import json, sys
rows = json.load(open(sys.argv[1], encoding="utf-8"))
assert len(rows) == 1 and rows[0]["key"] == sys.argv[2] and "已接收" in rows[0]["reason"], rows
EOF
cut_sync "$WORK/b0101" --cut-down 1200
crash_server
for n in $NODES; do conv_sync "$WORK/${n%%:*}"; done
for n in b0101 t01 b0201 b0201b t02 c; do
  assert_eq "$(tstate "$WORK/$n" "$TID")" "已接收" "$n: the transfer is accepted"
done
ok "$NODE" member show "$M1" --json --data "$WORK/b0201"
assert_eq "$(conv_json_field "$LAST_OUT" org_code)" "$B2" "the destination holds the member, in its branch"
assert_eq "$(conv_json_field "$LAST_OUT" name)" "$(conv_json_field "$WORK/m1.json" name)" \
  "with the member's record"
assert_eq "$(count "$WORK/b0201" "$B2")" "$((N2 + 1))" "the destination counts the member"
assert_eq "$(count "$WORK/b0101" "$B1")" "$((N1 - 1))" "the origin no longer does"
ok "$NODE" member list --json --data "$WORK/b0101"
! grep -q "$M1" "$LAST_OUT" || fail "the origin still lists the member who moved"
ok "$NODE" transfer list --out --state 已接收 --json --data "$WORK/b0101"
assert_grep "$LAST_OUT" "$TID" "the origin keeps the transferred-out entry"
assert_eq "$(srv_count "$B2")" "$((N2 + 1))" "the server counts the member at the destination"
assert_eq "$(srv_count "$B1")" "$((N1 - 1))" "and no longer at the origin"
one_branch

say "report balance: the transfer is out of $B1 and $T1, into $B2 and $T2, neither for $C"
# bal_is JSON IN OUT: transferred in and out as given, and the year balances.
bal_is() {
  python3 - "$@" <<'EOF' || fail "report balance of ${BAL_WHAT:-?}: $(cat "$1")"
import json, sys
b = json.load(open(sys.argv[1], encoding="utf-8"))
assert (b["in"]["transferred_in"], b["out"]["transferred_out"]) == \
    (int(sys.argv[2]), int(sys.argv[3])), b
assert b["balanced"] and b["gap"] == 0 and b["start"] + b["in_total"] - b["out_total"] == b["end"], b
EOF
}
for s in "$B1:0:1" "$T1:0:1" "$B2:1:0" "$T2:1:0" "$C:0:0"; do
  IFS=: read -r org tin tout <<<"$s"
  ok "$SERVER" report balance --json --org "$org" --data "$SRV"
  BAL_WHAT="server $org" bal_is "$LAST_OUT" "$tin" "$tout"
done
ok "$NODE" report balance --json --data "$WORK/b0101"
BAL_WHAT="origin node" bal_is "$LAST_OUT" 0 1
ok "$NODE" report balance --json --data "$WORK/b0201"
BAL_WHAT="destination node" bal_is "$LAST_OUT" 1 0
ok "$NODE" report balance --data "$WORK/b0101"
grep -qE "^减少：组织关系转出 +1$" "$LAST_OUT" || fail "the table has the transfer out: $(cat "$LAST_OUT")"

expect_exit 6 "$NODE" member update "$M1" --phone 13800138000 --data "$WORK/b0101"
expect_exit 6 "$NODE" transfer out "$M1" --to "$B1" --data "$WORK/b0101" --lang en
assert_grep "$LAST_ERR" "outside the writer's scope" "the origin cannot transfer a member it no longer holds"
ok "$NODE" member update "$M1" --phone 13800138000 --data "$WORK/b0201"
conv_sync "$WORK/b0201"
for n in $NODES; do conv_sync "$WORK/${n%%:*}"; done
ok "$NODE" member show "$M1" --json --data "$WORK/t02"
assert_eq "$(conv_json_field "$LAST_OUT" phone)" "13800138000" "the destination's edit reaches its township"
for n in $NODES; do conv_assert_converged "$SRV" "$WORK/${n%%:*}" "${n#*:}" "${n%%:*} (accepted)"; done

say "accept and cancel at once: the server's order decides"
ok "$NODE" transfer out "$M2" --to "$B2" --data "$WORK/b0101"
TID2="$(cat "$LAST_OUT")"
for n in b0101 b0201; do conv_sync "$WORK/$n"; done
ok "$NODE" transfer cancel "$TID2" --reason 本人不再调动 --data "$WORK/b0101"
ok "$NODE" transfer accept "$TID2" --data "$WORK/b0201"
conv_sync "$WORK/b0101"   # the cancel reaches the server first
conv_sync "$WORK/b0201"
ok "$NODE" rejected --json --data "$WORK/b0201"
assert_grep "$LAST_OUT" "已撤销" "the accept after the cancel comes back rejected"
for n in $NODES; do conv_sync "$WORK/${n%%:*}"; done
assert_eq "$(tstate "$WORK/b0201" "$TID2")" "已撤销" "the destination sees the cancel"
ok "$NODE" member show "$M2" --json --data "$WORK/b0101"
assert_eq "$(conv_json_field "$LAST_OUT" org_code)" "$B1" "the member stays at the origin"
expect_exit 4 "$NODE" member show "$M2" --data "$WORK/b0201"
one_branch

say "a rejected transfer; then a new one may be issued"
ok "$NODE" transfer out "$M2" --to "$B2" --data "$WORK/b0101"
TID3="$(cat "$LAST_OUT")"
for n in b0101 t02; do conv_sync "$WORK/$n"; done
ok "$NODE" transfer reject "$TID3" --reason 接收单位信息有误 --data "$WORK/t02"
conv_sync "$WORK/t02"
conv_sync "$WORK/b0101"
assert_eq "$(tstate "$WORK/b0101" "$TID3")" "已拒绝" "the township above the destination rejected it"
ok "$NODE" transfer show "$TID3" --json --data "$WORK/b0101"
assert_eq "$(conv_json_field "$LAST_OUT" note)" "接收单位信息有误" "with its reason"

say "expiry: open on the day before date + 3 months, expired on that day"
LIMIT_DAY="$(date -u -d "$TODAY -3 months" +%Y-%m-%d)"      # expires today
DAY_BEFORE="$(date -u -d "$LIMIT_DAY +1 day" +%Y-%m-%d)"     # expires tomorrow
ok "$NODE" transfer out "$M3" --to "$B2" --date "$LIMIT_DAY" --data "$WORK/b0101"
TOLD="$(cat "$LAST_OUT")"
ok "$NODE" transfer out "$M4" --to "$B2" --date "$DAY_BEFORE" --data "$WORK/b0101"
TNEW="$(cat "$LAST_OUT")"
assert_eq "$(tstate "$WORK/b0101" "$TOLD")" "已过期" "issued 3 months ago today: expired"
assert_eq "$(tstate "$WORK/b0101" "$TNEW")" "待接收" "one day younger: still open"
for n in b0101 b0201; do conv_sync "$WORK/$n"; done
expect_exit 3 "$NODE" transfer accept "$TOLD" --data "$WORK/b0201"
assert_grep "$LAST_ERR" "已过期" "the expired transfer cannot be accepted at the node"
ok "$NODE" transfer accept "$TNEW" --data "$WORK/b0201"
# (The server's own refusal, by its date, of an accept a node let through:
# test_merge test_transfer_expiry_at_server.)
ok "$NODE" transfer list --state 已过期 --json --data "$WORK/b0201"
assert_grep "$LAST_OUT" "$TOLD" "transfer list --state 已过期"
ok "$NODE" transfer out "$M3" --to "$B2" --data "$WORK/b0101"
TAGAIN="$(cat "$LAST_OUT")"
for n in b0101 b0201; do conv_sync "$WORK/$n"; done
for n in $NODES; do conv_sync "$WORK/${n%%:*}"; done
ok "$NODE" member show "$M4" --json --data "$WORK/b0201"
assert_eq "$(conv_json_field "$LAST_OUT" org_code)" "$B2" "accepted on the day before the limit"
assert_eq "$(tstate "$WORK/c" "$TAGAIN")" "待接收" "a new transfer after the old one expired"

say "the accept of $TAGAIN under kill -9 of the server and of the branch, and cut links"
crash_server
ok "$NODE" transfer accept "$TAGAIN" --data "$WORK/b0201"
for cut in 150 600 1400 2600; do cut_sync "$WORK/b0201" --cut-up "$cut"; done
# The branch killed in the middle of its sync, at a few moments.
for d in 0.02 0.08 0.2; do
  kill9_sync "$WORK/b0201" "$d"
done
crash_server
for n in b0201 b0101 t01 t02; do
  for cut in 300 1700; do cut_sync "$WORK/$n" --cut-down "$cut"; done
done
crash_server
for n in $NODES; do conv_sync "$WORK/${n%%:*}"; done
ok "$SERVER" verify --data "$SRV"
for n in b0201 t02 c; do
  ok "$NODE" member show "$M3" --json --data "$WORK/$n"
  assert_eq "$(conv_json_field "$LAST_OUT" org_code)" "$B2" "$n: $M3 moved once, to $B2"
done
expect_exit 4 "$NODE" member show "$M3" --data "$WORK/b0101"
assert_eq "$(tstate "$WORK/b0101" "$TAGAIN")" "已接收" "the origin sees the accept"
one_branch
for n in $NODES; do conv_assert_converged "$SRV" "$WORK/${n%%:*}" "${n#*:}" "${n%%:*} (crashes)"; done

say "a transfer outside the deployment ends the membership here"
expect_exit 2 "$NODE" transfer out "$M9" --outside 某省某县委组织部 --data "$WORK/b0201"
assert_grep "$LAST_ERR" "--letter" "--outside needs the letter's number"
ok "$NODE" transfer out "$M9" --outside 某省某县委组织部 --letter 2026-017 --data "$WORK/b0201"
ok "$NODE" member show "$M9" --json --data "$WORK/b0201"
python3 - "$LAST_OUT" <<'EOF' || fail "the outside transfer's leave"
import json, sys
m = json.load(open(sys.argv[1], encoding="utf-8"))
assert (m["status"], m["leave_reason"]) == ("已离开", "转出系统外"), m
assert "某省某县委组织部" in m["leave_note"] and "2026-017" in m["leave_note"], m
EOF

say "every node converges; verify passes"
for n in $NODES; do conv_sync "$WORK/${n%%:*}"; done
for n in $NODES; do conv_sync "$WORK/${n%%:*}"; done
one_branch
for n in $NODES; do
  conv_assert_converged "$SRV" "$WORK/${n%%:*}" "${n#*:}" "${n%%:*}"
  ok "$NODE" verify --data "$WORK/${n%%:*}"
done
ok "$SERVER" verify --data "$SRV"
ok "$NODE" transfer out --help
assert_grep "$LAST_OUT" "--outside" "transfer out --help names the outside form"

conv_stop_server
say "ok"
