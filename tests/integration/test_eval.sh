#!/usr/bin/env bash
# Democratic evaluation (民主评议; docs/RECORDS.md, "Evaluations") over the
# real server and mutual TLS on 127.0.0.1:
#   - eval set grades a full member for a year; a probationary member is
#     not graded, a year after this one is refused, a member of another
#     branch is not found (exits 3, 3, 4; nothing written);
#   - 优秀 for at most one third of the branch's full members: the branch
#     gives one fewer than the third, then the branch and its township each
#     give one more before syncing — each is within the third on its own
#     PC — and the server, in its order, takes the first and refuses the
#     second, which comes back; every node then shows exactly the third;
#   - eval list (table with each org's count, --json, --csv read back by
#     eval import); digests converge, verify passes.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
conv_setup

T1=430121-01
B1=430121-01-01
SRV="$WORK/srv"
LOG="$WORK/server.log"
show_logs_on_failure "$LOG"
R="$WORK/roster"
gen_roster "$R" --townships 1 --branches 2 --members 40 --seed 7
YEAR="$(date +%Y)"

say "a server, a township and its branch, with the township's members"
ok "$SERVER" init --data "$SRV"
ok "$SERVER" org import "$R/orgs.csv" --data "$SRV"
for n in t01:$T1 b0101:$B1; do
  conv_enroll "$SRV" "$WORK/${n%%:*}" "${n%%:*}" "${n#*:}"
done
conv_start_server "$SRV" "$LOG"
conv_sync "$WORK/t01"
ok "$NODE" member import "$R/members.csv" --data "$WORK/t01"
conv_sync "$WORK/t01"
conv_sync "$WORK/b0101"

