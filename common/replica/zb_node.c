/*
 * zb_node.c — a node's own writes and reads (zb_node.h): init and
 * enrollment, local ops appended and applied in one transaction, imports,
 * member add/update, lists, stats, digest, info, log.  Sync state is in
 * zb_node_sync.c, replay and verify in zb_node_replay.c; what they share
 * is zb_node_priv.h.  docs/DESIGN-NOTES.md, "Ops and the hash chain".
 */
#include "zb_msg.h"
#include "zb_node.h"
#include "zb_node_priv.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "zb_bundle.h"
#include "zb_csv.h"
#include "zb_err.h"
#include "zb_hlc.h"
#include "zb_log.h"
#include "zb_funnel.h"
#include "zb_life.h"
#include "zb_log.h"
#include "zb_points.h"
#include "zb_merge.h"
#include "zb_sha.h"
#include "zb_utf8.h"

/* ---- open / init ---- */

struct init_args {
  const char *id, *org, *server;
  bool restore;
};

static int init_write(zb_txn *t, void *ctx) {
  struct init_args *a = ctx;
  int rc = zb_meta_put_str(t, "node_id", a->id);
  if (!rc)
    rc = zb_meta_put_str(t, "org", a->org);
  if (!rc)
    rc = zb_meta_put_u64(t, "format", ZB_NODE_FORMAT);
  if (!rc)
    rc = zb_state_format_mark(t);
  if (!rc && a->server)
    rc = zb_meta_put_str(t, "server", a->server);
  if (!rc && a->server)
    rc = zb_meta_put_u64(t, "enrolled", 1);
  if (!rc && a->restore)
    rc = zb_meta_put_u64(t, "restore", 1);
  return rc;
}

/* Creates the node in one transaction (enrolled when server is set). */
static int node_create(const char *dir, const char *node_id, const char *org, const char *server,
                       bool restore, const char **why) {
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
  struct init_args a = {node_id, org, server, restore};
  rc = zb_store_write(s, init_write, &a);
out:
  zb_store_close(s);
  return rc;
}

int zb_node_init(const char *dir, const char *node_id, const char *org, const char **why) {
  return node_create(dir, node_id, org, NULL, false, why);
}

/* The points scheme of the data directory (zb_points.h): it decides what
 * this replica accepts, so a broken one stops the open, saying why. */
static int load_scheme(const char *dir) {
  char why[512];
  int rc = zb_points_load_dir(dir, why, sizeof why);
  if (rc == ZB_EINVAL)
    zb_log_error("points scheme: %s", why);
  return rc;
}

int zb_node_open(const char *dir, zb_node **out) {
  zb_node *n = calloc(1, sizeof *n);
  zb_txn *t = NULL;
  if (!n)
    return ZB_ENOMEM;
  int rc = zb_store_open(dir, false, &n->store);
  if (!rc)
    rc = zb_node_upgrade(n->store);
  if (!rc)
    rc = zb_state_upgrade(n->store);
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
  if (rc == 0)
    rc = load_scheme(dir);
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
  if (!actor || !*actor)
    actor = "unknown";
  /* At most ZB_NODE_ID_MAX bytes, cut before a character rather than inside
   * one (a UTF-8 continuation byte is 10xxxxxx), and text only: the op's
   * actor must pass the same check at the server (zb_merge.h). */
  size_t len = strnlen(actor, ZB_NODE_ID_MAX + 1);
  if (len > ZB_NODE_ID_MAX)
    for (len = ZB_NODE_ID_MAX; len > 0 && ((unsigned char)actor[len] & 0xc0) == 0x80;)
      len--;
  memcpy(n->actor, actor, len);
  n->actor[len] = '\0';
  if (len == 0 || !zb_utf8_valid(n->actor, len))
    snprintf(n->actor, sizeof n->actor, "unknown");
}

/* ---- writing ops ---- */

/* One write transaction's worth of local ops. */
struct writer {
  zb_node *n;
  zb_txn *t;
  zb_oplog_head head;
  uint64_t cursor;
  unsigned flags;   /* of zb_merge_apply: ZB_APPLY_CHECKED when the writer
                       validated each record it sets */
};

