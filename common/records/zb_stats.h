/*
 * zb_stats.h — member statistics (党内统计) for a scope and an as-of date.
 *
 * The same code runs on a node and on the server: feed every member of the
 * scope to zb_stats_add(), then render.  Breakdowns (README.md, "The command line",
 * docs/RECORDS.md, "Members"): total, category, gender, ethnicity (汉族 /
 * 少数民族), age band as of the date (≤30, 31–35, …, 56–60, ≥61), education,
 * occupation, join period (before 1949-10-01; to 1978-12-18; to 2012-11-08;
 * after); and, apart from the total, two counts over a period: "joined"
 * (members developed: join_date within it) and "left" (members who left
 * within it, by reason).  A member counts only if joined on or before the
 * as-of date and not left by then (zb_stats_place, the one rule that the
 * year's balance, zb_balance.h, uses too); the category is 正式党员 if
 * full_date is on or before it, else 预备党员.
 *
 * Every breakdown but "joined" and "left" adds up to total.  Ethnicity,
 * education and occupation
 * are optional fields, so each has a bucket "未填" (not filled in) for a
 * member whose field is empty — or, for education and occupation, holds a
 * value outside the vocabulary, which validation never lets into a store.
 * A member whose gender, birth_date or join_date is unusable (not a vocabulary
 * value / not a date: never the case for a validated record) cannot be placed
 * in every breakdown; it is left out of all counts and tallied in `skipped`
 * instead, so the breakdowns still add up.
 *
 * JSON keys, in this order: "org", "as_of", "left_from", "left_to", "total",
 * "category", "gender",
 * "ethnicity" (汉族, 少数民族, 未填), "age" (zb_stats_age_bands), "education"
 * and "occupation" (every vocabulary value, zeros included, in vocabulary
 * order, then 未填), "join_period" (zb_stats_join_periods), "joined" (a
 * number), "left" (every leave reason, zeros included).  Objects are
 * built in that order; dump with JSON_PRESERVE_ORDER to keep it.
 * CSV rows use the same dimension names and values: "total,,N" then
 * "category,正式党员,N" and so on, "joined,,N" before the "left" rows.
 * `skipped` appears in neither; the human report prints a warning line
 * when it is non-zero.
 */
#ifndef ZB_STATS_H
#define ZB_STATS_H

#include <stdbool.h>
#include <stdint.h>
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
  /* Added for the 未填 buckets; see above. */
  long ethnicity_unknown;
  long education_unknown;
  long occupation_unknown;
  long skipped;      /* unusable gender/birth_date/join_date: not counted */
  /* Reductions (docs/RECORDS.md, "Leaving"): members whose leave_date lies
   * in [from, to], by leave_reason (zb_leave_reasons order).  Not part of
   * total: they may have left before the as-of date. */
  zb_date from, to;
  long left[5];
  /* Members developed (发展党员): join_date in [from, to], whether or not
   * they left since.  Not part of total either. */
  long joined;
} zb_stats;

/* The key of the 未填 (not filled in) buckets in JSON, CSV and the report. */
#define ZB_STATS_UNKNOWN "未填"

/* Key names used in JSON and CSV output. */
extern const char *const zb_stats_age_bands[8];
extern const char *const zb_stats_join_periods[4];

/* What the statistics read of a member, independent of any date: its
 * dates parsed (has_* false when empty or unusable) and its vocabulary
 * values as slots.  zb_stats_add() and zb_stats_place() are this and
 * zb_stats_add_facts()/zb_stats_place_facts(), so that a scope's counts can
 * be made from these alone: the member's entry in the org index carries
 * them packed (zb_state.c, "Key layouts"; docs/DESIGN-NOTES.md, "Reports at
 * county scale"), with what the dues and meetings reports read of a member
 * besides (today's category and whether it has a committee role). */
typedef struct zb_stats_facts {
  zb_date join, birth, full, leave;
  bool has_join, has_birth, has_full, has_leave;
  bool left;            /* status 已离开 (leave counts only with it) */
  bool full_member;     /* category 正式党员 (today's: the meetings report's quorum) */
  bool committee;       /* a role in the branch committee (the same) */
  signed char gender;   /* zb_genders index, -1 not one */
  signed char eth;      /* 0 汉族, 1 少数民族, 2 未填 */
  signed char edu, occ; /* count slot, -1 未填 */
  signed char reason;   /* zb_leave_reasons index, -1 none */
} zb_stats_facts;

/* Bytes of packed facts. */
#define ZB_STATS_FACTS_LEN 24

void zb_stats_facts_of(const zb_member *m, zb_stats_facts *out);
/* Packs f into out (ZB_STATS_FACTS_LEN bytes); returns that length. */
size_t zb_stats_facts_pack(const zb_stats_facts *f, uint8_t *out);
/* The facts packed in in (len bytes, from the store): 0, or ZB_ECORRUPT
 * when they are not what zb_stats_facts_pack wrote. */
int zb_stats_facts_unpack(const uint8_t *in, size_t len, zb_stats_facts *out);
int zb_stats_place_facts(const zb_stats_facts *f, zb_date on);
void zb_stats_add_facts(zb_stats *s, const zb_stats_facts *f);
/* Adds the counts of b (of other members, the same as-of date and
 * period) to s: the counts of both sets of members. */
void zb_stats_merge(zb_stats *s, const zb_stats *b);

/* An empty report as of as_of, its period from 1 January of that year to
 * as_of (set from and to to change it). */
void zb_stats_init(zb_stats *s, zb_date as_of);
/* Where report stats places m on the date on: 1 a member then (joined on
 * or before it, not left by then: counted up to the day before
 * leave_date), 0 not (yet, or any more) a member, -1 not countable (a
 * join_date, gender or birth_date that is unusable — never the case for a
 * validated record — tallied in `skipped`).  Statistics and the balance of
 * a year (zb_balance.h) both count by it, so they cannot disagree. */
int zb_stats_place(const zb_member *m, zb_date on);
/* Counts m if it had joined by s->as_of and had not left by then
 * (zb_stats_place), in joined if it joined within the period, and in
 * left[] if it left within it.  m is a valid stored member. */
void zb_stats_add(zb_stats *s, const zb_member *m);
/* A new JSON object (caller json_decref()s) for scope org (NULL = "");
 * NULL if out of memory or org is not valid UTF-8. */
json_t *zb_stats_to_json(const zb_stats *s, const char *org);
/* Each count of the report in the order of CSV rows: the total (value
 * ""), then every breakdown.  zh: Chinese labels (项目 人员类别, 年龄 "30岁及以下",
 * 入党时间 "党的十八大以来", …) instead of the English keys.  Stops at and
 * returns fn's first non-zero value. */
typedef int (*zb_stats_row_fn)(void *ctx, const char *dim, const char *value, long count);
int zb_stats_rows(const zb_stats *s, bool zh, zb_stats_row_fn fn, void *ctx);
/* CSV: header "dimension,value,count" then one row per count; with zh a
 * UTF-8 BOM, the header 项目,分类,人数 and the Chinese labels.  0 or
 * ZB_EIO.  org is not written (the rows are counts only). */
int zb_stats_write_csv(const zb_stats *s, const char *org, FILE *out, bool zh);
/* Human report, columns aligned by display width: with zh the Chinese
 * labels of the 党内统计公报 (as --csv with zh), else the English names. */
void zb_stats_print(const zb_stats *s, const char *org, FILE *out, bool zh);

#endif
