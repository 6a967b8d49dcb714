/*
 * zb_table.c — tables aligned by terminal display width.
 *
 * Cells are kept as one flat array of owned strings, row-major, with the
 * header as row 0, so that printing can measure every column before writing
 * the first line.
 */
#include "zb_table.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "zb_err.h"
#include "zb_utf8.h"

/* A report table has a few dozen rows; a million is far beyond any real
 * use and keeps the growing cell array bounded (STYLE.md: every buffer that
 * grows has a cap). */
#define ZB_TABLE_MAX_ROWS 1000000u

struct zb_table {
  size_t ncols;
  size_t nrows; /* including the header row */
  size_t cap;   /* rows allocated */
  char **cells; /* cap * ncols, row-major; row 0 is the header */
};

static char *dup_cell(const char *s) {
  if (s == NULL)
    s = "";
  size_t n = strlen(s);
  char *d = malloc(n + 1);
  if (d != NULL)
    memcpy(d, s, n + 1);
  return d;
}

/* Appends a row of copies; on failure the table is unchanged. */
static int append_row(zb_table *t, const char *const *cells) {
  int rc = 0;
  if (t->nrows == t->cap) {
    if (t->cap >= ZB_TABLE_MAX_ROWS)
      return ZB_ENOMEM;
    size_t ncap = t->cap ? t->cap * 2 : 8;
    if (ncap > ZB_TABLE_MAX_ROWS)
      ncap = ZB_TABLE_MAX_ROWS;
    if (ncap > SIZE_MAX / sizeof(char *) / t->ncols)
      return ZB_ENOMEM;
    char **nc = realloc(t->cells, ncap * t->ncols * sizeof(char *));
    if (nc == NULL)
      return ZB_ENOMEM;
    t->cells = nc;
    t->cap = ncap;
  }
  char **row = t->cells + t->nrows * t->ncols;
  size_t done = 0;
  for (; done < t->ncols; done++) {
    row[done] = dup_cell(cells ? cells[done] : NULL);
    if (row[done] == NULL) {
      rc = ZB_ENOMEM;
      goto out;
    }
  }
  t->nrows++;
out:
  if (rc != 0)
    while (done > 0)
      free(row[--done]);
  return rc;
}

zb_table *zb_table_new(size_t ncols, const char *const *header) {
  if (ncols == 0)
    return NULL;
  zb_table *t = calloc(1, sizeof(*t));
  if (t == NULL)
    return NULL;
  t->ncols = ncols;
  if (append_row(t, header) != 0) {
    zb_table_free(t);
    return NULL;
  }
  return t;
}

int zb_table_add(zb_table *t, const char *const *cells) {
  return append_row(t, cells);
}

/* Display width of a cell.  zb_utf8_width() is defined for valid UTF-8
 * only; a cell that is not (or holds control characters) is measured in
 * bytes, which is wrong on screen but never reads out of bounds. */
static size_t cell_width(const char *s) {
  size_t n = strlen(s);
  return zb_utf8_valid(s, n) ? zb_utf8_width(s, n) : n;
}

/* A "number" is what a count or an amount looks like: an optional sign,
 * digits, an optional fraction, an optional trailing '%'.  Empty is not a
 * number, so a column with a blank cell stays left-aligned. */
static bool is_number(const char *s) {
  if (*s == '-' || *s == '+')
    s++;
  if (*s < '0' || *s > '9')
    return false;
  while (*s >= '0' && *s <= '9')
    s++;
  if (*s == '.') {
    s++;
    if (*s < '0' || *s > '9')
      return false;
    while (*s >= '0' && *s <= '9')
      s++;
  }
  if (*s == '%')
    s++;
  return *s == '\0';
}

static void pad(FILE *out, size_t n) {
  while (n-- > 0)
    fputc(' ', out);
}

/* Writes one line.  Trailing spaces are not written after a left-aligned
 * last column, so lines do not end in blanks. */
static void print_line(const zb_table *t, char *const *row, const size_t *width,
                       const bool *right, FILE *out) {
  for (size_t c = 0; c < t->ncols; c++) {
    size_t w = cell_width(row[c]);
    size_t fill = width[c] > w ? width[c] - w : 0;
    if (c > 0)
      fputs("  ", out);
    if (right[c])
      pad(out, fill);
    fputs(row[c], out);
    if (!right[c] && c + 1 < t->ncols)
      pad(out, fill);
  }
  fputc('\n', out);
}

void zb_table_print(const zb_table *t, FILE *out) {
  size_t *width = calloc(t->ncols, sizeof(*width));
  bool *right = calloc(t->ncols, sizeof(*right));
  if (width == NULL || right == NULL)
    goto out;
  for (size_t c = 0; c < t->ncols; c++) {
    /* Right-align only when there is at least one data row and every data
     * cell is a number; the header is text and follows its column. */
    right[c] = t->nrows > 1;
    for (size_t r = 0; r < t->nrows; r++) {
      const char *cell = t->cells[r * t->ncols + c];
      size_t w = cell_width(cell);
      if (w > width[c])
        width[c] = w;
      if (r > 0 && !is_number(cell))
        right[c] = false;
    }
  }
  print_line(t, t->cells, width, right, out);
  for (size_t c = 0; c < t->ncols; c++) {
    if (c > 0)
      fputs("  ", out);
    for (size_t i = 0; i < width[c]; i++)
      fputc('-', out);
  }
  fputc('\n', out);
  for (size_t r = 1; r < t->nrows; r++)
    print_line(t, t->cells + r * t->ncols, width, right, out);
out:
  free(right);
  free(width);
}

void zb_table_free(zb_table *t) {
  if (t == NULL)
    return;
  for (size_t i = 0; i < t->nrows * t->ncols; i++)
    free(t->cells[i]);
  free(t->cells);
  free(t);
}
