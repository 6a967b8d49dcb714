/*
 * zb_daemon.h — `zhibu-node daemon`: sync sessions one after another, for
 * as long as the node runs (README "The command line", docs/DESIGN-NOTES.md
 * "The daemon").
 *
 * When to sync: soon after the local log grows — settle_ms after the last
 * change seen, so that a secretary typing in a dozen corrections makes one
 * session, not twelve — as long as the last session succeeded (the link is
 * up); otherwise, and when nothing changes, on the interval with jitter,
 * and after failures on the capped backoff.  The log head is read every
 * ZB_DAEMON_POLL_MS (one LMDB read transaction: nothing on the network).
 *
 * Every session's outcome and the next planned one are recorded in the
 * node's meta in one small write (zb_node_sync_record) for `zhibu-node
 * status`; a stop clears the plan.
 *
 * A session is never interrupted: a stop request is honoured between
 * sessions, so everything a session committed stays committed and the
 * next run resumes from the node's durable positions (zb_sync.h).
 */
#ifndef ZB_DAEMON_H
#define ZB_DAEMON_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include "zb_node.h"
#include "zb_sync.h"

/* The first retry after a failed session (ms); each further failure
 * doubles it, up to the interval. */
#define ZB_DAEMON_RETRY_MS 5000u
/* The defaults of `zhibu-node daemon` (s).  An idle branch costs one
 * no-op session every two hours on the wire, about 2.9 KB each with a full
 * TLS handshake: 34 KB a day (tests/bench/README.md, "Idle
 * daemon"; the goal is at most 50 KB); its own changes go out settle
 * seconds after the secretary stops typing. */
#define ZB_DAEMON_INTERVAL_S 7200u
#define ZB_DAEMON_SETTLE_S 30u
/* How often the daemon looks at the log head for local changes (ms). */
#define ZB_DAEMON_POLL_MS 2000u

/* Why a session ran. */
enum zb_daemon_why {
  ZB_DAEMON_START,      /* the daemon just started */
  ZB_DAEMON_INTERVAL,   /* the interval (or a retry after a failure) came */
  ZB_DAEMON_CHANGES,    /* settle_ms after the last local change */
};

typedef struct zb_daemon_event {
  enum zb_daemon_why why;
  const zb_sync_report *rep;
  int rc;                /* zb_sync_once's result */
  uint64_t next_in_ms;   /* the next session at the latest, unless a stop */
} zb_daemon_event;

/* Called after every session. */
typedef void (*zb_daemon_report_fn)(void *ctx, const zb_daemon_event *ev);

typedef struct zb_daemon_opts {
  const char *server;    /* NULL: the enrolled address */
  uint64_t interval_ms;  /* between sessions when nothing changes */
  uint64_t timeout_ms;   /* bound of each session */
  uint64_t settle_ms;    /* quiet time after a local change; 0: no early sync */
} zb_daemon_opts;

/* How long to wait before the next session: interval_ms after a good one
 * (failures 0); after the failures-th failure in a row, ZB_DAEMON_RETRY_MS
 * doubled failures - 1 times, capped at interval_ms.  Then ±20 % jitter,
 * so that a county's branches do not all call at once: rand_value (any
 * value, e.g. rand()) picks the point in [wait - wait/5, wait + wait/5]. */
uint64_t zb_daemon_wait_ms(uint64_t interval_ms, unsigned failures, uint64_t rand_value);

/* The debounce: when the next session starts, on a monotonic clock in ms.
 * planned_ms is the session the schedule holds (zb_daemon_wait_ms after
 * the last one); changed_ms the time the last local change was seen (0:
 * none since the last session).  With the link up and a change seen, the
 * session comes settle_ms after that change, but never later than
 * planned; otherwise at planned_ms. */
uint64_t zb_daemon_due_ms(uint64_t planned_ms, uint64_t changed_ms, uint64_t settle_ms,
                          bool link_up);

/* Runs sessions of n until *stop is set (checked between sessions and
 * while waiting) or a session fails in a way no retry can cure:
 * ZB_ENOTINIT (not enrolled), ZB_EINVAL (a bad server address) or
 * ZB_EREVOKED (a replaced PC: docs/PROTOCOL.md), which is
 * returned.  Returns 0 after a stop.  on_session (may be NULL) sees every
 * session. */
int zb_daemon_run(zb_node *n, const zb_daemon_opts *o, zb_daemon_report_fn on_session, void *ctx,
                  volatile sig_atomic_t *stop);

#endif
