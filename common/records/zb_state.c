/*
 * zb_state.c — the record and index tables (zb_state.h).
 *
 * Key layouts (the one place they are written down; docs/DESIGN-NOTES.md,
 * "Storage", lists the tables):
 *   - a kind with a table of its own (orgs, members): key → packed Record;
 *   - every other kind, in the shared table "records": one byte, the kind's
 *     wire number, then the key → packed Record;
 *   - an index with a table of its own (member_org, member_idnum):
 *     value NUL key → "", except a kind's covering org index
 *     (zb_kind_desc.org_entry): member_org's entry carries the member's
 *     packed zb_stats_facts (ZB_STATS_FACTS_LEN bytes, zb_stats.c), put
 *     again with the record whenever they change (index_update); meta
 *     "state_format" (ZB_STATE_FORMAT) says a store has them;
 *   - every other index, in the shared table "rec_index": kind byte, index
 *     number byte, value NUL key → "".
 * An index keyed by an org code sorts the subtree of a code as one run
 * starting at the code: "root", "root\0…", "root-…" all sort before
 * "root0…" ('\0' < '-' < digits and letters).
 */
#include "zb_state.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zb_csv.h"
#include "zb_err.h"
#include "zb_held.h"
#include "zb_pack.h"
#include "zb_sha.h"
#include "zb_stats.h"
#include "zhibu.pb-c.h"

/* A stored record packs to at most this many bytes: every field at its
 * maximum plus one stamp per field. */
#define ZB_REC_PACKED_MAX (ZB_REC_FIELDS_MAX * (ZB_FIELD_MAX + ZB_NODE_ID_MAX + 40))

/* ---- key layouts ---- */

#define ZB_KEY_MAX (2 * (ZB_FIELD_MAX + 1) + 2)

static enum zb_dbi rec_table(const zb_kind_desc *kd) {
  return kd->table ? kd->table : ZB_DB_RECORDS;
}

/* The record's key in its table; returns its length. */
static size_t rec_key(const zb_kind_desc *kd, const char *key, char *buf) {
  size_t n = strnlen(key, ZB_FIELD_MAX);
  if (kd->table) {
    memcpy(buf, key, n);
    return n;
  }
  buf[0] = (char)kd->id;
  memcpy(buf + 1, key, n);
  return n + 1;
}

/* The prefix of index ix's entries for value (value NUL follows it). */
static size_t index_prefix(const zb_kind_desc *kd, const zb_index_desc *ix, char *buf) {
  if (ix->table)
    return 0;
  buf[0] = (char)kd->id;
  buf[1] = (char)(ix - kd->indexes);
  return 2;
}

static enum zb_dbi index_table(const zb_index_desc *ix) {
  return ix->table ? ix->table : ZB_DB_REC_INDEX;
}

size_t zb_pair_key(char *buf, const char *a, const char *b) {
  size_t al = strlen(a), bl = strlen(b);
  memcpy(buf, a, al);
  buf[al] = '\0';
  memcpy(buf + al + 1, b, bl);
  return al + 1 + bl;
}

static size_t index_key(const zb_kind_desc *kd, const zb_index_desc *ix, const char *value,
                        const char *key, char *buf) {
  size_t p = index_prefix(kd, ix, buf);
  return p + zb_pair_key(buf + p, value, key);
}

/* The index on the field that places records in the org tree. */
static const zb_index_desc *field_index(const zb_kind_desc *kd, int field) {
  for (int i = 0; i < kd->nindexes; i++)
    if (kd->indexes[i].field == field)
      return &kd->indexes[i];
  return NULL;
}

static const zb_index_desc *org_index(const zb_kind_desc *kd) {
  return field_index(kd, kd->org_field);
}

/* ---- records ---- */

/* Only the kind's own fields are touched: a zb_rec has room for the
 * widest kind, and an import or a sync copies records once per op. */
void zb_rec_init(zb_rec *r, const zb_kind_desc *kd) {
  r->kd = kd;
  memset(r->v, 0, (size_t)kd->nfields * sizeof r->v[0]);
  memset(r->st, 0, (size_t)kd->nfields * sizeof r->st[0]);
}

void zb_rec_copy(zb_rec *dst, const zb_rec *src) {
  dst->kd = src->kd;
  memcpy(dst->v, src->v, (size_t)src->kd->nfields * sizeof src->v[0]);
  memcpy(dst->st, src->st, (size_t)src->kd->nfields * sizeof src->st[0]);
}

static int rec_decode(const zb_kind_desc *kd, zb_val v, zb_rec *out) {
  int nf = kd->nfields;
  Zb__Record *pr = zb__record__unpack(NULL, v.len, v.data);
  if (!pr)
    return ZB_ECORRUPT;
  int ret = ZB_ECORRUPT;
  zb_rec_init(out, kd);
  /* A kind may gain fields at its end: a record stored before reads them
   * as empty (docs/RECORDS.md, "Kinds"). */
  if ((int)pr->kind != kd->id || pr->n_values > (size_t)nf)
    goto out;
  for (int i = 0; i < (int)pr->n_values; i++) {
    size_t n = strlen(pr->values[i]);
    if (n > ZB_FIELD_MAX)
      goto out;
    memcpy(out->v[i], pr->values[i], n + 1);
  }
  for (size_t s = 0; s < pr->n_stamps; s++) {
    const Zb__Stamp *ps = pr->stamps[s];
    size_t n = strlen(ps->origin);
    if (n > ZB_NODE_ID_MAX)
      goto out;
    zb_stamp st = {ps->hlc, ps->server_seq, ""};
    memcpy(st.origin, ps->origin, n + 1);
    for (int i = 0; i < nf && i < 32; i++)
      if (ps->mask & (1u << i))
        out->st[i] = st;
    for (size_t k = 0; k < ps->n_more_fields; k++) {
      if (ps->more_fields[k] >= (uint32_t)nf)
        goto out;
      out->st[ps->more_fields[k]] = st;
    }
  }
  ret = 0;
out:
  zb__record__free_unpacked(pr, NULL);
  return ret;
}

