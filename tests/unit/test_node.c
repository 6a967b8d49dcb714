/* zb_node over a real LMDB environment: a branch node's own writes (ids,
 * categories, scope, problems), its log and verify, the actor it records,
 * and the sync state it keeps (push batches without prev_hash, the acked
 * seq, the server's clock). */
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
#include "zb_node.h"
#include "zb_store.h"

static char dir[64];
static zb_node *node;

static void no_problem(void *ctx, const char *file, long line, const char *column,
                       const char *reason) {
  (void)ctx;
  fail_msg("unexpected problem: %s:%ld: %s: %s", file ? file : "-", line, column ? column : "",
           reason);
}

struct seen {
  int n;
  char column[32], reason[256];
};

static void keep_problem(void *ctx, const char *file, long line, const char *column,
                         const char *reason) {
  struct seen *s = ctx;
  (void)file;
  (void)line;
  if (s->n++ == 0) {
    snprintf(s->column, sizeof s->column, "%s", column ? column : "");
    snprintf(s->reason, sizeof s->reason, "%s", reason);
  }
}

static int setup(void **state) {
  (void)state;
  snprintf(dir, sizeof dir, "/tmp/zb-node-XXXXXX");
  assert_non_null(mkdtemp(dir));
  char path[128], orgs[160];
  snprintf(path, sizeof path, "%s/n", dir);
  const char *why = NULL;
  assert_int_equal(zb_node_init(path, "b0101", "430121-01-01", &why), 0);
  assert_int_equal(zb_node_init(path, "b0101", "430121-01-01", &why), ZB_EEXIST);
  assert_int_equal(zb_node_open(path, &node), 0);
  snprintf(orgs, sizeof orgs, "%s/orgs.csv", dir);
  FILE *f = fopen(orgs, "w");
  fputs("code,name,type,parent_code\n430121,县委,committee,\n430121-01,一镇,committee,430121\n"
        "430121-01-01,一支部,branch,430121-01\n430121-01-02,二支部,branch,430121-01\n",
        f);
  fclose(f);
  zb_import_result res;
  assert_int_equal(zb_node_import(node, &zb_kind_org, orgs, no_problem, NULL, &res), 0);
  assert_int_equal(res.skipped, 3);   /* outside the branch: county, township, branch 02 */
  return 0;
}

static int teardown(void **state) {
  (void)state;
  zb_node_close(node);
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
  return system(cmd);
}

static void a_member(zb_member *m, const char *org) {
  memset(m, 0, sizeof *m);
  snprintf(m->v[ZB_MF_NAME], sizeof m->v[0], "王伟");
  snprintf(m->v[ZB_MF_GENDER], sizeof m->v[0], "男");
  snprintf(m->v[ZB_MF_BIRTH_DATE], sizeof m->v[0], "1980-01-01");
  snprintf(m->v[ZB_MF_ID_NUMBER], sizeof m->v[0], "430121198001010010");
  snprintf(m->v[ZB_MF_JOIN_DATE], sizeof m->v[0], "2005-07-01");
  snprintf(m->v[ZB_MF_ORG_CODE], sizeof m->v[0], "%s", org);
}

/* The member with id, as this node shows it. */
static int member_get(const char *id, zb_member *out) {
  zb_rec *r = malloc(sizeof *r);
  assert_non_null(r);
  int rc = zb_node_get(node, &zb_kind_member, id, r);
  if (rc == 0)
    memcpy(out->v, r->v, sizeof out->v);
  free(r);
  return rc;
}

