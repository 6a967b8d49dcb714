/*
 * test_state.c — zb_state over a real LMDB store in a temporary directory:
 * records stored and loaded with their per-field stamps, the pair keys of
 * the two indexes, subtree scans (which members, in which order), the
 * digest (content only: docs/DESIGN-NOTES.md, "Digest"), deleting a record
 * with its index entries (a rejected op's rollback, "Sync": Rejections) and
 * the state hash verify compares ("Ops and the hash chain"), the org
 * index's entries written again on a store of the previous format
 * ("Reports at county scale"), and a subtree's entries read in parts
 * ("Dashboard").
 *
 * Records are written here with zb_rec_store, which puts their index
 * entries as zb_merge_apply does, so that field values need not pass the
 * record rules.
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
#include "zb_sha.h"
#include "zb_state.h"
#include "zb_stats.h"
#include "zb_store.h"

struct fixture {
  char dir[2][64];
  zb_store *s[2];
};

static int setup(void **state) {
  struct fixture *f = calloc(1, sizeof *f);
  if (!f)
    return -1;
  for (int i = 0; i < 2; i++) {
    snprintf(f->dir[i], sizeof f->dir[i], "/tmp/zb-state-XXXXXX");
    if (!mkdtemp(f->dir[i]) || zb_store_open(f->dir[i], true, &f->s[i]) != 0)
      return -1;
  }
  *state = f;
  return 0;
}

static int teardown(void **state) {
  struct fixture *f = *state;
  int rc = 0;
  for (int i = 0; i < 2; i++) {
    zb_store_close(f->s[i]);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", f->dir[i]);
    rc |= system(cmd);
  }
  free(f);
  return rc;
}

/* ---- building records ---- */

/* A member whose every field is set, each field stamped differently from
 * its neighbours except that NAME and GENDER share one write. */
static void member(zb_rec *r, const char *id, const char *org, const char *idnum,
                   const char *phone, const char *origin, uint64_t hlc) {
  memset(r, 0, sizeof *r);
  r->kd = &zb_kind_member;
  for (int i = 0; i < ZB_MF__COUNT; i++)
    snprintf(r->v[i], sizeof r->v[i], "v%d-%s", i, id);
  snprintf(r->v[ZB_MF_ID], sizeof r->v[ZB_MF_ID], "%s", id);
  snprintf(r->v[ZB_MF_ORG_CODE], sizeof r->v[ZB_MF_ORG_CODE], "%s", org);
  snprintf(r->v[ZB_MF_ID_NUMBER], sizeof r->v[ZB_MF_ID_NUMBER], "%s", idnum);
  snprintf(r->v[ZB_MF_PHONE], sizeof r->v[ZB_MF_PHONE], "%s", phone);
  snprintf(r->v[ZB_MF_NAME], sizeof r->v[ZB_MF_NAME], "张三");
  for (int i = 0; i < ZB_MF__COUNT; i++) {
    r->st[i].hlc = (hlc + (uint64_t)i) << 16;
    r->st[i].server_seq = 100 + (uint64_t)i;
    snprintf(r->st[i].origin, sizeof r->st[i].origin, "%s", origin);
  }
  r->st[ZB_MF_GENDER] = r->st[ZB_MF_NAME];
}

static void org(zb_rec *r, const char *code, const char *parent) {
  memset(r, 0, sizeof *r);
  r->kd = &zb_kind_org;
  snprintf(r->v[ZB_OF_CODE], sizeof r->v[ZB_OF_CODE], "%s", code);
  snprintf(r->v[ZB_OF_NAME], sizeof r->v[ZB_OF_NAME], "支部 %s", code);
  snprintf(r->v[ZB_OF_TYPE], sizeof r->v[ZB_OF_TYPE], "党支部");
  snprintf(r->v[ZB_OF_PARENT_CODE], sizeof r->v[ZB_OF_PARENT_CODE], "%s", parent);
  for (int i = 0; i < ZB_OF__COUNT; i++) {
    r->st[i].hlc = 7u << 16;
    snprintf(r->st[i].origin, sizeof r->st[i].origin, "county");
  }
}