int zb_rec_load(zb_txn *t, const zb_kind_desc *kd, const char *key, zb_rec *out) {
  char k[ZB_KEY_MAX];
  zb_val v;
  int rc = zb_txn_get(t, rec_table(kd), k, rec_key(kd, key, k), &v);
  if (rc)
    return rc;
  return rec_decode(kd, v, out);
}

static bool same_stamp(const zb_stamp *a, const zb_stamp *b) {
  return a->hlc == b->hlc && a->server_seq == b->server_seq &&
         strcmp(a->origin, b->origin) == 0;
}

/* ---- unique index entries held back (zb_rec_defer_indexes) ----
 *
 * The transaction's note: for each unique index of one kind, the entries
 * put and deleted since its puts were held back, so that zb_index_holder
 * reads them from memory and only the entries stored before from the
 * table. */

struct held_note {
  const zb_kind_desc *kd;
  zb_held *ix[];   /* per index of kd; NULL for a non-unique one */
};

static void held_note_free(void *p) {
  struct held_note *hn = p;
  for (int i = 0; hn && i < hn->kd->nindexes; i++)
    zb_held_free(hn->ix[i]);
  free(hn);
}

static zb_held *held_of(zb_txn *t, const zb_kind_desc *kd, const zb_index_desc *ix) {
  struct held_note *hn = zb_txn_note(t);
  return hn && hn->kd == kd ? hn->ix[ix - kd->indexes] : NULL;
}

static int index_put(zb_txn *t, const zb_kind_desc *kd, const zb_index_desc *ix,
                     const char *value, const char *key, const uint8_t *entry, size_t elen) {
  char k[ZB_KEY_MAX];
  zb_held *h = held_of(t, kd, ix);
  int rc = h ? zb_held_mark(h, value, key, true) : 0;
  return rc ? rc
            : zb_txn_put(t, index_table(ix), k, index_key(kd, ix, value, key, k),
                         elen ? entry : (const uint8_t *)"", elen, 0);
}

static int index_del(zb_txn *t, const zb_kind_desc *kd, const zb_index_desc *ix,
                     const char *value, const char *key) {
  char k[ZB_KEY_MAX];
  zb_held *h = held_of(t, kd, ix);
  int rc = h ? zb_held_mark(h, value, key, false) : 0;
  return rc ? rc : zb_txn_del(t, index_table(ix), k, index_key(kd, ix, value, key, k));
}

int zb_rec_defer_indexes(zb_txn *t, const zb_kind_desc *kd) {
  struct held_note *hn = calloc(1, sizeof *hn + (size_t)kd->nindexes * sizeof hn->ix[0]);
  if (!hn)
    return ZB_ENOMEM;
  hn->kd = kd;
  zb_txn_set_note(t, hn, held_note_free);
  int rc = 0;
  for (int i = 0; i < kd->nindexes && !rc; i++) {
    if (kd->indexes[i].unique && !(hn->ix[i] = zb_held_new()))
      return ZB_ENOMEM;
    rc = zb_txn_defer(t, index_table(&kd->indexes[i]));
  }
  return rc;
}

/* What ix's entries carry (zb_kind_desc.org_entry), or NULL. */
static zb_entry_fn index_entry(const zb_kind_desc *kd, const zb_index_desc *ix) {
  return ix->field == kd->org_field && !ix->unique ? kd->org_entry : NULL;
}

/* A covering index's entry is put again when what it carries changed,
 * even if its key did not. */
static int index_update(zb_txn *t, const zb_rec *cur, const zb_rec *next) {
  const zb_kind_desc *kd = next->kd;
  int rc;
  for (int i = 0; i < kd->nindexes; i++) {
    const zb_index_desc *ix = &kd->indexes[i];
    const char *nv = next->v[ix->field];
    uint8_t e[ZB_INDEX_ENTRY_MAX], ce[ZB_INDEX_ENTRY_MAX];
    zb_entry_fn entry = index_entry(kd, ix);
    size_t elen = entry ? entry(next->v, e) : 0;
    bool same = cur && strcmp(cur->v[ix->field], nv) == 0;
    if (same && (!entry || (entry(cur->v, ce) == elen && memcmp(ce, e, elen) == 0)))
      continue;
    if (cur && !same && (rc = index_del(t, kd, ix, cur->v[ix->field], cur->v[0])))
      return rc;
    if ((rc = index_put(t, kd, ix, nv, next->v[0], e, elen)))
      return rc;
  }
  return 0;
}

/* Packs r into buf (ZB_REC_PACKED_MAX bytes) with its stamps. */
static int rec_pack(const zb_rec *r, uint8_t *buf, size_t *len) {
  const zb_kind_desc *kd = r->kd;
  int nf = kd->nfields;
  char *values[ZB_REC_FIELDS_MAX];
  Zb__Stamp stamps[ZB_REC_FIELDS_MAX], *stamp_ptrs[ZB_REC_FIELDS_MAX];
  uint32_t more[ZB_REC_FIELDS_MAX][ZB_REC_FIELDS_MAX];
  size_t nstamps = 0;
  /* Fields written together share one stamp: group them so that a freshly
   * imported member stores one stamp, not thirteen.  Fields 0-31 are named
   * by the stamp's mask, later ones in its list. */
  int group[ZB_REC_FIELDS_MAX];
  for (int i = 0; i < nf; i++) {
    values[i] = (char *)r->v[i];
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
      stamps[nstamps].more_fields = more[nstamps];
      stamp_ptrs[nstamps] = &stamps[nstamps];
      nstamps++;
    }
    Zb__Stamp *s = &stamps[group[i]];
    if (i < 32)
      s->mask |= 1u << i;
    else
      s->more_fields[s->n_more_fields++] = (uint32_t)i;
  }
  Zb__Record pr = ZB__RECORD__INIT;
  pr.kind = (Zb__RecordKind)kd->id;
  pr.n_values = (size_t)nf;
  pr.values = values;
  pr.n_stamps = nstamps;
  pr.stamps = stamp_ptrs;
  /* The same bytes as protobuf-c's (zb_pack.h), which packs what
   * zb_pack_record leaves. */
  if ((*len = zb_pack_record(&pr, buf, ZB_REC_PACKED_MAX)) > 0)
    return 0;
  *len = zb__record__get_packed_size(&pr);
  if (*len > ZB_REC_PACKED_MAX)
    return ZB_ETOOBIG;
  zb__record__pack(&pr, buf);
  return 0;
}

