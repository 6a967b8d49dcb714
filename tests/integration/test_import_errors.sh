#!/usr/bin/env bash
# member import is all-or-nothing and names every bad row (README.md, "The command line";
# docs/DESIGN-NOTES.md, "Invariants" 6): a file mixing good rows with many kinds of bad ones exits 3,
# reports each bad row as FILE:LINE: column: reason with the physical line
# on which the row starts, and stores nothing — not even the good rows.
# Header problems, CRLF + BOM and a missing file are checked too.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
zb_setup

R="$WORK/roster"
gen_roster "$R" --members 600 --townships 3 --branches 4 --seed 77
SCOPE=430121-01
D="$WORK/node"
new_node "$D" "$SCOPE" town1
ok "$NODE" org import "$R/orgs.csv" --data "$D"

# The township's members: the first 40 are stored before the bad import,
# the rest serve as material for new rows.
python3 - "$R/members.csv" "$WORK/stored.csv" "$WORK/pool.csv" <<'EOF'
import sys
lines = open(sys.argv[1], encoding="utf-8").read().splitlines(True)
mine = [l for l in lines[1:] if l.split(",")[10].startswith("430121-01-")]
assert len(mine) > 120, len(mine)
open(sys.argv[2], "w", encoding="utf-8").write("".join([lines[0]] + mine[:40]))
open(sys.argv[3], "w", encoding="utf-8").write("".join([lines[0]] + mine[40:]))
EOF
ok "$NODE" member import "$WORK/stored.csv" --data "$D"
members0="$(members_count "$D")"
ops0="$(ops_count "$D")"
dig0="$(digest_of "$D")"
assert_eq "$members0" 40 "members before the bad import"

# ---------------------------------------------------------------- the bad file
say "a file with many bad rows among good ones: exit 3, every bad line named, nothing stored"
BAD="$WORK/bad.csv"
# Writes bad.csv and prints the expected "LINE COLUMN" pairs (column "-"
# for a whole-row problem).  Line numbers are counted here, from the bytes
# written, not taken from the product.
python3 - "$WORK/pool.csv" "$WORK/stored.csv" "$BAD" "$WORK/good.csv" >"$WORK/expected.txt" <<'EOF'
import csv, datetime, io, sys

W = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
def check(b17):
    return "10X98765432"[sum(int(c) * k for c, k in zip(b17, W)) % 11]

def rows(p):
    with open(p, encoding="utf-8", newline="") as f:
        rd = csv.DictReader(f)
        return rd.fieldnames, list(rd)

header, pool = rows(sys.argv[1])
_, stored = rows(sys.argv[2])
pool = iter(pool)
def base():
    return dict(next(pool))

def idnum_for(birth, seq, male):
    """An id number for birth date YYYY-MM-DD; seq's last digit made odd/even."""
    s = "430121" + birth.replace("-", "") + "%03d" % seq
    d = int(s[-1])
    if (d % 2 == 1) != male:
        s = s[:-1] + str((d + 1) % 10)
    return s + check(s)

today = datetime.date.today()
future = (today + datetime.timedelta(days=3)).isoformat()

out = io.StringIO()
line = 1
out.write(",".join(header) + "\n")
expected = []          # (line, column)
good = []              # the good rows' raw text

def emit(row, col=None, raw=None):
    """Writes one row; col names the bad column (None: a good row)."""
    global line
    line += 1
    start = line
    if raw is None:
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\n").writerow([row[h] for h in header])
        raw = buf.getvalue()
    out.write(raw)
    line += raw.count("\n") - 1
    if col is not None:
        expected.append((start, col))
    else:
        good.append(raw)
    return start

emit(base())                                              # good

r = base()                                                # wrong check digit
c = r["id_number"][17]
r["id_number"] = r["id_number"][:17] + ("0" if c != "0" else "1")
emit(r, "id_number")

r = base()                                                # lowercase x: read as X
male = r["gender"] == "男"
for seq in range(1, 999):
    n = idnum_for(r["birth_date"], seq, male)
    if n[17] == "X":
        break
assert n[17] == "X"
r["id_number"] = n[:17] + "x"
emit(r)

