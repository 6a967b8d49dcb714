#include "zb_state.h"

#include <stdlib.h>
#include <string.h>

#include "zb_err.h"
#include "zb_sha.h"
#include "zb_stats.h"
#include "zhibu.pb-c.h"

/* A stored record packs to at most this many bytes: every field at its
 * maximum plus one stamp per field. */
#define ZB_REC_PACKED_MAX 8192

int zb_rec_nfields(enum zb_kind kind) {
  return kind == ZB_KIND_MEMBER ? ZB_MF__COUNT : ZB_OF__COUNT;
}

char *zb_rec_val(zb_rec *r, int field) {
  return r->kind == ZB_KIND_MEMBER ? r->m.v[field] : r->o.v[field];
}

static enum zb_dbi kind_db(enum zb_kind kind) {
  return kind == ZB_KIND_MEMBER ? ZB_DB_MEMBERS : ZB_DB_ORGS;
}

static int rec_decode(enum zb_kind kind, zb_val v, zb_rec *out) {
  int nf = zb_rec_nfields(kind);
  Zb__Record *pr = zb__record__unpack(NULL, v.len, v.data);
  if (!pr)
    return ZB_ECORRUPT;
  int ret = ZB_ECORRUPT;
  memset(out, 0, sizeof *out);
  out->kind = kind;
  if ((int)pr->kind != (int)kind || pr->n_values != (size_t)nf)
    goto out;
  for (int i = 0; i < nf; i++) {
    size_t n = strlen(pr->values[i]);
    if (n > ZB_FIELD_MAX)
      goto out;
    memcpy(zb_rec_val(out, i), pr->values[i], n + 1);
  }
  for (size_t s = 0; s < pr->n_stamps; s++) {
    const Zb__Stamp *ps = pr->stamps[s];
    size_t n = strlen(ps->origin);
    if (n > ZB_NODE_ID_MAX)
      goto out;
    for (int i = 0; i < nf; i++) {
      if (!(ps->mask & (1u << i)))
        continue;
      out->st[i].hlc = ps->hlc;
      out->st[i].server_seq = ps->server_seq;
      memcpy(out->st[i].origin, ps->origin, n + 1);
    }
  }
  ret = 0;
out:
  zb__record__free_unpacked(pr, NULL);
  return ret;
}

int zb_rec_load(zb_txn *t, enum zb_kind kind, const char *key, zb_rec *out) {
  zb_val v;
  int rc = zb_txn_get(t, kind_db(kind), key, strlen(key), &v);
  if (rc)
    return rc;
  return rec_decode(kind, v, out);
}

static bool same_stamp(const zb_stamp *a, const zb_stamp *b) {
  return a->hlc == b->hlc && a->server_seq == b->server_seq &&
         strcmp(a->origin, b->origin) == 0;
}

int zb_rec_store(zb_txn *t, const zb_rec *r) {
  int nf = zb_rec_nfields(r->kind);
  char *values[ZB_MF__COUNT];
  Zb__Stamp stamps[ZB_MF__COUNT], *stamp_ptrs[ZB_MF__COUNT];
  size_t nstamps = 0;
  /* Fields written together share one stamp: group them by mask so that a
   * freshly imported member stores one stamp, not thirteen. */
  int group[ZB_MF__COUNT];
  for (int i = 0; i < nf; i++) {
    values[i] = (char *)zb_rec_val((zb_rec *)r, i);
    group[i] = -1;
    for (int j = 0; j < i; j++) {
      if (same_stamp(&r->st[i], &r->st[j])) {
        group[i] = group[j];
        break;
      }
    }
    if (group[i] < 0) {
      group[i] = (int)nstamps;
      zb__stamp__init(&stamps[nstamps]);
      stamps[nstamps].hlc = r->st[i].hlc;
      stamps[nstamps].server_seq = r->st[i].server_seq;
      stamps[nstamps].origin = (char *)r->st[i].origin;
      stamp_ptrs[nstamps] = &stamps[nstamps];
      nstamps++;
    }
    stamps[group[i]].mask |= 1u << i;
  }
  Zb__Record pr = ZB__RECORD__INIT;
  pr.kind = (Zb__RecordKind)r->kind;
  pr.n_values = (size_t)nf;
  pr.values = values;
  pr.n_stamps = nstamps;
  pr.stamps = stamp_ptrs;
  uint8_t buf[ZB_REC_PACKED_MAX];
  size_t len = zb__record__get_packed_size(&pr);
  if (len > sizeof buf)
    return ZB_ETOOBIG;
  zb__record__pack(&pr, buf);
  const char *key = values[0];
  return zb_txn_put(t, kind_db(r->kind), key, strlen(key), buf, len, 0);
}

