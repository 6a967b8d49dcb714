/*
 * test_record.c — member and org validation (docs/RECORDS.md).
 *
 * Every case starts from a valid member and changes one thing, then checks
 * that exactly the expected problem is reported, on the expected field: so
 * the tests also catch a rule that fires twice or drags others with it.
 * "Today" is fixed at 2026-11-26.  ID numbers are built with this file's
 * own MOD 11-2 (checked against GB 11643-1999's printed example), not with
 * the code under test.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "why_en.h"
#include "zb_record.h"

static const zb_date TODAY = {2026, 11, 26};

/* ---- helpers ------------------------------------------------------------ */

#define MAXP 32
struct probs {
  int n;
  int field[MAXP];
  char reason[MAXP][1024];
};

static void collect(void *ctx, int field, const char *reason) {
  struct probs *p = ctx;
  assert_non_null(reason);
  assert_true(reason[0] != '\0');
  if (p->n < MAXP) {
    p->field[p->n] = field;
    snprintf(p->reason[p->n], sizeof p->reason[p->n], "%s", reason);
  }
  p->n++;
}

static void dump(const struct probs *p) {
  for (int i = 0; i < p->n && i < MAXP; i++)
    print_message("  problem %d: field %d: %s\n", i, p->field[i],
                  p->reason[i]);
}

static int run_member(const zb_member *m, struct probs *p) {
  memset(p, 0, sizeof *p);
  int n = zb_member_validate(m, TODAY, collect, p);
  assert_int_equal(n, p->n); /* the count returned is the count reported */
  return n;
}

static void expect_ok(const zb_member *m) {
  struct probs p;
  if (run_member(m, &p) != 0) {
    dump(&p);
    fail_msg("expected a valid member, got %d problem(s)", p.n);
  }
}

/* Exactly one problem, on field, whose reason contains `has`. */
static void expect_one(const zb_member *m, int field, const char *has) {
  struct probs p;
  run_member(m, &p);
  if (p.n != 1 || p.field[0] != field || strstr(EN(p.reason[0]), has) == NULL) {
    dump(&p);
    fail_msg("expected one problem on field %d containing \"%s\"", field,
             has);
  }
}

/* n copies of the UTF-8 character c into out (which holds ZB_FIELD_MAX+1). */
static void repeat(char out[ZB_FIELD_MAX + 1], const char *c, int n) {
  size_t len = strlen(c), used = 0;
  for (int i = 0; i < n && used + len <= ZB_FIELD_MAX; i++, used += len)
    memcpy(out + used, c, len);
  out[used] = '\0';
}

static void set(zb_member *m, int field, const char *value) {
  snprintf(m->v[field], sizeof m->v[field], "%s", value);
}

/* Independent MOD 11-2 (GB 11643-1999 §5.2). */
static char oracle_check(const char *first17) {
  static const int w[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4,
                            2};
  int sum = 0;
  for (int i = 0; i < 17; i++)
    sum += (first17[i] - '0') * w[i];
  return "10X98765432"[sum % 11];
}

/* id_number for area 430121, the given YYYY-MM-DD and sequence seq. */
static void make_idnum(char out[19], const char *iso, int seq) {
  snprintf(out, 19, "430121%.4s%.2s%.2s%03d?", iso, iso + 5, iso + 8, seq);
  out[17] = oracle_check(out);
}

/* Birth date, matching id_number and gender. */
static void set_person(zb_member *m, const char *birth_iso, bool male) {
  char id[19];
  make_idnum(id, birth_iso, male ? 1 : 2);
  set(m, ZB_MF_BIRTH_DATE, birth_iso);
  set(m, ZB_MF_ID_NUMBER, id);
  set(m, ZB_MF_GENDER, male ? "男" : "女");
}

static void set_full(zb_member *m, const char *join, const char *full) {
  set(m, ZB_MF_CATEGORY, "正式党员");
  set(m, ZB_MF_JOIN_DATE, join);
  set(m, ZB_MF_FULL_DATE, full);
}

static void set_probationary(zb_member *m, const char *join) {
  set(m, ZB_MF_CATEGORY, "预备党员");
  set(m, ZB_MF_JOIN_DATE, join);
  set(m, ZB_MF_FULL_DATE, "");
}

static zb_member base; /* large: keep it off the stack */

static void fill_base(zb_member *m) {
  memset(m, 0, sizeof *m);
  set(m, ZB_MF_ID, "M0000000001");
  set(m, ZB_MF_NAME, "张三");
  set(m, ZB_MF_ETHNICITY, "汉族");
  set_person(m, "1980-01-01", true);
  set(m, ZB_MF_EDUCATION, "大学本科");
  set_full(m, "2005-07-01", "2006-07-01");
  set(m, ZB_MF_ORG_CODE, "430121-03-07");
  set(m, ZB_MF_PHONE, "13800138000");
  set(m, ZB_MF_OCCUPATION, "工人");
}

static int setup(void **state) {
  (void)state;
  fill_base(&base);
  return 0;
}

