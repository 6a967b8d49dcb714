/*
 * test_date.c — calendar dates: leap years, strict parsing, arithmetic with
 * the 29-February convention of gen_roster.py, local "today".
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "zb_date.h"
#include "zb_err.h"

static zb_date D(int y, int m, int d) { return (zb_date){y, m, d}; }

static void assert_date(zb_date got, int y, int m, int d) {
  if (got.y != y || got.m != m || got.d != d)
    fail_msg("got %04d-%02d-%02d, expected %04d-%02d-%02d", got.y, got.m,
             got.d, y, m, d);
}

static int parse(const char *s, zb_date *out) {
  return zb_date_parse(s, strlen(s), out);
}

static void test_leap_years(void **state) {
  (void)state;
  assert_true(zb_date_is_leap(2000));  /* divisible by 400 */
  assert_false(zb_date_is_leap(1900)); /* by 100, not 400 */
  assert_false(zb_date_is_leap(2100));
  assert_true(zb_date_is_leap(2400));
  assert_true(zb_date_is_leap(2024));
  assert_false(zb_date_is_leap(2023));
  assert_false(zb_date_is_leap(2026));
}

static void test_days_in_month(void **state) {
  (void)state;
  static const int common[12] = {31, 28, 31, 30, 31, 30,
                                 31, 31, 30, 31, 30, 31};
  for (int m = 1; m <= 12; m++) {
    assert_int_equal(zb_date_days_in_month(2023, m), common[m - 1]);
    assert_int_equal(zb_date_days_in_month(2024, m),
                     m == 2 ? 29 : common[m - 1]);
  }
  assert_int_equal(zb_date_days_in_month(1900, 2), 28);
  assert_int_equal(zb_date_days_in_month(2000, 2), 29);
  assert_int_equal(zb_date_days_in_month(2023, 0), 0);
  assert_int_equal(zb_date_days_in_month(2023, 13), 0);
}

static void test_parse_valid(void **state) {
  (void)state;
  zb_date d;
  assert_int_equal(parse("2000-02-29", &d), 0);
  assert_date(d, 2000, 2, 29);
  assert_int_equal(parse("2024-02-29", &d), 0);
  assert_date(d, 2024, 2, 29);
  assert_int_equal(parse("1900-01-01", &d), 0);
  assert_date(d, 1900, 1, 1);
  assert_int_equal(parse("2999-12-31", &d), 0);
  assert_date(d, 2999, 12, 31);
  assert_int_equal(parse("1980-04-30", &d), 0);
  assert_date(d, 1980, 4, 30);
  /* Exactly len bytes are read; what follows does not matter. */
  assert_int_equal(zb_date_parse("2023-01-15 and more", 10, &d), 0);
  assert_date(d, 2023, 1, 15);
  assert_int_equal(zb_date_parse("2023-01-15", 10, NULL), 0);
}

static void test_parse_invalid(void **state) {
  (void)state;
  static const char *const bad[] = {
      "1900-02-29", /* 1900 is not a leap year */
      "2023-02-29", "2100-02-29", "2024-02-30", "2023-04-31", "2023-06-31",
      "2023-13-01", "2023-00-10", "2023-01-00", "2023-01-32",
      "1899-12-31", /* before the accepted years */
      "3000-01-01", "0000-01-01",
      "2023-1-01",  "2023-01-1",  "23-01-01",   "2023/01/01", "2023.01.01",
      "20230101",   "+023-01-01", "2023-+1-01", " 2023-01-0", "2023-01-0 ",
      "2023-0a-01", "2023-01-01T00:00",         "",           "abcd-ef-gh",
      "2023--1-01",
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    zb_date d = {1, 2, 3};
    if (parse(bad[i], &d) != ZB_EINVAL)
      fail_msg("\"%s\" accepted", bad[i]);
    assert_date(d, 1, 2, 3); /* untouched */
  }
  /* A valid date with the wrong length. */
  assert_int_equal(zb_date_parse("2023-01-15", 9, NULL), ZB_EINVAL);
  assert_int_equal(zb_date_parse("2023-01-15", 11, NULL), ZB_EINVAL);
  assert_int_equal(zb_date_parse(NULL, 0, NULL), ZB_EINVAL);
}