/* Stores r, new, with its index entries. */
static int put(zb_txn *t, const zb_rec *r) { return zb_rec_store(t, NULL, r); }

struct put_list {
  const zb_rec *recs;
  size_t n;
};

static int put_all(zb_txn *t, void *ctx) {
  const struct put_list *pl = ctx;
  for (size_t i = 0; i < pl->n; i++) {
    int rc = put(t, &pl->recs[i]);
    if (rc)
      return rc;
  }
  return 0;
}

static void store_recs(zb_store *s, const zb_rec *recs, size_t n) {
  struct put_list pl = {recs, n};
  assert_int_equal(zb_store_write(s, put_all, &pl), 0);
}

/* ---- round trip ---- */

static void assert_same_rec(const zb_rec *a, const zb_rec *b) {
  assert_int_equal(a->kd, b->kd);
  int nf = a->kd->nfields;
  for (int i = 0; i < nf; i++) {
    const char *va = a->kd == &zb_kind_member ? a->v[i] : a->v[i];
    const char *vb = b->kd == &zb_kind_member ? b->v[i] : b->v[i];
    assert_string_equal(va, vb);
    assert_int_equal(a->st[i].hlc, b->st[i].hlc);
    assert_int_equal(a->st[i].server_seq, b->st[i].server_seq);
    assert_string_equal(a->st[i].origin, b->st[i].origin);
  }
}

static void test_rec_round_trip(void **state) {
  struct fixture *f = *state;
  zb_rec *in = calloc(3, sizeof *in), *out = calloc(1, sizeof *out);
  assert_non_null(in);
  assert_non_null(out);
  member(&in[0], "M0001", "430121-01", "ID-A", "13800000000", "b0101", 1000);
  /* A field written by another origin, and one never written (stamp 0). */
  snprintf(in[0].st[ZB_MF_PHONE].origin, sizeof in[0].st[0].origin, "county");
  in[0].v[ZB_MF_OCCUPATION][0] = '\0';
  memset(&in[0].st[ZB_MF_OCCUPATION], 0, sizeof in[0].st[0]);
  member(&in[1], "M0002", "430121-01", "ID-B", "", "b0101", 2000);
  org(&in[2], "430121-01", "430121");
  store_recs(f->s[0], in, 3);

  /* Read back in a new transaction, after the commit. */
  zb_txn *t;
  assert_int_equal(zb_store_read(f->s[0], &t), 0);
  for (int i = 0; i < 3; i++) {
    const char *key = in[i].kd == &zb_kind_member ? in[i].v[0] : in[i].v[0];
    assert_int_equal(zb_rec_load(t, in[i].kd, key, out), 0);
    assert_same_rec(&in[i], out);
  }
  /* The stamps really are per field. */
  assert_int_equal(zb_rec_load(t, &zb_kind_member, "M0001", out), 0);
  assert_string_equal(out->st[ZB_MF_PHONE].origin, "county");
  assert_string_equal(out->st[ZB_MF_ID].origin, "b0101");
  assert_int_equal(out->st[ZB_MF_OCCUPATION].hlc, 0);
  assert_int_equal(out->st[ZB_MF_NAME].hlc, out->st[ZB_MF_GENDER].hlc);
  assert_int_not_equal(out->st[ZB_MF_NAME].hlc, out->st[ZB_MF_ETHNICITY].hlc);
  /* Without stamps. */
  zb_member m;
  assert_int_equal(zb_member_load(t, "M0002", &m), 0);
  assert_string_equal(m.v[ZB_MF_ID_NUMBER], "ID-B");
  assert_string_equal(m.v[ZB_MF_NAME], "张三");
  assert_int_equal(zb_rec_load(t, &zb_kind_org, "430121-01", out), 0);
  assert_string_equal(out->v[ZB_OF_PARENT_CODE], "430121");
  /* Absent keys, and a kind that does not hold the key. */
  assert_int_equal(zb_rec_load(t, &zb_kind_member, "M9999", out), ZB_ENOTFOUND);
  assert_int_equal(zb_rec_load(t, &zb_kind_org, "M0001", out), ZB_ENOTFOUND);
  zb_txn_end(t);
  free(in);
  free(out);
}

