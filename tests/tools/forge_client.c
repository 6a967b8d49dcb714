/*
 * zhibu-forge — a hand-built sync client for the hostile-peer tests
 * (tests/integration/test_sync_hostile.sh, DESIGN.md §8.5–§8.6).
 *
 * It holds a node's REAL enrollment bundle, so the server accepts the TLS
 * handshake and the Hello; what it sends afterwards is whatever the test
 * asks for, built here rather than by zb_node, so that none of the node's
 * own checks (scope, seq order) stand in the way:
 *
 *   zhibu-forge --bundle FILE | --data NODEDIR  --server HOST:PORT
 *               [--mode MODE] [--member ID] [--phone VALUE] [--origin ID]
 *               [--timeout-ms N] [--record]
 *
 *   forge          (default) one op, origin = the certificate's node id,
 *                  seq = held_seq + 1 from HelloAck, setting the phone of
 *                  --member (typically a member of ANOTHER branch)
 *   wrong-origin   the same op with origin = --origin (another node's id)
 *   gap            the same op with seq = held_seq + 2
 *   garbage-frame  one frame of random bytes (not a protobuf Frame)
 *   huge-length    a bare 4-byte length prefix of 2 GiB, then a few bytes
 *   push-first     a well-formed PushBatch before any Hello
 *
 * --record (forge mode, with --data, node stopped): the op is also appended
 * to the node's own log before it is pushed, as a node binary whose scope
 * check was patched out would do, so that the node's next ordinary sync
 * meets the server's verdict on an op it knows (the rejection must show in
 * `zhibu-node rejected`).  Without it the op exists only on the wire — a
 * stolen key — and the node's log and the server's disagree about that seq.
 *
 * Every mode acts after HelloAck (except push-first), then waits for the
 * server's answer and its close.  One JSON object goes to stdout:
 *
 *   {"mode": "...", "node_id": "...", "hello_ack": true|false,
 *    "org": "...", "held_seq": N, "server_head": N,
 *    "sent": {"origin": "...", "seq": N} | null,
 *    "push_ack": {"held_seq": N, "rejected": N, "conflicts": N} | null,
 *    "error": {"code": N, "message": "..."} | null,
 *    "closed": "ZB_E..." | "clean" | "timeout"}
 *
 * Exit status: 0 when the session ran (whatever the server answered), 2
 * for a usage error, 1 for a local failure.
 *
 * A second use makes an EXPIRED copy of a bundle, for the expiry test:
 *
 *   zhibu-forge --expire-bundle IN --ca-dir SERVERDATA/pki --out OUT
 *
 * writes OUT (mode 0600, the bundle format of zb_pki.h) with the same key,
 * node id and org as IN, but a certificate that the CA signed with
 * notBefore 10 days and notAfter 1 day in the past.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netdb.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

#include "zb_batch.h"
#include "zb_conn.h"
#include "zb_err.h"
#include "zb_hlc.h"
#include "zb_log.h"
#include "zb_node.h"
#include "zb_oplog.h"
#include "zb_pki.h"
#include "zb_record.h"
#include "zb_store.h"
#include "zb_sync.h"
#include "zhibu.pb-c.h"

/* Packs a Frame and queues it (common/zb_sync.c; internal to libzhibu). */
int zb__sync_send(zb_conn *c, const Zb__Frame *f);

enum mode { M_FORGE, M_WRONG_ORIGIN, M_GAP, M_GARBAGE, M_HUGE, M_PUSH_FIRST };

static const struct {
  const char *name;
  enum mode m;
} modes[] = {
    {"forge", M_FORGE},         {"wrong-origin", M_WRONG_ORIGIN}, {"gap", M_GAP},
    {"garbage-frame", M_GARBAGE}, {"huge-length", M_HUGE},        {"push-first", M_PUSH_FIRST},
};

struct forge {
  enum mode mode;
  const char *mode_name;
  const char *member, *phone, *origin;
  const char *record_dir;   /* --record: the node's data dir, or NULL */
  zb_bundle b;
  zb_conn *conn;
  uv_timer_t timer;
  bool hello_ack, timed_out, closed;
  int close_reason;
  uint64_t held, head;
  char org[ZB_PKI_ORG_MAX + 1];
  bool sent;
  char sent_origin[ZB_PKI_NODE_ID_MAX + 1];
  uint64_t sent_seq;
  bool push_ack;
  uint64_t ack_held;
  uint32_t ack_rejected, ack_conflicts;
  bool error;
  uint32_t err_code;
  char err_msg[400];
  int local_rc;
};

