/*
 * test_norm.c — values as people write them, in normal form (zb_norm.h,
 * docs/RECORDS.md "Importing"): blanks, full-width forms, ID numbers'
 * lowercase x, dates, phones and the vocabularies' short forms, through
 * the member and org descriptors; and that the normal form of a normal
 * form is itself (what a node stores never changes when read back).
 * Byte sequences of full-width forms are spelled in hex.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "zb_kind.h"
#include "zb_norm.h"
#include "zb_record.h"

static const zb_field_desc *mf(int f) { return &zb_kind_member.fields[f]; }

/* The normal form of in for field fd must be want. */
static void norm_is(const zb_field_desc *fd, const char *in, const char *want) {
  char out[ZB_FIELD_MAX + 1];
  size_t n = zb_norm_field(fd, in, strlen(in), out);
  if (strcmp(out, want) != 0 || n != strlen(want))
    fail_msg("%s: \"%s\" -> \"%s\" (%zu), want \"%s\"", fd->name, in, out, n, want);
  /* Normalising again changes nothing, in place too. */
  char again[ZB_FIELD_MAX + 1];
  memcpy(again, out, n + 1);
  zb_norm_field(fd, again, n, again);
  if (strcmp(again, out) != 0)
    fail_msg("%s: \"%s\" normalised again is \"%s\"", fd->name, out, again);
}

static void test_blanks(void **state) {
  (void)state;
  /* U+3000, TAB and spaces around, every type; inside a name they stay. */
  norm_is(mf(ZB_MF_NAME), "\xe3\x80\x80 \xe5\xbc\xa0 \xe4\xb8\x89\t", "\xe5\xbc\xa0 \xe4\xb8\x89");
  norm_is(mf(ZB_MF_ID), "  M001 ", "M001");
  norm_is(mf(ZB_MF_GENDER), " \xe7\x94\xb7\xe3\x80\x80", "\xe7\x94\xb7");
  norm_is(mf(ZB_MF_NAME), "   ", "");
  norm_is(mf(ZB_MF_NAME), "", "");
}

static void test_fullwidth(void **state) {
  (void)state;
  /* １９９０－０７－０１ */
  norm_is(mf(ZB_MF_BIRTH_DATE),
          "\xef\xbc\x91\xef\xbc\x99\xef\xbc\x99\xef\xbc\x90\xef\xbc\x8d\xef\xbc\x90"
          "\xef\xbc\x97\xef\xbc\x8d\xef\xbc\x90\xef\xbc\x91",
          "1990-07-01");
  /* ４３０１２１１９９００７０１００１ｘ: folded, x made X */
  norm_is(mf(ZB_MF_ID_NUMBER),
          "\xef\xbc\x94\xef\xbc\x93\xef\xbc\x90\xef\xbc\x91\xef\xbc\x92\xef\xbc\x91"
          "\xef\xbc\x91\xef\xbc\x99\xef\xbc\x99\xef\xbc\x90\xef\xbc\x90\xef\xbc\x97"
          "\xef\xbc\x90\xef\xbc\x91\xef\xbc\x90\xef\xbc\x90\xef\xbc\x91\xef\xbd\x98",
          "43012119900701001X");
  /* １３８００１３８０００ and Ｍ００１ and ４３０１２１－０１ */
  norm_is(mf(ZB_MF_PHONE),
          "\xef\xbc\x91\xef\xbc\x93\xef\xbc\x98\xef\xbc\x90\xef\xbc\x90\xef\xbc\x91"
          "\xef\xbc\x93\xef\xbc\x98\xef\xbc\x90\xef\xbc\x90\xef\xbc\x90",
          "13800138000");
  norm_is(mf(ZB_MF_ID), "\xef\xbc\xad\xef\xbc\x90\xef\xbc\x90\xef\xbc\x91", "M001");
  norm_is(mf(ZB_MF_ORG_CODE),
          "\xef\xbc\x94\xef\xbc\x93\xef\xbc\x90\xef\xbc\x91\xef\xbc\x92\xef\xbc\x91"
          "\xef\xbc\x8d\xef\xbc\x90\xef\xbc\x91",
          "430121-01");
  /* Not in a name: ＡＢ stays as typed. */
  norm_is(mf(ZB_MF_NAME), "\xef\xbc\xa1\xef\xbc\xa2", "\xef\xbc\xa1\xef\xbc\xa2");
}

static void test_id_number(void **state) {
  (void)state;
  norm_is(mf(ZB_MF_ID_NUMBER), "43012119900701001x", "43012119900701001X");
  norm_is(mf(ZB_MF_ID_NUMBER), " 43012119900701001X ", "43012119900701001X");
  /* Only the 18th character: anything else is left for the rule. */
  norm_is(mf(ZB_MF_ID_NUMBER), "4301211990070100x1", "4301211990070100x1");
  norm_is(mf(ZB_MF_ID_NUMBER), "4.30121E+17", "4.30121E+17");
}