int zb_rec_store(zb_txn *t, const zb_rec *cur, const zb_rec *r) {
  uint8_t buf[ZB_REC_PACKED_MAX];
  size_t len;
  int rc = rec_pack(r, buf, &len);
  if (rc)
    return rc;
  char k[ZB_KEY_MAX];
  rc = zb_txn_put(t, rec_table(r->kd), k, rec_key(r->kd, r->v[0], k), buf, len, 0);
  return rc ? rc : index_update(t, cur, r);
}

/* ---- facts ---- */

/* Fact keys: kind byte, record key, NUL, fact index byte, fact id. */
static size_t fact_key(const zb_kind_desc *kd, const char *key, int fi, const char *id,
                       char *buf) {
  size_t kl = strnlen(key, ZB_FIELD_MAX), il = id ? strnlen(id, ZB_FIELD_MAX) : 0;
  buf[0] = (char)kd->id;
  memcpy(buf + 1, key, kl);
  buf[1 + kl] = '\0';
  if (fi < 0)
    return kl + 2;   /* the prefix of every fact of the record */
  buf[2 + kl] = (char)fi;
  memcpy(buf + 3 + kl, id, il);
  return kl + 3 + il;
}

int zb_fact_load(zb_txn *t, const zb_kind_desc *kd, const char *key, int fi, const char *id,
                 zb_rec *out) {
  char k[ZB_KEY_MAX + 2];
  zb_val v;
  int rc = zb_txn_get(t, ZB_DB_FACTS, k, fact_key(kd, key, fi, id, k), &v);
  return rc ? rc : rec_decode(kd->facts[fi], v, out);
}

int zb_fact_store(zb_txn *t, const zb_kind_desc *kd, const char *key, int fi,
                  const zb_rec *fact) {
  uint8_t buf[ZB_REC_PACKED_MAX];
  size_t len;
  int rc = rec_pack(fact, buf, &len);
  if (rc)
    return rc;
  char k[ZB_KEY_MAX + 2];
  return zb_txn_put(t, ZB_DB_FACTS, k, fact_key(kd, key, fi, fact->v[0], k), buf, len, 0);
}

struct fact_scan {
  const zb_kind_desc *kd;
  char prefix[ZB_KEY_MAX];
  size_t plen;
  zb_fact_fn fn;
  void *ctx;
  zb_rec rec;
};

static int fact_row(void *ctx, zb_val key, zb_val val) {
  struct fact_scan *fs = ctx;
  if (key.len <= fs->plen || memcmp(key.data, fs->prefix, fs->plen) != 0)
    return 1;
  int fi = ((const uint8_t *)key.data)[fs->plen];
  if (fi >= fs->kd->nfacts)
    return ZB_ECORRUPT;
  int rc = rec_decode(fs->kd->facts[fi], val, &fs->rec);
  return rc ? rc : fs->fn(fs->ctx, fi, &fs->rec);
}

int zb_facts_scan(zb_txn *t, const zb_kind_desc *kd, const char *key, zb_fact_fn fn, void *ctx) {
  if (kd->nfacts == 0)
    return 0;
  struct fact_scan *fs = malloc(sizeof *fs);
  if (!fs)
    return ZB_ENOMEM;
  fs->kd = kd;
  fs->plen = fact_key(kd, key, -1, NULL, fs->prefix);
  fs->fn = fn;
  fs->ctx = ctx;
  int rc = zb_txn_scan(t, ZB_DB_FACTS, fs->prefix, fs->plen, fact_row, fs);
  free(fs);
  return rc;
}

/* The first key under a prefix, copied (a record has few facts: delete
 * them one by one, each found afresh, since a delete moves the cursor). */
struct first_key {
  const char *prefix;
  size_t plen, len;
  char buf[ZB_KEY_MAX + 2];
  bool found;
};

static int first_key_row(void *ctx, zb_val key, zb_val val) {
  struct first_key *f = ctx;
  (void)val;
  if (key.len < f->plen || key.len > sizeof f->buf || memcmp(key.data, f->prefix, f->plen) != 0)
    return 1;
  memcpy(f->buf, key.data, key.len);
  f->len = key.len;
  f->found = true;
  return 1;
}

/* Deletes every fact of a record (its rollback rebuilds them). */
static int facts_delete(zb_txn *t, const zb_kind_desc *kd, const char *key) {
  if (kd->nfacts == 0)
    return 0;
  char prefix[ZB_KEY_MAX];
  size_t plen = fact_key(kd, key, -1, NULL, prefix);
  struct first_key f = {.prefix = prefix, .plen = plen};
  for (;;) {
    f.found = false;
    int rc = zb_txn_scan(t, ZB_DB_FACTS, prefix, plen, first_key_row, &f);
    if (rc || !f.found)
      return rc;
    if ((rc = zb_txn_del(t, ZB_DB_FACTS, f.buf, f.len)))
      return rc;
  }
}

int zb_rec_delete(zb_txn *t, const zb_kind_desc *kd, const char *key) {
  zb_rec *r = malloc(sizeof *r);
  char k[ZB_KEY_MAX];
  if (!r)
    return ZB_ENOMEM;
  int rc = zb_rec_load(t, kd, key, r);
  if (rc == ZB_ENOTFOUND) {
    rc = 0;
    goto out;
  }
  if (rc)
    goto out;
  for (int i = 0; i < kd->nindexes && !rc; i++)
    rc = index_del(t, kd, &kd->indexes[i], r->v[kd->indexes[i].field], key);
  if (!rc)
    rc = zb_txn_del(t, rec_table(kd), k, rec_key(kd, key, k));
  if (!rc)
    rc = facts_delete(t, kd, key);
out:
  free(r);
  return rc;
}

