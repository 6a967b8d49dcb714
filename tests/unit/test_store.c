/* zb_store, the one boundary to LMDB: open and create, map growth on a tiny
 * map (a full map reruns the write; zb_store_reserve grows it beforehand so
 * that it does not), write and discard, scan, last, count, meta values
 * (docs/DESIGN-NOTES.md, "Storage"). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "zb_err.h"
#include "zb_store.h"

#define TINY_MAP ((size_t)1 << 20)

static char dir[64];

static int setup(void **state) {
  (void)state;
  snprintf(dir, sizeof dir, "/tmp/zb-store-XXXXXX");
  assert_non_null(mkdtemp(dir));
  return 0;
}

static int teardown(void **state) {
  (void)state;
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
  return system(cmd);
}

static void test_open_create(void **state) {
  (void)state;
  char sub[128];
  snprintf(sub, sizeof sub, "%s/data", dir);
  zb_store *s = NULL;
  assert_int_equal(zb_store_open(sub, false, &s), ZB_ENOTINIT);
  assert_null(s);
  assert_int_equal(zb_store_open(sub, true, &s), 0);
  assert_string_equal(zb_store_dir(s), sub);
  assert_true(zb_store_map_size(s) >= ((size_t)256 << 20));
  assert_true(zb_store_used(s) > 0);
  assert_int_equal(zb_store_map_reruns(s), 0);
  zb_store_close(s);
  /* Reopening an existing store works without create. */
  assert_int_equal(zb_store_open(sub, false, &s), 0);
  zb_store_close(s);
  zb_store_close(NULL);
}

/* Puts n values of vlen bytes under keys "k000000"...; counts its calls. */
struct fill {
  int n;
  size_t vlen;
  int calls;
};

static int fill_write(zb_txn *t, void *ctx) {
  struct fill *f = ctx;
  f->calls++;
  char *v = malloc(f->vlen);
  if (!v)
    return ZB_ENOMEM;
  int rc = 0;
  for (int i = 0; i < f->n && rc == 0; i++) {
    char k[16];
    int kl = snprintf(k, sizeof k, "k%06d", i);
    memset(v, 'a' + i % 26, f->vlen);
    rc = zb_txn_put(t, ZB_DB_MEMBERS, k, (size_t)kl, v, f->vlen, 0);
  }
  free(v);
  return rc;
}

static void check_fill(zb_store *s, const struct fill *f) {
  zb_txn *t;
  assert_int_equal(zb_store_read(s, &t), 0);
  assert_int_equal(zb_txn_count(t, ZB_DB_MEMBERS), (size_t)f->n);
  zb_val v;
  char k[16];
  int kl = snprintf(k, sizeof k, "k%06d", f->n - 1);
  assert_int_equal(zb_txn_get(t, ZB_DB_MEMBERS, k, (size_t)kl, &v), 0);
  assert_int_equal(v.len, f->vlen);
  assert_int_equal(((const char *)v.data)[0], 'a' + (f->n - 1) % 26);
  zb_txn_end(t);
}

/* A write larger than the map fails with MAP_FULL inside, and is run again
 * on a doubled map until it fits; everything lands. */
static void test_map_full_rerun(void **state) {
  (void)state;
  zb_store *s;
  assert_int_equal(zb_store_open_sized(dir, true, TINY_MAP, &s), 0);
  size_t map0 = zb_store_map_size(s);
  assert_true(map0 <= 2 * TINY_MAP);
  struct fill f = {.n = 4000, .vlen = 1000};   /* ≈ 4 MB: four doublings */
  assert_int_equal(zb_store_write(s, fill_write, &f), 0);
  assert_true(f.calls >= 2);
  assert_int_equal(zb_store_map_reruns(s), (unsigned long)(f.calls - 1));
  assert_true(zb_store_map_size(s) >= 4 * map0);
  check_fill(s, &f);
  zb_store_close(s);
  /* The grown map is the file's now: reopening with a tiny map adopts it. */
  assert_int_equal(zb_store_open_sized(dir, false, TINY_MAP, &s), 0);
  check_fill(s, &f);
  zb_store_close(s);
}

