/* Democratic evaluation (民主评议; docs/RECORDS.md, "Evaluations"), through
 * the one merge function over a real store: 优秀 for at most one third of a
 * branch's full members — 3 of 9 (exactly a third) and 3 of 10 pass, a
 * fourth does not, 3 of 8 does not — counted in the order ops are applied
 * (the server's); re-grading and a grade already 优秀 do not count twice;
 * probationary members are not graded; the key is the member and the year;
 * a year after this one is refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "why_en.h"
#include "zb_err.h"
#include "zb_eval.h"
#include "zb_idnum.h"
#include "zb_merge.h"
#include "zb_record.h"
#include "zb_state.h"
#include "zb_store.h"

static char dir[64];
static zb_store *store;

static int setup(void **state) {
  (void)state;
  snprintf(dir, sizeof dir, "/tmp/zb-eval-XXXXXX");
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

/* 2026-11-26 in ms. */
#define T0 1795651200000ull
static uint64_t seq;

struct apply_ctx {
  const zb_kind_desc *kd;
  const zb_value *v;
  const char *act;            /* with fields/vals: an act on key v[0] */
  int n;
  const int *fields;
  const char *const *vals;
  const char *scope;
  zb_apply_result r;
};

static int apply_write(zb_txn *t, void *ctx) {
  struct apply_ctx *ac = ctx;
  Zb__FieldSet fs[ZB_REC_FIELDS_MAX], *fsp[ZB_REC_FIELDS_MAX];
  size_t n = 0;
  for (int i = 0; !ac->act && i < ac->kd->nfields; i++) {
    if (!ac->v[i][0])
      continue;
    zb__field_set__init(&fs[n]);
    fs[n].field = (uint32_t)i;
    fs[n].value = (char *)ac->v[i];
    fsp[n] = &fs[n];
    n++;
  }
  for (int i = 0; ac->act && i < ac->n; i++) {
    zb__field_set__init(&fs[n]);
    fs[n].field = (uint32_t)ac->fields[i];
    fs[n].value = (char *)ac->vals[i];
    fsp[n] = &fs[n];
    n++;
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
    act.key = (char *)ac->v[0];
    act.name = (char *)ac->act;
    act.n_params = n;
    act.params = fsp;
    op.body_case = ZB__OP__BODY_ACT;
    op.act = &act;
  } else {
    set.kind = (Zb__RecordKind)ac->kd->id;
    set.key = (char *)ac->v[0];
    set.n_fields = n;
    set.fields = fsp;
    op.body_case = ZB__OP__BODY_SET;
    op.set = &set;
  }
  return zb_merge_apply(t, &op, seq, ac->scope, 0, &ac->r);
}

