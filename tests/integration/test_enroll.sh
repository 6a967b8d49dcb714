#!/usr/bin/env bash
# Enrollment that cannot go wrong (README, "Setting up a server and
# enrolling a branch"; docs/DESIGN-NOTES.md, "Sync", Enrollment), with the
# real binaries, certificates and a real server over 127.0.0.1:
#   - zhibu-server enroll refuses an org the server does not hold (exit 4,
#     nothing written) and a --server host its certificate does not name
#     (exit 3, naming the names it has), and accepts each name it has;
#   - the bundle carries the org directory of the node's scope: after
#     `init --enroll`, a roster imports offline with no org file, and the
#     node holds exactly its subtree;
#   - a bundle whose org block was tampered with is refused by init;
#   - the node then syncs: nothing it wrote is refused, and node and server
#     agree (digests).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
conv_setup

SRV="$WORK/srv"
LOG="$WORK/server.log"
show_logs_on_failure "$LOG"
R="$WORK/roster"
gen_roster "$R" --townships 2 --branches 3 --members 240 --seed 31
T1=430121-01
B1=430121-01-02

say "a server named sync.example.gov.cn and 127.0.0.1, without its org tree yet"
ok "$SERVER" init --data "$SRV" --name sync.example.gov.cn --name 127.0.0.1

say "enroll refuses an org the server does not hold"
expect_exit 4 "$SERVER" enroll --data "$SRV" --node-id b0102 --org "$B1" \
  --server sync.example.gov.cn:7420 --out "$WORK/b0102.bundle"
assert_grep "$LAST_ERR" "--org：本服务器没有组织 $B1：请先导入组织树" "no org tree"
[[ ! -e "$WORK/b0102.bundle" ]] || fail "a refused enrollment wrote a bundle"
[[ ! -e "$SRV/pki/issued/b0102" ]] || fail "a refused enrollment issued a certificate"
ok "$SERVER" org import "$R/orgs.csv" --data "$SRV"
expect_exit 4 "$SERVER" enroll --data "$SRV" --node-id b0199 --org 430121-01-99 \
  --server sync.example.gov.cn:7420 --out "$WORK/b0199.bundle"
assert_grep "$LAST_ERR" "没有组织 430121-01-99" "an org code that is not in the tree"
[[ ! -e "$WORK/b0199.bundle" ]] || fail "a refused enrollment wrote a bundle"

say "enroll refuses a --server host that the server certificate does not name"
for bad in localhost:7420 sync.example.gov.cn.evil:7420 10.0.0.1:7420 "[::1]:7420" example.gov.cn:7420; do
  expect_exit 3 "$SERVER" enroll --data "$SRV" --node-id b0102 --org "$B1" --server "$bad" \
    --out "$WORK/b0102.bundle"
  assert_grep "$LAST_ERR" "--server：服务器证书上没有写明 $bad 的主机" "host $bad"
  assert_grep "$LAST_ERR" "证书写明的是：sync.example.gov.cn, 127.0.0.1" "host $bad: the names it has"
  [[ ! -e "$WORK/b0102.bundle" ]] || fail "enrollment for $bad wrote a bundle"
done
ok "$SERVER" enroll --data "$SRV" --node-id dns --org "$B1" --server SYNC.example.gov.cn:7420 \
  --out "$WORK/dns.bundle"
assert_grep "$LAST_ERR" "本节点范围的组织目录" "the enrollment says what the bundle holds"

say "the bundle carries the org directory of the scope: a roster imports offline"
ok "$SERVER" enroll --data "$SRV" --node-id t01 --org "$T1" --server 127.0.0.1:7420 \
  --out "$WORK/t01.bundle"
python3 - "$WORK/t01.bundle" "$R/orgs.csv" "$T1" <<'EOF' || fail "the org block of the bundle"
import csv, io, sys
text = open(sys.argv[1], encoding="utf-8").read()
block = text.split("-----BEGIN ZHIBU ORGS-----\n", 1)[1].split("-----END ZHIBU ORGS-----", 1)[0]
got = list(csv.reader(io.StringIO(block)))
want = [r for r in csv.reader(open(sys.argv[2], encoding="utf-8"))]
root = sys.argv[3]
sub = [want[0]] + [r for r in want[1:] if r[0] == root or r[0].startswith(root + "-")]
assert got == sub, (got[:3], sub[:3])
EOF
NT="$WORK/t01"
ok "$NODE" init --enroll "$WORK/t01.bundle" --data "$NT"
ORGS_T1="$(awk -F, -v o="$T1" 'NR > 1 && ($1 == o || index($1, o "-") == 1)' "$R/orgs.csv" | wc -l)"
assert_grep "$LAST_ERR" "；从登记文件取得本机范围内的 $ORGS_T1 个组织" "init says it took the orgs"
assert_eq "$(node_field "$NT" orgs)" "$ORGS_T1" "orgs of the township node"
awk -F, -v o="$T1" 'NR == 1 || index($11, o "-") == 1' "$R/members.csv" >"$WORK/t01-members.csv"
M_T1=$(($(wc -l <"$WORK/t01-members.csv") - 1))
[[ $M_T1 -gt 0 ]] || fail "no members of $T1 in the roster"
ok "$NODE" member import "$WORK/t01-members.csv" --data "$NT"
assert_grep "$LAST_ERR" "$M_T1 行：新增 $M_T1" "the roster imports with no org file"
ok "$NODE" verify --data "$NT"
ok "$NODE" org import "$R/orgs.csv" --data "$NT"
assert_grep "$LAST_ERR" "新增 0，更新 0，未变 $ORGS_T1" "the org file adds nothing to the bundle's orgs"

say "a bundle whose org block was tampered with is refused"
for how in unclosed dashes; do
  cp "$WORK/t01.bundle" "$WORK/bad-$how.bundle"
  chmod 600 "$WORK/bad-$how.bundle"
  if [[ $how == unclosed ]]; then
    sed -i '/-----END ZHIBU ORGS-----/d' "$WORK/bad-$how.bundle"
  else
    sed -i 's/^430121-01,/-----430121-01,/' "$WORK/bad-$how.bundle"
  fi
  expect_exit 3 "$NODE" init --enroll "$WORK/bad-$how.bundle" --data "$WORK/bad-$how"
  assert_grep "$LAST_ERR" "bad-$how.bundle: " "tampered bundle ($how) named"
  [[ ! -e "$WORK/bad-$how" ]] || fail "a refused bundle ($how) made a node"
done

say "the node syncs: nothing refused, node and server agree"
conv_start_server "$SRV" "$LOG"
conv_sync "$NT"
ok "$NODE" rejected --json --data "$NT"
assert_eq "$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' "$LAST_OUT")" 0 \
  "ops the server refused"
conv_sync "$NT"
conv_assert_converged "$SRV" "$NT" "$T1" "the township after its first sync"
ok "$SERVER" verify --data "$SRV"
conv_stop_server
say "ok"
