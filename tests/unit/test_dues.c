/* Dues (docs/RECORDS.md, "Dues"): the 2008 rule table at every bracket
 * boundary (3000.00 vs 3000.01 yuan …), rounding half a fen up, money text,
 * payment keys, the payment's field rules (6 vs 7 months ahead and behind,
 * the standard, the base), and its rules against the state, applied by the
 * one merge function over a real store (the member and its org, the months
 * of membership, a second payment of a month only after a void), and the
 * report read in two parts at once (docs/DESIGN-NOTES.md, "Dashboard"). */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "why_en.h"
#include "zb_dues.h"
#include "zb_err.h"
#include "zb_merge.h"
#include "zb_record.h"
#include "zb_state.h"
#include "zb_store.h"

static int month(const char *s) {
  int m = -1;
  assert_int_equal(zb_month_parse(s, strlen(s), &m), 0);
  return m;
}

/* The standard of an employee or retiree with this base, by the 2008 rule. */
static int64_t standard(int payer, int64_t base_fen) {
  const zb_dues_rule *r = zb_dues_rule_for(month("2026-05"));
  assert_non_null(r);
  const zb_dues_row *row = zb_dues_row_for(r, payer, base_fen);
  assert_non_null(row);
  assert_true(row->rate_bp > 0);
  return zb_dues_rate_of(base_fen, row->rate_bp);
}

static void test_rule_in_force(void **state) {
  (void)state;
  assert_null(zb_dues_rule_for(month("2008-03")));
  const zb_dues_rule *r = zb_dues_rule_for(month("2008-04"));
  assert_non_null(r);
  assert_string_equal(r->name, "dues-2008");
  assert_int_equal(r->version, 1);
  assert_ptr_equal(zb_dues_rule_for(month("2999-12")), r);
  assert_ptr_equal(zb_dues_rule_named("dues-2008"), r);
  assert_null(zb_dues_rule_named("dues-1990"));
  /* Rows of one payer come in ascending bounds, every payer has a row. */
  for (int p = 0; p < ZB_DP__COUNT; p++) {
    int64_t last = -2;
    int n = 0;
    for (int i = 0; i < r->nrows; i++) {
      if (r->rows[i].payer != p)
        continue;
      n++;
      assert_true(last != -1);   /* nothing after an unbounded row */
      assert_true(r->rows[i].upto_fen == -1 || r->rows[i].upto_fen > last);
      last = r->rows[i].upto_fen;
    }
    assert_true(n >= 1);
  }
}

/* 第二条: ≤ 3000 → 0.5 %; ≤ 5000 → 1 %; ≤ 10000 → 1.5 %; above → 2 %. */
static void test_employee_brackets(void **state) {
  (void)state;
  assert_int_equal(standard(ZB_DP_EMPLOYEE, 300000), 1500);     /* 3000.00: 15.00 */
  assert_int_equal(standard(ZB_DP_EMPLOYEE, 300001), 3000);     /* 3000.01: 30.0001 → 30.00 */
  assert_int_equal(standard(ZB_DP_EMPLOYEE, 500000), 5000);     /* 5000.00: 50.00 */
  assert_int_equal(standard(ZB_DP_EMPLOYEE, 500001), 7500);     /* 5000.01: 75.00015 */
  assert_int_equal(standard(ZB_DP_EMPLOYEE, 1000000), 15000);   /* 10000.00: 150.00 */
  assert_int_equal(standard(ZB_DP_EMPLOYEE, 1000001), 20000);   /* 10000.01: 200.0002 */
  assert_int_equal(standard(ZB_DP_EMPLOYEE, 0), 0);
  assert_int_equal(standard(ZB_DP_EMPLOYEE, ZB_FEN_MAX), (ZB_FEN_MAX * 200 + 5000) / 10000);
}

/* 离退休: ≤ 5000 → 0.5 %, above → 1 %. */
static void test_retiree_brackets(void **state) {
  (void)state;
  assert_int_equal(standard(ZB_DP_RETIREE, 500000), 2500);
  assert_int_equal(standard(ZB_DP_RETIREE, 500001), 5000);
  assert_int_equal(standard(ZB_DP_RETIREE, 300001), 1500);   /* no 3000 bracket */
}

