#!/usr/bin/env bash
# Dues (党费; docs/RECORDS.md, "Dues"), end to end over the real server and
# mutual TLS on 127.0.0.1:
#   - dues pay computes the standard from the 2008 brackets: 3000.00 yuan →
#     15.00, 3000.01 → 30.00; half a fen rounds up (1.5 % of 5001.00 =
#     75.015 → 75.02); another amount needs --amount and is flagged; a
#     farmer's amount lies in the node's range (dues setting);
#   - 6 months ahead or behind the payment date is fine, 7 is refused (exit
#     3); one payment per member and month (a second is refused; void it,
#     then the month is paid again as KEY-2); a branch pays for its own
#     members only;
#   - the same bad payments, sent to the server by a node without its
#     checks (zhibu-forge), are refused there with the very reason the
#     node gave, and come back to the node as rejected;
#   - a township of three branches (two with a node, one entered by the
#     township's node) imports a year of generated payments; report dues
#     at the server, at the township's node and at a branch's node equals
#     an independent computation in Python of the same data (expected,
#     paid, collection rate, arrears, six unpaid months in a row flagged);
#   - every node's digest equals the server's; verify passes.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
conv_setup

T1=430121-01
B1=430121-01-01
B2=430121-01-02
B3=430121-01-03
T2=430121-02
B4=430121-02-01
SRV="$WORK/srv"
LOG="$WORK/server.log"
show_logs_on_failure "$LOG"
R="$WORK/roster"
gen_roster "$R" --townships 2 --branches 3 --members 90 --seed 11
TODAY="$(date +%Y-%m-%d)"
Y=$(( $(date +%Y) - 1 ))   # the year of the generated payments: all its months are due

say "a server, a township with two branch nodes, a branch of another township"
ok "$SERVER" init --data "$SRV"
ok "$SERVER" org import "$R/orgs.csv" --data "$SRV"
for n in t01:$T1 b0101:$B1 b0102:$B2 b0201:$B4; do
  conv_enroll "$SRV" "$WORK/${n%%:*}" "${n%%:*}" "${n#*:}"
done
conv_start_server "$SRV" "$LOG"
for n in t01 b0201; do conv_sync "$WORK/$n"; done
filter_members "$R/members.csv" "$WORK/t1.csv" "$T1"
filter_members "$R/members.csv" "$WORK/b4.csv" "$B4"
ok "$NODE" member import "$WORK/t1.csv" --data "$WORK/t01"
ok "$NODE" member import "$WORK/b4.csv" --data "$WORK/b0201"
for n in t01 b0101 b0102 b0201; do conv_sync "$WORK/$n"; done

# A member of branch 02-01 who joined more than a year ago, and one of 01-01.
read -r X XB1 < <(python3 - "$R/members.csv" "$B4" "$B1" "$TODAY" <<'EOF'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], encoding="utf-8")))
y, m, d = map(int, sys.argv[4].split("-"))
old = lambda r: r["join_date"] < "%04d-%02d-%02d" % (y - 1, m, min(d, 28))
x = sorted(r["id"] for r in rows if r["org_code"] == sys.argv[2] and old(r))[0]
b = sorted(r["id"] for r in rows if r["org_code"] == sys.argv[3])[0]
print(x, b)
EOF
)
[[ -n "$X" && -n "$XB1" ]] || fail "no member to pay for"
# month_add N: the month N months from today's, as YYYY-MM.
month_add() {
  python3 -c 'import sys; y, m = map(int, sys.argv[1][:7].split("-")); k = y * 12 + m - 1 + int(sys.argv[2]); print("%04d-%02d" % (k // 12, k % 12 + 1))' "$TODAY" "$1"
}
# pay_json ARGS…: dues pay --json at b0201; the payment in $LAST_OUT.
pay_json() {
  ok "$NODE" dues pay "$X" --json --data "$WORK/b0201" "$@"
  is_json "$LAST_OUT" "dues pay --json"
}
field() { conv_json_field "$LAST_OUT" "$1"; }

