/*
 * test_msg.c — the message catalogue (zb_msg.h): every entry has both
 * languages, its printf placeholders are the same in both (same
 * conversions, same order: the same arguments feed both), keys are
 * unique; the language rule of --lang and the locale.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zb_msg.h"

/* The printf conversions of s ("%-12s", "%.*s", "%llu"; "%%" is none),
 * each ended by '|', into out. */
static void placeholders(const char *s, char *out, size_t cap) {
  size_t n = 0;
  out[0] = '\0';
  for (const char *p = s; *p; p++) {
    if (*p != '%')
      continue;
    if (p[1] == '%') {
      p++;
      continue;
    }
    const char *q = p + 1;
    q += strspn(q, "-+ #0123456789.*");
    q += strspn(q, "hlLqjzt");
    assert_true(*q != '\0');   /* a lone % at the end is a bug */
    size_t len = (size_t)(q - p) + 1;
    assert_true(n + len + 2 < cap);
    memcpy(out + n, p, len);
    n += len;
    out[n++] = '|';
    out[n] = '\0';
    p = q;
  }
}

static void test_both_languages(void **state) {
  (void)state;
  assert_true(zb_msgs_count > 100);
  for (size_t i = 0; i < zb_msgs_count; i++) {
    const zb_msg_entry *e = &zb_msgs[i];
    assert_non_null(e->key);
    assert_non_null(e->zh);
    assert_non_null(e->en);
    if (!*e->zh || !*e->en)
      fail_msg("%s: a language is empty", e->key);
  }
}

static void test_placeholders_match(void **state) {
  (void)state;
  for (size_t i = 0; i < zb_msgs_count; i++) {
    char zh[256], en[256];
    placeholders(zb_msgs[i].zh, zh, sizeof zh);
    placeholders(zb_msgs[i].en, en, sizeof en);
    if (strcmp(zh, en) != 0)
      fail_msg("%s: placeholders differ: zh %s, en %s", zb_msgs[i].key, zh, en);
  }
}

static void test_placeholder_reader(void **state) {
  (void)state;
  char out[64];
  placeholders("a %-12s b %% c %.*s d %llu%s", out, sizeof out);
  assert_string_equal(out, "%-12s|%.*s|%llu|%s|");
  placeholders("100%% sure", out, sizeof out);
  assert_string_equal(out, "");
}

static void test_keys_unique(void **state) {
  (void)state;
  for (size_t i = 0; i < zb_msgs_count; i++)
    for (size_t j = i + 1; j < zb_msgs_count; j++)
      if (strcmp(zb_msgs[i].key, zb_msgs[j].key) == 0)
        fail_msg("key %s twice", zb_msgs[i].key);
}

static void test_lookup(void **state) {
  (void)state;
  zb_lang_set(true);
  assert_string_equal(zb_msg("cli.usage_head"), "用法：");
  zb_lang_set(false);
  assert_string_equal(zb_msg("cli.usage_head"), "usage:");
  assert_string_equal(zb_msg_lang("cli.usage_head", true), "用法：");
  /* Not a key: the text itself (a kind's label, a generated line). */
  assert_string_equal(zb_msg("党员"), "党员");
  assert_false(zb_msg_has("党员"));
  assert_string_equal(zb_msg(NULL), "");
  zb_lang_set(true);
}

