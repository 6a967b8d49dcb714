#include "zb_hub.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zb_err.h"
#include "zb_hlc.h"
#include "zb_log.h"
#include "zb_merge.h"
#include "zb_oplog.h"
#include "zb_sha.h"
#include "zb_state.h"

struct zb_hub {
  zb_store *store;
};

/* ---- open ---- */

static int init_write(zb_txn *t, void *ctx) {
  (void)ctx;
  return zb_meta_put_str(t, "role", "server");
}

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
  int rc = zb_store_open(dir, false, &h->store);
  if (!rc && !(rc = zb_store_read(h->store, &t))) {
    rc = zb_meta_get_str(t, "role", role, sizeof role);
    zb_txn_end(t);
    if (rc == ZB_ENOTFOUND || (!rc && strcmp(role, "server") != 0))
      rc = ZB_ENOTINIT;
  }
  if (rc) {
    zb_hub_close(h);
    return rc;
  }
  *out = h;
  return 0;
}

void zb_hub_close(zb_hub *h) {
  if (!h)
    return;
  zb_store_close(h->store);
  free(h);
}

/* ---- the server log ---- */

struct origin_state {
  char id[ZB_NODE_ID_MAX + 1];
  uint64_t held;
  uint8_t hash[ZB_SHA256_LEN];
};

static int origin_load(zb_txn *t, const char *id, struct origin_state *os) {
  zb_val v;
  memset(os, 0, sizeof *os);
  snprintf(os->id, sizeof os->id, "%s", id);
  int rc = zb_txn_get(t, ZB_DB_ORIGINS, id, strlen(id), &v);
  if (rc == ZB_ENOTFOUND)
    return 0;
  if (rc)
    return rc;
  if (v.len != 8 + ZB_SHA256_LEN)
    return ZB_ECORRUPT;
  os->held = zb_be_u64(v.data);
  memcpy(os->hash, (const uint8_t *)v.data + 8, ZB_SHA256_LEN);
  return 0;
}

static int origin_save(zb_txn *t, const struct origin_state *os) {
  uint8_t v[8 + ZB_SHA256_LEN];
  zb_u64_be(os->held, v);
  memcpy(v + 8, os->hash, ZB_SHA256_LEN);
  return zb_txn_put(t, ZB_DB_ORIGINS, os->id, strlen(os->id), v, sizeof v, 0);
}

/* One write transaction's appends to the server log. */
struct slog_writer {
  zb_txn *t;
  uint64_t head;
  uint8_t chain[ZB_SHA256_LEN];
  uint8_t *buf;            /* ZB_OP_PACKED_MAX * 2 + slack, for packing */
  uint32_t rejected, conflicts;
};

