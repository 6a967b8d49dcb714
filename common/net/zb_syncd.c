/* The server's side of sync sessions: one libuv loop, many nodes. */
#include <errno.h>
#include <stdatomic.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "zb_msg.h"
#include "zb_conn.h"
#include "zb_err.h"
#include "zb_hlc.h"
#include "zb_log.h"
#include "zb_pace.h"
#include "zb_pki.h"
#include "zb_sync.h"
#include "zb_syncd.h"
#include "zhibu.pb-c.h"

struct server;

const char *const zb_syncd_hs_names[ZB_SYNCD_HS_N] = {
    "bad_cert", "revoked", "no_identity", "tls", "timeout", "closed", "local"};

/* The counters (zb_syncd.h), when kept: one add on the loop's thread. */
#define COUNT(srv, field, n)                                                         \
  do {                                                                                \
    if ((srv)->o.counters)                                                            \
      atomic_fetch_add_explicit(&(srv)->o.counters->field, (n), memory_order_relaxed); \
  } while (0)

struct peer {
  struct server *srv;
  zb_conn *conn;
  struct peer *next, **prevp;
  char node_id[ZB_PKI_NODE_ID_MAX + 1];
  char org[ZB_PKI_ORG_MAX + 1];
  bool hello;               /* Hello seen: the session is established */
  bool resumed;             /* the TLS handshake resumed a session */
  bool opened;              /* counted in sessions_opened (and _current) */
  uint64_t pull_cursor;
  bool pull_done;
  /* Pull batches follow the link (zb_pace.h): the one in flight. */
  zb_pace pace;
  size_t pull_raw, pull_wire;
  uint64_t pull_sent_ms;
  uint64_t pushed, pulled, restored, t0;
  uint32_t rejected, conflicts;
  int close_reason;         /* why we closed, when we did */
  bool closing;             /* refused: no longer counts against its node */
  bool done;                /* the last pull batch acknowledged: the session succeeded */
  bool quiet;               /* refused as one session too many, or ended by our
                               stopping: not its node's failure, not recorded */
  uint64_t log_head;        /* the node's last seq, as its Hello said */
  char why[320];            /* the first error we told it (the hub keeps the start) */
  uint8_t cert[ZB_HUB_CERT_MAX];  /* its verified certificate (DER), for parcels */
  size_t cert_len;
};

/* A session's outcome waiting to be written with the others that ended in
 * the same loop iteration (one small write for all of them). */
struct note {
  char node_id[ZB_PKI_NODE_ID_MAX + 1];
  char org[ZB_PKI_ORG_MAX + 1];
  uint8_t cert[ZB_HUB_CERT_MAX];
  size_t cert_len;
  bool hello, ok;
  uint64_t log_head, cursor, at_ms;
  char why[320];
};
#define ZB_NOTES_MAX 64

/* A push waiting for the group commit at the end of the loop iteration. */
struct pending {
  struct peer *p;            /* NULL once that session has closed */
  Zb__Frame *f;              /* owns the batch */
  char node_id[ZB_PKI_NODE_ID_MAX + 1];
  char org[ZB_PKI_ORG_MAX + 1];
};

#define ZB_GROUP_MAX 64      /* pushes committed together at most */

struct server {
  zb_hub *hub;
  uv_loop_t loop;
  uv_check_t group;          /* runs the group commit after each poll */
  uv_idle_t notes_due;       /* writes the sessions' outcomes at the next turn */
  struct pending pending[ZB_GROUP_MAX];
  size_t npending;
  uv_tcp_t listener;
  uv_signal_t sigterm, sigint;
  SSL_CTX *ctx;
  zb_tls_sessions *sessions;  /* NULL: no resumption */
  struct timespec crl_mtime;
  char pki[4096];
  zb_syncd_opts o;
  struct peer *peers;
  zb_batch batch;
  bool stopping;
  struct note *notes;        /* ZB_NOTES_MAX */
  size_t nnotes;
};

static void peer_error(struct peer *p, Zb__ErrorCode code, int reason, const char *fmt,
                       ...) __attribute__((format(printf, 4, 5)));