static void test_lang_rule(void **state) {
  (void)state;
  bool zh = false;
  unsetenv("LC_ALL");
  unsetenv("LC_MESSAGES");
  unsetenv("LANG");
  assert_int_equal(zb_lang_decide(NULL, &zh), 0);
  assert_true(zh);                              /* Chinese by default */
  setenv("LANG", "en_US.UTF-8", 1);
  assert_int_equal(zb_lang_decide(NULL, &zh), 0);
  assert_false(zh);
  setenv("LC_MESSAGES", "zh_CN.UTF-8", 1);      /* the first set wins */
  assert_int_equal(zb_lang_decide(NULL, &zh), 0);
  assert_true(zh);
  setenv("LC_ALL", "en_GB.UTF-8", 1);
  assert_int_equal(zb_lang_decide(NULL, &zh), 0);
  assert_false(zh);
  setenv("LC_ALL", "", 1);                      /* empty is not set */
  assert_int_equal(zb_lang_decide(NULL, &zh), 0);
  assert_true(zh);
  assert_int_equal(zb_lang_decide("zh", &zh), 0);   /* --lang beats the locale */
  assert_true(zh);
  setenv("LC_ALL", "zh_CN.UTF-8", 1);
  assert_int_equal(zb_lang_decide("en", &zh), 0);
  assert_false(zh);
  assert_int_equal(zb_lang_decide("fr", &zh), -1);
  /* From argv, as both programs start. */
  unsetenv("LC_ALL");
  unsetenv("LC_MESSAGES");
  unsetenv("LANG");
  char *argv1[] = {"p", "status", "--lang", "en", NULL};
  zb_lang_init(4, argv1);
  assert_false(zb_lang_is_zh());
  char *argv2[] = {"p", "--lang=zh", "status", NULL};
  zb_lang_init(3, argv2);
  assert_true(zb_lang_is_zh());
  char *argv3[] = {"p", "--", "--lang", "en", NULL};   /* an operand, not the option */
  zb_lang_init(4, argv3);
  assert_true(zb_lang_is_zh());
}

/* Families of keys that one call site formats with the same arguments:
 * a sync's reasons for an early end (zb_sync.c: the address, then the
 * library's words) and the report vocabulary (zb_msg_vocab: the key is
 * "vocab." and the Chinese itself, so Chinese output never changes). */
static void test_families(void **state) {
  (void)state;
  size_t whys = 0, vocab = 0;
  for (size_t i = 0; i < zb_msgs_count; i++) {
    const zb_msg_entry *e = &zb_msgs[i];
    char ph[256];
    if (strncmp(e->key, "sync.why_", 9) == 0) {
      whys++;
      placeholders(e->zh, ph, sizeof ph);
      if (strcmp(ph, "%s|%s|") != 0)
        fail_msg("%s: takes %s, not the address and the tag", e->key, ph);
    }
    if (strncmp(e->key, "vocab.", 6) == 0) {
      vocab++;
      if (strcmp(e->key + 6, e->zh) != 0)
        fail_msg("%s: its Chinese is %s", e->key, e->zh);
    }
  }
  assert_int_equal(whys, 15);   /* one per zb_conn_why but ZB_WHY_NONE */
  assert_true(vocab >= 19);
  zb_lang_set(false);
  assert_string_equal(zb_msg_vocab("去世"), "died");
  assert_string_equal(zb_msg_vocab("张三"), "张三");   /* not vocabulary */
  zb_lang_set(true);
  assert_string_equal(zb_msg_vocab("去世"), "去世");
}

/* Durations for people, in the units of each language. */
static void test_duration(void **state) {
  (void)state;
  static const struct {
    uint64_t ms;
    const char *zh, *en;
  } cases[] = {
      {30 * 1000, "30 秒", "30 s"},
      {4 * 60000 + 59999, "4 分钟", "4 min"},
      {(5 * 60 + 5) * 60000ull, "5 小时 5 分钟", "5 h 5 min"},
      {47 * 3600000ull, "47 小时 0 分钟", "47 h 0 min"},
      {3 * 86400000ull + 1000, "3 天", "3 days"},
      {729 * 86400000ull, "729 天", "729 days"},
      {1094 * 86400000ull, "约 3 年", "about 3 years"},   /* to the nearest year */
      {730 * 86400000ull, "约 2 年", "about 2 years"},
  };
  char out[64];
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    zb_lang_set(true);
    zb_msg_duration(cases[i].ms, out, sizeof out);
    assert_string_equal(out, cases[i].zh);
    zb_lang_set(false);
    zb_msg_duration(cases[i].ms, out, sizeof out);
    assert_string_equal(out, cases[i].en);
  }
  zb_lang_set(true);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_both_languages),   cmocka_unit_test(test_placeholders_match),
      cmocka_unit_test(test_placeholder_reader), cmocka_unit_test(test_keys_unique),
      cmocka_unit_test(test_lookup),           cmocka_unit_test(test_lang_rule),
      cmocka_unit_test(test_families),         cmocka_unit_test(test_duration),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