struct holder_scan {
  size_t plen;      /* prefix + value + NUL */
  const char *start, *value, *self;
  const zb_held *held;   /* entries held back, or NULL */
  char *out;
  bool found;
};

static int holder_row(void *ctx, zb_val key, zb_val val) {
  struct holder_scan *hs = ctx;
  (void)val;
  if (key.len <= hs->plen || memcmp(key.data, hs->start, hs->plen) != 0)
    return 1;
  const char *k = (const char *)key.data + hs->plen;
  size_t idlen = key.len - hs->plen;
  if (idlen > ZB_FIELD_MAX)
    return ZB_ECORRUPT;
  if (idlen == strlen(hs->self) && memcmp(k, hs->self, idlen) == 0)
    return 0;
  memcpy(hs->out, k, idlen);
  hs->out[idlen] = '\0';
  /* Stored before, deleted since. */
  if (hs->held && zb_held_removed(hs->held, hs->value, hs->out))
    return 0;
  hs->found = true;
  return 1;
}

void zb_index_prefetch(zb_txn *t, const zb_kind_desc *kd, const char *const *values) {
  for (int i = 0; i < kd->nindexes; i++) {
    const zb_held *h = held_of(t, kd, &kd->indexes[i]);
    if (h)
      zb_held_prefetch(h, values[kd->indexes[i].field]);
  }
}

int zb_index_holder(zb_txn *t, const zb_kind_desc *kd, const zb_index_desc *ix,
                    const char *value, const char *self, char out[ZB_FIELD_MAX + 1]) {
  char start[ZB_KEY_MAX];
  size_t p = index_prefix(kd, ix, start);
  size_t vlen = strnlen(value, ZB_FIELD_MAX);
  memcpy(start + p, value, vlen);
  start[p + vlen] = '\0';
  const zb_held *h = held_of(t, kd, ix);
  if (h) {
    const char *other = zb_held_other(h, start + p, self);
    if (other) {
      snprintf(out, ZB_FIELD_MAX + 1, "%s", other);
      return 0;
    }
  }
  struct holder_scan hs = {p + vlen + 1, start, start + p, self, h, out, false};
  int rc = h ? zb_txn_scan_stored(t, index_table(ix), start, hs.plen, holder_row, &hs)
             : zb_txn_scan(t, index_table(ix), start, hs.plen, holder_row, &hs);
  if (rc)
    return rc;
  return hs.found ? 0 : ZB_ENOTFOUND;
}

int zb_member_load(zb_txn *t, const char *id, zb_member *out) {
  zb_rec *r = malloc(sizeof *r);
  if (!r)
    return ZB_ENOMEM;
  int rc = zb_rec_load(t, &zb_kind_member, id, r);
  if (rc == 0)
    memcpy(out->v, r->v, sizeof out->v);
  free(r);
  return rc;
}

/* ---- subtree scans ---- */

static bool key_in_subtree(const char *k, size_t len, const char *root, size_t rlen) {
  if (len < rlen || memcmp(k, root, rlen) != 0)
    return false;
  return len == rlen || k[rlen] == '\0' || k[rlen] == '-';
}

struct key_list {
  char **keys;
  size_t n, cap;
  size_t plen;          /* index prefix length */
  const char *root;     /* the code (with prefix) the run starts at */
  size_t rlen;
  bool exact;           /* only entries whose value is exactly root */
};

static int collect_key(void *ctx, zb_val key, zb_val val) {
  struct key_list *l = ctx;
  (void)val;
  const char *k = key.data;
  if (key.len < l->plen || memcmp(k, l->root, l->plen) != 0)
    return 1;
  if (!key_in_subtree(k, key.len, l->root, l->rlen))
    return 1;
  if (l->exact && k[l->rlen] != '\0')
    return 1;
  const char *nul = memchr(k + l->plen, '\0', key.len - l->plen);
  if (!nul)
    return ZB_ECORRUPT;
  size_t idlen = key.len - (size_t)(nul - k) - 1;
  if (l->n == l->cap) {
    size_t cap = l->cap ? l->cap * 2 : 1024;
    char **keys = realloc(l->keys, cap * sizeof *keys);
    if (!keys)
      return ZB_ENOMEM;
    l->keys = keys;
    l->cap = cap;
  }
  char *id = malloc(idlen + 1);
  if (!id)
    return ZB_ENOMEM;
  memcpy(id, nul + 1, idlen);
  id[idlen] = '\0';
  l->keys[l->n++] = id;
  return 0;
}

/* Appends to l the keys of the records whose org field is in the subtree
 * of code (exact: is code). */
static int collect_org(zb_txn *t, const zb_kind_desc *kd, const zb_index_desc *ix,
                       const char *code, bool exact, struct key_list *l) {
  char start[ZB_KEY_MAX];
  size_t p = index_prefix(kd, ix, start);
  size_t clen = strnlen(code, ZB_FIELD_MAX);
  memcpy(start + p, code, clen);
  l->plen = p;
  l->root = start;
  l->rlen = p + clen;
  l->exact = exact;
  return zb_txn_scan(t, index_table(ix), start, p + clen, collect_key, l);
}

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

struct table_scan {
  const zb_kind_desc *kd;
  const char *root;     /* with the kind byte, for the shared table */
  size_t rlen, plen;
  zb_rec_fn fn;
  void *ctx;
  zb_rec rec;
};

static int table_row(void *ctx, zb_val key, zb_val val) {
  struct table_scan *ts = ctx;
  if (key.len < ts->plen || memcmp(key.data, ts->root, ts->plen) != 0)
    return 1;
  if (ts->rlen > ts->plen && !key_in_subtree(key.data, key.len, ts->root, ts->rlen))
    return 1;
  int rc = rec_decode(ts->kd, val, &ts->rec);
  return rc ? rc : ts->fn(ts->ctx, &ts->rec);
}

