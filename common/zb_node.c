#include "zb_node.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "zb_csv.h"
#include "zb_err.h"
#include "zb_hlc.h"
#include "zb_log.h"
#include "zb_merge.h"
#include "zb_pki.h"
#include "zb_utf8.h"

struct zb_node {
  zb_store *store;
  char id[ZB_NODE_ID_MAX + 1];
  char org[ZB_FIELD_MAX + 1];
  char actor[ZB_NODE_ID_MAX + 1];
  char bundle[4200];
  bool warned_clock;
};


/* ---- open / init ---- */

struct init_args {
  const char *id, *org, *server;
};

static int init_write(zb_txn *t, void *ctx) {
  struct init_args *a = ctx;
  int rc = zb_meta_put_str(t, "node_id", a->id);
  if (!rc)
    rc = zb_meta_put_str(t, "org", a->org);
  if (!rc)
    rc = zb_meta_put_u64(t, "format", 1);
  if (!rc && a->server)
    rc = zb_meta_put_str(t, "server", a->server);
  if (!rc && a->server)
    rc = zb_meta_put_u64(t, "enrolled", 1);
  return rc;
}

/* Creates the node in one transaction (enrolled when server is set). */
static int node_create(const char *dir, const char *node_id, const char *org, const char *server,
                       const char **why) {
  *why = NULL;
  if (!zb_node_id_valid(node_id)) {
    *why = "--node-id must be 1-64 ASCII letters, digits, '-', '_' or '.'";
    return ZB_EINVAL;
  }
  if (!zb_org_code_valid(org)) {
    *why = "--org is not an org code such as 430121-03-07";
    return ZB_EINVAL;
  }
  zb_store *s = NULL;
  zb_txn *t = NULL;
  char existing[ZB_NODE_ID_MAX + 1];
  int rc = zb_store_open(dir, true, &s);
  if (rc)
    return rc;
  if ((rc = zb_store_read(s, &t)))
    goto out;
  rc = zb_meta_get_str(t, "node_id", existing, sizeof existing);
  zb_txn_end(t);
  if (rc == 0) {
    rc = ZB_EEXIST;
    goto out;
  }
  if (rc != ZB_ENOTFOUND)
    goto out;
  struct init_args a = {node_id, org, server};
  rc = zb_store_write(s, init_write, &a);
out:
  zb_store_close(s);
  return rc;
}

int zb_node_init(const char *dir, const char *node_id, const char *org, const char **why) {
  return node_create(dir, node_id, org, NULL, why);
}

int zb_node_open(const char *dir, zb_node **out) {
  zb_node *n = calloc(1, sizeof *n);
  zb_txn *t = NULL;
  if (!n)
    return ZB_ENOMEM;
  /* In-place writes: an import of a million rows dirties more pages than
   * LMDB's dirty list holds (docs/DESIGN-NOTES.md, "Storage"). */
  int rc = zb_store_open_flags(dir, false, zb_store_initial_map(), ZB_STORE_WRITEMAP, &n->store);
  if (rc)
    goto out;
  if ((rc = zb_store_read(n->store, &t)))
    goto out;
  rc = zb_meta_get_str(t, "node_id", n->id, sizeof n->id);
  if (rc == 0)
    rc = zb_meta_get_str(t, "org", n->org, sizeof n->org);
  if (rc == ZB_ENOTFOUND)
    rc = ZB_ENOTINIT;
  uint64_t enrolled = 0;
  if (rc == 0)
    rc = zb_meta_get_u64(t, "enrolled", &enrolled);
  if (rc == 0 && enrolled)
    snprintf(n->bundle, sizeof n->bundle, "%s/enrollment.bundle", dir);
  zb_txn_end(t);
  snprintf(n->actor, sizeof n->actor, "unknown");
out:
  if (rc) {
    zb_node_close(n);
    return rc;
  }
  *out = n;
  return 0;
}

void zb_node_close(zb_node *n) {
  if (!n)
    return;
  zb_store_close(n->store);
  free(n);
}

