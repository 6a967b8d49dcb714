#include "zb_merge.h"

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "zb_err.h"
#include "zb_hlc.h"
#include "zb_reason.h"
#include "zb_record.h"
#include "zb_state.h"
#include "zb_utf8.h"

int zb_reject(zb_apply_result *r, int field, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  /* A coded reason (docs/PROTOCOL.md, "Reasons"), or one already made. */
  if (strncmp(fmt, "why.", 4) == 0)
    zb_reason_vmake(r->reason, sizeof r->reason, fmt, ap);
  else
    vsnprintf(r->reason, sizeof r->reason, fmt, ap);
  va_end(ap);
  r->status = ZB_APPLY_REJECTED;
  r->field = field;
  r->changed = false;
  r->nconflicts = 0;
  return 0;
}

/* (HLC, origin) order: the total order of last-writer-wins. */
static int stamp_cmp(uint64_t hlc, const char *origin, const zb_stamp *s) {
  if (hlc != s->hlc)
    return hlc < s->hlc ? -1 : 1;
  return strcmp(origin, s->origin);
}

/* The UTC date of the HLC plus one day, so that a record entered just
 * after midnight local time (east of UTC) is not "in the future".  An HLC
 * beyond what time_t and the calendar hold (a forged one) gives 9999-12-31:
 * the server never uses a peer's HLC for this (zb_merge_apply_at). */
zb_date zb_hlc_today(uint64_t hlc) {
  uint64_t s = ZB_HLC_MS(hlc) / 1000;
  if (s > (uint64_t)253402214400)   /* 9999-12-30 */
    return (zb_date){9999, 12, 31};
  /* Asked once per op: by arithmetic, not gmtime_r, whose time zone
   * machinery took 2 % of an import's write. */
  return zb_date_of_days((int64_t)(s / 86400) + 1);
}

struct first_problem {
  int field;
  char reason[ZB_REASON_MAX + 1];
  int n;
};

static void note_problem(void *ctx, int field, const char *reason) {
  struct first_problem *fp = ctx;
  if (fp->n++ == 0) {
    fp->field = field;
    snprintf(fp->reason, sizeof fp->reason, "%s", reason);
  }
}

static int org_exists(zb_txn *t, const char *code) {
  return zb_txn_exists(t, ZB_DB_ORGS, code, strlen(code));
}

/* Whether org lies where a writer with this scope may place a record of
 * kd (docs/RECORDS.md, "Kinds": scope). */
static bool org_in_scope(const zb_kind_desc *kd, const char *org, const char *scope) {
  if (!scope)
    return true;
  return kd->scope == ZB_SCOPE_OWN_ORG ? strcmp(org, scope) == 0 : zb_org_in_subtree(org, scope);
}

int zb_committee_above(zb_txn *t, const char *scope, const char *org, const char *what,
                       zb_apply_result *r) {
  if (!scope)
    return 0;
  if (strcmp(scope, org) == 0 || !zb_org_in_subtree(org, scope)) {
    r->scope = true;
    return zb_reject(r, -1, "why.committee_not_above" ZB_US "%s" ZB_US "%s" ZB_US "%s", org,
                     what, scope);
  }
  zb_rec *o = malloc(sizeof *o);
  if (!o)
    return ZB_ENOMEM;
  int rc = zb_rec_load(t, &zb_kind_org, scope, o);
  int type = rc == 0 ? zb_vocab_index(zb_org_types, o->v[ZB_OF_TYPE]) : -1;
  free(o);
  if (rc && rc != ZB_ENOTFOUND)
    return rc;
  if (type != 0 && type != 1) {   /* committee, general_branch */
    r->scope = true;
    return zb_reject(r, -1,
                     type < 0 ? "why.committee_no_org" ZB_US "%s" ZB_US "%s" ZB_US "%s"
                              : "why.committee_not" ZB_US "%s" ZB_US "%s" ZB_US "%s",
                     org, what, scope);
  }
  return 0;
}

bool zb_holds(const zb_kind_desc *kd, const zb_value *v, const char *scope) {
  const char *org = v[kd->org_field];
  return !scope || zb_org_in_subtree(org, scope) ||
         (kd->reach == ZB_REACH_DOWN && zb_org_in_subtree(scope, org)) ||
         (kd->reach_field && zb_org_in_subtree(v[kd->reach_field], scope));
}