/* zb_store_reserve grows the map beforehand: the same write then runs once. */
static void test_reserve(void **state) {
  (void)state;
  zb_store *s;
  assert_int_equal(zb_store_open_sized(dir, true, TINY_MAP, &s), 0);
  size_t map0 = zb_store_map_size(s), used0 = zb_store_used(s);
  assert_true(used0 > 0 && used0 < map0);
  /* What fits already changes nothing. */
  assert_int_equal(zb_store_reserve(s, 4096), 0);
  assert_int_equal(zb_store_map_size(s), map0);
  /* More than fits: doubled until used + bytes fit. */
  size_t want = (size_t)8 << 20;
  assert_int_equal(zb_store_reserve(s, want), 0);
  size_t map1 = zb_store_map_size(s);
  assert_true(map1 >= used0 + want);
  assert_true(map1 < 2 * (used0 + want));
  assert_int_equal(map1 % map0, 0);
  struct fill f = {.n = 4000, .vlen = 1000};
  assert_int_equal(zb_store_write(s, fill_write, &f), 0);
  assert_int_equal(f.calls, 1);
  assert_int_equal(zb_store_map_reruns(s), 0);
  assert_true(zb_store_used(s) > used0 + (size_t)f.n * f.vlen);
  check_fill(s, &f);
  zb_store_close(s);
}

/* Errors abort; discard always aborts. */
static int fail_write(zb_txn *t, void *ctx) {
  int *calls = ctx;
  (*calls)++;
  int rc = zb_txn_put(t, ZB_DB_META, "x", 1, "1", 1, 0);
  return rc ? rc : ZB_EINVAL;
}

static int put_x(zb_txn *t, void *ctx) {
  (void)ctx;
  return zb_txn_put(t, ZB_DB_META, "x", 1, "1", 1, 0);
}

static void test_write_abort_discard(void **state) {
  (void)state;
  zb_store *s;
  assert_int_equal(zb_store_open(dir, true, &s), 0);
  int calls = 0;
  assert_int_equal(zb_store_write(s, fail_write, &calls), ZB_EINVAL);
  assert_int_equal(calls, 1);
  assert_int_equal(zb_store_write_discard(s, put_x, NULL), 0);
  zb_txn *t;
  zb_val v;
  assert_int_equal(zb_store_read(s, &t), 0);
  assert_int_equal(zb_txn_get(t, ZB_DB_META, "x", 1, &v), ZB_ENOTFOUND);
  zb_txn_end(t);
  assert_int_equal(zb_store_write(s, put_x, NULL), 0);
  assert_int_equal(zb_store_read(s, &t), 0);
  assert_int_equal(zb_txn_get(t, ZB_DB_META, "x", 1, &v), 0);
  assert_int_equal(v.len, 1);
  zb_txn_end(t);
  zb_store_close(s);
}

/* ---- scan, last, count, del, drop ---- */

static int put_log(zb_txn *t, void *ctx) {
  (void)ctx;
  for (uint64_t seq = 1; seq <= 100; seq++) {
    uint8_t k[8];
    zb_u64_be(seq, k);
    int rc = zb_txn_put(t, ZB_DB_LOG, k, 8, &seq, sizeof seq, ZB_PUT_APPEND);
    if (rc)
      return rc;
  }
  return 0;
}

struct scan_ctx {
  uint64_t first, last;
  int n, stop_at, ret;
};

static int scan_fn(void *ctx, zb_val key, zb_val val) {
  struct scan_ctx *sc = ctx;
  uint64_t seq = zb_be_u64(key.data), v;
  assert_int_equal(key.len, 8);
  assert_int_equal(val.len, sizeof v);
  memcpy(&v, val.data, sizeof v);
  assert_int_equal(v, seq);
  if (sc->n == 0)
    sc->first = seq;
  assert_true(sc->n == 0 || seq == sc->last + 1);
  sc->last = seq;
  sc->n++;
  return sc->n == sc->stop_at ? sc->ret : 0;
}