static void usage(void) {
  fprintf(stderr,
          "usage: zhibu-forge (--bundle FILE | --data NODEDIR) --server HOST:PORT\n"
          "                   [--mode forge|wrong-origin|gap|garbage-frame|huge-length|"
          "push-first]\n"
          "                   [--member ID] [--phone VALUE] [--origin ID] [--timeout-ms N]\n"
          "                   [--record]\n"
          "       zhibu-forge --expire-bundle IN --ca-dir DIR --out OUT\n");
}

struct record_ctx {
  Zb__Op *op;
  uint64_t held;
  zb_oplog_head head;   /* op->prev_hash points into it */
  bool behind;
};

/* Appends op to the node's own log, as a node whose scope check was
 * patched out would: same seq, chain and HLC rules as zb_node's writer. */
static int record_write(zb_txn *t, void *ctx) {
  struct record_ctx *rx = ctx;
  bool back;
  uint64_t cursor;
  int e = zb_oplog_head_load(t, &rx->head);
  if (!e)
    e = zb_meta_get_u64(t, "cursor", &cursor);
  if (e)
    return e;
  if (rx->head.seq != rx->held) {
    rx->behind = true;
    return ZB_EINVAL;
  }
  rx->head.hlc = zb_hlc_next(rx->head.hlc, zb_hlc_wall_ms(), &back);
  rx->op->hlc = rx->head.hlc;
  rx->op->base_cursor = cursor;
  if ((e = zb_oplog_append(t, &rx->head, rx->op)))
    return e;
  return zb_oplog_head_save(t, &rx->head);
}

static int record_op(const char *dir, Zb__Op *op, uint64_t held) {
  zb_store *s;
  struct record_ctx rx = {.op = op, .held = held};
  int e = zb_store_open(dir, false, &s);
  if (e) {
    fprintf(stderr, "zhibu-forge: %s: %s\n", dir, zb_strerror(e));
    return e;
  }
  e = zb_store_write(s, record_write, &rx);
  zb_store_close(s);
  if (rx.behind)
    fprintf(stderr, "zhibu-forge: %s: the node has %llu ops, the server holds %llu: "
            "sync the node first\n", dir, (unsigned long long)rx.head.seq,
            (unsigned long long)held);
  else if (e)
    fprintf(stderr, "zhibu-forge: %s: cannot record the op: %s\n", dir, zb_strerror(e));
  /* Ops travel without prev_hash (DESIGN.md §6): the server supplies it. */
  op->prev_hash.data = NULL;
  op->prev_hash.len = 0;
  return e;
}

/* Sends a PushBatch of one op built here: origin, seq and body chosen by
 * the mode, not by any node's rules.  With --record the op is first
 * appended to the node's own log, so that the node's next ordinary sync
 * finds the server's verdict on an op it knows. */
