/*
 * zb_node_sync.c — a node's sync state (zb_node.h, "sync state"; the
 * network lives in zb_sync.c): push batches of its own ops, the seq the
 * server acknowledged, pulled batches applied with their conflict records,
 * own ops the server rejected (rolled back) or restamped (moved to the
 * server's time), and the conflicts/rejected listings.
 * docs/DESIGN-NOTES.md, "Time" and "Sync"; docs/PROTOCOL.md.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zb_msg.h"
#include "zb_batch.h"
#include "zb_err.h"
#include "zb_hlc.h"
#include "zb_merge.h"
#include "zb_node.h"
#include "zb_node_priv.h"
#include "zb_oplog.h"
#include "zb_opwire.h"
#include "zb_sha.h"
#include "zb_state.h"
#include "zb_utf8.h"

struct push_read {
  zb_batch *out;
  size_t max_raw;
  uint64_t last;
  uint8_t buf[ZB_OP_PACKED_MAX];
};

static int push_read_op(void *ctx, const Zb__Op *op, zb_val packed) {
  struct push_read *pr = ctx;
  (void)packed;
  if (pr->out->len >= pr->max_raw)
    return 1;
  /* The server holds the previous hash: 32 incompressible bytes per op
   * need not cross a 2G link. */
  Zb__Op copy = *op;
  copy.prev_hash.len = 0;
  copy.prev_hash.data = NULL;
  size_t len = zb__op__pack(&copy, pr->buf);
  int rc = zb_batch_add(pr->out, pr->buf, len);
  if (!rc)
    pr->last = op->seq;
  return rc;
}

int zb_node_push_batch(zb_node *n, uint64_t after, size_t max_raw, zb_batch *out,
                       uint64_t *last) {
  zb_txn *t;
  struct push_read *pr = malloc(sizeof *pr);
  if (!pr)
    return ZB_ENOMEM;
  zb_batch_reset(out);
  pr->out = out;
  pr->max_raw = max_raw;
  pr->last = after;
  int rc = zb_store_read(n->store, &t);
  if (!rc) {
    rc = zb_oplog_scan(t, after, push_read_op, pr);
    zb_txn_end(t);
  }
  *last = pr->last;
  free(pr);
  return rc;
}

int zb_node_op_hash(zb_node *n, uint64_t seq, uint8_t out[32]) {
  zb_txn *t;
  zb_val v;
  uint8_t key[8];
  int rc = zb_store_read(n->store, &t);
  if (rc)
    return rc;
  zb_u64_be(seq, key);
  rc = zb_txn_get(t, ZB_DB_LOG, key, 8, &v);
  if (!rc)
    zb_sha256(v.data, v.len, out);
  zb_txn_end(t);
  return rc;
}

static int acked_write(zb_txn *t, void *ctx) {
  uint64_t held = *(uint64_t *)ctx, cur;
  int rc = zb_meta_get_u64(t, "acked_seq", &cur);
  if (!rc && held > cur)
    rc = zb_meta_put_u64(t, "acked_seq", held);
  return rc;
}

int zb_node_set_acked(zb_node *n, uint64_t held) {
  return zb_store_write(n->store, acked_write, &held);
}

static int observe_write(zb_txn *t, void *ctx) {
  uint64_t server_ms = *(uint64_t *)ctx, hlc;
  int rc = zb_meta_get_u64(t, "hlc", &hlc);
  if (!rc && hlc < server_ms << 16)
    rc = zb_meta_put_u64(t, "hlc", zb_hlc_observe(hlc, server_ms << 16, zb_hlc_wall_ms()));
  if (!rc)
    rc = zb_meta_put_u64(t, "server_time_ms", server_ms);
  return rc;
}

int zb_node_observe_time(zb_node *n, uint64_t server_ms) {
  return zb_store_write(n->store, observe_write, &server_ms);
}

struct outcome_write {
  const zb_sync_outcome *o;
  char reason[ZB_NODE_REASON_MAX + 1];
};

