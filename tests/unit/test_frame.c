/*
 * test_frame.c — the length-prefixed frame codec: reassembly across every
 * split, many frames per chunk, and lengths refused before allocation.
 * Expected headers are spelled as bytes here, not produced by the encoder,
 * so that an encoder bug cannot hide a decoder bug.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "zb_err.h"
#include "zb_frame.h"

/* Payload byte i of frame j: varies with both so that mixups show. */
static uint8_t pat(size_t j, size_t i) {
  return (uint8_t)(j * 31u + i * 7u + (i >> 8));
}

typedef struct {
  size_t nframes;     /* delivered so far */
  const size_t *lens; /* expected lengths */
  size_t nlens;
  int stop_at; /* return 7 from this frame's callback, -1 never */
  size_t max_len_seen;
} collector;

static int collect(void *user, const uint8_t *payload, size_t len) {
  collector *c = user;
  assert_true(c->nframes < c->nlens);
  assert_int_equal(len, c->lens[c->nframes]);
  for (size_t i = 0; i < len; i++)
    if (payload[i] != pat(c->nframes, i))
      fail_msg("frame %zu byte %zu differs", c->nframes, i);
  if (len > c->max_len_seen)
    c->max_len_seen = len;
  c->nframes++;
  if (c->stop_at >= 0 && (size_t)c->stop_at == c->nframes - 1)
    return 7;
  return 0;
}

/* Builds the wire bytes for frames of the given lengths, by hand. */
static uint8_t *build(const size_t *lens, size_t n, size_t *total) {
  size_t t = 0;
  for (size_t j = 0; j < n; j++)
    t += 4 + lens[j];
  uint8_t *s = malloc(t);
  assert_non_null(s);
  size_t o = 0;
  for (size_t j = 0; j < n; j++) {
    s[o++] = (uint8_t)(lens[j] >> 24);
    s[o++] = (uint8_t)(lens[j] >> 16);
    s[o++] = (uint8_t)(lens[j] >> 8);
    s[o++] = (uint8_t)lens[j];
    for (size_t i = 0; i < lens[j]; i++)
      s[o++] = pat(j, i);
  }
  *total = t;
  return s;
}

static void test_split_every_boundary(void **state) {
  (void)state;
  static const size_t lens[] = {1, 2, 3, 5, 255, 256, 257, 1000, 4};
  const size_t n = sizeof lens / sizeof lens[0];
  size_t total;
  uint8_t *s = build(lens, n, &total);
  for (size_t k = 0; k <= total; k++) {
    collector c = {.lens = lens, .nlens = n, .stop_at = -1};
    zb_frame_decoder d;
    zb_frame_decoder_init(&d, 0, collect, &c);
    assert_int_equal(zb_frame_decoder_feed(&d, s, k), 0);
    assert_int_equal(zb_frame_decoder_feed(&d, s + k, total - k), 0);
    assert_int_equal(c.nframes, n);
    assert_true(zb_frame_decoder_idle(&d));
    zb_frame_decoder_fini(&d);
  }
  /* Three-way splits around every header of the stream. */
  for (size_t a = 0; a < 40; a++)
    for (size_t b = a; b <= total; b += 13) {
      collector c = {.lens = lens, .nlens = n, .stop_at = -1};
      zb_frame_decoder d;
      zb_frame_decoder_init(&d, 0, collect, &c);
      assert_int_equal(zb_frame_decoder_feed(&d, s, a), 0);
      assert_int_equal(zb_frame_decoder_feed(&d, s + a, b - a), 0);
      assert_int_equal(zb_frame_decoder_feed(&d, s + b, total - b), 0);
      assert_int_equal(c.nframes, n);
      zb_frame_decoder_fini(&d);
    }
  free(s);
}

