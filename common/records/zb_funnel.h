/*
 * zb_funnel.h — how many records of a kind are at each stage of its state
 * machine in a subtree, and which are overdue (docs/RECORDS.md,
 * "Applicants": `report pipeline`).  The same computation at a node for
 * its scope and at the server for any org.
 */
#ifndef ZB_FUNNEL_H
#define ZB_FUNNEL_H

#include <stddef.h>
#include "zb_kind.h"
#include "zb_state.h"

typedef struct zb_overdue {
  char key[ZB_FIELD_MAX + 1], org[ZB_FIELD_MAX + 1], why[200];
} zb_overdue;

typedef struct zb_funnel {
  const zb_kind_desc *kd;      /* a kind with a state field */
  zb_date today;               /* states and overdue as of this day */
  int year;                    /* 0, or only records whose first date
                                  field (the application) is in it */
  size_t counts[32];           /* by state (zb_kind_state_at) */
  size_t total;
  zb_overdue *overdue;         /* kd->overdue's, in key order */
  size_t noverdue, cap;
} zb_funnel;

void zb_funnel_init(zb_funnel *f, const zb_kind_desc *kd, zb_date today, int year);
void zb_funnel_free(zb_funnel *f);
/* Counts one record (a zb_rec_fn: 0 or ZB_ENOMEM). */
int zb_funnel_add(void *f, const zb_rec *r);
/* Every record of f->kd in the subtree of root.  ZB_ENOTFOUND when root
 * is no org of this replica. */
int zb_state_funnel(zb_txn *t, const char *root, zb_funnel *f);

/* {"org", "as_of", "year", "total", "stages": {stage: n}, "overdue":
 * [{"id", "org_code", "why"}]}: a new object, or NULL out of memory. */
struct json_t;
struct json_t *zb_funnel_to_json(const zb_funnel *f, const char *org);

#endif
