/*
 * zb_oplog.h — the append-only, hash-chained op log (docs/DESIGN-NOTES.md, "Ops and the hash chain").
 *
 * Ops are stored packed (zb.Op) under their seq as an 8-byte big-endian key,
 * appended with MDB_APPEND.  An op's hash is SHA-256 of its packed bytes;
 * each op carries the hash of the one before it (32 zero bytes for seq 1),
 * and the head (last seq, last hash) is kept in the meta table.  Changing,
 * dropping or reordering any stored op breaks the chain, which
 * zb_oplog_verify() detects.
 */
#ifndef ZB_OPLOG_H
#define ZB_OPLOG_H

#include <stdint.h>
#include "zb_sha.h"
#include "zb_store.h"
#include "zhibu.pb-c.h"

/* Ops pack to at most this many bytes (bounded by the record limits). */
#define ZB_OP_PACKED_MAX 16384

typedef struct zb_oplog_head {
  uint64_t seq;                    /* last appended seq (0: empty log) */
  uint8_t hash[ZB_SHA256_LEN];     /* its hash (zeros: empty log) */
  uint64_t hlc;                    /* last HLC handed out by this node */
  uint8_t prev[ZB_SHA256_LEN];     /* the hash before the last append */
} zb_oplog_head;

int zb_oplog_head_load(zb_txn *t, zb_oplog_head *h);
int zb_oplog_head_save(zb_txn *t, const zb_oplog_head *h);

/* Sets op->seq and op->prev_hash from h, packs op and appends it; then
 * advances h (seq, hash) in memory — save it with zb_oplog_head_save()
 * before the transaction commits.  The caller fills every other field.
 * op->prev_hash points into h (h->prev): keep h alive while op is used. */
int zb_oplog_append(zb_txn *t, zb_oplog_head *h, Zb__Op *op);

/* The one way an op is packed and hashed (docs/DESIGN-NOTES.md, "Ops and
 * the hash chain"): op chained onto prev (the hash of its origin's
 * previous op) is packed into buf (cap bytes, *len receives its size) and
 * hash receives SHA-256 of those bytes.  op->prev_hash is left as it was.
 * ZB_ETOOBIG when it does not fit. */
int zb_op_pack_hash(Zb__Op *op, const uint8_t prev[ZB_SHA256_LEN], uint8_t *buf, size_t cap,
                    size_t *len, uint8_t hash[ZB_SHA256_LEN]);

/* Calls fn for each op with seq > since, in order; op is valid during the
 * call only.  fn returns non-zero to stop (negative: returned as error). */
typedef int (*zb_op_fn)(void *ctx, const Zb__Op *op, zb_val packed);
int zb_oplog_scan(zb_txn *t, uint64_t since, zb_op_fn fn, void *ctx);

/* Checks the whole chain: seqs 1..head without gaps, each op's origin,
 * prev_hash equal to the previous op's hash, and the last hash equal to the
 * stored head.  0, or ZB_ECORRUPT with a sentence in why naming the first
 * bad seq. */
int zb_oplog_verify(zb_txn *t, const char *origin, char *why, size_t cap);

#endif