static void test_writes_ids_scope_problems(void **state) {
  (void)state;
  zb_member m, got;
  a_member(&m, "430121-01-01");
  assert_int_equal(zb_node_add(node, &zb_kind_member, m.v, no_problem, NULL), 0);
  assert_string_equal(m.v[ZB_MF_ID], "b0101-000001");        /* assigned */
  assert_string_equal(m.v[ZB_MF_CATEGORY], "预备党员");      /* no full_date */
  assert_int_equal(member_get("b0101-000001", &got), 0);
  assert_string_equal(got.v[ZB_MF_NAME], "王伟");

  /* The same person again: one person, one record. */
  struct seen s = {0};
  a_member(&m, "430121-01-01");
  assert_int_equal(zb_node_add(node, &zb_kind_member, m.v, keep_problem, &s), ZB_EINVAL);
  assert_int_equal(s.n, 1);
  assert_string_equal(s.column, "id_number");

  /* Another branch's org: this node did not import it (outside its scope),
   * so the member is refused on its org_code, and nothing is written. */
  memset(&s, 0, sizeof s);
  a_member(&m, "430121-01-02");
  snprintf(m.v[ZB_MF_ID_NUMBER], sizeof m.v[0], "430121198001020016");
  snprintf(m.v[ZB_MF_BIRTH_DATE], sizeof m.v[0], "1980-01-02");
  assert_int_equal(zb_node_add(node, &zb_kind_member, m.v, keep_problem, &s), ZB_EINVAL);
  assert_string_equal(s.column, "org_code");
  zb_node_info before;
  assert_int_equal(zb_node_info_get(node, &before), 0);
  assert_int_equal(before.members, 1);

  /* An update that changes nothing writes no op. */
  zb_node_info info;
  assert_int_equal(zb_node_info_get(node, &info), 0);
  uint64_t head = info.head_seq;
  bool set[ZB_MF__COUNT] = {false}, changed = true;
  set[ZB_MF_PHONE] = true;
  assert_int_equal(zb_node_update(node, &zb_kind_member, "b0101-000001", set, got.v, no_problem, NULL,
                                         &changed),
                   0);
  assert_false(changed);
  snprintf(got.v[ZB_MF_PHONE], sizeof got.v[0], "13800000000");
  assert_int_equal(zb_node_update(node, &zb_kind_member, "b0101-000001", set, got.v, no_problem, NULL,
                                         &changed),
                   0);
  assert_true(changed);
  assert_int_equal(zb_node_info_get(node, &info), 0);
  assert_int_equal(info.head_seq, head + 1);
  assert_int_equal(zb_node_update(node, &zb_kind_member, "nobody", set, got.v, no_problem, NULL, &changed),
                   ZB_ENOTFOUND);

  char why[256];
  assert_int_equal(zb_node_verify(node, why, sizeof why), 0);
}

struct op_seen {
  char actor[80];
  int n;
};

static int last_actor(void *ctx, const zb_op_view *op) {
  struct op_seen *o = ctx;
  snprintf(o->actor, sizeof o->actor, "%s", op->actor);
  o->n++;
  return 0;
}

struct view_seen {
  int n;
  zb_op_view v;
  char kind[16], key[64], fields[512];
};

static int keep_view(void *ctx, const zb_op_view *op) {
  struct view_seen *vs = ctx;
  vs->n++;
  vs->v = *op;
  snprintf(vs->kind, sizeof vs->kind, "%s", op->kind);
  snprintf(vs->key, sizeof vs->key, "%s", op->key);
  vs->fields[0] = '\0';
  for (size_t i = 0; i < op->nfields; i++)
    snprintf(vs->fields + strlen(vs->fields), sizeof vs->fields - strlen(vs->fields), "%s%s",
             i ? "," : "", op->fields[i]);
  return 0;
}

/* The log as the command line sees it (zb_view.h): kind and field names,
 * never values, and the hash the chain holds for the op. */
