#!/usr/bin/env bash
# Excel workbooks in and out (docs/RECORDS.md, "Importing" and
# "Exporting"): every workbook below is made here, imports into a fresh
# node and stores the same records as the reference CSV of zhibu-genroster —
#   * written by the project's own exporter (member list --xlsx, libxlsxwriter):
#     the 花名册 with its title row, Chinese headers (and English ones with
#     --lang en), dates as Excel dates, ID numbers as text; by file name, by
#     a name ending .csv (told by its bytes) and from stdin;
#   * written by Python's openpyxl, when it is installed (Debian's
#     python3-openpyxl; never pip): a title row, headers in another order,
#     序号 and 备注 to ignore, dates as date cells or as text, phones as
#     numbers, no id column;
#   * an export edited and imported back (xlsx, and the Chinese CSV of
#     member list --csv): the one edited member changes, nothing else;
#   * report stats --xlsx and --csv --lang zh|en.
# Broken and refused workbooks (made with Python's zipfile: no openpyxl
# needed) name the file, the row, the column and the value, and store
# nothing.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
zb_setup

R="$WORK/roster"
gen_roster "$R" --members 300 --townships 2 --branches 3 --seed 2222
N=300
F="$WORK/files"
mkdir -p "$F"
# The tests name the language; the caller's locale must not.
unset LC_ALL LC_MESSAGES LANG

fresh() {
  rm -rf "$1"
  new_node "$1" 430121 "n$RANDOM"
  ok "$NODE" org import "$R/orgs.csv" --data "$1"
}

# openpyxl, if some python3 on this machine has it (pyenv's may not,
# Debian's /usr/bin/python3 with python3-openpyxl does).
PYX=""
for p in python3 /usr/bin/python3; do
  if command -v "$p" >/dev/null && "$p" -c 'import openpyxl' 2>/dev/null; then
    PYX="$p"
    break
  fi
done

say "the reference roster"
REF="$WORK/ref"
fresh "$REF"
ok "$NODE" member import "$R/members.csv" --data "$REF"
DIG="$(digest_of "$REF")"

# check_same FILE WHAT [IMPORT-ARGS]: FILE into a fresh node gives the
# reference's digest.
check_same() {
  local d="$WORK/n-$RANDOM"
  fresh "$d"
  ok "$NODE" member import "$1" --data "$d"
  cp "$LAST_ERR" "$WORK/import.err"
  assert_grep "$WORK/import.err" "$N 行：新增 $N，更新 0，未变 0" "$2: summary"
  assert_eq "$(digest_of "$d")" "$DIG" "$2: digest against the reference"
  ok "$NODE" verify --data "$d"
}

say "member list --xlsx: the 花名册, and it imports to the same records"
ok "$NODE" member list --xlsx "$F/export.xlsx" --data "$REF"
assert_grep "$LAST_ERR" "export.xlsx: 已写出 $N 条党员" "the export says what it wrote"
[[ ! -s "$LAST_OUT" ]] || fail "member list --xlsx wrote to stdout"
head -c 4 "$F/export.xlsx" | od -An -c | grep -q "P   K 003 004" || fail "export.xlsx is not a zip"
python3 - "$F/export.xlsx" <<'EOF' || fail "the exported sheet"
import re, sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
ss = [re.sub(r"<[^>]+>", "", s) for s in
      re.findall(r"<si>(.*?)</si>", z.read("xl/sharedStrings.xml").decode())]
sheet = z.read("xl/worksheets/sheet1.xml").decode()
def cell(ref):
    m = re.search(r'<c r="%s"([^>]*)>(?:<f>.*?</f>)?<v>([^<]*)</v>' % ref, sheet)
    if not m:
        return None
    return ss[int(m.group(2))] if 't="s"' in m.group(1) else float(m.group(2))
title = cell("A1")
assert "长沙县委员会 党员花名册（" in title and "年" in title, title
head = [cell(c + "2") for c in "ABCDEFGHIJKLMN"]
assert head == ["姓名", "性别", "民族", "出生日期", "公民身份号码", "学历", "人员类别", "入党日期",
                "转正日期", "工作岗位", "联系电话", "所在党支部", "支委职务", "编号"], head