static int writer_begin(struct writer *w, zb_node *n, zb_txn *t) {
  w->n = n;
  w->t = t;
  w->flags = 0;
  /* A replacement PC writes nothing before it has its node's log back
   * (docs/PROTOCOL.md, "Restoring a replaced PC"): its seqs would clash
   * with the old PC's. */
  uint64_t restoring = 0;
  int rc = zb_meta_get_u64(t, "restore", &restoring);
  if (!rc && restoring)
    rc = ZB_ERESTORE;
  if (!rc)
    rc = zb_oplog_head_load(t, &w->head);
  if (!rc)
    rc = zb_meta_get_u64(t, "cursor", &w->cursor);
  return rc;
}

static int writer_end(struct writer *w) { return zb_oplog_head_save(w->t, &w->head); }

/* Stamps op (its body filled in) as this node's next write, applies it to
 * the state and, if it applied, appends it to the log and indexes it under
 * its record.  A rejected op changes nothing and is not logged: r says
 * why. */
static int writer_apply(struct writer *w, Zb__Op *op, zb_apply_result *r) {
  bool back = false;
  uint64_t wall = zb_hlc_wall_ms();
  w->head.hlc = zb_hlc_next(w->head.hlc, wall, &back);
  if (back && !w->n->warned_clock) {
    w->n->warned_clock = true;
    char d[64];
    zb_msg_duration(ZB_HLC_MS(w->head.hlc) - wall, d, sizeof d);
    zb_log_warn(zb_msg("sync.clock_went_back"), d);
  }
  op->origin = w->n->id;
  op->hlc = w->head.hlc;
  op->actor = w->n->actor;
  op->base_cursor = w->cursor;
  int rc = zb_merge_apply(w->t, op, 0, w->n->org, w->flags, r);
  if (rc || r->status == ZB_APPLY_REJECTED)
    return rc;
  if ((rc = zb_oplog_append(w->t, &w->head, op)))
    return rc;
  int kind;
  const char *key;
  zb_op_target(op, &kind, &key, NULL);
  return zb_node_index_op(w->t, kind, key, ZB_NODE_OP_OWN, w->head.seq);
}

/* An op that sets fields[0..nf) of record (kind, key) to vals. */
static int writer_set(struct writer *w, const zb_kind_desc *kind, const char *key, const int *fields,
                      char *const *vals, size_t nf, zb_apply_result *r) {
  zb_set_body body;
  Zb__Op op = ZB__OP__INIT;
  zb_op_set_body(&op, &body, kind, key, fields, vals, nf);
  return writer_apply(w, &op, r);
}

/* ---- imports ---- */

static int sink_begin(void *ctx, zb_txn *t) {
  struct writer *w = ctx;
  int rc = writer_begin(w, w->n, t);
  /* zb_import_csv checked every row, which is the whole record it sets. */
  w->flags = ZB_APPLY_CHECKED;
  return rc;
}

static int sink_set(void *ctx, const zb_kind_desc *kind, const char *key, const int *fields,
                    char *const *vals, size_t nf, zb_apply_result *r) {
  return writer_set(ctx, kind, key, fields, vals, nf, r);
}

static int sink_end(void *ctx) { return writer_end(ctx); }

static int assign_key(zb_txn *t, const zb_kind_desc *kd, const char *node_id,
                      char out[ZB_FIELD_MAX + 1], zb_rec *scratch);

/* The sink of an import: the writer, and room to try keys in. */
struct import_writer {
  struct writer w;   /* first: the sink's ctx is also a struct writer */
  zb_rec scratch;
};

/* A row without a key gets one the way member add does (assign_key). */
static int sink_assign_key(void *ctx, const zb_kind_desc *kind, char key[ZB_FIELD_MAX + 1]) {
  struct import_writer *iw = ctx;
  return assign_key(iw->w.t, kind, iw->w.n->id, key, &iw->scratch);
}