size_t zb_pair_key(char *buf, const char *a, const char *b) {
  size_t al = strlen(a), bl = strlen(b);
  memcpy(buf, a, al);
  buf[al] = '\0';
  memcpy(buf + al + 1, b, bl);
  return al + 1 + bl;
}

int zb_rec_delete(zb_txn *t, enum zb_kind kind, const char *key) {
  zb_rec *r = malloc(sizeof *r);
  char k[2 * (ZB_FIELD_MAX + 1)];
  if (!r)
    return ZB_ENOMEM;
  int rc = zb_rec_load(t, kind, key, r);
  if (rc == ZB_ENOTFOUND) {
    rc = 0;
    goto out;
  }
  if (rc)
    goto out;
  if (kind == ZB_KIND_MEMBER) {
    size_t n = zb_pair_key(k, r->m.v[ZB_MF_ORG_CODE], key);
    if ((rc = zb_txn_del(t, ZB_DB_MEMBER_ORG, k, n)))
      goto out;
    n = zb_pair_key(k, r->m.v[ZB_MF_ID_NUMBER], key);
    if ((rc = zb_txn_del(t, ZB_DB_MEMBER_IDNUM, k, n)))
      goto out;
  }
  rc = zb_txn_del(t, kind_db(kind), key, strlen(key));
out:
  free(r);
  return rc;
}

int zb_member_load(zb_txn *t, const char *id, zb_member *out) {
  zb_rec *r = malloc(sizeof *r);
  if (!r)
    return ZB_ENOMEM;
  int rc = zb_rec_load(t, ZB_KIND_MEMBER, id, r);
  if (rc == 0)
    *out = r->m;
  free(r);
  return rc;
}

int zb_org_load(zb_txn *t, const char *code, zb_org *out) {
  zb_rec *r = malloc(sizeof *r);
  if (!r)
    return ZB_ENOMEM;
  int rc = zb_rec_load(t, ZB_KIND_ORG, code, r);
  if (rc == 0)
    *out = r->o;
  free(r);
  return rc;
}

/* ---- subtree scans ---- */

/* Keys of the org index and of the org table sort so that the subtree of
 * root is one contiguous run starting at root: "root", "root\0…", "root-…"
 * all sort before "root0…" ('\0' < '-' < digits and letters). */
static bool key_in_subtree(zb_val key, const char *root, size_t rlen) {
  const char *k = key.data;
  if (key.len < rlen || memcmp(k, root, rlen) != 0)
    return false;
  return key.len == rlen || k[rlen] == '\0' || k[rlen] == '-';
}

struct id_list {
  char **ids;
  size_t n, cap;
  const char *root;
  size_t rlen;
};

static int collect_id(void *ctx, zb_val key, zb_val val) {
  struct id_list *l = ctx;
  (void)val;
  if (!key_in_subtree(key, l->root, l->rlen))
    return 1;
  const char *k = key.data;
  const char *nul = memchr(k, '\0', key.len);
  if (!nul)
    return ZB_ECORRUPT;
  size_t idlen = key.len - (size_t)(nul - k) - 1;
  if (l->n == l->cap) {
    size_t cap = l->cap ? l->cap * 2 : 1024;
    char **ids = realloc(l->ids, cap * sizeof *ids);
    if (!ids)
      return ZB_ENOMEM;
    l->ids = ids;
    l->cap = cap;
  }
  char *id = malloc(idlen + 1);
  if (!id)
    return ZB_ENOMEM;
  memcpy(id, nul + 1, idlen);
  id[idlen] = '\0';
  l->ids[l->n++] = id;
  return 0;
}

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

struct member_scan {
  zb_member_fn fn;
  void *ctx;
  zb_rec rec;
};

static int member_row(void *ctx, zb_val key, zb_val val) {
  struct member_scan *ms = ctx;
  (void)key;
  int rc = rec_decode(ZB_KIND_MEMBER, val, &ms->rec);
  if (rc)
    return rc;
  return ms->fn(ms->ctx, &ms->rec.m);
}

