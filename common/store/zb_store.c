#define _GNU_SOURCE   /* sync_file_range */
#include "zb_store.h"
#include <fcntl.h>

#include <errno.h>
#include <lmdb.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

#include "zb_err.h"
#include "zb_log.h"

/* The map starts at 256 MiB (the file is sparse, so this costs nothing on
 * disk) and doubles whenever a write finds it full. */
#define ZB_MAP_INITIAL ((size_t)256 << 20)

static const char *const db_names[ZB_DB__COUNT] = {
    [ZB_DB_META] = "meta",           [ZB_DB_LOG] = "log",
    [ZB_DB_ORGS] = "orgs",           [ZB_DB_MEMBERS] = "members",
    [ZB_DB_MEMBER_ORG] = "member_org", [ZB_DB_MEMBER_IDNUM] = "member_idnum",
    [ZB_DB_SLOG] = "slog",           [ZB_DB_ORIGINS] = "origins",
    [ZB_DB_CONFLICTS] = "conflicts", [ZB_DB_PLOG] = "plog",
    [ZB_DB_REJECTED] = "rejected",   [ZB_DB_RESTAMPED] = "restamped",
    [ZB_DB_ORIGIN_OPS] = "origin_ops", [ZB_DB_FORKS] = "forks",
    [ZB_DB_LOST_KEYS] = "lost_keys", [ZB_DB_RECORD_OPS] = "record_ops",
    [ZB_DB_RECORDS] = "records",     [ZB_DB_REC_INDEX] = "rec_index",
    [ZB_DB_FACTS] = "facts",
};

struct zb_store {
  MDB_env *env;
  unsigned long reruns;   /* writes run again after MDB_MAP_FULL */
  MDB_dbi dbi[ZB_DB__COUNT];
  char dir[4096];
};

/* Each transaction keeps one cursor per table, opened on first use.  A
 * cursor that stays on its leaf page finds the next key on that page
 * without descending the B-tree again from the root; in a large write
 * transaction every page fetched on the way down is also looked up in
 * LMDB's list of dirty pages, so an import's puts and gets that land near
 * the previous one (its record keys in order, an index entry put right
 * after the lookup that checked it) skip most of that work
 * (docs/DESIGN-NOTES.md, "Imports"). */
struct deferred;
struct known;
static void txn_free_deferred(zb_txn *t);

struct zb_txn {
  zb_store *s;
  MDB_txn *txn;
  MDB_cursor *cur[ZB_DB__COUNT];
  bool busy[ZB_DB__COUNT];   /* cur[db] is iterating a scan: not to be moved */
  struct deferred *dfr[ZB_DB__COUNT];   /* zb_txn_defer() */
  struct known *known;                  /* zb_txn_exists() */
  void *note;                           /* zb_txn_set_note() */
  void (*note_free)(void *);
};

/* A write that failed for want of disk space: LMDB passes write(2)'s
 * ENOSPC on, and some filesystems say EIO when they are full. */
static bool disk_full(const char *dir, int rc) {
  struct statvfs vfs;
  if (rc == ENOSPC || rc == EDQUOT)
    return true;
  return rc == EIO && statvfs(dir, &vfs) == 0 && vfs.f_bavail * vfs.f_frsize < (1u << 20);
}

/* The one message for a full disk under dir (README, "When something goes
 * wrong"). */
static int disk_full_err(const char *dir) {
  zb_log_error("磁盘已满 (disk full): no space left to write the database in %s; free space "
               "on that disk (or move the data directory to a larger one) and run the command "
               "again. Nothing of this change was stored.", dir);
  return ZB_ENOSPC;
}

/* Permission denied on the data directory (README, "When something goes
 * wrong"). */
static int denied_err(const char *dir) {
  zb_log_error("权限不足 (permission denied): cannot open %s; this user may not read or write "
               "it. Run as the user who owns it, or fix its permissions (ls -ld %s).", dir, dir);
  return ZB_EACCES;
}

/* Translates an LMDB error once, here, logging LMDB's own message. */
static int db_err(const char *what, int rc) {
  if (rc == MDB_MAP_FULL)
    return ZB_EMAPFULL;
  if (rc == MDB_NOTFOUND)
    return ZB_ENOTFOUND;
  zb_log_error("lmdb: %s: %s", what, mdb_strerror(rc));
  return ZB_EDB;
}

int zb_store_open(const char *dir, bool create, zb_store **out) {
  return zb_store_open_sized(dir, create, ZB_MAP_INITIAL, out);
}