int zb_node_import(zb_node *n, const zb_kind_desc *kd, const char *path,
                   zb_input_problem_fn problem, void *ctx, zb_import_result *res) {
  struct import_writer *iw = calloc(1, sizeof *iw);
  if (!iw)
    return ZB_ENOMEM;
  iw->w.n = n;
  zb_import_sink sink = {sink_begin, sink_set, sink_end, &iw->w, n->org, sink_assign_key};
  int rc = zb_import_csv(n->store, kd, path, &sink, problem, ctx, res);
  free(iw);
  return rc;
}

/* ---- single-record writes ---- */

struct rec_write {
  zb_node *n;
  const zb_kind_desc *kd;
  const char *key;                /* update: the record */
  const bool *set;                /* update: which fields */
  const zb_value *v;              /* add: the record; update: the values */
  zb_problems probs;
  bool changed;
  zb_date today;
  zb_rec cur, next;
};

static void write_field_problem(void *ctx, int field, const char *reason) {
  struct rec_write *rw = ctx;
  zb_problems_add(&rw->probs, 0, zb_kind_field_name(rw->kd, field), reason);
}

/* Assigns "<node id>-<n>" (node id cut to fit the 32-byte id limit) with a
 * per-node, per-kind counter, so keys made on different nodes never
 * collide. */
static int assign_key(zb_txn *t, const zb_kind_desc *kd, const char *node_id,
                      char out[ZB_FIELD_MAX + 1], zb_rec *scratch) {
  char counter[64];
  snprintf(counter, sizeof counter, "next_%s_no", kd->name);
  uint64_t next;
  int rc = zb_meta_get_u64(t, counter, &next);
  if (rc)
    return rc;
  for (;;) {
    next++;
    snprintf(out, ZB_FIELD_MAX + 1, "%.20s-%06llu", node_id, (unsigned long long)next);
    rc = zb_rec_load(t, kd, out, scratch);
    if (rc == ZB_ENOTFOUND)
      break;
    if (rc)
      return rc;
  }
  return zb_meta_put_u64(t, counter, next);
}

static int finish_write(struct rec_write *rw, struct writer *w, zb_rec *cur) {
  int fields[ZB_REC_FIELDS_MAX];
  char *vals[ZB_REC_FIELDS_MAX];
  size_t nf = zb_rec_diff(cur, &rw->next, fields, vals);
  if (cur && nf == 0)
    return 0;
  zb_apply_result r;
  int rc = writer_set(w, rw->kd, rw->next.v[0], fields, vals, nf, &r);
  if (rc)
    return rc;
  if (r.status == ZB_APPLY_REJECTED) {
    zb_problems_add(&rw->probs, 0, zb_kind_field_name(rw->kd, r.field), r.reason);
    return r.scope ? ZB_ESCOPE : ZB_EINVAL;
  }
  rw->changed = true;
  return writer_end(w);
}

static int add_write(zb_txn *t, void *ctx) {
  struct rec_write *rw = ctx;
  const zb_kind_desc *kd = rw->kd;
  struct writer w;
  zb_problems_reset(&rw->probs);
  int rc = writer_begin(&w, rw->n, t);
  if (rc)
    return rc;
  zb_rec_init(&rw->next, kd);
  memcpy(rw->next.v, rw->v, (size_t)kd->nfields * sizeof *rw->v);
  zb_value *v = rw->next.v;
  /* Fields the kind takes from the stored state (a transfer's copy of its
   * member). */
  if (kd->fill) {
    int field = 0;
    char why[200];
    rc = kd->fill(t, v, &field, why, sizeof why);
    if (rc == ZB_EINVAL)
      zb_problems_add(&rw->probs, 0, kd->fields[field].name, why);
    if (rc)
      return rc;
  }
  /* The org field defaults to the node's own org. */
  if (!v[kd->org_field][0])
    snprintf(v[kd->org_field], sizeof v[0], "%s", rw->n->org);
  if (!v[0][0] && kd->auto_key && (rc = assign_key(t, kd, rw->n->id, v[0], &rw->cur)))
    return rc;
  /* A new record starts in the first state of its state machine (an
   * optional state field: empty, zb_kind.h). */
  if (kd->state_field && !v[kd->state_field][0] &&
      (kd->fields[kd->state_field].flags & ZB_FF_REQUIRED))
    snprintf(v[kd->state_field], sizeof v[0], "%s", kd->fields[kd->state_field].vocab[0]);
  if (kd->defaults)
    kd->defaults(v);
  if (zb_rec_validate(kd, v, rw->today, write_field_problem, rw) > 0)
    return ZB_EINVAL;
  rc = zb_rec_load(t, kd, v[0], &rw->cur);
  if (rc == 0)
    return ZB_EEXIST;
  if (rc != ZB_ENOTFOUND)
    return rc;
  return finish_write(rw, &w, NULL);
}