static void test_dates(void **state) {
  (void)state;
  const zb_field_desc *d = mf(ZB_MF_JOIN_DATE);
  norm_is(d, "2015-06-30", "2015-06-30");
  norm_is(d, "2015/6/30", "2015-06-30");
  norm_is(d, "2015-6-30", "2015-06-30");
  norm_is(d, "2015.6.30", "2015-06-30");
  norm_is(d, "2015\xe5\xb9\xb4" "6\xe6\x9c\x88" "30\xe6\x97\xa5", "2015-06-30");
  norm_is(d, "20150630", "2015-06-30");
  norm_is(d, "1990-07-01 00:00:00", "1990-07-01");
  norm_is(d, " 2015/6/30 ", "2015-06-30");
  /* A month alone, or no date: left for the rule (and its message). */
  norm_is(d, "2015-06", "2015-06");
  norm_is(d, "2015\xe5\xb9\xb4" "6\xe6\x9c\x88", "2015\xe5\xb9\xb4" "6\xe6\x9c\x88");
  norm_is(d, "30/6/2015", "30/6/2015");
  norm_is(d, "", "");
}

static void test_phones(void **state) {
  (void)state;
  const zb_field_desc *p = mf(ZB_MF_PHONE);
  static const char *const pairs[][2] = {
      {"13800138000", "13800138000"},
      {"138 0013 8000", "13800138000"},
      {"138-0013-8000", "13800138000"},
      {"+86 138 0013 8000", "13800138000"},
      {"+8613800138000", "13800138000"},
      {"0086 13800138000", "13800138000"},
      {"0731-84012345", "0731-84012345"},
      {"0731 84012345", "0731-84012345"},
      {"(0731)84012345", "0731-84012345"},
      {"(0731) 8401 2345", "0731-84012345"},
      {"073184012345", "0731-84012345"},
      {"01062345678", "010-62345678"},
      {"010-6234567", "010-6234567"},
      {"021 62345678", "021-62345678"},
      {"84012345", "84012345"},
      {"8401 2345", "84012345"},
      {"8401-2345", "84012345"},
      {"0731-84012345-123", "0731-84012345-123"},
      {"0731-84012345\xe8\xbd\xac" "123", "0731-84012345-123"},     /* 转 */
      {"0731-84012345 \xe5\x88\x86\xe6\x9c\xba 8", "0731-84012345-8"}, /* 分机 */
      {"0731-84012345 ext. 123", "0731-84012345-123"},
      {"84012345x12", "84012345-12"},
      {"84012345#6", "84012345-6"},
      /* （０７３１）８４０１２３４５: full-width parentheses and digits */
      {"\xef\xbc\x88\xef\xbc\x90\xef\xbc\x97\xef\xbc\x93\xef\xbc\x91\xef\xbc\x89"
       "\xef\xbc\x98\xef\xbc\x94\xef\xbc\x90\xef\xbc\x91\xef\xbc\x92\xef\xbc\x93"
       "\xef\xbc\x94\xef\xbc\x95",
       "0731-84012345"},
  };
  /* Not phone numbers in any form we read: left as they are, for the rule
   * to refuse. */
  static const char *const unread[] = {
      "1380013800",          "12345",          "0731-04012345",
      "030-84012345",        "0731-84012345-1234567", "+1 415 5550100",
      "+86 0731 84012345",   ("13800138000\xe8\xbd\xac" "1"), "tel 84012345",
      "84012345 x",          "010-12345678",   "0731--",
  };
  char out[ZB_FIELD_MAX + 1];
  for (size_t i = 0; i < sizeof pairs / sizeof *pairs; i++) {
    norm_is(p, pairs[i][0], pairs[i][1]);
    /* A normal form is what the rule accepts. */
    if (!zb_phone_valid(pairs[i][1], strlen(pairs[i][1])))
      fail_msg("normal form \"%s\" is refused", pairs[i][1]);
  }
  for (size_t i = 0; i < sizeof unread / sizeof *unread; i++) {
    norm_is(p, unread[i], unread[i]);
    size_t n = zb_norm_field(p, unread[i], strlen(unread[i]), out);
    if (zb_phone_valid(out, n))
      fail_msg("\"%s\" is accepted", unread[i]);
  }
}

