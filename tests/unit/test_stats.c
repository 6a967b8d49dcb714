/*
 * test_stats.c — zb_stats: counts as of a date, and the three renderings.
 *
 * Every expected count below is worked out by hand from the members built
 * in the test (the reasoning is in the comments), or — in the randomized
 * invariant test — by an independent computation on the ISO date strings
 * (which compare correctly as plain strings).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zb_err.h"
#include "zb_stats.h"

static const zb_date AS_OF = {2024, 6, 15};

static void setf(zb_member *m, int field, const char *value) {
  size_t n = strlen(value);
  assert_true(n <= ZB_FIELD_MAX);
  memcpy(m->v[field], value, n + 1);
}

static zb_member mk(const char *gender, const char *eth, const char *birth,
                    const char *edu, const char *join, const char *full,
                    const char *occ) {
  zb_member m;
  memset(&m, 0, sizeof(m));
  setf(&m, ZB_MF_ID, "M0000000001");
  setf(&m, ZB_MF_NAME, "王伟");
  setf(&m, ZB_MF_GENDER, gender);
  setf(&m, ZB_MF_ETHNICITY, eth);
  setf(&m, ZB_MF_BIRTH_DATE, birth);
  setf(&m, ZB_MF_EDUCATION, edu);
  /* The stored category deliberately says 预备党员 everywhere: the count
   * must come from full_date and the as-of date, not from this field. */
  setf(&m, ZB_MF_CATEGORY, "预备党员");
  setf(&m, ZB_MF_JOIN_DATE, join);
  setf(&m, ZB_MF_FULL_DATE, full);
  setf(&m, ZB_MF_ORG_CODE, "430121-03-07");
  setf(&m, ZB_MF_OCCUPATION, occ);
  return m;
}

static size_t vlen(const char *const *v) {
  size_t n = 0;
  while (v[n] != NULL)
    n++;
  return n;
}

static long sum(const long *a, size_t n) {
  long s = 0;
  for (size_t i = 0; i < n; i++)
    s += a[i];
  return s;
}

/* ---- age bands ------------------------------------------------------- */

/* Birthdays exactly on the as-of date at both edges of every band, and the
 * day before the 31st and 61st birthdays. */
static void test_age_band_boundaries(void **state) {
  (void)state;
  static const struct {
    const char *birth;
    int band; /* by hand: age on 2024-06-15 → band */
  } cases[] = {
      {"1994-06-15", 0}, /* 30th birthday today: 30 → <=30 */
      {"1993-06-16", 0}, /* 31st birthday tomorrow: still 30 */
      {"1993-06-15", 1}, /* 31st birthday today: 31 → 31-35 */
      {"1989-06-15", 1}, /* 35 */
      {"1988-06-15", 2}, /* 36 → 36-40 */
      {"1984-06-15", 2}, /* 40 */
      {"1983-06-15", 3}, /* 41 → 41-45 */
      {"1979-06-15", 3}, /* 45 */
      {"1978-06-15", 4}, /* 46 → 46-50 */
      {"1974-06-15", 4}, /* 50 */
      {"1973-06-15", 5}, /* 51 → 51-55 */
      {"1969-06-15", 5}, /* 55 */
      {"1968-06-15", 6}, /* 56 → 56-60 */
      {"1964-06-15", 6}, /* 60 */
      {"1963-06-16", 6}, /* 61st birthday tomorrow: still 60 */
      {"1963-06-15", 7}, /* 61st birthday today: 61 → >=61 */
  };
  const long expect[8] = {2, 2, 2, 2, 2, 2, 3, 1};
  const size_t n = sizeof(cases) / sizeof(cases[0]);
  zb_stats s;
  zb_stats_init(&s, AS_OF);
  for (size_t i = 0; i < n; i++) {
    zb_member m = mk("男", "汉族", cases[i].birth, "", "2020-01-01",
                     "2021-01-01", "");
    zb_stats one;
    zb_stats_init(&one, AS_OF);
    zb_stats_add(&one, &m);
    for (int b = 0; b < 8; b++)
      assert_int_equal(one.age[b], b == cases[i].band ? 1 : 0);
    zb_stats_add(&s, &m);
  }
  assert_int_equal(s.total, (long)n);
  for (int b = 0; b < 8; b++)
    assert_int_equal(s.age[b], expect[b]);
}

/* 29 February: the birthday falls on 28 February in a common year
 * (zb_date_age, gen_roster.py), so on 2023-02-28 someone born 1992-02-29 is
 * 31, while someone born 1992-03-01 is still 30. */