/* Every rule the record next must satisfy, in the order the messages are
 * most useful: its fields, fields that never change, its org, the writer's
 * scope, the kind's own rules against the state, its unique indexes. */
static int check_rules(zb_txn *t, const zb_rec *cur, bool existed, const zb_rec *next,
                       zb_date today, const char *scope, const zb_act_desc *via_act,
                       bool checked, zb_apply_result *r) {
  const zb_kind_desc *kd = next->kd;
  struct first_problem fp = {.field = -1};
  if (!checked && zb_rec_validate(kd, next->v, today, note_problem, &fp) > 0)
    return zb_reject(r, fp.field, "%s", fp.reason);
  /* The state, and the fields acts set, move only through the kind's acts
   * (its state machine), in the server's order: a set may not write them,
   * since last-writer-wins and server order could then disagree.  A new
   * record starts in the first state, its act fields empty. */
  int sf = kd->state_field;
  for (int f = 1; !via_act && f < kd->nfields; f++) {
    const zb_act_desc *owner = zb_kind_act_of(kd, f);
    if (!owner)
      continue;
    /* An optional state field starts empty (zb_kind.h, state_field). */
    const char *want = !existed ? (f == sf && (kd->fields[sf].flags & ZB_FF_REQUIRED)
                                       ? kd->fields[sf].vocab[0]
                                       : "")
                                : cur->v[f];
    if (strcmp(next->v[f], want) == 0)
      continue;
    if (!existed && f == sf)
      return zb_reject(r, f, "why.new_state" ZB_US ZB_RS "%s" ZB_US "%s", kd->name, want);
    return zb_reject(r, f, "why.act_only" ZB_US ZB_RS "%s.%s" ZB_US ZB_RS "%s" ZB_US ZB_RS "%s:%s",
                     kd->name, kd->fields[f].name, kd->name, kd->name, owner->name);
  }
  for (int f = 0; existed && f < kd->nfields; f++)
    if ((kd->fields[f].flags & ZB_FF_FIXED) && strcmp(cur->v[f], next->v[f]) != 0)
      return zb_reject(r, f, "why.fixed" ZB_US ZB_RS "%s.%s" ZB_US ZB_RS "%s", kd->name,
                       kd->fields[f].name, kd->name);
  int of = kd->org_field;
  const char *org = next->v[of];
  int rc;
  if (kd->org_must_exist) {
    for (int pass = 0; pass < 2; pass++) {
      int f = pass ? kd->reach_field : of;
      if (pass && !f)
        break;
      rc = org_exists(t, next->v[f]);
      if (rc == ZB_ENOTFOUND)
        return zb_reject(r, f, "why.org_missing" ZB_US "%s", next->v[f]);
      if (rc)
        return rc;
    }
  }
  /* An act names the field whose org the writer must hold (a transfer's
   * destination accepts it); a set, the kind's org field. */
  if (via_act && via_act->scope_field && !org_in_scope(kd, next->v[via_act->scope_field], scope)) {
    r->scope = true;
    return zb_reject(r, via_act->scope_field,
                     "why.act_scope" ZB_US ZB_RS "%s:%s" ZB_US ZB_RS "%s.%s" ZB_US "%s" ZB_US "%s",
                     kd->name, via_act->name, kd->name, kd->fields[via_act->scope_field].name,
                     next->v[via_act->scope_field], scope);
  }
  if (!(via_act && via_act->scope_field) && !org_in_scope(kd, org, scope)) {
    r->scope = true;
    if (kd->scope == ZB_SCOPE_OWN_ORG)
      return zb_reject(r, of, "why.own_org" ZB_US ZB_RS "%s" ZB_US "%s" ZB_US "%s", kd->name,
                       org, scope);
    return zb_reject(r, of, "why.org_scope" ZB_US "%s" ZB_US "%s", org, scope);
  }
  /* The kind's own rules concern the record's fields, which sets write;
   * an act brings its own (zb_act_desc.check). */
  if (!via_act && kd->state_check &&
      ((rc = kd->state_check(t, next->v, scope, today, r)) || r->status))
    return rc;
  for (int i = 0; i < kd->nindexes; i++) {
    const zb_index_desc *ix = &kd->indexes[i];
    if (!ix->unique)
      continue;
    const char *fname = kd->fields[ix->field].name;
    char holder[ZB_FIELD_MAX + 1];
    rc = zb_index_holder(t, kd, ix, next->v[ix->field], next->v[0], holder);
    if (rc == ZB_ENOTFOUND)
      continue;
    if (rc)
      return rc;
    /* Who holds the value is told only to a writer whose scope holds that
     * record: otherwise any branch could probe any resident ID (the
     * operator finds the holder in detail). */
    zb_rec *h = malloc(sizeof *h);
    if (!h)
      return ZB_ENOMEM;
    rc = zb_rec_load(t, kd, holder, h);
    bool visible = rc == 0 && org_in_scope(kd, h->v[of], scope);
    snprintf(r->detail, sizeof r->detail, "%s held by %s %.40s of org %.64s", fname, kd->name,
             holder, rc == 0 ? h->v[of] : "?");
    free(h);
    if (rc && rc != ZB_ENOTFOUND)
      return rc;
    if (visible)
      return zb_reject(r, ix->field, "why.unique_here" ZB_US ZB_RS "%s.%s" ZB_US ZB_RS "%s" ZB_US "%s",
                       kd->name, fname, kd->name, holder);
    return zb_reject(r, ix->field, "why.unique_elsewhere" ZB_US ZB_RS "%s.%s", kd->name, fname);
  }
  return 0;
}

