/*
 * fuzz_csv.c — libFuzzer target for zb_csv_read and zb_csv_write_row.
 *
 * The first input byte picks max_field (bits 0-1), header aliases (bit 2:
 * Chinese names, as a kind's descriptor gives them), ignore_unknown (bit
 * 3) and the encoding callback (bit 4: without it a file that would have
 * to be read again as GB18030 is refused); the rest is the file.  Besides
 * the sanitizers' checks, every row the reader accepts must survive a
 * round trip: written back with zb_csv_write_row and read again, it must
 * give the identical values, with no problem reported.  Built by CMake (libFuzzer
 * binary and ctest replay); see tests/fuzz/README.md.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "zb_csv.h"

#define NCOLS 3
#define MAXROWS 256

static const char *const cols[NCOLS] = {"id", "name", "note"};
/* 编号, 姓名 / 名字, 备注 */
static const char *const al_id[] = {"\xE7\xBC\x96\xE5\x8F\xB7", NULL};
static const char *const al_name[] = {"\xE5\xA7\x93\xE5\x90\x8D",
                                      "\xE5\x90\x8D\xE5\xAD\x97", NULL};
static const char *const al_note[] = {"\xE5\xA4\x87\xE6\xB3\xA8", NULL};
static const char *const *const aliases[NCOLS] = {al_id, al_name, al_note};

struct rows {
  size_t n;
  long last_line;
  char *v[MAXROWS][NCOLS];
  size_t len[MAXROWS][NCOLS];
  size_t checked; /* second pass: rows compared so far */
  int restarts;
};

static void free_rows(struct rows *r) {
  for (size_t i = 0; i < r->n; i++)
    for (size_t j = 0; j < NCOLS; j++)
      free(r->v[i][j]);
  r->n = 0;
  r->last_line = 0;
}

/* A restart voids every row so far: the file is read again. */
static void on_encoding(void *ctx, bool restart) {
  struct rows *r = ctx;
  if (restart) {
    if (++r->restarts > 1)
      abort(); /* the reader decides once */
    free_rows(r);
  }
}

static int on_header(void *ctx, long line, const char *const *names,
                     const char *const *ignored, size_t nignored) {
  (void)ctx;
  if (line < 1)
    abort();
  for (size_t j = 0; j < NCOLS; j++)
    if (names[j] != NULL && names[j][0] == '\0')
      abort();
  for (size_t i = 0; i < nignored; i++)
    if (ignored[i] == NULL || ignored[i][0] == '\0')
      abort();
  return 0;
}

static int on_row_collect(void *ctx, long line, const char *const *values,
                          const size_t *lens) {
  struct rows *r = ctx;
  if (line < 1 || line < r->last_line)
    abort(); /* rows come in file order, on real lines */
  r->last_line = line;
  if (r->n == MAXROWS)
    return 1; /* enough; also exercises stopping */
  for (size_t i = 0; i < NCOLS; i++) {
    if (strlen(values[i]) != lens[i])
      abort();
    r->v[r->n][i] = malloc(lens[i] + 1);
    if (r->v[r->n][i] == NULL)
      abort();
    memcpy(r->v[r->n][i], values[i], lens[i] + 1);
    r->len[r->n][i] = lens[i];
  }
  r->n++;
  return 0;
}

static int on_row_compare(void *ctx, long line, const char *const *values,
                          const size_t *lens) {
  struct rows *r = ctx;
  (void)line;
  if (r->checked >= r->n)
    abort();
  for (size_t i = 0; i < NCOLS; i++)
    if (lens[i] != r->len[r->checked][i] ||
        memcmp(values[i], r->v[r->checked][i], lens[i]) != 0)
      abort();
  r->checked++;
  return 0;
}

static void on_problem(void *ctx, long line, const char *column,
                       const char *reason) {
  (void)ctx;
  (void)column;
  if (line < 1 || reason == NULL || reason[0] == '\0')
    abort();
}

static char *tmp_file(void) {
  char *path = strdup("/tmp/zb_fuzz_csv_XXXXXX");
  if (path == NULL)
    abort();
  int fd = mkstemp(path);
  if (fd < 0)
    abort();
  close(fd);
  return path;
}

static char *in_path, *out_path;

static void remove_tmp(void) {
  unlink(in_path);
  unlink(out_path);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const size_t limits[4] = {0, 8, 64, 5000};
  if (in_path == NULL) {
    in_path = tmp_file();
    out_path = tmp_file();
    atexit(remove_tmp);
  }
  if (size == 0)
    return 0;
  struct zb_csv_spec spec = {
      .columns = cols,
      .ncolumns = NCOLS,
      .required = 0x1,
      .max_field = limits[data[0] & 3],
      .aliases = (data[0] & 4) ? aliases : NULL,
      .ignore_unknown = (data[0] & 8) != 0,
      .header = on_header,
      .encoding = (data[0] & 16) ? on_encoding : NULL,
  };

  FILE *f = fopen(in_path, "wb");
  if (f == NULL || fwrite(data + 1, 1, size - 1, f) != size - 1 ||
      fclose(f) != 0)
    abort();

  struct rows *r = calloc(1, sizeof *r);
  if (r == NULL)
    abort();
  long np = 0;
  zb_csv_read(in_path, &spec, on_row_collect, on_problem, r, &np);
  if (np < 0)
    abort();

  if (r->n > 0) {
    f = fopen(out_path, "wb");
    if (f == NULL || zb_csv_write_row(f, cols, NCOLS) != 0)
      abort();
    for (size_t i = 0; i < r->n; i++)
      if (zb_csv_write_row(f, (const char *const *)r->v[i], NCOLS) != 0)
        abort();
    if (fclose(f) != 0)
      abort();
    /* What was written back is UTF-8 with the spec's own column names. */
    int rc = zb_csv_read(out_path, &spec, on_row_compare, on_problem, r, &np);
    if (rc != 0 || np != 0 || r->checked != r->n)
      abort();
  }

  free_rows(r);
  free(r);
  return 0;
}