static void test_age_leap_day(void **state) {
  (void)state;
  const zb_date as_of = {2023, 2, 28};
  zb_member leap = mk("女", "汉族", "1992-02-29", "", "2015-01-01", "", "");
  zb_member march = mk("女", "汉族", "1992-03-01", "", "2015-01-01", "", "");
  zb_stats s;
  zb_stats_init(&s, as_of);
  zb_stats_add(&s, &leap);
  assert_int_equal(s.age[1], 1);
  assert_int_equal(s.age[0], 0);
  zb_stats_init(&s, as_of);
  zb_stats_add(&s, &march);
  assert_int_equal(s.age[0], 1);
  assert_int_equal(s.age[1], 0);
}

/* ---- join periods and the as-of cut ---------------------------------- */

static void test_join_period_boundaries(void **state) {
  (void)state;
  static const struct {
    const char *join;
    int period; /* -1: joined after the as-of date, not counted */
  } cases[] = {
      {"1949-09-30", 0}, /* day before the PRC's founding */
      {"1949-10-01", 1}, /* founding day itself: second period */
      {"1978-12-18", 1}, /* 三中全会 opening day: still second */
      {"1978-12-19", 2},
      {"2012-11-08", 2}, /* 十八大 opening day: still third */
      {"2012-11-09", 3},
      {"2024-06-15", 3}, /* joined on the as-of date: counted */
      {"2024-06-16", -1}, /* joined the day after: not counted */
      {"2030-01-01", -1},
  };
  const long expect[4] = {1, 2, 2, 2};
  zb_stats s;
  zb_stats_init(&s, AS_OF);
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    zb_member m = mk("男", "汉族", "1925-01-01", "", cases[i].join, "", "");
    zb_stats one;
    zb_stats_init(&one, AS_OF);
    zb_stats_add(&one, &m);
    assert_int_equal(one.total, cases[i].period < 0 ? 0 : 1);
    for (int p = 0; p < 4; p++)
      assert_int_equal(one.join_period[p], p == cases[i].period ? 1 : 0);
    zb_stats_add(&s, &m);
  }
  assert_int_equal(s.total, 7);
  assert_int_equal(s.skipped, 0);
  for (int p = 0; p < 4; p++)
    assert_int_equal(s.join_period[p], expect[p]);
  /* Nothing at all is counted for the members who joined later. */
  assert_int_equal(sum(s.gender, 2), 7);
  assert_int_equal(s.han, 7);
  assert_int_equal(sum(s.age, 8), 7);
}

/* ---- category as of the date ----------------------------------------- */

static void test_category_as_of(void **state) {
  (void)state;
  zb_member probationary = mk("女", "汉族", "1990-01-01", "", "2024-01-01",
                              "", "");
  zb_member converts_today = mk("女", "汉族", "1990-01-01", "", "2023-06-15",
                                "2024-06-15", "");
  zb_member converts_tomorrow = mk("女", "汉族", "1990-01-01", "",
                                   "2023-06-16", "2024-06-16", "");
  zb_member long_ago = mk("女", "汉族", "1960-01-01", "", "1990-01-01",
                          "1991-01-01", "");
  zb_stats s;
  zb_stats_init(&s, AS_OF);
  zb_stats_add(&s, &probationary);      /* no full_date → 预备 */
  zb_stats_add(&s, &converts_today);    /* full_date == as_of → 正式 */
  zb_stats_add(&s, &converts_tomorrow); /* full_date > as_of → 预备 */
  zb_stats_add(&s, &long_ago);          /* → 正式 */
  assert_int_equal(s.total, 4);
  assert_int_equal(s.category[0], 2); /* zb_categories[0] is 正式党员 */
  assert_int_equal(s.category[1], 2);

  /* The same member one day earlier was still 预备党员. */
  const zb_date day_before = {2024, 6, 14};
  zb_stats_init(&s, day_before);
  zb_stats_add(&s, &converts_today);
  assert_int_equal(s.category[0], 0);
  assert_int_equal(s.category[1], 1);
}

/* ---- the other dimensions and the 未填 buckets ------------------------ */

/* A small mixed roster, as of 2024-06-15.  By hand:
 *   p1 男 汉族   1980-01-01 (44: 41-45) E0  join 2005 (3rd) full 2006 → 正式  O0
 *   p2 女 苗族   1990-03-03 (34: 31-35) E1  join 2015 (4th) full 2016 → 正式  O1
 *   p3 男 土家族 1970-08-08 (53: 51-55) E1  join 1995 (3rd) full 1996 → 正式  O1
 *   p4 女 ""     2000-12-12 (23: <=30)  ""  join 2024-01 (4th) no full → 预备 ""
 *   p5 男 汉族   1950-10-10 (73: >=61)  out-of-vocab  join 1975 (2nd) 正式  out
 *   p6 女 汉族   joined 2024-07-01, after the as-of date: not counted. */
