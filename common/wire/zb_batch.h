/*
 * zb_batch.h — a batch of byte strings (packed ops), compressed with zstd
 * for the wire: the concatenation of (varint length, bytes), then zstd.
 *
 * Decoding bounds everything before allocating: the declared raw size must
 * not exceed ZB_BATCH_RAW_MAX, the count ZB_BATCH_COUNT_MAX, and each item
 * must fit in what remains.  A batch that breaks a bound is ZB_EPROTO.
 */
#ifndef ZB_BATCH_H
#define ZB_BATCH_H

#include <stddef.h>
#include <stdint.h>

#define ZB_BATCH_RAW_MAX ((size_t)32 << 20)
#define ZB_BATCH_COUNT_MAX 200000u

typedef struct zb_batch {
  uint8_t *raw;        /* the uncompressed concatenation */
  size_t len, cap;     /* cap is bounded by ZB_BATCH_RAW_MAX */
  uint32_t count;
} zb_batch;

void zb_batch_init(zb_batch *b);
void zb_batch_free(zb_batch *b);   /* frees the buffer; b may be reused after init */
void zb_batch_reset(zb_batch *b);  /* keeps the buffer */
/* Appends one item.  ZB_ETOOBIG past ZB_BATCH_RAW_MAX, ZB_ENOMEM. */
int zb_batch_add(zb_batch *b, const void *item, size_t len);
/* Compresses into *out (malloc'ed, caller frees).  0 or ZB_ENOMEM. */
int zb_batch_compress(const zb_batch *b, uint8_t **out, size_t *outlen);

/* Decompresses zdata declared to hold count items in raw_size bytes, and
 * calls fn for each item in order (valid during the call).  fn returning
 * non-zero stops (negative: returned).  ZB_EPROTO for a malformed batch. */
typedef int (*zb_batch_item_fn)(void *ctx, const uint8_t *item, size_t len);
int zb_batch_each(const uint8_t *zdata, size_t zlen, uint64_t raw_size, uint32_t count,
                  zb_batch_item_fn fn, void *ctx);
/* The same with a lower bound on raw_size than ZB_BATCH_RAW_MAX (the
 * server takes no more from a node than a node sends). */
int zb_batch_each_max(const uint8_t *zdata, size_t zlen, uint64_t raw_size, uint32_t count,
                      size_t max_raw, zb_batch_item_fn fn, void *ctx);

#endif
