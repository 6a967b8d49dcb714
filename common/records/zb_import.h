/*
 * zb_import.h — all-or-nothing CSV imports of records, and the buffer of
 * input problems that every writer reports through.
 *
 * An import first reads the whole file, once and outside any transaction
 * (so "-", stdin, works), checking each row against the record rules and
 * keeping the rows compactly in memory.  It then grows the LMDB map for what
 * the rows will add and, in one short write transaction, hands each row that
 * is new or changed to a sink that turns it into an op and applies it (a
 * node appends to its own log, the server to its global log); the checks
 * that need the stored state happen there.  Any problem in any row aborts
 * the transaction: nothing is stored, and every problem is reported, in line
 * order, once the transaction has ended (docs/DESIGN-NOTES.md, "Imports").
 */
#ifndef ZB_IMPORT_H
#define ZB_IMPORT_H

#include <stdbool.h>
#include "zb_merge.h"
#include "zb_state.h"
#include "zb_store.h"

/* file is NULL for command-line input (line is then 0); column is NULL when
 * the problem concerns a whole row or file. */
typedef void (*zb_input_problem_fn)(void *ctx, const char *file, long line,
                                    const char *column, const char *reason);

typedef struct zb_import_result {
  long rows;             /* data rows read */
  long created, updated, unchanged;
  long skipped;          /* org rows outside the scope */
  bool gb18030;          /* the file was GB18030 (GBK), not UTF-8 */
  bool xlsx;             /* the file was an xlsx workbook: its first sheet */
  char sheet[100];       /* that sheet's name */
  bool streamed;         /* written while the file was still being read */
} zb_import_result;

/* ---- problems, buffered until the transaction has ended ---- */

typedef struct zb_problem {
  long line;
  const char *column;   /* static field name or NULL */
  char *reason;
} zb_problem;

typedef struct zb_problems {
  zb_problem *v;
  size_t n, cap;
  long dropped;         /* beyond the cap */
} zb_problems;

void zb_problems_reset(zb_problems *p);
void zb_problems_free(zb_problems *p);
void zb_problems_add(zb_problems *p, long line, const char *column, const char *reason);
long zb_problems_count(const zb_problems *p);
void zb_problems_emit(const zb_problems *p, const char *file, zb_input_problem_fn fn, void *ctx);

/* ---- imports ---- */

/* Where imported rows go.  begin runs at the start of the transaction (and
 * again if it is retried after the map filled), set once per changed row,
 * end before commit. */
typedef struct zb_import_sink {
  int (*begin)(void *ctx, zb_txn *t);
  int (*set)(void *ctx, const zb_kind_desc *kind, const char *key, const int *fields,
             char *const *vals, size_t nf, zb_apply_result *r);
  int (*end)(void *ctx);
  void *ctx;
  const char *scope;    /* org rows outside it are skipped; NULL: none are */
  /* A new key for a row that has none, in the transaction begin opened (a
   * node's NODE-N, zb_node.c).  NULL: every row must give its key. */
  int (*assign_key)(void *ctx, const zb_kind_desc *kind, char key[ZB_FIELD_MAX + 1]);
} zb_import_sink;

/* Imports path ("-": stdin, read once; problems then name it "stdin") into
 * s through sink.  The file is CSV text in UTF-8 or GB18030 (zb_csv.h), or
 * an xlsx workbook, whose first sheet is read (zb_xlsx.h; told by its
 * first bytes, whatever its name; LINE is then the sheet's row); its header
 * names the kind's fields by name, Chinese label or another name of the
 * descriptor, in any order; other columns are ignored with one warning;
 * each value is normalised (zb_norm.h) before the record rules run.  For a
 * kind with auto_key and a unique index, when the sink can assign keys,
 * the key column may be absent or a row's key empty: such a row is matched
 * to a stored record by the first unique index (the member's ID number) or
 * gets a new key.  0, ZB_EINVAL (problems reported, nothing stored), ZB_EIO
 * (unreadable), or another error.  res may be NULL. */
int zb_import_csv(zb_store *s, const zb_kind_desc *kind, const char *path, const zb_import_sink *sink,
                  zb_input_problem_fn problem, void *pctx, zb_import_result *res);

#endif
