#!/usr/bin/env bash
# zhibu-node's command-line contract (docs/RECORDS.md; README.md, "The command line"), driven through the
# real binary: init, usage errors, --help, scoped org import, member
# add/show/update, scope refusals, list --json/--csv against the generated
# roster, CSV round trip, JSON-only stdout, option placement, ZHIBU_DATA.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
zb_setup

R="$WORK/roster"
gen_roster "$R" --members 2000 --townships 4 --branches 5 --seed 31
COUNTY=430121
BRANCH=430121-01-01
SIBLING=430121-01-02
TOWN=430121-02

# GB 11643 check character, computed here independently of the product.
idnum() {
  python3 - "$1" <<'EOF'
import sys
b = sys.argv[1]
w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
print(b + "10X98765432"[sum(int(c) * k for c, k in zip(b, w)) % 11])
EOF
}

# ---------------------------------------------------------------- init
say "init creates a node; init again exits 3 and changes nothing"
C="$WORK/county"
expect_exit 2 "$NODE" init --node-id c1 --org "$COUNTY"            # no --data
expect_exit 2 "$NODE" init --data "$C" --node-id c1                 # no --org
expect_exit 2 "$NODE" init --data "$C" --org "$COUNTY"              # no --node-id
[[ ! -e "$C" ]] || fail "init with a usage error created $C"
expect_exit 3 "$NODE" init --data "$C" --node-id "a b" --org "$COUNTY"
assert_grep "$LAST_ERR" "--node-id" "bad node id names the option"
expect_exit 3 "$NODE" init --data "$C" --node-id c1 --org 43012
assert_grep "$LAST_ERR" "--org" "bad org code names the option"
[[ ! -e "$C/data.mdb" ]] || fail "init with a bad org code created a database"

new_node "$C" "$COUNTY" c1
[[ -f "$C/data.mdb" ]] || fail "init made no data.mdb in $C"
ok "$NODE" status --json --data "$C"
python3 - "$LAST_OUT" <<'EOF' || fail "status after init"
import json, sys
s = json.load(open(sys.argv[1]))
assert s["node_id"] == "c1", s
assert s["org"] == "430121", s
assert s["members"] == 0 and s["ops"] == 0 and s["pending_ops"] == 0, s
EOF
d0="$(digest_of "$C")"
expect_exit 3 "$NODE" init --data "$C" --node-id other --org 430121-02
assert_grep "$LAST_ERR" "$C" "second init names the directory"
ok "$NODE" status --json --data "$C"
python3 - "$LAST_OUT" <<'EOF' || fail "second init changed the node"
import json, sys
s = json.load(open(sys.argv[1]))
assert s["node_id"] == "c1" and s["org"] == "430121" and s["ops"] == 0, s
EOF
assert_eq "$(digest_of "$C")" "$d0" "digest after a refused second init"

# ---------------------------------------------------------------- usage errors
say "usage errors exit 2 and change nothing"
ok "$NODE" org import "$R/orgs.csv" --data "$C"
ops_before="$(ops_count "$C")"
expect_exit 2 "$NODE"
assert_grep "$LAST_ERR" "用法：zhibu-node" "no arguments prints usage on stderr (in Chinese)"
[[ ! -s "$LAST_OUT" ]] || fail "usage error wrote to stdout"
expect_exit 2 "$NODE" frobnicate --data "$C"
assert_grep "$LAST_ERR" "frobnicate" "unknown command is named"
expect_exit 2 "$NODE" member frobnicate --data "$C"
assert_grep "$LAST_ERR" "member import" "an unknown member command lists the member commands"
expect_exit 2 "$NODE" member --data "$C"
for c in "member import" "member add" "member leave" "member list"; do
  assert_grep "$LAST_ERR" "$c" "zhibu-node member alone lists $c"
done
assert_not_grep_err() { ! grep -q "$1" "$LAST_ERR" || fail "$2"; }
assert_not_grep_err "notice add" "zhibu-node member lists only member commands"
ok "$NODE" member --help
assert_grep "$LAST_OUT" "member show" "member --help lists the member commands on stdout"
ok "$NODE" --version
assert_eq "$(cat "$LAST_OUT")" "zhibu-node $(sed -n 's/^project(zhibu VERSION \([0-9.]*\).*/\1/p' "$ZB_SRC/CMakeLists.txt")" \
  "--version prints the project's version"
