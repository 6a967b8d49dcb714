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
#include <stddef.h>

typedef struct zb_date {
  int y, m, d;
} zb_date;

bool zb_date_is_leap(int year);
int zb_date_days_in_month(int year, int month);
/* Strict "YYYY-MM-DD" of exactly len bytes; 0 or ZB_EINVAL (not a date,
 * e.g. 2023-02-29).  Years 1900..2999 only. */
int zb_date_parse(const char *s, size_t len, zb_date *out);
/* Writes "YYYY-MM-DD" and a NUL: out must hold 11 bytes. */
void zb_date_format(zb_date d, char out[11]);
/* <0, 0, >0 like strcmp. */
int zb_date_cmp(zb_date a, zb_date b);
/* d plus n years; 29 February becomes 28 February in a common year (the
 * convention of the reference roster generator, gen_roster.py). */
zb_date zb_date_add_years(zb_date d, int n);
/* d plus n months (n may be negative); the day is clamped to the month. */
zb_date zb_date_add_months(zb_date d, int n);
/* Full years of age on `on` for someone born on `birth` (birthday rule as
 * zb_date_add_years). */
int zb_date_age(zb_date birth, zb_date on);
/* Today's date in local time. */
zb_date zb_date_today(void);

#endif
