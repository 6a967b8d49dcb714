#include "zb_import.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zb_csv.h"
#include "zb_err.h"

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


/* ---- rows parsed and checked, held until the write ----
 *
 * Each row is kept as its line number, one 16-bit length per field and the
 * field bytes, each followed by a NUL, in 1 MiB blocks: about the size of
 * the CSV text itself, where a zb_rec per row would take 5 KiB
 * (docs/DESIGN-NOTES.md, "Imports"). */

#define ROW_BLOCK ((size_t)1 << 20)

struct rowblock {
  struct rowblock *next;
  size_t used;
  unsigned char data[];
};

struct rows {
  struct rowblock *head, *tail;
  const unsigned char **row;   /* start of each row */
  size_t n, cap;
  size_t bytes;                /* field bytes held (without the framing) */
};

static void rows_free(struct rows *r) {
  while (r->head) {
    struct rowblock *b = r->head;
    r->head = b->next;
    free(b);
  }
  free(r->row);
  memset(r, 0, sizeof *r);
}

static int rows_add(struct rows *r, long line, const zb_rec *rec, int nf) {
  size_t need = sizeof(long) + (size_t)nf * sizeof(uint16_t), body = 0;
  size_t lens[ZB_REC_FIELDS_MAX];
  for (int i = 0; i < nf; i++) {
    lens[i] = strlen(rec->v[i]);   /* ≤ ZB_FIELD_MAX */
    body += lens[i] + 1;
  }
  need += body;
  if (r->n == r->cap) {
    size_t cap = r->cap ? r->cap * 2 : 1024;
    const unsigned char **v = realloc(r->row, cap * sizeof *v);
    if (!v)
      return ZB_ENOMEM;
    r->row = v;
    r->cap = cap;
  }
  if (!r->tail || ROW_BLOCK - r->tail->used < need) {
    struct rowblock *b = malloc(sizeof *b + ROW_BLOCK);
    if (!b)
      return ZB_ENOMEM;
    b->next = NULL;
    b->used = 0;
    if (r->tail)
      r->tail->next = b;
    else
      r->head = b;
    r->tail = b;
  }
  unsigned char *p = r->tail->data + r->tail->used;
  r->row[r->n++] = p;
  r->tail->used += need;
  r->bytes += body;
  memcpy(p, &line, sizeof line);
  p += sizeof line;
  for (int i = 0; i < nf; i++) {
    uint16_t l = (uint16_t)lens[i];
    memcpy(p, &l, sizeof l);
    p += sizeof l;
  }
  for (int i = 0; i < nf; i++) {
    memcpy(p, rec->v[i], lens[i] + 1);
    p += lens[i] + 1;
  }
  return 0;
}

/* Takes back the row rows_add added last. */
static void rows_drop_last(struct rows *r, int nf) {
  const unsigned char *p = r->row[--r->n];
  for (int f = 0; f < nf; f++) {
    uint16_t l;
    memcpy(&l, p + sizeof(long) + (size_t)f * sizeof l, sizeof l);
    r->bytes -= (size_t)l + 1;
  }
  r->tail->used = (size_t)(p - r->tail->data);
}

/* Copies row i back into rec's values (rec's other bytes are left alone)
 * and returns its line. */
static long rows_get(const struct rows *r, size_t i, zb_rec *rec, int nf) {
  const unsigned char *p = r->row[i], *body;
  long line;
  memcpy(&line, p, sizeof line);
  p += sizeof line;
  body = p + (size_t)nf * sizeof(uint16_t);
  for (int f = 0; f < nf; f++) {
    uint16_t l;
    memcpy(&l, p + (size_t)f * sizeof l, sizeof l);
    memcpy(rec->v[f], body, (size_t)l + 1);
    body += (size_t)l + 1;
  }
  return line;
}

/* The keys seen in the file, as a set of row numbers: open addressing on
 * a 32-bit FNV-1a hash kept beside each row number, the key itself read
 * from the row (no copy, no allocation per row). */
struct keyset {
  uint64_t *slot;   /* hash << 32 | (row + 1); 0 = empty */
  size_t cap, n;
};

