#include "zb_hub.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zb_err.h"
#include "zb_funnel.h"
#include "zb_life.h"
#include "zb_points.h"
#include "zb_why.h"
#include <jansson.h>
#include "zb_hlc.h"
#include "zb_log.h"
#include "zb_merge.h"
#include "zb_oplog.h"
#include "zb_opwire.h"
#include "zb_sha.h"
#include "zb_state.h"

struct zb_hub {
  zb_store *store;
  uint32_t rejected_per_day;   /* rejected ops kept whole per origin per day */
};

zb_store *zb_hub_store(zb_hub *h) {
  return h->store;
}

/* ---- open ---- */

/* The layout of the server's tables: 2 added the per-origin op index
 * (origin_ops), fork evidence and the daily count of rejections kept in
 * origins (docs/DESIGN-NOTES.md, "Storage"). */
#define HUB_FORMAT 2

static int init_write(zb_txn *t, void *ctx) {
  (void)ctx;
  int rc = zb_meta_put_str(t, "role", "server");
  if (!rc)
    rc = zb_meta_put_u64(t, "format", HUB_FORMAT);
  if (!rc)
    rc = zb_state_format_mark(t);
  return rc;
}

static int hub_migrate(zb_store *s);

int zb_hub_init(const char *dir) {
  zb_store *s;
  zb_txn *t;
  char role[16];
  int rc = zb_store_open(dir, true, &s);
  if (rc)
    return rc;
  if ((rc = zb_store_read(s, &t)) == 0) {
    rc = zb_meta_get_str(t, "role", role, sizeof role);
    zb_txn_end(t);
    if (rc == 0)
      rc = ZB_EEXIST;
    else if (rc == ZB_ENOTFOUND)
      rc = zb_store_write(s, init_write, NULL);
  }
  zb_store_close(s);
  return rc;
}

int zb_hub_open(const char *dir, zb_hub **out) {
  zb_hub *h = calloc(1, sizeof *h);
  zb_txn *t;
  char role[16];
  if (!h)
    return ZB_ENOMEM;
  h->rejected_per_day = ZB_HUB_REJECTED_PER_DAY;
  int rc = zb_store_open(dir, false, &h->store);
  if (!rc && !(rc = zb_store_read(h->store, &t))) {
    rc = zb_meta_get_str(t, "role", role, sizeof role);
    zb_txn_end(t);
    if (rc == ZB_ENOTFOUND || (!rc && strcmp(role, "server") != 0))
      rc = ZB_ENOTINIT;
  }
  if (!rc)
    rc = hub_migrate(h->store);
  if (!rc)
    rc = zb_state_upgrade(h->store);
  if (!rc) {
    /* The points scheme decides what the server accepts (zb_points.h). */
    char why[512];
    if ((rc = zb_points_load_dir(dir, why, sizeof why)) == ZB_EINVAL)
      zb_log_error("points scheme: %s", why);
  }
  if (rc) {
    zb_hub_close(h);
    return rc;
  }
  *out = h;
  return 0;
}

void zb_hub_set_rejected_per_day(zb_hub *h, uint32_t n) { h->rejected_per_day = n; }

void zb_hub_close(zb_hub *h) {
  if (!h)
    return;
  zb_store_close(h->store);
  free(h);
}

/* ---- the server log ---- */

/* An origin's entry in ZB_DB_ORIGINS: the highest seq held and that op's
 * hash, then the UTC day (days since 1970) and how many of its ops were
 * rejected that day (the allowance of zb_hub_set_rejected_per_day). */
struct origin_state {
  char id[ZB_NODE_ID_MAX + 1];
  uint64_t held;
  uint8_t hash[ZB_SHA256_LEN];
  uint64_t day, rejected_today;
};
#define ORIGIN_VAL (8 + ZB_SHA256_LEN + 16)

static int origin_load(zb_txn *t, const char *id, struct origin_state *os) {
  zb_val v;
  memset(os, 0, sizeof *os);
  snprintf(os->id, sizeof os->id, "%s", id);
  int rc = zb_txn_get(t, ZB_DB_ORIGINS, id, strlen(id), &v);
  if (rc == ZB_ENOTFOUND)
    return 0;
  if (rc)
    return rc;
  /* Format 1 stored only the seq and the hash. */
  if (v.len != ORIGIN_VAL && v.len != 8 + ZB_SHA256_LEN)
    return ZB_ECORRUPT;
  const uint8_t *b = v.data;
  os->held = zb_be_u64(b);
  memcpy(os->hash, b + 8, ZB_SHA256_LEN);
  if (v.len == ORIGIN_VAL) {
    os->day = zb_be_u64(b + 8 + ZB_SHA256_LEN);
    os->rejected_today = zb_be_u64(b + 16 + ZB_SHA256_LEN);
  }
  return 0;
}

static int origin_save(zb_txn *t, const struct origin_state *os) {
  uint8_t v[ORIGIN_VAL];
  zb_u64_be(os->held, v);
  memcpy(v + 8, os->hash, ZB_SHA256_LEN);
  zb_u64_be(os->day, v + 8 + ZB_SHA256_LEN);
  zb_u64_be(os->rejected_today, v + 16 + ZB_SHA256_LEN);
  return zb_txn_put(t, ZB_DB_ORIGINS, os->id, strlen(os->id), v, sizeof v, 0);
}

/* ZB_DB_ORIGIN_OPS and ZB_DB_FORKS key: node id, NUL, seq big-endian. */
static size_t origin_seq_key(uint8_t *key, const char *id, uint64_t seq) {
  size_t n = strlen(id);
  memcpy(key, id, n);
  key[n] = 0;
  zb_u64_be(seq, key + n + 1);
  return n + 9;
}

/* The hash of op seq of origin id as the server holds it (zeros for seq 0).
 * ZB_ENOTFOUND when the server does not hold it. */
static int origin_op_hash(zb_txn *t, const char *id, uint64_t seq, uint8_t out[ZB_SHA256_LEN]) {
  uint8_t key[ZB_NODE_ID_MAX + 9];
  zb_val v;
  if (seq == 0) {
    memset(out, 0, ZB_SHA256_LEN);
    return 0;
  }
  int rc = zb_txn_get(t, ZB_DB_ORIGIN_OPS, key, origin_seq_key(key, id, seq), &v);
  if (rc)
    return rc;
  if (v.len != ZB_SHA256_LEN)
    return ZB_ECORRUPT;
  memcpy(out, v.data, ZB_SHA256_LEN);
  return 0;
}

/* One write transaction's appends to the server log. */
struct slog_writer {
  zb_txn *t;
  uint64_t head;
  uint8_t chain[ZB_SHA256_LEN];
  uint8_t *buf;            /* ZB_OP_PACKED_MAX * 2 + slack, for packing */
  uint32_t rejected, conflicts;
  uint64_t hlc;            /* the server's clock: bounds every op's time */
  uint64_t wall;           /* wall clock (ms) when the transaction began */
  uint32_t rejected_per_day;
  uint64_t rejected_total, summarized_total;
};

static int slog_begin(struct slog_writer *w, zb_txn *t) {
  zb_val v;
  w->t = t;
  w->rejected = w->conflicts = 0;
  w->wall = zb_hlc_wall_ms();
  int rc = zb_meta_get_u64(t, "slog_head", &w->head);
  if (!rc)
    rc = zb_meta_get_u64(t, "hlc", &w->hlc);
  if (!rc)
    rc = zb_meta_get_u64(t, "rejected_total", &w->rejected_total);
  if (!rc)
    rc = zb_meta_get_u64(t, "rejected_summarized", &w->summarized_total);
  if (rc)
    return rc;
  rc = zb_txn_get(t, ZB_DB_META, "slog_hash", 9, &v);
  if (rc == ZB_ENOTFOUND) {
    memset(w->chain, 0, sizeof w->chain);
    return w->head ? ZB_ECORRUPT : 0;
  }
  if (rc)
    return rc;
  if (v.len != ZB_SHA256_LEN)
    return ZB_ECORRUPT;
  memcpy(w->chain, v.data, ZB_SHA256_LEN);
  return 0;
}

static int slog_end(struct slog_writer *w) {
  int rc = zb_meta_put_u64(w->t, "slog_head", w->head);
  if (!rc)
    rc = zb_txn_put(w->t, ZB_DB_META, "slog_hash", 9, w->chain, ZB_SHA256_LEN, 0);
  if (!rc)
    rc = zb_meta_put_u64(w->t, "hlc", w->hlc);
  if (!rc)
    rc = zb_meta_put_u64(w->t, "rejected_total", w->rejected_total);
  if (!rc)
    rc = zb_meta_put_u64(w->t, "rejected_summarized", w->summarized_total);
  return rc;
}

/* A rejected op on a record the server does not have: when an earlier op
 * of the same origin that would have created the record was rejected,
 * that is the true reason, and *caused_by names it; otherwise this op is
 * remembered as the failed creation. */