static int del_drop(zb_txn *t, void *ctx) {
  (void)ctx;
  uint8_t k[8];
  zb_u64_be(100, k);
  int rc = zb_txn_del(t, ZB_DB_LOG, k, 8);
  if (!rc)
    rc = zb_txn_del(t, ZB_DB_LOG, k, 8);   /* absent: still 0 */
  if (!rc)
    rc = zb_txn_drop(t, ZB_DB_MEMBERS);
  return rc;
}

static void test_scan_last_count(void **state) {
  (void)state;
  zb_store *s;
  assert_int_equal(zb_store_open(dir, true, &s), 0);
  zb_txn *t;
  zb_val k, v;
  assert_int_equal(zb_store_read(s, &t), 0);
  assert_int_equal(zb_txn_last(t, ZB_DB_LOG, &k, &v), ZB_ENOTFOUND);
  zb_txn_end(t);
  assert_int_equal(zb_store_write(s, put_log, NULL), 0);
  assert_int_equal(zb_store_read(s, &t), 0);
  assert_int_equal(zb_txn_count(t, ZB_DB_LOG), 100);
  struct scan_ctx sc = {0};
  assert_int_equal(zb_txn_scan(t, ZB_DB_LOG, NULL, 0, scan_fn, &sc), 0);
  assert_int_equal(sc.n, 100);
  assert_int_equal(sc.first, 1);
  assert_int_equal(sc.last, 100);
  uint8_t start[8];
  zb_u64_be(41, start);
  sc = (struct scan_ctx){.stop_at = 10, .ret = 1};
  assert_int_equal(zb_txn_scan(t, ZB_DB_LOG, start, 8, scan_fn, &sc), 0);   /* stops quietly */
  assert_int_equal(sc.first, 41);
  assert_int_equal(sc.last, 50);
  sc = (struct scan_ctx){.stop_at = 3, .ret = ZB_ECORRUPT};
  assert_int_equal(zb_txn_scan(t, ZB_DB_LOG, start, 8, scan_fn, &sc), ZB_ECORRUPT);
  assert_int_equal(sc.n, 3);
  assert_int_equal(zb_txn_last(t, ZB_DB_LOG, &k, &v), 0);
  assert_int_equal(zb_be_u64(k.data), 100);
  zb_txn_end(t);

  struct fill f = {.n = 10, .vlen = 10};
  assert_int_equal(zb_store_write(s, fill_write, &f), 0);
  assert_int_equal(zb_store_write(s, del_drop, NULL), 0);
  assert_int_equal(zb_store_read(s, &t), 0);
  assert_int_equal(zb_txn_count(t, ZB_DB_LOG), 99);
  assert_int_equal(zb_txn_count(t, ZB_DB_MEMBERS), 0);
  assert_int_equal(zb_txn_last(t, ZB_DB_LOG, &k, &v), 0);
  assert_int_equal(zb_be_u64(k.data), 99);
  zb_txn_end(t);
  zb_store_close(s);
}

/* ---- meta ---- */

static int meta_write(zb_txn *t, void *ctx) {
  (void)ctx;
  int rc = zb_meta_put_u64(t, "head_seq", 0x0102030405060708ull);
  if (!rc)
    rc = zb_meta_put_str(t, "node_id", "b0102");
  if (!rc)
    rc = zb_txn_put(t, ZB_DB_META, "bad", 3, "123", 3, 0);
  return rc;
}