static int update_write(zb_txn *t, void *ctx) {
  struct rec_write *rw = ctx;
  struct writer w;
  zb_problems_reset(&rw->probs);
  rw->changed = false;
  int rc = writer_begin(&w, rw->n, t);
  if (rc)
    return rc;
  if ((rc = zb_rec_load(t, rw->kd, rw->key, &rw->cur)))
    return rc;
  rw->next = rw->cur;
  for (int i = 1; i < rw->kd->nfields; i++)
    if (rw->set[i])
      memcpy(rw->next.v[i], rw->v[i], sizeof rw->next.v[i]);
  if (zb_rec_validate(rw->kd, rw->next.v, rw->today, write_field_problem, rw) > 0)
    return ZB_EINVAL;
  return finish_write(rw, &w, &rw->cur);
}

static int rec_write(zb_node *n, struct rec_write *rw, zb_write_fn fn,
                     zb_input_problem_fn problem, void *ctx) {
  rw->n = n;
  rw->today = zb_date_today();
  int rc = zb_store_write(n->store, fn, rw);
  zb_problems_emit(&rw->probs, NULL, problem, ctx);
  zb_problems_free(&rw->probs);
  return rc;
}

int zb_node_add(zb_node *n, const zb_kind_desc *kd, zb_value *v, zb_input_problem_fn problem,
                void *ctx) {
  struct rec_write *rw = calloc(1, sizeof *rw);
  if (!rw)
    return ZB_ENOMEM;
  rw->kd = kd;
  rw->v = v;
  int rc = rec_write(n, rw, add_write, problem, ctx);
  if (rc == 0)
    memcpy(v, rw->next.v, (size_t)kd->nfields * sizeof *v);
  free(rw);
  return rc;
}

int zb_node_update(zb_node *n, const zb_kind_desc *kd, const char *key, const bool *set,
                   const zb_value *v, zb_input_problem_fn problem, void *ctx, bool *changed) {
  struct rec_write *rw = calloc(1, sizeof *rw);
  if (!rw)
    return ZB_ENOMEM;
  rw->kd = kd;
  rw->key = key;
  rw->set = set;
  rw->v = v;
  int rc = rec_write(n, rw, update_write, problem, ctx);
  if (changed)
    *changed = rw->changed;
  free(rw);
  return rc;
}

/* ---- acts and facts ---- */

struct step_write {
  zb_node *n;
  Zb__Op op;
  zb_problems probs;
  const zb_kind_desc *kd;       /* for field names in problems */
  bool changed;
};

static int step_write(zb_txn *t, void *ctx) {
  struct step_write *sw = ctx;
  struct writer w;
  zb_problems_reset(&sw->probs);
  int rc = writer_begin(&w, sw->n, t);
  if (rc)
    return rc;
  zb_apply_result r;
  if ((rc = writer_apply(&w, &sw->op, &r)))
    return rc;
  if (r.status == ZB_APPLY_REJECTED) {
    const char *name = zb_kind_field_name(sw->kd, r.field);
    zb_problems_add(&sw->probs, 0, name, r.reason);
    if (!r.existed)   /* an act or fact finds no record */
      return ZB_ENOTFOUND;
    return r.scope ? ZB_ESCOPE : ZB_EINVAL;
  }
  sw->changed = r.changed;
  return writer_end(&w);
}

/* Writes the op whose body is set (an act or a fact); pk names the fields
 * of problems. */