/* Tells the peer why, logs it, and closes that peer only.  code is the
 * class the node acts on (proto/zhibu.proto, ErrorCode): RETRY later or
 * REFUSED; reason is what the log says. */
static void peer_error(struct peer *p, Zb__ErrorCode code, int reason, const char *fmt,
                       ...) {
  char msg[320];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  zb_log_warn("%s (node %s): %s", zb_conn_peer_name(p->conn), p->node_id[0] ? p->node_id : "?",
              msg);
  if (!p->why[0])
    memcpy(p->why, msg, sizeof p->why);   /* both 320 bytes, NUL-terminated */
  Zb__ErrorMsg e = ZB__ERROR_MSG__INIT;
  Zb__Frame f = ZB__FRAME__INIT;
  e.code = code;
  e.message = msg;
  f.msg_case = ZB__FRAME__MSG_ERROR;
  f.error = &e;
  zb__sync_send(p->conn, &f);
  /* A clean close lets the error frame reach the node (a close with a
   * reason would drop it); the reason is logged above and below. */
  p->close_reason = reason;
  p->closing = true;
  zb_conn_close(p->conn, 0);
}

static void send_or_close(struct peer *p, const Zb__Frame *f) {
  int rc = zb__sync_send(p->conn, f);
  if (rc) {
    zb_log_warn("%s (node %s): cannot send: %s", zb_conn_peer_name(p->conn), p->node_id,
                zb_strerror(rc));
    p->closing = true;
    zb_conn_close(p->conn, rc);
  }
}

static void on_hello(struct peer *p, const Zb__Hello *h) {
  uint64_t held, head;
  uint8_t hash[32];
  if (h->protocol != ZB_PROTOCOL_VERSION) {
    peer_error(p, ZB__ERROR_CODE__ERROR_CODE_REFUSED,
               ZB_EREFUSED, "protocol %u is not spoken here (%u is)", h->protocol,
               ZB_PROTOCOL_VERSION);
    return;
  }
  int rc = zb_hub_hello(p->srv->hub, p->node_id, &held, hash, &head);
  if (rc) {
    peer_error(p, ZB__ERROR_CODE__ERROR_CODE_RETRY,
               rc, "server error: %s", zb_strerror(rc));
    return;
  }
  p->hello = true;
  p->log_head = h->log_head;
  Zb__HelloAck a = ZB__HELLO_ACK__INIT;
  Zb__Frame f = ZB__FRAME__INIT;
  a.protocol = ZB_PROTOCOL_VERSION;
  a.held_seq = held;
  a.server_head = head;
  a.org = p->org;
  a.held_hash.data = hash;
  a.held_hash.len = held ? sizeof hash : 0;
  a.server_time_ms = zb_hlc_wall_ms();
  f.msg_case = ZB__FRAME__MSG_HELLO_ACK;
  f.hello_ack = &a;
  send_or_close(p, &f);
}

/* Commits every push received in this loop iteration in one transaction,
 * then acknowledges each: what a node is told the server holds, it holds. */
static void commit_group(struct server *srv) {
  size_t n = srv->npending;
  if (n == 0)
    return;
  zb_push_req reqs[ZB_GROUP_MAX];
  for (size_t i = 0; i < n; i++) {
    const Zb__PushBatch *b = srv->pending[i].f->push;
    reqs[i] = (zb_push_req){srv->pending[i].node_id, srv->pending[i].org, b->zdata.data,
                            b->zdata.len, b->raw_size, b->count, {0}, 0};
  }
  zb_hub_push_many(srv->hub, reqs, n);
  for (size_t i = 0; i < n; i++) {
    struct peer *p = srv->pending[i].p;
    const zb_push_result *res = &reqs[i].res;
    if (reqs[i].rc == 0) {   /* stored, whether its session is still there or not */
      COUNT(srv, ops_ingested, res->applied);
      COUNT(srv, ops_duplicate, res->duplicates);
      COUNT(srv, ops_rejected, res->rejected);
      COUNT(srv, conflicts, res->conflicts);
    }
    if (p && reqs[i].rc == ZB_EPROTO) {
      peer_error(p, ZB__ERROR_CODE__ERROR_CODE_REFUSED,
                 ZB_EPROTO, "push refused: %s", res->why);
    } else if (!p && reqs[i].rc == ZB_EPROTO) {
      zb_log_warn("node %s: push refused after its session closed: %s",
                  srv->pending[i].node_id, res->why);
    } else if (p && reqs[i].rc) {
      peer_error(p, ZB__ERROR_CODE__ERROR_CODE_RETRY,
                 reqs[i].rc, "server error: %s", zb_strerror(reqs[i].rc));
    } else if (p) {
      p->pushed += res->applied + res->rejected;
      p->rejected += res->rejected;
      p->conflicts += res->conflicts;
      Zb__PushAck a = ZB__PUSH_ACK__INIT;
      Zb__Frame f = ZB__FRAME__INIT;
      a.batch = srv->pending[i].f->push->batch;
      a.held_seq = res->held_seq;
      a.rejected = res->rejected;
      a.conflicts = res->conflicts;
      f.msg_case = ZB__FRAME__MSG_PUSH_ACK;
      f.push_ack = &a;
      send_or_close(p, &f);
    }
    zb__frame__free_unpacked(srv->pending[i].f, NULL);
  }
  srv->npending = 0;
}

