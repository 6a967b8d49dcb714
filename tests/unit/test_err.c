/*
 * test_err.c — the one table of exit statuses (common/base/zb_err.h): the
 * statuses README "Exit codes" promises for every command, and the ones
 * `zhibu-node sync` / `daemon` exit with ("Sync exit codes"): what
 * node/main.c's hand-written switch returned before the table had a
 * column for it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "zb_err.h"

static void test_exit_codes(void **state) {
  (void)state;
  assert_int_equal(zb_exit_code(0), 0);
  assert_int_equal(zb_exit_code(ZB_EUSAGE), 2);
  assert_int_equal(zb_exit_code(ZB_EINVAL), 3);
  assert_int_equal(zb_exit_code(ZB_EEXIST), 3);
  assert_int_equal(zb_exit_code(ZB_ETOOBIG), 3);
  assert_int_equal(zb_exit_code(ZB_ENOTFOUND), 4);
  assert_int_equal(zb_exit_code(ZB_ENOTINIT), 4);
  assert_int_equal(zb_exit_code(ZB_EUNREACH), 5);
  assert_int_equal(zb_exit_code(ZB_EPROTO), 5);
  assert_int_equal(zb_exit_code(ZB_ESCOPE), 6);
  assert_int_equal(zb_exit_code(ZB_EREFUSED), 6);
  assert_int_equal(zb_exit_code(ZB_EREVOKED), 6);
  assert_int_equal(zb_exit_code(ZB_ENOSPC), 1);
  assert_int_equal(zb_exit_code(ZB_EACCES), 1);
  assert_int_equal(zb_exit_code(ZB_EIO), 1);
  assert_int_equal(zb_exit_code(ZB_ECORRUPT), 1);
  assert_int_equal(zb_exit_code(-999), 1);
}

/* The switch the sync column replaced: 0 → 0, refused → 6, no node → 4,
 * invalid (a bad --server) → 2, anything else → 5; and since: a revoked
 * certificate (a replaced PC) is refused → 6. */
static int old_sync_exit(int rc) {
  switch (rc) {
  case 0: return 0;
  case ZB_EREFUSED: return 6;
  case ZB_EREVOKED: return 6;
  case ZB_ENOTINIT: return 4;
  case ZB_EINVAL: return 2;
  default: return 5;
  }
}

static void test_sync_exit_codes(void **state) {
  (void)state;
  for (int rc = 1; rc >= -40; rc--)
    if (zb_sync_exit_code(rc) != old_sync_exit(rc))
      fail_msg("%s (%d): %d, expected %d", zb_err_name(rc), rc, zb_sync_exit_code(rc),
               old_sync_exit(rc));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_exit_codes),
      cmocka_unit_test(test_sync_exit_codes),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
