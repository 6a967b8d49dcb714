/*
 * zb_csv.h — RFC 4180 CSV in and out, on libcsv.
 *
 * Reading: a header row names the columns, in any order; a UTF-8 BOM and
 * CRLF line ends are accepted; quoted fields may hold commas, quotes ("")
 * and newlines.  Each data row is handed over mapped to the spec's column
 * order.  Problems are reported with the 1-based physical line on which the
 * row starts, so a caller can print "FILE:LINE: column: reason".
 */
#ifndef ZB_CSV_H
#define ZB_CSV_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct zb_csv_spec {
  const char *const *columns; /* known column names, in output order */
  size_t ncolumns;            /* at most 64 */
  uint64_t required;          /* bit i set: columns[i] must be in the header */
  size_t max_field;           /* longest field in bytes; longer is a problem */
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
 * or missing column; a row with the wrong number of fields; invalid UTF-8;
 * a field over max_field bytes; an unterminated quote) is reported through
 * problem, and that row is not passed to row.  Blank lines are skipped.
 * Returns 0 when the file was read to the end (problems may have been
 * reported: *nproblems says how many; may be NULL), ZB_EIO if it cannot be
 * read, ZB_EINVAL if the header is unusable (reported too), or the non-zero
 * value a row callback returned. */
int zb_csv_read(const char *path, const struct zb_csv_spec *spec,
                zb_csv_row_fn row, zb_csv_problem_fn problem, void *ctx,
                long *nproblems);

/* Writes one RFC 4180 row (fields quoted only when they must be, line end
 * "\n").  Returns 0 or ZB_EIO. */
int zb_csv_write_row(FILE *out, const char *const *fields, size_t n);

#endif