static void test_format(void **state) {
  (void)state;
  char buf[12];
  memset(buf, 'x', sizeof buf);
  zb_date_format(D(1905, 3, 7), buf);
  assert_string_equal(buf, "1905-03-07");
  assert_int_equal(buf[11], 'x'); /* writes 11 bytes, no more */
  zb_date_format(D(2026, 11, 26), buf);
  assert_string_equal(buf, "2026-11-26");
  /* Round trip over every day of a leap year and a common year. */
  for (int y = 2023; y <= 2024; y++) {
    for (int m = 1; m <= 12; m++) {
      for (int d = 1; d <= zb_date_days_in_month(y, m); d++) {
        zb_date in = D(y, m, d), out;
        zb_date_format(in, buf);
        assert_int_equal(zb_date_parse(buf, 10, &out), 0);
        assert_int_equal(zb_date_cmp(in, out), 0);
      }
    }
  }
}

static void test_cmp(void **state) {
  (void)state;
  assert_int_equal(zb_date_cmp(D(2020, 5, 5), D(2020, 5, 5)), 0);
  assert_true(zb_date_cmp(D(2020, 5, 5), D(2020, 5, 6)) < 0);
  assert_true(zb_date_cmp(D(2020, 5, 6), D(2020, 5, 5)) > 0);
  assert_true(zb_date_cmp(D(2020, 4, 30), D(2020, 5, 1)) < 0);
  assert_true(zb_date_cmp(D(2019, 12, 31), D(2020, 1, 1)) < 0);
  assert_true(zb_date_cmp(D(2021, 1, 1), D(2020, 12, 31)) > 0);
}

static void test_add_years(void **state) {
  (void)state;
  assert_date(zb_date_add_years(D(2023, 6, 15), 1), 2024, 6, 15);
  assert_date(zb_date_add_years(D(1990, 6, 15), 18), 2008, 6, 15);
  /* 29 February → 28 February in a common year (gen_roster.py). */
  assert_date(zb_date_add_years(D(2000, 2, 29), 1), 2001, 2, 28);
  assert_date(zb_date_add_years(D(2000, 2, 29), 18), 2018, 2, 28);
  assert_date(zb_date_add_years(D(2000, 2, 29), 4), 2004, 2, 29);
  assert_date(zb_date_add_years(D(2000, 2, 29), 100), 2100, 2, 28);
  assert_date(zb_date_add_years(D(2000, 2, 29), -1), 1999, 2, 28);
  assert_date(zb_date_add_years(D(2000, 2, 28), 1), 2001, 2, 28);
  assert_date(zb_date_add_years(D(2000, 3, 1), 1), 2001, 3, 1);
  assert_date(zb_date_add_years(D(2001, 2, 28), 3), 2004, 2, 28);
}

static void test_add_months(void **state) {
  (void)state;
  assert_date(zb_date_add_months(D(2023, 1, 15), 1), 2023, 2, 15);
  assert_date(zb_date_add_months(D(2023, 1, 31), 1), 2023, 2, 28);
  assert_date(zb_date_add_months(D(2024, 1, 31), 1), 2024, 2, 29);
  assert_date(zb_date_add_months(D(2023, 1, 31), 3), 2023, 4, 30);
  assert_date(zb_date_add_months(D(2023, 12, 31), 2), 2024, 2, 29);
  assert_date(zb_date_add_months(D(2023, 11, 30), 1), 2023, 12, 30);
  assert_date(zb_date_add_months(D(2023, 12, 15), 1), 2024, 1, 15);
  assert_date(zb_date_add_months(D(2023, 1, 15), 12), 2024, 1, 15);
  assert_date(zb_date_add_months(D(2023, 1, 15), 0), 2023, 1, 15);
  assert_date(zb_date_add_months(D(2023, 1, 15), -1), 2022, 12, 15);
  assert_date(zb_date_add_months(D(2023, 3, 31), -1), 2023, 2, 28);
  assert_date(zb_date_add_months(D(2023, 1, 15), -12), 2022, 1, 15);
  assert_date(zb_date_add_months(D(2023, 1, 15), -13), 2021, 12, 15);
  assert_date(zb_date_add_months(D(2023, 1, 15), -25), 2020, 12, 15);
  assert_date(zb_date_add_months(D(2023, 6, 15), 30), 2025, 12, 15);
}