say "the standard from the brackets: 3000.00 vs 3000.01 yuan, half a fen"
pay_json --month "$(month_add 0)" --kind employee --base 3000 --date "$TODAY"
assert_eq "$(field standard_fen) $(field amount_fen) $(field flagged)" "1500 1500 False" "3000.00 yuan: 0.5 %"
assert_eq "$(field id)" "$X-$(month_add 0 | tr -d -)" "the key is the member and the month"
pay_json --month "$(month_add -1)" --kind employee --base 3000.01 --date "$TODAY"
assert_eq "$(field standard_fen)" "3000" "3000.01 yuan: 1 %, 30.0001 → 30.00"
pay_json --month "$(month_add -2)" --kind 在职 --base 5001 --date "$TODAY"
assert_eq "$(field standard_fen)" "7502" "1.5 % of 5001.00 = 75.015 rounds up to 75.02"
assert_eq "$(field payer_kind)" "employee" "在职 is employee"
pay_json --month "$(month_add -3)" --kind employee --base 1 --date "$TODAY"
assert_eq "$(field standard_fen)" "1" "0.5 % of 1.00 = half a fen rounds up"
pay_json --month "$(month_add -4)" --kind retiree --base 5000.01 --amount 20 --note 自愿多交 \
  --date "$TODAY"
assert_eq "$(field standard_fen) $(field amount_fen) $(field flagged)" "5000 2000 True" \
  "a retiree above 5000: 1 %; another amount is flagged"
assert_grep "$LAST_ERR" "警告：20.00 元不是标准的 50.00 元：该笔缴费已标记" "the warning, in Chinese"

say "6 months ahead or behind is fine, 7 is refused (exit 3), nothing written"
pay_json --month "$(month_add 6)" --kind student --date "$TODAY"
assert_eq "$(field standard_fen)" "20" "a student pays 0.20"
pay_json --month "$(month_add -6)" --kind low_income --date "$TODAY"
ops_before="$(ops_count "$WORK/b0201")"
expect_exit 3 "$NODE" dues pay "$X" --month "$(month_add 7)" --kind student --date "$TODAY" \
  --data "$WORK/b0201" --lang en
assert_grep "$LAST_ERR" "--month: is 7 months ahead of the payment date $TODAY: dues may be paid at most 6 months ahead" \
  "seven months ahead"
NODE_AHEAD="$(grep -- '--month: is 7 months' "$LAST_ERR" | sed 's/^zhibu-node: --month: //')"
expect_exit 3 "$NODE" dues pay "$X" --month "$(month_add -7)" --kind student --date "$TODAY" \
  --data "$WORK/b0201" --lang en
assert_grep "$LAST_ERR" "is 7 months behind the payment date" "seven months behind"
expect_exit 3 "$NODE" dues pay "$X" --month "$(month_add 0)" --kind student --data "$WORK/b0201"
assert_grep "$LAST_ERR" "已交过 $(month_add 0) 的党费" "one payment a month"
expect_exit 3 "$NODE" dues pay "$X" --month "$(month_add 0)" --kind student --data "$WORK/b0201" --lang en
assert_grep "$LAST_ERR" "has paid for $(month_add 0) already" "one payment a month, in English"
expect_exit 3 "$NODE" dues pay "$X" --month "$(month_add 1)" --kind employee --data "$WORK/b0201"
assert_grep "$LAST_ERR" "employee 必须写：每月税后工资" "a share needs its base"
expect_exit 3 "$NODE" dues pay "$X" --month "$(month_add 1)" --kind employee --data "$WORK/b0201" \
  --lang en
assert_grep "$LAST_ERR" "--base: is required for employee" "a share needs its base, in English"
expect_exit 3 "$NODE" dues pay "$X" --month "$(month_add 1)" --kind farmer --base 100 \
  --data "$WORK/b0201"
expect_exit 3 "$NODE" dues pay "$X" --month 2026-13 --kind student --data "$WORK/b0201"
expect_exit 4 "$NODE" dues pay "$XB1" --month "$(month_add 0)" --kind student --data "$WORK/b0201"
assert_grep "$LAST_ERR" "找不到党员 $XB1" "a branch pays for its own members"
assert_eq "$(ops_count "$WORK/b0201")" "$ops_before" "refused payments add no op"