int zb_store_open_sized(const char *dir, bool create, size_t map_bytes, zb_store **out) {
  int rc, ret = ZB_EDB;
  MDB_txn *txn = NULL;
  char path[4200];
  struct stat st;
  zb_store *s = calloc(1, sizeof *s);
  if (!s)
    return ZB_ENOMEM;
  if (strlen(dir) >= sizeof s->dir) {
    ret = ZB_EINVAL;
    goto out;
  }
  memcpy(s->dir, dir, strlen(dir) + 1);
  snprintf(path, sizeof path, "%s/data.mdb", dir);
  if (stat(path, &st) != 0) {
    if (errno == EACCES) {
      ret = denied_err(dir);
      goto out;
    }
    if (!create) {
      ret = ZB_ENOTINIT;
      goto out;
    }
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
      if (errno == ENOENT)
        zb_log_error("上级目录不存在 (no such folder): cannot create %s, because the folder it "
                     "would go in does not exist; create that folder first, or choose another "
                     "place", dir);
      else if (errno == EACCES)
        zb_log_error("权限不足 (permission denied): cannot create %s: this user may not write "
                     "in the folder it would go in", dir);
      else if (errno == ENOSPC)
        (void)disk_full_err(dir);
      else
        zb_log_error("cannot create %s: %s", dir, strerror(errno));
      ret = errno == ENOENT ? ZB_ENOTFOUND : errno == EACCES ? ZB_EACCES
            : errno == ENOSPC ? ZB_ENOSPC : ZB_EIO;
      goto out;
    }
  }
  if ((rc = mdb_env_create(&s->env)) ||
      (rc = mdb_env_set_maxdbs(s->env, 32)) ||
      (rc = mdb_env_set_mapsize(s->env, map_bytes))) {
    ret = db_err("mdb_env_create", rc);
    goto out;
  }
  /* An existing environment may already be larger than our initial map;
   * LMDB adopts the file's size when it is bigger. */
  if ((rc = mdb_env_open(s->env, dir, 0, 0600))) {
    if (rc == EACCES || rc == EPERM || rc == EROFS)
      ret = denied_err(dir);
    else if (disk_full(dir, rc))
      ret = disk_full_err(dir);
    else {
      zb_log_error("cannot open database in %s: %s", dir, mdb_strerror(rc));
      ret = rc == ENOENT ? ZB_ENOTINIT : ZB_EDB;
    }
    goto out;
  }
  if ((rc = mdb_txn_begin(s->env, NULL, 0, &txn))) {
    ret = db_err("mdb_txn_begin", rc);
    goto out;
  }
  for (int i = 0; i < ZB_DB__COUNT; i++) {
    if ((rc = mdb_dbi_open(txn, db_names[i], MDB_CREATE, &s->dbi[i]))) {
      ret = db_err("mdb_dbi_open", rc);
      goto out;
    }
  }
  rc = mdb_txn_commit(txn);
  txn = NULL;
  if (rc) {
    ret = disk_full(dir, rc) ? disk_full_err(dir) : db_err("mdb_txn_commit", rc);
    goto out;
  }
  *out = s;
  return 0;
out:
  if (txn)
    mdb_txn_abort(txn);
  zb_store_close(s);
  return ret;
}

void zb_store_close(zb_store *s) {
  if (!s)
    return;
  if (s->env)
    mdb_env_close(s->env);
  free(s);
}

const char *zb_store_dir(const zb_store *s) { return s->dir; }

/* Begins a transaction, adopting a map that another process has grown. */
static int txn_begin(zb_store *s, unsigned flags, MDB_txn **txn) {
  int rc = mdb_txn_begin(s->env, NULL, flags, txn);
  if (rc == MDB_MAP_RESIZED) {
    if ((rc = mdb_env_set_mapsize(s->env, 0)) == 0)
      rc = mdb_txn_begin(s->env, NULL, flags, txn);
  }
  return rc ? db_err("mdb_txn_begin", rc) : 0;
}

/* The table's cursor, or NULL when a scan is walking it (the caller then
 * goes without one) or it cannot be opened (the plain call reports why). */
static MDB_cursor *txn_cursor(zb_txn *t, enum zb_dbi db) {
  if (t->busy[db])
    return NULL;
  if (!t->cur[db] && mdb_cursor_open(t->txn, t->s->dbi[db], &t->cur[db]))
    t->cur[db] = NULL;
  return t->cur[db];
}

static void txn_free_note(zb_txn *t) {
  if (t->note_free)
    t->note_free(t->note);
  t->note = NULL;
  t->note_free = NULL;
}

/* Before the transaction ends: a write transaction's cursors must not
 * outlive it, and puts still held are dropped with it. */
static void txn_release(zb_txn *t) {
  for (int i = 0; i < ZB_DB__COUNT; i++) {
    if (t->cur[i])
      mdb_cursor_close(t->cur[i]);
    t->cur[i] = NULL;
  }
  txn_free_deferred(t);
  free(t->known);
  t->known = NULL;
  txn_free_note(t);
}