/* Half a fen and more rounds up, less rounds down. */
static void test_half_fen(void **state) {
  (void)state;
  assert_int_equal(standard(ZB_DP_EMPLOYEE, 100), 1);        /* 0.5 fen → 1 */
  assert_int_equal(standard(ZB_DP_EMPLOYEE, 99), 0);         /* 0.495 → 0 */
  assert_int_equal(standard(ZB_DP_EMPLOYEE, 300), 2);        /* 1.5 → 2 */
  assert_int_equal(standard(ZB_DP_EMPLOYEE, 299), 1);        /* 1.495 → 1 */
  assert_int_equal(standard(ZB_DP_EMPLOYEE, 500100), 7502);  /* 1.5 % of 5001.00: 75.015 */
  assert_int_equal(standard(ZB_DP_EMPLOYEE, 500099), 7501);  /* 75.01485 */
  assert_int_equal(standard(ZB_DP_RETIREE, 1050), 5);        /* 0.5 % of 10.50: 5.25 → 5 */
  assert_int_equal(standard(ZB_DP_RETIREE, 500050), 5001);   /* 1 % of 5000.50: 50.005 */
  assert_int_equal(zb_dues_rate_of(1, 5000), 1);             /* exactly half */
  assert_int_equal(zb_dues_rate_of(1, 4999), 0);
}

static void test_fixed_amounts(void **state) {
  (void)state;
  const zb_dues_rule *r = zb_dues_rule_for(month("2026-05"));
  static const struct {
    int payer;
    int64_t lo, hi;
  } want[] = {{ZB_DP_FARMER, 20, 100}, {ZB_DP_STUDENT, 20, 20},
              {ZB_DP_UNEMPLOYED, 20, 20}, {ZB_DP_LOW_INCOME, 20, 20}};
  for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
    const zb_dues_row *row = zb_dues_row_for(r, want[i].payer, 123456);
    assert_non_null(row);
    assert_int_equal(row->rate_bp, 0);
    assert_int_equal(row->min_fen, want[i].lo);
    assert_int_equal(row->max_fen, want[i].hi);
  }
}

static void test_money_text(void **state) {
  (void)state;
  int64_t f;
  static const struct {
    const char *in;
    int64_t fen;
  } good[] = {{"3000", 300000}, {"3000.01", 300001}, {"3000.1", 300010}, {"0.2", 20},
              {".5", 50},       {"0", 0},            {"9999999999.99", ZB_FEN_MAX}};
  for (size_t i = 0; i < sizeof good / sizeof *good; i++) {
    assert_int_equal(zb_yuan_parse(good[i].in, &f), 0);
    assert_int_equal(f, good[i].fen);
  }
  static const char *const bad[] = {"", ".", "3000.005", "1,000", "-1", "1e3", "12345678901",
                                    " 3", "3.", "abc"};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
    if (zb_yuan_parse(bad[i], &f) != ZB_EINVAL && strcmp(bad[i], "3.") != 0)
      fail_msg("\"%s\" read as money", bad[i]);
  char out[24];
  zb_fen_format(300001, out);
  assert_string_equal(out, "3000.01");
  zb_fen_format(20, out);
  assert_string_equal(out, "0.20");
  zb_fen_format(0, out);
  assert_string_equal(out, "0.00");
  assert_true(zb_fen_parse("0", &f) && f == 0);
  assert_false(zb_fen_parse("012", &f));
  assert_false(zb_fen_parse("1000000000000", &f));   /* 13 digits */
  assert_false(zb_fen_parse("12.5", &f));
}

static void test_keys(void **state) {
  (void)state;
  char k[ZB_FIELD_MAX + 1];
  size_t ml;
  int m, n;
  assert_int_equal(zb_dues_key("M1", month("2026-05"), 1, k), 9);
  assert_string_equal(k, "M1-202605");
  zb_dues_key("M1", month("2026-05"), 2, k);
  assert_string_equal(k, "M1-202605-2");
  assert_true(zb_dues_key_parse("M1-202605-2", &ml, &m, &n));
  assert_true(ml == 2 && m == month("2026-05") && n == 2);
  /* A member id that itself ends like a month. */
  assert_true(zb_dues_key_parse("A-202605-202606", &ml, &m, &n));
  assert_true(ml == 8 && m == month("2026-06") && n == 1);
  assert_true(zb_dues_key_parse("A-202605-202606-12", &ml, &m, &n));
  assert_true(ml == 8 && m == month("2026-06") && n == 12);
  static const char *const bad[] = {"M1-202605-1", "M1-202605-0", "M1-202605-02",
                                    "M1-202605-100", "M1-202613", "M1202605", "-202605",
                                    "M1-20260", ""};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
    if (zb_dues_key_parse(bad[i], &ml, &m, &n))
      fail_msg("\"%s\" parsed as a payment key", bad[i]);
}

