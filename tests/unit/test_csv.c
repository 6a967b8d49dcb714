/*
 * test_csv.c — zb_csv_read / zb_csv_write_row.
 *
 * Every input is written to a temporary file by the test itself; expected
 * values and line numbers are written out by hand from the input text.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "why_en.h"
#include "zb_csv.h"
#include "zb_err.h"

#define MAXROWS 64
#define MAXPROBS 64
#define MAXCOLS 8

struct got_row {
  long line;
  char *v[MAXCOLS];
  size_t len[MAXCOLS];
};

struct got_problem {
  long line;
  char *column; /* NULL when none */
  char *reason;
};

struct collector {
  size_t ncols;
  size_t nrows;
  struct got_row rows[MAXROWS];
  size_t nprobs;
  struct got_problem probs[MAXPROBS];
  size_t stop_after; /* row callback returns 42 after this many rows */
  /* Many rows: only counted, column 1 compared with expect1. */
  bool count_only;
  const char *expect1;
  size_t counted;
  /* spec->encoding and spec->header */
  int switches, restarts;
  /* spec->settled: calls, and the rows and restarts seen at the first */
  int settles;
  size_t rows_at_settle;
  int restarts_at_settle;
  char *names[MAXCOLS];
  char *ignored[MAXCOLS];
  size_t nignored;
  long header_line;
};

static const char *const cols3[] = {"id", "name", "note"};

static struct zb_csv_spec spec3(size_t max_field) {
  struct zb_csv_spec s = {.columns = cols3, .ncolumns = 3,
                          .required = 0x3 /* id, name */,
                          .max_field = max_field};
  return s;
}

static char *dupmem(const char *s, size_t n) {
  char *d = malloc(n + 1);
  assert_non_null(d);
  memcpy(d, s, n);
  d[n] = '\0';
  return d;
}

static int on_row(void *ctx, long line, const char *const *values,
                  const size_t *lens) {
  struct collector *c = ctx;
  if (c->count_only) {
    assert_string_equal(values[1], c->expect1);
    c->counted++;
    return 0;
  }
  assert_true(c->nrows < MAXROWS);
  struct got_row *r = &c->rows[c->nrows++];
  r->line = line;
  for (size_t i = 0; i < c->ncols; i++) {
    /* Values are NUL-terminated and lens agree with them. */
    assert_int_equal(strlen(values[i]), lens[i]);
    r->v[i] = dupmem(values[i], lens[i]);
    r->len[i] = lens[i];
  }
  if (c->stop_after != 0 && c->nrows == c->stop_after)
    return 42;
  return 0;
}

static void on_problem(void *ctx, long line, const char *column,
                       const char *reason) {
  struct collector *c = ctx;
  assert_true(c->nprobs < MAXPROBS);
  struct got_problem *p = &c->probs[c->nprobs++];
  p->line = line;
  p->column = column ? strdup(column) : NULL;
  p->reason = strdup(reason);
  assert_non_null(p->reason);
}

static void collector_forget(struct collector *c) {
  for (size_t i = 0; i < c->nrows; i++)
    for (size_t j = 0; j < c->ncols; j++)
      free(c->rows[i].v[j]);
  for (size_t i = 0; i < c->nprobs; i++) {
    free(c->probs[i].column);
    free(c->probs[i].reason);
  }
  for (size_t j = 0; j < MAXCOLS; j++) {
    free(c->names[j]);
    free(c->ignored[j]);
    c->names[j] = c->ignored[j] = NULL;
  }
  c->nrows = c->nprobs = c->nignored = c->counted = 0;
}

static void collector_free(struct collector *c) {
  collector_forget(c);
  memset(c, 0, sizeof *c);
}

static void on_encoding(void *ctx, bool restart) {
  struct collector *c = ctx;
  c->switches++;
  if (restart) {
    c->restarts++;
    collector_forget(c);
  }
}

static void on_settled(void *ctx) {
  struct collector *c = ctx;
  if (c->settles++ == 0) {
    c->rows_at_settle = c->nrows + c->counted;
    c->restarts_at_settle = c->restarts;
  }
}

static int on_header(void *ctx, long line, const char *const *names,
                     const char *const *ignored, size_t nignored) {
  struct collector *c = ctx;
  c->header_line = line;
  for (size_t j = 0; j < c->ncols; j++)
    c->names[j] = names[j] ? strdup(names[j]) : NULL;
  assert_true(nignored <= MAXCOLS);
  for (size_t i = 0; i < nignored; i++)
    c->ignored[i] = strdup(ignored[i]);
  c->nignored = nignored;
  return 0;
}

static char *tmp_path(void) {
  const char *dir = getenv("TMPDIR");
  char *path = malloc(4096);
  assert_non_null(path);
  snprintf(path, 4096, "%s/zb_test_csv_XXXXXX", dir ? dir : "/tmp");
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  close(fd);
  return path;
}

static char *write_tmp(const char *data, size_t len) {
  char *path = tmp_path();
  FILE *f = fopen(path, "wb");
  assert_non_null(f);
  assert_int_equal(fwrite(data, 1, len, f), len);
  assert_int_equal(fclose(f), 0);
  return path;
}

/* Reads data (len bytes) with spec into c; returns zb_csv_read's result. */
static int run_len(const char *data, size_t len,
                   const struct zb_csv_spec *spec, struct collector *c,
                   long *nproblems) {
  char *path = write_tmp(data, len);
  c->ncols = spec->ncolumns;
  int rc = zb_csv_read(path, spec, on_row, on_problem, c, nproblems);
  unlink(path);
  free(path);
  return rc;
}

static int run(const char *data, const struct zb_csv_spec *spec,
               struct collector *c, long *nproblems) {
  return run_len(data, strlen(data), spec, c, nproblems);
}

static void assert_row(const struct collector *c, size_t i, long line,
                       const char *v0, const char *v1, const char *v2) {
  assert_true(i < c->nrows);
  assert_int_equal(c->rows[i].line, line);
  assert_string_equal(c->rows[i].v[0], v0);
  assert_string_equal(c->rows[i].v[1], v1);
  assert_string_equal(c->rows[i].v[2], v2);
}

static void assert_problem(const struct collector *c, size_t i, long line,
                           const char *column, const char *reason_part) {
  assert_true(i < c->nprobs);
  assert_int_equal(c->probs[i].line, line);
  if (column == NULL)
    assert_null(c->probs[i].column);
  else {
    assert_non_null(c->probs[i].column);
    assert_string_equal(c->probs[i].column, column);
  }
  if (strstr(EN(c->probs[i].reason), reason_part) == NULL)
    fail_msg("reason \"%s\" lacks \"%s\"", c->probs[i].reason, reason_part);
}

