#!/usr/bin/env bash
# The development pipeline against a running server (docs/RECORDS.md,
# "Applicants", "Transfers"):
#   - a committee-only act (审批) sent by a branch's certificate with the
#     node's own checks bypassed (zhibu-forge builds the act, --record puts
#     it in the branch's log) is refused by the server: the applicant stays
#     待审批, no member is created, and the branch learns the refusal;
#   - an approval races the transfer of one of the applicant's introducers
#     to another branch, in both orders at the server: both apply — the
#     introducers were judged on the day of their act, and the approval
#     does not look at where they are now — the introducer moves exactly
#     once, the member is created once, every replica converges.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
conv_setup

T1=430121-01
B1=430121-01-01
B2=430121-01-02
SRV="$WORK/srv"
LOG="$WORK/server.log"
show_logs_on_failure "$LOG"
R="$WORK/roster"
gen_roster "$R" --townships 1 --branches 2 --members 12 --seed 33

say "a server, a township and its two branches"
ok "$SERVER" init --data "$SRV"
ok "$SERVER" org import "$R/orgs.csv" --data "$SRV"
for n in t01:$T1 b0101:$B1 b0102:$B2; do
  conv_enroll "$SRV" "$WORK/${n%%:*}" "${n%%:*}" "${n#*:}"