/* Records a concurrent write: incoming_wins says whether the incoming op
 * is the new winner of the field. */
static void note_conflict(zb_apply_result *r, int field, bool incoming_wins, const Zb__Op *op,
                          uint64_t hlc, const char *value, const zb_stamp *st,
                          const char *cur_value) {
  /* check_shape() let each field through once, and there are no more
   * fields than slots. */
  assert(r->nconflicts < (int)(sizeof r->conflicts / sizeof r->conflicts[0]));
  zb_conflict *c = &r->conflicts[r->nconflicts++];
  c->field = field;
  const char *wv = incoming_wins ? value : cur_value, *lv = incoming_wins ? cur_value : value;
  const char *wo = incoming_wins ? op->origin : st->origin, *lo = incoming_wins ? st->origin : op->origin;
  snprintf(c->winner_value, sizeof c->winner_value, "%s", wv);
  snprintf(c->loser_value, sizeof c->loser_value, "%s", lv);
  snprintf(c->winner_origin, sizeof c->winner_origin, "%s", wo);
  snprintf(c->loser_origin, sizeof c->loser_origin, "%s", lo);
  c->winner_hlc = incoming_wins ? hlc : st->hlc;
  c->loser_hlc = incoming_wins ? st->hlc : hlc;
}

/* src (NUL-terminated) into dst[0..size), cut to fit: what
 * snprintf(dst, size, "%s", src) does, without its format walk (an import
 * copies three orgs a row). */
static void copy_text(char *dst, size_t size, const char *src) {
  size_t n = strnlen(src, size - 1);
  memcpy(dst, src, n);
  dst[n] = '\0';
}

/* A value from an op: at most ZB_FIELD_MAX bytes of UTF-8 text without
 * control characters (the protobuf-c string was checked at the wire
 * boundary to hold no NUL, so strlen is its length). */
static bool value_ok(const char *v, size_t *len) {
  *len = strnlen(v, ZB_FIELD_MAX + 1);
  return *len <= ZB_FIELD_MAX && zb_utf8_valid(v, *len);
}

bool zb_op_target(const Zb__Op *op, int *kind, const char **key, const char **name) {
  const char *nm = NULL;
  switch (op->body_case) {
  case ZB__OP__BODY_SET:
    if (!op->set)
      return false;
    *kind = (int)op->set->kind;
    *key = op->set->key;
    break;
  case ZB__OP__BODY_ACT:
    if (!op->act)
      return false;
    *kind = (int)op->act->kind;
    *key = op->act->key;
    nm = op->act->name;
    break;
  case ZB__OP__BODY_FACT:
    if (!op->fact)
      return false;
    *kind = (int)op->fact->kind;
    *key = op->fact->key;
    nm = op->fact->name;
    break;
  default:
    return false;
  }
  if (name)
    *name = nm;
  return *key != NULL;
}

/* Field numbers below nf, each once, each allowed (NULL: all), with values
 * that are text: the fields of a set, an act's parameters, a fact's
 * values. */