static void test_plain_and_quoted(void **state) {
  (void)state;
  struct collector c = {0};
  struct zb_csv_spec s = spec3(64);
  long np = -1;
  int rc = run("id,name,note\n"
               "1,Ann,plain\n"
               "2,\"Smith, John\",\"He said \"\"hi\"\"\"\n"
               "3,\"\",\"\"\"\"\n"
               "4, spaced ,\"a,\"\"b\"\",c\"\n",
               &s, &c, &np);
  assert_int_equal(rc, 0);
  assert_int_equal(np, 0);
  assert_int_equal(c.nrows, 4);
  assert_row(&c, 0, 2, "1", "Ann", "plain");
  assert_row(&c, 1, 3, "2", "Smith, John", "He said \"hi\"");
  assert_row(&c, 2, 4, "3", "", "\"");
  /* Spaces are part of a field (RFC 4180 §2.4): not trimmed. */
  assert_row(&c, 3, 5, "4", " spaced ", "a,\"b\",c");
  collector_free(&c);
}

static void test_embedded_newlines_line_numbers(void **state) {
  (void)state;
  struct collector c = {0};
  struct zb_csv_spec s = spec3(64);
  long np = -1;
  int rc = run("id,name,note\n"                  /* 1 */
               "1,a,\"x\ny\nz\"\n"               /* 2-4 */
               "2,b,c\n"                         /* 5 */
               "\n"                              /* 6 */
               "3,\"multi\r\nline\",\"p,\nq\"\n" /* 7-9 */
               "4,\"\n\",f\n",                   /* 10-11 */
               &s, &c, &np);
  assert_int_equal(rc, 0);
  assert_int_equal(np, 0);
  assert_int_equal(c.nrows, 4);
  assert_row(&c, 0, 2, "1", "a", "x\ny\nz");
  assert_row(&c, 1, 5, "2", "b", "c");
  assert_row(&c, 2, 7, "3", "multi\r\nline", "p,\nq");
  assert_row(&c, 3, 10, "4", "\n", "f");
  collector_free(&c);
}

static void test_bom_stripped(void **state) {
  (void)state;
  struct collector c = {0};
  struct zb_csv_spec s = spec3(64);
  long np = -1;
  int rc = run("\xEF\xBB\xBFid,name\n1,\xE5\xBC\xA0\xE4\xB8\x89\n", &s, &c,
               &np);
  assert_int_equal(rc, 0);
  assert_int_equal(np, 0);
  assert_int_equal(c.nrows, 1);
  assert_row(&c, 0, 2, "1", "张三", "");
  collector_free(&c);

  /* A BOM anywhere else is data: here it spoils the header's first name. */
  rc = run("\n\xEF\xBB\xBFid,name\n1,a\n", &s, &c, &np);
  assert_int_equal(rc, ZB_EINVAL);
  assert_int_equal(c.nrows, 0);
  assert_problem(&c, 0, 2, "\xEF\xBB\xBFid", "unknown column");
  collector_free(&c);
}

static void test_crlf(void **state) {
  (void)state;
  struct collector c = {0};
  struct zb_csv_spec s = spec3(64);
  long np = -1;
  int rc = run("id,name,note\r\n1,a,\"b\"\r\n\r\n2,c,\"d\r\ne\"\r\n3,f,g\r\n",
               &s, &c, &np);
  assert_int_equal(rc, 0);
  assert_int_equal(np, 0);
  assert_int_equal(c.nrows, 3);
  assert_row(&c, 0, 2, "1", "a", "b");
  assert_row(&c, 1, 4, "2", "c", "d\r\ne");
  assert_row(&c, 2, 6, "3", "f", "g");
  collector_free(&c);
}

/* Control characters are refused field by field; bytes that are not
 * UTF-8 make the file GB18030 or, when it is neither, one problem (see
 * test_gb18030 and the tests after it). */
static void test_control_characters(void **state) {
  (void)state;
  struct collector c = {0};
  struct zb_csv_spec s = spec3(64);
  long np = -1;
  int rc = run("id,name,note\n"
               "1,a\x01z,x\n"      /* control character */
               "3,\xE6\x9D\x8E,y\n" /* 李: fine */
               "4,ok,\x1B[0m\n",     /* ESC */
               &s, &c, &np);
  assert_int_equal(rc, 0);
  assert_int_equal(np, 2);
  assert_int_equal(c.nrows, 1);
  assert_row(&c, 0, 3, "3", "李", "y");
  assert_problem(&c, 0, 2, "name", "control character");
  assert_problem(&c, 1, 4, "note", "control character");
  collector_free(&c);
}

static void test_overlong_field(void **state) {
  (void)state;
  struct collector c = {0};
  struct zb_csv_spec s = spec3(8);
  long np = -1;
  int rc = run("id,name,note\n"
               "1,12345678,\"ab\"\"cdef\"\n" /* 8 and 7 bytes: fine */
               "2,123456789,x\n"             /* 9 bytes */
               "3,\"ab\"\"cdefgh\",x\n"      /* 9 bytes once unquoted */
               "4,y,z\n",
               &s, &c, &np);
  assert_int_equal(rc, 0);
  assert_int_equal(np, 2);
  assert_int_equal(c.nrows, 2);
  assert_row(&c, 0, 2, "1", "12345678", "ab\"cdef");
  assert_row(&c, 1, 5, "4", "y", "z");
  assert_problem(&c, 0, 3, "name", "9 bytes");
  assert_problem(&c, 0, 3, "name", "limit of 8");
  assert_problem(&c, 1, 4, "name", "9 bytes");
  collector_free(&c);
}

struct strbuf {
  char *s;
  size_t len, size;
};

static void sb_add(struct strbuf *b, const char *s, size_t n) {
  if (b->len + n + 1 > b->size) {
    size_t size = b->size ? b->size : 1024;
    while (size < b->len + n + 1)
      size *= 2;
    b->s = realloc(b->s, size);
    assert_non_null(b->s);
    b->size = size;
  }
  memcpy(b->s + b->len, s, n);
  b->len += n;
  b->s[b->len] = '\0';
}

static void sb_str(struct strbuf *b, const char *s) { sb_add(b, s, strlen(s)); }

static void sb_repeat(struct strbuf *b, const char *s, size_t times) {
  for (size_t i = 0; i < times; i++)
    sb_str(b, s);
}