r = base()                                                # 17 characters
r["id_number"] = r["id_number"][:17]
emit(r, "id_number")

emit(base())                                              # good

r = base()                                                # birth date != id_number
b = datetime.date.fromisoformat(r["birth_date"]) - datetime.timedelta(days=1)
r["birth_date"] = b.isoformat()
emit(r, "birth_date")

r = base()                                                # 2023-02-29: not a real date
r.update(birth_date="1980-05-05", id_number=idnum_for("1980-05-05", 11, r["gender"] == "男"),
         join_date="2023-02-29", category="预备党员", full_date="")
emit(r, "join_date")

r = base()                                                # joined before the 18th birthday
r.update(birth_date="2000-06-15", id_number=idnum_for("2000-06-15", 21, r["gender"] == "男"),
         join_date="2018-06-14", category="预备党员", full_date="")
emit(r, "join_date")

r = base()                                                # joined in the future
r.update(join_date=future, category="预备党员", full_date="")
emit(r, "join_date")

emit(base())                                              # good

r = base()                                                # 正式党员 without full_date
r.update(category="正式党员", full_date="")
emit(r, "full_date")

r = base()                                                # 预备党员 with full_date
j = datetime.date.fromisoformat(r["join_date"])
r.update(category="预备党员", full_date=(j.replace(year=j.year + 1) if not (j.month == 2 and j.day == 29) else j + datetime.timedelta(days=366)).isoformat())
emit(r, "full_date")

r = base()                                                # phone with 12 digits
r["phone"] = "138000000001"
emit(r, "phone")

r = base()                                                # unknown ethnicity
r["ethnicity"] = "火星族"
emit(r, "ethnicity")

r = base()                                                # org inside the scope, not in the tree
r["org_code"] = "430121-01-99"
emit(r, "org_code")

r = base()                                                # org outside the node's scope
r["org_code"] = "430121-02-01"
emit(r, "org_code")

g = base()
emit(g)                                                   # good
r = base()                                                # duplicate id (of the row above)
r["id"] = g["id"]
emit(r, "id")

r = base()                                                # duplicate id_number (row above the dup)
r.update({k: v for k, v in g.items() if k not in ("id", "name")})
emit(r, "id_number")

r = base()                                                # id_number of a stored member
s = stored[0]
r.update({k: v for k, v in s.items() if k not in ("id", "name")})
emit(r, "id_number")

r = base()                                                # invalid UTF-8 in the name
buf = io.StringIO()
csv.writer(buf, lineterminator="\n").writerow([r[h] for h in header])
raw = buf.getvalue().replace(r["name"], r["name"][0] + "\udcff\udcfe", 1)
emit(None, "name", raw=raw)

r = base()                                                # a 300-byte field
r["occupation"] = "x" * 300
emit(r, "occupation")

r = base()                                                # a row with 12 fields
buf = io.StringIO()
csv.writer(buf, lineterminator="\n").writerow([r[h] for h in header][:-1])
emit(None, "-", raw=buf.getvalue())

emit(base())                                              # good

r = base()                                                # a quoted name holding a newline
r["name"] = r["name"][0] + "\n" + r["name"][1:]
emit(r, "name")                                           # spans two physical lines

r = base()                                                # bad after the shift: wrong check digit
c = r["id_number"][17]
r["id_number"] = r["id_number"][:17] + ("0" if c != "0" else "1")
emit(r, "id_number")

emit(base())                                              # good, last

with open(sys.argv[3], "w", encoding="utf-8", errors="surrogateescape", newline="") as f:
    f.write(out.getvalue())
with open(sys.argv[4], "w", encoding="utf-8", newline="") as f:
    f.write(",".join(header) + "\n" + "".join(good))
for l, c in expected:
    print(l, c)
EOF
nbad="$(wc -l <"$WORK/expected.txt")"
echo "bad.csv: $(wc -l <"$BAD") physical lines, $nbad bad rows"
expect_exit 3 "$NODE" member import "$BAD" --data "$D"
cp "$LAST_ERR" "$WORK/bad.err"
while read -r line col; do
  if [[ "$col" == "-" ]]; then
    grep -qF "zhibu-node: $BAD:$line: " "$WORK/bad.err" \
      || { cat "$WORK/bad.err" >&2; fail "line $line (wrong field count) not reported"; }
  else
    assert_grep "$WORK/bad.err" "$BAD:$line: $col: " "bad row on line $line ($col)"
  fi
