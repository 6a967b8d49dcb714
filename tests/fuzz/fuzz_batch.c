/*
 * fuzz_batch.c — libFuzzer target for zb_batch: zb_batch_each (zstd
 * decompression and the item walk) on hostile input, and the round trip
 * zb_batch_add → zb_batch_compress → zb_batch_each.
 *
 * Input: byte 0 picks the mode.
 *   even: "walk": bytes 1-4 raw_size (u32 LE), 5-6 count (u16 LE), the rest
 *         is zdata.  Byte 0 bits 1-3: stop at that item (0: never) by
 *         returning 1 (bit 4 clear) or -5 (bit 4 set) from the callback.
 *         Checks: each item lies inside the declared raw size, the items
 *         and their varint prefixes never add up to more than raw_size,
 *         at most count items, and the return is 0, ZB_EPROTO, the
 *         callback's negative value (only when it stopped), or ZB_ENOMEM.
 *   odd:  "round trip": the rest is cut into items, each [u8 n][n bytes]
 *         (n = 255: [u16 LE n][n bytes], for items of varint length ≥ 2
 *         bytes); the items are added, compressed, and walked back: the
 *         same items in the same order, count and raw size as built; then
 *         the zdata is cut short or given a wrong raw size / count, which
 *         must be refused (ZB_EPROTO), never a crash.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zb_batch.h"
#include "zb_err.h"

static void fail(const char *what) {
  fprintf(stderr, "fuzz_batch: %s\n", what);
  abort();
}

struct walk {
  uint64_t raw_size;
  uint32_t count, n, stop_at;
  int stop_rc;
  uint64_t bytes;
};

static size_t varint_len(size_t v) {
  size_t n = 1;
  while (v >>= 7)
    n++;
  return n;
}

static int walk_item(void *ctx, const uint8_t *item, size_t len) {
  struct walk *w = ctx;
  w->n++;
  if (w->n > w->count)
    fail("more items than count");
  w->bytes += varint_len(len) + len;
  if (w->bytes > w->raw_size)
    fail("items exceed raw_size");
  volatile uint8_t sink = 0;
  for (size_t i = 0; i < len; i++)   /* ASan: every byte readable */
    sink ^= item[i];
  (void)sink;
  if (w->stop_at && w->n == w->stop_at)
    return w->stop_rc;
  return 0;
}

static void walk(const uint8_t *data, size_t size) {
  if (size < 7)
    return;
  struct walk w = {0};
  w.raw_size = (uint64_t)data[1] | (uint64_t)data[2] << 8 | (uint64_t)data[3] << 16 |
               (uint64_t)data[4] << 24;
  w.count = (uint32_t)data[5] | (uint32_t)data[6] << 8;
  w.stop_at = (data[0] >> 1) & 7;
  w.stop_rc = (data[0] & 0x10) ? -5 : 1;
  int rc = zb_batch_each(data + 7, size - 7, w.raw_size, w.count, walk_item, &w);
  bool stopped = w.stop_at && w.n == w.stop_at;
  if (rc == -5 ? !stopped
               : rc != 0 && rc != ZB_EPROTO && rc != ZB_ENOMEM)
    fail("unexpected return");
  if (rc == 0 && !stopped && (w.n != w.count || w.bytes != w.raw_size))
    fail("accepted a batch whose items do not fill it exactly");
}

struct items {
  size_t n;
  const uint8_t **p;
  size_t *len;
  size_t next;
};

static int check_item(void *ctx, const uint8_t *item, size_t len) {
  struct items *it = ctx;
  if (it->next >= it->n)
    fail("round trip: extra item");
  if (len != it->len[it->next] || (len && memcmp(item, it->p[it->next], len) != 0))
    fail("round trip: item differs");
  it->next++;
  return 0;
}

static int count_only(void *ctx, const uint8_t *item, size_t len) {
  (void)item;
  (void)len;
  ++*(size_t *)ctx;
  return 0;
}

static void round_trip(const uint8_t *data, size_t size) {
  struct items it = {0};
  it.p = malloc((size + 1) * sizeof *it.p);
  it.len = malloc((size + 1) * sizeof *it.len);
  if (!it.p || !it.len)
    fail("out of memory");
  zb_batch b;
  zb_batch_init(&b);
  size_t pos = 1;
  while (pos < size) {
    size_t n = data[pos++];
    if (n == 255) {
      if (size - pos < 2)
        break;
      n = (size_t)data[pos] | (size_t)data[pos + 1] << 8;
      pos += 2;
    }
    if (n > size - pos)
      n = size - pos;
    it.p[it.n] = data + pos;
    it.len[it.n++] = n;
    if (zb_batch_add(&b, data + pos, n))
      fail("zb_batch_add");
    pos += n;
  }
  if (b.count != it.n)
    fail("count differs from the items added");
  size_t raw = 0;
  for (size_t i = 0; i < it.n; i++)
    raw += varint_len(it.len[i]) + it.len[i];
  if (b.len != raw)
    fail("raw size differs from the items added");
  uint8_t *z;
  size_t zlen;
  if (zb_batch_compress(&b, &z, &zlen))
    fail("zb_batch_compress");
  int rc = zb_batch_each(z, zlen, b.len, b.count, check_item, &it);
  if (rc || it.next != it.n)
    fail("round trip: batch not walked back whole");

  /* Damaged versions are refused, never walked past their end. */
  size_t seen = 0;
  if (zlen > 1 && zb_batch_each(z, zlen - 1, b.len, b.count, count_only, &seen) != ZB_EPROTO)
    fail("truncated zdata accepted");
  if (zb_batch_each(z, zlen, b.len + 1, b.count, count_only, &seen) != ZB_EPROTO)
    fail("wrong raw_size accepted");
  seen = 0;
  rc = zb_batch_each(z, zlen, b.len, b.count + 1, count_only, &seen);
  if (rc != ZB_EPROTO)
    fail("count above the items accepted");
  if (b.count > 0) {
    seen = 0;
    rc = zb_batch_each(z, zlen, b.len, b.count - 1, count_only, &seen);
    if (rc != ZB_EPROTO || seen != b.count - 1)
      fail("count below the items accepted");
  }
  /* reset keeps the buffer and starts over */
  zb_batch_reset(&b);
  if (b.len || b.count)
    fail("reset left items");
  free(z);
  zb_batch_free(&b);
  free(it.p);
  free(it.len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1)
    return 0;
  if (data[0] & 1)
    round_trip(data, size);
  else
    walk(data, size);
  return 0;
}
