#!/usr/bin/env bash
# Convergence of concurrent offline edits (docs/DESIGN-NOTES.md, "Merge" and "Invariants" 1 and 3), with
# real processes over mutual TLS on 127.0.0.1.
#
# Two branches (430121-01-01, 430121-01-02) and their township (430121-01)
# each run a node; a branch of the other township (430121-02-01) puts
# county data on the server that none of the three may see.  In each of
# six rounds — one per order of the three nodes — all three edit
# overlapping members offline, then sync in that order until quiet:
#   A  township and branch 01 set the phone to different values: a
#      conflict kept with both values, the later write winning, on the
#      nodes whose scope holds A (branch 01, township), not on branch 02;
#   H  township and branch 02 set the occupation to different values (the
#      same, mirrored);
#   E  township sets the occupation, branch 02 the phone: both kept, no
#      conflict;
#   F  township and branch 01 write the same phone: no conflict;
#   G  the township moves the member from branch 01 to branch 02 while
#      branch 01 edits the phone: G leaves branch 01's list and digest and
#      shows up at branch 02; branch 01's edit is applied if it reached the
#      server before the move, otherwise rejected (the server checks scope
#      in server order) and listed in branch 01's `rejected`.
# After every round each node's digest equals the server's digest of the
# node's scope, and `verify` passes everywhere.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
conv_setup

B1=430121-01-01
B2=430121-01-02
T1=430121-01
B3=430121-02-01
SRV="$WORK/srv"
LOG="$WORK/server.log"
N1="$WORK/b0101"
N2="$WORK/b0102"
NT="$WORK/t01"
N3="$WORK/b0201"

R="$WORK/roster"
gen_roster "$R" --townships 2 --branches 2 --members 240 --seed 11

# ---------------------------------------------------------------- setup
say "server with the county's org tree; four enrolled nodes import their members"
ok "$SERVER" init --data "$SRV"
ok "$SERVER" org import "$R/orgs.csv" --data "$SRV"
conv_enroll "$SRV" "$N1" b0101 "$B1"
conv_enroll "$SRV" "$N2" b0102 "$B2"
conv_enroll "$SRV" "$NT" t01 "$T1"
conv_enroll "$SRV" "$N3" b0201 "$B3"
for n in "$N1" "$N2" "$NT" "$N3"; do
  ok "$NODE" org import "$R/orgs.csv" --data "$n"
done
conv_members_of "$R/members.csv" "$WORK/m1.csv" "$B1"
conv_members_of "$R/members.csv" "$WORK/m2.csv" "$B2"
conv_members_of "$R/members.csv" "$WORK/m3.csv" "$B3"
ok "$NODE" member import "$WORK/m1.csv" --data "$N1"
ok "$NODE" member import "$WORK/m2.csv" --data "$N2"
ok "$NODE" member import "$WORK/m3.csv" --data "$N3"

conv_start_server "$SRV" "$LOG"

# quiet DIR…: syncs the nodes in the order given, pass after pass, until a
# whole pass moves nothing (at most 4 passes).
quiet() {
  local pass dir moved
  for ((pass = 1; pass <= 4; pass++)); do
    moved=0
    for dir in "$@"; do
      conv_sync "$dir"
      moved=$((moved + CONV_PUSHED + CONV_PULLED))
    done
    [[ $moved -eq 0 ]] && return 0
  done
  fail "not quiet after 4 passes over $*"
}

quiet "$N3" "$N1" "$N2" "$NT"
conv_assert_converged "$SRV" "$N1" "$B1" "after the first syncs"
conv_assert_converged "$SRV" "$N2" "$B2" "after the first syncs"
conv_assert_converged "$SRV" "$NT" "$T1" "after the first syncs"
conv_assert_converged "$SRV" "$N3" "$B3" "after the first syncs"
n2=$(($(wc -l <"$WORK/m2.csv") - 1))
n1=$(($(wc -l <"$WORK/m1.csv") - 1))
assert_eq "$(members_count "$NT")" "$((n1 + n2))" "the township holds both branches' members"
assert_eq "$(members_count "$N1")" "$n1" "branch 01 holds its own members only"
[[ "$(conv_server_digest "$SRV" "$B3")" != "$(conv_server_digest "$SRV" "$B1")" ]] ||
  fail "digests of two different branches are equal"

