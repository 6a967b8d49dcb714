/*
 * zb_evalcli.c — eval set and eval list (zb_evalcli.h; docs/RECORDS.md,
 * "Evaluations").
 */
#include "zb_evalcli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zb_err.h"
#include "zb_log.h"
#include "zb_msg.h"
#include "zb_names.h"
#include "zb_norm.h"
#include "zb_render.h"
#include "zb_table.h"

static zb_kindcli_open_fn open_node;

/* --year: 0 and the year, or an exit status. */
static int year_opt(const zb_args *a, int dflt, int *out) {
  const char *y = zb_args_get(a, "year");
  *out = dflt;
  if (!y) {
    if (dflt)
      return 0;
    return zb_cli_bad("year", "%s", zb_msg("eval.year_required"));
  }
  char *end;
  long v = strtol(y, &end, 10);
  if (!*y || *end || v < 1900 || v > 2999)
    return zb_cli_bad("year", zb_msg("dues.bad_year"), y);
  *out = (int)v;
  return 0;
}

/* ---- eval set ---- */

static int cmd_set(const struct zb_cmd *c, const zb_args *a) {
  (void)c;
  const char *member = a->pos[2], *g = zb_args_get(a, "grade"), *note = zb_args_get(a, "note");
  int year, rc = year_opt(a, 0, &year);
  if (rc)
    return rc;
  if (!g)
    return zb_cli_bad("grade", "%s", zb_msg("eval.grade_required"));
  zb_node *n;
  if ((rc = open_node(a, &n)))
    return rc;
  zb_rec *r = malloc(sizeof *r);
  zb_value *v = calloc(ZB_EF__COUNT, sizeof *v);
  bool set[ZB_EF__COUNT] = {false};
  if (!r || !v) {
    rc = zb_cli_fail(ZB_ENOMEM, "eval set");
    goto out;
  }
  int w;
  if ((rc = zb_names_member(n, member, "eval set", r)))
    goto out;
  char name[ZB_FIELD_MAX + 1];
  snprintf(name, sizeof name, "%s", r->v[ZB_MF_NAME]);
  if (!zb_eval_key(member, year, v[ZB_EF_ID])) {
    rc = zb_cli_bad("member", zb_msg("eval.id_too_long"), member);
    goto out;
  }
  zb_norm_field(&zb_kind_eval.fields[ZB_EF_GRADE], g, strnlen(g, ZB_FIELD_MAX), v[ZB_EF_GRADE]);
  set[ZB_EF_GRADE] = true;
  if (note) {
    zb_norm_field(&zb_kind_eval.fields[ZB_EF_NOTE], note, strnlen(note, ZB_FIELD_MAX),
                  v[ZB_EF_NOTE]);
    set[ZB_EF_NOTE] = true;
  }
  bool changed = true;
  w = zb_node_get(n, &zb_kind_eval, v[ZB_EF_ID], r);
  if (w == 0) {
    w = zb_node_update(n, &zb_kind_eval, v[ZB_EF_ID], set, v, zb_cli_problem, NULL, &changed);
  } else if (w == ZB_ENOTFOUND) {
    snprintf(v[ZB_EF_MEMBER_ID], sizeof v[0], "%s", member);
    snprintf(v[ZB_EF_YEAR], sizeof v[0], "%04d", year);
    snprintf(v[ZB_EF_ORG_CODE], sizeof v[0], "%s", r->v[ZB_MF_ORG_CODE]);
    w = zb_node_add(n, &zb_kind_eval, v, zb_cli_problem, NULL);
  }
  if (w == ZB_EINVAL || w == ZB_ESCOPE) {
    rc = zb_exit_code(w);
    goto out;
  }
  if (w) {
    rc = zb_cli_fail(w, "eval set");
    goto out;
  }
  fprintf(stderr, zb_msg("eval.set"), zb_log_progname(), v[ZB_EF_ID], member, name, year,
          v[ZB_EF_GRADE], changed ? "" : zb_msg("eval.unchanged"));
  printf("%s\n", v[ZB_EF_ID]);
  rc = zb_cli_flush();
out:
  zb_node_close(n);
  free(r);
  free(v);
  return rc;
}

/* ---- eval list ---- */

/* The members of the listed subtree: names, and each org's full members
 * who have not left (those it grades). */
struct roster {
  zb_names names;
  struct org_count {
    char org[ZB_FIELD_MAX + 1];
    long eligible, graded, excellent;
  } *orgs;
  size_t norgs;
};

static struct org_count *org_of(struct roster *ro, const char *org) {
  for (size_t i = 0; i < ro->norgs; i++)
    if (strcmp(ro->orgs[i].org, org) == 0)
      return &ro->orgs[i];
  struct org_count *x = realloc(ro->orgs, (ro->norgs + 1) * sizeof *x);
  if (!x)
    return NULL;
  ro->orgs = x;
  x = &ro->orgs[ro->norgs++];
  memset(x, 0, sizeof *x);
  snprintf(x->org, sizeof x->org, "%s", org);
  return x;
}

static int roster_row(void *ctx, const zb_rec *r) {
  struct roster *ro = ctx;
  int rc = zb_names_row(&ro->names, r);
  if (rc)
    return rc;
  struct org_count *oc = org_of(ro, r->v[ZB_MF_ORG_CODE]);
  if (!oc)
    return ZB_ENOMEM;
  if (zb_vocab_index(zb_categories, r->v[ZB_MF_CATEGORY]) == 0 &&
      zb_vocab_index(zb_member_statuses, r->v[ZB_MF_STATUS]) != 1)
    oc->eligible++;
  return 0;
}

