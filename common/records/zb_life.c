/*
 * zb_life.c — meeting requirements, quorum and the meetings report
 * (zb_life.h; docs/RECORDS.md, "Meetings").
 */
#define _GNU_SOURCE   /* open_memstream */
#include "zb_msg.h"
#include "zb_life.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "zb_err.h"
#include "zb_kind.h"
#include "zb_record.h"
#include "zb_state.h"
#include "zb_table.h"

const char *const zb_meeting_types[] = {"支部党员大会", "支委会",     "党小组会", "党课",
                                        "主题党日",     "组织生活会", "民主评议", NULL};
const char *const zb_attendance[] = {"出席", "缺席", "请假", NULL};
enum { M_GENERAL, M_COMMITTEE, M_GROUP, M_LECTURE, M_THEME, M_LIFE, M_EVAL, M__COUNT };
enum { AT_PRESENT, AT_ABSENT, AT_EXCUSED };

#define RULES_2018 "中国共产党支部工作条例（试行）(2018)"
const zb_life_rule zb_life_rules[] = {
    {"支部党员大会", "branch_general", ZB_PER_QUARTER, RULES_2018},
    {"支委会", "committee", ZB_PER_MONTH, RULES_2018},
    {"党小组会", "group", ZB_PER_MONTH, RULES_2018},
    {"党课", "lecture", ZB_PER_QUARTER, RULES_2018},
    {"主题党日", "theme_day", ZB_PER_MONTH, RULES_2018},
    {"组织生活会", "life_meeting", ZB_PER_YEAR, RULES_2018},
    {"民主评议", "evaluation", ZB_PER_YEAR, RULES_2018},
};

/* The meeting kind's field numbers this file reads (kinds/meeting.c). */
enum { G_ID, G_ORG, G_TYPE, G_DATE };

/* ---- one branch ---- */

struct who {
  char id[ZB_FIELD_MAX + 1];
  zb_date join, full, left;   /* left: {0}: still a member */
  bool full_member, committee;
};

struct branch {
  zb_txn *t;
  int year;
  zb_date today;
  const char *code;           /* the branch's org code */
  bool loaded;                /* m holds its members (load_members) */
  struct who *m;
  size_t nm, cap;
  bool held[M__COUNT][13];    /* [type][month 1-12] */
  size_t count[M__COUNT];
  size_t present, recorded, meetings;
  json_t *flagged;
  /* the meeting being read */
  zb_date on;
  int present_entitled, present_committee;
  int rc;
};

static zb_date parse(const char *s) {
  zb_date d = {0, 0, 0};
  zb_date_parse(s, strlen(s), &d);
  return d;
}

/* From the org index's entries (zb_member_facts_scan): no record read. */
static int add_member(void *ctx, const char *org, const char *id, const zb_stats_facts *f) {
  struct branch *b = ctx;
  (void)org;
  if (b->nm == b->cap) {
    size_t cap = b->cap ? b->cap * 2 : 64;
    struct who *m = realloc(b->m, cap * sizeof *m);
    if (!m)
      return ZB_ENOMEM;
    b->m = m;
    b->cap = cap;
  }
  struct who *w = &b->m[b->nm++];
  snprintf(w->id, sizeof w->id, "%s", id);
  w->join = f->has_join ? f->join : (zb_date){0, 0, 0};
  w->full = f->has_full ? f->full : (zb_date){0, 0, 0};
  w->left = f->left && f->has_leave ? f->leave : (zb_date){0, 0, 0};
  w->full_member = f->full_member;
  w->committee = f->committee;
  return 0;
}

/* The branch's members, read when a meeting first needs them: a branch
 * without meetings this year costs no scan of its members. */
static int load_members(struct branch *b) {
  if (b->loaded)
    return 0;
  b->loaded = true;
  return zb_member_facts_scan(b->t, b->code, add_member, b);
}

static bool member_on(const struct who *w, zb_date d) {
  return zb_date_cmp(w->join, d) <= 0 && (w->left.y == 0 || zb_date_cmp(d, w->left) < 0);
}

/* Entitled to vote on day d: a 正式党员 by then (党章 第五条). */
static bool entitled_on(const struct who *w, zb_date d) {
  return member_on(w, d) && w->full_member && w->full.y && zb_date_cmp(w->full, d) <= 0;
}