static int step_run(zb_node *n, const zb_kind_desc *pk, int body_case, void *body,
                    zb_input_problem_fn problem, void *ctx, bool *changed) {
  struct step_write *sw = calloc(1, sizeof *sw);
  if (!sw)
    return ZB_ENOMEM;
  sw->n = n;
  sw->kd = pk;
  zb__op__init(&sw->op);
  sw->op.body_case = body_case;
  if (body_case == ZB__OP__BODY_ACT)
    sw->op.act = body;
  else
    sw->op.fact = body;
  int rc = zb_store_write(n->store, step_write, sw);
  /* "does not exist" is the caller's to say, as for update. */
  if (rc != ZB_ENOTFOUND)
    zb_problems_emit(&sw->probs, NULL, problem, ctx);
  zb_problems_free(&sw->probs);
  if (changed)
    *changed = sw->changed;
  free(sw);
  return rc;
}

/* FieldSets for the given fields of v (set[f]), into fs/fsp. */
static size_t fields_of(int nfields, const bool *set, const zb_value *v, Zb__FieldSet *fs,
                        Zb__FieldSet **fsp) {
  size_t n = 0;
  for (int f = 0; f < nfields; f++) {
    if (!set[f])
      continue;
    zb__field_set__init(&fs[n]);
    fs[n].field = (uint32_t)f;
    fs[n].value = (char *)v[f];
    fsp[n] = &fs[n];
    n++;
  }
  return n;
}

int zb_node_act(zb_node *n, const zb_kind_desc *kd, const char *key, const zb_act_desc *ad,
                const bool *set, const zb_value *v, zb_input_problem_fn problem, void *ctx) {
  Zb__FieldSet fs[ZB_REC_FIELDS_MAX], *fsp[ZB_REC_FIELDS_MAX];
  Zb__Act act = ZB__ACT__INIT;
  act.kind = (Zb__RecordKind)kd->id;
  act.key = (char *)key;
  act.name = (char *)ad->name;
  act.n_params = fields_of(kd->nfields, set, v, fs, fsp);
  act.params = fsp;
  return step_run(n, kd, ZB__OP__BODY_ACT, &act, problem, ctx, NULL);
}

int zb_node_fact(zb_node *n, const zb_kind_desc *kd, const char *key, const zb_kind_desc *fk,
                 zb_value *v, zb_input_problem_fn problem, void *ctx, bool *changed) {
  Zb__FieldSet fs[ZB_REC_FIELDS_MAX], *fsp[ZB_REC_FIELDS_MAX];
  bool set[ZB_REC_FIELDS_MAX];
  /* The fact's own org defaults to this node's, its dates to today. */
  zb_date today = zb_date_today();
  for (int f = 0; f < fk->nfields; f++) {
    if (!v[f][0] && f == fk->org_field && fk->fields[f].type == ZB_FT_ORG_CODE)
      snprintf(v[f], sizeof v[f], "%s", n->org);
    if (!v[f][0] && fk->fields[f].type == ZB_FT_DATE)
      zb_date_format(today, v[f]);
    if (!v[f][0] && (fk->fields[f].flags & ZB_FF_ACTOR))
      snprintf(v[f], sizeof v[f], "%.*s", 96, n->actor);
    set[f] = v[f][0] != '\0';
  }
  Zb__Fact fact = ZB__FACT__INIT;
  fact.kind = (Zb__RecordKind)kd->id;
  fact.key = (char *)key;
  fact.name = (char *)fk->name;
  fact.n_values = fields_of(fk->nfields, set, v, fs, fsp);
  fact.values = fsp;
  return step_run(n, fk, ZB__OP__BODY_FACT, &fact, problem, ctx, changed);
}

int zb_node_facts(zb_node *n, const zb_kind_desc *kd, const char *key, zb_fact_fn fn,
                  void *ctx) {
  zb_txn *t;
  int rc = zb_store_read(n->store, &t);
  if (rc)
    return rc;
  rc = zb_facts_scan(t, kd, key, fn, ctx);
  zb_txn_end(t);
  return rc;
}

/* ---- reads ---- */

int zb_node_get(zb_node *n, const zb_kind_desc *kd, const char *key, zb_rec *out) {
  zb_txn *t;
  int rc = zb_store_read(n->store, &t);
  if (rc)
    return rc;
  rc = zb_rec_load(t, kd, key, out);
  zb_txn_end(t);
  /* A record this node does not hold for its scope is not its to show. */
  if (rc == 0 && !zb_node_holds(n, out))
    rc = ZB_ENOTFOUND;
  return rc;
}

