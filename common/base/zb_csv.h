/*
 * zb_csv.h — RFC 4180 CSV in and out, on libcsv.
 *
 * Reading: a header row names the columns, in any order; a UTF-8 BOM and
 * CRLF line ends are accepted; quoted fields may hold commas, quotes ("")
 * and newlines.  Each data row is handed over mapped to the spec's column
 * order.  Problems are reported with the 1-based physical line on which the
 * row starts, so a caller can print "FILE:LINE: column: reason".
 *
 * Encoding: the file is UTF-8 if the whole of it is; otherwise it is read
 * as GB18030 (which contains GBK and GB2312: what Chinese Excel and WPS
 * save as "CSV (逗号分隔)") and converted to UTF-8 with iconv before it is
 * parsed.  A file that is neither is refused with one problem naming the
 * line of the first bytes that are neither.  Limits (max_field) apply to
 * the converted, UTF-8 text.
 */
#ifndef ZB_CSV_H
#define ZB_CSV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* The header as read, once it is usable: names[j] is the header text (its
 * blanks trimmed) that gave spec column j, or NULL when no header field
 * did; ignored[0..nignored) are the header fields that name no column (only
 * with ignore_unknown), each as written or "(column N)" when empty or not
 * text.  Valid during the call only.  Return 0 to go on, non-zero to stop
 * reading (that value is returned). */
typedef int (*zb_csv_header_fn)(void *ctx, long line, const char *const *names,
                                const char *const *ignored, size_t nignored);
/* The reader found that the file is not UTF-8 and reads it as GB18030 from
 * now on.  restart: every row and problem reported so far is void, and the
 * file is read again from its start (only when a few non-ASCII characters
 * that happen to be valid UTF-8 came before the first bytes that are not:
 * otherwise everything handed over was ASCII, the same in both). */
typedef void (*zb_csv_encoding_fn)(void *ctx, bool restart);
/* The rows handed so far can no longer be voided by a restart: the file
 * began with a UTF-8 BOM, has shown enough characters of UTF-8 (zb_csv.c),
 * or is read as GB18030.  Called at most once, between two rows, from
 * inside the read; never for a sheet. */
typedef void (*zb_csv_settled_fn)(void *ctx);

struct zb_csv_spec {
  const char *const *columns; /* known column names, in output order */
  size_t ncolumns;            /* at most 64 */
  uint64_t required;          /* bit i set: columns[i] must be in the header */
  size_t max_field;           /* longest field in bytes; longer is a problem */
  /* Other names a column may have in the header: NULL, or per column a
   * NULL-terminated list (or NULL).  Header fields are compared with every
   * name after trimming blanks (space, TAB, U+3000) and ignoring the case
   * of ASCII letters. */
  const char *const *const *aliases;
  /* true: a header field that names no column is ignored (and told to
   * header) instead of being a problem. */
  bool ignore_unknown;
  zb_csv_header_fn header;     /* may be NULL */
  zb_csv_encoding_fn encoding; /* may be NULL: then a file that would have
                                  to be read again is refused instead */
  zb_csv_settled_fn settled;   /* may be NULL */
  /* bit i set: columns[i] holds dates.  CSV text ignores it; a sheet
   * reader turns a number there (Excel's day count) into a date (zb_xlsx.h). */
  uint64_t dates;
};

/* A problem: column is NULL when it concerns the whole row or file.
 * reason is valid during the call only. */
typedef void (*zb_csv_problem_fn)(void *ctx, long line, const char *column,
                                  const char *reason);
/* A well-formed data row: values[i] is column i of the spec, NUL-terminated
 * ("" when the header has no such column); valid during the call only.
 * Return 0 to go on, non-zero to stop reading (that value is returned). */
typedef int (*zb_csv_row_fn)(void *ctx, long line, const char *const *values,
                             const size_t *lens);

/* Reads path ("-" = stdin).  Every structural problem (unknown, duplicate
 * or missing column; a row with the wrong number of fields; a control
 * character; a field over max_field bytes; an unterminated quote; text
 * that is neither UTF-8 nor GB18030) is reported through problem, and that
 * row is not passed to row.  Blank lines are skipped, and so are rows
 * whose fields are all empty or blank (",,,," that spreadsheets leave
 * below a table), or whose known columns are (a numbered row of a
 * template).  Returns 0 when the file was read to the end (problems may
 * have been reported: *nproblems says how many; may be NULL), ZB_EIO if it
 * cannot be read, ZB_EINVAL if the header is unusable (reported too), or
 * the non-zero value a callback returned. */
int zb_csv_read(const char *path, const struct zb_csv_spec *spec,
                zb_csv_row_fn row, zb_csv_problem_fn problem, void *ctx,
                long *nproblems);

/* The same for an input the caller opened and of which it read nhead
 * bytes already (head; the file's start, as when it looked at the magic
 * bytes of stdin): they are read first.  f is not closed. */
int zb_csv_read_stream(FILE *f, const void *head, size_t nhead,
                       const struct zb_csv_spec *spec, zb_csv_row_fn row,
                       zb_csv_problem_fn problem, void *ctx, long *nproblems);

/* ---- rows that are not CSV text: the rows of a sheet (zb_xlsx.c) ----
 *
 * The same reader without the CSV syntax: the header found and matched as
 * above (a row above it whose one cell names no column is a title and is
 * skipped), every check, the same callbacks.  A row is given whole, as
 * its cells from column A to the last one that holds a value; the cells
 * the header has beyond it are empty. */
typedef struct zb_csv_rows zb_csv_rows;

/* One cell: s[0..len) of its text, which is UTF-8; full is its whole
 * length (more than len when the sheet reader kept only the first len
 * bytes of a long cell; 0 for an empty cell).  problem: NULL, or why the
 * value cannot be used (reported on the cell's column, and its row is
 * not handed over). */
struct zb_csv_cell {
  const char *s;
  size_t len, full;
  const char *problem;
};

int zb_csv_rows_open(const struct zb_csv_spec *spec, zb_csv_row_fn row,
                     zb_csv_problem_fn problem, void *ctx, zb_csv_rows **out);
/* The row numbered line (ascending), cells[0..n) for columns A… .  0 to go
 * on, or the value that stops the read (ZB_EINVAL: the header is
 * unusable; a callback's). */
int zb_csv_rows_add(zb_csv_rows *r, long line, const struct zb_csv_cell *cells,
                    size_t n);
/* The spec column that sheet column i (0 = A) holds, or -1 (before the
 * header, or a column that names none). */
int zb_csv_rows_column(const zb_csv_rows *r, size_t i);
/* A problem of the whole row or sheet (line 0: of the file). */
void zb_csv_rows_problem(zb_csv_rows *r, long line, const char *reason);
/* The end of the sheet: returns as zb_csv_read does. */
int zb_csv_rows_end(zb_csv_rows *r, long *nproblems);
void zb_csv_rows_free(zb_csv_rows *r);

/* A sheet's column letters: 0 → "A", 26 → "AA". */
void zb_csv_column_letters(size_t i, char out[8]);

/* Writes one RFC 4180 row (fields quoted only when they must be, line end
 * "\n").  Returns 0 or ZB_EIO. */
int zb_csv_write_row(FILE *out, const char *const *fields, size_t n);

#endif