const char *zb_node_id(const zb_node *n) { return n->id; }
const char *zb_node_org(const zb_node *n) { return n->org; }

void zb_node_set_actor(zb_node *n, const char *actor) {
  snprintf(n->actor, sizeof n->actor, "%s", actor && *actor ? actor : "unknown");
  /* Cut to ZB_NODE_ID_MAX bytes on a character boundary (a UTF-8
   * continuation byte is 10xxxxxx), and keep only text: the op's actor
   * must pass the same check at the server (zb_merge.h). */
  size_t len = strlen(n->actor);
  if (len == ZB_NODE_ID_MAX)
    while (len > 0 && ((unsigned char)n->actor[len] & 0xc0) == 0x80)
      n->actor[--len] = '\0';
  if (len == ZB_NODE_ID_MAX && actor && strlen(actor) > len) {
    size_t cut = len;
    while (cut > 0 && ((unsigned char)actor[cut] & 0xc0) == 0x80)
      cut--;
    n->actor[cut] = '\0';
  }
  if (!zb_utf8_valid(n->actor, strlen(n->actor)))
    snprintf(n->actor, sizeof n->actor, "unknown");
}

/* ---- writing ops ---- */

/* One write transaction's worth of local ops. */
struct writer {
  zb_node *n;
  zb_txn *t;
  zb_oplog_head head;
  uint64_t cursor;
};

static int writer_begin(struct writer *w, zb_node *n, zb_txn *t) {
  w->n = n;
  w->t = t;
  int rc = zb_oplog_head_load(t, &w->head);
  if (!rc)
    rc = zb_meta_get_u64(t, "cursor", &w->cursor);
  return rc;
}

static int writer_end(struct writer *w) { return zb_oplog_head_save(w->t, &w->head); }

/* Makes an op that sets fields[0..nf) of record (kind, key) to vals, applies
 * it to the state and, if it applied, appends it to the log.  A rejected op
 * changes nothing and is not logged: r says why. */
static int writer_set(struct writer *w, enum zb_kind kind, const char *key, const int *fields,
                      char *const *vals, size_t nf, zb_apply_result *r) {
  Zb__FieldSet fs[ZB_MF__COUNT], *fsp[ZB_MF__COUNT];
  for (size_t i = 0; i < nf; i++) {
    zb__field_set__init(&fs[i]);
    fs[i].field = (uint32_t)fields[i];
    fs[i].value = vals[i];
    fsp[i] = &fs[i];
  }
  Zb__RecordSet set = ZB__RECORD_SET__INIT;
  set.kind = kind == ZB_KIND_MEMBER ? ZB__RECORD_KIND__RECORD_KIND_MEMBER
                                    : ZB__RECORD_KIND__RECORD_KIND_ORG;
  set.key = (char *)key;
  set.n_fields = nf;
  set.fields = fsp;
  Zb__Op op = ZB__OP__INIT;
  bool back = false;
  uint64_t wall = zb_hlc_wall_ms();
  w->head.hlc = zb_hlc_next(w->head.hlc, wall, &back);
  if (back && !w->n->warned_clock) {
    w->n->warned_clock = true;
    zb_log_warn("the system clock is %llu s behind the last recorded change; "
                "timestamps continue from the recorded time (check the PC's clock)",
                (unsigned long long)((ZB_HLC_MS(w->head.hlc) - wall) / 1000));
  }
  op.origin = w->n->id;
  op.hlc = w->head.hlc;
  op.actor = w->n->actor;
  op.base_cursor = w->cursor;
  op.body_case = ZB__OP__BODY_SET;
  op.set = &set;
  int rc = zb_merge_apply(w->t, &op, 0, w->n->org, 0, r);
  if (rc || r->status == ZB_APPLY_REJECTED)
    return rc;
  return zb_oplog_append(w->t, &w->head, &op);
}

/* ---- imports ---- */

static int sink_begin(void *ctx, zb_txn *t) {
  struct writer *w = ctx;
  return writer_begin(w, w->n, t);
}

static int sink_set(void *ctx, enum zb_kind kind, const char *key, const int *fields,
                    char *const *vals, size_t nf, zb_apply_result *r) {
  return writer_set(ctx, kind, key, fields, vals, nf, r);
}

