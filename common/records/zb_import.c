#define _GNU_SOURCE   /* memmem */
#include "zb_import.h"

#include <malloc.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "zb_bigmem.h"
#include "zb_csv.h"
#include "zb_err.h"
#include "zb_log.h"
#include "zb_norm.h"
#include "zb_utf8.h"
#include "zb_why.h"
#include "zb_xlsx.h"

/* An import file may hold at most this many rows (and report at most this
 * many problems): far above any branch, county or province roster. */
#define ZB_IMPORT_MAX_ROWS 10000000
#define ZB_MAX_PROBLEMS 1000000
/* Unique indexes of a kind checked within the file. */
#define ZB_IMPORT_UNIQUE_MAX 4
/* A value quoted back in a message: at most this many characters. */
#define ZB_IMPORT_ECHO_CHARS 40


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
    zb_reason_make(msg, sizeof msg, "why.more_problems" ZB_US "%ld", p->dropped);
    fn(ctx, file, 0, NULL, msg);
  }
}


/* ---- rows parsed and checked, held until the write ----
 *
 * Each row is kept as its line number, one 16-bit length per field and the
 * field bytes, each followed by a NUL, in 1 MiB blocks: about the size of
 * the CSV text itself, where a zb_rec per row would take 5 KiB
 * (docs/DESIGN-NOTES.md, "Imports").  The reading thread adds rows while
 * the write reads those published before (import_publish): a row, once
 * published, and the index of where rows start never move. */

#define ROW_BLOCK ((size_t)1 << 20)
#define ROW_CHUNK ((size_t)1 << 14)   /* row starts per piece of the index */
#define ROW_CHUNKS ((ZB_IMPORT_MAX_ROWS + ROW_CHUNK - 1) / ROW_CHUNK)

struct rowblock {
  struct rowblock *next;
  size_t used;
  unsigned char data[];
};

struct rows {
  struct rowblock *head, *tail;
  const unsigned char **row[ROW_CHUNKS];   /* start of each row, in pieces */
  size_t n;
  size_t bytes;                /* field bytes held (without the framing) */
};

static void rows_free(struct rows *r) {
  while (r->head) {
    struct rowblock *b = r->head;
    r->head = b->next;
    free(b);
  }
  for (size_t c = 0; c < ROW_CHUNKS && r->row[c]; c++)
    free(r->row[c]);
  memset(r, 0, sizeof *r);
}

/* Where row i starts. */
static const unsigned char *row_at(const struct rows *r, size_t i) {
  return r->row[i / ROW_CHUNK][i % ROW_CHUNK];
}