/* Fields far longer than any buffer the reader keeps: each is reported with
 * its exact length, and reading goes on with correct line numbers. */
static void test_huge_fields(void **state) {
  (void)state;
  struct collector c = {0};
  struct zb_csv_spec s = spec3(100);
  struct strbuf b = {0};
  char want[64];
  long np = -1;

  sb_str(&b, "id,name,note\n");             /* line 1 */
  sb_str(&b, "1,");                         /* line 2 */
  sb_repeat(&b, "x", 1000000);              /* unquoted, 1000000 bytes */
  sb_str(&b, ",a\n");
  sb_str(&b, "2,a,\"");                     /* lines 3-1002 */
  sb_repeat(&b, "ab\"\"\n", 999);           /* "ab\"\n": 4 bytes each */
  sb_repeat(&b, "ab\"\"", 50000);           /* "ab\"": 3 bytes each */
  sb_str(&b, "\"\n");
  sb_str(&b, "3,b,c\n");                    /* line 1003 */
  sb_str(&b, "4,a,\"");                     /* line 1004 */
  sb_repeat(&b, "q", 300000);               /* 300000 bytes, no line end */
  sb_str(&b, "\"");

  int rc = run_len(b.s, b.len, &s, &c, &np);
  assert_int_equal(rc, 0);
  assert_int_equal(np, 3);
  assert_int_equal(c.nrows, 1);
  assert_row(&c, 0, 1003, "3", "b", "c");
  assert_problem(&c, 0, 2, "name", "1000000 bytes");
  snprintf(want, sizeof want, "%d bytes", 999 * 4 + 50000 * 3);
  assert_problem(&c, 1, 3, "note", want);
  assert_problem(&c, 2, 1004, "note", "300000 bytes");
  collector_free(&c);

  /* Strict checking goes on inside a long field: a stray quote after a
   * megabyte of an unquoted field still stops the read. */
  b.len = 0;
  sb_str(&b, "id,name\n1,");
  sb_repeat(&b, "y", 1000000);
  sb_str(&b, "\"z\n2,a\n");
  rc = run_len(b.s, b.len, &s, &c, &np);
  assert_int_equal(rc, 0);
  assert_int_equal(np, 1);
  assert_int_equal(c.nrows, 0);
  assert_problem(&c, 0, 2, NULL, "malformed quotes");
  collector_free(&c);

  /* And an unterminated quote after a long field is still seen at the end. */
  b.len = 0;
  sb_str(&b, "id,name\n1,\"");
  sb_repeat(&b, "w\n", 100000);
  rc = run_len(b.s, b.len, &s, &c, &np);
  assert_int_equal(rc, 0);
  assert_int_equal(np, 1);
  assert_problem(&c, 0, 2, NULL, "not closed");
  collector_free(&c);
  free(b.s);
}

static void test_missing_column(void **state) {
  (void)state;
  struct collector c = {0};
  struct zb_csv_spec s = spec3(64);
  long np = -1;
  int rc = run("id,note\n1,x\n", &s, &c, &np);
  assert_int_equal(rc, ZB_EINVAL);
  assert_int_equal(np, 1);
  assert_int_equal(c.nrows, 0);
  assert_problem(&c, 0, 1, "name", "missing");
  collector_free(&c);

  /* An optional column may be left out; its value is "". */
  rc = run("name,id\nAnn,1\n", &s, &c, &np);
  assert_int_equal(rc, 0);
  assert_int_equal(np, 0);
  assert_row(&c, 0, 2, "1", "Ann", "");
  collector_free(&c);
}

static void test_unknown_column(void **state) {
  (void)state;
  struct collector c = {0};
  struct zb_csv_spec s = spec3(64);
  long np = -1;
  int rc = run("id,name,age\n1,a,30\n", &s, &c, &np);
  assert_int_equal(rc, ZB_EINVAL);
  assert_int_equal(np, 1);
  assert_int_equal(c.nrows, 0);
  assert_problem(&c, 0, 1, "age", "unknown column");
  collector_free(&c);
}

static void test_duplicate_column(void **state) {
  (void)state;
  struct collector c = {0};
  struct zb_csv_spec s = spec3(64);
  long np = -1;
  int rc = run("id,name,id\n1,a,1\n", &s, &c, &np);
  assert_int_equal(rc, ZB_EINVAL);
  assert_int_equal(np, 1);
  assert_int_equal(c.nrows, 0);
  assert_problem(&c, 0, 1, "id", "duplicate column");
  collector_free(&c);
}

/* Every header problem is reported, not only the first. */
static void test_header_problems_all_reported(void **state) {
  (void)state;
  struct collector c = {0};
  struct zb_csv_spec s = spec3(64);
  long np = -1;
  int rc = run("\n\nage,note,note,\n1,2,3,4\n", &s, &c, &np);
  assert_int_equal(rc, ZB_EINVAL);
  assert_int_equal(np, 5);
  assert_int_equal(c.nrows, 0);
  assert_problem(&c, 0, 3, "age", "unknown column");
  assert_problem(&c, 1, 3, "note", "duplicate column");
  assert_problem(&c, 2, 3, NULL, "header field 4 is empty");
  assert_problem(&c, 3, 3, "id", "missing");
  assert_problem(&c, 4, 3, "name", "missing");
  collector_free(&c);
}

static void test_wrong_field_count(void **state) {
  (void)state;
  struct collector c = {0};
  struct zb_csv_spec s = spec3(64);
  long np = -1;
  int rc = run("id,name,note\n"
               "1,a\n"
               "2,b,c\n"
               "3,d,e,f\n"
               "4,\"x\ny\",z,\x01\n" /* count first, not the bad byte */
               "5,g,h\n",
               &s, &c, &np);
  assert_int_equal(rc, 0);
  assert_int_equal(np, 3);
  assert_int_equal(c.nrows, 2);
  assert_row(&c, 0, 3, "2", "b", "c");
  assert_row(&c, 1, 7, "5", "g", "h");
  assert_problem(&c, 0, 2, NULL, "has 2 fields, header has 3");
  assert_problem(&c, 1, 4, NULL, "has 4 fields, header has 3");
  assert_problem(&c, 2, 5, NULL, "has 4 fields, header has 3");
  collector_free(&c);
}