say "void, then pay the month again (KEY-2); a farmer's range"
K0="$X-$(month_add 0 | tr -d -)"
ok "$NODE" dues void "$K0" --reason 金额有误 --data "$WORK/b0201"
expect_exit 3 "$NODE" dues void "$K0" --reason again --data "$WORK/b0201"
pay_json --month "$(month_add 0)" --kind employee --base 4000 --date "$TODAY"
assert_eq "$(field id) $(field standard_fen)" "$K0-2 4000" "the month paid again after the void"
ok "$NODE" dues setting --farmer-min 0.5 --farmer-max 1 --json --data "$WORK/b0201"
assert_eq "$(field farmer_min_fen)" "50" "the farmer range is set"
expect_exit 3 "$NODE" dues setting --farmer-max 1.5 --data "$WORK/b0201"
pay_json --month "$(month_add 2)" --kind farmer --date "$TODAY"
assert_eq "$(field standard_fen) $(field flagged)" "50 False" "a farmer pays the range's minimum"
pay_json --month "$(month_add 3)" --kind 农民 --amount 0.8 --date "$TODAY"
assert_eq "$(field standard_fen) $(field flagged)" "80 False" "an amount in the range is standard"
pay_json --month "$(month_add 4)" --kind farmer --amount 0.3 --date "$TODAY"
assert_eq "$(field standard_fen) $(field amount_fen) $(field flagged)" "50 30 True" \
  "below the range: flagged"
ok "$NODE" dues list --json --data "$WORK/b0201"
python3 - "$LAST_OUT" "$K0" <<'EOF' || fail "dues list --json"
import json, sys
rows = json.load(open(sys.argv[1], encoding="utf-8"))
assert all(r["status"] == "已缴" for r in rows), rows
assert sys.argv[2] not in [r["id"] for r in rows] and sys.argv[2] + "-2" in [r["id"] for r in rows]
assert sum(r["flagged"] for r in rows) == 2, rows
assert list(rows[0]) == ["id", "member_id", "name", "month", "org_code", "paid_date", "payer_kind",
    "base_fen", "rule", "standard_fen", "amount_fen", "flagged", "note", "status", "void_reason"]
EOF
ok "$NODE" dues list --all --month "$(month_add 0)" --data "$WORK/b0201"
assert_grep "$LAST_OUT" "已作废" "--all shows the voided payment"
assert_grep "$LAST_OUT" "共 2 笔，实交" "two payments of the month, one voided"
ok "$NODE" dues list --all --month "$(month_add 0)" --data "$WORK/b0201" --lang en
assert_grep "$LAST_OUT" "2 payments, " "dues list --lang en: the total in English"
assert_grep "$LAST_OUT" "(voided ones listed, not counted)" "dues list --lang en: the note in English"
head -n 1 "$LAST_OUT" | grep -q "paid on" || fail "dues list --lang en: headers $(head -n 1 "$LAST_OUT")"
ok "$NODE" dues list --csv --all --data "$WORK/b0201"
cp "$LAST_OUT" "$WORK/b4-dues.csv"
ok "$NODE" dues import "$WORK/b4-dues.csv" --data "$WORK/b0201"
assert_grep "$LAST_ERR" "新增 0，更新 0" "dues list --csv imports back unchanged"