ok "$ZB_BIN/zhibu-server" --version
assert_grep "$LAST_OUT" "zhibu-server " "zhibu-server --version"
expect_exit 4 "$NODE" report stats --org 430121-77-77 --data "$C"
assert_grep "$LAST_ERR" "没有组织 430121-77-77" "report stats of an org that does not exist"
expect_exit 2 "$NODE" status --bogus --data "$C"
assert_grep "$LAST_ERR" "--bogus" "unknown option is named"
expect_exit 2 "$NODE" status --since 3 --data "$C"                  # another command's option
expect_exit 2 "$NODE" digest --csv --data "$C"
expect_exit 2 "$NODE" -x status --data "$C"
expect_exit 2 "$NODE" member show --data "$C"                       # missing operand
expect_exit 2 "$NODE" member update --phone 13800000000 --data "$C"
expect_exit 2 "$NODE" member import --data "$C"
expect_exit 2 "$NODE" org import --data "$C"
expect_exit 2 "$NODE" status extra --data "$C"                      # extra operand
expect_exit 2 "$NODE" member show A B --data "$C"
expect_exit 2 "$NODE" member list --data "$C" --org                 # value missing at the end
expect_exit 2 "$NODE" status --json=yes --data "$C"                 # flag given a value
expect_exit 2 "$NODE" log --since abc --data "$C"
expect_exit 2 "$NODE" log --since -1 --data "$C"
expect_exit 2 "$NODE" member update M1 --data "$C"                  # no field to change
expect_exit 2 "$NODE" status                                        # no --data, no ZHIBU_DATA
assert_grep "$LAST_ERR" "ZHIBU_DATA" "missing data directory is explained"
assert_eq "$(ops_count "$C")" "$ops_before" "ops after usage errors"
rc=0
"$NODE" status --data "$WORK/no-such-node" >/dev/null 2>"$WORK/nonode.err" || rc=$?
[[ $rc -ne 0 && $rc -ne 2 ]] || fail "status on a directory without a node: exit $rc, want a non-usage failure"
assert_grep "$WORK/nonode.err" "init" "status without a node suggests init"
[[ ! -e "$WORK/no-such-node" ]] || fail "status created the data directory"

# ---------------------------------------------------------------- --help
say "--help on every command exits 0 and prints its usage"
ok "$NODE" --help
assert_grep "$LAST_OUT" "用法：zhibu-node" "top-level --help"
commands=("init" "org import" "org list" "member import" "member add" "member update"
          "member show" "member list" "status" "log" "verify" "digest" "report stats")
for c in "${commands[@]}"; do
  # shellcheck disable=SC2086  # the command words are separate arguments
  ok "$NODE" $c --help
  assert_grep "$LAST_OUT" "用法：" "$c --help"
  assert_grep "$LAST_OUT" "zhibu-node $c" "$c --help names the command"
  assert_grep "$LAST_OUT" "$c" "$c --help"
  # --help before the words and without a data directory works too.
  # shellcheck disable=SC2086
  ok "$NODE" --help $c
  assert_grep "$LAST_OUT" "zhibu-node $c" "--help $c"
done
ok "$NODE" member import --help
assert_grep "$LAST_OUT" "文件:行号" "member import --help describes error lines"

# ---------------------------------------------------------------- org import scope
say "org import on branch- and township-scoped nodes skips and counts rows outside the scope"
for scope in "$BRANCH" "$TOWN" "$COUNTY"; do
  D="$WORK/scope-$scope"
  new_node "$D" "$scope"
  ok "$NODE" org import "$R/orgs.csv" --data "$D"
  read -r want_in want_out < <(python3 - "$R/orgs.csv" "$scope" <<'EOF'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], encoding="utf-8")))
root = sys.argv[2]
inside = [r for r in rows if r["code"] == root or r["code"].startswith(root + "-")]
print(len(inside), len(rows) - len(inside))
EOF
  )
  assert_grep "$LAST_ERR" "新增 $want_in" "org import into $scope: added count"
  assert_grep "$LAST_ERR" "本机范围以外跳过 $want_out" "org import into $scope: skipped count"
  ok "$NODE" org list --json --data "$D"
  python3 - "$LAST_OUT" "$R/orgs.csv" "$scope" <<'EOF' || fail "org list of $scope"
