#!/usr/bin/env bash
# Points (积分) and ranking (docs/RECORDS.md, "Points", "Ranking") over the
# real server and mutual TLS on 127.0.0.1:
#   - the scheme: `points scheme` prints the built-in default, which is
#     deploy/points.ini; a scheme with an unknown key, a number out of
#     bounds or an unknown section is refused naming FILE:LINE (exit 3);
#   - the yearly cap at the node: 5 × volunteer (2 points, cap 10) reach
#     the cap and are kept, a 6th is refused (exit 3); a voided entry
#     counts no more, so one more is then kept; at the server in its
#     order: the branch and its township each give a 5-point item that
#     reaches the cap of 10 on its own PC, the server keeps the first and
#     the second comes back rejected;
#   - an entry made under another scheme version is refused by the server;
#   - report ranking on generated meetings, attendance, dues and entries:
#     each member's base, manual, automatic and total points, their ranks,
#     and each branch's parts and score by the scheme's formula, checked
#     against an independent computation here (Python); the branch node's
#     ranking of its branch gives the same points; --csv, the table;
#   - digests converge, verify passes.
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
gen_roster "$R" --townships 1 --branches 2 --members 24 --seed 11
YEAR="$(date +%Y)"
TODAY="$(date +%Y-%m-%d)"
SCHEME="${ZB_SRC:?}/deploy/points.ini"

say "a server, a township and one of its branches with a node"
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

say "the scheme: the built-in default is deploy/points.ini; bad files name their line"
ok "$NODE" points scheme --data "$WORK/b0101"
cmp "$LAST_OUT" "$SCHEME" || fail "points scheme is not deploy/points.ini"
ok "$SERVER" points scheme --json --data "$SRV"
assert_eq "$(conv_json_field "$LAST_OUT" name)/$(conv_json_field "$LAST_OUT" version)" \
  default/1 "the server's scheme"
sed 's/^cap = 10$/colour = red/' "$SCHEME" >"$WORK/bad1.ini"
line="$(grep -n '^colour' "$WORK/bad1.ini" | head -1 | cut -d: -f1)"
expect_exit 3 "$NODE" points install "$WORK/bad1.ini" --data "$WORK/b0101"
assert_grep "$LAST_ERR" "bad1.ini:$line: [item.volunteer] has no key colour" "an unknown key"
sed 's/^points = 5$/points = 101/' "$SCHEME" >"$WORK/bad2.ini"
line="$(grep -n '^points = 101' "$WORK/bad2.ini" | cut -d: -f1)"
expect_exit 3 "$SERVER" points install "$WORK/bad2.ini" --data "$SRV"
assert_grep "$LAST_ERR" "bad2.ini:$line: [item.pioneer] points: 101 is not within -100..100" \
  "a number out of bounds"
printf '[scheme]\nname = x\n[bonus]\na = 1\n' >"$WORK/bad3.ini"
expect_exit 3 "$NODE" points install "$WORK/bad3.ini" --data "$WORK/b0101"
assert_grep "$LAST_ERR" "bad3.ini:3: no section [bonus]" "an unknown section"
[[ ! -e "$WORK/b0101/points.ini" && ! -e "$SRV/points.ini" ]] || fail "a bad scheme was installed"

# Members: X, Z of branch 1 for the caps; the generated plan for the rest.
python3 - "$R/members.csv" "$B1" >"$WORK/who" <<'EOF'
import csv, sys
rows = sorted((r for r in csv.DictReader(open(sys.argv[1], encoding="utf-8"))
               if r["org_code"] == sys.argv[2]), key=lambda r: r["id"])
print(rows[0]["id"], rows[1]["id"])
EOF
read -r X Z <"$WORK/who"

say "the yearly cap at the node: 5 × 2 = 10 reaches it, a 6th is refused"
for i in 1 2 3 4 5; do
  ok "$NODE" points add "$X" --item volunteer --date "$YEAR-01-0$i" --data "$WORK/b0101"
done
V5="$(cat "$LAST_OUT")"
ops_before="$(ops_count "$WORK/b0101")"
expect_exit 3 "$NODE" points add "$X" --item volunteer --date "$YEAR-01-06" --data "$WORK/b0101" --lang en
assert_grep "$LAST_ERR" "member $X has 10 of its yearly cap of 10 points in $YEAR" \
  "the 6th volunteer entry passes the cap"