static const struct who *find(const struct branch *b, const char *id) {
  for (size_t i = 0; i < b->nm; i++)
    if (strcmp(b->m[i].id, id) == 0)
      return &b->m[i];
  return NULL;
}

static int count_fact(void *ctx, int fi, const zb_rec *f) {
  struct branch *b = ctx;
  (void)fi;
  int st = zb_vocab_index(zb_attendance, f->v[1]);
  b->recorded++;
  if (st != AT_PRESENT)
    return 0;
  b->present++;
  const struct who *w = find(b, f->v[0]);
  if (w && entitled_on(w, b->on))
    b->present_entitled++;
  if (w && w->committee && member_on(w, b->on))
    b->present_committee++;
  return 0;
}

static int add_meeting(void *ctx, const zb_rec *r) {
  struct branch *b = ctx;
  zb_date d = parse(r->v[G_DATE]);
  int type = zb_vocab_index(zb_meeting_types, r->v[G_TYPE]);
  if (d.y != b->year || type < 0)
    return 0;
  b->held[type][d.m] = true;
  b->count[type]++;
  b->meetings++;
  b->on = d;
  b->present_entitled = b->present_committee = 0;
  int rc = load_members(b);
  if (!rc)
    rc = zb_facts_scan(b->t, r->kd, r->v[G_ID], count_fact, b);
  if (rc)
    return rc;
  /* Quorum (支部工作条例): more than half of those entitled present. */
  int base = 0, present = 0;
  const char *who = NULL;
  if (type == M_GENERAL) {
    for (size_t i = 0; i < b->nm; i++)
      base += entitled_on(&b->m[i], d);
    present = b->present_entitled;
    who = "full members entitled to vote";
  } else if (type == M_COMMITTEE) {
    for (size_t i = 0; i < b->nm; i++)
      base += b->m[i].committee && member_on(&b->m[i], d);
    present = b->present_committee;
    who = "committee members";
  }
  if (who && 2 * present <= base) {
    char why[160];
    snprintf(why, sizeof why, "不足法定人数: %d of %d %s present (more than half needed)",
             present, base, who);
    json_array_append_new(b->flagged, json_pack("{s:s, s:s, s:s, s:s}", "id", r->v[G_ID],
                                                "type", r->v[G_TYPE], "date", r->v[G_DATE],
                                                "why", why));
  }
  return 0;
}

/* The periods of a rule in the year that have begun by today, and those
 * without a meeting. */
static json_t *type_json(const struct branch *b, int type) {
  const zb_life_rule *ru = &zb_life_rules[type];
  int last = 12;   /* the last month that counts */
  if (b->today.y == b->year)
    last = b->today.m;
  else if (b->today.y < b->year)
    last = 0;
  json_t *missing = json_array();
  int required = 0;
  for (int first = 1; first <= 12; first += (int)ru->every) {
    if (first > last)
      break;
    required++;
    bool any = false;
    for (int m = first; m < first + (int)ru->every; m++)
      any |= b->held[type][m];
    if (any)
      continue;
    char p[32];
    if (ru->every == ZB_PER_MONTH)
      snprintf(p, sizeof p, "%04d-%02d", b->year, first);
    else if (ru->every == ZB_PER_QUARTER)
      snprintf(p, sizeof p, "%04d-Q%d", b->year, (first + 2) / 3);
    else
      snprintf(p, sizeof p, "%04d", b->year);
    json_array_append_new(missing, json_string(p));
  }
  return json_pack("{s:s, s:i, s:i, s:o}", "key", ru->key, "held", (json_int_t)b->count[type],
                   "required", required, "missing", missing);
}

struct report {
  zb_txn *t;
  int year;
  zb_date today;
  json_t *branches;
};