static void test_byte_at_a_time_large(void **state) {
  (void)state;
  static const size_t lens[] = {70000, 1, 300000, 65536, 65537};
  const size_t n = sizeof lens / sizeof lens[0];
  size_t total;
  uint8_t *s = build(lens, n, &total);
  collector c = {.lens = lens, .nlens = n, .stop_at = -1};
  zb_frame_decoder d;
  zb_frame_decoder_init(&d, 0, collect, &c);
  for (size_t i = 0; i < total; i++) {
    assert_int_equal(zb_frame_decoder_feed(&d, s + i, 1), 0);
    /* The buffer never outgrows the frame being assembled. */
    assert_true(zb_frame_decoder_capacity(&d) <= 300000);
  }
  assert_int_equal(c.nframes, n);
  /* The 300000-byte buffer (> ZB_FRAME_KEEP) was released after use. */
  assert_true(zb_frame_decoder_capacity(&d) <= ZB_FRAME_KEEP);
  zb_frame_decoder_fini(&d);
  free(s);
}

static void test_many_frames_one_chunk(void **state) {
  (void)state;
  enum { N = 1000 };
  size_t *lens = malloc(N * sizeof *lens);
  assert_non_null(lens);
  for (size_t j = 0; j < N; j++)
    lens[j] = (j * 37) % 1000 + 1;
  size_t total;
  uint8_t *s = build(lens, N, &total);
  collector c = {.lens = lens, .nlens = N, .stop_at = -1};
  zb_frame_decoder d;
  zb_frame_decoder_init(&d, 0, collect, &c);
  assert_int_equal(zb_frame_decoder_feed(&d, s, total), 0);
  assert_int_equal(c.nframes, N);
  /* Whole frames in one chunk are delivered in place, never copied. */
  assert_int_equal(zb_frame_decoder_capacity(&d), 0);
  zb_frame_decoder_fini(&d);
  free(s);
  free(lens);
}

static int never(void *user, const uint8_t *payload, size_t len) {
  (void)user;
  (void)payload;
  (void)len;
  fail_msg("callback must not run");
  return 0;
}

static void test_2gib_prefix_refused(void **state) {
  (void)state;
  static const uint8_t prefixes[][4] = {
      {0x80, 0x00, 0x00, 0x00}, /* 2 GiB */
      {0xff, 0xff, 0xff, 0xff}, /* 4 GiB - 1 */
      {0x01, 0x00, 0x00, 0x01}, /* ZB_FRAME_MAX + 1 */
  };
  for (size_t k = 0; k < 3; k++) {
    zb_frame_decoder d;
    zb_frame_decoder_init(&d, 0, never, NULL);
    uint8_t chunk[4 + 64];
    memcpy(chunk, prefixes[k], 4);
    memset(chunk + 4, 0xab, 64);
    /* Header split over two feeds: refused as soon as it is complete. */
    assert_int_equal(zb_frame_decoder_feed(&d, chunk, 3), 0);
    assert_int_equal(zb_frame_decoder_feed(&d, chunk + 3, sizeof chunk - 3),
                     ZB_EPROTO);
    assert_int_equal(zb_frame_decoder_capacity(&d), 0);
    /* Sticky: a valid frame afterwards is not read. */
    static const uint8_t ok[] = {0, 0, 0, 1, 0x42};
    assert_int_equal(zb_frame_decoder_feed(&d, ok, sizeof ok), ZB_EPROTO);
    assert_int_equal(zb_frame_decoder_capacity(&d), 0);
    zb_frame_decoder_fini(&d);
  }
}

static void test_lying_prefix_small_buffer(void **state) {
  (void)state;
  /* Declares exactly ZB_FRAME_MAX (accepted) but sends little. */
  uint8_t chunk[4 + 10] = {0x01, 0x00, 0x00, 0x00};
  zb_frame_decoder d;
  zb_frame_decoder_init(&d, 0, never, NULL);
  assert_int_equal(zb_frame_decoder_feed(&d, chunk, sizeof chunk), 0);
  assert_true(zb_frame_decoder_capacity(&d) <= ZB_FRAME_GROW_MIN);
  assert_false(zb_frame_decoder_idle(&d));
  /* Growth tracks what arrived: after 1 MiB, at most twice that. */
  static uint8_t more[4096];
  size_t got = 10;
  while (got < 1024 * 1024) {
    assert_int_equal(zb_frame_decoder_feed(&d, more, sizeof more), 0);
    got += sizeof more;
    assert_true(zb_frame_decoder_capacity(&d) <= 2 * got + ZB_FRAME_GROW_MIN);
  }
  zb_frame_decoder_fini(&d);
}