static void test_unterminated_quote(void **state) {
  (void)state;
  struct collector c = {0};
  struct zb_csv_spec s = spec3(64);
  long np = -1;
  int rc = run("id,name\n1,a\n2,\"abc\n3,d\n", &s, &c, &np);
  assert_int_equal(rc, 0);
  assert_int_equal(np, 1);
  assert_int_equal(c.nrows, 1);
  assert_row(&c, 0, 2, "1", "a", "");
  assert_problem(&c, 0, 3, NULL, "not closed");
  collector_free(&c);

  /* In the header, it makes the file unusable. */
  rc = run("id,\"name\n1,a\n", &s, &c, &np);
  assert_int_equal(rc, ZB_EINVAL);
  assert_int_equal(np, 1);
  assert_int_equal(c.nrows, 0);
  assert_problem(&c, 0, 1, NULL, "not closed");
  collector_free(&c);
}

static void test_malformed_quote_stops(void **state) {
  (void)state;
  struct collector c = {0};
  struct zb_csv_spec s = spec3(64);
  long np = -1;
  int rc = run("id,name\n1,a\n2,b\"c\n3,d\n", &s, &c, &np);
  assert_int_equal(rc, 0);
  assert_int_equal(np, 1);
  assert_int_equal(c.nrows, 1);
  assert_problem(&c, 0, 3, NULL, "malformed quotes");
  collector_free(&c);

  /* A quoted field that opens on line 3 and goes wrong on line 5. */
  rc = run("id,name\n1,a\n2,\"b\n3,c\n4,\"d\"x\n5,e\n", &s, &c, &np);
  assert_int_equal(rc, 0);
  assert_int_equal(np, 1);
  assert_int_equal(c.nrows, 1);
  assert_problem(&c, 0, 3, NULL, "found on line 5");
  collector_free(&c);

  /* Text after a closing quote, and a space before an opening one. */
  rc = run("id,name\n1,\"a\" \n", &s, &c, &np);
  assert_int_equal(np, 1);
  assert_problem(&c, 0, 2, NULL, "malformed quotes");
  collector_free(&c);
  rc = run("id,name\n1, \"a\"\n", &s, &c, &np);
  assert_int_equal(np, 1);
  assert_problem(&c, 0, 2, NULL, "malformed quotes");
  collector_free(&c);
}

static void test_blank_lines(void **state) {
  (void)state;
  struct collector c = {0};
  struct zb_csv_spec s = spec3(64);
  long np = -1;
  int rc = run("\n\r\nid,name\n\n1,a\r\n\r\n\n2,b\n\n\n", &s, &c, &np);
  assert_int_equal(rc, 0);
  assert_int_equal(np, 0);
  assert_int_equal(c.nrows, 2);
  assert_row(&c, 0, 5, "1", "a", "");
  assert_row(&c, 1, 8, "2", "b", "");
  collector_free(&c);
}

static void test_no_final_newline(void **state) {
  (void)state;
  struct collector c = {0};
  struct zb_csv_spec s = spec3(64);
  long np = -1;
  int rc = run("id,name,note\n1,a,b\n2,c,d", &s, &c, &np);
  assert_int_equal(rc, 0);
  assert_int_equal(np, 0);
  assert_int_equal(c.nrows, 2);
  assert_row(&c, 1, 3, "2", "c", "d");
  collector_free(&c);

  rc = run("id,name,note\n1,a,\"b\nc\"", &s, &c, &np);
  assert_int_equal(rc, 0);
  assert_int_equal(c.nrows, 1);
  assert_row(&c, 0, 2, "1", "a", "b\nc");
  collector_free(&c);

  rc = run("id,name,note\n1,a,", &s, &c, &np);
  assert_int_equal(rc, 0);
  assert_int_equal(c.nrows, 1);
  assert_row(&c, 0, 2, "1", "a", "");
  collector_free(&c);
}

/* libcsv ends a record at a bare CR too; a record that starts after one
 * starts on the line that holds the CR. */
static void test_bare_cr_line(void **state) {
  (void)state;
  struct collector c = {0};
  struct zb_csv_spec s = spec3(64);
  long np = -1;
  int rc = run("id,name\n1,\"a\nb\"\r2,c\n3,d\n", &s, &c, &np);
  assert_int_equal(rc, 0);
  assert_int_equal(np, 0);
  assert_int_equal(c.nrows, 3);
  assert_row(&c, 0, 2, "1", "a\nb", "");
  assert_row(&c, 1, 3, "2", "c", "");
  assert_row(&c, 2, 4, "3", "d", "");
  collector_free(&c);
}

static void test_column_order(void **state) {
  (void)state;
  struct collector c = {0};
  struct zb_csv_spec s = spec3(64);
  long np = -1;
  int rc = run("note,id,name\nn1,1,a\nn2,2,b\n", &s, &c, &np);
  assert_int_equal(rc, 0);
  assert_int_equal(np, 0);
  assert_int_equal(c.nrows, 2);
  assert_row(&c, 0, 2, "1", "a", "n1");
  assert_row(&c, 1, 3, "2", "b", "n2");
  collector_free(&c);
}

static void test_row_callback_stops(void **state) {
  (void)state;
  struct collector c = {0};
  struct zb_csv_spec s = spec3(64);
  long np = -1;
  c.stop_after = 2;
  int rc = run("id,name\n1,a\n2,b\n3,c\n4,\"d\"x\n", &s, &c, &np);
  assert_int_equal(rc, 42);
  assert_int_equal(c.nrows, 2);
  assert_int_equal(np, 0); /* the bad row 4 was never reached */
  collector_free(&c);

  /* Regression: a malformed quote later on the same physical line (after a
   * bare CR) must not override the callback's stop. */
  c.stop_after = 1;
  rc = run("id,name\n1,a\r2,b\"c\n", &s, &c, &np);
  assert_int_equal(rc, 42);
  assert_int_equal(c.nrows, 1);
  assert_int_equal(np, 0);
  collector_free(&c);
}

static void test_nonexistent_file(void **state) {
  (void)state;
  struct collector c = {0};
  struct zb_csv_spec s = spec3(64);
  long np = -1;
  c.ncols = 3;
  int rc = zb_csv_read("/nonexistent/zb_test_csv.csv", &s, on_row, on_problem,
                       &c, &np);
  assert_int_equal(rc, ZB_EIO);
  assert_int_equal(c.nrows, 0);
  assert_int_equal(c.nprobs, 0);
  collector_free(&c);
}

static void test_empty_file(void **state) {
  (void)state;
  struct collector c = {0};
  struct zb_csv_spec s = spec3(64);
  long np = -1;
  int rc = run("\xEF\xBB\xBF\n\n", &s, &c, &np);
  assert_int_equal(rc, ZB_EINVAL);
  assert_int_equal(np, 1);
  assert_problem(&c, 0, 1, NULL, "no header");
  collector_free(&c);
}