static int send_push(struct forge *fg) {
  Zb__FieldSet fs = ZB__FIELD_SET__INIT;
  Zb__FieldSet *fsp[1] = {&fs};
  Zb__RecordSet rs = ZB__RECORD_SET__INIT;
  Zb__Op op = ZB__OP__INIT;
  fs.field = ZB_MF_PHONE;
  fs.value = (char *)fg->phone;
  rs.kind = ZB__RECORD_KIND__RECORD_KIND_MEMBER;
  rs.key = (char *)fg->member;
  rs.n_fields = 1;
  rs.fields = fsp;
  op.origin = fg->mode == M_WRONG_ORIGIN ? (char *)fg->origin : fg->b.node_id;
  op.seq = fg->held + (fg->mode == M_GAP ? 2 : 1);
  op.hlc = zb_hlc_wall_ms() << 16;
  op.actor = "forge";
  /* Claims to have seen everything, so that a scope check — not a
   * conflict — is what decides the op's fate. */
  op.base_cursor = fg->head;
  op.body_case = ZB__OP__BODY_SET;
  op.set = &rs;
  if (fg->record_dir) {
    int e = record_op(fg->record_dir, &op, fg->held);
    if (e)
      return e;
  }

  size_t len = zb__op__get_packed_size(&op);
  uint8_t *packed = malloc(len), *z = NULL;
  size_t zlen = 0;
  zb_batch batch;
  zb_batch_init(&batch);
  int rc = packed ? 0 : ZB_ENOMEM;
  if (!rc) {
    zb__op__pack(&op, packed);
    rc = zb_batch_add(&batch, packed, len);
  }
  if (!rc)
    rc = zb_batch_compress(&batch, &z, &zlen);
  if (!rc) {
    Zb__PushBatch pb = ZB__PUSH_BATCH__INIT;
    Zb__Frame f = ZB__FRAME__INIT;
    pb.batch = 1;
    pb.count = batch.count;
    pb.raw_size = batch.len;
    pb.zdata.data = z;
    pb.zdata.len = zlen;
    f.msg_case = ZB__FRAME__MSG_PUSH;
    f.push = &pb;
    rc = zb__sync_send(fg->conn, &f);
  }
  if (!rc) {
    fg->sent = true;
    snprintf(fg->sent_origin, sizeof fg->sent_origin, "%s", op.origin);
    fg->sent_seq = op.seq;
  }
  free(z);
  free(packed);
  zb_batch_free(&batch);
  return rc;
}

/* The hostile act of the mode, once the server has accepted the session. */
static void act(struct forge *fg) {
  int rc = 0;
  switch (fg->mode) {
  case M_FORGE:
  case M_WRONG_ORIGIN:
  case M_GAP:
  case M_PUSH_FIRST:
    rc = send_push(fg);
    break;
  case M_GARBAGE: {
    uint8_t junk[512];
    if (RAND_bytes(junk, sizeof junk) != 1) {
      rc = ZB_ECRYPTO;
      break;
    }
    /* Tag byte 0x07: field 0, wire type 7 — invalid in protobuf whatever
     * follows, so the frame can never decode by luck. */
    junk[0] = 0x07;
    rc = zb_conn_send(fg->conn, junk, sizeof junk);
    break;
  }
  case M_HUGE: {
    /* 2 GiB announced, a handful of bytes sent: the server must refuse
     * from the header alone, before allocating anything. */
    static const uint8_t hdr[] = {0x80, 0x00, 0x00, 0x00, 'z', 'h', 'i', 'b', 'u'};
    rc = zb__conn_send_unframed(fg->conn, hdr, sizeof hdr);
    break;
  }
  }
  if (rc) {
    fprintf(stderr, "zhibu-forge: cannot send: %s\n", zb_strerror(rc));
    fg->local_rc = rc;
    zb_conn_close(fg->conn, rc);
  }
}

static void on_handshake(zb_conn *c, X509 *peer) {
  struct forge *fg = zb_conn_user(c);
  (void)peer;
  if (fg->mode == M_PUSH_FIRST) {
    act(fg);
    return;
  }
  Zb__Hello h = ZB__HELLO__INIT;
  Zb__Frame f = ZB__FRAME__INIT;
  h.protocol = ZB_PROTOCOL_VERSION;
  h.node_id = fg->b.node_id;
  f.msg_case = ZB__FRAME__MSG_HELLO;
  f.hello = &h;
  int rc = zb__sync_send(c, &f);
  if (rc) {
    fg->local_rc = rc;
    zb_conn_close(c, rc);
  }
}

