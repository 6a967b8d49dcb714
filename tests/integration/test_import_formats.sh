#!/usr/bin/env bash
# member import reads the files branch secretaries have (docs/RECORDS.md,
# "Importing"): every variant of one roster below, made here from the
# reference CSV of zhibu-genroster, imports into a fresh node and stores
# the same records as the reference itself —
#   * GB18030, as Chinese Excel/WPS save "CSV (逗号分隔)" (iconv), by name
#     and from stdin;
#   * UTF-8 with a BOM and CRLF line ends;
#   * Chinese headers (labels and their other names) in another order, with
#     columns to ignore (序号, 备注), dates in the other written forms,
#     lowercase x, full-width digits, blanks and U+3000 around values, short
#     forms (汉, 本科, 大专), spaced phones, rows of commas at the end — in
#     UTF-8 and in GB18030 with CRLF;
#   * the same without the id column: ids assigned (compared without ids),
#     and a second import matches every row to its member by ID number.
# A file that is neither UTF-8 nor GB18030 gives one message and stores
# nothing; so do two rows with one ID number (both lines named) and a
# birth month without the day.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
zb_setup
command -v iconv >/dev/null || fail "iconv is needed to make the GB18030 fixtures"

R="$WORK/roster"
gen_roster "$R" --members 400 --townships 2 --branches 3 --seed 1111
N=400
F="$WORK/files"
mkdir -p "$F"

# fresh DIR: a county node holding the org tree.
fresh() {
  rm -rf "$1"
  new_node "$1" 430121 "n$RANDOM"
  ok "$NODE" org import "$R/orgs.csv" --data "$1"
}

# members_json DIR OUT: member list --json, without ids, sorted by ID
# number (what must match when ids were assigned).
members_noid() {
  ok "$NODE" member list --json --data "$1"
  python3 - "$LAST_OUT" "$2" <<'EOF'
import json, sys
ms = json.load(open(sys.argv[1], encoding="utf-8"))
for m in ms:
    del m["id"]
ms.sort(key=lambda m: m["id_number"])
json.dump(ms, open(sys.argv[2], "w", encoding="utf-8"), ensure_ascii=False, indent=0, sort_keys=True)
EOF
}

say "the reference roster"
REF="$WORK/ref"
fresh "$REF"
ok "$NODE" member import "$R/members.csv" --data "$REF"
assert_grep "$LAST_ERR" "$N 行：新增 $N" "reference import"
if grep -q "GB18030" "$LAST_ERR"; then fail "the UTF-8 reference was read as GB18030"; fi
DIG="$(digest_of "$REF")"
members_noid "$REF" "$WORK/ref.json"

# ------------------------------------------------------------- the fixtures
# GB18030 as Excel saves it: the reference through iconv.
iconv -f UTF-8 -t GB18030 "$R/members.csv" >"$F/gbk.csv"
if iconv -f UTF-8 -t UTF-8 "$F/gbk.csv" >/dev/null 2>&1; then fail "gbk.csv is valid UTF-8: no test"; fi
python3 - "$R/members.csv" "$F" <<'EOF'
import csv, io, sys
src, out = sys.argv[1], sys.argv[2]
rows = list(csv.reader(open(src, encoding="utf-8", newline="")))
head, data = rows[0], rows[1:]

def fw(s):
    """Full-width forms of ASCII (U+FF01-U+FF5E)."""
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in s)

def date_form(d, i):
    if not d:
        return d
    y, m, dd = d.split("-")
    m1, d1 = str(int(m)), str(int(dd))
    forms = [f"{y}/{m1}/{d1}", f"{y}-{m1}-{d1}", f"{y}.{m1}.{d1}", f"{y}年{m1}月{d1}日",
             f"{y}{m}{dd}", f"{d} 00:00:00", f"{y}/{m}/{dd}", fw(d)]
    return forms[i % len(forms)]