done <"$WORK/expected.txt"
# No good row is blamed: the lines named are exactly the bad ones.
python3 - "$WORK/bad.err" "$BAD" "$WORK/expected.txt" <<'EOF' || fail "the set of reported lines is wrong"
import re, sys
err = open(sys.argv[1], encoding="utf-8", errors="replace").read()
pat = re.escape(sys.argv[2]) + r":(\d+): "
got = sorted({int(m) for m in re.findall(pat, err)})
want = sorted({int(l.split()[0]) for l in open(sys.argv[3])})
assert got == want, "reported %s, want %s" % (got, want)
EOF
assert_grep "$WORK/bad.err" "什么都没有导入" "the summary says nothing was stored"
assert_eq "$(members_count "$D")" "$members0" "members after the refused import"
assert_eq "$(ops_count "$D")" "$ops0" "ops after the refused import"
assert_eq "$(digest_of "$D")" "$dig0" "digest after the refused import"
ok "$NODE" verify --data "$D"

say "the good rows alone import (so the rows above were refused for the bad ones)"
ok "$NODE" member import "$WORK/good.csv" --data "$D"
ngood="$(python3 -c 'import csv,sys; print(sum(1 for _ in csv.DictReader(open(sys.argv[1], encoding="utf-8"))))' "$WORK/good.csv")"
[[ "$ngood" -ge 5 ]] || fail "only $ngood good rows"
assert_eq "$(members_count "$D")" "$((members0 + ngood))" "members after importing the good rows"
ok "$NODE" verify --data "$D"
members1="$(members_count "$D")"
ops1="$(ops_count "$D")"
dig1="$(digest_of "$D")"

# ---------------------------------------------------------------- header problems
unchanged() {
  assert_eq "$(members_count "$D")" "$members1" "members after $1"
  assert_eq "$(ops_count "$D")" "$ops1" "ops after $1"
  assert_eq "$(digest_of "$D")" "$dig1" "digest after $1"
}
mkfile() { # mkfile NAME PYTHON-TRANSFORM-OF-(header, rows)
  python3 - "$WORK/pool.csv" "$WORK/$1" "$2" <<'EOF'
import csv, sys
with open(sys.argv[1], encoding="utf-8", newline="") as f:
    rd = csv.reader(f)
    header = next(rd)
    rows = list(rd)[-10:]
ns = {"header": header, "rows": rows}
exec(sys.argv[3], ns)
with open(sys.argv[2], "w", encoding="utf-8", newline="") as f:
    csv.writer(f, lineterminator="\n").writerows([ns["header"]] + ns["rows"])
EOF
}

say "a missing required column exits 3 and names it"
mkfile nocol.csv 'i = header.index("id_number"); header.pop(i); [r.pop(i) for r in rows]'
expect_exit 3 "$NODE" member import "$WORK/nocol.csv" --data "$D"
assert_grep "$LAST_ERR" "id_number" "missing column named"
assert_grep "$LAST_ERR" "$WORK/nocol.csv" "missing column: file named"
unchanged "a missing column"

say "unknown columns are ignored, named in one warning"
python3 - "$WORK/pool.csv" "$WORK/extracol.csv" <<'EOF'
import csv, sys
with open(sys.argv[1], encoding="utf-8", newline="") as f:
    rd = csv.reader(f)
    header = next(rd)
    rows = list(rd)[-45:-40]
with open(sys.argv[2], "w", encoding="utf-8", newline="") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(["序号"] + header + ["nickname", "备注"])
    for i, r in enumerate(rows, 1):
        w.writerow([i] + r + ["小李", "x"])
