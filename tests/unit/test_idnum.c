/*
 * test_idnum.c — resident identity numbers (GB 11643-1999).
 *
 * Expected check characters come from outside the code under test: the
 * worked examples printed in GB 11643-1999 itself, and values computed
 * once with the reference generator's check_digit() (gen_roster.py).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "why_en.h"
#include "zb_err.h"
#include "zb_idnum.h"

static int parse(const char *s, zb_date *birth, int *male, const char **why) {
  return zb_idnum_parse(s, strlen(s), birth, male, why);
}

/* GB 11643-1999's own examples: a woman born 1949-12-31 in 北京市朝阳区
 * (check X) and a man born 1880-01-01 in 广东省潮阳县 (check 4). */
static void test_published_examples(void **state) {
  (void)state;
  assert_int_equal(zb_idnum_check_char("11010519491231002"), 'X');
  assert_int_equal(zb_idnum_check_char("44052418800101001"), '4');

  zb_date b = {0, 0, 0};
  int male = -1;
  const char *why = "unset";
  assert_int_equal(parse("11010519491231002X", &b, &male, &why), 0);
  assert_null(why);
  assert_int_equal(b.y, 1949);
  assert_int_equal(b.m, 12);
  assert_int_equal(b.d, 31);
  assert_int_equal(male, 0);

  /* The second example's check character is right, but 1880 is outside
   * the 1900-2999 years that dates accept. */
  assert_int_equal(parse("440524188001010014", NULL, NULL, &why), ZB_EINVAL);
  assert_non_null(strstr(EN(why), "birth date"));
}

/* One number for every possible check character, 0-9 and X. */
static const char *const every_check[11] = {
    "430121198001010010", "430121198001010061", "430121198001010192",
    "430121198001010053", "430121198001010184", "430121198001010045",
    "430121198001010096", "430121198001010037", "430121198001010088",
    "430121198001010029", "43012119800101007X",
};

static void test_every_check_char(void **state) {
  (void)state;
  for (int i = 0; i < 11; i++) {
    const char *s = every_check[i];
    assert_int_equal(zb_idnum_check_char(s), s[17]);
    const char *why = "unset";
    zb_date b;
    assert_int_equal(parse(s, &b, NULL, &why), 0);
    assert_null(why);
    assert_int_equal(b.y, 1980);
    assert_int_equal(b.m, 1);
    assert_int_equal(b.d, 1);
  }
}

/* MOD 11-2 catches every single-character substitution: changing any one
 * of the first 17 digits, or the check character, must be refused. */
static void test_single_substitutions_refused(void **state) {
  (void)state;
  for (int k = 0; k < 11; k++) {
    char s[19];
    memcpy(s, every_check[k], sizeof s);
    for (int pos = 0; pos < 18; pos++) {
      char orig = s[pos];
      const char *alts = pos == 17 ? "0123456789X" : "0123456789";
      for (const char *a = alts; *a; a++) {
        if (*a == orig)
          continue;
        s[pos] = *a;
        int rc = zb_idnum_parse(s, 18, NULL, NULL, NULL);
        if (rc == 0)
          fail_msg("%s accepted (from %s)", s, every_check[k]);
      }
      s[pos] = orig;
    }
  }
}

/* Swapping two adjacent different digits is also caught by MOD 11-2. */
static void test_transpositions_refused(void **state) {
  (void)state;
  char s[19];
  memcpy(s, "11010519491231002X", sizeof s);
  for (int pos = 0; pos + 1 < 17; pos++) {
    if (s[pos] == s[pos + 1])
      continue;
    char t = s[pos];
    s[pos] = s[pos + 1];
    s[pos + 1] = t;
    assert_int_equal(zb_idnum_parse(s, 18, NULL, NULL, NULL), ZB_EINVAL);
    s[pos + 1] = s[pos];
    s[pos] = t;
  }
}

static void test_wrong_check_digit(void **state) {
  (void)state;
  const char *why = NULL;
  assert_int_equal(parse("430121198001010011", NULL, NULL, &why), ZB_EINVAL);
  assert_non_null(why);
  assert_non_null(strstr(EN(why), "check"));
  assert_int_equal(parse("110105194912310029", NULL, NULL, &why), ZB_EINVAL);
  assert_non_null(strstr(EN(why), "check"));
}

static void test_lowercase_x(void **state) {
  (void)state;
  const char *why = NULL;
  assert_int_equal(parse("11010519491231002x", NULL, NULL, &why), ZB_EINVAL);
  assert_non_null(strstr(EN(why), "uppercase X"));
}