/* A member stored before the kind gained its leave fields: a Record of
 * 13 values.  It loads, those fields empty; one of more values than the
 * kind has is corrupt. */
struct raw_put {
  const char *key;
  const uint8_t *buf;
  size_t len;
};

static int raw_write(zb_txn *t, void *ctx) {
  struct raw_put *rp = ctx;
  return zb_txn_put(t, ZB_DB_MEMBERS, rp->key, strlen(rp->key), rp->buf, rp->len, 0);
}

static void test_rec_fewer_fields(void **state) {
  struct fixture *f = *state;
  char *vals[ZB_MF__COUNT + 1];
  for (int i = 0; i <= ZB_MF__COUNT; i++)
    vals[i] = (char *)"x";
  vals[0] = (char *)"M0001";
  Zb__Record r = ZB__RECORD__INIT;
  r.kind = ZB__RECORD_KIND__RECORD_KIND_MEMBER;
  r.values = vals;
  uint8_t buf[1024];
  for (size_t n = ZB_MF_STATUS; n <= ZB_MF__COUNT + 1; n++) {
    r.n_values = n;
    assert_true(zb__record__get_packed_size(&r) <= sizeof buf);
    struct raw_put rp = {"M0001", buf, zb__record__pack(&r, buf)};
    assert_int_equal(zb_store_write(f->s[0], raw_write, &rp), 0);
    zb_txn *t;
    zb_rec *out = calloc(1, sizeof *out);
    assert_non_null(out);
    assert_int_equal(zb_store_read(f->s[0], &t), 0);
    int rc = zb_rec_load(t, &zb_kind_member, "M0001", out);
    zb_txn_end(t);
    if (n > ZB_MF__COUNT) {
      assert_int_equal(rc, ZB_ECORRUPT);
    } else {
      assert_int_equal(rc, 0);
      assert_string_equal(out->v[ZB_MF_OCCUPATION], "x");
      for (int i = (int)n; i < ZB_MF__COUNT; i++)
        assert_string_equal(out->v[i], "");
      if (n == ZB_MF_STATUS) {   /* status empty: the first state, 在册 */
        assert_int_equal(zb_kind_state(&zb_kind_member, out->v), 0);
        assert_false(zb_kind_ended(&zb_kind_member, out->v));
      } else {                   /* status "x": no state of the kind */
        assert_int_equal(zb_kind_state(&zb_kind_member, out->v), -1);
      }
    }
    free(out);
  }
}

/* ---- pair keys ---- */

static void test_pair_key(void **state) {
  (void)state;
  char buf[2 * (ZB_FIELD_MAX + 1)];
  size_t n = zb_pair_key(buf, "430121-01", "M1");
  assert_int_equal(n, 12);
  assert_memory_equal(buf, "430121-01\0M1", 12);
  n = zb_pair_key(buf, "", "M1");
  assert_int_equal(n, 3);
  assert_memory_equal(buf, "\0M1", 3);
  n = zb_pair_key(buf, "430121", "");
  assert_int_equal(n, 7);
  assert_memory_equal(buf, "430121\0", 7);
  /* Field values of the maximum length fit the documented buffer. */
  char a[ZB_FIELD_MAX + 1], b[ZB_FIELD_MAX + 1];
  memset(a, 'a', ZB_FIELD_MAX);
  memset(b, 'b', ZB_FIELD_MAX);
  a[ZB_FIELD_MAX] = b[ZB_FIELD_MAX] = '\0';
  assert_int_equal(zb_pair_key(buf, a, b), 2 * ZB_FIELD_MAX + 1);
  assert_int_equal(buf[ZB_FIELD_MAX], '\0');
  assert_int_equal(buf[ZB_FIELD_MAX + 1], 'b');
  /* The pair sorts by its first part first: "430121\0…" before
   * "430121-01\0…", the order subtree scans rely on. */
  char k1[64], k2[64];
  size_t n1 = zb_pair_key(k1, "430121", "Z9"), n2 = zb_pair_key(k2, "430121-01", "A0");
  assert_true(memcmp(k1, k2, n1 < n2 ? n1 : n2) < 0);
}