static int sink_end(void *ctx) { return writer_end(ctx); }

static int node_import(zb_node *n, enum zb_kind kind, const char *path,
                       zb_input_problem_fn problem, void *ctx, zb_import_result *res) {
  struct writer w = {.n = n};
  zb_import_sink sink = {sink_begin, sink_set, sink_end, &w, n->org};
  return zb_import_csv(n->store, kind, path, &sink, problem, ctx, res);
}

int zb_node_member_import(zb_node *n, const char *path, zb_input_problem_fn problem,
                          void *ctx, zb_import_result *res) {
  return node_import(n, ZB_KIND_MEMBER, path, problem, ctx, res);
}

int zb_node_org_import(zb_node *n, const char *path, zb_input_problem_fn problem,
                       void *ctx, zb_import_result *res) {
  return node_import(n, ZB_KIND_ORG, path, problem, ctx, res);
}

/* ---- single-member writes ---- */

struct member_write {
  zb_node *n;
  const char *id;                 /* update: the member */
  const bool *set;                /* update: which fields */
  zb_member *m;                   /* add: the member; update: the values */
  zb_problems probs;
  bool changed;
  zb_date today;
  zb_rec cur, next;
};

static void write_field_problem(void *ctx, int field, const char *reason) {
  struct member_write *mw = ctx;
  zb_problems_add(&mw->probs, 0, zb_field_name(ZB_KIND_MEMBER, field), reason);
}

/* Assigns "<node id>-<n>" (node id cut to fit the 32-byte id limit) with a
 * per-node counter, so ids made on different nodes never collide. */
static int assign_id(zb_txn *t, const char *node_id, char out[ZB_FIELD_MAX + 1]) {
  uint64_t next;
  int rc = zb_meta_get_u64(t, "next_member_no", &next);
  if (rc)
    return rc;
  for (;;) {
    next++;
    snprintf(out, ZB_FIELD_MAX + 1, "%.20s-%06llu", node_id, (unsigned long long)next);
    zb_val v;
    rc = zb_txn_get(t, ZB_DB_MEMBERS, out, strlen(out), &v);
    if (rc == ZB_ENOTFOUND)
      break;
    if (rc)
      return rc;
  }
  return zb_meta_put_u64(t, "next_member_no", next);
}

static int finish_write(struct member_write *mw, struct writer *w, zb_rec *cur) {
  int fields[ZB_MF__COUNT];
  char *vals[ZB_MF__COUNT];
  size_t nf = zb_rec_diff(ZB_KIND_MEMBER, cur, &mw->next, fields, vals);
  if (cur && nf == 0)
    return 0;
  zb_apply_result r;
  int rc = writer_set(w, ZB_KIND_MEMBER, mw->next.m.v[ZB_MF_ID], fields, vals, nf, &r);
  if (rc)
    return rc;
  if (r.status == ZB_APPLY_REJECTED) {
    zb_problems_add(&mw->probs, 0, zb_field_name(ZB_KIND_MEMBER, r.field), r.reason);
    return r.scope ? ZB_ESCOPE : ZB_EINVAL;
  }
  mw->changed = true;
  return writer_end(w);
}

static int add_write(zb_txn *t, void *ctx) {
  struct member_write *mw = ctx;
  struct writer w;
  zb_problems_reset(&mw->probs);
  int rc = writer_begin(&w, mw->n, t);
  if (rc)
    return rc;
  zb_member *m = &mw->next.m;
  memset(&mw->next, 0, sizeof mw->next);
  mw->next.kind = ZB_KIND_MEMBER;
  *m = *mw->m;
  if (!m->v[ZB_MF_ID][0] && (rc = assign_id(t, mw->n->id, m->v[ZB_MF_ID])))
    return rc;
  if (!m->v[ZB_MF_CATEGORY][0])
    snprintf(m->v[ZB_MF_CATEGORY], sizeof m->v[ZB_MF_CATEGORY], "%s",
             m->v[ZB_MF_FULL_DATE][0] ? "正式党员" : "预备党员");
  if (zb_member_validate(m, mw->today, write_field_problem, mw) > 0)
    return ZB_EINVAL;
  zb_val v;
  rc = zb_txn_get(t, ZB_DB_MEMBERS, m->v[ZB_MF_ID], strlen(m->v[ZB_MF_ID]), &v);
  if (rc == 0)
    return ZB_EEXIST;
  if (rc != ZB_ENOTFOUND)
    return rc;
  return finish_write(mw, &w, NULL);
}