static void test_zero_length(void **state) {
  (void)state;
  static const uint8_t z[] = {0, 0, 0, 0, 0, 0, 0, 1, 0x55};
  zb_frame_decoder d;
  zb_frame_decoder_init(&d, 0, never, NULL);
  assert_int_equal(zb_frame_decoder_feed(&d, z, sizeof z), ZB_EPROTO);
  zb_frame_decoder_fini(&d);
}

static int count_len(void *user, const uint8_t *payload, size_t len) {
  size_t *got = user;
  assert_int_equal(payload[0], 0x11);
  assert_int_equal(payload[len - 1], 0x22);
  *got = len;
  return 0;
}

static void test_exact_max_and_max_plus_one(void **state) {
  (void)state;
  const size_t max = ZB_FRAME_MAX;
  uint8_t *s = calloc(4 + max, 1);
  assert_non_null(s);
  s[0] = 0x01; /* 0x01000000 = 16 MiB */
  s[4] = 0x11;
  s[4 + max - 1] = 0x22;
  size_t got = 0;
  zb_frame_decoder d;
  /* In one chunk. */
  zb_frame_decoder_init(&d, 0, count_len, &got);
  assert_int_equal(zb_frame_decoder_feed(&d, s, 4 + max), 0);
  assert_int_equal(got, max);
  zb_frame_decoder_fini(&d);
  /* Split unevenly. */
  got = 0;
  zb_frame_decoder_init(&d, 0, count_len, &got);
  assert_int_equal(zb_frame_decoder_feed(&d, s, 7), 0);
  assert_int_equal(zb_frame_decoder_feed(&d, s + 7, 5000000), 0);
  assert_int_equal(got, 0);
  assert_int_equal(zb_frame_decoder_feed(&d, s + 5000007, 4 + max - 5000007),
                   0);
  assert_int_equal(got, max);
  zb_frame_decoder_fini(&d);
  /* max + 1 */
  s[3] = 0x01;
  zb_frame_decoder_init(&d, 0, never, NULL);
  assert_int_equal(zb_frame_decoder_feed(&d, s, 4 + max), ZB_EPROTO);
  assert_int_equal(zb_frame_decoder_capacity(&d), 0);
  zb_frame_decoder_fini(&d);
  free(s);
}

static void test_custom_max(void **state) {
  (void)state;
  uint8_t s[4 + 101] = {0, 0, 0, 100};
  memset(s + 4, 0x11, 100);
  s[4 + 99] = 0x22;
  size_t got = 0;
  zb_frame_decoder d;
  zb_frame_decoder_init(&d, 100, count_len, &got);
  assert_int_equal(zb_frame_decoder_feed(&d, s, 104), 0);
  assert_int_equal(got, 100);
  s[3] = 101;
  assert_int_equal(zb_frame_decoder_feed(&d, s, 4), ZB_EPROTO);
  zb_frame_decoder_fini(&d);
  /* A max above the protocol's is clamped to it. */
  static const uint8_t big[] = {0x01, 0x00, 0x00, 0x01};
  zb_frame_decoder_init(&d, SIZE_MAX, never, NULL);
  assert_int_equal(zb_frame_decoder_feed(&d, big, 4), ZB_EPROTO);
  zb_frame_decoder_fini(&d);
}