static void add_roster(zb_stats *s) {
  assert_true(vlen(zb_educations) >= 2);
  assert_true(vlen(zb_occupations) >= 2);
  const zb_member ms[] = {
      mk("男", "汉族", "1980-01-01", zb_educations[0], "2005-07-01",
         "2006-07-01", zb_occupations[0]),
      mk("女", "苗族", "1990-03-03", zb_educations[1], "2015-05-04",
         "2016-05-04", zb_occupations[1]),
      mk("男", "土家族", "1970-08-08", zb_educations[1], "1995-06-30",
         "1996-06-30", zb_occupations[1]),
      mk("女", "", "2000-12-12", "", "2024-01-10", "", ""),
      mk("男", "汉族", "1950-10-10", "博士后研究员", "1975-03-01",
         "1976-03-01", "宇航员"),
      mk("女", "汉族", "1999-09-09", zb_educations[0], "2024-07-01", "",
         zb_occupations[0]),
  };
  for (size_t i = 0; i < sizeof(ms) / sizeof(ms[0]); i++)
    zb_stats_add(s, &ms[i]);
}

static const long R_TOTAL = 5;
static const long R_CATEGORY[2] = {4, 1};
static const long R_GENDER[2] = {3, 2}; /* zb_genders: 男 女 */
static const long R_ETH[3] = {2, 2, 1}; /* 汉族 少数民族 未填 */
static const long R_AGE[8] = {1, 1, 0, 1, 0, 1, 0, 1};
static const long R_JOIN[4] = {0, 1, 2, 2};
/* education and occupation: index 0 → 1, index 1 → 2, 未填 → 2, rest 0 */
static long r_vocab(size_t i) { return i == 0 ? 1 : i == 1 ? 2 : 0; }
static const long R_VOCAB_UNKNOWN = 2;

static void test_dimensions_and_unknown(void **state) {
  (void)state;
  zb_stats s;
  zb_stats_init(&s, AS_OF);
  add_roster(&s);
  assert_int_equal(s.total, R_TOTAL);
  assert_int_equal(s.skipped, 0);
  for (int i = 0; i < 2; i++) {
    assert_int_equal(s.category[i], R_CATEGORY[i]);
    assert_int_equal(s.gender[i], R_GENDER[i]);
  }
  assert_int_equal(s.han, R_ETH[0]);
  assert_int_equal(s.minority, R_ETH[1]);
  assert_int_equal(s.ethnicity_unknown, R_ETH[2]);
  for (int i = 0; i < 8; i++)
    assert_int_equal(s.age[i], R_AGE[i]);
  for (int i = 0; i < 4; i++)
    assert_int_equal(s.join_period[i], R_JOIN[i]);
  for (size_t i = 0; i < vlen(zb_educations); i++)
    assert_int_equal(s.education[i], r_vocab(i));
  for (size_t i = 0; i < vlen(zb_occupations); i++)
    assert_int_equal(s.occupation[i], r_vocab(i));
  assert_int_equal(s.education_unknown, R_VOCAB_UNKNOWN);
  assert_int_equal(s.occupation_unknown, R_VOCAB_UNKNOWN);
}

/* Records whose required fields are unusable are tallied in skipped and
 * nowhere else; one that joined after the as-of date is not even that. */
static void test_unusable_records_skipped(void **state) {
  (void)state;
  const zb_member ms[] = {
      mk("男", "汉族", "1980-01-01", "", "", "", ""),           /* no join */
      mk("男", "汉族", "1980-01-01", "", "2005-13-01", "", ""), /* bad join */
      mk("", "汉族", "1980-01-01", "", "2005-01-01", "", ""),   /* no gender */
      mk("M", "汉族", "1980-01-01", "", "2005-01-01", "", ""),  /* bad gender */
      mk("女", "汉族", "1980-02-30", "", "2005-01-01", "", ""), /* bad birth */
      mk("", "汉族", "1980-01-01", "", "2025-01-01", "", ""),   /* later */
      mk("女", "汉族", "1980-01-01", "", "2005-01-01", "", ""), /* fine */
  };
  zb_stats s;
  zb_stats_init(&s, AS_OF);
  for (size_t i = 0; i < sizeof(ms) / sizeof(ms[0]); i++)
    zb_stats_add(&s, &ms[i]);
  assert_int_equal(s.skipped, 5);
  assert_int_equal(s.total, 1);
  assert_int_equal(s.gender[1], 1);
  assert_int_equal(sum(s.age, 8), 1);
  assert_int_equal(sum(s.join_period, 4), 1);
  /* An unparseable full_date cannot prove conversion: 预备. */
  zb_member bad_full = mk("女", "汉族", "1980-01-01", "", "2005-01-01",
                          "2006-02-30", "");
  zb_stats_init(&s, AS_OF);
  zb_stats_add(&s, &bad_full);
  assert_int_equal(s.total, 1);
  assert_int_equal(s.category[1], 1);
}

/* ---- JSON ------------------------------------------------------------ */

static long jget(json_t *obj, const char *key) {
  json_t *v = json_object_get(obj, key);
  assert_non_null(v);
  assert_true(json_is_integer(v));
  return (long)json_integer_value(v);
}

