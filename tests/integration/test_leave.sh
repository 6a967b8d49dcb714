#!/usr/bin/env bash
# Leaving (docs/RECORDS.md, "Leaving"): `member leave` ends a membership
# with its reason and date, over the real server and mutual TLS:
#   - the member is never deleted: `member show` shows status 已离开 with
#     the reason, date and note; `member list` leaves the member out,
#     `member list --all` shows it;
#   - `report stats` as of a date before leaving counts the member, as of
#     the leave date no longer, and "left" counts it by reason within
#     --from/--to — at the node and at the server alike;
#   - bad leaves store nothing (exit 3): an unknown reason, no date, a date
#     before join_date or in the future, leaving twice; the leave fields
#     cannot be written by `member update` or an import;
#   - two nodes whose scope holds the member both record a leave: the
#     server's order decides, the second comes back rejected, and every
#     node shows the first one's reason;
#   - 出党 is recorded by the committee above the branch (the township),
#     never by the branch itself (exit 6); digests converge, verify passes.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
conv_setup

T1=430121-01
B1=430121-01-01
SRV="$WORK/srv"
LOG="$WORK/server.log"
show_logs_on_failure "$LOG"
R="$WORK/roster"
gen_roster "$R" --townships 1 --branches 1 --members 6 --seed 5
TODAY="$(date -u +%Y-%m-%d)"
YEAR="${TODAY%%-*}"

say "a server, a township and its branch, with the branch's six members"
ok "$SERVER" init --data "$SRV"
ok "$SERVER" org import "$R/orgs.csv" --data "$SRV"
for n in t01:$T1 b0101:$B1; do
  conv_enroll "$SRV" "$WORK/${n%%:*}" "${n%%:*}" "${n#*:}"
done
conv_start_server "$SRV" "$LOG"
conv_sync "$WORK/b0101"
ok "$NODE" member import "$R/members.csv" --data "$WORK/b0101"
conv_sync "$WORK/b0101"
conv_sync "$WORK/t01"
ok "$NODE" member list --json --data "$WORK/b0101"
read -r M1 M2 M3 M4 <<<"$(python3 -c '
import json, sys
ms = sorted(json.load(open(sys.argv[1], encoding="utf-8")), key=lambda m: m["id"])
print(ms[0]["id"], ms[1]["id"], ms[2]["id"], ms[3]["id"])' "$LAST_OUT")"

# node_total ARGS… / server_total ARGS…: "total" of report stats --json.
node_total() {
  ok "$NODE" report stats --json "$@"
  conv_json_field "$LAST_OUT" total
}
server_total() {
  ok "$SERVER" report stats --json --org "$B1" --data "$SRV" "$@"
  conv_json_field "$LAST_OUT" total
}
assert_eq "$(node_total --data "$WORK/b0101")" "6" "six members before anyone leaves"
expect_exit 4 "$SERVER" report stats --org 430121-01-77 --data "$SRV"
assert_grep "$LAST_ERR" "没有组织 430121-01-77" "the server's report of an org that does not exist"

say "bad leaves store nothing (exit 3)"
ops_before="$(ops_count "$WORK/b0101")"
expect_exit 3 "$NODE" member leave "$M1" --reason 搬家 --date "$TODAY" --data "$WORK/b0101" --lang en
assert_grep "$LAST_ERR" "--reason: unknown value" "an unknown reason is named by its option"
expect_exit 3 "$NODE" member leave "$M1" --reason 去世 --data "$WORK/b0101" --lang en
assert_grep "$LAST_ERR" "--date: is required" "a leave needs its date"
expect_exit 3 "$NODE" member leave "$M1" --reason 去世 --date 2999-01-01 --data "$WORK/b0101" --lang en
assert_grep "$LAST_ERR" "after today" "a leave dated in the future"
expect_exit 3 "$NODE" member leave "$M1" --reason 去世 --date 1900-01-01 --data "$WORK/b0101" --lang en
assert_grep "$LAST_ERR" "before join_date" "a leave before joining"
expect_exit 3 "$NODE" member update "$M1" --status 已离开 --data "$WORK/b0101"
expect_exit 3 "$NODE" member update "$M1" --leave-note 病故 --data "$WORK/b0101" --lang en
assert_grep "$LAST_ERR" "only through an act" "the leave fields are the act's to write"
expect_exit 4 "$NODE" member leave M9999999999 --reason 去世 --date "$TODAY" --data "$WORK/b0101"
assert_eq "$(ops_count "$WORK/b0101")" "$ops_before" "refused leaves add no op"

