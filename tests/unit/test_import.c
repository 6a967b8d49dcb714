/* zb_import_csv: the file is read and checked first, outside any
 * transaction, then written in one transaction (docs/DESIGN-NOTES.md,
 * "Imports").  All or nothing with every bad row reported by line (rules,
 * duplicates, and the stored-state checks of zb_merge_apply), created /
 * updated / unchanged counts, stdin ("-") read once, and a big import on a
 * tiny map that grows the map before writing instead of rerunning. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "why_en.h"
#include "zb_err.h"
#include "zb_hlc.h"
#include "zb_import.h"
#include "zb_merge.h"
#include "zb_state.h"
#include "zb_store.h"

#define SCOPE "430121"
#define BRANCH "430121-01-01"

static char dir[64], csv[128];
static zb_store *store;

/* ---- a sink that applies each row as an op of node "t1", counting calls ---- */

struct test_sink {
  zb_txn *t;
  uint64_t hlc;
  int begins, sets, ends;
  int assigned;   /* keys handed out by ts_assign_key */
};

static int ts_begin(void *ctx, zb_txn *t) {
  struct test_sink *ts = ctx;
  ts->begins++;
  ts->t = t;
  return 0;
}

static int ts_set(void *ctx, const zb_kind_desc *kind, const char *key, const int *fields,
                  char *const *vals, size_t nf, zb_apply_result *r) {
  struct test_sink *ts = ctx;
  ts->sets++;
  zb_set_body body;
  Zb__Op op = ZB__OP__INIT;
  zb_op_set_body(&op, &body, kind, key, fields, vals, nf);
  ts->hlc = zb_hlc_next(ts->hlc, zb_hlc_wall_ms(), NULL);
  op.origin = "t1";
  op.seq = 1;
  op.hlc = ts->hlc;
  op.actor = "t";
  return zb_merge_apply(ts->t, &op, 0, SCOPE, 0, r);
}

/* Keys of rows without one: t1-1, t1-2, … */
static int ts_assign_key(void *ctx, const zb_kind_desc *kind, char key[ZB_FIELD_MAX + 1]) {
  struct test_sink *ts = ctx;
  (void)kind;
  snprintf(key, ZB_FIELD_MAX + 1, "t1-%d", ++ts->assigned);
  return 0;
}

static int ts_end(void *ctx) {
  struct test_sink *ts = ctx;
  ts->ends++;
  return 0;
}

/* ---- problems, collected ---- */

struct probs {
  int n;
  char file[64];        /* as the last problem named it */
  long line[64];
  char column[64][32];
  char reason[64][160];
};

static void collect(void *ctx, const char *file, long line, const char *column,
                    const char *reason) {
  struct probs *p = ctx;
  assert_non_null(file);
  snprintf(p->file, sizeof p->file, "%s", file);
  if (p->n < 64) {
    p->line[p->n] = line;
    snprintf(p->column[p->n], sizeof p->column[p->n], "%s", column ? column : "-");
    snprintf(p->reason[p->n], sizeof p->reason[p->n], "%s", reason);
  }
  p->n++;
}

static int import(const zb_kind_desc *kind, const char *path, struct test_sink *ts, struct probs *p,
                  zb_import_result *res) {
  zb_import_sink sink = {ts_begin, ts_set, ts_end, ts, kind == &zb_kind_org ? SCOPE : NULL, NULL};
  memset(ts, 0, sizeof *ts);
  memset(p, 0, sizeof *p);
  return zb_import_csv(store, kind, path, &sink, collect, p, res);
}

/* ---- valid rows ---- */

static const char *const MEMBER_HEADER =
    "id,name,gender,birth_date,id_number,category,join_date,full_date,org_code\n";

/* A valid id_number (GB 11643 check character) for a birth date and a
 * sequence number whose last digit is odd for a man. */
