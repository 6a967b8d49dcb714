/*
 * zb_stats.h — member statistics (党内统计) for a scope and an as-of date.
 *
 * The same code runs on a node and on the server: feed every member of the
 * scope to zb_stats_add(), then render.  Breakdowns (DESIGN.md §7,
 * DOMAIN.md "Statistics"): total, category, gender, ethnicity (汉族 /
 * 少数民族), age band as of the date (≤30, 31–35, …, 56–60, ≥61), education,
 * occupation, join period (before 1949-10-01; to 1978-12-18; to 2012-11-08;
 * after).  A member counts only if joined on or before the as-of date; the
 * category is 正式党员 if full_date is on or before it, else 预备党员.
 */
#ifndef ZB_STATS_H
#define ZB_STATS_H

#include <stdio.h>
#include <jansson.h>
#include "zb_date.h"
#include "zb_record.h"

#define ZB_STATS_MAX_VOCAB 64

typedef struct zb_stats {
  zb_date as_of;
  long total;
  long category[2];                       /* zb_categories order */
  long gender[2];                         /* zb_genders order */
  long han, minority;
  long age[8];                            /* zb_stats_age_bands order */
  long education[ZB_STATS_MAX_VOCAB];     /* zb_educations order */
  long occupation[ZB_STATS_MAX_VOCAB];    /* zb_occupations order */
  long join_period[4];                    /* zb_stats_join_periods order */
} zb_stats;

/* Key names used in JSON and CSV output. */
extern const char *const zb_stats_age_bands[8];
extern const char *const zb_stats_join_periods[4];

void zb_stats_init(zb_stats *s, zb_date as_of);
/* Counts m if it had joined by s->as_of.  m is a valid stored member. */
void zb_stats_add(zb_stats *s, const zb_member *m);
/* A new JSON object (caller json_decref()s) for scope org. */
json_t *zb_stats_to_json(const zb_stats *s, const char *org);
/* CSV: header "dimension,value,count" then one row per count. */
int zb_stats_write_csv(const zb_stats *s, const char *org, FILE *out);
/* Human report, columns aligned by display width. */
void zb_stats_print(const zb_stats *s, const char *org, FILE *out);

#endif
