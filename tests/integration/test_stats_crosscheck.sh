#!/usr/bin/env bash
# `report stats` (README.md, "The command line", docs/RECORDS.md, "Members") against counts
# computed here, in python, straight from the CSV files that were imported:
# several scopes and as-of dates, plus hand-made members that sit exactly on
# the rule boundaries (join periods, age bands, conversion and join on the
# as-of date, 29 February birthdays, empty optional fields).  Also checks
# that --csv and the human report agree with --json.
#
# Rules, as written in the contract: a member counts if join_date <= as_of;
# "joined" counts the members whose join_date lies in the period (1
# January of the as-of year to the as-of date by default);
# 正式党员 if full_date is set and <= as_of, else 预备党员; age is full years
# on as_of; bands <=30, 31-35 … 56-60, >=61; join periods before 1949-10-01,
# to 1978-12-18, to 2012-11-08, after; ethnicity 汉族 / 少数民族 / 未填.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
zb_setup

R="$WORK/roster"
gen_roster "$R" --members 5000 --townships 3 --branches 4 --seed 2024
D="$WORK/node"
new_node "$D" 430121 stats1
ok "$NODE" org import "$R/orgs.csv" --data "$D"
ok "$NODE" member import "$R/members.csv" --data "$D"

# Boundary members, all in branch 430121-01-01.
python3 - "$WORK/extra.csv" <<'EOF'
import csv, sys
W = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
n = [0]
def idnum(birth, male):
    n[0] += 1
    s = "110101" + birth.replace("-", "") + "%02d" % n[0] + ("1" if male else "2")
    return s + "10X98765432"[sum(int(c) * k for c, k in zip(s, W)) % 11]
rows = []
def add(birth, join, full="", gender="男", eth="汉族", edu="大学本科", occ="工人"):
    rows.append({"id": "X%03d" % (len(rows) + 1), "name": "边界%d号" % (len(rows) + 1),
                 "gender": gender, "ethnicity": eth, "birth_date": birth,
                 "id_number": idnum(birth, gender == "男"), "education": edu,
                 "category": "正式党员" if full else "预备党员", "join_date": join,
                 "full_date": full, "org_code": "430121-01-01", "phone": "", "occupation": occ})