static void on_group(uv_check_t *h) {
  struct server *srv = h->data;
  commit_group(srv);
  uv_check_stop(h);
}

/* Takes f (a push frame) to commit with the others of this iteration. */
static void queue_push(struct peer *p, Zb__Frame *f) {
  struct server *srv = p->srv;
  if (srv->npending == ZB_GROUP_MAX)
    commit_group(srv);
  struct pending *pd = &srv->pending[srv->npending++];
  pd->p = p;
  pd->f = f;
  memcpy(pd->node_id, p->node_id, sizeof pd->node_id);
  memcpy(pd->org, p->org, sizeof pd->org);
  uv_check_start(&srv->group, on_group);
}

static void send_pull_batch(struct peer *p) {
  struct server *srv = p->srv;
  uint64_t next;
  bool done;
  int rc = zb_hub_pull(srv->hub, p->node_id, p->org, p->pull_cursor, zb_pace_next(&p->pace),
                       &srv->batch, &next, &done);
  if (rc) {
    peer_error(p, ZB__ERROR_CODE__ERROR_CODE_RETRY,
               rc, "server error: %s", zb_strerror(rc));
    return;
  }
  uint8_t *z;
  size_t zlen;
  if ((rc = zb_batch_compress(&srv->batch, &z, &zlen))) {
    peer_error(p, ZB__ERROR_CODE__ERROR_CODE_RETRY,
               rc, "server error: %s", zb_strerror(rc));
    return;
  }
  Zb__PullBatch pb = ZB__PULL_BATCH__INIT;
  Zb__Frame f = ZB__FRAME__INIT;
  pb.count = srv->batch.count;
  pb.raw_size = srv->batch.len;
  pb.zdata.data = z;
  pb.zdata.len = zlen;
  pb.cursor = next;
  pb.done = done;
  f.msg_case = ZB__FRAME__MSG_PULL_BATCH;
  f.pull_batch = &pb;
  p->pulled += srv->batch.count;
  COUNT(srv, ops_sent, srv->batch.count);
  p->pull_cursor = next;
  p->pull_done = done;
  p->pull_raw = srv->batch.len;
  p->pull_wire = zb__frame__get_packed_size(&f) + 4;
  p->pull_sent_ms = uv_now(&srv->loop);
  send_or_close(p, &f);
  free(z);
}

/* A replaced PC restoring its node (docs/PROTOCOL.md, "Restoring a
 * replaced PC"): the ops of the certificate's node id, never of another. */
