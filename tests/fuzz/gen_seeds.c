/*
 * gen_seeds.c — writes the seed inputs of every fuzz target:
 *
 *     zhibu-fuzz-seeds OUTDIR      → OUTDIR/<target>/seed-<what>   (<target>: push, frame, ...)
 *
 * (CMake target `fuzz-seeds` runs it into tests/fuzz/corpus.)  Output is
 * deterministic; existing files other than seed-* are left alone.  The
 * layouts are the targets' own (fuzz_ops.h and each target's header
 * comment).  Push and opcheck seeds are accepted ops that create and edit
 * members, plus edits that conflict, repeated fields, big values, and
 * each kind of refusal, so that the fuzzer starts from ops that get deep.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xlsxwriter.h>

#include "fuzz_ops.h"
#include "zb_batch.h"
#include "zb_frame.h"
#include "zb_oplog.h"
#include "zb_parcel.h"
#include "zb_record.h"
#include "zhibu.pb-c.h"

static const char *outdir;
static int nwritten;

static void die(const char *what) {
  fprintf(stderr, "zhibu-fuzz-seeds: %s: %s\n", what, strerror(errno));
  exit(1);
}

static void put(const char *target, const char *name, const void *data, size_t len) {
  char path[1024];
  snprintf(path, sizeof path, "%s/%s", outdir, target);
  if (mkdir(path, 0755) != 0 && errno != EEXIST)
    die(path);
  snprintf(path, sizeof path, "%s/%s/seed-%s", outdir, target, name);
  FILE *f = fopen(path, "wb");
  if (!f || fwrite(data, 1, len, f) != len || fclose(f) != 0)
    die(path);
  nwritten++;
}

static void put_buf(const char *target, const char *name, struct fz_buf *b) {
  put(target, name, b->p, b->len);
  free(b->p);
  *b = (struct fz_buf){0};
}

/* ---- ops ---- */

/* A packed op, owned. */
struct packed {
  uint8_t *p;
  size_t len;
};

static struct packed pk(const struct fz_op *op) {
  struct packed r;
  r.p = fz_pack_op(op, &r.len);
  return r;
}

/* A new valid member of org, by origin. */
static struct packed member_create(const char *origin, uint64_t seq, const char *id,
                              const char *org, unsigned n) {
  int f[13];
  const char *v[13];
  char idn[19], birth[11];
  struct fz_op op = {.origin = origin, .seq = seq, .hlc = FZ_HLC(1000 + n), .actor = "secretary",
                     .kind = 2, .key = id, .fields = f, .vals = v};
  op.nf = fz_member_fields(f, v, idn, birth, id, org, n, 100 + n * 2 + 1);
  return pk(&op);
}

/* An edit of nf fields of a member. */
static struct packed member_edit(const char *origin, uint64_t seq, uint64_t hlc,
                            uint64_t base, const char *id, size_t nf, const int *fields,
                            const char *const *vals) {
  struct fz_op op = {.origin = origin, .seq = seq, .hlc = hlc, .base_cursor = base,
                     .actor = "secretary", .kind = 2, .key = id, .nf = nf, .fields = fields,
                     .vals = vals};
  return pk(&op);
}

static void item(struct fz_buf *b, unsigned iflags, struct packed op) {
  fz_buf_item(b, iflags, op.p, op.len);
  free(op.p);
}

/* ---- fuzz_push ---- */

