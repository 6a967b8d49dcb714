/*
 * test_find.c — how `member find` matches a member (zb_find.h): part of
 * the name, the ID number's tail (x as X, 4 characters at least), the
 * phone's digits (4 at least, separators ignored), the id; the text
 * trimmed and full-width forms folded.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "zb_find.h"

static zb_member mk(const char *id, const char *name, const char *idn, const char *phone) {
  zb_member m;
  memset(&m, 0, sizeof m);
  snprintf(m.v[ZB_MF_ID], sizeof m.v[0], "%s", id);
  snprintf(m.v[ZB_MF_NAME], sizeof m.v[0], "%s", name);
  snprintf(m.v[ZB_MF_ID_NUMBER], sizeof m.v[0], "%s", idn);
  snprintf(m.v[ZB_MF_PHONE], sizeof m.v[0], "%s", phone);
  return m;
}

/* How text, prepared as the command prepares it, matches m. */
static enum zb_find_how how(const zb_member *m, const char *text) {
  char q[ZB_FIELD_MAX + 1];
  zb_find_prepare(text, q);
  return zb_find_match(m, q);
}

static void test_name(void **state) {
  (void)state;
  zb_member m = mk("M0000000001", "王建国", "43012119900101123X", "0731-84012345");
  assert_int_equal(how(&m, "王"), ZB_FIND_NAME);
  assert_int_equal(how(&m, "建国"), ZB_FIND_NAME);
  assert_int_equal(how(&m, " 建国　"), ZB_FIND_NAME);   /* blanks, U+3000 */
  assert_int_equal(how(&m, "李"), ZB_FIND_NONE);
  assert_int_equal(how(&m, "王建国家"), ZB_FIND_NONE);
}

static void test_id_number_tail(void **state) {
  (void)state;
  zb_member m = mk("M0000000001", "王建国", "43012119900101123X", "13800138000");
  assert_int_equal(how(&m, "123X"), ZB_FIND_ID_NUMBER);
  assert_int_equal(how(&m, "0101123x"), ZB_FIND_ID_NUMBER);   /* x as X */
  assert_int_equal(how(&m, "43012119900101123X"), ZB_FIND_ID_NUMBER);
  assert_int_equal(how(&m, "１２３Ｘ"), ZB_FIND_ID_NUMBER);    /* full-width */
  assert_int_equal(how(&m, "23X"), ZB_FIND_NONE);           /* 3 characters: too few */
  assert_int_equal(how(&m, "4301"), ZB_FIND_NONE);          /* the head, not the tail */
  assert_int_equal(how(&m, "1123"), ZB_FIND_NONE);          /* inside, not the end */
  zb_member d = mk("M0000000002", "李四", "430121199001011234", "");
  assert_int_equal(how(&d, "1234"), ZB_FIND_ID_NUMBER);
  assert_int_equal(how(&d, "X1234"), ZB_FIND_NONE);         /* X only last */
}

static void test_phone(void **state) {
  (void)state;
  zb_member m = mk("M0000000001", "王建国", "430121199001011234", "0731-84012345");
  assert_int_equal(how(&m, "0731-84012345"), ZB_FIND_PHONE);
  assert_int_equal(how(&m, "073184012345"), ZB_FIND_PHONE);   /* the dash ignored */
  assert_int_equal(how(&m, "8401"), ZB_FIND_PHONE);
  assert_int_equal(how(&m, "(0731) 8401"), ZB_FIND_PHONE);
  assert_int_equal(how(&m, "401"), ZB_FIND_NONE);            /* 3 digits: too few */
  assert_int_equal(how(&m, "8402"), ZB_FIND_NONE);
  zb_member c = mk("M0000000003", "张三", "", "13800138000");
  assert_int_equal(how(&c, "138 0013 8000"), ZB_FIND_PHONE);
  assert_int_equal(how(&c, "８０００"), ZB_FIND_PHONE);        /* full-width digits */
  zb_member none = mk("M0000000004", "赵六", "", "");
  assert_int_equal(how(&none, "8000"), ZB_FIND_NONE);        /* no phone: no match */
}

static void test_id_and_order(void **state) {
  (void)state;
  zb_member m = mk("M0000001234", "王建国", "430121199001011234", "13800001234");
  assert_int_equal(how(&m, "M0000001234"), ZB_FIND_ID);
  /* 1234 ends the ID number and is in the phone: the ID number comes first. */
  assert_int_equal(how(&m, "1234"), ZB_FIND_ID_NUMBER);
  assert_string_equal(zb_find_how_name(ZB_FIND_ID_NUMBER), "id_number");
  assert_string_equal(zb_find_how_name(ZB_FIND_PHONE), "phone");
  assert_string_equal(zb_find_how_name(ZB_FIND_NAME), "name");
  assert_string_equal(zb_find_how_name(ZB_FIND_ID), "id");
}

static void test_prepare(void **state) {
  (void)state;
  char q[ZB_FIELD_MAX + 1];
  assert_int_equal(zb_find_prepare("  ", q), 0);
  assert_int_equal(zb_find_prepare("　", q), 0);
  assert_int_equal(zb_find_prepare("", q), 0);
  assert_int_equal(zb_find_prepare(" ａｂ１ ", q), 3);
  assert_string_equal(q, "ab1");
  char big[600];
  memset(big, 'a', sizeof big - 1);
  big[sizeof big - 1] = '\0';
  assert_true(zb_find_prepare(big, q) <= ZB_FIELD_MAX);   /* bounded */
  zb_member m = mk("M1", "王", "", "");
  assert_int_equal(zb_find_match(&m, ""), ZB_FIND_NONE);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_name),         cmocka_unit_test(test_id_number_tail),
      cmocka_unit_test(test_phone),        cmocka_unit_test(test_id_and_order),
      cmocka_unit_test(test_prepare),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
