/*
 * zb_opwire.h — the one boundary for an op that arrives from a peer (a
 * push at the server), docs/PROTOCOL.md.
 *
 * An op crosses the wire packed and without prev_hash: the receiver holds
 * the origin's previous hash and puts it back before hashing.  Before
 * anything uses the bytes, zb_opwire_decode() checks that
 *   - they are at most ZB_OPWIRE_MAX bytes, so that the op with its
 *     prev_hash still packs into ZB_OP_PACKED_MAX;
 *   - they decode as a zb.Op with a body;
 *   - they are canonical: packing the decoded op gives back exactly these
 *     bytes.  That excludes unknown fields, fields repeated, out of order
 *     or encoded at more length than needed, a prev_hash, and any string
 *     that a NUL byte would cut short — so the bytes the server stores,
 *     hashes and acknowledges are the bytes the node sent.
 * A failure is a protocol error (the session is closed, nothing of the
 * batch is stored): honest node software never produces one.  The record's
 * rules — field numbers, lengths, text, kinds, scope — are checked after
 * this by zb_merge_apply(), identically at the node and the server, and
 * reject the op with a reason instead.
 */
#ifndef ZB_OPWIRE_H
#define ZB_OPWIRE_H

#include <stddef.h>
#include <stdint.h>
#include "zb_oplog.h"
#include "zhibu.pb-c.h"

/* Room a packed prev_hash takes: tag, length, 32 bytes. */
#define ZB_OPWIRE_MAX (ZB_OP_PACKED_MAX - 34)

/* 0 with *out (free it with zb__op__free_unpacked(*out, NULL)), or
 * ZB_EPROTO with a sentence in why (*out is NULL), or ZB_ENOMEM. */
int zb_opwire_decode(const uint8_t *bytes, size_t len, Zb__Op **out, char *why, size_t cap);

#endif