/* ---- deferred puts (zb_txn_defer) ----
 *
 * The entries wait in 1 MiB blocks as (key length, value length, number in
 * put order, key, value). */

#define DEFER_BLOCK ((size_t)1 << 20)
#define ENT_HEAD (2 * sizeof(uint32_t) + sizeof(uint64_t))
/* How many entries ahead deferred_flush prefetches. */
#define DEFER_AHEAD 8

struct dblock {
  struct dblock *next;
  size_t used;
  unsigned char data[];
};

struct deferred {
  struct dblock *head, *tail;
  const unsigned char **ent;   /* each entry, in put order (key order once sorted) */
  size_t n, cap;
  bool sorted;                 /* ent is in key order (deferred_sort) */
};

static void deferred_clear(struct deferred *d) {
  while (d->head) {
    struct dblock *b = d->head;
    d->head = b->next;
    free(b);
  }
  d->tail = NULL;
  d->n = 0;
}

static int deferred_add(struct deferred *d, const void *key, uint32_t klen, const void *val,
                        uint32_t vlen) {
  d->sorted = false;
  size_t need = ENT_HEAD + klen + vlen;
  if (need > DEFER_BLOCK)
    return ZB_ETOOBIG;
  if (d->n == d->cap) {
    size_t cap = d->cap ? d->cap * 2 : 4096;
    const unsigned char **v = realloc(d->ent, cap * sizeof *v);
    if (!v)
      return ZB_ENOMEM;
    d->ent = v;
    d->cap = cap;
  }
  if (!d->tail || DEFER_BLOCK - d->tail->used < need) {
    struct dblock *b = malloc(sizeof *b + DEFER_BLOCK);
    if (!b)
      return ZB_ENOMEM;
    b->next = NULL;
    b->used = 0;
    if (d->tail)
      d->tail->next = b;
    else
      d->head = b;
    d->tail = b;
  }
  unsigned char *p = d->tail->data + d->tail->used;
  uint64_t seq = d->n;
  d->tail->used += need;
  d->ent[d->n++] = p;
  memcpy(p, &klen, sizeof klen);
  memcpy(p + sizeof klen, &vlen, sizeof vlen);
  memcpy(p + 2 * sizeof klen, &seq, sizeof seq);
  memcpy(p + ENT_HEAD, key, klen);
  if (vlen)
    memcpy(p + ENT_HEAD + klen, val, vlen);
  return 0;
}

static MDB_val ent_key(const unsigned char *e) {
  uint32_t klen;
  memcpy(&klen, e, sizeof klen);
  return (MDB_val){klen, (void *)(e + ENT_HEAD)};
}

static MDB_val ent_val(const unsigned char *e) {
  uint32_t klen, vlen;
  memcpy(&klen, e, sizeof klen);
  memcpy(&vlen, e + sizeof klen, sizeof vlen);
  return (MDB_val){vlen, (void *)(e + ENT_HEAD + klen)};
}

/* LMDB's default key order (bytes, then the shorter first); equal keys
 * keep their put order, so that the last put of a key wins as it would
 * have. */
static int ent_cmp(const unsigned char *ea, const unsigned char *eb) {
  MDB_val ka = ent_key(ea), kb = ent_key(eb);
  size_t n = ka.mv_size < kb.mv_size ? ka.mv_size : kb.mv_size;
  int c = memcmp(ka.mv_data, kb.mv_data, n);
  if (c == 0 && ka.mv_size != kb.mv_size)
    c = ka.mv_size < kb.mv_size ? -1 : 1;
  if (c == 0) {
    uint64_t sa, sb;
    memcpy(&sa, ea + 2 * sizeof(uint32_t), sizeof sa);
    memcpy(&sb, eb + 2 * sizeof(uint32_t), sizeof sb);
    c = sa < sb ? -1 : sa > sb;
  }
  return c;
}

/* An entry to sort: 16 bytes of its key after the prefix that every held
 * key shares, as two big-endian words (zero past the key's end), and the
 * entry.  Most comparisons end in the words, without reading the entries,
 * which lie scattered over the blocks.  Zero-padding keeps the order: where
 * a padded word differs from a real one, the shorter key is a prefix of the
 * longer, which LMDB puts first. */
struct sortent {
  uint64_t w0, w1;
  const unsigned char *e;
};

static uint64_t key_word(const MDB_val *k, size_t off) {
  uint8_t b[8] = {0};
  if (off < k->mv_size) {
    size_t n = k->mv_size - off < 8 ? k->mv_size - off : 8;
    memcpy(b, (const uint8_t *)k->mv_data + off, n);
  }
  return zb_be_u64(b);
}