/* Checks that obj has exactly the keys names[0..n) in that order (in the
 * JSON_PRESERVE_ORDER dump) with the counts want[0..n), and that they add
 * up to total. */
static void check_object(json_t *obj, const char *const *names,
                         const long *want, size_t n, long total) {
  assert_true(json_is_object(obj));
  assert_int_equal(json_object_size(obj), n);
  long s = 0;
  for (size_t i = 0; i < n; i++) {
    assert_int_equal(jget(obj, names[i]), want[i]);
    s += want[i];
  }
  assert_int_equal(s, total);
  char *dump = json_dumps(obj, JSON_PRESERVE_ORDER | JSON_COMPACT);
  assert_non_null(dump);
  const char *p = dump;
  for (size_t i = 0; i < n; i++) {
    char key[ZB_FIELD_MAX + 4];
    snprintf(key, sizeof(key), "\"%s\":", names[i]);
    const char *at = strstr(p, key);
    assert_non_null(at); /* present, and after the previous key */
    p = at + strlen(key);
  }
  free(dump);
}

static zb_member left(const char *reason, const char *date) {
  zb_member m = mk("男", "汉族", "1980-01-01", "", "2005-07-01", "2006-07-01", "");
  setf(&m, ZB_MF_STATUS, "已离开");
  setf(&m, ZB_MF_LEAVE_REASON, reason);
  setf(&m, ZB_MF_LEAVE_DATE, date);
  return m;
}

/* Leaving (docs/RECORDS.md, "Leaving"): a member who left is counted up to
 * the day before leave_date, and as a reduction by reason when leave_date
 * lies in the period — on its first and last day too. */
static void test_left(void **state) {
  (void)state;
  const zb_member ms[] = {
      left("去世", "2024-01-01"),   /* first day of the default period */
      left("出党", "2024-06-15"),   /* the as-of date: its last day */
      left("退党", "2024-06-16"),   /* after the as-of date: still counted */
      left("停止党籍", "2023-12-31"),   /* before the period */
      mk("女", "汉族", "1990-03-03", "", "2015-05-04", "2016-05-04", ""),
  };
  zb_stats s;
  zb_stats_init(&s, AS_OF);
  for (size_t i = 0; i < sizeof ms / sizeof ms[0]; i++)
    zb_stats_add(&s, &ms[i]);
  assert_int_equal(s.total, 2);   /* the one who leaves on 06-16, and the woman */
  assert_int_equal(s.gender[0] + s.gender[1], 2);
  /* Nobody joined in 2024-01-01..06-15: they all joined in 2005 and 2015. */
  assert_int_equal(s.joined, 0);
  long want[5] = {1, 1, 0, 0, 0};   /* 去世 出党 停止党籍 退党 转出系统外 */
  for (int i = 0; i < 5; i++)
    assert_int_equal(s.left[i], want[i]);

  /* As of the day before: nobody had left yet, and a period of 2023. */
  zb_stats_init(&s, (zb_date){2023, 12, 30});
  s.from = (zb_date){2023, 1, 1};
  s.to = (zb_date){2023, 12, 31};
  for (size_t i = 0; i < sizeof ms / sizeof ms[0]; i++)
    zb_stats_add(&s, &ms[i]);
  assert_int_equal(s.total, 5);
  long want23[5] = {0, 0, 1, 0, 0};
  for (int i = 0; i < 5; i++)
    assert_int_equal(s.left[i], want23[i]);
  json_t *j = zb_stats_to_json(&s, "430121");
  assert_non_null(j);
  assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "left"), "停止党籍")), 1);
  assert_string_equal(json_string_value(json_object_get(j, "left_to")), "2023-12-31");
  json_decref(j);
}

