/*
 * zb_hub.h — the central server's records: every node's ops merged into one
 * global log (docs/DESIGN-NOTES.md, docs/PROTOCOL.md).  What zhibu-server's sync endpoint and its
 * CLI call; the network lives in zb_syncd.h.
 *
 * The global log ("slog") holds every op a node pushed, under a server seq,
 * with its outcome (applied, applied with conflict, rejected and why).  Each
 * entry is stored as the previous entry's hash followed by the packed
 * zb.ServerOp, so the server log is a hash chain too.  For each origin the
 * server keeps the highest seq it holds and that op's hash: a node's ops
 * must arrive in order and chain onto that hash, so nothing is applied
 * twice and no fork is accepted.
 */
#ifndef ZB_HUB_H
#define ZB_HUB_H

#include <stdbool.h>
#include <stdint.h>
#include "zb_batch.h"
#include "zb_dues.h"
#include "zb_import.h"
#include "zb_balance.h"
#include "zb_stats.h"
#include "zb_store.h"
#include "zb_view.h"

/* The origin id of ops the server writes itself (the org tree). */
#define ZB_HUB_ORIGIN "zhibu-server"

typedef struct zb_hub zb_hub;
/* The hub's store, for the modules that keep their own records in it
 * (zb_token.h). */
zb_store *zb_hub_store(zb_hub *h);

typedef struct zb_hub_info {
  uint64_t head;           /* last server seq */
  size_t origins, members, orgs, conflicts, forks;
  uint64_t rejected;       /* rejected ops in the log */
  uint64_t summarized;     /* of those, kept as summaries (over the allowance) */
} zb_hub_info;

/* Rejected ops kept whole per origin per UTC day; the rest are logged as
 * summaries (outcome, reason and hash, not the op). */
#define ZB_HUB_REJECTED_PER_DAY 1000u
/* Largest raw (decompressed) push batch accepted: a node cuts its batches
 * at ZB_SYNC_BATCH_RAW (1 MiB) plus one op. */
#define ZB_HUB_PUSH_RAW_MAX ((size_t)4 << 20)

/* Creates the hub's database in dir (which must exist). ZB_EEXIST if there
 * is one already. */
int zb_hub_init(const char *dir);
int zb_hub_open(const char *dir, zb_hub **out);   /* ZB_ENOTINIT */
void zb_hub_close(zb_hub *h);                    /* NULL is fine */
/* The daily allowance of whole rejected ops per origin (default
 * ZB_HUB_REJECTED_PER_DAY). */
void zb_hub_set_rejected_per_day(zb_hub *h, uint32_t n);

/* The whole org tree from CSV (docs/RECORDS.md), all-or-nothing. */
int zb_hub_org_import(zb_hub *h, const char *path, zb_input_problem_fn problem, void *ctx,
                      zb_import_result *res);

/* What a node starting a session needs: the highest seq of node_id held,
 * that op's hash (zeros when none), and the server's head. */
int zb_hub_hello(zb_hub *h, const char *node_id, uint64_t *held_seq, uint8_t held_hash[32],
                 uint64_t *head);

typedef struct zb_push_result {
  uint64_t held_seq;       /* the node's highest seq held after the push */
  uint32_t applied, duplicates, rejected, conflicts;
  char why[320];           /* for ZB_EPROTO */
  uint64_t fork_seq;       /* ZB_EPROTO for a fork: the seq, both hashes */
  uint8_t fork_held[32], fork_offered[32];
} zb_push_result;

/* One batch of node_id's ops (zb_batch encoding), whose scope is the
 * subtree of org, applied and logged in one transaction.  Ops the server
 * already holds are skipped (a resumed session re-sends them).  ZB_EPROTO
 * with why for a batch that breaks the protocol (an op that fails
 * zb_opwire_decode, another origin, a gap in seqs, a fork): nothing of it
 * is stored, and a fork's evidence is recorded (zb_hub_forks). */
int zb_hub_push(zb_hub *h, const char *node_id, const char *org, const uint8_t *zdata,
                size_t zlen, uint64_t raw_size, uint32_t count, zb_push_result *res);

