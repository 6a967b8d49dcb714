/* The node's side of a sync session. */
#include "zb_sync.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include "zb_conn.h"
#include "zb_err.h"
#include "zb_hlc.h"
#include "zb_log.h"
#include "zb_msg.h"
#include "zb_bundle.h"
#include "zb_pace.h"
#include "zb_utf8.h"
#include "zhibu.pb-c.h"

int zb_sync_parse_addr(const char *addr, char *host, size_t cap, char *port, size_t pcap) {
  const char *colon;
  size_t hlen;
  if (addr[0] == '[') {
    const char *end = strchr(addr, ']');
    if (!end || end[1] != ':')
      return ZB_EINVAL;
    hlen = (size_t)(end - addr - 1);
    memcpy(host, addr + 1, hlen < cap ? hlen : 0);
    colon = end + 1;
  } else {
    colon = strrchr(addr, ':');
    if (!colon)
      return ZB_EINVAL;
    hlen = (size_t)(colon - addr);
    if (hlen < cap)
      memcpy(host, addr, hlen);
  }
  if (hlen == 0 || hlen >= cap)
    return ZB_EINVAL;
  host[hlen] = '\0';
  const char *p = colon + 1;
  size_t plen = strlen(p);
  if (plen == 0 || plen > 5 || plen >= pcap || strspn(p, "0123456789") != plen)
    return ZB_EINVAL;
  long v = strtol(p, NULL, 10);
  if (v > 65535)
    return ZB_EINVAL;
  memcpy(port, p, plen + 1);
  return 0;
}

bool zb_sync_clock_advice(const zb_sync_report *r, char *out, size_t cap) {
  if (!r->clock_known)
    return false;
  int64_t skew = r->clock_skew_ms;
  uint64_t off = skew < 0 ? (uint64_t)(-(skew + 1)) + 1 : (uint64_t)skew;
  if (off <= ZB_SYNC_CLOCK_WARN_MS)
    return false;
  char d[64];
  zb_msg_duration(off, d, sizeof d);
  snprintf(out, cap, zb_msg(skew > 0 ? "sync.clock_ahead" : "sync.clock_behind"), d);
  return true;
}

time_t zb_sync_check_time(const zb_node_info *info, X509 *own_cert) {
  time_t when = (time_t)(zb_hlc_wall_ms() / 1000);
  time_t heard = (time_t)(info->server_time_ms / 1000);
  const ASN1_TIME *nb = X509_get0_notBefore(own_cert);
  struct tm tm;
  if (heard > when)
    when = heard;
  if (nb && ASN1_TIME_to_tm(nb, &tm) == 1 && timegm(&tm) > when)
    when = timegm(&tm);
  return when;
}

int zb__sync_send(zb_conn *c, const Zb__Frame *f) {
  size_t len = zb__frame__get_packed_size(f);
  uint8_t *buf = malloc(len ? len : 1);
  if (!buf)
    return ZB_ENOMEM;
  zb__frame__pack(f, buf);
  int rc = zb_conn_send(c, buf, len);
  free(buf);
  return rc;
}

/* ---- the node's TLS session, kept across runs -------------------------------
 *
 * Every `zhibu-node sync` is a new process, so the ticket the server issues
 * lives in the data directory: DIR/tls-session, mode 0600 (it holds the
 * session's secret, as DIR/enrollment.bundle holds the key), written aside
 * and renamed.  "ZBTLS1\n", the SHA-256 of the node's certificate (a session
 * of an earlier enrollment is never offered), then the session (DER).  A
 * ticket is used once: it is removed when a handshake has used it, and the
 * server's new ticket replaces it.  A missing, damaged or expired file only
 * costs a full handshake. */

#define TICKET_MAGIC "ZBTLS1\n"
#define TICKET_MAX 8192

static void ticket_path(zb_node *n, char *out, size_t cap) {
  const char *b = zb_node_bundle_path(n);
  const char *slash = strrchr(b, '/');
  int dlen = slash ? (int)(slash - b) : 1;
  snprintf(out, cap, "%.*s/tls-session", dlen, slash ? b : ".");
}