assert cell("O2") is None, "leave columns without --all"
# ID numbers are text (a string cell), dates are numbers (Excel's days).
assert isinstance(cell("E3"), str) and len(cell("E3")) == 18, cell("E3")
assert isinstance(cell("D3"), float), cell("D3")
assert 'mergeCell ref="A1:N1"' in sheet, "title not across the columns"
EOF
check_same "$F/export.xlsx" "member list --xlsx"
assert_grep "$WORK/import.err" "（工作簿的第一个工作表“党员花名册”）" "the summary names the sheet"
if grep -q "warning" "$WORK/import.err"; then fail "the export's own columns gave a warning"; fi

say "English headers (--lang en), and a workbook whose name ends .csv"
ok "$NODE" member list --xlsx "$F/export-en.csv" --lang en --data "$REF"
check_same "$F/export-en.csv" "member list --xlsx --lang en, named .csv"

say "a workbook from stdin: the same records"
S="$WORK/n-stdin"
fresh "$S"
expect_exit 0 bash -c '"$1" member import - --data "$2" <"$3"' _ "$NODE" "$S" "$F/export.xlsx"
assert_grep "$LAST_ERR" "stdin: $N 行：新增 $N" "xlsx on stdin"
assert_eq "$(digest_of "$S")" "$DIG" "xlsx on stdin: digest"

say "member list --csv: Chinese with a BOM by default, English with --lang en or an English locale"
ok "$NODE" member list --csv --data "$REF"
cp "$LAST_OUT" "$F/export-zh.csv"
assert_eq "$(head -c 3 "$F/export-zh.csv" | od -An -tx1 | tr -d ' ')" "efbbbf" "the Chinese CSV starts with a BOM"
assert_grep "$F/export-zh.csv" "编号,姓名,性别,民族,出生日期,公民身份号码" "the Chinese CSV header"
check_same "$F/export-zh.csv" "member list --csv (zh)"
ok "$NODE" member list --csv --lang en --data "$REF"
assert_eq "$(head -n 1 "$LAST_OUT")" "$(head -n 1 "$R/members.csv"),status,leave_reason,leave_date,leave_note,role" \
  "--lang en: the English header"
expect_exit 0 env LANG=en_US.UTF-8 "$NODE" member list --csv --data "$REF"
assert_eq "$(head -c 2 "$LAST_OUT")" "id" "an English LANG: English header"
expect_exit 0 env LANG=en_US.UTF-8 "$NODE" member list --csv --lang zh --data "$REF"
assert_eq "$(head -c 3 "$LAST_OUT" | od -An -tx1 | tr -d ' ')" "efbbbf" "--lang zh beats LANG"
expect_exit 2 "$NODE" member list --csv --lang fr --data "$REF"
assert_grep "$LAST_ERR" "--lang：“fr”既不是 zh" "an unknown --lang"
expect_exit 2 "$NODE" member list --csv --xlsx "$F/x.xlsx" --data "$REF"
[[ ! -e "$F/x.xlsx" ]] || fail "--csv --xlsx wrote a workbook"
expect_exit 6 "$NODE" member list --xlsx "$F/out.xlsx" --org 430122 --data "$REF"
[[ ! -e "$F/out.xlsx" ]] || fail "a refused list left a workbook behind"

say "an export edited and imported back: the one edited member changes"
M="$(python3 -c 'import csv,sys; r=list(csv.DictReader(open(sys.argv[1],encoding="utf-8"))); print(r[5]["id"], r[5]["id_number"])' "$R/members.csv")"
MID="${M% *}"
python3 - "$F/export-zh.csv" "$F/edited.csv" "$MID" <<'EOF'
import csv, sys
rows = list(csv.reader(open(sys.argv[1], encoding="utf-8-sig", newline="")))
h = rows[0]
for r in rows[1:]:
    if r[h.index("编号")] == sys.argv[3]:
        r[h.index("联系电话")] = "0731-84012345"
        break
else:
    raise SystemExit("member not in the export")
with open(sys.argv[2], "w", encoding="utf-8-sig", newline="") as f:
    csv.writer(f, lineterminator="\r\n").writerows(rows)
