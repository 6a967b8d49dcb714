/*
 * zb_rank.c — `report ranking`: members within each branch by their
 * points, and the branches of a subtree by the scheme's branch score
 * (zb_points.h; docs/RECORDS.md, "Ranking").  The same function at a node
 * for its scope and at the server for any org; only where a branch's sync
 * freshness comes from differs (the caller's zb_rank_fresh_fn).
 */
#define _GNU_SOURCE   /* open_memstream */
#include "zb_msg.h"
#include "zb_points.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "zb_dues.h"
#include "zb_err.h"
#include "zb_funnel.h"
#include "zb_life.h"
#include "zb_record.h"
#include "zb_state.h"
#include "zb_table.h"

/* The meeting kind's field numbers this file reads (kinds/meeting.c). */
enum { G_ID, G_ORG, G_TYPE, G_DATE };

struct who {
  char id[ZB_FIELD_MAX + 1], name[ZB_FIELD_MAX + 1];
  long manual[ZB_PTS_ITEMS_MAX];          /* sum of the item's entries in the year */
  long attended[ZB_PTS_MEETING_TYPES];
  long on_time;                           /* months of the year paid on time */
  long base, man, aut, total;
};

struct branch {
  zb_txn *t;
  const zb_points_scheme *s;
  int year;
  struct who *m;
  size_t nm, cap;
  int type;   /* of the meeting being read */
};

static int who_cmp(const void *a, const void *b) {
  return strcmp(((const struct who *)a)->id, ((const struct who *)b)->id);
}

static struct who *find(struct branch *b, const char *id) {
  struct who key;
  snprintf(key.id, sizeof key.id, "%s", id);
  return bsearch(&key, b->m, b->nm, sizeof *b->m, who_cmp);
}

static int add_member(void *ctx, const zb_rec *r) {
  struct branch *b = ctx;
  if (zb_kind_ended(&zb_kind_member, r->v))   /* current members are ranked */
    return 0;
  if (b->nm == b->cap) {
    size_t cap = b->cap ? b->cap * 2 : 64;
    struct who *m = realloc(b->m, cap * sizeof *m);
    if (!m)
      return ZB_ENOMEM;
    b->m = m;
    b->cap = cap;
  }
  struct who *w = &b->m[b->nm++];
  memset(w, 0, sizeof *w);
  memcpy(w->id, r->v[ZB_MF_ID], sizeof w->id);
  memcpy(w->name, r->v[ZB_MF_NAME], sizeof w->name);
  return 0;
}

static int add_attendance(void *ctx, int fi, const zb_rec *f) {
  struct branch *b = ctx;
  (void)fi;
  struct who *w = find(b, f->v[0]);
  if (w && zb_vocab_index(zb_attendance, f->v[1]) == 0)   /* 出席 */
    w->attended[b->type]++;
  return 0;
}

static int add_meeting(void *ctx, const zb_rec *r) {
  struct branch *b = ctx;
  zb_date d = {0, 0, 0};
  zb_date_parse(r->v[G_DATE], strlen(r->v[G_DATE]), &d);
  int type = zb_vocab_index(zb_meeting_types, r->v[G_TYPE]);
  if (d.y != b->year || type < 0 || type >= ZB_PTS_MEETING_TYPES)
    return 0;
  b->type = type;
  return zb_facts_scan(b->t, r->kd, r->v[G_ID], add_attendance, b);
}

/* Dues paid on time: a payment that stands, for a month of the year,
 * received in that month or before it. */
static int add_payment(void *ctx, const zb_rec *r) {
  struct branch *b = ctx;
  struct who *w = find(b, r->v[ZB_DF_MEMBER_ID]);
  int month;
  zb_date paid = {0, 0, 0};
  if (!w || zb_vocab_index(zb_dues_statuses, r->v[ZB_DF_STATUS]) == ZB_DUES_VOID ||
      zb_month_parse(r->v[ZB_DF_MONTH], strlen(r->v[ZB_DF_MONTH]), &month) != 0 ||
      zb_date_parse(r->v[ZB_DF_PAID_DATE], strlen(r->v[ZB_DF_PAID_DATE]), &paid) != 0)
    return 0;
  if (month / 12 == b->year && zb_month_of(paid) <= month)
    w->on_time++;
  return 0;
}