static int sortent_cmp(const void *a, const void *b) {
  const struct sortent *x = a, *y = b;
  if (x->w0 != y->w0)
    return x->w0 < y->w0 ? -1 : 1;
  if (x->w1 != y->w1)
    return x->w1 < y->w1 ? -1 : 1;
  return ent_cmp(x->e, y->e);
}

/* Sorts d's entries into key order (ent_cmp). */
static int deferred_sort(struct deferred *d) {
  if (d->n < 2 || d->sorted)
    return 0;
  struct sortent *v = malloc(d->n * sizeof *v);
  if (!v)
    return ZB_ENOMEM;
  /* The prefix every key shares. */
  MDB_val k0 = ent_key(d->ent[0]);
  size_t common = k0.mv_size;
  for (size_t i = 1; i < d->n && common > 0; i++) {
    MDB_val k = ent_key(d->ent[i]);
    size_t n = k.mv_size < common ? k.mv_size : common, j = 0;
    while (j < n && ((const uint8_t *)k.mv_data)[j] == ((const uint8_t *)k0.mv_data)[j])
      j++;
    common = j;
  }
  for (size_t i = 0; i < d->n; i++) {
    MDB_val k = ent_key(d->ent[i]);
    v[i] = (struct sortent){key_word(&k, common), key_word(&k, common + 8), d->ent[i]};
  }
  qsort(v, d->n, sizeof *v, sortent_cmp);
  for (size_t i = 0; i < d->n; i++)
    d->ent[i] = v[i].e;
  free(v);
  d->sorted = true;
  return 0;
}

/* Writes db's held puts in key order through the table's cursor: each
 * lands on the leaf the previous one left the cursor on, and those after
 * the table's last key are appended (MDB_APPEND), which fills pages
 * instead of splitting them in half. */
static int deferred_flush(zb_txn *t, enum zb_dbi db) {
  struct deferred *d = t->dfr[db];
  if (!d || d->n == 0)
    return 0;
  int rc = deferred_sort(d);
  if (rc) {
    deferred_clear(d);
    return rc;
  }
  MDB_cursor *c = t->cur[db];
  if (!c && (rc = mdb_cursor_open(t->txn, t->s->dbi[db], &t->cur[db])))
    return db_err("mdb_cursor_open", rc);
  c = t->cur[db];
  /* Keys sorting after the table's last key can be appended. */
  MDB_val lk, lv;
  unsigned char *last = NULL;
  bool append = false;
  rc = mdb_cursor_get(c, &lk, &lv, MDB_LAST);
  if (rc == MDB_NOTFOUND) {
    append = true;
    rc = 0;
  } else if (rc == 0 && !(last = malloc(lk.mv_size ? lk.mv_size : 1))) {
    deferred_clear(d);
    return ZB_ENOMEM;
  } else if (rc == 0) {
    memcpy(last, lk.mv_data, lk.mv_size);
    lk.mv_data = last;
  }
  for (size_t i = 0; i < d->n && rc == 0; i++) {
    /* In key order the entries lie at random places in the blocks: ask
     * for the one a few puts ahead while this one is put. */
    if (i + DEFER_AHEAD < d->n)
      __builtin_prefetch(d->ent[i + DEFER_AHEAD]);
    MDB_val k = ent_key(d->ent[i]), v = ent_val(d->ent[i]);
    if (!append) {
      size_t n = k.mv_size < lk.mv_size ? k.mv_size : lk.mv_size;
      int cmp = memcmp(k.mv_data, lk.mv_data, n);
      append = cmp > 0 || (cmp == 0 && k.mv_size > lk.mv_size);
    }
    /* MDB_KEYEXIST: the same key put twice; the later put replaces it. */
    if (!append || (rc = mdb_cursor_put(c, &k, &v, MDB_APPEND)) == MDB_KEYEXIST)
      rc = mdb_cursor_put(c, &k, &v, 0);
  }
  free(last);
  deferred_clear(d);
  return rc ? db_err("mdb_cursor_put", rc) : 0;
}

/* Held tables this large are sorted beside one another before the commit
 * (flush_all); smaller ones are not worth a thread. */
#define SORT_APART_MIN 65536

struct sort_job {
  struct deferred *d[ZB_DB__COUNT];
  int n, rc;
};

static void *sort_jobs(void *arg) {
  struct sort_job *j = arg;
  for (int i = 0; i < j->n && j->rc == 0; i++)
    j->rc = deferred_sort(j->d[i]);
  return NULL;
}

/* Writes every held table.  The puts are LMDB's and so this thread's, but
 * sorting is not: when two or more large tables are held (an import's
 * indexes, a million entries each), every other one is sorted in a second
 * thread while this one sorts the rest (docs/DESIGN-NOTES.md, "Imports"). */
