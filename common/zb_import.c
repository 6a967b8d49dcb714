#include "zb_import.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zb_csv.h"
#include "zb_err.h"
#include "zb_strset.h"

/* An import file may hold at most this many rows (and report at most this
 * many problems): far above any branch, county or province roster. */
#define ZB_IMPORT_MAX_ROWS 10000000
#define ZB_MAX_PROBLEMS 1000000


void zb_problems_reset(zb_problems *p) {
  for (size_t i = 0; i < p->n; i++)
    free(p->v[i].reason);
  p->n = 0;
  p->dropped = 0;
}

void zb_problems_free(zb_problems *p) {
  zb_problems_reset(p);
  free(p->v);
}

void zb_problems_add(zb_problems *p, long line, const char *column, const char *reason) {
  if (p->n == p->cap) {
    size_t cap = p->cap ? p->cap * 2 : 64;
    zb_problem *v = cap <= ZB_MAX_PROBLEMS ? realloc(p->v, cap * sizeof *v) : NULL;
    if (!v) {
      p->dropped++;
      return;
    }
    p->v = v;
    p->cap = cap;
  }
  char *r = strdup(reason);
  if (!r) {
    p->dropped++;
    return;
  }
  p->v[p->n++] = (zb_problem){line, column, r};
}

long zb_problems_count(const zb_problems *p) { return (long)p->n + p->dropped; }

void zb_problems_emit(const zb_problems *p, const char *file,
                          zb_input_problem_fn fn, void *ctx) {
  for (size_t i = 0; i < p->n; i++)
    fn(ctx, file, p->v[i].line, p->v[i].column, p->v[i].reason);
  if (p->dropped) {
    char msg[96];
    snprintf(msg, sizeof msg, "%ld more problems not shown", p->dropped);
    fn(ctx, file, 0, NULL, msg);
  }
}


struct import {
  const zb_import_sink *sink;
  enum zb_kind kind;
  const char *path;
  zb_date today;
  zb_txn *t;
  zb_problems probs;
  zb_strset *keys;        /* keys seen in this file */
  zb_import_result res;
  long line;              /* row being checked, for validator callbacks */
  zb_rec cur, next;
};

static void import_field_problem(void *ctx, int field, const char *reason) {
  struct import *im = ctx;
  zb_problems_add(&im->probs, im->line, zb_field_name(im->kind, field), reason);
}

static void import_csv_problem(void *ctx, long line, const char *column, const char *reason) {
  struct import *im = ctx;
  /* The reader's column text lives only during the call; map it back to our
   * static field names (an unknown column keeps no name but says it). */
  const char *col = NULL;
  char buf[ZB_FIELD_MAX + 64];
  if (column) {
    int f = im->kind == ZB_KIND_MEMBER ? zb_member_field_by_name(column, strlen(column))
                                       : zb_org_field_by_name(column, strlen(column));
    if (f >= 0) {
      col = zb_field_name(im->kind, f);
    } else {
      snprintf(buf, sizeof buf, "column \"%.*s\": %s", ZB_FIELD_MAX, column, reason);
      reason = buf;
    }
  }
  zb_problems_add(&im->probs, line, col, reason);
}