static void test_json(void **state) {
  (void)state;
  zb_stats s;
  zb_stats_init(&s, AS_OF);
  add_roster(&s);
  json_t *j = zb_stats_to_json(&s, "430121-03");
  assert_non_null(j);

  assert_string_equal(json_string_value(json_object_get(j, "org")),
                      "430121-03");
  assert_string_equal(json_string_value(json_object_get(j, "as_of")),
                      "2024-06-15");
  assert_int_equal(jget(j, "total"), R_TOTAL);

  static const char *const top[] = {"org",       "as_of",      "left_from", "left_to",
                                    "total",     "category",   "gender",    "ethnicity",
                                    "age",       "education",  "occupation",
                                    "join_period", "joined", "left"};
  assert_int_equal(json_object_size(j), 14);
  /* Joined within 2024-01-01..2024-06-15: the woman of 2024-01-10 only
   * (2024-07-01 is after the period). */
  assert_int_equal(jget(j, "joined"), 1);
  assert_string_equal(json_string_value(json_object_get(j, "left_from")), "2024-01-01");
  assert_string_equal(json_string_value(json_object_get(j, "left_to")), "2024-06-15");
  char *dump = json_dumps(j, JSON_PRESERVE_ORDER | JSON_COMPACT);
  assert_non_null(dump);
  const char *p = dump;
  for (size_t i = 0; i < 14; i++) {
    char key[32];
    snprintf(key, sizeof(key), "\"%s\":", top[i]);
    const char *at = strstr(p, key);
    assert_non_null(at);
    p = at + strlen(key);
  }
  free(dump);

  static const char *const cat[] = {"正式党员", "预备党员"};
  static const char *const gen[] = {"男", "女"};
  static const char *const eth[] = {"汉族", "少数民族", "未填"};
  static const char *const age[] = {"<=30",  "31-35", "36-40", "41-45",
                                    "46-50", "51-55", "56-60", ">=61"};
  static const char *const per[] = {
      "before_1949-10-01", "1949-10-01_to_1978-12-18",
      "1978-12-19_to_2012-11-08", "after_2012-11-08"};
  check_object(json_object_get(j, "category"), cat, R_CATEGORY, 2, R_TOTAL);
  check_object(json_object_get(j, "gender"), gen, R_GENDER, 2, R_TOTAL);
  check_object(json_object_get(j, "ethnicity"), eth, R_ETH, 3, R_TOTAL);
  check_object(json_object_get(j, "age"), age, R_AGE, 8, R_TOTAL);
  check_object(json_object_get(j, "join_period"), per, R_JOIN, 4, R_TOTAL);

  /* Every vocabulary value, zeros included, in vocabulary order, then 未填. */
  const char *const *vocabs[2] = {zb_educations, zb_occupations};
  const char *keys[2] = {"education", "occupation"};
  for (int k = 0; k < 2; k++) {
    size_t n = vlen(vocabs[k]);
    const char *names[ZB_STATS_MAX_VOCAB + 1];
    long want[ZB_STATS_MAX_VOCAB + 1];
    assert_true(n <= ZB_STATS_MAX_VOCAB);
    for (size_t i = 0; i < n; i++) {
      names[i] = vocabs[k][i];
      want[i] = r_vocab(i);
    }
    names[n] = "未填";
    want[n] = R_VOCAB_UNKNOWN;
    check_object(json_object_get(j, keys[k]), names, want, n + 1, R_TOTAL);
  }
  json_decref(j);
}

/* ---- randomized invariant --------------------------------------------- */

static uint32_t rng_state = 12345;
static uint32_t rnd(uint32_t n) {
  rng_state = rng_state * 1103515245u + 12345u;
  return (rng_state >> 8) % n;
}

static void rnd_date(char out[40]) {
  int y = 1900 + (int)rnd(131); /* 1900..2030 */
  int m = 1 + (int)rnd(12);
  int d = 1 + (int)rnd(28);
  snprintf(out, 40, "%04d-%02d-%02d", y, m, d);
}

/* Age on 2024-06-15 from the ISO string, by hand. */
static int age_on_as_of(const char *birth) {
  int y = (int)strtol(birth, NULL, 10);
  int md = (int)strtol(birth + 5, NULL, 10) * 100 +
           (int)strtol(birth + 8, NULL, 10);
  return 2024 - y - (md > 615 ? 1 : 0);
}