int zb_members_in_subtree(zb_txn *t, const char *root, zb_member_fn fn, void *ctx) {
  int rc = 0;
  struct member_scan *ms = malloc(sizeof *ms);
  if (!ms)
    return ZB_ENOMEM;
  ms->fn = fn;
  ms->ctx = ctx;
  if (!root || !*root) {
    rc = zb_txn_scan(t, ZB_DB_MEMBERS, NULL, 0, member_row, ms);
    free(ms);
    return rc;
  }
  struct id_list l = {.root = root, .rlen = strlen(root)};
  rc = zb_txn_scan(t, ZB_DB_MEMBER_ORG, root, l.rlen, collect_id, &l);
  if (rc)
    goto out;
  if (l.n > 1)
    qsort(l.ids, l.n, sizeof *l.ids, cmp_str);
  for (size_t i = 0; i < l.n; i++) {
    zb_val v;
    if ((rc = zb_txn_get(t, ZB_DB_MEMBERS, l.ids[i], strlen(l.ids[i]), &v)))
      goto out;
    if ((rc = member_row(ms, (zb_val){0}, v)) != 0) {
      if (rc > 0)
        rc = 0;
      goto out;
    }
  }
out:
  for (size_t i = 0; i < l.n; i++)
    free(l.ids[i]);
  free(l.ids);
  free(ms);
  return rc == ZB_ENOTFOUND ? ZB_ECORRUPT : rc;
}

static int stats_member(void *ctx, const zb_member *m) {
  zb_stats_add(ctx, m);
  return 0;
}

int zb_state_stats(zb_txn *t, const char *root, zb_date as_of, zb_stats *out) {
  zb_stats_init(out, as_of);
  return zb_members_in_subtree(t, root, stats_member, out);
}

struct count_ctx {
  const char *root;
  size_t rlen, n;
};

static int count_row(void *ctx, zb_val key, zb_val val) {
  struct count_ctx *cc = ctx;
  (void)val;
  if (!key_in_subtree(key, cc->root, cc->rlen))
    return 1;
  cc->n++;
  return 0;
}

int zb_members_count(zb_txn *t, const char *root, size_t *out) {
  struct count_ctx cc = {root, strlen(root), 0};
  int rc = zb_txn_scan(t, ZB_DB_MEMBER_ORG, root, cc.rlen, count_row, &cc);
  *out = cc.n;
  return rc;
}

struct org_scan {
  zb_org_fn fn;
  void *ctx;
  const char *root;
  size_t rlen;
  zb_rec rec;
};

static int org_row(void *ctx, zb_val key, zb_val val) {
  struct org_scan *os = ctx;
  if (os->root && !key_in_subtree(key, os->root, os->rlen))
    return 1;
  int rc = rec_decode(ZB_KIND_ORG, val, &os->rec);
  if (rc)
    return rc;
  return os->fn(os->ctx, &os->rec.o);
}

int zb_orgs_in_subtree(zb_txn *t, const char *root, zb_org_fn fn, void *ctx) {
  struct org_scan *os = malloc(sizeof *os);
  if (!os)
    return ZB_ENOMEM;
  os->fn = fn;
  os->ctx = ctx;
  os->root = root && *root ? root : NULL;
  os->rlen = os->root ? strlen(root) : 0;
  int rc = zb_txn_scan(t, ZB_DB_ORGS, os->root, os->rlen, org_row, os);
  free(os);
  return rc;
}

/* ---- digest ---- */

static void digest_fields(zb_sha *sha, uint8_t kind, char v[][ZB_FIELD_MAX + 1], int n) {
  zb_sha_update(sha, &kind, 1);
  for (int i = 0; i < n; i++) {
    uint32_t len = (uint32_t)strlen(v[i]);
    uint8_t be[4] = {(uint8_t)(len >> 24), (uint8_t)(len >> 16), (uint8_t)(len >> 8),
                     (uint8_t)len};
    zb_sha_update(sha, be, 4);
    zb_sha_update(sha, v[i], len);
  }
}

static int digest_org(void *ctx, const zb_org *o) {
  digest_fields(ctx, ZB_KIND_ORG, (char (*)[ZB_FIELD_MAX + 1])o->v, ZB_OF__COUNT);
  return 0;
}