/* ---- subtree scans ---- */

struct ids {
  char v[16][ZB_FIELD_MAX + 1];
  size_t n;
  size_t stop_after; /* 0: never */
};

static int collect(void *ctx, const zb_member *m) {
  struct ids *l = ctx;
  if (l->n < 16)
    snprintf(l->v[l->n], sizeof l->v[0], "%s", m->v[ZB_MF_ID]);
  l->n++;
  return l->stop_after && l->n >= l->stop_after ? 1 : 0;
}

static void scan(zb_store *s, const char *root, struct ids *l, const char *const *want,
                 size_t nwant) {
  zb_txn *t;
  size_t stop = l->stop_after;
  memset(l, 0, sizeof *l);
  l->stop_after = stop;
  assert_int_equal(zb_store_read(s, &t), 0);
  assert_int_equal(zb_members_in_subtree(t, root, collect, l), 0);
  zb_txn_end(t);
  if (l->n != nwant)
    fail_msg("root %s: %zu members, expected %zu", root ? root : "(all)", l->n, nwant);
  for (size_t i = 0; i < nwant; i++)
    assert_string_equal(l->v[i], want[i]);
}

/* Members stored so that index order (org, then id) and insertion order
 * both differ from id order. */
static void store_tree(zb_store *s) {
  static const char *const spec[][3] = {
      {"M5", "430121-02", "I5"},    {"M1", "430121-01-02", "I1"},
      {"M4", "430121-01", "I4"},    {"M3", "430121", "I3"},
      {"M2", "430121-01-02", "I2"}, {"M6", "430121-010", "I6"},
      {"M0", "430122", "I0"},       {"M7", "430121-01-0", "I7"},
  };
  size_t n = sizeof spec / sizeof spec[0];
  zb_rec *recs = calloc(n, sizeof *recs);
  assert_non_null(recs);
  for (size_t i = 0; i < n; i++)
    member(&recs[i], spec[i][0], spec[i][1], spec[i][2], "", "n", 1);
  store_recs(s, recs, n);
  free(recs);
}

static void test_members_in_subtree(void **state) {
  struct fixture *f = *state;
  struct ids l = {0};
  store_tree(f->s[0]);
  /* A branch and everything under it, in id order; "430121-010" and
   * "430121-01-0"'s siblings are not "430121-01"'s unless below it. */
  const char *const b01[] = {"M1", "M2", "M4", "M7"};
  scan(f->s[0], "430121-01", &l, b01, 4);
  const char *const b0102[] = {"M1", "M2"};
  scan(f->s[0], "430121-01-02", &l, b0102, 2);
  const char *const b02[] = {"M5"};
  scan(f->s[0], "430121-02", &l, b02, 1);
  const char *const b010[] = {"M6"};
  scan(f->s[0], "430121-010", &l, b010, 1);
  /* The county: itself and every branch below, not its neighbour 430122. */
  const char *const county[] = {"M1", "M2", "M3", "M4", "M5", "M6", "M7"};
  scan(f->s[0], "430121", &l, county, 7);
  /* A prefix that is not an org code of the tree holds nobody. */
  scan(f->s[0], "430121-0", &l, NULL, 0);
  scan(f->s[0], "43012", &l, NULL, 0);
  scan(f->s[0], "430121-03", &l, NULL, 0);
  /* Every member (NULL or ""), in id order. */
  const char *const all[] = {"M0", "M1", "M2", "M3", "M4", "M5", "M6", "M7"};
  scan(f->s[0], NULL, &l, all, 8);
  scan(f->s[0], "", &l, all, 8);
  /* fn returning 1 stops quietly. */
  l.stop_after = 2;
  scan(f->s[0], "430121", &l, county, 2);
  l.stop_after = 3;
  scan(f->s[0], NULL, &l, all, 3);
  /* And the count agrees with the scan. */
  zb_txn *t;
  size_t count = 0;
  assert_int_equal(zb_store_read(f->s[0], &t), 0);
  assert_int_equal(zb_members_count(t, "430121-01", &count), 0);
  assert_int_equal(count, 4);
  zb_txn_end(t);
}

