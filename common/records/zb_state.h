/*
 * zb_state.h — the materialized view: current records of every kind and
 * their indexes (docs/DESIGN-NOTES.md, "Storage").
 *
 * State is derived from ops (zb_merge.h writes it); this module owns the
 * record and index tables, their key layouts, and scans them by scope.  A
 * stored record keeps, for each field, the stamp (HLC, origin, server seq)
 * of the write that set it, which is what last-writer-wins compares.
 */
#ifndef ZB_STATE_H
#define ZB_STATE_H

#include <stdint.h>
#include <stdio.h>
#include "zb_kind.h"
#include "zb_record.h"
#include "zb_stats.h"
#include "zb_store.h"
#include "zb_view.h"
#include "zhibu.pb-c.h"

typedef struct zb_stamp {
  uint64_t hlc;
  uint64_t server_seq;
  char origin[ZB_NODE_ID_MAX + 1];
} zb_stamp;

/* A record of any kind with its per-field stamps: v[i] and st[i] for the
 * kd->nfields fields of its kind. */
typedef struct zb_rec {
  const zb_kind_desc *kd;
  zb_value v[ZB_REC_FIELDS_MAX];
  zb_stamp st[ZB_REC_FIELDS_MAX];
} zb_rec;

/* An empty record of kind kd (only its kd->nfields fields are set). */
void zb_rec_init(zb_rec *r, const zb_kind_desc *kd);
/* dst = src, for src's fields (cheaper than assigning the struct). */
void zb_rec_copy(zb_rec *dst, const zb_rec *src);

/* Loads the record of kind kd with key.  0, ZB_ENOTFOUND, ZB_ECORRUPT. */
int zb_rec_load(zb_txn *t, const zb_kind_desc *kd, const char *key, zb_rec *out);
/* Stores next under its key (field 0) and brings its index entries from
 * those of cur (NULL: the record is new) to those of next. */
int zb_rec_store(zb_txn *t, const zb_rec *cur, const zb_rec *next);
/* For the rest of the write transaction, holds the entries of kd's
 * indexes back and writes them in key order later (zb_txn_defer): an
 * import puts them at scattered places.  A unique index is still asked
 * who holds a value (zb_index_holder): the entries held back are kept
 * account of in memory, the ones stored before are read from the table
 * (docs/DESIGN-NOTES.md, "Imports").  For one kind per transaction.
 * 0 or ZB_ENOMEM. */
int zb_rec_defer_indexes(zb_txn *t, const zb_kind_desc *kd);
/* Removes a record, its index entries and its facts (a node rolling back an op the
 * server rejected rebuilds the record from the remaining ops).  0 also
 * when there was no such record. */
int zb_rec_delete(zb_txn *t, const zb_kind_desc *kd, const char *key);
/* Facts (docs/RECORDS.md, "Ops: sets, acts and facts"): fact kind fi of
 * kd (kd->facts[fi]) with id, on the record key.  A fact is a zb_rec of
 * its fact kind; one stamp covers all its fields. */
int zb_fact_load(zb_txn *t, const zb_kind_desc *kd, const char *key, int fi, const char *id,
                 zb_rec *out);
int zb_fact_store(zb_txn *t, const zb_kind_desc *kd, const char *key, int fi,
                  const zb_rec *fact);
/* Every fact of a record, by fact kind then id. */
typedef int (*zb_fact_fn)(void *ctx, int fi, const zb_rec *fact);
int zb_facts_scan(zb_txn *t, const zb_kind_desc *kd, const char *key, zb_fact_fn fn, void *ctx);

/* Before a write of a record of kind kd whose unique values are values
 * (indexed by field), soon: asks the memory system for what
 * zb_index_holder will read first of the entries this transaction holds
 * back (zb_rec_defer_indexes).  Changes nothing. */
void zb_index_prefetch(zb_txn *t, const zb_kind_desc *kd, const char *const *values);
/* For a unique index: the key of a record other than self whose field
 * holds value, into out.  0, or ZB_ENOTFOUND when there is none. */
int zb_index_holder(zb_txn *t, const zb_kind_desc *kd, const zb_index_desc *ix,
                    const char *value, const char *self, char out[ZB_FIELD_MAX + 1]);

/* Index keys "value\0key": keyed by the pair, so that applying ops in any
 * order leaves the same entries.  buf holds 2 * (ZB_FIELD_MAX + 1) bytes. */
size_t zb_pair_key(char *buf, const char *a, const char *b);

/* Calls fn for every record of kind kd placed in the subtree of root
 * (every one when root is NULL or ""), in key order; fn returns non-zero
 * to stop (negative: returned as the error).  With `visible`, a kind that
 * reaches down (ZB_REACH_DOWN) also yields the records of root's
 * ancestors, and a kind with a reach_field those whose reach_field lies in
 * root's subtree: what a node for root holds.  Uses the org index, so the cost
 * follows the size of the subtree, not of the database. */
typedef int (*zb_rec_fn)(void *ctx, const zb_rec *r);
int zb_recs_in_subtree(zb_txn *t, const zb_kind_desc *kd, const char *root, bool visible,
                       zb_rec_fn fn, void *ctx);
/* Calls fn for every record of kd whose field (which has an index) holds
 * exactly value, in key order: a member's transfers. */
int zb_recs_with(zb_txn *t, const zb_kind_desc *kd, int field, const char *value, zb_rec_fn fn,
                 void *ctx);
/* The orgs of root's subtree (root included) as the CSV `org import`
 * reads, parents first; ZB_ENOTFOUND if there is no org root. */