static void test_log_view(void **state) {
  (void)state;
  zb_member m;
  a_member(&m, "430121-01-01");
  assert_int_equal(zb_node_add(node, &zb_kind_member, m.v, no_problem, NULL), 0);
  bool set[ZB_MF__COUNT] = {false}, changed;
  set[ZB_MF_PHONE] = set[ZB_MF_OCCUPATION] = true;
  snprintf(m.v[ZB_MF_PHONE], sizeof m.v[0], "13800000000");
  snprintf(m.v[ZB_MF_OCCUPATION], sizeof m.v[0], "学生");
  assert_int_equal(zb_node_update(node, &zb_kind_member, m.v[ZB_MF_ID], set, m.v, no_problem,
                                  NULL, &changed),
                   0);
  zb_node_info info;
  assert_int_equal(zb_node_info_get(node, &info), 0);
  struct view_seen vs = {0};
  assert_int_equal(zb_node_log(node, info.head_seq - 1, keep_view, &vs), 0);
  assert_int_equal(vs.n, 1);
  assert_int_equal(vs.v.seq, info.head_seq);
  assert_string_equal(vs.kind, "member");
  assert_string_equal(vs.key, m.v[ZB_MF_ID]);
  assert_string_equal(vs.fields, "phone,occupation");
  uint8_t h[32];
  char hex[65];
  assert_int_equal(zb_node_op_hash(node, info.head_seq, h), 0);
  for (int i = 0; i < 32; i++)
    snprintf(hex + 2 * i, 3, "%02x", h[i]);
  assert_string_equal(vs.v.hash, hex);
  /* From the start: every op once, the fixture's org import included. */
  memset(&vs, 0, sizeof vs);
  assert_int_equal(zb_node_log(node, 0, keep_view, &vs), 0);
  assert_int_equal(vs.n, (int)info.head_seq);
}

/* The actor is cut before a character, never inside one, and must be text:
 * the server refuses an op whose actor is not (zb_merge.h). */
static void test_actor_cut_on_a_character(void **state) {
  (void)state;
  char longer[128] = "";
  for (int i = 0; i < 30; i++)
    strcat(longer, "张");   /* 3 bytes each: 90 bytes */
  zb_node_set_actor(node, longer);
  zb_member m;
  a_member(&m, "430121-01-01");
  assert_int_equal(zb_node_add(node, &zb_kind_member, m.v, no_problem, NULL), 0);
  struct op_seen o = {0};
  assert_int_equal(zb_node_log(node, 0, last_actor, &o), 0);
  assert_int_equal(strlen(o.actor), 63);   /* 21 characters, not 64 bytes */
  zb_node_set_actor(node, "\x01\x02");
  snprintf(m.v[ZB_MF_PHONE], sizeof m.v[0], "13800000000");
  bool set[ZB_MF__COUNT] = {false}, changed;
  set[ZB_MF_PHONE] = true;
  assert_int_equal(zb_node_update(node, &zb_kind_member, m.v[ZB_MF_ID], set, m.v, no_problem, NULL,
                                         &changed),
                   0);
  assert_int_equal(zb_node_log(node, 0, last_actor, &o), 0);
  assert_string_equal(o.actor, "unknown");
}

static int no_prev_hash(void *ctx, const uint8_t *item, size_t len) {
  int *n = ctx;
  Zb__Op *op = zb__op__unpack(NULL, len, item);
  assert_non_null(op);
  assert_int_equal(op->prev_hash.len, 0);
  assert_int_equal(op->seq, (uint64_t)++*n);
  zb__op__free_unpacked(op, NULL);
  return 0;
}

/* What a sync takes from the node and records in it. */
static void test_sync_state(void **state) {
  (void)state;
  zb_member m;
  a_member(&m, "430121-01-01");
  assert_int_equal(zb_node_add(node, &zb_kind_member, m.v, no_problem, NULL), 0);
  zb_batch b;
  zb_batch_init(&b);
  uint64_t last;
  assert_int_equal(zb_node_push_batch(node, 0, 1 << 20, &b, &last), 0);
  assert_int_equal(last, 2);   /* the org import and the member */
  uint8_t *z;
  size_t zlen;
  int n = 0;
  assert_int_equal(zb_batch_compress(&b, &z, &zlen), 0);
  assert_int_equal(zb_batch_each(z, zlen, b.len, b.count, no_prev_hash, &n), 0);
  assert_int_equal(n, 2);
  free(z);
  zb_batch_free(&b);

  /* The acked seq only goes forward. */
  zb_node_info info;
  assert_int_equal(zb_node_set_acked(node, 2), 0);
  assert_int_equal(zb_node_set_acked(node, 1), 0);
  assert_int_equal(zb_node_info_get(node, &info), 0);
  assert_int_equal(info.acked_seq, 2);

  /* The server's clock, heard at HelloAck: the HLC moves up to it, never
   * down, and the time is kept for the certificate check. */
  uint64_t ahead = zb_hlc_wall_ms() + 3600 * 1000;
  assert_int_equal(zb_node_observe_time(node, ahead), 0);
  assert_int_equal(zb_node_info_get(node, &info), 0);
  assert_int_equal(info.server_time_ms, ahead);
  assert_true(ZB_HLC_MS(info.hlc) >= ahead);
  uint64_t hlc = info.hlc;
  assert_int_equal(zb_node_observe_time(node, ahead - 7200 * 1000), 0);
  assert_int_equal(zb_node_info_get(node, &info), 0);
  assert_int_equal(info.hlc, hlc);
  /* A write made now orders after what the server had. */
  snprintf(m.v[ZB_MF_PHONE], sizeof m.v[0], "13800000000");
  bool set[ZB_MF__COUNT] = {false}, changed;
  set[ZB_MF_PHONE] = true;
  assert_int_equal(zb_node_update(node, &zb_kind_member, m.v[ZB_MF_ID], set, m.v, no_problem, NULL,
                                         &changed),
                   0);
  assert_int_equal(zb_node_info_get(node, &info), 0);
  assert_true(info.hlc > hlc);
}