import csv, json, sys
got = json.load(open(sys.argv[1], encoding="utf-8"))
root = sys.argv[3]
want = [r for r in csv.DictReader(open(sys.argv[2], encoding="utf-8"))
        if r["code"] == root or r["code"].startswith(root + "-")]
assert sorted(o["code"] for o in got) == sorted(r["code"] for r in want), (got, want)
by = {o["code"]: o for o in got}
for r in want:
    for k in ("code", "name", "type", "parent_code"):
        assert by[r["code"]][k] == r[k], (k, by[r["code"]], r)
EOF
  assert_eq "$(members_count "$D")" 0 "members of $scope after org import"
done
B="$WORK/scope-$BRANCH"
ok "$NODE" org import "$R/orgs.csv" --data "$B"
assert_grep "$LAST_ERR" "新增 0，更新 0，未变 1" "org re-import into the branch node"

# ---------------------------------------------------------------- member add/show/update
say "member add / show / update round trip (Chinese text, every field)"
idf="$(idnum 43012119920229402)"       # 29 Feb 1992, 17th digit 2: a woman
ok "$NODE" member add --data "$B" --id T-1 --name 欧阳娜娜 --gender 女 --ethnicity 土家族 \
  --birth-date 1992-02-29 --id-number "$idf" --education 大学本科 --category 正式党员 \
  --join-date 2014-05-04 --full-date 2015-05-04 --org "$BRANCH" --phone 13912345678 \
  --occupation 企事业单位专业技术人员
assert_eq "$(cat "$LAST_OUT")" "T-1" "member add prints the id"
ok "$NODE" member show T-1 --json --data "$B"
is_json "$LAST_OUT" "member show --json"
python3 - "$LAST_OUT" "$idf" <<'EOF' || fail "member show after add"
import json, sys
got = json.load(open(sys.argv[1], encoding="utf-8"))
want = {"id": "T-1", "name": "欧阳娜娜", "gender": "女", "ethnicity": "土家族",
        "birth_date": "1992-02-29", "id_number": sys.argv[2], "education": "大学本科",
        "category": "正式党员", "join_date": "2014-05-04", "full_date": "2015-05-04",
        "org_code": "430121-01-01", "phone": "13912345678",
        "occupation": "企事业单位专业技术人员",
        "status": "", "leave_reason": "", "leave_date": "", "leave_note": "", "role": ""}
assert got == want, (got, want)
assert list(got) == list(want), "field order: %s" % list(got)
EOF
ok "$NODE" member show T-1 --data "$B"
assert_grep "$LAST_OUT" "欧阳娜娜" "member show (table) shows the name"
assert_grep "$LAST_OUT" "土家族" "member show (table) shows the ethnicity"

# Defaults: assigned id, the node's org, category from full_date.
idm="$(idnum 43012119850615001)"       # 17th digit 1: a man
ok "$NODE" member add --data "$B" --name 买买提·艾力 --gender 男 --birth-date 1985-06-15 \
  --id-number "$idm" --join-date 2010-07-01
auto_id="$(cat "$LAST_OUT")"
[[ -n "$auto_id" && "$auto_id" != *$'\n'* ]] || fail "member add without --id printed '$auto_id'"
ok "$NODE" member show "$auto_id" --json --data "$B"
python3 - "$LAST_OUT" "$auto_id" <<'EOF' || fail "member add defaults"
import json, sys
m = json.load(open(sys.argv[1], encoding="utf-8"))
assert m["id"] == sys.argv[2], m
assert m["name"] == "买买提·艾力", m
assert m["org_code"] == "430121-01-01", m
assert m["category"] == "预备党员" and m["full_date"] == "", m
assert m["ethnicity"] == "" and m["phone"] == "", m
EOF
idm2="$(idnum 43012119800101003)"
ok "$NODE" member add --data "$B" --id T-3 --name 王五 --gender 男 --birth-date 1980-01-01 \
  --id-number "$idm2" --join-date 2005-03-01 --full-date 2006-03-01