/* ---- members ------------------------------------------------------------ */

static void test_oracle_matches_standard(void **state) {
  (void)state;
  assert_int_equal(oracle_check("11010519491231002"), 'X');
  assert_int_equal(oracle_check("44052418800101001"), '4');
  assert_string_equal(base.v[ZB_MF_ID_NUMBER], "430121198001010010");
}

static void test_valid_member(void **state) {
  (void)state;
  expect_ok(&base);
  assert_int_equal(zb_member_validate(&base, TODAY, NULL, NULL), 0);
}

/* Rows as the reference roster generator writes them (tests/tools/gen_roster.c
 * writes the same bytes). */
static void test_generator_rows(void **state) {
  (void)state;
  /* The roster's columns: the fields before the ones only leave sets. */
  static const char *const rows[][ZB_MF_STATUS] = {
      {"M0000000001", "顾伟平", "男", "汉族", "1940-12-03",
       "430121194012034773", "高中", "正式党员", "1974-11-06", "1975-11-06",
       "430121-01-01", "16030738104", "离退休人员"},
      {"M0000000019", "卢雨远", "男", "汉族", "1991-11-16",
       "430121199111164576", "大学专科", "预备党员", "2026-10-15", "",
       "430121-04-04", "14677807531", "其他职业人员"},
      {"M0000000052", "朱振", "女", "土家族", "1965-01-25",
       "430121196501250222", "大学专科", "正式党员", "1989-06-07",
       "1990-06-07", "430121-03-02", "16130750063", "离退休人员"},
      {"M0000001419", "卢涛", "男", "汉族", "1948-02-29",
       "430121194802295919", "高中", "正式党员", "1968-10-05", "1969-10-05",
       "430121-04-04", "13547774000", "工人"},
  };
  for (size_t r = 0; r < sizeof rows / sizeof rows[0]; r++) {
    zb_member m;
    memset(&m, 0, sizeof m);
    for (int f = 0; f < ZB_MF_STATUS; f++)
      set(&m, f, rows[r][f]);
    expect_ok(&m);
  }
}

static void test_required_fields(void **state) {
  (void)state;
  static const int required[] = {ZB_MF_ID,        ZB_MF_NAME,
                                 ZB_MF_GENDER,    ZB_MF_BIRTH_DATE,
                                 ZB_MF_ID_NUMBER, ZB_MF_JOIN_DATE,
                                 ZB_MF_CATEGORY,  ZB_MF_ORG_CODE};
  for (size_t i = 0; i < sizeof required / sizeof required[0]; i++) {
    zb_member m = base;
    set(&m, required[i], "");
    expect_one(&m, required[i], "required");
  }
}

static void test_optional_fields(void **state) {
  (void)state;
  static const int optional[] = {ZB_MF_ETHNICITY, ZB_MF_EDUCATION,
                                 ZB_MF_PHONE, ZB_MF_OCCUPATION};
  zb_member m = base;
  for (size_t i = 0; i < sizeof optional / sizeof optional[0]; i++)
    set(&m, optional[i], "");
  expect_ok(&m);
  for (size_t i = 0; i < sizeof optional / sizeof optional[0]; i++) {
    m = base;
    set(&m, optional[i], "");
    expect_ok(&m);
  }
}

static int vocab_len(const char *const *v) {
  int n = 0;
  while (v[n] != NULL)
    n++;
  return n;
}

static void assert_distinct(const char *const *v) {
  for (int i = 0; v[i]; i++)
    for (int j = i + 1; v[j]; j++)
      if (strcmp(v[i], v[j]) == 0)
        fail_msg("\"%s\" twice", v[i]);
}

