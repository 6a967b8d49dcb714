/*
 * fuzz_push.c — libFuzzer target for the whole server push path: batch
 * decompression, op decoding, origin / order / chain checks, validation,
 * zb_merge_apply (last-writer-wins, conflicts, scope, id numbers), the
 * server log and group commit, on a real hub (LMDB) in a temp directory.
 *
 * Input layout: fuzz_ops.h ("fuzz_push input layout").  By default the
 * target decodes each item, gives it the request's node as origin and the
 * next seq that node's log expects, packs it again and builds the zstd
 * batch itself, so that mutations reach merge rather than dying at the
 * order checks; flags keep seq / origin / bytes as the fuzzer wrote them.
 *
 * The hub starts with the org tree of fuzz_ops.c and a few members written
 * by two branches and the township, some concurrently, so that a single
 * input can edit existing records and meet conflicts.  It persists across
 * inputs and is re-created every ZB_FUZZ_PUSH_RESET inputs (default 5000;
 * the ctest replay sets 1, so that every input runs on the same fixture and
 * a crasher replays alone), or when the input's FZ_PUSH_FRESH flag asks.
 *
 * Besides the sanitizers, the target aborts when:
 *  - a request's rc is neither 0 nor ZB_EPROTO (zb_hub.h: bad input is a
 *    protocol error of that request alone; anything else fails the whole
 *    group, every other node's batch with it);
 *  - for a request that succeeded, applied + rejected + duplicates is not
 *    the number of ops in its batch, or held_seq is not what hello says;
 *  - every ZB_FUZZ_PUSH_VERIFY inputs (default 256; 1 in the replay),
 *    zb_hub_verify finds the server log, a chain or the state inconsistent.
 * ZB_FUZZ_VERBOSE=1 prints each request's outcome.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz_ops.h"
#include "fuzz_tmp.h"
#include "zb_batch.h"
#include "zb_err.h"
#include "zb_hub.h"
#include "zb_log.h"
#include "zb_record.h"
#include "zhibu.pb-c.h"

static zb_hub *hub;
static char hubdir[600], csvpath[600];
static unsigned long inputs, generation, reset_every = 5000, verify_every = 256;
static bool verbose;

static void fail(const char *what) {
  fprintf(stderr, "fuzz_push: %s\n", what);
  abort();
}

static void import_problem(void *ctx, const char *file, long line, const char *column,
                           const char *reason) {
  (void)ctx;
  fprintf(stderr, "fuzz_push: org import %s:%ld: %s: %s\n", file, line, column ? column : "",
          reason);
  abort();
}

/* The fixture's ops of one node, in a batch. */
struct fx_req {
  zb_batch b;
  uint8_t *z;
  size_t zlen;
};

static void fx_add(struct fx_req *fr, const struct fz_op *op) {
  size_t len;
  uint8_t *p = fz_pack_op(op, &len);
  if (zb_batch_add(&fr->b, p, len))
    fail("fixture: zb_batch_add");
  free(p);
}

/* Members F0101A, F0101B (by b0101) and F0102A (by b0102); b0101 and the
 * township both edit F0101A's phone without seeing each other.  One group
 * commit, as the server would do it: requests b0101, b0102, t01. */