static int flush_all(zb_txn *t) {
  struct sort_job mine = {.n = 0}, other = {.n = 0};
  for (int i = 0; i < ZB_DB__COUNT; i++) {
    struct deferred *d = t->dfr[i];
    if (d && d->n >= SORT_APART_MIN && !d->sorted) {
      struct sort_job *j = (mine.n + other.n) % 2 ? &other : &mine;
      j->d[j->n++] = d;
    }
  }
  pthread_t th;
  bool apart = other.n > 0 && pthread_create(&th, NULL, sort_jobs, &other) == 0;
  if (!apart) {   /* no second table, or no thread: all here */
    for (int i = 0; i < other.n; i++)
      mine.d[mine.n++] = other.d[i];
    other.n = 0;
  }
  sort_jobs(&mine);
  if (apart)
    pthread_join(th, NULL);
  int rc = mine.rc ? mine.rc : other.rc;
  for (int i = 0; i < ZB_DB__COUNT && rc == 0; i++)
    rc = deferred_flush(t, (enum zb_dbi)i);
  return rc;
}

static void txn_free_deferred(zb_txn *t) {
  for (int i = 0; i < ZB_DB__COUNT; i++) {
    if (!t->dfr[i])
      continue;
    deferred_clear(t->dfr[i]);
    free(t->dfr[i]->ent);
    free(t->dfr[i]);
    t->dfr[i] = NULL;
  }
}

int zb_txn_defer(zb_txn *t, enum zb_dbi db) {
  if (!t->dfr[db] && !(t->dfr[db] = calloc(1, sizeof *t->dfr[db])))
    return ZB_ENOMEM;
  return 0;
}

int zb_store_read(zb_store *s, zb_txn **out) {
  zb_txn *t = calloc(1, sizeof *t);
  if (!t)
    return ZB_ENOMEM;
  t->s = s;
  int rc = txn_begin(s, MDB_RDONLY, &t->txn);
  if (rc) {
    free(t);
    return rc;
  }
  *out = t;
  return 0;
}

void zb_txn_end(zb_txn *t) {
  if (!t)
    return;
  txn_release(t);
  mdb_txn_abort(t->txn);
  free(t);
}

static int grow_map(zb_store *s) {
  MDB_envinfo info;
  int rc = mdb_env_info(s->env, &info);
  if (rc)
    return db_err("mdb_env_info", rc);
  size_t next = info.me_mapsize * 2;
  zb_log_debug("database map full at %zu MiB; growing to %zu MiB",
               info.me_mapsize >> 20, next >> 20);
  rc = mdb_env_set_mapsize(s->env, next);
  return rc ? db_err("mdb_env_set_mapsize", rc) : 0;
}

size_t zb_store_map_size(zb_store *s) {
  MDB_envinfo info;
  return mdb_env_info(s->env, &info) ? 0 : info.me_mapsize;
}

size_t zb_store_used(zb_store *s) {
  MDB_envinfo info;
  MDB_stat st;
  if (mdb_env_info(s->env, &info) || mdb_env_stat(s->env, &st))
    return 0;
  return ((size_t)info.me_last_pgno + 1) * st.ms_psize;
}

unsigned long zb_store_map_reruns(const zb_store *s) { return s->reruns; }

int zb_store_reserve(zb_store *s, size_t bytes) {
  /* Adopt a map another process has grown before comparing with it. */
  int rc = mdb_env_set_mapsize(s->env, 0);
  if (rc)
    return db_err("mdb_env_set_mapsize", rc);
  size_t map = zb_store_map_size(s), used = zb_store_used(s);
  if (map == 0 || used == 0)
    return db_err("mdb_env_info", EINVAL);
  size_t want = used + bytes, next = map;
  if (want < used)            /* overflow: let the MAP_FULL retry deal with it */
    return 0;
  while (next < want && next <= SIZE_MAX / 2)
    next *= 2;
  if (next == map)
    return 0;
  zb_log_debug("database map: %zu MiB in use, %zu MiB more expected; growing from %zu to %zu MiB",
               used >> 20, bytes >> 20, map >> 20, next >> 20);
  rc = mdb_env_set_mapsize(s->env, next);
  return rc ? db_err("mdb_env_set_mapsize", rc) : 0;
}

/* ---- starting the disk early (store_write) ----
 *
 * LMDB commits by handing every page the transaction wrote to the kernel
 * (writev) and then waiting for the disk (fdatasync).  The kernel starts
 * writing such pages on its own only once far more are waiting, so after a
 * large write the disk would sit idle while LMDB hands it hundreds of
 * megabytes, and then do all of it during fdatasync.  While a large commit
 * runs, this thread asks the kernel every few milliseconds to start
 * writing what it holds of the file already (sync_file_range, which only
 * starts writeback and does not wait for it): the disk then writes while
 * LMDB hands it the rest.  What is durable, and when, does not change:
 * LMDB's fdatasync still decides (docs/DESIGN-NOTES.md, "Imports"). */
