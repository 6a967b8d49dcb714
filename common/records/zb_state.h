/*
 * zb_state.h — the materialized view: current records and their indexes.
 *
 * State is derived from ops (zb_merge.h writes it); this module encodes and
 * decodes stored records and scans them by scope.  A stored record keeps,
 * for each field, the stamp (HLC, origin, server seq) of the write that set
 * it, which is what last-writer-wins compares.
 */
#ifndef ZB_STATE_H
#define ZB_STATE_H

#include <stdint.h>
#include "zb_record.h"
#include "zb_store.h"
#include "zhibu.pb-c.h"



enum zb_kind { ZB_KIND_ORG = 1, ZB_KIND_MEMBER = 2 };   /* = zb.RecordKind */

typedef struct zb_stamp {
  uint64_t hlc;
  uint64_t server_seq;
  char origin[ZB_NODE_ID_MAX + 1];
} zb_stamp;

/* A record with its per-field stamps.  For a member, values are in m; for
 * an org, in o. */
typedef struct zb_rec {
  enum zb_kind kind;
  zb_member m;
  zb_org o;
  zb_stamp st[ZB_MF__COUNT];
} zb_rec;

/* Number of fields of a kind, and a field's value buffer. */
int zb_rec_nfields(enum zb_kind kind);
char *zb_rec_val(zb_rec *r, int field);

/* Loads the record of kind with key.  0, ZB_ENOTFOUND, ZB_ECORRUPT. */
int zb_rec_load(zb_txn *t, enum zb_kind kind, const char *key, zb_rec *out);
/* Stores r under its key (field 0). */
int zb_rec_store(zb_txn *t, const zb_rec *r);

/* Index keys "org\0id" (member_org) and "id_number\0id" (member_idnum):
 * both indexes are keyed by the pair, so that applying ops in any order
 * leaves the same entries.  buf holds 2 * (ZB_FIELD_MAX + 1) bytes. */
size_t zb_pair_key(char *buf, const char *a, const char *b);

/* Removes a record and its index entries (a node rolling back an op the
 * server rejected rebuilds the record from the remaining ops).  0 also
 * when there was no such record. */
int zb_rec_delete(zb_txn *t, enum zb_kind kind, const char *key);

/* Loads one member / org without stamps. */
int zb_member_load(zb_txn *t, const char *id, zb_member *out);
int zb_org_load(zb_txn *t, const char *code, zb_org *out);

/* Calls fn for every member whose org lies in the subtree of root (every
 * member when root is NULL), in member-id order; fn returns non-zero to
 * stop (negative: returned as the error).  Uses the org index, so the cost
 * follows the size of the subtree, not of the database. */
typedef int (*zb_member_fn)(void *ctx, const zb_member *m);
int zb_members_in_subtree(zb_txn *t, const char *root, zb_member_fn fn, void *ctx);
/* Statistics (zb_stats.h) of the members of root's subtree as of a date:
 * the one computation behind both nodes' and the server's reports. */
struct zb_stats;
int zb_state_stats(zb_txn *t, const char *root, zb_date as_of, struct zb_stats *out);

/* Number of members in the subtree of root (index only, no decoding). */
int zb_members_count(zb_txn *t, const char *root, size_t *out);
/* Same for orgs, in code order. */
typedef int (*zb_org_fn)(void *ctx, const zb_org *o);
int zb_orgs_in_subtree(zb_txn *t, const char *root, zb_org_fn fn, void *ctx);

/* Digest (docs/DESIGN-NOTES.md, "Digest"): lowercase hex SHA-256 of the canonical encoding of
 * every current record in the subtree of root — orgs in code order, then
 * members in id order; each record is its kind byte followed by every field
 * as a 4-byte big-endian length and the bytes.  Stamps are not included:
 * two replicas with the same content have the same digest.  out: 65 bytes. */
int zb_state_digest(zb_txn *t, const char *root, char out[65]);

/* The name of a field ("phone"), or NULL for -1 / out of range. */
const char *zb_field_name(enum zb_kind kind, int field);
/* The fields of next that differ from cur (every non-empty one when cur is
 * NULL), as parallel arrays: fields[i] is set to vals[i] (pointing into
 * next).  Returns how many. */
size_t zb_rec_diff(enum zb_kind kind, zb_rec *cur, zb_rec *next, int *fields, char **vals);

/* Conflict records (docs/DESIGN-NOTES.md, "Merge"), oldest first; with root, only those
 * whose member lies in root's subtree now (org records: their code).  c is
 * valid during the call only. */
typedef int (*zb_conflict_fn)(void *ctx, const Zb__Conflict *c);
int zb_conflicts_scan(zb_txn *t, const char *root, zb_conflict_fn fn, void *ctx);

/* The tables that make up the materialized state (records and indexes). */
#define ZB_STATE_NDBS 4
extern const enum zb_dbi zb_state_dbs[ZB_STATE_NDBS];
/* SHA-256 over every entry of every state table, stamps and indexes
 * included: equal hashes mean byte-identical state. */
int zb_state_hash(zb_txn *t, uint8_t out[32]);

#endif