static void test_stdin(void **state) {
  (void)state;
  struct collector c = {0};
  struct zb_csv_spec s = spec3(64);
  long np = -1;
  const char *data = "id,name\n7,q\n";
  char *path = write_tmp(data, strlen(data));
  assert_non_null(freopen(path, "rb", stdin));
  c.ncols = 3;
  int rc = zb_csv_read("-", &s, on_row, on_problem, &c, &np);
  assert_int_equal(rc, 0);
  assert_int_equal(c.nrows, 1);
  assert_row(&c, 0, 2, "7", "q", "");
  unlink(path);
  free(path);
  collector_free(&c);
}

static char *write_rows_to_string(const char *const rows[][3], size_t n,
                                  size_t *len) {
  char *s = NULL;
  FILE *f = open_memstream(&s, len);
  assert_non_null(f);
  for (size_t i = 0; i < n; i++)
    assert_int_equal(zb_csv_write_row(f, rows[i], 3), 0);
  assert_int_equal(fclose(f), 0);
  return s;
}

static void test_write_quoting(void **state) {
  (void)state;
  const char *const rows[][3] = {
      {"a", "b,c", "d\"e"},
      {"", "x\ny", "p\rq"},
      {" lead", "trail\t", "mid dle"},
  };
  size_t len;
  char *s = write_rows_to_string(rows, 3, &len);
  assert_string_equal(s, "a,\"b,c\",\"d\"\"e\"\n"
                         ",\"x\ny\",\"p\rq\"\n"
                         "\" lead\",\"trail\t\",mid dle\n");
  free(s);

  /* A row of one empty field must not become a blank line. */
  const char *one[] = {""};
  FILE *f = open_memstream(&s, &len);
  assert_non_null(f);
  assert_int_equal(zb_csv_write_row(f, one, 1), 0);
  assert_int_equal(fclose(f), 0);
  assert_string_equal(s, "\"\"\n");
  free(s);
}

static void test_round_trip(void **state) {
  (void)state;
  const char *const rows[][3] = {
      {"id", "name", "note"},
      {"1", "Smith, John", "say \"hi\""},
      {"2", "", ""},
      {"3", "line1\r\nline2", "a\nb\n"},
      {"4", "\"", "\"\""},
      {"5", "中共长沙县委员会", "党员,\"优秀\"\n第二行"},
      {"6", " both ", ","},
      {"7", "\n", "\r\n"},
      {"8", "tab\there", "x"},
  };
  const size_t n = sizeof rows / sizeof rows[0];
  size_t len;
  char *text = write_rows_to_string(rows, n, &len);

  struct collector c = {0};
  struct zb_csv_spec s = spec3(64);
  long np = -1;
  int rc = run_len(text, len, &s, &c, &np);
  assert_int_equal(rc, 0);
  assert_int_equal(np, 0);
  assert_int_equal(c.nrows, n - 1);
  long line = 2;
  for (size_t i = 1; i < n; i++) {
    assert_row(&c, i - 1, line, rows[i][0], rows[i][1], rows[i][2]);
    /* The next record starts after this one's embedded LFs. */
    for (size_t j = 0; j < 3; j++)
      for (const char *p = rows[i][j]; *p; p++)
        line += *p == '\n';
    line++;
  }
  collector_free(&c);
  free(text);

  /* A one-column file whose only value is empty. */
  static const char *const one_col[] = {"id"};
  struct zb_csv_spec s1 = {.columns = one_col, .ncolumns = 1, .required = 1,
                           .max_field = 16};
  const char *vals[] = {""};
  char *t = NULL;
  FILE *f = open_memstream(&t, &len);
  assert_non_null(f);
  assert_int_equal(zb_csv_write_row(f, one_col, 1), 0);
  assert_int_equal(zb_csv_write_row(f, vals, 1), 0);
  assert_int_equal(fclose(f), 0);
  /* The reader skips a row whose fields are all empty, like a blank line
   * (the writer's "" keeps it a row for other readers). */
  rc = run_len(t, len, &s1, &c, &np);
  assert_int_equal(rc, 0);
  assert_int_equal(np, 0);
  assert_int_equal(c.nrows, 0);
  collector_free(&c);
  free(t);
}

/* ---- encodings ---- */

/* The spec of the encoding tests: every callback set. */
static struct zb_csv_spec spec_enc(void) {
  struct zb_csv_spec s = spec3(64);
  s.encoding = on_encoding;
  s.header = on_header;
  return s;
}

/* A roster saved as GBK by Chinese Excel: read as GB18030, handed over as
 * UTF-8. */
static void test_gb18030(void **state) {
  (void)state;
  struct collector c = {0};
  struct zb_csv_spec s = spec_enc();
  long np = -1;
  /* id,name,note / 1,张三,男 / 2,李四,"　" (U+3000 is A1 A1) */
  int rc = run("id,name,note\r\n1,\xD5\xC5\xC8\xFD,\xC4\xD0\r\n"
               "2,\xC0\xEE\xCB\xC4,\"\xA1\xA1\"\r\n",
               &s, &c, &np);
  assert_int_equal(rc, 0);
  assert_int_equal(np, 0);
  assert_int_equal(c.switches, 1);
  assert_int_equal(c.restarts, 0);
  assert_int_equal(c.nrows, 2);
  assert_row(&c, 0, 2, "1", "\xE5\xBC\xA0\xE4\xB8\x89", "\xE7\x94\xB7");
  assert_row(&c, 1, 3, "2", "\xE6\x9D\x8E\xE5\x9B\x9B", "\xE3\x80\x80");
  collector_free(&c);

  /* Chinese header names in GBK, with GB18030's own BOM (84 31 95 33):
   * 编号,姓名 with aliases. */
  static const char *const id_al[] = {"\xE7\xBC\x96\xE5\x8F\xB7", NULL};
  static const char *const name_al[] = {"\xE5\xA7\x93\xE5\x90\x8D", NULL};
  static const char *const *const al[] = {id_al, name_al, NULL};
  s.aliases = al;
  rc = run("\x84\x31\x95\x33\xB1\xE0\xBA\xC5,\xD0\xD5\xC3\xFB\n7,\xD5\xC5\xC8\xFD\n",
           &s, &c, &np);
  assert_int_equal(rc, 0);
  assert_int_equal(np, 0);
  assert_int_equal(c.nrows, 1);
  assert_row(&c, 0, 2, "7", "\xE5\xBC\xA0\xE4\xB8\x89", "");
  assert_string_equal(c.names[0], "\xE7\xBC\x96\xE5\x8F\xB7");
  collector_free(&c);
}