static void test_random_roster_adds_up(void **state) {
  (void)state;
  enum { N = 3000 };
  static const char *const genders[] = {"男", "女", ""};
  static const char *const eths[] = {"汉族", "汉族", "回族", "蒙古族", ""};
  size_t ne = vlen(zb_educations), no = vlen(zb_occupations);
  long total = 0, full = 0, han = 0, minority = 0, eth_unknown = 0,
       skipped = 0, male = 0, joined = 0;
  long age[8] = {0}, period[4] = {0};
  long edu_unknown = 0, occ_unknown = 0;
  long edu[ZB_STATS_MAX_VOCAB] = {0}, occ[ZB_STATS_MAX_VOCAB] = {0};
  zb_stats s, half[2];
  zb_stats_init(&s, AS_OF);
  zb_stats_init(&half[0], AS_OF);
  zb_stats_init(&half[1], AS_OF);
  for (int i = 0; i < N; i++) {
    char birth[40], join[40], fulld[40];
    rnd_date(birth);
    rnd_date(join);
    rnd_date(fulld);
    const char *g = genders[rnd(3)];
    const char *e = eths[rnd(5)];
    size_t ei = rnd((uint32_t)ne + 1), oi = rnd((uint32_t)no + 1);
    const char *ed = ei < ne ? zb_educations[ei] : "";
    const char *oc = oi < no ? zb_occupations[oi] : "";
    const char *fd = rnd(4) == 0 ? "" : fulld;
    zb_member m = mk(g, e, birth, ed, join, fd, oc);
    zb_stats_add(&s, &m);
    zb_stats_add(&half[rnd(2)], &m);

    /* Developed in the default period 2024-01-01..2024-06-15, gender or
     * not: the period's count needs only the join date. */
    joined += strcmp(join, "2024-01-01") >= 0 && strcmp(join, "2024-06-15") <= 0;
    if (strcmp(join, "2024-06-15") > 0)
      continue;
    if (g[0] == '\0') {
      skipped++;
      continue;
    }
    total++;
    male += g == genders[0];
    full += fd[0] != '\0' && strcmp(fd, "2024-06-15") <= 0;
    if (e[0] == '\0')
      eth_unknown++;
    else if (strcmp(e, "汉族") == 0)
      han++;
    else
      minority++;
    int a = age_on_as_of(birth);
    age[a <= 30 ? 0 : a >= 61 ? 7 : a <= 35 ? 1 : a <= 40 ? 2 : a <= 45 ? 3
        : a <= 50 ? 4 : a <= 55 ? 5 : 6]++;
    if (strcmp(join, "1949-10-01") < 0)
      period[0]++;
    else if (strcmp(join, "1978-12-18") <= 0)
      period[1]++;
    else if (strcmp(join, "2012-11-08") <= 0)
      period[2]++;
    else
      period[3]++;
    if (ei < ne)
      edu[ei]++;
    else
      edu_unknown++;
    if (oi < no)
      occ[oi]++;
    else
      occ_unknown++;
  }
  assert_true(total > 100); /* the generator does exercise the counting */

  /* Counted in two halves and merged (the dashboard's two parts of a
   * county, zb_dues_report_tap): the same as counted whole, every count;
   * with reductions of every reason, which the roster above has none of. */
  for (int i = 0; i < 5; i++) {
    zb_member m = left(zb_leave_reasons[i], "2024-03-01");
    zb_stats_add(&s, &m);
    zb_stats_add(&half[i % 2], &m);
  }
  zb_stats_merge(&half[0], &half[1]);
  assert_memory_equal(&half[0], &s, sizeof s);
  for (int i = 0; i < 5; i++)
    assert_int_equal(s.left[i], 1);

  assert_int_equal(s.total, total);
  assert_int_equal(s.skipped, skipped);
  assert_int_equal(s.joined, joined);
  assert_int_equal(s.category[0], full);
  assert_int_equal(s.category[1], total - full);
  assert_int_equal(s.gender[0], male);
  assert_int_equal(s.gender[1], total - male);
  assert_int_equal(s.han, han);
  assert_int_equal(s.minority, minority);
  assert_int_equal(s.ethnicity_unknown, eth_unknown);
  for (int i = 0; i < 8; i++)
    assert_int_equal(s.age[i], age[i]);
  for (int i = 0; i < 4; i++)
    assert_int_equal(s.join_period[i], period[i]);
  for (size_t i = 0; i < ne; i++)
    assert_int_equal(s.education[i], edu[i]);
  for (size_t i = 0; i < no; i++)
    assert_int_equal(s.occupation[i], occ[i]);
  assert_int_equal(s.education_unknown, edu_unknown);
  assert_int_equal(s.occupation_unknown, occ_unknown);

  /* The invariant, on the JSON: every breakdown sums to total. */
  json_t *j = zb_stats_to_json(&s, "430121");
  assert_non_null(j);
  assert_int_equal(jget(j, "total"), total);
  const char *dims[] = {"category",  "gender",     "ethnicity", "age",
                        "education", "occupation", "join_period"};
  for (size_t d = 0; d < 7; d++) {
    json_t *obj = json_object_get(j, dims[d]);
    assert_true(json_is_object(obj));
    const char *key;
    json_t *v;
    long sum_d = 0;
    json_object_foreach(obj, key, v) {
      assert_true(json_is_integer(v));
      sum_d += (long)json_integer_value(v);
    }
    assert_int_equal(sum_d, total);
  }
  json_decref(j);
}

/* ---- CSV -------------------------------------------------------------- */

static char *capture_csv(const zb_stats *s, int *rc) {
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  assert_non_null(f);
  *rc = zb_stats_write_csv(s, "430121-03", f, false);
  assert_int_equal(fclose(f), 0);
  return buf;
}

