/*
 * test_balance.c — zb_balance: the balance of a year, member by member,
 * its agreement with report stats, the members behind a gap, and the
 * three renderings.  Every expected number is worked out by hand in the
 * comments, or (the random roster) from the definitions on ISO strings.
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
#include "zb_balance.h"
#include "zb_err.h"
#include "zb_stats.h"

static void setf(zb_member *m, int field, const char *value) {
  size_t n = strlen(value);
  assert_true(n <= ZB_FIELD_MAX);
  memcpy(m->v[field], value, n + 1);
}

static zb_member mk(const char *id, const char *join, const char *reason, const char *leave) {
  zb_member m;
  memset(&m, 0, sizeof m);
  setf(&m, ZB_MF_ID, id);
  setf(&m, ZB_MF_NAME, "张三");
  setf(&m, ZB_MF_GENDER, "男");
  setf(&m, ZB_MF_BIRTH_DATE, "1960-01-01");
  setf(&m, ZB_MF_CATEGORY, "预备党员");
  setf(&m, ZB_MF_JOIN_DATE, join);
  setf(&m, ZB_MF_ORG_CODE, "430121-01-01");
  if (leave) {
    setf(&m, ZB_MF_STATUS, "已离开");
    setf(&m, ZB_MF_LEAVE_REASON, reason);
    setf(&m, ZB_MF_LEAVE_DATE, leave);
  }
  return m;
}

static void add_all(zb_balance *b, const zb_member *ms, size_t n) {
  for (size_t i = 0; i < n; i++)
    assert_int_equal(zb_balance_add(b, &ms[i]), 0);
}

/* Year 2024: each member placed on each line by hand. */
static const zb_member *year_roster(size_t *n) {
  static zb_member ms[9];
  ms[0] = mk("A", "2000-05-01", NULL, NULL);          /* start 1, end 1 */
  ms[1] = mk("B", "2024-01-01", NULL, NULL);          /* joined on the first day: in, end */
  ms[2] = mk("C", "2024-12-31", NULL, NULL);          /* joined on the last day: in, end */
  ms[3] = mk("D", "2025-01-01", NULL, NULL);          /* next year: nothing */
  ms[4] = mk("E", "2010-01-01", "去世", "2024-01-01");  /* start, out (去世) */
  ms[5] = mk("F", "2010-01-01", "出党", "2024-12-31");  /* start, out (出党): gone on 12-31 */
  ms[6] = mk("G", "2010-01-01", "退党", "2023-12-31");  /* left last year: nothing */
  ms[7] = mk("H", "2024-03-01", "转出系统外", "2024-09-01");  /* in and out */
  ms[8] = mk("I", "2024-06-01", "停止党籍", "2024-06-01");    /* left the day it joined */
  *n = 9;
  return ms;
}

static void test_year(void **state) {
  (void)state;
  size_t n;
  const zb_member *ms = year_roster(&n);
  zb_balance b;
  zb_balance_init(&b, 2024);
  add_all(&b, ms, n);
  assert_int_equal(b.start, 3);          /* A E F */
  assert_int_equal(b.joined, 4);         /* B C H I */
  long want[5] = {1, 1, 1, 0, 1};        /* 去世 E, 出党 F, 停止党籍 I, 退党 -, 转出 H */
  for (int i = 0; i < 5; i++)
    assert_int_equal(b.left[i], want[i]);
  assert_int_equal(zb_balance_out(&b), 4);
  assert_int_equal(b.end, 3);            /* A B C */
  assert_int_equal(zb_balance_gap_count(&b), 0);
  assert_int_equal(b.gap_members, 0);
  zb_balance_free(&b);
}

/* start and end are report stats' totals on 31 December; last year's end
 * is this year's start. */