static int lost_key(zb_txn *t, const Zb__Op *op, zb_apply_result *r, uint64_t *caused_by) {
  uint8_t key[1 + ZB_FIELD_MAX + 1 + ZB_NODE_ID_MAX];
  int kind;
  const char *rkey;
  if (!zb_op_target(op, &kind, &rkey, NULL))
    return 0;
  size_t klen = strnlen(rkey, ZB_FIELD_MAX), olen = strlen(op->origin);
  key[0] = (uint8_t)kind;
  memcpy(key + 1, rkey, klen);
  key[1 + klen] = 0;
  memcpy(key + 2 + klen, op->origin, olen);
  zb_val v;
  uint8_t seq[8];
  int rc = zb_txn_get(t, ZB_DB_LOST_KEYS, key, 2 + klen + olen, &v);
  if (rc == ZB_ENOTFOUND) {
    zb_u64_be(op->seq, seq);
    return zb_txn_put(t, ZB_DB_LOST_KEYS, key, 2 + klen + olen, seq, 8, 0);
  }
  if (rc)
    return rc;
  if (v.len != 8)
    return ZB_ECORRUPT;
  *caused_by = zb_be_u64(v.data);
  zb_reason_make(r->reason, sizeof r->reason, "why.lost_creation" ZB_US ZB_RS "%s" ZB_US "%s" ZB_US "%llu",
                 zb_kind_by_id(kind) ? zb_kind_by_id(kind)->name : "record", rkey,
                 (unsigned long long)*caused_by);
  r->field = -1;
  return 0;
}

static int put_conflicts(zb_txn *t, uint64_t sseq, const Zb__Op *op, const zb_apply_result *r,
                         Zb__Conflict *pc, Zb__Conflict **pcp) {
  for (int i = 0; i < r->nconflicts; i++) {
    const zb_conflict *c = &r->conflicts[i];
    zb__conflict__init(&pc[i]);
    pc[i].kind = op->set->kind;
    pc[i].key = op->set->key;
    pc[i].field = (uint32_t)c->field;
    pc[i].winner_value = (char *)c->winner_value;
    pc[i].winner_origin = (char *)c->winner_origin;
    pc[i].winner_hlc = c->winner_hlc;
    pc[i].loser_value = (char *)c->loser_value;
    pc[i].loser_origin = (char *)c->loser_origin;
    pc[i].loser_hlc = c->loser_hlc;
    pc[i].server_seq = sseq;
    pcp[i] = &pc[i];
    uint8_t key[12], buf[4096];
    zb_u64_be(sseq, key);
    key[8] = 0;
    key[9] = 0;
    key[10] = 0;
    key[11] = (uint8_t)i;
    size_t len = zb__conflict__get_packed_size(&pc[i]);
    if (len > sizeof buf)
      return ZB_ETOOBIG;
    zb__conflict__pack(&pc[i], buf);
    int rc = zb_txn_put(t, ZB_DB_CONFLICTS, key, sizeof key, buf, len, 0);
    if (rc)
      return rc;
  }
  return 0;
}

/* Applies op, which chains onto os, and appends it to the server log.
 * op->prev_hash stays as it came (empty).
 *
 * Time (docs/DESIGN-NOTES.md, "Time"): the op counts at its own HLC but
 * never later than the server's clock as it arrives, and the record rules
 * take the server's date as today, so no clock — a PC's wrong one or a
 * forged one — makes a write unbeatable or a future date valid.  The entry
 * carries that time, and every replica applies the op at it. */
static int slog_apply(struct slog_writer *w, struct origin_state *os, Zb__Op *op,
                      const char *scope, zb_apply_result *r) {
  uint8_t *opbuf = w->buf, *val = w->buf + ZB_OP_PACKED_MAX;
  uint8_t ophash[ZB_SHA256_LEN];
  /* The op's hash covers its predecessor's hash, which the server — not the
   * pushing node — supplies. */
  size_t len;
  int rc = zb_op_pack_hash(op, os->hash, opbuf, ZB_OP_PACKED_MAX, &len, ophash);
  if (rc)
    return rc;   /* zb_opwire_decode bounds pushed ops below this */
  /* The log keeps the op as it travels, without prev_hash (the entry's
   * chain hash covers the order). */
  len = zb__op__pack(op, opbuf);

  uint64_t sseq = w->head + 1;
  w->hlc = zb_hlc_next(w->hlc, w->wall, NULL);
  uint64_t eff = op->hlc < w->hlc ? op->hlc : w->hlc;
  rc = zb_merge_apply_at(w->t, op, eff, zb_hlc_today(w->hlc), sseq, scope, ZB_APPLY_COMPLETE, r);
  if (rc)
    return rc;
  Zb__ServerOp so = ZB__SERVER_OP__INIT;
  Zb__Conflict pc[ZB_REC_FIELDS_MAX], *pcp[ZB_REC_FIELDS_MAX];
  so.server_seq = sseq;
  so.op.data = opbuf;
  so.op.len = len;
  /* Only a lowered time is written: most ops count at their own HLC, and
   * 8 bytes an entry would cross every link for nothing. */
  so.restamped = eff != op->hlc;
  so.hlc = so.restamped ? eff : 0;
  so.outcome = r->status == ZB_APPLY_REJECTED   ? ZB__OUTCOME__OUTCOME_REJECTED
               : r->status == ZB_APPLY_CONFLICT ? ZB__OUTCOME__OUTCOME_CONFLICT
                                                : ZB__OUTCOME__OUTCOME_APPLIED;
  so.field = r->status == ZB_APPLY_REJECTED ? r->field : -1;
  so.org_before = r->org_before;
  so.org_after = r->org_after;
  so.org_also = r->org_also;
  so.origin = op->origin;
  int kind = 0;
  const char *rkey;
  if (zb_op_target(op, &kind, &rkey, NULL))
    so.kind = (Zb__RecordKind)kind;
  so.act = op->body_case == ZB__OP__BODY_ACT && r->status != ZB_APPLY_REJECTED;
  so.origin_seq = op->seq;
  so.detail = r->detail;
  if (r->status == ZB_APPLY_CONFLICT) {
    if ((rc = put_conflicts(w->t, sseq, op, r, pc, pcp)))
      return rc;
    so.n_conflicts = (size_t)r->nconflicts;
    so.conflicts = pcp;
    w->conflicts += (uint32_t)r->nconflicts;
  }
  if (r->status == ZB_APPLY_REJECTED) {
    w->rejected++;
    w->rejected_total++;
    if (!r->existed && (rc = lost_key(w->t, op, r, &so.caused_by)))
      return rc;
    /* Past the day's allowance a rejected op is kept as a summary: its
     * outcome and hash, not its body, so that a node cannot grow the log
     * with junk (the origin still has its op). */
    uint64_t day = w->wall / 86400000u;
    if (os->day != day) {
      os->day = day;
      os->rejected_today = 0;
    }
    if (os->rejected_today++ >= w->rejected_per_day) {
      so.summarized = true;
      so.op.data = NULL;
      so.op.len = 0;
      so.op_hash.data = ophash;
      so.op_hash.len = ZB_SHA256_LEN;
      so.org_before = so.org_after = so.org_also = "";
      w->summarized_total++;
    }
  }
  so.reason = r->status == ZB_APPLY_REJECTED ? r->reason : "";
  size_t slen = zb__server_op__get_packed_size(&so);
  if (slen + ZB_SHA256_LEN > ZB_OP_PACKED_MAX * 2)
    return ZB_ETOOBIG;
  memcpy(val, w->chain, ZB_SHA256_LEN);
  zb__server_op__pack(&so, val + ZB_SHA256_LEN);
  uint8_t key[ZB_NODE_ID_MAX + 9];
  zb_u64_be(sseq, key);
  if ((rc = zb_txn_put(w->t, ZB_DB_SLOG, key, 8, val, slen + ZB_SHA256_LEN, ZB_PUT_APPEND)))
    return rc;
  zb_sha256(val, slen + ZB_SHA256_LEN, w->chain);
  if ((rc = zb_txn_put(w->t, ZB_DB_ORIGIN_OPS, key, origin_seq_key(key, op->origin, op->seq),
                       ophash, ZB_SHA256_LEN, 0)))
    return rc;
  w->head = sseq;
  os->held = op->seq;
  memcpy(os->hash, ophash, ZB_SHA256_LEN);
  return 0;
}

#define SLOG_BUF (ZB_OP_PACKED_MAX * 3 + ZB_SHA256_LEN)

/* ---- org import: the server writes ops of its own ---- */

struct hub_sink {
  struct slog_writer w;
  struct origin_state os;
};

static int hub_sink_begin(void *ctx, zb_txn *t) {
  struct hub_sink *hs = ctx;
  int rc = slog_begin(&hs->w, t);
  if (!rc)
    rc = origin_load(t, ZB_HUB_ORIGIN, &hs->os);
  return rc;
}

static int hub_sink_set(void *ctx, const zb_kind_desc *kind, const char *key, const int *fields,
                        char *const *vals, size_t nf, zb_apply_result *r) {
  struct hub_sink *hs = ctx;
  zb_set_body body;
  Zb__Op op = ZB__OP__INIT;
  zb_op_set_body(&op, &body, kind, key, fields, vals, nf);
  op.origin = ZB_HUB_ORIGIN;
  op.seq = hs->os.held + 1;
  op.hlc = zb_hlc_next(hs->w.hlc, hs->w.wall, NULL);
  op.actor = "zhibu-server";
  op.base_cursor = hs->w.head;
  /* A rejected row is logged here like any op, but it is also a problem
   * for the importer, which then aborts the whole transaction. */
  return slog_apply(&hs->w, &hs->os, &op, NULL, r);
}