assert_eq "$(ops_count "$WORK/b0101")" "$ops_before" "a refused entry adds no op"
expect_exit 3 "$NODE" points add "$X" --item painting --data "$WORK/b0101"
assert_grep "$LAST_ERR" "“painting”不是积分办法 default/1 中的项目" "an unknown item"
expect_exit 3 "$NODE" points add "$X" --item painting --data "$WORK/b0101" --lang en
assert_grep "$LAST_ERR" "\"painting\" is no item of the points scheme default/1" "an unknown item, in English"
ok "$NODE" points void "$V5" --reason 录入错误 --data "$WORK/b0101"
ok "$NODE" points add "$X" --item volunteer --date "$YEAR-01-07" --data "$WORK/b0101"
ok "$NODE" points list --all --json --data "$WORK/b0101"
python3 - "$LAST_OUT" "$V5" <<'EOF' || fail "a voided entry stays, and frees its place under the cap"
import json, sys
rows = json.load(open(sys.argv[1], encoding="utf-8"))
v = [r for r in rows if r["id"] == sys.argv[2]]
assert len(v) == 1 and v[0]["status"] == "已作废" and v[0]["void_reason"] == "录入错误", v
assert sum(r["status"] == "有效" and r["item"] == "volunteer" for r in rows) == 5, rows
EOF
if ((YEAR > 1901)); then   # last year's cap is another cap
  ok "$NODE" points add "$X" --item volunteer --date "$((YEAR - 1))-12-31" --data "$WORK/b0101"
fi

say "the yearly cap at the server: two PCs each reach it, the server keeps one"
ok "$NODE" points add "$Z" --item pioneer --date "$YEAR-02-01" --data "$WORK/b0101"
conv_sync "$WORK/b0101"
conv_sync "$WORK/t01"
ok "$NODE" points add "$Z" --item pioneer --date "$YEAR-02-02" --note 支部 --data "$WORK/b0101"
ok "$NODE" points add "$Z" --item pioneer --date "$YEAR-02-03" --note 乡镇 --data "$WORK/t01"
TKEY="$(cat "$LAST_OUT")"
conv_sync "$WORK/b0101"
conv_sync "$WORK/t01"
conv_sync "$WORK/b0101"
ok "$NODE" rejected --json --data "$WORK/t01"
python3 - "$LAST_OUT" "$TKEY" <<'EOF' || fail "the township's entry comes back rejected"
import json, sys
rows = [r for r in json.load(open(sys.argv[1], encoding="utf-8")) if r["key"] == sys.argv[2]]
assert len(rows) == 1 and rows[0]["field"] == "item" and "yearly cap of 10" in rows[0]["reason"], rows
EOF
for n in t01 b0101; do
  ok "$NODE" points list --org "$B1" --json --data "$WORK/$n"
  python3 - "$LAST_OUT" "$Z" <<'EOF' || fail "$n: Z has the branch's two pioneer entries"
import json, sys
rows = [r for r in json.load(open(sys.argv[1], encoding="utf-8")) if r["member_id"] == sys.argv[2]]
assert sorted(r["note"] for r in rows) == ["", "支部"], rows
assert all(r["points"] == "5" and r["scheme"] == "default/1" for r in rows), rows
EOF
done

say "an entry made under another scheme version is refused by the server"
sed 's/^version = 1$/version = 2/' "$SCHEME" >"$WORK/v2.ini"
ok "$NODE" points install "$WORK/v2.ini" --data "$WORK/t01"
ok "$NODE" points add "$X" --item study --data "$WORK/t01"
VKEY="$(cat "$LAST_OUT")"
conv_sync "$WORK/t01"
ok "$NODE" rejected --json --data "$WORK/t01"
python3 - "$LAST_OUT" "$VKEY" <<'EOF' || fail "the default/2 entry comes back rejected"
import json, sys
rows = [r for r in json.load(open(sys.argv[1], encoding="utf-8")) if r["key"] == sys.argv[2]]
assert len(rows) == 1 and "the scheme in force is default/1" in rows[0]["reason"], rows
EOF
ok "$NODE" points install "$SCHEME" --data "$WORK/t01"
ok "$NODE" points scheme --data "$WORK/t01"
cmp "$LAST_OUT" "$SCHEME" || fail "the scheme reinstalled"