static void on_frame(zb_conn *c, const uint8_t *payload, size_t len) {
  struct forge *fg = zb_conn_user(c);
  Zb__Frame *f = zb__frame__unpack(NULL, len, payload);
  if (!f) {
    fprintf(stderr, "zhibu-forge: the server sent a malformed frame\n");
    zb_conn_close(c, ZB_EPROTO);
    return;
  }
  switch (f->msg_case) {
  case ZB__FRAME__MSG_HELLO_ACK:
    fg->hello_ack = true;
    fg->held = f->hello_ack->held_seq;
    fg->head = f->hello_ack->server_head;
    snprintf(fg->org, sizeof fg->org, "%s", f->hello_ack->org);
    act(fg);
    break;
  case ZB__FRAME__MSG_PUSH_ACK:
    fg->push_ack = true;
    fg->ack_held = f->push_ack->held_seq;
    fg->ack_rejected = f->push_ack->rejected;
    fg->ack_conflicts = f->push_ack->conflicts;
    zb_conn_close(c, 0);
    break;
  case ZB__FRAME__MSG_ERROR:
    fg->error = true;
    fg->err_code = f->error->code;
    snprintf(fg->err_msg, sizeof fg->err_msg, "%s", f->error->message);
    /* The server closes after an error; wait for it. */
    break;
  case ZB__FRAME__MSG_HELLO:
  case ZB__FRAME__MSG_PUSH:
  case ZB__FRAME__MSG_PULL:
  case ZB__FRAME__MSG_PULL_BATCH:
  case ZB__FRAME__MSG_PULL_ACK:
  case ZB__FRAME__MSG__NOT_SET:
  case _ZB__FRAME__MSG__CASE_IS_INT_SIZE:
    fprintf(stderr, "zhibu-forge: unexpected frame %d from the server\n", (int)f->msg_case);
    zb_conn_close(c, ZB_EPROTO);
    break;
  }
  zb__frame__free_unpacked(f, NULL);
}

static void on_close(zb_conn *c, int reason) {
  struct forge *fg = zb_conn_user(c);
  fg->closed = true;
  fg->close_reason = reason;
  fg->conn = NULL;
  uv_timer_stop(&fg->timer);
  uv_close((uv_handle_t *)&fg->timer, NULL);
}

static void on_timeout(uv_timer_t *t) {
  struct forge *fg = t->data;
  fg->timed_out = true;
  if (fg->conn)
    zb_conn_close(fg->conn, ZB_EUNREACH);
}

static void print_result(const struct forge *fg) {
  json_t *j = json_object();
  json_object_set_new(j, "mode", json_string(fg->mode_name));
  json_object_set_new(j, "node_id", json_string(fg->b.node_id));
  json_object_set_new(j, "hello_ack", json_boolean(fg->hello_ack));
  json_object_set_new(j, "org", json_string(fg->org));
  json_object_set_new(j, "held_seq", json_integer((json_int_t)fg->held));
  json_object_set_new(j, "server_head", json_integer((json_int_t)fg->head));
  json_object_set_new(j, "sent",
                      fg->sent ? json_pack("{s:s, s:I}", "origin", fg->sent_origin, "seq",
                                           (json_int_t)fg->sent_seq)
                               : json_null());
  json_object_set_new(j, "push_ack",
                      fg->push_ack ? json_pack("{s:I, s:i, s:i}", "held_seq",
                                               (json_int_t)fg->ack_held, "rejected",
                                               (int)fg->ack_rejected, "conflicts",
                                               (int)fg->ack_conflicts)
                                   : json_null());
  json_object_set_new(j, "error",
                      fg->error ? json_pack("{s:i, s:s}", "code", (int)fg->err_code, "message",
                                            fg->err_msg)
                                : json_null());
  const char *closed = fg->timed_out ? "timeout"
                       : !fg->closed ? "not-closed"
                       : fg->close_reason == 0 ? "clean"
                                               : zb_err_name(fg->close_reason);
  json_object_set_new(j, "closed", json_string(closed));
  char *s = json_dumps(j, JSON_COMPACT | JSON_ENSURE_ASCII);
  if (s)
    printf("%s\n", s);
  free(s);
  json_decref(j);
}

