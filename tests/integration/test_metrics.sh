#!/usr/bin/env bash
# /metrics of `zhibu-server run --http` (README "The dashboard";
# common/net/zb_syncd.h, zb_syncd_counters): the sync service's counters
# move by exactly what a known sync did, read from the dashboard's thread
# while the loop runs:
#   - a branch pushes its roster through a counting proxy: sessions opened
#     and completed +1, ops ingested = the ops the node says it pushed,
#     bytes in and out = what the proxy carried each way, no handshake
#     failure;
#   - the county's node pulls them: ops sent = the ops it says it pulled;
#   - a concurrent edit: conflicts = what the node was told;
#   - handshakes that fail, each under its own reason: a revoked node
#     (revoked), a self-signed certificate (bad_cert), bytes that are not
#     TLS (tls), a peer that leaves mid-handshake (closed), one that says
#     nothing (timeout, after the server's 10 s);
#   - per-node lag: the ops a cut session left unpushed and the seconds
#     since the last sync equal `report freshness --json`.
# The text is parsed as Prometheus text (one sample per line).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
conv_setup
PROXY="${ZB_PROXY:-$ZB_BIN/zhibu-faultproxy}"

C=430121
B1=430121-01-01
B2=430121-01-02
SRV="$WORK/srv"
LOG="$WORK/server.log"
show_logs_on_failure "$LOG"
R="$WORK/roster"
gen_roster "$R" --townships 2 --branches 3 --members 300 --seed 7

say "a server, a county node, two branch nodes (b2 to be revoked)"
ok "$SERVER" init --data "$SRV"
ok "$SERVER" org import "$R/orgs.csv" --data "$SRV"
conv_enroll "$SRV" "$WORK/c" c "$C"
conv_enroll "$SRV" "$WORK/b1" b1 "$B1"
conv_enroll "$SRV" "$WORK/b2" b2 "$B2"
ok "$SERVER" token issue --org "$C" --data "$SRV"
TC="$(cat "$LAST_OUT")"
rm -f "$WORK/http.port" "$WORK/conv.port"
"$SERVER" run --data "$SRV" --listen 127.0.0.1:0 --port-file "$WORK/conv.port" \
  --http 127.0.0.1:0 --http-port-file "$WORK/http.port" 2>>"$LOG" &
CONV_SRV_PID=$!
HP="$(wait_port_file "$WORK/http.port" "$CONV_SRV_PID")"
CONV_PORT="$(wait_port_file "$WORK/conv.port" "$CONV_SRV_PID")"
CONV_ADDR="127.0.0.1:$CONV_PORT"

# scrape OUT: GET /metrics with the county's token; OUT gets the samples
# as JSON {"name{labels}": value}, parsed from the Prometheus text (every
# line a comment or NAME[{LABELS}] VALUE; anything else fails).
cat >"$WORK/prom.py" <<'PY'
import json, re, socket, ssl, sys, http.client
port, tok, ca, out = sys.argv[1:5]
ctx = ssl.create_default_context(cafile=ca)
conn = http.client.HTTPSConnection("localhost", int(port), context=ctx, timeout=30)
raw = socket.create_connection(("127.0.0.1", int(port)), timeout=30)
conn.sock = ctx.wrap_socket(raw, server_hostname="localhost")
conn.request("GET", "/metrics", headers={"Authorization": "Bearer " + tok})
r = conn.getresponse()
body = r.read().decode("utf-8")
assert r.status == 200, (r.status, body)
assert r.getheader("Content-Type").startswith("text/plain; version=0.0.4"), r.getheader("Content-Type")
samples, types = {}, {}
line_re = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*",?)*\})? (-?[0-9.e+]+)$')
for line in body.splitlines():
    if line.startswith("# TYPE "):
        _, _, name, typ = line.split(" ")
        types[name] = typ
        continue
    if line.startswith("#"):
        continue
    m = line_re.match(line)
    assert m, ("not a sample line", line)
    key = m.group(1) + (m.group(2) or "")
    assert key not in samples, ("twice", key)
    assert m.group(1) in types, ("no TYPE for", m.group(1))
    samples[key] = float(m.group(3))