# The branch's full members (sorted), the third, a probationary member,
# and a member of the other branch.
python3 - "$R/members.csv" "$B1" >"$WORK/cases" <<'EOF'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], encoding="utf-8")))
full = sorted(r["id"] for r in rows if r["org_code"] == sys.argv[2] and r["category"] == "正式党员")
prob = sorted(r["id"] for r in rows if r["org_code"] == sys.argv[2] and r["category"] == "预备党员")
other = sorted(r["id"] for r in rows if r["org_code"] != sys.argv[2])
assert len(full) >= 9 and prob and other, (len(full), prob)
print(len(full), len(full) // 3, prob[0], other[0], " ".join(full))
EOF
read -r NFULL THIRD PROB OTHER FULL <"$WORK/cases"
read -r -a F <<<"$FULL"
say "$NFULL full members in $B1: at most $THIRD 优秀"

say "bad evaluations store nothing"
ops_before="$(ops_count "$WORK/b0101")"
expect_exit 3 "$NODE" eval set "$PROB" --year "$YEAR" --grade 合格 --data "$WORK/b0101" --lang en
assert_grep "$LAST_ERR" "probationary members take part in the evaluation but are not graded" \
  "a 预备党员 is not graded"
expect_exit 3 "$NODE" eval set "${F[0]}" --year $((YEAR + 1)) --grade 合格 --data "$WORK/b0101" --lang en
assert_grep "$LAST_ERR" "--year: is after this year" "next year is not graded yet"
expect_exit 3 "$NODE" eval set "${F[0]}" --year "$YEAR" --grade 良好 --data "$WORK/b0101"
expect_exit 3 "$NODE" eval set "${F[0]}" --grade 合格 --data "$WORK/b0101"
expect_exit 4 "$NODE" eval set "$OTHER" --year "$YEAR" --grade 合格 --data "$WORK/b0101"
assert_eq "$(ops_count "$WORK/b0101")" "$ops_before" "refused evaluations add no op"

say "the branch grades: one 优秀 fewer than the third, the others 合格"
for ((i = 0; i < NFULL; i++)); do
  g=合格
  ((i < THIRD - 1)) && g=优秀
  ok "$NODE" eval set "${F[$i]}" --year "$YEAR" --grade "$g" --data "$WORK/b0101"
done
assert_eq "$(cat "$LAST_OUT")" "${F[$((NFULL - 1))]}-$YEAR" "eval set prints the key"
ok "$NODE" eval set "${F[$((NFULL - 1))]}" --year "$YEAR" --grade 基本合格 --note 复评 \
  --data "$WORK/b0101"
conv_sync "$WORK/b0101"
conv_sync "$WORK/t01"

say "two PCs each give one more 优秀: the server keeps the third"
P="${F[$((THIRD - 1))]}"
Q="${F[$THIRD]}"
ok "$NODE" eval set "$P" --year "$YEAR" --grade 优秀 --data "$WORK/b0101"
ok "$NODE" eval set "$Q" --year "$YEAR" --grade 优秀 --data "$WORK/t01"
expect_exit 3 "$NODE" eval set "${F[$((THIRD + 1))]}" --year "$YEAR" --grade 优秀 --data "$WORK/t01" --lang en
assert_grep "$LAST_ERR" "at most one third of the $NFULL full members of $B1: $THIRD already have it" \
  "the township's own PC refuses one beyond the third"
conv_sync "$WORK/b0101"
conv_sync "$WORK/t01"
conv_sync "$WORK/b0101"
ok "$NODE" rejected --json --data "$WORK/t01"
python3 - "$LAST_OUT" "$Q-$YEAR" <<'EOF' || fail "the township's 优秀 comes back rejected"
import json, sys
rows = [r for r in json.load(open(sys.argv[1], encoding="utf-8")) if r["key"] == sys.argv[2]]
assert len(rows) == 1 and rows[0]["field"] == "grade" and "one third" in rows[0]["reason"], rows
EOF
for n in t01 b0101; do
  ok "$NODE" eval list --year "$YEAR" --json --data "$WORK/$n" --org "$B1"
  python3 - "$LAST_OUT" "$THIRD" "$NFULL" "$Q-$YEAR" <<'EOF' || fail "$n: exactly the third"
import json, sys
rows = json.load(open(sys.argv[1], encoding="utf-8"))
assert len(rows) == int(sys.argv[3]), len(rows)
assert sum(r["grade"] == "优秀" for r in rows) == int(sys.argv[2]), rows
q = [r for r in rows if r["id"] == sys.argv[4]][0]
assert q["grade"] == "合格" and q["name"], q
assert list(rows[0]) == ["id", "member_id", "year", "org_code", "grade", "note", "name"], list(rows[0])
EOF
done
ok "$SERVER" digest --org "$B1" --data "$SRV"

say "eval list for people and as CSV"
ok "$NODE" eval list --year "$YEAR" --data "$WORK/t01"
assert_grep "$LAST_OUT" "$B1: 评定 $NFULL 人，优秀 $THIRD 人（至多 $THIRD 人：正式党员 $NFULL 人的三分之一）" \
  "each org's count"
assert_grep "$LAST_OUT" "复评" "the note"
ok "$NODE" eval list --year "$YEAR" --csv --data "$WORK/t01"
cp "$LAST_OUT" "$WORK/eval.csv"
ok "$NODE" eval import "$WORK/eval.csv" --data "$WORK/t01"
assert_grep "$LAST_ERR" "新增 0，更新 0，未变 $NFULL" "the CSV imports back unchanged"
ok "$NODE" eval list --year $((YEAR - 1)) --json --data "$WORK/t01"
assert_eq "$(cat "$LAST_OUT")" "[]" "nothing graded last year"

say "digests converge, verify passes"
for n in t01:$T1 b0101:$B1; do
  conv_assert_converged "$SRV" "$WORK/${n%%:*}" "${n#*:}" "${n%%:*}"
  ok "$NODE" verify --data "$WORK/${n%%:*}"
done
ok "$SERVER" verify --data "$SRV"

conv_stop_server
say "ok"