static void test_vocabulary_contents(void **state) {
  (void)state;
  assert_int_equal(vocab_len(zb_genders), 2);
  assert_string_equal(zb_genders[0], "男");
  assert_string_equal(zb_genders[1], "女");
  assert_int_equal(vocab_len(zb_categories), 2);
  assert_string_equal(zb_categories[0], "正式党员");
  assert_string_equal(zb_categories[1], "预备党员");
  assert_int_equal(vocab_len(zb_org_types), 3);
  assert_string_equal(zb_org_types[0], "committee");
  assert_string_equal(zb_org_types[1], "general_branch");
  assert_string_equal(zb_org_types[2], "branch");

  /* GB/T 3304-1991 codes 01-56. */
  assert_int_equal(vocab_len(zb_ethnicities), 56);
  static const struct {
    int code;
    const char *name;
  } gb3304[] = {{1, "汉族"},      {2, "蒙古族"},   {3, "回族"},
                {4, "藏族"},      {5, "维吾尔族"}, {6, "苗族"},
                {8, "壮族"},      {10, "朝鲜族"},  {11, "满族"},
                {13, "瑶族"},     {15, "土家族"},  {29, "柯尔克孜族"},
                {43, "乌孜别克族"}, {44, "俄罗斯族"}, {55, "珞巴族"},
                {56, "基诺族"}};
  for (size_t i = 0; i < sizeof gb3304 / sizeof gb3304[0]; i++)
    assert_string_equal(zb_ethnicities[gb3304[i].code - 1], gb3304[i].name);
  assert_distinct(zb_ethnicities);
  for (int i = 0; zb_ethnicities[i]; i++) {
    /* Every name is 2-5 characters and ends in 族. */
    size_t len = strlen(zb_ethnicities[i]);
    assert_true(len >= 6 && len <= 15);
    assert_string_equal(zb_ethnicities[i] + len - 3, "族");
  }

  /* The values gen_roster.py writes, highest education first. */
  static const char *const edu[] = {"研究生",   "大学本科", "大学专科",
                                    "中等专科", "高中",     "初中及以下"};
  int last = -1;
  for (size_t i = 0; i < sizeof edu / sizeof edu[0]; i++) {
    int k = zb_vocab_index(zb_educations, edu[i]);
    assert_true(k > last);
    last = k;
  }
  assert_true(vocab_len(zb_educations) <= 64);
  assert_distinct(zb_educations);

  static const char *const jobs[] = {
      "农牧渔民",           "工人",         "企事业单位专业技术人员",
      "企事业单位管理人员", "党政机关工作人员", "学生",
      "离退休人员",         "其他职业人员"};
  for (size_t i = 0; i < sizeof jobs / sizeof jobs[0]; i++)
    assert_true(zb_vocab_index(zb_occupations, jobs[i]) >= 0);
  assert_true(vocab_len(zb_occupations) <= 64);
  assert_distinct(zb_occupations);

  assert_int_equal(zb_vocab_index(zb_genders, "女"), 1);
  assert_int_equal(zb_vocab_index(zb_genders, "x"), -1);
  assert_int_equal(zb_vocab_index(zb_genders, NULL), -1);
  assert_int_equal(zb_vocab_index(NULL, "男"), -1);
}

static void test_every_vocabulary_value(void **state) {
  (void)state;
  zb_member m = base;
  for (int i = 0; zb_ethnicities[i]; i++) {
    set(&m, ZB_MF_ETHNICITY, zb_ethnicities[i]);
    expect_ok(&m);
  }
  m = base;
  for (int i = 0; zb_educations[i]; i++) {
    set(&m, ZB_MF_EDUCATION, zb_educations[i]);
    expect_ok(&m);
  }
  m = base;
  for (int i = 0; zb_occupations[i]; i++) {
    set(&m, ZB_MF_OCCUPATION, zb_occupations[i]);
    expect_ok(&m);
  }
  m = base;
  set_person(&m, "1980-01-01", false);
  expect_ok(&m); /* 女 */
  set_probationary(&m, "2026-01-01");
  expect_ok(&m); /* 预备党员 */
}

static void test_unknown_vocabulary_values(void **state) {
  (void)state;
  zb_member m = base;
  set(&m, ZB_MF_GENDER, "M");
  expect_one(&m, ZB_MF_GENDER, "expected 男 or 女");
  m = base;
  set(&m, ZB_MF_ETHNICITY, "汉");
  expect_one(&m, ZB_MF_ETHNICITY, "56 ethnic groups");
  set(&m, ZB_MF_ETHNICITY, "穿青人"); /* GB 3304 code 97, not a group */
  expect_one(&m, ZB_MF_ETHNICITY, "56 ethnic groups");
  m = base;
  set(&m, ZB_MF_EDUCATION, "小学");
  expect_one(&m, ZB_MF_EDUCATION, "研究生");
  m = base;
  set(&m, ZB_MF_CATEGORY, "党员");
  expect_one(&m, ZB_MF_CATEGORY, "expected 正式党员 or 预备党员");
  m = base;
  set(&m, ZB_MF_OCCUPATION, "农民");
  expect_one(&m, ZB_MF_OCCUPATION, "其他职业人员");
  m = base;
  set(&m, ZB_MF_GENDER, "男 "); /* trailing space is not the value */
  expect_one(&m, ZB_MF_GENDER, "unknown value");
}

static void test_member_id(void **state) {
  (void)state;
  static const char *const good[] = {"M1", "a", "M-1_x.Y",
                                     "0123456789abcdefghijABCDEFGHIJ-_"};
  static const char *const bad[] = {"M 1", "张三", "a/b", "a,b", "a+b",
                                    "0123456789abcdefghijABCDEFGHIJ-_."};
  zb_member m = base;
  for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
    set(&m, ZB_MF_ID, good[i]);
    expect_ok(&m);
  }
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    set(&m, ZB_MF_ID, bad[i]);
    expect_one(&m, ZB_MF_ID, "ASCII letters");
  }
}

static void test_name(void **state) {
  (void)state;
  zb_member m = base;
  char buf[ZB_FIELD_MAX + 1];
  repeat(buf, "汉", 32); /* 32 characters, 96 bytes */
  assert_int_equal(strlen(buf), 96);
  set(&m, ZB_MF_NAME, buf);
  expect_ok(&m);
  repeat(buf, "汉", 33);
  set(&m, ZB_MF_NAME, buf);
  expect_one(&m, ZB_MF_NAME, "33 characters");
  set(&m, ZB_MF_NAME, "abcdefghijabcdefghijabcdefghijab"); /* 32 */
  expect_ok(&m);
  set(&m, ZB_MF_NAME, "阿依古丽·买买提");
  expect_ok(&m);
}