/* Reads the ticket into buf; its length, or 0 when there is none for cert. */
static size_t ticket_load(const char *path, const uint8_t cert_sha[32], uint8_t *buf, size_t cap) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return 0;
  size_t len = 0;
  ssize_t r;
  while (len < cap && (r = read(fd, buf + len, cap - len)) > 0)
    len += (size_t)r;
  close(fd);
  size_t head = sizeof TICKET_MAGIC - 1 + 32;
  if (len <= head || len == cap || memcmp(buf, TICKET_MAGIC, sizeof TICKET_MAGIC - 1) != 0 ||
      memcmp(buf + sizeof TICKET_MAGIC - 1, cert_sha, 32) != 0)
    return 0;
  memmove(buf, buf + head, len - head);
  return len - head;
}

static void ticket_save(const char *path, const uint8_t cert_sha[32], const uint8_t *der,
                        size_t len) {
  char tmp[4300];
  snprintf(tmp, sizeof tmp, "%s.tmp", path);
  int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) {
    zb_log_debug("%s: %s", tmp, strerror(errno));
    return;
  }
  bool ok = fchmod(fd, 0600) == 0 &&
            write(fd, TICKET_MAGIC, sizeof TICKET_MAGIC - 1) == (ssize_t)(sizeof TICKET_MAGIC - 1) &&
            write(fd, cert_sha, 32) == 32 && write(fd, der, len) == (ssize_t)len;
  if (close(fd) != 0 || !ok || rename(tmp, path) != 0) {
    zb_log_debug("%s: cannot keep the TLS session: %s", path, strerror(errno));
    unlink(tmp);
  }
}

struct session {
  zb_node *n;
  zb_conn *conn;
  uv_timer_t timer;
  zb_sync_report *rep;
  uint64_t head, sent_upto, cursor, batch_no;
  int inflight;
  bool push_done, pulling, finished;
  int result;
  zb_batch batch;
  /* Batch sizes follow the link (zb_pace.h): the batches in flight, oldest
   * first, with their sizes and when they were queued. */
  zb_pace pace;
  struct {
    size_t raw, wire;
    uint64_t sent_ms;
  } fly[ZB_SYNC_WINDOW];
  int fly_head;
  /* Restoring a replaced PC: what HelloAck said the server holds, and
   * where the next RestoreRequest starts reading the server's log. */
  bool restoring;
  uint64_t restore_held, restore_scan, restore_server_ms;
  char ticket[4200];        /* where the TLS session is kept */
  uint8_t cert_sha[32];     /* of this node's certificate */
  bool offered;             /* a kept session was offered */
  const char *addr;         /* the server, HOST:PORT, as the user gave it */
  uint64_t timeout_ms;
};

static void fail(struct session *s, int rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void fail(struct session *s, int rc, const char *fmt, ...) {
  if (!s->rep->error[0]) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->rep->error, sizeof s->rep->error, fmt, ap);
    va_end(ap);
  }
  if (!s->result)
    s->result = rc;
  zb_conn_close(s->conn, rc);
}

static void send_pull(struct session *s) {
  Zb__PullRequest pr = ZB__PULL_REQUEST__INIT;
  Zb__Frame f = ZB__FRAME__INIT;
  pr.cursor = s->cursor;
  f.msg_case = ZB__FRAME__MSG_PULL;
  f.pull = &pr;
  s->pulling = true;
  int rc = zb__sync_send(s->conn, &f);
  if (rc)
    fail(s, ZB_EUNREACH, zb_msg("sync.send_failed"), zb_msg_err(rc));
}

/* Keeps up to ZB_SYNC_WINDOW push batches in flight; pulls once every own
 * op is held by the server. */