say "a member leaves: shown with the reason, out of the list, in --all"
ok "$NODE" member leave "$M1" --reason 去世 --date "$TODAY" --note 病故 --data "$WORK/b0101"
assert_grep "$LAST_ERR" "党员 $M1：减少" "the act done, in Chinese"
ok "$NODE" member show "$M1" --json --data "$WORK/b0101"
python3 - "$LAST_OUT" "$TODAY" <<'EOF' || fail "member show after leave"
import json, sys
m = json.load(open(sys.argv[1], encoding="utf-8"))
assert (m["status"], m["leave_reason"], m["leave_date"], m["leave_note"]) == \
    ("已离开", "去世", sys.argv[2], "病故"), m
EOF
ok "$NODE" member show "$M2" --json --data "$WORK/b0101"
assert_eq "$(conv_json_field "$LAST_OUT" status)" "" "a current member's status is empty (在册)"
ok "$NODE" member list --json --data "$WORK/b0101"
assert_eq "$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' "$LAST_OUT")" "5" \
  "the list leaves the member out"
! grep -q "$M1" "$LAST_OUT" || fail "the member who left is still in member list"
ok "$NODE" member list --all --json --data "$WORK/b0101"
assert_grep "$LAST_OUT" "$M1" "member list --all shows it"
ok "$NODE" member list --data "$WORK/b0101"
assert_grep "$LAST_OUT" "共 5 条党员" "the table counts five"
expect_exit 3 "$NODE" member leave "$M1" --reason 出党 --date "$TODAY" --data "$WORK/b0101"
assert_grep "$LAST_ERR" "已离开" "leaving twice is refused, naming the state"

say "statistics: counted before the leave date, not from it; left by reason in the period"
assert_eq "$(node_total --data "$WORK/b0101")" "5" "five as of today"
ok "$NODE" report stats --json --data "$WORK/b0101"
python3 - "$LAST_OUT" "$YEAR" "$TODAY" <<'EOF' || fail "left in the default period"
import json, sys
s = json.load(open(sys.argv[1], encoding="utf-8"))
assert s["left"] == {"去世": 1, "出党": 0, "停止党籍": 0, "退党": 0, "转出系统外": 0}, s["left"]
assert (s["left_from"], s["left_to"]) == (sys.argv[2] + "-01-01", sys.argv[3]), s
EOF
ok "$NODE" report stats --json --from 2000-01-01 --to 2000-12-31 --data "$WORK/b0101"
python3 -c 'import json,sys; assert sum(json.load(open(sys.argv[1]))["left"].values()) == 0' \
  "$LAST_OUT" || fail "nobody left in 2000"
expect_exit 3 "$NODE" report stats --from 2020-02-01 --to 2020-01-01 --data "$WORK/b0101"
YESTERDAY="$(date -u -d yesterday +%Y-%m-%d)"
assert_eq "$(node_total --as-of "$YESTERDAY" --data "$WORK/b0101")" "6" "six the day before"

say "after sync the township and the server agree"
conv_sync "$WORK/b0101"
conv_sync "$WORK/t01"
assert_eq "$(server_total)" "5" "the server counts five as of today"
assert_eq "$(server_total --as-of "$YESTERDAY")" "6" "and six the day before"
ok "$NODE" member show "$M1" --json --data "$WORK/t01"
assert_eq "$(conv_json_field "$LAST_OUT" leave_reason)" "去世" "the township sees the reason"