static void test_text_checks(void **state) {
  (void)state;
  zb_member m = base;
  set(&m, ZB_MF_NAME, "\xe5\xbc"); /* truncated */
  expect_one(&m, ZB_MF_NAME, "UTF-8");
  set(&m, ZB_MF_NAME, "\xc0\xbc"); /* overlong */
  expect_one(&m, ZB_MF_NAME, "UTF-8");
  set(&m, ZB_MF_NAME, "张\n三");
  expect_one(&m, ZB_MF_NAME, "control character");

  /* A field filling its whole array without a NUL: 257 bytes. */
  m = base;
  memset(m.v[ZB_MF_OCCUPATION], 'a', sizeof m.v[ZB_MF_OCCUPATION]);
  expect_one(&m, ZB_MF_OCCUPATION, "longer than 256 bytes");

  /* 256 bytes is not too long: the field then fails on its own rule. */
  m = base;
  memset(m.v[ZB_MF_OCCUPATION], 'a', ZB_FIELD_MAX);
  m.v[ZB_MF_OCCUPATION][ZB_FIELD_MAX] = '\0';
  expect_one(&m, ZB_MF_OCCUPATION, "unknown value");

  /* A malformed id_number skips the rules that read it: one problem. */
  m = base;
  set(&m, ZB_MF_ID_NUMBER, "43012119800101\xff" "010");
  expect_one(&m, ZB_MF_ID_NUMBER, "UTF-8");
}

static void test_dates_malformed(void **state) {
  (void)state;
  static const struct {
    const char *value;
    const char *has;
  } cases[] = {
      {"1980/01/01", "YYYY-MM-DD"}, {"1980-1-1", "YYYY-MM-DD"},
      {"01-01-1980", "YYYY-MM-DD"}, {"19800101", "YYYY-MM-DD"},
      {"1980-01-01 ", "YYYY-MM-DD"}, {"1980-02-30", "not a real date"},
      {"1980-13-01", "not a real date"}, {"1980-00-01", "not a real date"},
      {"1899-12-31", "1900"},
  };
  /* Each date field; the cross-field rules must not add noise. */
  static const int fields[] = {ZB_MF_BIRTH_DATE, ZB_MF_JOIN_DATE,
                               ZB_MF_FULL_DATE};
  for (size_t f = 0; f < sizeof fields / sizeof fields[0]; f++) {
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
      zb_member m = base;
      set(&m, fields[f], cases[i].value);
      expect_one(&m, fields[f], cases[i].has);
    }
  }
}

static void test_leap_days(void **state) {
  (void)state;
  zb_member m = base;
  set_person(&m, "2000-02-29", true);
  set_full(&m, "2018-03-01", "2019-03-01");
  expect_ok(&m);
  set(&m, ZB_MF_JOIN_DATE, "1900-02-29");
  expect_one(&m, ZB_MF_JOIN_DATE, "not a real date");
  set(&m, ZB_MF_JOIN_DATE, "2023-02-29");
  expect_one(&m, ZB_MF_JOIN_DATE, "not a real date");
  set(&m, ZB_MF_JOIN_DATE, "2024-02-29");
  set(&m, ZB_MF_FULL_DATE, "2025-02-28");
  expect_ok(&m);
}

static void test_future_dates(void **state) {
  (void)state;
  zb_member m = base;
  set_probationary(&m, "2026-11-26"); /* today itself is fine */
  expect_ok(&m);
  set(&m, ZB_MF_JOIN_DATE, "2026-11-27");
  expect_one(&m, ZB_MF_JOIN_DATE, "is after today (2026-11-26)");

  m = base;
  set_full(&m, "2025-11-26", "2026-11-26");
  expect_ok(&m);
  set(&m, ZB_MF_FULL_DATE, "2026-11-27");
  expect_one(&m, ZB_MF_FULL_DATE, "is after today (2026-11-26)");

  /* A birth date in the future: one problem, not also "too young". */
  m = base;
  set_person(&m, "2027-01-01", true);
  expect_one(&m, ZB_MF_BIRTH_DATE, "is after today (2026-11-26)");
}

/* 党章 第一条: eighteen or over.  The day before the 18th birthday is
 * refused, the birthday itself accepted. */