struct facts_ids {
  char ids[8][8];
  size_t n;
};

static int facts_id(void *ctx, const char *org, const char *id, const zb_stats_facts *f) {
  struct facts_ids *l = ctx;
  (void)org, (void)f;
  assert_true(l->n < 8);
  snprintf(l->ids[l->n++], sizeof l->ids[0], "%s", id);
  return 0;
}

static void facts_part(zb_store *s, const char *from, const char *to, const char *const *want,
                       size_t n) {
  zb_txn *t;
  struct facts_ids l = {0};
  assert_int_equal(zb_store_read(s, &t), 0);
  assert_int_equal(zb_member_facts_scan_part(t, "430121", from, to, facts_id, &l), 0);
  zb_txn_end(t);
  assert_int_equal(l.n, n);
  for (size_t i = 0; i < n; i++)
    assert_string_equal(l.ids[i], want[i]);
}

/* The parts of a subtree the dashboard reads at once (zb_dues_report_tap):
 * split at a child, each child's subtree whole — "430121-01-0" and
 * "430121-01-02" with "430121-01", before "430121-010" — and together
 * the whole, in org index order. */
static void test_facts_scan_part(void **state) {
  struct fixture *f = *state;
  store_tree(f->s[0]);
  const char *const all[] = {"M3", "M4", "M7", "M1", "M2", "M6", "M5"};
  facts_part(f->s[0], NULL, NULL, all, 7);
  facts_part(f->s[0], NULL, "430121-010", all, 5);
  facts_part(f->s[0], "430121-010", NULL, all + 5, 2);
  facts_part(f->s[0], NULL, "430121-01", all, 1);
  facts_part(f->s[0], "430121-01", "430121-010", all + 1, 4);
  facts_part(f->s[0], "430121-02", NULL, all + 6, 1);
  facts_part(f->s[0], "430121-03", NULL, NULL, 0);
}

/* ---- digest and state hash ---- */

static void digest(zb_store *s, const char *root, char out[65]) {
  zb_txn *t;
  assert_int_equal(zb_store_read(s, &t), 0);
  assert_int_equal(zb_state_digest(t, root, out), 0);
  zb_txn_end(t);
}

static void state_hash(zb_store *s, uint8_t out[ZB_SHA256_LEN]) {
  zb_txn *t;
  assert_int_equal(zb_store_read(s, &t), 0);
  assert_int_equal(zb_state_hash(t, out), 0);
  zb_txn_end(t);
}

static void test_digest(void **state) {
  struct fixture *f = *state;
  zb_rec *r = calloc(3, sizeof *r);
  char d0[65], d1[65], e0[65];
  assert_non_null(r);
  /* The same content in two stores, stored in another order and with other
   * stamps: the digest does not include stamps. */
  member(&r[0], "M1", "430121-01", "I1", "13800000001", "b0101", 10);
  member(&r[1], "M2", "430121-02", "I2", "13800000002", "b0102", 20);
  org(&r[2], "430121-01", "430121");
  store_recs(f->s[0], r, 3);
  member(&r[0], "M2", "430121-02", "I2", "13800000002", "county", 99);
  member(&r[1], "M1", "430121-01", "I1", "13800000001", "county", 98);
  store_recs(f->s[1], r, 3);
  digest(f->s[0], "430121", d0);
  digest(f->s[1], "430121", d1);
  assert_int_equal(strlen(d0), 64);
  assert_int_equal(strspn(d0, "0123456789abcdef"), 64);
  assert_string_equal(d0, d1);
  digest(f->s[0], "430121-01", e0);
  assert_string_not_equal(e0, d0); /* another scope, other records */

  /* One changed field changes it; putting the value back restores it. */
  member(&r[0], "M2", "430121-02", "I2", "13800000009", "county", 100);
  store_recs(f->s[1], r, 1);
  digest(f->s[1], "430121", d1);
  assert_string_not_equal(d0, d1);
  member(&r[0], "M2", "430121-02", "I2", "13800000002", "county", 101);
  store_recs(f->s[1], r, 1);
  digest(f->s[1], "430121", d1);
  assert_string_equal(d0, d1);
  /* An org's field counts too. */
  org(&r[2], "430121-01", "430121");
  snprintf(r[2].v[ZB_OF_NAME], sizeof r[2].v[0], "改名的支部");
  store_recs(f->s[1], &r[2], 1);
  digest(f->s[1], "430121", d1);
  assert_string_not_equal(d0, d1);
  free(r);
}

