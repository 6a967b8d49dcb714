#include "zb_batch.h"

#include <stdlib.h>
#include <string.h>
#include <zstd.h>

#include "zb_err.h"
#include "zb_log.h"

/* Level 3 is zstd's default: on a 2-core village PC it compresses a
 * 1 MiB batch in a few milliseconds, and the link is the bottleneck. */
#define ZB_ZSTD_LEVEL 3

void zb_batch_init(zb_batch *b) { memset(b, 0, sizeof *b); }

void zb_batch_free(zb_batch *b) {
  free(b->raw);
  zb_batch_init(b);
}

void zb_batch_reset(zb_batch *b) {
  b->len = 0;
  b->count = 0;
}

int zb_batch_add(zb_batch *b, const void *item, size_t len) {
  size_t need = b->len + 10 + len;
  if (need > ZB_BATCH_RAW_MAX || b->count >= ZB_BATCH_COUNT_MAX)
    return ZB_ETOOBIG;
  if (need > b->cap) {
    size_t cap = b->cap ? b->cap : 65536;
    while (cap < need)
      cap *= 2;
    if (cap > ZB_BATCH_RAW_MAX)
      cap = ZB_BATCH_RAW_MAX;
    uint8_t *raw = realloc(b->raw, cap);
    if (!raw)
      return ZB_ENOMEM;
    b->raw = raw;
    b->cap = cap;
  }
  size_t v = len;
  do {
    uint8_t byte = v & 0x7f;
    v >>= 7;
    b->raw[b->len++] = byte | (v ? 0x80 : 0);
  } while (v);
  memcpy(b->raw + b->len, item, len);
  b->len += len;
  b->count++;
  return 0;
}

int zb_batch_compress(const zb_batch *b, uint8_t **out, size_t *outlen) {
  size_t bound = ZSTD_compressBound(b->len);
  uint8_t *z = malloc(bound ? bound : 1);
  if (!z)
    return ZB_ENOMEM;
  size_t n = ZSTD_compress(z, bound, b->raw ? b->raw : (const uint8_t *)"", b->len, ZB_ZSTD_LEVEL);
  if (ZSTD_isError(n)) {
    zb_log_error("zstd: %s", ZSTD_getErrorName(n));
    free(z);
    return ZB_ENOMEM;
  }
  *out = z;
  *outlen = n;
  return 0;
}

int zb_batch_each(const uint8_t *zdata, size_t zlen, uint64_t raw_size, uint32_t count,
                  zb_batch_item_fn fn, void *ctx) {
  return zb_batch_each_max(zdata, zlen, raw_size, count, ZB_BATCH_RAW_MAX, fn, ctx);
}

int zb_batch_each_max(const uint8_t *zdata, size_t zlen, uint64_t raw_size, uint32_t count,
                      size_t max_raw, zb_batch_item_fn fn, void *ctx) {
  if (raw_size > max_raw || raw_size > ZB_BATCH_RAW_MAX || count > ZB_BATCH_COUNT_MAX)
    return ZB_EPROTO;
  /* Every item takes at least its one-byte length. */
  if (count > raw_size)
    return ZB_EPROTO;
  unsigned long long content = ZSTD_getFrameContentSize(zdata, zlen);
  if (content == ZSTD_CONTENTSIZE_ERROR || content != raw_size)
    return ZB_EPROTO;
  uint8_t *raw = malloc(raw_size ? raw_size : 1);
  if (!raw)
    return ZB_ENOMEM;
  int rc = 0;
  size_t n = ZSTD_decompress(raw, raw_size, zdata, zlen);
  if (ZSTD_isError(n) || n != raw_size) {
    rc = ZB_EPROTO;
    goto out;
  }
  size_t pos = 0;
  for (uint32_t i = 0; i < count; i++) {
    uint64_t len = 0;
    int shift = 0;
    for (;;) {
      if (pos >= raw_size || shift > 35) {
        rc = ZB_EPROTO;
        goto out;
      }
      uint8_t byte = raw[pos++];
      len |= (uint64_t)(byte & 0x7f) << shift;
      shift += 7;
      if (!(byte & 0x80))
        break;
    }
    if (len > raw_size - pos) {
      rc = ZB_EPROTO;
      goto out;
    }
    rc = fn(ctx, raw + pos, (size_t)len);
    if (rc) {
      if (rc > 0)
        rc = 0;
      goto out;
    }
    pos += (size_t)len;
  }
  if (pos != raw_size)
    rc = ZB_EPROTO;
out:
  free(raw);
  return rc;
}
