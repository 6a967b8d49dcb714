#include "zb_merge.h"

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "zb_err.h"
#include "zb_hlc.h"
#include "zb_record.h"
#include "zb_state.h"
#include "zb_utf8.h"

int zb_reject(zb_apply_result *r, int field, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
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
  time_t t = (time_t)s + 86400;
  struct tm tm;
  gmtime_r(&t, &tm);
  return (zb_date){tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday};
}

struct first_problem {
  int field;
  char reason[256];
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
  zb_val v;
  return zb_txn_get(t, ZB_DB_ORGS, code, strlen(code), &v);
}

/* Whether org lies where a writer with this scope may place a record of
 * kd (docs/RECORDS.md, "Kinds": scope). */
static bool org_in_scope(const zb_kind_desc *kd, const char *org, const char *scope) {
  if (!scope)
    return true;
  return kd->scope == ZB_SCOPE_OWN_ORG ? strcmp(org, scope) == 0 : zb_org_in_subtree(org, scope);
}

/* Every rule the record next must satisfy, in the order the messages are
 * most useful: its fields, fields that never change, its org, the writer's
 * scope, the kind's own rules against the state, its unique indexes. */
static int check_rules(zb_txn *t, const zb_rec *cur, bool existed, const zb_rec *next,
                       zb_date today, const char *scope, zb_apply_result *r) {
  const zb_kind_desc *kd = next->kd;
  struct first_problem fp = {.field = -1};
  if (zb_rec_validate(kd, next->v, today, note_problem, &fp) > 0)
    return zb_reject(r, fp.field, "%s", fp.reason);
  for (int f = 0; existed && f < kd->nfields; f++)
    if ((kd->fields[f].flags & ZB_FF_FIXED) && strcmp(cur->v[f], next->v[f]) != 0)
      return zb_reject(r, f, "%s cannot be changed once the %s exists", kd->fields[f].name,
                       kd->name);
  int of = kd->org_field;
  const char *org = next->v[of];
  int rc;
  if (kd->org_must_exist) {
    rc = org_exists(t, org);
    if (rc == ZB_ENOTFOUND)
      return zb_reject(r, of, "org %s does not exist (import the org tree first)", org);
    if (rc)
      return rc;
  }
  if (!org_in_scope(kd, org, scope)) {
    r->scope = true;
    if (kd->scope == ZB_SCOPE_OWN_ORG)
      return zb_reject(r, of, "a %s is written by its own org: %s is not the writer's org %s",
                       kd->name, org, scope);
    return zb_reject(r, of, "org %s is outside the writer's scope %s", org, scope);
  }
  if (kd->state_check && ((rc = kd->state_check(t, next->v, scope, r)) || r->status))
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
      return zb_reject(r, ix->field, "%s is already recorded for %s %s", fname, kd->name, holder);
    return zb_reject(r, ix->field, "this %s is already recorded in another organization",
                     ix->what);
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

/* A value from an op: at most ZB_FIELD_MAX bytes of UTF-8 text without
 * control characters (the protobuf-c string was checked at the wire
 * boundary to hold no NUL, so strlen is its length). */
static bool value_ok(const char *v, size_t *len) {
  *len = strnlen(v, ZB_FIELD_MAX + 1);
  return *len <= ZB_FIELD_MAX && zb_utf8_valid(v, *len);
}

/* The op's shape, before any of it is used (zb_merge.h): the same checks
 * for a node's own write, a pushed op at the server and a pulled one. */
static int check_shape(const Zb__Op *op, const zb_kind_desc **kind, zb_apply_result *r) {
  if (!op->origin || !zb_node_id_valid(op->origin))
    return zb_reject(r, -1, "the op's origin is not a node id");
  size_t alen = op->actor ? strnlen(op->actor, ZB_NODE_ID_MAX + 1) : 0;
  if (alen > ZB_NODE_ID_MAX)
    return zb_reject(r, -1, "the op's actor is longer than %d bytes", ZB_NODE_ID_MAX);
  if (alen && !zb_utf8_valid(op->actor, alen))
    return zb_reject(r, -1, "the op's actor is not text (invalid UTF-8 or a control character)");
  if (op->body_case != ZB__OP__BODY_SET || !op->set)
    return zb_reject(r, -1, "op %s/%llu has no body this version understands", op->origin,
                  (unsigned long long)op->seq);
  const Zb__RecordSet *set = op->set;
  if (!(*kind = zb_kind_by_id((int)set->kind)))
    return zb_reject(r, -1, "unknown record kind %d", (int)set->kind);
  size_t len;
  if (!set->key || !value_ok(set->key, &len) || len == 0)
    return zb_reject(r, 0, "the record key must be 1-%d bytes of text", ZB_FIELD_MAX);
  int nf = (*kind)->nfields;
  bool seen[ZB_REC_FIELDS_MAX] = {false};
  for (size_t i = 0; i < set->n_fields; i++) {
    const Zb__FieldSet *f = set->fields[i];
    if (f->field >= (uint32_t)nf)
      return zb_reject(r, -1, "field number %u does not exist", f->field);
    const char *name = (*kind)->fields[f->field].name;
    if (seen[f->field])
      return zb_reject(r, (int)f->field, "field %s is set more than once in one op", name);
    seen[f->field] = true;
    if (!f->value || !value_ok(f->value, &len))
      return zb_reject(r, (int)f->field,
                    "%s must be at most %d bytes of text (valid UTF-8, no control character)",
                    name, ZB_FIELD_MAX);
  }
  return 0;
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

int zb_merge_apply(zb_txn *t, const Zb__Op *op, uint64_t server_seq,
                   const char *scope, unsigned flags, zb_apply_result *r) {
  return zb_merge_apply_at(t, op, op->hlc, zb_hlc_today(op->hlc), server_seq, scope, flags, r);
}

int zb_merge_apply_at(zb_txn *t, const Zb__Op *op, uint64_t hlc, zb_date today,
                      uint64_t server_seq, const char *scope, unsigned flags,
                      zb_apply_result *r) {
  memset(r, 0, sizeof *r);
  r->field = -1;
  const zb_kind_desc *kind = NULL;   /* set by check_shape when it passes */
  check_shape(op, &kind, r);
  if (r->status == ZB_APPLY_REJECTED)
    return 0;
  const Zb__RecordSet *set = op->set;
  size_t keylen = strlen(set->key);
  size_t olen = strlen(op->origin);
  int ret = 0;
  zb_rec *cur = malloc(sizeof *cur), *next = malloc(sizeof *next);
  if (!cur || !next) {
    ret = ZB_ENOMEM;
    goto out;
  }
  int rc = zb_rec_load(t, kind, set->key, cur);
  bool existed = rc == 0;
  r->existed = existed;
  if (rc && rc != ZB_ENOTFOUND) {
    ret = rc;
    goto out;
  }
  if (!existed)
    zb_rec_init(cur, kind);
  int of = kind->org_field;
  /* A record placed by a field (not the org tree itself) that lies outside
   * the writer's scope is not the writer's to change, wherever the op
   * would move it. */
  if (existed && of != 0 && !(flags & ZB_APPLY_TRUSTED) && !org_in_scope(kind, cur->v[of], scope)) {
    r->scope = true;
    zb_reject(r, of, "%s %s is outside the writer's scope %s", kind->name, set->key, scope);
    snprintf(r->detail, sizeof r->detail, "%s %.40s belongs to org %.64s", kind->name, set->key,
             cur->v[of]);
    goto out;
  }
  *next = *cur;
  memcpy(next->v[0], set->key, keylen + 1);
  bool changed = !existed;
  for (size_t i = 0; i < set->n_fields; i++) {
    const Zb__FieldSet *f = set->fields[i];
    size_t vlen = strlen(f->value);   /* check_shape: at most ZB_FIELD_MAX */
    if (f->field == 0) {
      if (strcmp(f->value, set->key) != 0) {
        zb_reject(r, 0, "a record's key cannot be changed");
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
  snprintf(r->org_before, sizeof r->org_before, "%s",
           of == 0 ? set->key : existed ? cur->v[of] : "");
  snprintf(r->org_after, sizeof r->org_after, "%s", next->v[of]);
  if (flags & ZB_APPLY_TRUSTED)
    goto store;
  rc = check_rules(t, cur, existed, next, today, scope, r);
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
