#!/usr/bin/env bash
# The balance of a year (`report balance`, docs/RECORDS.md, "The balance of
# a year") and the members developed in a period (`report stats`
# "joined"), against an independent computation in python from the
# generated roster and the leaves recorded here:
#   - a county node with 400 generated members, 30 of whom leave on dates
#     spread over the years, for every reason (出党 too: the county is the
#     committee above);
#   - for the county, a township and a branch, and for every year from
#     2012 to this one: start, joined, left by reason and end equal
#     python's; start + in − out = end; last year's end is this year's
#     start; no member is listed behind a gap;
#   - the server, after the county syncs, gives the same JSON for every
#     scope; a branch node gives the same for its own;
#   - --csv and the Chinese table agree with --json; report stats' "joined"
#     equals python's count for several periods;
#   - an org outside a node's scope exits 6, one that does not exist 4, a
#     bad --year 3.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
conv_setup

SRV="$WORK/srv"
LOG="$WORK/server.log"
show_logs_on_failure "$LOG"
R="$WORK/roster"
C="$WORK/county"
B="$WORK/branch"
gen_roster "$R" --townships 2 --branches 2 --members 400 --seed 21
TODAY="$(date +%Y-%m-%d)"
YEAR="${TODAY%%-*}"

say "a server, a county node with the roster, a branch node"
ok "$SERVER" init --data "$SRV"
ok "$SERVER" org import "$R/orgs.csv" --data "$SRV"
conv_enroll "$SRV" "$C" c430121 430121
conv_enroll "$SRV" "$B" b0102 430121-01-02
ok "$NODE" org import "$R/orgs.csv" --data "$C"
ok "$NODE" member import "$R/members.csv" --data "$C"

say "30 members leave, on dates spread from their joining to today, for every reason"
python3 - "$R/members.csv" "$TODAY" "$WORK/leaves.csv" <<'EOF'
import csv, datetime, random, sys
rows = list(csv.DictReader(open(sys.argv[1], encoding="utf-8", newline="")))
today = datetime.date.fromisoformat(sys.argv[2])
rng = random.Random(21)
reasons = ["去世", "出党", "停止党籍", "退党", "转出系统外"]
picked = rng.sample(rows, 30)
with open(sys.argv[3], "w", encoding="utf-8", newline="") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(["id", "reason", "date"])
    for i, m in enumerate(picked):
        join = datetime.date.fromisoformat(m["join_date"])
        # Half of them within the last five years, where the balances look.
        lo = max(join, today - datetime.timedelta(days=5 * 365)) if i % 2 else join
        d = lo + datetime.timedelta(days=rng.randrange((today - lo).days + 1))
        if i == 0:
            d = join          # leaving on the day of joining: never counted
        if i == 1:
            d = today
        w.writerow([m["id"], reasons[i % 5], d.isoformat()])
EOF
while IFS=, read -r id reason date; do
  [[ $id == id ]] && continue
  ok "$NODE" member leave "$id" --reason "$reason" --date "$date" --data "$C"
done <"$WORK/leaves.csv"

# The independent computation: python's balance for (scope, year).
cat >"$WORK/expect.py" <<'EOF'
import csv, datetime, json, sys

REASONS = ["去世", "出党", "停止党籍", "退党", "转出系统外"]

def load(members, leaves):
    ms = list(csv.DictReader(open(members, encoding="utf-8", newline="")))
    left = {r["id"]: r for r in csv.DictReader(open(leaves, encoding="utf-8", newline=""))}
    for m in ms:
        l = left.get(m["id"])
        m["leave_reason"], m["leave_date"] = (l["reason"], l["date"]) if l else ("", "")
    return ms

def d(s):
    return datetime.date.fromisoformat(s)

def member_on(m, on):
    # Joined by then, and not left by then (counted up to the day before).
    return d(m["join_date"]) <= on and not (m["leave_date"] and d(m["leave_date"]) <= on)