EOF
ok "$NODE" member import "$WORK/extracol.csv" --data "$D"
assert_grep "$LAST_ERR" "extracol.csv:1: 以下列已忽略（不是党员的字段）：序号, nickname, 备注" "ignored columns named once"
[[ "$(grep -c "以下列已忽略" "$LAST_ERR")" -eq 1 ]] || fail "one warning for the ignored columns"
assert_grep "$LAST_ERR" "5 行：新增 5" "rows with ignored columns imported"
members1="$(members_count "$D")"
ops1="$(ops_count "$D")"
dig1="$(digest_of "$D")"

say "a duplicated column exits 3"
mkfile dupcol.csv 'header.append("phone"); [r.append(r[header.index("phone")]) for r in rows]'
expect_exit 3 "$NODE" member import "$WORK/dupcol.csv" --data "$D"
assert_grep "$LAST_ERR" "phone" "duplicate column named"
unchanged "a duplicated column"

say "an empty file and a missing file exit 3, naming the path"
: >"$WORK/empty.csv"
expect_exit 3 "$NODE" member import "$WORK/empty.csv" --data "$D"
assert_grep "$LAST_ERR" "$WORK/empty.csv" "empty file named"
expect_exit 3 "$NODE" member import "$WORK/no-such-file.csv" --data "$D"
assert_grep "$LAST_ERR" "$WORK/no-such-file.csv" "missing file named"
unchanged "an empty and a missing file"

# ---------------------------------------------------------------- accepted shapes
say "columns in another order, optional columns absent: imported as written"
mkfile reordered.csv '
order = ["org_code", "join_date", "category", "full_date", "id_number", "birth_date", "gender", "name", "id"]
idx = [header.index(c) for c in order]
header[:] = order
rows[:] = [[r[i] for i in idx] for r in rows[:3]]'
ok "$NODE" member import "$WORK/reordered.csv" --data "$D"
ok "$NODE" member list --json --data "$D"
python3 - "$LAST_OUT" "$WORK/reordered.csv" <<'EOF' || fail "reordered import stored other values"
import csv, json, sys
got = {m["id"]: m for m in json.load(open(sys.argv[1], encoding="utf-8"))}
for r in csv.DictReader(open(sys.argv[2], encoding="utf-8")):
    m = got[r["id"]]
    for k, v in r.items():
        assert m[k] == v, (r["id"], k, m[k], v)
    for k in ("ethnicity", "education", "phone", "occupation"):
        assert m[k] == "", (r["id"], k, m[k])
EOF
assert_eq "$(members_count "$D")" "$((members1 + 3))" "members after the reordered import"

say "a file with a UTF-8 BOM and CRLF line ends imports like the plain one"
python3 - "$WORK/pool.csv" "$WORK/crlf.csv" "$WORK/plain.csv" <<'EOF'
import sys
lines = open(sys.argv[1], encoding="utf-8").read().splitlines()
rows = [lines[0]] + lines[-30:-10]
open(sys.argv[2], "wb").write(b"\xef\xbb\xbf" + "\r\n".join(rows).encode() + b"\r\n")
open(sys.argv[3], "wb").write("\n".join(rows).encode() + b"\n")
EOF
ok "$NODE" member import "$WORK/crlf.csv" --data "$D"
assert_grep "$LAST_ERR" "20 行：新增 20" "CRLF + BOM import summary"
# The same rows without BOM and CRLF, on a second node with the same
# history: the digests must agree (no \r kept in the last field, no BOM in
# the first column).
D2="$WORK/node2"
new_node "$D2" "$SCOPE" town2
ok "$NODE" org import "$R/orgs.csv" --data "$D2"
ok "$NODE" member import "$WORK/stored.csv" --data "$D2"
ok "$NODE" member import "$WORK/good.csv" --data "$D2"
ok "$NODE" member import "$WORK/extracol.csv" --data "$D2"
ok "$NODE" member import "$WORK/reordered.csv" --data "$D2"
ok "$NODE" member import "$WORK/plain.csv" --data "$D2"
assert_eq "$(digest_of "$D")" "$(digest_of "$D2")" "digest of CRLF+BOM import vs plain import"
ok "$NODE" member import "$WORK/plain.csv" --data "$D"
assert_grep "$LAST_ERR" "20 行：新增 0，更新 0，未变 20" "plain file after the CRLF one changes nothing"
ok "$NODE" verify --data "$D"
