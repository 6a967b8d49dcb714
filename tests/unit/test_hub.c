/* zb_hub over a real LMDB store: ordered, idempotent pushes; a protocol-
 * breaking push isolated from the others of its group; scoped pulls;
 * verify catching a tampered server log; and what the server remembers of
 * each node. */
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
#include "zb_hub.h"
#include "zb_store.h"

#include "hub_fixture.h"

/* A batch of phone-less member creations from origin, seqs from..to, all
 * in org.  ID numbers get their check digit computed here. */
static void make_batch(zb_batch *b, const char *origin, const char *wire_origin, uint64_t from,
                       uint64_t to, const char *org, uint8_t **z, size_t *zlen) {
  static const int w[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
  zb_batch_reset(b);
  for (uint64_t seq = from; seq <= to; seq++) {
    char id[32], idn[19], first[18];
    snprintf(id, sizeof id, "%s-%llu", origin, (unsigned long long)seq);
    /* 17th digit odd: a man's number; the sequence varies by origin too. */
    snprintf(first, sizeof first, "430121198001%02u%03u", (unsigned)(seq % 28 + 1),
             (unsigned)(((unsigned)origin[strlen(origin) - 1] * 100 + seq * 2 + 1) % 1000));
    int s = 0;
    for (int i = 0; i < 17; i++)
      s += (first[i] - '0') * w[i];
    memcpy(idn, first, 17);
    idn[17] = "10X98765432"[s % 11];
    idn[18] = '\0';
    char birth[11];
    snprintf(birth, sizeof birth, "1980-01-%02u", (unsigned)(seq % 28 + 1));
    const int fields[] = {1, 2, 4, 5, 7, 8, 9, 10};
    const char *vals[] = {"王伟", "男", birth, idn, "正式党员", "2005-07-01", "2006-07-01", org};
    Zb__FieldSet fs[8], *fsp[8];
    for (int i = 0; i < 8; i++) {
      zb__field_set__init(&fs[i]);
      fs[i].field = (uint32_t)fields[i];
      fs[i].value = (char *)vals[i];
      fsp[i] = &fs[i];
    }
    Zb__RecordSet set = ZB__RECORD_SET__INIT;
    set.kind = ZB__RECORD_KIND__RECORD_KIND_MEMBER;
    set.key = id;
    set.n_fields = 8;
    set.fields = fsp;
    Zb__Op op = ZB__OP__INIT;
    op.origin = (char *)wire_origin;
    op.seq = seq;
    op.hlc = (1795651200000ull + seq) << 16;
    op.actor = "t";
    op.body_case = ZB__OP__BODY_SET;
    op.set = &set;
    uint8_t buf[4096];
    size_t len = zb__op__pack(&op, buf);
    assert_int_equal(zb_batch_add(b, buf, len), 0);
  }
  assert_int_equal(zb_batch_compress(b, z, zlen), 0);
}

static zb_push_req req(const char *node, const char *org, zb_batch *b, uint8_t *z, size_t zlen) {
  zb_push_req r = {node, org, z, zlen, b->len, b->count, {0}, 0};
  return r;
}

static void test_group_isolates_bad_push(void **state) {
  (void)state;
  zb_batch b1, b2, b3;
  zb_batch_init(&b1);
  zb_batch_init(&b2);
  zb_batch_init(&b3);
  uint8_t *z1, *z2, *z3;
  size_t l1, l2, l3;
  make_batch(&b1, "n1", "n1", 1, 50, "430121-01-01", &z1, &l1);
  make_batch(&b2, "n2", "n1", 1, 5, "430121-01-02", &z2, &l2);   /* claims n1's origin */
  make_batch(&b3, "n3", "n3", 1, 7, "430121-01-02", &z3, &l3);
  zb_push_req reqs[3] = {req("n1", "430121-01-01", &b1, z1, l1),
                         req("n2", "430121-01-02", &b2, z2, l2),
                         req("n3", "430121-01-02", &b3, z3, l3)};
  assert_int_equal(zb_hub_push_many(hub, reqs, 3), 0);
  assert_int_equal(reqs[0].rc, 0);
  assert_int_equal(reqs[0].res.applied, 50);
  assert_int_equal(reqs[0].res.held_seq, 50);
  assert_int_equal(reqs[1].rc, ZB_EPROTO);
  assert_non_null(strstr(reqs[1].res.why, "certificate"));
  assert_int_equal(reqs[2].rc, 0);
  assert_int_equal(reqs[2].res.held_seq, 7);
  uint64_t held, head;
  uint8_t hash[32];
  assert_int_equal(zb_hub_hello(hub, "n2", &held, hash, &head), 0);
  assert_int_equal(held, 0);
  assert_int_equal(zb_hub_hello(hub, "n1", &held, hash, &head), 0);
  assert_int_equal(held, 50);
  assert_int_equal(head, 4 + 50 + 7);   /* 4 orgs, then the two honest batches */

  /* The same batch again (a resumed session) is skipped, not applied twice. */
  zb_push_result res;
  assert_int_equal(zb_hub_push(hub, "n1", "430121-01-01", z1, l1, b1.len, b1.count, &res), 0);
  assert_int_equal(res.duplicates, 50);
  assert_int_equal(res.applied, 0);
  assert_int_equal(zb_hub_hello(hub, "n1", &held, hash, &head), 0);
  assert_int_equal(head, 61);

  /* A gap is refused and stores nothing. */
  free(z1);
  make_batch(&b1, "n1", "n1", 52, 53, "430121-01-01", &z1, &l1);
  assert_int_equal(zb_hub_push(hub, "n1", "430121-01-01", z1, l1, b1.len, b1.count, &res),
                   ZB_EPROTO);
  assert_non_null(strstr(res.why, "order"));
  /* Writing into another branch is an op the server logs as rejected. */
  free(z1);
  make_batch(&b1, "n1", "n1", 51, 51, "430121-01-02", &z1, &l1);
  assert_int_equal(zb_hub_push(hub, "n1", "430121-01-01", z1, l1, b1.len, b1.count, &res), 0);
  assert_int_equal(res.rejected, 1);
  assert_int_equal(res.applied, 0);
  assert_int_equal(res.held_seq, 51);

  char why[256];
  assert_int_equal(zb_hub_verify(hub, why, sizeof why), 0);
  free(z1);
  free(z2);
  free(z3);
  zb_batch_free(&b1);
  zb_batch_free(&b2);
  zb_batch_free(&b3);
}

static int count_item(void *ctx, const uint8_t *item, size_t len) {
  Zb__ServerOp *so = zb__server_op__unpack(NULL, len, item);
  assert_non_null(so);
  int *counts = ctx;
  counts[so->kind == ZB__RECORD_KIND__RECORD_KIND_ORG ? 0 : 1]++;
  if (so->outcome == ZB__OUTCOME__OUTCOME_REJECTED)
    counts[2]++;
  zb__server_op__free_unpacked(so, NULL);
  return 0;
}

static void pull_counts(const char *node, const char *org, int counts[3]) {
  zb_batch b;
  zb_batch_init(&b);
  uint64_t next;
  bool done;
  memset(counts, 0, 3 * sizeof *counts);
  assert_int_equal(zb_hub_pull(hub, node, org, 0, 1 << 20, &b, &next, &done), 0);
  assert_true(done);
  uint8_t *z;
  size_t zlen;
  assert_int_equal(zb_batch_compress(&b, &z, &zlen), 0);
  assert_int_equal(zb_batch_each(z, zlen, b.len, b.count, count_item, counts), 0);
  free(z);
  zb_batch_free(&b);
}

static void test_pull_is_scoped(void **state) {
  (void)state;
  zb_batch b;
  zb_batch_init(&b);
  uint8_t *z;
  size_t zlen;
  zb_push_result res;
  make_batch(&b, "n1", "n1", 1, 10, "430121-01-01", &z, &zlen);
  assert_int_equal(zb_hub_push(hub, "n1", "430121-01-01", z, zlen, b.len, b.count, &res), 0);
  free(z);
  make_batch(&b, "n2", "n2", 1, 4, "430121-01-02", &z, &zlen);
  assert_int_equal(zb_hub_push(hub, "n2", "430121-01-02", z, zlen, b.len, b.count, &res), 0);
  free(z);
  make_batch(&b, "n2", "n2", 5, 5, "430121-01-01", &z, &zlen);   /* out of scope */
  assert_int_equal(zb_hub_push(hub, "n2", "430121-01-02", z, zlen, b.len, b.count, &res), 0);
  assert_int_equal(res.rejected, 1);
  free(z);
  int c[3];
  /* Branch 01: every org (the directory), branch 02's members not; its own
   * applied ops are not sent back. */
  pull_counts("n1", "430121-01-01", c);
  assert_int_equal(c[0], 4);
  assert_int_equal(c[1], 0);
  /* Branch 02's node sees its own rejection, and nothing of branch 01. */
  pull_counts("n2", "430121-01-02", c);
  assert_int_equal(c[1], 1);
  assert_int_equal(c[2], 1);
  /* A township node gets both branches' members; not n2's rejected op. */
  pull_counts("t1", "430121-01", c);
  assert_int_equal(c[1], 14);
  assert_int_equal(c[2], 0);
  zb_batch_free(&b);
}

static int tamper(zb_txn *t, void *ctx) {
  (void)ctx;
  uint8_t key[8], buf[8192];
  zb_val v;
  zb_u64_be(3, key);
  int rc = zb_txn_get(t, ZB_DB_SLOG, key, 8, &v);
  if (rc)
    return rc;
  memcpy(buf, v.data, v.len);
  buf[v.len - 3] ^= 1;
  return zb_txn_put(t, ZB_DB_SLOG, key, 8, buf, v.len, 0);
}

static void test_verify_catches_tampering(void **state) {
  (void)state;
  char why[256];
  assert_int_equal(zb_hub_verify(hub, why, sizeof why), 0);
  zb_hub_close(hub);
  zb_store *s;
  assert_int_equal(zb_store_open(dir, false, &s), 0);
  assert_int_equal(zb_store_write(s, tamper, NULL), 0);
  zb_store_close(s);
  assert_int_equal(zb_hub_open(dir, &hub), 0);
  assert_int_equal(zb_hub_verify(hub, why, sizeof why), ZB_ECORRUPT);
  assert_non_null(strstr(EN(why), "entry 4"));
}

/* What the server remembers of a node (docs/PROTOCOL.md, "What the server
 * remembers of each node"): contacts by the server's clock, the cursor
 * never going back, a failure repeated within a minute not written again,
 * and a record written before contacts were kept read as never heard. */
static int peers_seen;
static int count_peer(void *ctx, const char *id, const zb_hub_peer *p, uint64_t held) {
  (void)ctx;
  (void)p;
  assert_int_equal(held, 0);
  peers_seen += strcmp(id, "b1") == 0 || strcmp(id, "old") == 0;
  return 0;
}

static int put_old_peer(zb_txn *t, void *ctx) {
  (void)ctx;
  /* u64 cursor 7, u64 parcel 2, org, no certificate, and no tail. */
  uint8_t v[8 + 8 + 1 + 12 + 2] = {0, 0, 0, 0, 0, 0, 0, 7, 0, 0, 0, 0, 0, 0, 0, 2, 12};
  memcpy(v + 17, "430121-01-02", 12);
  return zb_txn_put(t, ZB_DB_META, "peer/old", 8, v, sizeof v, 0);
}

static void test_peer_contacts(void **state) {
  (void)state;
  const uint8_t cert[3] = {1, 2, 3};
  zb_hub_contact c = {.node_id = "b1", .org = "430121-01-01", .cert = cert, .cert_len = 3,
                      .has_cursor = true, .cursor = 5, .has_head = true, .log_head = 3,
                      .ok = true, .at_ms = 1000, .via = ZB_VIA_SESSION};
  zb_hub_peer p;
  assert_int_equal(zb_hub_peer_get(hub, "b1", &p), ZB_ENOTFOUND);
  assert_int_equal(zb_hub_contacts_note(hub, &c, 1), 0);
  assert_int_equal(zb_hub_peer_get(hub, "b1", &p), 0);
  assert_int_equal(p.ok_ms, 1000);
  assert_int_equal(p.ok_via, ZB_VIA_SESSION);
  assert_int_equal(p.err_ms, 0);
  assert_int_equal(p.cursor, 5);
  assert_int_equal(p.log_head, 3);
  assert_string_equal(p.org, "430121-01-01");
  assert_int_equal(p.cert_len, 3);

  /* Two failures in one transaction: the second, the same within a
   * minute, is not written. */
  zb_hub_contact e[2] = {c, c};
  for (int i = 0; i < 2; i++) {
    e[i].ok = false;
    e[i].has_cursor = false;
    e[i].err = "could not reach or finish a sync";
    e[i].log_head = 9;
  }
  e[0].at_ms = 2000;
  e[1].at_ms = 2000 + ZB_HUB_ERR_REPEAT_MS - 1;
  assert_int_equal(zb_hub_contacts_note(hub, e, 2), 0);
  assert_int_equal(zb_hub_peer_get(hub, "b1", &p), 0);
  assert_int_equal(p.err_ms, 2000);
  assert_string_equal(p.err, "could not reach or finish a sync");
  assert_int_equal(p.ok_ms, 1000);
  assert_int_equal(p.log_head, 9);
  e[1].at_ms = 2000 + ZB_HUB_ERR_REPEAT_MS;
  assert_int_equal(zb_hub_contacts_note(hub, &e[1], 1), 0);
  assert_int_equal(zb_hub_peer_get(hub, "b1", &p), 0);
  assert_int_equal(p.err_ms, 2000 + ZB_HUB_ERR_REPEAT_MS);

  /* A long reason is cut at ZB_HUB_REASON_MAX bytes, never inside a
   * character. */
  char long_why[400] = "";
  for (int i = 0; i < 100; i++)
    strcat(long_why, "断");   /* 3 bytes each */
  e[0].err = long_why;
  e[0].at_ms = 100000;
  assert_int_equal(zb_hub_contacts_note(hub, &e[0], 1), 0);
  assert_int_equal(zb_hub_peer_get(hub, "b1", &p), 0);
  assert_int_equal(strlen(p.err), ZB_HUB_REASON_MAX / 3 * 3);

  /* A parcel that changed nothing: its cursor counts, no contact. */
  zb_hub_contact q = c;
  q.via = ZB_VIA_NONE;
  q.cursor = 4;   /* lower: kept at 5 */
  q.at_ms = 200000;
  assert_int_equal(zb_hub_contacts_note(hub, &q, 1), 0);
  assert_int_equal(zb_hub_peer_get(hub, "b1", &p), 0);
  assert_int_equal(p.cursor, 5);
  assert_int_equal(p.ok_ms, 1000);
  q.via = ZB_VIA_PARCEL;
  q.cursor = 11;
  assert_int_equal(zb_hub_contacts_note(hub, &q, 1), 0);
  assert_int_equal(zb_hub_peer_get(hub, "b1", &p), 0);
  assert_int_equal(p.cursor, 11);
  assert_int_equal(p.ok_ms, 200000);
  assert_int_equal(p.ok_via, ZB_VIA_PARCEL);
  uint64_t seq;
  assert_int_equal(zb_hub_parcel_next(hub, "b1", &seq), 0);
  assert_int_equal(seq, 1);
  assert_int_equal(zb_hub_peer_get(hub, "b1", &p), 0);
  assert_int_equal(p.ok_ms, 200000);   /* the parcel number keeps the rest */

  /* A record of the format before contacts. */
  zb_hub_close(hub);
  zb_store *s;
  assert_int_equal(zb_store_open(dir, false, &s), 0);
  assert_int_equal(zb_store_write(s, put_old_peer, NULL), 0);
  zb_store_close(s);
  assert_int_equal(zb_hub_open(dir, &hub), 0);
  assert_int_equal(zb_hub_peer_get(hub, "old", &p), 0);
  assert_int_equal(p.cursor, 7);
  assert_int_equal(p.parcel_seq, 2);
  assert_int_equal(p.ok_ms, 0);
  assert_int_equal(p.err_ms, 0);
  assert_string_equal(p.org, "430121-01-02");
  peers_seen = 0;
  assert_int_equal(zb_hub_peers(hub, count_peer, NULL), 0);
  assert_int_equal(peers_seen, 2);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_group_isolates_bad_push, setup, teardown),
      cmocka_unit_test_setup_teardown(test_pull_is_scoped, setup, teardown),
      cmocka_unit_test_setup_teardown(test_verify_catches_tampering, setup, teardown),
      cmocka_unit_test_setup_teardown(test_peer_contacts, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
