/*
 * fuzz_opcheck.c — libFuzzer target for checking one op from the wire:
 * decoding, validation and zb_merge_apply on a node-style store (LMDB in a
 * temp directory) with a writer's scope, without the hub.
 *
 * Input layout: fuzz_ops.h ("fuzz_opcheck input layout"): a byte choosing
 * the scope and whether the op is the node's own (server seq 0) or pulled,
 * then one packed zb.Op.  The store holds the org tree and a few members
 * with stamps from several origins (so that edits can conflict); each op is
 * applied in a transaction that is then discarded, so every input meets the
 * same state and a crasher replays alone.
 *
 * check_op() is what the server does with each pushed op: the wire
 * boundary (zb_opwire_decode: size, canonical encoding, body), then
 * zb_merge_apply with the writer's scope.
 *
 * Besides the sanitizers, the target aborts when zb_merge_apply fails with
 * a storage error, returns an out-of-range result, or accepts an op that
 * leaves the record invalid or (member) outside the writer's scope.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fuzz_ops.h"
#include "fuzz_tmp.h"
#include "zb_err.h"
#include "zb_hlc.h"
#include "zb_log.h"
#include "zb_merge.h"
#include "zb_opwire.h"
#include "zb_record.h"
#include "zb_state.h"
#include "zb_store.h"
#include "zhibu.pb-c.h"

static zb_store *store;

static void fail(const char *what) {
  fprintf(stderr, "fuzz_opcheck: %s\n", what);
  abort();
}

/* ---- the check under test ---- */

/* Decodes one op from the wire and applies it with the writer's scope.
 * Returns 1 if the boundary refuses the bytes, else zb_merge_apply's result;
 * *kind and *key receive the record the op names (for the caller's checks;
 * key is copied into a buffer of ZB_FIELD_MAX + 1 bytes). */
static int check_op(zb_txn *t, const uint8_t *data, size_t len, const char *scope,
                    uint64_t server_seq, zb_apply_result *r, int *kind, char *key) {
  Zb__Op *op;
  char why[320];
  int wrc = zb_opwire_decode(data, len, &op, why, sizeof why);
  if (wrc == ZB_EPROTO)
    return 1;
  if (wrc) {
    fprintf(stderr, "fuzz_opcheck: zb_opwire_decode: %s\n", zb_err_name(wrc));
    abort();
  }
  const char *k = "";
  *kind = 0;
  zb_op_target(op, kind, &k, NULL);
  snprintf(key, ZB_FIELD_MAX + 1, "%s", k ? k : "");
  int rc = zb_merge_apply(t, op, server_seq, scope, 0, r);
  zb__op__free_unpacked(op, NULL);
  return rc;
}

/* ---- fixture ---- */

struct fx_apply {
  uint8_t *packed;
  size_t len;
  uint64_t sseq;
};

static int fixture_write(zb_txn *t, void *ctx) {
  struct fx_apply *fx = ctx;
  Zb__Op *op = zb__op__unpack(NULL, fx->len, fx->packed);
  if (!op)
    fail("fixture op does not decode");
  zb_apply_result r;
  int rc = zb_merge_apply(t, op, fx->sseq, NULL, 0, &r);
  if (!rc && r.status == ZB_APPLY_REJECTED) {
    fprintf(stderr, "fuzz_opcheck: fixture op rejected: %s\n", r.reason);
    abort();
  }
  zb__op__free_unpacked(op, NULL);
  return rc;
}

static void fixture_apply(const struct fz_op *op, uint64_t sseq) {
  struct fx_apply fx = {NULL, 0, sseq};
  fx.packed = fz_pack_op(op, &fx.len);
  if (zb_store_write(store, fixture_write, &fx))
    fail("fixture write");
  free(fx.packed);
}

static void fixture(void) {
  /* The org tree, as the server's ops (sseq 1-4). */
  static const char *const orgs[4][4] = {
      {"430121", "县委", "committee", ""},
      {"430121-01", "一镇党委", "committee", "430121"},
      {"430121-01-01", "一支部", "branch", "430121-01"},
      {"430121-01-02", "二支部", "branch", "430121-01"},
  };
  static const int ofields[4] = {ZB_OF_CODE, ZB_OF_NAME, ZB_OF_TYPE, ZB_OF_PARENT_CODE};
  uint64_t sseq = 0;
  for (int i = 0; i < 4; i++) {
    struct fz_op op = {.origin = "zhibu-server", .seq = (uint64_t)i + 1, .hlc = FZ_HLC(i),
                       .kind = 1, .key = orgs[i][0], .nf = 4, .fields = ofields,
                       .vals = orgs[i]};
    fixture_apply(&op, ++sseq);
  }
  int f[13];
  const char *v[13];
  char idn[19], birth[11];
  struct fz_op op = {.origin = "b0101", .kind = 2, .fields = f, .vals = v};
  op.nf = fz_member_fields(f, v, idn, birth, "F0101A", "430121-01-01", 1, 11);
  op.key = "F0101A", op.seq = 1, op.hlc = FZ_HLC(100);
  fixture_apply(&op, ++sseq);
  op.nf = fz_member_fields(f, v, idn, birth, "F0101B", "430121-01-01", 2, 22);
  op.key = "F0101B", op.seq = 2, op.hlc = FZ_HLC(101);
  fixture_apply(&op, ++sseq);
  op.origin = "b0102";
  op.nf = fz_member_fields(f, v, idn, birth, "F0102A", "430121-01-02", 3, 33);
  op.key = "F0102A", op.seq = 1, op.hlc = FZ_HLC(102);
  fixture_apply(&op, ++sseq);
  /* Concurrent edits of F0101A by the township and the branch. */
  static const int phone[2] = {ZB_MF_PHONE, ZB_MF_EDUCATION};
  static const char *const tv[2] = {"13900000001", "研究生"}, *const bv[2] = {"13700000002",
                                                                               "高中"};
  struct fz_op ed = {.origin = "t01", .seq = 1, .hlc = FZ_HLC(110), .kind = 2,
                     .key = "F0101A", .nf = 2, .fields = phone, .vals = tv};
  fixture_apply(&ed, ++sseq);
  ed.origin = "b0101", ed.seq = 3, ed.hlc = FZ_HLC(109), ed.vals = bv, ed.base_cursor = 5;
  fixture_apply(&ed, ++sseq);
  /* The township's notice N1, for acts and facts to meet. */
  static const int nf[5] = {1, 2, 3, 4, 5};
  static const char *const nv[5] = {"学习通知", "正文", "2026-11-20", "430121-01", "已发布"};
  struct fz_op nt = {.origin = "t01", .seq = 2, .hlc = FZ_HLC(120), .kind = 3, .key = "N1",
                     .nf = 5, .fields = nf, .vals = nv};
  fixture_apply(&nt, ++sseq);
}