static void test_join_age_boundary(void **state) {
  (void)state;
  zb_member m = base;
  set_person(&m, "1990-06-15", true);
  set_full(&m, "2008-06-15", "2009-06-15");
  expect_ok(&m);
  set_full(&m, "2008-06-14", "2009-06-14");
  expect_one(&m, ZB_MF_JOIN_DATE, "(on or after 2008-06-15)");
  set_full(&m, "1995-01-01", "1996-01-01");
  expect_one(&m, ZB_MF_JOIN_DATE, "at least 18 years after birth_date");

  /* Born 29 February 2000: 18 on 28 February 2018 (gen_roster.py). */
  set_person(&m, "2000-02-29", false);
  set_full(&m, "2018-02-28", "2019-02-28");
  expect_ok(&m);
  set_full(&m, "2018-02-27", "2019-02-27");
  expect_one(&m, ZB_MF_JOIN_DATE, "(on or after 2018-02-28)");

  /* Born 29 February 1996: 18 on 28 February 2014. */
  set_person(&m, "1996-02-29", true);
  set_full(&m, "2014-02-28", "2015-02-28");
  expect_ok(&m);
  set_full(&m, "2014-02-27", "2015-02-27");
  expect_one(&m, ZB_MF_JOIN_DATE, "2014-02-28");
}

/* 党章 第七条: probation one year, extendable once by up to 12 months:
 * join + 1 year <= full_date <= join + 2 years. */
static void test_full_date_boundaries(void **state) {
  (void)state;
  zb_member m = base;
  set_full(&m, "2005-07-01", "2006-06-30");
  expect_one(&m, ZB_MF_FULL_DATE, "(on or after 2006-07-01)");
  set_full(&m, "2005-07-01", "2006-07-01");
  expect_ok(&m);
  set_full(&m, "2005-07-01", "2007-01-01"); /* extended by 6 months */
  expect_ok(&m);
  set_full(&m, "2005-07-01", "2007-07-01"); /* extended by 12 months */
  expect_ok(&m);
  set_full(&m, "2005-07-01", "2007-07-02");
  expect_one(&m, ZB_MF_FULL_DATE, "(on or before 2007-07-01)");
  set_full(&m, "2005-07-01", "2005-07-01");
  expect_one(&m, ZB_MF_FULL_DATE, "at least 1 year after join_date");
  set_full(&m, "2005-07-01", "2004-07-01"); /* before joining */
  expect_one(&m, ZB_MF_FULL_DATE, "at least 1 year after join_date");

  /* Joined on 29 February: one year on is 28 February. */
  set_full(&m, "2004-02-29", "2005-02-28");
  expect_ok(&m);
  set_full(&m, "2004-02-29", "2005-02-27");
  expect_one(&m, ZB_MF_FULL_DATE, "2005-02-28");
  set_full(&m, "2004-02-29", "2006-02-28");
  expect_ok(&m);
  set_full(&m, "2004-02-29", "2006-03-01");
  expect_one(&m, ZB_MF_FULL_DATE, "(on or before 2006-02-28)");
}

static void test_full_date_and_category(void **state) {
  (void)state;
  zb_member m = base;
  set(&m, ZB_MF_FULL_DATE, "");
  expect_one(&m, ZB_MF_FULL_DATE, "required for 正式党员");
  m = base;
  set(&m, ZB_MF_CATEGORY, "预备党员");
  expect_one(&m, ZB_MF_FULL_DATE, "must be empty for 预备党员");
  set(&m, ZB_MF_FULL_DATE, "not-a-date");
  expect_one(&m, ZB_MF_FULL_DATE, "must be empty for 预备党员");
  set_probationary(&m, "2026-06-01");
  expect_ok(&m);
  /* An unknown category: only that is reported, whatever full_date is. */
  m = base;
  set(&m, ZB_MF_CATEGORY, "积极分子");
  expect_one(&m, ZB_MF_CATEGORY, "unknown value");
  set(&m, ZB_MF_FULL_DATE, "");
  expect_one(&m, ZB_MF_CATEGORY, "unknown value");
  /* A bad join_date skips the probation rule. */
  m = base;
  set(&m, ZB_MF_JOIN_DATE, "2005-07-32");
  set(&m, ZB_MF_FULL_DATE, "2020-01-01");
  expect_one(&m, ZB_MF_JOIN_DATE, "not a real date");
}

/* GB 11643-1999: the 17th digit is odd for men, even for women. */
static void test_gender_parity(void **state) {
  (void)state;
  zb_member m = base; /* sequence 001: a man */
  set(&m, ZB_MF_GENDER, "女");
  expect_one(&m, ZB_MF_GENDER, "17th digit 1 is odd");
  set_person(&m, "1980-01-01", false); /* sequence 002 */
  expect_ok(&m);
  set(&m, ZB_MF_GENDER, "男");
  expect_one(&m, ZB_MF_GENDER, "17th digit 2 is even");
  /* An unknown gender: no parity complaint on top. */
  set(&m, ZB_MF_GENDER, "未知");
  expect_one(&m, ZB_MF_GENDER, "unknown value");
}

static void test_birth_date_matches_idnum(void **state) {
  (void)state;
  zb_member m = base;
  set(&m, ZB_MF_BIRTH_DATE, "1980-01-02");
  expect_one(&m, ZB_MF_BIRTH_DATE,
             "does not match id_number birth date 19800101");
  m = base;
  char id[19];
  make_idnum(id, "1979-12-31", 1);
  set(&m, ZB_MF_ID_NUMBER, id);
  expect_one(&m, ZB_MF_BIRTH_DATE,
             "does not match id_number birth date 19791231");
}