static int add_entry(void *ctx, const zb_rec *r) {
  struct branch *b = ctx;
  struct who *w = find(b, r->v[ZB_PF_MEMBER_ID]);
  if (!w || zb_vocab_index(zb_points_statuses, r->v[ZB_PF_STATUS]) == ZB_POINTS_VOID)
    return 0;
  char y[8];
  snprintf(y, sizeof y, "%04d", b->year);
  if (strncmp(r->v[ZB_PF_DATE], y, 4) != 0)
    return 0;
  for (int i = 0; i < b->s->nitems; i++)
    if (strcmp(b->s->items[i].key, r->v[ZB_PF_ITEM]) == 0)
      w->manual[i] += strtol(r->v[ZB_PF_POINTS], NULL, 10);
  return 0;
}

static long capped(long v, long cap) {
  return v > cap ? cap : v < -cap ? -cap : v;
}

static int total_cmp(const void *a, const void *b) {
  const struct who *x = a, *y = b;
  if (x->total != y->total)
    return x->total > y->total ? -1 : 1;
  return strcmp(x->id, y->id);
}

/* The parts of a branch's score, each 0..1. */
struct parts {
  double meetings, dues, pipeline, fresh;
  long periods_held, periods_required, months_paid, months_due, applicants, days;
};

static int meeting_part(zb_txn *t, const char *code, const zb_rank_query *q, struct parts *p) {
  json_t *rep = NULL;
  int rc = zb_life_report(t, code, q->year, q->today, &rep);
  if (rc)
    return rc;
  json_t *br = json_array_get(json_object_get(rep, "branches"), 0);
  const char *k;
  json_t *tj;
  json_object_foreach(json_object_get(br, "types"), k, tj) {
    long req = (long)json_integer_value(json_object_get(tj, "required"));
    p->periods_required += req;
    p->periods_held += req - (long)json_array_size(json_object_get(tj, "missing"));
  }
  json_decref(rep);
  p->meetings = p->periods_required ? (double)p->periods_held / (double)p->periods_required : 0;
  return 0;
}

static int dues_part(zb_txn *t, const char *code, const zb_rank_query *q, struct parts *p) {
  zb_dues_query dq = {zb_month_of((zb_date){q->year, 1, 1}),
                      zb_month_of((zb_date){q->year, 12, 1}), q->today, .totals_only = true};
  zb_dues_report *r = NULL;
  int rc = zb_dues_report_run(t, code, &dq, &r);
  if (!rc) {
    p->months_due = r->total.months_due;
    p->months_paid = r->total.months_paid;
    p->dues = p->months_due ? (double)p->months_paid / (double)p->months_due : 0;
  }
  zb_dues_report_free(r);
  return rc;
}

static int pipeline_part(zb_txn *t, const zb_points_scheme *s, const char *code,
                         const zb_rank_query *q, struct parts *p) {
  zb_funnel f;
  zb_funnel_init(&f, &zb_kind_applicant, q->today, q->year);
  int rc = zb_state_funnel(t, code, &f);
  p->applicants = (long)f.total;
  zb_funnel_free(&f);
  double x = (double)p->applicants / (double)s->pipeline_target;
  p->pipeline = x > 1 ? 1 : x;
  return rc;
}

static void fresh_part(const zb_points_scheme *s, const char *code, const zb_rank_query *q,
                       struct parts *p) {
  long d = q->fresh ? q->fresh(q->fresh_ctx, code) : -1;
  p->days = d;
  if (d < 0 || d >= s->stale_days)
    p->fresh = 0;
  else if (d <= s->fresh_days)
    p->fresh = 1;
  else
    p->fresh = (double)(s->stale_days - d) / (double)(s->stale_days - s->fresh_days);
}

struct report {
  zb_txn *t;
  const zb_points_scheme *s;
  const zb_rank_query *q;
  json_t *branches;
};

