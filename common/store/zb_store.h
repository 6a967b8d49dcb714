/*
 * zb_store.h — the one boundary to LMDB.
 *
 * A store is one LMDB environment in a data directory, opened once per
 * process (LMDB forbids opening an environment twice in one process).  The
 * CLI and a running daemon share a directory safely: LMDB is multi-process,
 * with one writer at a time.
 *
 * Writes go through zb_store_write(): it runs a callback inside one write
 * transaction and commits, so everything the callback did lands together or
 * not at all.  When the map is full it aborts, doubles the map and runs the
 * callback again — so a write callback must be repeatable: it must not
 * commit side effects outside the transaction (buffer any messages and
 * print them after zb_store_write returns).  A large write (an import)
 * calls zb_store_reserve() first, with an estimate of what it will add, so
 * that the rerun stays a safety net (docs/DESIGN-NOTES.md, "Storage").
 *
 * Pointers returned by zb_txn_get()/zb_txn_scan() point into LMDB's pages:
 * they are valid only until the transaction ends or the next write to the
 * same database.  Copy what you keep.
 */
#ifndef ZB_STORE_H
#define ZB_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum zb_dbi {
  ZB_DB_META = 0,       /* text key → value: node id, org, heads, cursor … */
  ZB_DB_LOG,            /* u64 BE seq → packed zb.Op (MDB_APPEND)          */
  ZB_DB_ORGS,           /* code → packed zb.Record                          */
  ZB_DB_MEMBERS,        /* member id → packed zb.Record                     */
  ZB_DB_MEMBER_ORG,     /* org code NUL member id → "" (subtree scans)      */
  ZB_DB_MEMBER_IDNUM,   /* id_number NUL member id → "" (one person, one record) */
  ZB_DB_SLOG,           /* server: u64 BE server seq → chain hash + packed zb.ServerOp */
  ZB_DB_ORIGINS,        /* server: node id → u64 BE held seq + last op hash  */
  ZB_DB_CONFLICTS,      /* u64 BE server seq + u32 BE index → zb.Conflict    */
  ZB_DB_PLOG,           /* node: u64 BE server seq → packed zb.ServerOp pulled */
  ZB_DB_REJECTED,       /* node: u64 BE own seq → packed zb.ServerOp         */
  ZB_DB_RESTAMPED,      /* node: u64 BE own seq → u64 BE HLC the server gave it */
  ZB_DB_ORIGIN_OPS,     /* server: node id NUL u64 BE seq → op hash (forks)  */
  ZB_DB_FORKS,          /* server: node id NUL u64 BE seq → fork evidence    */
  ZB_DB_LOST_KEYS,      /* server: kind, key NUL origin → u64 BE seq of the
                           rejected op that would have created the record   */
  ZB_DB_RECORD_OPS,     /* node: kind, key NUL source, u64 BE seq → "": the
                           ops that wrote a record (rollback replays those) */
  ZB_DB_RECORDS,        /* kind byte, key → packed zb.Record: the kinds
                           without a table of their own (zb_state.c)       */
  ZB_DB_REC_INDEX,      /* kind byte, index byte, value NUL key → "": their
                           indexes                                          */
  ZB_DB_FACTS,          /* kind byte, record key NUL, fact byte, fact id →
                           packed zb.Record of the fact (zb_state.c)       */
  ZB_DB__COUNT
};

typedef struct zb_store zb_store;
typedef struct zb_txn zb_txn;

typedef struct zb_val {
  const void *data;
  size_t len;
} zb_val;

/* Opens (create: creates the directory and the environment) the store in
 * dir.  ZB_ENOTINIT if it does not exist and create is false. */
int zb_store_open(const char *dir, bool create, zb_store **out);
/* Same with the initial map size in bytes (tests use a tiny one to
 * exercise growth). */
int zb_store_open_sized(const char *dir, bool create, size_t map_bytes, zb_store **out);
void zb_store_close(zb_store *s);   /* NULL is fine */

/* Grows the map, if need be, so that it holds the pages in use now plus
 * bytes more: to the current size doubled as often as that takes.  Call it
 * outside any transaction of this process.  0 or ZB_EDB. */
int zb_store_reserve(zb_store *s, size_t bytes);
/* The map's size in bytes, and the bytes of it in use (pages up to the
 * last one a committed transaction wrote). */
size_t zb_store_map_size(zb_store *s);
size_t zb_store_used(zb_store *s);
/* How many times, since the store was opened, a write found the map full
 * and was run again from the start. */
unsigned long zb_store_map_reruns(const zb_store *s);
const char *zb_store_dir(const zb_store *s);

/* A read-only transaction; end it with zb_txn_end(). */
int zb_store_read(zb_store *s, zb_txn **out);
void zb_txn_end(zb_txn *t);         /* NULL is fine; aborts a read txn */
/* The store t reads, and the snapshot it reads (LMDB's transaction id):
 * two read transactions of the same snapshot see the same data. */
