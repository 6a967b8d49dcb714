#!/usr/bin/env bash
# Chinese first (README.md, "Language"; docs/DESIGN-NOTES.md, "Language"):
# both programs speak Chinese by default — --help, every command's --help,
# usage errors, not-found messages, table headers, status, report labels —
# and English with --lang en or an English locale; --json is the same
# bytes in both; times for people are local.  Then `member find TEXT` on
# node and server: by name, ID-number tail, phone, id; no match exits 4.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
zb_setup_sync
unset LC_ALL LC_MESSAGES LANG

R="$WORK/roster"
gen_roster "$R" --members 300 --townships 2 --branches 2 --seed 7
COUNTY=430121
N="$WORK/n"
SRV="$WORK/srv"
ok "$SERVER" init --data "$SRV"
ok "$SERVER" org import "$R/orgs.csv" --data "$SRV"
enroll_node "$SRV" "$N" n1 "$COUNTY"
ok "$NODE" member import "$R/members.csv" --data "$N"

# Whether FILE has a Han character (U+4E00..U+9FFF).
has_han() {
  python3 -c 'import re,sys; sys.exit(0 if re.search("[\u4e00-\u9fff]", open(sys.argv[1], encoding="utf-8").read()) else 1)' "$1"
}

# -------------------------------------------------------------- --help
say "top-level --help of both programs: Chinese by default, English with --lang en or LANG=en_US"
for P in "$NODE" "$SERVER"; do
  ok "$P" --help
  assert_grep "$LAST_OUT" "用法：" "$P --help starts in Chinese"
  assert_grep "$LAST_OUT" "退出码" "$P --help: the exit statuses in Chinese"
  cp "$LAST_OUT" "$WORK/help.zh"
  ok "$P" --help --lang en
  assert_grep "$LAST_OUT" "usage: " "$P --help --lang en"
  has_han "$LAST_OUT" && ! grep -aq "^usage: .*COMMAND" "$LAST_OUT" && fail "English help is not English"
  cmp -s "$LAST_OUT" "$WORK/help.zh" && fail "$P: --lang en changed nothing"
  LANG=en_US.UTF-8 ok "$P" --help
  cmp -s "$LAST_OUT" "$WORK/help.zh" && fail "$P: LANG=en_US.UTF-8 changed nothing"
  assert_grep "$LAST_OUT" "usage: " "$P under LANG=en_US.UTF-8"
  # --lang beats the locale; LC_ALL beats LANG.
  LANG=en_US.UTF-8 ok "$P" --help --lang zh
  cmp -s "$LAST_OUT" "$WORK/help.zh" || fail "$P: --lang zh under an English LANG is not Chinese"
  ok env LC_ALL=zh_CN.UTF-8 LANG=en_US.UTF-8 "$P" --help
  cmp -s "$LAST_OUT" "$WORK/help.zh" || fail "$P: LC_ALL=zh_CN does not win over LANG"
  expect_exit 2 "$P" --help --lang fr
  assert_grep "$LAST_ERR" "--lang" "a bad --lang is named"
done

say "every command's --help, in both languages, has no catalogue key left and differs between them"
for P in "$NODE" "$SERVER"; do
  "$P" --help --lang en | sed -n '/^commands:/,/^$/p' | sed -n 's/^  \([a-z][a-z]*\( [a-z][a-z]*\)\?\) .*/\1/p' \
    > "$WORK/cmds"
  n=0
  while read -r words; do
    # shellcheck disable=SC2086
    ok "$P" $words --help
    cp "$LAST_OUT" "$WORK/one.zh"
    assert_grep "$LAST_OUT" "用法：" "$words --help in Chinese"
    has_han "$LAST_OUT" || fail "$P $words --help has no Chinese"
    # shellcheck disable=SC2086
    ok "$P" $words --help --lang en
    assert_grep "$LAST_OUT" "usage:" "$words --help in English"
    cmp -s "$LAST_OUT" "$WORK/one.zh" && fail "$P $words --help is the same in both languages"
    # A key that the catalogue lacks would print as itself.
    if grep -Eq '(^|[^a-z])(node|server|kind|cli|dues|status|find)\.[a-z_]+' "$WORK/one.zh" "$LAST_OUT"; then
      grep -E '(^|[^a-z])(node|server|kind|cli|dues|status|find)\.[a-z_]+' "$WORK/one.zh" "$LAST_OUT" >&2
      fail "$P $words --help shows a catalogue key"
    fi
    n=$((n + 1))
  done < "$WORK/cmds"
  [[ $n -ge 20 ]] || fail "$P: only $n commands found in --help"