bool zb_node_holds(const zb_node *n, const zb_rec *r) {
  return r->kd->reach == ZB_REACH_ALL || zb_holds(r->kd, r->v, n->org);
}

int zb_node_check_scope(const zb_node *n, const char *org) {
  return !org || zb_org_in_subtree(org, n->org) ? 0 : ZB_ESCOPE;
}

int zb_node_list(zb_node *n, const zb_kind_desc *kd, const char *org, zb_rec_fn fn, void *ctx) {
  int rc = zb_node_check_scope(n, org);
  if (rc)
    return rc;
  zb_txn *t;
  if ((rc = zb_store_read(n->store, &t)))
    return rc;
  /* The node's own list shows what it holds (every org, a notice from
   * above too); a list of an org below is that subtree's records. */
  const char *root = org ? org : kd->reach == ZB_REACH_ALL ? NULL : n->org;
  rc = zb_recs_in_subtree(t, kd, root, org == NULL, fn, ctx);
  zb_txn_end(t);
  return rc;
}

/* A read of org's subtree (NULL: the node's own org) for a report: ZB_ESCOPE
 * when org lies outside the node's scope; otherwise *org is set and a read
 * transaction opened in *t. */
static int scoped_read(zb_node *n, const char **org, zb_txn **t) {
  if (zb_node_check_scope(n, *org))
    return ZB_ESCOPE;
  if (!*org)
    *org = n->org;
  return zb_store_read(n->store, t);
}

int zb_node_members_of(zb_node *n, const char *org, zb_member_fn fn, void *ctx) {
  zb_txn *t;
  int rc = scoped_read(n, &org, &t);
  if (rc)
    return rc;
  rc = zb_state_members_of(t, org, fn, ctx);
  zb_txn_end(t);
  return rc;
}

static int stats_member(void *ctx, const zb_member *m) {
  zb_stats_add(ctx, m);
  return 0;
}

int zb_node_stats(zb_node *n, const char *org, zb_stats *out) {
  return zb_node_members_of(n, org, stats_member, out);
}

int zb_node_balance(zb_node *n, const char *org, zb_balance *b) {
  zb_txn *t;
  int rc = scoped_read(n, &org, &t);
  if (rc)
    return rc;
  rc = zb_state_balance(t, org, b);
  zb_txn_end(t);
  return rc;
}

int zb_node_funnel(zb_node *n, const char *org, zb_funnel *f) {
  zb_txn *t;
  int rc = scoped_read(n, &org, &t);
  if (rc)
    return rc;
  rc = zb_state_funnel(t, org, f);
  zb_txn_end(t);
  return rc;
}

int zb_node_life(zb_node *n, const char *org, int year, zb_date today, json_t **out) {
  zb_txn *t;
  int rc = scoped_read(n, &org, &t);
  if (rc)
    return rc;
  rc = zb_life_report(t, org, year, today, out);
  zb_txn_end(t);
  return rc;
}

int zb_node_ranking(zb_node *n, const char *org, const zb_rank_query *q, json_t **out) {
  zb_txn *t;
  int rc = scoped_read(n, &org, &t);
  if (rc)
    return rc;
  rc = zb_rank_report(t, zb_points_active(), org, q, out);
  zb_txn_end(t);
  return rc;
}

int zb_node_dues_report(zb_node *n, const char *org, const zb_dues_query *q,
                        zb_dues_report **out) {
  zb_txn *t;
  int rc = scoped_read(n, &org, &t);
  if (rc)
    return rc;
  rc = zb_dues_report_run(t, org, q, out);
  zb_txn_end(t);
  return rc;
}

/* ---- settings ---- */

static void setting_key(const char *name, char out[96]) { snprintf(out, 96, "setting/%s", name); }

