/* zb_merge_apply over a real LMDB store: last-writer-wins by (HLC, origin),
 * order independence, rejections that leave the state untouched, scope,
 * one id_number per member, and the org index following a move. */
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
#include "zb_merge.h"
#include "zb_state.h"
#include "zb_store.h"

static char dir[64];
static zb_store *store;

static int setup(void **state) {
  (void)state;
  snprintf(dir, sizeof dir, "/tmp/zb-merge-XXXXXX");
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

/* An op setting fields of one record, built by hand as a peer would. */
struct op_spec {
  const zb_kind_desc *kind;
  const char *key;
  const char *origin;
  uint64_t hlc;       /* in ms; the counter part stays 0 */
  int nf;
  int fields[ZB_MF__COUNT];
  const char *vals[ZB_MF__COUNT];
};

struct apply_ctx {
  const struct op_spec *spec;
  const char *scope;
  uint64_t server_seq;
  uint64_t base;
  unsigned flags;
  int body;           /* 0 set, 1 act, 2 fact */
  const char *name;   /* the act's or fact's */
  zb_apply_result r;
};

static int apply_write(zb_txn *t, void *ctx) {
  struct apply_ctx *ac = ctx;
  const struct op_spec *sp = ac->spec;
  Zb__FieldSet fs[ZB_MF__COUNT], *fsp[ZB_MF__COUNT];
  for (int i = 0; i < sp->nf; i++) {
    zb__field_set__init(&fs[i]);
    fs[i].field = (uint32_t)sp->fields[i];
    fs[i].value = (char *)sp->vals[i];
    fsp[i] = &fs[i];
  }
  Zb__RecordSet set = ZB__RECORD_SET__INIT;
  set.kind = (Zb__RecordKind)sp->kind->id;
  set.key = (char *)sp->key;
  set.n_fields = (size_t)sp->nf;
  set.fields = fsp;
  Zb__Act act = ZB__ACT__INIT;
  act.kind = set.kind;
  act.key = set.key;
  act.name = (char *)ac->name;
  act.n_params = set.n_fields;
  act.params = fsp;
  Zb__Fact fact = ZB__FACT__INIT;
  fact.kind = set.kind;
  fact.key = set.key;
  fact.name = (char *)ac->name;
  fact.n_values = set.n_fields;
  fact.values = fsp;
  Zb__Op op = ZB__OP__INIT;
  op.origin = (char *)sp->origin;
  op.seq = 1;
  op.hlc = sp->hlc << 16;
  op.actor = "t";
  op.base_cursor = ac->base;
  op.body_case = ZB__OP__BODY_SET;
  op.set = &set;
  if (ac->body == 1) {
    op.body_case = ZB__OP__BODY_ACT;
    op.act = &act;
  } else if (ac->body == 2) {
    op.body_case = ZB__OP__BODY_FACT;
    op.fact = &fact;
  }
  return zb_merge_apply(t, &op, ac->server_seq, ac->scope, ac->flags, &ac->r);
}

static enum zb_apply_status apply(const struct op_spec *sp, const char *scope, zb_apply_result *out) {
  struct apply_ctx ac = {.spec = sp, .scope = scope};
  assert_int_equal(zb_store_write(store, apply_write, &ac), 0);
  if (out)
    *out = ac.r;
  return ac.r.status;
}

/* 2026-11-26 in ms: ops are "written" then, so no date is in the future. */
#define T0 1795651200000ull

static void put_org(const char *code, const char *parent, const char *type) {
  struct op_spec o = {&zb_kind_org, code, "hq", T0, 3, {1, 2, 3}, {"某党组织", type, parent}};
  zb_apply_result r;
  if (apply(&o, NULL, &r) != ZB_APPLY_OK)
    fail_msg("org %s rejected: %s", code, r.reason);
}

static void orgs(void) {
  put_org("430121", "", "committee");
  put_org("430121-01", "430121", "committee");
  put_org("430121-01-01", "430121-01", "branch");
  put_org("430121-01-02", "430121-01", "branch");
  put_org("430121-02", "430121", "committee");
  put_org("430121-02-01", "430121-02", "branch");
}

/* An ID number with its MOD 11-2 check character, computed here
 * independently of zb_idnum. */
static void idnum(const char *first17, char out[19]) {
  static const int w[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
  int s = 0;
  for (int i = 0; i < 17; i++)
    s += (first17[i] - '0') * w[i];
  memcpy(out, first17, 17);
  out[17] = "10X98765432"[s % 11];
  out[18] = '\0';
}

static char idn_a[19], idn_b[19];

static struct op_spec member(const char *id, const char *idn, const char *org, const char *origin,
                             uint64_t hlc) {
  struct op_spec m = {&zb_kind_member, id, origin, hlc, 8,
                      {ZB_MF_NAME, ZB_MF_GENDER, ZB_MF_BIRTH_DATE, ZB_MF_ID_NUMBER,
                       ZB_MF_CATEGORY, ZB_MF_JOIN_DATE, ZB_MF_FULL_DATE, ZB_MF_ORG_CODE},
                      {"王伟", "男", "1980-01-01", idn, "正式党员", "2005-07-01", "2006-07-01",
                       org}};
  return m;
}

static struct op_spec phone(const char *id, const char *origin, uint64_t hlc, const char *v) {
  struct op_spec p = {&zb_kind_member, id, origin, hlc, 1, {ZB_MF_PHONE}, {v}};
  return p;
}

static void get(const char *id, zb_member *m) {
  zb_txn *t;
  assert_int_equal(zb_store_read(store, &t), 0);
  assert_int_equal(zb_member_load(t, id, m), 0);
  zb_txn_end(t);
}

static void digest(const char *root, char out[65]) {
  zb_txn *t;
  assert_int_equal(zb_store_read(store, &t), 0);
  assert_int_equal(zb_state_digest(t, root, out), 0);
  zb_txn_end(t);
}

static void test_lww(void **state) {
  (void)state;
  zb_member m;
  orgs();
  idnum("43012119800101001", idn_a);
  struct op_spec c = member("M1", idn_a, "430121-01-01", "n1", T0);
  assert_int_equal(apply(&c, NULL, NULL), ZB_APPLY_OK);
  struct op_spec a = phone("M1", "a", T0 + 100, "13800000001");
  struct op_spec older = phone("M1", "b", T0 + 90, "13800000002");
  struct op_spec tie = phone("M1", "b", T0 + 100, "13800000003");
  struct op_spec tie_lower = phone("M1", "Z", T0 + 100, "13800000004");
  assert_int_equal(apply(&a, NULL, NULL), ZB_APPLY_OK);
  get("M1", &m);
  assert_string_equal(m.v[ZB_MF_PHONE], "13800000001");
  assert_int_equal(apply(&older, NULL, NULL), ZB_APPLY_OK);   /* loses */
  get("M1", &m);
  assert_string_equal(m.v[ZB_MF_PHONE], "13800000001");
  assert_int_equal(apply(&tie, NULL, NULL), ZB_APPLY_OK);     /* "b" > "a" */
  get("M1", &m);
  assert_string_equal(m.v[ZB_MF_PHONE], "13800000003");
  assert_int_equal(apply(&tie_lower, NULL, NULL), ZB_APPLY_OK); /* "Z" < "b" */
  get("M1", &m);
  assert_string_equal(m.v[ZB_MF_PHONE], "13800000003");
  /* Other fields are untouched by phone writes. */
  assert_string_equal(m.v[ZB_MF_NAME], "王伟");
}

/* Applying the same ops in every order gives the same digest. */
static void test_order_independent(void **state) {
  (void)state;
  idnum("43012119800101001", idn_a);
  struct op_spec ops[4];
  ops[0] = phone("M1", "a", T0 + 10, "13800000010");
  ops[1] = phone("M1", "b", T0 + 30, "13800000030");
  ops[2] = phone("M1", "c", T0 + 20, "13800000020");
  ops[3] = (struct op_spec){&zb_kind_member, "M1", "d", T0 + 25, 1, {ZB_MF_EDUCATION}, {"高中"}};
  static const int perms[][4] = {{0, 1, 2, 3}, {3, 2, 1, 0}, {1, 3, 0, 2}, {2, 0, 3, 1}};
  char first[65] = "";
  for (size_t p = 0; p < sizeof perms / sizeof *perms; p++) {
    teardown(NULL);   /* a fresh store for each order */
    assert_int_equal(setup(NULL), 0);
    orgs();
    struct op_spec c = member("M1", idn_a, "430121-01-01", "n1", T0);
    assert_int_equal(apply(&c, NULL, NULL), ZB_APPLY_OK);
    for (int i = 0; i < 4; i++)
      assert_int_equal(apply(&ops[perms[p][i]], NULL, NULL), ZB_APPLY_OK);
    zb_member m;
    get("M1", &m);
    assert_string_equal(m.v[ZB_MF_PHONE], "13800000030");
    assert_string_equal(m.v[ZB_MF_EDUCATION], "高中");
    char d[65];
    digest("430121", d);
    if (p == 0)
      memcpy(first, d, sizeof d);
    else
      assert_string_equal(d, first);
  }
}

static void test_rejections_leave_state(void **state) {
  (void)state;
  zb_apply_result r;
  char before[65], after[65];
  orgs();
  idnum("43012119800101001", idn_a);
  idnum("43012119800101002", idn_b);   /* even sequence: a woman's number */
  struct op_spec c = member("M1", idn_a, "430121-01-01", "n1", T0);
  assert_int_equal(apply(&c, NULL, NULL), ZB_APPLY_OK);
  digest("430121", before);

  struct op_spec bad_phone = phone("M1", "n1", T0 + 1, "1380000");
  assert_int_equal(apply(&bad_phone, NULL, &r), ZB_APPLY_REJECTED);
  assert_int_equal(r.field, ZB_MF_PHONE);

  struct op_spec no_org = member("M2", idn_b, "430121-09-09", "n1", T0 + 2);
  no_org.vals[1] = "女";
  assert_int_equal(apply(&no_org, NULL, &r), ZB_APPLY_REJECTED);
  assert_int_equal(r.field, ZB_MF_ORG_CODE);
  assert_non_null(strstr(EN(r.reason), "does not exist"));

  struct op_spec same_idn = member("M3", idn_a, "430121-01-02", "n1", T0 + 3);
  assert_int_equal(apply(&same_idn, NULL, &r), ZB_APPLY_REJECTED);
  assert_int_equal(r.field, ZB_MF_ID_NUMBER);
  assert_non_null(strstr(EN(r.reason), "M1"));

  struct op_spec wrong_gender = member("M4", idn_b, "430121-01-02", "n1", T0 + 4);
  assert_int_equal(apply(&wrong_gender, NULL, &r), ZB_APPLY_REJECTED);

  struct op_spec key_change = {&zb_kind_member, "M1", "n1", T0 + 5, 1, {ZB_MF_ID}, {"M9"}};
  assert_int_equal(apply(&key_change, NULL, &r), ZB_APPLY_REJECTED);

  struct op_spec no_field = {&zb_kind_member, "M1", "n1", T0 + 6, 1, {40}, {"x"}};
  assert_int_equal(apply(&no_field, NULL, &r), ZB_APPLY_REJECTED);

  /* A join date after the op's own day is in the future for that op. */
  struct op_spec future = {&zb_kind_member, "M1", "n1", T0 + 7, 1, {ZB_MF_JOIN_DATE}, {"2027-01-01"}};
  assert_int_equal(apply(&future, NULL, &r), ZB_APPLY_REJECTED);

  digest("430121", after);
  assert_string_equal(before, after);
  zb_member m;
  get("M1", &m);
  assert_string_equal(m.v[ZB_MF_PHONE], "");
}

static void test_scope(void **state) {
  (void)state;
  zb_apply_result r;
  orgs();
  idnum("43012119800101001", idn_a);
  idnum("43012119800101003", idn_b);
  struct op_spec in = member("M1", idn_a, "430121-01-01", "n1", T0);
  struct op_spec out = member("M2", idn_b, "430121-02-01", "n1", T0);
  assert_int_equal(apply(&in, "430121-01", NULL), ZB_APPLY_OK);
  assert_int_equal(apply(&out, "430121-01", &r), ZB_APPLY_REJECTED);
  assert_non_null(strstr(EN(r.reason), "scope"));
  /* The server (no scope) may write it; then the township-01 writer may not
   * touch that member, nor move its own member out of its subtree. */
  assert_int_equal(apply(&out, NULL, NULL), ZB_APPLY_OK);
  struct op_spec touch = phone("M2", "n1", T0 + 1, "13800000009");
  assert_int_equal(apply(&touch, "430121-01", &r), ZB_APPLY_REJECTED);
  struct op_spec move_out = {&zb_kind_member, "M1", "n1", T0 + 2, 1, {ZB_MF_ORG_CODE}, {"430121-02-01"}};
  assert_int_equal(apply(&move_out, "430121-01", &r), ZB_APPLY_REJECTED);
  /* "430121-1" is not below "430121-01": prefixes are by segment. */
  struct op_spec org_out = {&zb_kind_org, "430121-02-02", "n1", T0, 3, {1, 2, 3},
                            {"第二支部", "branch", "430121-02"}};
  assert_int_equal(apply(&org_out, "430121-01", &r), ZB_APPLY_REJECTED);
}

static int count_member(void *ctx, const zb_member *m) {
  (void)m;
  (*(int *)ctx)++;
  return 0;
}

static int subtree_count(const char *root) {
  zb_txn *t;
  int n = 0;
  assert_int_equal(zb_store_read(store, &t), 0);
  assert_int_equal(zb_members_in_subtree(t, root, count_member, &n), 0);
  zb_txn_end(t);
  return n;
}

static void test_index_follows_move(void **state) {
  (void)state;
  orgs();
  idnum("43012119800101001", idn_a);
  idnum("43012119800101003", idn_b);
  struct op_spec a = member("M1", idn_a, "430121-01-01", "n1", T0);
  struct op_spec b = member("M2", idn_b, "430121-01-02", "n1", T0);
  assert_int_equal(apply(&a, NULL, NULL), ZB_APPLY_OK);
  assert_int_equal(apply(&b, NULL, NULL), ZB_APPLY_OK);
  assert_int_equal(subtree_count("430121-01"), 2);
  assert_int_equal(subtree_count("430121-01-01"), 1);
  assert_int_equal(subtree_count("430121-02"), 0);
  struct op_spec move = {&zb_kind_member, "M1", "n1", T0 + 1, 1, {ZB_MF_ORG_CODE}, {"430121-02-01"}};
  assert_int_equal(apply(&move, NULL, NULL), ZB_APPLY_OK);
  assert_int_equal(subtree_count("430121-01-01"), 0);
  assert_int_equal(subtree_count("430121-02"), 1);
  assert_int_equal(subtree_count("430121"), 2);
  assert_int_equal(subtree_count(NULL), 2);
  /* The freed id_number can be given to another member now that M1 holds
   * another one. */
  char idn_c[19];
  idnum("43012119800101005", idn_c);
  struct op_spec renumber = {&zb_kind_member, "M1", "n1", T0 + 2, 1, {ZB_MF_ID_NUMBER}, {idn_c}};
  assert_int_equal(apply(&renumber, NULL, NULL), ZB_APPLY_OK);
  struct op_spec reuse = member("M3", idn_a, "430121-01-01", "n1", T0 + 3);
  assert_int_equal(apply(&reuse, NULL, NULL), ZB_APPLY_OK);
}

/* Server-side view: each op gets a server seq; base is what its writer had
 * pulled when it wrote. */
static enum zb_apply_status apply_seq(const struct op_spec *sp, uint64_t server_seq, uint64_t base,
                                      zb_apply_result *out) {
  struct apply_ctx ac = {.spec = sp, .server_seq = server_seq, .base = base};
  assert_int_equal(zb_store_write(store, apply_write, &ac), 0);
  *out = ac.r;
  return ac.r.status;
}

static void test_conflicts(void **state) {
  (void)state;
  zb_apply_result r;
  orgs();
  idnum("43012119800101001", idn_a);
  struct op_spec c = member("M1", idn_a, "430121-01-01", "n1", T0);
  assert_int_equal(apply_seq(&c, 10, 0, &r), ZB_APPLY_OK);
  /* b writes phone at seq 11 having seen seq 10: no conflict. */
  struct op_spec b1 = phone("M1", "b", T0 + 50, "13800000050");
  assert_int_equal(apply_seq(&b1, 11, 10, &r), ZB_APPLY_OK);
  assert_int_equal(r.nconflicts, 0);
  /* a wrote phone earlier (HLC) without having seen seq 11: concurrent,
   * b keeps the field, both values are recorded. */
  struct op_spec a1 = phone("M1", "a", T0 + 40, "13800000040");
  assert_int_equal(apply_seq(&a1, 12, 10, &r), ZB_APPLY_CONFLICT);
  assert_int_equal(r.nconflicts, 1);
  assert_int_equal(r.conflicts[0].field, ZB_MF_PHONE);
  assert_string_equal(r.conflicts[0].winner_value, "13800000050");
  assert_string_equal(r.conflicts[0].winner_origin, "b");
  assert_string_equal(r.conflicts[0].loser_value, "13800000040");
  assert_string_equal(r.conflicts[0].loser_origin, "a");
  zb_member m;
  get("M1", &m);
  assert_string_equal(m.v[ZB_MF_PHONE], "13800000050");
  /* A concurrent write of the same value is not a conflict. */
  struct op_spec same = phone("M1", "c", T0 + 45, "13800000050");
  assert_int_equal(apply_seq(&same, 13, 10, &r), ZB_APPLY_OK);
  assert_int_equal(r.nconflicts, 0);
  /* A later concurrent write wins and is recorded as the winner. */
  struct op_spec a2 = phone("M1", "a", T0 + 60, "13800000060");
  assert_int_equal(apply_seq(&a2, 14, 10, &r), ZB_APPLY_CONFLICT);
  assert_string_equal(r.conflicts[0].winner_value, "13800000060");
  assert_string_equal(r.conflicts[0].loser_origin, "b");
  get("M1", &m);
  assert_string_equal(m.v[ZB_MF_PHONE], "13800000060");
  /* Having seen everything (base 14), b's next write is no conflict. */
  struct op_spec b2 = phone("M1", "b", T0 + 70, "13800000070");
  assert_int_equal(apply_seq(&b2, 15, 14, &r), ZB_APPLY_OK);
  assert_int_equal(r.nconflicts, 0);
}

/* ---- the notice kind: one descriptor, the same merge ---- */

enum { N_ID, N_TITLE, N_BODY, N_DATE, N_ORG, N_STATUS, N_REASON };

static enum zb_apply_status notice(const char *key, const char *org, const char *scope,
                                   zb_apply_result *r) {
  struct op_spec n = {&zb_kind_notice, key, "t01", T0 + 1, 5,
                      {N_TITLE, N_BODY, N_DATE, N_ORG, N_STATUS},
                      {"学习通知", "正文", "2026-11-20", org, "已发布"}};
  return apply(&n, scope, r);
}

struct keys {
  char v[8][ZB_FIELD_MAX + 1];
  int n;
};

static int note_key(void *ctx, const zb_rec *r) {
  struct keys *k = ctx;
  assert_ptr_equal(r->kd, &zb_kind_notice);
  if (k->n < 8)
    snprintf(k->v[k->n++], sizeof k->v[0], "%s", r->v[0]);
  return 0;
}

static int notices_of(const char *root, bool visible, struct keys *k) {
  zb_txn *t;
  memset(k, 0, sizeof *k);
  assert_int_equal(zb_store_read(store, &t), 0);
  assert_int_equal(zb_recs_in_subtree(t, &zb_kind_notice, root, visible, note_key, k), 0);
  zb_txn_end(t);
  return k->n;
}

static void test_notice(void **state) {
  (void)state;
  orgs();
  zb_apply_result r;
  /* A township writes for its own org; the operator (no scope) anywhere. */
  assert_int_equal(notice("N1", "430121-01", "430121-01", &r), ZB_APPLY_OK);
  assert_string_equal(r.org_after, "430121-01");
  assert_int_equal(notice("N2", "430121-01-01", NULL, &r), ZB_APPLY_OK);
  /* Not for the org above it, nor for one below it. */
  assert_int_equal(notice("N3", "430121-01", "430121-01-01", &r), ZB_APPLY_REJECTED);
  assert_true(r.scope);
  assert_int_equal(r.field, N_ORG);
  assert_int_equal(notice("N4", "430121-01-01", "430121-01", &r), ZB_APPLY_REJECTED);
  assert_true(r.scope);
  /* An org that does not exist, a missing title, a changed issuing org. */
  assert_int_equal(notice("N5", "430121-09", NULL, &r), ZB_APPLY_REJECTED);
  assert_non_null(strstr(EN(r.reason), "does not exist"));
  struct op_spec untitled = {&zb_kind_notice, "N6", "t01", T0, 4,
                             {N_BODY, N_DATE, N_ORG, N_STATUS},
                             {"正文", "2026-11-20", "430121-01", "已发布"}};
  assert_int_equal(apply(&untitled, NULL, &r), ZB_APPLY_REJECTED);
  assert_int_equal(r.field, N_TITLE);
  struct op_spec move = {&zb_kind_notice, "N1", "t01", T0 + 9, 1, {N_ORG}, {"430121-01-02"}};
  assert_int_equal(apply(&move, NULL, &r), ZB_APPLY_REJECTED);
  assert_non_null(strstr(EN(r.reason), "cannot be changed"));

  /* Who holds what: a branch holds its township's notice and its own; the
   * subtree alone (a report of the branch) has only its own. */
  struct keys k;
  assert_int_equal(notices_of("430121-01-01", true, &k), 2);
  assert_string_equal(k.v[0], "N1");
  assert_string_equal(k.v[1], "N2");
  assert_int_equal(notices_of("430121-01-01", false, &k), 1);
  assert_string_equal(k.v[0], "N2");
  assert_int_equal(notices_of("430121-01-02", true, &k), 1);
  assert_string_equal(k.v[0], "N1");
  assert_int_equal(notices_of("430121-02-01", true, &k), 0);
  assert_int_equal(notices_of("430121", false, &k), 2);
  assert_int_equal(notices_of(NULL, false, &k), 2);
}

/* Applies an act (body 1) or fact (body 2) named name, as spec says. */
static enum zb_apply_status step(const struct op_spec *sp, int body, const char *name,
                                 const char *scope, unsigned flags, zb_apply_result *out) {
  struct apply_ctx ac = {.spec = sp, .scope = scope, .flags = flags, .body = body, .name = name};
  assert_int_equal(zb_store_write(store, apply_write, &ac), 0);
  *out = ac.r;
  return ac.r.status;
}

/* Acts: checked against the state, written in application order; the
 * fields they own are not the sets' to write. */
static void test_acts(void **state) {
  (void)state;
  orgs();
  zb_apply_result r;
  assert_int_equal(notice("N1", "430121-01", "430121-01", &r), ZB_APPLY_OK);
  struct op_spec wd = {&zb_kind_notice, "N1", "t01", T0 + 2, 1, {N_REASON}, {"发错了"}};
  /* Not by a branch below (the issuing org acts), not an unknown act, not
   * a parameter the act does not have. */
  assert_int_equal(step(&wd, 1, "withdraw", "430121-01-01", 0, &r), ZB_APPLY_REJECTED);
  assert_true(r.scope);
  assert_int_equal(step(&wd, 1, "publish", NULL, 0, &r), ZB_APPLY_REJECTED);
  assert_non_null(strstr(EN(r.reason), "no act"));
  struct op_spec param = wd;
  param.fields[0] = N_TITLE;
  assert_int_equal(step(&param, 1, "withdraw", NULL, 0, &r), ZB_APPLY_REJECTED);
  assert_non_null(strstr(EN(r.reason), "not a parameter"));
  /* Sets may not write the state or the act's field. */
  struct op_spec set_status = {&zb_kind_notice, "N1", "t01", T0 + 3, 1, {N_STATUS}, {"已撤回"}};
  assert_int_equal(apply(&set_status, NULL, &r), ZB_APPLY_REJECTED);
  assert_int_equal(r.field, N_STATUS);
  struct op_spec set_reason = {&zb_kind_notice, "N1", "t01", T0 + 3, 1, {N_REASON}, {"x"}};
  assert_int_equal(apply(&set_reason, NULL, &r), ZB_APPLY_REJECTED);
  /* The act applies once; again, the state refuses it, even with a later
   * clock; trusted (the server ordered it), it is written regardless. */
  assert_int_equal(step(&wd, 1, "withdraw", "430121-01", 0, &r), ZB_APPLY_OK);
  assert_true(r.changed);
  struct op_spec again = wd;
  again.hlc = T0 + 9;
  again.vals[0] = "重复";
  assert_int_equal(step(&again, 1, "withdraw", "430121-01", 0, &r), ZB_APPLY_REJECTED);
  assert_int_equal(r.field, N_STATUS);
  assert_non_null(strstr(EN(r.reason), "已撤回"));
  struct op_spec early = wd;
  early.hlc = T0 + 1;   /* an earlier clock does not make it lose */
  early.vals[0] = "先到";
  assert_int_equal(step(&early, 1, "withdraw", NULL, ZB_APPLY_TRUSTED, &r), ZB_APPLY_OK);
  zb_txn *t;
  zb_rec *rec = malloc(sizeof *rec);
  assert_non_null(rec);
  assert_int_equal(zb_store_read(store, &t), 0);
  assert_int_equal(zb_rec_load(t, &zb_kind_notice, "N1", rec), 0);
  zb_txn_end(t);
  assert_string_equal(rec->v[N_STATUS], "已撤回");
  assert_string_equal(rec->v[N_REASON], "先到");
  /* An act on a record that does not exist. */
  struct op_spec none = wd;
  none.key = "N9";
  assert_int_equal(step(&none, 1, "withdraw", NULL, 0, &r), ZB_APPLY_REJECTED);
  assert_false(r.existed);
  free(rec);
}

/* Facts: idempotent by id, the first writer's entry kept whatever the
 * order, written only by the org they name, on a record the writer holds. */
static void fact_ops(const struct op_spec *ops, const int *order, int n, uint8_t hash[32]) {
  orgs();
  zb_apply_result r;
  assert_int_equal(notice("N1", "430121-01", NULL, &r), ZB_APPLY_OK);
  for (int i = 0; i < n; i++) {
    assert_int_equal(step(&ops[order[i]], 2, "read", "430121-01-01", 0, &r), ZB_APPLY_OK);
  }
  zb_txn *t;
  assert_int_equal(zb_store_read(store, &t), 0);
  assert_int_equal(zb_state_hash(t, hash), 0);
  zb_txn_end(t);
}

static void test_facts(void **state) {
  (void)state;
  struct op_spec ops[3] = {
      {&zb_kind_notice, "N1", "b0101", T0 + 5, 3, {0, 1, 2}, {"430121-01-01", "2026-11-21", "甲"}},
      {&zb_kind_notice, "N1", "b0101x", T0 + 3, 3, {0, 1, 2}, {"430121-01-01", "2026-11-22", "乙"}},
      {&zb_kind_notice, "N1", "b0101", T0 + 5, 3, {0, 1, 2}, {"430121-01-01", "2026-11-21", "甲"}},
  };
  uint8_t h1[32], h2[32];
  fact_ops(ops, (int[]){0, 1, 2}, 3, h1);
  zb_rec *f = malloc(sizeof *f);
  assert_non_null(f);
  zb_txn *t;
  assert_int_equal(zb_store_read(store, &t), 0);
  assert_int_equal(zb_fact_load(t, &zb_kind_notice, "N1", 0, "430121-01-01", f), 0);
  zb_txn_end(t);
  assert_string_equal(f->v[2], "乙");   /* the earlier entry */
  /* A fresh store, the other order: the same bytes. */
  teardown(NULL);
  setup(NULL);
  fact_ops(ops, (int[]){1, 2, 0}, 3, h2);
  assert_memory_equal(h1, h2, 32);

  zb_apply_result r;
  struct op_spec other = ops[0];
  other.vals[0] = "430121-01-02";   /* a sibling's receipt */
  assert_int_equal(step(&other, 2, "read", "430121-01-01", 0, &r), ZB_APPLY_REJECTED);
  assert_true(r.scope);
  assert_int_equal(notice("N2", "430121-02", NULL, &r), ZB_APPLY_OK);
  struct op_spec elsewhere = ops[0];
  elsewhere.key = "N2";   /* a notice of another township */
  assert_int_equal(step(&elsewhere, 2, "read", "430121-01-01", 0, &r), ZB_APPLY_REJECTED);
  assert_true(r.scope);
  struct op_spec bad_date = ops[0];
  bad_date.vals[1] = "2026-02-30";
  assert_int_equal(step(&bad_date, 2, "read", "430121-01-01", 0, &r), ZB_APPLY_REJECTED);
  assert_int_equal(r.field, 1);
  free(f);
}


/* A transfer issued by the member's branch, dated date, to branch to,
 * with the copy of member(id, idn, from) — name changed when name. */
static enum zb_apply_status transfer(const char *tid, const char *id, const char *idn,
                                     const char *from, const char *to, const char *date,
                                     const char *name, const char *scope, zb_apply_result *r) {
  const zb_kind_desc *k = &zb_kind_transfer;
  struct op_spec t = {k, tid, "b0101", T0 + 5, 12,
                      {zb_kind_field(k, "member_id", 9), zb_kind_field(k, "name", 4),
                       zb_kind_field(k, "from_org", 8), zb_kind_field(k, "to_org", 6),
                       zb_kind_field(k, "date", 4), zb_kind_field(k, "status", 6),
                       zb_kind_field(k, "gender", 6), zb_kind_field(k, "id_number", 9),
                       zb_kind_field(k, "birth_date", 10), zb_kind_field(k, "category", 8),
                       zb_kind_field(k, "join_date", 9), zb_kind_field(k, "full_date", 9)},
                      {id, name ? name : "王伟", from, to, date, "待接收", "男", idn,
                       "1980-01-01", "正式党员", "2005-07-01", "2006-07-01"}};
  return apply(&t, scope, r);
}

/* Transfers (docs/RECORDS.md, "Transfers") at the merge, as the server
 * applies them: who may issue and act, the copy checked against the
 * member, one open transfer per member, and expiry by the day the op is
 * applied on (the server's date). */
static void test_transfer(void **state) {
  (void)state;
  orgs();
  zb_apply_result r;
  char idn_c[19];
  idnum("43012119800101001", idn_a);
  idnum("43012119800101005", idn_b);
  idnum("43012119800101003", idn_c);
  struct op_spec ma = member("M1", idn_a, "430121-01-01", "b0101", T0);
  struct op_spec mb = member("M2", idn_b, "430121-01-01", "b0101", T0);
  struct op_spec mc = member("M3", idn_c, "430121-01-01", "b0101", T0);
  assert_int_equal(apply(&ma, NULL, &r), ZB_APPLY_OK);
  assert_int_equal(apply(&mb, NULL, &r), ZB_APPLY_OK);
  assert_int_equal(apply(&mc, NULL, &r), ZB_APPLY_OK);
  const char *B1 = "430121-01-01", *B2 = "430121-02-01";
  const zb_kind_desc *k = &zb_kind_transfer;
  /* Refused: the copy differs from the member, a committee as
   * destination, the member's own branch, a writer whose scope does not
   * hold the member's branch, a member who is not in from_org. */
  assert_int_equal(transfer("T1", "M1", idn_a, B1, B2, "2026-11-20", "王五", B1, &r),
                   ZB_APPLY_REJECTED);
  assert_int_equal(r.field, zb_kind_field(k, "name", 4));
  assert_non_null(strstr(EN(r.reason), "changed"));
  assert_int_equal(transfer("T1", "M1", idn_a, B1, "430121-02", "2026-11-20", NULL, B1, &r),
                   ZB_APPLY_REJECTED);
  assert_non_null(strstr(EN(r.reason), "branches"));
  assert_int_equal(transfer("T1", "M1", idn_a, B1, B1, "2026-11-20", NULL, B1, &r),
                   ZB_APPLY_REJECTED);
  assert_int_equal(transfer("T1", "M1", idn_a, B1, B2, "2026-11-20", NULL, B2, &r),
                   ZB_APPLY_REJECTED);
  assert_true(r.scope);
  assert_int_equal(transfer("T1", "M1", idn_a, "430121-01-02", B2, "2026-11-20", NULL, NULL, &r),
                   ZB_APPLY_REJECTED);
  assert_non_null(strstr(EN(r.reason), "is in 430121-01-01 now"));
  /* Issued by the township above the branch; a second one is refused. */
  assert_int_equal(transfer("T1", "M1", idn_a, B1, B2, "2026-11-20", NULL, "430121-01", &r),
                   ZB_APPLY_OK);
  assert_string_equal(r.org_also, B2);
  assert_int_equal(transfer("T2", "M1", idn_a, B1, B2, "2026-11-21", NULL, B1, &r),
                   ZB_APPLY_REJECTED);
  assert_non_null(strstr(EN(r.reason), "open transfer T1"));
  /* The origin neither accepts nor rejects; the destination cannot
   * cancel; the destination accepts once. */
  struct op_spec acc = {k, "T1", "b0201", T0 + 6, 0, {0}, {NULL}};
  assert_int_equal(step(&acc, 1, "accept", B1, 0, &r), ZB_APPLY_REJECTED);
  assert_true(r.scope);
  assert_int_equal(step(&acc, 1, "cancel", B2, 0, &r), ZB_APPLY_REJECTED);
  assert_true(r.scope);
  struct op_spec rej = {k, "T1", "b0201", T0 + 6, 1, {zb_kind_field(k, "note", 4)}, {""}};
  assert_int_equal(step(&rej, 1, "reject", B2, 0, &r), ZB_APPLY_REJECTED);
  assert_non_null(strstr(EN(r.reason), "reason"));
  assert_int_equal(step(&acc, 1, "accept", "430121-02", 0, &r), ZB_APPLY_OK);
  assert_int_equal(step(&acc, 1, "accept", B2, 0, &r), ZB_APPLY_REJECTED);
  assert_non_null(strstr(EN(r.reason), "已接收"));
  /* Once the first is no longer open, a new transfer may be issued. */
  assert_int_equal(transfer("T2", "M1", idn_a, B1, B2, "2026-11-21", NULL, B1, &r), ZB_APPLY_OK);
  /* Expiry: ops applied on T0 (2026-11-26 UTC; the merge's today is the
   * day after).  Issued 2026-08-26, the limit day is today: expired.
   * Issued a day later: still open, accepted. */
  assert_int_equal(transfer("T3", "M2", idn_b, B1, B2, "2026-08-26", NULL, B1, &r), ZB_APPLY_OK);
  assert_int_equal(transfer("T4", "M3", idn_c, B1, B2, "2026-08-27", NULL, B1, &r), ZB_APPLY_OK);
  struct op_spec a3 = acc, a4 = acc;
  a3.key = "T3";
  a4.key = "T4";
  assert_int_equal(step(&a3, 1, "accept", B2, 0, &r), ZB_APPLY_REJECTED);
  assert_non_null(strstr(EN(r.reason), "已过期"));
  assert_int_equal(step(&a4, 1, "accept", B2, 0, &r), ZB_APPLY_OK);
  /* An expired transfer does not block a new one. */
  assert_int_equal(transfer("T5", "M2", idn_b, B1, B2, "2026-11-26", NULL, B1, &r), ZB_APPLY_OK);
}


static int af(const char *name) {
  return zb_kind_field(&zb_kind_applicant, name, strlen(name));
}

/* act name on applicant A1 by a writer with scope, with up to three
 * (field, value) parameters. */
static enum zb_apply_status aact(const char *name, const char *scope, unsigned flags,
                                 zb_apply_result *r, int n, const char *f1, const char *v1,
                                 const char *f2, const char *v2, const char *f3,
                                 const char *v3) {
  struct op_spec a = {&zb_kind_applicant, "A1", "b0101", T0 + 7, n,
                      {f1 ? af(f1) : 0, f2 ? af(f2) : 0, f3 ? af(f3) : 0}, {v1, v2, v3}};
  return step(&a, 1, name, scope, flags, r);
}
#define ACT1(name, scope, f, v) aact(name, scope, 0, &r, 1, f, v, NULL, NULL, NULL, NULL)

/* The pipeline's rules at the merge, as the server applies them: the acts
 * of the committee above refused to a branch (a hand-built op, no node
 * check in between), boundaries of the 2014 rule set, introducers known
 * only to a replica that holds every member, one extension only. */
static void test_applicant(void **state) {
  (void)state;
  orgs();
  zb_apply_result r;
  idnum("43012119800101001", idn_a);
  struct op_spec ma = member("M1", idn_a, "430121-01-01", "b0101", T0);
  assert_int_equal(apply(&ma, NULL, &r), ZB_APPLY_OK);
  const char *B1 = "430121-01-01", *T1 = "430121-01";
  struct op_spec add = {&zb_kind_applicant, "A1", "b0101", T0 + 5, 7,
                        {af("name"), af("gender"), af("birth_date"), af("id_number"),
                         af("org_code"), af("date"), af("stage")},
                        {"张建国", "男", "1995-05-12", "430121199505120015", B1, "2023-01-05",
                         "入党申请人"}};
  assert_int_equal(apply(&add, B1, &r), ZB_APPLY_OK);
  assert_int_equal(ACT1("activist", B1, "activist_date", "2023-03-01"), ZB_APPLY_REJECTED);
  assert_non_null(strstr(EN(r.reason), "发展党员工作细则 (2014)"));
  assert_int_equal(aact("talk", B1, 0, &r, 2, "talk_date", "2023-01-20", "talk_by", "李", NULL,
                        NULL), ZB_APPLY_OK);
  assert_int_equal(ACT1("activist", B1, "activist_date", "2023-03-01"), ZB_APPLY_OK);
  /* 备案 from the branch itself: refused as the writer's scope. */
  assert_int_equal(ACT1("filing", B1, "filed_date", "2023-03-10"), ZB_APPLY_REJECTED);
  assert_true(r.scope);
  assert_int_equal(ACT1("filing", T1, "filed_date", "2023-03-10"), ZB_APPLY_OK);
  /* A year as activist: the day before is refused, the day itself not. */
  assert_int_equal(ACT1("candidate", B1, "candidate_date", "2024-02-29"), ZB_APPLY_REJECTED);
  assert_int_equal(r.field, af("candidate_date"));
  assert_int_equal(ACT1("candidate", B1, "candidate_date", "2024-03-01"), ZB_APPLY_OK);
  /* An introducer this replica does not hold: a node lets it pass (the
   * server will judge), the server refuses it. */
  assert_int_equal(aact("introducers", B1, ZB_APPLY_COMPLETE, &r, 1, "introducers", "M1,M9",
                        NULL, NULL, NULL, NULL), ZB_APPLY_REJECTED);
  assert_non_null(strstr(EN(r.reason), "M9 is no member"));
  assert_int_equal(ACT1("introducers", B1, "introducers", "M1,M1"), ZB_APPLY_REJECTED);
  assert_int_equal(aact("introducers", B1, ZB_APPLY_COMPLETE, &r, 1, "introducers", "M1，M1",
                        NULL, NULL, NULL, NULL), ZB_APPLY_REJECTED);
  assert_int_equal(ACT1("introducers", B1, "introducers", "M1,M9"), ZB_APPLY_OK);
  assert_int_equal(ACT1("review", B1, "review_date", "2024-03-10"), ZB_APPLY_OK);
  assert_int_equal(aact("training", B1, 0, &r, 2, "training_days", "2", "training_hours", "23",
                        NULL, NULL), ZB_APPLY_REJECTED);
  assert_int_equal(ACT1("training", B1, "training_days", "3"), ZB_APPLY_OK);
  assert_int_equal(ACT1("filing", T1, "filed_date", "2024-03-05"), ZB_APPLY_OK);
  assert_int_equal(ACT1("prereview", B1, "prereview_date", "2024-04-01"), ZB_APPLY_REJECTED);
  assert_true(r.scope);
  assert_int_equal(ACT1("prereview", T1, "prereview_date", "2024-04-01"), ZB_APPLY_OK);
  assert_int_equal(ACT1("notice", B1, "notice_date", "2024-04-02"), ZB_APPLY_OK);
  /* Exactly half is not a majority. */
  assert_int_equal(aact("vote", B1, 0, &r, 3, "vote_date", "2024-04-20", "votes_for", "5",
                        "votes_entitled", "10"), ZB_APPLY_REJECTED);
  assert_int_equal(aact("vote", B1, 0, &r, 3, "vote_date", "2024-04-20", "votes_for", "6",
                        "votes_entitled", "10"), ZB_APPLY_OK);
  /* 审批: only above; on the day 6 months after, not the day after. */
  assert_int_equal(ACT1("approval", B1, "approval_date", "2024-10-20"), ZB_APPLY_REJECTED);
  assert_true(r.scope);
  assert_int_equal(ACT1("approval", T1, "approval_date", "2024-10-21"), ZB_APPLY_REJECTED);
  /* The approval creates the member (its move): while another member holds
   * the applicant's ID number, the move would be refused, so the approval
   * is, with the move's reason; it is not applied without its move. */
  struct op_spec m2 = member("M2", "430121199505120015", B1, "b0101", T0 + 50);
  m2.vals[2] = "1995-05-12";   /* the ID number's birth date */
  m2.vals[5] = "2016-07-01";
  m2.vals[6] = "2017-07-01";
  assert_int_equal(apply(&m2, NULL, &r), ZB_APPLY_OK);
  assert_int_equal(ACT1("approval", T1, "approval_date", "2024-10-20"), ZB_APPLY_REJECTED);
  assert_non_null(strstr(EN(r.reason), "would write member A1"));
  assert_non_null(strstr(EN(r.reason), "M2"));
  assert_int_equal(aact("approval", T1, ZB_APPLY_COMPLETE, &r, 1, "approval_date", "2024-10-20",
                        NULL, NULL, NULL, NULL), ZB_APPLY_REJECTED);
  char idn_c[19];
  idnum("43012119950512003", idn_c);
  struct op_spec m2b = {&zb_kind_member, "M2", "b0101", T0 + 60, 1, {ZB_MF_ID_NUMBER}, {idn_c}};
  assert_int_equal(apply(&m2b, NULL, &r), ZB_APPLY_OK);
  assert_int_equal(ACT1("approval", T1, "approval_date", "2024-10-20"), ZB_APPLY_OK);
  /* One extension, of 6 to 12 months. */
  assert_int_equal(ACT1("extend", B1, "extend_months", "13"), ZB_APPLY_REJECTED);
  assert_int_equal(ACT1("extend", B1, "extend_months", "6"), ZB_APPLY_OK);
  assert_int_equal(ACT1("extend", B1, "extend_months", "12"), ZB_APPLY_REJECTED);
  assert_non_null(strstr(EN(r.reason), "once only"));
  assert_int_equal(aact("conversion_vote", B1, 0, &r, 3, "conversion_vote_date", "2025-10-10",
                        "conversion_votes_for", "7", "conversion_votes_entitled", "10"),
                   ZB_APPLY_OK);
  /* Probation is a year plus the 6 months' extension from the meeting. */
  assert_int_equal(ACT1("conversion_approval", T1, "full_date", "2025-04-20"), ZB_APPLY_REJECTED);
  assert_non_null(strstr(EN(r.reason), "2025-10-20"));
  assert_int_equal(ACT1("conversion_approval", T1, "full_date", "2025-10-20"), ZB_APPLY_OK);
}

static void test_unknown_kind(void **state) {
  (void)state;
  orgs();
  /* A kind number no descriptor has is an error, never a default. */
  zb_kind_desc unknown = zb_kind_org;
  unknown.id = 99;
  struct op_spec o = {&unknown, "430121-03", "hq", T0, 3, {1, 2, 3}, {"x", "branch", "430121"}};
  zb_apply_result r;
  assert_int_equal(apply(&o, NULL, &r), ZB_APPLY_REJECTED);
  assert_non_null(strstr(EN(r.reason), "unknown record kind 99"));
  assert_null(zb_kind_by_id(99));
  assert_null(zb_kind_by_id(0));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_lww, setup, teardown),
      cmocka_unit_test_setup_teardown(test_order_independent, setup, teardown),
      cmocka_unit_test_setup_teardown(test_rejections_leave_state, setup, teardown),
      cmocka_unit_test_setup_teardown(test_scope, setup, teardown),
      cmocka_unit_test_setup_teardown(test_index_follows_move, setup, teardown),
      cmocka_unit_test_setup_teardown(test_conflicts, setup, teardown),
      cmocka_unit_test_setup_teardown(test_notice, setup, teardown),
      cmocka_unit_test_setup_teardown(test_unknown_kind, setup, teardown),
      cmocka_unit_test_setup_teardown(test_acts, setup, teardown),
      cmocka_unit_test_setup_teardown(test_facts, setup, teardown),
      cmocka_unit_test_setup_teardown(test_transfer, setup, teardown),
      cmocka_unit_test_setup_teardown(test_applicant, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