done

# -------------------------------------------------------------- errors
say "usage errors and not-found: Chinese by default, English with --lang en"
expect_exit 2 "$NODE" membr list --data "$N"
assert_grep "$LAST_ERR" "没有“membr list”这条命令" "unknown command in Chinese"
expect_exit 2 "$NODE" membr list --data "$N" --lang en
assert_grep "$LAST_ERR" 'unknown command "membr' "unknown command in English"
expect_exit 2 "$NODE" member list --bogus --data "$N"
assert_grep "$LAST_ERR" "没有 --bogus 这个选项" "unknown option in Chinese"
expect_exit 4 "$NODE" member show M9999999999 --data "$N"
assert_grep "$LAST_ERR" "找不到党员 M9999999999" "not found in Chinese, with the kind's label"
LANG=en_US.UTF-8 expect_exit 4 "$NODE" member show M9999999999 --data "$N"
assert_grep "$LAST_ERR" "member M9999999999 not found" "not found in English"
expect_exit 3 "$NODE" member add --name 张三 --gender 男 --birth-date 1990-13-01 \
  --id-number 430121199001011234 --category 正式党员 --join-date 2015-01-01 --data "$N"
has_han "$LAST_ERR" || fail "a validation message has no Chinese"

# -------------------------------------------------------------- tables
say "table headers and report labels: the descriptors' labels, no raw keys"
ok "$NODE" member list --data "$N"
head -1 "$LAST_OUT" | grep -aq "姓名" || fail "member list header is not Chinese: $(head -1 "$LAST_OUT")"
head -1 "$LAST_OUT" | grep -aqw "name" && fail "member list header shows the key name"
ok "$NODE" member list --data "$N" --lang en
head -1 "$LAST_OUT" | grep -aqw "name" || fail "member list --lang en header: $(head -1 "$LAST_OUT")"
ok "$NODE" report stats --data "$N"
assert_grep "$LAST_OUT" "新中国成立前" "report stats: the join periods by their Chinese labels"
grep -aq "before_1949" "$LAST_OUT" && fail "report stats shows the raw key before_1949-10-01"
grep -aqw "count" "$LAST_OUT" && fail "report stats shows the English header count"
ok "$NODE" report stats --data "$N" --lang en
assert_grep "$LAST_OUT" "before_1949-10-01" "report stats --lang en keeps the English names"
ok "$NODE" status --data "$N"
assert_grep "$LAST_OUT" "未发送的修改" "status in Chinese"
ok "$NODE" status --data "$N" --lang en
assert_grep "$LAST_OUT" "changes not yet sent: " "status --lang en"

# -------------------------------------------------------------- --json
say "--json is the same bytes in Chinese and English"
for args in "status" "member list" "report stats" "log" "org list" "member find 张" "report pipeline" \
  "dues rules"; do
  # shellcheck disable=SC2086
  "$NODE" $args --json --data "$N" > "$WORK/j.zh" 2>/dev/null || true
  # shellcheck disable=SC2086
  LANG=en_US.UTF-8 "$NODE" $args --json --data "$N" > "$WORK/j.en" 2>/dev/null || true
  # shellcheck disable=SC2086
  "$NODE" $args --json --lang en --data "$N" > "$WORK/j.en2" 2>/dev/null || true
  [[ -s "$WORK/j.zh" ]] || fail "$args --json printed nothing"
  is_json "$WORK/j.zh" || fail "$args --json is not JSON"
  cmp -s "$WORK/j.zh" "$WORK/j.en" || fail "$args --json differs under LANG=en_US.UTF-8"
  cmp -s "$WORK/j.zh" "$WORK/j.en2" || fail "$args --json differs with --lang en"
done
ok "$SERVER" status --json --data "$SRV"
cp "$LAST_OUT" "$WORK/s.zh"
ok "$SERVER" status --json --data "$SRV" --lang en
cmp -s "$LAST_OUT" "$WORK/s.zh" || fail "zhibu-server status --json differs with --lang en"