say "a generated year: meetings with attendance, dues, entries at both PCs"
python3 - "$R/members.csv" "$B1" "$B2" "$TODAY" "$WORK" <<'EOF'
import csv, json, random, sys
members_csv, b1, b2, today, work = sys.argv[1:]
rng = random.Random(5)
y, tm, td = map(int, today.split("-"))
rows = list(csv.DictReader(open(members_csv, encoding="utf-8")))
types = ["支部党员大会", "支委会", "党小组会", "党课", "主题党日", "组织生活会", "民主评议"]
plan = {"meetings": [], "dues": [], "entries": []}
def day(m, lo=1, hi=28):
    if m == tm: hi = min(hi, td)
    return "%04d-%02d-%02d" % (y, m, rng.randint(lo, max(lo, hi)))
for org, node in ((b1, "b0101"), (b2, "t01")):
    mine = sorted((r for r in rows if r["org_code"] == org), key=lambda r: r["id"])
    ids = [r["id"] for r in mine]
    for k in range(7):
        t = types[k % 7] if k < 7 else rng.choice(types)
        m = rng.randint(1, tm)
        present = sorted(rng.sample(ids, rng.randint(1, len(ids))))
        absent = sorted(set(ids) - set(present))[:2]
        plan["meetings"].append({"node": node, "org": org, "type": t, "date": day(m),
                                 "present": present, "absent": absent})
    # Two more 党小组会 than any cap-free count: attendance caps show.
    for m in range(1, min(tm, 12) + 1):
        plan["meetings"].append({"node": node, "org": org, "type": "党小组会", "date": day(m),
                                 "present": ids[:3], "absent": []})
    for r in mine[2:8]:
        jm = int(r["join_date"][:4]) * 12 + int(r["join_date"][5:7]) - 1
        for m in range(1, min(tm, 5) + 1):
            if y * 12 + m - 1 < jm or rng.random() < 0.2:
                continue
            late = m < tm and rng.random() < 0.3
            paid = "%04d-%02d-%02d" % (y, m + 1, 2) if late else day(m, 1, 20)
            if paid > today:
                paid = today
            plan["dues"].append({"node": node, "member": r["id"], "month": "%04d-%02d" % (y, m),
                                 "paid": paid})
    for r in mine[2:10]:
        for item in rng.sample(["volunteer", "study", "violation"], 2):
            for _ in range(rng.randint(1, 2)):
                plan["entries"].append({"node": node, "member": r["id"], "item": item,
                                        "date": day(rng.randint(1, tm))})
json.dump(plan, open(work + "/plan.json", "w", encoding="utf-8"), ensure_ascii=False)
with open(work + "/meetings.txt", "w", encoding="utf-8") as f:
    for g in plan["meetings"]:
        f.write("%s %s %s %s %s|%s\n" % (g["node"], g["org"], g["type"], g["date"],
                                         " ".join(g["present"]), " ".join(g["absent"])))
with open(work + "/cmds.txt", "w", encoding="utf-8") as f:
    for d in plan["dues"]:
        f.write("%s dues pay %s --month %s --kind student --date %s\n"
                % (d["node"], d["member"], d["month"], d["paid"]))
    for e in plan["entries"]:
        f.write("%s points add %s --item %s --date %s\n" % (e["node"], e["member"], e["item"], e["date"]))
EOF
while IFS='|' read -r head absent; do
  read -r node org type date present <<<"$head"
  ok "$NODE" meeting add --org "$org" --type "$type" --date "$date" --topic 学习 --data "$WORK/$node"
  key="$(cat "$LAST_OUT")"
  for m in $present; do
    ok "$NODE" meeting attendance "$key" --member-id "$m" --attendance present --data "$WORK/$node"
  done
  for m in $absent; do
    ok "$NODE" meeting attendance "$key" --member-id "$m" --attendance absent --data "$WORK/$node"
  done
done <"$WORK/meetings.txt"
while read -r node rest; do
  # shellcheck disable=SC2086
  ok "$NODE" $rest --data "$WORK/$node"
done <"$WORK/cmds.txt"
for n in b0101 t01 b0101; do conv_sync "$WORK/$n"; done

say "report ranking at the server, checked by an independent computation"
ok "$SERVER" report ranking --org "$T1" --year "$YEAR" --json --data "$SRV"
cp "$LAST_OUT" "$WORK/rank.json"
python3 - "$WORK/rank.json" "$WORK/plan.json" "$R/members.csv" "$SCHEME" "$TODAY" "$X" "$Z" \
  "$B1" "$B2" <<'EOF' || fail "the server's ranking differs from the independent computation"