static int outcome_write(zb_txn *t, void *ctx) {
  const struct outcome_write *w = ctx;
  const zb_sync_outcome *o = w->o;
  int rc = 0;
  if (o->at_ms && o->code == 0)
    rc = zb_meta_put_u64(t, "last_sync_ms", o->at_ms);
  else if (o->at_ms) {
    rc = zb_meta_put_u64(t, "last_error_ms", o->at_ms);
    if (!rc)
      rc = zb_meta_put_u64(t, "last_error_code", (uint64_t)-(int64_t)o->code);
    if (!rc)
      rc = zb_meta_put_str(t, "last_error_reason", w->reason);
  }
  if (!rc && !o->keep_next)
    rc = zb_meta_put_u64(t, "next_attempt_ms", o->next_ms);
  /* Revoked: what it has not sent can never be sent (status says so). */
  if (!rc && o->at_ms && (o->code == 0 || o->code == ZB_EREVOKED))
    rc = zb_meta_put_u64(t, "revoked", o->code == ZB_EREVOKED);
  return rc;
}

/* The reason as status prints it and JSON carries it: no control
 * characters, whole UTF-8 characters, at most ZB_NODE_REASON_MAX bytes. */
static void clean_reason(const char *in, char out[ZB_NODE_REASON_MAX + 1]) {
  size_t len = strlen(in);
  if (len > ZB_NODE_REASON_MAX) {
    len = ZB_NODE_REASON_MAX;
    while (len > 0 && ((unsigned char)in[len] & 0xC0) == 0x80)
      len--;
  }
  for (size_t i = 0; i < len; i++) {
    unsigned char c = (unsigned char)in[i];
    out[i] = c < 0x20 || c == 0x7F ? ' ' : (char)c;
  }
  if (!zb_utf8_valid(out, len))
    len = (size_t)snprintf(out, ZB_NODE_REASON_MAX + 1, "?");
  out[len] = '\0';
}

int zb_node_sync_record(zb_node *n, const zb_sync_outcome *o) {
  struct outcome_write w = {.o = o};
  clean_reason(o->reason ? o->reason : zb_strerror(o->code), w.reason);
  return zb_store_write(n->store, outcome_write, &w);
}

int zb_node_head_seq(zb_node *n, uint64_t *seq) {
  zb_txn *t;
  int rc = zb_store_read(n->store, &t);
  if (rc)
    return rc;
  zb_oplog_head h;
  rc = zb_oplog_head_load(t, &h);
  zb_txn_end(t);
  *seq = rc ? 0 : h.seq;
  return rc;
}

struct pull_apply {
  zb_node *n;
  const zb_pull_part *parts;
  size_t nparts;
  const zb_parcel_in *parcel;   /* a server parcel's own state, or NULL */
  zb_txn *t;
  uint64_t had;                 /* the cursor before: entries up to it are held */
  zb_oplog_head head;
  zb_pull_counts counts;
};

static int store_conflicts(zb_txn *t, const Zb__ServerOp *so) {
  uint8_t key[12], buf[4096];
  for (size_t i = 0; i < so->n_conflicts; i++) {
    zb_u64_be(so->server_seq, key);
    key[8] = key[9] = key[10] = 0;
    key[11] = (uint8_t)i;
    size_t len = zb__conflict__get_packed_size(so->conflicts[i]);
    if (len > sizeof buf)
      return ZB_ECORRUPT;
    zb__conflict__pack(so->conflicts[i], buf);
    int rc = zb_txn_put(t, ZB_DB_CONFLICTS, key, sizeof key, buf, len, 0);
    if (rc)
      return rc;
  }
  return 0;
}

/* Own op seq, from this node's log (*out: free with zb__op__free_unpacked). */
static int own_op_load(zb_txn *t, uint64_t seq, Zb__Op **out) {
  uint8_t key[8];
  zb_val v;
  zb_u64_be(seq, key);
  int rc = zb_txn_get(t, ZB_DB_LOG, key, 8, &v);
  if (rc)
    return rc == ZB_ENOTFOUND ? ZB_EPROTO : rc;
  *out = zb__op__unpack(NULL, v.len, v.data);
  int kind;
  const char *rkey;
  return *out && zb_op_target(*out, &kind, &rkey, NULL) ? 0 : ZB_ECORRUPT;
}

