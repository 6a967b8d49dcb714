/*
 * zb_rules.h — the Party's numeric rules as a versioned table (docs/RECORDS.md,
 * "Rule versions").
 *
 * A rule set has a version name, the day it takes effect and its source.
 * A record is judged by the version in force on its own date (an
 * applicant by the day of the application), so a later revision is added
 * as a new row beside the old one without rewriting history.  Node and
 * server read the same table.
 */
#ifndef ZB_RULES_H
#define ZB_RULES_H

#include "zb_date.h"

typedef struct zb_rules {
  const char *version;        /* "2014" */
  zb_date effective;          /* in force from this day */
  const char *source;         /* 发展党员工作细则 (2014) */
  int min_join_age;           /* 党章 第一条: eighteen or over */
  int talk_months;            /* a talk within a month of the application */
  int activist_years;         /* ≥ 1 year as activist before 发展对象 */
  int assess_months;          /* an activist is assessed every half year */
  int training_days;          /* training ≥ 3 days … */
  int training_hours;         /* … or ≥ 24 class hours */
  int introducers;            /* exactly two 正式党员 introduce */
  int approve_months;         /* approval normally within 3 months … */
  int approve_max_months;     /* … and never after 6 */
  int probation_years;        /* 党章 第七条: probation is one year … */
  int extend_min_months;      /* … extended once by 6 … */
  int extend_max_months;      /* … to 12 months */
} zb_rules;

/* The rule set in force on day d (the earliest for a day before them
 * all). */
const zb_rules *zb_rules_on(zb_date d);

#endif
