/*
 * zb_xlsx.h — the first sheet of an Excel workbook (.xlsx, Office Open
 * XML), read as rows through the CSV reader's pipeline (zb_csv.h), and the
 * one function that reads a file of either form.
 *
 * The workbook is a zip archive (libzip) of XML parts (expat): the
 * package's relationships name the workbook, whose first <sheet> and
 * relationships name the worksheet and the shared strings.  Cells are
 * taken as Excel shows their value: a shared or inline string, a formula's
 * cached result, a number written as Excel writes it (13800138000, 3.5),
 * TRUE/FALSE; in a date column of the spec (spec->dates) a number is
 * Excel's day count (1900 or 1904 system) and becomes YYYY-MM-DD.  A
 * number of 16 or more digits (an ID number typed into a cell that is not
 * text: Excel kept 15 of them) and an Excel error value (#N/A) are
 * problems of their cell.  Problems name the sheet's row number as the
 * line.
 *
 * Everything is bounded: at most ZB_XLSX_MAX_XML bytes are unpacked from
 * the archive (a zip bomb stops there), 16M shared strings holding 256
 * MiB, Excel's own 1,048,576 rows and 16,384 columns (XFD), rows and cells
 * in ascending order, 64 levels of XML elements, no DOCTYPE (so no
 * entities), 4 KiB kept of one cell (its whole length still counted).
 */
#ifndef ZB_XLSX_H
#define ZB_XLSX_H

#include <stdbool.h>
#include <stddef.h>
#include "zb_csv.h"

/* XML unpacked from one workbook, all parts together. */
#define ZB_XLSX_MAX_XML ((size_t)1 << 30)
/* The limit in force (tests lower it). */
extern size_t zb_xlsx_max_xml;
/* A workbook read from stdin is held in memory: at most this big. */
#define ZB_XLSX_STDIN_MAX ((size_t)256 << 20)

/* What zb_sheet_read found. */
struct zb_sheet_info {
  bool xlsx;          /* an xlsx workbook (else CSV text) */
  char sheet[100];    /* the name of the sheet read (xlsx), UTF-8, cut */
};

/* Whether the first bytes of a file are those of a zip archive (an xlsx
 * workbook is one): "PK\3\4". */
bool zb_xlsx_magic(const void *head, size_t n);

/* Reads path ("-": stdin) as zb_csv_read does, whatever its form: an xlsx
 * workbook (told by its first bytes, whatever its name) is read by
 * zb_xlsx_read, anything else as CSV text.  An Excel 97-2003 workbook
 * (.xls, or one saved with a password) is one problem that says how to
 * save it.  info may be NULL. */
int zb_sheet_read(const char *path, const struct zb_csv_spec *spec, zb_csv_row_fn row,
                  zb_csv_problem_fn problem, void *ctx, long *nproblems,
                  struct zb_sheet_info *info);

/* The first sheet of the workbook at path, or of data[0..len) (path
 * NULL).  Returns as zb_csv_read does; a file that is no readable workbook
 * is a problem on line 0 and ZB_EINVAL. */
int zb_xlsx_read(const char *path, const void *data, size_t len, const struct zb_csv_spec *spec,
                 zb_csv_row_fn row, zb_csv_problem_fn problem, void *ctx, long *nproblems,
                 struct zb_sheet_info *info);

/* The same from parts given by name, without the archive (the fuzz
 * target's way in to the XML). */
struct zb_xlsx_part {
  const char *name;
  const void *data;
  size_t len;
};
int zb_xlsx_read_parts(const struct zb_xlsx_part *parts, size_t nparts,
                       const struct zb_csv_spec *spec, zb_csv_row_fn row,
                       zb_csv_problem_fn problem, void *ctx, long *nproblems,
                       struct zb_sheet_info *info);

#endif
