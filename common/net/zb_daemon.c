#include "zb_daemon.h"

#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "zb_err.h"
#include "zb_hlc.h"

uint64_t zb_daemon_wait_ms(uint64_t interval_ms, unsigned failures, uint64_t rand_value) {
  uint64_t wait = interval_ms;
  if (failures) {
    /* Exponential backoff from 5 s, capped at the interval (the shift
     * stops growing after ten failures, long past any interval). */
    uint64_t back = (uint64_t)ZB_DAEMON_RETRY_MS << (failures < 10 ? failures - 1 : 9);
    wait = back < wait ? back : wait;
  }
  uint64_t jitter = wait / 5;
  if (jitter)
    wait = wait - jitter + rand_value % (2 * jitter + 1);
  return wait;
}

uint64_t zb_daemon_due_ms(uint64_t planned_ms, uint64_t changed_ms, uint64_t settle_ms,
                          bool link_up) {
  /* While the link is down a change waits for the backoff like everything
   * else: calling sooner would only fail sooner. */
  if (!link_up || !changed_ms || !settle_ms)
    return planned_ms;
  uint64_t soon = changed_ms + settle_ms;
  return soon < planned_ms ? soon : planned_ms;
}

static uint64_t mono_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Sleeps up to ms, waking early when a stop was requested. */
static void nap(uint64_t ms, volatile sig_atomic_t *stop) {
  while (ms > 0 && !*stop) {
    uint64_t step = ms < 200 ? ms : 200;
    struct timespec ts = {(time_t)(step / 1000), (long)(step % 1000) * 1000000L};
    nanosleep(&ts, NULL);
    ms -= step;
  }
}

/* Waits for the next session: until planned, or settle_ms after the last
 * local change when the link is up.  Returns why the session runs. */
static enum zb_daemon_why wait_next(zb_node *n, const zb_daemon_opts *o, uint64_t planned,
                                    bool link_up, volatile sig_atomic_t *stop) {
  uint64_t seen = 0, changed = 0;
  zb_node_head_seq(n, &seen);
  while (!*stop) {
    uint64_t now = mono_ms();
    uint64_t due = zb_daemon_due_ms(planned, changed, o->settle_ms, link_up);
    if (now >= due)
      return due < planned ? ZB_DAEMON_CHANGES : ZB_DAEMON_INTERVAL;
    nap(due - now < ZB_DAEMON_POLL_MS ? due - now : ZB_DAEMON_POLL_MS, stop);
    uint64_t head;
    /* A read that fails (a full disk, say) is no change: the interval
     * still comes. */
    if (zb_node_head_seq(n, &head) == 0 && head != seen) {
      seen = head;
      changed = mono_ms();
    }
  }
  return ZB_DAEMON_INTERVAL;
}

int zb_daemon_run(zb_node *n, const zb_daemon_opts *o, zb_daemon_report_fn on_session, void *ctx,
                  volatile sig_atomic_t *stop) {
  srand((unsigned)(getpid() ^ time(NULL)));
  unsigned failures = 0;
  enum zb_daemon_why why = ZB_DAEMON_START;
  int rc = 0;
  while (!*stop) {
    zb_sync_report rep;
    /* A session is not interrupted by a stop request: it ends, bounded by
     * its timeout, and everything it committed stays committed. */
    rc = zb_sync_once(n, o->server, o->timeout_ms, &rep);
    /* Revoked: this PC was replaced and can never sync again. */
    bool fatal = rc == ZB_ENOTINIT || rc == ZB_EINVAL || rc == ZB_EREVOKED;
    failures = rc ? failures + 1 : 0;
    uint64_t wait = fatal ? 0 : zb_daemon_wait_ms(o->interval_ms, failures, (uint64_t)rand());
    uint64_t now = zb_hlc_wall_ms();
    zb_sync_outcome out = {.at_ms = now, .code = rc, .reason = rep.error[0] ? rep.error : NULL,
                           .next_ms = fatal ? 0 : now + wait};
    /* A node that cannot record its outcome still syncs: status is only
     * less fresh. */
    (void)zb_node_sync_record(n, &out);
    if (on_session) {
      zb_daemon_event ev = {.why = why, .rep = &rep, .rc = rc, .next_in_ms = wait};
      on_session(ctx, &ev);
    }
    if (fatal)
      return rc;
    why = wait_next(n, o, mono_ms() + wait, failures == 0, stop);
  }
  if (n) {
    zb_sync_outcome stopped = {.next_ms = 0};
    (void)zb_node_sync_record(n, &stopped);
  }
  return 0;
}
