/* The hash-chained op log over a real LMDB environment: append, reopen,
 * scan, verify, and every kind of tampering verify must catch. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "zb_err.h"
#include "zb_oplog.h"
#include "zb_sha.h"
#include "zb_store.h"

static char dir[64];

static int setup(void **state) {
  (void)state;
  snprintf(dir, sizeof dir, "/tmp/zb-oplog-XXXXXX");
  assert_non_null(mkdtemp(dir));
  return 0;
}

static int teardown(void **state) {
  (void)state;
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
  return system(cmd);
}

/* zb_sha256 reuses one context per thread (zb_sha.c): the FIPS 180-2
 * vectors, each again after another, and in a second thread. */
static void *sha_vectors(void *arg) {
  static const char *const in[] = {"abc", "", "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"};
  static const char *const want[] = {
      "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
      "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"};
  int *bad = arg;
  for (int round = 0; round < 3; round++)
    for (int i = 0; i < 3; i++) {
      uint8_t h[ZB_SHA256_LEN];
      char hex[2 * ZB_SHA256_LEN + 1];
      zb_sha256(in[i], strlen(in[i]), h);
      zb_hex(h, sizeof h, hex);
      *bad += strcmp(hex, want[i]) != 0;
    }
  return NULL;
}

static void test_sha256_vectors(void **state) {
  (void)state;
  int bad = 0, tbad = 0;
  sha_vectors(&bad);
  assert_int_equal(bad, 0);
  pthread_t th;
  assert_int_equal(pthread_create(&th, NULL, sha_vectors, &tbad), 0);
  assert_int_equal(pthread_join(th, NULL), 0);
  assert_int_equal(tbad, 0);
}

struct appender {
  int count;
  const char *origin;
  char keybuf[32];
};

static int append_ops(zb_txn *t, void *ctx) {
  struct appender *ap = ctx;
  zb_oplog_head h;
  int rc = zb_oplog_head_load(t, &h);
  if (rc)
    return rc;
  for (int i = 0; i < ap->count; i++) {
    Zb__FieldSet f = ZB__FIELD_SET__INIT, *fp = &f;
    Zb__RecordSet set = ZB__RECORD_SET__INIT;
    Zb__Op op = ZB__OP__INIT;
    snprintf(ap->keybuf, sizeof ap->keybuf, "K%06llu", (unsigned long long)h.seq + 1);
    f.field = 11;
    f.value = ap->keybuf;
    set.kind = ZB__RECORD_KIND__RECORD_KIND_MEMBER;
    set.key = ap->keybuf;
    set.n_fields = 1;
    set.fields = &fp;
    op.origin = (char *)ap->origin;
    op.actor = "tester";
    op.hlc = (h.seq + 1) << 16;
    op.body_case = ZB__OP__BODY_SET;
    op.set = &set;
    if ((rc = zb_oplog_append(t, &h, &op)))
      return rc;
  }
  return zb_oplog_head_save(t, &h);
}

static int verify(zb_store *s, const char *origin, char *why, size_t cap) {
  zb_txn *t;
  assert_int_equal(zb_store_read(s, &t), 0);
  int rc = zb_oplog_verify(t, origin, why, cap);
  zb_txn_end(t);
  return rc;
}

struct chain_check {
  uint64_t expect;
  uint8_t prev[ZB_SHA256_LEN];
};

static int check_chain(void *ctx, const Zb__Op *op, zb_val packed) {
  struct chain_check *cc = ctx;
  assert_int_equal(op->seq, cc->expect);
  assert_int_equal(op->prev_hash.len, ZB_SHA256_LEN);
  assert_memory_equal(op->prev_hash.data, cc->prev, ZB_SHA256_LEN);
  zb_sha256(packed.data, packed.len, cc->prev);
  cc->expect++;
  return 0;
}

static void test_append_reopen_scan(void **state) {
  (void)state;
  zb_store *s;
  char why[256];
  assert_int_equal(zb_store_open(dir, true, &s), 0);
  struct appender ap = {.count = 100, .origin = "n1"};
  assert_int_equal(zb_store_write(s, append_ops, &ap), 0);
  assert_int_equal(zb_store_write(s, append_ops, &ap), 0);
  assert_int_equal(verify(s, "n1", why, sizeof why), 0);
  /* Another origin's name in the ops is caught. */
  assert_int_equal(verify(s, "n2", why, sizeof why), ZB_ECORRUPT);
  zb_store_close(s);

  assert_int_equal(zb_store_open(dir, false, &s), 0);
  zb_txn *t;
  zb_oplog_head h;
  assert_int_equal(zb_store_read(s, &t), 0);
  assert_int_equal(zb_oplog_head_load(t, &h), 0);
  assert_int_equal(h.seq, 200);
  struct chain_check cc = {.expect = 1};
  assert_int_equal(zb_oplog_scan(t, 0, check_chain, &cc), 0);
  assert_int_equal(cc.expect, 201);
  assert_memory_equal(cc.prev, h.hash, ZB_SHA256_LEN);
  /* --since skips exactly the first ops. */
  struct chain_check from = {.expect = 151};
  zb_val k, v;
  uint8_t key[8];
  zb_u64_be(150, key);
  assert_int_equal(zb_txn_get(t, ZB_DB_LOG, key, 8, &v), 0);
  zb_sha256(v.data, v.len, from.prev);
  assert_int_equal(zb_oplog_scan(t, 150, check_chain, &from), 0);
  assert_int_equal(from.expect, 201);
  assert_int_equal(zb_txn_last(t, ZB_DB_LOG, &k, &v), 0);
  assert_int_equal(zb_be_u64(k.data), 200);
  zb_txn_end(t);
  zb_store_close(s);
}