/* Calls fn for the records whose keys l holds, in key order, each once. */
static int walk_keys(zb_txn *t, const zb_kind_desc *kd, struct key_list *l,
                     struct table_scan *ts, zb_rec_fn fn, void *ctx) {
  if (l->n > 1)
    qsort(l->keys, l->n, sizeof *l->keys, cmp_str);
  for (size_t i = 0; i < l->n; i++) {
    if (i > 0 && strcmp(l->keys[i], l->keys[i - 1]) == 0)
      continue;
    int rc = zb_rec_load(t, kd, l->keys[i], &ts->rec);
    if (rc)
      return rc;
    if ((rc = fn(ctx, &ts->rec)) != 0)
      return rc > 0 ? 0 : rc;
  }
  return 0;
}

int zb_recs_in_subtree(zb_txn *t, const zb_kind_desc *kd, const char *root, bool visible,
                       zb_rec_fn fn, void *ctx) {
  if (root && !*root)
    root = NULL;
  const zb_index_desc *ix = org_index(kd);
  struct table_scan *ts = malloc(sizeof *ts);
  if (!ts)
    return ZB_ENOMEM;
  ts->kd = kd;
  ts->fn = fn;
  ts->ctx = ctx;
  int rc = 0;
  if (!root || !ix) {
    /* Every record, or a kind keyed by its org code (the org tree): one
     * run of its table. */
    char start[ZB_KEY_MAX];
    size_t p = kd->table ? 0 : 1;
    start[0] = (char)kd->id;
    size_t rl = root ? strnlen(root, ZB_FIELD_MAX) : 0;
    memcpy(start + p, root ? root : "", rl);
    ts->root = start;
    ts->plen = p;
    ts->rlen = p + rl;
    rc = p + rl ? zb_txn_scan(t, rec_table(kd), start, p + rl, table_row, ts)
                : zb_txn_scan(t, rec_table(kd), NULL, 0, table_row, ts);
    free(ts);
    return rc;
  }
  struct key_list l = {0};
  rc = collect_org(t, kd, ix, root, false, &l);
  if (!rc && visible && kd->reach == ZB_REACH_DOWN) {
    char up[ZB_FIELD_MAX + 1];
    zb_org_parent(root, up);
    while (!rc && up[0]) {
      rc = collect_org(t, kd, ix, up, true, &l);
      char next[ZB_FIELD_MAX + 1];
      zb_org_parent(up, next);
      memcpy(up, next, sizeof up);
    }
  }
  /* A kind that also reaches a second org (a transfer's destination):
   * what a node holds includes the records that name its subtree there. */
  const zb_index_desc *rix = visible && kd->reach_field ? field_index(kd, kd->reach_field) : NULL;
  if (!rc && rix)
    rc = collect_org(t, kd, rix, root, false, &l);
  if (rc)
    goto out;
  rc = walk_keys(t, kd, &l, ts, fn, ctx);
out:
  for (size_t i = 0; i < l.n; i++)
    free(l.keys[i]);
  free(l.keys);
  free(ts);
  return rc == ZB_ENOTFOUND ? ZB_ECORRUPT : rc;
}

int zb_recs_with(zb_txn *t, const zb_kind_desc *kd, int field, const char *value, zb_rec_fn fn,
                 void *ctx) {
  const zb_index_desc *ix = field_index(kd, field);
  if (!ix)
    return ZB_EINVAL;
  struct table_scan *ts = malloc(sizeof *ts);
  if (!ts)
    return ZB_ENOMEM;
  struct key_list l = {0};
  int rc = collect_org(t, kd, ix, value, true, &l);
  if (!rc)
    rc = walk_keys(t, kd, &l, ts, fn, ctx);
  for (size_t i = 0; i < l.n; i++)
    free(l.keys[i]);
  free(l.keys);
  free(ts);
  return rc == ZB_ENOTFOUND ? ZB_ECORRUPT : rc;
}

size_t zb_recs_total(zb_txn *t, const zb_kind_desc *kd) {
  assert(kd->table);
  return zb_txn_count(t, rec_table(kd));
}

struct index_walk {
  size_t plen;
  const uint8_t *prefix;
  zb_index_entry_fn fn;
  void *ctx;
};

static int index_walk_row(void *ctx, zb_val key, zb_val val) {
  struct index_walk *iw = ctx;
  (void)val;
  const char *k = key.data;
  if (key.len < iw->plen || memcmp(k, iw->prefix, iw->plen) != 0)
    return 1;
  const char *nul = memchr(k + iw->plen, '\0', key.len - iw->plen);
  size_t vlen = nul ? (size_t)(nul - k) - iw->plen : 0, klen = nul ? key.len - iw->plen - vlen - 1 : 0;
  char value[ZB_FIELD_MAX + 1], rk[ZB_FIELD_MAX + 1];
  if (!nul || vlen > ZB_FIELD_MAX || klen > ZB_FIELD_MAX)
    return ZB_ECORRUPT;
  memcpy(value, k + iw->plen, vlen);
  value[vlen] = '\0';
  memcpy(rk, nul + 1, klen);
  rk[klen] = '\0';
  return iw->fn(iw->ctx, value, rk);
}

int zb_index_scan(zb_txn *t, const zb_kind_desc *kd, int field, zb_index_entry_fn fn, void *ctx) {
  const zb_index_desc *ix = field_index(kd, field);
  if (!ix)
    return ZB_EINVAL;
  uint8_t prefix[2];
  size_t p = index_prefix(kd, ix, (char *)prefix);
  struct index_walk iw = {p, prefix, fn, ctx};
  return zb_txn_scan(t, index_table(ix), p ? prefix : NULL, p, index_walk_row, &iw);
}

struct count_ctx {
  const char *root;
  size_t plen, rlen, n;
};

static int count_row(void *ctx, zb_val key, zb_val val) {
  struct count_ctx *cc = ctx;
  (void)val;
  if (key.len < cc->plen || memcmp(key.data, cc->root, cc->plen) != 0 ||
      !key_in_subtree(key.data, key.len, cc->root, cc->rlen))
    return 1;
  cc->n++;
  return 0;
}