# -------------------------------------------------------------- local time
say "times for people are local, --json keeps UTC"
TZ=Asia/Shanghai ok "$NODE" log --data "$N"
local_t="$(sed -n 3p "$LAST_OUT" | awk '{print $2" "$3}')"
TZ=Asia/Shanghai ok "$NODE" log --json --data "$N"
utc_t="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[0]["time"])' "$LAST_OUT")"
python3 - "$local_t" "$utc_t" <<'PY' || fail "log time $local_t is not $utc_t in Shanghai time"
import sys, datetime
local, utc = sys.argv[1], sys.argv[2]
u = datetime.datetime.strptime(utc[:19], "%Y-%m-%dT%H:%M:%S")
l = datetime.datetime.strptime(local, "%Y-%m-%d %H:%M:%S")
sys.exit(0 if l - u == datetime.timedelta(hours=8) else 1)
PY

# -------------------------------------------------------------- member find
# A member of the roster, and its values as a secretary would type them.
read -r MID MNAME MIDN MPHONE < <(python3 - "$R/members.csv" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], encoding="utf-8")))
m = rows[17]
print(m["id"], m["name"], m["id_number"], m["phone"])
PY
)
# count_matches FILE FIELD VALUE: how many records of a --json array have FIELD == VALUE.
json_ids() {
  python3 -c 'import json,sys; print(" ".join(sorted(r["id"] for r in json.load(open(sys.argv[1])))))' "$1"
}

say "member find: by part of the name"
SUR="$(python3 -c 'import sys; print(sys.argv[1][0])' "$MNAME")"   # a surname, one character
ok "$NODE" member find "$SUR" --json --data "$N"
want="$(python3 - "$R/members.csv" "$SUR" <<'PY'
import csv, sys
print(" ".join(sorted(r["id"] for r in csv.DictReader(open(sys.argv[1], encoding="utf-8")) if sys.argv[2] in r["name"])))
PY
)"
assert_eq "$(json_ids "$LAST_OUT")" "$want" "member find $SUR: every member with $SUR in the name, and only those"
ok "$NODE" member find "$MNAME" --data "$N"
assert_grep "$LAST_OUT" "$MID" "member find NAME lists the member"
head -1 "$LAST_OUT" | grep -aq "公民身份号码" || fail "member find: the table header is not Chinese"
assert_grep "$LAST_OUT" "找到 " "member find: the count in Chinese"

say "member find: by the ID number's last 6 characters (x as X), and by full-width digits"
TAIL="${MIDN: -6}"
ok "$NODE" member find "$TAIL" --json --data "$N"
python3 - "$LAST_OUT" "$MID" "$TAIL" <<'PY' || fail "member find $TAIL"
import json, sys
rs = json.load(open(sys.argv[1]))
assert any(r["id"] == sys.argv[2] and r["match"] == "id_number" for r in rs), rs
assert all(r["id_number"].endswith(sys.argv[3]) or r["match"] != "id_number" for r in rs), rs
PY
FW="$(python3 -c 'import sys; print("".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c for c in sys.argv[1]))' "${MIDN: -4}")"
ok "$NODE" member find " $FW " --data "$N"
assert_grep "$LAST_OUT" "$MID" "member find with full-width digits and blanks"
# A roster ID ending in X: found by its tail written with a lowercase x.
XID="$(python3 - "$R/members.csv" <<'PY'
import csv, sys
for r in csv.DictReader(open(sys.argv[1], encoding="utf-8")):
    if r["id_number"].endswith("X"):
        print(r["id"], r["id_number"]); break
PY
)"
if [[ -n "$XID" ]]; then
  read -r XMID XIDN <<<"$XID"
  xt="${XIDN: -5}"
  ok "$NODE" member find "${xt,,}" --data "$N"
  assert_grep "$LAST_OUT" "$XMID" "member find: an ID tail with a lowercase x"
fi

say "member find: by phone, whole or four digits in a row; by id"
ok "$NODE" member find "$MPHONE" --json --data "$N"
python3 - "$LAST_OUT" "$MID" <<'PY' || fail "member find by phone"
import json, sys
rs = json.load(open(sys.argv[1]))
assert [r["id"] for r in rs] == [sys.argv[2]] and rs[0]["match"] == "phone", rs
PY
ok "$NODE" member find "${MPHONE:3:3} ${MPHONE:6:4}" --json --data "$N"
python3 - "$LAST_OUT" "$MID" <<'PY' || fail "member find by part of the phone with a blank"
import json, sys
rs = json.load(open(sys.argv[1]))
assert sys.argv[2] in [r["id"] for r in rs], rs
PY
ok "$NODE" member find "$MID" --json --data "$N"
assert_eq "$(json_ids "$LAST_OUT")" "$MID" "member find by id"