def balance(ms, scope, year):
    ms = [m for m in ms if m["org_code"] == scope or m["org_code"].startswith(scope + "-")]
    s_on, e_on = datetime.date(year - 1, 12, 31), datetime.date(year, 12, 31)
    out = {r: 0 for r in REASONS}
    for m in ms:
        if m["leave_date"] and d(m["leave_date"]).year == year:
            out[m["leave_reason"]] += 1
    b = {"org": scope, "year": year, "start_date": s_on.isoformat(), "end_date": e_on.isoformat(),
         "start": sum(member_on(m, s_on) for m in ms),
         "in": {"joined": sum(d(m["join_date"]).year == year for m in ms),
                "transferred_in": 0}}
    b["in_total"] = b["in"]["joined"]
    out["transferred_out"] = 0
    b["out"] = out
    b["out_total"] = sum(out.values())
    b["end"] = sum(member_on(m, e_on) for m in ms)
    b["gap"] = b["start"] + b["in_total"] - b["out_total"] - b["end"]
    b["balanced"] = b["gap"] == 0
    b["gap_members"] = []
    return b

def joined(ms, scope, frm, to):
    return sum(1 for m in ms if (m["org_code"] == scope or m["org_code"].startswith(scope + "-"))
               and frm <= m["join_date"] <= to)

if __name__ == "__main__":
    mode = sys.argv[1]
    ms = load(sys.argv[2], sys.argv[3])
    if mode == "balance":
        got = json.load(open(sys.argv[4], encoding="utf-8"))
        want = balance(ms, sys.argv[5], int(sys.argv[6]))
        if got != want or list(got) != list(want):
            sys.exit("report balance --org %s --year %s:\n got  %s\n want %s" % (
                sys.argv[5], sys.argv[6], json.dumps(got, ensure_ascii=False),
                json.dumps(want, ensure_ascii=False)))
        print("    %s %s: %d + %d - %d = %d" % (sys.argv[5], sys.argv[6], want["start"],
                                              want["in_total"], want["out_total"], want["end"]))
    elif mode == "joined":
        got = json.load(open(sys.argv[4], encoding="utf-8"))["joined"]
        want = joined(ms, sys.argv[5], sys.argv[6], sys.argv[7])
        if got != want:
            sys.exit("report stats joined %s..%s of %s: got %d, want %d" % (
                sys.argv[6], sys.argv[7], sys.argv[5], got, want))
EOF
py() { python3 "$WORK/expect.py" "$1" "$R/members.csv" "$WORK/leaves.csv" "${@:2}"; }

say "report balance --json equals python's, at the county node, for three scopes and every year since 2012"
SCOPES=(430121 430121-02 430121-01-02)
for scope in "${SCOPES[@]}"; do
  prev_end=
  for ((y = 2012; y <= YEAR; y++)); do
    ok "$NODE" report balance --org "$scope" --year "$y" --json --data "$C"
    is_json "$LAST_OUT" "report balance --json"
    cp "$LAST_OUT" "$WORK/c-$scope-$y.json"
    py balance "$WORK/c-$scope-$y.json" "$scope" "$y" >/dev/null || fail "county node, $scope, $y"
    start="$(conv_json_field "$WORK/c-$scope-$y.json" start)"
    [[ -z "$prev_end" || "$prev_end" == "$start" ]] ||
      fail "$scope: the end of $((y - 1)) ($prev_end) is not the start of $y ($start)"
    prev_end="$(conv_json_field "$WORK/c-$scope-$y.json" end)"
  done
done
py balance "$WORK/c-430121-$YEAR.json" 430121 "$YEAR"
# The leaves lie in the years looked at: some "out" is not zero.
python3 - "$WORK" "$YEAR" <<'EOF' || fail "the leaves show in the balances"
import glob, json, sys
outs = sum(json.load(open(p))["out_total"] for p in glob.glob(sys.argv[1] + "/c-430121-*.json"))
assert outs >= 10, outs
EOF
# The default year is this one; the default org the node's.
ok "$NODE" report balance --json --data "$C"
cp "$LAST_OUT" "$WORK/default.json"
cmp -s "$WORK/default.json" "$WORK/c-430121-$YEAR.json" || fail "report balance without --org and --year"