/* Bytes that are neither UTF-8 nor GB18030: one problem, naming the line,
 * whatever else the file holds; no row. */
static void test_neither_encoding(void **state) {
  (void)state;
  struct collector c = {0};
  struct zb_csv_spec s = spec_enc();
  long np = -1;
  /* 0xFF is never GB18030; 0x80 alone neither. */
  int rc = run("id,name,note\n1,a,b\n2,\xD5\xC5\xFF\x80,c\n3,\"x,y\n", &s, &c, &np);
  /* Nothing of the chunk was parsed, not even the header. */
  assert_int_equal(rc, ZB_EINVAL);
  assert_int_equal(np, 1);
  assert_int_equal(c.nrows, 0);
  assert_problem(&c, 0, 3, NULL, "neither UTF-8 nor GB18030");
  assert_problem(&c, 0, 3, NULL, "CSV UTF-8");
  collector_free(&c);

  /* Random bytes from the first byte on: the header is never read. */
  char junk[3000];
  unsigned x = 12345;
  for (size_t i = 0; i < sizeof junk; i++) {
    x = x * 1103515245u + 12345u;
    junk[i] = (char)(0x80 | (x >> 16));
  }
  rc = run_len(junk, sizeof junk, &s, &c, &np);
  assert_int_equal(rc, ZB_EINVAL);
  assert_int_equal(np, 1);
  assert_problem(&c, 0, 1, NULL, "neither UTF-8 nor GB18030");
  collector_free(&c);

  /* UTF-16, as Excel saves "Unicode 文本": named as such. */
  rc = run_len("\xFF\xFEi\0d\0,\0n\0a\0m\0e\0\n\0", 18, &s, &c, &np);
  assert_int_equal(np, 1);
  assert_problem(&c, 0, 1, NULL, "UTF-16");
  collector_free(&c);

  /* A GBK file cut in the middle of a character. */
  rc = run("id,name\n1,\xD5\xC5\xC8", &s, &c, &np);
  assert_int_equal(np, 1);
  assert_problem(&c, 0, 2, NULL, "middle of a character");
  collector_free(&c);
}

/* A UTF-8 file with bytes that are not UTF-8: once the file has shown
 * enough UTF-8 (16 characters), or says so with a BOM, it is not read as
 * GB18030, which would turn every character into another; each field with
 * such bytes is a problem, and the rest of the file is read. */
static void test_utf8_with_bad_bytes(void **state) {
  (void)state;
  struct collector c = {0};
  struct zb_csv_spec s = spec_enc();
  long np = -1;
  int rc = run("id,name,note\n"
               "1,\xE4\xB8\xAD\xE5\x85\xB1\xE9\x95\xBF\xE6\xB2\x99\xE5\x8E\xBF"
               "\xE5\xA7\x94\xE5\x91\x98\xE4\xBC\x9A\xE4\xB8\xAD\xE5\x85\xB1"
               "\xE9\x95\xBF\xE6\xB2\x99\xE5\x8E\xBF\xE5\xA7\x94\xE5\x91\x98"
               "\xE4\xBC\x9A,x\n" /* 中共长沙县委员会 twice: 16 */
               "2,ok,y\n"
               "3,\xD5\xC5,z\n"
               "4,a,\xFF\n"
               "5,\xE6\x9D\x8E,\x01\n",
               &s, &c, &np);
  assert_int_equal(rc, 0);
  assert_int_equal(np, 3);
  assert_int_equal(c.switches, 0);
  assert_int_equal(c.nrows, 2);
  assert_row(&c, 1, 3, "2", "ok", "y");
  assert_problem(&c, 0, 4, "name", "not UTF-8, in a file that is UTF-8 elsewhere");
  assert_problem(&c, 1, 5, "note", "not UTF-8");
  assert_problem(&c, 2, 6, "note", "control character");
  collector_free(&c);

  rc = run("\xEF\xBB\xBFid,name\n1,\xC4\xD0\n2,b\n", &s, &c, &np);
  assert_int_equal(rc, 0);
  assert_int_equal(np, 1);
  assert_int_equal(c.switches, 0);
  assert_int_equal(c.nrows, 1);
  assert_problem(&c, 0, 2, "name", "not UTF-8");
  collector_free(&c);
}

/* Files longer than a chunk (64 KiB): a character cut by a chunk's end is
 * whole in the value, in UTF-8 and in GB18030.  The rows are placed so
 * that 张 straddles the end of the first chunk. */
static void test_long_files(void **state) {
  (void)state;
  struct collector c = {0};
  struct zb_csv_spec s = spec_enc();
  struct strbuf b = {0};
  long np = -1;
  /* UTF-8: "1,张三,xy\n" is 12 bytes; row 5460's 张 is at 65535. */
  sb_str(&b, "id,name,note\n");
  sb_repeat(&b, "1,\xE5\xBC\xA0\xE4\xB8\x89,xy\n", 20000);
  c.count_only = true;
  c.expect1 = "\xE5\xBC\xA0\xE4\xB8\x89";
  int rc = run_len(b.s, b.len, &s, &c, &np);
  assert_int_equal(rc, 0);
  assert_int_equal(np, 0);
  assert_int_equal(c.switches, 0);
  assert_int_equal(c.counted, 20000);
  collector_free(&c);

  /* GBK: "1,张三,xy\n" is 10 bytes; row 6552's 张 is at 65535. */
  b.len = 0;
  sb_str(&b, "id,name,note\n");
  sb_repeat(&b, "1,\xD5\xC5\xC8\xFD,xy\n", 20000);
  c.count_only = true;
  c.expect1 = "\xE5\xBC\xA0\xE4\xB8\x89";
  rc = run_len(b.s, b.len, &s, &c, &np);
  assert_int_equal(rc, 0);
  assert_int_equal(np, 0);
  assert_int_equal(c.switches, 1);
  assert_int_equal(c.restarts, 0);
  assert_int_equal(c.counted, 20000);
  collector_free(&c);
  free(b.s);
}

/* header, 1,一,x (GBK D2 BB: valid UTF-8), 70000 bytes of ASCII, then
 * 3,张三,z (GBK, not UTF-8). */
static char *restart_file(size_t *len) {
  struct strbuf b = {0};
  sb_str(&b, "id,name,note\n1,\xD2\xBB,x\n2,b,\"");
  sb_repeat(&b, "0123456789", 7000);
  sb_str(&b, "\"\n3,\xD5\xC5\xC8\xFD,z\n");
  *len = b.len;
  return b.s;
}

