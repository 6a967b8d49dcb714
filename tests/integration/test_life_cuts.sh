#!/usr/bin/env bash
# Organizational life under cut connections (docs/RECORDS.md, "Meetings",
# "Dues", "Evaluation", "Points"): two branch nodes and their township's
# write meetings with attendance (the same member's attendance at two
# nodes), dues payments, evaluations and points entries offline; every
# sync goes through a proxy that cuts the link at a different byte offset
# each way, and the server is killed (SIGKILL) once in between.  Then
# plain syncs: every replica converges (digests), verify passes, the
# attendance written twice is one entry, and the meetings, dues and
# ranking reports of a branch are the same at its node and at the server.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
conv_setup
PROXY="$ZB_BIN/zhibu-faultproxy"
[[ -x "$PROXY" ]] || fail "$PROXY is not an executable"

T1=430121-01
B1=430121-01-01
B2=430121-01-02
SRV="$WORK/srv"
LOG="$WORK/server.log"
show_logs_on_failure "$LOG"
R="$WORK/roster"
gen_roster "$R" --townships 1 --branches 2 --members 30 --seed 17
YEAR="$(date -u +%Y)"
MONTH="$(date -u +%Y-%m)"
TODAY="$(date -u +%Y-%m-%d)"

say "a server, a township and its two branches"
ok "$SERVER" init --data "$SRV"
ok "$SERVER" org import "$R/orgs.csv" --data "$SRV"
for n in t01:$T1 b0101:$B1 b0102:$B2; do
  conv_enroll "$SRV" "$WORK/${n%%:*}" "${n%%:*}" "${n#*:}"