static void test_meta(void **state) {
  (void)state;
  zb_store *s;
  assert_int_equal(zb_store_open(dir, true, &s), 0);
  zb_txn *t;
  uint64_t u = 7;
  char buf[16];
  assert_int_equal(zb_store_read(s, &t), 0);
  assert_int_equal(zb_meta_get_u64(t, "head_seq", &u), 0);   /* absent: 0 */
  assert_int_equal(u, 0);
  assert_int_equal(zb_meta_get_str(t, "node_id", buf, sizeof buf), ZB_ENOTFOUND);
  zb_txn_end(t);
  assert_int_equal(zb_store_write(s, meta_write, NULL), 0);
  assert_int_equal(zb_store_read(s, &t), 0);
  assert_int_equal(zb_meta_get_u64(t, "head_seq", &u), 0);
  assert_int_equal(u, 0x0102030405060708ull);
  assert_int_equal(zb_meta_get_str(t, "node_id", buf, sizeof buf), 0);
  assert_string_equal(buf, "b0102");
  assert_int_equal(zb_meta_get_str(t, "node_id", buf, 5), ZB_ETOOBIG);   /* no room for NUL */
  assert_int_equal(zb_meta_get_u64(t, "bad", &u), ZB_ECORRUPT);          /* not 8 bytes */
  zb_txn_end(t);
  zb_store_close(s);

  uint8_t b[8];
  zb_u64_be(258, b);
  assert_int_equal(b[6], 1);
  assert_int_equal(b[7], 2);
  assert_int_equal(zb_be_u64(b), 258);
}

/* ---- puts held back (zb_txn_defer) ----
 *
 * Keys that share a long prefix, keys that are prefixes of others, keys
 * that differ only past the first 16 bytes after the shared prefix, and
 * keys put several times: after the commit the table holds each key once
 * with its last value, the same as plain puts would leave.  Some keys were
 * stored before, so that the held puts go both before and after them. */

#define DEFER_N 3000
#define DEFER_KEY_MAX 48

struct dkey {
  uint8_t k[DEFER_KEY_MAX];
  size_t len;
  unsigned val;   /* the value of its last put */
};

static struct dkey dkeys[DEFER_N];
static size_t ndkeys;

static uint32_t drand_state = 12345;
static uint32_t drand(void) {
  drand_state = drand_state * 1103515245u + 12345u;
  return drand_state >> 8;
}

/* A key: "PREFIX-SHARED-" and up to 30 bytes of NUL, 'a', 'b'. */
static size_t make_key(uint8_t *k) {
  static const char pre[] = "PREFIX-SHARED-";
  memcpy(k, pre, sizeof pre - 1);
  size_t n = sizeof pre - 1, extra = drand() % 31;
  for (size_t i = 0; i < extra; i++)
    k[n++] = (uint8_t)"\0ab"[drand() % 3];
  return n;
}

static size_t find_dkey(const uint8_t *k, size_t len) {
  for (size_t i = 0; i < ndkeys; i++)
    if (dkeys[i].len == len && memcmp(dkeys[i].k, k, len) == 0)
      return i;
  return ndkeys;
}

static int stored_first(zb_txn *t, void *ctx) {
  (void)ctx;
  /* A few keys in the table before: the held puts fall around them. */
  for (int i = 0; i < 20; i++) {
    uint8_t k[DEFER_KEY_MAX];
    size_t len = make_key(k);
    size_t j = find_dkey(k, len);
    if (j == ndkeys) {
      memcpy(dkeys[j].k, k, len);
      dkeys[j].len = len;
      ndkeys++;
    }
    dkeys[j].val = 1000000u + (unsigned)i;
    int rc = zb_txn_put(t, ZB_DB_MEMBER_ORG, k, len, &dkeys[j].val, sizeof dkeys[j].val, 0);
    if (rc)
      return rc;
  }
  return 0;
}