static void test_agrees_with_stats_and_chains(void **state) {
  (void)state;
  size_t n;
  const zb_member *ms = year_roster(&n);
  long prev_end = -1;
  for (int y = 2008; y <= 2026; y++) {
    zb_balance b;
    zb_balance_init(&b, y);
    add_all(&b, ms, n);
    for (int k = 0; k < 2; k++) {
      zb_stats s;
      zb_stats_init(&s, k ? b.end_date : b.start_date);
      for (size_t i = 0; i < n; i++)
        zb_stats_add(&s, &ms[i]);
      assert_int_equal(s.total, k ? b.end : b.start);
    }
    if (prev_end >= 0)
      assert_int_equal(b.start, prev_end);
    prev_end = b.end;
    assert_int_equal(zb_balance_gap_count(&b), 0);
    zb_balance_free(&b);
  }
}

/* Records that no validation lets in, each listed with why. */
static void test_gaps(void **state) {
  (void)state;
  zb_member ms[4];
  ms[0] = mk("X1", "2024-05-01", "去世", "2023-05-01");   /* left before joining */
  ms[1] = mk("X2", "2010-01-01", "搬家", "2024-05-01");   /* not a reason */
  ms[2] = mk("X3", "2024-05-01", NULL, NULL);
  setf(&ms[2], ZB_MF_GENDER, "");                          /* unusable: never counted */
  ms[3] = mk("OK", "2010-01-01", NULL, NULL);
  zb_balance b;
  zb_balance_init(&b, 2024);
  add_all(&b, ms, 4);
  /* X1: in 1, nothing else.  X2: start 1, end 0, no out.  X3: in 1.  OK: 1, 1. */
  assert_int_equal(b.start, 2);
  assert_int_equal(b.joined, 2);
  assert_int_equal(zb_balance_out(&b), 0);
  assert_int_equal(b.end, 1);
  assert_int_equal(zb_balance_gap_count(&b), 3);
  assert_int_equal(b.gap_members, 3);
  assert_int_equal(b.ngaps, 3);
  assert_string_equal(b.gaps[0].id, "X1");
  assert_int_equal(b.gaps[0].why, ZB_BALANCE_LEFT_BEFORE_JOIN);
  assert_string_equal(b.gaps[1].id, "X2");
  assert_int_equal(b.gaps[1].why, ZB_BALANCE_UNKNOWN_REASON);
  assert_true(b.gaps[1].start && !b.gaps[1].out && !b.gaps[1].end);
  assert_string_equal(b.gaps[2].id, "X3");
  assert_int_equal(b.gaps[2].why, ZB_BALANCE_UNUSABLE);

  json_t *j = zb_balance_to_json(&b, "430121");
  assert_non_null(j);
  assert_false(json_is_true(json_object_get(j, "balanced")));
  assert_int_equal(json_integer_value(json_object_get(j, "gap")), 3);
  json_t *g = json_object_get(j, "gap_members");
  assert_int_equal(json_array_size(g), 3);
  assert_string_equal(json_string_value(json_object_get(json_array_get(g, 1), "why")),
                      "unknown_leave_reason");
  assert_string_equal(json_string_value(json_object_get(json_array_get(g, 0), "org_code")),
                      "430121-01-01");
  json_decref(j);

  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  assert_non_null(f);
  zb_balance_print(&b, "430121", f);
  assert_int_equal(fclose(f), 0);
  assert_non_null(strstr(buf, "相差 3，涉及 3 名党员"));
  assert_non_null(strstr(buf, "离开日期早于入党日期"));
  assert_non_null(strstr(buf, "X2"));
  free(buf);
  zb_balance_free(&b);
}

/* A flood of broken records lists the first ZB_BALANCE_GAPS_MAX and counts
 * them all. */
static void test_gap_list_bounded(void **state) {
  (void)state;
  zb_balance b;
  zb_balance_init(&b, 2024);
  zb_member m = mk("X", "2024-05-01", "去世", "2023-05-01");
  for (int i = 0; i < ZB_BALANCE_GAPS_MAX + 5; i++)
    assert_int_equal(zb_balance_add(&b, &m), 0);
  assert_int_equal(b.gap_members, ZB_BALANCE_GAPS_MAX + 5);
  assert_int_equal(b.ngaps, ZB_BALANCE_GAPS_MAX);
  zb_balance_free(&b);
}