struct early_disk {
  int fd;
  pthread_mutex_t mu;
  pthread_cond_t cv;
  bool stop;
};

static void *early_disk_run(void *arg) {
  struct early_disk *e = arg;
  pthread_mutex_lock(&e->mu);
  while (!e->stop) {
    pthread_mutex_unlock(&e->mu);
    (void)sync_file_range(e->fd, 0, 0, SYNC_FILE_RANGE_WRITE);
    pthread_mutex_lock(&e->mu);
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_nsec += 20 * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
      until.tv_sec++;
      until.tv_nsec -= 1000000000L;
    }
    if (!e->stop)
      pthread_cond_timedwait(&e->cv, &e->mu, &until);
  }
  pthread_mutex_unlock(&e->mu);
  return NULL;
}

/* Commits txn, starting the disk early (above) when big is set. */
static int commit(zb_store *s, MDB_txn *txn, bool big) {
  struct early_disk e = {.fd = -1};
  pthread_t th;
  bool started = false;
  if (big && mdb_env_get_fd(s->env, &e.fd) == 0 && pthread_mutex_init(&e.mu, NULL) == 0) {
    if (pthread_cond_init(&e.cv, NULL) == 0) {
      started = pthread_create(&th, NULL, early_disk_run, &e) == 0;
      if (!started)
        pthread_cond_destroy(&e.cv);
    }
    if (!started)
      pthread_mutex_destroy(&e.mu);
  }
  int mrc = mdb_txn_commit(txn);
  if (started) {
    pthread_mutex_lock(&e.mu);
    e.stop = true;
    pthread_cond_signal(&e.cv);
    pthread_mutex_unlock(&e.mu);
    pthread_join(th, NULL);
    pthread_cond_destroy(&e.cv);
    pthread_mutex_destroy(&e.mu);
  }
  return mrc;
}

static double mono_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int store_write(zb_store *s, zb_write_fn fn, void *ctx, bool discard) {
  for (;;) {
    zb_txn t = {.s = s};
    int rc = txn_begin(s, 0, &t.txn);
    if (rc)
      return rc;
    double t0 = mono_now();
    rc = fn(&t, ctx);
    /* The note is the callback's; an import's account of its held index
     * is tens of megabytes, not needed to write the held puts. */
    txn_free_note(&t);
    double t1 = mono_now();
    if (rc == 0 && !discard)
      rc = flush_all(&t);
    double t2 = mono_now();
    txn_release(&t);
    if (rc == 0 && !discard) {
      /* A transaction that ran a second or more wrote a lot. */
      int mrc = commit(s, t.txn, t2 - t0 >= 1.0);
      double t3 = mono_now();
      /* ZHIBU_DEBUG's account of a long write (an import): where its time
       * went (docs/DESIGN-NOTES.md, "Imports"). */
      if (t3 - t0 >= 1.0)
        zb_log_debug("write: %.2f s in the transaction, %.2f s writing the held entries, "
                     "%.2f s committing", t1 - t0, t2 - t1, t3 - t2);
      if (mrc == 0)
        return 0;
      rc = disk_full(s->dir, mrc) ? disk_full_err(s->dir) : db_err("mdb_txn_commit", mrc);
    } else {
      mdb_txn_abort(t.txn);
    }
    if (rc != ZB_EMAPFULL)
      return rc;
    s->reruns++;
    if ((rc = grow_map(s)))
      return rc;
  }
}

int zb_store_write(zb_store *s, zb_write_fn fn, void *ctx) {
  return store_write(s, fn, ctx, false);
}

int zb_store_write_discard(zb_store *s, zb_write_fn fn, void *ctx) {
  return store_write(s, fn, ctx, true);
}

/* ---- keys known present (zb_txn_exists) ----
 *
 * Open addressing on a 32-bit FNV-1a hash; a slot counts only if it carries
 * the current generation, so forgetting them all is one increment. */

#define KNOWN_SLOTS 512
#define KNOWN_MAX 384   /* keys remembered at most: the table stays sparse */
#define KNOWN_KEY_MAX 64

struct known {
  enum zb_dbi db;
  uint32_t gen;   /* starts at 1: a zeroed slot is empty */
  size_t n;
  struct {
    uint32_t gen, hash;
    uint8_t len;
    unsigned char key[KNOWN_KEY_MAX];
  } slot[KNOWN_SLOTS];
};

static uint32_t known_hash(const void *key, size_t len) {
  uint32_t h = 2166136261u;
  for (size_t i = 0; i < len; i++)
    h = (h ^ ((const unsigned char *)key)[i]) * 16777619u;
  return h;
}