static int add_branch(void *ctx, const zb_rec *org) {
  struct report *rp = ctx;
  if (zb_vocab_index(zb_org_types, org->v[ZB_OF_TYPE]) != 2)   /* a branch */
    return 0;
  struct branch *b = calloc(1, sizeof *b);
  if (!b)
    return ZB_ENOMEM;
  b->t = rp->t;
  b->year = rp->year;
  b->today = rp->today;
  b->flagged = json_array();
  b->code = org->v[ZB_OF_CODE];
  int rc = zb_recs_in_subtree(rp->t, &zb_kind_meeting, org->v[ZB_OF_CODE], false, add_meeting, b);
  if (!rc) {
    json_t *types = json_object();
    for (int i = 0; i < M__COUNT; i++)
      json_object_set_new(types, zb_meeting_types[i], type_json(b, i));
    json_t *rate = b->recorded ? json_real((double)b->present / (double)b->recorded)
                               : json_null();
    json_array_append_new(rp->branches,
                          json_pack("{s:s, s:s, s:i, s:o, s:o, s:O}", "org_code",
                                    org->v[ZB_OF_CODE], "name", org->v[ZB_OF_NAME], "meetings",
                                    (json_int_t)b->meetings, "attendance_rate", rate, "types",
                                    types, "flagged", b->flagged));
  }
  json_decref(b->flagged);
  free(b->m);
  free(b);
  return rc;
}

int zb_life_report(zb_txn *t, const char *root, int year, zb_date today, json_t **out) {
  zb_rec *org = malloc(sizeof *org);
  if (!org)
    return ZB_ENOMEM;
  int rc = zb_rec_load(t, &zb_kind_org, root, org);
  free(org);
  if (rc)
    return rc;
  struct report rp = {t, year, today, json_array()};
  rc = zb_recs_in_subtree(t, &zb_kind_org, root, false, add_branch, &rp);
  if (rc) {
    json_decref(rp.branches);
    return rc;
  }
  char d[11];
  zb_date_format(today, d);
  *out = json_pack("{s:s, s:i, s:s, s:o}", "org", root, "year", year, "as_of", d, "branches",
                   rp.branches);
  return *out ? 0 : ZB_ENOMEM;
}

/* A meeting type for people (zb_msg_vocab). */
static const char *type_words(const char *type) {
  return zb_msg_vocab(type);
}

void zb_life_print(const json_t *report, FILE *out) {
  size_t i;
  json_t *b;
  fprintf(out, zb_msg("life.title"),
          json_string_value(json_object_get(report, "org")),
          (int)json_integer_value(json_object_get(report, "year")),
          json_string_value(json_object_get(report, "as_of")));
  json_array_foreach(json_object_get(report, "branches"), i, b) {
    size_t k;
    json_t *rate = json_object_get(b, "attendance_rate");
    char r[16] = "—";
    if (json_is_real(rate))
      snprintf(r, sizeof r, "%.1f%%", 100.0 * json_real_value(rate));
    fprintf(out, zb_msg("life.branch"), json_string_value(json_object_get(b, "org_code")),
            json_string_value(json_object_get(b, "name")),
            (int)json_integer_value(json_object_get(b, "meetings")), r);
    zb_table *t = zb_table_new(4, (const char *const[]){zb_msg("life.col_type"),
                                                        zb_msg("life.col_required"),
                                                        zb_msg("life.col_held"),
                                                        zb_msg("life.col_missing")});
    const char *type;
    json_t *tj;
    json_object_foreach(json_object_get(b, "types"), type, tj) {
      char req[16], held[16], *miss = NULL;
      size_t ml = 0;
      FILE *m = open_memstream(&miss, &ml);
      json_t *p;
      if (!m)
        continue;
      json_array_foreach(json_object_get(tj, "missing"), k, p)
          fprintf(m, "%s%s", k ? " " : "", json_string_value(p));
      fclose(m);
      snprintf(req, sizeof req, "%d", (int)json_integer_value(json_object_get(tj, "required")));
      snprintf(held, sizeof held, "%d", (int)json_integer_value(json_object_get(tj, "held")));
      if (t)
        zb_table_add(t, (const char *const[]){type_words(type), req, held, miss ? miss : ""});
      free(miss);
    }
    if (t)
      zb_table_print(t, out);
    zb_table_free(t);
    json_t *f;
    json_array_foreach(json_object_get(b, "flagged"), k, f)
        fprintf(out, "  %s %s %s: %s\n", json_string_value(json_object_get(f, "date")),
                type_words(json_string_value(json_object_get(f, "type"))),
                json_string_value(json_object_get(f, "id")),
                json_string_value(json_object_get(f, "why")));
  }
}
