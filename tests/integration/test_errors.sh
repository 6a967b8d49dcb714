#!/usr/bin/env bash
# Clear errors for system conditions (README, "When something goes
# wrong"), each with its message, from the real binaries:
#   - a missing folder for `init --data`, `init --enroll --data`, and for an
#     output file (member list --xlsx, export-pending, enroll --out);
#   - a data directory this user may not open (as root, the node runs as
#     nobody through setpriv; otherwise the directory is made unreadable);
#   - a full disk: a 400 KiB tmpfs mounted in a user and mount namespace
#     (unshare -rm, no root needed), filled by an import (nothing of it is
#     stored) and by export-pending;
#   - a busy port for `zhibu-server run --listen` and `--http`.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
conv_setup

R="$WORK/roster"
gen_roster "$R" --townships 1 --branches 1 --members 3000 --seed 3
B1=430121-01-01

say "a missing folder for --data"
expect_exit 4 "$NODE" init --data "$WORK/no/such/n" --node-id a --org "$B1"
assert_grep "$LAST_ERR" "上级目录不存在 (no such folder): cannot create $WORK/no/such/n" "init --data"
[[ ! -e "$WORK/no" ]] || fail "init created the missing folders"
SRV="$WORK/srv"
ok "$SERVER" init --data "$SRV" --name 127.0.0.1
ok "$SERVER" org import "$R/orgs.csv" --data "$SRV"
ok "$SERVER" enroll --data "$SRV" --node-id b0101 --org "$B1" --server 127.0.0.1:7420 \
  --out "$WORK/b0101.bundle"
expect_exit 4 "$NODE" init --enroll "$WORK/b0101.bundle" --data "$WORK/no/such/n"
assert_grep "$LAST_ERR" "上级目录不存在 (no such folder)" "init --enroll --data"

say "a missing folder for an output file"
N="$WORK/n"
ok "$NODE" init --data "$N" --node-id a --org "$B1"
ok "$NODE" org import "$R/orgs.csv" --data "$N"
expect_exit 4 "$NODE" member list --xlsx "$WORK/no/list.xlsx" --data "$N"
assert_grep "$LAST_ERR" "--xlsx: 上级目录不存在 (no such folder): cannot write $WORK/no/list.xlsx, because the folder $WORK/no does not exist" "member list --xlsx"
expect_exit 4 "$NODE" export-pending "$WORK/no/p.csv" --data "$N"
assert_grep "$LAST_ERR" "export-pending: 上级目录不存在 (no such folder)" "export-pending"
expect_exit 4 "$SERVER" enroll --data "$SRV" --node-id b0102 --org "$B1" \
  --server 127.0.0.1:7420 --out "$WORK/no/b.bundle"
assert_grep "$LAST_ERR" "--out: 上级目录不存在 (no such folder)" "enroll --out"
[[ ! -e "$SRV/pki/issued/b0102" ]] || fail "enroll issued a certificate it could not write"

say "a data directory this user may not open"
P="$WORK/perm"
mkdir -p "$P"
ok "$NODE" init --data "$P/n" --node-id a --org "$B1"
if [[ "$(id -u)" -eq 0 ]]; then
  command -v setpriv >/dev/null || fail "as root, setpriv (util-linux) is needed to run as nobody"
  chmod 755 "$WORK" "$P"
  AS=(setpriv --reuid=65534 --regid=65534 --clear-groups)
else
  chmod 000 "$P/n"
  AS=()
fi
expect_exit 1 "${AS[@]}" "$NODE" status --data "$P/n"
assert_grep "$LAST_ERR" "权限不足 (permission denied): cannot open $P/n" "status of an unreadable node"
if ! grep -q "no node here" "$LAST_ERR"; then :; else fail "permission denied said 'no node here'"; fi
chmod 755 "$P/n"
expect_exit 1 "${AS[@]}" "$NODE" member list --data "$P/n"
assert_grep "$LAST_ERR" "权限不足 (permission denied)" "a node whose files this user may not open"
chmod 700 "$P/n"

say "a full disk (a 400 KiB tmpfs in a user namespace)"
if unshare -rm true 2>/dev/null; then
  mkdir -p "$WORK/mnt"
  cat >"$WORK/full.sh" <<'SH'
