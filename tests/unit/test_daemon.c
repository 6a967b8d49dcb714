/* The daemon's schedule (common/net/zb_daemon.h): the interval after a good
 * session, 5 s doubling up to the interval after failures, ±20 % jitter
 * around either; and the loop's ends: a stop request before any session,
 * and a node that is not enrolled, which no retry can cure. */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "zb_daemon.h"
#include "zb_err.h"

/* rand_value 0 gives the low end of the jitter; 2 * (wait / 5) the high end. */
static uint64_t lo(uint64_t interval, unsigned failures) {
  return zb_daemon_wait_ms(interval, failures, 0);
}
static uint64_t hi(uint64_t interval, unsigned failures, uint64_t base) {
  return zb_daemon_wait_ms(interval, failures, 2 * (base / 5));
}
static uint64_t mid(uint64_t interval, unsigned failures, uint64_t base) {
  return zb_daemon_wait_ms(interval, failures, base / 5);
}

static void test_interval_after_a_good_session(void **state) {
  (void)state;
  assert_int_equal(mid(300000, 0, 300000), 300000);
  assert_int_equal(lo(300000, 0), 240000);
  assert_int_equal(hi(300000, 0, 300000), 360000);
  /* rand_value wraps: one past the top is the bottom again. */
  assert_int_equal(zb_daemon_wait_ms(300000, 0, 2 * 60000 + 1), 240000);
  assert_int_equal(zb_daemon_wait_ms(300000, 0, 12345), 240000 + 12345);
}

static void test_backoff_doubles_from_5s_up_to_the_interval(void **state) {
  (void)state;
  static const uint64_t expect[] = {5000, 10000, 20000, 40000, 80000, 160000, 300000, 300000};
  for (unsigned f = 1; f <= sizeof expect / sizeof *expect; f++) {
    uint64_t base = expect[f - 1];
    if (mid(300000, f, base) != base)
      fail_msg("failure %u: %llu ms, expected %llu", f,
               (unsigned long long)mid(300000, f, base), (unsigned long long)base);
    assert_int_equal(lo(300000, f), base - base / 5);
    assert_int_equal(hi(300000, f, base), base + base / 5);
  }
  /* A short interval caps even the first retry. */
  assert_int_equal(mid(1000, 1, 1000), 1000);
  assert_int_equal(lo(1000, 1), 800);
  /* The doubling stops at 5 s << 9 (about 43 min), and never overflows. */
  uint64_t week = 7ull * 86400 * 1000;
  assert_int_equal(mid(week, 10, 2560000), 2560000);
  assert_int_equal(mid(week, 11, 2560000), 2560000);
  assert_int_equal(mid(week, UINT_MAX, 2560000), 2560000);
  assert_int_equal(mid(week, 0, week), week);
}

static void test_jitter_stays_within_20_percent(void **state) {
  (void)state;
  /* The wait before jitter, for a 60 s interval: 60 s, then 5, 10, 20,
   * 40 s, then 60 s. */
  static const uint64_t base[] = {60000, 5000, 10000, 20000, 40000, 60000, 60000, 60000};
  for (unsigned f = 0; f < sizeof base / sizeof *base; f++) {
    uint64_t min = UINT64_MAX, max = 0;
    for (uint64_t r = 0; r < 5000; r++) {
      uint64_t w = zb_daemon_wait_ms(60000, f, r * 2654435761u);
      min = w < min ? w : min;
      max = w > max ? w : max;
    }
    if (min < base[f] - base[f] / 5 || max > base[f] + base[f] / 5 || max - min < base[f] / 5)
      fail_msg("failures %u: waits %llu..%llu ms, expected within %llu ms ± 20 %%", f,
               (unsigned long long)min, (unsigned long long)max, (unsigned long long)base[f]);
  }
  /* Below 5 ms there is nothing to spread. */
  assert_int_equal(zb_daemon_wait_ms(4, 0, 3), 4);
}

static int sessions;
static int last_rc;
static void count_session(void *ctx, const zb_sync_report *r, int rc) {
  (void)ctx;
  (void)r;
  sessions++;
  last_rc = rc;
}

static void test_stop_before_the_first_session(void **state) {
  (void)state;
  volatile sig_atomic_t stop = 1;
  sessions = 0;
  assert_int_equal(zb_daemon_run(NULL, NULL, 1000, 1000, count_session, NULL, &stop), 0);
  assert_int_equal(sessions, 0);
}

/* A node that is not enrolled has no server to call: the daemon reports
 * the one session and ends with ZB_ENOTINIT rather than retrying forever. */
static void test_not_enrolled_ends_the_loop(void **state) {
  (void)state;
  char dir[64], path[96], cmd[128];
  snprintf(dir, sizeof dir, "/tmp/zb-daemon-XXXXXX");
  assert_non_null(mkdtemp(dir));
  snprintf(path, sizeof path, "%s/n", dir);
  const char *why = NULL;
  zb_node *n;
  assert_int_equal(zb_node_init(path, "b0101", "430121-01-01", &why), 0);
  assert_int_equal(zb_node_open(path, &n), 0);
  volatile sig_atomic_t stop = 0;
  sessions = 0;
  assert_int_equal(zb_daemon_run(n, NULL, 1000, 1000, count_session, NULL, &stop),
                   ZB_ENOTINIT);
  assert_int_equal(sessions, 1);
  assert_int_equal(last_rc, ZB_ENOTINIT);
  zb_node_close(n);
  snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
  assert_int_equal(system(cmd), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_interval_after_a_good_session),
      cmocka_unit_test(test_backoff_doubles_from_5s_up_to_the_interval),
      cmocka_unit_test(test_jitter_stays_within_20_percent),
      cmocka_unit_test(test_stop_before_the_first_session),
      cmocka_unit_test(test_not_enrolled_ends_the_loop),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