static void test_idnum_in_record(void **state) {
  (void)state;
  zb_member m = base;
  set(&m, ZB_MF_ID_NUMBER, "430121198001010013");
  expect_one(&m, ZB_MF_ID_NUMBER, "check character is 3, expected 0");

  /* Sequence 007 on the base birth date has the check character X. */
  char id[19];
  make_idnum(id, "1980-01-01", 7);
  assert_string_equal(id, "43012119800101007X");
  set(&m, ZB_MF_ID_NUMBER, id);
  expect_ok(&m);
  id[17] = 'x';
  set(&m, ZB_MF_ID_NUMBER, id);
  expect_one(&m, ZB_MF_ID_NUMBER, "check character is x, expected X");
  set(&m, ZB_MF_ID_NUMBER, "43012119800101001X");
  expect_one(&m, ZB_MF_ID_NUMBER, "check character is X, expected 0");
  set(&m, ZB_MF_ID_NUMBER, "4301211980010100X0");
  expect_one(&m, ZB_MF_ID_NUMBER, "digits");
  set(&m, ZB_MF_ID_NUMBER, "43012119800101001");
  expect_one(&m, ZB_MF_ID_NUMBER, "18 characters");
  set(&m, ZB_MF_ID_NUMBER, "4301211980010100100");
  expect_one(&m, ZB_MF_ID_NUMBER, "18 characters");

  /* A bad birth date inside the number (check character right): one
   * problem, and no "does not match birth_date" on top. */
  m = base;
  make_idnum(id, "1999-02-29", 1);
  set(&m, ZB_MF_ID_NUMBER, id);
  expect_one(&m, ZB_MF_ID_NUMBER, "not a real date");
}

static void test_phone(void **state) {
  (void)state;
  /* The normal forms (an import writes them from what people type:
   * test_norm.c); the validator reads nothing else. */
  static const char *const good[] = {"",
                                     "13800138000",
                                     "19912345678",
                                     "10000000000",
                                     "0731-84012345",
                                     "010-62345678",
                                     "020-2345678",
                                     "84012345",
                                     "2345678",
                                     "0731-84012345-123",
                                     "84012345-1",
                                     "0731-84012345-123456"};
  static const char *const bad[] = {"23800138000",   "1380013800",
                                    "138001380000",  "1380013800a",
                                    "+8613800138000", "138-0013-800",
                                    "１３８００１３８０００", "0731 84012345",
                                    "(0731)84012345", "073184012345",
                                    "0731-04012345", "0731-840123",
                                    "0731-840123456", "030-84012345", "010-12345678",
                                    "011-84012345",   "0231-84012345",
                                    "0731-84012345-", "0731-84012345-1234567",
                                    "84012345-",      "1234567",
                                    "0731-",          "-84012345",
                                    "0731-84012345-12-3"};
  zb_member m = base;
  for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
    set(&m, ZB_MF_PHONE, good[i]);
    expect_ok(&m);
  }
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    set(&m, ZB_MF_PHONE, bad[i]);
    expect_one(&m, ZB_MF_PHONE, "11 digits from 1");
  }
}

static void test_member_org_code(void **state) {
  (void)state;
  zb_member m = base;
  set(&m, ZB_MF_ORG_CODE, "430121");
  expect_ok(&m);
  set(&m, ZB_MF_ORG_CODE, "430121-0A-xyz");
  expect_ok(&m);
  set(&m, ZB_MF_ORG_CODE, "43012-03");
  expect_one(&m, ZB_MF_ORG_CODE, "org code");
}

static void test_problems_add_up(void **state) {
  (void)state;
  zb_member m = base;
  set(&m, ZB_MF_PHONE, "123");
  set(&m, ZB_MF_EDUCATION, "博士后");
  set(&m, ZB_MF_ID, "");
  struct probs p;
  assert_int_equal(run_member(&m, &p), 3);
  /* Each field once. */
  int seen[ZB_MF__COUNT] = {0};
  for (int i = 0; i < p.n; i++)
    seen[p.field[i]]++;
  assert_int_equal(seen[ZB_MF_PHONE], 1);
  assert_int_equal(seen[ZB_MF_EDUCATION], 1);
  assert_int_equal(seen[ZB_MF_ID], 1);
  /* Without a callback the count is the same. */
  assert_int_equal(zb_member_validate(&m, TODAY, NULL, NULL), 3);

  /* An empty record: the eight required fields, nothing else. */
  memset(&m, 0, sizeof m);
  assert_int_equal(run_member(&m, &p), 8);
  for (int i = 0; i < p.n; i++)
    assert_non_null(strstr(EN(p.reason[i]), "required"));
}