static void check_restarted(const struct collector *c, long np) {
  assert_int_equal(np, 0);
  assert_int_equal(c->switches, 1);
  assert_int_equal(c->restarts, 1);
  assert_int_equal(c->nrows, 3);
  assert_row(c, 0, 2, "1", "\xE4\xB8\x80", "x");
  assert_int_equal(c->rows[1].len[2], 70000);
  assert_row(c, 2, 4, "3", "\xE5\xBC\xA0\xE4\xB8\x89", "z");
}

/* A GBK file whose first non-ASCII characters happen to be valid UTF-8
 * (一 is D2 BB in GBK, U+04BB in UTF-8), a chunk ahead of the first that
 * is not: the reader starts again from the start of the file, and the
 * caller forgets what it was handed.  From a file (rewound) and from a
 * FIFO on stdin (read again from the copy kept of it). */
static void test_gb18030_restart(void **state) {
  (void)state;
  struct collector c = {0};
  struct zb_csv_spec s = spec_enc();
  s.max_field = 100000;
  long np = -1;
  size_t len;
  char *data = restart_file(&len);
  int rc = run_len(data, len, &s, &c, &np);
  assert_int_equal(rc, 0);
  check_restarted(&c, np);
  collector_free(&c);

  /* Without spec->encoding the reader cannot start again: one problem. */
  s.encoding = NULL;
  rc = run_len(data, len, &s, &c, &np);
  assert_int_equal(np, 1);
  assert_problem(&c, 0, 4, NULL, "not UTF-8, after lines that are");
  collector_free(&c);
  s.encoding = on_encoding;

  char *fifo = tmp_path();
  unlink(fifo);
  assert_int_equal(mkfifo(fifo, 0600), 0);
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    FILE *w = fopen(fifo, "wb");
    size_t n = w ? fwrite(data, 1, len, w) : 0;
    _exit(w && n == len && fclose(w) == 0 ? 0 : 1);
  }
  assert_non_null(freopen(fifo, "rb", stdin));
  c.ncols = 3;
  rc = zb_csv_read("-", &s, on_row, on_problem, &c, &np);
  int st;
  assert_int_equal(waitpid(pid, &st, 0), pid);
  assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
  assert_int_equal(rc, 0);
  check_restarted(&c, np);
  collector_free(&c);
  unlink(fifo);
  free(fifo);
  free(data);
}

/* spec->settled comes once, when the rows handed over can no longer be
 * voided: never before a restart, at once in a file that says it is
 * UTF-8 (BOM), after enough UTF-8 characters otherwise, once the reader
 * reads GB18030, and never in a file of ASCII alone (it may still turn out
 * to be GB18030 at its end). */
static void test_settled(void **state) {
  (void)state;
  struct collector c = {0};
  struct zb_csv_spec s = spec_enc();
  s.settled = on_settled;
  s.max_field = 100000;
  long np = -1;
  size_t len;
  char *data = restart_file(&len);
  assert_int_equal(run_len(data, len, &s, &c, &np), 0);
  check_restarted(&c, np);
  assert_int_equal(c.settles, 1);
  assert_int_equal(c.restarts_at_settle, 1);
  collector_free(&c);
  free(data);

  /* ASCII alone: never. */
  struct strbuf b = {0};
  sb_str(&b, "id,name,note\n");
  sb_repeat(&b, "1,ab,xy\n", 20000);
  c.count_only = true;
  c.expect1 = "ab";
  assert_int_equal(run_len(b.s, b.len, &s, &c, &np), 0);
  assert_int_equal(c.counted, 20000);
  assert_int_equal(c.settles, 0);
  collector_free(&c);
  free(b.s);

  /* UTF-8: after the first 64 KiB chunk, that holds 16 characters and
   * more; rows of later chunks come after it. */
  b = (struct strbuf){0};
  sb_str(&b, "id,name,note\n");
  sb_repeat(&b, "1,\xE5\xBC\xA0\xE4\xB8\x89,xy\n", 20000);
  c.count_only = true;
  c.expect1 = "\xE5\xBC\xA0\xE4\xB8\x89";
  assert_int_equal(run_len(b.s, b.len, &s, &c, &np), 0);
  assert_int_equal(c.counted, 20000);
  assert_int_equal(c.settles, 1);
  assert_true(c.rows_at_settle > 0 && c.rows_at_settle < 20000);
  collector_free(&c);

  /* The same with a BOM but one character: at once. */
  free(b.s);
  b = (struct strbuf){0};
  sb_str(&b, "\xEF\xBB\xBFid,name,note\n1,\xE5\xBC\xA0,x\n2,b,y\n");
  assert_int_equal(run_len(b.s, b.len, &s, &c, &np), 0);
  assert_int_equal(c.nrows, 2);
  assert_int_equal(c.settles, 1);
  collector_free(&c);

  /* GBK: once read as GB18030. */
  free(b.s);
  b = (struct strbuf){0};
  sb_str(&b, "id,name,note\n");
  sb_repeat(&b, "1,\xD5\xC5\xC8\xFD,xy\n", 20000);
  c.count_only = true;
  c.expect1 = "\xE5\xBC\xA0\xE4\xB8\x89";
  assert_int_equal(run_len(b.s, b.len, &s, &c, &np), 0);
  assert_int_equal(c.counted, 20000);
  assert_int_equal(c.switches, 1);
  assert_int_equal(c.settles, 1);
  collector_free(&c);
  free(b.s);
}

/* ---- header names ---- */