static void send_restore_batch(struct peer *p, const Zb__RestoreRequest *r) {
  struct server *srv = p->srv;
  zb_hub_restored res;
  int rc = zb_hub_restore(srv->hub, p->node_id, r->after, r->scan_from, ZB_SYNC_BATCH_RAW,
                          &srv->batch, &res);
  if (rc == ZB_ENOTFOUND && res.summarized) {
    peer_error(p, ZB__ERROR_CODE__ERROR_CODE_REFUSED, rc,
               "op %llu of this node was rejected and kept only as a summary: the node "
               "cannot be restored from this server",
               (unsigned long long)res.summarized);
    return;
  }
  if (rc) {
    peer_error(p, ZB__ERROR_CODE__ERROR_CODE_RETRY, rc, "server error: %s", zb_strerror(rc));
    return;
  }
  uint8_t *z;
  size_t zlen;
  if ((rc = zb_batch_compress(&srv->batch, &z, &zlen))) {
    peer_error(p, ZB__ERROR_CODE__ERROR_CODE_RETRY, rc, "server error: %s", zb_strerror(rc));
    return;
  }
  Zb__RestoreBatch rb = ZB__RESTORE_BATCH__INIT;
  Zb__Frame f = ZB__FRAME__INIT;
  rb.count = srv->batch.count;
  rb.raw_size = srv->batch.len;
  rb.zdata.data = z;
  rb.zdata.len = zlen;
  rb.last_seq = res.last_seq;
  rb.last_hash.data = res.last_hash;
  rb.last_hash.len = sizeof res.last_hash;
  rb.scan_to = res.scan_to;
  rb.done = res.done;
  f.msg_case = ZB__FRAME__MSG_RESTORE_BATCH;
  f.restore_batch = &rb;
  p->restored += srv->batch.count;
  send_or_close(p, &f);
  free(z);
}

static void on_frame(zb_conn *c, const uint8_t *payload, size_t len) {
  struct peer *p = zb_conn_user(c);
  Zb__Frame *f = zb__frame__unpack(NULL, len, payload);
  if (!f) {
    peer_error(p, ZB__ERROR_CODE__ERROR_CODE_REFUSED,
               ZB_EPROTO, "malformed frame (%zu bytes)", len);
    return;
  }
  if (!p->hello && f->msg_case != ZB__FRAME__MSG_HELLO) {
    peer_error(p, ZB__ERROR_CODE__ERROR_CODE_REFUSED,
               ZB_EPROTO, "the session must start with hello");
    zb__frame__free_unpacked(f, NULL);
    return;
  }
  switch (f->msg_case) {
  case ZB__FRAME__MSG_HELLO:
    on_hello(p, f->hello);
    break;
  case ZB__FRAME__MSG_PUSH:
    queue_push(p, f);
    return;   /* the group commit frees f */
  case ZB__FRAME__MSG_PULL:
    p->pull_cursor = f->pull->cursor;
    send_pull_batch(p);
    break;
  case ZB__FRAME__MSG_PULL_ACK:
    if (f->pull_ack->cursor != p->pull_cursor)
      peer_error(p, ZB__ERROR_CODE__ERROR_CODE_REFUSED,
                 ZB_EPROTO, "pull acknowledged at %llu, sent up to %llu",
                 (unsigned long long)f->pull_ack->cursor, (unsigned long long)p->pull_cursor);
    else if (!p->pull_done) {
      zb_pace_acked(&p->pace, p->pull_raw, p->pull_wire, p->pull_sent_ms,
                    uv_now(&p->srv->loop));
      send_pull_batch(p);
    } else
      /* The session has succeeded; its cursor (where the node's next parcel
       * starts, docs/PROTOCOL.md, "Offline parcels") is recorded at its
       * close with its outcome. */
      p->done = true;
    break;
  case ZB__FRAME__MSG_RESTORE:
    send_restore_batch(p, f->restore);
    break;
  case ZB__FRAME__MSG_HELLO_ACK:
  case ZB__FRAME__MSG_PUSH_ACK:
  case ZB__FRAME__MSG_PULL_BATCH:
  case ZB__FRAME__MSG_RESTORE_BATCH:
  case ZB__FRAME__MSG_ERROR:
  case ZB__FRAME__MSG_PARCEL_HEADER:
  case ZB__FRAME__MSG_PARCEL_SEAL:
  case ZB__FRAME__MSG__NOT_SET:
  case _ZB__FRAME__MSG__CASE_IS_INT_SIZE:
    peer_error(p, ZB__ERROR_CODE__ERROR_CODE_REFUSED,
               ZB_EPROTO, "unexpected frame (%d)", (int)f->msg_case);
    break;
  }
  zb__frame__free_unpacked(f, NULL);
}