zb_store *zb_txn_store(const zb_txn *t);
uint64_t zb_txn_snapshot(const zb_txn *t);

typedef int (*zb_write_fn)(zb_txn *t, void *ctx);
/* Runs fn in a write transaction and commits when it returns 0.  A negative
 * return aborts the transaction and is returned; so is a commit failure.
 * zb_store_write_discard() always aborts: verify uses it to rebuild the
 * state inside a transaction and throw the rebuild away. */
int zb_store_write(zb_store *s, zb_write_fn fn, void *ctx);
int zb_store_write_discard(zb_store *s, zb_write_fn fn, void *ctx);

/* 0, ZB_ENOTFOUND, or ZB_EDB. */
int zb_txn_get(zb_txn *t, enum zb_dbi db, const void *key, size_t klen, zb_val *out);
/* Whether db holds key: 0, ZB_ENOTFOUND, or ZB_EDB.  The transaction
 * remembers the keys of one table (the first asked about) found so, up to
 * a few hundred of at most 64 bytes, until a delete or drop touches that
 * table: asking again for one of them then reads no page.  An import
 * asks whether a row's org exists a million times, for a few hundred
 * orgs, and each B-tree descent in a large write transaction looks every
 * page up in LMDB's list of dirty pages (docs/DESIGN-NOTES.md, "Imports"). */
int zb_txn_exists(zb_txn *t, enum zb_dbi db, const void *key, size_t klen);
#define ZB_PUT_APPEND 1u   /* key sorts after every key in db (log appends) */
int zb_txn_put(zb_txn *t, enum zb_dbi db, const void *key, size_t klen,
               const void *val, size_t vlen, unsigned flags);
/* 0 (also when the key was absent) or ZB_EDB. */
int zb_txn_del(zb_txn *t, enum zb_dbi db, const void *key, size_t klen);
/* From now until the transaction ends, plain puts to db (not
 * ZB_PUT_APPEND) are held in memory and written in key order when db is
 * next read, deleted from or counted, or before the commit: for a table
 * that a long write fills at scattered places without reading it (an
 * import's non-unique indexes).  What every call returns is unchanged; a
 * put's own error (map full) shows at that later call or at the commit.
 * 0 or ZB_ENOMEM. */
int zb_txn_defer(zb_txn *t, enum zb_dbi db);
/* Empties db (the database stays). */
int zb_txn_drop(zb_txn *t, enum zb_dbi db);
/* Number of entries in db. */
size_t zb_txn_count(zb_txn *t, enum zb_dbi db);

/* Calls fn for every entry whose key is >= start (all when start is NULL),
 * in key order, until fn returns non-zero (a positive value stops quietly and
 * yields 0, a negative one is returned). */
typedef int (*zb_scan_fn)(void *ctx, zb_val key, zb_val val);
int zb_txn_scan(zb_txn *t, enum zb_dbi db, const void *start, size_t slen,
                zb_scan_fn fn, void *ctx);
/* zb_txn_scan of what db held before the puts zb_txn_defer holds back
 * (they are not written first): for a caller that keeps account of those
 * puts itself (zb_txn_set_note). */
int zb_txn_scan_stored(zb_txn *t, enum zb_dbi db, const void *start, size_t slen,
                       zb_scan_fn fn, void *ctx);
/* One note per write transaction for the layer above (the records
 * layer's account of index puts held back): free_fn(note) runs when the
 * write's callback has returned (before the held puts are written and the
 * transaction commits: the note is the callback's), when a transaction
 * ends, or when another note replaces it. */
void *zb_txn_note(zb_txn *t);
void zb_txn_set_note(zb_txn *t, void *note, void (*free_fn)(void *));
/* The entry with the greatest key; ZB_ENOTFOUND when db is empty. */
int zb_txn_last(zb_txn *t, enum zb_dbi db, zb_val *key, zb_val *val);

/* Meta values. */
int zb_meta_get_u64(zb_txn *t, const char *key, uint64_t *out);  /* 0 if absent */
int zb_meta_put_u64(zb_txn *t, const char *key, uint64_t v);
/* The same, read in a transaction of its own (the data format on open). */
int zb_store_meta_u64(zb_store *s, const char *key, uint64_t *out);
/* Copies a NUL-terminated text value into out (cap bytes); ZB_ENOTFOUND. */
int zb_meta_get_str(zb_txn *t, const char *key, char *out, size_t cap);
int zb_meta_put_str(zb_txn *t, const char *key, const char *v);

/* u64 big-endian keys sort numerically. */
void zb_u64_be(uint64_t v, uint8_t out[8]);
uint64_t zb_be_u64(const uint8_t in[8]);

#endif