static uint32_t key_hash(const char *s, size_t len) {
  uint32_t h = 2166136261u;
  for (size_t i = 0; i < len; i++)
    h = (h ^ (uint8_t)s[i]) * 16777619u;
  return h;
}

/* Row i's key (field 0) and its length. */
static const char *row_key(const struct rows *r, size_t i, int nf, size_t *len) {
  const unsigned char *p = r->row[i] + sizeof(long);
  uint16_t l;
  memcpy(&l, p, sizeof l);
  *len = l;
  return (const char *)p + (size_t)nf * sizeof(uint16_t);
}

static int keyset_grow(struct keyset *ks) {
  size_t cap = ks->cap ? ks->cap * 2 : 4096;
  uint64_t *slot = calloc(cap, sizeof *slot);
  if (!slot)
    return ZB_ENOMEM;
  for (size_t i = 0; i < ks->cap; i++) {
    if (!ks->slot[i])
      continue;
    size_t j = (size_t)(ks->slot[i] >> 32) & (cap - 1);
    while (slot[j])
      j = (j + 1) & (cap - 1);
    slot[j] = ks->slot[i];
  }
  free(ks->slot);
  ks->slot = slot;
  ks->cap = cap;
  return 0;
}

/* Adds the key of the last row of r: 1 if new, 0 if an earlier row has it
 * (the caller then drops the row), or ZB_ENOMEM. */
static int keyset_add_last(struct keyset *ks, const struct rows *r, int nf) {
  if ((ks->n + 1) * 2 > ks->cap && keyset_grow(ks))
    return ZB_ENOMEM;
  size_t last = r->n - 1, len, olen;
  const char *key = row_key(r, last, nf, &len);
  uint32_t h = key_hash(key, len);
  size_t j = (size_t)h & (ks->cap - 1);
  for (; ks->slot[j]; j = (j + 1) & (ks->cap - 1)) {
    if ((uint32_t)(ks->slot[j] >> 32) != h)
      continue;
    const char *other = row_key(r, (size_t)(uint32_t)ks->slot[j] - 1, nf, &olen);
    if (olen == len && memcmp(other, key, len) == 0)
      return 0;
  }
  ks->slot[j] = (uint64_t)h << 32 | (uint64_t)(last + 1);
  ks->n++;
  return 1;
}

/* ---- the import ---- */

struct import {
  const zb_import_sink *sink;
  const zb_kind_desc *kind;
  const char *path;
  const char *columns[ZB_REC_FIELDS_MAX];
  zb_date today;
  zb_problems probs;      /* found reading the file: kept across reruns */
  zb_problems wprobs;     /* found against the stored state: per attempt */
  struct rows rows;       /* the rows that passed every check of their own */
  struct keyset keys;     /* their keys */
  zb_import_result res;
  long line;              /* row being checked, for validator callbacks */
  zb_rec cur, next;
};

static void import_field_problem(void *ctx, int field, const char *reason) {
  struct import *im = ctx;
  zb_problems_add(&im->probs, im->line, zb_kind_field_name(im->kind, field), reason);
}

static void import_csv_problem(void *ctx, long line, const char *column, const char *reason) {
  struct import *im = ctx;
  /* The reader's column text lives only during the call; map it back to our
   * static field names (an unknown column keeps no name but says it). */
  const char *col = NULL;
  char buf[ZB_FIELD_MAX + 64];
  if (column) {
    int f = zb_kind_field(im->kind, column, strlen(column));
    if (f >= 0) {
      col = zb_kind_field_name(im->kind, f);
    } else {
      snprintf(buf, sizeof buf, "column \"%.*s\": %s", ZB_FIELD_MAX, column, reason);
      reason = buf;
    }
  }
  zb_problems_add(&im->probs, line, col, reason);
}

/* Phase 1, outside any transaction: every check a row can pass or fail on
 * its own (record rules, a key repeated in the file, org scope), then the
 * row is kept for the write. */