static void pump_push(struct session *s) {
  while (!s->push_done && s->inflight < ZB_SYNC_WINDOW) {
    uint64_t last;
    int rc = zb_node_push_batch(s->n, s->sent_upto, zb_pace_next(&s->pace), &s->batch, &last);
    if (rc) {
      fail(s, rc, zb_msg("sync.local_log"), zb_msg_err(rc));
      return;
    }
    if (s->batch.count == 0) {
      s->push_done = true;
      break;
    }
    uint8_t *z;
    size_t zlen;
    if ((rc = zb_batch_compress(&s->batch, &z, &zlen))) {
      fail(s, rc, zb_msg("sync.local_log"), zb_msg_err(rc));
      return;
    }
    Zb__PushBatch pb = ZB__PUSH_BATCH__INIT;
    Zb__Frame f = ZB__FRAME__INIT;
    pb.batch = ++s->batch_no;
    pb.count = s->batch.count;
    pb.raw_size = s->batch.len;
    pb.zdata.data = z;
    pb.zdata.len = zlen;
    f.msg_case = ZB__FRAME__MSG_PUSH;
    f.push = &pb;
    size_t wire = zb__frame__get_packed_size(&f) + 4;
    rc = zb__sync_send(s->conn, &f);
    free(z);
    if (rc) {
      fail(s, ZB_EUNREACH, zb_msg("sync.send_failed"), zb_msg_err(rc));
      return;
    }
    int slot = (s->fly_head + s->inflight) % ZB_SYNC_WINDOW;
    s->fly[slot].raw = s->batch.len;
    s->fly[slot].wire = wire;
    s->fly[slot].sent_ms = uv_now(s->timer.loop);
    s->rep->batches++;
    if (wire > s->rep->batch_max)
      s->rep->batch_max = wire;
    s->sent_upto = last;
    s->inflight++;
  }
  if (s->push_done && s->inflight == 0 && !s->pulling)
    send_pull(s);
}

static void on_session(zb_conn *c, const uint8_t *der, size_t len) {
  struct session *s = zb_conn_user(c);
  ticket_save(s->ticket, s->cert_sha, der, len);
}

static void on_handshake(zb_conn *c, X509 *peer) {
  struct session *s = zb_conn_user(c);
  (void)peer;
  s->rep->resumed = zb_conn_resumed(c);
  /* Resumed or not, the ticket offered is spent; the server's new one
   * arrives after the handshake (on_session). */
  if (s->offered)
    unlink(s->ticket);
  zb_node_info info;
  int rc = zb_node_info_get(s->n, &info);
  if (rc) {
    fail(s, rc, zb_msg("sync.local_log"), zb_msg_err(rc));
    return;
  }
  s->head = info.head_seq;
  s->cursor = info.cursor;
  Zb__Hello h = ZB__HELLO__INIT;
  Zb__Frame f = ZB__FRAME__INIT;
  h.protocol = ZB_PROTOCOL_VERSION;
  h.node_id = (char *)zb_node_id(s->n);
  h.log_head = info.head_seq;
  h.cursor = info.cursor;
  f.msg_case = ZB__FRAME__MSG_HELLO;
  f.hello = &h;
  if ((rc = zb__sync_send(c, &f))) {
    fail(s, ZB_EUNREACH, zb_msg("sync.send_failed"), zb_msg_err(rc));
    return;
  }
  /* Nothing to push, as far as this node knows: the pull request goes
   * with the Hello instead of a round trip later (a no-op sync on a 2G
   * link is then three round trips, not four).  Should HelloAck say the
   * server holds less after all, the pushes follow and so does a second
   * pull (on_pull_batch). */
  s->restoring = info.restoring;
  if (info.head_seq == info.acked_seq && !info.restoring)
    send_pull(s);
}

static void send_restore(struct session *s, uint64_t after) {
  Zb__RestoreRequest rr = ZB__RESTORE_REQUEST__INIT;
  Zb__Frame f = ZB__FRAME__INIT;
  rr.after = after;
  rr.scan_from = s->restore_scan;
  f.msg_case = ZB__FRAME__MSG_RESTORE;
  f.restore = &rr;
  int rc = zb__sync_send(s->conn, &f);
  if (rc)
    fail(s, ZB_EUNREACH, zb_msg("sync.send_failed"), zb_msg_err(rc));
}

static void hello_checked(struct session *s, const Zb__HelloAck *a);

static void on_hello_ack(struct session *s, const Zb__HelloAck *a) {
  if (a->protocol != ZB_PROTOCOL_VERSION) {
    fail(s, ZB_EREFUSED, zb_msg("sync.protocol_version"), a->protocol, ZB_PROTOCOL_VERSION);
    return;
  }
  if (a->server_time_ms) {
    s->rep->clock_known = true;
    s->rep->clock_skew_ms = (int64_t)(zb_hlc_wall_ms() - a->server_time_ms);
  }
  /* A replacement PC first takes its node's own ops back (docs/PROTOCOL.md,
   * "Restoring a replaced PC"); after them it checks HelloAck as always. */
  if (s->restoring && a->held_seq > s->head) {
    s->restore_held = a->held_seq;
    s->restore_server_ms = a->server_time_ms;
    send_restore(s, s->head);
    return;
  }
  hello_checked(s, a);
}