static int held_puts(zb_txn *t, void *ctx) {
  (void)ctx;
  int rc = zb_txn_defer(t, ZB_DB_MEMBER_ORG);
  for (unsigned i = 0; i < DEFER_N && rc == 0; i++) {
    uint8_t k[DEFER_KEY_MAX];
    size_t len = make_key(k);
    size_t j = find_dkey(k, len);
    if (j == ndkeys) {
      if (ndkeys == DEFER_N)
        continue;
      memcpy(dkeys[j].k, k, len);
      dkeys[j].len = len;
      ndkeys++;
    }
    dkeys[j].val = i;
    rc = zb_txn_put(t, ZB_DB_MEMBER_ORG, k, len, &i, sizeof i, 0);
  }
  return rc;
}

static int dkey_cmp(const void *a, const void *b) {
  const struct dkey *x = a, *y = b;
  size_t n = x->len < y->len ? x->len : y->len;
  int c = memcmp(x->k, y->k, n);
  return c ? c : (x->len > y->len) - (x->len < y->len);
}

struct dscan {
  size_t i;
  int bad;
};

static int dscan_fn(void *ctx, zb_val key, zb_val val) {
  struct dscan *d = ctx;
  unsigned v;
  if (d->i >= ndkeys || key.len != dkeys[d->i].len ||
      memcmp(key.data, dkeys[d->i].k, key.len) != 0 || val.len != sizeof v) {
    d->bad++;
    return 1;
  }
  memcpy(&v, val.data, sizeof v);
  if (v != dkeys[d->i].val)
    d->bad++;
  d->i++;
  return 0;
}

static void test_deferred_puts(void **state) {
  (void)state;
  zb_store *s;
  assert_int_equal(zb_store_open(dir, true, &s), 0);
  ndkeys = 0;
  assert_int_equal(zb_store_write(s, stored_first, NULL), 0);
  assert_int_equal(zb_store_write(s, held_puts, NULL), 0);
  /* Many keys were put more than once: the last put must win. */
  assert_true(ndkeys > 100 && ndkeys < DEFER_N);
  qsort(dkeys, ndkeys, sizeof dkeys[0], dkey_cmp);
  zb_txn *t;
  assert_int_equal(zb_store_read(s, &t), 0);
  assert_int_equal(zb_txn_count(t, ZB_DB_MEMBER_ORG), ndkeys);
  struct dscan d = {0};
  assert_int_equal(zb_txn_scan(t, ZB_DB_MEMBER_ORG, NULL, 0, dscan_fn, &d), 0);
  assert_int_equal(d.bad, 0);
  assert_int_equal(d.i, ndkeys);
  zb_txn_end(t);
  zb_store_close(s);
}

/* Two held tables large enough to be sorted side by side (one of them in
 * a second thread, zb_store.c flush_all), and a small one: keys put out of
 * order, many twice.  Each table holds every key once with its last put. */
#define APART_A 70000u   /* keys of table A; 80,000 puts */
#define APART_B 75000u   /* keys of table B; 90,000 puts */

static unsigned apart_a[APART_A], apart_b[APART_B], apart_c[100];

static int apart_puts(zb_txn *t, void *ctx) {
  (void)ctx;
  int rc = zb_txn_defer(t, ZB_DB_MEMBER_ORG);
  if (!rc)
    rc = zb_txn_defer(t, ZB_DB_MEMBER_IDNUM);
  if (!rc)
    rc = zb_txn_defer(t, ZB_DB_RECORD_OPS);
  for (unsigned i = 0; i < 90000 && !rc; i++) {
    uint8_t k[8];
    char kb[16];
    if (i < 80000) {
      unsigned a = (unsigned)(((uint64_t)i * 7919u) % APART_A);
      zb_u64_be(a, k);
      apart_a[a] = i;
      rc = zb_txn_put(t, ZB_DB_MEMBER_ORG, k, sizeof k, &i, sizeof i, 0);
    }
    unsigned b = (unsigned)(((uint64_t)i * 104729u) % APART_B);
    snprintf(kb, sizeof kb, "k%08u", b);
    apart_b[b] = i;
    if (!rc)
      rc = zb_txn_put(t, ZB_DB_MEMBER_IDNUM, kb, strlen(kb), &i, sizeof i, 0);
    if (!rc && i % 7 == 0) {
      unsigned c = (i * 31u) % 100u;
      zb_u64_be(c, k);
      apart_c[c] = i;
      rc = zb_txn_put(t, ZB_DB_RECORD_OPS, k, sizeof k, &i, sizeof i, 0);
    }
  }
  return rc;
}

