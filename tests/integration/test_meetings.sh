#!/usr/bin/env bash
# Meetings (三会一课; docs/RECORDS.md, "Meetings") over the real server and
# mutual TLS: a township with two branches records a year of meetings and
# attendance; `report meetings` at the branch's node, the township's node
# and the server equal an independent computation (Python, below) of held
# against required per type, the periods without a meeting, the
# attendance rate and the meetings without their quorum — at its
# boundary: exactly half of the full members entitled to vote present is
# flagged, one more is not; the same for a 支委会 and its committee members
# (member role).  An attendance entry written at two nodes is one entry
# after sync; digests converge.
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
gen_roster "$R" --townships 1 --branches 2 --members 24 --seed 9
YEAR="$(date -u +%Y)"
TODAY="$(date -u +%Y-%m-%d)"

say "a server, a township and one of its branches; members in both branches"
ok "$SERVER" init --data "$SRV"
ok "$SERVER" org import "$R/orgs.csv" --data "$SRV"
for n in t01:$T1 b0101:$B1; do conv_enroll "$SRV" "$WORK/${n%%:*}" "${n%%:*}" "${n#*:}"; done
conv_start_server "$SRV" "$LOG"
conv_sync "$WORK/t01"
ok "$NODE" member import "$R/members.csv" --data "$WORK/t01"
conv_sync "$WORK/t01"
conv_sync "$WORK/b0101"

say "the branch committee: roles (书记, 副书记, 委员)"
ok "$NODE" member list --org "$B1" --json --data "$WORK/b0101"
cp "$LAST_OUT" "$WORK/b1.json"
read -r C1 C2 C3 <<<"$(python3 -c '
import json, sys
ms = sorted(json.load(open(sys.argv[1], encoding="utf-8")), key=lambda m: m["id"])
print(*[m["id"] for m in ms[:3]])' "$WORK/b1.json")"
ok "$NODE" member update "$C1" --role secretary --data "$WORK/b0101"
ok "$NODE" member update "$C2" --role 副书记 --data "$WORK/b0101"
ok "$NODE" member update "$C3" --role 委员 --data "$WORK/b0101"
expect_exit 3 "$NODE" member update "$C3" --role 主任 --data "$WORK/b0101"

say "a year of meetings in both branches (the plan is the test's own)"
python3 - "$YEAR" "$TODAY" "$WORK/b1.json" "$C1,$C2,$C3" >"$WORK/plan.tsv" <<'PY'
import json, random, sys, datetime
year, today = int(sys.argv[1]), datetime.date.fromisoformat(sys.argv[2])
rnd = random.Random(4)
types = ["branch_general", "committee", "group", "lecture", "theme_day", "life_meeting", "evaluation"]
for org, node in (("430121-01-01", "b0101"), ("430121-01-02", "t01")):
    for t in types:
        for month in range(1, 13):
            d = datetime.date(year, month, rnd.randint(1, 27))
            if d > today or rnd.random() < 0.45:
                continue
            print(node, org, t, d.isoformat(), sep="\t")
PY
[[ -s "$WORK/plan.tsv" ]] || fail "the plan has no meetings"
while IFS=$'\t' read -r node org type day; do
  ok "$NODE" meeting add --org "$org" --type "$type" --date "$day" --topic 学习 --data "$WORK/$node"
  printf '%s\t%s\t%s\t%s\n' "$(cat "$LAST_OUT")" "$org" "$type" "$day" >>"$WORK/meetings.tsv"
done <"$WORK/plan.tsv"

say "quorum at its boundary: exactly half is flagged, more than half is not"
# Two branch general meetings and two committee meetings of branch 01 on
# one day: attendance of exactly half, and of one more.
QDAY="$YEAR-01-15"
for q in half more; do
  ok "$NODE" meeting add --org "$B1" --type 支部党员大会 --date "$QDAY" --topic "法定人数 $q" \
    --data "$WORK/b0101"
  printf '%s\t%s\t%s\t%s\n' "$(cat "$LAST_OUT")" "$B1" branch_general "$QDAY" >>"$WORK/meetings.tsv"
  eval "G_$q=$(cat "$LAST_OUT")"
  ok "$NODE" meeting add --org "$B1" --type 支委会 --date "$QDAY" --topic "支委 $q" --data "$WORK/b0101"
  printf '%s\t%s\t%s\t%s\n' "$(cat "$LAST_OUT")" "$B1" committee "$QDAY" >>"$WORK/meetings.tsv"
  eval "K_$q=$(cat "$LAST_OUT")"