/* ---- the payment's field rules (zb_rec_validate) ---- */

struct problems {
  int n;
  int field[8];
  char reason[8][320];
};

static void note(void *ctx, int field, const char *reason) {
  struct problems *p = ctx;
  if (p->n < 8) {
    p->field[p->n] = field;
    snprintf(p->reason[p->n], sizeof p->reason[0], "%s", reason);
  }
  p->n++;
}

/* A valid payment of 3000.00 yuan for 2026-05, paid on 2026-05-10. */
static void payment(zb_value *v) {
  memset(v, 0, ZB_DF__COUNT * sizeof *v);
  strcpy(v[ZB_DF_ID], "M1-202605");
  strcpy(v[ZB_DF_MEMBER_ID], "M1");
  strcpy(v[ZB_DF_MONTH], "2026-05");
  strcpy(v[ZB_DF_ORG_CODE], "430121-01-01");
  strcpy(v[ZB_DF_PAID_DATE], "2026-05-10");
  strcpy(v[ZB_DF_PAYER], "employee");
  strcpy(v[ZB_DF_BASE_FEN], "300000");
  strcpy(v[ZB_DF_RULE], "dues-2008");
  strcpy(v[ZB_DF_STANDARD_FEN], "1500");
  strcpy(v[ZB_DF_AMOUNT_FEN], "1500");
  strcpy(v[ZB_DF_STATUS], "已缴");
}

static const zb_date today = {2026, 11, 28};

/* The problems of v: the count, the first one's field and reason. */
static int check(const zb_value *v, struct problems *p) {
  memset(p, 0, sizeof *p);
  return zb_rec_validate(&zb_kind_dues, v, today, note, p);
}

static void set_month(zb_value *v, const char *m, const char *key) {
  strcpy(v[ZB_DF_MONTH], m);
  strcpy(v[ZB_DF_ID], key);
}

static void test_window(void **state) {
  (void)state;
  zb_value v[ZB_DF__COUNT];
  struct problems p;
  payment(v);
  assert_int_equal(check(v, &p), 0);
  /* Paid on 2026-05-10: six months ahead (2026-11) and behind (2025-11)
   * are fine, seven are not. */
  set_month(v, "2026-11", "M1-202611");
  assert_int_equal(check(v, &p), 0);
  set_month(v, "2026-12", "M1-202612");
  assert_int_equal(check(v, &p), 1);
  assert_int_equal(p.field[0], ZB_DF_MONTH);
  assert_non_null(strstr(EN(p.reason[0]), "7 months ahead of the payment date 2026-05-10"));
  set_month(v, "2025-11", "M1-202511");
  assert_int_equal(check(v, &p), 0);
  set_month(v, "2025-10", "M1-202510");
  assert_int_equal(check(v, &p), 1);
  assert_non_null(strstr(EN(p.reason[0]), "7 months behind"));
  /* The day of the payment does not matter, only its month. */
  set_month(v, "2026-11", "M1-202611");
  strcpy(v[ZB_DF_PAID_DATE], "2026-05-31");
  assert_int_equal(check(v, &p), 0);
  strcpy(v[ZB_DF_PAID_DATE], "2026-04-30");
  assert_int_equal(check(v, &p), 1);
  /* The payment date may not lie after today (the server's, there). */
  payment(v);
  strcpy(v[ZB_DF_PAID_DATE], "2026-11-29");
  assert_int_equal(check(v, &p), 1);
  assert_int_equal(p.field[0], ZB_DF_PAID_DATE);
}