static void test_json_csv_print(void **state) {
  (void)state;
  size_t n;
  const zb_member *ms = year_roster(&n);
  zb_balance b;
  zb_balance_init(&b, 2024);
  add_all(&b, ms, n);
  json_t *j = zb_balance_to_json(&b, "430121-01");
  assert_non_null(j);
  char *dump = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
  assert_non_null(dump);
  assert_string_equal(dump,
                      "{\"org\":\"430121-01\",\"year\":2024,\"start_date\":\"2023-12-31\","
                      "\"end_date\":\"2024-12-31\",\"start\":3,\"in\":{\"joined\":4,"
                      "\"transferred_in\":0},\"in_total\":4,\"out\":{\"去世\":1,\"出党\":1,"
                      "\"停止党籍\":1,\"退党\":0,\"转出系统外\":1,\"transferred_out\":0},"
                      "\"out_total\":4,\"end\":3,\"gap\":0,\"balanced\":true,"
                      "\"gap_members\":[]}");
  free(dump);
  json_decref(j);

  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  assert_non_null(f);
  assert_int_equal(zb_balance_write_csv(&b, "430121-01", f, false), 0);
  assert_int_equal(fclose(f), 0);
  assert_string_equal(buf, "item,value,count\nstart,,3\nin,joined,4\nin,transferred_in,0\n"
                           "out,去世,1\nout,出党,1\nout,停止党籍,1\nout,退党,0\n"
                           "out,转出系统外,1\nout,transferred_out,0\nend,,3\ngap,,0\n");
  free(buf);
  /* --lang zh: the table's words under a BOM, whatever the printing
   * language is. */
  zb_lang_set(false);
  buf = NULL;
  f = open_memstream(&buf, &len);
  assert_non_null(f);
  assert_int_equal(zb_balance_write_csv(&b, "430121-01", f, true), 0);
  assert_int_equal(fclose(f), 0);
  assert_string_equal(buf, "\xEF\xBB\xBF项目,分类,人数\n年初党员数,,3\n增加,发展党员（本年入党）,4\n"
                           "增加,组织关系转入,0\n减少,去世,1\n减少,出党,1\n减少,停止党籍,1\n"
                           "减少,退党,0\n减少,转出系统外,1\n减少,组织关系转出,0\n年末党员数,,3\n"
                           "不一致,,0\n");
  free(buf);
  /* --lang en: the table in English, vocabulary values too. */
  buf = NULL;
  f = open_memstream(&buf, &len);
  assert_non_null(f);
  zb_balance_print(&b, "430121-01", f);
  assert_int_equal(fclose(f), 0);
  zb_lang_set(true);
  assert_non_null(strstr(buf, "Members in and out: 430121-01, 2024"));
  assert_non_null(strstr(buf, "members at the start (2023-12-31)"));
  assert_non_null(strstr(buf, "out: died "));
  assert_non_null(strstr(buf, "start 3 + in 4 − out 4 = 3, equal to the end 3."));
  assert_null(strstr(buf, "党员"));
  free(buf);

  buf = NULL;
  f = open_memstream(&buf, &len);
  assert_non_null(f);
  zb_balance_print(&b, "430121-01", f);
  assert_int_equal(fclose(f), 0);
  assert_non_null(strstr(buf, "党员增减情况：430121-01，2024年"));
  /* Columns by display width: the labels as wide as the widest,
   * "增加：发展党员（本年入党）" (26 columns), so "年初党员数（2023-12-31）"
   * (24) gets 2 blanks, then the 2 between columns, then the count
   * right-aligned under "人数" (4 columns): 7 blanks before "3". */
  assert_non_null(strstr(buf, "\n年初党员数（2023-12-31）       3\n"));
  assert_non_null(strstr(buf, "年初 3 + 增加 4 − 减少 4 = 3，与年末 3 相符。"));
  free(buf);
  zb_balance_free(&b);

  FILE *full = fopen("/dev/full", "w");
  if (full) {
    zb_balance_init(&b, 2024);
    assert_int_equal(zb_balance_write_csv(&b, "430121", full, false), ZB_EIO);
    fclose(full);
  }
}