short_edu = {"大学本科": "本科", "大学专科": "大专"}
zh = {  # the Chinese header of each column: labels and other names
    "id": "编号", "name": "姓名", "gender": "性别", "ethnicity": "民族",
    "birth_date": "出生年月", "id_number": "身份证号码", "education": "文化程度",
    "category": "人员类别", "join_date": "入党时间", "full_date": "转正日期",
    "org_code": "所在支部", "phone": "手机号码", "occupation": "职业"}
order = ["name", "gender", "id_number", "birth_date", "ethnicity", "org_code", "category",
         "join_date", "full_date", "education", "occupation", "phone", "id"]
nx = 0
def messy(r, i):
    global nx
    d = dict(zip(head, r))
    d["birth_date"] = date_form(d["birth_date"], i)
    d["join_date"] = date_form(d["join_date"], i + 3)
    d["full_date"] = date_form(d["full_date"], i + 5)
    if d["id_number"].endswith("X"):
        d["id_number"] = d["id_number"][:-1] + "x"
        nx += 1
    if i % 7 == 0:
        d["id_number"] = fw(d["id_number"])
    if d["ethnicity"].endswith("族") and i % 2 == 0:
        d["ethnicity"] = d["ethnicity"][:-1]
    d["education"] = short_edu.get(d["education"], d["education"])
    if d["phone"] and i % 3 == 0:
        p = d["phone"]
        d["phone"] = f"{p[:3]} {p[3:7]} {p[7:]}"
    elif d["phone"] and i % 3 == 1:
        d["phone"] = fw(d["phone"])
    if i % 5 == 0:
        d["name"] = "\u3000" + d["name"] + " "
    if i % 11 == 0:
        d["org_code"] = " " + d["org_code"] + "\t"
    return d

def write(name, cols, enc, nl, with_id):
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator=nl)
    use = [c for c in order if with_id or c != "id"]
    w.writerow(["序号"] + [cols[c] for c in use] + [" 备注 "])
    for i, r in enumerate(data):
        d = messy(r, i)
        w.writerow([str(i + 1)] + [d[c] for c in use] + ["第%d行" % (i + 1) if i % 4 else ""])
    w.writerow([""] * (len(use) + 2))           # what Excel leaves below a table
    buf.write("," * (len(use) + 1) + nl)
    open(f"{out}/{name}", "wb").write(buf.getvalue().encode(enc))

# Headers: some by Chinese label or name, one in English upper case.
cols = dict(zh)
cols["category"] = "CATEGORY"
write("chinese.csv", cols, "utf-8", "\n", True)
write("chinese-gbk.csv", cols, "gb18030", "\r\n", True)
write("noid.csv", cols, "utf-8", "\n", False)
write("noid-gbk.csv", cols, "gb18030", "\r\n", False)
assert nx > 0, "no ID number ends in X"

# BOM + CRLF, the reference otherwise.
text = "".join(",".join(r) + "\r\n" for r in rows)
open(f"{out}/bomcrlf.csv", "wb").write(b"\xef\xbb\xbf" + text.encode("utf-8"))
EOF
for f in chinese-gbk noid-gbk; do
  if iconv -f UTF-8 -t UTF-8 "$F/$f.csv" >/dev/null 2>&1; then fail "$f.csv is valid UTF-8: no test"; fi
done

# ------------------------------------------------------------- same records
check_same() { # check_same FILE WHAT: imports FILE into a fresh node, digest == reference
  local d="$WORK/n-$(basename "$1" .csv)"
  fresh "$d"
  ok "$NODE" member import "$1" --data "$d"
  cp "$LAST_ERR" "$WORK/import.err"
  assert_grep "$WORK/import.err" "$N 行：新增 $N，更新 0，未变 0" "$2: summary"
  assert_eq "$(digest_of "$d")" "$DIG" "$2: digest against the reference"
  ok "$NODE" verify --data "$d"
}

say "GB18030 (GBK), as Chinese Excel saves it: the same records"
check_same "$F/gbk.csv" "GB18030"
assert_grep "$WORK/import.err" "按 GB18030/GBK 读取" "the summary says the file was GB18030"