int zb_node_setting_get(zb_node *n, const char *name, uint64_t dflt, uint64_t *out) {
  char key[96], v[32] = "";
  setting_key(name, key);
  zb_txn *t;
  int rc = zb_store_read(n->store, &t);
  if (rc)
    return rc;
  rc = zb_meta_get_str(t, key, v, sizeof v);
  zb_txn_end(t);
  *out = dflt;
  if (rc == 0 && v[0])
    *out = strtoull(v, NULL, 10);
  return rc == ZB_ENOTFOUND ? 0 : rc;
}

struct setting_write {
  char key[96];
  char val[32];
};

static int setting_write(zb_txn *t, void *ctx) {
  struct setting_write *sw = ctx;
  return zb_meta_put_str(t, sw->key, sw->val);
}

int zb_node_setting_put(zb_node *n, const char *name, uint64_t v) {
  struct setting_write sw;
  setting_key(name, sw.key);
  snprintf(sw.val, sizeof sw.val, "%llu", (unsigned long long)v);
  return zb_store_write(n->store, setting_write, &sw);
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
  uint64_t code = 0;
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
      (rc = zb_meta_get_u64(t, "server_time_ms", &out->server_time_ms)) ||
      (rc = zb_meta_get_u64(t, "last_error_ms", &out->last_error_ms)) ||
      (rc = zb_meta_get_u64(t, "last_error_code", &code)) ||
      (rc = zb_meta_get_u64(t, "next_attempt_ms", &out->next_attempt_ms)))
    goto out;
  out->last_error_code = code <= 1000 ? -(int)code : 0;
  if (zb_meta_get_str(t, "last_error_reason", out->last_error_reason,
                      sizeof out->last_error_reason) == ZB_ENOTFOUND)
    out->last_error_reason[0] = '\0';
  /* Members who moved out of the scope stay in the table (their history
   * does) but are not this node's any more. */
  if ((rc = zb_members_count(t, n->org, &out->members)))
    goto out;
  out->orgs = zb_txn_count(t, ZB_DB_ORGS);
  out->conflicts = zb_txn_count(t, ZB_DB_CONFLICTS);
  out->rejected = zb_txn_count(t, ZB_DB_REJECTED);
  if (zb_meta_get_str(t, "server", out->server, sizeof out->server) == ZB_ENOTFOUND)
    out->server[0] = '\0';
  uint64_t flag = 0;
  if ((rc = zb_meta_get_u64(t, "restore", &flag)))
    goto out;
  out->restoring = flag != 0;
  if ((rc = zb_meta_get_u64(t, "revoked", &flag)))
    goto out;
  out->revoked = flag != 0;
out:
  zb_txn_end(t);
  return rc;
}

struct log_ctx {
  zb_op_view_fn fn;
  void *ctx;
};

/* The field sets of an op of any body, with "act" / "fact" and its name
 * for the bodies that are not a set. */
static Zb__FieldSet *const *op_fields(const Zb__Op *op, size_t *n, const char **tag,
                                      const char **name) {
  *tag = *name = NULL;
  *n = 0;
  switch (op->body_case) {
  case ZB__OP__BODY_SET:
    *n = op->set->n_fields;
    return op->set->fields;
  case ZB__OP__BODY_ACT:
    *tag = "act";
    *name = op->act->name;
    *n = op->act->n_params;
    return op->act->params;
  case ZB__OP__BODY_FACT:
    *tag = "fact";
    *name = op->fact->name;
    *n = op->fact->n_values;
    return op->fact->values;
  default:
    return NULL;
  }
}