static void test_state_hash(void **state) {
  struct fixture *f = *state;
  zb_rec *r = calloc(2, sizeof *r);
  uint8_t h0[ZB_SHA256_LEN], h1[ZB_SHA256_LEN], empty[ZB_SHA256_LEN];
  assert_non_null(r);
  state_hash(f->s[0], empty);
  /* Byte-identical state, written in another order: equal hashes. */
  member(&r[0], "M1", "430121-01", "I1", "1", "b0101", 10);
  member(&r[1], "M2", "430121-02", "I2", "2", "b0102", 20);
  store_recs(f->s[0], r, 2);
  store_recs(f->s[1], &r[1], 1);
  store_recs(f->s[1], &r[0], 1);
  state_hash(f->s[0], h0);
  state_hash(f->s[1], h1);
  assert_memory_equal(h0, h1, sizeof h0);
  assert_memory_not_equal(h0, empty, sizeof h0);
  /* Unlike the digest, a stamp alone changes it. */
  r[0].st[ZB_MF_PHONE].server_seq++;
  store_recs(f->s[1], r, 1);
  state_hash(f->s[1], h1);
  assert_memory_not_equal(h0, h1, sizeof h0);
  char d0[65], d1[65];
  digest(f->s[0], NULL, d0);
  digest(f->s[1], NULL, d1);
  assert_string_equal(d0, d1);
  r[0].st[ZB_MF_PHONE].server_seq--;
  store_recs(f->s[1], r, 1);
  state_hash(f->s[1], h1);
  assert_memory_equal(h0, h1, sizeof h0);
  /* So does an index entry more or less. */
  member(&r[1], "M1", "430121-09", "I1", "1", "b0101", 10);
  store_recs(f->s[1], &r[1], 1);
  store_recs(f->s[1], r, 1); /* the record is back, (430121-09, M1) stays */
  state_hash(f->s[1], h1);
  assert_memory_not_equal(h0, h1, sizeof h0);
  free(r);
}

/* ---- delete ---- */

struct del {
  const zb_kind_desc *kind;
  const char *key;
};

static int del_write(zb_txn *t, void *ctx) {
  const struct del *d = ctx;
  return zb_rec_delete(t, d->kind, d->key);
}

static int index_has(zb_store *s, enum zb_dbi db, const char *a, const char *b) {
  zb_txn *t;
  zb_val v;
  char k[2 * (ZB_FIELD_MAX + 1)];
  size_t n = zb_pair_key(k, a, b);
  assert_int_equal(zb_store_read(s, &t), 0);
  int rc = zb_txn_get(t, db, k, n, &v);
  zb_txn_end(t);
  assert_true(rc == 0 || rc == ZB_ENOTFOUND);
  return rc == 0;
}

