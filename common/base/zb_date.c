/*
 * zb_date.c — proleptic Gregorian calendar dates.
 *
 * A date is kept as three ints rather than a day count because every rule
 * that uses dates (18th birthday, one year of probation) is stated in
 * calendar years and months, not in days.
 */
#include "zb_date.h"

#include <string.h>
#include <time.h>

#include "zb_err.h"

/* The range zb_date_parse() accepts.  Nobody alive was born before 1900,
 * and four-digit years keep the text form fixed-width and sortable. */
#define ZB_DATE_YEAR_MIN 1900
#define ZB_DATE_YEAR_MAX 2999

bool zb_date_is_leap(int year) {
  return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

int zb_date_days_in_month(int year, int month) {
  static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (month < 1 || month > 12)
    return 0;
  if (month == 2 && zb_date_is_leap(year))
    return 29;
  return days[month - 1];
}

/* Reads n ASCII digits; -1 if any byte is not a digit.  Hand-rolled because
 * strtol would accept signs and leading blanks that a strict format must
 * refuse. */
static int read_digits(const char *s, int n) {
  int v = 0;
  for (int i = 0; i < n; i++) {
    if (s[i] < '0' || s[i] > '9')
      return -1;
    v = v * 10 + (s[i] - '0');
  }
  return v;
}

int zb_date_parse(const char *s, size_t len, zb_date *out) {
  if (s == NULL || len != 10 || s[4] != '-' || s[7] != '-')
    return ZB_EINVAL;
  int y = read_digits(s, 4);
  int m = read_digits(s + 5, 2);
  int d = read_digits(s + 8, 2);
  if (y < ZB_DATE_YEAR_MIN || y > ZB_DATE_YEAR_MAX || m < 1 || m > 12 ||
      d < 1 || d > zb_date_days_in_month(y, m))
    return ZB_EINVAL;
  if (out != NULL)
    *out = (zb_date){y, m, d};
  return 0;
}

/* Writes v as exactly n decimal digits (the value is reduced modulo 10^n,
 * which never happens for a date this module produced from a parse). */
static void put_digits(char *p, unsigned v, int n) {
  for (int i = n - 1; i >= 0; i--) {
    p[i] = (char)('0' + v % 10);
    v /= 10;
  }
}

void zb_date_format(zb_date d, char out[11]) {
  /* Digits are written by hand so that the output is always exactly ten
   * characters whatever the ints hold; snprintf would have to truncate. */
  put_digits(out, (unsigned)(d.y < 0 ? 0 : d.y), 4);
  out[4] = '-';
  put_digits(out + 5, (unsigned)(d.m < 0 ? 0 : d.m), 2);
  out[7] = '-';
  put_digits(out + 8, (unsigned)(d.d < 0 ? 0 : d.d), 2);
  out[10] = '\0';
}

zb_date zb_date_add_years(zb_date d, int n) {
  /* 29 February → 28 February in a common year: the convention of
   * gen_roster.py's add_years(), so that "18 years after birth" means the
   * same day here as in the reference data. */
  zb_date r = {d.y + n, d.m, d.d};
  int dim = zb_date_days_in_month(r.y, r.m);
  if (r.d > dim)
    r.d = dim;
  return r;
}

zb_date zb_date_of_days(int64_t days) {
  /* The proleptic Gregorian calendar in 400-year eras of 146097 days,
   * each starting on a 1 March, so that a leap day ends its year (the
   * method of Howard Hinnant's "chrono-Compatible Low-Level Date
   * Algorithms"). */
  int64_t z = days + 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097;                                       /* 0..146096 */
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;  /* 0..399 */
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);                /* 0..365 */
  int64_t mp = (5 * doy + 2) / 153;                                     /* 0..11, from March */
  int d = (int)(doy - (153 * mp + 2) / 5 + 1);
  int m = (int)(mp < 10 ? mp + 3 : mp - 9);
  int y = (int)(yoe + era * 400 + (m <= 2));
  return (zb_date){y, m, d};
}

zb_date zb_date_prev_day(zb_date d) {
  if (d.d > 1)
    return (zb_date){d.y, d.m, d.d - 1};
  if (d.m > 1)
    return (zb_date){d.y, d.m - 1, zb_date_days_in_month(d.y, d.m - 1)};
  return (zb_date){d.y - 1, 12, 31};
}

zb_date zb_date_add_months(zb_date d, int n) {
  /* Work on a zero-based month count so negative n needs no special case
   * beyond floor division. */
  long total = (long)d.y * 12 + (d.m - 1) + n;
  long y = total >= 0 ? total / 12 : -((-total + 11) / 12);
  zb_date r = {(int)y, (int)(total - y * 12) + 1, d.d};
  int dim = zb_date_days_in_month(r.y, r.m);
  if (r.d > dim)
    r.d = dim;
  return r;
}

int zb_date_age(zb_date birth, zb_date on) {
  int years = on.y - birth.y;
  /* The birthday in on's year follows zb_date_add_years(), so someone born
   * on 29 February is a year older on 28 February of a common year (only
   * that day is moved: done here without the call, for every member of a
   * county's statistics). */
  int day = birth.m == 2 && birth.d == 29 && !zb_date_is_leap(on.y) ? 28 : birth.d;
  if (birth.m > on.m || (birth.m == on.m && day > on.d))
    years--;
  return years;
}

zb_date zb_date_today(void) {
  time_t now = time(NULL);
  struct tm tm;
  /* localtime_r, not localtime: the daemon may call this from more than
   * one thread. */
  if (now == (time_t)-1 || localtime_r(&now, &tm) == NULL)
    return (zb_date){1970, 1, 1};
  return (zb_date){tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday};
}