/* HelloAck, once this node holds at least what the server holds of it. */
static void hello_checked(struct session *s, const Zb__HelloAck *a) {
  char why[320];
  if (zb_node_check_held(s->n, s->head, a->held_seq, a->held_hash.data, a->held_hash.len, why,
                         sizeof why)) {
    fail(s, ZB_EREFUSED, "%s", why);
    return;
  }
  int rc = zb_node_set_acked(s->n, a->held_seq);
  if (!rc && a->server_time_ms)
    rc = zb_node_observe_time(s->n, a->server_time_ms);
  if (rc) {
    fail(s, rc, zb_msg("sync.local_log"), zb_msg_err(rc));
    return;
  }
  s->sent_upto = a->held_seq;
  pump_push(s);
}

static void on_restore_batch(struct session *s, const Zb__RestoreBatch *b) {
  if (!s->restoring || !s->restore_held) {
    fail(s, ZB_EPROTO, zb_msg("sync.server_protocol"), "unrequested RestoreBatch");
    return;
  }
  zb_restore_part part = {b->zdata.data, b->zdata.len, b->raw_size,    b->count,
                          b->last_seq,   b->last_hash.data, b->last_hash.len};
  char why[320];
  int rc = zb_node_restore_apply(s->n, &part, why, sizeof why);
  if (rc) {
    fail(s, rc, zb_msg("sync.restore_failed"), why[0] ? why : zb_msg_err(rc));
    return;
  }
  s->rep->restored += b->count;
  s->head = b->last_seq;
  s->restore_scan = b->scan_to;
  if (!b->done) {
    if (b->count == 0) {
      fail(s, ZB_EPROTO, zb_msg("sync.server_protocol"), "empty RestoreBatch before done");
      return;
    }
    send_restore(s, s->head);
    return;
  }
  if (s->head != s->restore_held) {
    fail(s, ZB_EPROTO, zb_msg("sync.restore_short"), (unsigned long long)s->restore_held,
         (unsigned long long)s->head);
    return;
  }
  /* Everything the server holds of this node is here: on as after any
   * HelloAck (nothing to push; the pull brings the rest of the scope). */
  uint8_t hash[32];
  Zb__HelloAck a = ZB__HELLO_ACK__INIT;
  a.protocol = ZB_PROTOCOL_VERSION;
  a.held_seq = s->restore_held;
  a.held_hash.data = hash;
  a.held_hash.len = sizeof hash;
  a.server_time_ms = s->restore_server_ms;
  memcpy(hash, b->last_hash.data, b->last_hash.len == sizeof hash ? sizeof hash : 0);
  hello_checked(s, &a);
}

static void on_push_ack(struct session *s, const Zb__PushAck *a) {
  if (s->inflight <= 0) {
    fail(s, ZB_EPROTO, zb_msg("sync.server_protocol"), "PushAck without a push");
    return;
  }
  int rc = zb_node_set_acked(s->n, a->held_seq);
  if (rc) {
    fail(s, rc, zb_msg("sync.local_log"), zb_msg_err(rc));
    return;
  }
  zb_pace_acked(&s->pace, s->fly[s->fly_head].raw, s->fly[s->fly_head].wire,
                s->fly[s->fly_head].sent_ms, uv_now(s->timer.loop));
  s->fly_head = (s->fly_head + 1) % ZB_SYNC_WINDOW;
  s->inflight--;
  s->rep->rejected += a->rejected;
  pump_push(s);
}