# ---------------------------------------------------------------- the plan
# Members and values of every round, chosen from the roster here (not by
# the product): six disjoint sets of members A F G (branch 01) and H E
# (branch 02).
python3 - "$R/members.csv" "$B1" "$B2" >"$WORK/plan.sh" <<'EOF'
import csv, itertools, sys
occ = ["农牧渔民", "工人", "企事业单位专业技术人员", "企事业单位管理人员",
       "党政机关工作人员", "学生", "离退休人员", "其他职业人员"]
rows = list(csv.DictReader(open(sys.argv[1], encoding="utf-8")))
b1 = [r for r in rows if r["org_code"] == sys.argv[2]]
b2 = [r for r in rows if r["org_code"] == sys.argv[3]]
assert len(b1) >= 18 and len(b2) >= 12, (len(b1), len(b2))
def phone(r, k):
    return "139%02d%06d" % (r, k)
perms = list(itertools.permutations(["N1", "N2", "NT"]))
for r in range(6):
    a, f, g = b1[3 * r], b1[3 * r + 1], b1[3 * r + 2]
    h, e = b2[2 * r], b2[2 * r + 1]
    others = [o for o in occ if o != h["occupation"]]
    print(f'PERM[{r}]="{" ".join(perms[r])}"')
    print(f'A[{r}]={a["id"]} PA1[{r}]={phone(r, 1)} PAT[{r}]={phone(r, 2)}')
    print(f'H[{r}]={h["id"]} OH2[{r}]={others[r % len(others)]} '
          f'OHT[{r}]={others[(r + 1) % len(others)]}')
    print(f'E[{r}]={e["id"]} PE[{r}]={phone(r, 3)} '
          f'OE[{r}]={[o for o in occ if o != e["occupation"]][r]}')
    print(f'F[{r}]={f["id"]} PF[{r}]={phone(r, 4)}')
    print(f'G[{r}]={g["id"]} PG[{r}]={phone(r, 5)} OG[{r}]={g["phone"]}')
EOF
declare -a PERM A PA1 PAT H OH2 OHT E PE OE F PF G PG OG
. "$WORK/plan.sh"

# field DIR ID FIELD: one field of `member show ID --json` on DIR.
field() {
  ok "$NODE" member show "$2" --json --data "$1"
  conv_json_field "$LAST_OUT" "$3"
}

# listed DIR ID: whether `member list --json` on DIR holds ID (yes/no).
listed() {
  ok "$NODE" member list --json --data "$1"
  python3 -c '
import json, sys
print("yes" if any(m["id"] == sys.argv[2] for m in json.load(open(sys.argv[1]))) else "no")' \
    "$LAST_OUT" "$2"
}

# check_conflicts DIR WHAT KEY:FIELD:WVALUE:WORIGIN:LVALUE:LORIGIN… -- ABSENT…
# The node's `conflicts --json` holds exactly one record for each KEY
# given before "--", with those winner and loser values and origins, and
# none for the keys after it.
check_conflicts() {
  local dir=$1 what=$2
  shift 2
  ok "$NODE" conflicts --json --data "$dir"
  is_json "$LAST_OUT" "conflicts --json of $dir"
  python3 - "$LAST_OUT" "$@" <<'EOF' || fail "$what"
import json, sys
recs = json.load(open(sys.argv[1], encoding="utf-8"))
args = sys.argv[2:]
sep = args.index("--")
for spec in args[:sep]:
    key, field, wv, wo, lv, lo = spec.split(":")
    mine = [c for c in recs if c["key"] == key]
    assert len(mine) == 1, f"{key}: want one conflict record, have {mine}"
    c = mine[0]
    assert c["kind"] == "member" and c["field"] == field, c
    assert c["winner"]["value"] == wv and c["winner"]["origin"] == wo, (spec, c)
    assert c["loser"]["value"] == lv and c["loser"]["origin"] == lo, (spec, c)
    assert c["winner"]["time"] >= c["loser"]["time"], c
for key in args[sep + 1:]:
    bad = [c for c in recs if c["key"] == key]
    assert not bad, f"{key}: no conflict expected, have {bad}"
EOF
}

# rejected_keys DIR: the record keys of the node's `rejected --json`.
rejected_keys() {
  ok "$NODE" rejected --json --data "$1"
  is_json "$LAST_OUT" "rejected --json of $1"
  python3 -c '
import json, sys
print(" ".join(r["key"] for r in json.load(open(sys.argv[1], encoding="utf-8"))))' "$LAST_OUT"
}