/* The slot of key, or the empty one where it would go. */
static size_t known_slot(const struct known *k, uint32_t h, const void *key, size_t len) {
  size_t i = h % KNOWN_SLOTS;
  while (k->slot[i].gen == k->gen &&
         !(k->slot[i].hash == h && k->slot[i].len == len && memcmp(k->slot[i].key, key, len) == 0))
    i = (i + 1) % KNOWN_SLOTS;
  return i;
}

/* A delete or drop in db: a key known present may be gone (a put only
 * adds). */
static void known_forget(zb_txn *t, enum zb_dbi db) {
  if (t->known && t->known->db == db && t->known->n) {
    t->known->gen++;
    t->known->n = 0;
    if (t->known->gen == 0) {   /* wrapped: clear for real */
      memset(t->known->slot, 0, sizeof t->known->slot);
      t->known->gen = 1;
    }
  }
}

int zb_txn_exists(zb_txn *t, enum zb_dbi db, const void *key, size_t klen) {
  struct known *k = t->known;
  bool fits = klen <= KNOWN_KEY_MAX;
  uint32_t h = fits ? known_hash(key, klen) : 0;
  if (fits && k && k->db == db && k->slot[known_slot(k, h, key, klen)].gen == k->gen)
    return 0;
  zb_val v;
  int rc = zb_txn_get(t, db, key, klen, &v);
  if (rc || !fits)
    return rc;
  if (!k && (k = t->known = calloc(1, sizeof *k)) != NULL) {
    k->db = db;
    k->gen = 1;
  }
  if (k && k->db == db && k->n < KNOWN_MAX) {
    size_t i = known_slot(k, h, key, klen);
    k->slot[i].gen = k->gen;
    k->slot[i].hash = h;
    k->slot[i].len = (uint8_t)klen;
    memcpy(k->slot[i].key, key, klen);
    k->n++;
  }
  return 0;
}

int zb_txn_get(zb_txn *t, enum zb_dbi db, const void *key, size_t klen, zb_val *out) {
  MDB_val k = {klen, (void *)key}, v;
  int rc = deferred_flush(t, db);
  if (rc)
    return rc;
  MDB_cursor *c = txn_cursor(t, db);
  rc = c ? mdb_cursor_get(c, &k, &v, MDB_SET) : mdb_get(t->txn, t->s->dbi[db], &k, &v);
  if (rc)
    return db_err("mdb_get", rc);
  out->data = v.mv_data;
  out->len = v.mv_size;
  return 0;
}

int zb_txn_put(zb_txn *t, enum zb_dbi db, const void *key, size_t klen,
               const void *val, size_t vlen, unsigned flags) {
  MDB_val k = {klen, (void *)key}, v = {vlen, (void *)val};
  unsigned f = (flags & ZB_PUT_APPEND) ? MDB_APPEND : 0;
  if (t->dfr[db] && !f && !t->busy[db])
    return deferred_add(t->dfr[db], key, (uint32_t)klen, val, (uint32_t)vlen);
  int rc = deferred_flush(t, db);
  if (rc)
    return rc;
  MDB_cursor *c = txn_cursor(t, db);
  rc = c ? mdb_cursor_put(c, &k, &v, f) : mdb_put(t->txn, t->s->dbi[db], &k, &v, f);
  return rc ? db_err("mdb_put", rc) : 0;
}

int zb_txn_del(zb_txn *t, enum zb_dbi db, const void *key, size_t klen) {
  MDB_val k = {klen, (void *)key}, v;
  known_forget(t, db);
  int rc = deferred_flush(t, db);
  if (rc)
    return rc;
  MDB_cursor *c = txn_cursor(t, db);
  if (!c)
    rc = mdb_del(t->txn, t->s->dbi[db], &k, NULL);
  else if ((rc = mdb_cursor_get(c, &k, &v, MDB_SET)) == 0)
    rc = mdb_cursor_del(c, 0);
  if (rc == MDB_NOTFOUND)
    return 0;
  return rc ? db_err("mdb_del", rc) : 0;
}

int zb_txn_drop(zb_txn *t, enum zb_dbi db) {
  known_forget(t, db);
  if (t->dfr[db])
    deferred_clear(t->dfr[db]);   /* what they would have written goes too */
  int rc = mdb_drop(t->txn, t->s->dbi[db], 0);
  return rc ? db_err("mdb_drop", rc) : 0;
}

size_t zb_txn_count(zb_txn *t, enum zb_dbi db) {
  MDB_stat st;
  if (deferred_flush(t, db) || mdb_stat(t->txn, t->s->dbi[db], &st))
    return 0;
  return st.ms_entries;
}

void *zb_txn_note(zb_txn *t) { return t->note; }

void zb_txn_set_note(zb_txn *t, void *note, void (*free_fn)(void *)) {
  if (t->note_free)
    t->note_free(t->note);
  t->note = note;
  t->note_free = free_fn;
}

