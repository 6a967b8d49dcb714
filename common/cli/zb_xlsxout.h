/*
 * zb_xlsxout.h — one-sheet Excel workbooks written with libxlsxwriter:
 * what `KIND list --xlsx` and `report stats --xlsx` give a secretary.
 *
 * The sheet has a title row (the org's name, what the sheet is, the date;
 * merged across the columns), a header row, then the rows.  Each column
 * is text, a date or a count: text cells are strings in columns formatted
 * as text (@), so an ID number or a phone stays as typed after an edit
 * (Excel would turn 18 digits into 4.30121E+17); a date is Excel's date
 * shown YYYY-MM-DD (a value that is not one stays text); a count is a
 * number.  An import reads such a file back (zb_xlsx.h): its title row is
 * skipped and the day counts of the date columns are dates again.
 */
#ifndef ZB_XLSXOUT_H
#define ZB_XLSXOUT_H

#include <stddef.h>

enum zb_xcol { ZB_XCOL_TEXT = 0, ZB_XCOL_DATE, ZB_XCOL_COUNT };

typedef struct zb_xlsxout zb_xlsxout;

/* Starts the workbook at path (written by zb_xlsxout_close): sheet named
 * sheet, title in row 1, header in row 2.  kinds[j] of each column (NULL:
 * all text).  0, ZB_ENOMEM or ZB_EIO. */
int zb_xlsxout_open(const char *path, const char *sheet, const char *title, size_t ncols,
                    const char *const *header, const enum zb_xcol *kinds, zb_xlsxout **out);
/* The next row, ncols cells (NULL: empty). */
int zb_xlsxout_row(zb_xlsxout *x, const char *const *cells);
/* Writes the file and frees x; 0 or ZB_EIO (*why: libxlsxwriter's reason,
 * static). */
int zb_xlsxout_close(zb_xlsxout *x, const char **why);

#endif