struct apart_scan {
  int db;
  size_t n;
  int bad;
};

static int apart_fn(void *ctx, zb_val key, zb_val val) {
  struct apart_scan *a = ctx;
  unsigned v, want = 0, idx = 0;
  if (a->db == 1) {
    idx = 0;
    if (key.len != 9 || sscanf((const char *)key.data + 1, "%8u", &idx) != 1 || idx >= APART_B)
      return a->bad++, 1;
    want = apart_b[idx];
  } else {
    if (key.len != 8 || (idx = (unsigned)zb_be_u64(key.data)) >= (a->db ? 100u : APART_A))
      return a->bad++, 1;
    want = a->db ? apart_c[idx] : apart_a[idx];
  }
  /* In key order: the n-th key of A and C is n (every one was put); of B, "k%08u" of n. */
  if (idx != a->n || val.len != sizeof v)
    return a->bad++, 1;
  memcpy(&v, val.data, sizeof v);
  a->bad += v != want;
  a->n++;
  return 0;
}

static void test_deferred_apart(void **state) {
  (void)state;
  zb_store *s;
  assert_int_equal(zb_store_open(dir, true, &s), 0);
  assert_int_equal(zb_store_reserve(s, (size_t)64 << 20), 0);
  assert_int_equal(zb_store_write(s, apart_puts, NULL), 0);
  zb_txn *t;
  assert_int_equal(zb_store_read(s, &t), 0);
  static const enum zb_dbi dbs[] = {ZB_DB_MEMBER_ORG, ZB_DB_MEMBER_IDNUM, ZB_DB_RECORD_OPS};
  static const size_t want[] = {APART_A, APART_B, 100};
  for (int i = 0; i < 3; i++) {
    struct apart_scan a = {.db = i == 2 ? 2 : i};
    assert_int_equal(zb_txn_count(t, dbs[i]), want[i]);
    assert_int_equal(zb_txn_scan(t, dbs[i], NULL, 0, apart_fn, &a), 0);
    assert_int_equal(a.bad, 0);
    assert_int_equal(a.n, want[i]);
  }
  zb_txn_end(t);
  zb_store_close(s);
}

/* A write that runs a second or more commits with the disk started early
 * (zb_store.c, commit): what it put is there after the store is opened
 * again, and the thread that started the disk is gone. */
static int long_puts(zb_txn *t, void *ctx) {
  (void)ctx;
  for (unsigned i = 0; i < 20000; i++) {
    uint8_t k[8];
    zb_u64_be(i, k);
    char v[200];
    memset(v, 'a' + (int)(i % 26), sizeof v);
    int rc = zb_txn_put(t, ZB_DB_LOG, k, sizeof k, v, sizeof v, ZB_PUT_APPEND);
    if (rc)
      return rc;
  }
  struct timespec ts = {1, 100 * 1000000L};
  nanosleep(&ts, NULL);
  return 0;
}

static int count_threads(void) {
  FILE *f = fopen("/proc/self/status", "r");
  char line[256];
  int n = -1;
  while (f && fgets(line, sizeof line, f))
    if (sscanf(line, "Threads: %d", &n) == 1)
      break;
  if (f)
    fclose(f);
  return n;
}