static int run_session(struct forge *fg, const char *server, uint64_t timeout_ms) {
  char host[256], port[8];
  if (zb_sync_parse_addr(server, host, sizeof host, port, sizeof port)) {
    fprintf(stderr, "zhibu-forge: --server: \"%s\" is not HOST:PORT\n", server);
    return 2;
  }
  X509_STORE *store = NULL;
  SSL_CTX *ctx = NULL;
  int rc = zb_pki_bundle_store(&fg->b, &store);
  if (!rc)
    rc = zb_tls_ctx_new_mem(false, store, fg->b.cert, fg->b.key, &ctx);
  if (rc) {
    fprintf(stderr, "zhibu-forge: TLS setup: %s\n", zb_strerror(rc));
    return 1;
  }
  struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *ai = NULL;
  if (getaddrinfo(host, port, &hints, &ai) != 0 || !ai) {
    fprintf(stderr, "zhibu-forge: cannot resolve %s\n", host);
    zb_tls_ctx_free(ctx);
    return 1;
  }
  uv_loop_t loop;
  uv_loop_init(&loop);
  uv_timer_init(&loop, &fg->timer);
  fg->timer.data = fg;
  static const zb_conn_callbacks cbs = {
      .on_handshake = on_handshake, .on_frame = on_frame, .on_close = on_close};
  fg->conn = zb_conn_new(&loop, ctx, false, &cbs, fg);
  int out = 0;
  if (!fg->conn) {
    uv_close((uv_handle_t *)&fg->timer, NULL);
    out = 1;
  } else {
    zb_conn_set_timeouts(fg->conn, timeout_ms, timeout_ms);
    uv_timer_start(&fg->timer, on_timeout, timeout_ms, 0);
    if (zb_conn_connect(fg->conn, ai->ai_addr, host) != 0)
      zb_conn_close(fg->conn, ZB_EUNREACH);
  }
  uv_run(&loop, UV_RUN_DEFAULT);
  uv_loop_close(&loop);
  freeaddrinfo(ai);
  zb_tls_ctx_free(ctx);
  if (!out) {
    print_result(fg);
    if (fg->local_rc)
      out = 1;
  }
  return out;
}

/* ---- --expire-bundle ---- */

static EVP_PKEY *read_key(const char *path) {
  FILE *f = fopen(path, "r");
  if (!f)
    return NULL;
  EVP_PKEY *k = PEM_read_PrivateKey(f, NULL, NULL, NULL);
  fclose(f);
  return k;
}

static X509 *read_cert(const char *path) {
  FILE *f = fopen(path, "r");
  if (!f)
    return NULL;
  X509 *x = PEM_read_X509(f, NULL, NULL, NULL);
  fclose(f);
  return x;
}

static int expire_bundle(const char *in, const char *ca_dir, const char *out_path) {
  char why[320] = "", path[4096];
  zb_bundle b;
  memset(&b, 0, sizeof b);
  EVP_PKEY *ca_key = NULL;
  X509 *ca = NULL, *x = NULL;
  FILE *f = NULL;
  int fd = -1, rc = 1;
  if (zb_pki_bundle_read(in, &b, why, sizeof why) != 0) {
    fprintf(stderr, "zhibu-forge: %s: %s\n", in, why[0] ? why : "unreadable bundle");
    goto out;
  }
  snprintf(path, sizeof path, "%s/ca.key", ca_dir);
  ca_key = read_key(path);
  snprintf(path, sizeof path, "%s/ca.crt", ca_dir);
  ca = read_cert(path);
  if (!ca_key || !ca) {
    fprintf(stderr, "zhibu-forge: %s: no readable ca.key and ca.crt\n", ca_dir);
    goto out;
  }
  /* The same certificate (subject, SAN, key) re-signed by the real CA with
   * a validity window that ended yesterday. */
  x = X509_dup(b.cert);
  if (!x || !X509_gmtime_adj(X509_getm_notBefore(x), -10L * 86400) ||
      !X509_gmtime_adj(X509_getm_notAfter(x), -1L * 86400) ||
      !X509_sign(x, ca_key, EVP_sha256())) {
    fprintf(stderr, "zhibu-forge: cannot re-sign the certificate\n");
    goto out;
  }
  fd = open(out_path, O_WRONLY | O_CREAT | O_EXCL, 0600);
  if (fd < 0 || !(f = fdopen(fd, "w"))) {
    fprintf(stderr, "zhibu-forge: %s: %s\n", out_path, strerror(errno));
    goto out;
  }
  fd = -1;
  fprintf(f, "# zhibu enrollment bundle\nserver: %s\nnode: %s\norg: %s\n", b.server, b.node_id,
          b.org);
  if (!PEM_write_X509(f, b.ca) || !PEM_write_X509(f, x) ||
      !PEM_write_PrivateKey(f, b.key, NULL, NULL, 0, NULL, NULL)) {
    fprintf(stderr, "zhibu-forge: %s: cannot write\n", out_path);
    goto out;
  }
  rc = 0;
out:
  if (f && fclose(f) != 0)
    rc = 1;
  if (fd >= 0)
    close(fd);
  X509_free(x);
  X509_free(ca);
  EVP_PKEY_free(ca_key);
  zb_bundle_clear(&b);
  return rc;
}

/* ---- main ---- */