static void test_callback_stops(void **state) {
  (void)state;
  static const size_t lens[] = {3, 4, 5};
  size_t total;
  uint8_t *s = build(lens, 3, &total);
  collector c = {.lens = lens, .nlens = 3, .stop_at = 1};
  zb_frame_decoder d;
  zb_frame_decoder_init(&d, 0, collect, &c);
  assert_int_equal(zb_frame_decoder_feed(&d, s, total), 7);
  assert_int_equal(c.nframes, 2);
  assert_int_equal(zb_frame_decoder_feed(&d, s, total), 7);
  assert_int_equal(c.nframes, 2);
  zb_frame_decoder_fini(&d);
  free(s);
}

static void test_idle(void **state) {
  (void)state;
  static const uint8_t f[] = {0, 0, 0, 2, 0xaa, 0xbb};
  zb_frame_decoder d;
  zb_frame_decoder_init(&d, 0, never, NULL);
  assert_true(zb_frame_decoder_idle(&d));
  assert_int_equal(zb_frame_decoder_feed(&d, f, 2), 0);
  assert_false(zb_frame_decoder_idle(&d));
  assert_int_equal(zb_frame_decoder_feed(&d, f + 2, 3), 0);
  assert_false(zb_frame_decoder_idle(&d));
  assert_int_equal(zb_frame_decoder_feed(&d, NULL, 0), 0);
  zb_frame_decoder_fini(&d);
}

static void test_write_header(void **state) {
  (void)state;
  uint8_t h[4];
  assert_int_equal(zb_frame_write_header(h, 1), 0);
  assert_memory_equal(h, ((const uint8_t[]){0, 0, 0, 1}), 4);
  assert_int_equal(zb_frame_write_header(h, 0x010203), 0);
  assert_memory_equal(h, ((const uint8_t[]){0, 1, 2, 3}), 4);
  assert_int_equal(zb_frame_write_header(h, ZB_FRAME_MAX), 0);
  assert_memory_equal(h, ((const uint8_t[]){1, 0, 0, 0}), 4);
  memset(h, 0x5a, 4);
  assert_int_equal(zb_frame_write_header(h, 0), ZB_EINVAL);
  assert_int_equal(zb_frame_write_header(h, ZB_FRAME_MAX + 1), ZB_ETOOBIG);
  assert_int_equal(zb_frame_write_header(h, (size_t)1 << 31), ZB_ETOOBIG);
  assert_memory_equal(h, ((const uint8_t[]){0x5a, 0x5a, 0x5a, 0x5a}), 4);
}

static void test_encoder_decoder_agree(void **state) {
  (void)state;
  static const size_t lens[] = {1, 300, 70000};
  uint8_t *s = malloc(4 + 70000);
  assert_non_null(s);
  collector c = {.lens = lens, .nlens = 3, .stop_at = -1};
  zb_frame_decoder d;
  zb_frame_decoder_init(&d, 0, collect, &c);
  for (size_t j = 0; j < 3; j++) {
    assert_int_equal(zb_frame_write_header(s, lens[j]), 0);
    for (size_t i = 0; i < lens[j]; i++)
      s[4 + i] = pat(j, i);
    assert_int_equal(zb_frame_decoder_feed(&d, s, 4 + lens[j]), 0);
  }
  assert_int_equal(c.nframes, 3);
  zb_frame_decoder_fini(&d);
  free(s);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_split_every_boundary),
      cmocka_unit_test(test_byte_at_a_time_large),
      cmocka_unit_test(test_many_frames_one_chunk),
      cmocka_unit_test(test_2gib_prefix_refused),
      cmocka_unit_test(test_lying_prefix_small_buffer),
      cmocka_unit_test(test_zero_length),
      cmocka_unit_test(test_exact_max_and_max_plus_one),
      cmocka_unit_test(test_custom_max),
      cmocka_unit_test(test_callback_stops),
      cmocka_unit_test(test_idle),
      cmocka_unit_test(test_write_header),
      cmocka_unit_test(test_encoder_decoder_agree),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