/* The server ordered own op seq at hlc, earlier than the op's own HLC (this
 * PC's clock was ahead): the fields it still holds take that time, as at
 * the server.  Every op the server sequenced before it counts earlier
 * still, so no field changes hands; ops after it are pulled after this. */
static int restamp_own(struct pull_apply *pa, const Zb__Op *op, uint64_t hlc, uint64_t sseq) {
  uint8_t key[8], val[8];
  zb_u64_be(op->seq, key);
  zb_u64_be(hlc, val);
  int rc = zb_txn_put(pa->t, ZB_DB_RESTAMPED, key, 8, val, 8, 0);
  if (rc)
    return rc;
  zb_rec *r = malloc(sizeof *r);
  if (!r)
    return ZB_ENOMEM;
  int kid;
  const char *rkey;
  const zb_kind_desc *kd =
      zb_op_target(op, &kid, &rkey, NULL) ? zb_kind_by_id(kid) : NULL;
  rc = kd ? zb_rec_load(pa->t, kd, rkey, r) : ZB_ENOTFOUND;
  if (rc == 0) {
    int nf = kd->nfields;
    for (int i = 0; i < nf; i++)
      if (r->st[i].hlc == op->hlc && strcmp(r->st[i].origin, op->origin) == 0) {
        r->st[i].hlc = hlc;
        if (sseq > r->st[i].server_seq)
          r->st[i].server_seq = sseq;
      }
    rc = zb_rec_store(pa->t, r, r);   /* no value changed: indexes stay */
  } else if (rc == ZB_ENOTFOUND) {
    rc = 0;   /* rolled back meanwhile: nothing holds the op's time */
  }
  free(r);
  return rc;
}

static int pull_item(void *ctx, const uint8_t *item, size_t len) {
  struct pull_apply *pa = ctx;
  Zb__ServerOp *so = zb__server_op__unpack(NULL, len, item);
  if (!so)
    return ZB_EPROTO;
  Zb__Op *op = NULL;
  int rc = 0;
  uint8_t key[8];
  bool mine = so->origin && strcmp(so->origin, pa->n->id) == 0;
  if (so->server_seq == 0) {
    rc = ZB_EPROTO;
    goto out;
  }
  /* Pulled already (two sessions of this node overlapping, or a parcel
   * made before this node's last sync): applied once only. */
  if (so->server_seq <= pa->had) {
    pa->counts.skipped++;
    goto out;
  }
  if (so->outcome == ZB__OUTCOME__OUTCOME_REJECTED) {
    zb_u64_be(so->server_seq, key);
    if ((rc = zb_txn_put(pa->t, ZB_DB_PLOG, key, 8, item, len, 0)))
      goto out;
    if (!mine)
      goto out;
    /* The server refused one of our ops: keep it visible, and roll the
     * record back to what the remaining ops make of it.  The op is ours:
     * read it from our own log (a summarized entry does not carry it). */
    if ((rc = own_op_load(pa->t, so->origin_seq, &op)))
      goto out;
    zb_u64_be(op->seq, key);
    if ((rc = zb_txn_put(pa->t, ZB_DB_REJECTED, key, 8, item, len, 0)))
      goto out;
    /* Our own op: its kind was known when it was written. */
    rc = zb_node_rebuild_record(pa->n, pa->t, op);
    pa->counts.rejected++;
    goto out;
  }
  op = zb__op__unpack(NULL, so->op.len, so->op.data);
  int kid;
  const char *rkey;
  if (!op || !zb_op_target(op, &kid, &rkey, NULL)) {
    rc = ZB_EPROTO;
    goto out;
  }
  zb_u64_be(so->server_seq, key);
  if ((rc = zb_txn_put(pa->t, ZB_DB_PLOG, key, 8, item, len, 0)) ||
      (rc = zb_node_index_op(pa->t, kid, rkey, ZB_NODE_OP_PULLED, so->server_seq)))
    goto out;
  /* Later local writes must order after everything this node has seen, as
   * the server timed it (a forged HLC never reaches this node's clock). */
  pa->head.hlc = zb_hlc_observe(pa->head.hlc, zb_node_entry_hlc(so, op), zb_hlc_wall_ms());
  zb_apply_result r;
  if (mine && so->restamped && (rc = restamp_own(pa, op, zb_node_entry_hlc(so, op), so->server_seq)))
    goto out;
  if ((rc = zb_node_apply_backfill(pa->t, so, NULL)))
    goto out;
  if (op->body_case == ZB__OP__BODY_ACT) {
    /* Acts count in the server's order.  Our own act, now ordered, leaves
     * the own ops of its record for the pulled ones; then the record is
     * rebuilt: its ops in server order, then our acts not yet ordered. */
    if (mine && (rc = zb_node_unindex_op(pa->t, kid, rkey, ZB_NODE_OP_OWN, so->origin_seq)))
      goto out;
    if (!(rc = zb_node_rebuild_record(pa->n, pa->t, op)) && !mine)
      pa->counts.applied++;
    goto out;
  }
  if ((rc = zb_node_apply_pulled(pa->t, so, op, &r)))
    goto out;
  if ((rc = store_conflicts(pa->t, so)))
    goto out;
  pa->counts.conflicts += (uint32_t)so->n_conflicts;
  if (!mine)
    pa->counts.applied++;
out:
  if (op)
    zb__op__free_unpacked(op, NULL);
  zb__server_op__free_unpacked(so, NULL);
  return rc;
}

