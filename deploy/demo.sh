#!/usr/bin/env bash
# The demo: installs what is missing, builds, and walks a county node through
# a day's work on the embedded LMDB store — import the org tree and a
# generated roster, add and correct a member, verify the log, print stats.
set -euo pipefail
SRC=$(cd "$(dirname "$0")/.." && pwd)
"$SRC/deploy/install-deps.sh"
"$SRC/deploy/build.sh" >/dev/null
BIN=$SRC/build/bin
WORK=${ZHIBU_DEMO_DIR:-$(mktemp -d /tmp/zhibu-demo.XXXXXX)}
N=${ZHIBU_DEMO_MEMBERS:-20000}
node() { echo "\$ zhibu-node $*" >&2; "$BIN/zhibu-node" --data "$WORK/county" --actor demo "$@"; }

echo "== demo data in $WORK" >&2
"$BIN/zhibu-genroster" "$WORK/roster" --townships 10 --branches 20 --members "$N"
node init --node-id county-430121 --org 430121
node org import "$WORK/roster/orgs.csv"
node member import "$WORK/roster/members.csv"
id=$(node member add --name 李春华 --gender 女 --birth-date 1990-03-07 \
       --id-number 430121199003071241 --join-date 2015-06-30 --full-date 2016-06-30 \
       --ethnicity 苗族 --education 大学本科 --occupation 工人 --org 430121-02-05)
node member show "$id"
node member update "$id" --phone 13907310000
node log --since "$(( $(node status --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["ops"])') - 2 ))"
node verify
node digest
node report stats --org 430121-02
node status
echo "== done; the node's data directory is $WORK/county" >&2