import configparser, csv, json, sys
rank, plan, members_csv, scheme_file, today, X, Z, b1, b2 = sys.argv[1:]
rep = json.load(open(rank, encoding="utf-8"))
plan = json.load(open(plan, encoding="utf-8"))
cp = configparser.ConfigParser(inline_comment_prefixes=(";",))
cp.read(scheme_file, encoding="utf-8")
y, tm, td = map(int, today.split("-"))
keys = ["branch_general", "committee", "group", "lecture", "theme_day", "life_meeting", "evaluation"]
types = ["支部党员大会", "支委会", "党小组会", "党课", "主题党日", "组织生活会", "民主评议"]
every = [3, 1, 1, 3, 1, 12, 12]
base = int(cp["scheme"]["base"])
items = {s[5:]: (int(cp[s]["points"]), int(cp[s]["cap"])) for s in cp.sections() if s.startswith("item.")}
auto = {k: int(v) for k, v in cp["auto"].items()}
br = cp["branch"]
rows = [r for r in csv.DictReader(open(members_csv, encoding="utf-8")) if r["org_code"] in (b1, b2)]
cap = lambda v, c: max(-c, min(c, v))
manual = {}   # (member, item) -> points
# The cap cases above: X 5 × volunteer this year (and one last year), Z 2 × pioneer.
manual[(X, "volunteer")] = 10
manual[(Z, "pioneer")] = 10
for e in plan["entries"]:
    k = (e["member"], e["item"])
    manual[k] = manual.get(k, 0) + items[e["item"]][0]
attended = {}
for g in plan["meetings"]:
    for m in g["present"]:
        k = (m, keys[types.index(g["type"])])
        attended[k] = attended.get(k, 0) + 1
on_time = {}
paid = set()
for d in plan["dues"]:
    paid.add((d["member"], d["month"]))
    if d["paid"][:7] <= d["month"]:
        on_time[d["member"]] = on_time.get(d["member"], 0) + 1
want = {}
for r in rows:
    m = r["id"]
    man = sum(cap(manual.get((m, it), 0), items[it][1]) for it in items)
    aut = sum(cap(attended.get((m, k), 0) * auto[k], auto[k + "_cap"]) for k in keys)
    aut += cap(on_time.get(m, 0) * auto["dues_on_time"], auto["dues_on_time_cap"])
    want[m] = (base, man, aut, base + man + aut)
wsum = sum(int(br[k]) for k in ("meetings", "dues", "pipeline", "freshness"))
assert rep["scheme"] == "default/1" and rep["freshness_from"] == "server", rep["scheme"]
assert "40×会议达标率 + 30×党费收缴率 + 10×发展活跃度 + 20×同步及时度" in rep["formula"], rep["formula"]
assert [b["org_code"] for b in rep["branches"]] and len(rep["branches"]) == 2, rep["branches"]
scores = {}
for b in rep["branches"]:
    org = b["org_code"]
    got = {m["member_id"]: (m["base"], m["manual"], m["auto"], m["total"]) for m in b["members"]}
    mine = {m: v for m, v in want.items() if next(r for r in rows if r["id"] == m)["org_code"] == org}
    assert got == mine, (org, sorted(set(got.items()) ^ set(mine.items())))
    totals = [m["total"] for m in b["members"]]
    assert totals == sorted(totals, reverse=True), totals
    for m in b["members"]:   # rank: 1 + those with more
        assert m["rank"] == 1 + sum(t > m["total"] for t in totals), m
    # Parts: meeting periods held of those begun, dues months paid of due.
    held = req = 0
    for i, t in enumerate(types):
        months = [int(g["date"][5:7]) for g in plan["meetings"] if g["org"] == org and g["type"] == t]
        for first in range(1, 13, every[i]):
            if first > tm:
                break
            req += 1
            held += any(first <= mo < first + every[i] for mo in months)
    due = got_paid = 0
    for r in rows:
        if r["org_code"] != org:
            continue
        jm = int(r["join_date"][:4]) * 12 + int(r["join_date"][5:7]) - 1
        for mo in range(1, tm + 1):
            if y * 12 + mo - 1 >= jm:
                due += 1
                got_paid += (r["id"], "%04d-%02d" % (y, mo)) in paid
    p = b["parts"]
    assert (p["periods_held"], p["periods_required"]) == (held, req), (org, p, held, req)
    assert (p["months_paid"], p["months_due"]) == (got_paid, due), (org, p, got_paid, due)
    assert p["applicants"] == 0 and p["pipeline"] == 0, p
    assert p["days_since_sync"] == 0 and p["freshness"] == 1, p
    s = 100 * (int(br["meetings"]) * held / req + int(br["dues"]) * got_paid / due
               + int(br["freshness"]) * 1) / wsum
    assert abs(b["score"] - s) < 1e-9, (org, b["score"], s)
    scores[org] = s
