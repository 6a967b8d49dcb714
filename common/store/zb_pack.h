/*
 * zb_pack.h — the two messages an import writes a million times, packed
 * without protobuf-c's generic walk: an Op whose body is a RecordSet, and
 * a Record.  The bytes are those protobuf-c writes (proto3: fields in
 * number order, zero scalars and empty strings left out, repeated strings
 * each written, more_fields packed), so op hashes, stored records and
 * digests do not change (docs/DESIGN-NOTES.md, "Ops and the hash chain";
 * test_pack compares the two on random messages).
 *
 * protobuf-c sizes every nested message again for each level it is nested
 * in; these size each string once.
 */
#ifndef ZB_PACK_H
#define ZB_PACK_H

#include <stddef.h>
#include <stdint.h>

#include "zhibu.pb-c.h"

/* op packed into buf[0..cap) as zb__op__pack would: its length, or 0 when
 * this packer does not cover it (a body other than a set, unknown fields,
 * a NULL element, a negative kind, more than ZB_PACK_MAX_ITEMS fields) or
 * it does not fit; the caller then packs with protobuf-c. */
size_t zb_pack_op(const Zb__Op *op, uint8_t *buf, size_t cap);
/* The same for a Record (values and stamps). */
size_t zb_pack_record(const Zb__Record *r, uint8_t *buf, size_t cap);

/* At most this many fields in a set, values or stamps in a record. */
#define ZB_PACK_MAX_ITEMS 128

#endif
