#!/usr/bin/env bash
# bench_restore.sh [N]: a branch of N members (default 3000) syncs, its PC is
# replaced (enroll --replace), and the new PC's first sync restores it
# (docs/PROTOCOL.md, "Restoring a replaced PC").  Prints what each sync
# moved and took; fails only when the digests of node and server differ.
# Never fails on time.
set -euo pipefail
B="${ZB_BIN:?set ZB_BIN to the build directory holding zhibu-node, e.g. build-test/bin}"
W=$(mktemp -d "${TMPDIR:-/tmp}/zb-bench-restore.XXXXXX")
N=${1:-3000}
$B/zhibu-genroster $W/r --townships 1 --branches 1 --members $N --seed 5 >/dev/null
$B/zhibu-server init --data $W/s --name 127.0.0.1 2>/dev/null
$B/zhibu-server org import $W/r/orgs.csv --data $W/s 2>/dev/null
ORG=$(awk -F, 'NR==2{print $11}' $W/r/members.csv)
$B/zhibu-server enroll --data $W/s --node-id b1 --org $ORG --server 127.0.0.1:7420 --out $W/a.bundle 2>/dev/null
$B/zhibu-node init --enroll $W/a.bundle --data $W/a 2>/dev/null
$B/zhibu-node member import $W/r/members.csv --data $W/a 2>/dev/null
$B/zhibu-server run --data $W/s --listen 127.0.0.1:0 --port-file $W/port 2>$W/slog &
SP=$!
for i in $(seq 100); do [ -s $W/port ] && break; sleep 0.1; done
P=$(head -1 $W/port)
$B/zhibu-node sync --json --data $W/a --server 127.0.0.1:$P 2>/dev/null | python3 -c 'import json,sys; j=json.load(sys.stdin); print("A first sync: pushed", j["pushed"], "bytes_out", j["bytes_out"], "seconds", j["seconds"])'
$B/zhibu-server enroll --data $W/s --node-id b1 --org $ORG --server 127.0.0.1:7420 --out $W/b.bundle --replace 2>/dev/null
$B/zhibu-node init --enroll $W/b.bundle --data $W/b 2>/dev/null
$B/zhibu-node sync --json --data $W/b --server 127.0.0.1:$P 2>/dev/null | python3 -c 'import json,sys; j=json.load(sys.stdin); print("B restoring sync: restored", j["restored"], "pulled", j["pulled"], "bytes_in", j["bytes_in"], "bytes_out", j["bytes_out"], "seconds", j["seconds"])'
if [ "$($B/zhibu-node digest --data $W/b)" = "$($B/zhibu-server digest --data $W/s --org $ORG)" ]; then echo "digests equal"; else echo "digests differ" >&2; kill $SP; exit 1; fi
kill $SP; wait $SP || true
rm -rf $W