/* Several pushes (from several sessions) in one transaction: one commit,
 * one fsync, for every node that pushed in the same loop iteration.  Each
 * request's rc is 0, ZB_EPROTO (that request alone broke the protocol:
 * nothing of it is stored, the others are), or the storage error that
 * failed them all, which is also returned. */
typedef struct zb_push_req {
  const char *node_id, *org;
  const uint8_t *zdata;
  size_t zlen;
  uint64_t raw_size;
  uint32_t count;
  zb_push_result res;
  int rc;
} zb_push_req;
int zb_hub_push_many(zb_hub *h, zb_push_req *reqs, size_t n);

/* The same for the batches of one parcel (docs/PROTOCOL.md, "Offline
 * parcels"): all of them are stored, or — when one breaks the protocol —
 * none (every request's rc is then ZB_EPROTO; a fork's evidence is still
 * recorded).  Returns the first request's failure, or 0. */
int zb_hub_push_all(zb_hub *h, zb_push_req *reqs, size_t n);

/* What the server remembers of a node between sessions, for the parcels it
 * makes for it and for the freshness report: the last cursor the node
 * acknowledged (or its parcel carried), the number of the last parcel made
 * for it, the org and certificate (DER) of its last verified session or
 * parcel; and how it was last heard from — the last successful session or
 * parcel and the last failed session (times by the server's clock, never
 * the node's), why that one failed, and the node's log head as it said
 * then (its last seq). */
#define ZB_HUB_CERT_MAX 4096u
#define ZB_HUB_REASON_MAX 160u
/* A failure like the one recorded (same reason, same way) within this
 * long of it is not written again. */
#define ZB_HUB_ERR_REPEAT_MS 60000u
enum zb_hub_via { ZB_VIA_NONE = 0, ZB_VIA_SESSION = 1, ZB_VIA_PARCEL = 2 };
typedef struct zb_hub_peer {
  uint64_t cursor, parcel_seq;
  char org[ZB_FIELD_MAX + 1];
  uint8_t cert[ZB_HUB_CERT_MAX];
  size_t cert_len;
  uint64_t ok_ms, err_ms;      /* 0: never */
  uint8_t ok_via, err_via;     /* enum zb_hub_via */
  uint64_t log_head;
  char err[ZB_HUB_REASON_MAX + 1];
} zb_hub_peer;
/* One contact with a node, to remember.  org and cert (when org is not
 * NULL) are its verified certificate's; has_cursor: it has pulled up to
 * cursor (kept when lower than the one known); has_head: it said its log
 * head.  via ZB_VIA_NONE records only those; otherwise the contact at
 * at_ms (the server's clock) succeeded (ok) or failed with err. */
typedef struct zb_hub_contact {
  const char *node_id, *org;
  const uint8_t *cert;
  size_t cert_len;
  bool has_cursor, has_head, ok;
  uint64_t cursor, log_head, at_ms;
  enum zb_hub_via via;
  const char *err;
} zb_hub_contact;
/* Records n contacts in one transaction; a note that changes nothing
 * writes nothing. */
int zb_hub_contacts_note(zb_hub *h, const zb_hub_contact *c, size_t n);
/* ZB_ENOTFOUND for a node never heard of. */
int zb_hub_peer_get(zb_hub *h, const char *node_id, zb_hub_peer *out);
/* The next parcel number for node_id (1, 2, …), recorded. */
int zb_hub_parcel_next(zb_hub *h, const char *node_id, uint64_t *seq);
/* Every node the server has heard from, in node id order, with the highest
 * seq of its ops the server holds. */
typedef int (*zb_hub_peer_fn)(void *ctx, const char *node_id, const zb_hub_peer *p,
                              uint64_t held_seq);
int zb_hub_peers(zb_hub *h, zb_hub_peer_fn fn, void *ctx);

/* The entries after cursor that concern node_id with scope org, packed
 * zb.ServerOp each, into out (reset first) until about max_raw bytes;
 * *next is the last server seq looked at, *done whether that was the head.
 * A node receives: ops whose record lies in its subtree (before or after),
 * every org op (the directory), its own ops that were rejected or met a
 * conflict — not its own applied ops, which it has.  An op that moves a
 * member into the subtree carries the member's current fields as backfill,
 * since the node never saw the ops that made it. */
