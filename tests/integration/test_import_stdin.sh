#!/usr/bin/env bash
# member import - reads the CSV from stdin, and an import reads and checks
# its whole file before it takes the database's single writer
# (docs/DESIGN-NOTES.md, "Imports"):
#   * a roster piped in (larger than a pipe's buffer) stores the same records
#     as the same file given by name; problems name the file "stdin";
#   * while an import is still reading its input (a FIFO held open), another
#     write to the same node (member add) goes through at once — with the
#     old import, which read inside its write transaction, it waited until
#     the import had finished.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
zb_setup

R="$WORK/roster"
gen_roster "$R" --members 3001 --townships 2 --branches 3 --seed 3131
# The first 3000 members are imported; the last one is added by hand.
head -n 3001 "$R/members.csv" >"$WORK/members.csv"
LASTROW="$(tail -n 1 "$R/members.csv")"

# ------------------------------------------------------------------ stdin
say "a roster piped to member import - equals the same file imported by name"
A="$WORK/a"
B="$WORK/b"
new_node "$A" 430121 na
new_node "$B" 430121 nb
ok "$NODE" org import "$R/orgs.csv" --data "$A"
ok "$NODE" org import - --data "$B" <"$R/orgs.csv"
assert_grep "$LAST_ERR" "stdin: " "org import - names its input stdin"
ok "$NODE" member import "$WORK/members.csv" --data "$A"
assert_grep "$LAST_ERR" "3000 行：新增 3000，更新 0，未变 0" "import by name"
[[ "$(wc -c <"$WORK/members.csv")" -gt 65536 ]] || fail "the roster must be larger than a pipe buffer"
expect_exit 0 bash -c 'cat "$1" | "$2" member import - --data "$3"' _ "$WORK/members.csv" "$NODE" "$B"
assert_grep "$LAST_ERR" "stdin: 3000 行：新增 3000，更新 0，未变 0" "import from stdin"
assert_eq "$(digest_of "$B")" "$(digest_of "$A")" "digest after the stdin import"
ok "$NODE" verify --data "$B"

say "the same rows again from stdin: all unchanged"
ok "$NODE" member import - --data "$B" <"$WORK/members.csv"
assert_grep "$LAST_ERR" "stdin: 3000 行：新增 0，更新 0，未变 3000" "re-import from stdin"

say "a bad row from stdin: exit 3, reported as stdin:LINE, nothing stored"
ops0="$(ops_count "$B")"
python3 - "$WORK/members.csv" "$WORK/bad.csv" <<'EOF'
import sys
lines = open(sys.argv[1], encoding="utf-8").read().splitlines(True)
out = [lines[0]]
for i, l in enumerate(lines[1:11], start=2):
    f = l.split(",")
    if i == 7:
        f[12] = "外星人\n"          # no such occupation
    out.append(",".join(f))
open(sys.argv[2], "w", encoding="utf-8").write("".join(out))
EOF
expect_exit 3 "$NODE" member import - --data "$B" <"$WORK/bad.csv"
assert_grep "$LAST_ERR" "stdin:7: occupation:" "the bad line from stdin"
assert_eq "$(ops_count "$B")" "$ops0" "ops after the refused stdin import"

# ------------------------------------------- the writer is free while parsing
say "while an import is still reading its input, member add on the same node goes through"
C="$WORK/c"
new_node "$C" 430121 nc
ok "$NODE" org import "$R/orgs.csv" --data "$C"
mkfifo "$WORK/fifo"
"$NODE" member import "$WORK/fifo" --data "$C" >"$WORK/imp.out" 2>"$WORK/imp.err" &
IMP=$!
exec 3>"$WORK/fifo"
head -n 1501 "$WORK/members.csv" >&3
# The import holds half its rows and waits for more.  A write now must not
# wait for it.
IFS=, read -r _ name gender ethnicity birth idnum education category join full org phone occupation \
  <<<"$LASTROW"
t0=$EPOCHREALTIME
expect_exit 0 timeout 20 "$NODE" member add --data "$C" --name "$name" \
  --gender "$gender" --birth-date "$birth" --id-number "$idnum" --category "$category" \
  --join-date "$join" ${full:+--full-date "$full"} --org "$org"
t1=$EPOCHREALTIME
secs="$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.1f", b - a}')"
echo "member add took ${secs}s while the import was reading"
pid_alive "$IMP" || { cat "$WORK/imp.err" >&2; fail "the import ended before its input did"; }
tail -n +1502 "$WORK/members.csv" >&3
exec 3>&-
rc=0
wait "$IMP" || rc=$?
[[ $rc -eq 0 ]] || { cat "$WORK/imp.err" >&2; fail "the import through the FIFO exited $rc"; }
assert_grep "$WORK/imp.err" "3000 行：新增 3000" "import through the FIFO"
assert_eq "$(members_count "$C")" 3001 "members after the import and the add"
ok "$NODE" verify --data "$C"