say "GB18030 from stdin: the same records"
S="$WORK/n-stdin"
fresh "$S"
expect_exit 0 bash -c '"$1" member import - --data "$2" <"$3"' _ "$NODE" "$S" "$F/gbk.csv"
assert_grep "$LAST_ERR" "stdin: $N 行：新增 $N" "GB18030 on stdin"
assert_eq "$(digest_of "$S")" "$DIG" "GB18030 on stdin: digest"

say "UTF-8 with a BOM and CRLF: the same records"
check_same "$F/bomcrlf.csv" "BOM + CRLF"

say "Chinese headers, other order, extra columns, written forms: the same records"
check_same "$F/chinese.csv" "Chinese headers (UTF-8)"
assert_grep "$WORK/import.err" "chinese.csv:1: 以下列已忽略（不是党员的字段）：序号, 备注" \
  "one warning naming the ignored columns"
[[ "$(grep -c "warning" "$WORK/import.err")" -eq 1 ]] || fail "not one warning: $(cat "$WORK/import.err")"
check_same "$F/chinese-gbk.csv" "Chinese headers (GB18030, CRLF)"

say "no id column: ids assigned, the same members otherwise"
A="$WORK/n-noid"
fresh "$A"
ok "$NODE" member import "$F/noid-gbk.csv" --data "$A"
assert_grep "$LAST_ERR" "$N 行：新增 $N" "no id column: summary"
members_noid "$A" "$WORK/noid.json"
cmp -s "$WORK/ref.json" "$WORK/noid.json" || fail "no id column: members differ from the reference"
ok "$NODE" member list --json --data "$A"
python3 - "$LAST_OUT" <<'EOF' || fail "assigned ids are not NODE-NNNNNN, one each"
import json, re, sys
ids = [m["id"] for m in json.load(open(sys.argv[1], encoding="utf-8"))]
assert len(set(ids)) == len(ids) == 400
assert all(re.fullmatch(r"n\d+-\d{6}", i) for i in ids), ids[:3]
EOF
ok "$NODE" verify --data "$A"
say "the same file again: every row matched to its member by ID number"
ops0="$(ops_count "$A")"
ok "$NODE" member import "$F/noid.csv" --data "$A"
assert_grep "$LAST_ERR" "$N 行：新增 0，更新 0，未变 $N" "no id column, again"
assert_eq "$(ops_count "$A")" "$ops0" "ops after the second import without ids"

say "rows without id into a node holding the reference: updates of the members with those ID numbers"
B="$WORK/n-ref-noid"
fresh "$B"
ok "$NODE" member import "$R/members.csv" --data "$B"
python3 - "$F/noid.csv" "$WORK/noid-changed.csv" <<'EOF'
import csv, sys
rows = list(csv.reader(open(sys.argv[1], encoding="utf-8", newline="")))
h = rows[0]
p = h.index("手机号码")
rows[1][p] = "(0731) 8401 2345"      # a landline, written as people do
rows[2][p] = "0731-84012345转123"
csv.writer(open(sys.argv[2], "w", encoding="utf-8", newline=""), lineterminator="\n").writerows(rows)
EOF
ok "$NODE" member import "$WORK/noid-changed.csv" --data "$B"
assert_grep "$LAST_ERR" "$N 行：新增 0，更新 2，未变 $((N - 2))" "rows without id update"
ok "$NODE" member list --json --data "$B"
python3 - "$LAST_OUT" "$R/members.csv" <<'EOF' || fail "landlines not stored in normal form"
import csv, json, sys
got = {m["id"]: m for m in json.load(open(sys.argv[1], encoding="utf-8"))}
ref = list(csv.DictReader(open(sys.argv[2], encoding="utf-8")))
assert got[ref[0]["id"]]["phone"] == "0731-84012345", got[ref[0]["id"]]["phone"]
assert got[ref[1]["id"]]["phone"] == "0731-84012345-123", got[ref[1]["id"]]["phone"]
assert len(got) == 400
EOF

