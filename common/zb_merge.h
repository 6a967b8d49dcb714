/*
 * zb_merge.h — apply(state, op): the one merge function (DESIGN.md §5),
 * used by a node for its own ops and for what it pulls, and by the server
 * for what nodes push.
 *
 * Fields are last-writer-wins, ordered by (HLC, origin node id).  The
 * resulting record must satisfy every record rule (zb_record.h), its org
 * must exist and lie inside the writer's scope, and an id_number belongs to
 * one member only; otherwise the op is rejected with a reason and the state
 * is left exactly as it was.  The op itself stays in the log either way.
 */
#ifndef ZB_MERGE_H
#define ZB_MERGE_H

#include <stdbool.h>
#include <stdint.h>
#include "zb_store.h"
#include "zhibu.pb-c.h"

enum zb_apply_status {
  ZB_APPLY_OK = 0,          /* applied (possibly a no-op: changed is false) */
  ZB_APPLY_CONFLICT,        /* applied; a concurrent write was recorded */
  ZB_APPLY_REJECTED,        /* not applied: see field and reason */
};

typedef struct zb_apply_result {
  enum zb_apply_status status;
  bool changed;             /* the state changed */
  int field;                /* field a rejection concerns, or -1 */
  char reason[320];         /* why it was rejected, one sentence */
} zb_apply_result;

/* Applies op in t.  server_seq is the server's sequence number of the op
 * (0 for a node's own op not yet sequenced).  scope is the subtree the
 * writer may write in (NULL: anywhere).  Returns 0 with *r filled, or a
 * negative code for a storage failure (the caller aborts the txn). */
int zb_merge_apply(zb_txn *t, const Zb__Op *op, uint64_t server_seq,
                   const char *scope, zb_apply_result *r);

#endif