static void push_seeds(void) {
  const char *T = "push";
  struct fz_buf b = {0};
  uint8_t flags;
  size_t len;

  /* b0101 creates a member. */
  flags = 0;
  fz_buf_add(&b, &flags, 1);
  item(&b, 0, member_create("b0101", 0, "M0000000001", "430121-01-01", 1));
  put_buf(T, "create", &b);

  /* b0101 creates three members and edits one; t01 edits the first. */
  fz_buf_add(&b, &flags, 1);
  item(&b, 0, member_create("b0101", 0, "M0000000002", "430121-01-01", 2));
  item(&b, 0, member_create("b0101", 0, "M0000000003", "430121-01-01", 3));
  item(&b, 0, member_create("b0101", 0, "M0000000004", "430121-01-01", 4));
  static const int phone[1] = {ZB_MF_PHONE};
  static const char *const ph[1] = {"13811112222"};
  item(&b, 0, member_edit("b0101", 0, FZ_HLC(2000), 0, "M0000000003", 1, phone, ph));
  put_buf(T, "create-three-edit", &b);

  /* Group commit: b0101 creates M5, the township edits it concurrently. */
  flags = FZ_PUSH_MANY | FZ_PUSH_FRESH | 0;
  fz_buf_add(&b, &flags, 1);
  item(&b, 0, member_create("b0101", 0, "M0000000005", "430121-01-01", 5));
  static const int edu_phone[2] = {ZB_MF_EDUCATION, ZB_MF_PHONE};
  static const char *const ep[2] = {"研究生", "13912345678"};
  item(&b, FZ_ITEM_B,
       member_edit("t01", 0, FZ_HLC(900), 0, "M0000000005", 2, edu_phone, ep));
  put_buf(T, "many-create-and-concurrent-edit", &b);

  /* The township issues a notice, withdraws it; a branch (request B:
   * b0102) records that it read it twice (one entry), and tries to
   * withdraw it (rejected). */
  flags = 2 | FZ_PUSH_MANY | FZ_PUSH_FRESH;   /* t01, and b0102 */
  fz_buf_add(&b, &flags, 1);
  {
    static const int nf[5] = {1, 2, 3, 4, 5};
    static const char *const nv[5] = {"学习通知", "正文", "2026-11-20", "430121-01", "已发布"};
    static const int rf[1] = {6};
    static const char *const rv[1] = {"发错了"};
    static const int df[3] = {0, 1, 2};
    static const char *const dv[3] = {"430121-01-02", "2026-11-21", "甲"};
    struct fz_op n = {.origin = "t01", .seq = 0, .hlc = FZ_HLC(3000), .kind = 3, .key = "N1",
                      .nf = 5, .fields = nf, .vals = nv};
    item(&b, 0, pk(&n));
    struct fz_op rd = {.origin = "b0102", .hlc = FZ_HLC(3001), .kind = 3, .key = "N1", .nf = 3,
                       .fields = df, .vals = dv, .body = 2, .name = "read"};
    item(&b, FZ_ITEM_B, pk(&rd));
    item(&b, FZ_ITEM_B, pk(&rd));
    struct fz_op wd = {.origin = "t01", .hlc = FZ_HLC(3002), .kind = 3, .key = "N1", .nf = 1,
                       .fields = rf, .vals = rv, .body = 1, .name = "withdraw"};
    item(&b, 0, pk(&wd));
    wd.origin = "b0102";
    item(&b, FZ_ITEM_B, pk(&wd));
  }
  put_buf(T, "notice-act-fact", &b);

  /* The township edits the fixture's F0101A without having pulled: its
   * education and phone were written by b0101 and t01 — conflicts. */
  flags = 2 | FZ_PUSH_FRESH;   /* t01, on the fixture as it is */
  fz_buf_add(&b, &flags, 1);
  static const char *const ep2[2] = {"高中", "13600000003"};
  item(&b, 0, member_edit("t01", 0, FZ_HLC(5), 0, "F0101A", 2, edu_phone, ep2));
  put_buf(T, "conflict-edit", &b);

  /* An older write setting one field several times, none pulled: each
   * repetition meets the newer winner (a conflict each). */
  fz_buf_add(&b, &flags, 1);
  {
    static const char *const edus[] = {"研究生", "大学本科", "大学专科", "中等专科", "初中及以下"};
    int f[5];
    const char *v[5];
    for (int i = 0; i < 5; i++)
      f[i] = ZB_MF_EDUCATION, v[i] = edus[i];
    item(&b, 0, member_edit("t01", 0, FZ_HLC(0), 0, "F0101A", 5, f, v));
  }
  put_buf(T, "repeated-field-older", &b);
  /* The same, amplified by the target: 3 fields sent 4 times, 12 writes
   * of education, 11 of them conflicts. */
  fz_buf_add(&b, &flags, 1);
  {
    static const char *const edus[] = {"研究生", "大学专科", "中等专科"};
    int f[3];
    const char *v[3];
    for (int i = 0; i < 3; i++)
      f[i] = ZB_MF_EDUCATION, v[i] = edus[i];
    item(&b, FZ_ITEM_REPEAT_FLAGS(3),
         member_edit("t01", 0, FZ_HLC(0), 0, "F0101A", 3, f, v));
  }
  put_buf(T, "repeated-field-amplified", &b);

  /* Same field set repeatedly by a newer write (all but the first skip). */
  flags = 0;
  fz_buf_add(&b, &flags, 1);
  {
    static const char *const phones[] = {"13800000001", "13800000002", "13800000003",
                                         "13800000004"};
    int f[4];
    const char *v[4];
    for (int i = 0; i < 4; i++)
      f[i] = ZB_MF_PHONE, v[i] = phones[i];
    item(&b, 0, member_edit("b0101", 0, FZ_HLC(5000), 0, "F0101B", 4, f, v));
  }
  put_buf(T, "repeated-field-newer", &b);

  /* A value over ZB_FIELD_MAX (rejected), and a big actor (accepted). */
  fz_buf_add(&b, &flags, 1);
  {
    char big[301];
    memset(big, 'a', 300);
    big[300] = '\0';
    static const int name[1] = {ZB_MF_NAME};
    const char *v[1] = {big};
    item(&b, 0, member_edit("b0101", 0, FZ_HLC(5001), 0, "F0101B", 1, name, v));
  }
  put_buf(T, "value-over-field-max", &b);
  /* Big ops: 2 fields of 250 bytes sent 16 times (about 8 KB, accepted
   * but rejected by merge for the long value). */
  fz_buf_add(&b, &flags, 1);
  {
    char big[251];
    memset(big, 'b', 250);
    big[250] = '\0';
    static const int nm[2] = {ZB_MF_NAME, ZB_MF_OCCUPATION};
    const char *v[2] = {big, big};
    item(&b, FZ_ITEM_REPEAT_FLAGS(15),
         member_edit("b0101", 0, FZ_HLC(5003), 0, "F0101B", 2, nm, v));
  }
  put_buf(T, "big-op-amplified", &b);
  fz_buf_add(&b, &flags, 1);
  {
    char *actor = malloc(12001);
    if (!actor)
      die("malloc");
    memset(actor, 'x', 12000);
    actor[12000] = '\0';
    static const char *const v[1] = {"13800000009"};
    struct fz_op o = {.origin = "b0101", .hlc = FZ_HLC(5002), .actor = actor, .kind = 2,
                      .key = "F0101B", .nf = 1, .fields = phone, .vals = v};
    item(&b, 0, pk(&o));
    free(actor);
  }
  put_buf(T, "big-actor", &b);

  /* Refusals inside merge: out of scope, duplicate id number, bad check
   * character, unknown field, key change, unknown kind. */
  fz_buf_add(&b, &flags, 1);
  item(&b, 0, member_create("b0101", 0, "M0000000006", "430121-01-02", 6));
  {
    int f[13];
    const char *v[13];
    char idn[19], birth[11], bad[19];
    struct fz_op o = {.origin = "b0101", .hlc = FZ_HLC(3000), .kind = 2, .key = "M0000000007",
                      .fields = f, .vals = v};
    /* F0101A's id number (fixture: day 1, seq 11) on another member */
    o.nf = fz_member_fields(f, v, idn, birth, "M0000000007", "430121-01-01", 1, 11);
    item(&b, 0, pk(&o));
    o.key = "M0000000008";
    o.nf = fz_member_fields(f, v, idn, birth, "M0000000008", "430121-01-01", 8, 117);
    memcpy(bad, idn, sizeof bad);
    bad[17] = bad[17] == '0' ? '1' : '0';
    v[5] = bad;
    item(&b, 0, pk(&o));
    static const int nofield[1] = {99}, key[1] = {ZB_MF_ID};
    static const char *const x[1] = {"x"};
    item(&b, 0, member_edit("b0101", 0, FZ_HLC(3001), 0, "F0101B", 1, nofield, x));
    item(&b, 0, member_edit("b0101", 0, FZ_HLC(3002), 0, "F0101B", 1, key, x));
    struct fz_op k = {.origin = "b0101", .hlc = FZ_HLC(3003), .kind = 7, .key = "F0101B"};
    item(&b, 0, pk(&k));
  }
  put_buf(T, "rejections", &b);

  /* The township adds a branch and moves F0101B into it. */
  flags = 2;
  fz_buf_add(&b, &flags, 1);
  {
    static const int of[4] = {ZB_OF_CODE, ZB_OF_NAME, ZB_OF_TYPE, ZB_OF_PARENT_CODE};
    static const char *const ov[4] = {"430121-01-03", "三支部", "branch", "430121-01"};
    struct fz_op o = {.origin = "t01", .hlc = FZ_HLC(4000), .kind = 1, .key = "430121-01-03",
                      .nf = 4, .fields = of, .vals = ov};
    item(&b, 0, pk(&o));
    static const int org[1] = {ZB_MF_ORG_CODE};
    static const char *const to[1] = {"430121-01-03"};
    item(&b, 0, member_edit("t01", 0, FZ_HLC(4001), 10, "F0101B", 1, org, to));
  }
  put_buf(T, "org-and-move", &b);

  /* Protocol errors: a gap in seqs, another origin, undecodable bytes,
   * an op without a body, and a prev_hash that is not the held one. */
  flags = FZ_PUSH_KEEP_SEQ;
  fz_buf_add(&b, &flags, 1);
  item(&b, 0, member_create("b0101", 7, "M0000000009", "430121-01-01", 9));
  put_buf(T, "seq-gap", &b);
  flags = FZ_PUSH_KEEP_ORIGIN;
  fz_buf_add(&b, &flags, 1);
  item(&b, 0, member_create("b0102", 0, "M0000000010", "430121-01-01", 10));
  put_buf(T, "other-origin", &b);
  flags = FZ_PUSH_MANY;
  fz_buf_add(&b, &flags, 1);
  item(&b, 0, member_create("b0101", 0, "M0000000011", "430121-01-01", 11));
  fz_buf_item(&b, FZ_ITEM_B | FZ_ITEM_VERBATIM, (const uint8_t *)"\x0a\xff\xff", 3);
  put_buf(T, "many-one-undecodable", &b);
  flags = 0;
  fz_buf_add(&b, &flags, 1);
  {
    Zb__Op o = ZB__OP__INIT;
    o.origin = "b0101";
    o.hlc = FZ_HLC(1);
    uint8_t buf[64];
    len = zb__op__pack(&o, buf);
    fz_buf_item(&b, 0, buf, len);
    static const uint8_t h[32] = {1};
    o.prev_hash.data = (uint8_t *)h;
    o.prev_hash.len = 32;
    o.body_case = ZB__OP__BODY_SET;
    Zb__RecordSet s = ZB__RECORD_SET__INIT;
    s.kind = ZB__RECORD_KIND__RECORD_KIND_MEMBER;
    s.key = "F0101B";
    o.set = &s;
    len = zb__op__pack(&o, buf);
    fz_buf_item(&b, 0, buf, len);
  }
  put_buf(T, "no-body-and-fork", &b);

  /* Raw mode: the target pushes the zdata as it is. */
  flags = FZ_PUSH_RAW;
  fz_buf_add(&b, &flags, 1);
  {
    zb_batch bt;
    zb_batch_init(&bt);
    for (unsigned i = 0; i < 2; i++) {
      char id[16];
      snprintf(id, sizeof id, "M00000001%02u", i);
      struct packed m = member_create("b0101", i + 4, id, "430121-01-01", 20 + i);
      zb_batch_add(&bt, m.p, m.len);
      free(m.p);
    }
    uint8_t *z, hdr[6];
    size_t zlen;
    if (zb_batch_compress(&bt, &z, &zlen))
      die("compress");
    hdr[0] = (uint8_t)bt.len, hdr[1] = (uint8_t)(bt.len >> 8), hdr[2] = (uint8_t)(bt.len >> 16);
    hdr[3] = (uint8_t)(bt.len >> 24), hdr[4] = (uint8_t)bt.count,
    hdr[5] = (uint8_t)(bt.count >> 8);
    fz_buf_add(&b, hdr, 6);
    fz_buf_add(&b, z, zlen);
    free(z);
    zb_batch_free(&bt);
  }
  put_buf(T, "raw-zdata", &b);
}