static int check_fields(zb_apply_result *r, const zb_kind_desc *kd, Zb__FieldSet *const *fs,
                        size_t n, const int *allowed, int nallowed, bool checked) {
  bool seen[ZB_REC_FIELDS_MAX] = {false};
  size_t len;
  for (size_t i = 0; i < n; i++) {
    const Zb__FieldSet *f = fs[i];
    if (f->field >= (uint32_t)kd->nfields)
      return zb_reject(r, -1, "why.no_field" ZB_US "%u", (unsigned)f->field);
    const char *name = kd->fields[f->field].name;
    bool ok = allowed == NULL;
    for (int j = 0; j < nallowed && !ok; j++)
      ok = allowed[j] == (int)f->field;
    if (!ok)
      return zb_reject(r, (int)f->field, "why.not_param" ZB_US ZB_RS "%s.%s", kd->name, name);
    if (seen[f->field])
      return zb_reject(r, (int)f->field, "why.field_twice" ZB_US ZB_RS "%s.%s", kd->name, name);
    seen[f->field] = true;
    /* A checked write's values passed zb_rec_validate's text checks, which
     * are these (zb_record.c, text_ok). */
    if (!f->value || (!checked && !value_ok(f->value, &len)))
      return zb_reject(r, (int)f->field, "why.value_text" ZB_US ZB_RS "%s.%s" ZB_US "%d", kd->name,
                       name, ZB_FIELD_MAX);
  }
  return 0;
}

/* The op's shape, before any of it is used (zb_merge.h): the same checks
 * for a node's own write, a pushed op at the server and a pulled one. */
static int check_shape(const Zb__Op *op, const zb_kind_desc **kind, bool checked,
                       zb_apply_result *r) {
  if (!op->origin || !zb_node_id_valid(op->origin))
    return zb_reject(r, -1, "why.op_origin");
  size_t alen = op->actor ? strnlen(op->actor, ZB_NODE_ID_MAX + 1) : 0;
  if (alen > ZB_NODE_ID_MAX)
    return zb_reject(r, -1, "why.op_actor_long" ZB_US "%d", ZB_NODE_ID_MAX);
  if (alen && !zb_utf8_valid(op->actor, alen))
    return zb_reject(r, -1, "why.op_actor_text");
  int kid;
  const char *key, *name;
  if (!zb_op_target(op, &kid, &key, &name))
    return zb_reject(r, -1, "why.op_body" ZB_US "%s" ZB_US "%llu", op->origin,
                     (unsigned long long)op->seq);
  const zb_kind_desc *kd = *kind = zb_kind_by_id(kid);
  if (!kd)
    return zb_reject(r, -1, "why.op_kind" ZB_US "%d", kid);
  size_t len;
  if (!value_ok(key, &len) || len == 0)
    return zb_reject(r, 0, "why.op_key" ZB_US "%d", ZB_FIELD_MAX);
  if (op->body_case == ZB__OP__BODY_SET)
    return check_fields(r, kd, op->set->fields, op->set->n_fields, NULL, 0, checked);
  if (op->body_case == ZB__OP__BODY_ACT) {
    const zb_act_desc *ad = zb_kind_act(kd, name);
    if (!ad)
      return zb_reject(r, -1, "why.no_act" ZB_US ZB_RS "%s" ZB_US "%.64s", kd->name, name ? name : "");
    return check_fields(r, kd, op->act->params, op->act->n_params, ad->params ? ad->params : (int[]){0},
                        ad->nparams, checked);
  }
  const zb_kind_desc *fk = zb_kind_fact(kd, name, NULL);
  if (!fk)
    return zb_reject(r, -1, "why.no_fact" ZB_US ZB_RS "%s" ZB_US "%.64s", kd->name, name ? name : "");
  return check_fields(r, fk, op->fact->values, op->fact->n_values, NULL, 0, checked);
}