done
conv_start_server "$SRV" "$LOG"
B="$WORK/b0101"
B2N="$WORK/b0102"
TN="$WORK/t01"
conv_sync "$B"
conv_sync "$B2N"
python3 - "$R/members.csv" "$B1" "$B2" "$WORK" <<'EOF'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], encoding="utf-8-sig")))
for org, name in ((sys.argv[2], "b1.csv"), (sys.argv[3], "b2.csv")):
    mine = [r for r in rows if r["org_code"] == org]
    with open(f"{sys.argv[4]}/{name}", "w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(mine)
EOF
ok "$NODE" member import "$WORK/b1.csv" --data "$B"
ok "$NODE" member import "$WORK/b2.csv" --data "$B2N"
for n in "$B" "$B2N" "$TN"; do conv_sync "$n"; done
ok "$NODE" member list --json --data "$B"
read -r F1 F2 F3 F4 <<<"$(python3 -c '
import json, sys
ms = sorted(json.load(open(sys.argv[1], encoding="utf-8")), key=lambda m: m["id"])
full = [m["id"] for m in ms if m["category"] == "正式党员"]
assert len(full) >= 4, full
print(*full[:4])' "$LAST_OUT")"
total_of() {   # total_of ORG: the server's count of members in org
  ok "$SERVER" report stats --json --org "$1" --data "$SRV"
  conv_json_field "$LAST_OUT" total
}
N1="$(total_of "$B1")"
N2="$(total_of "$B2")"

say "two applicants walk the path to the branch meeting's vote"
act() { ok "$NODE" applicant act "$@"; }
ok "$NODE" applicant add --id A1 --name 张建国 --gender 男 --birth-date 1995-05-12 \
  --id-number 430121199505120015 --date 2023-01-05 --data "$B"
ok "$NODE" applicant add --id A2 --name 王丽 --gender 女 --birth-date 1998-02-03 \
  --id-number 430121199802030024 --date 2023-01-05 --data "$B"
for a in A1 A2; do
  act $a talk --date 2023-01-20 --by 李书记 --data "$B"
  act $a activist --date 2023-03-01 --data "$B"
done
conv_sync "$B"
conv_sync "$TN"
for a in A1 A2; do act $a filing --date 2023-03-10 --data "$TN"; done
conv_sync "$TN"
conv_sync "$B"
act A1 candidate --date 2024-03-01 --data "$B"
act A2 candidate --date 2024-03-01 --data "$B"
act A1 introducers --introducers "$F1,$F2" --data "$B"
act A2 introducers --introducers "$F3,$F4" --data "$B"
for a in A1 A2; do
  act $a review --date 2024-03-10 --data "$B"
  act $a training --hours 24 --data "$B"
done
conv_sync "$B"
conv_sync "$TN"
for a in A1 A2; do
  act $a filing --date 2024-03-05 --data "$TN"
  act $a prereview --date 2024-04-01 --data "$TN"
done
conv_sync "$TN"
conv_sync "$B"
for a in A1 A2; do
  act $a notice --date 2024-04-02 --data "$B"
  act $a vote --date 2024-04-20 --votes-for 6 --votes-entitled 10 --data "$B"
done
conv_sync "$B"
stage_of() {   # stage_of ID DIR: the applicant's stage at that node
  ok "$NODE" applicant show "$1" --json --data "$2"
  conv_json_field "$LAST_OUT" stage
}

say "a branch's 审批, built by hand past the node's checks, is refused by the server"
expect_exit 6 "$NODE" applicant act A1 approval --date 2024-10-20 --data "$B"
# Field 27 is approval_date (common/records/kinds/applicant.c).
ok "$FORGE" --server "$CONV_ADDR" --timeout-ms 20000 --data "$B" --record \
  --kind 7 --act approval --member A1 --field 27=2024-10-20
python3 - "$LAST_OUT" <<'EOF' || fail "the forged act's push"
import json, sys
r = json.load(open(sys.argv[1], encoding="utf-8"))
assert r["hello_ack"] and r["sent"]["count"] == 1, r
assert r["push_ack"] and r["push_ack"]["rejected"] == 1, r
EOF
conv_sync "$B"
ok "$NODE" rejected --json --data "$B"
python3 - "$LAST_OUT" <<'EOF' || fail "the branch learns the server's refusal"
import json, sys
rows = [r for r in json.load(open(sys.argv[1], encoding="utf-8")) if r["key"] == "A1"]
assert len(rows) == 1, rows
assert "only a committee above" in rows[0]["reason"], rows
EOF
assert_eq "$(stage_of A1 "$B")" "待审批" "the branch's view drops the refused act"
expect_exit 4 "$NODE" member show A1 --data "$B"
conv_sync "$TN"
assert_eq "$(stage_of A1 "$TN")" "待审批" "the township sees no approval"
assert_eq "$(total_of "$B1")" "$N1" "no member was created at the server"

say "the introducers $F1 and $F3 are transferred to $B2"
ok "$NODE" transfer out "$F1" --to "$B2" --reason 工作调动 --data "$B"
TID1="$(cat "$LAST_OUT")"
ok "$NODE" transfer out "$F3" --to "$B2" --reason 工作调动 --data "$B"
TID2="$(cat "$LAST_OUT")"
conv_sync "$B"
conv_sync "$B2N"
conv_sync "$TN"

say "race 1: the accept reaches the server before the approval"
ok "$NODE" transfer accept "$TID1" --data "$B2N"
act A1 approval --date 2024-10-20 --data "$TN"
conv_sync "$B2N"
conv_sync "$TN"

say "race 2: the approval reaches the server before the accept"
act A2 approval --date 2024-10-20 --data "$TN"
ok "$NODE" transfer accept "$TID2" --data "$B2N"
conv_sync "$TN"
conv_sync "$B2N"
for n in "$B" "$B2N" "$TN"; do conv_sync "$n"; done

say "both orders end the same: approved, created once, moved once"
for n in "$TN" "$B2N"; do
  ok "$NODE" rejected --json --data "$n"
  assert_eq "$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' "$LAST_OUT")" \
    "0" "nothing of $(basename "$n") was refused"
done
for a in A1 A2; do
  assert_eq "$(stage_of $a "$B")" "预备党员" "$a approved at the branch"
  assert_eq "$(stage_of $a "$TN")" "预备党员" "$a approved at the township"
  ok "$NODE" member show $a --json --data "$B"
  assert_eq "$(conv_json_field "$LAST_OUT" category)" "预备党员" "$a is a member"
  assert_eq "$(conv_json_field "$LAST_OUT" join_date)" "2024-04-20" "$a joined on the vote's day"
  ok "$NODE" applicant show $a --json --data "$B"
done
assert_eq "$(conv_json_field "$LAST_OUT" introducers)" "$F3,$F4" "the introducers stay on record"
for tid in "$TID1" "$TID2"; do
  ok "$NODE" transfer show "$tid" --json --data "$B2N"
  assert_eq "$(conv_json_field "$LAST_OUT" status)" "已接收" "$tid accepted"
done
for m in "$F1" "$F3"; do
  ok "$NODE" member show "$m" --json --data "$B2N"
  assert_eq "$(conv_json_field "$LAST_OUT" org_code)" "$B2" "$m moved to $B2"
done
ok "$NODE" member list --json --data "$B"
! grep -qE "\"($F1|$F3)\"" "$LAST_OUT" || fail "$B1 still lists an introducer who moved"
# B1 lost two introducers and gained two new members; B2 gained two.
assert_eq "$(total_of "$B1")" "$N1" "$B1: -2 transferred +2 approved"
assert_eq "$(total_of "$B2")" "$((N2 + 2))" "$B2: +2 transferred"
ok "$SERVER" report stats --json --org "$T1" --data "$SRV"
assert_eq "$(conv_json_field "$LAST_OUT" total)" "$((N1 + N2 + 2))" "the township counts each once"

for n in t01:$T1 b0101:$B1 b0102:$B2; do
  conv_assert_converged "$SRV" "$WORK/${n%%:*}" "${n#*:}" "${n%%:*}"
  ok "$NODE" verify --data "$WORK/${n%%:*}"
done
ok "$SERVER" verify --data "$SRV"
conv_stop_server
say "ok"