EOF
E="$WORK/n-edit"
fresh "$E"
ok "$NODE" member import "$R/members.csv" --data "$E"
ok "$NODE" member import "$F/edited.csv" --data "$E"
assert_grep "$LAST_ERR" "$N 行：新增 0，更新 1，未变 $((N - 1))" "the edited CSV"
ok "$NODE" member show "$MID" --json --data "$E"
assert_eq "$(json_field "$LAST_OUT" phone)" "0731-84012345" "the edited phone (CSV)"
ok "$NODE" member list --xlsx "$F/back.xlsx" --data "$E"
EOF_DIG="$(digest_of "$E")"
E2="$WORK/n-edit2"
fresh "$E2"
ok "$NODE" member import "$F/back.xlsx" --data "$E2"
assert_eq "$(digest_of "$E2")" "$EOF_DIG" "xlsx export of the edited node: same records"

if [[ -n "$PYX" ]]; then
  say "openpyxl ($PYX): the export edited in a spreadsheet and imported back"
  "$PYX" - "$F/export.xlsx" "$F/edited.xlsx" "$MID" <<'EOF'
import sys, openpyxl
wb = openpyxl.load_workbook(sys.argv[1])
ws = wb.worksheets[0]
head = [c.value for c in ws[2]]
for row in ws.iter_rows(min_row=3):
    if row[head.index("编号")].value == sys.argv[3]:
        row[head.index("联系电话")].value = "0731-84012345"
        break
else:
    raise SystemExit("member not in the workbook")
wb.save(sys.argv[2])
EOF
  E3="$WORK/n-edit3"
  fresh "$E3"
  ok "$NODE" member import "$R/members.csv" --data "$E3"
  ok "$NODE" member import "$F/edited.xlsx" --data "$E3"
  assert_grep "$LAST_ERR" "$N 行：新增 0，更新 1，未变 $((N - 1))" "the edited workbook"
  assert_eq "$(digest_of "$E3")" "$EOF_DIG" "edited in openpyxl = edited as CSV"

  say "openpyxl: a roster as a secretary keeps it (title, other order, 序号, 备注, date cells, numbers, no id)"
  "$PYX" - "$R/members.csv" "$F/openpyxl.xlsx" <<'EOF'
import csv, datetime, sys, openpyxl
rows = list(csv.DictReader(open(sys.argv[1], encoding="utf-8")))
wb = openpyxl.Workbook()
ws = wb.active
ws.title = "Sheet1"
ws.append(["某县 党员花名册"])
ws.append([])
cols = [("序号", None), ("姓名", "name"), ("性别", "gender"), ("身份证号码", "id_number"),
        ("出生年月", "birth_date"), ("民族", "ethnicity"), ("所在支部", "org_code"),
        ("人员类别", "category"), ("入党时间", "join_date"), ("转正日期", "full_date"),
        ("文化程度", "education"), ("职业", "occupation"), ("手机号码", "phone"), ("备注", None)]
ws.append([c for c, _ in cols])
for i, r in enumerate(rows):
    out = []
    for c, f in cols:
        v = r.get(f, "") if f else (i + 1 if c == "序号" else "")
        if f in ("birth_date", "join_date", "full_date") and v:
            y, m, d = map(int, v.split("-"))
            v = datetime.datetime(y, m, d) if i % 2 == 0 else f"{y}/{m}/{d}"
        elif f == "phone" and v and "-" not in v:
            v = int(v)                          # a phone typed into a General cell
        out.append(v if v != "" else None)
    ws.append(out)
wb.save(sys.argv[2])
EOF
  O="$WORK/n-openpyxl"
  fresh "$O"
  ok "$NODE" member import "$F/openpyxl.xlsx" --data "$O"
  assert_grep "$LAST_ERR" "$N 行：新增 $N" "openpyxl roster: summary"
  assert_grep "$LAST_ERR" "openpyxl.xlsx:3: 以下列已忽略（不是党员的字段）：序号, 备注" \
    "openpyxl roster: the header on row 3, one warning"
  # Same members as the reference but for the ids: matched by ID number
  # into the reference node, every row is unchanged.
  ok "$NODE" member import "$F/openpyxl.xlsx" --data "$REF"
  assert_grep "$LAST_ERR" "$N 行：新增 0，更新 0，未变 $N" "openpyxl roster = the reference"
  assert_eq "$(digest_of "$REF")" "$DIG" "the reference after the openpyxl roster"
