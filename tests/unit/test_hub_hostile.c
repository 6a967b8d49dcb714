#define _GNU_SOURCE   /* memmem */
/* zb_hub against a node with a real certificate that sends whatever it
 * likes: every case here is one that once crashed or misled the server
 * (docs/PROTOCOL.md, "What the server refuses").  Real LMDB store; the
 * ops are built and packed by hand, as a hostile client would. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>


#include "why_en.h"
#include "zb_batch.h"
#include "zb_err.h"
#include "zb_hlc.h"
#include "zb_hub.h"
#include "zb_opwire.h"
#include "zb_state.h"
#include "zb_store.h"

#define BRANCH1 "430121-01-01"
#define BRANCH2 "430121-01-02"
#define TOWN "430121-01"

#include "hub_fixture.h"

/* ---- building ops by hand ---- */

typedef struct op_spec {
  const char *origin;
  uint64_t seq, hlc, base_cursor;
  const char *actor;
  const char *key;
  size_t nf;
  int fields[48];
  const char *vals[48];
} op_spec;

static uint64_t now_hlc(void) { return zb_hlc_wall_ms() << 16; }

/* An 18-character resident ID with its GB 11643 check character. */
static void id_number(const char *first17, char out[19]) {
  static const int w[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
  int s = 0;
  for (int i = 0; i < 17; i++)
    s += (first17[i] - '0') * w[i];
  memcpy(out, first17, 17);
  out[17] = "10X98765432"[s % 11];
  out[18] = '\0';
}

/* A whole member creation: the fields a member needs. */
static void member_spec(op_spec *o, const char *origin, uint64_t seq, const char *key,
                        const char *idn, const char *birth, const char *join, const char *org) {
  memset(o, 0, sizeof *o);
  o->origin = origin;
  o->seq = seq;
  o->hlc = now_hlc() - ((uint64_t)1000 << 16);
  o->actor = "t";
  o->key = key;
  const int fields[] = {1, 2, 4, 5, 7, 8, 10};
  const char *vals[] = {"王伟", "男", birth, idn, "预备党员", join, org};
  o->nf = 7;
  memcpy(o->fields, fields, sizeof fields);
  memcpy(o->vals, vals, sizeof vals);
}

static void phone_spec(op_spec *o, const char *origin, uint64_t seq, const char *key,
                       const char *phone) {
  memset(o, 0, sizeof *o);
  o->origin = origin;
  o->seq = seq;
  o->hlc = now_hlc();
  o->actor = "t";
  o->key = key;
  o->nf = 1;
  o->fields[0] = 11;   /* phone */
  o->vals[0] = phone;
}

static size_t pack_spec(const op_spec *o, uint8_t *buf, size_t cap) {
  Zb__FieldSet fs[48], *fsp[48];
  for (size_t i = 0; i < o->nf; i++) {
    zb__field_set__init(&fs[i]);
    fs[i].field = (uint32_t)o->fields[i];
    fs[i].value = (char *)o->vals[i];
    fsp[i] = &fs[i];
  }
  Zb__RecordSet set = ZB__RECORD_SET__INIT;
  set.kind = ZB__RECORD_KIND__RECORD_KIND_MEMBER;
  set.key = (char *)o->key;
  set.n_fields = o->nf;
  set.fields = fsp;
  Zb__Op op = ZB__OP__INIT;
  op.origin = (char *)o->origin;
  op.seq = o->seq;
  op.hlc = o->hlc;
  op.actor = (char *)o->actor;
  op.base_cursor = o->base_cursor;
  op.body_case = ZB__OP__BODY_SET;
  op.set = &set;
  size_t len = zb__op__get_packed_size(&op);
  assert_true(len <= cap);
  return zb__op__pack(&op, buf);
}

/* Pushes the packed ops items[0..n) as node (scope org). */
static int push_raw(const char *node, const char *org, uint8_t **items, size_t *lens, size_t n,
                    zb_push_result *res) {
  zb_batch b;
  zb_batch_init(&b);
  for (size_t i = 0; i < n; i++)
    assert_int_equal(zb_batch_add(&b, items[i], lens[i]), 0);
  uint8_t *z;
  size_t zlen;
  assert_int_equal(zb_batch_compress(&b, &z, &zlen), 0);
  int rc = zb_hub_push(hub, node, org, z, zlen, b.len, b.count, res);
  free(z);
  zb_batch_free(&b);
  return rc;
}

static int push_spec(const char *node, const char *org, const op_spec *o, zb_push_result *res) {
  uint8_t *buf = malloc(1 << 17);
  size_t len = pack_spec(o, buf, 1 << 17);
  int rc = push_raw(node, org, &buf, &len, 1, res);
  free(buf);
  return rc;
}

static uint64_t head(void) {
  zb_hub_info info;
  assert_int_equal(zb_hub_info_get(hub, &info), 0);
  return info.head;
}

static void verify_ok(void) {
  char why[256];
  assert_int_equal(zb_hub_verify(hub, why, sizeof why), 0);
}

/* A member as the server stores it (the hub is closed and reopened: LMDB
 * allows one environment per process). */
static int member_at_server(const char *id, zb_member *m) {
  zb_hub_close(hub);
  zb_store *s;
  zb_txn *t;
  assert_int_equal(zb_store_open(dir, false, &s), 0);
  assert_int_equal(zb_store_read(s, &t), 0);
  int rc = zb_member_load(t, id, m);
  zb_txn_end(t);
  zb_store_close(s);
  assert_int_equal(zb_hub_open(dir, &hub), 0);
  return rc;
}

/* Every entry node (scope org) pulls from cursor 0, unpacked, in order. */
typedef struct pulled {
  Zb__ServerOp *so[64];
  size_t n;
} pulled;

static int collect(void *ctx, const uint8_t *item, size_t len) {
  pulled *p = ctx;
  assert_true(p->n < 64);
  p->so[p->n] = zb__server_op__unpack(NULL, len, item);
  assert_non_null(p->so[p->n]);
  p->n++;
  return 0;
}

static void pull_all(const char *node, const char *org, pulled *p) {
  zb_batch b;
  zb_batch_init(&b);
  uint64_t next;
  bool done;
  p->n = 0;
  assert_int_equal(zb_hub_pull(hub, node, org, 0, 1 << 20, &b, &next, &done), 0);
  assert_true(done);
  uint8_t *z;
  size_t zlen;
  assert_int_equal(zb_batch_compress(&b, &z, &zlen), 0);
  assert_int_equal(zb_batch_each(z, zlen, b.len, b.count, collect, p), 0);
  free(z);
  zb_batch_free(&b);
}

static void pulled_free(pulled *p) {
  for (size_t i = 0; i < p->n; i++)
    zb__server_op__free_unpacked(p->so[i], NULL);
  p->n = 0;
}

/* n1 (branch 1) creates member M1 as its op 1. */
static void create_m1(void) {
  op_spec o;
  char idn[19];
  zb_push_result res;
  id_number("43012119800101001", idn);
  member_spec(&o, "n1", 1, "M1", idn, "1980-01-01", "2005-07-01", BRANCH1);
  assert_int_equal(push_spec("n1", BRANCH1, &o, &res), 0);
  assert_int_equal(res.applied, 1);
}

/* ---- the cases ---- */

/* Once a heap overflow: an op a little over 16 KiB, by a big value or a big
 * actor.  Now a protocol error that stores nothing. */
static void test_op_too_large_stores_nothing(void **state) {
  (void)state;
  create_m1();
  uint64_t h0 = head();
  char *big = malloc(20001);
  memset(big, 'A', 20000);
  big[20000] = '\0';
  op_spec o;
  zb_push_result res;
  phone_spec(&o, "n1", 2, "M1", big);
  assert_int_equal(push_spec("n1", BRANCH1, &o, &res), ZB_EPROTO);
  assert_non_null(strstr(res.why, "too large"));
  phone_spec(&o, "n1", 2, "M1", "13800000000");
  o.actor = big;
  assert_int_equal(push_spec("n1", BRANCH1, &o, &res), ZB_EPROTO);
  assert_non_null(strstr(res.why, "too large"));
  assert_int_equal(head(), h0);
  free(big);
  verify_ok();
}

/* Once a crash: one op setting phone 40 times, each a conflict. */
static void test_repeated_field_rejected(void **state) {
  (void)state;
  create_m1();
  op_spec o;
  zb_push_result res;
  phone_spec(&o, "t1", 1, "M1", "13900000000");   /* the township, later */
  assert_int_equal(push_spec("t1", TOWN, &o, &res), 0);
  assert_int_equal(res.applied, 1);
  phone_spec(&o, "n1", 2, "M1", "13800000000");
  o.hlc -= (uint64_t)5000 << 16;   /* older, and base_cursor 0: concurrent */
  o.nf = 40;
  for (int i = 0; i < 40; i++) {
    o.fields[i] = 11;
    o.vals[i] = i % 2 ? "13800000001" : "13800000002";
  }
  assert_int_equal(push_spec("n1", BRANCH1, &o, &res), 0);
  assert_int_equal(res.rejected, 1);
  pulled p;
  pull_all("n1", BRANCH1, &p);
  bool seen = false;
  for (size_t i = 0; i < p.n; i++)
    if (p.so[i]->outcome == ZB__OUTCOME__OUTCOME_REJECTED) {
      assert_non_null(strstr(EN(p.so[i]->reason), "more than once"));
      seen = true;
    }
  assert_true(seen);
  pulled_free(&p);
  zb_member m;
  assert_int_equal(member_at_server("M1", &m), 0);
  assert_string_equal(m.v[11], "13900000000");
  verify_ok();
}

/* Once stored cut at the NUL and acknowledged: a NUL inside a string, and
 * other non-canonical encodings (a prev_hash, an unknown field). */
static void test_noncanonical_refused(void **state) {
  (void)state;
  create_m1();
  uint64_t h0 = head();
  op_spec o;
  zb_push_result res;
  uint8_t buf[4096];
  phone_spec(&o, "n1", 2, "M1", "13800000000");
  o.fields[0] = 1;
  o.vals[0] = "王伟XYZ";
  size_t len = pack_spec(&o, buf, sizeof buf);
  uint8_t *x = memmem(buf, len, "XYZ", 3);
  assert_non_null(x);
  x[0] = '\0';   /* "王伟\0YZ": protobuf-c would keep "王伟" */
  uint8_t *item = buf;
  assert_int_equal(push_raw("n1", BRANCH1, &item, &len, 1, &res), ZB_EPROTO);
  assert_non_null(strstr(res.why, "canonical"));

  /* An unknown field (number 99, varint) appended. */
  phone_spec(&o, "n1", 2, "M1", "13800000000");
  len = pack_spec(&o, buf, sizeof buf);
  buf[len++] = ((99 << 3) & 0x7f) | 0x80;
  buf[len++] = 99 >> 4;
  buf[len++] = 1;
  assert_int_equal(push_raw("n1", BRANCH1, &item, &len, 1, &res), ZB_EPROTO);
  assert_non_null(strstr(res.why, "canonical"));

  /* The same field twice at the top level (seq given twice). */
  len = pack_spec(&o, buf, sizeof buf);
  buf[len++] = 2 << 3;   /* field 2 (seq), varint */
  buf[len++] = 2;
  assert_int_equal(push_raw("n1", BRANCH1, &item, &len, 1, &res), ZB_EPROTO);
  assert_non_null(strstr(res.why, "canonical"));
  assert_int_equal(head(), h0);

  /* The honest encoding of the same op goes through. */
  len = pack_spec(&o, buf, sizeof buf);
  assert_int_equal(push_raw("n1", BRANCH1, &item, &len, 1, &res), 0);
  assert_int_equal(res.applied, 1);
  verify_ok();
}

/* Once a write stamped 2^64-1 beat every later correction. */
static void test_future_hlc_bounded(void **state) {
  (void)state;
  create_m1();
  op_spec o;
  zb_push_result res;
  phone_spec(&o, "n1", 2, "M1", "13800000000");
  o.hlc = UINT64_MAX;
  assert_int_equal(push_spec("n1", BRANCH1, &o, &res), 0);
  assert_int_equal(res.applied, 1);
  phone_spec(&o, "n1", 3, "M1", "13800000001");
  o.hlc = (uint64_t)7258118400000 << 16;   /* 2200-01-01 */
  assert_int_equal(push_spec("n1", BRANCH1, &o, &res), 0);
  /* The township corrects it a moment later, with an honest clock. */
  phone_spec(&o, "t1", 1, "M1", "13900000000");
  o.hlc = now_hlc() + ((uint64_t)1000 << 16);
  o.base_cursor = head();
  assert_int_equal(push_spec("t1", TOWN, &o, &res), 0);
  assert_int_equal(res.applied, 1);
  zb_member m;
  assert_int_equal(member_at_server("M1", &m), 0);
  assert_string_equal(m.v[11], "13900000000");
  /* n1 learns the times its ops count at (and the township's, whose clock
   * ran a second ahead, arrives at the server's time too). */
  pulled p;
  pull_all("n1", BRANCH1, &p);
  size_t restamped = 0;
  for (size_t i = 0; i < p.n; i++)
    if (p.so[i]->restamped && strcmp(p.so[i]->origin, "n1") == 0) {
      assert_true(p.so[i]->hlc < now_hlc() + ((uint64_t)1000 << 16));
      restamped++;
    }
  assert_int_equal(restamped, 2);
  pulled_free(&p);
  verify_ok();
}

/* Once accepted and counted: a member born in 2120 who joined in 2150,
 * written with an HLC in 2200 so that "today" was 2200. */
static void test_future_dates_refused_whatever_the_hlc(void **state) {
  (void)state;
  op_spec o;
  char idn[19];
  zb_push_result res;
  id_number("43012121200101001", idn);
  member_spec(&o, "n1", 1, "M2120", idn, "2120-01-01", "2150-01-01", BRANCH1);
  o.hlc = (uint64_t)7258118400000 << 16;
  assert_int_equal(push_spec("n1", BRANCH1, &o, &res), 0);
  assert_int_equal(res.rejected, 1);
  zb_member m;
  assert_int_equal(member_at_server("M2120", &m), ZB_ENOTFOUND);
  pulled p;
  pull_all("n1", BRANCH1, &p);
  assert_int_equal(p.so[p.n - 1]->outcome, ZB__OUTCOME__OUTCOME_REJECTED);
  assert_non_null(strstr(EN(p.so[p.n - 1]->reason), "after today"));
  pulled_free(&p);
}

/* Once wrapped to seq 1 and moved the cursor back. */
static void test_cursor_beyond_head_echoed(void **state) {
  (void)state;
  create_m1();
  zb_batch b;
  zb_batch_init(&b);
  uint64_t next;
  bool done;
  const uint64_t cursors[] = {UINT64_MAX, head(), head() + 5};
  for (size_t i = 0; i < 3; i++) {
    assert_int_equal(zb_hub_pull(hub, "n2", BRANCH2, cursors[i], 1 << 20, &b, &next, &done), 0);
    assert_int_equal(b.count, 0);
    assert_int_equal(next, cursors[i]);
    assert_true(done);
  }
  zb_batch_free(&b);
}

static int fork_seen(void *ctx, const zb_fork *f) {
  zb_fork *out = ctx;
  *out = *f;
  return 0;
}

/* Once silently acknowledged and dropped: another op at a held seq. */
static void test_fork_refused_with_evidence(void **state) {
  (void)state;
  create_m1();
  op_spec o;
  zb_push_result res;
  phone_spec(&o, "n1", 2, "M1", "13800000000");
  uint8_t a[4096], b[4096];
  size_t alen = pack_spec(&o, a, sizeof a);
  uint8_t *item = a;
  assert_int_equal(push_raw("n1", BRANCH1, &item, &alen, 1, &res), 0);
  /* The same op again (a resumed session) is a duplicate. */
  assert_int_equal(push_raw("n1", BRANCH1, &item, &alen, 1, &res), 0);
  assert_int_equal(res.duplicates, 1);
  uint64_t h0 = head();
  /* Another op 2, and then also a new op 3 after it: refused whole. */
  phone_spec(&o, "n1", 2, "M1", "13800000009");
  size_t blen = pack_spec(&o, b, sizeof b);
  uint8_t c[4096];
  phone_spec(&o, "n1", 3, "M1", "13800000003");
  size_t clen = pack_spec(&o, c, sizeof c);
  uint8_t *items[] = {b, c};
  size_t lens[] = {blen, clen};
  assert_int_equal(push_raw("n1", BRANCH1, items, lens, 2, &res), ZB_EPROTO);
  assert_non_null(strstr(res.why, "fork"));
  assert_int_equal(head(), h0);
  zb_fork f;
  memset(&f, 0, sizeof f);
  assert_int_equal(zb_hub_forks(hub, fork_seen, &f), 0);
  assert_string_equal(f.node, "n1");
  assert_int_equal(f.seq, 2);
  assert_memory_not_equal(f.held, f.offered, 32);
  zb_hub_info info;
  assert_int_equal(zb_hub_info_get(hub, &info), 0);
  assert_int_equal(info.forks, 1);
  verify_ok();
}

/* Once told any branch whose member held an ID number; and an edit of a
 * member whose creation was refused said "name is required". */
static void test_rejections_private_and_true(void **state) {
  (void)state;
  create_m1();
  op_spec o;
  char idn[19];
  zb_push_result res;
  id_number("43012119800101001", idn);   /* M1's */
  member_spec(&o, "n2", 1, "M9", idn, "1980-01-01", "2005-07-01", BRANCH2);
  assert_int_equal(push_spec("n2", BRANCH2, &o, &res), 0);
  assert_int_equal(res.rejected, 1);
  phone_spec(&o, "n2", 2, "M9", "13800000000");
  assert_int_equal(push_spec("n2", BRANCH2, &o, &res), 0);
  assert_int_equal(res.rejected, 1);
  pulled p;
  pull_all("n2", BRANCH2, &p);
  const Zb__ServerOp *create = NULL, *edit = NULL;
  for (size_t i = 0; i < p.n; i++)
    if (p.so[i]->outcome == ZB__OUTCOME__OUTCOME_REJECTED)
      *(p.so[i]->origin_seq == 1 ? &create : &edit) = p.so[i];
  assert_non_null(create);
  assert_non_null(edit);
  assert_non_null(strstr(EN(create->reason), "another organization"));
  assert_null(strstr(EN(create->reason), "M1"));
  assert_null(strstr(EN(create->reason), BRANCH1));
  assert_string_equal(create->detail, "");   /* the operator's note stays home */
  assert_non_null(strstr(EN(edit->reason), "creation"));
  assert_non_null(strstr(EN(edit->reason), "rejected"));
  assert_int_equal(edit->caused_by, 1);
  pulled_free(&p);
  /* The township above both branches may be told who holds the number. */
  member_spec(&o, "t1", 1, "M8", idn, "1980-01-01", "2005-07-01", BRANCH2);
  assert_int_equal(push_spec("t1", TOWN, &o, &res), 0);
  assert_int_equal(res.rejected, 1);
  pull_all("t1", TOWN, &p);
  bool told = false;
  for (size_t i = 0; i < p.n; i++)
    if (p.so[i]->outcome == ZB__OUTCOME__OUTCOME_REJECTED)
      told = strstr(EN(p.so[i]->reason), "M1") != NULL;
  assert_true(told);
  pulled_free(&p);
  verify_ok();
}

/* Once kept forever: a node's junk.  Past the daily allowance a rejected op
 * is a summary without the op, and the chain still verifies. */
static void test_rejected_ops_summarized(void **state) {
  (void)state;
  zb_hub_set_rejected_per_day(hub, 2);
  create_m1();
  op_spec o;
  zb_push_result res;
  for (uint64_t seq = 2; seq <= 6; seq++) {
    phone_spec(&o, "n2", seq - 1, "M1", "13800000000");   /* M1 is branch 1's */
    assert_int_equal(push_spec("n2", BRANCH2, &o, &res), 0);
    assert_int_equal(res.rejected, 1);
  }
  zb_hub_info info;
  assert_int_equal(zb_hub_info_get(hub, &info), 0);
  assert_int_equal(info.rejected, 5);
  assert_int_equal(info.summarized, 3);
  pulled p;
  pull_all("n2", BRANCH2, &p);
  size_t rejected = 0, summaries = 0;
  for (size_t i = 0; i < p.n; i++)
    if (p.so[i]->outcome == ZB__OUTCOME__OUTCOME_REJECTED) {
      rejected++;
      if (p.so[i]->summarized) {
        summaries++;
        assert_int_equal(p.so[i]->op.len, 0);
        assert_int_equal(p.so[i]->op_hash.len, 32);
      }
      assert_non_null(strstr(EN(p.so[i]->reason), "scope"));
      assert_null(strstr(EN(p.so[i]->reason), BRANCH1));
    }
  assert_int_equal(rejected, 5);
  assert_int_equal(summaries, 3);
  pulled_free(&p);
  verify_ok();
  /* The chain carries on after summaries: op 6 is checked against them. */
  phone_spec(&o, "n2", 6, "M1", "13800000000");
  assert_int_equal(push_spec("n2", BRANCH2, &o, &res), 0);
  assert_int_equal(res.rejected, 1);
  assert_int_equal(push_spec("n2", BRANCH2, &o, &res), 0);
  assert_int_equal(res.duplicates, 1);
  verify_ok();
}

/* Makes the store look like format 1: no op index, no format, short
 * origin values. */
static int origins_short(void *ctx, zb_val key, zb_val val) {
  zb_txn *t = ctx;
  uint8_t v[40];
  char id[80];
  assert_true(val.len >= 40 && key.len < sizeof id);
  memcpy(v, val.data, 40);
  memcpy(id, key.data, key.len);
  return zb_txn_put(t, ZB_DB_ORIGINS, id, key.len, v, 40, 0);
}

static int downgrade(zb_txn *t, void *ctx) {
  (void)ctx;
  int rc = zb_txn_drop(t, ZB_DB_ORIGIN_OPS);
  if (!rc)
    rc = zb_txn_del(t, ZB_DB_META, "format", 6);
  if (!rc)
    rc = zb_txn_scan(t, ZB_DB_ORIGINS, NULL, 0, origins_short, t);
  return rc;
}

/* A server's data from before the op index is brought up to date when it
 * is opened: verify passes and a fork at an old seq is still caught. */
static void test_format1_store_migrated(void **state) {
  (void)state;
  create_m1();
  op_spec o;
  zb_push_result res;
  phone_spec(&o, "n1", 2, "M1", "13800000000");
  assert_int_equal(push_spec("n1", BRANCH1, &o, &res), 0);
  zb_hub_close(hub);
  zb_store *s;
  assert_int_equal(zb_store_open(dir, false, &s), 0);
  assert_int_equal(zb_store_write(s, downgrade, NULL), 0);
  zb_store_close(s);
  assert_int_equal(zb_hub_open(dir, &hub), 0);
  verify_ok();
  assert_int_equal(push_spec("n1", BRANCH1, &o, &res), 0);
  assert_int_equal(res.duplicates, 1);
  phone_spec(&o, "n1", 1, "M1", "13800000005");
  assert_int_equal(push_spec("n1", BRANCH1, &o, &res), ZB_EPROTO);
  assert_non_null(strstr(res.why, "fork"));
}

/* The wire boundary alone. */
static void test_opwire_decode(void **state) {
  (void)state;
  op_spec o;
  uint8_t buf[4096];
  char why[320];
  Zb__Op *op;
  phone_spec(&o, "n1", 2, "M1", "13800000000");
  size_t len = pack_spec(&o, buf, sizeof buf);
  assert_int_equal(zb_opwire_decode(buf, len, &op, why, sizeof why), 0);
  assert_string_equal(op->set->key, "M1");
  zb__op__free_unpacked(op, NULL);
  assert_int_equal(zb_opwire_decode(buf, len - 1, &op, why, sizeof why), ZB_EPROTO);
  assert_null(op);
  assert_int_equal(zb_opwire_decode(buf, ZB_OPWIRE_MAX + 1, &op, why, sizeof why), ZB_EPROTO);
  assert_non_null(strstr(EN(why), "too large"));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_op_too_large_stores_nothing, setup, teardown),
      cmocka_unit_test_setup_teardown(test_repeated_field_rejected, setup, teardown),
      cmocka_unit_test_setup_teardown(test_noncanonical_refused, setup, teardown),
      cmocka_unit_test_setup_teardown(test_future_hlc_bounded, setup, teardown),
      cmocka_unit_test_setup_teardown(test_future_dates_refused_whatever_the_hlc, setup, teardown),
      cmocka_unit_test_setup_teardown(test_cursor_beyond_head_echoed, setup, teardown),
      cmocka_unit_test_setup_teardown(test_fork_refused_with_evidence, setup, teardown),
      cmocka_unit_test_setup_teardown(test_rejections_private_and_true, setup, teardown),
      cmocka_unit_test_setup_teardown(test_rejected_ops_summarized, setup, teardown),
      cmocka_unit_test_setup_teardown(test_format1_store_migrated, setup, teardown),
      cmocka_unit_test_setup_teardown(test_opwire_decode, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
