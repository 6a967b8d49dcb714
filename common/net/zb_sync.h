/*
 * zb_sync.h — sync sessions over mutual TLS (docs/PROTOCOL.md): the node's
 * client and the server's endpoint, one libuv loop each.
 *
 * A session: Hello → HelloAck (how far the server holds this node's log);
 * push the rest in zstd batches, several in flight, each PushAck sent only
 * after the server's commit; then pull what concerns the node after its
 * cursor, one batch at a time, each PullAck after the node's commit (the
 * pull request goes with the Hello when there is nothing to push).  Both
 * sides resume from durable positions, so a session cut at any byte loses
 * nothing and applies nothing twice; batches follow the link (zb_pace.h),
 * so a cut costs at most the batch it fell in.  A node resumes its TLS
 * session with the ticket it keeps in DIR/tls-session (docs/PROTOCOL.md,
 * "Reconnecting cheaply").
 */
#ifndef ZB_SYNC_H
#define ZB_SYNC_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include <openssl/x509.h>

#include "zb_hub.h"
#include "zb_node.h"

#define ZB_PROTOCOL_VERSION 1
#define ZB_SYNC_BATCH_RAW ((size_t)1 << 20)   /* raw bytes of ops per batch, at most */
#define ZB_SYNC_WINDOW 4                      /* push batches in flight */
/* A node whose clock differs from the server's by more than this is told
 * so at every sync (docs/DESIGN-NOTES.md, "Time"). */
#define ZB_SYNC_CLOCK_WARN_MS (5u * 60u * 1000u)

typedef struct zb_sync_report {
  uint64_t pushed;          /* own ops the server newly holds */
  uint64_t pulled;          /* others' ops applied */
  uint64_t restored;        /* own ops restored from the server (a replaced PC) */
  uint32_t conflicts, rejected;
  uint64_t bytes_out, bytes_in;   /* on the wire, TLS included */
  bool resumed;             /* the TLS session was resumed (a cheap reconnect) */
  uint32_t batches;         /* push batches sent */
  size_t batch_max;         /* the largest, in bytes on the wire */
  size_t pull_max;          /* the largest pull batch received, the same */
  double seconds;
  int64_t clock_skew_ms;    /* this PC's clock minus the server's, at HelloAck */
  bool clock_known;         /* the server told its time */
  char error[512];          /* why a session failed, for people (UTF-8) */
} zb_sync_report;

/* When the session learned that this PC's clock is more than
 * ZB_SYNC_CLOCK_WARN_MS off the server's: true, with a paragraph for the
 * secretary in out saying what that means for what was written. */
bool zb_sync_clock_advice(const zb_sync_report *r, char *out, size_t cap);

/* The time a node checks the server's certificate at (a session's, or a
 * parcel's signer): the latest it knows has passed — its own clock, the
 * server's clock when last heard, the day its own certificate was issued
 * (docs/DESIGN-NOTES.md, "Time"). */
time_t zb_sync_check_time(const zb_node_info *info, X509 *own_cert);

/* Splits "host:port" or "[v6]:port".  0 or ZB_EINVAL. */
int zb_sync_parse_addr(const char *addr, char *host, size_t cap, char *port, size_t pcap);

/* One session of node n with server (NULL: the enrolled address), ending
 * within timeout_ms.  0 when caught up; ZB_EUNREACH when the server could
 * not be reached or the session broke (retry later); ZB_EREFUSED when the
 * server refused this node (revoked, not enrolled here, scope); ZB_ENOTINIT
 * when the node is not enrolled.  rep is filled either way.  The caller
 * records the outcome for `zhibu-node status` (zb_node_sync_record). */
int zb_sync_once(zb_node *n, const char *server, uint64_t timeout_ms, zb_sync_report *rep);

/* Internal to the two sides of a session (zb_sync.c, zb_syncd.c): packs
 * f and queues it on c.  0 or the zb_conn_send error. */
struct zb_conn;
struct Zb__Frame;
int zb__sync_send(struct zb_conn *c, const struct Zb__Frame *f);

#endif