static int hub_sink_end(void *ctx) {
  struct hub_sink *hs = ctx;
  int rc = slog_end(&hs->w);
  if (!rc)
    rc = origin_save(hs->w.t, &hs->os);
  return rc;
}

int zb_hub_org_import(zb_hub *h, const char *path, zb_input_problem_fn problem, void *ctx,
                      zb_import_result *res) {
  struct hub_sink *hs = calloc(1, sizeof *hs);
  uint8_t *buf = malloc(SLOG_BUF);
  int rc = ZB_ENOMEM;
  if (hs && buf) {
    hs->w.buf = buf;
    hs->w.rejected_per_day = UINT32_MAX;
    zb_import_sink sink = {hub_sink_begin, hub_sink_set, hub_sink_end, hs, NULL, NULL};
    rc = zb_import_csv(h->store, &zb_kind_org, path, &sink, problem, ctx, res);
  }
  free(buf);
  free(hs);
  return rc;
}

/* ---- sessions ---- */

int zb_hub_hello(zb_hub *h, const char *node_id, uint64_t *held_seq, uint8_t held_hash[32],
                 uint64_t *head) {
  zb_txn *t;
  struct origin_state os;
  int rc = zb_store_read(h->store, &t);
  if (rc)
    return rc;
  rc = origin_load(t, node_id, &os);
  if (!rc)
    rc = zb_meta_get_u64(t, "slog_head", head);
  zb_txn_end(t);
  *held_seq = os.held;
  memcpy(held_hash, os.hash, ZB_SHA256_LEN);
  return rc;
}

struct push_ctx {
  zb_push_req *req;         /* the request being applied */
  struct slog_writer w;
  struct origin_state os;
  zb_apply_result r;
  struct origin_state hub;  /* the server's own ops (an act's move) */
  bool hub_wrote;
  zb_rec rec;               /* the record of an act that moves another */
};

/* The act of op, when op is an act whose descriptor moves another record
 * (zb_act_move), with its kind and key; NULL otherwise. */
static const zb_act_desc *moving_act(const Zb__Op *op, const zb_kind_desc **kd,
                                     const char **key) {
  int kid;
  if (op->body_case != ZB__OP__BODY_ACT || !zb_op_target(op, &kid, key, NULL) ||
      !(*kd = zb_kind_by_id(kid)))
    return NULL;
  const zb_act_desc *ad = zb_kind_act(*kd, op->act->name);
  return ad && ad->move ? ad : NULL;
}

/* An applied act whose kind says it moves another record (zb_kind.h,
 * zb_act_move: a transfer's accept moves its member): the server writes
 * that set as its own op, right after the act in the same transaction, so
 * that no server state has the act without the move (docs/RECORDS.md,
 * "Transfers").  The merge judged the move as part of the act's rule
 * (check_move in zb_merge.c), so the set applies; `verify` fails a log
 * where it did not.  Every node that holds the record receives the set
 * like any op; a node the record moves into receives it whole (backfill). */
static int apply_move(struct push_ctx *pc, const Zb__Op *op) {
  const char *key;
  const zb_kind_desc *kd;
  const zb_act_desc *ad = moving_act(op, &kd, &key);
  if (!ad)
    return 0;
  const zb_act_move *mv = ad->move;
  int rc = zb_rec_load(pc->w.t, kd, key, &pc->rec);
  if (rc)
    return rc == ZB_ENOTFOUND ? ZB_ECORRUPT : rc;
  int fields[ZB_REC_FIELDS_MAX];
  char *vals[ZB_REC_FIELDS_MAX];
  for (int i = 0; i < mv->nsets && i < ZB_REC_FIELDS_MAX; i++) {
    fields[i] = mv->sets[i].field;
    vals[i] = mv->sets[i].value_field >= 0 ? pc->rec.v[mv->sets[i].value_field]
                                           : (char *)mv->sets[i].value;
  }
  zb_set_body body;
  Zb__Op mop = ZB__OP__INIT;
  zb_op_set_body(&mop, &body, mv->kind, pc->rec.v[mv->key_field], fields, vals,
                 (size_t)mv->nsets);
  mop.origin = ZB_HUB_ORIGIN;
  mop.seq = pc->hub.held + 1;
  mop.hlc = zb_hlc_next(pc->w.hlc, pc->w.wall, NULL);
  mop.actor = "zhibu-server";
  mop.base_cursor = pc->w.head;
  uint32_t rejected = pc->w.rejected;
  if ((rc = slog_apply(&pc->w, &pc->hub, &mop, NULL, &pc->r)))
    return rc;
  pc->w.rejected = rejected;   /* the pushing node's count is its own */
  pc->hub_wrote = true;
  char words[ZB_WHY_TEXT_MAX];
  if (pc->r.status == ZB_APPLY_REJECTED)
    zb_log_error("%s %s: %s (%s) applied but its write of %s %s was refused: %s", kd->name,
                 key, ad->name, ad->zh, mv->kind->name, pc->rec.v[mv->key_field],
                 zb_why_text(pc->r.reason, words, sizeof words));
  return 0;
}

/* op's seq is one the server holds already: a resumed session sends again
 * what was in flight, which is fine when it is the same op, and a fork of
 * the node's log when it is not (two PCs with one key, a restored copy).
 * The op's hash, with the predecessor's hash the server holds put back,
 * must equal the hash held for that seq. */
static int check_held(struct push_ctx *pc, Zb__Op *op) {
  zb_push_result *res = &pc->req->res;
  uint8_t prev[ZB_SHA256_LEN], held[ZB_SHA256_LEN], offered[ZB_SHA256_LEN];
  int rc = origin_op_hash(pc->w.t, op->origin, op->seq - 1, prev);
  if (!rc)
    rc = origin_op_hash(pc->w.t, op->origin, op->seq, held);
  if (rc)
    return rc == ZB_ENOTFOUND ? ZB_ECORRUPT : rc;
  /* The log writer's packing buffer is free between ops; zb_opwire_decode
   * bounded the op so that it fits with its prev_hash. */
  size_t len;
  if ((rc = zb_op_pack_hash(op, prev, pc->w.buf, ZB_OP_PACKED_MAX, &len, offered)))
    return rc;
  if (memcmp(offered, held, ZB_SHA256_LEN) == 0) {
    res->duplicates++;
    return 0;
  }
  res->fork_seq = op->seq;
  memcpy(res->fork_held, held, ZB_SHA256_LEN);
  memcpy(res->fork_offered, offered, ZB_SHA256_LEN);
  snprintf(res->why, sizeof res->why,
           "op %llu differs from the op %llu of this node that the server holds: a fork of "
           "the node's log (two PCs using one certificate, or a data directory restored from "
           "an old copy); the operator has the evidence",
           (unsigned long long)op->seq, (unsigned long long)op->seq);
  return ZB_EPROTO;
}

static int push_item(void *ctx, const uint8_t *item, size_t len) {
  struct push_ctx *pc = ctx;
  zb_push_result *res = &pc->req->res;
  Zb__Op *op;
  int rc = zb_opwire_decode(item, len, &op, res->why, sizeof res->why);
  if (rc)
    return rc;
  if (strcmp(op->origin, pc->req->node_id) != 0) {
    char shown[ZB_NODE_ID_MAX + 1];
    snprintf(shown, sizeof shown, "%s", zb_node_id_valid(op->origin) ? op->origin : "?");
    snprintf(res->why, sizeof res->why, "an op names origin \"%s\" but the certificate is %s's",
             shown, pc->req->node_id);
    rc = ZB_EPROTO;
  } else if (op->seq == 0) {
    snprintf(res->why, sizeof res->why, "an op has seq 0 (seqs start at 1)");
    rc = ZB_EPROTO;
  } else if (op->seq <= pc->os.held) {
    rc = check_held(pc, op);
  } else if (op->seq != pc->os.held + 1) {
    snprintf(res->why, sizeof res->why, "op %llu follows %llu: ops must arrive in order",
             (unsigned long long)op->seq, (unsigned long long)pc->os.held);
    rc = ZB_EPROTO;
  } else {
    uint32_t rejected = pc->w.rejected, conflicts = pc->w.conflicts;
    rc = slog_apply(&pc->w, &pc->os, op, pc->req->org, &pc->r);
    if (!rc && pc->r.status != ZB_APPLY_REJECTED)
      res->applied++;
    char words[ZB_WHY_TEXT_MAX];
    if (!rc && pc->r.status == ZB_APPLY_REJECTED && pc->r.detail[0])
      zb_log_info("node %s op %llu rejected: %s (%s)", op->origin,
                  (unsigned long long)op->seq, zb_why_text(pc->r.reason, words, sizeof words),
                  pc->r.detail);
    res->rejected += pc->w.rejected - rejected;
    res->conflicts += pc->w.conflicts - conflicts;
    if (!rc && pc->r.status != ZB_APPLY_REJECTED)
      rc = apply_move(pc, op);
  }
  zb__op__free_unpacked(op, NULL);
  return rc;
}

struct group_ctx {
  zb_push_req *reqs;
  size_t n;
  uint32_t rejected_per_day;
  struct push_ctx *pc;
  size_t failed;            /* the request that broke the protocol */
};