static void fixture(void) {
  struct fx_req fr[FZ_NNODES];
  for (int i = 0; i < FZ_NNODES; i++)
    zb_batch_init(&fr[i].b);
  int f[13];
  const char *v[13];
  char idn[19], birth[11];
  struct fz_op op = {.origin = "b0101", .kind = 2, .actor = "fixture", .fields = f, .vals = v};
  op.nf = fz_member_fields(f, v, idn, birth, "F0101A", "430121-01-01", 1, 11);
  op.key = "F0101A", op.seq = 1, op.hlc = FZ_HLC(1);
  fx_add(&fr[0], &op);
  op.nf = fz_member_fields(f, v, idn, birth, "F0101B", "430121-01-01", 2, 22);
  op.key = "F0101B", op.seq = 2, op.hlc = FZ_HLC(2);
  fx_add(&fr[0], &op);
  op.origin = "b0102";
  op.nf = fz_member_fields(f, v, idn, birth, "F0102A", "430121-01-02", 3, 33);
  op.key = "F0102A", op.seq = 1, op.hlc = FZ_HLC(3);
  fx_add(&fr[1], &op);

  static const int phone[1] = {ZB_MF_PHONE};
  static const char *const b_phone[1] = {"13700000002"}, *const t_phone[1] = {"13900000001"};
  struct fz_op ed = {.origin = "b0101", .seq = 3, .hlc = FZ_HLC(9), .kind = 2, .key = "F0101A",
                     .nf = 1, .fields = phone, .vals = b_phone, .actor = "fixture"};
  fx_add(&fr[0], &ed);
  ed.origin = "t01", ed.seq = 1, ed.hlc = FZ_HLC(10), ed.vals = t_phone;
  fx_add(&fr[2], &ed);

  zb_push_req reqs[FZ_NNODES];
  for (int i = 0; i < FZ_NNODES; i++) {
    if (zb_batch_compress(&fr[i].b, &fr[i].z, &fr[i].zlen))
      fail("fixture: zb_batch_compress");
    reqs[i] = (zb_push_req){fz_nodes[i].id, fz_nodes[i].org, fr[i].z, fr[i].zlen, fr[i].b.len,
                            fr[i].b.count, {0}, 0};
  }
  int rc = zb_hub_push_many(hub, reqs, FZ_NNODES);
  for (int i = 0; i < FZ_NNODES; i++) {
    if (rc || reqs[i].rc || reqs[i].res.applied != reqs[i].count) {
      fprintf(stderr, "fuzz_push: fixture push by %s: %s, %u of %u applied: %s\n",
              reqs[i].node_id, zb_strerror(reqs[i].rc), reqs[i].res.applied, reqs[i].count,
              reqs[i].res.why);
      abort();
    }
    free(fr[i].z);
    zb_batch_free(&fr[i].b);
  }
  if (reqs[2].res.conflicts != 1)
    fail("fixture: the township's edit should meet b0101's");
}

static void hub_close(void) {
  if (hub) {
    zb_hub_close(hub);
    hub = NULL;
    fz_rmtree(hubdir);
  }
}

static void verify(void) {
  char why[512] = "";
  int rc = zb_hub_verify(hub, why, sizeof why);
  if (rc) {
    fprintf(stderr, "fuzz_push: zb_hub_verify: %s: %s\n", zb_err_name(rc), why);
    abort();
  }
}

/* Copies a closed environment's data file. */
static void copy_file(const char *from, const char *to) {
  FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
  char buf[65536];
  size_t n;
  if (!in || !out)
    fail("copy_file: open");
  while ((n = fread(buf, 1, sizeof buf, in)) > 0)
    if (fwrite(buf, 1, n, out) != n)
      fail("copy_file: write");
  if (ferror(in) || fclose(out) != 0)
    fail("copy_file: read or close");
  fclose(in);
}

/* A new hub holding the fixture.  The first is built op by op and its
 * LMDB data file kept; later ones start from a copy of it, which saves
 * the fsyncs of init, import and fixture on every re-creation. */
static void hub_create(void) {
  static char pristine[700];
  const char *tmp = fz_tmpdir("zb-fuzz-push");
  char data[700];
  hub_close();
  snprintf(hubdir, sizeof hubdir, "%s/hub%lu", tmp, generation++);
  snprintf(data, sizeof data, "%s/data.mdb", hubdir);
  if (mkdir(hubdir, 0700) != 0)
    fail("mkdir hub");
  if (pristine[0]) {
    copy_file(pristine, data);
    int rc = zb_hub_open(hubdir, &hub);
    if (rc) {
      fprintf(stderr, "fuzz_push: hub copy in %s: %s\n", hubdir, zb_strerror(rc));
      abort();
    }
    return;
  }
  snprintf(csvpath, sizeof csvpath, "%s/orgs.csv", tmp);
  fz_write_file(csvpath, fz_orgs_csv);
  int rc = zb_hub_init(hubdir);
  if (!rc)
    rc = zb_hub_open(hubdir, &hub);
  if (!rc)
    rc = zb_hub_org_import(hub, csvpath, import_problem, NULL, NULL);
  if (rc) {
    fprintf(stderr, "fuzz_push: hub in %s: %s\n", hubdir, zb_strerror(rc));
    abort();
  }
  fixture();
  verify();
  zb_hub_close(hub);
  hub = NULL;
  snprintf(pristine, sizeof pristine, "%s/pristine.mdb", tmp);
  copy_file(data, pristine);
  if ((rc = zb_hub_open(hubdir, &hub)))
    fail("reopening the first hub");
}

