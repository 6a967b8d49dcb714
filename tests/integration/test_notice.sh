#!/usr/bin/env bash
# The notice kind (通知), defined by one descriptor (common/records/kinds/
# notice.c; docs/RECORDS.md, "Notices"), end to end over the real server
# and mutual TLS on 127.0.0.1:
#   - a township writes a notice for its own org; it may not write one for
#     a branch below it, nor a branch for its township (exit 6, nothing
#     written), and a bad notice stores nothing (exit 3);
#   - after sync every node in the township's subtree holds it, a node of
#     another township does not, and a branch's own notice reaches its
#     township but not its sibling branch;
#   - digest equals the server's for every node's scope, verify passes;
#   - notice list (--json, --csv), show, import of the CSV list, --help;
#   - read receipts (facts) from branches reach the township, once each;
#   - withdraw (an act) by two nodes of the township at once: the server
#     orders them, the second is rejected and comes back, and every node
#     shows the first one's reason.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
conv_setup

T1=430121-01
B1=430121-01-01
B2=430121-01-02
T2=430121-02
B3=430121-02-01
SRV="$WORK/srv"
LOG="$WORK/server.log"
show_logs_on_failure "$LOG"
R="$WORK/roster"
gen_roster "$R" --townships 2 --branches 2 --members 10 --seed 3
TODAY="$(date -u +%Y-%m-%d)"

say "a server, two townships and three branches, enrolled and synced"
ok "$SERVER" init --data "$SRV"
ok "$SERVER" org import "$R/orgs.csv" --data "$SRV"
for n in t01:$T1 t01b:$T1 b0101:$B1 b0102:$B2 t02:$T2 b0201:$B3; do
  conv_enroll "$SRV" "$WORK/${n%%:*}" "${n%%:*}" "${n#*:}"
done
conv_start_server "$SRV" "$LOG"
for n in t01 t01b b0101 b0102 t02 b0201; do conv_sync "$WORK/$n"; done

# notice_ids DIR: the ids of `notice list --json`, sorted, one line.
notice_ids() {
  ok "$NODE" notice list --json --data "$1"
  is_json "$LAST_OUT" "notice list --json of $1"
  python3 -c 'import json,sys; print(" ".join(sorted(n["id"] for n in json.load(open(sys.argv[1])))))' \
    "$LAST_OUT"
}

say "the township writes a notice for its own org"
ok "$NODE" notice add --id T01-N1 --title 学习通知 --body "请各支部于本周五前完成主题学习。" \
  --date "$TODAY" --data "$WORK/t01"
assert_eq "$(cat "$LAST_OUT")" "T01-N1" "notice add prints the id"
ok "$NODE" notice show T01-N1 --json --data "$WORK/t01"
python3 - "$LAST_OUT" "$T1" <<'EOF' || fail "notice show --json"
import json, sys
n = json.load(open(sys.argv[1], encoding="utf-8"))
assert list(n) == ["id", "title", "body", "date", "org_code", "status", "reason", "facts"], list(n)
assert n["status"] == "已发布" and n["facts"] == {"read": []}, n
assert n["title"] == "学习通知" and n["org_code"] == sys.argv[2], n
EOF

say "writes for another org are refused (6) and bad notices stored nothing (3)"
ops_before="$(ops_count "$WORK/t01")"
expect_exit 6 "$NODE" notice add --title 越级 --body x --date "$TODAY" --org "$B1" --data "$WORK/t01" --lang en
assert_grep "$LAST_ERR" "own org" "a township cannot write a branch's notice"
expect_exit 6 "$NODE" notice add --title 越级 --body x --date "$TODAY" --org "$T1" --data "$WORK/b0101"
expect_exit 3 "$NODE" notice add --body 无标题 --date "$TODAY" --data "$WORK/t01" --lang en
assert_grep "$LAST_ERR" "title: is required" "a notice without a title"
expect_exit 3 "$NODE" notice add --title 未来 --body x --date 2999-01-01 --data "$WORK/t01" --lang en
assert_grep "$LAST_ERR" "after today" "a notice dated in the future"
expect_exit 3 "$NODE" notice update T01-N1 --org "$B1" --data "$WORK/t01" --lang en
assert_grep "$LAST_ERR" "cannot be changed" "the issuing org is fixed"
assert_eq "$(ops_count "$WORK/t01")" "$ops_before" "refused writes add no op"