static void on_handshake(zb_conn *c, X509 *peer_cert) {
  struct peer *p = zb_conn_user(c);
  /* Who the node is comes from its verified certificate only, never from
   * what it says in Hello. */
  p->resumed = zb_conn_resumed(c);
  int rc = zb_pki_peer_identity(peer_cert, p->node_id, sizeof p->node_id, p->org, sizeof p->org);
  if (rc) {
    zb_log_warn("%s: certificate names no node id and org: refused", zb_conn_peer_name(c));
    COUNT(p->srv, handshake_failures[ZB_SYNCD_HS_NO_IDENTITY], 1);
    zb_conn_close(c, ZB_EREFUSED);
    return;
  }
  p->opened = true;
  COUNT(p->srv, sessions_opened, 1);
  COUNT(p->srv, sessions_current, 1);
  unsigned char *der = NULL;
  int dlen = i2d_X509(peer_cert, &der);
  if (dlen > 0 && (size_t)dlen <= sizeof p->cert) {
    memcpy(p->cert, der, (size_t)dlen);
    p->cert_len = (size_t)dlen;
  }
  OPENSSL_free(der);
  /* One certificate holds a few sessions at most: the node's daemon and a
   * sync by hand overlap, nothing honest needs more. */
  unsigned same = 0;
  for (struct peer *q = p->srv->peers; q; q = q->next)
    if (q != p && !q->closing && strcmp(q->node_id, p->node_id) == 0)
      same++;
  if (same >= p->srv->o.sessions_per_node) {
    p->quiet = true;
    COUNT(p->srv, sessions_busy, 1);
    peer_error(p, ZB__ERROR_CODE__ERROR_CODE_RETRY,
               ZB_EBUSY,
               "node %s already has %u sessions open (at most %u at once): retry later",
               p->node_id, same, p->srv->o.sessions_per_node);
  }
}

/* Writes the outcomes of the sessions that have ended (the freshness
 * report, zb_hub_peer): one transaction for all of them. */
static void flush_notes(struct server *srv) {
  size_t n = srv->nnotes;
  if (n == 0)
    return;
  zb_hub_contact c[ZB_NOTES_MAX];
  for (size_t i = 0; i < n; i++) {
    const struct note *nt = &srv->notes[i];
    c[i] = (zb_hub_contact){
        .node_id = nt->node_id,
        .org = nt->cert_len ? nt->org : NULL,
        .cert = nt->cert,
        .cert_len = nt->cert_len,
        .has_cursor = nt->ok,
        .cursor = nt->cursor,
        .has_head = nt->hello,
        .log_head = nt->log_head,
        .ok = nt->ok,
        .at_ms = nt->at_ms,
        .via = ZB_VIA_SESSION,
        .err = nt->why,
    };
  }
  int rc = zb_hub_contacts_note(srv->hub, c, n);
  if (rc)
    zb_log_warn("cannot record how %zu session(s) ended: %s", n, zb_strerror(rc));
  srv->nnotes = 0;
}

static void on_notes_due(uv_idle_t *h) {
  flush_notes(h->data);
  uv_idle_stop(h);
}

/* Keeps how p's session ended, by the server's clock, for flush_notes at
 * the end of this loop iteration. */
static void note_session(struct peer *p, int reason) {
  struct server *srv = p->srv;
  if (!p->node_id[0] || p->quiet || !srv->notes)
    return;
  if (srv->nnotes == ZB_NOTES_MAX)
    flush_notes(srv);
  struct note *nt = &srv->notes[srv->nnotes++];
  memcpy(nt->node_id, p->node_id, sizeof nt->node_id);
  memcpy(nt->org, p->org, sizeof nt->org);
  memcpy(nt->cert, p->cert, p->cert_len);
  nt->cert_len = p->cert_len;
  nt->hello = p->hello;
  nt->ok = p->done;
  nt->log_head = p->log_head;
  nt->cursor = p->pull_cursor;
  nt->at_ms = zb_hlc_wall_ms();
  if (p->why[0])
    memcpy(nt->why, p->why, sizeof nt->why);
  else if (reason)
    snprintf(nt->why, sizeof nt->why, "%s", zb_strerror(reason));
  else
    snprintf(nt->why, sizeof nt->why, "%s",
             p->hello ? "the node closed the session before its pull was done"
                      : "the node closed the session before its hello");
  /* A session ends in the loop's closing phase: an idle handle (unlike a
   * check handle) keeps the next poll from blocking, so the note is
   * written at once, with those of the sessions that ended alongside. */
  if (!srv->stopping)
    uv_idle_start(&srv->notes_due, on_notes_due);
}