json.dump(samples, open(out, "w"), indent=1, sort_keys=True)
PY
scrape() { python3 "$WORK/prom.py" "$HP" "$TC" "$SRV/pki/ca.crt" "$1" || fail "GET /metrics"; }

# delta A B KEY: B[KEY] - A[KEY] (a missing key is an error).
delta() {
  python3 -c 'import json,sys; a,b=(json.load(open(p)) for p in sys.argv[1:3]); k=sys.argv[3]; print(int(b[k]-a[k]))' \
    "$1" "$2" "$3" || fail "no sample $3"
}
# sample FILE KEY
sample() {
  python3 -c 'import json,sys; print(int(json.load(open(sys.argv[1]))[sys.argv[2]]))' "$1" "$2" ||
    fail "no sample $2"
}
# settle OUT OPENED: scrapes until no session is open and OPENED sessions
# have been opened in all (the server closes its end after the node exits).
settle() {
  local i
  for ((i = 0; i < 200; i++)); do
    scrape "$1"
    [[ "$(sample "$1" zhibu_sync_sessions_current)" == 0 &&
      "$(sample "$1" zhibu_sync_sessions_opened_total)" == "$2" ]] && return 0
    sleep 0.1
  done
  fail "sessions did not settle at $2 opened (last scrape: $(grep sessions "$1" | tr -d '\n'))"
}
# hs_moved A B REASON N: handshake failures of REASON moved by N, those of
# every other reason by 0.
hs_moved() {
  python3 - "$@" <<'PY' || fail "handshake failures between $1 and $2"
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
want, n = sys.argv[3], int(sys.argv[4])
for r in ("bad_cert", "revoked", "no_identity", "tls", "timeout", "closed", "local"):
    k = 'zhibu_sync_handshake_failures_total{reason="%s"}' % r
    d = b[k] - a[k]
    assert d == (n if r == want else 0), (r, d, "while testing", want)
PY
}

scrape "$WORK/m0.json"
for k in connections_total sessions_opened_total sessions_current sessions_completed_total \
  ops_ingested_total ops_rejected_total conflicts_total ops_sent_total bytes_in_total bytes_out_total; do
  assert_eq "$(sample "$WORK/m0.json" "zhibu_sync_$k")" 0 "zhibu_sync_$k at start"
done

say "b1 pushes its branch through a counting proxy: the counters move by what it did"
conv_members_of "$R/members.csv" "$WORK/m1.csv" "$B1"
ok "$NODE" member import "$WORK/m1.csv" --data "$WORK/b1"
start_proxy "$CONV_PORT" "$WORK/px1.jsonl"
expect_exit 0 "$NODE" sync --json --data "$WORK/b1" --server "127.0.0.1:$PX_PORT" --timeout 60
PUSHED="$(conv_json_field "$LAST_OUT" pushed)"
[[ $PUSHED -ge 20 ]] || fail "b1 pushed only $PUSHED ops"
settle "$WORK/m1.json" 1
stop_proxy
assert_eq "$(delta "$WORK/m0.json" "$WORK/m1.json" zhibu_sync_ops_ingested_total)" "$PUSHED" "ops ingested = ops pushed"
assert_eq "$(delta "$WORK/m0.json" "$WORK/m1.json" zhibu_sync_ops_duplicate_total)" 0 "no duplicates"
assert_eq "$(delta "$WORK/m0.json" "$WORK/m1.json" zhibu_sync_ops_rejected_total)" 0 "nothing rejected"
assert_eq "$(delta "$WORK/m0.json" "$WORK/m1.json" zhibu_sync_sessions_completed_total)" 1 "one session completed"
assert_eq "$(delta "$WORK/m0.json" "$WORK/m1.json" zhibu_sync_connections_total)" 1 "one connection"
assert_eq "$(delta "$WORK/m0.json" "$WORK/m1.json" zhibu_sync_bytes_in_total)" \
  "$(json_field "$WORK/px1.jsonl" up)" "bytes in = what the proxy carried up"