int zb_state_org_csv(zb_txn *t, const char *root, FILE *out);
/* Number of records of kd, a kind with a table of its own. */
size_t zb_recs_total(zb_txn *t, const zb_kind_desc *kd);
/* Every entry of kd's index on field, in index order (value, then key):
 * fn(ctx, value, key) until it returns non-zero (zb_txn_scan).  ZB_EINVAL
 * when field has no index. */
typedef int (*zb_index_entry_fn)(void *ctx, const char *value, const char *key);
int zb_index_scan(zb_txn *t, const zb_kind_desc *kd, int field, zb_index_entry_fn fn, void *ctx);
/* Number of records of kd in the subtree of root (index only). */
int zb_recs_count(zb_txn *t, const zb_kind_desc *kd, const char *root, size_t *out);

/* Loads one member without stamps. */
int zb_member_load(zb_txn *t, const char *id, zb_member *out);
/* The members in the subtree of root, as their typed view, in key order. */
typedef int (*zb_member_fn)(void *ctx, const zb_member *m);
int zb_members_in_subtree(zb_txn *t, const char *root, zb_member_fn fn, void *ctx);
int zb_members_count(zb_txn *t, const char *root, size_t *out);

/* zb_members_in_subtree for a report: ZB_ENOTFOUND when root is no org of
 * this replica. */
int zb_state_members_of(zb_txn *t, const char *root, zb_member_fn fn, void *ctx);
/* What the org index carries of each member of root's subtree (its
 * zb_stats_facts: zb_stats.h), with the member's org and id, in index
 * order (org code, then id), reading no record; fn's first non-zero
 * return stops the scan (zb_txn_scan).  An entry that does not unpack:
 * ZB_ECORRUPT. */
typedef int (*zb_member_facts_fn)(void *ctx, const char *org, const char *id,
                                  const zb_stats_facts *f);
int zb_member_facts_scan(zb_txn *t, const char *root, zb_member_facts_fn fn, void *ctx);
/* The same for the part of root's subtree whose org codes lie in [from,
 * to) in byte order (NULL: no bound): with from and to children of root,
 * their subtrees whole (a code's parts are letters and digits, which sort
 * after '-'), the first part holding root's own members. */
int zb_member_facts_scan_part(zb_txn *t, const char *root, const char *from, const char *to,
                              zb_member_facts_fn fn, void *ctx);
/* Adds the members of root's subtree to out (zb_stats_init'ed with its
 * as-of date and period): the one computation behind both nodes' and the
 * server's reports.  ZB_ENOTFOUND when root is no org of this replica.
 * From the org index's entries alone (zb_member_facts_scan), so that
 * memory does not grow with the subtree and no record is read
 * (docs/DESIGN-NOTES.md, "Reports at county scale"). */
int zb_state_stats(zb_txn *t, const char *root, zb_stats *out);

/* Stores written before the org index carried its entries (meta
 * "state_format" below ZB_STATE_FORMAT) get them: every covering index
 * is written again from the records, in one write.  Run on open by the
 * node and the server; 0 when there is nothing to do. */
#define ZB_STATE_FORMAT 1
int zb_state_upgrade(zb_store *s);
/* Marks a new store as having them (in its first write). */
int zb_state_format_mark(zb_txn *t);

/* Digest (docs/DESIGN-NOTES.md, "Digest"): lowercase hex SHA-256 of the
 * canonical encoding of every current record a node for root holds — kind
 * by kind in zb_kinds[] order, records in key order; each record is its
 * kind byte followed by every field as a 4-byte big-endian length and the
 * bytes.  Stamps are not included: two replicas with the same content have
 * the same digest.  out: 65 bytes. */
int zb_state_digest(zb_txn *t, const char *root, char out[65]);

/* The name of field of the kind with wire number kind ("phone"), or NULL
 * for an unknown kind or field. */
const char *zb_field_name(int kind, int field);
/* The fields of next that differ from cur (every non-empty one when cur is
 * NULL), as parallel arrays: fields[i] is set to vals[i] (pointing into
 * next).  Returns how many. */
size_t zb_rec_diff(const zb_rec *cur, const zb_rec *next, int *fields, char **vals);

/* Conflict records (docs/DESIGN-NOTES.md, "Merge"), oldest first, as views
 * (zb_view.h); with root, only those whose record lies in root's subtree
 * now.  c is valid during the call only. */
int zb_conflicts_scan(zb_txn *t, const char *root, zb_conflict_fn fn, void *ctx);

/* The tables that make up the materialized state (records and indexes). */
#define ZB_STATE_NDBS 7
extern const enum zb_dbi zb_state_dbs[ZB_STATE_NDBS];
/* SHA-256 over every entry of every state table, stamps and indexes
 * included: equal hashes mean byte-identical state. */
int zb_state_hash(zb_txn *t, uint8_t out[32]);

/* Empties the state tables (a rebuild from the logs follows). */
int zb_state_drop(zb_txn *t);

/* The one check that stored state equals a rebuild from the log: checks
 * first that every entry of a covering org index (zb_kind_desc.org_entry)
 * is what its record gives and that there is no other, hashes the stored
 * state (zb_state_hash), empties the state tables, runs
 * rebuild(t, ctx), hashes again.  0 when equal; ZB_ECORRUPT with a
 * sentence in why when not; rebuild's own error otherwise.  Call it in a
 * transaction that is thrown away (zb_store_write_discard). */
int zb_state_rebuild_check(zb_txn *t, int (*rebuild)(zb_txn *t, void *ctx), void *ctx,
                           char *why, size_t cap);

#endif