static void test_vocab_aliases(void **state) {
  (void)state;
  norm_is(mf(ZB_MF_ETHNICITY), "\xe6\xb1\x89", "\xe6\xb1\x89\xe6\x97\x8f");          /* 汉 → 汉族 */
  norm_is(mf(ZB_MF_ETHNICITY), "\xe8\x92\x99\xe5\x8f\xa4", "\xe8\x92\x99\xe5\x8f\xa4\xe6\x97\x8f"); /* 蒙古 */
  norm_is(mf(ZB_MF_ETHNICITY), "\xe6\xb1\x89\xe6\x97\x8f", "\xe6\xb1\x89\xe6\x97\x8f");
  norm_is(mf(ZB_MF_ETHNICITY), "\xe7\x81\xab\xe6\x98\x9f", "\xe7\x81\xab\xe6\x98\x9f"); /* 火星: kept */
  norm_is(mf(ZB_MF_EDUCATION), "本科", "大学本科");
  norm_is(mf(ZB_MF_EDUCATION), "大专", "大学专科");
  norm_is(mf(ZB_MF_EDUCATION), "硕士研究生", "研究生");
  norm_is(mf(ZB_MF_EDUCATION), "研究生", "研究生");
  norm_is(mf(ZB_MF_EDUCATION), "中专", "中等专科");
  norm_is(mf(ZB_MF_EDUCATION), "初中", "初中及以下");
  norm_is(mf(ZB_MF_GENDER), "男性", "男");
  norm_is(mf(ZB_MF_CATEGORY), "预备", "预备党员");
  norm_is(mf(ZB_MF_OCCUPATION), "退休", "离退休人员");
  norm_is(mf(ZB_MF_OCCUPATION), "农民", "农牧渔民");
  /* The org kind's type: Chinese names and any case. */
  const zb_field_desc *type = &zb_kind_org.fields[ZB_OF_TYPE];
  norm_is(type, "党支部", "branch");
  norm_is(type, "党总支", "general_branch");
  norm_is(type, "党委", "committee");
  norm_is(type, "Branch", "branch");
  norm_is(type, " BRANCH ", "branch");

  /* Every value of every vocabulary is its own normal form, every alias
   * names a value, and each ethnic group is found without its 族. */
  for (int k = 0; zb_kinds[k]; k++)
    for (int f = 0; f < zb_kinds[k]->nfields; f++) {
      const zb_field_desc *fd = &zb_kinds[k]->fields[f];
      if (fd->type != ZB_FT_VOCAB)
        continue;
      for (int i = 0; fd->vocab[i]; i++)
        norm_is(fd, fd->vocab[i], fd->vocab[i]);
      for (const zb_vocab_alias *a = fd->vocab_aliases; a && a->alias; a++) {
        if (zb_vocab_index(fd->vocab, a->value) < 0)
          fail_msg("%s: alias %s names %s, not a value", fd->name, a->alias, a->value);
        if (zb_vocab_index(fd->vocab, a->alias) >= 0)
          fail_msg("%s: alias %s is a value itself", fd->name, a->alias);
        norm_is(fd, a->alias, a->value);
      }
    }
  for (int i = 0; zb_ethnicities[i]; i++) {
    char shorter[64];
    size_t n = strlen(zb_ethnicities[i]) - strlen("族");
    assert_string_equal(zb_ethnicities[i] + n, "族");
    memcpy(shorter, zb_ethnicities[i], n);
    shorter[n] = '\0';
    norm_is(mf(ZB_MF_ETHNICITY), shorter, zb_ethnicities[i]);
  }
}

/* A whole record, in place; a value of ZB_FIELD_MAX bytes stays within
 * bounds. */
static void test_record(void **state) {
  (void)state;
  zb_member m;
  memset(&m, 0, sizeof m);
  snprintf(m.v[ZB_MF_ID], sizeof m.v[0], " M1 ");
  snprintf(m.v[ZB_MF_BIRTH_DATE], sizeof m.v[0], "1990/7/1");
  snprintf(m.v[ZB_MF_ETHNICITY], sizeof m.v[0], "汉");
  memset(m.v[ZB_MF_NAME], 'a', ZB_FIELD_MAX);
  m.v[ZB_MF_NAME][ZB_FIELD_MAX] = '\0';
  memset(m.v[ZB_MF_PHONE], '1', ZB_FIELD_MAX);
  m.v[ZB_MF_PHONE][ZB_FIELD_MAX] = '\0';
  zb_norm_record(&zb_kind_member, m.v);
  assert_string_equal(m.v[ZB_MF_ID], "M1");
  assert_string_equal(m.v[ZB_MF_BIRTH_DATE], "1990-07-01");
  assert_string_equal(m.v[ZB_MF_ETHNICITY], "汉族");
  assert_int_equal(strlen(m.v[ZB_MF_NAME]), ZB_FIELD_MAX);
  assert_int_equal(strlen(m.v[ZB_MF_PHONE]), ZB_FIELD_MAX);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_blanks),      cmocka_unit_test(test_fullwidth),
      cmocka_unit_test(test_id_number),   cmocka_unit_test(test_dates),
      cmocka_unit_test(test_phones),      cmocka_unit_test(test_vocab_aliases),
      cmocka_unit_test(test_record),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
