#include "zb_daemon.h"

#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "zb_err.h"

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

/* Sleeps up to ms, waking early when a stop was requested. */
static void nap(uint64_t ms, volatile sig_atomic_t *stop) {
  while (ms > 0 && !*stop) {
    uint64_t step = ms < 200 ? ms : 200;
    struct timespec ts = {(time_t)(step / 1000), (long)(step % 1000) * 1000000L};
    nanosleep(&ts, NULL);
    ms -= step;
  }
}

int zb_daemon_run(zb_node *n, const char *server, uint64_t interval_ms, uint64_t timeout_ms,
                  zb_daemon_report_fn on_session, void *ctx, volatile sig_atomic_t *stop) {
  srand((unsigned)(getpid() ^ time(NULL)));
  unsigned failures = 0;
  while (!*stop) {
    zb_sync_report rep;
    /* A session is not interrupted by a stop request: it ends, bounded by
     * its timeout, and everything it committed stays committed. */
    int rc = zb_sync_once(n, server, timeout_ms, &rep);
    if (on_session)
      on_session(ctx, &rep, rc);
    if (rc == ZB_ENOTINIT || rc == ZB_EINVAL)
      return rc;
    failures = rc ? failures + 1 : 0;
    nap(zb_daemon_wait_ms(interval_ms, failures, (uint64_t)rand()), stop);
  }
  return 0;
}