/* The bundle a node's data directory was enrolled with. */
static int bundle_of_node(const char *dir, char *out, size_t cap) {
  zb_node *n;
  int rc = zb_node_open(dir, &n);
  if (rc) {
    fprintf(stderr, "zhibu-forge: %s: %s\n", dir, zb_strerror(rc));
    return rc;
  }
  snprintf(out, cap, "%s", zb_node_bundle_path(n));
  zb_node_close(n);
  if (!out[0]) {
    fprintf(stderr, "zhibu-forge: %s: the node is not enrolled\n", dir);
    return ZB_ENOTINIT;
  }
  return 0;
}

int main(int argc, char **argv) {
  static const struct option opts[] = {
      {"bundle", required_argument, NULL, 'b'},  {"data", required_argument, NULL, 'd'},
      {"server", required_argument, NULL, 's'},  {"mode", required_argument, NULL, 'm'},
      {"member", required_argument, NULL, 'i'},  {"phone", required_argument, NULL, 'p'},
      {"origin", required_argument, NULL, 'o'},  {"timeout-ms", required_argument, NULL, 't'},
      {"expire-bundle", required_argument, NULL, 'E'},
      {"ca-dir", required_argument, NULL, 'C'},  {"out", required_argument, NULL, 'O'},
      {"record", no_argument, NULL, 'R'},
      {NULL, 0, NULL, 0}};
  const char *bundle = NULL, *data = NULL, *server = NULL, *expire = NULL, *ca_dir = NULL,
             *out = NULL;
  struct forge fg;
  memset(&fg, 0, sizeof fg);
  fg.mode = M_FORGE;
  fg.mode_name = "forge";
  fg.member = "M0000000000";
  fg.phone = "13800000000";
  fg.origin = "someone-else";
  uint64_t timeout_ms = 15000;
  bool record = false;
  int ch;
  zb_log_init("zhibu-forge");
  while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
    switch (ch) {
    case 'b': bundle = optarg; break;
    case 'd': data = optarg; break;
    case 's': server = optarg; break;
    case 'i': fg.member = optarg; break;
    case 'p': fg.phone = optarg; break;
    case 'o': fg.origin = optarg; break;
    case 'E': expire = optarg; break;
    case 'C': ca_dir = optarg; break;
    case 'O': out = optarg; break;
    case 'R': record = true; break;
    case 'm': {
      size_t i;
      for (i = 0; i < sizeof modes / sizeof modes[0]; i++)
        if (strcmp(optarg, modes[i].name) == 0)
          break;
      if (i == sizeof modes / sizeof modes[0]) {
        fprintf(stderr, "zhibu-forge: --mode: unknown mode \"%s\"\n", optarg);
        return 2;
      }
      fg.mode = modes[i].m;
      fg.mode_name = modes[i].name;
      break;
    }
    case 't': {
      char *end;
      errno = 0;
      long long v = strtoll(optarg, &end, 10);
      if (errno || *end || v < 100 || v > 600000) {
        fprintf(stderr, "zhibu-forge: --timeout-ms: \"%s\" is not 100..600000\n", optarg);
        return 2;
      }
      timeout_ms = (uint64_t)v;
      break;
    }
    default:
      usage();
      return 2;
    }
  }
  if (optind != argc) {
    usage();
    return 2;
  }
  if (expire) {
    if (!ca_dir || !out) {
      usage();
      return 2;
    }
    return expire_bundle(expire, ca_dir, out);
  }
  if ((!bundle == !data) || !server) {
    usage();
    return 2;
  }
  if (record && (!data || fg.mode != M_FORGE)) {
    fprintf(stderr, "zhibu-forge: --record needs --data and the forge mode\n");
    return 2;
  }
  fg.record_dir = record ? data : NULL;
  char path[4096];
  if (data) {
    if (bundle_of_node(data, path, sizeof path))
      return 1;
    bundle = path;
  }
  char why[320] = "";
  if (zb_pki_bundle_read(bundle, &fg.b, why, sizeof why) != 0) {
    fprintf(stderr, "zhibu-forge: %s: %s\n", bundle, why[0] ? why : "unreadable bundle");
    return 1;
  }
  int rc = run_session(&fg, server, timeout_ms);
  zb_bundle_clear(&fg.b);
  return rc;
}