int zb_recs_count(zb_txn *t, const zb_kind_desc *kd, const char *root, size_t *out) {
  const zb_index_desc *ix = org_index(kd);
  char start[ZB_KEY_MAX];
  size_t rl = strnlen(root, ZB_FIELD_MAX);
  size_t p = ix ? index_prefix(kd, ix, start) : (kd->table ? 0 : 1);
  if (!ix)
    start[0] = (char)kd->id;
  memcpy(start + p, root, rl);
  struct count_ctx cc = {start, p, p + rl, 0};
  int rc = zb_txn_scan(t, ix ? index_table(ix) : rec_table(kd), start, p + rl, count_row, &cc);
  *out = cc.n;
  return rc;
}


struct typed_scan {
  zb_member_fn fn;
  void *ctx;
};

static int typed_row(void *ctx, const zb_rec *r) {
  struct typed_scan *ts = ctx;
  /* zb_member is an array of the same zb_value cells. */
  return ts->fn(ts->ctx, (const zb_member *)r->v);
}

/* ---- member facts: a scan of the org index alone ---- */

struct facts_scan {
  const char *root;    /* the root code */
  size_t rlen;
  const char *to;      /* the first org code past the part, or NULL */
  size_t tlen;
  zb_member_facts_fn fn;
  void *ctx;
};

static int facts_row(void *ctx, zb_val key, zb_val val) {
  struct facts_scan *fs = ctx;
  const char *k = key.data;
  if (!key_in_subtree(k, key.len, fs->root, fs->rlen))
    return 1;
  const char *nul = memchr(k + fs->rlen, '\0', key.len - fs->rlen);
  if (!nul)
    return ZB_ECORRUPT;
  size_t olen = (size_t)(nul - k), idlen = key.len - olen - 1;
  if (fs->to) {   /* org >= to: past the part */
    int c = memcmp(k, fs->to, olen < fs->tlen ? olen : fs->tlen);
    if (c > 0 || (c == 0 && olen >= fs->tlen))
      return 1;
  }
  char org[ZB_FIELD_MAX + 1], id[ZB_FIELD_MAX + 1];
  if (olen > ZB_FIELD_MAX || idlen > ZB_FIELD_MAX)
    return ZB_ECORRUPT;
  memcpy(org, k, olen);
  org[olen] = '\0';
  memcpy(id, nul + 1, idlen);
  id[idlen] = '\0';
  zb_stats_facts f;
  int rc = zb_stats_facts_unpack(val.data, val.len, &f);
  return rc ? rc : fs->fn(fs->ctx, org, id, &f);
}

int zb_member_facts_scan(zb_txn *t, const char *root, zb_member_facts_fn fn, void *ctx) {
  const zb_index_desc *ix = org_index(&zb_kind_member);
  assert(ix && ix->table && zb_kind_member.org_entry);
  size_t rlen = strnlen(root, ZB_FIELD_MAX);
  struct facts_scan fs = {root, rlen, NULL, 0, fn, ctx};
  return zb_txn_scan(t, index_table(ix), root, rlen, facts_row, &fs);
}

int zb_member_facts_scan_part(zb_txn *t, const char *root, const char *from, const char *to,
                              zb_member_facts_fn fn, void *ctx) {
  const zb_index_desc *ix = org_index(&zb_kind_member);
  assert(ix && ix->table && zb_kind_member.org_entry);
  size_t rlen = strnlen(root, ZB_FIELD_MAX);
  struct facts_scan fs = {root, rlen, to, to ? strnlen(to, ZB_FIELD_MAX) : 0, fn, ctx};
  const char *start = from && strcmp(from, root) > 0 ? from : root;
  return zb_txn_scan(t, index_table(ix), start, strnlen(start, ZB_FIELD_MAX), facts_row, &fs);
}

int zb_members_in_subtree(zb_txn *t, const char *root, zb_member_fn fn, void *ctx) {
  struct typed_scan ts = {fn, ctx};
  return zb_recs_in_subtree(t, &zb_kind_member, root, false, typed_row, &ts);
}

int zb_members_count(zb_txn *t, const char *root, size_t *out) {
  return zb_recs_count(t, &zb_kind_member, root, out);
}

int zb_state_members_of(zb_txn *t, const char *root, zb_member_fn fn, void *ctx) {
  zb_rec *org = malloc(sizeof *org);
  if (!org)
    return ZB_ENOMEM;
  int rc = zb_rec_load(t, &zb_kind_org, root, org);   /* no such org: not found */
  free(org);
  if (rc)
    return rc;
  return zb_members_in_subtree(t, root, fn, ctx);
}

static int stats_facts(void *ctx, const char *org, const char *id, const zb_stats_facts *f) {
  (void)org, (void)id;
  zb_stats_add_facts(ctx, f);
  return 0;
}

/* From the org index alone (zb_member_facts_scan): no record is read, so
 * memory does not grow with the subtree and nothing is unpacked. */
int zb_state_stats(zb_txn *t, const char *root, zb_stats *out) {
  zb_rec *org = malloc(sizeof *org);
  if (!org)
    return ZB_ENOMEM;
  int rc = zb_rec_load(t, &zb_kind_org, root, org);   /* no such org: not found */
  free(org);
  if (rc)
    return rc;
  return zb_member_facts_scan(t, root, stats_facts, out);
}

/* ---- the format of the index entries ---- */

struct entries_fill {
  zb_txn *t;
  const zb_kind_desc *kd;
  zb_rec rec;
};

static int entries_row(void *ctx, zb_val key, zb_val val) {
  struct entries_fill *ef = ctx;
  const zb_kind_desc *kd = ef->kd;
  if (!kd->table && (key.len < 1 || ((const uint8_t *)key.data)[0] != (uint8_t)kd->id))
    return 1;   /* past the kind's run of the shared table */
  int rc = rec_decode(kd, val, &ef->rec);
  for (int i = 0; i < kd->nindexes && !rc; i++) {
    const zb_index_desc *ix = &kd->indexes[i];
    uint8_t e[ZB_INDEX_ENTRY_MAX];
    if (index_entry(kd, ix))
      rc = index_put(ef->t, kd, ix, ef->rec.v[ix->field], ef->rec.v[0], e,
                     index_entry(kd, ix)(ef->rec.v, e));
  }
  return rc;
}