say "the server refuses the same bad payments, with the node's reasons"
conv_sync "$WORK/b0201"
M7="$(month_add 7)"
forge_pay() {   # forge_pay MONTH BASE STANDARD: a whole payment, no node checks
  ok "$FORGE" --server "$CONV_ADDR" --timeout-ms 20000 --data "$WORK/b0201" --record \
    --kind 5 --member "$X-${1//-/}" --field "1=$X" --field "2=$1" --field "3=$B4" \
    --field "4=$TODAY" --field 5=employee --field "6=$2" --field 7=dues-2008 \
    --field "8=$3" --field "9=$3" --field 11=已缴
}
forge_pay "$M7" 300000 1500
conv_sync "$WORK/b0201"
ok "$NODE" rejected --json --data "$WORK/b0201"
python3 - "$LAST_OUT" "$X-${M7//-/}" "$NODE_AHEAD" <<'EOF' || fail "the server's verdict on 7 months ahead"
import json, sys
rows = [r for r in json.load(open(sys.argv[1], encoding="utf-8")) if r["key"] == sys.argv[2]]
assert len(rows) == 1, rows
assert rows[0]["field"] == "month" and rows[0]["reason"] == sys.argv[3], (rows, sys.argv[3])
EOF
# A wrong standard, as an import at the node and forged at the server.
M5="$(month_add 5)"
printf 'id,member_id,month,org_code,paid_date,payer_kind,base_fen,rule,standard_fen,amount_fen,status\n%s,%s,%s,%s,%s,employee,300001,dues-2008,1500,1500,已缴\n' \
  "$X-${M5//-/}" "$X" "$M5" "$B4" "$TODAY" >"$WORK/wrong.csv"
expect_exit 3 "$NODE" dues import "$WORK/wrong.csv" --data "$WORK/b0201" --lang en
assert_grep "$LAST_ERR" "standard_fen: must be 3000 (30.00 yuan): 1% of the base 3000.01 yuan" \
  "the node's reason"
NODE_STD="$(sed -n 's/^zhibu-node: .*wrong.csv:2: standard_fen: \(.*\) (value: "1500")$/\1/p' "$LAST_ERR")"
[[ -n "$NODE_STD" ]] || fail "no standard_fen problem in: $(cat "$LAST_ERR")"
forge_pay "$M5" 300001 1500
conv_sync "$WORK/b0201"
ok "$NODE" rejected --json --data "$WORK/b0201"
python3 - "$LAST_OUT" "$X-${M5//-/}" "$NODE_STD" <<'EOF' || fail "the server's verdict on a wrong standard"
import json, sys
rows = [r for r in json.load(open(sys.argv[1], encoding="utf-8")) if r["key"] == sys.argv[2]]
assert len(rows) == 1, rows
assert rows[0]["field"] == "standard_fen" and rows[0]["reason"] == sys.argv[3], (rows, sys.argv[3])
EOF
expect_exit 4 "$NODE" dues show "$X-${M7//-/}" --data "$WORK/b0201"
conv_assert_converged "$SRV" "$WORK/b0201" "$B4" "b0201 after the rejections"

say "a year of payments for the township, generated; one member leaves"
python3 - "$R/members.csv" "$T1" "$Y" "$TODAY" "$WORK" <<'EOF' || fail "generating payments"
import csv, json, random, sys
members_csv, T1, Y, TODAY, work = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5]
rnd = random.Random(20260517)
ms = sorted((r for r in csv.DictReader(open(members_csv, encoding="utf-8"))
             if r["org_code"].startswith(T1 + "-")), key=lambda r: r["id"])

def mnum(s):  # "YYYY-MM" → months
    y, m = int(s[:4]), int(s[5:7])
    return y * 12 + m - 1
