/*
 * zb_strset.h — a set of strings (open addressing, FNV-1a), for duplicate
 * checks over one input file.  Grows by doubling up to a cap.
 */
#ifndef ZB_STRSET_H
#define ZB_STRSET_H

#include <stddef.h>

typedef struct zb_strset zb_strset;

/* At most max_items strings may be added.  NULL on allocation failure. */
zb_strset *zb_strset_new(size_t max_items);
/* Adds a copy of s: 1 if added, 0 if already present, ZB_ENOMEM or
 * ZB_ETOOBIG (cap reached). */
int zb_strset_add(zb_strset *set, const char *s);
void zb_strset_clear(zb_strset *set);
void zb_strset_free(zb_strset *set);   /* NULL is fine */

#endif