int zb_state_format_mark(zb_txn *t) {
  return zb_meta_put_u64(t, "state_format", ZB_STATE_FORMAT);
}

static int upgrade_write(zb_txn *t, void *ctx) {
  (void)ctx;
  uint64_t format;
  int rc = zb_meta_get_u64(t, "state_format", &format);
  if (rc || format >= ZB_STATE_FORMAT)
    return rc;
  struct entries_fill *ef = malloc(sizeof *ef);
  if (!ef)
    return ZB_ENOMEM;
  ef->t = t;
  for (int k = 0; zb_kinds[k] && !rc; k++) {
    const zb_kind_desc *kd = zb_kinds[k];
    if (!kd->org_entry)
      continue;
    uint8_t start = (uint8_t)kd->id;
    ef->kd = kd;
    /* Records come in key order, their entries in org order: held and
     * written sorted (zb_txn_defer). */
    for (int i = 0; i < kd->nindexes && !rc; i++)
      if (index_entry(kd, &kd->indexes[i]))
        rc = zb_txn_defer(t, index_table(&kd->indexes[i]));
    if (!rc)
      rc = zb_txn_scan(t, rec_table(kd), kd->table ? NULL : &start, kd->table ? 0 : 1,
                     entries_row, ef);
  }
  free(ef);
  return rc ? rc : zb_state_format_mark(t);
}

int zb_state_upgrade(zb_store *s) {
  uint64_t format;
  int rc = zb_store_meta_u64(s, "state_format", &format);
  if (rc || format >= ZB_STATE_FORMAT)
    return rc;
  return zb_store_write(s, upgrade_write, NULL);
}

/* ---- the org directory of a scope ---- */

struct org_csv {
  FILE *out;
  const char *root;
};

static int org_csv_row(void *ctx, const zb_rec *r) {
  struct org_csv *oc = ctx;
  if (!zb_org_in_subtree(r->v[0], oc->root))
    return 0;
  const char *v[ZB_REC_FIELDS_MAX];
  for (int i = 0; i < r->kd->nfields; i++)
    v[i] = r->v[i];
  return zb_csv_write_row(oc->out, v, (size_t)r->kd->nfields);
}

int zb_state_org_csv(zb_txn *t, const char *root, FILE *out) {
  zb_rec *org = malloc(sizeof *org);
  if (!org)
    return ZB_ENOMEM;
  int rc = zb_rec_load(t, &zb_kind_org, root, org);   /* no such org: not found */
  free(org);
  if (rc)
    return rc;
  const zb_kind_desc *kd = &zb_kind_org;
  const char *h[ZB_REC_FIELDS_MAX];
  for (int i = 0; i < kd->nfields; i++)
    h[i] = kd->fields[i].name;
  if ((rc = zb_csv_write_row(out, h, (size_t)kd->nfields)))
    return rc;
  /* In key order: a parent before its children, as an import needs. */
  struct org_csv oc = {out, root};
  return zb_recs_in_subtree(t, kd, root, false, org_csv_row, &oc);
}

/* ---- digest ---- */

static void digest_values(zb_sha *sha, uint8_t tag, const zb_rec *r) {
  zb_sha_update(sha, &tag, 1);
  for (int i = 0; i < r->kd->nfields; i++) {
    uint32_t len = (uint32_t)strlen(r->v[i]);
    uint8_t be[4] = {(uint8_t)(len >> 24), (uint8_t)(len >> 16), (uint8_t)(len >> 8),
                     (uint8_t)len};
    zb_sha_update(sha, be, 4);
    zb_sha_update(sha, r->v[i], len);
  }
}

struct digest_ctx {
  zb_sha *sha;
  zb_txn *t;
};

/* A fact follows its record: 0xFF, the fact's index, then its fields. */
static int digest_fact(void *ctx, int fi, const zb_rec *f) {
  zb_sha *sha = ctx;
  digest_values(sha, 0xFF, f);
  uint8_t i = (uint8_t)fi;
  zb_sha_update(sha, &i, 1);
  return 0;
}

static int digest_rec(void *ctx, const zb_rec *r) {
  struct digest_ctx *dc = ctx;
  digest_values(dc->sha, (uint8_t)r->kd->id, r);
  return zb_facts_scan(dc->t, r->kd, r->v[0], digest_fact, dc->sha);
}

int zb_state_digest(zb_txn *t, const char *root, char out[65]) {
  zb_sha *sha = zb_sha_new();
  if (!sha)
    return ZB_ENOMEM;
  int rc = 0;
  struct digest_ctx dc = {sha, t};
  for (int k = 0; zb_kinds[k] && !rc; k++)
    rc = zb_recs_in_subtree(t, zb_kinds[k], root, true, digest_rec, &dc);
  if (rc == 0) {
    uint8_t d[ZB_SHA256_LEN];
    zb_sha_final(sha, d);
    zb_hex(d, sizeof d, out);
  }
  zb_sha_free(sha);
  return rc;
}

/* ---- helpers shared by writers ---- */

const char *zb_field_name(int kind, int field) {
  return zb_kind_field_name(zb_kind_by_id(kind), field);
}

size_t zb_rec_diff(const zb_rec *cur, const zb_rec *next, int *fields, char **vals) {
  size_t nf = 0;
  for (int i = 1; i < next->kd->nfields; i++) {
    char *v = (char *)next->v[i];
    if (cur ? strcmp(cur->v[i], v) != 0 : *v != '\0') {
      fields[nf] = i;
      vals[nf++] = v;
    }
  }
  return nf;
}

const enum zb_dbi zb_state_dbs[ZB_STATE_NDBS] = {
    ZB_DB_ORGS,    ZB_DB_MEMBERS,   ZB_DB_MEMBER_ORG, ZB_DB_MEMBER_IDNUM,
    ZB_DB_RECORDS, ZB_DB_REC_INDEX, ZB_DB_FACTS};