int zb_hub_pull(zb_hub *h, const char *node_id, const char *org, uint64_t cursor,
                size_t max_raw, zb_batch *out, uint64_t *next, bool *done);

/* Restoring a replaced PC (docs/PROTOCOL.md, "Restoring a replaced PC"):
 * node_id's own ops after its seq `after`, packed as the server logged
 * them (without prev_hash), into out (reset first) until about max_raw
 * bytes, reading the server log from server seq scan_from + 1.  res: the
 * seq of the last op in out and its hash as recorded at the push, where
 * the next call's scan starts, and whether that was the last op held.
 * The caller passes the node id of a verified certificate, never one the
 * node named.  ZB_ENOTFOUND with res->summarized when an op was kept only
 * as a summary (a rejected op past the day's allowance: it cannot be
 * given back); ZB_ECORRUPT for a log that does not hold what it says. */
typedef struct zb_hub_restored {
  uint64_t last_seq, scan_to;
  uint8_t last_hash[32];
  bool done;
  uint64_t summarized;
} zb_hub_restored;
int zb_hub_restore(zb_hub *h, const char *node_id, uint64_t after, uint64_t scan_from,
                   size_t max_raw, zb_batch *out, zb_hub_restored *res);

int zb_hub_digest(zb_hub *h, const char *org, char out[65]);
/* The records of kd placed in root's subtree (every one for NULL), in key
 * order (zb_recs_in_subtree). */
int zb_hub_recs(zb_hub *h, const zb_kind_desc *kd, const char *root, zb_rec_fn fn, void *ctx);
/* Adds the members of org's subtree to out (zb_stats_init'ed: its as-of
 * date and period). */
int zb_hub_stats(zb_hub *h, const char *org, zb_stats *out);
/* The balance of a year of org's subtree, zb_balance_init'ed
 * (zb_state_balance). */
int zb_hub_balance(zb_hub *h, const char *org, zb_balance *b);
/* Stage counts and overdue records (zb_funnel.h) for org's subtree. */
struct zb_funnel;
int zb_hub_funnel(zb_hub *h, const char *org, struct zb_funnel *f);
/* The meetings report (zb_life.h) for org's subtree. */
struct json_t;
int zb_hub_life(zb_hub *h, const char *org, int year, zb_date today, struct json_t **out);
/* The ranking of org's subtree (zb_rank_report) under the scheme in
 * force. */
struct zb_rank_query;
int zb_hub_ranking(zb_hub *h, const char *org, const struct zb_rank_query *q,
                   struct json_t **out);
/* Dues of org's subtree over q (zb_dues_report_run). */
int zb_hub_dues_report(zb_hub *h, const char *org, const zb_dues_query *q,
                       zb_dues_report **out);
/* Every member of org's subtree, for a report (zb_state_members_of:
 * ZB_ENOTFOUND when there is no such org). */
int zb_hub_members_of(zb_hub *h, const char *org, zb_member_fn fn, void *ctx);
int zb_hub_info_get(zb_hub *h, zb_hub_info *out);
/* The org directory of root's subtree as CSV (zb_state_org_csv) in *buf
 * (the caller frees it): what an enrollment bundle carries.  ZB_ENOTFOUND
 * if the server holds no org root. */
int zb_hub_org_csv(zb_hub *h, const char *root, char **buf, size_t *len);
/* Evidence of forks: a node pushed an op different from the one the
 * server holds at that seq.  Oldest seq first per node. */
typedef struct zb_fork {
  char node[ZB_NODE_ID_MAX + 1];
  uint64_t seq, at_ms;
  uint8_t held[32], offered[32];
} zb_fork;
typedef int (*zb_fork_fn)(void *ctx, const zb_fork *f);
int zb_hub_forks(zb_hub *h, zb_fork_fn fn, void *ctx);

/* Conflict records of the subtree of org (NULL: all), oldest first, as
 * views (zb_view.h). */
int zb_hub_conflicts(zb_hub *h, const char *org, zb_conflict_fn fn, void *ctx);
/* Checks the server log's chain, every origin's chain, and that the state
 * equals a rebuild from the log.  0 or ZB_ECORRUPT with why. */
int zb_hub_verify(zb_hub *h, char *why, size_t cap);

#endif
