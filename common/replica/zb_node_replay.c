/*
 * zb_node_replay.c — a node's state rebuilt from its logs: `verify`, and
 * the rollback of one record after the server rejected an op on it
 * (zb_node_priv.h; docs/DESIGN-NOTES.md, "Ops and the hash chain" and
 * "Sync": Verify).
 */
#include <stdlib.h>
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
  /* Sets in the first pass, facts in the second, acts in the third: a
   * fact or act needs its record, which this node's own set may create
   * (and own ops sort after pulled ones). */
  int pass = op->body_case == ZB__OP__BODY_ACT ? 2 : op->body_case == ZB__OP__BODY_FACT ? 1 : 0;
  if (pass != rb->pass)
    return false;
  if (!rb->key)
    return true;
  int kind;
  const char *key;
  return zb_op_target(op, &kind, &key, NULL) && kind == rb->kind->id &&
         strcmp(key, rb->key) == 0;
}

/* The backfill an entry carries (a member moving into this node's scope),
 * applied before the entry's own op. */
int zb_node_apply_backfill(zb_txn *t, const Zb__ServerOp *so, const struct zb_node_rebuild *rb) {
  if (rb && rb->pass != 0)
    return 0;
  for (size_t i = 0; i < so->n_backfill; i++) {
    const Zb__Backfill *bf = so->backfill[i];
    if (!bf->op || !bf->op->set)
      return ZB_EPROTO;
    if (rb && rb->key && !rebuild_wants(rb, bf->op))
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
  /* An act the server has ordered counts where the pulled log has it. */
  if (op->body_case == ZB__OP__BODY_ACT) {
    int kind;
    const char *rkey;
    zb_op_target(op, &kind, &rkey, NULL);
    bool own;
    if ((rc = zb_node_op_indexed(rb->t, kind, rkey, ZB_NODE_OP_OWN, op->seq, &own)))
      return rc;
    if (!own)
      return 0;
  }
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

/* ZB_DB_RECORD_OPS key: kind, record key, NUL, source, seq (big-endian);
 * returns its length.  buf holds 1 + ZB_FIELD_MAX + 2 + 8 bytes. */
static size_t record_ops_key(uint8_t *buf, int kind, const char *key, char source,
                             uint64_t seq) {
  size_t klen = strnlen(key, ZB_FIELD_MAX);
  buf[0] = (uint8_t)kind;
  memcpy(buf + 1, key, klen);
  buf[1 + klen] = 0;
  buf[2 + klen] = (uint8_t)source;
  zb_u64_be(seq, buf + 3 + klen);
  return 11 + klen;
}

int zb_node_index_op(zb_txn *t, int kind, const char *key, char source, uint64_t seq) {
  uint8_t k[ZB_FIELD_MAX + 11];
  return zb_txn_put(t, ZB_DB_RECORD_OPS, k, record_ops_key(k, kind, key, source, seq), "", 0,
                    0);
}

int zb_node_unindex_op(zb_txn *t, int kind, const char *key, char source, uint64_t seq) {
  uint8_t k[ZB_FIELD_MAX + 11];
  return zb_txn_del(t, ZB_DB_RECORD_OPS, k, record_ops_key(k, kind, key, source, seq));
}

int zb_node_op_indexed(zb_txn *t, int kind, const char *key, char source, uint64_t seq,
                       bool *out) {
  uint8_t k[ZB_FIELD_MAX + 11];
  zb_val v;
  int rc = zb_txn_get(t, ZB_DB_RECORD_OPS, k, record_ops_key(k, kind, key, source, seq), &v);
  *out = rc == 0;
  return rc == ZB_ENOTFOUND ? 0 : rc;
}

int zb_node_rebuild_record(zb_node *n, zb_txn *t, const Zb__Op *op) {
  int kid;
  const char *key;
  const zb_kind_desc *kd = zb_op_target(op, &kid, &key, NULL) ? zb_kind_by_id(kid) : NULL;
  if (!kd)
    return ZB_ECORRUPT;
  int rc = zb_rec_delete(t, kd, key);
  if (rc)
    return rc;
  struct zb_node_rebuild rb = {.n = n, .t = t, .key = key, .kind = kd};
  return zb_node_replay(&rb);
}

struct record_scan {
  struct zb_node_rebuild *rb;
  uint8_t prefix[ZB_FIELD_MAX + 2];
  size_t plen;
};

/* One op of the record: its entry in the pulled log or in the own log. */
static int replay_indexed(void *ctx, zb_val key, zb_val val) {
  struct record_scan *rs = ctx;
  const uint8_t *k = key.data;
  (void)val;
  if (key.len != rs->plen + 9 || memcmp(k, rs->prefix, rs->plen) != 0)
    return 1;   /* past the record's entries */
  uint8_t seq[8];
  memcpy(seq, k + rs->plen + 1, 8);
  zb_val v;
  int rc;
  if (k[rs->plen] == ZB_NODE_OP_PULLED) {
    if ((rc = zb_txn_get(rs->rb->t, ZB_DB_PLOG, seq, 8, &v)))
      return rc == ZB_ENOTFOUND ? ZB_ECORRUPT : rc;
    return replay_pulled(rs->rb, (zb_val){seq, 8}, v);
  }
  if (k[rs->plen] != ZB_NODE_OP_OWN)
    return ZB_ECORRUPT;
  if ((rc = zb_txn_get(rs->rb->t, ZB_DB_LOG, seq, 8, &v)))
    return rc == ZB_ENOTFOUND ? ZB_ECORRUPT : rc;
  Zb__Op *op = zb__op__unpack(NULL, v.len, v.data);
  if (!op)
    return ZB_ECORRUPT;
  rc = replay_own(rs->rb, op, v);
  zb__op__free_unpacked(op, NULL);
  return rc;
}

/* Applies, again, every op that makes up the state, in three passes.
 * First the sets, then the facts: what was pulled (in server order) and
 * the node's own ops, less the rejected ones; fields are last-writer-wins,
 * facts keep the first writer, and the indexes are keyed by pairs, so the
 * order between the two logs does not change the result.  Then the acts, which count in
 * the server's order: the pulled ones (with this node's acts the server
 * has ordered) in server order, then this node's acts not yet ordered.
 * Sets never write the fields acts write (zb_merge.c), so acts coming
 * after every set gives the server's result.  For one record, only the
 * ops ZB_DB_RECORD_OPS names for it, in the same order (pulled ones sort
 * before own ones), so that a rollback costs what the record's history
 * costs, not the whole log's. */
static int replay_pass(struct zb_node_rebuild *rb);

int zb_node_replay(struct zb_node_rebuild *rb) {
  int rc = 0;
  for (rb->pass = 0; rb->pass < 3 && !rc; rb->pass++)
    rc = replay_pass(rb);
  return rc;
}

static int replay_pass(struct zb_node_rebuild *rb) {
  if (rb->key) {
    struct record_scan *rs = malloc(sizeof *rs);
    if (!rs)
      return ZB_ENOMEM;
    rs->rb = rb;
    size_t klen = strnlen(rb->key, ZB_FIELD_MAX);
    rs->prefix[0] = (uint8_t)rb->kind->id;
    memcpy(rs->prefix + 1, rb->key, klen);
    rs->prefix[1 + klen] = 0;
    rs->plen = klen + 2;
    int rc = zb_txn_scan(rb->t, ZB_DB_RECORD_OPS, rs->prefix, rs->plen, replay_indexed, rs);
    free(rs);
    return rc;
  }
  int rc = zb_txn_scan(rb->t, ZB_DB_PLOG, NULL, 0, replay_pulled, rb);
  if (!rc)
    rc = zb_oplog_scan(rb->t, 0, replay_own, rb);
  return rc;
}

/* ---- the index of ops by record, for data written before it existed ---- */

static int index_pulled(void *ctx, zb_val key, zb_val val) {
  zb_txn *t = ctx;
  Zb__ServerOp *so = zb__server_op__unpack(NULL, val.len, val.data);
  if (!so || key.len != 8)
    return ZB_ECORRUPT;
  int rc = 0;
  if (so->outcome != ZB__OUTCOME__OUTCOME_REJECTED) {
    Zb__Op *op = zb__op__unpack(NULL, so->op.len, so->op.data);
    int kind;
    const char *rkey;
    rc = op && zb_op_target(op, &kind, &rkey, NULL)
             ? zb_node_index_op(t, kind, rkey, ZB_NODE_OP_PULLED, zb_be_u64(key.data))
             : ZB_ECORRUPT;
    if (op)
      zb__op__free_unpacked(op, NULL);
  }
  zb__server_op__free_unpacked(so, NULL);
  return rc;
}

static int index_own(void *ctx, const Zb__Op *op, zb_val packed) {
  (void)packed;
  int kind;
  const char *key;
  return zb_op_target(op, &kind, &key, NULL)
             ? zb_node_index_op(ctx, kind, key, ZB_NODE_OP_OWN, op->seq)
             : ZB_ECORRUPT;
}

static int upgrade_write(zb_txn *t, void *ctx) {
  uint64_t format;
  (void)ctx;
  int rc = zb_meta_get_u64(t, "format", &format);
  if (rc || format >= ZB_NODE_FORMAT)
    return rc;
  if (!(rc = zb_txn_scan(t, ZB_DB_PLOG, NULL, 0, index_pulled, t)) &&
      !(rc = zb_oplog_scan(t, 0, index_own, t)))
    rc = zb_meta_put_u64(t, "format", ZB_NODE_FORMAT);
  return rc;
}

int zb_node_upgrade(zb_store *s) {
  uint64_t format;
  int rc = zb_store_meta_u64(s, "format", &format);
  if (rc || format >= ZB_NODE_FORMAT)
    return rc;
  return zb_store_write(s, upgrade_write, NULL);
}

static int replay_all(zb_txn *t, void *ctx) {
  struct zb_node_rebuild *rb = ctx;
  rb->t = t;
  return zb_node_replay(rb);
}

/* Rebuilds the state from the logs inside a transaction that is thrown away
 * afterwards, and compares it with what was stored. */
static int rebuild_write(zb_txn *t, void *ctx) {
  struct zb_node_rebuild *rb = ctx;
  return zb_state_rebuild_check(t, replay_all, rb, rb->why, rb->cap);
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

