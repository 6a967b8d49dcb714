/*
 * test_held.c — zb_held: pairs marked present or removed, found by value,
 * across the table's growth.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "zb_err.h"
#include "zb_held.h"

static void test_one_value(void **state) {
  (void)state;
  zb_held *h = zb_held_new();
  assert_non_null(h);
  assert_null(zb_held_other(h, "A", "x"));
  assert_false(zb_held_removed(h, "A", "x"));

  assert_int_equal(zb_held_mark(h, "A", "x", true), 0);
  assert_null(zb_held_other(h, "A", "x"));            /* only self holds it */
  assert_string_equal(zb_held_other(h, "A", "y"), "x");
  assert_null(zb_held_other(h, "AB", "y"));           /* another value */
  assert_null(zb_held_other(h, "", "y"));

  /* x lets go, y takes it: y holds it, x is removed. */
  assert_int_equal(zb_held_mark(h, "A", "x", false), 0);
  assert_null(zb_held_other(h, "A", "y"));
  assert_true(zb_held_removed(h, "A", "x"));
  assert_int_equal(zb_held_mark(h, "A", "y", true), 0);
  assert_string_equal(zb_held_other(h, "A", "x"), "y");
  assert_true(zb_held_removed(h, "A", "x"));
  assert_false(zb_held_removed(h, "A", "y"));
  /* x takes it back: both present (the caller's unique check decides). */
  assert_int_equal(zb_held_mark(h, "A", "x", true), 0);
  assert_false(zb_held_removed(h, "A", "x"));
  assert_non_null(zb_held_other(h, "A", "z"));
  zb_held_free(h);
  zb_held_free(NULL);
}

/* 100000 values, each held by its own key, one in seven marked removed:
 * every answer right after the slots and the arena grew many times. */
static void test_many(void **state) {
  (void)state;
  zb_held *h = zb_held_new();
  assert_non_null(h);
  char v[32], k[32];
  for (int i = 0; i < 100000; i++) {
    snprintf(v, sizeof v, "4301211950%08d", i);
    snprintf(k, sizeof k, "M%07d", i);
    assert_int_equal(zb_held_mark(h, v, k, true), 0);
    if (i % 7 == 0)
      assert_int_equal(zb_held_mark(h, v, k, false), 0);
  }
  for (int i = 0; i < 100000; i++) {
    snprintf(v, sizeof v, "4301211950%08d", i);
    snprintf(k, sizeof k, "M%07d", i);
    const char *o = zb_held_other(h, v, "nobody");
    if (i % 7 == 0) {
      assert_null(o);
      assert_true(zb_held_removed(h, v, k));
    } else {
      assert_non_null(o);
      assert_string_equal(o, k);
      assert_false(zb_held_removed(h, v, k));
    }
    assert_null(zb_held_other(h, v, k));
  }
  snprintf(v, sizeof v, "4301211950%08d", 100000);
  assert_null(zb_held_other(h, v, "x"));
  zb_held_free(h);
}

static void test_too_long(void **state) {
  (void)state;
  zb_held *h = zb_held_new();
  assert_non_null(h);
  static char big[70000];
  memset(big, 'a', sizeof big - 1);
  assert_int_equal(zb_held_mark(h, big, "x", true), ZB_ETOOBIG);
  assert_int_equal(zb_held_mark(h, "A", big, true), ZB_ETOOBIG);
  assert_null(zb_held_other(h, "A", "y"));
  zb_held_free(h);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_one_value),
      cmocka_unit_test(test_many),
      cmocka_unit_test(test_too_long),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