static int pull_write(zb_txn *t, void *ctx) {
  struct pull_apply *pa = ctx;
  const zb_parcel_in *pin = pa->parcel;
  memset(&pa->counts, 0, sizeof pa->counts);
  pa->t = t;
  int rc = zb_meta_get_u64(t, "cursor", &pa->had);
  if (!rc)
    rc = zb_oplog_head_load(t, &pa->head);
  if (!rc && pin)
    rc = acked_write(t, (void *)&pin->held);
  if (!rc && pin && pin->server_ms)
    rc = observe_write(t, (void *)&pin->server_ms);
  if (!rc && pin)   /* observe_write moved the clock: go on from there */
    rc = zb_meta_get_u64(t, "hlc", &pa->head.hlc);
  uint64_t cursor = pa->had;
  for (size_t i = 0; i < pa->nparts && !rc; i++) {
    const zb_pull_part *pp = &pa->parts[i];
    rc = zb_batch_each(pp->zdata, pp->zlen, pp->raw_size, pp->count, pull_item, pa);
    if (pp->cursor > cursor)
      cursor = pp->cursor;   /* never back: a parcel may be older than a sync */
  }
  if (!rc)
    rc = zb_meta_put_u64(t, "cursor", cursor);
  if (!rc)
    rc = zb_meta_put_u64(t, "hlc", pa->head.hlc);
  if (!rc && pin)
    rc = zb_meta_put_u64(t, "parcel_seq", pin->seq);
  if (!rc && pin)
    rc = zb_txn_put(t, ZB_DB_META, "parcel_hash", 11, pin->hash, 32, 0);
  return rc;
}

int zb_node_pull_apply(zb_node *n, const uint8_t *zdata, size_t zlen, uint64_t raw_size,
                       uint32_t count, uint64_t cursor, zb_pull_counts *pc) {
  zb_pull_part part = {zdata, zlen, raw_size, count, cursor};
  struct pull_apply pa = {.n = n, .parts = &part, .nparts = 1};
  int rc = zb_store_write(n->store, pull_write, &pa);
  if (pc)
    *pc = pa.counts;
  return rc;
}

int zb_node_parcel_apply(zb_node *n, const zb_parcel_in *pin, const zb_pull_part *parts,
                         size_t nparts, zb_pull_counts *pc) {
  struct pull_apply pa = {.n = n, .parts = parts, .nparts = nparts, .parcel = pin};
  int rc = zb_store_write(n->store, pull_write, &pa);
  if (pc)
    *pc = pa.counts;
  return rc;
}

