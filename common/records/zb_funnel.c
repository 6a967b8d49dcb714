/*
 * zb_funnel.c — stage counts and overdue lists (zb_funnel.h).
 */
#include "zb_funnel.h"

#include <jansson.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zb_err.h"
#include "zb_record.h"
#include "zb_why.h"

void zb_funnel_init(zb_funnel *f, const zb_kind_desc *kd, zb_date today, int year) {
  memset(f, 0, sizeof *f);
  f->kd = kd;
  f->today = today;
  f->year = year;
}

void zb_funnel_free(zb_funnel *f) {
  free(f->overdue);
  f->overdue = NULL;
  f->noverdue = f->cap = 0;
}

/* The first date field: for an applicant, the application. */
static int first_date(const zb_kind_desc *kd) {
  for (int i = 1; i < kd->nfields; i++)
    if (kd->fields[i].type == ZB_FT_DATE)
      return i;
  return -1;
}

int zb_funnel_add(void *ctx, const zb_rec *r) {
  zb_funnel *f = ctx;
  const zb_kind_desc *kd = f->kd;
  int df = first_date(kd);
  zb_date d;
  if (f->year && df > 0 &&
      (zb_date_parse(r->v[df], strlen(r->v[df]), &d) != 0 || d.y != f->year))
    return 0;
  int st = zb_kind_state_at(kd, r->v, f->today);
  if (st < 0 || st >= 32)
    return 0;
  f->counts[st]++;
  f->total++;
  char why[200];
  if (!kd->overdue || !kd->overdue(r->v, f->today, why, sizeof why))
    return 0;
  if (f->noverdue == f->cap) {
    size_t cap = f->cap ? f->cap * 2 : 16;
    zb_overdue *o = realloc(f->overdue, cap * sizeof *o);
    if (!o)
      return ZB_ENOMEM;
    f->overdue = o;
    f->cap = cap;
  }
  zb_overdue *o = &f->overdue[f->noverdue++];
  memcpy(o->key, r->v[0], sizeof o->key);
  memcpy(o->org, r->v[kd->org_field], sizeof o->org);
  memcpy(o->why, why, sizeof o->why);
  return 0;
}

json_t *zb_funnel_to_json(const zb_funnel *f, const char *org) {
  const zb_field_desc *sfd = &f->kd->fields[f->kd->state_field];
  json_t *j = json_object(), *st = json_object(), *od = json_array();
  char today[11];
  zb_date_format(f->today, today);
  for (int i = 0; sfd->vocab[i]; i++)
    json_object_set_new(st, sfd->vocab[i], json_integer((json_int_t)f->counts[i]));
  char words[ZB_WHY_TEXT_MAX];   /* English words, as rejected --json */
  for (size_t i = 0; i < f->noverdue; i++)
    json_array_append_new(od, json_pack("{s:s, s:s, s:s}", "id", f->overdue[i].key, "org_code",
                                        f->overdue[i].org, "why",
                                        zb_why_text_en(f->overdue[i].why, words, sizeof words)));
  json_object_set_new(j, "org", json_string(org));
  json_object_set_new(j, "as_of", json_string(today));
  json_object_set_new(j, "year", f->year ? json_integer(f->year) : json_null());
  json_object_set_new(j, "total", json_integer((json_int_t)f->total));
  json_object_set_new(j, "stages", st);
  json_object_set_new(j, "overdue", od);
  return j;
}

int zb_state_funnel(zb_txn *t, const char *root, zb_funnel *f) {
  zb_rec *org = malloc(sizeof *org);
  if (!org)
    return ZB_ENOMEM;
  int rc = zb_rec_load(t, &zb_kind_org, root, org);   /* no such org: not found */
  free(org);
  if (rc)
    return rc;
  return zb_recs_in_subtree(t, f->kd, root, false, zb_funnel_add, f);
}