static void test_age(void **state) {
  (void)state;
  assert_int_equal(zb_date_age(D(1990, 6, 15), D(1990, 6, 15)), 0);
  assert_int_equal(zb_date_age(D(1990, 6, 15), D(2008, 6, 14)), 17);
  assert_int_equal(zb_date_age(D(1990, 6, 15), D(2008, 6, 15)), 18);
  assert_int_equal(zb_date_age(D(1990, 6, 15), D(2008, 12, 31)), 18);
  assert_int_equal(zb_date_age(D(1990, 12, 31), D(2009, 1, 1)), 18);
  /* Born 29 February: a year older on 28 February of a common year. */
  assert_int_equal(zb_date_age(D(2000, 2, 29), D(2018, 2, 27)), 17);
  assert_int_equal(zb_date_age(D(2000, 2, 29), D(2018, 2, 28)), 18);
  assert_int_equal(zb_date_age(D(2000, 2, 29), D(2004, 2, 28)), 3);
  assert_int_equal(zb_date_age(D(2000, 2, 29), D(2004, 2, 29)), 4);
  assert_int_equal(zb_date_age(D(1940, 1, 1), D(2026, 11, 26)), 86);
  /* Every birth day of a leap year and the year after against every day
   * of two years (a common one, then a leap one): the definition, the
   * birthday by zb_date_add_years. */
  for (int by = 2000; by <= 2001; by++)
    for (int bm = 1; bm <= 12; bm++)
      for (int bd = 1; bd <= zb_date_days_in_month(by, bm); bd++)
        for (int oy = 2023; oy <= 2024; oy++)
          for (int om = 1; om <= 12; om++)
            for (int od = 1; od <= zb_date_days_in_month(oy, om); od++) {
              zb_date b = D(by, bm, bd), on = D(oy, om, od);
              int want = oy - by - (zb_date_cmp(zb_date_add_years(b, oy - by), on) > 0);
              if (zb_date_age(b, on) != want)
                fail_msg("age of %d-%d-%d on %d-%d-%d", by, bm, bd, oy, om, od);
            }
}

/* today is the local date: in a zone 14 hours ahead of UTC it is always a
 * later date than in a zone 12 hours behind (26 hours apart). */
static void test_today_is_local(void **state) {
  (void)state;
  const char *old = getenv("TZ");
  char saved[128] = "";
  if (old != NULL)
    snprintf(saved, sizeof saved, "%s", old);

  setenv("TZ", "UTC-14", 1);
  tzset();
  zb_date east = zb_date_today();
  setenv("TZ", "UTC+12", 1);
  tzset();
  zb_date west = zb_date_today();

  /* Also agrees with strftime on localtime in the current zone (allowing
   * for midnight passing between the two reads). */
  time_t t0 = time(NULL);
  zb_date now = zb_date_today();
  time_t t1 = time(NULL);
  char a[16], b[16], got[11];
  struct tm tm;
  strftime(a, sizeof a, "%Y-%m-%d", localtime_r(&t0, &tm));
  strftime(b, sizeof b, "%Y-%m-%d", localtime_r(&t1, &tm));
  zb_date_format(now, got);

  if (old != NULL)
    setenv("TZ", saved, 1);
  else
    unsetenv("TZ");
  tzset();

  assert_true(zb_date_cmp(east, west) > 0);
  assert_true(strcmp(got, a) == 0 || strcmp(got, b) == 0);
  /* And it is a real date. */
  assert_int_equal(zb_date_parse(got, 10, NULL), 0);
}

/* zb_date_reshape: the written forms of a date, to YYYY-MM-DD (only the
 * shape: a day that does not exist is left for zb_date_parse). */
static void reshaped(const char *in, const char *want) {
  char out[11] = "";
  enum zb_date_form f = zb_date_reshape(in, strlen(in), out);
  if (f != ZB_DATE_FORM_DAY || strcmp(out, want) != 0)
    fail_msg("\"%s\": form %d \"%s\", expected \"%s\"", in, (int)f, out, want);
}

