/*
 * test_pack.c — zb_pack_op and zb_pack_record write the bytes protobuf-c
 * writes: on fixed edge cases and on random messages (empty and long
 * strings, zero and large numbers, empty repeated values, stamps with
 * more_fields), and they leave to protobuf-c what they do not cover.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "zb_pack.h"
#include "zhibu.pb-c.h"

#define CAP 65536

static uint64_t rng = 0x9E3779B97F4A7C15u;

static uint64_t next_rand(void) {
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return rng;
}

/* 0, small, or any width: every varint length. */
static uint64_t rand_u64(void) {
  switch (next_rand() % 4) {
  case 0:
    return 0;
  case 1:
    return next_rand() % 200;
  default:
    return next_rand() >> (next_rand() % 64);
  }
}

/* Empty, short or up to 300 bytes (a length of two varint bytes), with
 * UTF-8 and other bytes but no NUL. */
static void rand_str(char *buf, size_t cap) {
  size_t n = next_rand() % 3 == 0 ? 0 : (size_t)(next_rand() % (next_rand() % 2 ? 12 : 300));
  if (n >= cap)
    n = cap - 1;
  for (size_t i = 0; i < n; i++)
    buf[i] = (char)(1 + next_rand() % 255);
  buf[n] = '\0';
}

/* Both packers on op: the same length and bytes. */
static void same_op(const Zb__Op *op) {
  static uint8_t a[CAP], b[CAP];
  size_t want = zb__op__get_packed_size(op);
  assert_true(want <= CAP);
  assert_int_equal(zb__op__pack(op, a), want);
  size_t got = zb_pack_op(op, b, CAP);
  assert_int_equal(got, want);
  assert_memory_equal(a, b, want);
}

static void same_record(const Zb__Record *r) {
  static uint8_t a[CAP], b[CAP];
  size_t want = zb__record__get_packed_size(r);
  assert_true(want <= CAP);
  assert_int_equal(zb__record__pack(r, a), want);
  size_t got = zb_pack_record(r, b, CAP);
  assert_int_equal(got, want);
  assert_memory_equal(a, b, want);
}

static void test_op_fixed(void **state) {
  (void)state;
  Zb__Op op = ZB__OP__INIT;
  /* Nothing set: zero bytes either way. */
  assert_int_equal(zb_pack_op(&op, (uint8_t[1]){0}, 1), 0);
  assert_int_equal(zb__op__get_packed_size(&op), 0);

  uint8_t hash[32];
  memset(hash, 0xAB, sizeof hash);
  Zb__FieldSet f1 = ZB__FIELD_SET__INIT, f2 = ZB__FIELD_SET__INIT, f3 = ZB__FIELD_SET__INIT;
  f1.field = 0;
  f1.value = "M0000000001";
  f2.field = 5;
  f2.value = "";   /* an empty value is left out, the FieldSet is not */
  f3.field = 300;
  f3.value = "夏涵萍";
  Zb__FieldSet *fs[] = {&f1, &f2, &f3};
  Zb__RecordSet set = ZB__RECORD_SET__INIT;
  set.kind = ZB__RECORD_KIND__RECORD_KIND_MEMBER;
  set.key = "M0000000001";
  set.n_fields = 3;
  set.fields = fs;
  op.origin = "b1";
  op.seq = 1;
  op.hlc = UINT64_MAX;
  op.actor = "";
  op.prev_hash.data = hash;
  op.prev_hash.len = sizeof hash;
  op.base_cursor = 0;
  op.body_case = ZB__OP__BODY_SET;
  op.set = &set;
  same_op(&op);
  /* The first bytes, by hand: origin "b1", then seq 1. */
  uint8_t buf[256];
  size_t n = zb_pack_op(&op, buf, sizeof buf);
  assert_true(n > 6);
  assert_memory_equal(buf, "\x0a\x02" "b1" "\x10\x01", 6);
  /* Too small a buffer: 0, nothing claimed. */
  assert_int_equal(zb_pack_op(&op, buf, n - 1), 0);
  assert_int_equal(zb_pack_op(&op, buf, n), n);
  /* A set body without its message is left out, as protobuf-c does. */
  op.set = NULL;
  same_op(&op);
  /* An empty set. */
  Zb__RecordSet empty = ZB__RECORD_SET__INIT;
  op.set = &empty;
  same_op(&op);
  /* No body. */
  op.body_case = ZB__OP__BODY__NOT_SET;
  same_op(&op);

  /* Not covered: left to protobuf-c (0). */
  Zb__Act act = ZB__ACT__INIT;
  act.kind = ZB__RECORD_KIND__RECORD_KIND_MEMBER;
  act.key = "M1";
  act.name = "leave";
  op.body_case = ZB__OP__BODY_ACT;
  op.act = &act;
  assert_int_equal(zb_pack_op(&op, buf, sizeof buf), 0);
  op.body_case = ZB__OP__BODY_SET;
  op.set = &set;
  set.kind = (Zb__RecordKind)-1;
  assert_int_equal(zb_pack_op(&op, buf, sizeof buf), 0);
  set.kind = ZB__RECORD_KIND__RECORD_KIND_MEMBER;
  fs[1] = NULL;
  assert_int_equal(zb_pack_op(&op, buf, sizeof buf), 0);
}