say "member find: no match exits 4 with a Chinese message; an empty text is a usage error"
expect_exit 4 "$NODE" member find "不存在的名字" --data "$N"
assert_grep "$LAST_ERR" "没有找到" "no match is said in Chinese"
[[ -s "$LAST_OUT" ]] && fail "no match printed a table"
expect_exit 4 "$NODE" member find "不存在的名字" --json --data "$N"
assert_eq "$(cat "$LAST_OUT")" "[]" "no match with --json: an empty array"
expect_exit 4 "$NODE" member find "不存在的名字" --data "$N" --lang en
assert_grep "$LAST_ERR" "no member matches" "no match in English"
expect_exit 2 "$NODE" member find "　" --data "$N"
expect_exit 2 "$NODE" member find --data "$N"
# Three digits are neither an ID tail nor a phone part: only names and ids.
expect_exit 4 "$NODE" member find "${MPHONE:7:3}" --data "$N"
expect_exit 6 "$NODE" member find "$SUR" --org 430199 --data "$N"

say "member find on the server, over the node's parcel: the same matches for --org"
ok "$NODE" bundle export "$WORK/p1" --data "$N"
ok "$SERVER" bundle import "$WORK/p1" --data "$SRV"
ok "$SERVER" member find "$SUR" --org "$COUNTY" --json --data "$SRV"
assert_eq "$(json_ids "$LAST_OUT")" "$want" "server member find $SUR equals the node's"
ok "$SERVER" member find "$TAIL" --org "$COUNTY" --data "$SRV"
assert_grep "$LAST_OUT" "$MID" "server member find by ID tail"
expect_exit 4 "$SERVER" member find "不存在的名字" --org "$COUNTY" --data "$SRV"
expect_exit 2 "$SERVER" member find "$SUR" --data "$SRV"

# -------------------------------------------------------------- reports
# Each report's human table in both languages (docs/DESIGN-NOTES.md,
# "Language"): titles, headers, row labels and notes; --csv the same rule.
# no_han_in FILE LINE…: these lines (titles, formulas, headers) of an
# English report have no Chinese (names, codes, a scheme's title are data).
no_han_in() {
  python3 -c 'import re,sys; ls=open(sys.argv[1], encoding="utf-8").read().split("\n"); t="".join(ls[int(n) - 1] for n in sys.argv[2:]); sys.exit(1 if re.search("[\u4e00-\u9fff]", t) else 0)' "$@"
}
say "report balance, dues, meetings, ranking, pipeline: Chinese by default, English with --lang en"
YEAR="$(date +%Y)"
# what|Chinese title|Chinese label|English title|English label|lines with no Chinese
for spec in "balance|党员增减情况：$COUNTY|年初党员数（|Members in and out: $COUNTY|members at the start (|1 3 5 6" \
  "dues|党费收缴情况  $COUNTY|欠交名单（|Dues collected  $COUNTY|In arrears (|1 2" \
  "meetings|组织生活 $COUNTY $YEAR 年|应开|Meetings $COUNTY $YEAR (as of|branch general meeting|1 4 6 7" \
  "ranking|积分排名 $COUNTY $YEAR 年|支部得分 = 100 × (|Ranking $COUNTY $YEAR (as of|branch score = 100 × (|2 3 5" \
  "pipeline|发展党员 $COUNTY|入党积极分子|development pipeline of $COUNTY|probationary member|1 2 4 5"; do
  IFS='|' read -r what zh1 zh2 en1 en2 lines <<<"$spec"
  ok "$NODE" report "$what" --data "$N"
  assert_grep "$LAST_OUT" "$zh1" "report $what: the Chinese title"
  assert_grep "$LAST_OUT" "$zh2" "report $what: a Chinese label"
  cp "$LAST_OUT" "$WORK/rep.zh"
  ok "$NODE" report "$what" --data "$N" --lang en
  assert_grep "$LAST_OUT" "$en1" "report $what --lang en: the English title"
  assert_grep "$LAST_OUT" "$en2" "report $what --lang en: an English label"
  # shellcheck disable=SC2086
  no_han_in "$LAST_OUT" $lines || fail "report $what --lang en: Chinese in lines $lines: $(head -n 7 "$LAST_OUT")"
  LANG=en_US.UTF-8 ok "$NODE" report "$what" --data "$N"
  assert_grep "$LAST_OUT" "$en1" "report $what under LANG=en_US.UTF-8"