int zb_node_parcel_last(zb_node *n, uint64_t *seq, uint8_t hash[32]) {
  zb_txn *t;
  zb_val v;
  int rc = zb_store_read(n->store, &t);
  if (rc)
    return rc;
  rc = zb_meta_get_u64(t, "parcel_seq", seq);
  memset(hash, 0, 32);
  if (!rc) {
    int g = zb_txn_get(t, ZB_DB_META, "parcel_hash", 11, &v);
    if (g == 0 && v.len == 32)
      memcpy(hash, v.data, 32);
    else if (g != ZB_ENOTFOUND)
      rc = g ? g : ZB_ECORRUPT;
  }
  zb_txn_end(t);
  return rc;
}

int zb_node_check_held(zb_node *n, uint64_t head, uint64_t held, const uint8_t *hash,
                       size_t hash_len, char *why, size_t cap) {
  if (held > head) {
    /* The server has ops of ours that we do not: this data directory was
     * restored from an old copy, or the node's key wrote elsewhere.
     * Pushing would fork the log. */
    snprintf(why, cap, zb_msg("sync.held_more"), (unsigned long long)held,
             (unsigned long long)head);
    return ZB_EREFUSED;
  }
  if (held > 0) {
    /* The op the server holds last must be the one this node wrote: an op
     * pushed with this node's key from elsewhere would otherwise pass as
     * ours, and our own op of the same seq would never reach the server. */
    uint8_t mine[32];
    int hrc = zb_node_op_hash(n, held, mine);
    if (hrc || hash_len != sizeof mine || memcmp(hash, mine, sizeof mine)) {
      snprintf(why, cap, zb_msg("sync.held_foreign"), (unsigned long long)held);
      return ZB_EREFUSED;
    }
  }
  return 0;
}

struct list_ctx {
  zb_rejected_fn rfn;
  void *ctx;
  zb_txn *t;
};


int zb_node_conflicts(zb_node *n, zb_conflict_fn fn, void *ctx) {
  zb_txn *t;
  int rc = zb_store_read(n->store, &t);
  if (rc)
    return rc;
  rc = zb_conflicts_scan(t, NULL, fn, ctx);
  zb_txn_end(t);
  return rc;
}

static int rejected_row(void *ctx, zb_val key, zb_val val) {
  struct list_ctx *lc = ctx;
  Zb__ServerOp *so = zb__server_op__unpack(NULL, val.len, val.data);
  Zb__Op *op = NULL;
  int rc = so && key.len == 8 ? own_op_load(lc->t, zb_be_u64(key.data), &op) : ZB_ECORRUPT;
  if (!rc) {
    int kind = 0;
    const char *rkey = "";
    zb_op_target(op, &kind, &rkey, NULL);
    zb_rejected_view v = {
        .seq = op->seq, .hlc = op->hlc, .actor = op->actor,
        .kind = zb_view_kind_name(kind), .key = rkey,
        .field = zb_view_field_name(kind, so->field, ""), .reason = so->reason,
        .caused_by = so->caused_by};
    rc = lc->rfn(lc->ctx, &v);
  }
  if (op)
    zb__op__free_unpacked(op, NULL);
  if (so)
    zb__server_op__free_unpacked(so, NULL);
  return rc;
}

int zb_node_rejected(zb_node *n, zb_rejected_fn fn, void *ctx) {
  zb_txn *t;
  struct list_ctx lc = {.rfn = fn, .ctx = ctx};
  int rc = zb_store_read(n->store, &t);
  if (rc)
    return rc;
  lc.t = t;
  rc = zb_txn_scan(t, ZB_DB_REJECTED, NULL, 0, rejected_row, &lc);
  zb_txn_end(t);
  return rc;
}

/* ---- restoring a replaced PC (docs/PROTOCOL.md, "Restoring a replaced PC") ---- */

struct restore_apply {
  zb_node *n;
  zb_txn *t;
  zb_oplog_head head;
  char *why;
  size_t cap;
};

/* One own op as the server holds it: chained onto this log exactly as the
 * old PC chained it, so that its hash is the one the old PC computed. */
