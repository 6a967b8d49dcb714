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

static int reject(zb_apply_result *r, int field, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int reject(zb_apply_result *r, int field, const char *fmt, ...) {
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

/* Marks a rejection as one of scope (exit status 6, not 3). */
static int reject_scope(zb_apply_result *r, int rc) {
  r->scope = true;
  return rc;
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


struct holder_scan {
  const char *idn, *self;
  size_t ilen;
  char *out;
  bool found;
};

static int holder_row(void *ctx, zb_val key, zb_val val) {
  struct holder_scan *hs = ctx;
  const char *k = key.data;
  (void)val;
  if (key.len <= hs->ilen || memcmp(k, hs->idn, hs->ilen) != 0 || k[hs->ilen] != '\0')
    return 1;
  size_t idlen = key.len - hs->ilen - 1;
  if (idlen == strlen(hs->self) && memcmp(k + hs->ilen + 1, hs->self, idlen) == 0)
    return 0;
  snprintf(hs->out, ZB_FIELD_MAX + 1, "%.*s", (int)(idlen > ZB_FIELD_MAX ? ZB_FIELD_MAX : idlen),
           k + hs->ilen + 1);
  hs->found = true;
  return 1;
}

/* 0 with the id of another member holding idn, or ZB_ENOTFOUND. */
static int idnum_holder(zb_txn *t, const char *idn, const char *self, char out[ZB_FIELD_MAX + 1]) {
  char start[ZB_FIELD_MAX + 2];
  size_t ilen = strlen(idn);
  memcpy(start, idn, ilen);
  start[ilen] = '\0';
  struct holder_scan hs = {idn, self, ilen, out, false};
  int rc = zb_txn_scan(t, ZB_DB_MEMBER_IDNUM, start, ilen + 1, holder_row, &hs);
  if (rc)
    return rc;
  return hs.found ? 0 : ZB_ENOTFOUND;
}

static int check_member(zb_txn *t, zb_rec *next, zb_date today, const char *scope,
                        zb_apply_result *r) {
  const zb_member *m = &next->m;
  struct first_problem fp = {.field = -1};
  if (zb_member_validate(m, today, note_problem, &fp) > 0)
    return reject(r, fp.field, "%s", fp.reason);
  const char *org = m->v[ZB_MF_ORG_CODE];
  int rc = org_exists(t, org);
  if (rc == ZB_ENOTFOUND)
    return reject(r, ZB_MF_ORG_CODE, "org %s does not exist (import the org tree first)", org);
  if (rc)
    return rc;
  if (scope && !zb_org_in_subtree(org, scope))
    return reject_scope(r, reject(r, ZB_MF_ORG_CODE, "org %s is outside the writer's scope %s",
                                  org, scope));
  const char *idn = m->v[ZB_MF_ID_NUMBER];
  char holder[ZB_FIELD_MAX + 1];
  rc = idnum_holder(t, idn, m->v[ZB_MF_ID], holder);
  if (rc == 0) {
    /* Who holds the number is told only to a writer whose scope holds that
     * member: otherwise any branch could probe any resident ID (the
     * operator finds the holder in detail). */
    zb_member *hm = malloc(sizeof *hm);
    if (!hm)
      return ZB_ENOMEM;
    rc = zb_member_load(t, holder, hm);
    bool visible = rc == 0 && (!scope || zb_org_in_subtree(hm->v[ZB_MF_ORG_CODE], scope));
    snprintf(r->detail, sizeof r->detail, "id_number held by member %.40s of org %.64s", holder,
             rc == 0 ? hm->v[ZB_MF_ORG_CODE] : "?");
    free(hm);
    if (rc && rc != ZB_ENOTFOUND)
      return rc;
    if (visible)
      return reject(r, ZB_MF_ID_NUMBER, "id_number is already recorded for member %s", holder);
    return reject(r, ZB_MF_ID_NUMBER,
                  "this ID number is already recorded in another organization");
  }
  if (rc != ZB_ENOTFOUND)
    return rc;
  return 0;
}

static int write_member_indexes(zb_txn *t, const zb_rec *cur, bool existed, const zb_rec *next) {
  char key[2 * (ZB_FIELD_MAX + 1)];
  const zb_member *m = &next->m;
  int rc;
  if (!existed || strcmp(cur->m.v[ZB_MF_ORG_CODE], m->v[ZB_MF_ORG_CODE]) != 0) {
    if (existed) {
      size_t n = zb_pair_key(key, cur->m.v[ZB_MF_ORG_CODE], cur->m.v[ZB_MF_ID]);
      if ((rc = zb_txn_del(t, ZB_DB_MEMBER_ORG, key, n)))
        return rc;
    }
    size_t n = zb_pair_key(key, m->v[ZB_MF_ORG_CODE], m->v[ZB_MF_ID]);
    if ((rc = zb_txn_put(t, ZB_DB_MEMBER_ORG, key, n, "", 0, 0)))
      return rc;
  }
  if (!existed || strcmp(cur->m.v[ZB_MF_ID_NUMBER], m->v[ZB_MF_ID_NUMBER]) != 0) {
    if (existed) {
      size_t n = zb_pair_key(key, cur->m.v[ZB_MF_ID_NUMBER], cur->m.v[ZB_MF_ID]);
      if ((rc = zb_txn_del(t, ZB_DB_MEMBER_IDNUM, key, n)))
        return rc;
    }
    size_t n = zb_pair_key(key, m->v[ZB_MF_ID_NUMBER], m->v[ZB_MF_ID]);
    if ((rc = zb_txn_put(t, ZB_DB_MEMBER_IDNUM, key, n, "", 0, 0)))
      return rc;
  }
  return 0;
}

static int check_org(zb_txn *t, const zb_rec *next, const char *scope, zb_apply_result *r) {
  const zb_org *o = &next->o;
  struct first_problem fp = {.field = -1};
  if (zb_org_validate(o, note_problem, &fp) > 0)
    return reject(r, fp.field, "%s", fp.reason);
  const char *code = o->v[ZB_OF_CODE], *parent = o->v[ZB_OF_PARENT_CODE];
  if (scope && !zb_org_in_subtree(code, scope))
    return reject_scope(r, reject(r, ZB_OF_CODE, "org %s is outside the writer's scope %s", code,
                                  scope));
  /* The root of a scope hangs under an org the writer may not hold; every
   * other org needs its parent first, so the tree never has holes. */
  bool is_scope_root = scope && strcmp(code, scope) == 0;
  if (*parent && !is_scope_root) {
    int rc = org_exists(t, parent);
    if (rc == ZB_ENOTFOUND)
      return reject(r, ZB_OF_PARENT_CODE, "parent org %s does not exist", parent);
    if (rc)
      return rc;
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
static int check_shape(const Zb__Op *op, enum zb_kind *kind, zb_apply_result *r) {
  if (!op->origin || !zb_node_id_valid(op->origin))
    return reject(r, -1, "the op's origin is not a node id");
  size_t alen = op->actor ? strnlen(op->actor, ZB_NODE_ID_MAX + 1) : 0;
  if (alen > ZB_NODE_ID_MAX)
    return reject(r, -1, "the op's actor is longer than %d bytes", ZB_NODE_ID_MAX);
  if (alen && !zb_utf8_valid(op->actor, alen))
    return reject(r, -1, "the op's actor is not text (invalid UTF-8 or a control character)");
  if (op->body_case != ZB__OP__BODY_SET || !op->set)
    return reject(r, -1, "op %s/%llu has no body this version understands", op->origin,
                  (unsigned long long)op->seq);
  const Zb__RecordSet *set = op->set;
  if (set->kind == ZB__RECORD_KIND__RECORD_KIND_MEMBER)
    *kind = ZB_KIND_MEMBER;
  else if (set->kind == ZB__RECORD_KIND__RECORD_KIND_ORG)
    *kind = ZB_KIND_ORG;
  else
    return reject(r, -1, "unknown record kind %d", (int)set->kind);
  size_t len;
  if (!set->key || !value_ok(set->key, &len) || len == 0)
    return reject(r, 0, "the record key must be 1-%d bytes of text", ZB_FIELD_MAX);
  int nf = zb_rec_nfields(*kind);
  bool seen[ZB_MF__COUNT] = {false};
  for (size_t i = 0; i < set->n_fields; i++) {
    const Zb__FieldSet *f = set->fields[i];
    if (f->field >= (uint32_t)nf)
      return reject(r, -1, "field number %u does not exist", f->field);
    const char *name = zb_field_name(*kind, (int)f->field);
    if (seen[f->field])
      return reject(r, (int)f->field, "field %s is set more than once in one op", name);
    seen[f->field] = true;
    if (!f->value || !value_ok(f->value, &len))
      return reject(r, (int)f->field,
                    "%s must be at most %d bytes of text (valid UTF-8, no control character)",
                    name, ZB_FIELD_MAX);
  }
  return 0;
}

void zb_op_set_body(Zb__Op *op, zb_set_body *b, enum zb_kind kind, const char *key,
                    const int *fields, char *const *vals, size_t nf) {
  assert(nf <= ZB_MF__COUNT);
  for (size_t i = 0; i < nf; i++) {
    zb__field_set__init(&b->fs[i]);
    b->fs[i].field = (uint32_t)fields[i];
    b->fs[i].value = vals[i];
    b->fsp[i] = &b->fs[i];
  }
  zb__record_set__init(&b->set);
  b->set.kind = (Zb__RecordKind)kind;   /* enum zb_kind = zb.RecordKind */
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
  enum zb_kind kind = ZB_KIND_ORG;   /* set by check_shape when it passes */
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
  if (!existed) {
    memset(cur, 0, sizeof *cur);
    cur->kind = kind;
  }
  if (existed && kind == ZB_KIND_MEMBER && scope && !(flags & ZB_APPLY_TRUSTED) &&
      !zb_org_in_subtree(cur->m.v[ZB_MF_ORG_CODE], scope)) {
    r->scope = true;
    reject(r, ZB_MF_ORG_CODE, "member %s is outside the writer's scope %s", set->key, scope);
    snprintf(r->detail, sizeof r->detail, "member %.40s belongs to org %.64s", set->key,
             cur->m.v[ZB_MF_ORG_CODE]);
    goto out;
  }
  *next = *cur;
  memcpy(zb_rec_val(next, 0), set->key, keylen + 1);
  bool changed = !existed;
  for (size_t i = 0; i < set->n_fields; i++) {
    const Zb__FieldSet *f = set->fields[i];
    size_t vlen = strlen(f->value);   /* check_shape: at most ZB_FIELD_MAX */
    if (f->field == 0) {
      if (strcmp(f->value, set->key) != 0) {
        reject(r, 0, "a record's key cannot be changed");
        goto out;
      }
      continue;
    }
    zb_stamp *st = &next->st[f->field];
    char *val = zb_rec_val(next, (int)f->field);
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
  if (kind == ZB_KIND_MEMBER) {
    snprintf(r->org_before, sizeof r->org_before, "%s", existed ? cur->m.v[ZB_MF_ORG_CODE] : "");
    snprintf(r->org_after, sizeof r->org_after, "%s", next->m.v[ZB_MF_ORG_CODE]);
  } else {
    snprintf(r->org_before, sizeof r->org_before, "%s", set->key);
    snprintf(r->org_after, sizeof r->org_after, "%s", set->key);
  }
  if (flags & ZB_APPLY_TRUSTED)
    goto store;
  rc = kind == ZB_KIND_MEMBER ? check_member(t, next, today, scope, r)
                              : check_org(t, next, scope, r);
  if (rc || r->status == ZB_APPLY_REJECTED) {
    ret = rc;
    goto out;
  }
store:
  if (kind == ZB_KIND_MEMBER && (ret = write_member_indexes(t, cur, existed, next)))
    goto out;
  /* Stamps may have advanced even when no value changed; store either way
   * so that every replica keeps the same winner. */
  if ((ret = zb_rec_store(t, next)))
    goto out;
  r->status = r->nconflicts ? ZB_APPLY_CONFLICT : ZB_APPLY_OK;
  r->changed = changed;
out:
  free(cur);
  free(next);
  return ret;
}