done
for what in balance dues ranking; do
  ok "$NODE" report "$what" --csv --data "$N"
  head -c 3 "$LAST_OUT" | cmp -s - <(printf '\xef\xbb\xbf') || fail "report $what --csv: no BOM"
  has_han "$LAST_OUT" || fail "report $what --csv: no Chinese headers"
  ok "$NODE" report "$what" --csv --lang en --data "$N"
  head -n 1 "$LAST_OUT" | grep -aq '^[a-z_,]*$' || fail "report $what --csv --lang en: $(head -n 1 "$LAST_OUT")"
done
say "report freshness at the server: Chinese by default, English with --lang en; never synced"
# n1 was heard from through its parcel; a township node that never synced:
ok "$SERVER" enroll --data "$SRV" --node-id quiet --org 430121-01 --server 127.0.0.1:7420 \
  --out "$WORK/quiet.bundle"
ok "$SERVER" report freshness --data "$SRV"
assert_grep "$LAST_OUT" "节点同步情况：全部" "report freshness: the Chinese title"
assert_grep "$LAST_OUT" "从未同步" "report freshness: a node never synced, in Chinese"
ok "$SERVER" report freshness --data "$SRV" --lang en
assert_grep "$LAST_OUT" "Node freshness: all, as of" "report freshness --lang en: the title"
assert_grep "$LAST_OUT" "never synced" "report freshness --lang en: the state"
no_han_in "$LAST_OUT" 1 3 || fail "report freshness --lang en: $(head -n 3 "$LAST_OUT")"
ok "$SERVER" report freshness --csv --data "$SRV"
assert_eq "$(head -n 1 "$LAST_OUT" | cut -d, -f1-5)" $'\xef\xbb\xbf类别,节点,组织,组织名称,状态' \
  "report freshness --csv: Chinese headers"
ok "$SERVER" report freshness --csv --lang en --data "$SRV"
assert_eq "$(head -n 1 "$LAST_OUT" | cut -d, -f1-5)" "kind,node_id,org,org_name,state" \
  "report freshness --csv --lang en: the stable keys"

# -------------------------------------------------------------- sync
say "a sync that fails says why: nothing listening, Chinese by default and English with --lang en"
FREE="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
expect_exit 5 "$NODE" sync --data "$N" --server "127.0.0.1:$FREE" --timeout 20
assert_grep "$LAST_ERR" "同步失败" "the failure line in Chinese"
assert_grep "$LAST_ERR" "连接服务器 127.0.0.1:$FREE 被拒绝：那里没有同步服务在运行" "connection refused, in Chinese"
ok "$NODE" status --data "$N"
assert_grep "$LAST_OUT" "连接服务器 127.0.0.1:$FREE 被拒绝" "status keeps the reason"
expect_exit 5 "$NODE" sync --data "$N" --server "127.0.0.1:$FREE" --timeout 20 --lang en
assert_grep "$LAST_ERR" "sync failed after" "the failure line in English"
assert_grep "$LAST_ERR" "connection to 127.0.0.1:$FREE refused: no sync server runs there" \
  "connection refused, in English"
has_han "$LAST_ERR" && fail "sync --lang en: Chinese in $(cat "$LAST_ERR")"

say "a server whose certificate does not name the address dialled (127.0.0.2): said so, in both languages"
rm -f "$WORK/srv.port"
"$SERVER" run --data "$SRV" --listen 127.0.0.2:0 --port-file "$WORK/srv.port" 2>>"$WORK/srv.log" &
SRVPID=$!
SPORT="$(wait_port_file "$WORK/srv.port" "$SRVPID")"
expect_exit 6 "$NODE" sync --data "$N" --server "127.0.0.2:$SPORT" --timeout 20
assert_grep "$LAST_ERR" "服务器的证书上没有“127.0.0.2:$SPORT”这个地址" "wrong host, in Chinese"
expect_exit 6 "$NODE" sync --data "$N" --server "127.0.0.2:$SPORT" --timeout 20 --lang en
assert_grep "$LAST_ERR" "the server's certificate does not name 127.0.0.2:$SPORT" "wrong host, in English"
assert_grep "$LAST_ERR" "[IP address mismatch]" "OpenSSL's words for the operator"
kill -TERM "$SRVPID"
wait_exit "$SRVPID" 30
[[ "$WAIT_RC" -eq 0 ]] || fail "zhibu-server run exited $WAIT_RC"

