/*
 * test_points.c — the points scheme file (docs/RECORDS.md, "Points"):
 * the default parses to the values written in deploy/points.ini, each
 * bound holds at its edge (accepted) and one past it (refused, naming the
 * file and line), and everything the format does not have is refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "zb_err.h"
#include "zb_points.h"

static zb_points_scheme s;
static char why[512];

/* A valid scheme with extra lines spliced in after [scheme]'s keys, and
 * [branch] values given. */
static int parse_with(const char *scheme_extra, const char *rest, const char *branch) {
  char buf[8192];
  snprintf(buf, sizeof buf,
           "[scheme]\nname = t\nversion = 1\nbase = 10\n%s%s[branch]\n%s", scheme_extra, rest,
           branch ? branch
                  : "meetings = 40\ndues = 30\npipeline = 10\nfreshness = 20\n"
                    "pipeline_target = 2\nfresh_days = 7\nstale_days = 30\n");
  return zb_points_parse(buf, strlen(buf), "t.ini", &s, why, sizeof why);
}

static void refused(int rc, const char *want) {
  assert_int_equal(rc, ZB_EINVAL);
  if (!strstr(why, want))
    fail_msg("\"%s\" does not say \"%s\"", why, want);
}

static void test_default(void **state) {
  (void)state;
  assert_int_equal(zb_points_parse(zb_points_default_ini, strlen(zb_points_default_ini),
                                   "default", &s, why, sizeof why), 0);
  assert_string_equal(s.name, "default");
  assert_int_equal(s.version, 1);
  assert_int_equal(s.base, 60);
  assert_int_equal(s.nitems, 4);
  assert_string_equal(s.items[0].key, "volunteer");
  assert_string_equal(s.items[0].name, "志愿服务");
  assert_int_equal(s.items[0].points, 2);
  assert_int_equal(s.items[0].cap, 10);
  assert_int_equal(s.items[3].points, -10);
  assert_int_equal(s.meeting[0].points, 2);   /* branch_general */
  assert_int_equal(s.meeting[0].cap, 8);
  assert_int_equal(s.dues.points, 1);
  assert_int_equal(s.dues.cap, 12);
  assert_int_equal(s.w_meetings + s.w_dues + s.w_pipeline + s.w_fresh, 100);
  assert_int_equal(s.stale_days, 30);
  const zb_points_scheme *a = zb_points_active();
  assert_string_equal(a->name, "default");
  char id[ZB_FIELD_MAX + 1];
  zb_points_scheme_id(a, id);
  assert_string_equal(id, "default/1");
}