say "a branch writes its own notice"
ok "$NODE" notice add --id B0101-N1 --title 支部会议 --body "周三晚七点支部党员大会。" \
  --date "$TODAY" --data "$WORK/b0101"

say "after sync, each notice is where its org's subtree is"
for n in t01 b0101 b0102 t02 b0201; do conv_sync "$WORK/$n"; done
for n in t01 b0101 b0102 t02 b0201; do conv_sync "$WORK/$n"; done
assert_eq "$(notice_ids "$WORK/t01")" "B0101-N1 T01-N1" "the township: its own and its branch's"
assert_eq "$(notice_ids "$WORK/b0101")" "B0101-N1 T01-N1" "branch 1: its township's and its own"
assert_eq "$(notice_ids "$WORK/b0102")" "T01-N1" "branch 2: its township's, not its sibling's"
assert_eq "$(notice_ids "$WORK/t02")" "" "another township: none"
assert_eq "$(notice_ids "$WORK/b0201")" "" "a branch of another township: none"
ok "$NODE" notice show T01-N1 --data "$WORK/b0102"
assert_grep "$LAST_OUT" "学习通知" "the branch shows the township's notice"
expect_exit 4 "$NODE" notice show B0101-N1 --data "$WORK/b0102"

say "every node's digest equals the server's for its scope; verify passes"
for n in t01:$T1 b0101:$B1 b0102:$B2 t02:$T2 b0201:$B3; do
  conv_assert_converged "$SRV" "$WORK/${n%%:*}" "${n#*:}" "${n%%:*}"
  ok "$NODE" verify --data "$WORK/${n%%:*}"
done
ok "$SERVER" verify --data "$SRV"
# The notice is part of the digest: a node without it differs.
d1="$(digest_of "$WORK/b0102")"
d2="$(conv_server_digest "$SRV" "$B2")"
ok "$NODE" init --data "$WORK/bare" --node-id bare --org "$B2"
ok "$NODE" org import "$R/orgs.csv" --data "$WORK/bare"
[[ "$(digest_of "$WORK/bare")" != "$d2" ]] || fail "the digest ignores notices"
assert_eq "$d1" "$d2" "branch 2 digest"

say "CSV out, CSV in, and bad rows store nothing"
ok "$NODE" notice list --csv --lang en --data "$WORK/t01"
cp "$LAST_OUT" "$WORK/notices.csv"
assert_eq "$(head -n 1 "$WORK/notices.csv")" "id,title,body,date,org_code,status,reason" "the CSV header"
assert_eq "$(wc -l <"$WORK/notices.csv")" "3" "header and two notices"
ok "$NODE" notice import "$WORK/notices.csv" --data "$WORK/t01"
assert_grep "$LAST_ERR" "2 行：新增 0，更新 0，未变 2" "re-importing the list changes nothing"
{ head -n 1 "$WORK/notices.csv"; echo "T01-N2,第二个通知,正文,$TODAY,$T1,已发布,"; echo "T01-N3,坏日期,正文,2026-02-30,$T1,已发布,"; } \
  >"$WORK/bad.csv"
expect_exit 3 "$NODE" notice import "$WORK/bad.csv" --data "$WORK/t01" --lang en
assert_grep "$LAST_ERR" "bad.csv:3: date: not a real date" "the bad row is named"
expect_exit 4 "$NODE" notice show T01-N2 --data "$WORK/t01"

say "--help lists the notice commands and fields"
ok "$NODE" --help
for c in "notice add" "notice list" "notice show" "notice import"; do
  assert_grep "$LAST_OUT" "$c" "--help lists $c"
done
ok "$NODE" notice add --help
for f in --title --body --date --org-code 标题 发布组织; do
  assert_grep "$LAST_OUT" "$f" "notice add --help names $f"
done

say "read receipts: one per org, from the branches up to the township"
ok "$NODE" notice read T01-N1 --data "$WORK/b0101" --actor 王书记
ok "$NODE" notice read T01-N1 --data "$WORK/b0101"
assert_grep "$LAST_ERR" "（已记录过）" "the same receipt twice is one"
expect_exit 6 "$NODE" notice read T01-N1 --org-code "$B2" --data "$WORK/b0101"
ok "$NODE" notice read T01-N1 --data "$WORK/b0102" --actor 陈书记
expect_exit 4 "$NODE" notice read B0101-N1 --data "$WORK/b0102"
for n in b0101 b0102 t01 t01b; do conv_sync "$WORK/$n"; done
ok "$NODE" notice show T01-N1 --json --data "$WORK/t01"
python3 - "$LAST_OUT" "$B1" "$B2" <<'EOF' || fail "the township sees both receipts"
import json, sys
n = json.load(open(sys.argv[1], encoding="utf-8"))
reads = sorted((r["org_code"], r["reader"]) for r in n["facts"]["read"])
assert reads == [(sys.argv[2], "王书记"), (sys.argv[3], "陈书记")], reads
EOF
ok "$NODE" notice show T01-N1 --data "$WORK/t01"
assert_grep "$LAST_OUT" "已阅：$B1 " "the receipts after the table, by the fact's Chinese name"
ok "$NODE" notice show T01-N1 --data "$WORK/t01" --lang en
assert_grep "$LAST_OUT" "read: $B1 " "the receipts by the fact's English name with --lang en"