ok "$NODE" member show T-3 --json --data "$B"
python3 -c 'import json,sys; m=json.load(open(sys.argv[1])); assert m["category"]=="正式党员", m' \
  "$LAST_OUT" || fail "member add with --full-date and no --category should be 正式党员"

ops1="$(ops_count "$B")"
dig1="$(digest_of "$B")"
expect_exit 3 "$NODE" member add --data "$B" --id T-1 --name 赵六 --gender 男 --birth-date 1980-01-01 \
  --id-number "$(idnum 43012119800101005)" --join-date 2005-03-01
assert_grep "$LAST_ERR" "T-1" "duplicate id is named"
bad="$(python3 -c 'import sys; s=sys.argv[1]; print(s[:17] + ("0" if s[17] != "0" else "1"))' "$idm")"
expect_exit 3 "$NODE" member add --data "$B" --name 赵六 --gender 男 --birth-date 1985-06-15 \
  --id-number "$bad" --join-date 2010-07-01
assert_grep "$LAST_ERR" "--id-number" "wrong check digit names the option"
expect_exit 3 "$NODE" member add --data "$B" --name 赵六 --gender 男 --birth-date 1980-01-01 \
  --id-number "$idm2" --join-date 2005-03-01                # id_number already used by T-3
expect_exit 3 "$NODE" member add --data "$B" --name 赵六 --gender 男 --birth-date 1985-06-15 \
  --id-number "$(idnum 43012119850615011)" --join-date 2010-07-01 --org "$SIBLING"
assert_eq "$(ops_count "$B")" "$ops1" "ops after refused adds"
assert_eq "$(digest_of "$B")" "$dig1" "digest after refused adds"

ok "$NODE" member update T-1 --phone 13700001111 --education 研究生 --data "$B"
assert_eq "$(ops_count "$B")" "$((ops1 + 1))" "one op per update"
ok "$NODE" member show T-1 --json --data "$B"
python3 - "$LAST_OUT" "$idf" <<'EOF' || fail "member show after update"
import json, sys
m = json.load(open(sys.argv[1], encoding="utf-8"))
assert m["phone"] == "13700001111" and m["education"] == "研究生", m
assert m["name"] == "欧阳娜娜" and m["id_number"] == sys.argv[2] and m["full_date"] == "2015-05-04", m
EOF
ok "$NODE" log --json --since "$ops1" --data "$B"
python3 - "$LAST_OUT" "$ops1" <<'EOF' || fail "log of the update"
import json, sys
ops = json.load(open(sys.argv[1], encoding="utf-8"))
assert len(ops) == 1, ops
op = ops[0]
assert op["seq"] == int(sys.argv[2]) + 1 and op["key"] == "T-1" and op["kind"] == "member", op
assert sorted(op["fields"]) == ["education", "phone"], op
# The log shows field names, never values (personal data).
assert "13700001111" not in open(sys.argv[1], encoding="utf-8").read()
EOF
ok "$NODE" member update T-1 --phone 13700001111 --data "$B"
assert_eq "$(ops_count "$B")" "$((ops1 + 1))" "an update to the same value writes no op"
expect_exit 4 "$NODE" member update NOPE-1 --phone 13800000000 --data "$B"
assert_grep "$LAST_ERR" "NOPE-1" "update of an unknown id names it"
expect_exit 3 "$NODE" member update T-1 --phone 1370000111 --data "$B"
expect_exit 3 "$NODE" member update T-1 --id T-9 --data "$B"
expect_exit 3 "$NODE" member update T-1 --category 预备党员 --data "$B"   # full_date still set
rc=0
"$NODE" member update T-1 --org "$SIBLING" --data "$B" >/dev/null 2>&1 || rc=$?
[[ $rc -eq 3 || $rc -eq 6 ]] || fail "moving a member outside the node's scope: exit $rc, want 3 or 6"
assert_eq "$(ops_count "$B")" "$((ops1 + 1))" "ops after refused updates"
ok "$NODE" member show T-1 --json --data "$B"
python3 -c 'import json,sys; m=json.load(open(sys.argv[1])); assert m["phone"]=="13700001111" and m["org_code"]=="430121-01-01" and m["category"]=="正式党员", m' \
  "$LAST_OUT" || fail "refused updates changed the member"