/* Evidence of a fork, for the operator (zb_hub_forks). */
static int put_fork(zb_txn *t, const zb_push_req *rq) {
  uint8_t key[ZB_NODE_ID_MAX + 9], val[8 + 2 * ZB_SHA256_LEN];
  zb_u64_be(zb_hlc_wall_ms(), val);
  memcpy(val + 8, rq->res.fork_held, ZB_SHA256_LEN);
  memcpy(val + 8 + ZB_SHA256_LEN, rq->res.fork_offered, ZB_SHA256_LEN);
  return zb_txn_put(t, ZB_DB_FORKS, key, origin_seq_key(key, rq->node_id, rq->res.fork_seq),
                    val, sizeof val, 0);
}

/* Applies every request still standing, in order, in one transaction.  A
 * request that breaks the protocol aborts the whole transaction and is
 * marked, and the group is run again without it: one bad peer never costs
 * an honest one its batch.  The run that follows records the evidence of
 * any fork among the refused. */
static int group_write(zb_txn *t, void *ctx) {
  struct group_ctx *g = ctx;
  struct push_ctx *pc = g->pc;
  uint8_t *buf = pc->w.buf;
  memset(&pc->w, 0, sizeof pc->w);
  pc->w.buf = buf;
  pc->w.rejected_per_day = g->rejected_per_day;
  int rc = slog_begin(&pc->w, t);
  if (!rc)
    rc = origin_load(t, ZB_HUB_ORIGIN, &pc->hub);
  if (rc)
    return rc;
  pc->hub_wrote = false;
  for (size_t i = 0; i < g->n; i++) {
    zb_push_req *rq = &g->reqs[i];
    if (rq->rc) {
      if (rq->rc == ZB_EPROTO && rq->res.fork_seq && (rc = put_fork(t, rq)))
        return rc;
      continue;
    }
    memset(&rq->res, 0, sizeof rq->res);
    pc->req = rq;
    if ((rc = origin_load(t, rq->node_id, &pc->os)))
      return rc;
    rc = zb_batch_each_max(rq->zdata, rq->zlen, rq->raw_size, rq->count, ZB_HUB_PUSH_RAW_MAX,
                           push_item, pc);
    if (rc == ZB_EPROTO && !rq->res.why[0])
      snprintf(rq->res.why, sizeof rq->res.why, "a push batch is malformed");
    if (rc == ZB_ETOOBIG) {
      /* Nothing a node may send gets here (zb_opwire_decode bounds ops),
       * but whatever does is that request's fault alone. */
      snprintf(rq->res.why, sizeof rq->res.why, "a push batch holds an op too large to store");
      rc = ZB_EPROTO;
    }
    if (rc == ZB_EPROTO) {
      g->failed = i;
      return rc;
    }
    if (rc)
      return rc;
    rq->res.held_seq = pc->os.held;
    if ((rc = origin_save(t, &pc->os)))
      return rc;
  }
  if (pc->hub_wrote && (rc = origin_save(t, &pc->hub)))
    return rc;
  return slog_end(&pc->w);
}

static int push_group(zb_hub *h, zb_push_req *reqs, size_t n, bool all) {
  struct group_ctx g = {.reqs = reqs, .n = n, .rejected_per_day = h->rejected_per_day};
  g.pc = calloc(1, sizeof *g.pc);
  uint8_t *buf = malloc(SLOG_BUF);
  if (!g.pc || !buf) {
    free(g.pc);
    free(buf);
    return ZB_ENOMEM;
  }
  g.pc->w.buf = buf;
  for (size_t i = 0; i < n; i++)
    reqs[i].rc = 0;
  int rc;
  for (;;) {
    g.failed = SIZE_MAX;
    rc = zb_store_write(h->store, group_write, &g);
    if (rc != ZB_EPROTO || g.failed == SIZE_MAX)
      break;
    zb_push_result keep = reqs[g.failed].res;
    memset(&reqs[g.failed].res, 0, sizeof reqs[g.failed].res);
    memcpy(reqs[g.failed].res.why, keep.why, sizeof keep.why);
    reqs[g.failed].res.fork_seq = keep.fork_seq;
    memcpy(reqs[g.failed].res.fork_held, keep.fork_held, ZB_SHA256_LEN);
    memcpy(reqs[g.failed].res.fork_offered, keep.fork_offered, ZB_SHA256_LEN);
    reqs[g.failed].rc = ZB_EPROTO;
    if (all) {
      /* One parcel: none of its batches is stored when one is refused;
       * the run that follows only records a fork's evidence. */
      for (size_t i = 0; i < n; i++)
        if (!reqs[i].rc) {
          reqs[i].rc = ZB_EPROTO;
          snprintf(reqs[i].res.why, sizeof reqs[i].res.why,
                   "not stored: another batch of the same parcel was refused");
        }
    }
  }
  if (rc) {
    for (size_t i = 0; i < n; i++)
      if (!reqs[i].rc)
        reqs[i].rc = rc;
  }
  free(buf);
  free(g.pc);
  return rc;
}

int zb_hub_push_many(zb_hub *h, zb_push_req *reqs, size_t n) {
  return push_group(h, reqs, n, false);
}

int zb_hub_push_all(zb_hub *h, zb_push_req *reqs, size_t n) {
  int rc = push_group(h, reqs, n, true);
  for (size_t i = 0; i < n && !rc; i++)
    rc = reqs[i].rc;
  return rc;
}

int zb_hub_push(zb_hub *h, const char *node_id, const char *org, const uint8_t *zdata,
                size_t zlen, uint64_t raw_size, uint32_t count, zb_push_result *res) {
  zb_push_req rq = {node_id, org, zdata, zlen, raw_size, count, {0}, 0};
  zb_hub_push_many(h, &rq, 1);
  *res = rq.res;
  return rq.rc;
}

/* ---- pull ---- */

struct pull_ctx {
  zb_txn *t;
  const char *node_id, *org;
  size_t max_raw;
  zb_batch *out;
  uint64_t next;
  bool full;
  zb_rec rec;
  struct backfill_bufs {
    Zb__Backfill bf[ZB_REC_FIELDS_MAX], *bfp[ZB_REC_FIELDS_MAX];
    Zb__Op ops[ZB_REC_FIELDS_MAX];
    Zb__RecordSet sets[ZB_REC_FIELDS_MAX];
    Zb__FieldSet fs[ZB_REC_FIELDS_MAX], *fsp[ZB_REC_FIELDS_MAX][ZB_REC_FIELDS_MAX];
    int group[ZB_REC_FIELDS_MAX];
  } bf;
  uint8_t buf[ZB_OP_PACKED_MAX * 4];
};

static bool concerns(const Zb__ServerOp *so, const char *node_id, const char *org) {
  bool mine = strcmp(so->origin, node_id) == 0;
  if (so->outcome == ZB__OUTCOME__OUTCOME_REJECTED)
    return mine;
  /* Its origin receives an op back when the server changed how it counts:
   * a conflict, a lowered time, or an act (ordered among the others). */
  if (mine)
    return so->outcome == ZB__OUTCOME__OUTCOME_CONFLICT || so->restamped || so->act;
  /* Who receives a record is its kind's rule (zb_kind.h, reach). */
  const zb_kind_desc *kd = zb_kind_by_id((int)so->kind);
  if (!kd)
    return false;
  if (kd->reach == ZB_REACH_ALL)
    return true;
  if (zb_org_in_subtree(so->org_before, org) || zb_org_in_subtree(so->org_after, org) ||
      (so->org_also[0] && zb_org_in_subtree(so->org_also, org)))
    return true;
  /* A notice of a township reaches every node below it. */
  return kd->reach == ZB_REACH_DOWN &&
         ((so->org_before[0] && zb_org_in_subtree(org, so->org_before)) ||
          (so->org_after[0] && zb_org_in_subtree(org, so->org_after)));
}

/* so moves a record into org's subtree from elsewhere: the node has none of
 * the ops that made the record, so the entry carries the record's current
 * fields, one op per group of fields written together, with their stamps.
 * Applying them is last-writer-wins like any op, so later entries the node
 * pulls win or lose exactly as they did at the server. */