static int update_write(zb_txn *t, void *ctx) {
  struct member_write *mw = ctx;
  struct writer w;
  zb_problems_reset(&mw->probs);
  mw->changed = false;
  int rc = writer_begin(&w, mw->n, t);
  if (rc)
    return rc;
  if ((rc = zb_rec_load(t, ZB_KIND_MEMBER, mw->id, &mw->cur)))
    return rc;
  mw->next = mw->cur;
  for (int i = 1; i < ZB_MF__COUNT; i++)
    if (mw->set[i])
      memcpy(mw->next.m.v[i], mw->m->v[i], sizeof mw->next.m.v[i]);
  if (zb_member_validate(&mw->next.m, mw->today, write_field_problem, mw) > 0)
    return ZB_EINVAL;
  return finish_write(mw, &w, &mw->cur);
}

static int member_write(zb_node *n, struct member_write *mw, zb_write_fn fn,
                        zb_input_problem_fn problem, void *ctx) {
  mw->n = n;
  mw->today = zb_date_today();
  int rc = zb_store_write(n->store, fn, mw);
  zb_problems_emit(&mw->probs, NULL, problem, ctx);
  zb_problems_free(&mw->probs);
  return rc;
}

int zb_node_member_add(zb_node *n, zb_member *m, zb_input_problem_fn problem, void *ctx) {
  struct member_write *mw = calloc(1, sizeof *mw);
  if (!mw)
    return ZB_ENOMEM;
  mw->m = m;
  int rc = member_write(n, mw, add_write, problem, ctx);
  if (rc == 0)
    *m = mw->next.m;
  free(mw);
  return rc;
}

int zb_node_member_update(zb_node *n, const char *id, const bool set[ZB_MF__COUNT],
                          const zb_member *values, zb_input_problem_fn problem,
                          void *ctx, bool *changed) {
  struct member_write *mw = calloc(1, sizeof *mw);
  if (!mw)
    return ZB_ENOMEM;
  mw->id = id;
  mw->set = set;
  mw->m = (zb_member *)values;
  int rc = member_write(n, mw, update_write, problem, ctx);
  if (changed)
    *changed = mw->changed;
  free(mw);
  return rc;
}

/* ---- reads ---- */

int zb_node_member_get(zb_node *n, const char *id, zb_member *out) {
  zb_txn *t;
  int rc = zb_store_read(n->store, &t);
  if (rc)
    return rc;
  rc = zb_member_load(t, id, out);
  zb_txn_end(t);
  return rc;
}

int zb_node_members(zb_node *n, const char *org, zb_member_fn fn, void *ctx) {
  if (org && !zb_org_in_subtree(org, n->org))
    return ZB_ESCOPE;
  zb_txn *t;
  int rc = zb_store_read(n->store, &t);
  if (rc)
    return rc;
  rc = zb_members_in_subtree(t, org ? org : n->org, fn, ctx);
  zb_txn_end(t);
  return rc;
}

int zb_node_orgs(zb_node *n, zb_org_fn fn, void *ctx) {
  zb_txn *t;
  int rc = zb_store_read(n->store, &t);
  if (rc)
    return rc;
  rc = zb_orgs_in_subtree(t, NULL, fn, ctx);
  zb_txn_end(t);
  return rc;
}

int zb_node_stats(zb_node *n, const char *org, zb_date as_of, zb_stats *out) {
  if (org && !zb_org_in_subtree(org, n->org))
    return ZB_ESCOPE;
  zb_txn *t;
  int rc = zb_store_read(n->store, &t);
  if (rc)
    return rc;
  rc = zb_state_stats(t, org ? org : n->org, as_of, out);
  zb_txn_end(t);
  return rc;
}