done
read -r -a ENT <<<"$(python3 - "$WORK/b1.json" "$QDAY" <<'PY'
import json, sys
ms = json.load(open(sys.argv[1], encoding="utf-8"))
d = sys.argv[2]
ent = sorted(m["id"] for m in ms if m["category"] == "正式党员" and m["full_date"] <= d
             and m["join_date"] <= d)
print(*ent)
PY
)"
(( ${#ENT[@]} >= 4 )) || fail "too few full members entitled to vote (${#ENT[@]})"
HALF=$(( ${#ENT[@]} / 2 ))
[[ $(( ${#ENT[@]} % 2 )) -eq 0 ]] || HALF=$(( (${#ENT[@]} - 1) / 2 ))   # at most half
attend() {   # attend MEETING STATUS NODE MEMBER…
  local m=$1 st=$2 node=$3
  shift 3
  for x in "$@"; do
    ok "$NODE" meeting attendance "$m" --member-id "$x" --attendance "$st" --data "$WORK/$node"
    printf '%s\t%s\t%s\n' "$m" "$x" "$st" >>"$WORK/attendance.tsv"
  done
}
: >"$WORK/attendance.tsv"
attend "$G_half" present b0101 "${ENT[@]:0:HALF}"
attend "$G_half" absent b0101 "${ENT[@]:HALF}"
attend "$G_more" present b0101 "${ENT[@]:0:HALF+1}"
attend "$G_more" excused b0101 "${ENT[@]:HALF+1}"
attend "$K_half" present b0101 "$C1"
attend "$K_half" absent b0101 "$C2" "$C3"
attend "$K_more" present b0101 "$C1" "$C2"
expect_exit 3 "$NODE" meeting attendance "$G_half" --member-id "$C1" --attendance 迟到 \
  --data "$WORK/b0101"

say "one attendance entry written at two nodes is one entry"
conv_sync "$WORK/b0101"
conv_sync "$WORK/t01"
ok "$NODE" meeting attendance "$K_more" --member-id "$C3" --attendance excused --data "$WORK/b0101"
ok "$NODE" meeting attendance "$K_more" --member-id "$C3" --attendance absent --data "$WORK/t01"
for n in b0101 t01 b0101 t01; do conv_sync "$WORK/$n"; done
for n in b0101 t01; do
  ok "$NODE" meeting show "$K_more" --json --data "$WORK/$n"
  python3 - "$LAST_OUT" "$C3" <<'PY' || fail "$n: one entry for $C3"
import json, sys
m = json.load(open(sys.argv[1], encoding="utf-8"))
rows = [a for a in m["facts"]["attendance"] if a["member_id"] == sys.argv[2]]
assert len(rows) == 1 and rows[0]["attendance"] == "请假", rows
PY
done
printf '%s\t%s\t%s\n' "$K_more" "$C3" excused >>"$WORK/attendance.tsv"

say "report meetings equals an independent computation, at the node, the township and the server"
ok "$NODE" member list --org "$T1" --json --data "$WORK/t01"
cp "$LAST_OUT" "$WORK/members.json"
ok "$NODE" report meetings --org "$B1" --json --data "$WORK/b0101"
cp "$LAST_OUT" "$WORK/node.json"
ok "$NODE" report meetings --json --data "$WORK/t01"
cp "$LAST_OUT" "$WORK/town.json"
ok "$SERVER" report meetings --org "$T1" --json --data "$SRV"
cp "$LAST_OUT" "$WORK/server.json"
python3 - "$WORK" "$YEAR" "$TODAY" "$C1,$C2,$C3" <<'PY' || fail "report meetings"
import json, sys, datetime
w, year, today = sys.argv[1], int(sys.argv[2]), datetime.date.fromisoformat(sys.argv[3])
committee = set(sys.argv[4].split(","))
zh = {"branch_general": "支部党员大会", "committee": "支委会", "group": "党小组会", "lecture": "党课",
      "theme_day": "主题党日", "life_meeting": "组织生活会", "evaluation": "民主评议"}
every = {"branch_general": 3, "committee": 1, "group": 1, "lecture": 3, "theme_day": 1,
         "life_meeting": 12, "evaluation": 12}
members = json.load(open(f"{w}/members.json", encoding="utf-8"))
meetings = [l.rstrip("\n").split("\t") for l in open(f"{w}/meetings.tsv", encoding="utf-8")]
att = {}
for l in open(f"{w}/attendance.tsv", encoding="utf-8"):
    m, x, st = l.rstrip("\n").split("\t")
    att.setdefault(m, {})
    att[m].setdefault(x, st)          # the first entry of a member counts
last = today.month if today.year == year else 12
want = {}
for org in ("430121-01-01", "430121-01-02"):
    mine = [m for m in meetings if m[1] == org]
    types = {}
    for key, t in zh.items():
        months = {int(m[3][5:7]) for m in mine if m[2] == key}
        missing, req = [], 0
        for first in range(1, 13, every[key]):
            if first > last:
                break
            req += 1
            if not any(first <= mo < first + every[key] for mo in months):
                missing.append(f"{year}-{first:02d}" if every[key] == 1 else
                               f"{year}-Q{(first + 2) // 3}" if every[key] == 3 else f"{year}")
        types[t] = {"key": key, "held": sum(1 for m in mine if m[2] == key), "required": req,
                    "missing": missing}
    rec = [st for m in mine for st in att.get(m[0], {}).values()]
    rate = (sum(1 for s in rec if s == "present") / len(rec)) if rec else None
    flagged = []
    for m in mine:
        if m[2] not in ("branch_general", "committee"):
            continue
        d = m[3]
        ms = [x for x in members if x["org_code"] == org and x["join_date"] <= d]
        if m[2] == "branch_general":
            base = {x["id"] for x in ms if x["category"] == "正式党员" and x["full_date"] <= d}
        else:
            base = {x["id"] for x in ms if x["id"] in committee}
        present = sum(1 for x, st in att.get(m[0], {}).items() if st == "present" and x in base)
        if 2 * present <= len(base):
            flagged.append(m[0])
    want[org] = (types, rate, sorted(flagged), len(mine))
def check(path, orgs):
    got = json.load(open(path, encoding="utf-8"))
    assert got["year"] == year, got["year"]
    bs = {b["org_code"]: b for b in got["branches"]}
    assert sorted(bs) == sorted(orgs), (path, sorted(bs))
    for org in orgs:
        types, rate, flagged, n = want[org]
        b = bs[org]
        assert b["meetings"] == n, (path, org, b["meetings"], n)
        assert b["types"] == types, (path, org, b["types"], types)
        assert (b["attendance_rate"] is None) == (rate is None), (path, org)
        if rate is not None:
            assert abs(b["attendance_rate"] - rate) < 1e-9, (path, org, b["attendance_rate"], rate)
        assert sorted(f["id"] for f in b["flagged"]) == flagged, (path, org, b["flagged"], flagged)
check(f"{w}/node.json", ["430121-01-01"])
check(f"{w}/town.json", ["430121-01-01", "430121-01-02"])
check(f"{w}/server.json", ["430121-01-01", "430121-01-02"])
PY
python3 - "$WORK/node.json" "$G_half" "$G_more" "$K_half" "$K_more" <<'PY' || fail "the quorum boundary"
import json, sys
b = json.load(open(sys.argv[1], encoding="utf-8"))["branches"][0]
flagged = {f["id"] for f in b["flagged"]}
assert sys.argv[2] in flagged and sys.argv[4] in flagged, flagged
assert sys.argv[3] not in flagged and sys.argv[5] not in flagged, flagged
PY
ok "$NODE" report meetings --data "$WORK/t01"
assert_grep "$LAST_OUT" "不足法定人数" "the table names meetings without their quorum"
expect_exit 2 "$NODE" report meetings --year 20x6 --data "$WORK/t01"
expect_exit 4 "$SERVER" report meetings --org 430121-01-77 --data "$SRV"

for n in t01:$T1 b0101:$B1; do
  conv_assert_converged "$SRV" "$WORK/${n%%:*}" "${n#*:}" "${n%%:*}"
  ok "$NODE" verify --data "$WORK/${n%%:*}"
done
ok "$SERVER" verify --data "$SRV"
conv_stop_server
say "ok"