static int scan(zb_txn *t, enum zb_dbi db, const void *start, size_t slen, zb_scan_fn fn,
                void *ctx) {
  int rc;
  MDB_cursor *c = txn_cursor(t, db);
  MDB_val k = {slen, (void *)start}, v;
  bool own = !c;   /* a scan inside a scan of the same table */
  if (own && (rc = mdb_cursor_open(t->txn, t->s->dbi[db], &c)))
    return db_err("mdb_cursor_open", rc);
  /* The callback may read or write this table: it then does so without
   * the table's cursor, which must stay where the scan is. */
  if (!own)
    t->busy[db] = true;
  rc = mdb_cursor_get(c, &k, &v, start ? MDB_SET_RANGE : MDB_FIRST);
  int ret = 0;
  while (rc == 0) {
    ret = fn(ctx, (zb_val){k.mv_data, k.mv_size}, (zb_val){v.mv_data, v.mv_size});
    if (ret != 0)
      break;
    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT);
  }
  if (own)
    mdb_cursor_close(c);
  else
    t->busy[db] = false;
  if (ret > 0)
    return 0;
  if (ret < 0)
    return ret;
  return rc == MDB_NOTFOUND ? 0 : db_err("mdb_cursor_get", rc);
}

zb_store *zb_txn_store(const zb_txn *t) { return t->s; }

uint64_t zb_txn_snapshot(const zb_txn *t) { return (uint64_t)mdb_txn_id(t->txn); }

int zb_txn_scan(zb_txn *t, enum zb_dbi db, const void *start, size_t slen,
                zb_scan_fn fn, void *ctx) {
  int rc = deferred_flush(t, db);
  return rc ? rc : scan(t, db, start, slen, fn, ctx);
}

int zb_txn_scan_stored(zb_txn *t, enum zb_dbi db, const void *start, size_t slen,
                       zb_scan_fn fn, void *ctx) {
  return scan(t, db, start, slen, fn, ctx);
}

int zb_txn_last(zb_txn *t, enum zb_dbi db, zb_val *key, zb_val *val) {
  MDB_cursor *c;
  MDB_val k, v;
  int rc = deferred_flush(t, db);
  if (rc)
    return rc;
  if ((rc = mdb_cursor_open(t->txn, t->s->dbi[db], &c)))
    return db_err("mdb_cursor_open", rc);
  rc = mdb_cursor_get(c, &k, &v, MDB_LAST);
  mdb_cursor_close(c);
  if (rc)
    return db_err("mdb_cursor_get", rc);
  key->data = k.mv_data;
  key->len = k.mv_size;
  val->data = v.mv_data;
  val->len = v.mv_size;
  return 0;
}

void zb_u64_be(uint64_t v, uint8_t out[8]) {
  for (int i = 7; i >= 0; i--) {
    out[i] = (uint8_t)(v & 0xff);
    v >>= 8;
  }
}

uint64_t zb_be_u64(const uint8_t in[8]) {
  uint64_t v = 0;
  for (int i = 0; i < 8; i++)
    v = (v << 8) | in[i];
  return v;
}

int zb_meta_get_u64(zb_txn *t, const char *key, uint64_t *out) {
  zb_val v;
  int rc = zb_txn_get(t, ZB_DB_META, key, strlen(key), &v);
  if (rc == ZB_ENOTFOUND) {
    *out = 0;
    return 0;
  }
  if (rc)
    return rc;
  if (v.len != 8)
    return ZB_ECORRUPT;
  *out = zb_be_u64(v.data);
  return 0;
}

int zb_store_meta_u64(zb_store *s, const char *key, uint64_t *out) {
  zb_txn *t;
  int rc = zb_store_read(s, &t);
  if (rc)
    return rc;
  rc = zb_meta_get_u64(t, key, out);
  zb_txn_end(t);
  return rc;
}

int zb_meta_put_u64(zb_txn *t, const char *key, uint64_t v) {
  uint8_t b[8];
  zb_u64_be(v, b);
  return zb_txn_put(t, ZB_DB_META, key, strlen(key), b, 8, 0);
}

int zb_meta_get_str(zb_txn *t, const char *key, char *out, size_t cap) {
  zb_val v;
  int rc = zb_txn_get(t, ZB_DB_META, key, strlen(key), &v);
  if (rc)
    return rc;
  if (v.len >= cap)
    return ZB_ETOOBIG;
  memcpy(out, v.data, v.len);
  out[v.len] = '\0';
  return 0;
}

int zb_meta_put_str(zb_txn *t, const char *key, const char *v) {
  return zb_txn_put(t, ZB_DB_META, key, strlen(key), v, strlen(v), 0);
}
