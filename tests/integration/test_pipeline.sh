#!/usr/bin/env bash
# The development pipeline (发展党员; docs/RECORDS.md, "Applicants"), end to
# end over the real server and mutual TLS: one applicant's whole path from
# application to 正式党员 across a branch node and its township's node,
# each rule of the 2014 rule set at its boundary (refused with exit 3 at
# the node, naming the rule and its source), the acts of the committee
# above refused to the branch (exit 6), the member created by the approval
# in the same server step (预备党员, joined on the meeting's day) and made
# 正式党员 by the conversion approval; overdue talks flagged; report
# pipeline's funnel at node and server; digests converge, verify passes.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
conv_setup

T1=430121-01
B1=430121-01-01
SRV="$WORK/srv"
LOG="$WORK/server.log"
show_logs_on_failure "$LOG"
R="$WORK/roster"
gen_roster "$R" --townships 1 --branches 1 --members 12 --seed 21
TODAY="$(date -u +%Y-%m-%d)"

say "a server, a township and its branch with twelve members"
ok "$SERVER" init --data "$SRV"
ok "$SERVER" org import "$R/orgs.csv" --data "$SRV"
for n in t01:$T1 b0101:$B1; do conv_enroll "$SRV" "$WORK/${n%%:*}" "${n%%:*}" "${n#*:}"; done
conv_start_server "$SRV" "$LOG"
conv_sync "$WORK/b0101"
ok "$NODE" member import "$R/members.csv" --data "$WORK/b0101"
conv_sync "$WORK/b0101"
conv_sync "$WORK/t01"
ok "$NODE" member list --json --data "$WORK/b0101"
read -r F1 F2 P1 <<<"$(python3 -c '
import json, sys
ms = sorted(json.load(open(sys.argv[1], encoding="utf-8")), key=lambda m: m["id"])
full = [m["id"] for m in ms if m["category"] == "正式党员"]
prob = [m["id"] for m in ms if m["category"] == "预备党员"]
print(full[0], full[1], prob[0] if prob else "-")' "$LAST_OUT")"

B="$WORK/b0101"
TN="$WORK/t01"
act() { ok "$NODE" applicant act "$@"; }
refused() {   # refused CODE ID ACT ARGS… : the act exits CODE, nothing written
  local code=$1
  shift
  local before
  before="$(ops_count "$B")"
  expect_exit "$code" "$NODE" applicant act "$@"
  cp "$LAST_ERR" "$WORK/refused.err"
  [[ "$(ops_count "$B")" == "$before" ]] || fail "a refused act wrote an op: $*"
  cp "$WORK/refused.err" "$LAST_ERR"
}
stage() {
  ok "$NODE" applicant show "$1" --json --data "$2"
  conv_json_field "$LAST_OUT" stage
}

say "an application: eighteen or over on the day, not a member already"
expect_exit 3 "$NODE" applicant add --name 少年 --gender 男 --birth-date 2010-03-01 \
  --id-number 430121201003010019 --date 2026-01-05 --data "$B" --lang en
assert_grep "$LAST_ERR" "at least 18 years" "an applicant under eighteen is refused"
ok "$NODE" member show "$F1" --json --data "$B"
IDN_F1="$(conv_json_field "$LAST_OUT" id_number)"
expect_exit 3 "$NODE" applicant add --name 某人 --gender 男 --birth-date 1990-01-01 \
  --id-number "$IDN_F1" --date 2023-01-05 --data "$B"
ok "$NODE" applicant add --id A1 --name 张建国 --gender 男 --ethnicity 汉族 \
  --birth-date 1995-05-12 --id-number 430121199505120015 --education 大学本科 \
  --date 2023-01-05 --data "$B" --lang en
assert_eq "$(cat "$LAST_OUT")" "A1" "applicant add prints the id"
assert_eq "$(stage A1 "$B")" "入党申请人" "a new applicant"