else
  say "openpyxl is not installed (Debian: python3-openpyxl): its workbooks are not tested"
fi

say "report stats --xlsx and --csv"
ok "$NODE" report stats --org 430121-01 --as-of 2026-11-01 --json --data "$REF"
cp "$LAST_OUT" "$WORK/stats.json"
ok "$NODE" report stats --org 430121-01 --as-of 2026-11-01 --xlsx "$F/stats.xlsx" --data "$REF"
assert_grep "$LAST_ERR" "stats.xlsx: 已写出 " "report stats --xlsx says what it wrote"
python3 - "$F/stats.xlsx" "$WORK/stats.json" <<'EOF' || fail "report stats --xlsx"
import json, re, sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
ss = [re.sub(r"<[^>]+>", "", s) for s in
      re.findall(r"<si>(.*?)</si>", z.read("xl/sharedStrings.xml").decode())]
sheet = z.read("xl/worksheets/sheet1.xml").decode()
cells = {}
for ref, attrs, v in re.findall(r'<c r="([A-Z]+\d+)"([^>]*)><v>([^<]*)</v>', sheet):
    cells[ref] = ss[int(v)] if 't="s"' in attrs else int(float(v))
j = json.load(open(sys.argv[2]))
assert "截至 2026-11-01" in cells["A1"] and "党员统计" in cells["A1"], cells["A1"]
assert [cells["A2"], cells["B2"], cells["C2"]] == ["项目", "分类", "人数"]
assert cells["A3"] == "党员总数" and cells["C3"] == j["total"], (cells["A3"], cells["C3"])
rows = {}
r = 4
while f"A{r}" in cells:
    rows[(cells[f"A{r}"], cells.get(f"B{r}", ""))] = cells[f"C{r}"]
    r += 1
assert rows[("性别", "男")] == j["gender"]["男"]
assert rows[("年龄", "30岁及以下")] == j["age"]["<=30"]
assert rows[("入党时间", "党的十八大以来")] == j["join_period"]["after_2012-11-08"]
EOF
ok "$NODE" report stats --org 430121-01 --as-of 2026-11-01 --csv --data "$REF"
assert_eq "$(head -n 1 "$LAST_OUT")" $'\xef\xbb\xbf项目,分类,人数' "report stats --csv: Chinese by default"
assert_grep "$LAST_OUT" "年龄,30岁及以下," "report stats --csv: Chinese band labels"
ok "$NODE" report stats --org 430121-01 --as-of 2026-11-01 --csv --lang en --data "$REF"
assert_eq "$(head -n 1 "$LAST_OUT")" "dimension,value,count" "report stats --csv --lang en"

# ------------------------------------------------ broken and refused files
say "bad cells: file, row, column and value named; nothing stored"
python3 - "$R/members.csv" "$F" <<'EOF'
import csv, sys, zipfile
rows = list(csv.DictReader(open(sys.argv[1], encoding="utf-8")))
out = sys.argv[2]
NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
RNS = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
def esc(s):
    return s.replace("&", "&amp;").replace("<", "&lt;")
def col(i):
    s = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        s = chr(65 + r) + s
    return s
def book(path, sheet_rows):
    """sheet_rows: lists of (kind, value): 's' inline text, 'n' number, 'e' error."""
    xml = []
    for r, cells in enumerate(sheet_rows, 1):
        cs = []
        for c, (k, v) in enumerate(cells):
            ref = f"{col(c)}{r}"
            if k == "s":
                cs.append(f'<c r="{ref}" t="inlineStr"><is><t>{esc(v)}</t></is></c>')
            elif k == "n":
                cs.append(f'<c r="{ref}"><v>{v}</v></c>')
            elif k == "e":
                cs.append(f'<c r="{ref}" t="e"><v>{v}</v></c>')
        xml.append(f'<row r="{r}">{"".join(cs)}</row>')
    z = zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED)
    z.writestr("[Content_Types].xml", '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>')
    z.writestr("_rels/.rels", '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>')
    z.writestr("xl/workbook.xml", f'<workbook {NS} {RNS}><sheets><sheet name="名单" sheetId="1" r:id="rId1"/></sheets></workbook>')
    z.writestr("xl/_rels/workbook.xml.rels", '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>')
    z.writestr("xl/worksheets/sheet1.xml", f'<worksheet {NS}><sheetData>{"".join(xml)}</sheetData></worksheet>')
    z.close()