# ---------------------------------------------------------------- scope refusals
say "show outside the scope -> 4, list --org outside the scope -> 6"
expect_exit 4 "$NODE" member show NOPE-1 --data "$B"
expect_exit 6 "$NODE" member list --org "$SIBLING" --data "$B"
assert_grep "$LAST_ERR" "$SIBLING" "list --org outside the scope names the org"
expect_exit 6 "$NODE" member list --org 430121-01 --data "$B"          # an ancestor
expect_exit 6 "$NODE" member list --org 430121-01-011 --data "$B"      # a prefix, not a child
expect_exit 6 "$NODE" report stats --org "$SIBLING" --json --data "$B"
[[ ! -s "$LAST_OUT" ]] || fail "refused report stats wrote to stdout"
ok "$NODE" member list --org "$BRANCH" --json --data "$B"
python3 -c 'import json,sys; assert sorted(m["id"] for m in json.load(open(sys.argv[1])))==sorted(sys.argv[2:])' \
  "$LAST_OUT" T-1 T-3 "$auto_id" || fail "member list --org of the node's own org"
# A branch node refuses a roster with members of other branches, all or
# nothing.
rosterB="$WORK/branch-roster.csv"
python3 - "$R/members.csv" "$rosterB" <<'EOF'
import sys
lines = open(sys.argv[1], encoding="utf-8").read().splitlines(True)
own = [l for l in lines[1:] if ",430121-01-01," in l][:5]
other = [l for l in lines[1:] if ",430121-01-02," in l][:1]
assert len(own) == 5 and len(other) == 1
open(sys.argv[2], "w", encoding="utf-8").write("".join([lines[0]] + own + other))
EOF
expect_exit 3 "$NODE" member import "$rosterB" --data "$B"
assert_grep "$LAST_ERR" "$rosterB:7: org_code" "the out-of-scope row is reported"
assert_eq "$(ops_count "$B")" "$((ops1 + 1))" "ops after a refused branch import"
other_id="$(sed -n 7p "$rosterB" | cut -d, -f1)"
expect_exit 4 "$NODE" member show "$other_id" --data "$B"

# A member stored outside the node's scope (here: a township node's store
# whose node org is then narrowed to one branch with mdb_load) must still
# not be shown or listed: the read side checks the scope itself.
T="$WORK/town"
new_node "$T" 430121-01
ok "$NODE" org import "$R/orgs.csv" --data "$T"
python3 - "$R/members.csv" "$WORK/town.csv" <<'EOF'
import sys
lines = open(sys.argv[1], encoding="utf-8").read().splitlines(True)
keep = [l for l in lines[1:] if ",430121-01-01," in l or ",430121-01-02," in l]
open(sys.argv[2], "w", encoding="utf-8").write("".join([lines[0]] + keep))
EOF
ok "$NODE" member import "$WORK/town.csv" --data "$T"
sib_id="$(grep -m1 ",430121-01-02," "$WORK/town.csv" | cut -d, -f1)"
own_id="$(grep -m1 ",430121-01-01," "$WORK/town.csv" | cut -d, -f1)"
ok "$NODE" member show "$sib_id" --data "$T"
{
  printf 'VERSION=3\nformat=bytevalue\ntype=btree\nHEADER=END\n'
  printf ' %s\n %s\n' "$(printf org | od -An -tx1 | tr -d ' \n')" \
    "$(printf %s "$BRANCH" | od -An -tx1 | tr -d ' \n')"
  printf 'DATA=END\n'
} >"$WORK/meta.dump"
mdb_load -s meta -f "$WORK/meta.dump" "$T" || fail "mdb_load of meta failed"
ok "$NODE" status --json --data "$T"
python3 -c 'import json,sys; assert json.load(open(sys.argv[1]))["org"]=="430121-01-01"' "$LAST_OUT" \
  || fail "narrowing the node's org with mdb_load did not take"