static void test_x_where_digit_belongs(void **state) {
  (void)state;
  const char *why = NULL;
  assert_int_equal(parse("1101051949123100X2", NULL, NULL, &why), ZB_EINVAL);
  assert_non_null(strstr(EN(why), "17"));
  assert_int_equal(parse("X1010519491231002X", NULL, NULL, &why), ZB_EINVAL);
  assert_int_equal(parse("11010519491231002Y", NULL, NULL, &why), ZB_EINVAL);
  assert_non_null(strstr(EN(why), "check character"));
  assert_int_equal(parse("11010519491231002 ", NULL, NULL, &why), ZB_EINVAL);
}

/* 110105199902290013 has a correct check character (gen_roster.py's
 * check_digit) but 1999 is not a leap year. */
static void test_bad_birth_date(void **state) {
  (void)state;
  const char *why = NULL;
  assert_int_equal(zb_idnum_check_char("11010519990229001"), '3');
  assert_int_equal(parse("110105199902290013", NULL, NULL, &why), ZB_EINVAL);
  assert_non_null(strstr(EN(why), "not a real date"));

  /* A leap day that exists: 2000-02-29 (check 8 from gen_roster.py). */
  zb_date b;
  int male = -1;
  assert_int_equal(parse("430121200002290018", &b, &male, &why), 0);
  assert_int_equal(b.y, 2000);
  assert_int_equal(b.m, 2);
  assert_int_equal(b.d, 29);
  assert_int_equal(male, 1);

  /* Month 13 and day 00 with the check character fixed up. */
  char s[19];
  memcpy(s, "43012119801301001?", sizeof s);
  s[17] = zb_idnum_check_char(s);
  assert_int_equal(parse(s, NULL, NULL, &why), ZB_EINVAL);
  assert_non_null(strstr(EN(why), "not a real date"));
  memcpy(s, "43012119800100001?", sizeof s);
  s[17] = zb_idnum_check_char(s);
  assert_int_equal(parse(s, NULL, NULL, &why), ZB_EINVAL);
  assert_non_null(strstr(EN(why), "not a real date"));
}

static void test_wrong_length(void **state) {
  (void)state;
  const char *why = NULL;
  assert_int_equal(parse("", NULL, NULL, &why), ZB_EINVAL);
  assert_non_null(strstr(EN(why), "18"));
  assert_int_equal(parse("11010519491231002", NULL, NULL, &why), ZB_EINVAL);
  assert_non_null(strstr(EN(why), "18"));
  assert_int_equal(parse("11010519491231002X0", NULL, NULL, &why), ZB_EINVAL);
  assert_non_null(strstr(EN(why), "18"));
  /* The 15-digit numbers of the 1980s are not accepted. */
  assert_int_equal(parse("110105491231002", NULL, NULL, &why), ZB_EINVAL);
  /* Only len bytes are read: a valid number followed by junk, with len
   * 18, is fine; the same with len 17 is not. */
  assert_int_equal(zb_idnum_parse("11010519491231002Xjunk", 18, NULL, NULL,
                                  NULL),
                   0);
  assert_int_equal(zb_idnum_parse("11010519491231002X", 17, NULL, NULL, NULL),
                   ZB_EINVAL);
}

/* The 17th character (last digit of the sequence code) is odd for men and
 * even for women. */
static void test_gender_parity(void **state) {
  (void)state;
  for (int i = 0; i < 11; i++) {
    int male = -1;
    assert_int_equal(parse(every_check[i], NULL, &male, NULL), 0);
    assert_int_equal(male, (every_check[i][16] - '0') % 2);
  }
  int male = -1;
  assert_int_equal(parse("430121198001010010", NULL, &male, NULL), 0);
  assert_int_equal(male, 1); /* sequence 001 */
  assert_int_equal(parse("430121198001010029", NULL, &male, NULL), 0);
  assert_int_equal(male, 0); /* sequence 002 */
}

static void test_outputs_untouched_on_error(void **state) {
  (void)state;
  zb_date b = {7, 7, 7};
  int male = 7;
  assert_int_equal(parse("430121198001010011", &b, &male, NULL), ZB_EINVAL);
  assert_int_equal(b.y, 7);
  assert_int_equal(male, 7);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_published_examples),
      cmocka_unit_test(test_every_check_char),
      cmocka_unit_test(test_single_substitutions_refused),
      cmocka_unit_test(test_transpositions_refused),
      cmocka_unit_test(test_wrong_check_digit),
      cmocka_unit_test(test_lowercase_x),
      cmocka_unit_test(test_x_where_digit_belongs),
      cmocka_unit_test(test_bad_birth_date),
      cmocka_unit_test(test_wrong_length),
      cmocka_unit_test(test_gender_parity),
      cmocka_unit_test(test_outputs_untouched_on_error),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