static int rows_add(struct rows *r, long line, const zb_rec *rec, int nf) {
  size_t need = sizeof(long) + (size_t)nf * sizeof(uint16_t), body = 0;
  size_t lens[ZB_REC_FIELDS_MAX];
  for (int i = 0; i < nf; i++) {
    lens[i] = strlen(rec->v[i]);   /* ≤ ZB_FIELD_MAX */
    body += lens[i] + 1;
  }
  need += body;
  /* The caller keeps n below ZB_IMPORT_MAX_ROWS; a piece dropped with a
   * restart's rows_free is allocated again. */
  size_t c = r->n / ROW_CHUNK;
  if (!r->row[c] && !(r->row[c] = malloc(ROW_CHUNK * sizeof *r->row[c])))
    return ZB_ENOMEM;
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
  r->row[c][r->n % ROW_CHUNK] = p;
  r->n++;
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
  const unsigned char *p = row_at(r, --r->n);
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
  const unsigned char *p = row_at(r, i), *body;
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

/* Line of row i. */
static long rows_line(const struct rows *r, size_t i) {
  long line;
  memcpy(&line, row_at(r, i), sizeof line);
  return line;
}

/* The values seen in the file for one field (the key, a unique index's
 * field), as a set of row numbers: open addressing on a 32-bit FNV-1a hash
 * kept beside each row number, the value itself read from the row (no
 * copy, no allocation per row), in memory that may get huge pages
 * (zb_bigmem.h). */
struct keyset {
  uint64_t *slot;   /* hash << 32 | (row + 1); 0 = empty */
  size_t cap, n;
  int field;
};

static uint32_t key_hash(const char *s, size_t len) {
  uint32_t h = 2166136261u;
  for (size_t i = 0; i < len; i++)
    h = (h ^ (uint8_t)s[i]) * 16777619u;
  return h;
}

/* Row i's field f and its length. */
static const char *row_field(const struct rows *r, size_t i, int nf, int f, size_t *len) {
  const unsigned char *p = row_at(r, i) + sizeof(long), *body;
  body = p + (size_t)nf * sizeof(uint16_t);
  uint16_t l;
  for (int k = 0; k < f; k++) {
    memcpy(&l, p + (size_t)k * sizeof l, sizeof l);
    body += (size_t)l + 1;
  }
  memcpy(&l, p + (size_t)f * sizeof l, sizeof l);
  *len = l;
  return (const char *)body;
}

/* Asks the memory system for the slot where value v (len bytes) would be
 * looked up first: a set of a million rows is far larger than the caches,
 * and the row's own checks run while the slot comes. */
static void keyset_prefetch(const struct keyset *ks, const char *v, size_t len) {
  if (ks->cap)
    __builtin_prefetch(&ks->slot[(size_t)key_hash(v, len) & (ks->cap - 1)]);
}

/* Row i's fields, each NUL-terminated. */
static void row_fields(const struct rows *r, size_t i, int nf, const char **out) {
  const unsigned char *p = row_at(r, i) + sizeof(long), *body;
  body = p + (size_t)nf * sizeof(uint16_t);
  for (int f = 0; f < nf; f++) {
    uint16_t l;
    memcpy(&l, p + (size_t)f * sizeof l, sizeof l);
    out[f] = (const char *)body;
    body += (size_t)l + 1;
  }
}

static int keyset_grow(struct keyset *ks) {
  size_t cap = ks->cap ? ks->cap * 2 : 4096;
  uint64_t *slot = zb_big_calloc(cap * sizeof *slot);
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
  zb_big_free(ks->slot, ks->cap * sizeof *ks->slot);
  ks->slot = slot;
  ks->cap = cap;
  return 0;
}

static void keyset_free(struct keyset *ks) {
  zb_big_free(ks->slot, ks->cap * sizeof *ks->slot);
  ks->slot = NULL;
  ks->cap = ks->n = 0;
}

/* Whether an earlier row holds the value of ks's field that the last row
 * of r has: 1 and *earlier (that row), or 0 with *hash set for
 * keyset_put. */
static int keyset_find_last(const struct keyset *ks, const struct rows *r, int nf, size_t *earlier,
                            uint32_t *hash) {
  size_t last = r->n - 1, len, olen;
  const char *v = row_field(r, last, nf, ks->field, &len);
  uint32_t h = key_hash(v, len);
  *hash = h;
  if (!ks->cap)
    return 0;
  for (size_t j = (size_t)h & (ks->cap - 1); ks->slot[j]; j = (j + 1) & (ks->cap - 1)) {
    if ((uint32_t)(ks->slot[j] >> 32) != h)
      continue;
    size_t row = (size_t)(uint32_t)ks->slot[j] - 1;
    const char *other = row_field(r, row, nf, ks->field, &olen);
    if (olen == len && memcmp(other, v, len) == 0) {
      *earlier = row;
      return 1;
    }
  }
  return 0;
}

/* Adds the last row of r under hash (from keyset_find_last). */
static int keyset_put_last(struct keyset *ks, const struct rows *r, uint32_t h) {
  if ((ks->n + 1) * 2 > ks->cap && keyset_grow(ks))
    return ZB_ENOMEM;
  size_t j = (size_t)h & (ks->cap - 1);
  while (ks->slot[j])
    j = (j + 1) & (ks->cap - 1);
  ks->slot[j] = (uint64_t)h << 32 | (uint64_t)r->n;
  ks->n++;
  return 0;
}

/* ---- the import ---- */

struct import {
  const zb_import_sink *sink;
  const zb_kind_desc *kind;
  const char *path;
  const char *columns[ZB_REC_FIELDS_MAX];
  /* The other header names of each field: its zh, then its headers. */
  const char *names[ZB_REC_FIELDS_MAX][ZB_HEADERS_MAX + 2];
  const char *const *aliases[ZB_REC_FIELDS_MAX];
  /* How messages name each column: the field's name, and the file's own
   * header when it differs: "出生日期 (birth_date)". */
  const char *col[ZB_REC_FIELDS_MAX];
  char colbuf[ZB_REC_FIELDS_MAX][160];
  char ignored[512];      /* the columns ignored, for the warning */
  long header_line;
  zb_date today;
  zb_problems probs;      /* found reading the file: kept across reruns */
  zb_problems wprobs;     /* found against the stored state: per attempt */
  struct rows rows;       /* the rows that passed every check of their own */
  struct keyset keys;     /* their keys */
  struct keyset uniq[ZB_IMPORT_UNIQUE_MAX];   /* their unique fields */
  int nuniq;
  /* Rows may leave the key empty; they are matched by this index. */
  const zb_index_desc *match;
  size_t nkeyless;
  zb_import_result res;
  long line;              /* row being checked, for validator callbacks */
  const char *const *raw; /* its values as read */
  const size_t *rawlen;
  zb_rec scan;            /* the reading's row */
  zb_rec cur, next;       /* the write's */

  /* The file is read in a thread of its own while the write runs
   * (docs/DESIGN-NOTES.md, "Imports"); under mu: */
  bool threaded;
  pthread_t reader;
  pthread_mutex_t mu;
  pthread_cond_t cv;
  size_t ready;           /* rows published: the write may read them */
  bool settled;           /* no restart can void them any more */
  bool done;              /* the reading has ended: read_rc, every row */
  int read_rc;
  double read_end;        /* when the reading ended (import_now) */
  double read_cpu;        /* the reading thread's CPU seconds */
  struct zb_csv_spec spec;
  struct zb_sheet_info info;
};

/* Rows published at a time by the reading thread. */
#define ROW_PUBLISH 64

/* "REASON (value: "…")": the value as the file has it, blanks trimmed, at
 * most ZB_IMPORT_ECHO_CHARS characters, line ends and other controls as
 * spaces (one problem, one line). */
static void with_value(char *buf, size_t cap, const char *reason, const char *v, size_t len) {
  size_t start;
  len = zb_utf8_trim(v, len, &start);
  v += start;
  /* Nothing to show, or the reason shows it already. */
  if (len == 0 || (len <= ZB_IMPORT_ECHO_CHARS && memmem(reason, strlen(reason), v, len))) {
    snprintf(buf, cap, "%s", reason);
    return;
  }
  char echo[ZB_IMPORT_ECHO_CHARS * 4 + 8];
  size_t o = 0, chars = 0, i = 0;
  for (; i < len && chars < ZB_IMPORT_ECHO_CHARS; chars++) {
    size_t k = 1;
    while (i + k < len && ((unsigned char)v[i + k] & 0xC0) == 0x80 && k < 4)
      k++;
    if ((unsigned char)v[i] < 0x20) {
      echo[o++] = ' ';
    } else {
      memcpy(echo + o, v + i, k);
      o += k;
    }
    i += k;
  }
  if (i < len) {
    memcpy(echo + o, "\xE2\x80\xA6", 3);   /* … */
    o += 3;
  }
  echo[o] = '\0';
  /* The value rides after GS; the reader's language frames it
   * (zb_why.h). */
  snprintf(buf, cap, "%s%c%s", reason, ZB_REASON_GS, echo);
}

static void import_field_problem(void *ctx, int field, const char *reason) {
  struct import *im = ctx;
  char buf[1400];
  if (im->raw && field >= 0 && field < im->kind->nfields)
    with_value(buf, sizeof buf, reason, im->raw[field], im->rawlen[field]);
  else
    snprintf(buf, sizeof buf, "%s", reason);
  zb_problems_add(&im->probs, im->line, im->col[field], buf);
}

static void import_csv_problem(void *ctx, long line, const char *column, const char *reason) {
  struct import *im = ctx;
  /* The reader's column text lives only during the call; map it back to our
   * static field names (an unknown column keeps no name but says it). */
  const char *col = NULL;
  char buf[ZB_FIELD_MAX + 600];
  if (column) {
    int f = zb_kind_field(im->kind, column, strlen(column));
    if (f >= 0) {
      col = im->col[f];
    } else {
      /* The column by its header, the reason inside (zb_reason.h). */
      zb_reason_make(buf, sizeof buf, "why.in_column" ZB_US "%s", column);
      zb_reason_nest(buf, sizeof buf, reason);
      if (strcmp(buf, reason) == 0)   /* a plain reason: plain text */
        snprintf(buf, sizeof buf, "column \"%.*s\": %s", ZB_FIELD_MAX, column, reason);
      reason = buf;
    }
  }
  zb_problems_add(&im->probs, line, col, reason);
}

/* The header as read: how messages will name the columns, and the
 * columns that are no field of the kind, for one warning. */
static int import_header(void *ctx, long line, const char *const *names,
                         const char *const *ignored, size_t nignored) {
  struct import *im = ctx;
  const zb_kind_desc *kd = im->kind;
  im->header_line = line;
  for (int f = 0; f < kd->nfields; f++) {
    const char *name = kd->fields[f].name;
    if (names[f] && strcmp(names[f], name) != 0) {
      snprintf(im->colbuf[f], sizeof im->colbuf[f], "%.100s (%s)", names[f], name);
      im->col[f] = im->colbuf[f];
    } else {
      im->col[f] = name;
    }
  }
  size_t used = 0;
  im->ignored[0] = '\0';
  for (size_t i = 0; i < nignored && used < sizeof im->ignored; i++) {
    int n = snprintf(im->ignored + used, sizeof im->ignored - used, "%s%.60s", i ? ", " : "",
                     ignored[i]);
    if (n < 0)
      break;
    used += (size_t)n;
  }
  return 0;
}

/* The rows so far were read as UTF-8 and are void: the file is read again
 * as GB18030 (zb_csv.h). */
static void import_encoding(void *ctx, bool restart) {
  struct import *im = ctx;
  im->res.gb18030 = true;
  if (!restart)
    return;
  zb_problems_reset(&im->probs);
  rows_free(&im->rows);
  if (im->threaded) {
    pthread_mutex_lock(&im->mu);
    im->ready = 0;   /* none yet: the write waits for settled */
    pthread_mutex_unlock(&im->mu);
  }
  keyset_free(&im->keys);
  for (int u = 0; u < im->nuniq; u++)
    keyset_free(&im->uniq[u]);
  im->nkeyless = 0;
  im->res.rows = im->res.skipped = 0;
  im->ignored[0] = '\0';
}

/* The last row kept has the value of ks's field that an earlier row has:
 * report it on that field, with the earlier line.  1 if so, else 0 with
 * *hash for keyset_put_last. */
static int import_repeat(struct import *im, const struct keyset *ks, bool key, int nf,
                         uint32_t *hash) {
  size_t earlier;
  if (!keyset_find_last(ks, &im->rows, nf, &earlier, hash))
    return 0;
  char reason[200];
  long at = rows_line(&im->rows, earlier);
  if (key)
    zb_reason_make(reason, sizeof reason, "why.repeat_key" ZB_US "%ld", at);
  else
    zb_reason_make(reason, sizeof reason, "why.repeat_value" ZB_US "%ld", at);
  import_field_problem(im, ks->field, reason);
  return 1;
}

/* Phase 1, outside any transaction: every check a row can pass or fail on
 * its own (record rules, a key or unique value repeated in the file, org
 * scope), then the row is kept for the write. */
static int import_check(void *ctx, long line, const char *const *values, const size_t *lens) {
  struct import *im = ctx;
  zb_rec *next = &im->scan;
  int nf = im->kind->nfields;
  long before = zb_problems_count(&im->probs);
  im->line = line;
  im->raw = values;
  im->rawlen = lens;
  im->res.rows++;
  /* next was zeroed once; every field is overwritten with its terminator,
   * and validation reads nothing else.  Each value in its normal form
   * (lens ≤ ZB_FIELD_MAX: the reader's limit). */
  for (int i = 0; i < nf; i++)
    zb_norm_field(&im->kind->fields[i], values[i], lens[i], next->v[i]);
  const char *key = next->v[0];
  keyset_prefetch(&im->keys, key, strlen(key));
  for (int u = 0; u < im->nuniq; u++) {
    const char *v = next->v[im->uniq[u].field];
    keyset_prefetch(&im->uniq[u], v, strlen(v));
  }

  /* Rows of the org tree outside the node's scope belong to other nodes:
   * skip, count (docs/DESIGN-NOTES.md, "Imports"). */
  if (im->kind->reach == ZB_REACH_ALL && im->sink->scope && zb_org_code_valid(key) &&
      !zb_org_in_subtree(key, im->sink->scope)) {
    im->res.skipped++;
    return 0;
  }
  /* A row without a key gets one in the write: checked with a stand-in
   * (no rule across fields reads a key of such a kind). */
  bool keyless = im->match && !key[0];
  if (keyless)
    memcpy(next->v[0], "_", 2);
  zb_rec_validate(im->kind, next->v, im->today, import_field_problem, im);
  if (keyless)
    next->v[0][0] = '\0';
  if (zb_problems_count(&im->probs) > before)
    return 0;
  if (im->rows.n >= ZB_IMPORT_MAX_ROWS)
    return ZB_ETOOBIG;
  /* Kept even once the file is known to be bad: the write phase still
   * reports these rows' stored-state problems. */
  int rc = rows_add(&im->rows, line, next, nf);
  if (rc)
    return rc;
  /* A key, or a unique value (one person, one record), on two rows: the
   * later row is refused, naming the earlier. */
  uint32_t hk = 0, hu[ZB_IMPORT_UNIQUE_MAX] = {0};
  bool repeated = !keyless && import_repeat(im, &im->keys, true, nf, &hk);
  for (int u = 0; u < im->nuniq && !repeated; u++)
    repeated = next->v[im->uniq[u].field][0] &&
               import_repeat(im, &im->uniq[u], false, nf, &hu[u]);
  if (repeated) {
    rows_drop_last(&im->rows, nf);
    return 0;
  }
  if (!keyless && (rc = keyset_put_last(&im->keys, &im->rows, hk)))
    return rc;
  for (int u = 0; u < im->nuniq; u++)
    if (next->v[im->uniq[u].field][0] && (rc = keyset_put_last(&im->uniq[u], &im->rows, hu[u])))
      return rc;
  if (keyless)
    im->nkeyless++;
  return 0;
}

/* Makes the rows kept so far readable by the write (all: every row before
 * the last call of import_check is final); with done, the reading's end. */
static void import_publish(struct import *im, bool done, int rc) {
  pthread_mutex_lock(&im->mu);
  im->ready = im->rows.n;
  if (done) {
    im->done = true;
    im->read_rc = rc;
  }
  pthread_cond_broadcast(&im->cv);
  pthread_mutex_unlock(&im->mu);
}

static int import_row(void *ctx, long line, const char *const *values, const size_t *lens) {
  struct import *im = ctx;
  int rc = import_check(im, line, values, lens);
  if (im->threaded && im->settled && im->rows.n - im->ready >= ROW_PUBLISH)
    import_publish(im, false, 0);
  return rc;
}

/* The reader's spec->settled: from now on rows can be published. */
static void import_settled(void *ctx) {
  struct import *im = ctx;
  if (!im->threaded)
    return;
  pthread_mutex_lock(&im->mu);
  im->settled = true;
  im->ready = im->rows.n;
  pthread_cond_broadcast(&im->cv);
  pthread_mutex_unlock(&im->mu);
}

/* The whole reading: phase 1, in the reading thread or alone. */
static int import_read(struct import *im) {
  int rc = zb_sheet_read(im->path, &im->spec, import_row, import_csv_problem, im, NULL, &im->info);
  keyset_free(&im->keys);
  for (int u = 0; u < im->nuniq; u++)
    keyset_free(&im->uniq[u]);
  return rc;
}

/* Seconds on the monotonic clock, for ZHIBU_DEBUG's account. */
static double import_clock(clockid_t id) {
  struct timespec ts;
  clock_gettime(id, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double import_now(void) { return import_clock(CLOCK_MONOTONIC); }

static void *import_reader(void *arg) {
  struct import *im = arg;
  int rc = import_read(im);
  im->read_end = import_now();
  im->read_cpu = import_clock(CLOCK_THREAD_CPUTIME_ID);
  import_publish(im, true, rc);
  return NULL;
}

/* The number of rows the write may read, more than i unless the reading
 * has ended (then all of them); waits for them. */
static size_t import_ready(struct import *im, size_t i) {
  if (!im->threaded)
    return im->rows.n;
  pthread_mutex_lock(&im->mu);
  while (im->ready <= i && !im->done)
    pthread_cond_wait(&im->cv, &im->mu);
  size_t n = im->ready;
  pthread_mutex_unlock(&im->mu);
  return n;
}

/* A problem found against the stored state, with the row's value. */
static void write_problem(struct import *im, long line, int field, const char *reason) {
  char buf[1400];
  if (field >= 0 && field < im->kind->nfields) {
    with_value(buf, sizeof buf, reason, im->next.v[field], strlen(im->next.v[field]));
    zb_problems_add(&im->wprobs, line, im->col[field], buf);
  } else {
    zb_problems_add(&im->wprobs, line, NULL, reason);
  }
}

/* The key of a row that has none: the record the kind's unique index
 * gives for the row's value (the member with this ID number: the row
 * updates it), or a new key from the sink. */
static int import_keyless(struct import *im, zb_txn *t) {
  const zb_index_desc *ix = im->match;
  char key[ZB_FIELD_MAX + 1];
  int rc = zb_index_holder(t, im->kind, ix, im->next.v[ix->field], "", key);
  if (rc == ZB_ENOTFOUND)
    rc = im->sink->assign_key(im->sink->ctx, im->kind, key);
  if (rc)
    return rc;
  memcpy(im->next.v[0], key, strnlen(key, ZB_FIELD_MAX) + 1);
  return 0;
}

/* p->v[0..mid) and p->v[mid..n) are each in line order: merge them (the
 * two passes of import_write), keeping the order of equal lines. */
static void problems_merge(zb_problems *p, size_t mid) {
  if (mid == 0 || mid >= p->n)
    return;
  zb_problem *tmp = malloc(p->n * sizeof *tmp);
  if (!tmp)
    return;   /* left as they are: out of order, all there */
  size_t i = 0, j = mid, o = 0;
  while (i < mid || j < p->n)
    tmp[o++] = (j >= p->n || (i < mid && p->v[i].line <= p->v[j].line)) ? p->v[i++] : p->v[j++];
  memcpy(p->v, tmp, p->n * sizeof *tmp);
  free(tmp);
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
  size_t keyed_probs = 0;
  /* Rows with a key first, as the reading publishes them; then, if any,
   * those without (import_keyless): matched against the state the first
   * pass leaves.  (A row without a key was kept only if it may have none.) */
  for (int pass = 0; pass == 0 || (pass == 1 && im->nkeyless); pass++) {
    size_t avail = 0;
    for (size_t i = 0;; i++) {
      if (i >= avail && i >= (avail = import_ready(im, i)))
        break;
      if (pass == 1 && i == 0)
        keyed_probs = im->wprobs.n;
      long line = rows_get(&im->rows, i, &im->next, nf);
      /* The next row's unique values will be looked up in the entries this
       * transaction holds back: ask for them now. */
      if (i + 1 < avail) {
        const char *ahead[ZB_REC_FIELDS_MAX];
        row_fields(&im->rows, i + 1, nf, ahead);
        zb_index_prefetch(t, im->kind, ahead);
      }
      if ((im->next.v[0][0] == '\0') != (pass == 1))
        continue;
      if (pass == 1 && (rc = import_keyless(im, t)))
        return rc;
      const char *key = im->next.v[0];
      rc = zb_rec_load(t, im->kind, key, &im->cur);
      if (rc && rc != ZB_ENOTFOUND)
        return rc;
      bool existed = rc == 0;
      /* An import never writes what only acts write (a member's leaving):
       * left empty, such a field keeps its stored value; any other value
       * that differs is refused by the merge (docs/RECORDS.md, "Leaving"). */
      for (int f = 1; existed && f < nf; f++)
        if (!im->next.v[f][0] && zb_kind_act_of(im->kind, f))
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
        write_problem(im, line, r.field, r.reason);
        continue;
      }
      if (existed)
        im->res.updated++;
      else
        im->res.created++;
    }
    /* Every row is in (import_ready returned short only at the end). */
    if (pass == 0 && im->read_rc)
      return im->read_rc;
  }
  if (im->nkeyless)
    problems_merge(&im->wprobs, keyed_probs);
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

/* The same before the rows are known, from the file's size: 10 bytes of
 * map per byte of CSV (1.5 times as many for GB18030, which gets longer as
 * UTF-8; the 1M-member roster needs 4.4, docs/DESIGN-NOTES.md, "Imports");
 * a file of very short rows may need more, and then the write runs again
 * from the rows held, never from the file (zb_store_write). */
static size_t import_estimate_file(off_t size, bool gb18030) {
  size_t s = (size_t)size;
  if (gb18030)
    s += s / 2;
  return s * 10 + ((size_t)4 << 20);
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
    zb_reason_make(msg, sizeof msg, "why.more_problems" ZB_US "%ld", dropped);
    fn(ctx, file, 0, NULL, msg);
  }
}

/* The CSV columns are the kind's fields, by name, Chinese label or one of
 * the descriptor's other names (docs/RECORDS.md, "Importing"); a required
 * field's column must be in the header, but for the key of a kind whose
 * rows may leave it out; other columns are ignored. */
static struct zb_csv_spec import_spec(struct import *im) {
  const zb_kind_desc *kd = im->kind;
  struct zb_csv_spec spec = {
      .columns = im->columns,
      .ncolumns = (size_t)kd->nfields,
      .max_field = ZB_FIELD_MAX,
      .aliases = im->aliases,
      .ignore_unknown = true,
      .header = import_header,
      .encoding = import_encoding,
      .settled = import_settled,
  };
  for (int i = 0; i < kd->nfields; i++) {
    const zb_field_desc *fd = &kd->fields[i];
    im->columns[i] = fd->name;
    im->col[i] = fd->name;
    int n = 0;
    im->names[i][n++] = fd->zh;
    for (int h = 0; fd->headers && fd->headers[h] && h < ZB_HEADERS_MAX; h++)
      im->names[i][n++] = fd->headers[h];
    im->names[i][n] = NULL;
    im->aliases[i] = im->names[i];
    if (fd->flags & ZB_FF_REQUIRED)
      spec.required |= UINT64_C(1) << i;
    if (fd->type == ZB_FT_DATE)
      spec.dates |= UINT64_C(1) << i;
  }
  /* Rows without a key: matched by the first unique index. */
  for (int x = 0; x < kd->nindexes; x++) {
    if (!kd->indexes[x].unique)
      continue;
    if (!im->match && kd->auto_key && im->sink->assign_key)
      im->match = &kd->indexes[x];
    if (im->nuniq < ZB_IMPORT_UNIQUE_MAX)
      im->uniq[im->nuniq++].field = kd->indexes[x].field;
  }
  im->keys.field = 0;
  if (im->match)
    spec.required &= ~UINT64_C(1);
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
  zb_rec_init(&im->scan, kind);
  im->cur.kd = kind;
  im->spec = import_spec(im);
  /* The write asks malloc for a page at a time (LMDB's dirty pages) and
   * for a few kilobytes per row, given back at once.  With glibc's
   * defaults the heap then grows by 128 KiB at a time and shrinks again
   * whenever its top is free, each time a system call and fresh pages to
   * fault in: an import of a million rows made some 6,000 brk calls.
   * Grow by more, and keep what was freed for the rest of the process
   * (docs/DESIGN-NOTES.md, "Imports"). */
  mallopt(M_TOP_PAD, 16 << 20);
  mallopt(M_TRIM_THRESHOLD, 256 << 20);
  /* Read the whole file once (path may be "-": stdin), no transaction
   * open.  Problems are counted in im->probs, which also holds the rules'
   * ones.  A CSV file's rows are read in a thread of their own: once its
   * encoding is settled, the write starts and takes the rows as they come
   * (docs/DESIGN-NOTES.md, "Imports"). */
  struct stat st;
  bool sized = strcmp(path, "-") != 0 && stat(path, &st) == 0 && S_ISREG(st.st_mode);
  int rc = 0;
  bool early = false;
  double start = import_now(), cpu0 = import_clock(CLOCK_THREAD_CPUTIME_ID);
  if (sized && pthread_mutex_init(&im->mu, NULL) == 0) {
    if (pthread_cond_init(&im->cv, NULL) == 0) {
      im->threaded = true;
      if (pthread_create(&im->reader, NULL, import_reader, im) != 0) {
        im->threaded = false;
        pthread_cond_destroy(&im->cv);
      }
    }
    if (!im->threaded)
      pthread_mutex_destroy(&im->mu);
  }
  if (im->threaded) {
    pthread_mutex_lock(&im->mu);
    while (!im->settled && !im->done)
      pthread_cond_wait(&im->cv, &im->mu);
    early = !im->done;
    bool gb = im->res.gb18030;
    pthread_mutex_unlock(&im->mu);
    if (early) {
      rc = zb_store_reserve(s, import_estimate_file(st.st_size, gb));
      if (rc == 0)
        rc = zb_store_write(s, import_write, im);
    }
    pthread_join(im->reader, NULL);
    im->threaded = false;   /* every row is in */
    pthread_mutex_destroy(&im->mu);
    pthread_cond_destroy(&im->cv);
    if (!early)
      rc = im->read_rc;
  } else {
    rc = im->read_rc = import_read(im);
    im->read_end = import_now();
    im->read_cpu = import_clock(CLOCK_THREAD_CPUTIME_ID) - cpu0;
  }
  im->res.streamed = early;
  im->res.xlsx = im->info.xlsx;
  memcpy(im->res.sheet, im->info.sheet, sizeof im->res.sheet);
  if (!early) {
    if (rc == 0 && zb_problems_count(&im->probs) == 0)
      rc = zb_store_reserve(s, import_estimate(&im->rows));
    if (rc == 0) {
      /* A file with bad rows is still checked against the stored state, so
       * that every problem is reported at once; that transaction is always
       * thrown away.  (Written while the file was read, it is thrown
       * away by import_write's answer.) */
      if (zb_problems_count(&im->probs) > 0)
        rc = zb_store_write_discard(s, import_write, im);
      else
        rc = zb_store_write(s, import_write, im);
    }
  }
  zb_log_debug("import: %zu rows read and checked in %.2f s (%.2f s CPU), written %s "
               "in %.2f s in all (%.2f s CPU in the writing thread, its reading included if "
               "after)%s",
               im->rows.n, im->read_end - start, im->read_cpu, early ? "while reading" : "after",
               import_now() - start, import_clock(CLOCK_THREAD_CPUTIME_ID) - cpu0,
               sized ? "" : " (not a file: read first)");
  const char *name = strcmp(path, "-") == 0 ? "stdin" : path;
  if (im->ignored[0]) {
    char why[ZB_REASON_MAX + 1], words[ZB_WHY_TEXT_MAX];
    zb_reason_make(why, sizeof why, "why.columns_ignored" ZB_US ZB_RS "%s", kind->name);
    zb_log_warn("%s:%ld: %s%s", name, im->header_line, zb_why_text(why, words, sizeof words),
                im->ignored);
  }
  emit_merged(&im->probs, &im->wprobs, name, problem, pctx);
  if (rc == ZB_EINVAL && zb_problems_count(&im->probs) + zb_problems_count(&im->wprobs) == 0)
    problem(pctx, name, 0, NULL, "why.no_header");
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