static int add_with_backfill(struct pull_ctx *pc, Zb__ServerOp *so) {
  Zb__Op *op = zb__op__unpack(NULL, so->op.len, so->op.data);
  int kid;
  const char *rkey;
  if (!op || !zb_op_target(op, &kid, &rkey, NULL)) {
    if (op)
      zb__op__free_unpacked(op, NULL);
    return ZB_ECORRUPT;
  }
  const zb_kind_desc *kd = zb_kind_by_id(kid);
  int rc = kd ? zb_rec_load(pc->t, kd, rkey, &pc->rec) : ZB_ECORRUPT;
  zb__op__free_unpacked(op, NULL);
  if (rc)
    return rc == ZB_ENOTFOUND ? ZB_ECORRUPT : rc;
  zb_rec *r = &pc->rec;
  struct backfill_bufs *b = &pc->bf;
  int ngroups = 0, *group = b->group;
  for (int i = 0; i < kd->nfields; i++) {
    group[i] = -1;
    for (int j = 0; j < i; j++)
      if (r->st[j].hlc == r->st[i].hlc && strcmp(r->st[j].origin, r->st[i].origin) == 0) {
        group[i] = group[j];
        break;
      }
    if (group[i] < 0) {
      int g = group[i] = ngroups++;
      zb__backfill__init(&b->bf[g]);
      zb__op__init(&b->ops[g]);
      zb__record_set__init(&b->sets[g]);
      b->ops[g].origin = r->st[i].origin;
      b->ops[g].hlc = r->st[i].hlc;
      b->ops[g].actor = "";
      b->ops[g].body_case = ZB__OP__BODY_SET;
      b->ops[g].set = &b->sets[g];
      b->sets[g].kind = (Zb__RecordKind)kd->id;
      b->sets[g].key = r->v[0];
      b->sets[g].fields = b->fsp[g];
      b->bf[g].op = &b->ops[g];
      b->bf[g].server_seq = r->st[i].server_seq;
      b->bfp[g] = &b->bf[g];
    }
    if (i == 0)
      continue;   /* the key travels as the record set's key */
    Zb__RecordSet *set = &b->sets[group[i]];
    zb__field_set__init(&b->fs[i]);
    b->fs[i].field = (uint32_t)i;
    b->fs[i].value = r->v[i];
    set->fields[set->n_fields++] = &b->fs[i];
  }
  so->n_backfill = (size_t)ngroups;
  so->backfill = b->bfp;
  size_t len = zb__server_op__get_packed_size(so);
  if (len > sizeof pc->buf)
    rc = ZB_ETOOBIG;
  else
    rc = zb_batch_add(pc->out, pc->buf, zb__server_op__pack(so, pc->buf));
  so->n_backfill = 0;
  so->backfill = NULL;
  return rc;
}

static int pull_row(void *ctx, zb_val key, zb_val val) {
  struct pull_ctx *pc = ctx;
  if (pc->out->len >= pc->max_raw) {
    pc->full = true;
    return 1;
  }
  if (key.len != 8 || val.len < ZB_SHA256_LEN)
    return ZB_ECORRUPT;
  const uint8_t *packed = (const uint8_t *)val.data + ZB_SHA256_LEN;
  size_t plen = val.len - ZB_SHA256_LEN;
  Zb__ServerOp *so = zb__server_op__unpack(NULL, plen, packed);
  if (!so)
    return ZB_ECORRUPT;
  int rc = 0;
  if (concerns(so, pc->node_id, pc->org)) {
    const zb_kind_desc *kd = zb_kind_by_id((int)so->kind);
    bool moved_in = kd && kd->org_field != 0 &&
                    so->outcome != ZB__OUTCOME__OUTCOME_REJECTED && so->org_before[0] &&
                    !zb_org_in_subtree(so->org_before, pc->org) &&
                    zb_org_in_subtree(so->org_after, pc->org);
    /* The operator's detail never leaves the server. */
    char *detail = so->detail;
    bool strip = detail[0] != '\0';
    so->detail = (char *)"";
    if (moved_in)
      rc = add_with_backfill(pc, so);
    else if (strip)
      rc = zb__server_op__get_packed_size(so) > sizeof pc->buf
               ? ZB_ETOOBIG
               : zb_batch_add(pc->out, pc->buf, zb__server_op__pack(so, pc->buf));
    else
      rc = zb_batch_add(pc->out, packed, plen);
    so->detail = detail;   /* zb__server_op__free_unpacked frees it */
  }
  zb__server_op__free_unpacked(so, NULL);
  if (!rc)
    pc->next = zb_be_u64(key.data);
  return rc;
}

int zb_hub_pull(zb_hub *h, const char *node_id, const char *org, uint64_t cursor,
                size_t max_raw, zb_batch *out, uint64_t *next, bool *done) {
  zb_txn *t;
  uint8_t start[8];
  uint64_t head;
  zb_batch_reset(out);
  struct pull_ctx *pc = malloc(sizeof *pc);
  if (!pc)
    return ZB_ENOMEM;
  int rc = zb_store_read(h->store, &t);
  if (!rc)
    rc = zb_meta_get_u64(t, "slog_head", &head);
  if (rc) {
    zb_txn_end(t);
    free(pc);
    return rc;
  }
  if (cursor >= head) {
    /* Nothing after it (a cursor beyond the head is echoed, never wrapped). */
    zb_txn_end(t);
    free(pc);
    *next = cursor;
    *done = true;
    return 0;
  }
  pc->t = t;
  pc->node_id = node_id;
  pc->org = org;
  pc->max_raw = max_raw;
  pc->out = out;
  pc->next = cursor;
  pc->full = false;
  zb_u64_be(cursor + 1, start);
  rc = zb_txn_scan(t, ZB_DB_SLOG, start, 8, pull_row, pc);
  zb_txn_end(t);
  *next = pc->next;
  *done = !pc->full;
  free(pc);
  return rc;
}

/* ---- restoring a replaced PC (docs/PROTOCOL.md) ---- */

struct restore_ctx {
  const char *node_id;
  zb_batch *out;
  size_t max_raw;
  uint64_t last, scanned;
  bool full;
  uint64_t summarized;      /* the seq of a summarized op met, 0: none */
};

static int restore_row(void *ctx, zb_val key, zb_val val) {
  struct restore_ctx *rc_ = ctx;
  if (rc_->out->len >= rc_->max_raw) {
    rc_->full = true;
    return 1;
  }
  if (key.len != 8 || val.len < ZB_SHA256_LEN)
    return ZB_ECORRUPT;
  Zb__ServerOp *so = zb__server_op__unpack(NULL, val.len - ZB_SHA256_LEN,
                                           (const uint8_t *)val.data + ZB_SHA256_LEN);
  if (!so)
    return ZB_ECORRUPT;
  int rc = 0;
  if (so->origin && strcmp(so->origin, rc_->node_id) == 0 && so->origin_seq > rc_->last) {
    if (so->origin_seq != rc_->last + 1)
      rc = ZB_ECORRUPT;   /* zb_hub_verify would say the same */
    else if (so->summarized) {
      rc_->summarized = so->origin_seq;
      rc = 1;
    } else if (!(rc = zb_batch_add(rc_->out, so->op.data, so->op.len)))
      rc_->last = so->origin_seq;
  }
  zb__server_op__free_unpacked(so, NULL);
  if (rc == 0)
    rc_->scanned = zb_be_u64(key.data);
  return rc;
}

int zb_hub_restore(zb_hub *h, const char *node_id, uint64_t after, uint64_t scan_from,
                   size_t max_raw, zb_batch *out, zb_hub_restored *res) {
  zb_txn *t;
  struct origin_state os;
  uint8_t start[8];
  memset(res, 0, sizeof *res);
  zb_batch_reset(out);
  int rc = zb_store_read(h->store, &t);
  if (rc)
    return rc;
  if ((rc = origin_load(t, node_id, &os)))
    goto out;
  res->last_seq = after;
  res->scan_to = scan_from;
  if (after >= os.held) {
    /* Nothing after it: also what a node with more than the server holds
     * is told (its own ops are its to push). */
    res->done = true;
    rc = origin_op_hash(t, node_id, after > os.held ? os.held : after, res->last_hash);
    goto out;
  }
  struct restore_ctx c = {.node_id = node_id, .out = out, .max_raw = max_raw, .last = after,
                          .scanned = scan_from};
  zb_u64_be(scan_from + 1, start);
  rc = zb_txn_scan(t, ZB_DB_SLOG, start, 8, restore_row, &c);
  if (rc)
    goto out;
  if (c.summarized) {
    res->summarized = c.summarized;
    rc = ZB_ENOTFOUND;
    goto out;
  }
  if (!c.full && c.last < os.held) {
    rc = ZB_ECORRUPT;   /* the log ends before the op the server says it holds */
    goto out;
  }
  res->last_seq = c.last;
  res->scan_to = c.scanned;
  res->done = c.last == os.held;
  rc = origin_op_hash(t, node_id, c.last, res->last_hash);
out:
  zb_txn_end(t);
  return rc;
}

/* ---- what the server knows of each node between sessions ---- */

/* meta "peer/ID": u64 cursor, u64 parcel seq, u8 org length, org, u16
 * certificate length, certificate (DER); then (since the freshness
 * report) u8 1, u64 ok_ms, u64 err_ms, u64 log_head, u8 ok_via, u8
 * err_via, u8 reason length, reason.  A record without that tail (written
 * before) reads as never heard from. */
#define PEER_KEY_PREFIX "peer/"
#define PEER_TAIL 1

static void peer_key(char *key, size_t cap, const char *node_id) {
  snprintf(key, cap, PEER_KEY_PREFIX "%s", node_id);
}