static void test_field_names(void **state) {
  (void)state;
  static const char *const want[ZB_MF__COUNT] = {
      "id",        "name",      "gender",   "ethnicity", "birth_date",
      "id_number", "education", "category", "join_date", "full_date",
      "org_code",  "phone",     "occupation", "status", "leave_reason",
      "leave_date", "leave_note", "role"};
  for (int f = 0; f < ZB_MF__COUNT; f++) {
    assert_string_equal(zb_kind_field_name(&zb_kind_member, f), want[f]);
    assert_int_equal(zb_kind_field(&zb_kind_member, want[f], strlen(want[f])), f);
  }
  assert_int_equal(zb_kind_member.nfields, ZB_MF__COUNT);
  assert_int_equal(zb_kind_field(&zb_kind_member, "namex", 4), ZB_MF_NAME);
  assert_int_equal(zb_kind_field(&zb_kind_member, "name", 3), -1);
  assert_int_equal(zb_kind_field(&zb_kind_member, "nope", 4), -1);
  assert_int_equal(zb_kind_field(&zb_kind_member, "", 0), -1);
  static const char *const owant[ZB_OF__COUNT] = {"code", "name", "type",
                                                   "parent_code"};
  for (int f = 0; f < ZB_OF__COUNT; f++) {
    assert_string_equal(zb_kind_field_name(&zb_kind_org, f), owant[f]);
    assert_int_equal(zb_kind_field(&zb_kind_org, owant[f], strlen(owant[f])), f);
  }
  assert_int_equal(zb_kind_org.nfields, ZB_OF__COUNT);
  assert_int_equal(zb_kind_field(&zb_kind_org, "parent", 6), -1);
  assert_null(zb_kind_field_name(&zb_kind_org, ZB_OF__COUNT));
}

/* ---- orgs --------------------------------------------------------------- */

static void test_org_code_valid(void **state) {
  (void)state;
  static const char *const good[] = {
      "430121", "430121-03", "430121-03-07", "430121-a", "430121-12345678",
      "110105-A1-b2-C3",
      /* exactly 64 bytes */
      "430121-12345678-12345678-12345678-12345678-12345678-1234567-1234"};
  static const char *const bad[] = {
      "",          "43012",          "4301210",        "43012a",
      "430121-",   "430121--03",     "430121-03-",     "-430121",
      "430121-123456789", "430121-0_3", "430121-03 07", "430121.03",
      "430121-汉", " 430121",
      /* 65 bytes */
      "430121-12345678-12345678-12345678-12345678-12345678-1234567-12345"};
  for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
    if (!zb_org_code_valid(good[i]))
      fail_msg("\"%s\" refused", good[i]);
  assert_int_equal(strlen(good[6]), 64);
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    if (zb_org_code_valid(bad[i]))
      fail_msg("\"%s\" accepted", bad[i]);
  assert_int_equal(strlen(bad[14]), 65);
  assert_false(zb_org_code_valid(NULL));
}

static void test_org_subtree(void **state) {
  (void)state;
  assert_true(zb_org_in_subtree("430121", "430121"));
  assert_true(zb_org_in_subtree("430121-03", "430121"));
  assert_true(zb_org_in_subtree("430121-03-07", "430121"));
  assert_true(zb_org_in_subtree("430121-03-07", "430121-03"));
  assert_false(zb_org_in_subtree("430121", "430121-03"));
  assert_false(zb_org_in_subtree("430121-10", "430121-1"));
  assert_false(zb_org_in_subtree("430121-1", "430121-10"));
  assert_false(zb_org_in_subtree("4301210", "430121"));
  assert_false(zb_org_in_subtree("430122-03", "430121"));
  assert_false(zb_org_in_subtree("430121-04-07", "430121-03"));
  assert_false(zb_org_in_subtree(NULL, "430121"));
  assert_false(zb_org_in_subtree("430121", NULL));
}

static void test_org_parent(void **state) {
  (void)state;
  char out[ZB_FIELD_MAX + 1];
  memset(out, 'x', sizeof out);
  zb_org_parent("430121-03-07", out);
  assert_string_equal(out, "430121-03");
  zb_org_parent("430121-03", out);
  assert_string_equal(out, "430121");
  zb_org_parent("430121", out);
  assert_string_equal(out, "");
  zb_org_parent("110105-A1-b2-C3", out);
  assert_string_equal(out, "110105-A1-b2");
}

static int run_org(const zb_org *o, struct probs *p) {
  memset(p, 0, sizeof *p);
  int n = zb_org_validate(o, collect, p);
  assert_int_equal(n, p->n);
  return n;
}

static void org_set(zb_org *o, const char *code, const char *name,
                    const char *type, const char *parent) {
  memset(o, 0, sizeof *o);
  snprintf(o->v[ZB_OF_CODE], sizeof o->v[0], "%s", code);
  snprintf(o->v[ZB_OF_NAME], sizeof o->v[0], "%s", name);
  snprintf(o->v[ZB_OF_TYPE], sizeof o->v[0], "%s", type);
  snprintf(o->v[ZB_OF_PARENT_CODE], sizeof o->v[0], "%s", parent);
}