static void test_reshape(void **state) {
  (void)state;
  reshaped("2015-06-30", "2015-06-30");
  reshaped("2015/6/30", "2015-06-30");
  reshaped("2015/06/30", "2015-06-30");
  reshaped("2015-6-3", "2015-06-03");
  reshaped("2015.6.30", "2015-06-30");
  reshaped("2015\xe5\xb9\xb4" "6\xe6\x9c\x88" "30\xe6\x97\xa5", "2015-06-30"); /* 年月日 */
  reshaped("2015\xe5\xb9\xb4" "06\xe6\x9c\x88" "3\xe5\x8f\xb7", "2015-06-03");  /* 号 */
  reshaped("2015\xe5\xb9\xb4" "6\xe6\x9c\x88" "30", "2015-06-30");
  reshaped("20150630", "2015-06-30");
  reshaped("1990-07-01 00:00:00", "1990-07-01");
  reshaped("1990/7/1 0:00", "1990-07-01");
  reshaped("1990-07-01T08:30:00.000", "1990-07-01");
  reshaped("2015-02-30", "2015-02-30"); /* the shape; not a real day */

  static const char *const months[] = {"2015-06", "2015/6", "2015.06", "201506",
                                       "2015\xe5\xb9\xb4" "6\xe6\x9c\x88",
                                       "2015\xe5\xb9\xb4" "6"};
  for (size_t i = 0; i < sizeof months / sizeof *months; i++) {
    char out[11] = "untouched";
    if (zb_date_reshape(months[i], strlen(months[i]), out) != ZB_DATE_FORM_MONTH)
      fail_msg("\"%s\" is a month", months[i]);
    assert_string_equal(out, "2015-06");   /* the month, for a month field */
  }

  static const char *const bad[] = {
      "", "2015", "15-6-30", "2015-6/30", "2015--6-30", "2015-6-30-", "2015-13-01",
      "2015-00-10", "2015-06-32", "2015-6-30x", "2015-06-30 25:00", "2015-06-30 8",
      "2015063", "201506301", "30/6/2015", "2015-06-30 00:00:00 extra", "x2015-06-30",
      "201513", "2015-006-30"};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    char out[11];
    if (zb_date_reshape(bad[i], strlen(bad[i]), out) != ZB_DATE_FORM_NONE)
      fail_msg("\"%s\" is not a date", bad[i]);
  }
}

/* Months as numbers (a dues payment's month and its window). */
static void test_months(void **state) {
  (void)state;
  int m;
  assert_int_equal(zb_month_parse("2026-05", 7, &m), 0);
  assert_int_equal(m, 2026 * 12 + 4);
  assert_int_equal(m, zb_month_of((zb_date){2026, 5, 31}));
  char out[8];
  zb_month_format(m, out);
  assert_string_equal(out, "2026-05");
  zb_month_format(m + 8, out);
  assert_string_equal(out, "2027-01");
  assert_int_equal(zb_date_cmp(zb_month_first(m), (zb_date){2026, 5, 1}), 0);
  assert_int_equal(zb_date_cmp(zb_month_last(2024 * 12 + 1), (zb_date){2024, 2, 29}), 0);
  static const char *const bad[] = {"2026-13", "2026-00", "2026-5", "1899-12", "3000-01",
                                    "2026/05", "202605", "2026-05-01", ""};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
    if (zb_month_parse(bad[i], strlen(bad[i]), &m) == 0)
      fail_msg("\"%s\" is not a month", bad[i]);
}

/* zb_date_of_days against gmtime_r: every day of 1900-2100, and a few far
 * ones (year 1, year 9999). */
static void test_of_days(void **state) {
  (void)state;
  int64_t far[] = {-719162, -719162 + 59, -719162 + 60, 2932896, 2932896 - 365};
  for (int64_t d = -25567 - 10; d < 47482 + 10 + 5; d++) {
    int64_t days = d < 47482 + 10 ? d : far[d - (47482 + 10)];
    time_t t = (time_t)(days * 86400);
    struct tm tm;
    assert_non_null(gmtime_r(&t, &tm));
    zb_date got = zb_date_of_days(days);
    if (got.y != tm.tm_year + 1900 || got.m != tm.tm_mon + 1 || got.d != tm.tm_mday)
      fail_msg("day %lld: %04d-%02d-%02d, gmtime %04d-%02d-%02d", (long long)days, got.y, got.m,
               got.d, tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_months),
      cmocka_unit_test(test_leap_years),   cmocka_unit_test(test_days_in_month),
      cmocka_unit_test(test_parse_valid),  cmocka_unit_test(test_parse_invalid),
      cmocka_unit_test(test_format),       cmocka_unit_test(test_cmp),
      cmocka_unit_test(test_add_years),    cmocka_unit_test(test_add_months),
      cmocka_unit_test(test_age),          cmocka_unit_test(test_today_is_local),
      cmocka_unit_test(test_reshape),      cmocka_unit_test(test_of_days),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
