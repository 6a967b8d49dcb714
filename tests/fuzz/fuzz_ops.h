/*
 * fuzz_ops.h — what the push / opcheck targets and the seed generator share:
 * the org tree, the fixed nodes, building packed zb.Op member edits, and the
 * input layouts of fuzz_push and fuzz_opcheck (so that gen_seeds writes
 * exactly what the targets read).
 */
#ifndef ZB_FUZZ_OPS_H
#define ZB_FUZZ_OPS_H

#include <stddef.h>
#include <stdint.h>

/* The org tree every hub / store of the fuzzers holds (orgs.csv columns). */
extern const char fz_orgs_csv[];

/* The fixed nodes an input chooses from: id and scope (org). */
struct fz_node {
  const char *id, *org;
};
#define FZ_NNODES 3
extern const struct fz_node fz_nodes[FZ_NNODES];

/* A time all seeds and fixtures use: 2026-11-26 UTC, in HLC form. */
#define FZ_HLC_MS 1795651200000ull
#define FZ_HLC(ms_offset) ((FZ_HLC_MS + (uint64_t)(ms_offset)) << 16)

/* One op for fz_pack_op: kind 1 org, 2 member (zb.RecordKind). */
struct fz_op {
  const char *origin;
  uint64_t seq, hlc, base_cursor;
  const char *actor;
  int kind;
  const char *key;
  size_t nf;
  const int *fields;
  const char *const *vals;
  int body;           /* 0 a set, 1 an act, 2 a fact */
  const char *name;   /* the act's or fact's name */
};

/* Packs op (without prev_hash, as a node pushes) into a malloc'ed buffer;
 * *len its size.  Aborts on out of memory. */
uint8_t *fz_pack_op(const struct fz_op *op, size_t *len);

/* A valid 18-character id number (GB 11643 check character) of someone
 * born on birth ("YYYYMMDD"), sequence seq (odd: a man). */
void fz_idnum(char out[19], const char *birth8, unsigned seq);

/* The full field set of a valid member: fills fields/vals (13 entries max)
 * and returns how many.  id, org and the id number's seq vary; the birth
 * date is 1980-01-<day>, day in 1..28. */
size_t fz_member_fields(int fields[13], const char *vals[13], char idn[19], char birth[11],
                        const char *id, const char *org, unsigned day, unsigned seq);

/* ---- fuzz_push input layout ----
 *
 * byte 0: flags
 *   bits 0-1  node of request A (index into fz_nodes; 3 means 0)
 *   bit 2     two requests through zb_hub_push_many (B: node A + 2, mod 3:
 *             b0101 → t01, b0102 → b0101, t01 → b0102)
 *   bit 3     raw mode: the rest is [u32 LE raw_size][u16 LE count] zdata,
 *             pushed as is by node A (no batch built by the target)
 *   bit 4     keep each op's seq as given (otherwise renumbered to follow
 *             what the hub holds for the request's node)
 *   bit 5     keep each op's origin as given (otherwise the node's id)
 *   bit 6     on a fresh hub: the fixture alone, not what earlier inputs
 *             left (reaches states that earlier inputs may have closed
 *             off, e.g. an older write meeting the fixture's winners)
 * then items, each: [u8 item flags][u16 LE len][len bytes: a packed zb.Op]
 *   item flag bit 0: the item goes to request B (when bit 2 is set)
 *   item flag bit 1: the item is put in the batch as is, not decoded and
 *                    renumbered (reaches "does not decode" and friends)
 *   item flag bits 4-7: r; the op's field list is sent r + 1 times over
 *                    (a small input reaches many writes of one field and
 *                    ops of any size)
 * A truncated last item is ignored. */
#define FZ_PUSH_MANY 0x04u
#define FZ_PUSH_RAW 0x08u
#define FZ_PUSH_KEEP_SEQ 0x10u
#define FZ_PUSH_KEEP_ORIGIN 0x20u
#define FZ_PUSH_FRESH 0x40u
#define FZ_ITEM_B 0x01u
#define FZ_ITEM_VERBATIM 0x02u
#define FZ_ITEM_REPEAT(iflags) ((iflags) >> 4 & 15u)
#define FZ_ITEM_REPEAT_FLAGS(r) ((unsigned)(r) << 4)

/* Appends one item to a growing input buffer (malloc'ed; aborts on OOM). */
struct fz_buf {
  uint8_t *p;
  size_t len, cap;
};
void fz_buf_add(struct fz_buf *b, const void *data, size_t len);
void fz_buf_item(struct fz_buf *b, unsigned item_flags, const uint8_t *op, size_t len);

/* ---- fuzz_opcheck input layout ----
 * byte 0: bits 0-1 scope (index into fz_nodes' orgs; 3: the county root),
 *         bit 2 apply as pulled (server seq FZ_OPCHECK_SSEQ, else 0);
 * rest: one packed zb.Op. */
#define FZ_OPCHECK_PULLED 0x04u
#define FZ_OPCHECK_SSEQ 100u

#endif