static int peer_decode(zb_val v, zb_hub_peer *out) {
  memset(out, 0, sizeof *out);
  const uint8_t *b = v.data;
  if (v.len < 17 || v.len < 17u + b[16] + 2)
    return ZB_ECORRUPT;
  out->cursor = zb_be_u64(b);
  out->parcel_seq = zb_be_u64(b + 8);
  memcpy(out->org, b + 17, b[16]);
  out->org[b[16]] = '\0';
  const uint8_t *c = b + 17 + b[16];
  size_t clen = (size_t)c[0] << 8 | c[1];
  size_t at = 17u + b[16] + 2 + clen;
  if (clen > sizeof out->cert || v.len < at)
    return ZB_ECORRUPT;
  memcpy(out->cert, c + 2, clen);
  out->cert_len = clen;
  if (v.len == at)
    return 0;
  const uint8_t *t = b + at;
  if (v.len < at + 28 || t[0] != PEER_TAIL || v.len != at + 28 + t[27] ||
      t[27] > ZB_HUB_REASON_MAX)
    return ZB_ECORRUPT;
  out->ok_ms = zb_be_u64(t + 1);
  out->err_ms = zb_be_u64(t + 9);
  out->log_head = zb_be_u64(t + 17);
  out->ok_via = t[25];
  out->err_via = t[26];
  memcpy(out->err, t + 28, t[27]);
  out->err[t[27]] = '\0';
  return 0;
}

static int peer_load(zb_txn *t, const char *node_id, zb_hub_peer *out) {
  char key[ZB_NODE_ID_MAX + 8];
  zb_val v;
  memset(out, 0, sizeof *out);
  peer_key(key, sizeof key, node_id);
  int rc = zb_txn_get(t, ZB_DB_META, key, strlen(key), &v);
  return rc ? rc : peer_decode(v, out);
}

static int peer_save(zb_txn *txn, const char *node_id, const zb_hub_peer *p) {
  char key[ZB_NODE_ID_MAX + 8];
  uint8_t v[17 + ZB_FIELD_MAX + 2 + ZB_HUB_CERT_MAX + 28 + ZB_HUB_REASON_MAX];
  size_t olen = strlen(p->org), rlen = strlen(p->err);
  if (olen > 255 || p->cert_len > ZB_HUB_CERT_MAX || rlen > ZB_HUB_REASON_MAX)
    return ZB_ETOOBIG;
  zb_u64_be(p->cursor, v);
  zb_u64_be(p->parcel_seq, v + 8);
  v[16] = (uint8_t)olen;
  memcpy(v + 17, p->org, olen);
  v[17 + olen] = (uint8_t)(p->cert_len >> 8);
  v[18 + olen] = (uint8_t)p->cert_len;
  memcpy(v + 19 + olen, p->cert, p->cert_len);
  uint8_t *t = v + 19 + olen + p->cert_len;
  t[0] = PEER_TAIL;
  zb_u64_be(p->ok_ms, t + 1);
  zb_u64_be(p->err_ms, t + 9);
  zb_u64_be(p->log_head, t + 17);
  t[25] = p->ok_via;
  t[26] = p->err_via;
  t[27] = (uint8_t)rlen;
  memcpy(t + 28, p->err, rlen);
  peer_key(key, sizeof key, node_id);
  return zb_txn_put(txn, ZB_DB_META, key, strlen(key), v,
                    (size_t)(t + 28 + rlen - v), 0);
}

/* Copies at most ZB_HUB_REASON_MAX bytes of why, never half a UTF-8
 * character. */
static void reason_copy(char out[ZB_HUB_REASON_MAX + 1], const char *why) {
  size_t n = strlen(why);
  if (n > ZB_HUB_REASON_MAX) {
    n = ZB_HUB_REASON_MAX;
    while (n > 0 && ((unsigned char)why[n] & 0xC0) == 0x80)
      n--;
  }
  memcpy(out, why, n);
  out[n] = '\0';
}

/* One note into p (loaded, or zeroed for a node never heard of): false
 * when nothing in it changed, so that nothing is written. */
static bool peer_apply(zb_hub_peer *p, bool known, const zb_hub_contact *c) {
  bool changed = !known;
  if (c->has_cursor && c->cursor > p->cursor) {
    p->cursor = c->cursor;
    changed = true;
  }
  if (c->org && (strcmp(p->org, c->org) != 0 || p->cert_len != c->cert_len ||
                 memcmp(p->cert, c->cert, c->cert_len) != 0)) {
    snprintf(p->org, sizeof p->org, "%s", c->org);
    memcpy(p->cert, c->cert, c->cert_len);
    p->cert_len = c->cert_len;
    changed = true;
  }
  if (c->has_head && c->log_head != p->log_head) {
    p->log_head = c->log_head;
    changed = true;
  }
  if (c->via == ZB_VIA_NONE)
    return changed;
  if (c->ok) {
    p->ok_ms = c->at_ms;
    p->ok_via = c->via;
    return true;
  }
  char why[ZB_HUB_REASON_MAX + 1];
  reason_copy(why, c->err ? c->err : "");
  /* A node failing the same way again and again (a stolen certificate in
   * a loop, a daemon behind a broken link) is written once a minute. */
  if (strcmp(why, p->err) == 0 && c->via == p->err_via && c->at_ms >= p->err_ms &&
      c->at_ms - p->err_ms < ZB_HUB_ERR_REPEAT_MS)
    return changed;
  p->err_ms = c->at_ms;
  p->err_via = c->via;
  memcpy(p->err, why, sizeof why);
  return true;
}

struct peer_note {
  const zb_hub_contact *c;
  size_t n;
  const char *node_id;   /* next_parcel */
  uint64_t *seq;
};

static int peer_write(zb_txn *t, void *ctx) {
  struct peer_note *pn = ctx;
  zb_hub_peer *p = malloc(sizeof *p);
  if (!p)
    return ZB_ENOMEM;
  int rc = 0;
  if (pn->seq) {
    if (!(rc = peer_load(t, pn->node_id, p))) {
      *pn->seq = ++p->parcel_seq;
      rc = peer_save(t, pn->node_id, p);
    }
    free(p);
    return rc;
  }
  for (size_t i = 0; i < pn->n && !rc; i++) {
    const zb_hub_contact *c = &pn->c[i];
    if (c->org && (strlen(c->org) > 255 || c->cert_len > sizeof p->cert)) {
      rc = ZB_ETOOBIG;
      break;
    }
    rc = peer_load(t, c->node_id, p);
    bool known = rc == 0;
    if (rc == ZB_ENOTFOUND) {
      memset(p, 0, sizeof *p);
      rc = 0;
    }
    if (!rc && peer_apply(p, known, c))
      rc = peer_save(t, c->node_id, p);
  }
  free(p);
  return rc;
}

int zb_hub_contacts_note(zb_hub *h, const zb_hub_contact *c, size_t n) {
  if (n == 0)
    return 0;
  struct peer_note pn = {.c = c, .n = n};
  return zb_store_write(h->store, peer_write, &pn);
}

int zb_hub_peer_get(zb_hub *h, const char *node_id, zb_hub_peer *out) {
  zb_txn *t;
  int rc = zb_store_read(h->store, &t);
  if (rc)
    return rc;
  rc = peer_load(t, node_id, out);
  zb_txn_end(t);
  return rc;
}

int zb_hub_parcel_next(zb_hub *h, const char *node_id, uint64_t *seq) {
  struct peer_note pn = {.node_id = node_id, .seq = seq};
  return zb_store_write(h->store, peer_write, &pn);
}

struct peers_ctx {
  zb_txn *t;
  zb_hub_peer_fn fn;
  void *ctx;
  zb_hub_peer *p;
};

static int peer_row(void *ctx, zb_val key, zb_val val) {
  struct peers_ctx *pc = ctx;
  size_t plen = sizeof PEER_KEY_PREFIX - 1;
  if (key.len < plen || memcmp(key.data, PEER_KEY_PREFIX, plen) != 0)
    return 1;   /* past the peers: stop */
  char id[ZB_NODE_ID_MAX + 1];
  if (key.len - plen > ZB_NODE_ID_MAX)
    return ZB_ECORRUPT;
  memcpy(id, (const char *)key.data + plen, key.len - plen);
  id[key.len - plen] = '\0';
  int rc = peer_decode(val, pc->p);
  struct origin_state os;
  if (!rc)
    rc = origin_load(pc->t, id, &os);
  return rc ? rc : pc->fn(pc->ctx, id, pc->p, os.held);
}

int zb_hub_peers(zb_hub *h, zb_hub_peer_fn fn, void *ctx) {
  struct peers_ctx pc = {.fn = fn, .ctx = ctx, .p = malloc(sizeof(zb_hub_peer))};
  if (!pc.p)
    return ZB_ENOMEM;
  int rc = zb_store_read(h->store, &pc.t);
  if (!rc) {
    rc = zb_txn_scan(pc.t, ZB_DB_META, PEER_KEY_PREFIX, sizeof PEER_KEY_PREFIX - 1, peer_row,
                     &pc);
    zb_txn_end(pc.t);
  }
  free(pc.p);
  return rc;
}

/* ---- reads ---- */

int zb_hub_digest(zb_hub *h, const char *org, char out[65]) {
  zb_txn *t;
  int rc = zb_store_read(h->store, &t);
  if (rc)
    return rc;
  rc = zb_state_digest(t, org, out);
  zb_txn_end(t);
  return rc;
}

int zb_hub_members_of(zb_hub *h, const char *org, zb_member_fn fn, void *ctx) {
  zb_txn *t;
  int rc = zb_store_read(h->store, &t);
  if (rc)
    return rc;
  rc = zb_state_members_of(t, org, fn, ctx);
  zb_txn_end(t);
  return rc;
}