head = list(rows[0].keys())
zh = {"id": "编号", "name": "姓名", "gender": "性别", "ethnicity": "民族", "birth_date": "出生日期",
      "id_number": "身份证号", "education": "学历", "category": "人员类别", "join_date": "入党日期",
      "full_date": "转正日期", "org_code": "所在党支部", "phone": "联系电话", "occupation": "工作岗位"}
def good(r):
    return [("s", r[h]) if r[h] else ("s", "") for h in head]
sheet = [[("s", "某支部 党员花名册")], [("s", zh[h]) for h in head]]
sheet += [good(r) for r in rows[:3]]
bad = good(rows[3])
bad[head.index("id_number")] = ("n", "4.30121199007011E+17")    # row 6: Excel lost digits
sheet.append(bad)
bad = good(rows[4])
bad[head.index("phone")] = ("e", "#N/A")                         # row 7: an error value
sheet.append(bad)
bad = good(rows[5])
bad[head.index("birth_date")] = ("s", "1990年7月")                # row 8: a month, no day
sheet.append(bad)
bad = good(rows[6])
bad[head.index("id_number")] = ("s", rows[6]["id_number"][:-1] + ("1" if rows[6]["id_number"][-1] != "1" else "2"))
sheet.append(bad)                                                  # row 9: check digit
book(f"{out}/bad.xlsx", sheet)
# Hostile: a DOCTYPE with entities.
z = zipfile.ZipFile(f"{out}/doctype.xlsx", "w")
z.writestr("xl/workbook.xml", f'<!DOCTYPE w [<!ENTITY a "a">]><workbook {NS}/>')
z.close()
EOF
W="$WORK/n-bad"
fresh "$W"
ops0="$(ops_count "$W")"
expect_exit 3 "$NODE" member import "$F/bad.xlsx" --data "$W"
cp "$LAST_ERR" "$WORK/bad.err"
assert_grep "$WORK/bad.err" "bad.xlsx:6: 身份证号 (id_number): 是 16 位以上的数字，Excel 只保留 15 位" "a number Excel lost digits of"
assert_grep "$WORK/bad.err" "请把这一列设为“文本”格式" "... and how to fix it"
assert_grep "$WORK/bad.err" "bad.xlsx:7: 联系电话 (phone): 是 Excel 的错误值" "an #N/A cell"
assert_grep "$WORK/bad.err" "bad.xlsx:8: 出生日期 (birth_date):" "a month without its day: the row and column"
assert_grep "$WORK/bad.err" "（值：“1990年7月”）" "... and the value"
assert_grep "$WORK/bad.err" "bad.xlsx:9: 身份证号 (id_number): 身份证号校验位是" "a wrong check digit"
assert_grep "$WORK/bad.err" "什么都没有导入" "all or nothing"
assert_eq "$(ops_count "$W")" "$ops0" "ops after the refused workbook"
assert_eq "$(members_count "$W")" "0" "members after the refused workbook"

say "broken workbooks: one message naming the file"
expect_exit 3 "$NODE" member import "$F/doctype.xlsx" --data "$W"
assert_grep "$LAST_ERR" "doctype.xlsx: xl/workbook.xml: has a DOCTYPE" "a DOCTYPE"
head -c 700 "$F/export.xlsx" >"$F/cut.xlsx"
expect_exit 3 "$NODE" member import "$F/cut.xlsx" --data "$W"
assert_grep "$LAST_ERR" "cut.xlsx: 看起来像 xlsx 工作簿（zip 压缩包），但不是" "a cut workbook"
printf '\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1\0\0\0\0\0\0\0\0' >"$F/old.xls"
expect_exit 3 "$NODE" member import "$F/old.xls" --data "$W"
assert_grep "$LAST_ERR" "old.xls: 这是 Excel 97-2003 工作簿（.xls）" "an .xls"
assert_eq "$(members_count "$W")" "0" "members after the broken workbooks"
say "ok"