/* ---- fuzz_opcheck ---- */

static void opcheck_one(const char *name, uint8_t first, struct packed op) {
  struct fz_buf b = {0};
  fz_buf_add(&b, &first, 1);
  fz_buf_add(&b, op.p, op.len);
  free(op.p);
  put_buf("opcheck", name, &b);
}

static void opcheck_seeds(void) {
  opcheck_one("create", 0, member_create("b0101", 4, "M0000000001", "430121-01-01", 1));
  opcheck_one("create-out-of-scope", 1,
              member_create("b0102", 2, "M0000000002", "430121-01-01", 2));
  static const int edu_phone[2] = {ZB_MF_EDUCATION, ZB_MF_PHONE};
  static const char *const ep[2] = {"高中", "13600000003"};
  opcheck_one("conflict-pulled", 2 | FZ_OPCHECK_PULLED,
              member_edit("t01", 2, FZ_HLC(5), 0, "F0101A", 2, edu_phone, ep));
  {
    static const char *const edus[] = {"研究生", "大学本科", "大学专科", "中等专科"};
    int f[4];
    const char *v[4];
    for (int i = 0; i < 4; i++)
      f[i] = ZB_MF_EDUCATION, v[i] = edus[i];
    opcheck_one("repeated-field-older", 2,
                member_edit("t01", 2, FZ_HLC(0), 0, "F0101A", 4, f, v));
  }
  {
    char big[300];
    memset(big, '1', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    static const int phone[1] = {ZB_MF_PHONE};
    const char *v[1] = {big};
    opcheck_one("value-too-long", 0,
                member_edit("b0101", 4, FZ_HLC(200), 0, "F0101B", 1, phone, v));
  }
  {
    static const int of[4] = {ZB_OF_CODE, ZB_OF_NAME, ZB_OF_TYPE, ZB_OF_PARENT_CODE};
    static const char *const ov[4] = {"430121-01-03", "三支部", "branch", "430121-01"};
    struct fz_op o = {.origin = "t01", .hlc = FZ_HLC(4000), .kind = 1, .key = "430121-01-03",
                      .nf = 4, .fields = of, .vals = ov};
    opcheck_one("org-create", 2, pk(&o));
  }
  {
    static const int org[1] = {ZB_MF_ORG_CODE};
    static const char *const to[1] = {"430121-01-02"};
    opcheck_one("move", 2,
                member_edit("t01", 2, FZ_HLC(4001), 10, "F0101B", 1, org, to));
  }
  {
    static const int gender[1] = {ZB_MF_GENDER};
    static const char *const g[1] = {"女"};
    opcheck_one("gender-mismatch", 0,
                member_edit("b0101", 4, FZ_HLC(4002), 10, "F0101B", 1, gender, g));
  }
  {
    Zb__Op o = ZB__OP__INIT;
    o.origin = "b0101";
    o.seq = 4;
    uint8_t buf[64];
    struct packed nb = {malloc(sizeof buf), zb__op__pack(&o, buf)};
    if (!nb.p)
      die("malloc");
    memcpy(nb.p, buf, nb.len);
    opcheck_one("no-body", 0, nb);
  }
  {
    /* On the fixture's notice N1: the township withdraws it; a branch
     * records its reading; a branch tries to withdraw it. */
    static const int rf[1] = {6};
    static const char *const rv[1] = {"发错了"};
    struct fz_op wd = {.origin = "t01", .seq = 3, .hlc = FZ_HLC(130), .kind = 3, .key = "N1",
                       .nf = 1, .fields = rf, .vals = rv, .body = 1, .name = "withdraw"};
    opcheck_one("act-withdraw", 2, pk(&wd));
    wd.origin = "b0101";
    opcheck_one("act-out-of-scope", 0, pk(&wd));
    static const int df[3] = {0, 1, 2};
    static const char *const dv[3] = {"430121-01-01", "2026-11-21", "甲"};
    struct fz_op rd = {.origin = "b0101", .seq = 4, .hlc = FZ_HLC(131), .kind = 3, .key = "N1",
                       .nf = 3, .fields = df, .vals = dv, .body = 2, .name = "read"};
    opcheck_one("fact-read", 0, pk(&rd));
    opcheck_one("fact-read-sibling", 1, pk(&rd));
  }
}

/* ---- fuzz_batch ---- */

static void batch_seeds(void) {
  const char *T = "batch";
  zb_batch bt;
  struct fz_buf b = {0};
  zb_batch_init(&bt);
  static const char *const items[] = {"first", "", "third item, a little longer"};
  for (int i = 0; i < 3; i++)
    zb_batch_add(&bt, items[i], strlen(items[i]));
  struct packed op = member_create("b0101", 1, "M0000000001", "430121-01-01", 1);
  zb_batch_add(&bt, op.p, op.len);
  free(op.p);
  uint8_t *z;
  size_t zlen;
  if (zb_batch_compress(&bt, &z, &zlen))
    die("compress");
  for (int mode = 0; mode < 3; mode++) {
    uint8_t hdr[7] = {mode == 0 ? 0 : mode == 1 ? (2 << 1) : (0x10 | 3 << 1),
                      (uint8_t)bt.len, (uint8_t)(bt.len >> 8), (uint8_t)(bt.len >> 16),
                      (uint8_t)(bt.len >> 24), (uint8_t)bt.count, (uint8_t)(bt.count >> 8)};
    fz_buf_add(&b, hdr, sizeof hdr);
    fz_buf_add(&b, z, zlen);
    put_buf(T, mode == 0 ? "walk" : mode == 1 ? "walk-stop" : "walk-stop-negative", &b);
  }
  free(z);
  zb_batch_free(&bt);
  /* round trip: items of 0, 5, 300 (escaped length) and 1 bytes */
  uint8_t m = 1;
  fz_buf_add(&b, &m, 1);
  uint8_t n0 = 0, n5 = 5, esc[3] = {255, 300 & 0xff, 300 >> 8}, n1 = 1;
  fz_buf_add(&b, &n0, 1);
  fz_buf_add(&b, &n5, 1);
  fz_buf_add(&b, "hello", 5);
  fz_buf_add(&b, esc, 3);
  char big[300];
  memset(big, 'z', sizeof big);
  fz_buf_add(&b, big, sizeof big);
  fz_buf_add(&b, &n1, 1);
  fz_buf_add(&b, "!", 1);
  put_buf(T, "round-trip", &b);
}

/* ---- fuzz_frame ---- */

/* bt := one ServerOp (server seq 9, from b0101) holding op, compressed
 * into *z (malloc'd) — what a pull batch or a parcel to a node carries. */
static void server_op_batch(zb_batch *bt, struct packed op, uint8_t **z, size_t *zlen) {
  Zb__ServerOp so = ZB__SERVER_OP__INIT;
  so.server_seq = 9, so.op.data = op.p, so.op.len = op.len, so.origin = "b0101";
  size_t slen = zb__server_op__get_packed_size(&so);
  uint8_t *sb = malloc(slen);
  if (!sb)
    die("malloc");
  zb__server_op__pack(&so, sb);
  zb_batch_reset(bt);
  zb_batch_add(bt, sb, slen);
  free(sb);
  if (zb_batch_compress(bt, z, zlen))
    die("compress");
}

static void frame(struct fz_buf *b, const void *payload, size_t len) {
  uint8_t hdr[4] = {(uint8_t)(len >> 24), (uint8_t)(len >> 16), (uint8_t)(len >> 8),
                    (uint8_t)len};
  fz_buf_add(b, hdr, 4);
  fz_buf_add(b, payload, len);
}

static void frame_seeds(void) {
  const char *T = "frame";
  struct fz_buf b = {0};
  uint8_t h[2] = {6, 0};   /* default max, one piece */
  fz_buf_add(&b, h, 2);
  frame(&b, "hello", 5);
  put_buf(T, "one", &b);

  uint8_t h2[5] = {3, 3, 1, 3, 2};   /* max 300, chunks of 1, 3, 2 bytes */
  fz_buf_add(&b, h2, 5);
  frame(&b, "a", 1);
  frame(&b, "two bytes?", 10);
  frame(&b, "x", 1);
  put_buf(T, "three-split", &b);

  uint8_t h3[2] = {2, 0};   /* max 5: a frame of 6 is refused */
  fz_buf_add(&b, h3, 2);
  frame(&b, "12345", 5);
  frame(&b, "123456", 6);
  put_buf(T, "over-max", &b);

  uint8_t h4[2] = {6, 0};
  fz_buf_add(&b, h4, 2);
  fz_buf_add(&b, "\0\0\0\0", 4);
  put_buf(T, "zero-length", &b);

  uint8_t h5[3] = {6 | 2 << 3, 1, 7};   /* stop at the 2nd frame; 7-byte chunks */
  fz_buf_add(&b, h5, 3);
  for (int i = 0; i < 4; i++)
    frame(&b, "frame", 5);
  put_buf(T, "stop", &b);

  uint8_t h6[4] = {5, 2, 200, 0};   /* max 70000: a 70000-byte frame in 200s */
  fz_buf_add(&b, h6, 4);
  char *big = malloc(70000);
  if (!big)
    die("malloc");
  memset(big, 'q', 70000);
  frame(&b, big, 70000);
  free(big);
  frame(&b, "tail", 4);
  fz_buf_add(&b, "\0\0", 2);   /* a partial header at the end */
  put_buf(T, "big-split", &b);
}

/* ---- fuzz_sync ---- */

static void sync_seeds(void) {
  const char *T = "sync";
  struct fz_buf b = {0};
  zb_batch bt;
  zb_batch_init(&bt);
  struct packed op = member_create("b0101", 1, "M0000000001", "430121-01-01", 1);
  zb_batch_add(&bt, op.p, op.len);
  uint8_t *z;
  size_t zlen;
  if (zb_batch_compress(&bt, &z, &zlen))
    die("compress");
  Zb__PushBatch pb = ZB__PUSH_BATCH__INIT;
  pb.batch = 1, pb.count = bt.count, pb.raw_size = bt.len;
  pb.zdata.data = z, pb.zdata.len = zlen;
  Zb__Frame f = ZB__FRAME__INIT;
  f.msg_case = ZB__FRAME__MSG_PUSH;
  f.push = &pb;
  uint8_t cut = 7;
  fz_buf_add(&b, &cut, 1);   /* the target cuts the stream where byte 0 says */
  size_t flen = zb__frame__get_packed_size(&f);
  uint8_t *fb = malloc(flen), hdr[4];
  if (!fb)
    die("malloc");
  zb__frame__pack(&f, fb);
  zb_frame_write_header(hdr, flen);
  fz_buf_add(&b, hdr, 4);
  fz_buf_add(&b, fb, flen);
  free(fb);
  free(z);
  put_buf(T, "push", &b);

  /* A pull batch of one ServerOp holding the same op. */
  server_op_batch(&bt, op, &z, &zlen);
  Zb__PullBatch pl = ZB__PULL_BATCH__INIT;
  pl.count = bt.count, pl.raw_size = bt.len, pl.zdata.data = z, pl.zdata.len = zlen;
  pl.cursor = 9, pl.done = 1;
  f.msg_case = ZB__FRAME__MSG_PULL_BATCH;
  f.pull_batch = &pl;
  Zb__Hello hello = ZB__HELLO__INIT;
  hello.protocol = 1, hello.node_id = "b0101", hello.log_head = 1;
  Zb__Frame fh = ZB__FRAME__INIT;
  fh.msg_case = ZB__FRAME__MSG_HELLO;
  fh.hello = &hello;
  cut = 3;
  fz_buf_add(&b, &cut, 1);
  const Zb__Frame *frames[2] = {&fh, &f};
  for (int i = 0; i < 2; i++) {
    flen = zb__frame__get_packed_size(frames[i]);
    fb = malloc(flen);
    if (!fb)
      die("malloc");
    zb__frame__pack(frames[i], fb);
    zb_frame_write_header(hdr, flen);
    fz_buf_add(&b, hdr, 4);
    fz_buf_add(&b, fb, flen);
    free(fb);
  }
  free(z);
  free(op.p);
  zb_batch_free(&bt);
  put_buf(T, "hello-pull", &b);
}

/* ---- fuzz_parcel ---- */

/* A parcel of direction d: header, hello, one batch of zdata, a seal with
 * 70 bytes standing for the signature (the decoder does not check it). */
static void parcel_seed(const char *name, Zb__ParcelDirection d, const uint8_t *z, size_t zlen,
                        uint32_t count, uint64_t raw) {
  zb_parcel_writer w;
  if (zb_parcel_writer_init(&w, d))
    die("parcel");
  uint8_t fp[32], cert[300], sig[70];
  memset(fp, 0xab, sizeof fp);
  memset(cert, 0x30, sizeof cert);
  memset(sig, 0x55, sizeof sig);
  Zb__ParcelHeader h = ZB__PARCEL_HEADER__INIT;
  h.format = ZB_PARCEL_FORMAT, h.direction = d, h.node_id = "b0101";
  h.ca_sha256.data = fp, h.ca_sha256.len = sizeof fp;
  h.signer_cert.data = cert, h.signer_cert.len = sizeof cert;
  h.created_ms = 1764300000000u, h.seq = d == ZB__PARCEL_DIRECTION__PARCEL_DIRECTION_TO_NODE;
  h.from = 0, h.to = d == ZB__PARCEL_DIRECTION__PARCEL_DIRECTION_TO_NODE ? 9 : 1, h.batches = 1;
  Zb__Frame f = ZB__FRAME__INIT;
  f.msg_case = ZB__FRAME__MSG_PARCEL_HEADER;
  f.parcel_header = &h;
  int rc = zb_parcel_writer_add(&w, &f);
  Zb__Hello hello = ZB__HELLO__INIT;
  Zb__HelloAck ack = ZB__HELLO_ACK__INIT;
  Zb__PushBatch pb = ZB__PUSH_BATCH__INIT;
  Zb__PullBatch pl = ZB__PULL_BATCH__INIT;
  if (d == ZB__PARCEL_DIRECTION__PARCEL_DIRECTION_TO_SERVER) {
    hello.protocol = 1, hello.node_id = "b0101", hello.log_head = 1;
    f.msg_case = ZB__FRAME__MSG_HELLO, f.hello = &hello;
  } else {
    ack.protocol = 1, ack.held_seq = 0, ack.server_head = 9, ack.org = "430121-01-01";
    f.msg_case = ZB__FRAME__MSG_HELLO_ACK, f.hello_ack = &ack;
  }
  if (!rc)
    rc = zb_parcel_writer_add(&w, &f);
  if (d == ZB__PARCEL_DIRECTION__PARCEL_DIRECTION_TO_SERVER) {
    pb.batch = 1, pb.count = count, pb.raw_size = raw;
    pb.zdata.data = (uint8_t *)z, pb.zdata.len = zlen;
    f.msg_case = ZB__FRAME__MSG_PUSH, f.push = &pb;
  } else {
    pl.count = count, pl.raw_size = raw, pl.zdata.data = (uint8_t *)z, pl.zdata.len = zlen;
    pl.cursor = 9, pl.done = 1;
    f.msg_case = ZB__FRAME__MSG_PULL_BATCH, f.pull_batch = &pl;
  }
  if (!rc)
    rc = zb_parcel_writer_add(&w, &f);
  Zb__ParcelSeal seal = ZB__PARCEL_SEAL__INIT;
  seal.signature.data = sig, seal.signature.len = sizeof sig;
  f.msg_case = ZB__FRAME__MSG_PARCEL_SEAL, f.parcel_seal = &seal;
  if (!rc)
    rc = zb_parcel_writer_add(&w, &f);
  if (rc)
    die("parcel");
  put("parcel", name, w.buf, w.len);
  zb_parcel_writer_free(&w);
}

static void parcel_seeds(void) {
  zb_batch bt;
  zb_batch_init(&bt);
  struct packed op = member_create("b0101", 1, "M0000000001", "430121-01-01", 1);
  zb_batch_add(&bt, op.p, op.len);
  uint8_t *z;
  size_t zlen;
  if (zb_batch_compress(&bt, &z, &zlen))
    die("compress");
  parcel_seed("to-server", ZB__PARCEL_DIRECTION__PARCEL_DIRECTION_TO_SERVER, z, zlen, bt.count,
              bt.len);
  free(z);
  server_op_batch(&bt, op, &z, &zlen);
  parcel_seed("to-node", ZB__PARCEL_DIRECTION__PARCEL_DIRECTION_TO_NODE, z, zlen, bt.count,
              bt.len);
  free(z);
  free(op.p);
  zb_batch_free(&bt);
}

/* ---- fuzz_csv ---- */

static void csv_seeds(void) {
  static const char s1[] = "\x03id,name,note\n1,\"a,b\",\"c\"\"d\"\n2,\"x\ny\",z\n";
  static const char s2[] = "\x01note,id,name\r\n,7,\xe7\x8e\x8b\xe4\xbc\x9f\r\n";
  static const char s3[] = "\x02id,name\n1,2,3\n\"unterminated\n";
  put("csv", "quoted", s1, sizeof s1 - 1);
  put("csv", "crlf-utf8", s2, sizeof s2 - 1);
  put("csv", "bad-rows", s3, sizeof s3 - 1);
  /* Chinese headers (编号,姓名,备注) in GBK with a column to ignore
   * (序号) and a row of commas; the same in UTF-8 with blanks around the
   * names; a GBK file whose first character (一, D2 BB) is valid UTF-8;
   * bytes that are neither. */
  static const char s4[] = "\x1c\xD0\xF2\xBA\xC5,\xB1\xE0\xBA\xC5,\xD0\xD5\xC3\xFB,"
                           "\xB1\xB8\xD7\xA2\r\n1,7,\xD5\xC5\xC8\xFD,\xA3\xB1\r\n"
                           ",,,\r\n";
  static const char s5[] = "\x0c\xE3\x80\x80\xE7\xBC\x96\xE5\x8F\xB7 ,"
                           "\xE5\xA7\x93\xE5\x90\x8D,\xE5\xBA\x8F\xE5\x8F\xB7\n"
                           "7,\xE5\xBC\xA0\xE4\xB8\x89,1\n,,\n";
  static const char s6[] = "\x11id,name\n1,\xD2\xBB\n2,\xD5\xC5\xC8\xFD\n";
  static const char s7[] = "\x10id,name\n1,\xFF\x80\xD5\n";
  put("csv", "gbk-chinese-header", s4, sizeof s4 - 1);
  put("csv", "utf8-chinese-header", s5, sizeof s5 - 1);
  put("csv", "gbk-utf8-lookalike", s6, sizeof s6 - 1);
  put("csv", "neither", s7, sizeof s7 - 1);
}

/* ---- fuzz_xlsx ---- */

/* Mode byte, then parts (sheet, shared strings, workbook, its
 * relationships, package relationships) separated by "\n##\n". */
static void xlsx_put(const char *name, uint8_t mode, const char *const *parts, size_t n) {
  struct fz_buf b = {0};
  fz_buf_add(&b, &mode, 1);
  for (size_t i = 0; i < n; i++) {
    if (i)
      fz_buf_add(&b, "\n##\n", 4);
    fz_buf_add(&b, parts[i], strlen(parts[i]));
  }
  put_buf("xlsx", name, &b);
}

#define XNS "xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\""

static void xlsx_seeds(void) {
  /* A 花名册: a title, Chinese headers with an ignored 序号, shared and
   * inline strings, a date as a day count and a phone as a number, an
   * empty cell skipped (no r), a formula's cached string. */
  const char *roster[] = {
      "<worksheet " XNS "><sheetData>"
      "<row r=\"1\"><c r=\"A1\" t=\"s\"><v>0</v></c></row>"
      "<row r=\"2\"><c r=\"A2\" t=\"s\"><v>1</v></c><c r=\"B2\" t=\"s\"><v>2</v></c>"
      "<c r=\"C2\" t=\"s\"><v>3</v></c><c r=\"D2\" t=\"s\"><v>4</v></c>"
      "<c r=\"E2\" t=\"s\"><v>5</v></c></row>"
      "<row r=\"3\"><c r=\"A3\"><v>1</v></c><c r=\"B3\" t=\"s\"><v>6</v></c>"
      "<c r=\"C3\" t=\"inlineStr\"><is><r><t>张</t></r><r><t>三</t></r>"
      "<rPh><t>zhang</t></rPh></is></c><c r=\"D3\" s=\"1\"><v>33055</v></c>"
      "<c r=\"E3\"><v>13800138000</v></c></row>"
      "<row><c><v>2</v></c><c t=\"str\"><f>A1</f><v>M2</v></c><c t=\"s\"><v>7</v></c>"
      "<c><v>1.5</v></c><c t=\"e\"><v>#N/A</v></c></row>"
      "<row r=\"9\"><c r=\"F9\"><v>4.30121199007011E+17</v></c></row>"
      "</sheetData></worksheet>",
      "<sst " XNS "><si><t>某支部 党员花名册</t></si><si><t>序号</t></si><si><t>编号</t></si>"
      "<si><t>姓名</t></si><si><t>出生日期</t></si><si><t>电话</t></si><si><t>M1</t></si>"
      "<si><t xml:space=\"preserve\"> 李_x000D_四 </t></si></sst>",
  };
  xlsx_put("roster", 0, roster, 2);
  xlsx_put("roster-1904", 2, roster, 2);
  /* Hostile or broken: a DOCTYPE with entities, rows out of order, a
   * shared string that is not there, a cell beyond XFD. */
  const char *doctype[] = {
      "<!DOCTYPE x [<!ENTITY a \"aaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;\">]>"
      "<worksheet " XNS "><sheetData><row r=\"1\"><c t=\"inlineStr\"><is><t>&b;</t></is>"
      "</c></row></sheetData></worksheet>"};
  xlsx_put("doctype", 0, doctype, 1);
  const char *order[] = {
      "<worksheet " XNS "><sheetData><row r=\"1\"><c r=\"A1\" t=\"s\"><v>0</v></c></row>"
      "<row r=\"3\"><c r=\"A3\"><v>1</v></c></row><row r=\"2\"/>"
      "<row r=\"4\"><c r=\"A4\" t=\"s\"><v>99</v></c><c r=\"XFE4\"><v>1</v></c></row>"
      "</sheetData></worksheet>"};
  xlsx_put("out-of-order", 0, order, 1);
  /* Relationships that climb out of the archive, and a prefixed sheet. */
  const char *rels[] = {
      "<x:worksheet xmlns:x=\"http://purl.oclc.org/ooxml/spreadsheetml/main\"><x:sheetData>"
      "<x:row><x:c t=\"inlineStr\"><x:is><x:t>id</x:t></x:is></x:c></x:row>"
      "<x:row><x:c t=\"b\"><x:v>1</x:v></x:c></x:row></x:sheetData></x:worksheet>",
      "",
      "<workbook><sheets><sheet xmlns:r=\"urn:r\" name=\"a\" r:id=\"rId1\"/></sheets>"
      "</workbook>",
      "<Relationships><Relationship Id=\"rId1\" Type=\"/worksheet\" "
      "Target=\"../../../etc/passwd\"/></Relationships>"};
  xlsx_put("rels", 0, rels, 4);
  /* A whole workbook as libxlsxwriter writes it. */
  char path[] = "/tmp/zb-seed-xlsx-XXXXXX";
  int fd = mkstemp(path);
  if (fd < 0)
    die("mkstemp");
  close(fd);
  lxw_workbook *wb = workbook_new(path);
  lxw_worksheet *ws = wb ? workbook_add_worksheet(wb, "花名册") : NULL;
  if (!ws)
    die("workbook_new");
  worksheet_write_string(ws, 0, 0, "编号", NULL);
  worksheet_write_string(ws, 0, 1, "姓名", NULL);
  worksheet_write_string(ws, 0, 2, "出生日期", NULL);
  worksheet_write_string(ws, 0, 3, "电话", NULL);
  worksheet_write_string(ws, 1, 0, "M1", NULL);
  worksheet_write_string(ws, 1, 1, "张三", NULL);
  lxw_datetime dt = {1990, 7, 1, 0, 0, 0};
  lxw_format *df = workbook_add_format(wb);
  format_set_num_format(df, "yyyy-mm-dd");
  worksheet_write_datetime(ws, 1, 2, &dt, df);
  worksheet_write_number(ws, 1, 3, 13800138000.0, NULL);
  if (workbook_close(wb) != LXW_NO_ERROR)
    die("workbook_close");
  FILE *f = fopen(path, "rb");
  static uint8_t buf[1 << 16];
  size_t n = f ? fread(buf + 1, 1, sizeof buf - 1, f) : 0;
  if (f)
    fclose(f);
  unlink(path);
  if (n == 0)
    die("read xlsx");
  buf[0] = 1;
  put("xlsx", "libxlsxwriter", buf, n + 1);
}

/* ---- restore: RestoreBatch messages for a node b0101 with an empty log ---- */

static void restore_seed(const char *name, struct packed *ops, size_t n, uint64_t last_seq,
                         bool right_hash) {
  zb_batch bt;
  zb_batch_init(&bt);
  uint8_t prev[32] = {0}, buf[ZB_OP_PACKED_MAX], hash[32] = {0};
  for (size_t i = 0; i < n; i++) {
    if (zb_batch_add(&bt, ops[i].p, ops[i].len))
      die("restore seed");
    Zb__Op *op = zb__op__unpack(NULL, ops[i].len, ops[i].p);
    size_t len;
    if (!op || zb_op_pack_hash(op, prev, buf, sizeof buf, &len, hash))
      die("restore seed op");
    memcpy(prev, hash, 32);
    zb__op__free_unpacked(op, NULL);
  }
  if (!right_hash)
    hash[0] ^= 1;
  uint8_t *z;
  size_t zlen;
  if (zb_batch_compress(&bt, &z, &zlen))
    die("restore seed compress");
  Zb__RestoreBatch rb = ZB__RESTORE_BATCH__INIT;
  rb.count = bt.count, rb.raw_size = bt.len, rb.zdata.data = z, rb.zdata.len = zlen;
  rb.last_seq = last_seq, rb.last_hash.data = hash, rb.last_hash.len = 32, rb.done = true;
  size_t plen = zb__restore_batch__get_packed_size(&rb);
  uint8_t *p = malloc(plen ? plen : 1);
  if (!p)
    die("restore seed");
  zb__restore_batch__pack(&rb, p);
  put("restore", name, p, plen);
  free(p);
  free(z);
  zb_batch_free(&bt);
}

static void restore_seeds(void) {
  struct packed ops[3] = {member_create("b0101", 1, "M0000000001", "430121-01-01", 1),
                          member_create("b0101", 2, "M0000000002", "430121-01-01", 2),
                          member_create("b0102", 3, "M0000000003", "430121-01-01", 3)};
  restore_seed("two", ops, 2, 2, true);
  restore_seed("one", ops, 1, 1, true);
  restore_seed("wrong-hash", ops, 2, 2, false);
  restore_seed("wrong-last", ops, 2, 3, true);
  restore_seed("other-origin", ops, 3, 3, true);
  restore_seed("gap", ops + 1, 1, 2, true);
  restore_seed("empty", ops, 0, 0, true);
  for (size_t i = 0; i < 3; i++)
    free(ops[i].p);
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: zhibu-fuzz-seeds OUTDIR\n");
    return 2;
  }
  outdir = argv[1];
  if (mkdir(outdir, 0755) != 0 && errno != EEXIST)
    die(outdir);
  push_seeds();
  opcheck_seeds();
  batch_seeds();
  frame_seeds();
  sync_seeds();
  parcel_seeds();
  csv_seeds();
  xlsx_seeds();
  restore_seeds();
  printf("zhibu-fuzz-seeds: %d seeds written under %s\n", nwritten, outdir);
  return 0;
}