static int downgrade(zb_txn *t, void *ctx) {
  (void)ctx;
  int rc = zb_txn_drop(t, ZB_DB_RECORD_OPS);
  if (!rc)
    rc = zb_meta_put_u64(t, "format", 1);
  return rc;
}

static size_t record_ops(const char *path) {
  zb_store *s;
  zb_txn *t;
  assert_int_equal(zb_store_open(path, false, &s), 0);
  assert_int_equal(zb_store_read(s, &t), 0);
  size_t n = zb_txn_count(t, ZB_DB_RECORD_OPS);
  zb_txn_end(t);
  zb_store_close(s);
  return n;
}

/* Every op is indexed by the record it wrote (a rollback replays only
 * those), and a node written before the index existed gets it when it is
 * opened. */
static void test_ops_indexed_by_record(void **state) {
  (void)state;
  zb_member m;
  a_member(&m, "430121-01-01");
  assert_int_equal(zb_node_add(node, &zb_kind_member, m.v, no_problem, NULL), 0);
  char path[128];
  snprintf(path, sizeof path, "%s/n", dir);
  zb_node_close(node);
  assert_int_equal(record_ops(path), 2);   /* the branch's org, the member */
  zb_store *s;
  assert_int_equal(zb_store_open(path, false, &s), 0);
  assert_int_equal(zb_store_write(s, downgrade, NULL), 0);
  zb_store_close(s);
  assert_int_equal(record_ops(path), 0);
  assert_int_equal(zb_node_open(path, &node), 0);
  zb_node_close(node);
  assert_int_equal(record_ops(path), 2);
  assert_int_equal(zb_node_open(path, &node), 0);
  char why[256];
  assert_int_equal(zb_node_verify(node, why, sizeof why), 0);
}

static int set_restoring(zb_txn *t, void *ctx) {
  return zb_meta_put_u64(t, "restore", *(uint64_t *)ctx);
}

/* A replaced PC's restore (docs/PROTOCOL.md, "Restoring a replaced PC"):
 * a second node of the same id, restoring, takes the first one's ops back
 * batch by batch; it must be restoring, each op must be its next seq, and
 * the chain it rebuilds must end at the hash the server sends — a batch
 * that breaks any of these stores nothing.  Until the restore ends it
 * writes nothing; then its log is the first node's, op for op. */
