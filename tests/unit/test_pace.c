/* zb_pace: batch sizes that follow the link (docs/PROTOCOL.md, "Batch size"). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "zb_pace.h"

#define CAP ((size_t)1 << 20)

static void test_starts_small(void **state) {
  (void)state;
  zb_pace p;
  zb_pace_init(&p, CAP);
  assert_int_equal(zb_pace_next(&p), ZB_PACE_START);
  zb_pace_init(&p, 1000);   /* a cap below the start wins */
  assert_int_equal(zb_pace_next(&p), 1000);
}

/* A fast link: each batch of next raw bytes (a third of that on the wire)
 * comes back in 5 ms; the size doubles per ack up to the cap. */
static void test_fast_link_doubles_to_the_cap(void **state) {
  (void)state;
  zb_pace p;
  zb_pace_init(&p, CAP);
  uint64_t t = 1000;
  size_t prev = zb_pace_next(&p);
  int acks = 0;
  while (zb_pace_next(&p) < CAP) {
    size_t raw = zb_pace_next(&p);
    zb_pace_acked(&p, raw, raw / 3, t, t + 5);
    t += 5;
    assert_true(zb_pace_next(&p) <= 2 * prev);
    assert_true(zb_pace_next(&p) >= prev);
    prev = zb_pace_next(&p);
    acks++;
    assert_true(acks < 20);
  }
  assert_int_equal(zb_pace_next(&p), CAP);
  /* 8 KiB to 1 MiB is 7 doublings. */
  assert_int_equal(acks, 7);
}

/* 2G: 50 kbit/s = 6.25 bytes/ms.  Batches settle where one crosses in
 * about ZB_PACE_TARGET_MS: ~12.5 KB on the wire, ~37.5 KB raw at 3:1. */
static void test_slow_link_settles_at_the_target(void **state) {
  (void)state;
  zb_pace p;
  zb_pace_init(&p, CAP);
  uint64_t t = 0;
  for (int i = 0; i < 30; i++) {
    size_t raw = zb_pace_next(&p), wire = raw / 3;
    uint64_t took = (uint64_t)((double)wire / 6.25);
    zb_pace_acked(&p, raw, wire, t, t + took);
    t += took;
  }
  size_t want = (size_t)(6.25 * ZB_PACE_TARGET_MS * 3);
  assert_in_range(zb_pace_next(&p), want * 9 / 10, want * 11 / 10);
}

/* Batches queued behind others count from the previous ack, not from
 * when they were queued: four sent at once on a slow link do not look
 * four times slower than they are. */
static void test_queued_batches_count_from_the_previous_ack(void **state) {
  (void)state;
  zb_pace p;
  zb_pace_init(&p, CAP);
  /* All four queued at t = 0; 1000 wire bytes each cross in 100 ms. */
  for (int i = 1; i <= 4; i++)
    zb_pace_acked(&p, 3000, 1000, 0, (uint64_t)i * 100);
  /* 10 bytes/ms: 20 KB on the wire per 2 s, 60 KB raw; growth from 3000
   * raw is capped at doubling per ack, from the size asked for. */
  assert_true(zb_pace_next(&p) > ZB_PACE_START);
  for (int i = 0; i < 10; i++) {
    size_t raw = zb_pace_next(&p);
    zb_pace_acked(&p, raw, raw / 3, 1000 + (uint64_t)i * 10000,
                  1000 + (uint64_t)i * 10000 + raw / 30);
  }
  assert_in_range(zb_pace_next(&p), 54000, 66000);
}

/* A link that slows down: the batches shrink at once, never below the
 * minimum. */
static void test_shrinks_to_the_minimum(void **state) {
  (void)state;
  zb_pace p;
  zb_pace_init(&p, CAP);
  uint64_t t = 0;
  for (int i = 0; i < 10; i++) {
    size_t raw = zb_pace_next(&p);
    zb_pace_acked(&p, raw, raw / 3, t, t + 5);
    t += 5;
  }
  assert_int_equal(zb_pace_next(&p), CAP);
  for (int i = 0; i < 10; i++) {
    size_t raw = zb_pace_next(&p);
    zb_pace_acked(&p, raw, raw / 3, t, t + 60000);   /* a minute each */
    t += 60000;
  }
  assert_int_equal(zb_pace_next(&p), ZB_PACE_MIN);
  /* An ack of nothing (an empty batch) changes no size. */
  zb_pace_acked(&p, 0, 0, t, t + 1);
  assert_int_equal(zb_pace_next(&p), ZB_PACE_MIN);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_starts_small),
      cmocka_unit_test(test_fast_link_doubles_to_the_cap),
      cmocka_unit_test(test_slow_link_settles_at_the_target),
      cmocka_unit_test(test_queued_batches_count_from_the_previous_ack),
      cmocka_unit_test(test_shrinks_to_the_minimum),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