assert_eq "$(delta "$WORK/m0.json" "$WORK/m1.json" zhibu_sync_bytes_out_total)" \
  "$(json_field "$WORK/px1.jsonl" down)" "bytes out = what the proxy carried down"
hs_moved "$WORK/m0.json" "$WORK/m1.json" none 0
assert_eq "$(sample "$WORK/m1.json" 'zhibu_node_lag_ops{node="b1",org="430121-01-01"}')" 0 "b1 has nothing unpushed"

say "the county's node pulls them: ops sent = ops pulled"
conv_sync "$WORK/c"
[[ $CONV_PULLED -ge $PUSHED ]] || fail "the county pulled $CONV_PULLED ops"
settle "$WORK/m2.json" 2
assert_eq "$(delta "$WORK/m1.json" "$WORK/m2.json" zhibu_sync_ops_sent_total)" "$CONV_PULLED" "ops sent = ops pulled"
assert_eq "$(delta "$WORK/m1.json" "$WORK/m2.json" zhibu_sync_ops_ingested_total)" "$CONV_PUSHED" "the county's ops"

say "a concurrent edit of one member: conflicts = what the node was told"
M="$(awk -F, 'NR == 2 {print $1}' "$WORK/m1.csv")"
ok "$NODE" member update "$M" --phone 13900000001 --data "$WORK/b1"
ok "$NODE" member update "$M" --phone 13900000002 --data "$WORK/c"
conv_sync "$WORK/b1"
conv_sync "$WORK/c"
CONFL="$(conv_json_field "$LAST_OUT" conflicts)"
[[ $CONFL -ge 1 ]] || fail "the county's sync saw no conflict"
settle "$WORK/m3.json" 4
assert_eq "$(delta "$WORK/m2.json" "$WORK/m3.json" zhibu_sync_conflicts_total)" "$CONFL" "conflicts"
assert_eq "$(delta "$WORK/m2.json" "$WORK/m3.json" zhibu_sync_ops_ingested_total)" 2 "two updates ingested"
assert_eq "$(delta "$WORK/m2.json" "$WORK/m3.json" zhibu_sync_sessions_completed_total)" 2 "two sessions"

say "b2 synced once, then revoked: its handshake fails as revoked"
conv_sync "$WORK/b2"
settle "$WORK/m4.json" 5
ok "$SERVER" revoke --data "$SRV" --node-id b2
conv_sync "$WORK/b2" 6
sleep 0.5
scrape "$WORK/m5.json"
hs_moved "$WORK/m4.json" "$WORK/m5.json" revoked 1
assert_eq "$(delta "$WORK/m4.json" "$WORK/m5.json" zhibu_sync_sessions_opened_total)" 0 "no session for a revoked node"
grep -q 'zhibu_node_lag_ops{node="b2"' "$WORK/m5.json" && fail "a revoked node's lag is still shown"

# tls_peer MODE: a hand-made peer of the sync port (python's ssl).
tls_peer() {
  python3 - "$CONV_PORT" "$1" "$WORK" <<'PY'
import socket, ssl, subprocess, sys, time
port, mode, work = int(sys.argv[1]), sys.argv[2], sys.argv[3]
s = socket.create_connection(("127.0.0.1", port), timeout=30)
if mode == "garbage":
    s.sendall(b"GET / HTTP/1.0\r\n\r\n")
    s.recv(100)
elif mode == "leave":
    pass
elif mode == "selfsigned":
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                    "-nodes", "-subj", "/CN=b1", "-days", "1", "-keyout", work + "/ss.key",
                    "-out", work + "/ss.crt"], check=True, capture_output=True)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    ctx.load_cert_chain(work + "/ss.crt", work + "/ss.key")
    t = ctx.wrap_socket(s, server_hostname="localhost")
    try:
        t.recv(100)   # TLS 1.3: the server's refusal comes after our Finished
    except (ssl.SSLError, OSError):
        pass