expect_exit 4 "$NODE" member show "$sib_id" --data "$T"
ok "$NODE" member show "$own_id" --data "$T"
ok "$NODE" member list --json --data "$T"
python3 - "$LAST_OUT" <<'EOF' || fail "member list of a narrowed node shows members outside its scope"
import json, sys
ms = json.load(open(sys.argv[1], encoding="utf-8"))
assert ms and all(m["org_code"] == "430121-01-01" for m in ms), [m["org_code"] for m in ms if m["org_code"] != "430121-01-01"][:3]
EOF

# ---------------------------------------------------------------- list vs roster
say "member list --json of a 2,000-member roster equals the CSV, field by field"
ok "$NODE" member import "$R/members.csv" --data "$C"
assert_grep "$LAST_ERR" "2000 行：新增 2000，更新 0，未变 0" "import summary"
assert_eq "$(members_count "$C")" 2000 "members after import"
ok "$NODE" member list --json --data "$C"
is_json "$LAST_OUT" "member list --json"
python3 - "$LAST_OUT" "$R/members.csv" <<'EOF' || fail "member list --json differs from the roster"
import csv, json, sys
got = json.load(open(sys.argv[1], encoding="utf-8"))
with open(sys.argv[2], encoding="utf-8", newline="") as f:
    rd = csv.DictReader(f)
    header = rd.fieldnames
    want = {r["id"]: r for r in rd}
assert isinstance(got, list), type(got)
ids = [m["id"] for m in got]
assert ids == sorted(ids), "not in id order"
assert len(ids) == len(set(ids)), "an id listed twice"
assert set(ids) == set(want), "ids differ: %d listed, %d in the roster" % (len(ids), len(want))
leave = ["status", "leave_reason", "leave_date", "leave_note", "role"]   # leave's, and the role
for m in got:
    assert list(m) == header + leave, ("keys", list(m), header)
    assert all(m[k] == "" for k in leave), (m["id"], [m[k] for k in leave])
    w = want[m["id"]]
    for k in header:
        assert isinstance(m[k], str), (m["id"], k, m[k])
        # Byte for byte: same UTF-8 encoding of the same text.
        assert m[k].encode("utf-8") == w[k].encode("utf-8"), (m["id"], k, m[k], w[k])
print("compared", len(got), "members x", len(header), "fields")
EOF
ok "$NODE" member list --data "$C"
assert_eq "$(tail -n 1 "$LAST_OUT")" "共 2000 条党员" "member list (table) count line"
ok "$NODE" member list --org "$TOWN" --json --data "$C"
python3 - "$LAST_OUT" "$R/members.csv" <<'EOF' || fail "member list --org $TOWN"
import csv, json, sys
got = sorted(m["id"] for m in json.load(open(sys.argv[1], encoding="utf-8")))
want = sorted(r["id"] for r in csv.DictReader(open(sys.argv[2], encoding="utf-8"))
              if r["org_code"].startswith("430121-02-"))
assert want and got == want, (len(got), len(want))
EOF

say "member list --csv re-imports to the same digest, and to 0 added/0 updated"
ok "$NODE" member list --csv --lang en --data "$C"
cp "$LAST_OUT" "$WORK/list.csv"
python3 - "$WORK/list.csv" "$R/members.csv" <<'EOF' || fail "member list --csv differs from the roster"
import csv, sys
def rows(p):
    with open(p, encoding="utf-8", newline="") as f:
        rd = csv.reader(f)
        h = next(rd)
        return h, {r[0]: r for r in rd}
gh, got = rows(sys.argv[1])
wh, want = rows(sys.argv[2])
# The roster's columns, then the four that only member leave sets and the
# committee role (all empty).
n = len(wh)
assert gh == wh + ["status", "leave_reason", "leave_date", "leave_note", "role"], (gh, wh)
assert all(r[n:] == ["", "", "", "", ""] for r in got.values()), "leave columns not empty"
assert {k: r[:n] for k, r in got.items()} == want, "rows differ"
EOF
dC="$(digest_of "$C")"
opsC="$(ops_count "$C")"
F="$WORK/fresh"
new_node "$F" "$COUNTY" f1
ok "$NODE" org import "$R/orgs.csv" --data "$F"
ok "$NODE" member import "$WORK/list.csv" --data "$F"
assert_eq "$(digest_of "$F")" "$dC" "digest of a node loaded from member list --csv"
ok "$NODE" member import "$WORK/list.csv" --data "$C"
assert_grep "$LAST_ERR" "2000 行：新增 0，更新 0，未变 2000" "re-import into the same node"
assert_eq "$(ops_count "$C")" "$opsC" "ops after re-importing the node's own list"
assert_eq "$(digest_of "$C")" "$dC" "digest after re-importing the node's own list"

