/*
 * zb_node_replay.c — a node's state rebuilt from its logs: `verify`, and
 * the rollback of one record after the server rejected an op on it
 * (zb_node_priv.h; docs/DESIGN-NOTES.md, "Ops and the hash chain" and
 * "Sync": Verify).
 */
#include <string.h>
#include <stdio.h>

#include "zb_err.h"
#include "zb_hlc.h"
#include "zb_merge.h"
#include "zb_node.h"
#include "zb_node_priv.h"
#include "zb_oplog.h"
#include "zb_state.h"

static bool rebuild_wants(const struct zb_node_rebuild *rb, const Zb__Op *op) {
  if (!rb->key)
    return true;
  return op->set && (int)op->set->kind == (int)rb->kind && strcmp(op->set->key, rb->key) == 0;
}

/* The backfill an entry carries (a member moving into this node's scope),
 * applied before the entry's own op. */
int zb_node_apply_backfill(zb_txn *t, const Zb__ServerOp *so, const struct zb_node_rebuild *rb) {
  for (size_t i = 0; i < so->n_backfill; i++) {
    const Zb__Backfill *bf = so->backfill[i];
    if (!bf->op || !bf->op->set)
      return ZB_EPROTO;
    if (rb && !rebuild_wants(rb, bf->op))
      continue;
    zb_apply_result r;
    int rc = zb_merge_apply(t, bf->op, bf->server_seq, NULL, ZB_APPLY_TRUSTED, &r);
    if (rc)
      return rc;
  }
  return 0;
}

/* The time an op counts at, as the server fixed it (so->hlc), or the op's
 * own for entries that predate that field. */
uint64_t zb_node_entry_hlc(const Zb__ServerOp *so, const Zb__Op *op) {
  return so->hlc ? so->hlc : op->hlc;
}

/* Applies a pulled op (trusted: the server checked it) at its time. */
int zb_node_apply_pulled(zb_txn *t, const Zb__ServerOp *so, const Zb__Op *op,
                        zb_apply_result *r) {
  uint64_t hlc = zb_node_entry_hlc(so, op);
  return zb_merge_apply_at(t, op, hlc, zb_hlc_today(hlc), so->server_seq, NULL,
                           ZB_APPLY_TRUSTED, r);
}

static int replay_pulled(void *ctx, zb_val key, zb_val val) {
  struct zb_node_rebuild *rb = ctx;
  (void)key;
  Zb__ServerOp *so = zb__server_op__unpack(NULL, val.len, val.data);
  if (!so)
    return ZB_ECORRUPT;
  Zb__Op *op = so->outcome == ZB__OUTCOME__OUTCOME_REJECTED
                   ? NULL
                   : zb__op__unpack(NULL, so->op.len, so->op.data);
  int rc = op ? zb_node_apply_backfill(rb->t, so, rb) : 0;
  if (!rc && op && rebuild_wants(rb, op)) {
    zb_apply_result r;
    rc = zb_node_apply_pulled(rb->t, so, op, &r);
  }
  if (op)
    zb__op__free_unpacked(op, NULL);
  zb__server_op__free_unpacked(so, NULL);
  return rc;
}

static int replay_own(void *ctx, const Zb__Op *op, zb_val packed) {
  struct zb_node_rebuild *rb = ctx;
  zb_apply_result r;
  zb_val v;
  uint8_t key[8];
  (void)packed;
  if (!rebuild_wants(rb, op))
    return 0;
  /* An op the server rejected stays in the log but not in the state. */
  zb_u64_be(op->seq, key);
  int rc = zb_txn_get(rb->t, ZB_DB_REJECTED, key, 8, &v);
  if (rc == 0)
    return 0;
  if (rc != ZB_ENOTFOUND)
    return rc;
  /* An op the server restamped counts at the server's time. */
  uint64_t hlc = op->hlc;
  rc = zb_txn_get(rb->t, ZB_DB_RESTAMPED, key, 8, &v);
  if (rc == 0 && v.len == 8)
    hlc = zb_be_u64(v.data);
  else if (rc == 0)
    return ZB_ECORRUPT;
  else if (rc != ZB_ENOTFOUND)
    return rc;
  return zb_merge_apply_at(rb->t, op, hlc, zb_hlc_today(hlc), 0, NULL, ZB_APPLY_TRUSTED, &r);
}

/* Applies, again, every op that makes up the state: what was pulled (in
 * server order) and the node's own ops, less the rejected ones.  Fields
 * are last-writer-wins and the indexes are keyed by pairs, so the order
 * between the two logs does not change the result. */
int zb_node_replay(struct zb_node_rebuild *rb) {
  int rc = zb_txn_scan(rb->t, ZB_DB_PLOG, NULL, 0, replay_pulled, rb);
  if (!rc)
    rc = zb_oplog_scan(rb->t, 0, replay_own, rb);
  return rc;
}

/* Rebuilds the state from the logs inside a transaction that is thrown away
 * afterwards, and compares it with what was stored. */
static int rebuild_write(zb_txn *t, void *ctx) {
  struct zb_node_rebuild *rb = ctx;
  uint8_t stored[ZB_SHA256_LEN], rebuilt[ZB_SHA256_LEN];
  int rc = zb_state_hash(t, stored);
  for (size_t i = 0; i < ZB_STATE_NDBS && !rc; i++)
    rc = zb_txn_drop(t, zb_state_dbs[i]);
  if (rc)
    return rc;
  rb->t = t;
  if ((rc = zb_node_replay(rb)))
    return rc;
  if ((rc = zb_state_hash(t, rebuilt)))
    return rc;
  if (memcmp(stored, rebuilt, sizeof stored) != 0) {
    snprintf(rb->why, rb->cap, "state: the stored records differ from a rebuild from the log");
    return ZB_ECORRUPT;
  }
  return 0;
}

int zb_node_verify(zb_node *n, char *why, size_t cap) {
  zb_txn *t;
  why[0] = '\0';
  int rc = zb_store_read(n->store, &t);
  if (rc)
    return rc;
  rc = zb_oplog_verify(t, n->id, why, cap);
  zb_txn_end(t);
  if (rc)
    return rc;
  struct zb_node_rebuild rb = {.n = n, .why = why, .cap = cap};
  return zb_store_write_discard(n->store, rebuild_write, &rb);
}