static void test_rec_delete(void **state) {
  struct fixture *f = *state;
  struct ids l = {0};
  zb_rec *r = calloc(3, sizeof *r);
  assert_non_null(r);
  member(&r[0], "M1", "430121-01", "I1", "", "b", 1);
  member(&r[1], "M2", "430121-01", "I2", "", "b", 1);
  org(&r[2], "430121-01", "430121");
  store_recs(f->s[0], r, 3);
  uint8_t before[ZB_SHA256_LEN], after[ZB_SHA256_LEN];

  struct del d = {&zb_kind_member, "M1"};
  assert_int_equal(zb_store_write(f->s[0], del_write, &d), 0);
  zb_txn *t;
  zb_rec *out = malloc(sizeof *out);
  assert_non_null(out);
  assert_int_equal(zb_store_read(f->s[0], &t), 0);
  assert_int_equal(zb_rec_load(t, &zb_kind_member, "M1", out), ZB_ENOTFOUND);
  assert_int_equal(zb_rec_load(t, &zb_kind_member, "M2", out), 0);
  assert_int_equal(zb_txn_count(t, ZB_DB_MEMBER_ORG), 1);
  assert_int_equal(zb_txn_count(t, ZB_DB_MEMBER_IDNUM), 1);
  zb_txn_end(t);
  assert_false(index_has(f->s[0], ZB_DB_MEMBER_ORG, "430121-01", "M1"));
  assert_false(index_has(f->s[0], ZB_DB_MEMBER_IDNUM, "I1", "M1"));
  assert_true(index_has(f->s[0], ZB_DB_MEMBER_ORG, "430121-01", "M2"));
  assert_true(index_has(f->s[0], ZB_DB_MEMBER_IDNUM, "I2", "M2"));
  const char *const left[] = {"M2"};
  scan(f->s[0], "430121-01", &l, left, 1);

  /* Deleting what is not there is fine and changes nothing. */
  state_hash(f->s[0], before);
  d.key = "M1";
  assert_int_equal(zb_store_write(f->s[0], del_write, &d), 0);
  d.key = "nobody";
  assert_int_equal(zb_store_write(f->s[0], del_write, &d), 0);
  state_hash(f->s[0], after);
  assert_memory_equal(before, after, sizeof before);

  /* Storing it again brings the same bytes back. */
  zb_store *s1 = f->s[1];
  store_recs(s1, r, 3);
  store_recs(f->s[0], r, 1);
  state_hash(f->s[0], before);
  state_hash(s1, after);
  assert_memory_equal(before, after, sizeof before);

  /* An org is deleted from the org table only. */
  d = (struct del){&zb_kind_org, "430121-01"};
  assert_int_equal(zb_store_write(f->s[0], del_write, &d), 0);
  assert_int_equal(zb_store_read(f->s[0], &t), 0);
  assert_int_equal(zb_rec_load(t, &zb_kind_org, "430121-01", out), ZB_ENOTFOUND);
  assert_int_equal(zb_txn_count(t, ZB_DB_MEMBERS), 2);
  assert_int_equal(zb_txn_count(t, ZB_DB_MEMBER_ORG), 2);
  zb_txn_end(t);
  free(out);
  free(r);
}

/* ---- the org index's entries on a store written before them ---- */

/* A member as a roster has it (the entries carry parsed dates and
 * vocabulary slots). */
static void roster_member(zb_rec *r, const char *id, const char *org, const char *birth,
                          const char *edu) {
  member(r, id, org, id, "", "n", 1);
  snprintf(r->v[ZB_MF_GENDER], sizeof r->v[0], "女");
  snprintf(r->v[ZB_MF_ETHNICITY], sizeof r->v[0], "回族");
  snprintf(r->v[ZB_MF_BIRTH_DATE], sizeof r->v[0], "%s", birth);
  snprintf(r->v[ZB_MF_JOIN_DATE], sizeof r->v[0], "2001-07-01");
  snprintf(r->v[ZB_MF_FULL_DATE], sizeof r->v[0], "2002-07-01");
  snprintf(r->v[ZB_MF_EDUCATION], sizeof r->v[0], "%s", edu);
  snprintf(r->v[ZB_MF_OCCUPATION], sizeof r->v[0], "学生");
  snprintf(r->v[ZB_MF_STATUS], sizeof r->v[0], "在册");
  r->v[ZB_MF_LEAVE_REASON][0] = r->v[ZB_MF_LEAVE_DATE][0] = r->v[ZB_MF_ROLE][0] = '\0';
}