static void test_standard_rules(void **state) {
  (void)state;
  zb_value v[ZB_DF__COUNT];
  struct problems p;
  payment(v);
  strcpy(v[ZB_DF_BASE_FEN], "300001");   /* 3000.01: 30.00, not 15.00 */
  assert_int_equal(check(v, &p), 1);
  assert_int_equal(p.field[0], ZB_DF_STANDARD_FEN);
  assert_non_null(strstr(EN(p.reason[0]), "must be 3000 (30.00 yuan): 1% of the base 3000.01"));
  strcpy(v[ZB_DF_STANDARD_FEN], "3000");
  strcpy(v[ZB_DF_AMOUNT_FEN], "100");    /* another amount: allowed, flagged elsewhere */
  assert_int_equal(check(v, &p), 0);
  /* A share needs its base; a fixed amount has none. */
  strcpy(v[ZB_DF_BASE_FEN], "");
  assert_int_equal(check(v, &p), 1);
  assert_int_equal(p.field[0], ZB_DF_BASE_FEN);
  payment(v);
  strcpy(v[ZB_DF_PAYER], "student");
  assert_true(check(v, &p) >= 1);
  assert_int_equal(p.field[0], ZB_DF_BASE_FEN);
  strcpy(v[ZB_DF_BASE_FEN], "");
  assert_int_equal(check(v, &p), 1);       /* 15.00 is not 0.20 */
  assert_int_equal(p.field[0], ZB_DF_STANDARD_FEN);
  strcpy(v[ZB_DF_STANDARD_FEN], "20");
  assert_int_equal(check(v, &p), 0);
  /* A farmer's standard lies in 0.20–1.00. */
  strcpy(v[ZB_DF_PAYER], "farmer");
  strcpy(v[ZB_DF_STANDARD_FEN], "100");
  assert_int_equal(check(v, &p), 0);
  strcpy(v[ZB_DF_STANDARD_FEN], "101");
  assert_int_equal(check(v, &p), 1);
  strcpy(v[ZB_DF_STANDARD_FEN], "19");
  assert_int_equal(check(v, &p), 1);
  /* The rule must be the one in force for the month; before 2008-04 there
   * is none. */
  payment(v);
  strcpy(v[ZB_DF_RULE], "dues-1990");
  assert_int_equal(check(v, &p), 1);
  assert_int_equal(p.field[0], ZB_DF_RULE);
  payment(v);
  set_month(v, "2008-03", "M1-200803");
  strcpy(v[ZB_DF_PAID_DATE], "2008-03-01");
  assert_int_equal(check(v, &p), 1);
  assert_non_null(strstr(EN(p.reason[0]), "no dues rule is in force for 2008-03"));
  /* The key is the member and the month. */
  payment(v);
  strcpy(v[ZB_DF_ID], "M1-202606");
  assert_int_equal(check(v, &p), 1);
  assert_int_equal(p.field[0], ZB_DF_ID);
  strcpy(v[ZB_DF_ID], "M2-202605");
  assert_int_equal(check(v, &p), 1);
  strcpy(v[ZB_DF_ID], "M1-202605-3");
  assert_int_equal(check(v, &p), 0);
  /* A void needs its reason, a payment has none. */
  payment(v);
  strcpy(v[ZB_DF_VOID_REASON], "错了");
  assert_int_equal(check(v, &p), 1);
  strcpy(v[ZB_DF_STATUS], "已作废");
  assert_int_equal(check(v, &p), 0);
  strcpy(v[ZB_DF_VOID_REASON], "");
  assert_int_equal(check(v, &p), 1);
}

/* ---- the rules against the state, through the merge ---- */

static char dir[64];
static zb_store *store;

static int setup(void **state) {
  (void)state;
  snprintf(dir, sizeof dir, "/tmp/zb-dues-XXXXXX");
  assert_non_null(mkdtemp(dir));
  return zb_store_open(dir, true, &store);
}

static int teardown(void **state) {
  (void)state;
  zb_store_close(store);
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
  return system(cmd);
}

struct apply_ctx {
  const zb_kind_desc *kd;
  const char *key;
  const char *act;         /* NULL: a set */
  int n;
  const int *fields;
  const char *const *vals;
  const char *scope;
  zb_apply_result r;
};

/* 2026-11-26 in ms. */
#define T0 1795651200000ull
static uint64_t seq;

