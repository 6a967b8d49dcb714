/*
 * zb_node_priv.h — what the three files of a node share; not for callers
 * outside common/replica/zb_node*.c (they use zb_node.h).
 *
 *   zb_node.c         the node's own writes and reads, init and enrollment
 *   zb_node_sync.c    sync state: push batches, acked seq, pulled batches
 *                     applied (conflicts kept, rejected ops rolled back,
 *                     restamped ops moved to the server's time), listings
 *   zb_node_replay.c  replaying the logs: verify, and the rebuild of one
 *                     record when the server rejected an op on it
 *
 * docs/DESIGN-NOTES.md explains the rules they follow ("Ops and the hash
 * chain", "Time", "Sync": Rejections and Verify).
 */
#ifndef ZB_NODE_PRIV_H
#define ZB_NODE_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "zb_merge.h"
#include "zb_node.h"
#include "zb_store.h"

/* An open node.  Owned by zb_node_open / zb_node_close (zb_node.c); the
 * other files only read it. */
struct zb_node {
  zb_store *store;
  char id[ZB_NODE_ID_MAX + 1];
  char org[ZB_FIELD_MAX + 1];
  char actor[ZB_NODE_ID_MAX + 1];
  char bundle[4200];
  bool warned_clock;
};

/* One replay of the node's logs inside the write transaction t. */
struct zb_node_rebuild {
  zb_node *n;
  zb_txn *t;
  char *why;
  size_t cap;
  const char *key;          /* replay only this record (rollback), or NULL */
  const zb_kind_desc *kind; /* its kind (with key) */
  int pass;                 /* zb_node_replay: 0 sets, 1 facts, 2 acts */
};

/* zb_node_replay.c: */

/* The layout of a node's tables: 2 added ZB_DB_RECORD_OPS. */
#define ZB_NODE_FORMAT 2
/* Where an op that wrote a record is kept, for ZB_DB_RECORD_OPS. */
#define ZB_NODE_OP_PULLED 'a'   /* ZB_DB_PLOG, by server seq */
#define ZB_NODE_OP_OWN 'b'      /* ZB_DB_LOG, by own seq */
/* Notes that the op at (source, seq) wrote record (kind, key), so that a
 * rollback of that record replays its ops, not the whole log. */
int zb_node_index_op(zb_txn *t, int kind, const char *key, char source, uint64_t seq);
/* Removes that entry (an own act the server has ordered: it is then found
 * among the pulled ops); and whether an entry is there. */
int zb_node_unindex_op(zb_txn *t, int kind, const char *key, char source, uint64_t seq);
int zb_node_op_indexed(zb_txn *t, int kind, const char *key, char source, uint64_t seq,
                       bool *out);
/* Rebuilds the record op concerns from its ops (zb_node_replay). */
int zb_node_rebuild_record(zb_node *n, zb_txn *t, const Zb__Op *op);
/* Brings a node's tables to ZB_NODE_FORMAT (the index of ops by record,
 * built from the logs).  0 when there was nothing to do. */
int zb_node_upgrade(zb_store *s);

/* Applies, again, every op that makes up the state (or, with rb->key, the
 * state of that one record, found through ZB_DB_RECORD_OPS): what was
 * pulled, in server order, and the node's own ops less the rejected ones,
 * restamped ones at the server's time. */
int zb_node_replay(struct zb_node_rebuild *rb);
/* The backfill a pulled entry carries (a member moving into this node's
 * scope), applied before the entry's own op; rb NULL: all of it. */
int zb_node_apply_backfill(zb_txn *t, const Zb__ServerOp *so,
                           const struct zb_node_rebuild *rb);
/* The time an op counts at, as the server fixed it (so->hlc), or the op's
 * own for entries that predate that field. */
uint64_t zb_node_entry_hlc(const Zb__ServerOp *so, const Zb__Op *op);
/* Applies a pulled op (trusted: the server checked it) at its time. */
int zb_node_apply_pulled(zb_txn *t, const Zb__ServerOp *so, const Zb__Op *op,
                         zb_apply_result *r);

#endif