static void on_pull_batch(struct session *s, const Zb__PullBatch *b) {
  zb_pull_counts pc;
  int rc = zb_node_pull_apply(s->n, b->zdata.data, b->zdata.len, b->raw_size, b->count,
                              b->cursor, &pc);
  if (rc) {
    fail(s, rc, zb_msg("sync.apply_failed"), zb_msg_err(rc));
    return;
  }
  s->cursor = b->cursor;
  s->rep->pulled += pc.applied;
  s->rep->conflicts += pc.conflicts;
  Zb__PullAck pa = ZB__PULL_ACK__INIT;
  Zb__Frame f = ZB__FRAME__INIT;
  pa.cursor = b->cursor;
  f.msg_case = ZB__FRAME__MSG_PULL_ACK;
  f.pull_ack = &pa;
  if ((rc = zb__sync_send(s->conn, &f))) {
    fail(s, ZB_EUNREACH, zb_msg("sync.send_failed"), zb_msg_err(rc));
    return;
  }
  if (b->done && !(s->push_done && s->inflight == 0)) {
    /* A pull sent with the Hello, and pushes after all: pull again when
     * they are through (pump_push), for what the server made of them. */
    s->pulling = false;
    return;
  }
  if (b->done && s->restoring) {
    /* The first pull of a replacement PC is through: its state, rebuilt
     * from its restored log and what it pulled, and it may write again. */
    if ((rc = zb_node_restore_finish(s->n))) {
      fail(s, rc, zb_msg("sync.restore_failed"), zb_msg_err(rc));
      return;
    }
    s->restoring = false;
  }
  if (b->done) {
    s->finished = true;
    zb_conn_close(s->conn, 0);
  }
}

/* The server's ErrorMsg, worded by its code (docs/PROTOCOL.md, "Error codes"):
 * retry later, or refused.  Its message is the server's own sentence (in
 * the server's language), shown after ours: at most 200 bytes, control
 * characters as '?' — it comes from the network. */
static void server_error(struct session *s, const Zb__ErrorMsg *e) {
  char msg[201];
  const char *m = e->message ? e->message : "";
  size_t len = strnlen(m, sizeof msg - 1);
  /* Cut inside a character: back to its first byte. */
  while (m[len] != '\0' && len > 0 && ((unsigned char)m[len] & 0xc0) == 0x80)
    len--;
  for (size_t i = 0; i < len; i++)
    msg[i] = (unsigned char)m[i] < 0x20 || m[i] == 0x7f ? '?' : m[i];
  msg[len] = '\0';
  switch (e->code) {
  case ZB__ERROR_CODE__ERROR_CODE_REFUSED:
    fail(s, ZB_EREFUSED, zb_msg("sync.server_refused"), msg);
    return;
  case ZB__ERROR_CODE__ERROR_CODE_RETRY:
  case ZB__ERROR_CODE__ERROR_CODE_NONE:
  case _ZB__ERROR_CODE_IS_INT_SIZE:
    break;
  }
  fail(s, ZB_EUNREACH, zb_msg("sync.server_retry"), msg);
}

/* Why a connection ended early (zb_conn_why), as told to the PC's user. */
static const char *const why_keys[] = {
    [ZB_WHY_NONE] = NULL,
    [ZB_WHY_CONNECT_REFUSED] = "sync.why_connect_refused",
    [ZB_WHY_CONNECT_FAILED] = "sync.why_connect_failed",
    [ZB_WHY_HANDSHAKE_TIMEOUT] = "sync.why_handshake_timeout",
    [ZB_WHY_IDLE_TIMEOUT] = "sync.why_idle_timeout",
    [ZB_WHY_PEER_GONE] = "sync.why_peer_gone",
    [ZB_WHY_CERT_EXPIRED] = "sync.why_cert_expired",
    [ZB_WHY_CERT_NOT_YET_VALID] = "sync.why_cert_not_yet_valid",
    [ZB_WHY_CERT_REVOKED] = "sync.why_cert_revoked",
    [ZB_WHY_CERT_HOST] = "sync.why_cert_host",
    [ZB_WHY_CERT_UNKNOWN_CA] = "sync.why_cert_unknown_ca",
    [ZB_WHY_CERT_OTHER] = "sync.why_cert_other",
    [ZB_WHY_OURS_EXPIRED] = "sync.why_ours_expired",
    [ZB_WHY_OURS_REVOKED] = "sync.why_ours_revoked",
    [ZB_WHY_OURS_REFUSED] = "sync.why_ours_refused",
    [ZB_WHY_TLS] = "sync.why_tls",
};