static void idnum(char out[32], int year, int month, int seq) {
  static const int w[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
  snprintf(out, 32, "430121%04d%02d01%03d", year, month, seq);
  int sum = 0;
  for (int i = 0; i < 17; i++)
    sum += (out[i] - '0') * w[i];
  out[17] = "10X98765432"[sum % 11];
  out[18] = '\0';
}

/* Member i: born 1950-1989 on the 1st of a month, a man, joined 2010, in
 * BRANCH (or org when not NULL); phone-less.  Distinct id and id_number per
 * i below 240000. */
static void member_row_keyed(FILE *f, int i, const char *name, const char *org, bool keyed) {
  char id[32], key[16] = "";
  int year = 1950 + (i / 500) % 40, month = 1 + (i / 20000) % 12, seq = (i % 500) * 2 + 1;
  idnum(id, year, month, seq);
  if (keyed)
    snprintf(key, sizeof key, "M%07d", i);
  fprintf(f, "%s,%s,男,%04d-%02d-01,%s,正式党员,2010-07-01,2011-07-01,%s\n", key,
          name ? name : "张三", year, month, id, org ? org : BRANCH);
}

static void member_row(FILE *f, int i, const char *name, const char *org) {
  member_row_keyed(f, i, name, org, true);
}

static void write_orgs(void) {
  FILE *f = fopen(csv, "w");
  assert_non_null(f);
  fputs("code,name,type,parent_code\n"
        "430121,县委,committee,\n"
        "430121-01,一镇党委,committee,430121\n"
        "430121-01-01,一村党支部,branch,430121-01\n"
        "430122,外县,committee,\n",
        f);
  fclose(f);
}

static int setup_sized(size_t map) {
  snprintf(dir, sizeof dir, "/tmp/zb-import-XXXXXX");
  if (!mkdtemp(dir))
    return -1;
  snprintf(csv, sizeof csv, "%s/in.csv", dir);
  if (zb_store_open_sized(dir, true, map, &store))
    return -1;
  write_orgs();
  struct test_sink ts;
  struct probs p;
  zb_import_result res;
  int rc = import(&zb_kind_org, csv, &ts, &p, &res);
  if (rc || res.created != 3 || res.skipped != 1)
    return -1;
  return 0;
}

static int setup(void **state) {
  (void)state;
  return setup_sized((size_t)256 << 20);
}

static int setup_tiny(void **state) {
  (void)state;
  return setup_sized((size_t)1 << 20);
}

static int teardown(void **state) {
  (void)state;
  zb_store_close(store);
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
  return system(cmd);
}

static size_t members(void) {
  zb_txn *t;
  assert_int_equal(zb_store_read(store, &t), 0);
  size_t n = zb_txn_count(t, ZB_DB_MEMBERS);
  zb_txn_end(t);
  return n;
}

static void write_members(int first, int n) {
  FILE *f = fopen(csv, "w");
  assert_non_null(f);
  fputs(MEMBER_HEADER, f);
  for (int i = first; i < first + n; i++)
    member_row(f, i, NULL, NULL);
  fclose(f);
}

/* ---- tests ---- */

/* Good rows mixed with bad ones of every kind: nothing stored, every bad
 * row reported with its line, in line order, including the ones only the
 * stored state can tell (an org that does not exist, one outside the
 * scope, an id_number already held by a stored member). */
static void test_all_or_nothing(void **state) {
  (void)state;
  struct test_sink ts;
  struct probs p;
  zb_import_result res;
  write_members(0, 1);   /* M0000000 is stored */
  assert_int_equal(import(&zb_kind_member, csv, &ts, &p, &res), 0);
  assert_int_equal(res.created, 1);
  assert_int_equal(members(), 1);

  FILE *f = fopen(csv, "w");
  assert_non_null(f);
  fputs(MEMBER_HEADER, f);                                               /* line 1 */
  member_row(f, 1, NULL, NULL);                                          /* 2: good */
  member_row(f, 2, NULL, "430121-09-09");                                /* 3: no such org */
  fputs("M0000003,李四,女,1980-01-01,430121198001010011,正式党员,"
        "2010-07-01,2011-07-01," BRANCH "\n", f);                        /* 4: gender vs id_number */
  member_row(f, 4, NULL, NULL);                                          /* 5: good */
  member_row(f, 4, "王五", NULL);                                        /* 6: repeated id */
  member_row(f, 5, NULL, "430122");                                      /* 7: outside scope */
  fputs("M0000006,赵六,男,1980-01-01\n", f);                             /* 8: too few fields */
  char id0[32];
  idnum(id0, 1950, 1, 1);                                                   /* member 0's id_number */
  fprintf(f, "M0000007,钱七,男,1950-01-01,%s,正式党员,2010-07-01,2011-07-01,%s\n", id0,
          BRANCH);                                                       /* 9: id_number held */
  member_row(f, 8, NULL, NULL);                                          /* 10: good */
  fclose(f);

  assert_int_equal(import(&zb_kind_member, csv, &ts, &p, &res), ZB_EINVAL);
  long want[] = {3, 4, 6, 7, 8, 9};
  assert_true(p.n >= 6);
  int k = 0;
  for (int i = 0; i < p.n; i++) {
    if (i > 0)
      assert_true(p.line[i] >= p.line[i - 1]);   /* line order */
    if (k < 6 && p.line[i] == want[k])
      k++;
    else
      assert_true(i > 0 && p.line[i] == p.line[i - 1]);   /* more about the same row */
  }
  assert_int_equal(k, 6);
  assert_int_equal(res.rows, 8);   /* line 8 never reached the rules */
  assert_int_equal(members(), 1);   /* not even the good rows */
  /* The stored-state checks ran (in a transaction that was thrown away). */
  assert_int_equal(ts.begins, 1);
  assert_int_equal(ts.ends, 0);
  for (int i = 0; i < p.n; i++)
    if (p.line[i] == 6)
      assert_string_equal(p.column[i], "id");

  /* Without the bad rows the same file goes in. */
  write_members(1, 3);
  assert_int_equal(import(&zb_kind_member, csv, &ts, &p, &res), 0);
  assert_int_equal(p.n, 0);
  assert_int_equal(res.created, 3);
  assert_int_equal(members(), 4);
}

/* A file whose rows are all well formed, but one of them conflicts with the
 * stored state: that alone aborts everything. */
static void test_stored_state_problem_alone(void **state) {
  (void)state;
  struct test_sink ts;
  struct probs p;
  zb_import_result res;
  FILE *f = fopen(csv, "w");
  assert_non_null(f);
  fputs(MEMBER_HEADER, f);
  for (int i = 0; i < 5; i++)
    member_row(f, i, NULL, i == 3 ? "430121-01-02" : NULL);
  fclose(f);
  assert_int_equal(import(&zb_kind_member, csv, &ts, &p, &res), ZB_EINVAL);
  assert_int_equal(p.n, 1);
  assert_int_equal(p.line[0], 5);
  assert_string_equal(p.column[0], "org_code");
  assert_int_equal(ts.begins, 1);
  assert_int_equal(ts.ends, 0);
  assert_int_equal(members(), 0);
}

static void test_counts(void **state) {
  (void)state;
  struct test_sink ts;
  struct probs p;
  zb_import_result res;
  write_members(0, 10);
  assert_int_equal(import(&zb_kind_member, csv, &ts, &p, &res), 0);
  assert_int_equal(res.rows, 10);
  assert_int_equal(res.created, 10);
  assert_int_equal(res.updated + res.unchanged, 0);
  assert_int_equal(ts.sets, 10);

  /* Rows 0-9 again, 2 and 5 renamed, plus row 10. */
  FILE *f = fopen(csv, "w");
  assert_non_null(f);
  fputs(MEMBER_HEADER, f);
  for (int i = 0; i <= 10; i++)
    member_row(f, i, i == 2 || i == 5 ? "周八" : NULL, NULL);
  fclose(f);
  assert_int_equal(import(&zb_kind_member, csv, &ts, &p, &res), 0);
  assert_int_equal(res.rows, 11);
  assert_int_equal(res.created, 1);
  assert_int_equal(res.updated, 2);
  assert_int_equal(res.unchanged, 8);
  assert_int_equal(ts.sets, 3);   /* unchanged rows make no op */
  assert_int_equal(members(), 11);
  zb_member m;
  zb_txn *t;
  assert_int_equal(zb_store_read(store, &t), 0);
  assert_int_equal(zb_member_load(t, "M0000005", &m), 0);
  zb_txn_end(t);
  assert_string_equal(m.v[ZB_MF_NAME], "周八");

  /* The same file once more: all unchanged. */
  assert_int_equal(import(&zb_kind_member, csv, &ts, &p, &res), 0);
  assert_int_equal(res.unchanged, 11);
  assert_int_equal(ts.sets, 0);
}

/* Member i (born 1950-01-01 for i < 500) with the id_number of sequence
 * number seq instead of its own (2i + 1). */
static void member_row_seq(FILE *f, int i, int seq) {
  char id[32];
  idnum(id, 1950, 1, seq);
  fprintf(f, "M%07d,张三,男,1950-01-01,%s,正式党员,2010-07-01,2011-07-01,%s\n", i, id, BRANCH);
}

static void write_seq_rows(const int *ids, const int *seqs, int n) {
  FILE *f = fopen(csv, "w");
  assert_non_null(f);
  fputs(MEMBER_HEADER, f);
  for (int k = 0; k < n; k++)
    member_row_seq(f, ids[k], seqs[k]);
  fclose(f);
}

static void assert_seq(const char *id, int seq) {
  char want[32];
  zb_member m;
  zb_txn *t;
  idnum(want, 1950, 1, seq);
  assert_int_equal(zb_store_read(store, &t), 0);
  assert_int_equal(zb_member_load(t, id, &m), 0);
  zb_txn_end(t);
  assert_string_equal(m.v[ZB_MF_ID_NUMBER], want);
}

/* The import holds the ID-number index's entries back and writes them in
 * order at the end, yet each row is checked against the index as the rows
 * before it left it, exactly as the server will check the ops in the same
 * order: a number freed by an earlier row may be taken, one freed only by
 * a later row may not, and one taken by an earlier row of the file is
 * held. */
static void test_unique_in_file_order(void **state) {
  (void)state;
  struct test_sink ts;
  struct probs p;
  zb_import_result res;
  write_members(0, 3);   /* M0-M2 hold sequence numbers 1, 3, 5 */
  assert_int_equal(import(&zb_kind_member, csv, &ts, &p, &res), 0);

  /* M1 moves to 7, then M0 takes M1's old 3: both fine. */
  write_seq_rows((int[]){1, 0}, (int[]){7, 3}, 2);
  assert_int_equal(import(&zb_kind_member, csv, &ts, &p, &res), 0);
  assert_int_equal(res.updated, 2);
  assert_seq("M0000000", 3);
  assert_seq("M0000001", 7);

  /* M2 takes M1's 7 before M1 moves on to 9: the second line is refused,
   * nothing is stored. */
  write_seq_rows((int[]){2, 1}, (int[]){7, 9}, 2);
  assert_int_equal(import(&zb_kind_member, csv, &ts, &p, &res), ZB_EINVAL);
  assert_int_equal(p.n, 1);
  assert_int_equal(p.line[0], 2);
  assert_string_equal(p.column[0], "id_number");
  assert_non_null(strstr(EN(p.reason[0]), "M0000001"));
  assert_seq("M0000002", 5);
  assert_seq("M0000001", 7);

  /* The same order the other way round is fine. */
  write_seq_rows((int[]){1, 2}, (int[]){9, 7}, 2);
  assert_int_equal(import(&zb_kind_member, csv, &ts, &p, &res), 0);
  assert_seq("M0000001", 9);
  assert_seq("M0000002", 7);

  /* Two new members with one number: the later line is refused, naming
   * the earlier line (found while reading the file); a number freed and
   * taken back in one file is free. */
  write_seq_rows((int[]){5, 6, 0, 1}, (int[]){11, 11, 13, 3}, 4);
  assert_int_equal(import(&zb_kind_member, csv, &ts, &p, &res), ZB_EINVAL);
  assert_int_equal(p.n, 1);
  assert_int_equal(p.line[0], 3);
  assert_non_null(strstr(EN(p.reason[0]), "line 2"));
  assert_int_equal(members(), 3);
  write_seq_rows((int[]){5, 0, 1}, (int[]){11, 13, 3}, 3);
  assert_int_equal(import(&zb_kind_member, csv, &ts, &p, &res), 0);
  assert_seq("M0000000", 13);
  assert_seq("M0000001", 3);
  assert_seq("M0000005", 11);

  /* After the import the index answers from the table alone. */
  zb_txn *t;
  char holder[ZB_FIELD_MAX + 1], want[32];
  idnum(want, 1950, 1, 3);
  assert_int_equal(zb_store_read(store, &t), 0);
  assert_int_equal(zb_index_holder(t, &zb_kind_member, &zb_kind_member.indexes[1], want, "M0000009",
                                   holder),
                   0);
  zb_txn_end(t);
  assert_string_equal(holder, "M0000001");
}

/* Makes stdin read what text holds (through a pipe), runs an import of
 * "-", and puts stdin back. */
static int import_stdin(const char *text, struct test_sink *ts, struct probs *p,
                        zb_import_result *res) {
  int fds[2];
  assert_int_equal(pipe(fds), 0);
  assert_true(strlen(text) < 60000);   /* fits in the pipe */
  assert_int_equal(write(fds[1], text, strlen(text)), (ssize_t)strlen(text));
  close(fds[1]);
  int saved = dup(0);
  assert_true(saved >= 0);
  assert_int_equal(dup2(fds[0], 0), 0);
  close(fds[0]);
  clearerr(stdin);
  int rc = import(&zb_kind_member, "-", ts, p, res);
  assert_int_equal(dup2(saved, 0), 0);
  close(saved);
  clearerr(stdin);
  return rc;
}

/* "-" reads stdin, once: a pipe cannot be read twice. */
static void test_stdin(void **state) {
  (void)state;
  write_members(0, 100);   /* ≈ 10 KB */
  char *text = malloc(65536);
  assert_non_null(text);
  FILE *f = fopen(csv, "r");
  assert_non_null(f);
  size_t n = fread(text, 1, 65535, f);
  fclose(f);
  text[n] = '\0';

  struct test_sink ts;
  struct probs p;
  zb_import_result res;
  assert_int_equal(import_stdin(text, &ts, &p, &res), 0);
  assert_int_equal(p.n, 0);
  assert_int_equal(res.created, 100);
  assert_false(res.streamed);   /* stdin: read first, then written */
  assert_int_equal(members(), 100);

  /* Problems name the file "stdin". */
  snprintf(text, 65536, "%sM0000100,李四,X,1980-01-01,430121198001010011,正式党员,"
           "2010-07-01,2011-07-01,%s\n", MEMBER_HEADER, BRANCH);
  assert_int_equal(import_stdin(text, &ts, &p, &res), ZB_EINVAL);
  assert_true(p.n >= 1);
  assert_int_equal(p.line[0], 2);
  assert_string_equal(p.file, "stdin");
  assert_int_equal(members(), 100);
  free(text);
}

/* 50,000 members (≈ 12 MB of map) into a store opened with a 1 MiB map:
 * the importer grows the map from what it parsed before it writes, so the
 * write transaction runs once (no MAP_FULL rerun). */
static void test_big_import_tiny_map(void **state) {
  (void)state;
  size_t map0 = zb_store_map_size(store);   /* a few MiB after the org import */
  unsigned long reruns0 = zb_store_map_reruns(store);
  write_members(0, 50000);
  struct test_sink ts;
  struct probs p;
  zb_import_result res;
  assert_int_equal(import(&zb_kind_member, csv, &ts, &p, &res), 0);
  assert_int_equal(p.n, 0);
  assert_int_equal(res.created, 50000);
  assert_int_equal(ts.begins, 1);
  assert_int_equal(ts.ends, 1);
  assert_int_equal(zb_store_map_reruns(store), reruns0);
  /* The rows took more than the map held before: it grew, beforehand. */
  assert_true(zb_store_used(store) > map0);
  assert_true(zb_store_map_size(store) >= zb_store_used(store));
  assert_int_equal(members(), 50000);
}

/* A file of 20,000 rows is written while it is still read (its thread,
 * docs/DESIGN-NOTES.md, "Imports"): the problems found reading it and
 * those found against the stored state still come all, in line order, and
 * nothing is stored; without them every row goes in, in one transaction. */
static void test_streamed(void **state) {
  (void)state;
  enum { N = 20000 };
  FILE *f = fopen(csv, "w");
  assert_non_null(f);
  fputs(MEMBER_HEADER, f);
  for (int i = 0; i < N; i++) {
    long line = i + 2;
    if (line == 5000)          /* read: no such month */
      fputs("M9999999,孙九,男,1980-13-01,430121198001010019,正式党员,2010-07-01,2011-07-01," BRANCH
            "\n", f);
    else if (line == 18000)    /* read: member 10's id again */
      member_row(f, 10, "王五", NULL);
    else                       /* write: no such org at lines 3000 and 15000 */
      member_row(f, i, NULL, line == 3000 || line == 15000 ? "430121-09-09" : NULL);
  }
  fclose(f);
  struct test_sink ts;
  struct probs p;
  zb_import_result res;
  assert_int_equal(import(&zb_kind_member, csv, &ts, &p, &res), ZB_EINVAL);
  assert_true(res.streamed);
  long want[] = {3000, 5000, 15000, 18000};
  int k = 0;
  for (int i = 0; i < p.n && i < 64; i++) {
    if (i > 0)
      assert_true(p.line[i] >= p.line[i - 1]);
    if (k < 4 && p.line[i] == want[k])
      k++;
    else
      assert_true(i > 0 && p.line[i] == p.line[i - 1]);
  }
  assert_int_equal(k, 4);
  assert_int_equal(ts.begins, 1);
  assert_int_equal(ts.ends, 0);
  assert_int_equal(members(), 0);

  write_members(0, N);
  assert_int_equal(import(&zb_kind_member, csv, &ts, &p, &res), 0);
  assert_int_equal(p.n, 0);
  assert_true(res.streamed);
  assert_int_equal(res.rows, N);
  assert_int_equal(res.created, N);
  assert_int_equal(ts.sets, N);
  assert_int_equal(ts.begins, 1);
  assert_int_equal(ts.ends, 1);
  assert_int_equal(members(), N);

  /* Rows without a key wait for the second pass, after the reading: the
   * first pass, left with one row in 100, catches up with the reading and
   * waits for rows; it must still see each of them. */
  f = fopen(csv, "w");
  assert_non_null(f);
  fputs(MEMBER_HEADER, f);
  for (int i = N; i < 2 * N; i++)
    member_row_keyed(f, i, NULL, NULL, i % 100 == 0);
  fclose(f);
  zb_import_sink sink = {ts_begin, ts_set, ts_end, &ts, NULL, ts_assign_key};
  memset(&ts, 0, sizeof ts);
  memset(&p, 0, sizeof p);
  assert_int_equal(zb_import_csv(store, &zb_kind_member, csv, &sink, collect, &p, &res), 0);
  assert_int_equal(p.n, 0);
  assert_true(res.streamed);
  assert_int_equal(res.created, N);
  assert_int_equal(ts.assigned, N - N / 100);
  assert_int_equal(members(), 2 * N);
  zb_txn *t;
  zb_rec r;
  assert_int_equal(zb_store_read(store, &t), 0);
  assert_int_equal(zb_rec_load(t, &zb_kind_member, "M0039900", &r), 0);   /* the last keyed */
  zb_txn_end(t);
}

/* The same rows with a bad one last: still checked and refused whole. */
static void test_big_import_bad_last_row(void **state) {
  (void)state;
  FILE *f = fopen(csv, "w");
  assert_non_null(f);
  fputs(MEMBER_HEADER, f);
  for (int i = 0; i < 5000; i++)
    member_row(f, i, NULL, NULL);
  fputs("M9999999,孙九,男,1980-13-01,430121198001010019,正式党员,2010-07-01,2011-07-01," BRANCH
        "\n", f);
  fclose(f);
  struct test_sink ts;
  struct probs p;
  zb_import_result res;
  assert_int_equal(import(&zb_kind_member, csv, &ts, &p, &res), ZB_EINVAL);
  assert_true(p.n >= 1);
  assert_int_equal(p.line[0], 5002);
  assert_int_equal(members(), 0);
}

/* Chinese headers in another order, an ignored column, written forms and
 * no id column: rows matched by ID number or given keys by the sink; a
 * repeated ID number names the earlier line. */
static void test_headers_and_rows_without_id(void **state) {
  (void)state;
  struct test_sink ts;
  struct probs p;
  zb_import_result res;
  zb_import_sink sink = {ts_begin, ts_set, ts_end, &ts, NULL, ts_assign_key};
  char a[32], b[32], c[32];
  idnum(a, 1970, 3, 11);
  idnum(b, 1980, 4, 21);
  idnum(c, 1970, 3, 13);
  a[17] = a[17] == 'X' ? 'x' : a[17];
  FILE *f = fopen(csv, "w");
  assert_non_null(f);
  fprintf(f, "序号, 身份证号 ,姓名,性别,出生年月,党员类别,入党时间,转正日期,所在支部\n"
             "1,%s,张三,男,1970/3/1,正式党员,2010年7月1日,20110701,%s\n"
             "2,%s,李四,男,1980.4.1,预备,2026-01-02 00:00:00,,%s\n"
             ",,,,,,,,\n",
          a, BRANCH, b, BRANCH);
  fclose(f);
  memset(&ts, 0, sizeof ts);
  memset(&p, 0, sizeof p);
  assert_int_equal(zb_import_csv(store, &zb_kind_member, csv, &sink, collect, &p, &res), 0);
  assert_int_equal(p.n, 0);
  assert_int_equal(res.rows, 2);
  assert_int_equal(res.created, 2);
  assert_int_equal(ts.assigned, 2);
  zb_txn *t;
  zb_member m;
  assert_int_equal(zb_store_read(store, &t), 0);
  assert_int_equal(zb_member_load(t, "t1-2", &m), 0);
  zb_txn_end(t);
  assert_string_equal(m.v[ZB_MF_NAME], "李四");
  assert_string_equal(m.v[ZB_MF_JOIN_DATE], "2026-01-02");
  assert_string_equal(m.v[ZB_MF_CATEGORY], "预备党员");

  /* Again: each row finds its member by ID number; no key is made. */
  memset(&ts, 0, sizeof ts);
  assert_int_equal(zb_import_csv(store, &zb_kind_member, csv, &sink, collect, &p, &res), 0);
  assert_int_equal(res.unchanged, 2);
  assert_int_equal(ts.assigned, 0);

  /* A row with an id and one without, with one ID number: refused on the
   * later line, naming the earlier. */
  f = fopen(csv, "w");
  assert_non_null(f);
  fprintf(f, "编号,身份证号,姓名,性别,出生年月,党员类别,入党时间,转正日期,所在支部\n"
             "M9,%s,张三,男,1970/3/1,正式党员,2010年7月1日,20110701,%s\n"
             ",%s,张三,男,1970/3/1,正式党员,2010年7月1日,20110701,%s\n",
          c, BRANCH, c, BRANCH);
  fclose(f);
  memset(&p, 0, sizeof p);
  assert_int_equal(zb_import_csv(store, &zb_kind_member, csv, &sink, collect, &p, &res), ZB_EINVAL);
  assert_int_equal(p.n, 1);
  assert_int_equal(p.line[0], 3);
  assert_string_equal(p.column[0], "身份证号 (id_number)");
  assert_non_null(strstr(EN(p.reason[0]), "is also on line 2 of this file"));
  assert_int_equal(members(), 2);

  /* Without assign_key (the server's sink) the id column is required. */
  zb_import_sink plain = {ts_begin, ts_set, ts_end, &ts, NULL, NULL};
  f = fopen(csv, "w");
  assert_non_null(f);
  fprintf(f, "身份证号,姓名,性别,出生年月,党员类别,入党时间,转正日期,所在支部\n"
             "%s,张三,男,1970/3/1,正式党员,2010年7月1日,20110701,%s\n",
          a, BRANCH);
  fclose(f);
  memset(&p, 0, sizeof p);
  assert_int_equal(zb_import_csv(store, &zb_kind_member, csv, &plain, collect, &p, &res), ZB_EINVAL);
  assert_int_equal(p.n, 1);
  assert_string_equal(p.column[0], "id");
  assert_non_null(strstr(EN(p.reason[0]), "编号, 党员编号"));
}

/* Header and file problems: nothing is written, the sink never begins. */
static void test_header_problems(void **state) {
  (void)state;
  struct test_sink ts;
  struct probs p;
  zb_import_result res;
  FILE *f = fopen(csv, "w");
  assert_non_null(f);
  fputs("id,name,colour\nM1,x,red\n", f);
  fclose(f);
  assert_int_equal(import(&zb_kind_member, csv, &ts, &p, &res), ZB_EINVAL);
  assert_true(p.n >= 1);
  assert_int_equal(ts.begins, 0);
  char missing[160];
  snprintf(missing, sizeof missing, "%s/nope.csv", dir);
  assert_int_equal(import(&zb_kind_member, missing, &ts, &p, &res), ZB_EIO);
  assert_int_equal(ts.begins, 0);
  assert_int_equal(members(), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_all_or_nothing, setup, teardown),
      cmocka_unit_test_setup_teardown(test_stored_state_problem_alone, setup, teardown),
      cmocka_unit_test_setup_teardown(test_counts, setup, teardown),
      cmocka_unit_test_setup_teardown(test_unique_in_file_order, setup, teardown),
      cmocka_unit_test_setup_teardown(test_stdin, setup, teardown),
      cmocka_unit_test_setup_teardown(test_big_import_tiny_map, setup_tiny, teardown),
      cmocka_unit_test_setup_teardown(test_big_import_bad_last_row, setup_tiny, teardown),
      cmocka_unit_test_setup_teardown(test_streamed, setup, teardown),
      cmocka_unit_test_setup_teardown(test_header_problems, setup, teardown),
      cmocka_unit_test_setup_teardown(test_headers_and_rows_without_id, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