static zb_apply_result apply(const zb_kind_desc *kd, const zb_value *v, const char *scope) {
  struct apply_ctx ac = {.kd = kd, .v = v, .scope = scope};
  assert_int_equal(zb_store_write(store, apply_write, &ac), 0);
  return ac.r;
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

/* Member id of org: full (正式党员) or probationary. */
static void put_member(const char *id, const char *org, bool full) {
  static int serial;
  zb_value v[ZB_MF__COUNT];
  memset(v, 0, sizeof v);
  strcpy(v[ZB_MF_ID], id);
  strcpy(v[ZB_MF_NAME], "党员");
  strcpy(v[ZB_MF_GENDER], "男");
  strcpy(v[ZB_MF_BIRTH_DATE], "1990-01-01");
  char idn[32];
  snprintf(idn, sizeof idn, "43012119900101%03dX", (2 * ++serial - 1) % 1000);
  idn[17] = zb_idnum_check_char(idn);
  strcpy(v[ZB_MF_ID_NUMBER], idn);
  strcpy(v[ZB_MF_CATEGORY], full ? "正式党员" : "预备党员");
  strcpy(v[ZB_MF_JOIN_DATE], full ? "2015-01-01" : "2026-03-01");
  if (full)
    strcpy(v[ZB_MF_FULL_DATE], "2016-01-01");
  strcpy(v[ZB_MF_ORG_CODE], org);
  expect_ok(apply(&zb_kind_member, v, NULL));
}

static zb_apply_result grade(const char *member, const char *org, const char *year,
                             const char *g, const char *scope) {
  zb_value v[ZB_EF__COUNT];
  memset(v, 0, sizeof v);
  snprintf(v[ZB_EF_ID], sizeof v[0], "%s-%s", member, year);
  strcpy(v[ZB_EF_MEMBER_ID], member);
  strcpy(v[ZB_EF_YEAR], year);
  strcpy(v[ZB_EF_ORG_CODE], org);
  strcpy(v[ZB_EF_GRADE], g);
  return apply(&zb_kind_eval, v, scope);
}

/* A branch of n full members (ids PREFIX01 …) and one probationary. */
static void branch(const char *org, const char *prefix, int n) {
  put_org(org, "430121-01", "branch");
  char id[32];
  for (int i = 1; i <= n; i++) {
    snprintf(id, sizeof id, "%s%02d", prefix, i);
    put_member(id, org, true);
  }
  snprintf(id, sizeof id, "%sP", prefix);
  put_member(id, org, false);
}

/* Grades the first k members 优秀; the (k+1)th must be refused when want
 * says so. */
static void excellent(const char *org, const char *prefix, int k) {
  char id[32];
  for (int i = 1; i <= k; i++) {
    snprintf(id, sizeof id, "%s%02d", prefix, i);
    expect_ok(grade(id, org, "2026", "优秀", "430121-01"));
  }
}

static void test_one_third(void **state) {
  (void)state;
  put_org("430121", "", "committee");
  put_org("430121-01", "430121", "committee");
  branch("430121-01-09", "A", 9);
  branch("430121-01-10", "B", 10);
  branch("430121-01-08", "C", 8);
  char id[32];

  /* 9 full members: 3 is exactly a third, a fourth is refused. */
  excellent("430121-01-09", "A", 3);
  expect_rejected(grade("A04", "430121-01-09", "2026", "优秀", "430121-01"), ZB_EF_GRADE,
                  "at most one third of the 9 full members of 430121-01-09: 3 already have it");
  expect_ok(grade("A04", "430121-01-09", "2026", "合格", "430121-01"));
  /* Setting 优秀 again on one who has it does not count twice; another
   * year is counted apart; re-grading one 优秀 down frees a place. */
  expect_ok(grade("A01", "430121-01-09", "2026", "优秀", "430121-01"));
  expect_ok(grade("A04", "430121-01-09", "2025", "优秀", "430121-01"));
  expect_rejected(grade("A04", "430121-01-09", "2026", "优秀", "430121-01"), ZB_EF_GRADE,
                  "one third");
  expect_ok(grade("A03", "430121-01-09", "2026", "基本合格", "430121-01"));
  expect_ok(grade("A04", "430121-01-09", "2026", "优秀", "430121-01"));

  /* 10: 3 pass (3.33 rounds down), a fourth does not. */
  excellent("430121-01-10", "B", 3);
  expect_rejected(grade("B04", "430121-01-10", "2026", "优秀", "430121-01"), ZB_EF_GRADE,
                  "the 10 full members");
  /* 8: 2 pass, the third does not. */
  excellent("430121-01-08", "C", 2);
  expect_rejected(grade("C03", "430121-01-08", "2026", "优秀", "430121-01"), ZB_EF_GRADE,
                  "the 8 full members of 430121-01-08: 2 already have it");
  /* The probationary member is counted neither among those graded nor
   * graded (预备党员 take part, are not graded). */
  expect_rejected(grade("CP", "430121-01-08", "2026", "合格", "430121-01"), ZB_EF_MEMBER_ID,
                  "probationary members take part in the evaluation but are not graded");

  /* A member who left is no longer among those the branch grades: B has
   * 9 full members after B10 leaves, and still 3 优秀 at most. */
  static const int lf[] = {ZB_MF_LEAVE_REASON, ZB_MF_LEAVE_DATE};
  zb_value k[1];
  strcpy(k[0], "B10");
  struct apply_ctx ac = {.kd = &zb_kind_member, .v = k, .act = "leave", .n = 2, .fields = lf,
                         .vals = (const char *const[]){"去世", "2026-10-01"}, .scope = NULL};
  assert_int_equal(zb_store_write(store, apply_write, &ac), 0);
  expect_ok(ac.r);
  expect_rejected(grade("B05", "430121-01-10", "2026", "优秀", "430121-01"), ZB_EF_GRADE,
                  "the 9 full members of 430121-01-10: 3 already have it");

  /* The member's own org; a writer outside it is not told where. */
  expect_rejected(grade("C04", "430121-01-09", "2026", "合格", "430121-01"), ZB_EF_ORG_CODE,
                  "member C04 belongs to org 430121-01-08, not 430121-01-09");
  zb_apply_result r = grade("C04", "430121-01-08", "2026", "合格", "430121-01-09");
  assert_int_equal(r.status, ZB_APPLY_REJECTED);
  assert_true(r.scope);
  expect_rejected(grade("Z99", "430121-01-08", "2026", "合格", "430121-01"), ZB_EF_MEMBER_ID,
                  "there is no member Z99 in org 430121-01-08");

  /* Fields: the key, the year. */
  zb_value v[ZB_EF__COUNT];
  memset(v, 0, sizeof v);
  strcpy(v[ZB_EF_ID], "C04-2025");
  strcpy(v[ZB_EF_MEMBER_ID], "C04");
  strcpy(v[ZB_EF_YEAR], "2026");
  strcpy(v[ZB_EF_ORG_CODE], "430121-01-08");
  strcpy(v[ZB_EF_GRADE], "合格");
  expect_rejected(apply(&zb_kind_eval, v, "430121-01"), ZB_EF_ID, "must be C04-2026");
  expect_rejected(grade("C04", "430121-01-08", "2027", "合格", "430121-01"), ZB_EF_YEAR,
                  "is after this year (2026)");
  expect_rejected(grade("C04", "430121-01-08", "26", "合格", "430121-01"), ZB_EF_YEAR,
                  "must be a year YYYY");
  expect_rejected(grade("C04", "430121-01-08", "2026", "良好", "430121-01"), ZB_EF_GRADE,
                  "unknown value");
  snprintf(id, sizeof id, "C04");
  expect_ok(grade(id, "430121-01-08", "2026", "不合格", "430121-01"));

  long eligible, exc;
  zb_txn *t;
  assert_int_equal(zb_store_read(store, &t), 0);
  assert_int_equal(zb_eval_counts(t, "430121-01-09", "2026", NULL, &eligible, &exc), 0);
  zb_txn_end(t);
  assert_int_equal(eligible, 9);
  assert_int_equal(exc, 3);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_one_third, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