static void test_header_aliases(void **state) {
  (void)state;
  struct collector c = {0};
  struct zb_csv_spec s = spec_enc();
  long np = -1;
  static const char *const id_al[] = {"\xE7\xBC\x96\xE5\x8F\xB7" /* 编号 */, NULL};
  static const char *const name_al[] = {"\xE5\xA7\x93\xE5\x90\x8D" /* 姓名 */, "Full Name", NULL};
  static const char *const *const al[] = {id_al, name_al, NULL};
  s.aliases = al;
  /* Blanks around the names (U+3000 too), ASCII case ignored. */
  int rc = run("\xE3\x80\x80\xE7\xBC\x96\xE5\x8F\xB7 , full NAME\t,NOTE\n1,a,b\n",
               &s, &c, &np);
  assert_int_equal(rc, 0);
  assert_int_equal(np, 0);
  assert_row(&c, 0, 2, "1", "a", "b");
  assert_string_equal(c.names[0], "\xE7\xBC\x96\xE5\x8F\xB7");
  assert_string_equal(c.names[1], "full NAME");
  assert_string_equal(c.names[2], "NOTE");
  collector_free(&c);

  /* Two names of one column: a problem naming both header fields. */
  rc = run("name,id,\xE7\xBC\x96\xE5\x8F\xB7\n1,2,3\n", &s, &c, &np);
  assert_int_equal(rc, ZB_EINVAL);
  assert_int_equal(np, 1);
  assert_problem(&c, 0, 1, "id", "duplicate column");
  assert_problem(&c, 0, 1, "id", "2 (\"id\")");
  assert_problem(&c, 0, 1, "id", "3 (\"\xE7\xBC\x96\xE5\x8F\xB7\")");
  collector_free(&c);

  /* A missing column is named with every name it may have. */
  rc = run("\xE7\xBC\x96\xE5\x8F\xB7,note\n1,2\n", &s, &c, &np);
  assert_int_equal(rc, ZB_EINVAL);
  assert_problem(&c, 0, 1, "name", "required column is missing");
  assert_problem(&c, 0, 1, "name", "name, \xE5\xA7\x93\xE5\x90\x8D, Full Name");
  collector_free(&c);
}

/* ignore_unknown: other columns are ignored and told to the header
 * callback, whatever their values; without it they are problems. */
static void test_ignore_unknown(void **state) {
  (void)state;
  struct collector c = {0};
  struct zb_csv_spec s = spec_enc();
  s.ignore_unknown = true;
  long np = -1;
  int rc = run("\n"
               ",,,,\n" /* blanks above the header */
               "seq,name,,id,remark\n"
               "1,a,,x1,\x01\n"  /* not looked at: no control-character problem */
               "2,b,q,x2,\n"
               "3,,,,\n"         /* a numbered row of a template: skipped */
               ",,,,\n",
               &s, &c, &np);
  assert_int_equal(rc, 0);
  assert_int_equal(np, 0);
  assert_int_equal(c.header_line, 3);
  assert_int_equal(c.nrows, 2);
  assert_row(&c, 0, 4, "x1", "a", "");
  assert_row(&c, 1, 5, "x2", "b", "");
  assert_int_equal(c.nignored, 3);
  assert_string_equal(c.ignored[0], "seq");
  assert_string_equal(c.ignored[1], "(column 3)");
  assert_string_equal(c.ignored[2], "remark");
  assert_null(c.names[2]);
  collector_free(&c);
}

/* Rows of nothing but empty or blank fields (",,,," that spreadsheets
 * leave below a table) are skipped like blank lines; with a surplus field
 * holding something, the row is the wrong length. */
static void test_blank_rows(void **state) {
  (void)state;
  struct collector c = {0};
  struct zb_csv_spec s = spec3(64);
  long np = -1;
  int rc = run("id,name,note\n"
               "1,a,b\n"
               ",,\n"
               " ,\xE3\x80\x80,\t\n"
               "\"\",,\n"
               ",,,,,\n"    /* the wrong length, but empty */
               ",,,,x\n"    /* the wrong length, not empty */
               "2,c,d\n"
               ",,\n",
               &s, &c, &np);
  assert_int_equal(rc, 0);
  assert_int_equal(np, 1);
  assert_int_equal(c.nrows, 2);
  assert_row(&c, 0, 2, "1", "a", "b");
  assert_row(&c, 1, 8, "2", "c", "d");
  assert_problem(&c, 0, 7, NULL, "has 5 fields, header has 3");
  collector_free(&c);
}

/* A title above the header (one field holds text, which names no column:
 * a 花名册 saved as CSV) is skipped; a row with one field alone is a
 * header of one column, and a title that names a column is a header. */
static void test_title_row(void **state) {
  (void)state;
  struct collector c = {0};
  struct zb_csv_spec s = spec3(64);
  long np = -1;
  int rc = run("某支部 党员花名册（2026年11月28日）,,\n"
               ",,\n"
               "id,name,note\n"
               "1,a,b\n",
               &s, &c, &np);
  assert_int_equal(rc, 0);
  assert_int_equal(np, 0);
  assert_int_equal(c.nrows, 1);
  assert_row(&c, 0, 4, "1", "a", "b");
  collector_free(&c);
  memset(&c, 0, sizeof c);
  rc = run("花名册\nid,name,note\n1,a,b\n", &s, &c, &np);
  assert_int_equal(rc, ZB_EINVAL);
  assert_problem(&c, 0, 1, "花名册", "unknown column");
  collector_free(&c);
  memset(&c, 0, sizeof c);
  rc = run(",name,\nid,name,note\n", &s, &c, &np);
  assert_int_equal(rc, ZB_EINVAL);
  assert_true(c.nprobs >= 1);
  collector_free(&c);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_title_row),
      cmocka_unit_test(test_plain_and_quoted),
      cmocka_unit_test(test_embedded_newlines_line_numbers),
      cmocka_unit_test(test_bom_stripped),
      cmocka_unit_test(test_crlf),
      cmocka_unit_test(test_control_characters),
      cmocka_unit_test(test_overlong_field),
      cmocka_unit_test(test_huge_fields),
      cmocka_unit_test(test_missing_column),
      cmocka_unit_test(test_unknown_column),
      cmocka_unit_test(test_duplicate_column),
      cmocka_unit_test(test_header_problems_all_reported),
      cmocka_unit_test(test_wrong_field_count),
      cmocka_unit_test(test_unterminated_quote),
      cmocka_unit_test(test_malformed_quote_stops),
      cmocka_unit_test(test_blank_lines),
      cmocka_unit_test(test_no_final_newline),
      cmocka_unit_test(test_bare_cr_line),
      cmocka_unit_test(test_column_order),
      cmocka_unit_test(test_row_callback_stops),
      cmocka_unit_test(test_nonexistent_file),
      cmocka_unit_test(test_empty_file),
      cmocka_unit_test(test_stdin),
      cmocka_unit_test(test_write_quoting),
      cmocka_unit_test(test_round_trip),
      cmocka_unit_test(test_gb18030),
      cmocka_unit_test(test_neither_encoding),
      cmocka_unit_test(test_utf8_with_bad_bytes),
      cmocka_unit_test(test_long_files),
      cmocka_unit_test(test_gb18030_restart),
      cmocka_unit_test(test_settled),
      cmocka_unit_test(test_header_aliases),
      cmocka_unit_test(test_ignore_unknown),
      cmocka_unit_test(test_blank_rows),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