static void expect_org(const zb_org *o, int field, const char *has) {
  struct probs p;
  run_org(o, &p);
  if (field < 0 ? p.n != 0
                : (p.n != 1 || p.field[0] != field ||
                   strstr(EN(p.reason[0]), has) == NULL)) {
    dump(&p);
    fail_msg("org: expected %s", field < 0 ? "no problem" : has);
  }
}

static void test_org_validate(void **state) {
  (void)state;
  zb_org o;
  /* Rows as gen_roster.py writes them. */
  org_set(&o, "430121", "长沙县委员会", "committee", "");
  expect_org(&o, -1, NULL);
  org_set(&o, "430121-01", "星沙镇党委", "committee", "430121");
  expect_org(&o, -1, NULL);
  org_set(&o, "430121-01-01", "第1机关党支部", "branch", "430121-01");
  expect_org(&o, -1, NULL);
  org_set(&o, "430121-02", "榔梨街道党总支", "general_branch", "430121");
  expect_org(&o, -1, NULL);

  org_set(&o, "430121-01-01", "第1机关党支部", "branch", "430121");
  expect_org(&o, ZB_OF_PARENT_CODE, "must be 430121-01");
  org_set(&o, "430121-01-01", "第1机关党支部", "branch", "");
  expect_org(&o, ZB_OF_PARENT_CODE, "must be 430121-01");
  org_set(&o, "430121", "长沙县委员会", "committee", "430100");
  expect_org(&o, ZB_OF_PARENT_CODE, "must be empty");
  org_set(&o, "430121-01", "星沙镇党委", "党委", "430121");
  expect_org(&o, ZB_OF_TYPE, "committee, general_branch or branch");
  org_set(&o, "430121-01", "", "committee", "430121");
  expect_org(&o, ZB_OF_NAME, "required");
  org_set(&o, "430121-01", "星沙镇党委", "", "430121");
  expect_org(&o, ZB_OF_TYPE, "required");
  org_set(&o, "", "星沙镇党委", "committee", "430121");
  expect_org(&o, ZB_OF_CODE, "required");
  /* A bad code: one problem, no parent complaint on top. */
  org_set(&o, "430121-", "星沙镇党委", "committee", "430121");
  expect_org(&o, ZB_OF_CODE, "org code");
  /* … but a malformed parent is its own problem. */
  struct probs p;
  org_set(&o, "430121-", "星沙镇党委", "committee", "43/121");
  assert_int_equal(run_org(&o, &p), 2);
  assert_int_equal(p.field[0], ZB_OF_CODE);
  assert_int_equal(p.field[1], ZB_OF_PARENT_CODE);

  /* Name: 64 characters accepted, 65 refused; UTF-8 checked. */
  char name[ZB_FIELD_MAX + 1];
  repeat(name, "党", 64);
  org_set(&o, "430121-01", name, "committee", "430121");
  expect_org(&o, -1, NULL);
  repeat(name, "党", 65);
  org_set(&o, "430121-01", name, "committee", "430121");
  expect_org(&o, ZB_OF_NAME, "65 characters");
  org_set(&o, "430121-01", "\xed\xa0\x80", "committee", "430121");
  expect_org(&o, ZB_OF_NAME, "UTF-8");
  assert_int_equal(zb_org_validate(&o, NULL, NULL), 1);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup(test_oracle_matches_standard, setup),
      cmocka_unit_test_setup(test_valid_member, setup),
      cmocka_unit_test_setup(test_generator_rows, setup),
      cmocka_unit_test_setup(test_required_fields, setup),
      cmocka_unit_test_setup(test_optional_fields, setup),
      cmocka_unit_test_setup(test_vocabulary_contents, setup),
      cmocka_unit_test_setup(test_every_vocabulary_value, setup),
      cmocka_unit_test_setup(test_unknown_vocabulary_values, setup),
      cmocka_unit_test_setup(test_member_id, setup),
      cmocka_unit_test_setup(test_name, setup),
      cmocka_unit_test_setup(test_text_checks, setup),
      cmocka_unit_test_setup(test_dates_malformed, setup),
      cmocka_unit_test_setup(test_leap_days, setup),
      cmocka_unit_test_setup(test_future_dates, setup),
      cmocka_unit_test_setup(test_join_age_boundary, setup),
      cmocka_unit_test_setup(test_full_date_boundaries, setup),
      cmocka_unit_test_setup(test_full_date_and_category, setup),
      cmocka_unit_test_setup(test_gender_parity, setup),
      cmocka_unit_test_setup(test_birth_date_matches_idnum, setup),
      cmocka_unit_test_setup(test_idnum_in_record, setup),
      cmocka_unit_test_setup(test_phone, setup),
      cmocka_unit_test_setup(test_member_org_code, setup),
      cmocka_unit_test_setup(test_problems_add_up, setup),
      cmocka_unit_test_setup(test_field_names, setup),
      cmocka_unit_test(test_org_code_valid),
      cmocka_unit_test(test_org_subtree),
      cmocka_unit_test(test_org_parent),
      cmocka_unit_test(test_org_validate),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
