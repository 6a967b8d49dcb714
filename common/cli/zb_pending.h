/*
 * zb_pending.h — `zhibu-node export-pending FILE`: what a revoked (replaced)
 * PC never sent, as a file the new PC imports after review (README,
 * "Replacing a branch PC"; docs/PROTOCOL.md, "Restoring a replaced PC").
 */
#ifndef ZB_PENDING_H
#define ZB_PENDING_H

#include <stdio.h>

#include "zb_node.h"

typedef struct zb_pending_result {
  size_t ops;        /* own ops the server does not hold */
  size_t members;    /* member rows written */
  size_t left_out;   /* ops not in the file (acts, facts, other kinds) */
} zb_pending_result;

/* Writes the current record of every member that an unsent op set to path
 * (created, never overwritten: ZB_EEXIST), as `member import` reads it: a
 * UTF-8 BOM, the Chinese column names, and no id, so that the importing
 * node matches each row by its ID number or adds it (the new PC assigns
 * keys of its own).  Every unsent op the file cannot carry — an act, a
 * fact, a record of another kind — is named on note, one line each, for
 * the secretary to do again by hand.  ZB_EIO with the reason logged. */
int zb_pending_export(zb_node *n, const char *path, FILE *note, zb_pending_result *res);

#endif