int zb_node_digest(zb_node *n, char out[65]) {
  zb_txn *t;
  int rc = zb_store_read(n->store, &t);
  if (rc)
    return rc;
  rc = zb_state_digest(t, n->org, out);
  zb_txn_end(t);
  return rc;
}

int zb_node_info_get(zb_node *n, zb_node_info *out) {
  zb_txn *t;
  memset(out, 0, sizeof *out);
  int rc = zb_store_read(n->store, &t);
  if (rc)
    return rc;
  snprintf(out->node_id, sizeof out->node_id, "%s", n->id);
  snprintf(out->org, sizeof out->org, "%s", n->org);
  zb_oplog_head h;
  if ((rc = zb_oplog_head_load(t, &h)))
    goto out;
  out->head_seq = h.seq;
  out->hlc = h.hlc;
  if ((rc = zb_meta_get_u64(t, "acked_seq", &out->acked_seq)) ||
      (rc = zb_meta_get_u64(t, "cursor", &out->cursor)) ||
      (rc = zb_meta_get_u64(t, "last_sync_ms", &out->last_sync_ms)) ||
      (rc = zb_meta_get_u64(t, "server_time_ms", &out->server_time_ms)))
    goto out;
  /* Members who moved out of the scope stay in the table (their history
   * does) but are not this node's any more. */
  if ((rc = zb_members_count(t, n->org, &out->members)))
    goto out;
  out->orgs = zb_txn_count(t, ZB_DB_ORGS);
  out->conflicts = zb_txn_count(t, ZB_DB_CONFLICTS);
  out->rejected = zb_txn_count(t, ZB_DB_REJECTED);
  if (zb_meta_get_str(t, "server", out->server, sizeof out->server) == ZB_ENOTFOUND)
    out->server[0] = '\0';
out:
  zb_txn_end(t);
  return rc;
}

int zb_node_log(zb_node *n, uint64_t since, zb_op_fn fn, void *ctx) {
  zb_txn *t;
  int rc = zb_store_read(n->store, &t);
  if (rc)
    return rc;
  rc = zb_oplog_scan(t, since, fn, ctx);
  zb_txn_end(t);
  return rc;
}

/* ---- verify ---- */

struct rebuild {
  zb_node *n;
  zb_txn *t;
  char *why;
  size_t cap;
  const char *key;          /* replay only this record (rollback), or NULL */
  enum zb_kind kind;
};

static bool rebuild_wants(const struct rebuild *rb, const Zb__Op *op) {
  if (!rb->key)
    return true;
  return op->set && (int)op->set->kind == (int)rb->kind && strcmp(op->set->key, rb->key) == 0;
}

/* The backfill an entry carries (a member moving into this node's scope),
 * applied before the entry's own op. */
