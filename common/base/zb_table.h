/*
 * zb_table.h — human-readable tables whose columns line up by display
 * width (a Chinese character takes two columns), not by bytes.
 */
#ifndef ZB_TABLE_H
#define ZB_TABLE_H

#include <stdio.h>

typedef struct zb_table zb_table;

/* A table of ncols columns with the given header cells (copied).
 * Returns NULL on allocation failure. */
zb_table *zb_table_new(size_t ncols, const char *const *header);
/* Appends a row of ncols cells (copied).  0 or ZB_ENOMEM. */
int zb_table_add(zb_table *t, const char *const *cells);
/* Prints header, a rule, then the rows; columns separated by two spaces;
 * a column whose every cell is a number is right-aligned. */
void zb_table_print(const zb_table *t, FILE *out);
void zb_table_free(zb_table *t);   /* NULL is fine */

#endif
