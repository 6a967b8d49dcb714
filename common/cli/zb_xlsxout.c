/*
 * zb_xlsxout.c — one-sheet workbooks on libxlsxwriter (zb_xlsxout.h).
 */
#include "zb_xlsxout.h"
#include "zb_outfile.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <xlsxwriter.h>

#include "zb_date.h"
#include "zb_err.h"
#include "zb_utf8.h"

/* Columns at most (a kind's fields, a report's three). */
#define ZB_XLSXOUT_MAX_COLS 64

struct zb_xlsxout {
  lxw_workbook *wb;
  lxw_worksheet *ws;
  lxw_format *text, *date, *head, *title;
  size_t ncols;
  enum zb_xcol kinds[ZB_XLSXOUT_MAX_COLS];
  double width[ZB_XLSXOUT_MAX_COLS];   /* widest cell, in Excel's units */
  lxw_row_t row;
  bool failed;
};

/* Display width of s (汉字 count two), as Excel's column width. */
static void fit(zb_xlsxout *x, size_t j, const char *s) {
  double w = (double)zb_utf8_width(s, strlen(s)) + 2;
  if (w > 60)
    w = 60;
  if (w > x->width[j])
    x->width[j] = w;
}

int zb_xlsxout_open(const char *path, const char *sheet, const char *title, size_t ncols,
                    const char *const *header, const enum zb_xcol *kinds, zb_xlsxout **out) {
  *out = NULL;
  if (ncols == 0 || ncols > ZB_XLSXOUT_MAX_COLS)
    return ZB_EINVAL;
  /* libxlsxwriter says why only at the end, in its own words. */
  int rc = zb_outfile_check("--xlsx", path);
  if (rc)
    return rc;
  zb_xlsxout *x = calloc(1, sizeof *x);
  if (!x)
    return ZB_ENOMEM;
  x->wb = workbook_new(path);
  x->ws = x->wb ? workbook_add_worksheet(x->wb, sheet) : NULL;
  if (!x->ws) {
    if (x->wb)
      workbook_close(x->wb);
    free(x);
    return ZB_EIO;
  }
  x->ncols = ncols;
  x->text = workbook_add_format(x->wb);
  format_set_num_format(x->text, "@");
  x->date = workbook_add_format(x->wb);
  format_set_num_format(x->date, "yyyy-mm-dd");
  x->head = workbook_add_format(x->wb);
  format_set_bold(x->head);
  format_set_border(x->head, LXW_BORDER_THIN);
  format_set_align(x->head, LXW_ALIGN_CENTER);
  x->title = workbook_add_format(x->wb);
  format_set_bold(x->title);
  format_set_font_size(x->title, 14);
  format_set_align(x->title, LXW_ALIGN_CENTER);
  if (ncols > 1)
    worksheet_merge_range(x->ws, 0, 0, 0, (lxw_col_t)(ncols - 1), title, x->title);
  else
    worksheet_write_string(x->ws, 0, 0, title, x->title);
  worksheet_set_row(x->ws, 0, 24, NULL);
  for (size_t j = 0; j < ncols; j++) {
    x->kinds[j] = kinds ? kinds[j] : ZB_XCOL_TEXT;
    worksheet_write_string(x->ws, 1, (lxw_col_t)j, header[j], x->head);
    fit(x, j, header[j]);
  }
  /* The title and header stay in view while scrolling. */
  worksheet_freeze_panes(x->ws, 2, 0);
  x->row = 2;
  *out = x;
  return 0;
}

int zb_xlsxout_row(zb_xlsxout *x, const char *const *cells) {
  if (x->row >= LXW_ROW_MAX)
    return ZB_ETOOBIG;
  for (size_t j = 0; j < x->ncols; j++) {
    const char *s = cells[j] ? cells[j] : "";
    lxw_col_t c = (lxw_col_t)j;
    lxw_error e = LXW_NO_ERROR;
    zb_date d;
    if (!*s)
      continue;
    fit(x, j, s);
    if (x->kinds[j] == ZB_XCOL_DATE && zb_date_parse(s, strlen(s), &d) == 0) {
      lxw_datetime dt = {d.y, (uint8_t)d.m, (uint8_t)d.d, 0, 0, 0};
      e = worksheet_write_datetime(x->ws, x->row, c, &dt, x->date);
    } else if (x->kinds[j] == ZB_XCOL_COUNT) {
      e = worksheet_write_number(x->ws, x->row, c, strtod(s, NULL), NULL);
    } else {
      e = worksheet_write_string(x->ws, x->row, c, s, x->text);
    }
    if (e != LXW_NO_ERROR)
      x->failed = true;
  }
  x->row++;
  return 0;
}

int zb_xlsxout_close(zb_xlsxout *x, const char **why) {
  *why = NULL;
  for (size_t j = 0; j < x->ncols; j++) {
    /* Empty cells of a text column are text too, when someone types in
     * them; a date column is wide enough for YYYY-MM-DD. */
    double w = x->width[j] < 12 ? 12 : x->width[j];
    worksheet_set_column(x->ws, (lxw_col_t)j, (lxw_col_t)j, w,
                         x->kinds[j] == ZB_XCOL_TEXT ? x->text : NULL);
  }
  lxw_error e = workbook_close(x->wb);
  int rc = e == LXW_NO_ERROR && !x->failed ? 0 : ZB_EIO;
  if (e != LXW_NO_ERROR)
    *why = lxw_strerror(e);
  else if (x->failed)
    *why = "a cell could not be written";
  free(x);
  return rc;
}