say "two nodes record a leave of one member: the server's order decides"
ok "$NODE" member leave "$M2" --reason 退党 --date "${TODAY//-//}" --data "$WORK/b0101"   # 2026/11/28
ok "$NODE" member leave "$M2" --reason 停止党籍 --date "$TODAY" --data "$WORK/t01"
conv_sync "$WORK/b0101"
conv_sync "$WORK/t01"
conv_sync "$WORK/b0101"
ok "$NODE" rejected --json --data "$WORK/t01"
python3 - "$LAST_OUT" "$M2" <<'EOF' || fail "the township's leave comes back rejected"
import json, sys
rows = json.load(open(sys.argv[1], encoding="utf-8"))
assert len(rows) == 1 and rows[0]["key"] == sys.argv[2] and "已离开" in rows[0]["reason"], rows
EOF
for n in t01 b0101; do
  ok "$NODE" member show "$M2" --json --data "$WORK/$n"
  assert_eq "$(conv_json_field "$LAST_OUT" leave_reason)" "退党" "$n: the first leave's reason"
done

say "出党 (expulsion) is recorded by the committee above the branch, not by the branch"
ops_before="$(ops_count "$WORK/b0101")"
expect_exit 6 "$NODE" member leave "$M3" --reason 出党 --date "$TODAY" --data "$WORK/b0101" --lang en
assert_grep "$LAST_ERR" "only a committee above $B1" "the branch is told who may record it"
assert_eq "$(ops_count "$WORK/b0101")" "$ops_before" "the refused expulsion adds no op"
ok "$NODE" member leave "$M3" --reason 出党 --date "$TODAY" --note 经支部大会讨论、镇党委批准 \
  --data "$WORK/t01"
conv_sync "$WORK/t01"
conv_sync "$WORK/b0101"
ok "$NODE" rejected --json --data "$WORK/t01"
python3 -c 'import json,sys; assert not any(r["key"] == sys.argv[2] for r in json.load(open(sys.argv[1])))' \
  "$LAST_OUT" "$M3" || fail "the server refused the township's expulsion"
ok "$NODE" member show "$M3" --json --data "$WORK/b0101"
assert_eq "$(conv_json_field "$LAST_OUT" leave_reason)" "出党" "the branch sees the expulsion"

say "a re-import of the roster does not bring them back; digests converge"
ok "$NODE" member import "$R/members.csv" --data "$WORK/b0101"
assert_grep "$LAST_ERR" "新增 0，更新 0，未变 6" "the roster file changes nothing"
ok "$NODE" member list --csv --all --data "$WORK/b0101"
cp "$LAST_OUT" "$WORK/all.csv"
ok "$NODE" member import "$WORK/all.csv" --data "$WORK/b0101"
assert_grep "$LAST_ERR" "未变 6" "the exported list with its leave columns imports back unchanged"
sed "s/^$M4,\\(.*\\),,,,,\$/$M4,\\1,已离开,去世,$TODAY,,/" "$WORK/all.csv" >"$WORK/sneak.csv"
grep -q "^$M4,.*,已离开,去世," "$WORK/sneak.csv" || fail "the test's edit of the CSV did not apply"
expect_exit 3 "$NODE" member import "$WORK/sneak.csv" --data "$WORK/b0101" --lang en
assert_grep "$LAST_ERR" "only through an act" "an import cannot make a member leave"
for n in t01:$T1 b0101:$B1; do
  conv_assert_converged "$SRV" "$WORK/${n%%:*}" "${n#*:}" "${n%%:*}"
  ok "$NODE" verify --data "$WORK/${n%%:*}"
done
ok "$SERVER" verify --data "$SRV"

conv_stop_server
say "ok"
