/* zb_batch: round trips, and every bound a hostile batch might break. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <zstd.h>

#include "zb_batch.h"
#include "zb_err.h"

struct seen {
  int n;
  size_t bytes;
  int stop_at;
};

static int count_item(void *ctx, const uint8_t *item, size_t len) {
  struct seen *s = ctx;
  /* Items were built as len bytes of value (len & 0xff). */
  for (size_t i = 0; i < len; i++)
    assert_int_equal(item[i], len & 0xff);
  s->n++;
  s->bytes += len;
  return s->n == s->stop_at ? 1 : 0;
}

static void test_round_trip(void **state) {
  (void)state;
  zb_batch b;
  zb_batch_init(&b);
  uint8_t item[300];
  size_t total = 0;
  for (size_t len = 0; len < 300; len++) {
    memset(item, (int)(len & 0xff), len);
    assert_int_equal(zb_batch_add(&b, item, len), 0);
    total += len;
  }
  uint8_t *z;
  size_t zlen;
  assert_int_equal(zb_batch_compress(&b, &z, &zlen), 0);
  assert_true(zlen < b.len);
  struct seen s = {0};
  assert_int_equal(zb_batch_each(z, zlen, b.len, b.count, count_item, &s), 0);
  assert_int_equal(s.n, 300);
  assert_int_equal(s.bytes, total);
  /* A callback that stops early stops the walk without an error. */
  struct seen s2 = {.stop_at = 10};
  assert_int_equal(zb_batch_each(z, zlen, b.len, b.count, count_item, &s2), 0);
  assert_int_equal(s2.n, 10);
  /* Reset keeps the buffer and starts over. */
  zb_batch_reset(&b);
  assert_int_equal(b.count, 0);
  assert_int_equal(b.len, 0);
  free(z);
  zb_batch_free(&b);
}

static void test_lies_are_refused(void **state) {
  (void)state;
  zb_batch b;
  zb_batch_init(&b);
  uint8_t item[64] = {64};
  memset(item, 64, sizeof item);
  for (int i = 0; i < 10; i++)
    assert_int_equal(zb_batch_add(&b, item, sizeof item), 0);
  uint8_t *z;
  size_t zlen;
  assert_int_equal(zb_batch_compress(&b, &z, &zlen), 0);
  struct seen s = {0};
  /* Wrong raw size, too many or too few items, absurd sizes, junk. */
  assert_int_equal(zb_batch_each(z, zlen, b.len + 1, b.count, count_item, &s), ZB_EPROTO);
  assert_int_equal(zb_batch_each(z, zlen, b.len, b.count + 1, count_item, &s), ZB_EPROTO);
  assert_int_equal(zb_batch_each(z, zlen, b.len, b.count - 1, count_item, &s), ZB_EPROTO);
  assert_int_equal(zb_batch_each(z, zlen, (uint64_t)1 << 40, b.count, count_item, &s), ZB_EPROTO);
  assert_int_equal(zb_batch_each(z, zlen, b.len, ZB_BATCH_COUNT_MAX + 1, count_item, &s),
                   ZB_EPROTO);
  assert_int_equal(zb_batch_each((const uint8_t *)"not zstd at all", 15, 10, 1, count_item, &s),
                   ZB_EPROTO);
  assert_int_equal(zb_batch_each(z, zlen / 2, b.len, b.count, count_item, &s), ZB_EPROTO);
  free(z);

  /* An item whose varint length runs past the end of the batch. */
  uint8_t raw[4] = {0xff, 0xff, 0x03, 'x'};
  size_t bound = ZSTD_compressBound(sizeof raw);
  uint8_t *zz = malloc(bound);
  size_t zn = ZSTD_compress(zz, bound, raw, sizeof raw, 1);
  assert_false(ZSTD_isError(zn));
  s.n = 0;
  assert_int_equal(zb_batch_each(zz, zn, sizeof raw, 1, count_item, &s), ZB_EPROTO);
  assert_int_equal(s.n, 0);
  free(zz);
  zb_batch_free(&b);
}

static void test_add_is_bounded(void **state) {
  (void)state;
  zb_batch b;
  zb_batch_init(&b);
  size_t big = ZB_BATCH_RAW_MAX / 2;
  uint8_t *item = calloc(1, big + 16);
  assert_non_null(item);
  assert_int_equal(zb_batch_add(&b, item, big - 16), 0);
  assert_int_equal(zb_batch_add(&b, item, big + 16), ZB_ETOOBIG);
  assert_int_equal(b.count, 1);
  free(item);
  zb_batch_free(&b);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_round_trip),
      cmocka_unit_test(test_lies_are_refused),
      cmocka_unit_test(test_add_is_bounded),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
