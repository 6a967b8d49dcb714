/*
 * zb_syncd.h — the server's end of sync sessions (docs/PROTOCOL.md): one
 * libuv loop, many nodes; every pushed batch goes to the hub (zb_hub.h).
 *
 * Limits that keep one enrolled node — honest with a bad link, or a
 * stolen certificate — from costing anyone else their sync:
 *   - at most sessions_per_node sessions of one node at a time; a further
 *     one is refused with ErrorMsg code ERROR_CODE_RETRY (5, retry later);
 *   - a frame from a node is at most ZB_SYNCD_FRAME_MAX bytes (a push batch
 *     is cut at 1 MiB raw), so a session buffers no more than that;
 *   - a session silent for idle_ms is closed, and so is one that keeps
 *     itself alive with a trickle: once idle_ms has passed since a frame's
 *     first byte, the frame must have arrived at min_rate bytes/s;
 *   - a push that breaks the protocol fails its own session only; the
 *     others committed with it are acknowledged.
 * Reconnects are cheap: a node that synced within ticket_s seconds resumes
 * its TLS session (no certificates on the wire), after its certificate has
 * been checked against the current CRL like at a full handshake.
 */
#ifndef ZB_SYNCD_H
#define ZB_SYNCD_H

#include <stdbool.h>
#include <stdint.h>
#include "zb_hub.h"

#define ZB_SYNCD_FRAME_MAX ((size_t)2 << 20)
#define ZB_SYNCD_SESSIONS_PER_NODE 2u
#define ZB_SYNCD_MIN_RATE 512u       /* bytes/s: a slow 2G link does 2-5 KB/s */
/* Resumption (docs/PROTOCOL.md, "Reconnecting cheaply"): how long a ticket
 * lives — longer than the daemon's interval with its jitter (2 h ± 20 %,
 * zb_daemon.h), so an idle branch resumes every session — and how many
 * sessions the server keeps (~2 KB each). */
#define ZB_SYNCD_TICKET_S 10800u
#define ZB_SYNCD_TICKETS_MAX 8192u

/* What the sync service did since it started, for /metrics (zb_http.h):
 * written on the loop's thread, read from the dashboard's.  Each is a C11
 * atomic, read on its own (relaxed): a scrape may see a session's ops and
 * not yet its close, never a torn number.  Bytes are counted when a
 * connection closes (handshakes, TLS and frames, as on the socket). */
enum {
  ZB_SYNCD_HS_BAD_CERT,     /* zb_conn_hs_fail ZB_HS_BAD_CERT */
  ZB_SYNCD_HS_REVOKED,
  ZB_SYNCD_HS_NO_IDENTITY,  /* a valid certificate naming no node id and org */
  ZB_SYNCD_HS_TLS,
  ZB_SYNCD_HS_TIMEOUT,
  ZB_SYNCD_HS_CLOSED,
  ZB_SYNCD_HS_LOCAL,
  ZB_SYNCD_HS_N
};
/* The label of each, by the enum above: "bad_cert", "revoked", … */
extern const char *const zb_syncd_hs_names[ZB_SYNCD_HS_N];

typedef struct zb_syncd_counters {
  _Atomic uint64_t connections;        /* TCP connections accepted */
  _Atomic uint64_t sessions_opened;    /* handshakes done by a node's certificate */
  _Atomic int64_t sessions_current;    /* of those, open now */
  _Atomic uint64_t sessions_completed; /* ended with the last pull batch acknowledged */
  _Atomic uint64_t sessions_busy;      /* refused: the node had its sessions open */
  _Atomic uint64_t ops_ingested;       /* pushed ops stored (applied) */
  _Atomic uint64_t ops_duplicate;      /* pushed ops the server held already */
  _Atomic uint64_t ops_rejected;       /* pushed ops rejected (logged as rejected) */
  _Atomic uint64_t conflicts;          /* conflicts recorded by pushes */
  _Atomic uint64_t ops_sent;           /* ops in pull batches */
  _Atomic uint64_t bytes_in, bytes_out;
  _Atomic uint64_t handshake_failures[ZB_SYNCD_HS_N];
} zb_syncd_counters;

typedef struct zb_syncd_opts {
  const char *pki_dir;        /* ca.crt, server.crt, server.key, crl.pem */
  const char *listen;         /* "addr:port" */
  const char *port_file;      /* NULL, or where to write the bound port */
  uint64_t idle_ms;           /* 0: ZB_CONN_IDLE_MS */
  uint32_t min_rate;          /* 0: ZB_SYNCD_MIN_RATE */
  unsigned sessions_per_node; /* 0: ZB_SYNCD_SESSIONS_PER_NODE */
  unsigned ticket_s;          /* 0: ZB_SYNCD_TICKET_S */
  bool no_tickets;            /* every connection does a full handshake */
  zb_syncd_counters *counters; /* NULL: none kept; zeroed by the caller */
} zb_syncd_opts;

/* Serves until SIGTERM or SIGINT, which stop it cleanly after the current
 * commit.  A changed crl.pem is picked up at the next connection.  One log
 * line per session.  0, ZB_EUSAGE for a bad listen address, or the error
 * that kept it from starting. */
int zb_syncd_run(zb_hub *h, const zb_syncd_opts *o);

#endif