/* Rewrites the stored op under seq with one byte flipped. */
struct tamper {
  uint64_t seq;
  long at;      /* byte to flip: from the start if >= 0, from the end if < 0 */
  bool drop;
};

static int tamper_write(zb_txn *t, void *ctx) {
  struct tamper *tp = ctx;
  uint8_t key[8], buf[ZB_OP_PACKED_MAX];
  zb_val v;
  zb_u64_be(tp->seq, key);
  int rc = zb_txn_get(t, ZB_DB_LOG, key, 8, &v);
  if (rc)
    return rc;
  if (tp->drop)
    return zb_txn_del(t, ZB_DB_LOG, key, 8);
  memcpy(buf, v.data, v.len);
  size_t i = tp->at >= 0 ? (size_t)tp->at : v.len - (size_t)(-tp->at);
  assert_true(i < v.len);
  buf[i] ^= 0x01;
  return zb_txn_put(t, ZB_DB_LOG, key, 8, buf, v.len, 0);
}

static void tamper_case(uint64_t seq, long at, bool drop, const char *expect_in_why) {
  zb_store *s;
  char why[256];
  assert_int_equal(zb_store_open(dir, true, &s), 0);
  struct appender ap = {.count = 20, .origin = "n1"};
  assert_int_equal(zb_store_write(s, append_ops, &ap), 0);
  assert_int_equal(verify(s, "n1", why, sizeof why), 0);
  struct tamper tp = {seq, at, drop};
  assert_int_equal(zb_store_write(s, tamper_write, &tp), 0);
  assert_int_equal(verify(s, "n1", why, sizeof why), ZB_ECORRUPT);
  if (!strstr(why, expect_in_why))
    fail_msg("verify said \"%s\", expected it to mention \"%s\"", why, expect_in_why);
  zb_store_close(s);
}

static void test_altered_middle_op(void **state) {
  (void)state;
  /* The last bytes of op 7 are the record's value: its hash changes, so
   * op 8's link breaks. */
  tamper_case(7, -2, false, "op 8");
}

static void test_altered_prev_hash(void **state) {
  (void)state;
  /* Origin "n1", seq, hlc and actor come first; byte 30 lies inside op 7's
   * prev_hash, so op 7's own link breaks. */
  tamper_case(7, 30, false, "at op 7");
}

static void test_altered_last_op(void **state) {
  (void)state;
  tamper_case(20, -2, false, "head");
}

static void test_dropped_op(void **state) {
  (void)state;
  tamper_case(5, 0, true, "missing");
}

static void test_dropped_last_op(void **state) {
  (void)state;
  tamper_case(20, 0, true, "head says 20");
}

static void test_map_grows(void **state) {
  (void)state;
  zb_store *s;
  char why[256];
  /* A 64 KiB map fills after a few hundred ops: the write must grow the
   * map and run again, with nothing appended twice. */
  assert_int_equal(zb_store_open_sized(dir, true, 64 << 10, &s), 0);
  struct appender ap = {.count = 5000, .origin = "n1"};
  assert_int_equal(zb_store_write(s, append_ops, &ap), 0);
  assert_int_equal(verify(s, "n1", why, sizeof why), 0);
  zb_txn *t;
  assert_int_equal(zb_store_read(s, &t), 0);
  assert_int_equal(zb_txn_count(t, ZB_DB_LOG), 5000);
  zb_txn_end(t);
  zb_store_close(s);
}

static void test_open_missing_is_notinit(void **state) {
  (void)state;
  zb_store *s = NULL;
  char path[128];
  snprintf(path, sizeof path, "%s/nothing-here", dir);
  assert_int_equal(zb_store_open(path, false, &s), ZB_ENOTINIT);
  assert_null(s);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_sha256_vectors),
      cmocka_unit_test_setup_teardown(test_append_reopen_scan, setup, teardown),
      cmocka_unit_test_setup_teardown(test_altered_middle_op, setup, teardown),
      cmocka_unit_test_setup_teardown(test_altered_prev_hash, setup, teardown),
      cmocka_unit_test_setup_teardown(test_altered_last_op, setup, teardown),
      cmocka_unit_test_setup_teardown(test_dropped_op, setup, teardown),
      cmocka_unit_test_setup_teardown(test_dropped_last_op, setup, teardown),
      cmocka_unit_test_setup_teardown(test_map_grows, setup, teardown),
      cmocka_unit_test_setup_teardown(test_open_missing_is_notinit, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