static void test_csv(void **state) {
  (void)state;
  zb_stats s;
  zb_stats_init(&s, AS_OF);
  add_roster(&s);
  int rc;
  char *out = capture_csv(&s, &rc);
  assert_int_equal(rc, 0);

  /* Build the expected text by hand from the R_* counts. */
  char *want = NULL;
  size_t wlen = 0;
  FILE *w = open_memstream(&want, &wlen);
  assert_non_null(w);
  fprintf(w, "dimension,value,count\n");
  fprintf(w, "total,,%ld\n", R_TOTAL);
  fprintf(w, "category,正式党员,%ld\ncategory,预备党员,%ld\n", R_CATEGORY[0],
          R_CATEGORY[1]);
  fprintf(w, "gender,男,%ld\ngender,女,%ld\n", R_GENDER[0], R_GENDER[1]);
  fprintf(w, "ethnicity,汉族,%ld\nethnicity,少数民族,%ld\nethnicity,未填,%ld\n",
          R_ETH[0], R_ETH[1], R_ETH[2]);
  static const char *const age[] = {"<=30",  "31-35", "36-40", "41-45",
                                    "46-50", "51-55", "56-60", ">=61"};
  for (int i = 0; i < 8; i++)
    fprintf(w, "age,%s,%ld\n", age[i], R_AGE[i]);
  for (size_t i = 0; zb_educations[i] != NULL; i++)
    fprintf(w, "education,%s,%ld\n", zb_educations[i], r_vocab(i));
  fprintf(w, "education,未填,%ld\n", R_VOCAB_UNKNOWN);
  for (size_t i = 0; zb_occupations[i] != NULL; i++)
    fprintf(w, "occupation,%s,%ld\n", zb_occupations[i], r_vocab(i));
  fprintf(w, "occupation,未填,%ld\n", R_VOCAB_UNKNOWN);
  static const char *const per[] = {
      "before_1949-10-01", "1949-10-01_to_1978-12-18",
      "1978-12-19_to_2012-11-08", "after_2012-11-08"};
  for (int i = 0; i < 4; i++)
    fprintf(w, "join_period,%s,%ld\n", per[i], R_JOIN[i]);
  fprintf(w, "joined,,1\n");
  for (int i = 0; zb_leave_reasons[i]; i++)
    fprintf(w, "left,%s,0\n", zb_leave_reasons[i]);
  assert_int_equal(fclose(w), 0);

  assert_string_equal(out, want);
  free(want);
  free(out);
}

/* The Chinese CSV: a BOM, 项目,分类,人数, then the same counts in the same
 * order, with Chinese labels of the breakdowns and of the bands. */
static void test_csv_zh(void **state) {
  (void)state;
  zb_stats s;
  zb_stats_init(&s, AS_OF);
  add_roster(&s);
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  assert_non_null(f);
  assert_int_equal(zb_stats_write_csv(&s, "430121-03", f, true), 0);
  assert_int_equal(fclose(f), 0);
  char head[160];
  snprintf(head, sizeof head, "\xEF\xBB\xBF项目,分类,人数\n党员总数,,%ld\n人员类别,正式党员,%ld\n",
           R_TOTAL, R_CATEGORY[0]);
  assert_memory_equal(buf, head, strlen(head));
  char line[128];
  snprintf(line, sizeof line, "\n年龄,30岁及以下,%ld\n", R_AGE[0]);
  assert_non_null(strstr(buf, line));
  snprintf(line, sizeof line, "\n年龄,61岁及以上,%ld\n", R_AGE[7]);
  assert_non_null(strstr(buf, line));
  snprintf(line, sizeof line, "\n入党时间,党的十八大以来,%ld\n", R_JOIN[3]);
  assert_non_null(strstr(buf, line));
  snprintf(line, sizeof line, "\n入党时间,新中国成立前,%ld\n", R_JOIN[0]);
  assert_non_null(strstr(buf, line));
  assert_non_null(strstr(buf, "\n减少,去世,0\n"));
  assert_null(strstr(buf, "age"));
  free(buf);
}

/* A stream that refuses writes: the error must be reported. */
static void test_csv_write_error(void **state) {
  (void)state;
  FILE *f = fopen("/dev/full", "w");
  if (f == NULL)
    skip();
  zb_stats s;
  zb_stats_init(&s, AS_OF);
  add_roster(&s);
  assert_int_equal(zb_stats_write_csv(&s, "430121", f, false), ZB_EIO);
  fclose(f);
}

/* ---- human report ------------------------------------------------------ */

/* Display width for what the report prints: ASCII and 3-byte CJK. */
static size_t test_width(const char *s) {
  size_t w = 0;
  for (const unsigned char *p = (const unsigned char *)s; *p;) {
    if (*p < 0x80) {
      w += 1;
      p += 1;
    } else {
      assert_true(*p >= 0xE0 && *p < 0xF0);
      w += 2;
      p += 3;
    }
  }
  return w;
}