say "the talk, the activist, 备案 by the township only"
refused 3 A1 activist --date 2023-03-01 --data "$B" --lang en
assert_grep "$LAST_ERR" "talked with before" "activist before the talk"
act A1 talk --date 2023-01-20 --by 李书记 --data "$B"
act A1 activist --date 2023-03-01 --data "$B"
refused 6 A1 filing --date 2023-03-10 --data "$B" --lang zh
assert_grep "$LAST_ERR" "只有 $B1 的上级党委才能办理备案" "备案 is the township's (in Chinese by default)"
refused 2 A1 talk --date 2023-03-02 --votes-for 3 --data "$B"
conv_sync "$B"
conv_sync "$TN"
act A1 备案 --date 2023-03-10 --data "$TN"
conv_sync "$TN"
conv_sync "$B"
act A1 assessment --date 2023-09-01 --data "$B"

say "发展对象 after a full year as activist: the day before is refused, the day itself not"
refused 3 A1 candidate --date 2024-02-29 --data "$B" --lang en
assert_grep "$LAST_ERR" "at least 1 year as 入党积极分子: on or after 2024-03-01" "a day short"
assert_grep "$LAST_ERR" "发展党员工作细则 (2014)" "the refusal names the rule's source"
act A1 candidate --date 2024-03-01 --data "$B"
assert_eq "$(stage A1 "$B")" "发展对象" "the activist is 发展对象"

say "introducers: two different 正式党员 of the deployment"
refused 3 A1 introducers --introducers "$F1" --data "$B"
refused 3 A1 introducers --introducers "$F1,$F1" --data "$B"
if [[ "$P1" != "-" ]]; then
  refused 3 A1 introducers --introducers "$F1,$P1" --data "$B" --lang en
  assert_grep "$LAST_ERR" "introducers are 正式党员" "a probationary introducer"
fi
act A1 introducers --introducers "$F1，$F2" --data "$B"
act A1 review --date 2024-03-10 --data "$B"
refused 3 A1 training --days 2 --hours 23 --data "$B" --lang en
assert_grep "$LAST_ERR" "at least 3 days or 24 class hours" "too little training"
act A1 training --hours 24 --data "$B"
refused 3 A1 notice --date 2024-04-02 --data "$B"
conv_sync "$B"
conv_sync "$TN"
act A1 filing --date 2024-03-05 --data "$TN"
act A1 prereview --date 2024-04-01 --data "$TN"
conv_sync "$TN"
conv_sync "$B"

say "the branch meeting: exactly half is not enough, more than half carries"
act A1 notice --date 2024-04-02 --data "$B"
refused 3 A1 vote --date 2024-04-20 --votes-for 5 --votes-entitled 10 --data "$B" --lang en
assert_grep "$LAST_ERR" "more than half of the 10" "a vote of exactly half"
act A1 vote --date 2024-04-20 --votes-for 6 --votes-entitled 10 --data "$B"
assert_eq "$(stage A1 "$B")" "待审批" "voted, waiting for the approval"
conv_sync "$B"
conv_sync "$TN"

say "审批 by the township: never after 6 months; flagged after 3; the member is created"
expect_exit 3 "$NODE" applicant act A1 approval --date 2024-10-21 --data "$TN" --lang en
assert_grep "$LAST_ERR" "within 6 months of the branch meeting: on or before 2024-10-20" \
  "an approval a day past 6 months"
ok "$NODE" applicant list --overdue --json --data "$TN"
assert_grep "$LAST_OUT" "审批临近期限" "over 3 months since the meeting is flagged"
act A1 approval --date 2024-10-20 --data "$TN"
assert_eq "$(stage A1 "$TN")" "预备党员" "approved"
conv_sync "$TN"
conv_sync "$B"
ok "$NODE" member show A1 --json --data "$B"
python3 - "$LAST_OUT" <<'PY' || fail "the approval creates the member"
import json, sys
m = json.load(open(sys.argv[1], encoding="utf-8"))
assert (m["name"], m["category"], m["join_date"], m["full_date"], m["org_code"]) == \
    ("张建国", "预备党员", "2024-04-20", "", "430121-01-01"), m