static int digest_member(void *ctx, const zb_member *m) {
  digest_fields(ctx, ZB_KIND_MEMBER, (char (*)[ZB_FIELD_MAX + 1])m->v, ZB_MF__COUNT);
  return 0;
}

int zb_state_digest(zb_txn *t, const char *root, char out[65]) {
  zb_sha *sha = zb_sha_new();
  if (!sha)
    return ZB_ENOMEM;
  int rc = zb_orgs_in_subtree(t, root, digest_org, sha);
  if (rc == 0)
    rc = zb_members_in_subtree(t, root, digest_member, sha);
  if (rc == 0) {
    uint8_t d[ZB_SHA256_LEN];
    zb_sha_final(sha, d);
    zb_hex(d, sizeof d, out);
  }
  zb_sha_free(sha);
  return rc;
}

/* ---- helpers shared by writers ---- */

const char *zb_field_name(enum zb_kind kind, int field) {
  if (field < 0 || field >= zb_rec_nfields(kind))
    return NULL;
  return kind == ZB_KIND_MEMBER ? zb_member_field_names[field] : zb_org_field_names[field];
}

size_t zb_rec_diff(enum zb_kind kind, zb_rec *cur, zb_rec *next, int *fields, char **vals) {
  size_t nf = 0;
  for (int i = 1; i < zb_rec_nfields(kind); i++) {
    char *v = zb_rec_val(next, i);
    if (cur ? strcmp(zb_rec_val(cur, i), v) != 0 : *v != '\0') {
      fields[nf] = i;
      vals[nf++] = v;
    }
  }
  return nf;
}

const enum zb_dbi zb_state_dbs[ZB_STATE_NDBS] = {ZB_DB_ORGS, ZB_DB_MEMBERS, ZB_DB_MEMBER_ORG,
                                        ZB_DB_MEMBER_IDNUM};

static int hash_row(void *ctx, zb_val key, zb_val val) {
  uint8_t len[8];
  zb_u64_be(((uint64_t)key.len << 32) | val.len, len);
  zb_sha_update(ctx, len, 8);
  zb_sha_update(ctx, key.data, key.len);
  zb_sha_update(ctx, val.data, val.len);
  return 0;
}

/* SHA-256 over every entry of every state table, stamps and indexes
 * included: equal hashes mean byte-identical state. */
int zb_state_hash(zb_txn *t, uint8_t out[ZB_SHA256_LEN]) {
  zb_sha *sha = zb_sha_new();
  if (!sha)
    return ZB_ENOMEM;
  int rc = 0;
  for (size_t i = 0; i < sizeof zb_state_dbs / sizeof *zb_state_dbs && !rc; i++) {
    uint8_t tag = (uint8_t)zb_state_dbs[i];
    zb_sha_update(sha, &tag, 1);
    rc = zb_txn_scan(t, zb_state_dbs[i], NULL, 0, hash_row, sha);
  }
  if (!rc)
    zb_sha_final(sha, out);
  zb_sha_free(sha);
  return rc;
}


/* ---- conflict records ---- */

struct conflict_scan {
  zb_txn *t;
  const char *root;
  zb_conflict_fn fn;
  void *ctx;
};

static int conflict_row(void *ctx, zb_val key, zb_val val) {
  struct conflict_scan *cs = ctx;
  (void)key;
  Zb__Conflict *c = zb__conflict__unpack(NULL, val.len, val.data);
  if (!c)
    return ZB_ECORRUPT;
  int rc = 0;
  bool in = true;
  if (cs->root) {
    if (c->kind == ZB__RECORD_KIND__RECORD_KIND_MEMBER) {
      zb_member *m = malloc(sizeof *m);
      in = m && zb_member_load(cs->t, c->key, m) == 0 &&
           zb_org_in_subtree(m->v[ZB_MF_ORG_CODE], cs->root);
      free(m);
    } else {
      in = zb_org_in_subtree(c->key, cs->root);
    }
  }
  if (in)
    rc = cs->fn(cs->ctx, c);
  zb__conflict__free_unpacked(c, NULL);
  return rc;
}

int zb_conflicts_scan(zb_txn *t, const char *root, zb_conflict_fn fn, void *ctx) {
  struct conflict_scan cs = {t, root && *root ? root : NULL, fn, ctx};
  return zb_txn_scan(t, ZB_DB_CONFLICTS, NULL, 0, conflict_row, &cs);
}