static int import_row(void *ctx, long line, const char *const *values, const size_t *lens) {
  struct import *im = ctx;
  zb_rec *next = &im->next;
  int nf = im->kind->nfields;
  long before = zb_problems_count(&im->probs);
  im->line = line;
  im->res.rows++;
  /* next was zeroed once; every field is overwritten with its terminator,
   * and validation reads nothing else. */
  for (int i = 0; i < nf; i++)
    memcpy(next->v[i], values[i], lens[i] + 1);   /* lens ≤ ZB_FIELD_MAX */
  const char *key = next->v[0];

  /* Rows of the org tree outside the node's scope belong to other nodes:
   * skip, count (docs/DESIGN-NOTES.md, "Imports"). */
  if (im->kind->reach == ZB_REACH_ALL && im->sink->scope && zb_org_code_valid(key) &&
      !zb_org_in_subtree(key, im->sink->scope)) {
    im->res.skipped++;
    return 0;
  }
  zb_rec_validate(im->kind, next->v, im->today, import_field_problem, im);
  if (zb_problems_count(&im->probs) > before)
    return 0;
  if (im->rows.n >= ZB_IMPORT_MAX_ROWS)
    return ZB_ETOOBIG;
  /* Kept even once the file is known to be bad: the write phase still
   * reports these rows' stored-state problems. */
  int rc = rows_add(&im->rows, line, next, nf);
  if (rc)
    return rc;
  rc = keyset_add_last(&im->keys, &im->rows, nf);
  if (rc == 0) {
    rows_drop_last(&im->rows, nf);
    zb_problems_add(&im->probs, line, zb_kind_field_name(im->kind, 0),
                 "appears on an earlier row of this file too");
  }
  return rc < 0 ? rc : 0;
}

/* Phase 2, in one write transaction: the checks that need the stored state
 * (new or changed, the org exists and lies in scope, id_number unique: the
 * sink's zb_merge_apply), and the writes.  Runs again from here, never from
 * the file, if the map still turns out too small. */
static int import_write(zb_txn *t, void *ctx) {
  struct import *im = ctx;
  zb_problems_reset(&im->wprobs);
  im->res.created = im->res.updated = im->res.unchanged = 0;
  int rc = im->sink->begin(im->sink->ctx, t);
  if (rc)
    return rc;
  /* The rows come in file order, not in the order of their org index;
   * sorted at the end, its entries fill pages in order instead of 200
   * places at once (docs/DESIGN-NOTES.md, "Imports"). */
  if ((rc = zb_rec_defer_indexes(t, im->kind)))
    return rc;
  int nf = im->kind->nfields;
  for (size_t i = 0; i < im->rows.n; i++) {
    long line = rows_get(&im->rows, i, &im->next, nf);
    const char *key = im->next.v[0];
    rc = zb_rec_load(t, im->kind, key, &im->cur);
    if (rc && rc != ZB_ENOTFOUND)
      return rc;
    bool existed = rc == 0;
    /* An import never writes what only acts write (a member's leaving):
     * left empty, such a field keeps its stored value; any other value
     * that differs is refused by the merge (docs/RECORDS.md, "Leaving"). */
    for (int f = 1; existed && f < nf; f++)
      if (!im->next.v[f][0] && zb_kind_act_owned(im->kind, f))
        memcpy(im->next.v[f], im->cur.v[f], sizeof im->next.v[f]);
    int fields[ZB_REC_FIELDS_MAX];
    char *vals[ZB_REC_FIELDS_MAX];
    size_t n = zb_rec_diff(existed ? &im->cur : NULL, &im->next, fields, vals);
    if (existed && n == 0) {
      im->res.unchanged++;
      continue;
    }
    zb_apply_result r;
    if ((rc = im->sink->set(im->sink->ctx, im->kind, key, fields, vals, n, &r)))
      return rc;
    if (r.status == ZB_APPLY_REJECTED) {
      zb_problems_add(&im->wprobs, line, zb_kind_field_name(im->kind, r.field), r.reason);
      continue;
    }
    if (existed)
      im->res.updated++;
    else
      im->res.created++;
  }
  if (zb_problems_count(&im->probs) > 0 || zb_problems_count(&im->wprobs) > 0)
    return ZB_EINVAL;
  return im->sink->end(im->sink->ctx);
}