static void on_close(zb_conn *c, int reason) {
  struct peer *p = zb_conn_user(c);
  if (!reason)
    reason = p->close_reason;
  if (p->node_id[0])
    zb_log_info("session node=%s org=%s pushed=%llu pulled=%llu conflicts=%u rejected=%u "
                "bytes_in=%llu bytes_out=%llu tls=%s duration=%.3fs%s%s",
                p->node_id, p->org, (unsigned long long)p->pushed, (unsigned long long)p->pulled,
                p->conflicts, p->rejected, (unsigned long long)zb_conn_bytes_in(c),
                (unsigned long long)zb_conn_bytes_out(c), p->resumed ? "resumed" : "full",
                (double)(zb_hlc_wall_ms() - p->t0) / 1000.0, reason ? " ended: " : "",
                reason ? zb_strerror(reason) : "");
  if (p->restored)
    zb_log_info("session node=%s restored=%llu (its own ops, to a replaced PC)", p->node_id,
                (unsigned long long)p->restored);
  note_session(p, reason);
  struct server *srv = p->srv;
  COUNT(srv, bytes_in, zb_conn_bytes_in(c));
  COUNT(srv, bytes_out, zb_conn_bytes_out(c));
  if (p->opened) {
    COUNT(srv, sessions_current, -1);
    if (p->done)
      COUNT(srv, sessions_completed, 1);
  }
  static const int hs_index[] = {
      [ZB_HS_BAD_CERT] = ZB_SYNCD_HS_BAD_CERT, [ZB_HS_REVOKED] = ZB_SYNCD_HS_REVOKED,
      [ZB_HS_TLS] = ZB_SYNCD_HS_TLS,           [ZB_HS_TIMEOUT] = ZB_SYNCD_HS_TIMEOUT,
      [ZB_HS_CLOSED] = ZB_SYNCD_HS_CLOSED,     [ZB_HS_LOCAL] = ZB_SYNCD_HS_LOCAL};
  zb_conn_hs_fail hf = zb_conn_handshake_failure(c);
  if (hf != ZB_HS_NONE)
    COUNT(srv, handshake_failures[hs_index[hf]], 1);
  /* A push still waiting is committed all the same; there is just nobody
   * left to acknowledge it to (the node learns it at its next Hello). */
  for (size_t i = 0; i < p->srv->npending; i++)
    if (p->srv->pending[i].p == p)
      p->srv->pending[i].p = NULL;
  *p->prevp = p->next;
  if (p->next)
    p->next->prevp = p->prevp;
  free(p);
}

/* Rebuilds the TLS context when crl.pem has changed, so that a revocation
 * takes effect at the next handshake without a restart. */
static int refresh_ctx(struct server *srv) {
  char ca[4200], crt[4200], key[4200], crl[4200];
  struct stat st;
  snprintf(crl, sizeof crl, "%s/crl.pem", srv->pki);
  if (stat(crl, &st) != 0) {
    zb_log_error("%s: %s", crl, "missing: refusing every node until it is restored");
    return ZB_ECORRUPT;
  }
  if (srv->ctx && st.st_mtim.tv_sec == srv->crl_mtime.tv_sec &&
      st.st_mtim.tv_nsec == srv->crl_mtime.tv_nsec)
    return 0;
  snprintf(ca, sizeof ca, "%s/ca.crt", srv->pki);
  snprintf(crt, sizeof crt, "%s/server.crt", srv->pki);
  snprintf(key, sizeof key, "%s/server.key", srv->pki);
  SSL_CTX *ctx;
  int rc = zb_tls_ctx_new(true, ca, crt, key, crl, &ctx);
  if (rc)
    return rc;
  /* The sessions outlive the context: each lookup checks the certificate
   * against the new CRL (zb_conn.h). */
  if (srv->sessions && (rc = zb_tls_ctx_set_sessions(ctx, srv->sessions))) {
    zb_tls_ctx_free(ctx);
    return rc;
  }
  zb_tls_ctx_free(srv->ctx);
  srv->ctx = ctx;
  srv->crl_mtime = st.st_mtim;
  return 0;
}

