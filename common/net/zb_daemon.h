/*
 * zb_daemon.h — `zhibu-node daemon`: sync sessions one after another, on an
 * interval, for as long as the node runs (README "The command line").
 *
 * A session is never interrupted: a stop request is honoured between
 * sessions, so everything a session committed stays committed and the
 * next run resumes from the node's durable positions (zb_sync.h).
 */
#ifndef ZB_DAEMON_H
#define ZB_DAEMON_H

#include <signal.h>
#include <stdint.h>
#include "zb_node.h"
#include "zb_sync.h"

/* The first retry after a failed session (ms); each further failure
 * doubles it, up to the interval. */
#define ZB_DAEMON_RETRY_MS 5000u

/* Called after every session with its report and zb_sync_once's result. */
typedef void (*zb_daemon_report_fn)(void *ctx, const zb_sync_report *r, int rc);

/* How long to wait before the next session: interval_ms after a good one
 * (failures 0); after the failures-th failure in a row, ZB_DAEMON_RETRY_MS
 * doubled failures - 1 times, capped at interval_ms.  Then ±20 % jitter,
 * so that a county's branches do not all call at once: rand_value (any
 * value, e.g. rand()) picks the point in [wait - wait/5, wait + wait/5]. */
uint64_t zb_daemon_wait_ms(uint64_t interval_ms, unsigned failures, uint64_t rand_value);

/* Runs sessions of n with server (NULL: the enrolled address), each ending
 * within timeout_ms, until *stop is set (checked between sessions and
 * while waiting) or a session fails in a way no retry can cure: ZB_ENOTINIT
 * (not enrolled) or ZB_EINVAL (a bad server address), which is returned.
 * Returns 0 after a stop.  on_session (may be NULL) sees every session. */
int zb_daemon_run(zb_node *n, const char *server, uint64_t interval_ms, uint64_t timeout_ms,
                  zb_daemon_report_fn on_session, void *ctx, volatile sig_atomic_t *stop);

#endif