static void test_restore(void **state) {
  (void)state;
  zb_member m;
  a_member(&m, "430121-01-01");
  assert_int_equal(zb_node_add(node, &zb_kind_member, m.v, no_problem, NULL), 0);
  zb_batch b;
  zb_batch_init(&b);
  uint64_t last;
  assert_int_equal(zb_node_push_batch(node, 0, 1 << 20, &b, &last), 0);
  assert_int_equal(last, 2);
  uint8_t *z, hash[32], other[32];
  size_t zlen;
  assert_int_equal(zb_batch_compress(&b, &z, &zlen), 0);
  assert_int_equal(zb_node_op_hash(node, 2, hash), 0);
  assert_int_equal(zb_node_op_hash(node, 1, other), 0);

  char path[128], why[320];
  snprintf(path, sizeof path, "%s/new", dir);
  const char *w = NULL;
  assert_int_equal(zb_node_init(path, "b0101", "430121-01-01", &w), 0);
  zb_node *nb;
  assert_int_equal(zb_node_open(path, &nb), 0);
  zb_restore_part part = {z, zlen, b.len, b.count, 2, hash, sizeof hash};
  /* Not restoring: refused. */
  assert_int_equal(zb_node_restore_apply(nb, &part, why, sizeof why), ZB_EPROTO);
  assert_non_null(strstr(EN(why), "not restoring"));
  zb_node_close(nb);
  zb_store *st;
  uint64_t one = 1;
  assert_int_equal(zb_store_open(path, false, &st), 0);
  assert_int_equal(zb_store_write(st, set_restoring, &one), 0);
  zb_store_close(st);
  assert_int_equal(zb_node_open(path, &nb), 0);
  zb_node_info info;
  assert_int_equal(zb_node_info_get(nb, &info), 0);
  assert_true(info.restoring);
  /* No write before the restore. */
  zb_member m2;
  a_member(&m2, "430121-01-01");
  snprintf(m2.v[ZB_MF_ID_NUMBER], sizeof m2.v[0], "430121198001010037");
  assert_int_equal(zb_node_add(nb, &zb_kind_member, m2.v, no_problem, NULL), ZB_ERESTORE);
  /* A chain that does not end at the server's hash: nothing stored. */
  part.last_hash = other;
  assert_int_equal(zb_node_restore_apply(nb, &part, why, sizeof why), ZB_EPROTO);
  assert_non_null(strstr(EN(why), "do not chain"));
  assert_int_equal(zb_node_info_get(nb, &info), 0);
  assert_int_equal(info.head_seq, 0);
  /* The right hash, but said to end at another seq. */
  part.last_hash = hash;
  part.last_seq = 3;
  assert_int_equal(zb_node_restore_apply(nb, &part, why, sizeof why), ZB_EPROTO);
  part.last_seq = 2;
  assert_int_equal(zb_node_restore_apply(nb, &part, why, sizeof why), 0);
  assert_int_equal(zb_node_info_get(nb, &info), 0);
  assert_int_equal(info.head_seq, 2);
  assert_int_equal(info.acked_seq, 2);
  /* The same batch again: its first op is not the next seq. */
  assert_int_equal(zb_node_restore_apply(nb, &part, why, sizeof why), ZB_EPROTO);
  assert_non_null(strstr(EN(why), "where op 3 of this node was due"));
  uint8_t got[32];
  assert_int_equal(zb_node_op_hash(nb, 2, got), 0);
  assert_memory_equal(got, hash, 32);
  /* The end of the restore: the state is rebuilt from the log, and the
   * node writes again, after the restored seqs. */
  assert_int_equal(zb_node_restore_finish(nb), 0);
  assert_int_equal(zb_node_info_get(nb, &info), 0);
  assert_false(info.restoring);
  assert_int_equal(info.members, 1);
  assert_int_equal(zb_node_verify(nb, why, sizeof why), 0);
  assert_int_equal(zb_node_add(nb, &zb_kind_member, m2.v, no_problem, NULL), 0);
  assert_int_equal(zb_node_info_get(nb, &info), 0);
  assert_int_equal(info.head_seq, 3);
  zb_node_close(nb);
  free(z);
  zb_batch_free(&b);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_writes_ids_scope_problems, setup, teardown),
      cmocka_unit_test_setup_teardown(test_log_view, setup, teardown),
      cmocka_unit_test_setup_teardown(test_actor_cut_on_a_character, setup, teardown),
      cmocka_unit_test_setup_teardown(test_sync_state, setup, teardown),
      cmocka_unit_test_setup_teardown(test_ops_indexed_by_record, setup, teardown),
      cmocka_unit_test_setup_teardown(test_restore, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