static void on_connection(uv_stream_t *listener, int status) {
  struct server *srv = listener->data;
  if (status < 0) {
    zb_log_warn("accept: %s", uv_strerror(status));
    return;
  }
  if (refresh_ctx(srv) != 0 || !srv->ctx) {
    uv_tcp_t tmp;
    uv_tcp_init(&srv->loop, &tmp);
    if (uv_accept(listener, (uv_stream_t *)&tmp) == 0)
      uv_close((uv_handle_t *)&tmp, NULL);
    return;
  }
  static const zb_conn_callbacks cbs = {
      .on_handshake = on_handshake, .on_frame = on_frame, .on_close = on_close};
  struct peer *p = calloc(1, sizeof *p);
  if (!p)
    return;
  p->srv = srv;
  p->t0 = zb_hlc_wall_ms();
  zb_pace_init(&p->pace, ZB_SYNC_BATCH_RAW);
  p->conn = zb_conn_new(&srv->loop, srv->ctx, true, &cbs, p);
  if (!p->conn) {
    free(p);
    return;
  }
  zb_conn_set_timeouts(p->conn, 0, srv->o.idle_ms);
  zb_conn_set_min_rate(p->conn, srv->o.min_rate);
  zb_conn_set_max_frame(p->conn, ZB_SYNCD_FRAME_MAX);
  /* What waits to be sent is one pull batch or a few acks. */
  zb_conn_set_send_cap(p->conn, 4 * ZB_SYNCD_FRAME_MAX);
  p->next = srv->peers;
  if (p->next)
    p->next->prevp = &p->next;
  p->prevp = &srv->peers;
  srv->peers = p;
  COUNT(srv, connections, 1);
  if (zb_conn_accept(p->conn, listener) != 0)
    zb_conn_close(p->conn, ZB_EUNREACH);
}

static void on_signal(uv_signal_t *sig, int signum) {
  struct server *srv = sig->data;
  if (srv->stopping)
    return;
  srv->stopping = true;
  /* Every commit happens inside one callback, so by the time a signal is
   * handled none is half done: stop listening and close every session. */
  zb_log_info(zb_msg("srvlog.stopping"), signum);
  uv_close((uv_handle_t *)&srv->listener, NULL);
  for (struct peer *p = srv->peers; p; p = p->next) {
    p->quiet |= !p->done;   /* stopped by us: not its node's failure */
    zb_conn_close(p->conn, ZB_EUNREACH);
  }
  commit_group(srv);
  uv_close((uv_handle_t *)&srv->group, NULL);
  uv_close((uv_handle_t *)&srv->notes_due, NULL);   /* the rest: after the loop */
  uv_signal_stop(&srv->sigterm);
  uv_signal_stop(&srv->sigint);
  uv_close((uv_handle_t *)&srv->sigterm, NULL);
  uv_close((uv_handle_t *)&srv->sigint, NULL);
}