static int add_branch(void *ctx, const zb_rec *org) {
  struct report *rp = ctx;
  if (zb_vocab_index(zb_org_types, org->v[ZB_OF_TYPE]) != 2)   /* a branch */
    return 0;
  const zb_points_scheme *s = rp->s;
  const char *code = org->v[ZB_OF_CODE];
  struct branch b = {.t = rp->t, .s = s, .year = rp->q->year};
  struct parts p = {0};
  int rc = zb_recs_in_subtree(rp->t, &zb_kind_member, code, false, add_member, &b);
  if (!rc && b.nm > 1)
    qsort(b.m, b.nm, sizeof *b.m, who_cmp);
  if (!rc)
    rc = zb_recs_in_subtree(rp->t, &zb_kind_meeting, code, false, add_meeting, &b);
  if (!rc)
    rc = zb_recs_in_subtree(rp->t, &zb_kind_dues, code, false, add_payment, &b);
  if (!rc)
    rc = zb_recs_in_subtree(rp->t, &zb_kind_points, code, false, add_entry, &b);
  if (!rc)
    rc = meeting_part(rp->t, code, rp->q, &p);
  if (!rc)
    rc = dues_part(rp->t, code, rp->q, &p);
  if (!rc)
    rc = pipeline_part(rp->t, s, code, rp->q, &p);
  if (rc) {
    free(b.m);
    return rc;
  }
  fresh_part(s, code, rp->q, &p);
  /* Members: base + manual items (each capped) + automatic items (each
   * capped). */
  for (size_t i = 0; i < b.nm; i++) {
    struct who *w = &b.m[i];
    w->base = s->base;
    for (int k = 0; k < s->nitems; k++)
      w->man += capped(w->manual[k], s->items[k].cap);
    for (int k = 0; k < ZB_PTS_MEETING_TYPES; k++)
      w->aut += capped(w->attended[k] * s->meeting[k].points, s->meeting[k].cap);
    w->aut += capped(w->on_time * s->dues.points, s->dues.cap);
    w->total = w->base + w->man + w->aut;
  }
  if (b.nm > 1)
    qsort(b.m, b.nm, sizeof *b.m, total_cmp);
  json_t *members = json_array();
  for (size_t i = 0, rank = 1; i < b.nm; i++) {
    struct who *w = &b.m[i];
    if (i && w->total != b.m[i - 1].total)
      rank = i + 1;
    json_t *items = json_object(), *meet = json_object();
    for (int k = 0; k < s->nitems; k++)
      if (w->manual[k])
        json_object_set_new(items, s->items[k].key,
                            json_integer(capped(w->manual[k], s->items[k].cap)));
    for (int k = 0; k < ZB_PTS_MEETING_TYPES; k++)
      if (w->attended[k])
        json_object_set_new(meet, zb_life_rules[k].key,
                            json_integer(capped(w->attended[k] * s->meeting[k].points,
                                                s->meeting[k].cap)));
    json_array_append_new(
        members, json_pack("{s:i, s:s, s:s, s:I, s:I, s:I, s:I, s:o, s:o, s:I}", "rank",
                           (int)rank, "member_id", w->id, "name", w->name, "base",
                           (json_int_t)w->base, "manual", (json_int_t)w->man, "auto",
                           (json_int_t)w->aut, "total", (json_int_t)w->total, "items", items,
                           "meetings", meet, "dues_on_time",
                           (json_int_t)capped(w->on_time * s->dues.points, s->dues.cap)));
  }
  free(b.m);
  int wsum = s->w_meetings + s->w_dues + s->w_pipeline + s->w_fresh;
  double score = 100.0 *
                 (s->w_meetings * p.meetings + s->w_dues * p.dues + s->w_pipeline * p.pipeline +
                  s->w_fresh * p.fresh) /
                 wsum;
  json_t *days = p.days < 0 ? json_null() : json_integer(p.days);
  json_array_append_new(
      rp->branches,
      json_pack("{s:s, s:s, s:s, s:f, s:{s:f, s:I, s:I, s:f, s:I, s:I, s:f, s:I, s:f, s:o}, "
                "s:o}",
                "org_code", code, "name", org->v[ZB_OF_NAME], "parent", org->v[ZB_OF_PARENT_CODE],
                "score", score, "parts", "meetings", p.meetings, "periods_held",
                (json_int_t)p.periods_held, "periods_required", (json_int_t)p.periods_required,
                "dues", p.dues, "months_paid", (json_int_t)p.months_paid, "months_due",
                (json_int_t)p.months_due, "pipeline", p.pipeline, "applicants",
                (json_int_t)p.applicants, "freshness", p.fresh, "days_since_sync", days,
                "members", members));
  return 0;
}