# ---------------------------------------------------------------- JSON-only stdout
say "--json outputs are one JSON value and nothing else on stdout"
first_id="$(sed -n 2p "$R/members.csv" | cut -d, -f1)"
json_cmds=("status" "member show $first_id" "member list" "member list --org $TOWN" "org list"
           "log" "log --since 2000" "digest" "verify" "report stats" "report stats --as-of 2000-01-01")
for c in "${json_cmds[@]}"; do
  # shellcheck disable=SC2086
  ok "$NODE" $c --json --data "$C"
  is_json "$LAST_OUT" "$c --json"
done
ok "$NODE" log --since 2000 --json --data "$C"
python3 - "$LAST_OUT" "$opsC" <<'EOF' || fail "log --since --json"
import json, sys
ops = json.load(open(sys.argv[1]))
assert [o["seq"] for o in ops] == list(range(2001, int(sys.argv[2]) + 1)), [o["seq"] for o in ops][:5]
EOF
ok "$NODE" digest --json --data "$C"
python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); assert j["digest"]==sys.argv[2] and j["org"]=="430121", j' \
  "$LAST_OUT" "$dC" || fail "digest --json disagrees with digest"
ok "$NODE" verify --json --data "$C"
python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); assert j["ok"] is True and j["ops"]==int(sys.argv[2]), j' \
  "$LAST_OUT" "$opsC" || fail "verify --json"

# ---------------------------------------------------------------- option placement
say "options before, between and after the command words give the same output"
ok "$NODE" member list --json --data "$C"
cp "$LAST_OUT" "$WORK/l1"
for form in "--data $C --json member list" "member --json list --data $C" "--json member list --data=$C"; do
  # shellcheck disable=SC2086
  ok "$NODE" $form
  cmp -s "$WORK/l1" "$LAST_OUT" || fail "'$form' gives other output than 'member list --json --data DIR'"
done
ok "$NODE" member show "$first_id" --json --data "$C"
cp "$LAST_OUT" "$WORK/s1"
ok "$NODE" --data "$C" member --json show "$first_id"
cmp -s "$WORK/s1" "$LAST_OUT" || fail "member show with options first differs"
ok "$NODE" --org "$TOWN" --csv --data "$C" member list
ok "$NODE" member list --org "$TOWN" --csv --data "$C"
cp "$LAST_OUT" "$WORK/c2"
ok "$NODE" --org="$TOWN" member list --data "$C" --csv
cmp -s "$WORK/c2" "$LAST_OUT" || fail "member list --org/--csv placement changes the output"

# ---------------------------------------------------------------- ZHIBU_DATA
say "ZHIBU_DATA stands in for --data; --data wins over it"
ZHIBU_DATA="$C" ok "$NODE" member list --json
cmp -s "$WORK/l1" "$LAST_OUT" || fail "ZHIBU_DATA gives other output than --data"
ZHIBU_DATA="$C" ok "$NODE" digest
assert_eq "$(cat "$LAST_OUT")" "$dC" "digest via ZHIBU_DATA"
ZHIBU_DATA="$WORK/no-such-node" ok "$NODE" digest --data "$C"
assert_eq "$(cat "$LAST_OUT")" "$dC" "--data overrides ZHIBU_DATA"
ZHIBU_DATA="$B" ok "$NODE" member show T-1 --json
python3 -c 'import json,sys; assert json.load(open(sys.argv[1]))["name"]=="欧阳娜娜"' "$LAST_OUT" \
  || fail "member show via ZHIBU_DATA"
Z="$WORK/znode"
ZHIBU_DATA="$Z" ok "$NODE" init --node-id z1 --org "$BRANCH"
[[ -f "$Z/data.mdb" ]] || fail "init via ZHIBU_DATA made no node in $Z"

say "verify passes on every node used above"
for d in "$C" "$B" "$F" "$Z"; do
  ok "$NODE" verify --data "$d"
done