static void test_print(void **state) {
  (void)state;
  zb_stats s;
  zb_stats_init(&s, AS_OF);
  add_roster(&s);
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  assert_non_null(f);
  zb_stats_print(&s, "430121-03", f, false);
  assert_int_equal(fclose(f), 0);

  /* Title: org, date and total. */
  char *nl = strchr(buf, '\n');
  assert_non_null(nl);
  *nl = '\0';
  assert_non_null(strstr(buf, "430121-03"));
  assert_non_null(strstr(buf, "2024-06-15"));
  assert_non_null(strstr(buf, "total 5"));
  assert_null(strstr(nl + 1, "warning"));

  /* Then blocks separated by blank lines: header, rule, one row per value.
   * The count column is numeric, so right-aligned and last: every line of
   * a block has the same display width, and the rule is two dash runs. */
  const size_t ne = vlen(zb_educations), no = vlen(zb_occupations);
  const char *names[] = {"category",  "gender",     "ethnicity",   "age",
                         "education", "occupation", "join_period",
                         "joined 2024-01-01..2024-06-15", "left 2024-01-01..2024-06-15"};
  const size_t rows[] = {2, 2, 3, 8, ne + 1, no + 1, 4, 1, 5};
  char *p = nl + 1;
  for (size_t b = 0; b < 9; b++) {
    assert_true(*p == '\n');
    p++;
    size_t width = 0;
    for (size_t l = 0; l < rows[b] + 2; l++) {
      nl = strchr(p, '\n');
      assert_non_null(nl);
      *nl = '\0';
      if (l == 0) {
        assert_memory_equal(p, names[b], strlen(names[b]));
        width = test_width(p);
      } else {
        assert_int_equal(test_width(p), width);
      }
      if (l == 1) {
        size_t d1 = strspn(p, "-");
        assert_true(d1 > 0);
        assert_memory_equal(p + d1, "  ", 2);
        assert_int_equal(strspn(p + d1 + 2, "-"), width - d1 - 2);
      }
      p = nl + 1;
    }
  }
  assert_int_equal(*p, '\0');
  free(buf);
}

static void test_print_rows(void **state) {
  (void)state;
  zb_stats s;
  zb_stats_init(&s, AS_OF);
  add_roster(&s);
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  assert_non_null(f);
  zb_stats_print(&s, "430121-03", f, false);
  assert_int_equal(fclose(f), 0);
  /* The age table: value column 5 wide (">=61", "31-35"), count column 5
   * wide ("count"), so the 31-35 row (p2 only) is the value, two blanks,
   * and "1" right-aligned in five columns; 36-40 holds nobody. */
  assert_non_null(strstr(buf, "\nage    count\n-----  -----\n"));
  assert_non_null(strstr(buf, "\n31-35      1\n36-40      0\n"));
  /* Ethnicity: the header "ethnicity" (9) is wider than "少数民族" (8), so
   * 汉族 (4) gets 5 + 2 + 4 blanks before its count, 少数民族 1 + 2 + 4. */
  assert_non_null(strstr(buf, "\n汉族           2\n少数民族       2\n"
                              "未填           1\n"));
  free(buf);
}

static void test_print_warns_on_skipped(void **state) {
  (void)state;
  zb_stats s;
  zb_stats_init(&s, AS_OF);
  zb_member bad = mk("", "汉族", "1980-01-01", "", "2005-01-01", "", "");
  zb_stats_add(&s, &bad);
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  assert_non_null(f);
  zb_stats_print(&s, "430121", f, false);
  assert_int_equal(fclose(f), 0);
  assert_non_null(strstr(buf, "warning: 1 record"));
  free(buf);
}

/* In Chinese the report speaks the 党内统计公报's labels: no key of --json
 * (before_1949-10-01, <=30, "count") reaches a person. */
static void test_print_zh(void **state) {
  (void)state;
  zb_stats s;
  zb_stats_init(&s, AS_OF);
  add_roster(&s);
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  assert_non_null(f);
  zb_stats_print(&s, "430121-03", f, true);
  assert_int_equal(fclose(f), 0);
  assert_non_null(strstr(buf, "党员总数 5"));
  assert_non_null(strstr(buf, "\n年龄        人数\n"));
  assert_non_null(strstr(buf, "新中国成立前"));
  assert_non_null(strstr(buf, "31至35岁"));
  for (size_t i = 0; i < 4; i++)
    assert_null(strstr(buf, zb_stats_join_periods[i]));
  for (size_t i = 0; i < 8; i++)
    assert_null(strstr(buf, zb_stats_age_bands[i]));
  assert_null(strstr(buf, "count"));
  free(buf);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_print_zh),
      cmocka_unit_test(test_age_band_boundaries),
      cmocka_unit_test(test_age_leap_day),
      cmocka_unit_test(test_join_period_boundaries),
      cmocka_unit_test(test_category_as_of),
      cmocka_unit_test(test_dimensions_and_unknown),
      cmocka_unit_test(test_unusable_records_skipped),
      cmocka_unit_test(test_json),
      cmocka_unit_test(test_left),
      cmocka_unit_test(test_random_roster_adds_up),
      cmocka_unit_test(test_csv),
      cmocka_unit_test(test_csv_zh),
      cmocka_unit_test(test_csv_write_error),
      cmocka_unit_test(test_print),
      cmocka_unit_test(test_print_rows),
      cmocka_unit_test(test_print_warns_on_skipped),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