static unsigned long env_ulong(const char *name, unsigned long dflt) {
  const char *s = getenv(name);
  if (!s || !*s)
    return dflt;
  char *end;
  unsigned long v = strtoul(s, &end, 10);
  return *end || v == 0 ? dflt : v;
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc;
  (void)argv;
  zb_log_init("fuzz_push");
  reset_every = env_ulong("ZB_FUZZ_PUSH_RESET", 5000);
  verify_every = env_ulong("ZB_FUZZ_PUSH_VERIFY", 256);
  verbose = getenv("ZB_FUZZ_VERBOSE") != NULL;
  fz_tmpdir("zb-fuzz-push");   /* registers its removal at exit ... */
  atexit(hub_close);           /* ... which runs after this */
  return 0;
}

/* One request being built. */
struct req_build {
  const struct fz_node *node;
  zb_batch b;
  uint64_t next_seq;
};

/* Decodes item, fixes origin and seq unless told not to, repeats its
 * field list as the item flags say, and adds it. */
static void add_item(struct req_build *rb, unsigned flags, unsigned iflags, const uint8_t *item,
                     size_t len) {
  Zb__Op *op = (iflags & FZ_ITEM_VERBATIM) ? NULL : zb__op__unpack(NULL, len, item);
  if (!op) {
    zb_batch_add(&rb->b, item, len);
    return;
  }
  char *origin = op->origin;
  if (!(flags & FZ_PUSH_KEEP_ORIGIN))
    op->origin = (char *)rb->node->id;
  if (!(flags & FZ_PUSH_KEEP_SEQ))
    op->seq = rb->next_seq++;
  /* Amplify: the same fields again, so that small inputs reach many
   * writes of one field and ops of any size. */
  size_t times = 1 + FZ_ITEM_REPEAT(iflags), nf = 0;
  Zb__FieldSet **fields = NULL, **many = NULL;
  if (op->body_case == ZB__OP__BODY_SET && op->set->n_fields && times > 1) {
    nf = op->set->n_fields;
    fields = op->set->fields;
    many = malloc(nf * times * sizeof *many);
    if (!many)
      fail("out of memory");
    for (size_t i = 0; i < nf * times; i++)
      many[i] = fields[i % nf];
    op->set->fields = many;
    op->set->n_fields = nf * times;
  }
  size_t plen = zb__op__get_packed_size(op);
  uint8_t *buf = malloc(plen ? plen : 1);
  if (!buf)
    fail("out of memory");
  zb__op__pack(op, buf);
  zb_batch_add(&rb->b, buf, plen);
  free(buf);
  if (many) {
    op->set->fields = fields;
    op->set->n_fields = nf;
    free(many);
  }
  op->origin = origin;   /* free_unpacked frees the string it allocated */
  zb__op__free_unpacked(op, NULL);
}

