#include "zb_merge.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "zb_err.h"
#include "zb_hlc.h"
#include "zb_record.h"
#include "zb_state.h"

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

/* The day that counts as "today" for an op: the UTC date of its HLC plus
 * one day, so that a record entered just after midnight local time (east of
 * UTC) is not "in the future".  Using the op's own time, not the clock of
 * whoever applies it, makes the outcome the same on every replica. */
static zb_date op_today(uint64_t hlc) {
  time_t t = (time_t)(ZB_HLC_MS(hlc) / 1000) + 86400;
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

static int check_member(zb_txn *t, zb_rec *next, const Zb__Op *op, const char *scope,
                        zb_apply_result *r) {
  const zb_member *m = &next->m;
  struct first_problem fp = {.field = -1};
  if (zb_member_validate(m, op_today(op->hlc), note_problem, &fp) > 0)
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
  if (rc == 0)
    return reject(r, ZB_MF_ID_NUMBER, "id_number is already recorded for member %s", holder);
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
                          const char *value, const zb_stamp *st, const char *cur_value) {
  zb_conflict *c = &r->conflicts[r->nconflicts++];
  c->field = field;
  const char *wv = incoming_wins ? value : cur_value, *lv = incoming_wins ? cur_value : value;
  const char *wo = incoming_wins ? op->origin : st->origin, *lo = incoming_wins ? st->origin : op->origin;
  snprintf(c->winner_value, sizeof c->winner_value, "%s", wv);
  snprintf(c->loser_value, sizeof c->loser_value, "%s", lv);
  snprintf(c->winner_origin, sizeof c->winner_origin, "%s", wo);
  snprintf(c->loser_origin, sizeof c->loser_origin, "%s", lo);
  c->winner_hlc = incoming_wins ? op->hlc : st->hlc;
  c->loser_hlc = incoming_wins ? st->hlc : op->hlc;
}

int zb_merge_apply(zb_txn *t, const Zb__Op *op, uint64_t server_seq,
                   const char *scope, unsigned flags, zb_apply_result *r) {
  memset(r, 0, sizeof *r);
  r->field = -1;
  if (op->body_case != ZB__OP__BODY_SET || !op->set)
    return reject(r, -1, "op %s/%llu has no body this version understands", op->origin,
                  (unsigned long long)op->seq);
  const Zb__RecordSet *set = op->set;
  enum zb_kind kind;
  if (set->kind == ZB__RECORD_KIND__RECORD_KIND_MEMBER)
    kind = ZB_KIND_MEMBER;
  else if (set->kind == ZB__RECORD_KIND__RECORD_KIND_ORG)
    kind = ZB_KIND_ORG;
  else
    return reject(r, -1, "unknown record kind %d", (int)set->kind);
  int nf = zb_rec_nfields(kind);
  size_t keylen = strlen(set->key);
  if (keylen == 0 || keylen > ZB_FIELD_MAX)
    return reject(r, 0, "record key is empty or longer than %d bytes", ZB_FIELD_MAX);
  size_t olen = strlen(op->origin);
  if (olen == 0 || olen > ZB_NODE_ID_MAX)
    return reject(r, -1, "op origin is empty or longer than %d bytes", ZB_NODE_ID_MAX);

  int ret = 0;
  zb_rec *cur = malloc(sizeof *cur), *next = malloc(sizeof *next);
  if (!cur || !next) {
    ret = ZB_ENOMEM;
    goto out;
  }
  int rc = zb_rec_load(t, kind, set->key, cur);
  bool existed = rc == 0;
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
    reject(r, ZB_MF_ORG_CODE, "member %s belongs to org %s, outside the writer's scope %s",
           set->key, cur->m.v[ZB_MF_ORG_CODE], scope);
    goto out;
  }
  *next = *cur;
  memcpy(zb_rec_val(next, 0), set->key, keylen + 1);
  bool changed = !existed;
  for (size_t i = 0; i < set->n_fields; i++) {
    const Zb__FieldSet *f = set->fields[i];
    size_t vlen = strlen(f->value);
    if (f->field >= (uint32_t)nf) {
      reject(r, -1, "field number %u does not exist", f->field);
      goto out;
    }
    if (vlen > ZB_FIELD_MAX) {
      reject(r, (int)f->field, "value is %zu bytes, more than %d", vlen, ZB_FIELD_MAX);
      goto out;
    }
    if (f->field == 0) {
      if (strcmp(f->value, set->key) != 0) {
        reject(r, 0, "a record's key cannot be changed");
        goto out;
      }
      continue;
    }
    zb_stamp *st = &next->st[f->field];
    char *val = zb_rec_val(next, (int)f->field);
    int cmp = existed ? stamp_cmp(op->hlc, op->origin, st) : 1;
    if (cmp == 0) {
      /* The same write seen again (its echo, or a replay): only learn the
       * server seq it was given. */
      if (server_seq > st->server_seq)
        st->server_seq = server_seq;
      continue;
    }
    if (existed && st->hlc && strcmp(st->origin, op->origin) != 0 &&
        st->server_seq > op->base_cursor && strcmp(val, f->value) != 0)
      note_conflict(r, (int)f->field, cmp > 0, op, f->value, st, val);
    if (cmp < 0)
      continue;   /* a later write already holds this field */
    if (strcmp(val, f->value) != 0) {
      memcpy(val, f->value, vlen + 1);
      changed = true;
    }
    st->hlc = op->hlc;
    st->server_seq = server_seq;
    memcpy(st->origin, op->origin, olen + 1);   /* olen ≤ ZB_NODE_ID_MAX, checked above */
  }
  /* The key field carries the earliest stamp that wrote the record: the
   * minimum, not the first applied, so that replicas applying the same ops
   * in another order store the same bytes. */
  if (!existed || stamp_cmp(op->hlc, op->origin, &next->st[0]) < 0) {
    next->st[0].hlc = op->hlc;
    next->st[0].server_seq = server_seq;
    memcpy(next->st[0].origin, op->origin, olen + 1);
  } else if (stamp_cmp(op->hlc, op->origin, &next->st[0]) == 0 &&
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
  rc = kind == ZB_KIND_MEMBER ? check_member(t, next, op, scope, r)
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