static int restore_item(void *ctx, const uint8_t *item, size_t len) {
  struct restore_apply *ra = ctx;
  Zb__Op *op = NULL;
  char why[160];
  int rc = zb_opwire_decode(item, len, &op, why, sizeof why);
  if (rc) {
    snprintf(ra->why, ra->cap, "the server sent a restored op that does not decode: %s", why);
    return rc;
  }
  int kind;
  const char *key;
  if (strcmp(op->origin, ra->n->id) != 0 || op->seq != ra->head.seq + 1 ||
      !zb_op_target(op, &kind, &key, NULL)) {
    snprintf(ra->why, ra->cap,
             "the server sent op %llu of %.64s where op %llu of this node was due",
             (unsigned long long)op->seq, op->origin, (unsigned long long)ra->head.seq + 1);
    zb__op__free_unpacked(op, NULL);
    return ZB_EPROTO;
  }
  rc = zb_oplog_append(ra->t, &ra->head, op);
  op->prev_hash.data = NULL;   /* it pointed into ra->head */
  op->prev_hash.len = 0;
  if (!rc && op->hlc > ra->head.hlc)
    ra->head.hlc = op->hlc;
  /* Indexed under its record as every own op, so that a rollback finds it;
   * the state is rebuilt from the logs once the first pull is through
   * (zb_node_restore_finish). */
  if (!rc)
    rc = zb_node_index_op(ra->t, kind, key, ZB_NODE_OP_OWN, op->seq);
  zb__op__free_unpacked(op, NULL);
  return rc;
}

struct restore_batch_args {
  struct restore_apply ra;
  const zb_restore_part *part;
};

static int restore_write(zb_txn *t, void *ctx) {
  struct restore_batch_args *a = ctx;
  struct restore_apply *ra = &a->ra;
  const zb_restore_part *p = a->part;
  uint64_t restoring = 0;
  ra->t = t;
  int rc = zb_meta_get_u64(t, "restore", &restoring);
  if (!rc && !restoring) {
    snprintf(ra->why, ra->cap, "the server sent ops to restore, but this node is not restoring");
    return ZB_EPROTO;
  }
  if (!rc)
    rc = zb_oplog_head_load(t, &ra->head);
  if (!rc)
    rc = zb_batch_each(p->zdata, p->zlen, p->raw_size, p->count, restore_item, ra);
  if (rc == ZB_EPROTO && !ra->why[0])
    snprintf(ra->why, ra->cap, "the server sent a malformed restore batch");
  if (rc)
    return rc;
  /* The chain this node rebuilt must end where the server's record of the
   * old PC's pushes says: otherwise an op was altered on the way or in the
   * server's log. */
  if (ra->head.seq != p->last_seq || p->last_hash_len != sizeof ra->head.hash ||
      memcmp(ra->head.hash, p->last_hash, sizeof ra->head.hash) != 0) {
    snprintf(ra->why, ra->cap,
             "the restored ops do not chain to the hash the server holds for op %llu of this "
             "node: nothing was restored from this batch",
             (unsigned long long)p->last_seq);
    return ZB_EPROTO;
  }
  if (!(rc = zb_oplog_head_save(t, &ra->head)))
    rc = acked_write(t, &ra->head.seq);
  return rc;
}

int zb_node_restore_apply(zb_node *n, const zb_restore_part *part, char *why, size_t cap) {
  struct restore_batch_args a = {.ra = {.n = n, .why = why, .cap = cap}, .part = part};
  why[0] = '\0';
  return zb_store_write(n->store, restore_write, &a);
}

static int restore_finish_write(zb_txn *t, void *ctx) {
  struct zb_node_rebuild *rb = ctx;
  uint64_t restoring = 0;
  int rc = zb_meta_get_u64(t, "restore", &restoring);
  if (rc || !restoring)
    return rc;
  rb->t = t;
  if (!(rc = zb_state_drop(t)) && !(rc = zb_node_replay(rb)))
    rc = zb_meta_put_u64(t, "restore", 0);
  return rc;
}

int zb_node_restore_finish(zb_node *n) {
  char why[64];
  struct zb_node_rebuild rb = {.n = n, .why = why, .cap = sizeof why};
  return zb_store_write(n->store, restore_finish_write, &rb);
}