/* ---- written forms (zb_date_reshape) ---- */

/* Reads 1 to max digits at s[*i..len) into *v; false if there is none. */
static bool take_digits(const char *s, size_t len, size_t *i, int max, int *v, int *n) {
  *v = 0;
  *n = 0;
  while (*i < len && *n < max && s[*i] >= '0' && s[*i] <= '9') {
    *v = *v * 10 + (s[*i] - '0');
    (*i)++;
    (*n)++;
  }
  return *n > 0;
}

static bool take_str(const char *s, size_t len, size_t *i, const char *w) {
  size_t n = strlen(w);
  if (len - *i < n || memcmp(s + *i, w, n) != 0)
    return false;
  *i += n;
  return true;
}

/* A time of day after the date: [ T]H[H]:MM[:SS[.fff]]; true if s[i..len)
 * is exactly that. */
static bool time_suffix(const char *s, size_t len, size_t i) {
  int v, n;
  if (i < len && s[i] != ' ' && s[i] != 'T')
    return false;
  while (i < len && s[i] == ' ')
    i++;
  if (i < len && s[i] == 'T')
    i++;
  if (!take_digits(s, len, &i, 2, &v, &n) || v > 23 || i >= len || s[i++] != ':' ||
      !take_digits(s, len, &i, 2, &v, &n) || n != 2 || v > 59)
    return false;
  if (i < len && s[i] == ':') {
    i++;
    if (!take_digits(s, len, &i, 2, &v, &n) || n != 2 || v > 60)
      return false;
    if (i < len && s[i] == '.') {
      i++;
      if (!take_digits(s, len, &i, 9, &v, &n))
        return false;
    }
  }
  return i == len;
}

/* "YYYY-MM" into out, for a month written without its day. */
static enum zb_date_form month_out(char *out, int y, int m) {
  put_digits(out, (unsigned)y, 4);
  out[4] = '-';
  put_digits(out + 5, (unsigned)m, 2);
  out[7] = '\0';
  return ZB_DATE_FORM_MONTH;
}

enum zb_date_form zb_date_reshape(const char *s, size_t len, char out[11]) {
  size_t i = 0;
  int y, m, d, n;
  if (s == NULL || !take_digits(s, len, &i, 8, &y, &n))
    return ZB_DATE_FORM_NONE;
  if (n == 8 || n == 6) {
    /* 20150630 / 201506: no separators at all. */
    if (i < len && !time_suffix(s, len, i))
      return ZB_DATE_FORM_NONE;
    if (n == 6) {
      m = y % 100;
      return m >= 1 && m <= 12 && i == len ? month_out(out, y / 100, m) : ZB_DATE_FORM_NONE;
    }
    d = y % 100;
    m = y / 100 % 100;
    y /= 10000;
  } else if (n == 4) {
    static const char *const seps[] = {"-", "/", ".", "\xE5\xB9\xB4" /* 年 */};
    size_t k;
    for (k = 0; k < 4; k++)
      if (take_str(s, len, &i, seps[k]))
        break;
    if (k == 4 || !take_digits(s, len, &i, 2, &m, &n))
      return ZB_DATE_FORM_NONE;
    bool cjk = k == 3;
    const char *sep2 = cjk ? "\xE6\x9C\x88" /* 月 */ : seps[k];
    if (!take_str(s, len, &i, sep2)) {
      /* "2015-06" or "2015年6" (without 月): a month at most. */
      return i == len && m >= 1 && m <= 12 ? month_out(out, y, m) : ZB_DATE_FORM_NONE;
    }
    if (i == len)   /* "2015年6月", "2015-06-" */
      return cjk && m >= 1 && m <= 12 ? month_out(out, y, m) : ZB_DATE_FORM_NONE;
    if (!take_digits(s, len, &i, 2, &d, &n))
      return ZB_DATE_FORM_NONE;
    if (cjk && !take_str(s, len, &i, "\xE6\x97\xA5") /* 日 */)
      take_str(s, len, &i, "\xE5\x8F\xB7");         /* 号 */
    if (i < len && !time_suffix(s, len, i))
      return ZB_DATE_FORM_NONE;
  } else {
    return ZB_DATE_FORM_NONE;
  }
  if (m < 1 || m > 12 || d < 1 || d > 31)
    return ZB_DATE_FORM_NONE;
  put_digits(out, (unsigned)y, 4);
  out[4] = '-';
  put_digits(out + 5, (unsigned)m, 2);
  out[7] = '-';
  put_digits(out + 8, (unsigned)d, 2);
  out[10] = '\0';
  return ZB_DATE_FORM_DAY;
}

/* ---- months ---- */

int zb_month_parse(const char *s, size_t len, int *out) {
  if (s == NULL || len != 7 || s[4] != '-')
    return ZB_EINVAL;
  int y = read_digits(s, 4), m = read_digits(s + 5, 2);
  if (y < ZB_DATE_YEAR_MIN || y > ZB_DATE_YEAR_MAX || m < 1 || m > 12)
    return ZB_EINVAL;
  if (out != NULL)
    *out = y * 12 + m - 1;
  return 0;
}

void zb_month_format(int month, char out[8]) {
  if (month < 0)
    month = 0;
  put_digits(out, (unsigned)(month / 12), 4);
  out[4] = '-';
  put_digits(out + 5, (unsigned)(month % 12 + 1), 2);
  out[7] = '\0';
}

zb_date zb_month_first(int month) { return (zb_date){month / 12, month % 12 + 1, 1}; }

zb_date zb_month_last(int month) {
  zb_date d = zb_month_first(month);
  d.d = zb_date_days_in_month(d.y, d.m);
  return d;
}