struct keys {
  char k[8][64];
  size_t len[8];
  size_t n;
};

static int key_row(void *ctx, zb_val key, zb_val val) {
  struct keys *ks = ctx;
  (void)val;
  assert_true(ks->n < 8 && key.len < 64);
  memcpy(ks->k[ks->n], key.data, key.len);
  ks->len[ks->n++] = key.len;
  return 0;
}

/* What the previous version wrote: empty entries, no state_format. */
static int empty_entries(zb_txn *t, void *ctx) {
  (void)ctx;
  struct keys ks = {0};
  int rc = zb_txn_scan(t, ZB_DB_MEMBER_ORG, NULL, 0, key_row, &ks);
  for (size_t i = 0; i < ks.n && !rc; i++)
    rc = zb_txn_put(t, ZB_DB_MEMBER_ORG, ks.k[i], ks.len[i], "", 0, 0);
  return rc ? rc : zb_meta_put_u64(t, "state_format", 0);
}

static int stats_of(zb_store *s, const char *root, zb_stats *st) {
  zb_txn *t;
  assert_int_equal(zb_store_read(s, &t), 0);
  zb_stats_init(st, (zb_date){2026, 6, 30});
  int rc = zb_state_stats(t, root, st);
  zb_txn_end(t);
  return rc;
}

static void test_entries_upgrade(void **state) {
  struct fixture *f = *state;
  zb_rec *recs = calloc(4, sizeof *recs);
  assert_non_null(recs);
  org(&recs[0], "430121", "");
  roster_member(&recs[1], "M1", "430121", "1990-03-04", "大学本科");
  roster_member(&recs[2], "M2", "430121", "1950-01-01", "");
  roster_member(&recs[3], "M3", "430121", "1980-12-31", "研究生");
  store_recs(f->s[0], recs, 4);
  free(recs);
  zb_stats want, got;
  assert_int_equal(stats_of(f->s[0], "430121", &want), 0);
  assert_int_equal(want.total, 3);
  assert_int_equal(want.minority, 3);
  assert_int_equal(want.age[7], 1);   /* M2, 76 */
  assert_int_equal(want.education_unknown, 1);
  uint8_t h0[ZB_SHA256_LEN], h1[ZB_SHA256_LEN];
  state_hash(f->s[0], h0);

  /* The old format: entries empty.  Statistics refuse them, the upgrade
   * writes them again from the records, and the state is as before. */
  assert_int_equal(zb_store_write(f->s[0], empty_entries, NULL), 0);
  assert_int_equal(stats_of(f->s[0], "430121", &got), ZB_ECORRUPT);
  assert_int_equal(zb_state_upgrade(f->s[0]), 0);
  uint64_t format = 0;
  assert_int_equal(zb_store_meta_u64(f->s[0], "state_format", &format), 0);
  assert_int_equal(format, ZB_STATE_FORMAT);
  assert_int_equal(stats_of(f->s[0], "430121", &got), 0);
  assert_memory_equal(&got, &want, sizeof want);
  state_hash(f->s[0], h1);
  assert_memory_equal(h0, h1, sizeof h0);
  /* Once done, nothing to do. */
  assert_int_equal(zb_state_upgrade(f->s[0]), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_rec_round_trip, setup, teardown),
      cmocka_unit_test_setup_teardown(test_rec_fewer_fields, setup, teardown),
      cmocka_unit_test(test_pair_key),
      cmocka_unit_test_setup_teardown(test_members_in_subtree, setup, teardown),
      cmocka_unit_test_setup_teardown(test_facts_scan_part, setup, teardown),
      cmocka_unit_test_setup_teardown(test_digest, setup, teardown),
      cmocka_unit_test_setup_teardown(test_state_hash, setup, teardown),
      cmocka_unit_test_setup_teardown(test_rec_delete, setup, teardown),
      cmocka_unit_test_setup_teardown(test_entries_upgrade, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