# Join periods, each cut-off and the day after / before it.
add("1920-01-01", "1949-09-30", "1950-09-30")
add("1925-03-03", "1949-10-01", "1950-10-01", eth="回族")
add("1950-05-05", "1978-12-18", "1979-12-18", gender="女")
add("1950-05-06", "1978-12-19", "1979-12-19", eth="")
add("1980-07-07", "2012-11-08", "2013-11-08", edu="")
add("1980-07-08", "2012-11-09", "2013-11-09", occ="")
# Ages on 2020-06-30 at each band edge.
add("1990-06-30", "2015-01-01", "2016-01-01")         # 30
add("1989-06-30", "2015-01-01", "2016-01-01")         # 31
add("1985-07-01", "2015-01-01", "2016-01-01")         # 34
add("1960-06-30", "2015-01-01", "2016-01-01", gender="女")   # 60
add("1959-06-30", "2015-01-01", "2016-01-01", eth="藏族")    # 61
add("1959-07-01", "2015-01-01", "2016-01-01")         # 60
# Conversion and joining on the as-of date 2020-06-30 (and the day after).
add("1990-01-01", "2019-06-30", "2020-06-30")
add("1990-01-02", "2020-06-30")
add("1990-01-03", "2020-07-01")
# Born on 29 February: a year older on 28 February of a common year, the
# convention of zb_date_add_years() and of gen_roster.py's 18th birthdays.
add("1992-02-29", "2015-03-01", "2016-03-01", gender="女")
# Empty optional fields everywhere.
add("1970-01-01", "2000-01-01", "2001-01-01", eth="", edu="", occ="")
with open(sys.argv[1], "w", encoding="utf-8", newline="") as f:
    w = csv.DictWriter(f, fieldnames=list(rows[0]), lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
EOF
ok "$NODE" member import "$WORK/extra.csv" --data "$D"

# The independent computation: expected JSON object for (scope, as_of).
cat >"$WORK/expect.py" <<'EOF'
import csv, datetime, json, sys

def load(paths):
    ms = []
    for p in paths:
        with open(p, encoding="utf-8", newline="") as f:
            ms.extend(csv.DictReader(f))
    return ms

def d(s):
    return datetime.date.fromisoformat(s)

def birthday(b, year):
    try:
        return b.replace(year=year)
    except ValueError:            # 29 February in a common year
        return datetime.date(year, 2, 28)

def age(b, on):
    a = on.year - b.year
    return a - 1 if birthday(b, on.year) > on else a

def band(a):
    if a <= 30:
        return "<=30"
    if a >= 61:
        return ">=61"
    lo = 31 + (a - 31) // 5 * 5
    return "%d-%d" % (lo, lo + 4)

def period(j):
    if j < datetime.date(1949, 10, 1):
        return "before_1949-10-01"
    if j <= datetime.date(1978, 12, 18):
        return "1949-10-01_to_1978-12-18"
    if j <= datetime.date(2012, 11, 8):
        return "1978-12-19_to_2012-11-08"
    return "after_2012-11-08"

def expect(ms, scope, as_of):
    on = d(as_of)
    # Nobody in the generated roster has left: "left" is all zeros, over
    # the default period (1 January of the as-of year to the as-of date).
    e = {"org": scope, "as_of": as_of, "left_from": as_of[:4] + "-01-01", "left_to": as_of,
         "total": 0, "joined": 0,
         "left": {k: 0 for k in ["去世", "出党", "停止党籍", "退党", "转出系统外"]},
         "category": {"正式党员": 0, "预备党员": 0}, "gender": {"男": 0, "女": 0},
         "ethnicity": {"汉族": 0, "少数民族": 0, "未填": 0},
         "age": {k: 0 for k in ["<=30", "31-35", "36-40", "41-45", "46-50", "51-55", "56-60", ">=61"]},
         "education": {}, "occupation": {},
         "join_period": {k: 0 for k in ["before_1949-10-01", "1949-10-01_to_1978-12-18",
                                        "1978-12-19_to_2012-11-08", "after_2012-11-08"]}}
    for m in ms:
        if not (m["org_code"] == scope or m["org_code"].startswith(scope + "-")):
            continue
        # Developed in the period (1 January of the as-of year to the as-of
        # date): join_date within it.
        if e["left_from"] <= m["join_date"] <= as_of:
            e["joined"] += 1
        if d(m["join_date"]) > on:
            continue
        e["total"] += 1
        full = m["full_date"] != "" and d(m["full_date"]) <= on
        e["category"]["正式党员" if full else "预备党员"] += 1
        e["gender"][m["gender"]] += 1
        eth = m["ethnicity"]
        e["ethnicity"]["未填" if eth == "" else "汉族" if eth == "汉族" else "少数民族"] += 1
        e["age"][band(age(d(m["birth_date"]), on))] += 1
        for k in ("education", "occupation"):
            v = m[k] or "未填"
            e[k][v] = e[k].get(v, 0) + 1
        e["join_period"][period(d(m["join_date"]))] += 1
    return e

def compare(got, want, where):
    bad = []
    keys = ["org", "as_of", "left_from", "left_to", "total", "category", "gender",
            "ethnicity", "age", "education", "occupation", "join_period", "joined", "left"]
    if list(got) != keys:
        bad.append("keys %s, want %s" % (list(got), keys))
    for k in keys:
        g, w = got.get(k), want[k]
        if k in ("education", "occupation"):
            # Every vocabulary value is listed (zeros included) plus 未填:
            # the counts seen in the data must match, the rest be 0.
            if not isinstance(g, dict):
                bad.append("%s: %r" % (k, g)); continue
            if "未填" not in g:
                bad.append("%s: no 未填 bucket" % k)
            for v in set(g) | set(w):
                if g.get(v) != w.get(v, 0):
                    bad.append("%s[%s]: got %r, want %r" % (k, v, g.get(v), w.get(v, 0)))
        elif isinstance(w, dict):
            if g != w or (isinstance(g, dict) and list(g) != list(w)):
                bad.append("%s: got %s, want %s" % (k, json.dumps(g, ensure_ascii=False),
                                                    json.dumps(w, ensure_ascii=False)))
        elif g != w:
            bad.append("%s: got %r, want %r" % (k, g, w))
    if bad:
        sys.exit("%s:\n  %s" % (where, "\n  ".join(bad)))

if __name__ == "__main__":
    mode, got_path, scope, as_of = sys.argv[1:5]
    where = "scope %s as of %s" % (scope, as_of)
    if mode == "json":
        want = expect(load(sys.argv[5:]), scope, as_of)
        got = json.load(open(got_path, encoding="utf-8"))
        compare(got, want, where)
        print("  %s: total %d ok" % (where, want["total"]))
    elif mode == "csv":        # the CSV rows equal the JSON's counts
        j = json.load(open(sys.argv[5], encoding="utf-8"))
        with open(got_path, encoding="utf-8", newline="") as f:
            rows = list(csv.reader(f))
        assert rows[0] == ["dimension", "value", "count"], rows[0]
        assert rows[1] == ["total", "", str(j["total"])], rows[1]
        want_rows = [row for k in j if isinstance(j[k], dict) or k == "joined"
                     for row in ([[k, "", str(j[k])]] if k == "joined" else
                                 [[k, v, str(n)] for v, n in j[k].items()])]
        assert rows[2:] == want_rows, "csv rows differ from the json: %s" % (
            [(a, b) for a, b in zip(rows[2:], want_rows) if a != b][:5] or (len(rows) - 2, len(want_rows)))
EOF
py_expect() { python3 "$WORK/expect.py" "$@" "$R/members.csv" "$WORK/extra.csv"; }

say "report stats --json equals counts computed from the CSV"
scopes=(430121 430121-02 430121-03-04 430121-01-01 430121-01)
dates=(2026-11-01 2000-01-01 1990-06-30 2020-06-30 2020-06-29 2023-02-28 2012-11-08 1978-12-18 1949-10-01 1949-09-30)
for scope in "${scopes[@]}"; do
  for as_of in "${dates[@]}"; do
    ok "$NODE" report stats --org "$scope" --as-of "$as_of" --json --data "$D"
    is_json "$LAST_OUT" "report stats --json ($scope, $as_of)"
    cp "$LAST_OUT" "$WORK/stats.json"
    py_expect json "$WORK/stats.json" "$scope" "$as_of" || fail "report stats --org $scope --as-of $as_of"
  done
done

say "the default scope is the node's org; a date before any member counts 0; no such org: 4"
ok "$NODE" report stats --as-of 2026-11-01 --json --data "$D"
cp "$LAST_OUT" "$WORK/default.json"
py_expect json "$WORK/default.json" 430121 2026-11-01 || fail "report stats without --org"
ok "$NODE" report stats --org 430121-03 --as-of 1900-01-01 --json --data "$D"
cp "$LAST_OUT" "$WORK/empty.json"
py_expect json "$WORK/empty.json" 430121-03 1900-01-01 || fail "report stats before any member joined"
python3 -c 'import json,sys; assert json.load(open(sys.argv[1]))["total"] == 0' "$WORK/empty.json" \
  || fail "an org with no members yet should count 0"
expect_exit 4 "$NODE" report stats --org 430121-03-99 --as-of 2026-11-01 --json --data "$D"
[[ ! -s "$LAST_OUT" ]] || fail "report stats of an org that does not exist wrote to stdout"

say "report stats --csv agrees with --json; the human report shows the same total"
for scope in 430121 430121-02 430121-03-04; do
  for as_of in 2026-11-01 2000-01-01; do
    ok "$NODE" report stats --org "$scope" --as-of "$as_of" --json --data "$D"
    cp "$LAST_OUT" "$WORK/s.json"
    ok "$NODE" report stats --org "$scope" --as-of "$as_of" --csv --lang en --data "$D"
    cp "$LAST_OUT" "$WORK/s.csv"
    python3 "$WORK/expect.py" csv "$WORK/s.csv" "$scope" "$as_of" "$WORK/s.json" \
      || fail "report stats --csv vs --json ($scope, $as_of)"
    total="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["total"])' "$WORK/s.json")"
    ok "$NODE" report stats --org "$scope" --as-of "$as_of" --data "$D"
    assert_grep "$LAST_OUT" "：党员总数 $total" "human report total ($scope, $as_of)"
  done
done

say "bad --as-of dates exit 3; --org outside the node's scope exits 6"
expect_exit 3 "$NODE" report stats --as-of 2023-02-29 --json --data "$D"
expect_exit 3 "$NODE" report stats --as-of 2020/06/30 --json --data "$D"
assert_grep "$LAST_ERR" "--as-of" "bad --as-of named"
B="$WORK/branch"
new_node "$B" 430121-01-01 stats2
ok "$NODE" org import "$R/orgs.csv" --data "$B"
ok "$NODE" member import "$WORK/extra.csv" --data "$B"
expect_exit 6 "$NODE" report stats --org 430121 --json --data "$B"
ok "$NODE" report stats --as-of 2020-06-30 --json --data "$B"
cp "$LAST_OUT" "$WORK/b.json"
python3 "$WORK/expect.py" json "$WORK/b.json" 430121-01-01 2020-06-30 "$WORK/extra.csv" \
  || fail "report stats on a branch node holding only the boundary members"