static int score_cmp(const void *a, const void *b) {
  const json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
  double sx = json_real_value(json_object_get(x, "score"));
  double sy = json_real_value(json_object_get(y, "score"));
  if (sx != sy)
    return sx > sy ? -1 : 1;
  return strcmp(json_string_value(json_object_get(x, "org_code")),
                json_string_value(json_object_get(y, "org_code")));
}

int zb_rank_report(zb_txn *t, const zb_points_scheme *s, const char *root,
                   const zb_rank_query *q, json_t **out) {
  *out = NULL;
  zb_rec *org = malloc(sizeof *org);
  if (!org)
    return ZB_ENOMEM;
  int rc = zb_rec_load(t, &zb_kind_org, root, org);
  free(org);
  if (rc)
    return rc;
  struct report rp = {t, s, q, json_array()};
  rc = zb_recs_in_subtree(t, &zb_kind_org, root, false, add_branch, &rp);
  size_t n = json_array_size(rp.branches);
  json_t **v = rc ? NULL : malloc((n ? n : 1) * sizeof *v);
  if (!rc && !v)
    rc = ZB_ENOMEM;
  if (rc) {
    json_decref(rp.branches);
    return rc;
  }
  /* Branches by score (then code), ranked 1, 2, 2, 4 … */
  for (size_t i = 0; i < n; i++)
    v[i] = json_incref(json_array_get(rp.branches, i));
  qsort(v, n, sizeof *v, score_cmp);
  json_t *sorted = json_array();
  for (size_t i = 0, rank = 1; i < n; i++) {
    if (i && json_real_value(json_object_get(v[i], "score")) !=
                 json_real_value(json_object_get(v[i - 1], "score")))
      rank = i + 1;
    json_object_set_new(v[i], "rank", json_integer((json_int_t)rank));
    json_array_append_new(sorted, v[i]);
  }
  free(v);
  json_decref(rp.branches);
  char d[11], sid[ZB_FIELD_MAX + 1], formula[512];
  zb_date_format(q->today, d);
  zb_points_scheme_id(s, sid);
  zb_points_formula(s, formula, sizeof formula);
  *out = json_pack("{s:s, s:i, s:s, s:s, s:s, s:s, s:{s:i, s:i, s:i, s:i}, s:s, s:o}", "org",
                   root, "year", q->year, "as_of", d, "scheme", sid, "scheme_title", s->title,
                   "formula", formula, "weights", "meetings", s->w_meetings, "dues", s->w_dues,
                   "pipeline", s->w_pipeline, "freshness", s->w_fresh, "freshness_from",
                   q->fresh_from ? q->fresh_from : "", "branches", sorted);
  return *out ? 0 : ZB_ENOMEM;
}

/* ---- output ---- */

static const char *str(const json_t *o, const char *k) {
  const char *s = json_string_value(json_object_get(o, k));
  return s ? s : "";
}

static long num(const json_t *o, const char *k) {
  return (long)json_integer_value(json_object_get(o, k));
}