void zb_op_set_body(Zb__Op *op, zb_set_body *b, const zb_kind_desc *kind, const char *key,
                    const int *fields, char *const *vals, size_t nf) {
  assert(nf <= ZB_REC_FIELDS_MAX);
  for (size_t i = 0; i < nf; i++) {
    zb__field_set__init(&b->fs[i]);
    b->fs[i].field = (uint32_t)fields[i];
    b->fs[i].value = vals[i];
    b->fsp[i] = &b->fs[i];
  }
  zb__record_set__init(&b->set);
  b->set.kind = (Zb__RecordKind)kind->id;
  b->set.key = (char *)key;
  b->set.n_fields = nf;
  b->set.fields = b->fsp;
  op->body_case = ZB__OP__BODY_SET;
  op->set = &b->set;
}

static void stamp_set(zb_stamp *st, uint64_t hlc, uint64_t server_seq, const char *origin) {
  st->hlc = hlc;
  st->server_seq = server_seq;
  snprintf(st->origin, sizeof st->origin, "%s", origin);   /* a node id: check_shape */
}

/* Whether mv sets every required field of the record it writes: a move
 * that creates its record (an approval makes the member). */
static bool move_creates(const zb_act_move *mv) {
  const zb_kind_desc *mk = mv->kind;
  for (int f = 1; f < mk->nfields; f++) {
    if (!(mk->fields[f].flags & ZB_FF_REQUIRED))
      continue;
    bool set = false;
    for (int j = 0; j < mv->nsets && !set; j++)
      set = mv->sets[j].field == f;
    if (!set)
      return false;
  }
  return true;
}

/* The act's move (zb_act_move), as part of the act's rule: the record it
 * writes, as the server will write it right after the act, must pass every
 * rule of its kind (fields, the kind's own rules, unique indexes), or the
 * act is refused — an act never stands without its move (docs/RECORDS.md,
 * "Transfers").  A replica that holds only part of the records judges the
 * move only when it holds the moved record or the move creates it. */
static int check_move(zb_txn *t, const zb_act_desc *ad, const zb_rec *act_rec, zb_date today,
                      const char *scope, zb_apply_result *r) {
  const zb_act_move *mv = ad->move;
  const zb_kind_desc *mk = mv->kind;
  const char *mkey = act_rec->v[mv->key_field];
  int ret = 0;
  zb_rec *mcur = malloc(sizeof *mcur), *mnext = malloc(sizeof *mnext);
  zb_apply_result *mr = malloc(sizeof *mr);
  if (!mcur || !mnext || !mr) {
    ret = ZB_ENOMEM;
    goto out;
  }
  int rc = zb_rec_load(t, mk, mkey, mcur);
  bool existed = rc == 0;
  if (rc && rc != ZB_ENOTFOUND) {
    ret = rc;
    goto out;
  }
  if (!existed && !r->complete && !move_creates(mv))
    goto out;   /* the server, which holds it, judges */
  if (!existed)
    zb_rec_init(mcur, mk);
  zb_rec_copy(mnext, mcur);
  snprintf(mnext->v[0], sizeof mnext->v[0], "%s", mkey);
  for (int j = 0; j < mv->nsets; j++) {
    const zb_move_set *ms = &mv->sets[j];
    snprintf(mnext->v[ms->field], sizeof mnext->v[0], "%s",
             ms->value_field >= 0 ? act_rec->v[ms->value_field] : ms->value);
  }
  mr->status = ZB_APPLY_OK;
  mr->field = -1;
  mr->scope = false;
  mr->complete = r->complete;
  mr->reason[0] = mr->detail[0] = '\0';
  if ((ret = check_rules(t, mcur, existed, mnext, today, scope, NULL, false, mr)) ||
      mr->status != ZB_APPLY_REJECTED)
    goto out;
  zb_reject(r, -1, "why.move_refused" ZB_US ZB_RS "%s:%s" ZB_US ZB_RS "%s" ZB_US "%.40s", act_rec->kd->name,
            ad->name, mk->name, mkey);
  zb_reason_nest(r->reason, sizeof r->reason, mr->reason);
  snprintf(r->detail, sizeof r->detail, "%s", mr->detail);
out:
  free(mcur);
  free(mnext);
  free(mr);
  return ret;
}

/* An act (docs/RECORDS.md, "Ops: sets, acts and facts"): checked against
 * the record's state where it is applied in the server's order, and then
 * written over whatever the fields held: acts are ordered by the server,
 * not by their clocks.  Trusted, it only writes. */