PY
ok "$SERVER" report stats --json --org "$B1" --data "$SRV"
assert_eq "$(conv_json_field "$LAST_OUT" total)" "13" "the server counts the new member"

say "probation: extended once by 6 to 12 months; conversion on its last day exactly"
refused 3 A1 extend --months 5 --data "$B"
act A1 oath --date 2024-10-25 --data "$B"
act A1 conversion_vote --date 2025-04-10 --votes-for 7 --votes-entitled 10 --data "$B"
conv_sync "$B"
conv_sync "$TN"
expect_exit 3 "$NODE" applicant act A1 conversion_approval --date 2025-04-19 --data "$TN" --lang en
assert_grep "$LAST_ERR" "the conversion date is 2025-04-20" "a day short of a year of probation"
act A1 conversion_approval --date 2025-04-20 --data "$TN"
conv_sync "$TN"
conv_sync "$B"
ok "$NODE" member show A1 --json --data "$B"
python3 - "$LAST_OUT" <<'PY' || fail "the conversion makes a 正式党员"
import json, sys
m = json.load(open(sys.argv[1], encoding="utf-8"))
assert (m["category"], m["join_date"], m["full_date"]) == ("正式党员", "2024-04-20", "2025-04-20"), m
PY
assert_eq "$(stage A1 "$B")" "正式党员" "the path is complete"
refused 3 A1 cancel --date 2025-05-01 --reason x --data "$B"

say "a second applicant: an overdue talk, an extension once only, a cancellation"
ok "$NODE" applicant add --id A2 --name 王丽 --gender 女 --birth-date 1998-02-03 \
  --id-number 430121199802030024 --date 2026-06-01 --data "$B"
ok "$NODE" applicant list --overdue --data "$B"
assert_grep "$LAST_OUT" "谈话逾期" "a talk not held within a month is flagged"
assert_grep "$LAST_OUT" "谈话逾期：应在 2026-07-01 前谈话（申请后 1 个月内）" "the flag in Chinese words"
ok "$NODE" applicant list --overdue --data "$B" --lang en
assert_grep "$LAST_OUT" "谈话逾期: no talk by 2026-07-01 (within 1 month of the application)" \
  "the flag in English words with --lang en"
act A2 talk --date 2026-08-01 --by 李书记 --data "$B"
act A2 cancel --date 2026-09-01 --reason 本人撤回申请 --data "$B"
assert_eq "$(stage A2 "$B")" "已取消" "cancelled"
expect_exit 2 "$NODE" applicant act A2 promote --data "$B"

say "report pipeline: the funnel per stage, at the node and at the server"
for n in b0101 t01; do conv_sync "$WORK/$n"; done
ok "$NODE" report pipeline --json --data "$B"
cp "$LAST_OUT" "$WORK/node.json"
ok "$SERVER" report pipeline --json --org "$B1" --data "$SRV"
python3 - "$WORK/node.json" "$LAST_OUT" <<'PY' || fail "report pipeline"
import json, sys
n = json.load(open(sys.argv[1], encoding="utf-8"))
s = json.load(open(sys.argv[2], encoding="utf-8"))
assert n["stages"] == s["stages"], (n, s)
st = n["stages"]
assert st["正式党员"] == 1 and st["已取消"] == 1 and st["入党申请人"] == 0, st
assert n["total"] == 2, n
PY
ok "$NODE" report pipeline --data "$B"
assert_grep "$LAST_OUT" "正式党员" "the human table names the stages"

for n in t01:$T1 b0101:$B1; do
  conv_assert_converged "$SRV" "$WORK/${n%%:*}" "${n#*:}" "${n%%:*}"
  ok "$NODE" verify --data "$WORK/${n%%:*}"
done
ok "$SERVER" verify --data "$SRV"
conv_stop_server
say "ok"
