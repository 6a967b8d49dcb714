/* The daemon's schedule (common/net/zb_daemon.h): the interval after a good
 * session, 5 s doubling up to the interval after failures, ±20 % jitter
 * around either, a session settle_ms after the last local change while the
 * link is up; the loop's ends: a stop request before any session, and a
 * node that is not enrolled, which no retry can cure, recorded for status
 * (zb_node_sync_record); and how status words times and failures
 * (common/cli/zb_status.h). */
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
#include "zb_status.h"

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

/* A change seen settles: the session comes settle_ms after the last
 * change, never later than planned, and not at all early while the link
 * is down (the backoff holds). */
static void test_debounce_after_local_changes(void **state) {
  (void)state;
  /* planned at 3 600 000 ms; a change seen at 1 000 000 */
  assert_int_equal(zb_daemon_due_ms(3600000, 1000000, 30000, true), 1030000);
  /* a later change pushes it back */
  assert_int_equal(zb_daemon_due_ms(3600000, 1020000, 30000, true), 1050000);
  /* no change: the plan */
  assert_int_equal(zb_daemon_due_ms(3600000, 0, 30000, true), 3600000);
  /* a change just before the plan does not delay it */
  assert_int_equal(zb_daemon_due_ms(3600000, 3590000, 30000, true), 3600000);
  /* link down: the backoff's plan, change or not */
  assert_int_equal(zb_daemon_due_ms(40000, 1000, 30000, false), 40000);
  /* settle 0: no early sessions */
  assert_int_equal(zb_daemon_due_ms(3600000, 1000, 0, true), 3600000);
}

static int sessions;
static int last_rc;
static void count_session(void *ctx, const zb_daemon_event *ev) {
  (void)ctx;
  assert_int_equal(ev->why, ZB_DAEMON_START);
  sessions++;
  last_rc = ev->rc;
}

static void test_stop_before_the_first_session(void **state) {
  (void)state;
  volatile sig_atomic_t stop = 1;
  sessions = 0;
  zb_daemon_opts o = {.interval_ms = 1000, .timeout_ms = 1000, .settle_ms = 1000};
  assert_int_equal(zb_daemon_run(NULL, &o, count_session, NULL, &stop), 0);
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
  zb_daemon_opts o = {.interval_ms = 1000, .timeout_ms = 1000, .settle_ms = 1000};
  assert_int_equal(zb_daemon_run(n, &o, count_session, NULL, &stop), ZB_ENOTINIT);
  assert_int_equal(sessions, 1);
  assert_int_equal(last_rc, ZB_ENOTINIT);
  /* The failure is recorded for status, with nothing planned after it. */
  zb_node_info info;
  assert_int_equal(zb_node_info_get(n, &info), 0);
  assert_true(info.last_error_ms > 0);
  assert_int_equal(info.last_error_code, ZB_ENOTINIT);
  assert_true(info.last_error_reason[0] != '\0');
  assert_int_equal(info.last_sync_ms, 0);
  assert_int_equal(info.next_attempt_ms, 0);
  /* A success after it sets last_sync and keeps the failure; a manual
   * sync keeps the daemon's plan; a reason from the server is cleaned. */
  zb_sync_outcome plan = {.at_ms = 5000, .code = 0, .next_ms = 9000};
  assert_int_equal(zb_node_sync_record(n, &plan), 0);
  char hostile[400];
  memset(hostile, 'x', sizeof hostile);
  memcpy(hostile, "bad\n\x1b[31m", 9);
  memcpy(hostile + 254, "\xe6\xb1\x89", 3); /* 汉 across the cut at 255 */
  hostile[sizeof hostile - 1] = '\0';
  zb_sync_outcome manual = {.at_ms = 6000, .code = ZB_EUNREACH, .reason = hostile,
                            .keep_next = true};
  assert_int_equal(zb_node_sync_record(n, &manual), 0);
  assert_int_equal(zb_node_info_get(n, &info), 0);
  assert_int_equal(info.last_sync_ms, 5000);
  assert_int_equal(info.last_error_ms, 6000);
  assert_int_equal(info.last_error_code, ZB_EUNREACH);
  assert_int_equal(info.next_attempt_ms, 9000);
  assert_int_equal(strlen(info.last_error_reason), 254);
  assert_memory_equal(info.last_error_reason, "bad  [31m", 9);
  zb_sync_outcome stopped = {0};
  assert_int_equal(zb_node_sync_record(n, &stopped), 0);
  assert_int_equal(zb_node_info_get(n, &info), 0);
  assert_int_equal(info.next_attempt_ms, 0);
  assert_int_equal(info.last_sync_ms, 5000);
  zb_node_close(n);
  snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
  assert_int_equal(system(cmd), 0);
}

/* Local time to the minute, and how far from now in the largest whole
 * unit (TZ is Beijing time, set in main). */
static void test_status_when(void **state) {
  (void)state;
  char out[96];
  uint64_t t = 1796123100000ull; /* 2026-12-01 11:05 UTC = 19:05 in Beijing */
  zb_status_when(t, t + 3 * 60000 + 59000, out, sizeof out);
  assert_string_equal(out, "2026-12-01 19:05（3 分钟前）");
  zb_status_when(t, t + 59999, out, sizeof out);
  assert_string_equal(out, "2026-12-01 19:05（刚刚）");
  zb_status_when(t, t - 30000, out, sizeof out);
  assert_string_equal(out, "2026-12-01 19:05（一分钟内）");
  zb_status_when(t, t - 5 * 60000, out, sizeof out);
  assert_string_equal(out, "2026-12-01 19:05（5 分钟后）");
  zb_status_when(t, t + 60 * 60000, out, sizeof out);
  assert_string_equal(out, "2026-12-01 19:05（1 小时前）");
  zb_status_when(t, t + 47 * 3600000ull, out, sizeof out);
  assert_string_equal(out, "2026-12-01 19:05（47 小时前）");
  zb_status_when(t, t + 3 * 86400000ull, out, sizeof out);
  assert_string_equal(out, "2026-12-01 19:05（3 天前）");
}

static void test_status_failure_words(void **state) {
  (void)state;
  assert_non_null(strstr(zb_status_failure_words(ZB_EUNREACH), "连不上同步服务器"));
  assert_non_null(strstr(zb_status_failure_words(ZB_EREFUSED), "拒绝"));
  assert_non_null(strstr(zb_status_failure_words(ZB_ENOTINIT), "init --enroll"));
  assert_non_null(strstr(zb_status_failure_words(ZB_EDB), "本机出错"));
  assert_non_null(strstr(zb_status_failure_words(12345), "本机出错"));
}

int main(void) {
  setenv("TZ", "CST-8", 1); /* Beijing time, without tzdata */
  tzset();
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_interval_after_a_good_session),
      cmocka_unit_test(test_backoff_doubles_from_5s_up_to_the_interval),
      cmocka_unit_test(test_jitter_stays_within_20_percent),
      cmocka_unit_test(test_debounce_after_local_changes),
      cmocka_unit_test(test_status_when),
      cmocka_unit_test(test_status_failure_words),
      cmocka_unit_test(test_stop_before_the_first_session),
      cmocka_unit_test(test_not_enrolled_ends_the_loop),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