static void test_bounds(void **state) {
  (void)state;
  assert_int_equal(parse_with("", "[item.a]\nname = 甲\npoints = -100\ncap = 1000\n", NULL), 0);
  assert_int_equal(s.items[0].points, -100);
  assert_int_equal(s.items[0].cap, 1000);
  refused(parse_with("", "[item.a]\nname = 甲\npoints = 101\ncap = 1\n", NULL),
          "t.ini:7: [item.a] points: 101 is not within -100..100");
  refused(parse_with("", "[item.a]\nname = 甲\npoints = 1\ncap = 1001\n", NULL),
          "t.ini:8: [item.a] cap: 1001 is not within 1..1000");
  refused(parse_with("", "[item.a]\nname = 甲\npoints = 1\ncap = 0\n", NULL),
          "t.ini:8: [item.a] cap: 0 is not within 1..1000");
  refused(parse_with("", "[item.a]\nname = 甲\npoints = 0\ncap = 1\n", NULL),
          "t.ini:7: [item.a] points: 0 is no item");
  refused(parse_with("", "[item.a]\nname = 甲\npoints = 1.5\ncap = 1\n", NULL),
          "t.ini:7: [item.a] points: \"1.5\" is not a whole number");
  refused(parse_with("", "[item.a]\nname = 甲\npoints = 99999999\ncap = 1\n", NULL),
          "is not a whole number");
  assert_int_equal(parse_with("", "[auto]\ngroup = 100\ngroup_cap = 1000\n", NULL), 0);
  assert_int_equal(s.meeting[2].points, 100);
  refused(parse_with("", "[auto]\ngroup = 101\n", NULL), "t.ini:6: [auto] group: 101");
  refused(parse_with("", "[auto]\ndues_on_time_cap = 1001\n", NULL), "t.ini:6: [auto] dues_on_time_cap");
  refused(parse_with("base = 11\n", "", NULL), "t.ini:5: [scheme] base is given twice");
  const char *hb = "[scheme]\nname = t\nversion = 1\nbase = 1001\n";
  refused(zb_points_parse(hb, strlen(hb), "t.ini", &s, why, sizeof why),
          "t.ini:4: [scheme] base: 1001 is not within 0..1000");
  /* [branch]: weights, all 0, stale after fresh */
  const char *b = "meetings = 0\ndues = 0\npipeline = 0\nfreshness = 1\npipeline_target = 1\n"
                  "fresh_days = 0\nstale_days = 1\n";
  assert_int_equal(parse_with("", "", b), 0);
  refused(parse_with("", "", "meetings = 0\ndues = 0\npipeline = 0\nfreshness = 0\n"
                             "pipeline_target = 1\nfresh_days = 0\nstale_days = 1\n"),
          "the weights add up to 0");
  refused(parse_with("", "", "meetings = 1\ndues = 0\npipeline = 0\nfreshness = 101\n"
                             "pipeline_target = 1\nfresh_days = 0\nstale_days = 1\n"),
          "[branch] freshness: 101 is not within 0..100");
  refused(parse_with("", "", "meetings = 1\ndues = 0\npipeline = 0\nfreshness = 0\n"
                             "pipeline_target = 1\nfresh_days = 5\nstale_days = 5\n"),
          "stale_days (5) must be more than fresh_days (5)");
  refused(parse_with("", "", "meetings = 1\ndues = 0\npipeline = 0\nfreshness = 0\n"
                             "pipeline_target = 0\nfresh_days = 5\nstale_days = 6\n"),
          "pipeline_target: 0 is not within 1..1000");
}

static void test_refused(void **state) {
  (void)state;
  refused(parse_with("colour = red\n", "", NULL), "t.ini:5: [scheme] has no key colour");
  refused(parse_with("", "[bonus]\n", NULL), "t.ini:5: no section [bonus]");
  refused(parse_with("", "[item.Bad]\nname = x\n", NULL), "t.ini:5: [item.Bad]: an item's key");
  refused(parse_with("", "[item.a]\nname = x\npoints = 1\n", NULL), "t.ini:5: [item.a] needs cap");
  refused(parse_with("", "[item.a]\nname = x\npoints = 1\ncap = 1\n[item.a]\nname = y\n", NULL),
          "t.ini:9: [item.a] is given twice");
  refused(parse_with("", "[auto]\nhike = 1\n", NULL), "t.ini:6: [auto] has no key hike");
  refused(parse_with("", "not a pair\n", NULL), "t.ini:5: not a [section]");
  refused(parse_with("title = 一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十一二三\n", "",
                     NULL), "t.ini:5: [scheme] title: must be 1 to 32 characters");
  char line[300];
  memset(line, 'x', sizeof line);
  snprintf(line, sizeof line, "; %0197d\n", 0);
  refused(parse_with(line, "", NULL), "t.ini:5: a line longer than 196 bytes");
  refused(parse_with("; \xff\n", "", NULL), "t.ini:5: not UTF-8");
  const char nul[] = "[scheme]\nname = a\0b\n";
  refused(zb_points_parse(nul, sizeof nul - 1, "t.ini", &s, why, sizeof why), "t.ini:2: a NUL");
  const char *missing = "[scheme]\nname = a\nversion = 1\nbase = 0\n";
  refused(zb_points_parse(missing, strlen(missing), "t.ini", &s, why, sizeof why),
          "t.ini:0: [branch] needs meetings");
  /* 32 items, then a 33rd */
  char buf[8192] = "";
  size_t w = 0;
  for (int i = 0; i < 33; i++)
    w += (size_t)snprintf(buf + w, sizeof buf - w, "[item.i%d]\nname = x\npoints = 1\ncap = 1\n", i);
  refused(parse_with("", buf, NULL), "more than 32 items");
  buf[strstr(buf, "[item.i32]") - buf] = '\0';
  assert_int_equal(parse_with("", buf, NULL), 0);
  assert_int_equal(s.nitems, 32);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_default),
      cmocka_unit_test(test_bounds),
      cmocka_unit_test(test_refused),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