static void on_frame(zb_conn *c, const uint8_t *payload, size_t len) {
  struct session *s = zb_conn_user(c);
  Zb__Frame *f = zb__frame__unpack(NULL, len, payload);
  if (!f) {
    fail(s, ZB_EPROTO, zb_msg("sync.server_protocol"), "malformed frame");
    return;
  }
  switch (f->msg_case) {
  case ZB__FRAME__MSG_HELLO_ACK:
    on_hello_ack(s, f->hello_ack);
    break;
  case ZB__FRAME__MSG_PUSH_ACK:
    on_push_ack(s, f->push_ack);
    break;
  case ZB__FRAME__MSG_PULL_BATCH:
    if (len + 4 > s->rep->pull_max)
      s->rep->pull_max = len + 4;
    on_pull_batch(s, f->pull_batch);
    break;
  case ZB__FRAME__MSG_RESTORE_BATCH:
    on_restore_batch(s, f->restore_batch);
    break;
  case ZB__FRAME__MSG_ERROR:
    server_error(s, f->error);
    break;
  case ZB__FRAME__MSG_HELLO:
  case ZB__FRAME__MSG_PUSH:
  case ZB__FRAME__MSG_PULL:
  case ZB__FRAME__MSG_PULL_ACK:
  case ZB__FRAME__MSG_RESTORE:
  case ZB__FRAME__MSG_PARCEL_HEADER:
  case ZB__FRAME__MSG_PARCEL_SEAL:
  case ZB__FRAME__MSG__NOT_SET:
  case _ZB__FRAME__MSG__CASE_IS_INT_SIZE:
    fail(s, ZB_EPROTO, zb_msg("sync.server_protocol"), "unexpected frame");
    break;
  }
  zb__frame__free_unpacked(f, NULL);
}

static void on_close(zb_conn *c, int reason) {
  struct session *s = zb_conn_user(c);
  s->rep->bytes_in = zb_conn_bytes_in(c);
  s->rep->bytes_out = zb_conn_bytes_out(c);
  s->conn = NULL;
  if (!s->finished && !s->result) {
    s->result = reason ? reason : ZB_EUNREACH;
    const char *detail;
    zb_conn_why why = zb_conn_why_closed(c, &detail);
    const char *key = why < sizeof why_keys / sizeof why_keys[0] ? why_keys[why] : NULL;
    /* Every key takes the server's address, then " [the library's name
     * of the cause]" for the operator (or ""); the sentence is ours. */
    char tag[96] = "";
    if (detail[0])
      snprintf(tag, sizeof tag, " [%.80s]", detail);
    if (!s->rep->error[0] && key)
      snprintf(s->rep->error, sizeof s->rep->error, zb_msg(key), s->addr, tag);
    else if (!s->rep->error[0])
      snprintf(s->rep->error, sizeof s->rep->error, zb_msg("sync.ended_early"), s->addr,
               zb_msg_err(s->result));
  }
  uv_timer_stop(&s->timer);
  uv_close((uv_handle_t *)&s->timer, NULL);
}

static void on_timeout(uv_timer_t *t) {
  struct session *s = t->data;
  if (s->conn)
    fail(s, ZB_EUNREACH, zb_msg("sync.timeout"), s->addr,
         (unsigned long long)(s->timeout_ms / 1000));
}