static int slog_begin(struct slog_writer *w, zb_txn *t) {
  zb_val v;
  w->t = t;
  w->rejected = w->conflicts = 0;
  int rc = zb_meta_get_u64(t, "slog_head", &w->head);
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
  return rc;
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
 * op->prev_hash is rewritten. */
static int slog_apply(struct slog_writer *w, struct origin_state *os, Zb__Op *op,
                      const char *scope, zb_apply_result *r) {
  uint8_t *opbuf = w->buf, *val = w->buf + ZB_OP_PACKED_MAX;
  uint8_t ophash[ZB_SHA256_LEN];
  /* The op's hash covers its predecessor's hash, which the server — not the
   * pushing node — supplies. */
  op->prev_hash.data = os->hash;
  op->prev_hash.len = ZB_SHA256_LEN;
  size_t len = zb__op__get_packed_size(op);
  if (len > ZB_OP_PACKED_MAX)
    return ZB_ETOOBIG;
  zb__op__pack(op, opbuf);
  zb_sha256(opbuf, len, ophash);
  op->prev_hash.len = 0;
  op->prev_hash.data = NULL;
  len = zb__op__pack(op, opbuf);

  uint64_t sseq = w->head + 1;
  int rc = zb_merge_apply(w->t, op, sseq, scope, 0, r);
  if (rc)
    return rc;
  Zb__ServerOp so = ZB__SERVER_OP__INIT;
  Zb__Conflict pc[ZB_MF__COUNT], *pcp[ZB_MF__COUNT];
  so.server_seq = sseq;
  so.op.data = opbuf;
  so.op.len = len;
  so.outcome = r->status == ZB_APPLY_REJECTED   ? ZB__OUTCOME__OUTCOME_REJECTED
               : r->status == ZB_APPLY_CONFLICT ? ZB__OUTCOME__OUTCOME_CONFLICT
                                                : ZB__OUTCOME__OUTCOME_APPLIED;
  so.field = r->status == ZB_APPLY_REJECTED ? r->field : -1;
  so.reason = r->status == ZB_APPLY_REJECTED ? r->reason : "";
  so.org_before = r->org_before;
  so.org_after = r->org_after;
  so.origin = op->origin;
  so.kind = op->set ? op->set->kind : ZB__RECORD_KIND__RECORD_KIND_NONE;
  so.origin_seq = op->seq;
  if (r->status == ZB_APPLY_CONFLICT) {
    if ((rc = put_conflicts(w->t, sseq, op, r, pc, pcp)))
      return rc;
    so.n_conflicts = (size_t)r->nconflicts;
    so.conflicts = pcp;
    w->conflicts += (uint32_t)r->nconflicts;
  }
  if (r->status == ZB_APPLY_REJECTED)
    w->rejected++;
  size_t slen = zb__server_op__get_packed_size(&so);
  if (slen + ZB_SHA256_LEN > ZB_OP_PACKED_MAX * 2)
    return ZB_ETOOBIG;
  memcpy(val, w->chain, ZB_SHA256_LEN);
  zb__server_op__pack(&so, val + ZB_SHA256_LEN);
  uint8_t key[8];
  zb_u64_be(sseq, key);
  if ((rc = zb_txn_put(w->t, ZB_DB_SLOG, key, 8, val, slen + ZB_SHA256_LEN, ZB_PUT_APPEND)))
    return rc;
  zb_sha256(val, slen + ZB_SHA256_LEN, w->chain);
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
  uint64_t hlc;
};

static int hub_sink_begin(void *ctx, zb_txn *t) {
  struct hub_sink *hs = ctx;
  int rc = slog_begin(&hs->w, t);
  if (!rc)
    rc = origin_load(t, ZB_HUB_ORIGIN, &hs->os);
  if (!rc)
    rc = zb_meta_get_u64(t, "hlc", &hs->hlc);
  return rc;
}

static int hub_sink_set(void *ctx, enum zb_kind kind, const char *key, const int *fields,
                        char *const *vals, size_t nf, zb_apply_result *r) {
  struct hub_sink *hs = ctx;
  Zb__FieldSet fs[ZB_MF__COUNT], *fsp[ZB_MF__COUNT];
  for (size_t i = 0; i < nf; i++) {
    zb__field_set__init(&fs[i]);
    fs[i].field = (uint32_t)fields[i];
    fs[i].value = vals[i];
    fsp[i] = &fs[i];
  }
  Zb__RecordSet set = ZB__RECORD_SET__INIT;
  set.kind = (Zb__RecordKind)kind;
  set.key = (char *)key;
  set.n_fields = nf;
  set.fields = fsp;
  Zb__Op op = ZB__OP__INIT;
  hs->hlc = zb_hlc_next(hs->hlc, zb_hlc_wall_ms(), NULL);
  op.origin = ZB_HUB_ORIGIN;
  op.seq = hs->os.held + 1;
  op.hlc = hs->hlc;
  op.actor = "zhibu-server";
  op.base_cursor = hs->w.head;
  op.body_case = ZB__OP__BODY_SET;
  op.set = &set;
  /* A rejected row is logged here like any op, but it is also a problem
   * for the importer, which then aborts the whole transaction. */
  return slog_apply(&hs->w, &hs->os, &op, NULL, r);
}

static int hub_sink_end(void *ctx) {
  struct hub_sink *hs = ctx;
  int rc = slog_end(&hs->w);
  if (!rc)
    rc = origin_save(hs->w.t, &hs->os);
  if (!rc)
    rc = zb_meta_put_u64(hs->w.t, "hlc", hs->hlc);
  return rc;
}

int zb_hub_org_import(zb_hub *h, const char *path, zb_input_problem_fn problem, void *ctx,
                      zb_import_result *res) {
  struct hub_sink *hs = calloc(1, sizeof *hs);
  uint8_t *buf = malloc(SLOG_BUF);
  int rc = ZB_ENOMEM;
  if (hs && buf) {
    hs->w.buf = buf;
    zb_import_sink sink = {hub_sink_begin, hub_sink_set, hub_sink_end, hs, NULL};
    rc = zb_import_csv(h->store, ZB_KIND_ORG, path, &sink, problem, ctx, res);
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
};

static int push_item(void *ctx, const uint8_t *item, size_t len) {
  struct push_ctx *pc = ctx;
  zb_push_result *res = &pc->req->res;
  Zb__Op *op = zb__op__unpack(NULL, len, item);
  if (!op) {
    snprintf(res->why, sizeof res->why, "an op does not decode");
    return ZB_EPROTO;
  }
  int rc = 0;
  if (strcmp(op->origin, pc->req->node_id) != 0) {
    snprintf(res->why, sizeof res->why, "an op names origin \"%.64s\" but the certificate is %s's",
             op->origin, pc->req->node_id);
    rc = ZB_EPROTO;
  } else if (op->seq <= pc->os.held) {
    res->duplicates++;   /* a resumed session sends again what was in flight */
  } else if (op->seq != pc->os.held + 1) {
    snprintf(res->why, sizeof res->why, "op %llu follows %llu: ops must arrive in order",
             (unsigned long long)op->seq, (unsigned long long)pc->os.held);
    rc = ZB_EPROTO;
  } else if (op->prev_hash.len != 0 &&
             (op->prev_hash.len != ZB_SHA256_LEN ||
              memcmp(op->prev_hash.data, pc->os.hash, ZB_SHA256_LEN) != 0)) {
    snprintf(res->why, sizeof res->why, "op %llu does not chain onto op %llu (a forked log)",
             (unsigned long long)op->seq, (unsigned long long)pc->os.held);
    rc = ZB_EPROTO;
  } else if (op->body_case != ZB__OP__BODY_SET || !op->set) {
    snprintf(res->why, sizeof res->why, "op %llu has no body", (unsigned long long)op->seq);
    rc = ZB_EPROTO;
  } else {
    uint32_t rejected = pc->w.rejected, conflicts = pc->w.conflicts;
    rc = slog_apply(&pc->w, &pc->os, op, pc->req->org, &pc->r);
    if (!rc && pc->r.status != ZB_APPLY_REJECTED)
      res->applied++;
    res->rejected += pc->w.rejected - rejected;
    res->conflicts += pc->w.conflicts - conflicts;
  }
  zb__op__free_unpacked(op, NULL);
  return rc;
}

struct group_ctx {
  zb_push_req *reqs;
  size_t n;
  struct push_ctx pc;
  size_t failed;            /* the request that broke the protocol */
};

/* Applies every request still standing, in order, in one transaction.  A
 * request that breaks the protocol aborts the whole transaction and is
 * marked, and the group is run again without it: one bad peer never costs
 * an honest one its batch. */
static int group_write(zb_txn *t, void *ctx) {
  struct group_ctx *g = ctx;
  struct push_ctx *pc = &g->pc;
  uint8_t *buf = pc->w.buf;
  memset(&pc->w, 0, sizeof pc->w);
  pc->w.buf = buf;
  int rc = slog_begin(&pc->w, t);
  if (rc)
    return rc;
  for (size_t i = 0; i < g->n; i++) {
    zb_push_req *rq = &g->reqs[i];
    if (rq->rc)
      continue;
    memset(&rq->res, 0, sizeof rq->res);
    pc->req = rq;
    if ((rc = origin_load(t, rq->node_id, &pc->os)))
      return rc;
    rc = zb_batch_each(rq->zdata, rq->zlen, rq->raw_size, rq->count, push_item, pc);
    if (rc == ZB_EPROTO && !rq->res.why[0])
      snprintf(rq->res.why, sizeof rq->res.why, "a push batch is malformed");
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
  return slog_end(&pc->w);
}

int zb_hub_push_many(zb_hub *h, zb_push_req *reqs, size_t n) {
  struct group_ctx g = {.reqs = reqs, .n = n};
  g.pc.w.buf = malloc(SLOG_BUF);
  if (!g.pc.w.buf)
    return ZB_ENOMEM;
  for (size_t i = 0; i < n; i++)
    reqs[i].rc = 0;
  int rc;
  for (;;) {
    g.failed = SIZE_MAX;
    rc = zb_store_write(h->store, group_write, &g);
    if (rc != ZB_EPROTO || g.failed == SIZE_MAX)
      break;
    char why[sizeof reqs[0].res.why];
    memcpy(why, reqs[g.failed].res.why, sizeof why);
    memset(&reqs[g.failed].res, 0, sizeof reqs[g.failed].res);
    memcpy(reqs[g.failed].res.why, why, sizeof why);
    reqs[g.failed].rc = ZB_EPROTO;
  }
  if (rc) {
    for (size_t i = 0; i < n; i++)
      if (!reqs[i].rc)
        reqs[i].rc = rc;
  }
  free(g.pc.w.buf);
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
  uint8_t buf[ZB_OP_PACKED_MAX * 4];
};

static bool concerns(const Zb__ServerOp *so, const char *node_id, const char *org) {
  bool mine = strcmp(so->origin, node_id) == 0;
  if (so->outcome == ZB__OUTCOME__OUTCOME_REJECTED)
    return mine;
  if (mine)
    return so->outcome == ZB__OUTCOME__OUTCOME_CONFLICT;
  if (so->kind == ZB__RECORD_KIND__RECORD_KIND_ORG)
    return true;
  return zb_org_in_subtree(so->org_before, org) || zb_org_in_subtree(so->org_after, org);
}

/* so moves a member into org's subtree from elsewhere: the node has none of
 * the ops that made the record, so the entry carries the record's current
 * fields, one op per group of fields written together, with their stamps.
 * Applying them is last-writer-wins like any op, so later entries the node
 * pulls win or lose exactly as they did at the server. */
static int add_with_backfill(struct pull_ctx *pc, Zb__ServerOp *so) {
  Zb__Op *op = zb__op__unpack(NULL, so->op.len, so->op.data);
  if (!op || !op->set) {
    if (op)
      zb__op__free_unpacked(op, NULL);
    return ZB_ECORRUPT;
  }
  int rc = zb_rec_load(pc->t, ZB_KIND_MEMBER, op->set->key, &pc->rec);
  zb__op__free_unpacked(op, NULL);
  if (rc)
    return rc == ZB_ENOTFOUND ? ZB_ECORRUPT : rc;
  zb_rec *r = &pc->rec;
  Zb__Backfill bf[ZB_MF__COUNT], *bfp[ZB_MF__COUNT];
  Zb__Op ops[ZB_MF__COUNT];
  Zb__RecordSet sets[ZB_MF__COUNT];
  Zb__FieldSet fs[ZB_MF__COUNT], *fsp[ZB_MF__COUNT][ZB_MF__COUNT];
  int group[ZB_MF__COUNT], ngroups = 0;
  for (int i = 0; i < ZB_MF__COUNT; i++) {
    group[i] = -1;
    for (int j = 0; j < i; j++)
      if (r->st[j].hlc == r->st[i].hlc && strcmp(r->st[j].origin, r->st[i].origin) == 0) {
        group[i] = group[j];
        break;
      }
    if (group[i] < 0) {
      int g = group[i] = ngroups++;
      zb__backfill__init(&bf[g]);
      zb__op__init(&ops[g]);
      zb__record_set__init(&sets[g]);
      ops[g].origin = r->st[i].origin;
      ops[g].hlc = r->st[i].hlc;
      ops[g].actor = "";
      ops[g].body_case = ZB__OP__BODY_SET;
      ops[g].set = &sets[g];
      sets[g].kind = ZB__RECORD_KIND__RECORD_KIND_MEMBER;
      sets[g].key = r->m.v[ZB_MF_ID];
      sets[g].fields = fsp[g];
      bf[g].op = &ops[g];
      bf[g].server_seq = r->st[i].server_seq;
      bfp[g] = &bf[g];
    }
    if (i == 0)
      continue;   /* the key travels as the record set's key */
    Zb__RecordSet *set = &sets[group[i]];
    zb__field_set__init(&fs[i]);
    fs[i].field = (uint32_t)i;
    fs[i].value = r->m.v[i];
    set->fields[set->n_fields++] = &fs[i];
  }
  so->n_backfill = (size_t)ngroups;
  so->backfill = bfp;
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
    bool moved_in = so->kind == ZB__RECORD_KIND__RECORD_KIND_MEMBER &&
                    so->outcome != ZB__OUTCOME__OUTCOME_REJECTED && so->org_before[0] &&
                    !zb_org_in_subtree(so->org_before, pc->org) &&
                    zb_org_in_subtree(so->org_after, pc->org);
    rc = moved_in ? add_with_backfill(pc, so) : zb_batch_add(pc->out, packed, plen);
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
  zb_batch_reset(out);
  struct pull_ctx *pc = malloc(sizeof *pc);
  if (!pc)
    return ZB_ENOMEM;
  int rc = zb_store_read(h->store, &t);
  if (rc) {
    free(pc);
    return rc;
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

int zb_hub_stats(zb_hub *h, const char *org, zb_date as_of, zb_stats *out) {
  zb_txn *t;
  int rc = zb_store_read(h->store, &t);
  if (rc)
    return rc;
  rc = zb_state_stats(t, org, as_of, out);
  zb_txn_end(t);
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
};

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
  Zb__Op *op = so ? zb__op__unpack(NULL, so->op.len, so->op.data) : NULL;
  int rc = 0;
  struct origin_state *os = op ? verify_origin(vc, op->origin) : NULL;
  if (!so || !op || !os || so->server_seq != seq) {
    snprintf(vc->why, vc->whycap, "server log: entry %llu does not decode",
             (unsigned long long)seq);
    rc = ZB_ECORRUPT;
    goto out;
  }
  if (op->seq != os->held + 1) {
    snprintf(vc->why, vc->whycap, "server log: entry %llu holds op %llu of %s after op %llu",
             (unsigned long long)seq, (unsigned long long)op->seq, op->origin,
             (unsigned long long)os->held);
    rc = ZB_ECORRUPT;
    goto out;
  }
  op->prev_hash.data = os->hash;
  op->prev_hash.len = ZB_SHA256_LEN;
  size_t len = zb__op__get_packed_size(op);
  if (len > ZB_OP_PACKED_MAX) {
    rc = ZB_ECORRUPT;
    goto out;
  }
  zb__op__pack(op, vc->buf);
  zb_sha256(vc->buf, len, os->hash);
  os->held = op->seq;
  op->prev_hash.data = NULL;
  op->prev_hash.len = 0;
  if (vc->t && so->outcome != ZB__OUTCOME__OUTCOME_REJECTED) {
    zb_apply_result r;
    if ((rc = zb_merge_apply(vc->t, op, seq, NULL, ZB_APPLY_TRUSTED, &r)))
      goto out;
  }
  vc->expect++;
out:
  if (op)
    zb__op__free_unpacked(op, NULL);
  if (so)
    zb__server_op__free_unpacked(so, NULL);
  return rc;
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

static int verify_write(zb_txn *t, void *ctx) {
  struct verify_ctx *vc = ctx;
  uint8_t stored[ZB_SHA256_LEN], rebuilt[ZB_SHA256_LEN];
  uint64_t head;
  zb_val v;
  int rc = zb_meta_get_u64(t, "slog_head", &head);
  if (rc)
    return rc;
  if ((rc = zb_state_hash(t, stored)))
    return rc;
  for (size_t i = 0; i < ZB_STATE_NDBS && !rc; i++)
    rc = zb_txn_drop(t, zb_state_dbs[i]);
  if (rc)
    return rc;
  vc->t = t;
  vc->expect = 1;
  vc->norigins = 0;
  memset(vc->chain, 0, sizeof vc->chain);
  if ((rc = zb_txn_scan(t, ZB_DB_SLOG, NULL, 0, verify_row, vc)))
    return rc;
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
  if ((rc = verify_origins(vc, t)))
    return rc;
  if ((rc = zb_state_hash(t, rebuilt)))
    return rc;
  if (memcmp(stored, rebuilt, sizeof stored) != 0) {
    snprintf(vc->why, vc->whycap, "state: the stored records differ from a rebuild from the log");
    return ZB_ECORRUPT;
  }
  return 0;
}

int zb_hub_verify(zb_hub *h, char *why, size_t cap) {
  struct verify_ctx vc = {.why = why, .whycap = cap, .buf = malloc(ZB_OP_PACKED_MAX)};
  why[0] = '\0';
  if (!vc.buf)
    return ZB_ENOMEM;
  int rc = zb_store_write_discard(h->store, verify_write, &vc);
  free(vc.origins);
  free(vc.buf);
  return rc;
}
