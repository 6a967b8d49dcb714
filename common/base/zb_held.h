/*
 * zb_held.h — pairs (value, key) marked present or removed, looked up by
 * value: what a long write transaction did to a unique index whose puts it
 * holds back (zb_txn_defer), so that the index can still be asked who
 * holds a value without writing those puts at scattered places first
 * (docs/DESIGN-NOTES.md, "Imports").
 *
 * Strings are copied into one growing arena: no allocation per pair.  The
 * arena and the slots are probed at random places: they live in memory
 * that may get huge pages (zb_bigmem.h).
 */
#ifndef ZB_HELD_H
#define ZB_HELD_H

#include <stdbool.h>
#include <stddef.h>

typedef struct zb_held zb_held;

/* NULL on allocation failure. */
zb_held *zb_held_new(void);
void zb_held_free(zb_held *h);   /* NULL is fine */

/* Marks (value, key) present or removed, replacing an earlier mark of the
 * same pair.  0, ZB_ENOMEM, or ZB_ETOOBIG (a string over 65535 bytes or
 * the arena over 4 GiB). */
int zb_held_mark(zb_held *h, const char *value, const char *key, bool present);

/* A key other than self marked present with value: returned (valid until
 * the next zb_held_mark), or NULL. */
const char *zb_held_other(const zb_held *h, const char *value, const char *self);

/* Asks the memory system for the slot where value's chain starts, so that
 * a zb_held_other or zb_held_mark of it a little later does not wait for
 * it.  Changes nothing. */
void zb_held_prefetch(const zb_held *h, const char *value);

/* Whether (value, key) is marked removed. */
bool zb_held_removed(const zb_held *h, const char *value, const char *key);

#endif