static void store_close(void) {
  zb_store_close(store);
  store = NULL;
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc;
  (void)argv;
  zb_log_init("fuzz_opcheck");
  char dir[700];
  snprintf(dir, sizeof dir, "%s/store", fz_tmpdir("zb-fuzz-opcheck"));
  if (zb_store_open(dir, true, &store))
    fail("zb_store_open");
  atexit(store_close);   /* before the directory's removal */
  fixture();
  return 0;
}

/* ---- one input ---- */

struct input {
  const uint8_t *data;
  size_t len;
  const char *scope;
  uint64_t sseq;
};

static int input_write(zb_txn *t, void *ctx) {
  struct input *in = ctx;
  zb_apply_result r;
  int kind = 0;
  char key[ZB_FIELD_MAX + 1];
  int rc = check_op(t, in->data, in->len, in->scope, in->sseq, &r, &kind, key);
  if (rc == 1)
    return 0;
  if (rc) {
    fprintf(stderr, "fuzz_opcheck: zb_merge_apply: %s\n", zb_err_name(rc));
    abort();
  }
  if (r.status != ZB_APPLY_OK && r.status != ZB_APPLY_CONFLICT &&
      r.status != ZB_APPLY_REJECTED)
    fail("status out of range");
  if (r.nconflicts < 0 || r.nconflicts > ZB_MF__COUNT)
    fail("nconflicts out of range");
  if (r.field < -1 || r.field >= ZB_MF__COUNT)
    fail("field out of range");
  if (r.status == ZB_APPLY_REJECTED) {
    if (!r.reason[0])
      fail("rejected without a reason");
    if (r.changed)
      fail("rejected yet changed");
    return 0;
  }
  if ((r.status == ZB_APPLY_CONFLICT) != (r.nconflicts > 0))
    fail("conflict status and count disagree");
  /* Accepted: what is stored now must be a valid record in scope. */
  zb_rec *rec = malloc(sizeof *rec);
  if (!rec)
    fail("out of memory");
  const zb_kind_desc *kd = zb_kind_by_id(kind);
  if (!kd)
    fail("accepted an op of an unknown kind");
  rc = zb_rec_load(t, kd, key, rec);
  if (rc) {
    fprintf(stderr, "fuzz_opcheck: accepted %s record %s cannot be loaded: %s\n",
            kd->name, key, zb_err_name(rc));
    abort();
  }
  Zb__Op *op = zb__op__unpack(NULL, in->len, in->data);
  if (!op)
    fail("op decoded once, not twice");
  if (zb_rec_validate(kd, rec->v, zb_hlc_today(op->hlc), NULL, NULL) != 0)
    fail("accepted record fails zb_rec_validate");
  /* A set or act: the record's org in the writer's scope (its own org for
   * a kind written by its own org); a fact: a record the writer holds. */
  const char *org = rec->v[kd->org_field];
  bool fact = op->body_case == ZB__OP__BODY_FACT;
  bool ok = !in->scope || zb_org_in_subtree(org, in->scope) ||
            (fact && kd->reach == ZB_REACH_DOWN && zb_org_in_subtree(in->scope, org));
  if (!fact && in->scope && kd->scope == ZB_SCOPE_OWN_ORG && strcmp(org, in->scope) != 0)
    ok = false;
  if (!ok)
    fail("accepted op lies outside the writer's scope");
  zb__op__free_unpacked(op, NULL);
  free(rec);
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const char *const scopes[4] = {"430121-01-01", "430121-01-02", "430121-01", "430121"};
  if (size < 1)
    return 0;
  struct input in = {data + 1, size - 1, scopes[data[0] & 3],
                     (data[0] & FZ_OPCHECK_PULLED) ? FZ_OPCHECK_SSEQ : 0};
  /* Discarded: every input meets the fixture as it was. */
  int rc = zb_store_write_discard(store, input_write, &in);
  if (rc) {
    fprintf(stderr, "fuzz_opcheck: write transaction: %s\n", zb_err_name(rc));
    abort();
  }
  return 0;
}