static int apply_write(zb_txn *t, void *ctx) {
  struct apply_ctx *ac = ctx;
  Zb__FieldSet fs[ZB_REC_FIELDS_MAX], *fsp[ZB_REC_FIELDS_MAX];
  for (int i = 0; i < ac->n; i++) {
    zb__field_set__init(&fs[i]);
    fs[i].field = (uint32_t)ac->fields[i];
    fs[i].value = (char *)ac->vals[i];
    fsp[i] = &fs[i];
  }
  Zb__Op op = ZB__OP__INIT;
  op.origin = "n1";
  op.seq = ++seq;
  op.hlc = (T0 + seq) << 16;
  op.actor = "t";
  Zb__RecordSet set = ZB__RECORD_SET__INIT;
  Zb__Act act = ZB__ACT__INIT;
  if (ac->act) {
    act.kind = (Zb__RecordKind)ac->kd->id;
    act.key = (char *)ac->key;
    act.name = (char *)ac->act;
    act.n_params = (size_t)ac->n;
    act.params = fsp;
    op.body_case = ZB__OP__BODY_ACT;
    op.act = &act;
  } else {
    set.kind = (Zb__RecordKind)ac->kd->id;
    set.key = (char *)ac->key;
    set.n_fields = (size_t)ac->n;
    set.fields = fsp;
    op.body_case = ZB__OP__BODY_SET;
    op.set = &set;
  }
  return zb_merge_apply(t, &op, seq, ac->scope, 0, &ac->r);
}

/* A set of every non-empty field of v. */
static zb_apply_result apply(const zb_kind_desc *kd, const zb_value *v, const char *scope) {
  int fields[ZB_REC_FIELDS_MAX], n = 0;
  const char *vals[ZB_REC_FIELDS_MAX];
  for (int i = 0; i < kd->nfields; i++)
    if (v[i][0]) {
      fields[n] = i;
      vals[n++] = v[i];
    }
  struct apply_ctx ac = {kd, v[0], NULL, n, fields, vals, scope, {0}};
  assert_int_equal(zb_store_write(store, apply_write, &ac), 0);
  return ac.r;
}

static zb_apply_result act(const zb_kind_desc *kd, const char *key, const char *name, int n,
                           const int *fields, const char *const *vals) {
  struct apply_ctx ac = {kd, key, name, n, fields, vals, "430121-01", {0}};
  assert_int_equal(zb_store_write(store, apply_write, &ac), 0);
  return ac.r;
}

static zb_apply_result void_it(const char *key, const char *reason) {
  return act(&zb_kind_dues, key, "void", 1, (const int[]){ZB_DF_VOID_REASON},
             (const char *const[]){reason});
}

static void expect_ok(zb_apply_result r) {
  if (r.status == ZB_APPLY_REJECTED)
    fail_msg("rejected: %s", r.reason);
}

static void expect_rejected(zb_apply_result r, int field, const char *reason) {
  if (r.status != ZB_APPLY_REJECTED)
    fail_msg("accepted, expected: %s", reason);
  if (!strstr(EN(r.reason), reason))
    fail_msg("reason \"%s\", expected \"%s\"", r.reason, reason);
  assert_int_equal(r.field, field);
}

static void put_org(const char *code, const char *parent, const char *type) {
  zb_value v[ZB_OF__COUNT];
  memset(v, 0, sizeof v);
  strcpy(v[ZB_OF_CODE], code);
  strcpy(v[ZB_OF_NAME], "某党组织");
  strcpy(v[ZB_OF_TYPE], type);
  strcpy(v[ZB_OF_PARENT_CODE], parent);
  expect_ok(apply(&zb_kind_org, v, NULL));
}

/* Member id of org, joined on join (a 预备党员: no full_date). */
static void put_member(const char *id, const char *org, const char *join, const char *idnum) {
  zb_value v[ZB_MF__COUNT];
  memset(v, 0, sizeof v);
  strcpy(v[ZB_MF_ID], id);
  strcpy(v[ZB_MF_NAME], "党员");
  strcpy(v[ZB_MF_GENDER], "男");
  strcpy(v[ZB_MF_BIRTH_DATE], "1990-01-01");
  strcpy(v[ZB_MF_ID_NUMBER], idnum);
  strcpy(v[ZB_MF_CATEGORY], "预备党员");
  strcpy(v[ZB_MF_JOIN_DATE], join);
  strcpy(v[ZB_MF_ORG_CODE], org);
  expect_ok(apply(&zb_kind_member, v, NULL));
}