say "the Chinese table and the CSV agree with the JSON"
ok "$NODE" report balance --org 430121 --year "$YEAR" --data "$C"
cp "$LAST_OUT" "$WORK/table.txt"
ok "$NODE" report balance --org 430121 --year "$YEAR" --csv --data "$C"
assert_eq "$(head -n 1 "$LAST_OUT")" $'\xef\xbb\xbf项目,分类,人数' "report balance --csv: Chinese by default"
assert_grep "$LAST_OUT" "增加,发展党员（本年入党）," "report balance --csv: Chinese rows"
ok "$NODE" report balance --org 430121 --year "$YEAR" --data "$C" --lang en
assert_grep "$LAST_OUT" "Members in and out: 430121, $YEAR" "report balance --lang en: the title"
assert_grep "$LAST_OUT" "in: joined the Party this year" "report balance --lang en: the rows"
assert_grep "$LAST_OUT" "out: died" "report balance --lang en: the leave reasons"
grep -q "党员" "$LAST_OUT" && fail "report balance --lang en has Chinese labels"
ok "$NODE" report balance --org 430121 --year "$YEAR" --csv --lang en --data "$C"
cp "$LAST_OUT" "$WORK/b.csv"
python3 - "$WORK/c-430121-$YEAR.json" "$WORK/b.csv" "$WORK/table.txt" <<'EOF' || fail "table and CSV"
import csv, json, re, sys
j = json.load(open(sys.argv[1], encoding="utf-8"))
rows = list(csv.reader(open(sys.argv[2], encoding="utf-8", newline="")))
want = [["item", "value", "count"], ["start", "", str(j["start"])],
        ["in", "joined", str(j["in"]["joined"])],
        ["in", "transferred_in", str(j["in"]["transferred_in"])]] + \
       [["out", k, str(v)] for k, v in j["out"].items()] + \
       [["end", "", str(j["end"])], ["gap", "", "0"]]
assert rows == want, (rows, want)
t = open(sys.argv[3], encoding="utf-8").read()
def row(label):
    m = re.search(r"^%s\s+(\d+)$" % re.escape(label), t, re.M)
    assert m, (label, t)
    return int(m.group(1))
assert row("年初党员数（%s）" % j["start_date"]) == j["start"], t
assert row("增加：发展党员（本年入党）") == j["in"]["joined"], t
assert row("增加：组织关系转入") == j["in"]["transferred_in"], t
for k, v in j["out"].items():
    assert row("减少：" + (k if k != "transferred_out" else "组织关系转出")) == v, (k, t)
assert row("年末党员数（%s）" % j["end_date"]) == j["end"], t
assert "与年末 %d 相符" % j["end"] in t, t
EOF

say "report stats: \"joined\" (developed) in a period equals python's count"
for period in "2020-01-01 2020-12-31" "2015-03-01 2024-02-29" "$YEAR-01-01 $TODAY"; do
  read -r from to <<<"$period"
  ok "$NODE" report stats --org 430121-01 --from "$from" --to "$to" --json --data "$C"
  cp "$LAST_OUT" "$WORK/stats.json"
  py joined "$WORK/stats.json" 430121-01 "$from" "$to" || fail "joined $from..$to"
done

say "the server, after the county syncs, gives the same balances; so does the branch node for its scope"
conv_start_server "$SRV" "$LOG"
conv_sync "$C"
conv_sync "$B"
for scope in "${SCOPES[@]}"; do
  for y in 2020 $((YEAR - 1)) "$YEAR"; do
    ok "$SERVER" report balance --org "$scope" --year "$y" --json --data "$SRV"
    cmp -s "$LAST_OUT" "$WORK/c-$scope-$y.json" || fail "server balance of $scope, $y differs from the county's"
  done
done
ok "$NODE" report balance --year "$YEAR" --json --data "$B"
cmp -s "$LAST_OUT" "$WORK/c-430121-01-02-$YEAR.json" || fail "the branch node's own balance differs"
conv_stop_server

say "refusals: outside the scope 6, no such org 4, a bad year 3; no --org at the server 2"
expect_exit 6 "$NODE" report balance --org 430121-02 --data "$B"
expect_exit 4 "$NODE" report balance --org 430121-01-77 --data "$C"
expect_exit 4 "$SERVER" report balance --org 430121-01-77 --data "$SRV"
assert_grep "$LAST_ERR" "没有组织 430121-01-77" "the server names the missing org"
expect_exit 3 "$NODE" report balance --year 1899 --data "$C"
assert_grep "$LAST_ERR" "--year" "a bad year names its option"
expect_exit 3 "$NODE" report balance --year 20x5 --data "$C"
expect_exit 2 "$SERVER" report balance --year 2025 --data "$SRV"
say "ok"