done
conv_start_server "$SRV" "$LOG"
conv_members_of "$R/members.csv" "$WORK/b1.csv" "$B1"
conv_members_of "$R/members.csv" "$WORK/b2.csv" "$B2"
ok "$NODE" member import "$WORK/b1.csv" --data "$WORK/b0101"
ok "$NODE" member import "$WORK/b2.csv" --data "$WORK/b0102"
for n in b0101 b0102 t01; do conv_sync "$WORK/$n"; done
full_of() {   # full_of DIR: the node's 正式党员 ids, sorted
  ok "$NODE" member list --json --data "$1"
  python3 -c '
import json, sys
ms = sorted(json.load(open(sys.argv[1], encoding="utf-8")), key=lambda m: m["id"])
print(*[m["id"] for m in ms if m["category"] == "正式党员"])' "$LAST_OUT"
}
read -r -a F1 <<<"$(full_of "$WORK/b0101")"
read -r -a F2 <<<"$(full_of "$WORK/b0102")"
(( ${#F1[@]} >= 4 && ${#F2[@]} >= 3 )) || fail "too few full members: ${F1[*]} / ${F2[*]}"

say "a month of branch life written offline at three nodes"
ok "$NODE" meeting add --org "$B1" --type branch_general --date "$TODAY" --topic 学习 \
  --data "$WORK/b0101"
M1="$(cat "$LAST_OUT")"
ok "$NODE" meeting add --org "$B1" --type lecture --date "$TODAY" --topic 党课 --data "$WORK/b0101"
M2="$(cat "$LAST_OUT")"
ok "$NODE" meeting add --org "$B2" --type committee --date "$TODAY" --topic 支委 --data "$WORK/b0102"
M3="$(cat "$LAST_OUT")"
# The township holds the meetings; what follows is written offline.
for n in b0101 b0102 t01; do conv_sync "$WORK/$n"; done
# The township writes attendance for a member branch 01 writes too, before
# either has seen the other's entry: one entry must remain.
ok "$NODE" meeting attendance "$M1" --member-id "${F1[0]}" --attendance excused --data "$WORK/t01"
for x in "${F1[@]}"; do
  ok "$NODE" meeting attendance "$M1" --member-id "$x" --attendance present --data "$WORK/b0101"
  ok "$NODE" meeting attendance "$M2" --member-id "$x" --attendance present --data "$WORK/b0101"
done
for x in "${F2[@]}"; do
  ok "$NODE" meeting attendance "$M3" --member-id "$x" --attendance present --data "$WORK/b0102"
done
for x in "${F1[@]:0:3}"; do
  ok "$NODE" dues pay "$x" --month "$MONTH" --kind employee --base 3000 --data "$WORK/b0101"
  ok "$NODE" points add "$x" --item volunteer --date "$TODAY" --data "$WORK/b0101"
done
for x in "${F2[@]:0:2}"; do
  ok "$NODE" dues pay "$x" --month "$MONTH" --kind retiree --base 4200 --data "$WORK/b0102"
done
ok "$NODE" eval set "${F1[0]}" --year "$YEAR" --grade 优秀 --data "$WORK/b0101"
ok "$NODE" eval set "${F1[1]}" --year "$YEAR" --grade 合格 --data "$WORK/b0101"
ok "$NODE" eval set "${F2[0]}" --year "$YEAR" --grade 合格 --data "$WORK/b0102"

say "every sync through a cut link; the server killed once"
cut_sync() {   # cut_sync DIR ARGS…: one sync of DIR through a proxy cutting as ARGS say
  local dir=$1
  shift
  start_proxy "$CONV_PORT" "$WORK/px.stats" "$@"
  "$NODE" sync --data "$dir" --server "127.0.0.1:$PX_PORT" --timeout 20 >/dev/null 2>&1 || true
  stop_proxy
}
crash_server() {
  kill -9 "$CONV_SRV_PID" 2>/dev/null || true
  wait "$CONV_SRV_PID" 2>/dev/null || true
  CONV_SRV_PID=
  conv_start_server "$SRV" "$LOG"
}
cut_sync "$WORK/b0101" --cut-up 900
cut_sync "$WORK/b0102" --cut-up 1500
cut_sync "$WORK/t01" --cut-down 700
crash_server
cut_sync "$WORK/b0101" --cut-down 2500
cut_sync "$WORK/t01" --cut-up 400
cut_sync "$WORK/b0102" --cut-down 1200
for round in 1 2; do
  for n in b0101 b0102 t01; do conv_sync "$WORK/$n"; done
done

say "every replica converges; reports agree at node and server"
for n in t01:$T1 b0101:$B1 b0102:$B2; do
  conv_assert_converged "$SRV" "$WORK/${n%%:*}" "${n#*:}" "${n%%:*}"
  ok "$NODE" verify --data "$WORK/${n%%:*}"
done
ok "$SERVER" verify --data "$SRV"
for n in b0101 b0102 t01; do
  ok "$NODE" rejected --json --data "$WORK/$n"
  assert_eq "$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' "$LAST_OUT")" \
    0 "nothing of $n was refused"
done
ok "$NODE" meeting show "$M1" --json --data "$WORK/t01"
python3 - "$LAST_OUT" "${F1[0]}" "${#F1[@]}" <<'EOF' || fail "the attendance written at two nodes"
import json, sys
m = json.load(open(sys.argv[1], encoding="utf-8"))
rows = m["facts"]["attendance"]
mine = [a for a in rows if a["member_id"] == sys.argv[2]]
# One entry, the first written (the township's, before the branch's).
assert [a["attendance"] for a in mine] == ["请假"], (mine, m)
assert len(rows) == int(sys.argv[3]), m
EOF
for org_node in "$B1:b0101" "$B2:b0102"; do
  org="${org_node%%:*}"
  node="${org_node#*:}"
  for r in meetings dues ranking; do
    ok "$NODE" report "$r" --org "$org" --json --data "$WORK/$node"
    cp "$LAST_OUT" "$WORK/node-$r.json"
    ok "$SERVER" report "$r" --org "$org" --json --data "$SRV"
    python3 - "$WORK/node-$r.json" "$LAST_OUT" "$r" <<'EOF' || fail "report $r of $org: node and server differ"
import json, sys
n = json.load(open(sys.argv[1], encoding="utf-8"))
s = json.load(open(sys.argv[2], encoding="utf-8"))
if sys.argv[3] == "ranking":
    # Freshness is the node's own sync at a node and each node's at the
    # server: compare the members' points.
    n = [b["members"] for b in n["branches"]]
    s = [b["members"] for b in s["branches"]]
assert n == s, (n, s)
EOF
  done
done
ok "$SERVER" report dues --org "$T1" --month "$MONTH" --json --data "$SRV"
python3 - "$LAST_OUT" <<'EOF' || fail "the township's dues count every payment once"
import json, sys
r = json.load(open(sys.argv[1], encoding="utf-8"))
# 3 × 1% of 3000.00 (employee: 15.00 yuan) + 2 × 0.5% of 4200 (retiree: 21.00)
assert (r["months_paid"], r["paid_fen"]) == (5, 3 * 1500 + 2 * 2100), r
EOF
conv_stop_server
say "ok"