int zb_sync_once(zb_node *n, const char *server, uint64_t timeout_ms, zb_sync_report *rep) {
  memset(rep, 0, sizeof *rep);
  uint64_t t0 = zb_hlc_wall_ms();
  zb_node_info info;
  char host[256], port[8];
  int rc = zb_node_info_get(n, &info);
  if (rc)
    return rc;
  if (!*zb_node_bundle_path(n)) {
    snprintf(rep->error, sizeof rep->error, "%s", zb_msg("sync.not_enrolled"));
    return ZB_ENOTINIT;
  }
  const char *addr = server ? server : info.server;
  if (zb_sync_parse_addr(addr, host, sizeof host, port, sizeof port)) {
    snprintf(rep->error, sizeof rep->error, zb_msg("sync.bad_address"), addr);
    return ZB_EINVAL;
  }
  zb_bundle b;
  memset(&b, 0, sizeof b);
  char bwhy[256];
  if ((rc = zb_bundle_read(zb_node_bundle_path(n), &b, bwhy, sizeof bwhy))) {
    snprintf(rep->error, sizeof rep->error, zb_msg("sync.bundle_bad"), bwhy);
    return rc == ZB_EINVAL ? ZB_EREFUSED : rc;
  }
  SSL_CTX *ctx = NULL;
  X509_STORE *store = NULL;
  uint8_t cert_sha[32];
  unsigned int shalen = 0;
  if (X509_digest(b.cert, EVP_sha256(), cert_sha, &shalen) != 1 || shalen != 32)
    memset(cert_sha, 0, sizeof cert_sha);
  rc = zb_bundle_store(&b, &store);
  if (!rc)
    rc = zb_tls_ctx_new_mem(false, store, b.cert, b.key, &ctx);
  if (!rc) {
    /* A village PC's clock may be years behind (a dead CMOS battery): it
     * would find the server's certificate "not yet valid" and never sync
     * again.  The node checks it at the latest time it knows has passed —
     * its own clock, the server's clock when it last heard it, or the day
     * its own certificate was issued (not its HLC, which an op with a
     * forged time may have pushed anywhere).  The server checks the node's
     * certificate against its own clock. */
    X509_VERIFY_PARAM_set_time(SSL_CTX_get0_param(ctx), zb_sync_check_time(&info, b.cert));
  }
  zb_bundle_clear(&b);
  if (rc) {
    snprintf(rep->error, sizeof rep->error, zb_msg("sync.tls_setup"), zb_msg_err(rc));
    return rc;
  }
  struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *ai = NULL;
  if (getaddrinfo(host, port, &hints, &ai) != 0 || !ai) {
    snprintf(rep->error, sizeof rep->error, zb_msg("sync.resolve"), host);
    zb_tls_ctx_free(ctx);
    return ZB_EUNREACH;
  }
  uv_loop_t loop;
  uv_loop_init(&loop);
  struct session s = {.n = n, .rep = rep, .addr = addr, .timeout_ms = timeout_ms};
  zb_batch_init(&s.batch);
  zb_pace_init(&s.pace, ZB_SYNC_BATCH_RAW);
  static const zb_conn_callbacks cbs = {.on_handshake = on_handshake,
                                        .on_frame = on_frame,
                                        .on_session = on_session,
                                        .on_close = on_close};
  uv_timer_init(&loop, &s.timer);
  s.timer.data = &s;
  ticket_path(n, s.ticket, sizeof s.ticket);
  memcpy(s.cert_sha, cert_sha, sizeof cert_sha);
  s.conn = zb_conn_new(&loop, ctx, false, &cbs, &s);
  if (s.conn) {
    uint8_t *der = malloc(TICKET_MAX);
    size_t len = der ? ticket_load(s.ticket, cert_sha, der, TICKET_MAX) : 0;
    s.offered = len && zb_conn_offer_session(s.conn, der, len) == 0;
    free(der);
  }
  uint64_t held_before = info.acked_seq;
  if (!s.conn) {
    rc = ZB_ENOMEM;
    uv_close((uv_handle_t *)&s.timer, NULL);
  } else {
    uint64_t wait = timeout_ms < 30000 ? timeout_ms : 30000;
    zb_conn_set_timeouts(s.conn, wait, wait);
    rc = zb_conn_connect(s.conn, ai->ai_addr, host);
    if (rc) {
      fail(&s, rc, zb_msg("sync.ended_early"), addr, zb_msg_err(rc));
    }
    uv_timer_start(&s.timer, on_timeout, timeout_ms, 0);
  }
  uv_run(&loop, UV_RUN_DEFAULT);
  uv_loop_close(&loop);
  freeaddrinfo(ai);
  zb_tls_ctx_free(ctx);
  zb_batch_free(&s.batch);
  if (!rc)
    rc = s.finished ? 0 : (s.result ? s.result : ZB_EUNREACH);
  if (zb_node_info_get(n, &info) == 0)
    rep->pushed = info.acked_seq > held_before + rep->restored
                      ? info.acked_seq - held_before - rep->restored
                      : 0;   /* restored ops were the server's already */
  rep->seconds = (double)(zb_hlc_wall_ms() - t0) / 1000.0;
  zb_utf8_cut_tail(rep->error);   /* a sentence cut by its buffer: whole characters */
  return rc;
}