def mtext(k):
    return "%04d-%02d" % (k // 12, k % 12 + 1)
def half_up(base, bp):   # an independent computation: exact decimal rounding
    from decimal import Decimal, ROUND_HALF_UP
    return int((Decimal(base) * bp / 10000).quantize(Decimal(1), rounding=ROUND_HALF_UP))
def standard(kind, base):
    if kind == "employee":
        bp = 50 if base <= 300000 else 100 if base <= 500000 else 150 if base <= 1000000 else 200
        return half_up(base, bp)
    if kind == "retiree":
        return half_up(base, 50 if base <= 500000 else 100)
    return 20

first = mnum("%d-01" % Y)
last = mnum("%d-12" % Y)
by_org = {}
for r in ms:
    by_org.setdefault(r["org_code"], []).append(r)
orgs = sorted(by_org)
assert len(orgs) == 3, orgs
def due_from(r):
    return max(first, mnum(r["join_date"][:7]))
# Designed cases, in branch 01 (nodes b0101): six unpaid months at the end
# (flagged), five (not), none ever paid; in branch 02 one member leaves on
# the first of September (September not due).
b1 = [r for r in by_org[orgs[0]] if due_from(r) == first]
b2 = [r for r in by_org[orgs[1]] if due_from(r) == first]
assert len(b1) >= 4 and len(b2) >= 1, (len(b1), len(b2))
six, five, never, voided = b1[0]["id"], b1[1]["id"], b1[2]["id"], b1[3]["id"]
leaver = b2[0]["id"]
plan = []
for r in ms:
    mid = r["id"]
    lo = due_from(r)
    hi = last if mid != leaver else mnum("%d-08" % Y)
    if lo > hi:
        continue
    kind = rnd.choices(["employee", "retiree", "farmer", "student", "low_income"],
                       [50, 20, 20, 5, 5])[0]
    if mid == voided:
        kind = "employee"
    base = ""
    if kind == "employee":
        base = rnd.choice([300000, 300001, 500000, 500001, 500100, 1000000, 1000001, 250000, 820000])
    elif kind == "retiree":
        base = rnd.choice([500000, 500001, 380000, 500050])
    for k in range(lo, hi + 1):
        if mid == never or (mid == six and k > last - 6) or (mid == five and k > last - 5):
            continue
        if mid == voided and k == mnum("%d-03" % Y):
            pass   # paid (then voided and paid again in the test)
        elif mid not in (six, five) and rnd.random() < 0.12:
            continue   # an unpaid month
        s = standard(kind, base) if kind != "farmer" else rnd.choice([20, 50, 80, 100])
        a = s
        note = ""
        x = rnd.random()
        if x < 0.05:
            a, note = s + 1000, "自愿多交"
        elif x < 0.08:
            a, note = 0, "经批准免交"
        # Paid on the 15th of its month, some months ahead or behind (at
        # most 6), never after today.
        shift = rnd.choice([0] * 8 + [-3, 2])
        pk = min(k - shift, mnum(TODAY[:7]))
        paid = "%s-15" % mtext(pk)
        if paid > TODAY:
            paid = TODAY
        plan.append({"id": "%s-%s" % (mid, mtext(k).replace("-", "")), "member_id": mid,
                     "month": mtext(k), "org_code": r["org_code"], "paid_date": paid,
                     "payer_kind": kind, "base_fen": str(base), "rule": "dues-2008",
                     "standard_fen": str(s), "amount_fen": str(a), "note": note,
                     "status": "已缴"})
for org, name in zip(orgs, ["b1", "b2", "b3"]):
    with open("%s/pay-%s.csv" % (work, name), "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=list(plan[0]), lineterminator="\n")
        w.writeheader()
        for p in plan:
            if p["org_code"] == org:
                w.writerow(p)
json.dump({"six": six, "five": five, "never": never, "voided": voided, "leaver": leaver},
          open(work + "/cases.json", "w"))
json.dump(plan, open(work + "/plan.json", "w"), ensure_ascii=False)
EOF
case_of() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$WORK/cases.json" "$1"; }
LEAVER="$(case_of leaver)"
VOIDED="$(case_of voided)"
ok "$NODE" member leave "$LEAVER" --reason 去世 --date "$Y-09-01" --data "$WORK/b0102"
ok "$NODE" dues import "$WORK/pay-b1.csv" --data "$WORK/b0101"
ok "$NODE" dues import "$WORK/pay-b2.csv" --data "$WORK/b0102"
ok "$NODE" dues import "$WORK/pay-b3.csv" --data "$WORK/t01"   # branch 03 has no node
assert_grep "$LAST_ERR" "更新 0" "the township enters branch 03's payments"
expect_exit 3 "$NODE" dues pay "$LEAVER" --month "$Y-09" --kind student --date "$Y-09-15" \
  --data "$WORK/b0102" --lang en
assert_grep "$LAST_ERR" "left on $Y-09-01: no dues are due for $Y-09" "none due after leaving"
# The voided case: March paid again at another base.
ok "$NODE" dues void "$VOIDED-${Y}03" --reason 基数有误 --data "$WORK/b0101"
ok "$NODE" dues pay "$VOIDED" --month "$Y-03" --kind employee --base 6000 --date "$Y-03-20" \
  --data "$WORK/b0101"
assert_eq "$(cat "$LAST_OUT")" "$VOIDED-${Y}03-2" "paid again as -2"
python3 - "$WORK/plan.json" "$VOIDED" "$Y" <<'EOF'
import json, sys
plan = json.load(open(sys.argv[1], encoding="utf-8"))
for p in plan:
    if p["member_id"] == sys.argv[2] and p["month"] == sys.argv[3] + "-03":
        p.update(id=p["id"] + "-2", base_fen="600000", standard_fen="9000", amount_fen="9000",
                 paid_date=sys.argv[3] + "-03-20", note="")
json.dump(plan, open(sys.argv[1], "w"), ensure_ascii=False)
EOF
for n in b0101 b0102 t01 b0101 b0102; do conv_sync "$WORK/$n"; done

say "report dues: the server, the township's and a branch's node, and Python agree"
# expected_report ORG FROM TO: the report an independent computation gives.
expected_report() {
  python3 - "$R/members.csv" "$WORK/plan.json" "$1" "$2" "$3" "$TODAY" "$LEAVER" "$Y-09-01" \
    <<'EOF'
import csv, json, sys
members_csv, plan_json, org, frm, to, today, leaver, leave_date = sys.argv[1:9]
def mnum(s):
    return int(s[:4]) * 12 + int(s[5:7]) - 1
def mtext(k):
    return "%04d-%02d" % (k // 12, k % 12 + 1)
ms = [r for r in csv.DictReader(open(members_csv, encoding="utf-8"))
      if r["org_code"] == org or r["org_code"].startswith(org + "-")]
pays = {}
for p in json.load(open(plan_json, encoding="utf-8")):
    pays.setdefault(p["member_id"], {})[mnum(p["month"])] = (int(p["standard_fen"]), int(p["amount_fen"]))
F, T = mnum(frm), mnum(to)
due_to = min(T, mnum(today[:7]))
def zero():
    return dict(members=0, months_due=0, months_paid=0, expected_fen=0, paid_fen=0,
                flagged_payments=0, months_without_standard=0)
tot, orgs, arrears = zero(), {}, []
start = {}
for r in ms:
    p = pays.get(r["id"], {})
    if p:
        start[r["org_code"]] = min(start.get(r["org_code"], F), min(p))
for r in sorted(ms, key=lambda r: r["id"]):
    mid, p = r["id"], pays.get(r["id"], {})
    first = max(mnum(r["join_date"][:7]), mnum("2008-04"))
    last = 10**9
    if mid == leaver:
        last = mnum(leave_date[:7]) - (1 if leave_date.endswith("-01") else 0)
    lo, hi = max(first, F), min(last, due_to)
    if hi < lo:
        continue
    s = zero(); s["members"] = 1
    unpaid, owed = [], 0
    for k in range(lo, hi + 1):
        s["months_due"] += 1
        if k in p:
            st, am = p[k]
            s["months_paid"] += 1; s["expected_fen"] += st; s["paid_fen"] += am
            s["flagged_payments"] += am != st
            continue
        before = [m for m in p if m < k]
        after = [m for m in p if m > k]
        est = p[max(before)][0] if before else p[min(after)][0] if after else None
        if est is None:
            s["months_without_standard"] += 1
        else:
            s["expected_fen"] += est; owed += est
        unpaid.append(k)
    o = orgs.setdefault(r["org_code"], zero())
    for key in s:
        o[key] += s[key]; tot[key] += s[key]
    if unpaid:
        floor = max(first, start.get(r["org_code"], F))
        streak, k = 0, hi
        while k >= floor and k not in p:
            streak += 1; k -= 1
        arrears.append({"member_id": mid, "name": r["name"], "org": r["org_code"],
                        "unpaid_months": [mtext(k) for k in unpaid], "unpaid_count": len(unpaid),
                        "owed_fen": owed, "unpaid_streak": streak,
                        "six_months_unpaid": streak >= 6})
def rate(s):
    return None if not s["months_due"] else \
        ((s["months_paid"] * 10000 + s["months_due"] // 2) // s["months_due"]) / 10000
def out(s):
    return {"members": s["members"], "months_due": s["months_due"], "months_paid": s["months_paid"],
            "collection_rate": rate(s), "expected_fen": s["expected_fen"], "paid_fen": s["paid_fen"],
            "flagged_payments": s["flagged_payments"],
            "months_without_standard": s["months_without_standard"]}
rep = {"org": org, "from": frm, "to": to, "as_of": today,
       "due_to": mtext(due_to) if due_to >= F else None}
rep.update(out(tot))
rep["orgs"] = [dict({"org": o}, **out(orgs[o])) for o in sorted(orgs)]
rep["arrears"] = sorted(arrears, key=lambda a: (a["org"], a["member_id"]))
print(json.dumps(rep, ensure_ascii=False, sort_keys=False))
EOF
}
# same_report GOT WANT WHAT: equal JSON, keys in the same order.
same_report() {
  python3 - "$1" "$2" "$3" <<'EOF' || fail "$3"
import json, sys
got = json.load(open(sys.argv[1], encoding="utf-8"))
want = json.load(open(sys.argv[2], encoding="utf-8"))
if got != want or list(got) != list(want):
    for k in want:
        if got.get(k) != want[k]:
            print("%s: %s: got %r, want %r" % (sys.argv[3], k, got.get(k), want[k]), file=sys.stderr)
    print("keys", list(got), list(want), file=sys.stderr)
    sys.exit(1)
EOF
}
expected_report "$T1" "$Y-01" "$Y-12" >"$WORK/want-year.json"
python3 - "$WORK/want-year.json" "$WORK/cases.json" <<'EOF' || fail "the generated data has its cases"
import json, sys
rep, cases = json.load(open(sys.argv[1], encoding="utf-8")), json.load(open(sys.argv[2]))
arr = {a["member_id"]: a for a in rep["arrears"]}
assert arr[cases["six"]]["unpaid_streak"] == 6 and arr[cases["six"]]["six_months_unpaid"]
assert arr[cases["five"]]["unpaid_streak"] == 5 and not arr[cases["five"]]["six_months_unpaid"]
assert arr[cases["never"]]["unpaid_count"] == 12 and rep["months_without_standard"] >= 12
assert rep["flagged_payments"] > 0 and 0 < rep["collection_rate"] < 1, rep
assert len(rep["orgs"]) == 3
EOF
ok "$SERVER" report dues --org "$T1" --year "$Y" --json --data "$SRV"
cp "$LAST_OUT" "$WORK/srv-year.json"
same_report "$WORK/srv-year.json" "$WORK/want-year.json" "the server's year report equals Python's"
ok "$NODE" report dues --year "$Y" --json --data "$WORK/t01"
same_report "$LAST_OUT" "$WORK/want-year.json" "the township node's report equals Python's"
expected_report "$B1" "$Y-06" "$Y-06" >"$WORK/want-june.json"
for where in "$SERVER report dues --org $B1 --data $SRV" "$NODE report dues --data $WORK/b0101"; do
  # shellcheck disable=SC2086
  ok $where --month "$Y-06" --json
  same_report "$LAST_OUT" "$WORK/want-june.json" "June of branch 01: $where"
done
expected_report "$B2" "$Y-01" "$Y-12" >"$WORK/want-b2.json"
ok "$NODE" report dues --year "$Y" --json --data "$WORK/b0102"
same_report "$LAST_OUT" "$WORK/want-b2.json" "branch 02's year, with the member who left"
ok "$NODE" report dues --year "$Y" --data "$WORK/t01"
assert_grep "$LAST_OUT" "党费收缴情况  $T1  $Y-01 至 $Y-12" "the Chinese report's title"
assert_grep "$LAST_OUT" "连续6个月以上未交" "the six-month lapse is marked"
assert_grep "$LAST_OUT" "$(case_of six)" "the lapsed member is listed"
ok "$NODE" report dues --year "$Y" --csv --lang en --data "$WORK/t01"
assert_eq "$(head -n 1 "$LAST_OUT")" \
  "member_id,name,org,unpaid_count,unpaid_months,owed_fen,unpaid_streak,six_months_unpaid" \
  "the arrears as CSV, --lang en: the stable keys"
ok "$NODE" report dues --year "$Y" --csv --data "$WORK/t01"
assert_eq "$(head -n 1 "$LAST_OUT")" \
  $'\xef\xbb\xbf党员编号,姓名,所在党支部,欠交月数,欠交月份,估计欠交（元）,连续未交,标记' \
  "the arrears as CSV: Chinese headers under a BOM by default"
ok "$NODE" report dues --year "$Y" --data "$WORK/t01" --lang en
assert_grep "$LAST_OUT" "Dues collected  $T1  $Y-01 to $Y-12" "the English report's title"
assert_grep "$LAST_OUT" "6 months or more unpaid in a row" "the six-month lapse, in English"
grep -q "党费" "$LAST_OUT" && fail "report dues --lang en still has Chinese labels"
expect_exit 6 "$NODE" report dues --org "$B2" --data "$WORK/b0101"
expect_exit 4 "$SERVER" report dues --org 430121-01-77 --data "$SRV"
expect_exit 3 "$NODE" report dues --month 2026-13 --data "$WORK/t01"

say "one month paid at two PCs before they synced: one payment everywhere"
# The branch writes first and reaches the server first; the township's
# later write with other values is refused there (a payment's fields are
# fixed) and comes back.  Then the other way round: the township's earlier
# write reaches the server second and changes nothing; the branch's stays.
M0="$(month_add 0)"
M1="$(month_add -1)"
ok "$NODE" dues pay "$XB1" --month "$M0" --kind employee --base 3000 --data "$WORK/b0101"
ok "$NODE" dues pay "$XB1" --month "$M0" --kind employee --base 4000 --data "$WORK/t01"
ok "$NODE" dues pay "$XB1" --month "$M1" --kind student --data "$WORK/t01"
ok "$NODE" dues pay "$XB1" --month "$M1" --kind employee --base 6000 --data "$WORK/b0101"
for n in b0101 t01 b0101; do conv_sync "$WORK/$n"; done
ok "$NODE" rejected --json --data "$WORK/t01"
python3 - "$LAST_OUT" "$XB1-${M0//-/}" <<'EOF2' || fail "the township's second payment of the month"
import json, sys
rows = [r for r in json.load(open(sys.argv[1], encoding="utf-8")) if r["key"] == sys.argv[2]]
assert len(rows) == 1 and "cannot be changed once" in rows[0]["reason"], rows
EOF2
for n in t01 b0101; do
  ok "$NODE" dues list --json --org "$B1" --data "$WORK/$n"
  python3 - "$LAST_OUT" "$XB1" "$M0" "$M1" <<'EOF2' || fail "$n: one payment a month"
import json, sys
rows = {r["month"]: r for r in json.load(open(sys.argv[1], encoding="utf-8")) if r["member_id"] == sys.argv[2]}
assert rows[sys.argv[3]]["standard_fen"] == 1500 and rows[sys.argv[4]]["standard_fen"] == 9000, rows
EOF2
done
ok "$SERVER" conflicts --org "$B1" --json --data "$SRV"
assert_grep "$LAST_OUT" "$XB1-${M1//-/}" "the concurrent payment is kept as a conflict record"

say "digests converge, verify passes"
for n in t01:$T1 b0101:$B1 b0102:$B2 b0201:$B4; do
  conv_assert_converged "$SRV" "$WORK/${n%%:*}" "${n#*:}" "${n%%:*}"
  ok "$NODE" verify --data "$WORK/${n%%:*}"
done
ok "$SERVER" verify --data "$SRV"

conv_stop_server
say "ok"