# before X Y ORDER: whether X comes before Y in the space-separated ORDER.
before() {
  local o=" $3 "
  local px=${o%% "$1" *} py=${o%% "$2" *}
  [[ ${#px} -lt ${#py} ]]
}

# ---------------------------------------------------------------- rounds
for r in 0 1 2 3 4 5; do
  order="${PERM[$r]}"
  say "round $r: concurrent offline edits, then sync in the order $order"
  # A: phone, township against branch 01; the later writer wins.
  if ((r % 2 == 0)); then
    ok "$NODE" member update "${A[$r]}" --phone "${PA1[$r]}" --data "$N1"
    sleep 0.01
    ok "$NODE" member update "${A[$r]}" --phone "${PAT[$r]}" --data "$NT"
    a_spec="${A[$r]}:phone:${PAT[$r]}:t01:${PA1[$r]}:b0101"
    a_win="${PAT[$r]}"
  else
    ok "$NODE" member update "${A[$r]}" --phone "${PAT[$r]}" --data "$NT"
    sleep 0.01
    ok "$NODE" member update "${A[$r]}" --phone "${PA1[$r]}" --data "$N1"
    a_spec="${A[$r]}:phone:${PA1[$r]}:b0101:${PAT[$r]}:t01"
    a_win="${PA1[$r]}"
  fi
  # H: occupation, township against branch 02, mirrored.
  if ((r % 2 == 0)); then
    ok "$NODE" member update "${H[$r]}" --occupation "${OHT[$r]}" --data "$NT"
    sleep 0.01
    ok "$NODE" member update "${H[$r]}" --occupation "${OH2[$r]}" --data "$N2"
    h_spec="${H[$r]}:occupation:${OH2[$r]}:b0102:${OHT[$r]}:t01"
    h_win="${OH2[$r]}"
  else
    ok "$NODE" member update "${H[$r]}" --occupation "${OH2[$r]}" --data "$N2"
    sleep 0.01
    ok "$NODE" member update "${H[$r]}" --occupation "${OHT[$r]}" --data "$NT"
    h_spec="${H[$r]}:occupation:${OHT[$r]}:t01:${OH2[$r]}:b0102"
    h_win="${OHT[$r]}"
  fi
  # E: different fields of one member.
  ok "$NODE" member update "${E[$r]}" --occupation "${OE[$r]}" --data "$NT"
  ok "$NODE" member update "${E[$r]}" --phone "${PE[$r]}" --data "$N2"
  # F: the same value from both sides.
  ok "$NODE" member update "${F[$r]}" --phone "${PF[$r]}" --data "$N1"
  ok "$NODE" member update "${F[$r]}" --phone "${PF[$r]}" --data "$NT"
  # G: moved to branch 02 by the township while branch 01 edits it.
  ok "$NODE" member update "${G[$r]}" --org-code "$B2" --data "$NT"
  ok "$NODE" member update "${G[$r]}" --phone "${PG[$r]}" --data "$N1"

  dirs=()
  for v in $order; do dirs+=("${!v}"); done
  quiet "${dirs[@]}"

  say "round $r: every node equals the server's view of its scope"
  conv_assert_converged "$SRV" "$N1" "$B1" "round $r"
  conv_assert_converged "$SRV" "$N2" "$B2" "round $r"
  conv_assert_converged "$SRV" "$NT" "$T1" "round $r"

  say "round $r: concurrent writes kept as conflicts where the record is in scope"
  check_conflicts "$N1" "round $r: conflicts at branch 01" "$a_spec" -- \
    "${H[$r]}" "${E[$r]}" "${F[$r]}" "${G[$r]}"
  check_conflicts "$N2" "round $r: conflicts at branch 02" "$h_spec" -- \
    "${A[$r]}" "${E[$r]}" "${F[$r]}" "${G[$r]}"
  check_conflicts "$NT" "round $r: conflicts at the township" "$a_spec" "$h_spec" -- \
    "${E[$r]}" "${F[$r]}" "${G[$r]}"
  ok "$NODE" conflicts --data "$N1"
  grep -Eq "${A[$r]} +联系电话 +${a_win} " "$LAST_OUT" ||
    fail "round $r: the conflict's field by its Chinese label: $(cat "$LAST_OUT")"
  ok "$NODE" conflicts --data "$N1" --lang en
  grep -Eq "${A[$r]} +phone +${a_win} " "$LAST_OUT" ||
    fail "round $r: the conflict's field by its key with --lang en: $(cat "$LAST_OUT")"
  assert_eq "$(field "$N1" "${A[$r]}" phone)" "$a_win" "round $r: A's phone at branch 01"
  assert_eq "$(field "$NT" "${A[$r]}" phone)" "$a_win" "round $r: A's phone at the township"
  assert_eq "$(field "$N2" "${H[$r]}" occupation)" "$h_win" "round $r: H's occupation at branch 02"
  assert_eq "$(field "$NT" "${H[$r]}" occupation)" "$h_win" "round $r: H's occupation at the township"

  say "round $r: writes to different fields both stand; an equal value is no conflict"
  for n in "$N2" "$NT"; do
    assert_eq "$(field "$n" "${E[$r]}" phone)" "${PE[$r]}" "round $r: E's phone at $n"
    assert_eq "$(field "$n" "${E[$r]}" occupation)" "${OE[$r]}" "round $r: E's occupation at $n"
  done
  for n in "$N1" "$NT"; do
    assert_eq "$(field "$n" "${F[$r]}" phone)" "${PF[$r]}" "round $r: F's phone at $n"
  done

  say "round $r: the moved member left branch 01 and arrived at branch 02"
  assert_eq "$(listed "$N1" "${G[$r]}")" no "round $r: G in branch 01's member list"
  assert_eq "$(listed "$N2" "${G[$r]}")" yes "round $r: G in branch 02's member list"
  expect_exit 4 "$NODE" member show "${G[$r]}" --data "$N1"
  assert_eq "$(field "$N2" "${G[$r]}" org_code)" "$B2" "round $r: G's org at branch 02"
  assert_eq "$(field "$NT" "${G[$r]}" org_code)" "$B2" "round $r: G's org at the township"
  rej=" $(rejected_keys "$N1") "
  if before N1 NT "$order"; then
    # Branch 01's edit reached the server while G was still its member.
    assert_eq "$(field "$N2" "${G[$r]}" phone)" "${PG[$r]}" "round $r: G's phone (edit before the move)"
    [[ "$rej" != *" ${G[$r]} "* ]] || fail "round $r: branch 01's edit of G was rejected though it came first"
  else
    # The move came first: the edit is out of scope, rejected, and visible
    # at its origin; nothing of it was applied.
    assert_eq "$(field "$N2" "${G[$r]}" phone)" "${OG[$r]}" "round $r: G's phone (edit after the move)"
    [[ "$rej" == *" ${G[$r]} "* ]] || fail "round $r: branch 01's late edit of G is not in its rejected list ($rej)"
  fi

  for n in "$N1" "$N2" "$NT"; do
    ok "$NODE" verify --data "$n"
  done
  ok "$SERVER" verify --data "$SRV"
done

# ---------------------------------------------------------------- totals
say "exactly the expected conflicts, everywhere; other counties' data stayed out"
conflicts_of() {
  ok "$NODE" conflicts --json --data "$1"
  python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' "$LAST_OUT"
}
assert_eq "$(conflicts_of "$N1")" 6 "conflict records at branch 01"
assert_eq "$(conflicts_of "$N2")" 6 "conflict records at branch 02"
assert_eq "$(conflicts_of "$NT")" 12 "conflict records at the township"
ok "$SERVER" status --json --data "$SRV"
assert_eq "$(conv_json_field "$LAST_OUT" conflicts)" 12 "conflict records at the server"
conv_sync "$N3"
assert_eq "$CONV_PULLED" 0 "ops pulled by the other township's branch"
conv_assert_converged "$SRV" "$N3" "$B3" "the other township's branch"
ok "$NODE" verify --data "$N3"
ok "$SERVER" verify --data "$SRV"
list_count() {
  ok "$NODE" member list --json --data "$1"
  python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' "$LAST_OUT"
}
assert_eq "$(list_count "$NT")" "$((n1 + n2))" "member list at the township after the moves"
assert_eq "$(list_count "$N1")" "$((n1 - 6))" "member list at branch 01 after six moves"
assert_eq "$(list_count "$N2")" "$((n2 + 6))" "member list at branch 02 after six moves"
# status counts what the node holds for its scope, like the list.
assert_eq "$(members_count "$NT")" "$((n1 + n2))" "status members at the township after the moves"
assert_eq "$(members_count "$N1")" "$((n1 - 6))" "status members at branch 01 after six moves"
assert_eq "$(members_count "$N2")" "$((n2 + 6))" "status members at branch 02 after six moves"
conv_stop_server
if grep -q "warning" "$LOG"; then
  cat "$LOG" >&2
  fail "the server warned during honest syncs"
fi