say "the clock warning: Chinese by default, English with --lang en, the difference in the language's units"
rm -f "$WORK/srv.port"
"$SERVER" run --data "$SRV" --listen 127.0.0.1:0 --port-file "$WORK/srv.port" 2>>"$WORK/srv.log" &
SRVPID=$!
SPORT="$(wait_port_file "$WORK/srv.port" "$SRVPID")"
skewed() {
  ASAN_OPTIONS="${ASAN_OPTIONS:-}:verify_asan_link_order=0" faketime -f "$@"
}
command -v faketime >/dev/null || fail "faketime is not installed (deploy/install-deps.sh installs it)"
expect_exit 0 skewed +3d "$NODE" sync --data "$N" --server "127.0.0.1:$SPORT" --timeout 60
assert_grep "$LAST_ERR" "本机的时钟比服务器快了 3 天。" "three days ahead, in Chinese"
# 5 h 5 min 30 s behind: the session's latency (well under 30 s) cannot
# change the minutes shown.
expect_exit 0 skewed -18330s "$NODE" sync --data "$N" --server "127.0.0.1:$SPORT" --timeout 60
assert_grep "$LAST_ERR" "本机的时钟比服务器慢了 5 小时 5 分钟。" "five hours behind, in Chinese"
expect_exit 0 skewed +3d "$NODE" sync --data "$N" --server "127.0.0.1:$SPORT" --timeout 60 --lang en
assert_grep "$LAST_ERR" "this PC's clock is 3 days ahead of the server's" "three days ahead, in English"
has_han "$LAST_ERR" && fail "sync --lang en: Chinese in $(cat "$LAST_ERR")"
ok "$NODE" sync --data "$N" --server "127.0.0.1:$SPORT" --timeout 60
grep -q "时钟" "$LAST_ERR" && fail "a right clock is warned about"
kill -TERM "$SRVPID"
wait_exit "$SRVPID" 30
[[ "$WAIT_RC" -eq 0 ]] || fail "zhibu-server run exited $WAIT_RC"
# ---------------------------------------------- refusal reasons, by row
say "an import with bad rows: every reason in Chinese by default, in English with --lang en"
T=$(date +%Y)
NEXT=$((T + 1))
printf '姓名,性别,民族,出生日期,身份证号,学历,人员类别,入党日期,所在党支部,职业\n' >"$WORK/bad.csv"
printf '李四,男,汉族,1990-01-01,43012119900101123X,高中,预备党员,2015-01-01,%s-01-01,工人\n' "$COUNTY" >>"$WORK/bad.csv"
printf '王五,女,汉族,%s-01-01,430121199001011234,高中,预备党员,2015-01-01,%s-01-01,工人x\n' "$NEXT" "$COUNTY" >>"$WORK/bad.csv"
expect_exit 3 "$NODE" member import "$WORK/bad.csv" --data "$N"
assert_grep "$LAST_ERR" "bad.csv:2: 身份证号 (id_number): 身份证号校验位是 X，应为 7" "a bad check character, in Chinese"
assert_grep "$LAST_ERR" "bad.csv:3: 出生日期 (birth_date): 日期不能晚于今天（" "a date after today, in Chinese"
assert_grep "$LAST_ERR" "不是可选的值；应为农牧渔民、工人、" "an unknown value lists the vocabulary, in Chinese"
assert_grep "$LAST_ERR" "（值：“工人x”）" "the value as the file has it"
if grep -q "is after today\|check character\|unknown value" "$LAST_ERR"; then fail "English in a Chinese import's errors"; fi
expect_exit 3 "$NODE" member import "$WORK/bad.csv" --lang en --data "$N"
assert_grep "$LAST_ERR" "check character is X, expected 7" "--lang en: the check character"
assert_grep "$LAST_ERR" "(birth_date): is after today (" "--lang en: a date after today"
assert_grep "$LAST_ERR" "unknown value; expected 农牧渔民, 工人, " "--lang en: the vocabulary"
assert_grep "$LAST_ERR" "(value: \"工人x\")" "--lang en: the value"