void zb_rank_print(const json_t *report, FILE *out) {
  fprintf(out, zb_msg("rank.title"), str(report, "org"), num(report, "year"),
          str(report, "as_of"), str(report, "scheme"), str(report, "scheme_title"));
  char formula[768];
  zb_points_formula_lang(zb_points_active(), zb_lang_is_zh(), formula, sizeof formula);
  fprintf(out, "%s\n", formula);
  fputs(zb_msg(strcmp(str(report, "freshness_from"), "server") == 0 ? "rank.fresh_from_server"
                                                                   : "rank.fresh_from_node"),
        out);
  static const char *const bk[] = {"rank.col_rank",     "rank.col_branch",   "rank.col_name",
                                   "rank.col_score",    "rank.col_meetings", "rank.col_dues",
                                   "rank.col_pipeline", "rank.col_fresh",    "rank.col_days"};
  const char *bh[9];
  for (int i = 0; i < 9; i++)
    bh[i] = zb_msg(bk[i]);
  zb_table *t = zb_table_new(9, bh);
  size_t i, k;
  json_t *b, *m;
  json_array_foreach(json_object_get(report, "branches"), i, b) {
    json_t *p = json_object_get(b, "parts");
    char rank[16], sc[16], pm[16], pd[16], pp[16], pf[16], days[24];
    snprintf(rank, sizeof rank, "%ld", num(b, "rank"));
    snprintf(sc, sizeof sc, "%.2f", json_real_value(json_object_get(b, "score")));
    snprintf(pm, sizeof pm, "%.1f%%", 100 * json_real_value(json_object_get(p, "meetings")));
    snprintf(pd, sizeof pd, "%.1f%%", 100 * json_real_value(json_object_get(p, "dues")));
    snprintf(pp, sizeof pp, "%.1f%%", 100 * json_real_value(json_object_get(p, "pipeline")));
    snprintf(pf, sizeof pf, "%.1f%%", 100 * json_real_value(json_object_get(p, "freshness")));
    json_t *dj = json_object_get(p, "days_since_sync");
    snprintf(days, sizeof days, "%s", "—");
    if (json_is_integer(dj))
      snprintf(days, sizeof days, "%ld", (long)json_integer_value(dj));
    if (t)
      zb_table_add(t, (const char *const[]){rank, str(b, "org_code"), str(b, "name"), sc, pm,
                                            pd, pp, pf, days});
  }
  if (t)
    zb_table_print(t, out);
  zb_table_free(t);
  static const char *const mk[] = {"rank.col_rank", "rank.col_member", "rank.col_mname",
                                   "rank.col_base", "rank.col_manual", "rank.col_auto",
                                   "rank.col_total"};
  const char *mh[7];
  for (int j = 0; j < 7; j++)
    mh[j] = zb_msg(mk[j]);
  json_array_foreach(json_object_get(report, "branches"), i, b) {
    fprintf(out, zb_msg("rank.members_title"), str(b, "org_code"), str(b, "name"));
    zb_table *mt = zb_table_new(7, mh);
    json_array_foreach(json_object_get(b, "members"), k, m) {
      char c[5][24];
      snprintf(c[0], sizeof c[0], "%ld", num(m, "rank"));
      snprintf(c[1], sizeof c[1], "%ld", num(m, "base"));
      snprintf(c[2], sizeof c[2], "%ld", num(m, "manual"));
      snprintf(c[3], sizeof c[3], "%ld", num(m, "auto"));
      snprintf(c[4], sizeof c[4], "%ld", num(m, "total"));
      if (mt)
        zb_table_add(mt, (const char *const[]){c[0], str(m, "member_id"), str(m, "name"), c[1],
                                               c[2], c[3], c[4]});
    }
    if (mt)
      zb_table_print(mt, out);
    zb_table_free(mt);
  }
}

int zb_rank_write_csv(const json_t *report, FILE *out, bool zh) {
  size_t i, k;
  json_t *b, *m;
  /* Chinese: the table's words under a BOM, for Excel; English: the
   * stable keys (docs/DESIGN-NOTES.md, "Language"). */
  if (zh)
    fprintf(out, "\xEF\xBB\xBF%s\n", zb_msg_lang("rank.csv_header", true));
  else
    fprintf(out, "org_code,branch_rank,branch_score,rank,member_id,name,base,manual,auto,total\n");
  json_array_foreach(json_object_get(report, "branches"), i, b) {
    json_array_foreach(json_object_get(b, "members"), k, m) {
      /* Ids and codes are plain; a name may need quoting. */
      const char *name = str(m, "name");
      fprintf(out, "%s,%ld,%.2f,%ld,%s,", str(b, "org_code"), num(b, "rank"),
              json_real_value(json_object_get(b, "score")), num(m, "rank"),
              str(m, "member_id"));
      fputc('"', out);
      for (const char *c = name; *c; c++) {
        if (*c == '"')
          fputc('"', out);
        fputc(*c, out);
      }
      fprintf(out, "\",%ld,%ld,%ld,%ld\n", num(m, "base"), num(m, "manual"), num(m, "auto"),
              num(m, "total"));
    }
  }
  return ferror(out) ? ZB_EIO : 0;
}