struct list_ctx {
  int mode;   /* 0 table, 1 json, 2 csv */
  char year[8];
  struct roster *ro;
  zb_json_stream js;
  zb_table *t;
  long n;
};

static int list_row(void *ctx, const zb_rec *r) {
  struct list_ctx *lc = ctx;
  if (strcmp(r->v[ZB_EF_YEAR], lc->year) != 0)
    return 0;
  lc->n++;
  const char *name = zb_names_get(&lc->ro->names, r->v[ZB_EF_MEMBER_ID]);
  struct org_count *oc = org_of(lc->ro, r->v[ZB_EF_ORG_CODE]);
  if (!oc)
    return ZB_ENOMEM;
  oc->graded++;
  oc->excellent += zb_vocab_index(zb_eval_grades, r->v[ZB_EF_GRADE]) == ZB_EVAL_EXCELLENT;
  if (lc->mode == 1) {
    json_t *j = zb_rec_to_json(r->kd, r->v);
    if (j)
      json_object_set_new(j, "name", json_string(name));
    return zb_json_stream_add(&lc->js, j);
  }
  if (lc->mode == 2)
    return zb_rec_csv_row(stdout, r->kd, r->v);
  const char *cells[] = {r->v[ZB_EF_MEMBER_ID], name, r->v[ZB_EF_ORG_CODE], r->v[ZB_EF_YEAR],
                         r->v[ZB_EF_GRADE], r->v[ZB_EF_NOTE]};
  return zb_table_add(lc->t, cells);
}

static int org_cmp(const void *a, const void *b) {
  return strcmp(((const struct org_count *)a)->org, ((const struct org_count *)b)->org);
}

static int cmd_list(const struct zb_cmd *c, const zb_args *a) {
  (void)c;
  int year, rc = year_opt(a, zb_date_today().y, &year);
  if (rc)
    return rc;
  struct list_ctx lc = {.mode = zb_args_has(a, "json") ? 1 : zb_args_has(a, "csv") ? 2 : 0};
  snprintf(lc.year, sizeof lc.year, "%04d", year);
  struct roster ro = {0};
  lc.ro = &ro;
  zb_node *n;
  if ((rc = open_node(a, &n)))
    return rc;
  const char *org = zb_args_get(a, "org");
  rc = zb_node_list(n, &zb_kind_member, org, roster_row, &ro);
  if (!rc) {
    if (lc.mode == 1) {
      zb_json_stream_begin(&lc.js, stdout);
    } else if (lc.mode == 2) {
      rc = zb_rec_csv_header(stdout, &zb_kind_eval, false);
    } else {
      static const char *const keys[] = {"dues.col_member", "dues.col_name", "dues.col_branch",
                                         "eval.col_year",   "eval.col_grade", "eval.col_note"};
      const char *hdr[6];
      for (int i = 0; i < 6; i++)
        hdr[i] = zb_msg(keys[i]);
      if (!(lc.t = zb_table_new(6, hdr)))
        rc = ZB_ENOMEM;
    }
  }
  if (!rc)
    rc = zb_node_list(n, &zb_kind_eval, org, list_row, &lc);
  if (rc == ZB_ESCOPE)
    zb_log_error(zb_msg("dues.org_out_of_scope"), org, zb_node_org(n));
  zb_node_close(n);
  if (!rc && lc.mode == 1) {
    rc = zb_json_stream_end(&lc.js);
  } else if (!rc && lc.mode == 0) {
    zb_table_print(lc.t, stdout);
    printf(zb_msg("eval.list_total"), lc.n, year);
    /* Per org: graded, 优秀 and the most it may have (one third of its
     * full members). */
    if (ro.norgs > 1)
      qsort(ro.orgs, ro.norgs, sizeof *ro.orgs, org_cmp);
    for (size_t i = 0; i < ro.norgs; i++)
      if (ro.orgs[i].graded)
        printf(zb_msg("eval.org_counts"), ro.orgs[i].org, ro.orgs[i].graded, ro.orgs[i].excellent,
               ro.orgs[i].eligible / 3, ro.orgs[i].eligible);
  }
  zb_table_free(lc.t);
  zb_names_free(&ro.names);
  free(ro.orgs);
  if (rc)
    return rc == ZB_ESCOPE ? zb_exit_code(rc) : zb_cli_fail(rc, "eval list");
  return zb_cli_flush();
}

static const char *const o_set[] = {"year", "grade", "note", NULL};
static const char *const o_list[] = {"org", "year", "json", "csv", NULL};

static const struct zb_cmd node_cmds[] = {
    {"eval add", 2, 0, "", NULL, NULL, "", ""},      /* eval set makes them */
    {"eval update", 2, 0, "", NULL, NULL, "", ""},   /* and changes them */
    {"eval list", 2, 0, "", cmd_list, o_list, "node.eval list", "node.eval list.help"},
    {"eval set", 2, 1, "MEMBER", cmd_set, o_set, "node.eval set", "node.eval set.help"},
};

size_t zb_evalcli_node_cmds(const struct zb_cmd **out, zb_kindcli_open_fn open) {
  open_node = open;
  *out = node_cmds;
  return sizeof node_cmds / sizeof *node_cmds;
}