say "withdraw from two township nodes at once: the server's order decides"
expect_exit 6 "$NODE" notice withdraw T01-N1 --data "$WORK/b0101"
ok "$NODE" notice withdraw T01-N1 --reason 内容有误 --data "$WORK/t01"
ok "$NODE" notice withdraw T01-N1 --reason 重复发布 --data "$WORK/t01b"
expect_exit 3 "$NODE" notice withdraw T01-N1 --data "$WORK/t01"
assert_grep "$LAST_ERR" "已撤回" "a withdrawn notice cannot be withdrawn again"
ok "$NODE" notice show T01-N1 --json --data "$WORK/t01b"
assert_eq "$(conv_json_field "$LAST_OUT" reason)" "重复发布" "t01b shows its own act before sync"
conv_sync "$WORK/t01"
conv_sync "$WORK/t01b"
conv_sync "$WORK/t01"
ok "$NODE" rejected --json --data "$WORK/t01b"
python3 - "$LAST_OUT" <<'EOF' || fail "t01b's withdraw is rejected with the state as reason"
import json, sys
rows = json.load(open(sys.argv[1], encoding="utf-8"))
assert len(rows) == 1 and rows[0]["key"] == "T01-N1" and "已撤回" in rows[0]["reason"], rows
EOF
python3 - "$LAST_OUT" <<'EOF' || fail "rejected --json: reason in English, reason_code its key"
import json, sys
row = json.load(open(sys.argv[1], encoding="utf-8"))[0]
assert row["reason_code"] == "why.act_state", row
assert row["reason"] == "the notice's status is 已撤回: withdraw (撤回) does not apply", row
EOF
# The server stored and sent the reason coded (docs/PROTOCOL.md,
# "Reasons"): the node puts it in words in its reader's language.
ok env -u LC_ALL -u LC_MESSAGES -u LANG "$NODE" rejected --data "$WORK/t01b"
assert_grep "$LAST_OUT" "通知的状态是“已撤回”：不能进行“撤回”" "rejected: the server's refusal in Chinese by default"
grep -q "does not apply" "$LAST_OUT" && fail "rejected: English by default"
ok env -u LC_ALL -u LC_MESSAGES -u LANG "$NODE" rejected --lang en --data "$WORK/t01b"
assert_grep "$LAST_OUT" "the notice's status is 已撤回: withdraw (撤回) does not apply" "rejected --lang en"
ok env -u LC_ALL -u LC_MESSAGES LANG=en_US.UTF-8 "$NODE" rejected --data "$WORK/t01b"
assert_grep "$LAST_OUT" "withdraw (撤回) does not apply" "rejected under LANG=en_US"
ok "$NODE" rejected --json --data "$WORK/t01"
assert_eq "$(tr -d '[:space:]' <"$LAST_OUT")" "[]" "t01's withdraw was applied"
for n in b0101 b0102 t02 b0201; do conv_sync "$WORK/$n"; done
for n in t01 t01b b0101 b0102; do
  ok "$NODE" notice show T01-N1 --json --data "$WORK/$n"
  assert_eq "$(conv_json_field "$LAST_OUT" status)" "已撤回" "$n: status"
  assert_eq "$(conv_json_field "$LAST_OUT" reason)" "内容有误" "$n: the first withdraw's reason"
done
for n in t01:$T1 t01b:$T1 b0101:$B1 b0102:$B2 t02:$T2 b0201:$B3; do
  conv_assert_converged "$SRV" "$WORK/${n%%:*}" "${n#*:}" "${n%%:*} after acts and facts"
  ok "$NODE" verify --data "$WORK/${n%%:*}"
done
ok "$SERVER" verify --data "$SRV"

conv_stop_server
say "ok"