static void test_op_random(void **state) {
  (void)state;
  static char strs[ZB_PACK_MAX_ITEMS + 3][301];
  static Zb__FieldSet f[ZB_PACK_MAX_ITEMS];
  Zb__FieldSet *fp[ZB_PACK_MAX_ITEMS];
  uint8_t hash[32];
  for (int round = 0; round < 3000; round++) {
    Zb__Op op = ZB__OP__INIT;
    Zb__RecordSet set = ZB__RECORD_SET__INIT;
    rand_str(strs[0], 65);
    rand_str(strs[1], 65);
    rand_str(strs[2], sizeof strs[2]);
    op.origin = next_rand() % 8 ? strs[0] : NULL;
    op.actor = strs[1];
    op.seq = rand_u64();
    op.hlc = rand_u64();
    op.base_cursor = rand_u64();
    if (next_rand() % 4) {
      for (size_t i = 0; i < sizeof hash; i++)
        hash[i] = (uint8_t)next_rand();
      op.prev_hash.data = hash;
      op.prev_hash.len = sizeof hash;
    }
    set.kind = (Zb__RecordKind)(next_rand() % 4 ? next_rand() % 12 : rand_u64() & 0x7fffffff);
    set.key = strs[2];
    set.n_fields = (size_t)(next_rand() % (next_rand() % 2 ? 14 : ZB_PACK_MAX_ITEMS + 1));
    for (size_t i = 0; i < set.n_fields; i++) {
      zb__field_set__init(&f[i]);
      f[i].field = (uint32_t)(next_rand() % 2 ? i : rand_u64());
      rand_str(strs[3 + i], sizeof strs[3 + i]);
      f[i].value = strs[3 + i];
      fp[i] = &f[i];
    }
    set.fields = fp;
    op.body_case = ZB__OP__BODY_SET;
    op.set = &set;
    same_op(&op);
  }
}

static void test_record_random(void **state) {
  (void)state;
  static char strs[2 * ZB_PACK_MAX_ITEMS][301];
  static char *values[ZB_PACK_MAX_ITEMS];
  static Zb__Stamp st[ZB_PACK_MAX_ITEMS];
  static uint32_t more[ZB_PACK_MAX_ITEMS][8];
  Zb__Stamp *sp[ZB_PACK_MAX_ITEMS];
  for (int round = 0; round < 3000; round++) {
    Zb__Record r = ZB__RECORD__INIT;
    r.kind = (Zb__RecordKind)(next_rand() % 5);
    r.n_values = (size_t)(next_rand() % (next_rand() % 2 ? 14 : ZB_PACK_MAX_ITEMS + 1));
    for (size_t i = 0; i < r.n_values; i++) {
      rand_str(strs[i], sizeof strs[i]);
      values[i] = strs[i];
    }
    r.values = values;
    r.n_stamps = (size_t)(next_rand() % (next_rand() % 2 ? 4 : ZB_PACK_MAX_ITEMS + 1));
    for (size_t i = 0; i < r.n_stamps; i++) {
      zb__stamp__init(&st[i]);
      st[i].hlc = rand_u64();
      st[i].server_seq = rand_u64();
      st[i].mask = (uint32_t)rand_u64();
      rand_str(strs[ZB_PACK_MAX_ITEMS + i], 65);
      st[i].origin = strs[ZB_PACK_MAX_ITEMS + i];
      st[i].n_more_fields = next_rand() % 3 ? 0 : (size_t)(next_rand() % 8);
      for (size_t j = 0; j < st[i].n_more_fields; j++)
        more[i][j] = (uint32_t)rand_u64();
      st[i].more_fields = more[i];
      sp[i] = &st[i];
    }
    r.stamps = sp;
    same_record(&r);
  }
}

static void test_record_fixed(void **state) {
  (void)state;
  /* A freshly imported member: 13 values, some empty, one stamp. */
  char *values[13] = {"M0000000001", "夏涵萍", "男", "汉族", "1945-08-29", "", "大学本科",
                      "正式党员", "1974-03-27", "1975-03-27", "430121-01-01", "", ""};
  uint32_t more[2] = {32, 47};
  Zb__Stamp s = ZB__STAMP__INIT, s2 = ZB__STAMP__INIT;
  s.hlc = 0x0001900000000001u;
  s.origin = "b1";
  s.mask = 0x1fff;
  s2.origin = "";
  s2.more_fields = more;
  s2.n_more_fields = 2;
  Zb__Stamp *sp[2] = {&s, &s2};
  Zb__Record r = ZB__RECORD__INIT;
  r.kind = ZB__RECORD_KIND__RECORD_KIND_MEMBER;
  r.values = values;
  r.n_values = 13;
  r.stamps = sp;
  r.n_stamps = 2;
  same_record(&r);
  uint8_t buf[1024];
  size_t n = zb_pack_record(&r, buf, sizeof buf);
  assert_int_equal(zb_pack_record(&r, buf, n - 1), 0);
  /* Not covered: a NULL value or stamp, a negative kind. */
  values[3] = NULL;
  assert_int_equal(zb_pack_record(&r, buf, sizeof buf), 0);
  values[3] = "汉族";
  sp[1] = NULL;
  assert_int_equal(zb_pack_record(&r, buf, sizeof buf), 0);
  sp[1] = &s2;
  r.kind = (Zb__RecordKind)-2;
  assert_int_equal(zb_pack_record(&r, buf, sizeof buf), 0);
  r.kind = ZB__RECORD_KIND__RECORD_KIND_MEMBER;
  r.n_values = ZB_PACK_MAX_ITEMS + 1;
  assert_int_equal(zb_pack_record(&r, buf, sizeof buf), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_op_fixed),
      cmocka_unit_test(test_op_random),
      cmocka_unit_test(test_record_fixed),
      cmocka_unit_test(test_record_random),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
