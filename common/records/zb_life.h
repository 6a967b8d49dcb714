/*
 * zb_life.h — organizational life (组织生活): which meetings a branch must
 * hold and how often, when a meeting lacks its quorum, and the report of
 * both (docs/RECORDS.md, "Meetings").  One table, read at the node for its
 * scope and at the server for any org.
 */
#ifndef ZB_LIFE_H
#define ZB_LIFE_H

#include <stdio.h>
#include "zb_date.h"
#include "zb_store.h"

extern const char *const zb_meeting_types[];   /* 支部党员大会 支委会 党小组会 党课 主题党日 组织生活会 民主评议 */
extern const char *const zb_attendance[];      /* 出席 缺席 请假 */

enum zb_period { ZB_PER_MONTH = 1, ZB_PER_QUARTER = 3, ZB_PER_YEAR = 12 };

/* How often a meeting type is due (支部工作条例, 2018). */
typedef struct zb_life_rule {
  const char *type;         /* a zb_meeting_types value */
  const char *key;          /* its stable English key: branch_general … */
  enum zb_period every;
  const char *source;
} zb_life_rule;
extern const zb_life_rule zb_life_rules[];   /* one per meeting type, in its order */

/* The report of `report meetings --org CODE --year Y` as JSON (stable
 * English keys, Chinese values), for every branch in root's subtree, as of
 * day today (periods not begun yet are not missing).  0, ZB_ENOTFOUND (no
 * such org), or a storage error. */
struct json_t;
int zb_life_report(zb_txn *t, const char *root, int year, zb_date today, struct json_t **out);
/* The report as aligned Chinese tables. */
void zb_life_print(const struct json_t *report, FILE *out);

#endif