order = sorted(scores, key=lambda o: (-scores[o], o))
assert [b["org_code"] for b in rep["branches"]] == order, (order, rep["branches"])
assert rep["branches"][0]["rank"] == 1
# The caps showed: X's volunteer is 10, Z's pioneer 10, the 党小组会 capped.
xb = [m for b in rep["branches"] for m in b["members"] if m["member_id"] == X][0]
assert xb["items"]["volunteer"] == 10, xb
zb = [m for b in rep["branches"] for m in b["members"] if m["member_id"] == Z][0]
assert zb["items"]["pioneer"] == 10, zb
print("ranking checked:", {o: round(s, 2) for o, s in scores.items()})
EOF

say "the branch node ranks its branch with the same points; its freshness is its own"
ok "$NODE" report ranking --org "$B1" --year "$YEAR" --json --data "$WORK/b0101"
python3 - "$LAST_OUT" "$WORK/rank.json" "$B1" <<'EOF' || fail "the node's ranking differs"
import json, sys
node = json.load(open(sys.argv[1], encoding="utf-8"))
srv = json.load(open(sys.argv[2], encoding="utf-8"))
assert node["freshness_from"] == "node", node["freshness_from"]
nb = node["branches"][0]
sb = [b for b in srv["branches"] if b["org_code"] == sys.argv[3]][0]
assert nb["members"] == sb["members"], "members differ"
for k in ("periods_held", "periods_required", "months_paid", "months_due"):
    assert nb["parts"][k] == sb["parts"][k], k
assert nb["parts"]["days_since_sync"] == 0, nb["parts"]
EOF
expect_exit 6 "$NODE" report ranking --org "$B2" --data "$WORK/b0101"

say "the table and CSV"
ok "$SERVER" report ranking --org "$T1" --year "$YEAR" --data "$SRV"
assert_grep "$LAST_OUT" "支部得分 = 100 × (40×会议达标率 + 30×党费收缴率 + 10×发展活跃度 + 20×同步及时度) / 100" \
  "the table prints the formula"
assert_grep "$LAST_OUT" "同步及时度取自服务器" "says where freshness comes from"
ok "$SERVER" report ranking --org "$T1" --year "$YEAR" --data "$SRV" --lang en
assert_grep "$LAST_OUT" "branch score = 100 × (40×meeting compliance + 30×dues collection + 10×pipeline activity + 20×sync freshness) / 100" \
  "the English table prints the formula in English"
assert_grep "$LAST_OUT" "sync freshness from the server" "says where freshness comes from, in English"
head -n 5 "$LAST_OUT" | grep -q "会议达标率" && fail "report ranking --lang en: Chinese headers"
ok "$SERVER" report ranking --help --lang en
assert_grep "$LAST_OUT" "ranked by their points" "report ranking --help --lang en: the shared text"
ok "$SERVER" report ranking --help
assert_grep "$LAST_OUT" "下属每个支部的党员按积分排名" "report ranking --help: the shared text in Chinese"
ok "$SERVER" report ranking --org "$T1" --year "$YEAR" --csv --data "$SRV"
assert_eq "$(head -n 1 "$LAST_OUT")" \
  $'\xef\xbb\xbf党支部,支部名次,支部得分,名次,党员编号,姓名,基础分,手动积分,自动积分,总分' \
  "report ranking --csv: Chinese headers under a BOM by default"
ok "$SERVER" report ranking --org "$T1" --year "$YEAR" --csv --lang en --data "$SRV"
python3 - "$LAST_OUT" "$WORK/rank.json" <<'EOF' || fail "the CSV has the JSON's rows"
import csv, json, sys
rows = list(csv.DictReader(open(sys.argv[1], encoding="utf-8")))
rep = json.load(open(sys.argv[2], encoding="utf-8"))
want = [(b["org_code"], m["member_id"], str(m["total"]), str(m["rank"]))
        for b in rep["branches"] for m in b["members"]]
assert [(r["org_code"], r["member_id"], r["total"], r["rank"]) for r in rows] == want
EOF

say "digests converge, verify passes"
for n in t01:$T1 b0101:$B1; do
  conv_assert_converged "$SRV" "$WORK/${n%%:*}" "${n#*:}" "${n%%:*}"
  ok "$NODE" verify --data "$WORK/${n%%:*}"
done
ok "$SERVER" verify --data "$SRV"

conv_stop_server
say "ok"