static int log_op(void *ctx, const Zb__Op *op, zb_val packed) {
  struct log_ctx *lc = ctx;
  int kind = 0;
  const char *key = "";
  bool known = zb_op_target(op, &kind, &key, NULL);
  zb_op_view v = {.seq = op->seq, .origin = op->origin, .hlc = op->hlc, .actor = op->actor,
                  .kind = known ? zb_view_kind_name(kind) : "?", .key = key,
                  .base_cursor = op->base_cursor};
  uint8_t h[ZB_SHA256_LEN];
  zb_sha256(packed.data, packed.len, h);
  zb_hex(h, sizeof h, v.hash);
  Zb__FieldSet *const *fs = op_fields(op, &v.nfields, &v.tag, &v.step);
  /* A fact's values are fields of the fact's own descriptor. */
  const zb_kind_desc *kd = zb_kind_by_id(kind);
  const zb_kind_desc *fk = v.tag && *v.tag == 'f' ? zb_kind_fact(kd, v.step, NULL) : kd;
  /* An op sets at most every field of its kind; a longer list (a log
   * written by something else) gets a buffer of its own. */
  const char *small[ZB_REC_FIELDS_MAX], **names = small;
  if (v.nfields > ZB_REC_FIELDS_MAX && !(names = malloc(v.nfields * sizeof *names)))
    return ZB_ENOMEM;
  for (size_t i = 0; i < v.nfields; i++) {
    const char *name = zb_kind_field_name(fk, (int)fs[i]->field);
    names[i] = name ? name : "?";
  }
  v.fields = names;
  int rc = lc->fn(lc->ctx, &v);
  if (names != small)
    free(names);
  return rc;
}

int zb_node_log(zb_node *n, uint64_t since, zb_op_view_fn fn, void *ctx) {
  zb_txn *t;
  struct log_ctx lc = {fn, ctx};
  int rc = zb_store_read(n->store, &t);
  if (rc)
    return rc;
  rc = zb_oplog_scan(t, since, log_op, &lc);
  zb_txn_end(t);
  return rc;
}

/* ---- enrollment ---- */

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

/* The org directory the bundle carries, imported as `org import` would
 * import it from a file (ops of this node, in its scope): a node enrolled
 * this way can import its roster before it ever synced. */
static int import_bundle_orgs(const char *dir, const char *bundle, const zb_bundle *b,
                              zb_input_problem_fn problem, void *ctx, zb_import_result *res,
                              char *why, size_t cap) {
  char tmp[4200];
  snprintf(tmp, sizeof tmp, "%s/bundle-orgs.csv.tmp", dir);
  int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  FILE *f = fd >= 0 ? fdopen(fd, "wb") : NULL;
  int rc = f && fwrite(b->orgs, 1, b->orgs_len, f) == b->orgs_len ? 0 : ZB_EIO;
  if (f) {
    if (fclose(f) != 0)
      rc = ZB_EIO;
  } else if (fd >= 0) {
    close(fd);
  }
  zb_node *n = NULL;
  if (!rc)
    rc = zb_node_open(dir, &n);
  zb_import_result r;
  memset(&r, 0, sizeof r);
  if (!rc)
    rc = zb_node_import(n, &zb_kind_org, tmp, problem, ctx, &r);
  zb_node_close(n);
  unlink(tmp);
  if (res)
    *res = r;
  if (rc)
    snprintf(why, cap, "%s: the org directory it carries could not be imported (%s)", bundle,
             zb_strerror(rc));
  return rc;
}

int zb_node_init_enrolled(const char *dir, const char *bundle, const char *node_id,
                          const char *org, zb_input_problem_fn problem, void *ctx,
                          zb_import_result *orgs, char *why, size_t cap) {
  if (orgs)
    memset(orgs, 0, sizeof *orgs);
  zb_bundle b;
  memset(&b, 0, sizeof b);
  int rc = zb_bundle_read(bundle, &b, why, cap);
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
    int e = errno;
    if (e == ENOENT)
      snprintf(why, cap, "上级目录不存在 (no such folder): cannot create %s, because the folder "
               "it would go in does not exist; create that folder first, or choose another place",
               dir);
    else if (e == EACCES)
      snprintf(why, cap, "权限不足 (permission denied): cannot create %s: this user may not "
               "write in the folder it would go in", dir);
    else
      snprintf(why, cap, "cannot create %s: %s", dir, strerror(e));
    rc = e == ENOENT ? ZB_ENOTFOUND : e == EACCES ? ZB_EACCES : ZB_EIO;
    zb_bundle_clear(&b);
    return rc;
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
  rc = node_create(dir, b.node_id, b.org, b.server, b.restore, &w);
  if (rc) {
    unlink(path);
    if (w)
      snprintf(why, cap, "%s", w);
  }
  if (!rc && b.orgs)
    rc = import_bundle_orgs(dir, bundle, &b, problem, ctx, orgs, why, cap);
  zb_bundle_clear(&b);
  return rc;
}