elif mode == "silent":
    time.sleep(11)
s.close()
PY
}

scrape "$WORK/m6.json"
say "bytes that are not TLS: tls"
tls_peer garbage || true
sleep 0.3
scrape "$WORK/m7.json"
hs_moved "$WORK/m6.json" "$WORK/m7.json" tls 1
say "a peer that leaves before the handshake: closed"
tls_peer leave
sleep 0.3
scrape "$WORK/m8.json"
hs_moved "$WORK/m7.json" "$WORK/m8.json" closed 1
say "a self-signed certificate: bad_cert"
tls_peer selfsigned
sleep 0.3
scrape "$WORK/m9.json"
hs_moved "$WORK/m8.json" "$WORK/m9.json" bad_cert 1
say "a peer that says nothing: timeout (the server's handshake limit, 10 s)"
tls_peer silent
scrape "$WORK/m10.json"
hs_moved "$WORK/m9.json" "$WORK/m10.json" timeout 1
assert_eq "$(delta "$WORK/m6.json" "$WORK/m10.json" zhibu_sync_sessions_opened_total)" 0 "no session opened by them"

say "b1's session is cut inside its push: its lag in ops and seconds = report freshness"
conv_members_of "$R/members.csv" "$WORK/m1b.csv" "$B2"
python3 - "$WORK/m1b.csv" "$B1" <<'PY'
import csv, sys
rows = list(csv.reader(open(sys.argv[1], encoding="utf-8")))
org = rows[0].index("org_code")
for r in rows[1:]:
    r[org] = sys.argv[2]   # b2's members, never pushed, now in b1's branch
csv.writer(open(sys.argv[1], "w", encoding="utf-8", newline="")).writerows(rows)
PY
ok "$NODE" member import "$WORK/m1b.csv" --data "$WORK/b1"
start_proxy "$CONV_PORT" "$WORK/cut.jsonl" --cut-up 2700
expect_exit 5 "$NODE" sync --data "$WORK/b1" --server "127.0.0.1:$PX_PORT" --timeout 60
stop_proxy
for ((i = 0; i < 200; i++)); do
  grep -q "session node=b1 org=$B1 pushed=[0-9]* .*ended:" "$LOG" && break
  sleep 0.05
done
scrape "$WORK/m11.json"
ok "$SERVER" report freshness --json --data "$SRV"
python3 - "$WORK/m11.json" "$LAST_OUT" <<'PY' || fail "lag against report freshness"
import datetime, json, sys
m = json.load(open(sys.argv[1]))
f = json.load(open(sys.argv[2], encoding="utf-8"))
now = datetime.datetime.strptime(f["as_of"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=datetime.timezone.utc).timestamp()
seen = 0
for n in f["nodes"]:
    k = 'zhibu_node_lag_ops{node="%s",org="%s"}' % (n["node_id"], n["org"])
    ks = 'zhibu_node_lag_seconds{node="%s",org="%s"}' % (n["node_id"], n["org"])
    if n["revoked"] or n["unpushed"] is None:
        assert k not in m, (k, n)
    else:
        assert m[k] == n["unpushed"], (k, m[k], n["unpushed"])
        seen += 1
    if n["revoked"] or n["last_sync"] is None:
        assert ks not in m, ks
    else:
        t = datetime.datetime.strptime(n["last_sync"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(
            tzinfo=datetime.timezone.utc).timestamp()
        assert abs(m[ks] - (now - t)) < 5, (ks, m[ks], now - t)
b1 = [n for n in f["nodes"] if n["node_id"] == "b1"][0]
assert b1["unpushed"] > 0, ("the cut left nothing unpushed", b1)
assert seen == 2, seen   # b1 and c (b2 revoked)
PY

conv_stop_server
say "ok"