static void pay(zb_value *v, const char *member, const char *m, const char *key) {
  payment(v);
  strcpy(v[ZB_DF_MEMBER_ID], member);
  set_month(v, m, key);
  strcpy(v[ZB_DF_PAID_DATE], "2026-11-20");
}

static void test_state_rules(void **state) {
  (void)state;
  put_org("430121", "", "committee");
  put_org("430121-01", "430121", "committee");
  put_org("430121-01-01", "430121-01", "branch");
  put_org("430121-01-02", "430121-01", "branch");
  put_member("M1", "430121-01-01", "2026-06-15", "430121199001010015");
  put_member("M2", "430121-01-02", "2020-01-01", "430121199001010031");
  zb_value v[ZB_DF__COUNT];

  /* The member's own org, a member of this deployment. */
  pay(v, "M1", "2026-07", "M1-202607");
  strcpy(v[ZB_DF_ORG_CODE], "430121-01-02");
  expect_rejected(apply(&zb_kind_dues, v, "430121-01"), ZB_DF_ORG_CODE,
                  "member M1 belongs to org 430121-01-01, not 430121-01-02");
  /* A writer of the other branch is not told where M1 is. */
  expect_rejected(apply(&zb_kind_dues, v, "430121-01-02"), ZB_DF_MEMBER_ID,
                  "there is no member M1 in org 430121-01-02");
  pay(v, "M9", "2026-07", "M9-202607");
  expect_rejected(apply(&zb_kind_dues, v, "430121-01"), ZB_DF_MEMBER_ID, "no member M9");
  /* A branch pays for its own members only. */
  pay(v, "M1", "2026-07", "M1-202607");
  zb_apply_result r = apply(&zb_kind_dues, v, "430121-01-02");
  assert_int_equal(r.status, ZB_APPLY_REJECTED);
  assert_true(r.scope);

  /* Due from the month of joining (2026-06-15: June is due, May is not). */
  pay(v, "M1", "2026-05", "M1-202605");
  expect_rejected(apply(&zb_kind_dues, v, "430121-01"), ZB_DF_MONTH,
                  "joined on 2026-06-15: no dues are due for 2026-05");
  pay(v, "M1", "2026-06", "M1-202606");
  expect_ok(apply(&zb_kind_dues, v, "430121-01-01"));

  /* One payment a month: the same key again changes nothing it may not;
   * a different amount for it is refused (its fields are fixed). */
  r = apply(&zb_kind_dues, v, "430121-01-01");
  expect_ok(r);
  assert_false(r.changed);
  strcpy(v[ZB_DF_AMOUNT_FEN], "1000");
  expect_rejected(apply(&zb_kind_dues, v, "430121-01-01"), ZB_DF_AMOUNT_FEN,
                  "cannot be changed");

  /* -2 only once the first is voided; -3 not before -2. */
  pay(v, "M1", "2026-06", "M1-202606-2");
  expect_rejected(apply(&zb_kind_dues, v, "430121-01-01"), ZB_DF_ID,
                  "M1-202606 is not voided (void it first)");
  expect_ok(void_it("M1-202606", "金额有误"));
  expect_rejected(void_it("M1-202606", "again"), ZB_DF_STATUS, "已作废");
  pay(v, "M1", "2026-06", "M1-202606-3");
  expect_rejected(apply(&zb_kind_dues, v, "430121-01-01"), ZB_DF_ID,
                  "M1-202606-2 does not exist");
  pay(v, "M1", "2026-06", "M1-202606-2");
  expect_ok(apply(&zb_kind_dues, v, "430121-01-01"));
  /* A set may not void a payment: only the act does. */
  strcpy(v[ZB_DF_STATUS], "已作废");
  strcpy(v[ZB_DF_VOID_REASON], "x");
  expect_rejected(apply(&zb_kind_dues, v, "430121-01-01"), ZB_DF_STATUS,
                  "changes only through an act");

  /* A member who left: due to the month of leaving, unless the member
   * left on its first day. */
  static const int leave_f[] = {ZB_MF_LEAVE_REASON, ZB_MF_LEAVE_DATE};
  expect_ok(act(&zb_kind_member, "M2", "leave", 2, leave_f,
                (const char *const[]){"去世", "2026-09-01"}));
  pay(v, "M2", "2026-09", "M2-202609");
  strcpy(v[ZB_DF_ORG_CODE], "430121-01-02");
  expect_rejected(apply(&zb_kind_dues, v, "430121-01"), ZB_DF_MONTH,
                  "member M2 left on 2026-09-01: no dues are due for 2026-09");
  pay(v, "M2", "2026-08", "M2-202608");
  strcpy(v[ZB_DF_ORG_CODE], "430121-01-02");
  expect_ok(apply(&zb_kind_dues, v, "430121-01"));
  expect_ok(act(&zb_kind_member, "M1", "leave", 2, leave_f,
                (const char *const[]){"去世", "2026-10-02"}));
  pay(v, "M1", "2026-10", "M1-202610");
  expect_ok(apply(&zb_kind_dues, v, "430121-01"));
  /* Voiding a payment is still possible after the member left. */
  expect_ok(void_it("M1-202610", "记错了"));
}