/* What the write will add to the map, from what was parsed: per row an op
 * in the log, the record with its stamps, two index entries, in B-tree
 * pages partly full.  Measured: ~4.7 bytes of map per byte of field text
 * (docs/DESIGN-NOTES.md, "Imports"); 6 per byte plus 256 per row leaves
 * room.  The map is sparse, so too much costs nothing. */
static size_t import_estimate(const struct rows *r) {
  return r->bytes * 6 + r->n * 256 + ((size_t)4 << 20);
}

/* Emits both lists in line order (each is in line order already). */
static void emit_merged(const zb_problems *a, const zb_problems *b, const char *file,
                        zb_input_problem_fn fn, void *ctx) {
  size_t i = 0, j = 0;
  while (i < a->n || j < b->n) {
    const zb_problem *p;
    if (j >= b->n || (i < a->n && a->v[i].line <= b->v[j].line))
      p = &a->v[i++];
    else
      p = &b->v[j++];
    fn(ctx, file, p->line, p->column, p->reason);
  }
  long dropped = a->dropped + b->dropped;
  if (dropped) {
    char msg[96];
    snprintf(msg, sizeof msg, "%ld more problems not shown", dropped);
    fn(ctx, file, 0, NULL, msg);
  }
}

/* The CSV columns are the kind's fields by name; a required field's column
 * must be in the header. */
static struct zb_csv_spec import_spec(struct import *im) {
  const zb_kind_desc *kd = im->kind;
  struct zb_csv_spec spec = {
      .columns = im->columns,
      .ncolumns = (size_t)kd->nfields,
      .max_field = ZB_FIELD_MAX,
  };
  for (int i = 0; i < kd->nfields; i++) {
    im->columns[i] = kd->fields[i].name;
    if (kd->fields[i].flags & ZB_FF_REQUIRED)
      spec.required |= UINT64_C(1) << i;
  }
  return spec;
}

int zb_import_csv(zb_store *s, const zb_kind_desc *kind, const char *path, const zb_import_sink *sink,
                  zb_input_problem_fn problem, void *pctx, zb_import_result *res) {
  struct import *im = calloc(1, sizeof *im);
  if (!im)
    return ZB_ENOMEM;
  im->sink = sink;
  im->kind = kind;
  im->path = path;
  im->today = zb_date_today();
  zb_rec_init(&im->next, kind);
  im->cur.kd = kind;
  /* Read the whole file once (path may be "-": stdin), no transaction
   * open.  Problems are counted in im->probs, which also holds the rules'
   * ones. */
  struct zb_csv_spec spec = import_spec(im);
  int rc = zb_csv_read(path, &spec, import_row, import_csv_problem, im, NULL);
  free(im->keys.slot);
  im->keys.slot = NULL;
  if (rc == 0 && zb_problems_count(&im->probs) == 0)
    rc = zb_store_reserve(s, import_estimate(&im->rows));
  if (rc == 0) {
    /* A file with bad rows is still checked against the stored state, so
     * that every problem is reported at once; that transaction is always
     * thrown away. */
    if (zb_problems_count(&im->probs) > 0)
      rc = zb_store_write_discard(s, import_write, im);
    else
      rc = zb_store_write(s, import_write, im);
  }
  const char *name = strcmp(path, "-") == 0 ? "stdin" : path;
  emit_merged(&im->probs, &im->wprobs, name, problem, pctx);
  if (rc == ZB_EINVAL && zb_problems_count(&im->probs) + zb_problems_count(&im->wprobs) == 0)
    problem(pctx, name, 0, NULL, "the file holds no usable header");
  if (rc == 0 && zb_problems_count(&im->probs) > 0)
    rc = ZB_EINVAL;   /* the discarded write found nothing more */
  if (res)
    *res = im->res;
  zb_problems_free(&im->probs);
  zb_problems_free(&im->wprobs);
  rows_free(&im->rows);
  free(im);
  return rc;
}