static void test_long_write(void **state) {
  (void)state;
  zb_store *s;
  assert_int_equal(zb_store_open(dir, true, &s), 0);
  int before = count_threads();
  assert_int_equal(zb_store_write(s, long_puts, NULL), 0);
  assert_int_equal(count_threads(), before);
  zb_store_close(s);
  assert_int_equal(zb_store_open(dir, false, &s), 0);
  zb_txn *t;
  assert_int_equal(zb_store_read(s, &t), 0);
  assert_int_equal(zb_txn_count(t, ZB_DB_LOG), 20000);
  uint8_t k[8];
  zb_u64_be(19999, k);
  zb_val v;
  assert_int_equal(zb_txn_get(t, ZB_DB_LOG, k, sizeof k, &v), 0);
  assert_int_equal(v.len, 200);
  assert_int_equal(((const char *)v.data)[199], 'a' + 19999 % 26);
  zb_txn_end(t);
  zb_store_close(s);
}

/* zb_txn_exists: the same answers as zb_txn_get, before and after the keys
 * it remembers are deleted, for a key too long to remember, for more keys
 * than it remembers, and for a second table. */
static int exists_checks(zb_txn *t, void *ctx) {
  int *bad = ctx;
  char k[80];
  for (int i = 0; i < 500; i++) {
    snprintf(k, sizeof k, "org-%03d", i);
    if (zb_txn_put(t, ZB_DB_ORGS, k, strlen(k), "x", 1, 0))
      return ZB_EDB;
  }
  memset(k, 'L', 70);
  if (zb_txn_put(t, ZB_DB_ORGS, k, 70, "x", 1, 0) || zb_txn_put(t, ZB_DB_META, "m", 1, "x", 1, 0))
    return ZB_EDB;
  for (int round = 0; round < 2; round++) {   /* asked twice: the second from memory */
    for (int i = 0; i < 520; i++) {
      snprintf(k, sizeof k, "org-%03d", i);
      *bad += zb_txn_exists(t, ZB_DB_ORGS, k, strlen(k)) != (i < 500 ? 0 : ZB_ENOTFOUND);
    }
    memset(k, 'L', 70);
    *bad += zb_txn_exists(t, ZB_DB_ORGS, k, 70) != 0;
    *bad += zb_txn_exists(t, ZB_DB_META, "m", 1) != 0;
    *bad += zb_txn_exists(t, ZB_DB_META, "org-001", 7) != ZB_ENOTFOUND;
  }
  /* Deleted: no longer there, though it was known. */
  for (int i = 0; i < 500; i += 2) {
    snprintf(k, sizeof k, "org-%03d", i);
    if (zb_txn_del(t, ZB_DB_ORGS, k, strlen(k)))
      return ZB_EDB;
  }
  for (int i = 0; i < 500; i++) {
    snprintf(k, sizeof k, "org-%03d", i);
    *bad += zb_txn_exists(t, ZB_DB_ORGS, k, strlen(k)) != (i % 2 ? 0 : ZB_ENOTFOUND);
  }
  if (zb_txn_drop(t, ZB_DB_ORGS))
    return ZB_EDB;
  *bad += zb_txn_exists(t, ZB_DB_ORGS, "org-001", 7) != ZB_ENOTFOUND;
  return 0;
}

static void test_exists(void **state) {
  (void)state;
  zb_store *s;
  assert_int_equal(zb_store_open(dir, true, &s), 0);
  int bad = 0;
  assert_int_equal(zb_store_write(s, exists_checks, &bad), 0);
  assert_int_equal(bad, 0);
  zb_store_close(s);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_open_create, setup, teardown),
      cmocka_unit_test_setup_teardown(test_map_full_rerun, setup, teardown),
      cmocka_unit_test_setup_teardown(test_reserve, setup, teardown),
      cmocka_unit_test_setup_teardown(test_write_abort_discard, setup, teardown),
      cmocka_unit_test_setup_teardown(test_scan_last_count, setup, teardown),
      cmocka_unit_test_setup_teardown(test_meta, setup, teardown),
      cmocka_unit_test_setup_teardown(test_deferred_puts, setup, teardown),
      cmocka_unit_test_setup_teardown(test_deferred_apart, setup, teardown),
      cmocka_unit_test_setup_teardown(test_long_write, setup, teardown),
      cmocka_unit_test_setup_teardown(test_exists, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
