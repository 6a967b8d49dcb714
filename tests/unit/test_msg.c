/*
 * test_msg.c — the message catalogue (zb_msg.h): every entry has both
 * languages, its printf placeholders are the same in both (same
 * conversions, same order: the same arguments feed both), keys are
 * unique; the language rule of --lang and the locale.  Refusal reasons
 * (zb_reason.h): every "why." entry takes only %s, and every coded reason
 * the sources make names an entry that takes as many args as it gives;
 * a coded reason in words in both languages.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dirent.h>

#include "zb_msg.h"
#include "zb_reason.h"
#include "zb_why.h"

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

/* The number of "%s" in a "why." template; -1 for another conversion. */
static int why_args(const char *t) {
  int n = 0;
  for (const char *p = t; *p; p++) {
    if (*p != '%')
      continue;
    if (p[1] == '%')
      p++;
    else if (p[1] == 's')
      n++, p++;
    else
      return -1;
  }
  return n;
}

static void test_why_entries(void **state) {
  (void)state;
  int seen = 0;
  for (size_t i = 0; i < zb_msgs_count; i++) {
    const zb_msg_entry *e = &zb_msgs[i];
    if (strncmp(e->key, "why.", 4) != 0)
      continue;
    seen++;
    assert_true(strlen(e->key) <= ZB_REASON_KEY_MAX);
    int zh = why_args(e->zh), en = why_args(e->en);
    if (zh < 0 || en < 0 || zh != en || zh > ZB_REASON_ARGS_MAX)
      fail_msg("%s: a reason's template takes only %%s, as many in both (zh %d, en %d)", e->key,
               zh, en);
  }
  assert_true(seen > 50);
}

static const zb_msg_entry *entry(const char *key) {
  for (size_t i = 0; i < zb_msgs_count; i++)
    if (strcmp(zb_msgs[i].key, key) == 0)
      return &zb_msgs[i];
  return NULL;
}

/* Every "why.KEY" literal in one source file, with the args that follow
 * it (each ZB_US up to the end of the expression: ',' ')' ';' '?' ':'
 * outside a literal), against the catalogue.  Returns how many. */
static int scan_file(const char *path) {
  FILE *f = fopen(path, "r");
  assert_non_null(f);
  static char text[1 << 20];
  size_t n = fread(text, 1, sizeof text - 1, f);
  fclose(f);
  text[n] = '\0';
  int found = 0;
  for (char *p = text; (p = strstr(p, "\"why.")) != NULL;) {
    char key[64];
    size_t k = strcspn(p + 1, "\"");
    p += 1 + k + 1;
    if (k <= 4 || k >= sizeof key)
      continue;   /* "why." itself: the prefix test */
    memcpy(key, p - k - 1, k);
    key[k] = '\0';
    int args = 0;
    bool in_lit = false;
    for (char *q = p; *q; q++) {
      if (*q == '"' && q[-1] != '\\')
        in_lit = !in_lit;
      if (in_lit)
        continue;
      if (strchr(",);?:", *q))
        break;
      if (strncmp(q, "ZB_US", 5) == 0)
        args++;
    }
    /* Its last arg, a reason inside it, is put by zb_reason_nest. */
    if (strcmp(key, "why.move_refused") == 0 || strcmp(key, "why.in_column") == 0)
      args++;
    /* A rule of the applicants' path gets its source and version from
     * broken() (kinds/applicant.c). */
    if (strncmp(key, "why.rule_", 9) == 0)
      args += 2;
    const zb_msg_entry *e = entry(key);
    if (!e)
      fail_msg("%s: %s is no entry of the catalogue", path, key);
    if (strcmp(key, "why.with_value") != 0 && why_args(e->en) != args)
      fail_msg("%s: %s is made with %d args, its template takes %d", path, key, args,
               why_args(e->en));
    found++;
  }
  return found;
}

static void test_why_sources(void **state) {
  (void)state;
  const char *data = ZB_SOURCE_DIR;
  static const char *const dirs[] = {"common/base", "common/records", "common/records/kinds",
                                     "common/replica"};
  int found = 0;
  for (size_t d = 0; d < sizeof dirs / sizeof *dirs; d++) {
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/%s", data, dirs[d]);
    DIR *dh = opendir(dir);
    assert_non_null(dh);
    struct dirent *de;
    while ((de = readdir(dh)) != NULL) {
      size_t l = strlen(de->d_name);
      if (l < 3 || strcmp(de->d_name + l - 2, ".c") != 0 || strcmp(de->d_name, "zb_why.c") == 0)
        continue;
      char path[8192];
      snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
      found += scan_file(path);
    }
    closedir(dh);
  }
  assert_true(found > 60);
}