static int apply_backfill(zb_txn *t, const Zb__ServerOp *so, const struct rebuild *rb) {
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
static uint64_t entry_hlc(const Zb__ServerOp *so, const Zb__Op *op) {
  return so->hlc ? so->hlc : op->hlc;
}

/* Applies a pulled op (trusted: the server checked it) at its time. */
static int apply_pulled(zb_txn *t, const Zb__ServerOp *so, const Zb__Op *op,
                        zb_apply_result *r) {
  uint64_t hlc = entry_hlc(so, op);
  return zb_merge_apply_at(t, op, hlc, zb_hlc_today(hlc), so->server_seq, NULL,
                           ZB_APPLY_TRUSTED, r);
}

static int replay_pulled(void *ctx, zb_val key, zb_val val) {
  struct rebuild *rb = ctx;
  (void)key;
  Zb__ServerOp *so = zb__server_op__unpack(NULL, val.len, val.data);
  if (!so)
    return ZB_ECORRUPT;
  Zb__Op *op = so->outcome == ZB__OUTCOME__OUTCOME_REJECTED
                   ? NULL
                   : zb__op__unpack(NULL, so->op.len, so->op.data);
  int rc = op ? apply_backfill(rb->t, so, rb) : 0;
  if (!rc && op && rebuild_wants(rb, op)) {
    zb_apply_result r;
    rc = apply_pulled(rb->t, so, op, &r);
  }
  if (op)
    zb__op__free_unpacked(op, NULL);
  zb__server_op__free_unpacked(so, NULL);
  return rc;
}

static int replay_own(void *ctx, const Zb__Op *op, zb_val packed) {
  struct rebuild *rb = ctx;
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
static int replay(struct rebuild *rb) {
  int rc = zb_txn_scan(rb->t, ZB_DB_PLOG, NULL, 0, replay_pulled, rb);
  if (!rc)
    rc = zb_oplog_scan(rb->t, 0, replay_own, rb);
  return rc;
}

/* Rebuilds the state from the logs inside a transaction that is thrown away
 * afterwards, and compares it with what was stored. */
static int rebuild_write(zb_txn *t, void *ctx) {
  struct rebuild *rb = ctx;
  uint8_t stored[ZB_SHA256_LEN], rebuilt[ZB_SHA256_LEN];
  int rc = zb_state_hash(t, stored);
  for (size_t i = 0; i < ZB_STATE_NDBS && !rc; i++)
    rc = zb_txn_drop(t, zb_state_dbs[i]);
  if (rc)
    return rc;
  rb->t = t;
  if ((rc = replay(rb)))
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
  struct rebuild rb = {.n = n, .why = why, .cap = cap};
  return zb_store_write_discard(n->store, rebuild_write, &rb);
}

/* ---- sync state ---- */

const char *zb_node_bundle_path(const zb_node *n) { return n->bundle; }

static int copy_file(const char *from, const char *to) {
  FILE *in = fopen(from, "rb");
  if (!in)
    return ZB_EIO;
  int fd = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  FILE *out = fd >= 0 ? fdopen(fd, "wb") : NULL;
  int rc = out ? 0 : ZB_EIO;
  char buf[8192];
  size_t k;
  while (!rc && (k = fread(buf, 1, sizeof buf, in)) > 0)
    if (fwrite(buf, 1, k, out) != k)
      rc = ZB_EIO;
  if (ferror(in))
    rc = ZB_EIO;
  fclose(in);
  if (out) {
    if (fflush(out) != 0 || fsync(fileno(out)) != 0)
      rc = ZB_EIO;
    fclose(out);
  } else if (fd >= 0) {
    close(fd);
  }
  return rc;
}

int zb_node_init_enrolled(const char *dir, const char *bundle, const char *node_id,
                          const char *org, char *why, size_t cap) {
  zb_bundle b;
  memset(&b, 0, sizeof b);
  int rc = zb_pki_bundle_read(bundle, &b, why, cap);
  if (rc == ZB_ENOTFOUND || rc == ZB_EIO)
    snprintf(why, cap, "%s: cannot read the bundle", bundle);
  if (rc)
    return rc == ZB_ENOTFOUND ? ZB_EINVAL : rc;
  if ((node_id && strcmp(node_id, b.node_id) != 0) || (org && strcmp(org, b.org) != 0)) {
    snprintf(why, cap, "%s was issued to node %s of org %s, not to what --node-id/--org say",
             bundle, b.node_id, b.org);
    zb_bundle_clear(&b);
    return ZB_EINVAL;
  }
  /* An existing node keeps its bundle: check before copying anything. */
  zb_node *existing = NULL;
  if (zb_node_open(dir, &existing) == 0) {
    zb_node_close(existing);
    zb_bundle_clear(&b);
    return ZB_EEXIST;
  }
  char path[4200], tmp[4300];
  snprintf(path, sizeof path, "%s/enrollment.bundle", dir);
  snprintf(tmp, sizeof tmp, "%s.tmp", path);
  if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
    snprintf(why, cap, "cannot create %s: %s", dir, strerror(errno));
    zb_bundle_clear(&b);
    return ZB_EIO;
  }
  rc = copy_file(bundle, tmp);
  if (!rc && rename(tmp, path) != 0)
    rc = ZB_EIO;
  if (rc) {
    unlink(tmp);
    snprintf(why, cap, "cannot copy the bundle into %s", dir);
    zb_bundle_clear(&b);
    return rc;
  }
  /* The node and its enrollment are created in one transaction. */
  const char *w = NULL;
  rc = node_create(dir, b.node_id, b.org, b.server, &w);
  if (rc) {
    unlink(path);
    if (w)
      snprintf(why, cap, "%s", w);
  }
  zb_bundle_clear(&b);
  return rc;
}

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

static int done_write(zb_txn *t, void *ctx) {
  return zb_meta_put_u64(t, "last_sync_ms", *(uint64_t *)ctx);
}

int zb_node_sync_done(zb_node *n, uint64_t wall_ms) {
  return zb_store_write(n->store, done_write, &wall_ms);
}

struct pull_apply {
  zb_node *n;
  const uint8_t *zdata;
  size_t zlen;
  uint64_t raw_size, cursor;
  uint32_t count;
  zb_txn *t;
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
  return *out && (*out)->set ? 0 : ZB_ECORRUPT;
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
  rc = zb_rec_load(pa->t, (enum zb_kind)op->set->kind, op->set->key, r);
  if (rc == 0) {
    int nf = zb_rec_nfields(r->kind);
    for (int i = 0; i < nf; i++)
      if (r->st[i].hlc == op->hlc && strcmp(r->st[i].origin, op->origin) == 0) {
        r->st[i].hlc = hlc;
        if (sseq > r->st[i].server_seq)
          r->st[i].server_seq = sseq;
      }
    rc = zb_rec_store(pa->t, r);
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
    enum zb_kind kind = (enum zb_kind)op->set->kind;
    if ((rc = zb_rec_delete(pa->t, kind, op->set->key)))
      goto out;
    struct rebuild rb = {.n = pa->n, .t = pa->t, .key = op->set->key, .kind = kind};
    rc = replay(&rb);
    pa->counts.rejected++;
    goto out;
  }
  op = zb__op__unpack(NULL, so->op.len, so->op.data);
  if (!op || !op->set) {
    rc = ZB_EPROTO;
    goto out;
  }
  zb_u64_be(so->server_seq, key);
  if ((rc = zb_txn_put(pa->t, ZB_DB_PLOG, key, 8, item, len, 0)))
    goto out;
  /* Later local writes must order after everything this node has seen, as
   * the server timed it (a forged HLC never reaches this node's clock). */
  pa->head.hlc = zb_hlc_observe(pa->head.hlc, entry_hlc(so, op), zb_hlc_wall_ms());
  zb_apply_result r;
  if (mine && so->restamped && (rc = restamp_own(pa, op, entry_hlc(so, op), so->server_seq)))
    goto out;
  if ((rc = apply_backfill(pa->t, so, NULL)))
    goto out;
  if ((rc = apply_pulled(pa->t, so, op, &r)))
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
  memset(&pa->counts, 0, sizeof pa->counts);
  pa->t = t;
  int rc = zb_oplog_head_load(t, &pa->head);
  if (rc)
    return rc;
  rc = zb_batch_each(pa->zdata, pa->zlen, pa->raw_size, pa->count, pull_item, pa);
  if (!rc)
    rc = zb_meta_put_u64(t, "cursor", pa->cursor);
  if (!rc)
    rc = zb_meta_put_u64(t, "hlc", pa->head.hlc);
  return rc;
}

int zb_node_pull_apply(zb_node *n, const uint8_t *zdata, size_t zlen, uint64_t raw_size,
                       uint32_t count, uint64_t cursor, zb_pull_counts *pc) {
  struct pull_apply pa = {.n = n, .zdata = zdata, .zlen = zlen, .raw_size = raw_size,
                          .cursor = cursor, .count = count};
  int rc = zb_store_write(n->store, pull_write, &pa);
  if (pc)
    *pc = pa.counts;
  return rc;
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
  if (!rc)
    rc = lc->rfn(lc->ctx, so, op);
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