set -u
mount -t tmpfs -o size=400k tmpfs "$WORK/mnt" || exit 99
"$NODE" init --data "$WORK/mnt/n" --node-id a --org "$B1" 2>/dev/null || exit 98
"$NODE" org import "$R/orgs.csv" --data "$WORK/mnt/n" 2>/dev/null || exit 97
"$NODE" member import "$R/members.csv" --data "$WORK/mnt/n" 2>"$WORK/import.err"
echo "import $?" >"$WORK/full.rc"
"$NODE" status --json --data "$WORK/mnt/n" >"$WORK/full-status.json" 2>/dev/null
echo "status $?" >>"$WORK/full.rc"
# Fill what is left, then export-pending of the other node onto it.
head -c 1048576 /dev/zero >"$WORK/mnt/fill" 2>/dev/null
"$NODE" member add --name 甲 --gender 男 --birth-date 1980-01-01 \
  --id-number 430121198001010010 --education 大学本科 --join-date 2005-07-01 \
  --full-date 2006-07-01 --data "$N" 2>"$WORK/add.err" || { cat "$WORK/add.err" >&2; exit 96; }
"$NODE" export-pending "$WORK/mnt/p.csv" --data "$N" 2>"$WORK/export.err"
echo "export $?" >>"$WORK/full.rc"
[ -e "$WORK/mnt/p.csv" ] && echo "export-left-file" >>"$WORK/full.rc"
exit 0
SH
  WORK="$WORK" NODE="$NODE" B1="$B1" R="$R" N="$N" unshare -rm bash "$WORK/full.sh" ||
    fail "the disk-full run stopped early (status $?)"
  cat "$WORK/full.rc"
  assert_grep "$WORK/full.rc" "import 1" "import on a full disk exits 1"
  assert_grep "$WORK/import.err" "磁盘已满 (disk full): no space left to write the database in $WORK/mnt/n" "import on a full disk"
  assert_grep "$WORK/import.err" "Nothing of this change was stored" "import on a full disk"
  assert_grep "$WORK/full.rc" "status 0" "status after a full disk"
  assert_eq "$(conv_json_field "$WORK/full-status.json" members)" 0 "members stored by the import that filled the disk"
  assert_grep "$WORK/full.rc" "export 1" "export-pending onto a full disk exits 1"
  assert_grep "$WORK/export.err" "export-pending: 磁盘已满 (disk full): cannot write $WORK/mnt/p.csv" "export-pending onto a full disk"
  if grep -q "export-left-file" "$WORK/full.rc"; then fail "export-pending left a partial file"; fi
else
  echo "SKIP: no unprivileged user namespaces here (unshare -rm): the disk-full checks did not run"
fi

say "a busy port"
python3 - "$WORK/busy.port" <<'PY' &
import socket, sys, time
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen()
open(sys.argv[1], "w").write("%d\n" % s.getsockname()[1])
time.sleep(120)
PY
HOLD=$!
for ((i = 0; i < 200; i++)); do [[ -s "$WORK/busy.port" ]] && break; sleep 0.05; done
BUSY="$(head -n 1 "$WORK/busy.port")"
[[ "$BUSY" =~ ^[0-9]+$ ]] || fail "no port held"
expect_exit 1 "$SERVER" run --data "$SRV" --listen "127.0.0.1:$BUSY"
assert_grep "$LAST_ERR" "端口已被占用：无法在 127.0.0.1:$BUSY 上监听" "run --listen on a busy port"
expect_exit 1 "$SERVER" run --data "$SRV" --listen "127.0.0.1:$BUSY" --lang en
assert_grep "$LAST_ERR" "port in use: cannot listen on 127.0.0.1:$BUSY" "run --listen on a busy port, in English"
expect_exit 1 "$SERVER" run --data "$SRV" --listen 127.0.0.1:0 --http "127.0.0.1:$BUSY"
assert_grep "$LAST_ERR" "端口已被占用：--http 127.0.0.1:$BUSY" "run --http on a busy port"
expect_exit 1 "$SERVER" run --data "$SRV" --listen 127.0.0.1:0 --http "127.0.0.1:$BUSY" --lang en
assert_grep "$LAST_ERR" "port in use: --http 127.0.0.1:$BUSY" "run --http on a busy port, in English"
kill "$HOLD" 2>/dev/null || true
wait "$HOLD" 2>/dev/null || true