int zb_syncd_run(zb_hub *h, const zb_syncd_opts *opts) {
  const char *listen = opts->listen, *port_file = opts->port_file;
  char host[256], port[8];
  struct sockaddr_storage ss;
  /* zb_sync_parse_addr has checked the port: 1-5 digits, at most 65535. */
  int portnum = zb_sync_parse_addr(listen, host, sizeof host, port, sizeof port) == 0
                    ? (int)strtol(port, NULL, 10)
                    : -1;
  if (portnum < 0 || (uv_ip4_addr(host, portnum, (struct sockaddr_in *)&ss) != 0 &&
                      uv_ip6_addr(host, portnum, (struct sockaddr_in6 *)&ss) != 0)) {
    zb_log_error(zb_msg("srvlog.bad_listen"), listen);
    return ZB_EUSAGE;
  }
  struct server *srv = calloc(1, sizeof *srv);
  if (!srv)
    return ZB_ENOMEM;
  srv->hub = h;
  srv->o = *opts;
  srv->notes = calloc(ZB_NOTES_MAX, sizeof *srv->notes);
  if (!srv->notes) {
    free(srv);
    return ZB_ENOMEM;
  }
  if (!srv->o.idle_ms)
    srv->o.idle_ms = ZB_CONN_IDLE_MS;
  if (!srv->o.min_rate)
    srv->o.min_rate = ZB_SYNCD_MIN_RATE;
  if (!srv->o.sessions_per_node)
    srv->o.sessions_per_node = ZB_SYNCD_SESSIONS_PER_NODE;
  if (!srv->o.ticket_s)
    srv->o.ticket_s = ZB_SYNCD_TICKET_S;
  snprintf(srv->pki, sizeof srv->pki, "%s", opts->pki_dir);
  zb_batch_init(&srv->batch);
  if (!srv->o.no_tickets &&
      !(srv->sessions = zb_tls_sessions_new(ZB_SYNCD_TICKETS_MAX, srv->o.ticket_s))) {
    free(srv);
    return ZB_ENOMEM;
  }
  int rc = refresh_ctx(srv);
  if (rc) {
    free(srv->notes);
    zb_tls_sessions_free(srv->sessions);
    free(srv);
    return rc;
  }
  uv_loop_init(&srv->loop);
  uv_tcp_init(&srv->loop, &srv->listener);
  srv->listener.data = srv;
  int urc = uv_tcp_bind(&srv->listener, (struct sockaddr *)&ss, 0);
  if (!urc)
    urc = uv_listen((uv_stream_t *)&srv->listener, 128, on_connection);
  if (urc) {
    if (urc == UV_EADDRINUSE)
      zb_log_error(zb_msg("srvlog.port_in_use"), listen);
    else if (urc == UV_EADDRNOTAVAIL)
      zb_log_error(zb_msg("srvlog.not_local"), listen);
    else if (urc == UV_EACCES)
      zb_log_error(zb_msg("srvlog.low_port"), listen);
    else
      zb_log_error(zb_msg("srvlog.cannot_listen"), listen, uv_strerror(urc));
    uv_close((uv_handle_t *)&srv->listener, NULL);
    rc = urc == UV_EADDRINUSE ? ZB_EBUSY : urc == UV_EACCES ? ZB_EACCES : ZB_EIO;
  } else {
    struct sockaddr_storage bound;
    int blen = sizeof bound;
    uv_tcp_getsockname(&srv->listener, (struct sockaddr *)&bound, &blen);
    int bport = ntohs(bound.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&bound)->sin6_port
                                                  : ((struct sockaddr_in *)&bound)->sin_port);
    zb_log_info(zb_msg("srvlog.listening"), host, bport);
    if (port_file) {
      /* Written aside and renamed, so a reader never sees it half done. */
      char tmp[4200];
      snprintf(tmp, sizeof tmp, "%s.tmp", port_file);
      FILE *pf = fopen(tmp, "w");
      if (!pf || fprintf(pf, "%d\n", bport) < 0 || fclose(pf) != 0 || rename(tmp, port_file) != 0)
        zb_log_warn("cannot write %s: %s", port_file, strerror(errno));
    }
    uv_check_init(&srv->loop, &srv->group);
    srv->group.data = srv;
    uv_idle_init(&srv->loop, &srv->notes_due);
    srv->notes_due.data = srv;
    uv_signal_init(&srv->loop, &srv->sigterm);
    uv_signal_init(&srv->loop, &srv->sigint);
    srv->sigterm.data = srv->sigint.data = srv;
    uv_signal_start(&srv->sigterm, on_signal, SIGTERM);
    uv_signal_start(&srv->sigint, on_signal, SIGINT);
  }
  uv_run(&srv->loop, UV_RUN_DEFAULT);
  flush_notes(srv);   /* the sessions closed by a signal */
  uv_loop_close(&srv->loop);
  zb_tls_ctx_free(srv->ctx);
  zb_tls_sessions_free(srv->sessions);
  zb_batch_free(&srv->batch);
  free(srv->notes);
  free(srv);
  return rc;
}