static int hash_row(void *ctx, zb_val key, zb_val val) {
  uint8_t len[8];
  zb_u64_be(((uint64_t)key.len << 32) | val.len, len);
  zb_sha_update(ctx, len, 8);
  zb_sha_update(ctx, key.data, key.len);
  zb_sha_update(ctx, val.data, val.len);
  return 0;
}

int zb_state_hash(zb_txn *t, uint8_t out[ZB_SHA256_LEN]) {
  zb_sha *sha = zb_sha_new();
  if (!sha)
    return ZB_ENOMEM;
  int rc = 0;
  for (size_t i = 0; i < ZB_STATE_NDBS && !rc; i++) {
    uint8_t tag = (uint8_t)zb_state_dbs[i];
    zb_sha_update(sha, &tag, 1);
    rc = zb_txn_scan(t, zb_state_dbs[i], NULL, 0, hash_row, sha);
  }
  if (!rc)
    zb_sha_final(sha, out);
  zb_sha_free(sha);
  return rc;
}

int zb_state_drop(zb_txn *t) {
  int rc = 0;
  for (size_t i = 0; i < ZB_STATE_NDBS && !rc; i++)
    rc = zb_txn_drop(t, zb_state_dbs[i]);
  return rc;
}

struct entries_check {
  zb_txn *t;
  const zb_kind_desc *kd;
  size_t n;
  char *why;
  size_t cap;
  zb_rec rec;
};

static int entries_check_row(void *ctx, zb_val key, zb_val val) {
  struct entries_check *ec = ctx;
  const zb_kind_desc *kd = ec->kd;
  const zb_index_desc *ix = org_index(kd);
  (void)key;
  int rc = rec_decode(kd, val, &ec->rec);
  if (rc)
    return rc;
  uint8_t e[ZB_INDEX_ENTRY_MAX];
  size_t elen = kd->org_entry(ec->rec.v, e);
  char k[ZB_KEY_MAX];
  zb_val got;
  rc = zb_txn_get(ec->t, index_table(ix), k,
                  index_key(kd, ix, ec->rec.v[ix->field], ec->rec.v[0], k), &got);
  if (rc == ZB_ENOTFOUND || (!rc && (got.len != elen || memcmp(got.data, e, elen) != 0))) {
    snprintf(ec->why, ec->cap, "state: the %s index entry of %s %s differs from its record",
             kd->fields[ix->field].name, kd->name, ec->rec.v[0]);
    return ZB_ECORRUPT;
  }
  ec->n++;
  return rc;
}

/* Each record's entry in its kind's covering org index is what the record
 * gives (org_entry), and there is no other entry. */
static int entries_check(zb_txn *t, char *why, size_t cap) {
  struct entries_check *ec = malloc(sizeof *ec);
  if (!ec)
    return ZB_ENOMEM;
  *ec = (struct entries_check){.t = t, .why = why, .cap = cap};
  int rc = 0;
  for (int k = 0; zb_kinds[k] && !rc; k++) {
    const zb_kind_desc *kd = zb_kinds[k];
    const zb_index_desc *ix = org_index(kd);
    if (!kd->org_entry || !kd->table || !ix || !ix->table)
      continue;
    ec->kd = kd;
    ec->n = 0;
    rc = zb_txn_scan(t, kd->table, NULL, 0, entries_check_row, ec);
    if (!rc && ec->n != zb_txn_count(t, ix->table)) {
      snprintf(why, cap, "state: the %s index of %s holds %zu entries for %zu records",
               kd->fields[ix->field].name, kd->plural, zb_txn_count(t, ix->table), ec->n);
      rc = ZB_ECORRUPT;
    }
  }
  free(ec);
  return rc;
}

int zb_state_rebuild_check(zb_txn *t, int (*rebuild)(zb_txn *t, void *ctx), void *ctx,
                           char *why, size_t cap) {
  uint8_t stored[ZB_SHA256_LEN], rebuilt[ZB_SHA256_LEN];
  int rc = entries_check(t, why, cap);
  if (!rc)
    rc = zb_state_hash(t, stored);
  if (!rc)
    rc = zb_state_drop(t);
  if (!rc)
    rc = rebuild(t, ctx);
  if (!rc)
    rc = zb_state_hash(t, rebuilt);
  if (!rc && memcmp(stored, rebuilt, sizeof stored) != 0) {
    snprintf(why, cap, "state: the stored records differ from a rebuild from the log");
    rc = ZB_ECORRUPT;
  }
  return rc;
}

/* ---- conflict records ---- */

struct conflict_scan {
  zb_txn *t;
  const char *root;
  zb_conflict_fn fn;
  void *ctx;
  zb_rec rec;
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
    const zb_kind_desc *kd = zb_kind_by_id((int)c->kind);
    in = kd && zb_rec_load(cs->t, kd, c->key, &cs->rec) == 0 &&
         zb_org_in_subtree(cs->rec.v[kd->org_field], cs->root);
  }
  if (in) {
    zb_conflict_view v = {
        .kind = zb_view_kind_name(c->kind), .key = c->key,
        .field = zb_view_field_name(c->kind, (int)c->field, ""),
        .winner_value = c->winner_value, .winner_origin = c->winner_origin,
        .winner_hlc = c->winner_hlc, .loser_value = c->loser_value,
        .loser_origin = c->loser_origin, .loser_hlc = c->loser_hlc,
        .server_seq = c->server_seq};
    rc = cs->fn(cs->ctx, &v);
  }
  zb__conflict__free_unpacked(c, NULL);
  return rc;
}

int zb_conflicts_scan(zb_txn *t, const char *root, zb_conflict_fn fn, void *ctx) {
  struct conflict_scan *cs = malloc(sizeof *cs);
  if (!cs)
    return ZB_ENOMEM;
  cs->t = t;
  cs->root = root && *root ? root : NULL;
  cs->fn = fn;
  cs->ctx = ctx;
  int rc = zb_txn_scan(t, ZB_DB_CONFLICTS, NULL, 0, conflict_row, cs);
  free(cs);
  return rc;
}
