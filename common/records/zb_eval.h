/*
 * zb_eval.h — democratic evaluation (民主评议; docs/RECORDS.md,
 * "Evaluations"): a member's grade for a year, one record per member and
 * year (kinds/eval.c), key MEMBER-YYYY.
 *
 * 优秀 goes to at most one third of the members a branch grades — its full
 * members (正式党员) who have not left — in a year; probationary members
 * (预备党员) take part but are not graded.  Both are rules against the
 * stored state, so the server checks every grade in its own order: two
 * nodes cannot together give more 优秀 than the branch may.
 */
#ifndef ZB_EVAL_H
#define ZB_EVAL_H

#include <stddef.h>
#include "zb_kind.h"
#include "zb_store.h"

enum zb_eval_field {
  ZB_EF_ID = 0,       /* MEMBER-YYYY */
  ZB_EF_MEMBER_ID,
  ZB_EF_YEAR,
  ZB_EF_ORG_CODE,     /* the member's org when graded */
  ZB_EF_GRADE,        /* zb_eval_grades */
  ZB_EF_NOTE,
  ZB_EF__COUNT
};

enum { ZB_EVAL_EXCELLENT = 0 };                /* 优秀: index in zb_eval_grades */
extern const char *const zb_eval_grades[];     /* 优秀 合格 基本合格 不合格 */

/* The key of a member's evaluation of a year; its length, 0 if too long. */
size_t zb_eval_key(const char *member, int year, char out[ZB_FIELD_MAX + 1]);

/* The members org grades (its full members who have not left), and how
 * many of org's evaluations of year other than skip (a key, or NULL) are
 * 优秀.  0 or a storage error. */
int zb_eval_counts(zb_txn *t, const char *org, const char *year, const char *skip,
                   long *eligible, long *excellent);

#endif