static int apply_act(zb_txn *t, const Zb__Op *op, const zb_rec *cur, zb_rec *next,
                     uint64_t hlc, zb_date today, uint64_t server_seq, const char *scope,
                     bool trusted, zb_apply_result *r) {
  const zb_kind_desc *kd = cur->kd;
  const zb_act_desc *ad = zb_kind_act(kd, op->act->name);   /* check_shape found it */
  int sf = kd->state_field;
  if (!trusted && sf) {
    /* The state on the UTC day the op counts at (today is the day after,
     * zb_hlc_today), as lists show it on that day. */
    int st = zb_kind_state_at(kd, cur->v, zb_date_prev_day(today));
    if (st < 0 || !(ad->from & (1u << st)))
      return zb_reject(r, sf, "why.act_state" ZB_US ZB_RS "%s" ZB_US ZB_RS "%s.%s" ZB_US "%s" ZB_US ZB_RS "%s:%s",
                       kd->name, kd->name, kd->fields[sf].name,
                       st >= 0 ? kd->fields[sf].vocab[st] : cur->v[sf], kd->name, ad->name);
  }
  zb_rec_copy(next, cur);
  bool changed = false;
  if (sf && ad->to != ZB_ACT_STAY) {
    const char *to = kd->fields[sf].vocab[ad->to];
    changed |= strcmp(next->v[sf], to) != 0;
    snprintf(next->v[sf], sizeof next->v[sf], "%s", to);
    stamp_set(&next->st[sf], hlc, server_seq, op->origin);
  }
  for (size_t i = 0; i < op->act->n_params; i++) {
    const Zb__FieldSet *f = op->act->params[i];
    changed |= strcmp(next->v[f->field], f->value) != 0;
    snprintf(next->v[f->field], sizeof next->v[0], "%s", f->value);   /* ≤ ZB_FIELD_MAX */
    stamp_set(&next->st[f->field], hlc, server_seq, op->origin);
  }
  if (!trusted) {
    int rc = check_rules(t, cur, true, next, today, scope, ad, false, r);
    if (!rc && r->status != ZB_APPLY_REJECTED && ad->check)
      rc = ad->check(t, next->v, scope, today, r);
    if (!rc && r->status != ZB_APPLY_REJECTED && ad->move)
      rc = check_move(t, ad, next, today, scope, r);
    if (rc || r->status == ZB_APPLY_REJECTED)
      return rc;
  }
  int rc = zb_rec_store(t, cur, next);
  if (!rc) {
    r->status = ZB_APPLY_OK;
    r->changed = changed;
  }
  return rc;
}

/* A fact: an entry keyed by its id on a record the writer holds, checked
 * on its own; the same id again keeps the entry written first in (HLC,
 * origin) order, so replicas agree whatever order the ops come in. */
static int apply_fact(zb_txn *t, const Zb__Op *op, const zb_rec *rec, zb_rec *f, uint64_t hlc,
                      zb_date today, uint64_t server_seq, const char *scope, bool trusted,
                      zb_apply_result *r) {
  const zb_kind_desc *kd = rec->kd;
  int fi;
  const zb_kind_desc *fk = zb_kind_fact(kd, op->fact->name, &fi);   /* check_shape found it */
  zb_rec_init(f, fk);
  for (size_t i = 0; i < op->fact->n_values; i++)
    snprintf(f->v[op->fact->values[i]->field], sizeof f->v[0], "%s", op->fact->values[i]->value);
  if (!trusted) {
    if (!zb_holds(kd, rec->v, scope)) {
      r->scope = true;
      return zb_reject(r, -1, "why.rec_scope" ZB_US ZB_RS "%s" ZB_US "%s" ZB_US "%s", kd->name,
                       rec->v[0], scope);
    }
    struct first_problem fp = {.field = -1};
    if (zb_rec_validate(fk, f->v, today, note_problem, &fp) > 0)
      return zb_reject(r, fp.field, "%s", fp.reason);
    int of = fk->org_field;
    if (fk->fields[of].type == ZB_FT_ORG_CODE && !org_in_scope(fk, f->v[of], scope)) {
      r->scope = true;
      return zb_reject(r, of, "why.own_org" ZB_US ZB_RS "%s" ZB_US "%s" ZB_US "%s", fk->name,
                       f->v[of], scope);
    }
  }
  zb_rec *old = malloc(sizeof *old);
  if (!old)
    return ZB_ENOMEM;
  int rc = zb_fact_load(t, kd, rec->v[0], fi, f->v[0], old);
  bool existed = rc == 0, write = true, changed = true;
  if (rc && rc != ZB_ENOTFOUND)
    goto out;
  rc = 0;
  for (int i = 0; i < fk->nfields; i++)
    stamp_set(&f->st[i], hlc, server_seq, op->origin);
  if (existed) {
    int cmp = stamp_cmp(hlc, op->origin, &old->st[0]);
    changed = cmp < 0 && memcmp(old->v, f->v, sizeof f->v[0] * (size_t)fk->nfields) != 0;
    if (cmp == 0)
      write = server_seq > old->st[0].server_seq;   /* seen again: learn its seq */
    else if (cmp > 0)
      write = false;   /* an earlier entry holds this id */
  }
  if (write)
    rc = zb_fact_store(t, kd, rec->v[0], fi, f);
  r->status = ZB_APPLY_OK;
  r->changed = changed;
out:
  free(old);
  return rc;
}

