/*
 * zb_date.h — calendar dates (proleptic Gregorian, ISO YYYY-MM-DD).
 *
 * Pure functions, no allocation.  A zb_date is only ever produced by
 * zb_date_parse()/zb_date_today()/arithmetic here, so it is always a real
 * calendar date.
 */
#ifndef ZB_DATE_H
#define ZB_DATE_H

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>

typedef struct zb_date {
  int y, m, d;
} zb_date;

bool zb_date_is_leap(int year);
int zb_date_days_in_month(int year, int month);
/* Strict "YYYY-MM-DD" of exactly len bytes; 0 or ZB_EINVAL (not a date,
 * e.g. 2023-02-29).  Years 1900..2999 only. */
int zb_date_parse(const char *s, size_t len, zb_date *out);
/* The written forms of a date that people type and spreadsheets export,
 * reshaped to "YYYY-MM-DD" (docs/RECORDS.md, "Importing"):
 * 2015-06-30, 2015-6-30, 2015/6/30, 2015.6.30 (one separator throughout),
 * 2015年6月30日 (or 号, or nothing after the day), 20150630, each
 * optionally followed by a time of day (" 00:00:00", " 0:00", "T08:30")
 * that is dropped.  s must hold ASCII digits (full-width ones folded
 * before).  Only the shape is read: out may name no real day (2015-02-30),
 * which zb_date_parse then refuses.  Returns ZB_DATE_FORM_DAY with out
 * (11 bytes) filled; ZB_DATE_FORM_MONTH for a year and month without a day
 * (2015-06, 2015/6, 2015年6月, 201506), out holding "YYYY-MM"; or
 * ZB_DATE_FORM_NONE. */
enum zb_date_form { ZB_DATE_FORM_NONE = 0, ZB_DATE_FORM_DAY, ZB_DATE_FORM_MONTH };
enum zb_date_form zb_date_reshape(const char *s, size_t len, char out[11]);
/* Writes "YYYY-MM-DD" and a NUL: out must hold 11 bytes. */
void zb_date_format(zb_date d, char out[11]);
/* <0, 0, >0 like strcmp.  Inline: the statistics compare dates of every
 * member of a county. */
static inline int zb_date_cmp(zb_date a, zb_date b) {
  if (a.y != b.y)
    return a.y < b.y ? -1 : 1;
  if (a.m != b.m)
    return a.m < b.m ? -1 : 1;
  if (a.d != b.d)
    return a.d < b.d ? -1 : 1;
  return 0;
}
/* d plus n years; 29 February becomes 28 February in a common year (the
 * convention of the reference roster generator, gen_roster.py). */
zb_date zb_date_add_years(zb_date d, int n);
/* d plus n months (n may be negative); the day is clamped to the month. */
zb_date zb_date_add_months(zb_date d, int n);
/* The day before d. */
zb_date zb_date_prev_day(zb_date d);
/* The date days after 1970-01-01 (UTC days since the epoch: what gmtime
 * gives for days * 86400 seconds), without the C library's time zone
 * machinery.  days must lie within years 1..9999. */
zb_date zb_date_of_days(int64_t days);
/* Full years of age on `on` for someone born on `birth` (birthday rule as
 * zb_date_add_years). */
int zb_date_age(zb_date birth, zb_date on);
/* Today's date in local time. */
zb_date zb_date_today(void);

/* Calendar months as one number, year * 12 + month - 1, so that the
 * difference of two is a count of months (a dues payment's window). */
static inline int zb_month_of(zb_date d) { return d.y * 12 + d.m - 1; }
/* Strict "YYYY-MM" of exactly len bytes, years 1900..2999: 0 with *out
 * its month number, or ZB_EINVAL. */
int zb_month_parse(const char *s, size_t len, int *out);
/* Writes "YYYY-MM" and a NUL: out must hold 8 bytes. */
void zb_month_format(int month, char out[8]);
/* The first and the last day of a month number. */
zb_date zb_month_first(int month);
zb_date zb_month_last(int month);

#endif