static int import_row(void *ctx, long line, const char *const *values, const size_t *lens) {
  struct import *im = ctx;
  zb_rec *next = &im->next;
  int nf = zb_rec_nfields(im->kind);
  long before = zb_problems_count(&im->probs);
  im->line = line;
  im->res.rows++;
  memset(next, 0, sizeof *next);
  next->kind = im->kind;
  for (int i = 0; i < nf; i++)
    memcpy(zb_rec_val(next, i), values[i], lens[i] + 1);   /* lens ≤ ZB_FIELD_MAX */
  const char *key = zb_rec_val(next, 0);

  if (im->kind == ZB_KIND_ORG) {
    /* Rows outside the node's scope belong to other nodes: skip, count. */
    if (im->sink->scope && zb_org_code_valid(key) && !zb_org_in_subtree(key, im->sink->scope)) {
      im->res.skipped++;
      return 0;
    }
    zb_org_validate(&next->o, import_field_problem, im);
  } else {
    zb_member_validate(&next->m, im->today, import_field_problem, im);
  }
  if (zb_problems_count(&im->probs) > before)
    return 0;
  int rc = zb_strset_add(im->keys, key);
  if (rc == 0) {
    zb_problems_add(&im->probs, line, zb_field_name(im->kind, 0),
                 "appears on an earlier row of this file too");
    return 0;
  }
  if (rc < 0)
    return rc;
  rc = zb_rec_load(im->t, im->kind, key, &im->cur);
  if (rc && rc != ZB_ENOTFOUND)
    return rc;
  bool existed = rc == 0;
  int fields[ZB_MF__COUNT];
  char *vals[ZB_MF__COUNT];
  size_t n = zb_rec_diff(im->kind, existed ? &im->cur : NULL, next, fields, vals);
  if (existed && n == 0) {
    im->res.unchanged++;
    return 0;
  }
  zb_apply_result r;
  if ((rc = im->sink->set(im->sink->ctx, im->kind, key, fields, vals, n, &r)))
    return rc;
  if (r.status == ZB_APPLY_REJECTED) {
    zb_problems_add(&im->probs, line, zb_field_name(im->kind, r.field), r.reason);
    return 0;
  }
  if (existed)
    im->res.updated++;
  else
    im->res.created++;
  return 0;
}

static int import_write(zb_txn *t, void *ctx) {
  struct import *im = ctx;
  /* This may run again after the map grew: start from scratch. */
  zb_problems_reset(&im->probs);
  zb_strset_clear(im->keys);
  memset(&im->res, 0, sizeof im->res);
  im->t = t;
  int rc = im->sink->begin(im->sink->ctx, t);
  if (rc)
    return rc;
  const char *const *cols = im->kind == ZB_KIND_MEMBER ? zb_member_field_names : zb_org_field_names;
  struct zb_csv_spec spec = {
      .columns = cols,
      .ncolumns = (size_t)zb_rec_nfields(im->kind),
      .max_field = ZB_FIELD_MAX,
  };
  if (im->kind == ZB_KIND_MEMBER) {
    static const int req[] = {ZB_MF_ID, ZB_MF_NAME, ZB_MF_GENDER, ZB_MF_BIRTH_DATE,
                              ZB_MF_ID_NUMBER, ZB_MF_CATEGORY, ZB_MF_JOIN_DATE,
                              ZB_MF_ORG_CODE};
    for (size_t i = 0; i < sizeof req / sizeof *req; i++)
      spec.required |= 1u << req[i];
  } else {
    spec.required = (1u << ZB_OF__COUNT) - 1;
  }
  /* Problems are counted in im->probs, which also holds the rules' ones. */
  rc = zb_csv_read(im->path, &spec, import_row, import_csv_problem, im, NULL);
  if (rc)
    return rc;
  if (zb_problems_count(&im->probs) > 0)
    return ZB_EINVAL;
  return im->sink->end(im->sink->ctx);
}

int zb_import_csv(zb_store *s, enum zb_kind kind, const char *path, const zb_import_sink *sink,
                  zb_input_problem_fn problem, void *pctx, zb_import_result *res) {
  struct import *im = calloc(1, sizeof *im);
  if (!im)
    return ZB_ENOMEM;
  im->sink = sink;
  im->kind = kind;
  im->path = path;
  im->today = zb_date_today();
  im->keys = zb_strset_new(ZB_IMPORT_MAX_ROWS);
  int rc = im->keys ? zb_store_write(s, import_write, im) : ZB_ENOMEM;
  zb_problems_emit(&im->probs, path, problem, pctx);
  if (rc == ZB_EINVAL && zb_problems_count(&im->probs) == 0)
    problem(pctx, path, 0, NULL, "the file holds no usable header");
  if (res)
    *res = im->res;
  zb_problems_free(&im->probs);
  zb_strset_free(im->keys);
  free(im);
  return rc;
}