static zb_date day(const char *iso) {
  zb_date d;
  assert_int_equal(zb_date_parse(iso, strlen(iso), &d), 0);
  return d;
}

/* Transfers across the scope 430121-01 in 2024, by hand: each member's org
 * on a day is its org now, or the from_org of its first transfer dated
 * after that day. */
static void test_transfers(void **state) {
  (void)state;
  const char *in = "430121-01-01", *in2 = "430121-01-02", *away = "430121-02-01";
  zb_member ms[5];
  ms[0] = mk("P", "2000-01-01", NULL, NULL);   /* in → away 2024-05-01: start, out */
  setf(&ms[0], ZB_MF_ORG_CODE, away);
  ms[1] = mk("Q", "2000-01-01", NULL, NULL);   /* away → in 2024-06-01: in, end */
  ms[2] = mk("R", "2000-01-01", NULL, NULL);   /* in → in2 (inside): start, end */
  setf(&ms[2], ZB_MF_ORG_CODE, in2);
  ms[3] = mk("S", "2000-01-01", NULL, NULL);   /* away → in 2023 → away 2024: start, out */
  setf(&ms[3], ZB_MF_ORG_CODE, away);
  ms[4] = mk("T", "2024-03-01", "去世", "2024-08-01");   /* joined in, moved away, died */
  setf(&ms[4], ZB_MF_ORG_CODE, away);
  zb_balance b;
  zb_balance_init(&b, 2024);
  zb_balance_scope(&b, "430121-01");
  assert_int_equal(zb_balance_move_add(&b, "t1", "P", in, away, day("2024-05-01")), 0);
  assert_int_equal(zb_balance_move_add(&b, "t2", "Q", away, in, day("2024-06-01")), 0);
  assert_int_equal(zb_balance_move_add(&b, "t3", "R", in, in2, day("2024-02-01")), 0);
  assert_int_equal(zb_balance_move_add(&b, "t5", "S", in, away, day("2024-07-01")), 0);
  assert_int_equal(zb_balance_move_add(&b, "t4", "S", away, in, day("2023-02-01")), 0);
  assert_int_equal(zb_balance_move_add(&b, "t6", "T", in, away, day("2024-05-01")), 0);
  assert_int_equal(zb_balance_move_add(&b, "t6", "T", in, away, day("2024-05-01")), 0);
  zb_balance_moves_done(&b);
  assert_int_equal(b.nmoves, 6);   /* t6 reached twice, listed once */
  add_all(&b, ms, 5);
  assert_int_equal(b.start, 3);       /* P R S */
  assert_int_equal(b.joined, 1);      /* T, in the scope on its join day */
  assert_int_equal(b.moved_in, 1);    /* Q */
  assert_int_equal(b.moved_out, 3);   /* P S T */
  assert_int_equal(b.left[0], 0);     /* T died away from the scope */
  assert_int_equal(b.end, 2);         /* Q R */
  assert_int_equal(zb_balance_gap_count(&b), 0);
  assert_int_equal(b.gap_members, 0);
  zb_balance_free(&b);

  /* The same members, all orgs counted: nobody moves in or out. */
  zb_balance_init(&b, 2024);
  assert_int_equal(zb_balance_move_add(&b, "t1", "P", in, away, day("2024-05-01")), 0);
  zb_balance_moves_done(&b);
  add_all(&b, ms, 5);
  assert_int_equal(b.moved_in + b.moved_out, 0);
  assert_int_equal(b.left[0], 1);
  assert_int_equal(zb_balance_gap_count(&b), 0);
  zb_balance_free(&b);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_year),
      cmocka_unit_test(test_agrees_with_stats_and_chains),
      cmocka_unit_test(test_gaps),
      cmocka_unit_test(test_gap_list_bounded),
      cmocka_unit_test(test_json_csv_print),
      cmocka_unit_test(test_transfers),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