/* ---- the report in two parts (zb_dues_report_tap) ---- */

/* The id number (GB 11643, with its check digit) of the n-th member born
 * 1990-01-01, a man. */
static void idnum(int n, char out[32]) {
  static const int w[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
  snprintf(out, 32, "43012119900101%03d", 2 * n + 1);
  int sum = 0;
  for (int i = 0; i < 17; i++)
    sum += (out[i] - '0') * w[i];
  out[17] = "10X98765432"[sum % 11];
  out[18] = '\0';
}

static void put_payment(const char *member, const char *org, const char *m, const char *key) {
  zb_value v[ZB_DF__COUNT];
  pay(v, member, m, key);
  strcpy(v[ZB_DF_ORG_CODE], org);
  expect_ok(apply(&zb_kind_dues, v, NULL));
}

static int count_tap(void *ctx, const char *org, const char *id, const zb_stats_facts *f) {
  (void)org, (void)id, (void)f;
  ++*(long *)ctx;
  return 0;
}

/* The year's report of root read in t, its members per part in parts. */
static zb_dues_report *year_report(zb_txn *t, const char *root, long parts[2]) {
  zb_dues_query q = {month("2026-01"), month("2026-12"), today, false};
  zb_dues_report *r = NULL;
  parts[0] = parts[1] = 0;
  void *const ctx[ZB_DUES_PARTS] = {&parts[0], &parts[1]};
  assert_int_equal(zb_dues_report_tap(t, root, &q, count_tap, ctx, &r), 0);
  assert_non_null(r);
  return r;
}

static char *report_text(const zb_dues_report *r) {
  json_t *j = zb_dues_report_json(r);
  assert_non_null(j);
  char *s = json_dumps(j, JSON_PRESERVE_ORDER | JSON_COMPACT);
  json_decref(j);
  assert_non_null(s);
  return s;
}

static void assert_same_sum(const zb_dues_sum *a, const zb_dues_sum *b) {
  assert_int_equal(a->members, b->members);
  assert_int_equal(a->months_due, b->months_due);
  assert_int_equal(a->months_paid, b->months_paid);
  assert_int_equal(a->flagged, b->flagged);
  assert_int_equal(a->months_unknown, b->months_unknown);
  assert_int_equal(a->expected_fen, b->expected_fen);
  assert_int_equal(a->paid_fen, b->paid_fen);
}

static void *late_member(void *arg) {
  (void)arg;
  char id[32];
  idnum(6, id);
  put_member("M6", "430121-03", "2020-01-01", id);
  return NULL;
}

/* A county of three branches and a member of its own: its members are
 * read in two parts at once — itself and 01, then 02 and 03 (half of the
 * orgs before 02) — and the report is the parts merged: each branch's row
 * is its own report, the total their sum, the arrears all listed.  A
 * write between the report's transaction and its second part's is not
 * seen: the second part is then read in the first one's transaction. */
static void test_report_parts(void **state) {
  (void)state;
  put_org("430121", "", "committee");
  static const char *const br[] = {"430121-01", "430121-02", "430121-03"};
  for (int i = 0; i < 3; i++)
    put_org(br[i], "430121", "branch");
  static const char *const who[][3] = {
      {"M0", "430121", "2026-03-01"},    {"M1", "430121-01", "2026-06-15"},
      {"M2", "430121-01", "2020-01-01"}, {"M3", "430121-02", "2020-01-01"},
      {"M4", "430121-03", "2020-01-01"}, {"M5", "430121-03", "2020-01-01"},
  };
  for (int i = 0; i < 6; i++) {
    char id[32];
    idnum(i, id);
    put_member(who[i][0], who[i][1], who[i][2], id);
  }
  put_payment("M1", "430121-01", "2026-07", "M1-202607");
  put_payment("M3", "430121-02", "2026-08", "M3-202608");
  put_payment("M4", "430121-03", "2026-09", "M4-202609");
  put_payment("M5", "430121-03", "2026-10", "M5-202610");

  zb_txn *t;
  long parts[2], bparts[2];
  assert_int_equal(zb_store_read(store, &t), 0);
  zb_dues_report *r = year_report(t, "430121", parts);
  assert_int_equal(parts[0], 3);
  assert_int_equal(parts[1], 3);
  assert_int_equal(r->total.members, 6);
  assert_int_equal(r->norgs, 4);
  zb_dues_sum sum = {0};
  size_t narrears = 0;
  for (size_t i = 0; i < r->norgs; i++) {
    sum.members += r->orgs[i].s.members;
    sum.months_due += r->orgs[i].s.months_due;
    sum.months_paid += r->orgs[i].s.months_paid;
    sum.flagged += r->orgs[i].s.flagged;
    sum.months_unknown += r->orgs[i].s.months_unknown;
    sum.expected_fen += r->orgs[i].s.expected_fen;
    sum.paid_fen += r->orgs[i].s.paid_fen;
  }
  assert_same_sum(&sum, &r->total);
  assert_int_equal(r->total.months_paid, 4);
  assert_string_equal(r->orgs[0].org, "430121");
  assert_int_equal(r->arrears[narrears].nunpaid, 9);   /* M0: 2026-03..11 */
  assert_string_equal(r->arrears[narrears++].member_id, "M0");
  for (int i = 0; i < 3; i++) {
    zb_dues_report *b = year_report(t, br[i], bparts);
    assert_int_equal(bparts[1], 0);   /* a branch: one part */
    assert_string_equal(r->orgs[i + 1].org, br[i]);
    assert_same_sum(&r->orgs[i + 1].s, &b->total);
    for (size_t k = 0; k < b->narrears; k++, narrears++) {
      assert_true(narrears < r->narrears);
      assert_string_equal(r->arrears[narrears].member_id, b->arrears[k].member_id);
      assert_int_equal(r->arrears[narrears].nunpaid, b->arrears[k].nunpaid);
      assert_int_equal(r->arrears[narrears].owed_fen, b->arrears[k].owed_fen);
      assert_int_equal(r->arrears[narrears].streak, b->arrears[k].streak);
    }
    zb_dues_report_free(b);
  }
  assert_int_equal(narrears, r->narrears);
  char *want = report_text(r);
  zb_dues_report_free(r);

  /* A member comes in after t began (written from another thread: t is
   * this one's): the report read in t does not count it, a new one does. */
  pthread_t th;
  assert_int_equal(pthread_create(&th, NULL, late_member, NULL), 0);
  assert_int_equal(pthread_join(th, NULL), 0);
  r = year_report(t, "430121", parts);
  char *got = report_text(r);
  assert_string_equal(got, want);
  assert_int_equal(parts[1], 3);
  zb_dues_report_free(r);
  free(got);
  zb_txn_end(t);
  assert_int_equal(zb_store_read(store, &t), 0);
  r = year_report(t, "430121", parts);
  assert_int_equal(r->total.members, 7);
  assert_int_equal(parts[1], 4);
  zb_dues_report_free(r);
  zb_txn_end(t);
  free(want);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_rule_in_force),
      cmocka_unit_test(test_employee_brackets),
      cmocka_unit_test(test_retiree_brackets),
      cmocka_unit_test(test_half_fen),
      cmocka_unit_test(test_fixed_amounts),
      cmocka_unit_test(test_money_text),
      cmocka_unit_test(test_keys),
      cmocka_unit_test(test_window),
      cmocka_unit_test(test_standard_rules),
      cmocka_unit_test_setup_teardown(test_state_rules, setup, teardown),
      cmocka_unit_test_setup_teardown(test_report_parts, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
