/*
 * zb_rules.c — the rule table (zb_rules.h).  Sources: docs/RECORDS.md,
 * "Rule versions" and "Applicants".
 */
#include "zb_rules.h"

/* Newest last.  To add a revision, append a row with its effective day. */
static const zb_rules table[] = {
    {.version = "2014",
     .effective = {2014, 6, 10},
     .source = "发展党员工作细则 (2014)",
     .min_join_age = 18,
     .talk_months = 1,
     .activist_years = 1,
     .assess_months = 6,
     .training_days = 3,
     .training_hours = 24,
     .introducers = 2,
     .approve_months = 3,
     .approve_max_months = 6,
     .probation_years = 1,
     .extend_min_months = 6,
     .extend_max_months = 12},
};

const zb_rules *zb_rules_on(zb_date d) {
  const zb_rules *r = &table[0];
  for (size_t i = 1; i < sizeof table / sizeof *table; i++)
    if (zb_date_cmp(d, table[i].effective) >= 0)
      r = &table[i];
  return r;
}