static void check_req(const zb_push_req *rq) {
  if (verbose)
    fprintf(stderr, "fuzz_push: %s: %s, %u ops: %u applied, %u rejected, %u conflicts, "
            "%u duplicates, held %llu%s%s\n", rq->node_id, zb_err_name(rq->rc), rq->count,
            rq->res.applied, rq->res.rejected, rq->res.conflicts, rq->res.duplicates,
            (unsigned long long)rq->res.held_seq, rq->res.why[0] ? ": " : "", rq->res.why);
  if (rq->rc != 0 && rq->rc != ZB_EPROTO) {
    fprintf(stderr, "fuzz_push: push by %s failed with %s (%s): a bad batch must be ZB_EPROTO "
            "for its request alone, not fail the group\n", rq->node_id, zb_err_name(rq->rc),
            rq->res.why);
    abort();
  }
  if (rq->rc)
    return;
  uint64_t held, head;
  uint8_t hash[32];
  if (zb_hub_hello(hub, rq->node_id, &held, hash, &head))
    fail("hello after push");
  if (held != rq->res.held_seq) {
    fprintf(stderr, "fuzz_push: %s: push says held %llu, hello %llu\n", rq->node_id,
            (unsigned long long)rq->res.held_seq, (unsigned long long)held);
    abort();
  }
  uint64_t seen = (uint64_t)rq->res.applied + rq->res.rejected + rq->res.duplicates;
  if (seen != rq->count) {
    fprintf(stderr, "fuzz_push: %s: %u applied + %u rejected + %u duplicates != %u ops\n",
            rq->node_id, rq->res.applied, rq->res.rejected, rq->res.duplicates, rq->count);
    abort();
  }
}

static uint64_t held_of(const char *node_id) {
  uint64_t held, head;
  uint8_t hash[32];
  if (zb_hub_hello(hub, node_id, &held, hash, &head))
    fail("hello");
  return held;
}

static void push_raw(const uint8_t *data, size_t size, const struct fz_node *n) {
  if (size < 6)
    return;
  uint64_t raw_size = (uint64_t)data[0] | (uint64_t)data[1] << 8 | (uint64_t)data[2] << 16 |
                      (uint64_t)data[3] << 24;
  uint32_t count = (uint32_t)data[4] | (uint32_t)data[5] << 8;
  zb_push_req rq = {n->id, n->org, data + 6, size - 6, raw_size, count, {0}, 0};
  zb_hub_push_many(hub, &rq, 1);
  check_req(&rq);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  unsigned flags = size ? data[0] : 0;
  if (!hub || inputs % reset_every == 0 || (flags & FZ_PUSH_FRESH))
    hub_create();
  inputs++;
  if (size < 1)
    return 0;
  unsigned ia = (flags & 3) % FZ_NNODES;
  if (flags & FZ_PUSH_RAW) {
    push_raw(data + 1, size - 1, &fz_nodes[ia]);
  } else {
    bool many = flags & FZ_PUSH_MANY;
    struct req_build rb[2];
    for (int r = 0; r < 2; r++) {
      rb[r].node = &fz_nodes[(ia + 2 * (unsigned)r) % FZ_NNODES];
      zb_batch_init(&rb[r].b);
      rb[r].next_seq = held_of(rb[r].node->id) + 1;
    }
    size_t pos = 1;
    while (pos + 3 <= size) {
      unsigned iflags = data[pos];
      size_t len = (size_t)data[pos + 1] | (size_t)data[pos + 2] << 8;
      pos += 3;
      if (len > size - pos)
        break;
      add_item(&rb[many && (iflags & FZ_ITEM_B) ? 1 : 0], flags, iflags, data + pos, len);
      pos += len;
    }
    zb_push_req reqs[2];
    uint8_t *z[2] = {NULL, NULL};
    size_t n = many ? 2 : 1;
    for (size_t r = 0; r < n; r++) {
      size_t zlen;
      if (zb_batch_compress(&rb[r].b, &z[r], &zlen))
        fail("zb_batch_compress");
      reqs[r] = (zb_push_req){rb[r].node->id, rb[r].node->org, z[r], zlen, rb[r].b.len,
                              rb[r].b.count, {0}, 0};
    }
    if (n == 1) {
      /* zb_hub_push: the single-request entry point. */
      reqs[0].rc = zb_hub_push(hub, reqs[0].node_id, reqs[0].org, reqs[0].zdata, reqs[0].zlen,
                               reqs[0].raw_size, reqs[0].count, &reqs[0].res);
    } else {
      zb_hub_push_many(hub, reqs, n);
    }
    for (size_t r = 0; r < n; r++)
      check_req(&reqs[r]);
    for (int r = 0; r < 2; r++) {
      free(z[r]);
      zb_batch_free(&rb[r].b);
    }
  }
  if (inputs % verify_every == 0)
    verify();
  return 0;
}