int zb_hub_recs(zb_hub *h, const zb_kind_desc *kd, const char *root, zb_rec_fn fn, void *ctx) {
  zb_txn *t;
  int rc = zb_store_read(h->store, &t);
  if (rc)
    return rc;
  rc = zb_recs_in_subtree(t, kd, root, false, fn, ctx);
  zb_txn_end(t);
  return rc;
}

int zb_hub_balance(zb_hub *h, const char *org, zb_balance *b) {
  zb_txn *t;
  int rc = zb_store_read(h->store, &t);
  if (rc)
    return rc;
  rc = zb_state_balance(t, org, b);
  zb_txn_end(t);
  return rc;
}

int zb_hub_stats(zb_hub *h, const char *org, zb_stats *out) {
  zb_txn *t;
  int rc = zb_store_read(h->store, &t);
  if (rc)
    return rc;
  rc = zb_state_stats(t, org, out);
  zb_txn_end(t);
  return rc;
}

int zb_hub_funnel(zb_hub *h, const char *org, zb_funnel *f) {
  zb_txn *t;
  int rc = zb_store_read(h->store, &t);
  if (rc)
    return rc;
  rc = zb_state_funnel(t, org, f);
  zb_txn_end(t);
  return rc;
}

int zb_hub_life(zb_hub *h, const char *org, int year, zb_date today, json_t **out) {
  zb_txn *t;
  int rc = zb_store_read(h->store, &t);
  if (rc)
    return rc;
  rc = zb_life_report(t, org, year, today, out);
  zb_txn_end(t);
  return rc;
}

int zb_hub_ranking(zb_hub *h, const char *org, const zb_rank_query *q, json_t **out) {
  zb_txn *t;
  int rc = zb_store_read(h->store, &t);
  if (rc)
    return rc;
  rc = zb_rank_report(t, zb_points_active(), org, q, out);
  zb_txn_end(t);
  return rc;
}

int zb_hub_dues_report(zb_hub *h, const char *org, const zb_dues_query *q,
                       zb_dues_report **out) {
  zb_txn *t;
  int rc = zb_store_read(h->store, &t);
  if (rc)
    return rc;
  rc = zb_dues_report_run(t, org, q, out);
  zb_txn_end(t);
  return rc;
}

int zb_hub_org_csv(zb_hub *h, const char *root, char **buf, size_t *len) {
  *buf = NULL;
  *len = 0;
  FILE *f = open_memstream(buf, len);
  if (!f)
    return ZB_ENOMEM;
  zb_txn *t;
  int rc = zb_store_read(h->store, &t);
  if (!rc) {
    rc = zb_state_org_csv(t, root, f);
    zb_txn_end(t);
  }
  if (fclose(f) != 0 && !rc)
    rc = ZB_ENOMEM;
  if (rc) {
    free(*buf);
    *buf = NULL;
    *len = 0;
  }
  return rc;
}

int zb_hub_info_get(zb_hub *h, zb_hub_info *out) {
  zb_txn *t;
  memset(out, 0, sizeof *out);
  int rc = zb_store_read(h->store, &t);
  if (rc)
    return rc;
  rc = zb_meta_get_u64(t, "slog_head", &out->head);
  out->origins = zb_txn_count(t, ZB_DB_ORIGINS);
  out->members = zb_txn_count(t, ZB_DB_MEMBERS);
  out->orgs = zb_txn_count(t, ZB_DB_ORGS);
  out->conflicts = zb_txn_count(t, ZB_DB_CONFLICTS);
  out->forks = zb_txn_count(t, ZB_DB_FORKS);
  if (!rc)
    rc = zb_meta_get_u64(t, "rejected_total", &out->rejected);
  if (!rc)
    rc = zb_meta_get_u64(t, "rejected_summarized", &out->summarized);
  zb_txn_end(t);
  return rc;
}

struct forks_ctx {
  zb_fork_fn fn;
  void *ctx;
};

static int fork_row(void *ctx, zb_val key, zb_val val) {
  struct forks_ctx *fc = ctx;
  const uint8_t *k = key.data, *v = val.data;
  zb_fork f;
  if (key.len < 10 || key.len - 9 > ZB_NODE_ID_MAX || k[key.len - 9] != 0 ||
      val.len != 8 + 64)
    return ZB_ECORRUPT;
  memset(&f, 0, sizeof f);
  memcpy(f.node, k, key.len - 9);
  f.seq = zb_be_u64(k + key.len - 8);
  f.at_ms = zb_be_u64(v);
  memcpy(f.held, v + 8, 32);
  memcpy(f.offered, v + 40, 32);
  return fc->fn(fc->ctx, &f);
}

int zb_hub_forks(zb_hub *h, zb_fork_fn fn, void *ctx) {
  zb_txn *t;
  struct forks_ctx fc = {fn, ctx};
  int rc = zb_store_read(h->store, &t);
  if (rc)
    return rc;
  rc = zb_txn_scan(t, ZB_DB_FORKS, NULL, 0, fork_row, &fc);
  zb_txn_end(t);
  return rc;
}

int zb_hub_conflicts(zb_hub *h, const char *org, zb_conflict_fn fn, void *ctx) {
  zb_txn *t;
  int rc = zb_store_read(h->store, &t);
  if (rc)
    return rc;
  rc = zb_conflicts_scan(t, org, fn, ctx);
  zb_txn_end(t);
  return rc;
}

/* ---- verify ---- */

struct verify_ctx {
  zb_txn *t;          /* set for the rebuild pass */
  uint64_t expect;
  uint8_t chain[ZB_SHA256_LEN];
  struct origin_state *origins;
  size_t norigins, cap;
  char *why;
  size_t whycap;
  uint8_t *buf;
  bool migrate;       /* write the op index instead of checking it */
  /* The move an applied act owes (zb_act_move): the next entry must be the
   * server's set of it (docs/RECORDS.md, "Transfers"). */
  bool move_due;
  uint64_t move_after;
  const zb_act_move *move;
  zb_rec *move_rec;   /* the act's record as the act left it */
};

/* After an applied act whose kind moves another record: what the next
 * entry must set. */
static int verify_move_owed(struct verify_ctx *vc, const Zb__Op *op, uint64_t seq) {
  const char *key;
  const zb_kind_desc *kd;
  const zb_act_desc *ad = moving_act(op, &kd, &key);
  if (!ad)
    return 0;
  if (!vc->move_rec && !(vc->move_rec = malloc(sizeof *vc->move_rec)))
    return ZB_ENOMEM;
  int rc = zb_rec_load(vc->t, kd, key, vc->move_rec);
  if (!rc) {
    vc->move_due = true;
    vc->move_after = seq;
    vc->move = ad->move;
  }
  return rc == ZB_ENOTFOUND ? ZB_ECORRUPT : rc;
}

/* Whether op (entry so) is the server's set of the move owed, applied: its
 * record, and every field the move sets, with its value. */
static bool verify_move_paid(const struct verify_ctx *vc, const Zb__ServerOp *so,
                             const Zb__Op *op) {
  const zb_act_move *mv = vc->move;
  const zb_rec *ar = vc->move_rec;
  if (!op || so->outcome == ZB__OUTCOME__OUTCOME_REJECTED ||
      strcmp(op->origin, ZB_HUB_ORIGIN) != 0 || op->body_case != ZB__OP__BODY_SET ||
      (int)op->set->kind != mv->kind->id || strcmp(op->set->key, ar->v[mv->key_field]) != 0)
    return false;
  for (int j = 0; j < mv->nsets; j++) {
    const zb_move_set *ms = &mv->sets[j];
    const char *want = ms->value_field >= 0 ? ar->v[ms->value_field] : ms->value;
    bool found = false;
    for (size_t i = 0; i < op->set->n_fields && !found; i++)
      found = (int)op->set->fields[i]->field == ms->field &&
              strcmp(op->set->fields[i]->value, want) == 0;
    if (!found)
      return false;
  }
  return true;
}

static struct origin_state *verify_origin(struct verify_ctx *vc, const char *id) {
  for (size_t i = vc->norigins; i-- > 0;)
    if (strcmp(vc->origins[i].id, id) == 0)
      return &vc->origins[i];
  if (vc->norigins == vc->cap) {
    size_t cap = vc->cap ? vc->cap * 2 : 16;
    struct origin_state *o = realloc(vc->origins, cap * sizeof *o);
    if (!o)
      return NULL;
    vc->origins = o;
    vc->cap = cap;
  }
  struct origin_state *os = &vc->origins[vc->norigins++];
  memset(os, 0, sizeof *os);
  snprintf(os->id, sizeof os->id, "%s", id);
  return os;
}