# ------------------------------------------------------------- refused files
say "bytes that are neither UTF-8 nor GB18030: one clear message, nothing stored"
C="$WORK/n-bad"
fresh "$C"
dig0="$(digest_of "$C")"
head -c 20000 /dev/urandom | tr '\000-\177' '\200-\377' >"$F/random.csv"
expect_exit 3 "$NODE" member import "$F/random.csv" --data "$C"
assert_grep "$LAST_ERR" "random.csv:1: 文件编码有误：既不是 UTF-8 也不是 GB18030（GBK）文本" "the encoding named"
assert_grep "$LAST_ERR" "CSV UTF-8" "the fix named"
[[ "$(grep -c "random.csv:" "$LAST_ERR")" -eq 2 ]] || fail "not one message (+ the summary): $(head -5 "$LAST_ERR")"
# A good roster whose last row holds such bytes: the same one message.
{ cat "$F/gbk.csv"; printf 'M9,\xff\xfe\x80,x\r\n'; } >"$F/gbk-tail.csv"
expect_exit 3 "$NODE" member import "$F/gbk-tail.csv" --data "$C"
assert_grep "$LAST_ERR" "gbk-tail.csv:$((N + 2)): 文件编码有误：既不是 UTF-8 也不是 GB18030" "the line named"
[[ "$(grep -c "gbk-tail.csv:" "$LAST_ERR")" -eq 2 ]] || fail "not one message: $(head -5 "$LAST_ERR")"
assert_eq "$(members_count "$C")" 0 "members after the refused files"
assert_eq "$(digest_of "$C")" "$dig0" "digest after the refused files"

say "two rows with one ID number, no ids: both lines named, nothing stored"
python3 - "$F/noid.csv" "$F/dup.csv" <<'EOF'
import csv, sys
rows = list(csv.reader(open(sys.argv[1], encoding="utf-8", newline="")))
rows.insert(6, list(rows[3]))             # line 7 repeats line 4
csv.writer(open(sys.argv[2], "w", encoding="utf-8", newline=""), lineterminator="\n").writerows(rows)
EOF
expect_exit 3 "$NODE" member import "$F/dup.csv" --data "$C" --lang en
assert_grep "$LAST_ERR" "dup.csv:7: 身份证号码 (id_number): is also on line 4 of this file" "both lines"
assert_eq "$(members_count "$C")" 0 "members after the duplicate"

say "a birth month without the day, a missing column: messages that say what to write"
python3 - "$F/noid.csv" "$F/month.csv" "$F/nocol.csv" <<'EOF'
import csv, sys
rows = list(csv.reader(open(sys.argv[1], encoding="utf-8", newline="")))
h = rows[0]
b = h.index("出生年月")
rows[2][b] = "1990年7月"
csv.writer(open(sys.argv[2], "w", encoding="utf-8", newline=""), lineterminator="\n").writerows(rows[:5])
i = h.index("身份证号码")
csv.writer(open(sys.argv[3], "w", encoding="utf-8", newline=""), lineterminator="\n").writerows(
    [r[:i] + r[i + 1:] for r in rows[:5]])
EOF
expect_exit 3 "$NODE" member import "$F/month.csv" --data "$C"
assert_grep "$LAST_ERR" "month.csv:3: 出生年月 (birth_date): 只有年和月，缺少日" "month only"
assert_grep "$LAST_ERR" "（值：“1990年7月”）" "the value quoted"
expect_exit 3 "$NODE" member import "$F/nocol.csv" --data "$C" --lang en
assert_grep "$LAST_ERR" "nocol.csv:1: id_number: required column is missing; its header may be any of: id_number, 公民身份号码, 身份证号" \
  "missing column with its names"
assert_eq "$(members_count "$C")" 0 "members after the refused files"

say "member import --help lists the columns with their Chinese names"
ok "$NODE" member import --help
assert_grep "$LAST_OUT" "id_number    公民身份号码, 身份证号, 身份证号码" "help: id_number's names"
assert_grep "$LAST_OUT" "GB18030" "help: the encodings"