/* A coded reason made as the records layer makes it, in words. */
static void test_why_words(void **state) {
  (void)state;
  char r[ZB_REASON_MAX + 1], out[ZB_WHY_TEXT_MAX];
  zb_reason_make(r, sizeof r, "why.date_after_today" ZB_US "%s", "2026-11-28");
  assert_string_equal(zb_why_render(r, true, out, sizeof out), "日期不能晚于今天（2026-11-28）");
  assert_string_equal(zb_why_text_en(r, out, sizeof out), "is after today (2026-11-28)");
  char key[ZB_REASON_KEY_MAX + 1];
  zb_why_code(r, key);
  assert_string_equal(key, "why.date_after_today");
  /* A field, a kind, an act and a vocabulary by reference: the labels. */
  zb_reason_make(r, sizeof r, "why.act_state" ZB_US ZB_RS "%s" ZB_US ZB_RS "%s" ZB_US "%s" ZB_US
                 ZB_RS "%s", "notice", "notice.status", "已撤回", "notice:withdraw");
  zb_lang_set(true);
  assert_string_equal(zb_why_text(r, out, sizeof out), "通知的状态是“已撤回”：不能进行“撤回”");
  assert_string_equal(zb_why_text_en(r, out, sizeof out),
                      "the notice's status is 已撤回: withdraw (撤回) does not apply");
  zb_reason_make(r, sizeof r, "why.vocab" ZB_US ZB_RS "%s", "member.gender=");
  assert_string_equal(zb_why_render(r, true, out, sizeof out), "不是可选的值；应为男或女");
  assert_string_equal(zb_why_render(r, false, out, sizeof out), "unknown value; expected 男 or 女");
  /* A reason inside a reason. */
  char in[ZB_REASON_MAX + 1];
  zb_reason_make(in, sizeof in, "why.rec_missing" ZB_US ZB_RS "%s" ZB_US "%s", "member", "M2");
  zb_reason_make(r, sizeof r, "why.move_refused" ZB_US ZB_RS "%s" ZB_US ZB_RS "%s" ZB_US "%s",
                 "transfer:accept", "member", "M2");
  zb_reason_nest(r, sizeof r, in);
  assert_string_equal(zb_why_render(r, false, out, sizeof out),
                      "accept (接收) would write member M2, which is refused: member M2 does not "
                      "exist");
  assert_string_equal(zb_why_render(r, true, out, sizeof out),
                      "“接收”要写入的党员 M2 被拒绝：党员 M2 不存在");
  /* Old plain reasons pass through; hostile ones are shown safely. */
  assert_string_equal(zb_why_render("org 9 is outside the writer's scope 1", true, out,
                                    sizeof out),
                      "org 9 is outside the writer's scope 1");
  assert_string_equal(zb_why_render("why.date_after_today" ZB_US "%n%s" ZB_US "x", true, out,
                                    sizeof out),
                      "why.date_after_today: %n%s, x");   /* wrong count: plain */
  assert_string_equal(zb_why_render("why.no_such_key" ZB_US "a", false, out, sizeof out),
                      "why.no_such_key: a");
  assert_string_equal(zb_why_render("bad\x01\xff", false, out, sizeof out), "bad ?");
  /* A control character inside an arg: not a coded reason, shown plain. */
  assert_string_equal(zb_why_render("why.date_after_today" ZB_US "a\001b", true, out, sizeof out),
                      "why.date_after_today, a b");
  /* Too many args, an overlong key, no key: plain, never a template. */
  assert_string_equal(zb_why_render("why.required" ZB_US "1" ZB_US "2" ZB_US "3" ZB_US "4" ZB_US
                                    "5" ZB_US "6" ZB_US "7" ZB_US "8" ZB_US "9", true, out,
                                    sizeof out),
                      "why.required, 1, 2, 3, 4, 5, 6, 7, 8, 9");
  zb_reason_parts parts;
  assert_false(zb_reason_decode(ZB_US "x", 2, &parts));
  assert_true(zb_reason_decode("why.required", 12, &parts));
  assert_int_equal(parts.nargs, 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_both_languages),   cmocka_unit_test(test_placeholders_match),
      cmocka_unit_test(test_placeholder_reader), cmocka_unit_test(test_keys_unique),
      cmocka_unit_test(test_lookup),           cmocka_unit_test(test_lang_rule),
      cmocka_unit_test(test_families),         cmocka_unit_test(test_duration),
      cmocka_unit_test(test_why_entries),      cmocka_unit_test(test_why_sources),
      cmocka_unit_test(test_why_words),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