static int verify_row(void *ctx, zb_val key, zb_val val) {
  struct verify_ctx *vc = ctx;
  uint64_t seq = key.len == 8 ? zb_be_u64(key.data) : 0;
  if (seq != vc->expect || val.len < ZB_SHA256_LEN) {
    snprintf(vc->why, vc->whycap, "server log: expected entry %llu, found %llu",
             (unsigned long long)vc->expect, (unsigned long long)seq);
    return ZB_ECORRUPT;
  }
  if (memcmp(val.data, vc->chain, ZB_SHA256_LEN) != 0) {
    snprintf(vc->why, vc->whycap, "server log: hash chain broken at entry %llu",
             (unsigned long long)seq);
    return ZB_ECORRUPT;
  }
  zb_sha256(val.data, val.len, vc->chain);
  Zb__ServerOp *so = zb__server_op__unpack(NULL, val.len - ZB_SHA256_LEN,
                                           (const uint8_t *)val.data + ZB_SHA256_LEN);
  /* A summary keeps the op's hash instead of the op. */
  bool summary = so && so->summarized;
  Zb__Op *op = so && !summary ? zb__op__unpack(NULL, so->op.len, so->op.data) : NULL;
  const char *origin = op ? op->origin : so ? so->origin : NULL;
  uint64_t oseq = op ? op->seq : so ? so->origin_seq : 0;
  int rc = 0;
  struct origin_state *os = origin && zb_node_id_valid(origin) ? verify_origin(vc, origin) : NULL;
  if (!so || !os || (!op && !summary) || so->server_seq != seq ||
      (summary && (so->outcome != ZB__OUTCOME__OUTCOME_REJECTED ||
                   so->op_hash.len != ZB_SHA256_LEN))) {
    snprintf(vc->why, vc->whycap, "server log: entry %llu does not decode",
             (unsigned long long)seq);
    rc = ZB_ECORRUPT;
    goto out;
  }
  /* One member, one branch at every server state: an applied act that
   * moves a record is followed at once by the move. */
  if (vc->t && vc->move_due) {
    if (!verify_move_paid(vc, so, op)) {
      snprintf(vc->why, vc->whycap,
               "server log: entry %llu applies an act that writes %s %s, but entry %llu "
               "is not that write, applied",
               (unsigned long long)vc->move_after, vc->move->kind->name,
               vc->move_rec->v[vc->move->key_field], (unsigned long long)seq);
      rc = ZB_ECORRUPT;
      goto out;
    }
    vc->move_due = false;
  }
  if (oseq != os->held + 1) {
    snprintf(vc->why, vc->whycap, "server log: entry %llu holds op %llu of %s after op %llu",
             (unsigned long long)seq, (unsigned long long)oseq, origin,
             (unsigned long long)os->held);
    rc = ZB_ECORRUPT;
    goto out;
  }
  if (summary) {
    memcpy(os->hash, so->op_hash.data, ZB_SHA256_LEN);
  } else {
    size_t len;
    uint8_t h[ZB_SHA256_LEN];
    if (zb_op_pack_hash(op, os->hash, vc->buf, ZB_OP_PACKED_MAX, &len, h)) {
      rc = ZB_ECORRUPT;
      goto out;
    }
    memcpy(os->hash, h, ZB_SHA256_LEN);
  }
  os->held = oseq;
  if (vc->migrate) {
    uint8_t key[ZB_NODE_ID_MAX + 9];
    rc = zb_txn_put(vc->t, ZB_DB_ORIGIN_OPS, key, origin_seq_key(key, origin, oseq), os->hash,
                    ZB_SHA256_LEN, 0);
    if (!rc)
      vc->expect++;
    goto out;
  }
  if (vc->t) {
    /* The index that fork detection reads must agree with the chain. */
    uint8_t held[ZB_SHA256_LEN];
    rc = origin_op_hash(vc->t, origin, oseq, held);
    if (rc || memcmp(held, os->hash, ZB_SHA256_LEN) != 0) {
      snprintf(vc->why, vc->whycap, "server log: the recorded hash of op %llu of %s differs",
               (unsigned long long)oseq, origin);
      rc = rc && rc != ZB_ENOTFOUND ? rc : ZB_ECORRUPT;
      goto out;
    }
  }
  if (vc->t && op && so->outcome != ZB__OUTCOME__OUTCOME_REJECTED) {
    zb_apply_result r;
    if ((rc = zb_merge_apply_at(vc->t, op, so->hlc ? so->hlc : op->hlc, zb_hlc_today(op->hlc),
                                seq, NULL, ZB_APPLY_TRUSTED, &r)))
      goto out;
    if ((rc = verify_move_owed(vc, op, seq))) {
      if (rc == ZB_ECORRUPT)
        snprintf(vc->why, vc->whycap, "server log: entry %llu acts on a record it does not hold",
                 (unsigned long long)seq);
      goto out;
    }
  }
  vc->expect++;
out:
  if (op)
    zb__op__free_unpacked(op, NULL);
  if (so)
    zb__server_op__free_unpacked(so, NULL);
  return rc;
}

/* Walks the whole server log with verify_row, from a clean start. */
static int walk_log(struct verify_ctx *vc, zb_txn *t) {
  vc->t = t;
  vc->expect = 1;
  vc->norigins = 0;
  vc->move_due = false;
  memset(vc->chain, 0, sizeof vc->chain);
  return zb_txn_scan(t, ZB_DB_SLOG, NULL, 0, verify_row, vc);
}

static int verify_origins(struct verify_ctx *vc, zb_txn *t) {
  if (zb_txn_count(t, ZB_DB_ORIGINS) != vc->norigins) {
    snprintf(vc->why, vc->whycap, "server log: %zu origins in the log, %zu recorded",
             vc->norigins, zb_txn_count(t, ZB_DB_ORIGINS));
    return ZB_ECORRUPT;
  }
  for (size_t i = 0; i < vc->norigins; i++) {
    struct origin_state stored;
    int rc = origin_load(t, vc->origins[i].id, &stored);
    if (rc)
      return rc;
    if (stored.held != vc->origins[i].held ||
        memcmp(stored.hash, vc->origins[i].hash, ZB_SHA256_LEN) != 0) {
      snprintf(vc->why, vc->whycap, "server log: the chain of node %s does not match its record",
               vc->origins[i].id);
      return ZB_ECORRUPT;
    }
  }
  return 0;
}

/* The rebuild of verify: the log walked and applied again, and the
 * chain's end checked against the head and the origins. */
static int verify_rebuild(zb_txn *t, void *ctx) {
  struct verify_ctx *vc = ctx;
  uint64_t head;
  zb_val v;
  int rc = zb_meta_get_u64(t, "slog_head", &head);
  if (rc || (rc = walk_log(vc, t)))
    return rc;
  if (vc->move_due) {
    snprintf(vc->why, vc->whycap,
             "server log: the last entry %llu applies an act that writes %s %s, without "
             "that write",
             (unsigned long long)vc->move_after, vc->move->kind->name,
             vc->move_rec->v[vc->move->key_field]);
    return ZB_ECORRUPT;
  }
  if (vc->expect - 1 != head) {
    snprintf(vc->why, vc->whycap, "server log: holds %llu entries, the head says %llu",
             (unsigned long long)(vc->expect - 1), (unsigned long long)head);
    return ZB_ECORRUPT;
  }
  rc = zb_txn_get(t, ZB_DB_META, "slog_hash", 9, &v);
  if (head && (rc || v.len != ZB_SHA256_LEN || memcmp(v.data, vc->chain, ZB_SHA256_LEN))) {
    snprintf(vc->why, vc->whycap, "server log: the last entry does not match the head hash");
    return ZB_ECORRUPT;
  }
  return verify_origins(vc, t);
}

static int verify_write(zb_txn *t, void *ctx) {
  struct verify_ctx *vc = ctx;
  return zb_state_rebuild_check(t, verify_rebuild, vc, vc->why, vc->whycap);
}

/* Brings a format-1 store to HUB_FORMAT: the op index is computed from the
 * log (the chain walk of verify), origins take their longer value. */
static int migrate_write(zb_txn *t, void *ctx) {
  struct verify_ctx *vc = ctx;
  uint64_t format;
  int rc = zb_meta_get_u64(t, "format", &format);
  if (rc || format >= HUB_FORMAT)
    return rc;
  if ((rc = walk_log(vc, t)))
    return rc;
  for (size_t i = 0; i < vc->norigins && !rc; i++) {
    struct origin_state os;
    if (!(rc = origin_load(t, vc->origins[i].id, &os)))
      rc = origin_save(t, &os);
  }
  if (!rc)
    rc = zb_meta_put_u64(t, "format", HUB_FORMAT);
  return rc;
}

static int hub_migrate(zb_store *s) {
  uint64_t format;
  int rc = zb_store_meta_u64(s, "format", &format);
  if (rc || format >= HUB_FORMAT)
    return rc;
  char why[256] = "";
  struct verify_ctx vc = {.why = why, .whycap = sizeof why, .buf = malloc(ZB_OP_PACKED_MAX),
                          .migrate = true};
  if (!vc.buf)
    return ZB_ENOMEM;
  rc = zb_store_write(s, migrate_write, &vc);
  if (rc)
    zb_log_error("cannot bring the server's data to format %d: %s", HUB_FORMAT,
                 why[0] ? why : zb_strerror(rc));
  else
    zb_log_info("server data brought to format %d", HUB_FORMAT);
  free(vc.origins);
  free(vc.buf);
  return rc;
}

int zb_hub_verify(zb_hub *h, char *why, size_t cap) {
  struct verify_ctx vc = {.why = why, .whycap = cap, .buf = malloc(ZB_OP_PACKED_MAX)};
  why[0] = '\0';
  if (!vc.buf)
    return ZB_ENOMEM;
  int rc = zb_store_write_discard(h->store, verify_write, &vc);
  free(vc.move_rec);
  free(vc.origins);
  free(vc.buf);
  return rc;
}