int zb_merge_apply(zb_txn *t, const Zb__Op *op, uint64_t server_seq,
                   const char *scope, unsigned flags, zb_apply_result *r) {
  return zb_merge_apply_at(t, op, op->hlc, zb_hlc_today(op->hlc), server_seq, scope, flags, r);
}

int zb_merge_apply_at(zb_txn *t, const Zb__Op *op, uint64_t hlc, zb_date today,
                      uint64_t server_seq, const char *scope, unsigned flags,
                      zb_apply_result *r) {
  /* Not a memset: the conflicts array has room for every field of the
   * widest kind, and is filled only up to nconflicts. */
  r->status = ZB_APPLY_OK;
  r->changed = r->existed = r->scope = false;
  r->complete = flags & ZB_APPLY_COMPLETE;
  r->field = -1;
  r->reason[0] = r->detail[0] = r->org_before[0] = r->org_after[0] = r->org_also[0] = '\0';
  r->nconflicts = 0;
  const zb_kind_desc *kind = NULL;   /* set by check_shape when it passes */
  check_shape(op, &kind, flags & ZB_APPLY_CHECKED, r);
  if (r->status == ZB_APPLY_REJECTED)
    return 0;
  int kid;
  const char *key = "";   /* check_shape found the target */
  zb_op_target(op, &kid, &key, NULL);
  const Zb__RecordSet *set = op->set;
  size_t keylen = strlen(key);
  size_t olen = strlen(op->origin);
  bool trusted = flags & ZB_APPLY_TRUSTED;
  int ret = 0;
  zb_rec *cur = malloc(sizeof *cur), *next = malloc(sizeof *next);
  if (!cur || !next) {
    ret = ZB_ENOMEM;
    goto out;
  }
  int rc = zb_rec_load(t, kind, key, cur);
  bool existed = rc == 0;
  r->existed = existed;
  if (rc && rc != ZB_ENOTFOUND) {
    ret = rc;
    goto out;
  }
  /* A record not there yet: cur's fields are read only where it existed. */
  if (!existed)
    cur->kd = kind;
  int of = kind->org_field;
  /* A record placed by a field (not the org tree itself) that lies outside
   * the writer's scope is not the writer's to change, wherever the op
   * would move it. */
  const zb_act_desc *ad =
      op->body_case == ZB__OP__BODY_ACT ? zb_kind_act(kind, op->act->name) : NULL;
  int sf = ad && ad->scope_field ? ad->scope_field : of;
  if (existed && of != 0 && !trusted && op->body_case != ZB__OP__BODY_FACT &&
      !org_in_scope(kind, cur->v[sf], scope)) {
    r->scope = true;
    zb_reject(r, sf, "why.rec_scope" ZB_US ZB_RS "%s" ZB_US "%s" ZB_US "%s", kind->name, key, scope);
    snprintf(r->detail, sizeof r->detail, "%s %.40s belongs to org %.64s", kind->name, key,
             cur->v[of]);
    goto out;
  }
  if (op->body_case != ZB__OP__BODY_SET) {
    /* Acts and facts concern a record that exists.  A trusted one whose
     * record this replica does not hold has nothing to change here. */
    if (!existed) {
      if (!trusted)
        zb_reject(r, 0, "why.rec_missing" ZB_US ZB_RS "%s" ZB_US "%s", kind->name, key);
      goto out;
    }
    copy_text(r->org_before, sizeof r->org_before, cur->v[of]);
    copy_text(r->org_after, sizeof r->org_after, cur->v[of]);
    if (kind->reach_field)
      copy_text(r->org_also, sizeof r->org_also, cur->v[kind->reach_field]);
    ret = op->body_case == ZB__OP__BODY_ACT
              ? apply_act(t, op, cur, next, hlc, today, server_seq, scope, trusted, r)
              : apply_fact(t, op, cur, next, hlc, today, server_seq, scope, trusted, r);
    goto out;
  }
  /* A new record starts empty: each field "" with no stamp.  Only the
   * text up to each NUL is ever read (not the bytes after it, as
   * zb_rec_init would also clear; an import sets a million records). */
  if (existed) {
    zb_rec_copy(next, cur);
  } else {
    next->kd = kind;
    for (int f = 0; f < kind->nfields; f++)
      next->v[f][0] = '\0';
    memset(next->st, 0, (size_t)kind->nfields * sizeof next->st[0]);
  }
  memcpy(next->v[0], key, keylen + 1);
  bool changed = !existed;
  for (size_t i = 0; i < set->n_fields; i++) {
    const Zb__FieldSet *f = set->fields[i];
    size_t vlen = strlen(f->value);   /* check_shape: at most ZB_FIELD_MAX */
    if (f->field == 0) {
      if (strcmp(f->value, key) != 0) {
        zb_reject(r, 0, "why.key_fixed");
        goto out;
      }
      continue;
    }
    zb_stamp *st = &next->st[f->field];
    char *val = next->v[f->field];
    int cmp = existed ? stamp_cmp(hlc, op->origin, st) : 1;
    if (cmp == 0) {
      /* The same write seen again (its echo, or a replay): only learn the
       * server seq it was given. */
      if (server_seq > st->server_seq)
        st->server_seq = server_seq;
      continue;
    }
    if (existed && st->hlc && strcmp(st->origin, op->origin) != 0 &&
        st->server_seq > op->base_cursor && strcmp(val, f->value) != 0)
      note_conflict(r, (int)f->field, cmp > 0, op, hlc, f->value, st, val);
    if (cmp < 0)
      continue;   /* a later write already holds this field */
    if (strcmp(val, f->value) != 0) {
      memcpy(val, f->value, vlen + 1);
      changed = true;
    }
    st->hlc = hlc;
    st->server_seq = server_seq;
    memcpy(st->origin, op->origin, olen + 1);   /* olen ≤ ZB_NODE_ID_MAX, checked above */
  }
  /* The key field carries the earliest stamp that wrote the record: the
   * minimum, not the first applied, so that replicas applying the same ops
   * in another order store the same bytes. */
  if (!existed || stamp_cmp(hlc, op->origin, &next->st[0]) < 0) {
    next->st[0].hlc = hlc;
    next->st[0].server_seq = server_seq;
    memcpy(next->st[0].origin, op->origin, olen + 1);
  } else if (stamp_cmp(hlc, op->origin, &next->st[0]) == 0 &&
             server_seq > next->st[0].server_seq) {
    next->st[0].server_seq = server_seq;
  }
  /* The org tree's own records are their place, before and after. */
  copy_text(r->org_before, sizeof r->org_before, of == 0 ? key : existed ? cur->v[of] : "");
  copy_text(r->org_after, sizeof r->org_after, next->v[of]);
  if (kind->reach_field)
    copy_text(r->org_also, sizeof r->org_also, next->v[kind->reach_field]);
  if (flags & ZB_APPLY_TRUSTED)
    goto store;
  rc = check_rules(t, cur, existed, next, today, scope, NULL, flags & ZB_APPLY_CHECKED, r);
  if (rc || r->status == ZB_APPLY_REJECTED) {
    ret = rc;
    goto out;
  }
store:
  /* Stamps may have advanced even when no value changed; store either way
   * so that every replica keeps the same winner. */
  if ((ret = zb_rec_store(t, existed ? cur : NULL, next)))
    goto out;
  r->status = r->nconflicts ? ZB_APPLY_CONFLICT : ZB_APPLY_OK;
  r->changed = changed;
out:
  free(cur);
  free(next);
  return ret;
}
