/*
 * zb_node.h — a branch node's records: what the zhibu-node CLI calls.
 *
 * Every change becomes an op that is appended to the node's hash-chained
 * log and applied to the materialized state in the same LMDB write
 * transaction, so a crash leaves both or neither.  Every write checks the
 * record rules (zb_record.h) and the node's scope: the subtree of the org
 * the node was initialised for.
 *
 * A node is opened once per process (the store is an LMDB environment).
 * Problems with a user's input are reported through zb_input_problem_fn,
 * one call per problem, after the write transaction has ended; when there
 * is any, nothing was stored and the call returns ZB_EINVAL.
 */
#ifndef ZB_NODE_H
#define ZB_NODE_H

#include <stdbool.h>
#include <stdint.h>
#include "zb_batch.h"
#include "zb_dues.h"
#include "zb_import.h"
#include "zb_oplog.h"
#include "zb_record.h"
#include "zb_state.h"
#include "zb_balance.h"
#include "zb_stats.h"
#include "zb_view.h"

typedef struct zb_node zb_node;

/* Bytes of a failed session's reason kept in the node's meta. */
#define ZB_NODE_REASON_MAX 255


typedef struct zb_node_info {
  char node_id[ZB_NODE_ID_MAX + 1];
  char org[ZB_FIELD_MAX + 1];
  uint64_t head_seq;     /* ops this node has written */
  uint64_t acked_seq;    /* of those, held durably by the server */
  uint64_t cursor;       /* last server seq pulled */
  uint64_t last_sync_ms; /* wall time of the last completed sync, 0: never */
  uint64_t hlc;          /* last timestamp handed out */
  size_t members, orgs;
  size_t conflicts, rejected;
  char server[272];      /* enrolled server address, "" if none */
  uint64_t server_time_ms; /* the server's clock when last heard, 0: never */
  /* The last failed sync session (zb_node_sync_record): when (0: none
   * recorded), its ZB_E* code and why, in English (the CLI words it for
   * people); and when the daemon plans the next session (0: none planned). */
  uint64_t last_error_ms;
  int last_error_code;
  char last_error_reason[ZB_NODE_REASON_MAX + 1];
  uint64_t next_attempt_ms;
  bool restoring;        /* a replacement PC before its first full sync */
  bool revoked;          /* the server refused its certificate as revoked */
} zb_node_info;



/* Creates the data directory and a node for org.  ZB_EEXIST if dir already
 * holds a node; ZB_EINVAL (with *why) for a bad id or org code. */
int zb_node_init(const char *dir, const char *node_id, const char *org,
                 const char **why);
/* ZB_ENOTINIT if dir holds no node. */
int zb_node_open(const char *dir, zb_node **out);
void zb_node_close(zb_node *n);   /* NULL is fine */

const char *zb_node_id(const zb_node *n);
const char *zb_node_org(const zb_node *n);
/* Who is writing (recorded in each op); copied.  Default "unknown". */
void zb_node_set_actor(zb_node *n, const char *actor);

/* An all-or-nothing CSV import of records of kind kd in one transaction
 * (zb_import.h): rows are created or, when the key exists, updated field by
 * field (a row equal to the stored record writes nothing).  Rows of the org
 * tree outside the node's scope are skipped and counted.  Every bad row is
 * reported.  res may be NULL. */
int zb_node_import(zb_node *n, const zb_kind_desc *kd, const char *path,
                   zb_input_problem_fn problem, void *ctx, zb_import_result *res);

/* Adds the record v (kd->nfields values) of kind kd.  An empty org field
 * is the node's org; an empty key of a kind with auto_key is assigned; the
 * kind's defaults fill other empty fields; v receives the record as
 * written.  ZB_EEXIST if the key is taken, ZB_EINVAL (problems reported),
 * ZB_ESCOPE (outside the node's scope). */
int zb_node_add(zb_node *n, const zb_kind_desc *kd, zb_value *v, zb_input_problem_fn problem,
                void *ctx);
/* Sets the fields marked in set[] to the values in v.  *changed says
 * whether anything differed.  ZB_ENOTFOUND if there is no such record. */
int zb_node_update(zb_node *n, const zb_kind_desc *kd, const char *key, const bool *set,
                   const zb_value *v, zb_input_problem_fn problem, void *ctx, bool *changed);
/* Act ad on the record (kd, key), with the parameters marked in set[] from
 * v (docs/RECORDS.md, "Ops: sets, acts and facts").  Checked against the
 * record's state here, and again by the server in its order.  ZB_ENOTFOUND
 * (no such record), ZB_EINVAL or ZB_ESCOPE (problems reported). */
int zb_node_act(zb_node *n, const zb_kind_desc *kd, const char *key, const zb_act_desc *ad,
                const bool *set, const zb_value *v, zb_input_problem_fn problem, void *ctx);
/* Adds a fact of kind fk (one of kd->facts) to the record (kd, key): v has
 * fk->nfields values; an empty org field is this node's org, an empty date
 * today (written back into v).  *changed is false when the same fact was
 * there already. */
int zb_node_fact(zb_node *n, const zb_kind_desc *kd, const char *key, const zb_kind_desc *fk,
                 zb_value *v, zb_input_problem_fn problem, void *ctx, bool *changed);
/* The facts of a record (zb_facts_scan). */
int zb_node_facts(zb_node *n, const zb_kind_desc *kd, const char *key, zb_fact_fn fn, void *ctx);

/* The record of kd with key, if this node holds it for its scope (else
 * ZB_ENOTFOUND: a record outside the scope is not this node's to show). */
int zb_node_get(zb_node *n, const zb_kind_desc *kd, const char *key, zb_rec *out);
/* Whether the node holds r for its scope (zb_kind.h, reach). */
bool zb_node_holds(const zb_node *n, const zb_rec *r);
/* 0 when org (NULL: none given) lies in the node's scope, else ZB_ESCOPE. */
int zb_node_check_scope(const zb_node *n, const char *org);
/* The records of kd the node holds (org NULL), or those of org's subtree,
 * in key order.  ZB_ESCOPE if org lies outside the node's scope. */
int zb_node_list(zb_node *n, const zb_kind_desc *kd, const char *org, zb_rec_fn fn, void *ctx);
/* Every member of the subtree of org (NULL: the node's scope), for a
 * report (zb_state_members_of): ZB_ESCOPE outside the node's scope,
 * ZB_ENOTFOUND when there is no such org here. */
int zb_node_members_of(zb_node *n, const char *org, zb_member_fn fn, void *ctx);
/* Statistics for the subtree of org (NULL: the node's scope). */
int zb_node_stats(zb_node *n, const char *org, zb_stats *out);
/* The balance of a year of org's subtree (NULL: the node's scope),
 * zb_balance_init'ed (zb_state_balance). */
int zb_node_balance(zb_node *n, const char *org, zb_balance *b);
/* Stage counts and overdue records of f->kd in the subtree of org
 * (zb_funnel.h); ZB_ESCOPE outside the node's scope. */
struct zb_funnel;
int zb_node_funnel(zb_node *n, const char *org, struct zb_funnel *f);
/* The ranking of the subtree of org (zb_rank_report) under the scheme in
 * force.  ZB_ESCOPE, ZB_ENOTFOUND (no such org). */
struct zb_rank_query;
int zb_node_ranking(zb_node *n, const char *org, const struct zb_rank_query *q,
                    struct json_t **out);
/* The meetings report of the subtree of org (zb_life.h). */
struct json_t;
int zb_node_life(zb_node *n, const char *org, int year, zb_date today, struct json_t **out);
/* Dues of the subtree of org (NULL: the node's) over q
 * (zb_dues_report_run).  ZB_ESCOPE, ZB_ENOTFOUND (no such org). */
int zb_node_dues_report(zb_node *n, const char *org, const zb_dues_query *q,
                        zb_dues_report **out);
/* A setting of this node (meta "setting/NAME"), dflt when never set; and
 * setting one.  The dues farmer range lives here (docs/RECORDS.md,
 * "Dues"). */
int zb_node_setting_get(zb_node *n, const char *name, uint64_t dflt, uint64_t *out);
int zb_node_setting_put(zb_node *n, const char *name, uint64_t v);
/* The digest of the node's scope (zb_state_digest). */
int zb_node_digest(zb_node *n, char out[65]);
/* Checks the hash chain and that the stored state equals a rebuild from
 * the log.  0, or ZB_ECORRUPT with a sentence in why. */
int zb_node_verify(zb_node *n, char *why, size_t cap);
int zb_node_info_get(zb_node *n, zb_node_info *out);
/* Ops with seq > since, in order, as views (zb_view.h). */
int zb_node_log(zb_node *n, uint64_t since, zb_op_view_fn fn, void *ctx);

/* ---- sync state (the network lives in zb_sync.h) ---- */

/* Creates a node from an enrollment bundle (zhibu-server enroll): the node
 * id, org and server address come from the bundle; node_id and org, when
 * not NULL, must agree with it.  The bundle is copied into dir (mode 0600).
 * The org directory the bundle carries is then imported as `org import`
 * imports a file (problems through problem; *orgs, which may be NULL, says
 * what it did; zeroed when the bundle has none).  ZB_EINVAL with *why for a
 * bad or mismatched bundle. */
int zb_node_init_enrolled(const char *dir, const char *bundle, const char *node_id,
                          const char *org, zb_input_problem_fn problem, void *ctx,
                          zb_import_result *orgs, char *why, size_t cap);
/* Path of the node's copy of its bundle ("" when not enrolled). */
const char *zb_node_bundle_path(const zb_node *n);

/* Own ops with seq > after, prev_hash left out (the server supplies it),
 * into out (reset first) until about max_raw bytes.  *last is the last seq
 * added (after, when none). */
int zb_node_push_batch(zb_node *n, uint64_t after, size_t max_raw, zb_batch *out,
                       uint64_t *last);
/* The hash of own op seq (ZB_ENOTFOUND beyond the head). */
int zb_node_op_hash(zb_node *n, uint64_t seq, uint8_t out[32]);
/* Records durably that the server holds every own op up to held. */
int zb_node_set_acked(zb_node *n, uint64_t held);

typedef struct zb_pull_counts {
  uint32_t applied, conflicts, rejected;
  uint32_t skipped;      /* entries at or below the cursor: pulled before */
} zb_pull_counts;
/* Applies a pulled batch (zb_batch of packed zb.ServerOp) and stores cursor,
 * in one transaction: others' ops are merged, conflict records kept, and
 * own ops the server rejected are recorded and rolled back. */
int zb_node_pull_apply(zb_node *n, const uint8_t *zdata, size_t zlen, uint64_t raw_size,
                       uint32_t count, uint64_t cursor, zb_pull_counts *pc);
/* A server parcel (docs/PROTOCOL.md, "Offline parcels"), applied as a
 * session's HelloAck and pulled batches are, in one transaction: the seq
 * the server holds (zb_node_set_acked), its clock (zb_node_observe_time),
 * each batch (zb_node_pull_apply: entries at or below the node's cursor are
 * skipped, the cursor never goes back), and the parcel's number and hash
 * (zb_node_parcel_last).  Nothing is stored when anything fails. */
typedef struct zb_pull_part {
  const uint8_t *zdata;
  size_t zlen;
  uint64_t raw_size;
  uint32_t count;
  uint64_t cursor;
} zb_pull_part;
typedef struct zb_parcel_in {
  uint64_t held, server_ms, seq;
  uint8_t hash[32];
} zb_parcel_in;
int zb_node_parcel_apply(zb_node *n, const zb_parcel_in *pin, const zb_pull_part *parts,
                         size_t nparts, zb_pull_counts *pc);
/* The number and hash of the last server parcel applied (0 and zeros: none). */
int zb_node_parcel_last(zb_node *n, uint64_t *seq, uint8_t hash[32]);
/* What a session checks of HelloAck before it trusts it: the server holds
 * no more of this node's ops than its log head, and the last one it holds
 * is the one this node wrote.  0, or ZB_EREFUSED with a sentence in why. */
int zb_node_check_held(zb_node *n, uint64_t head, uint64_t held, const uint8_t *hash,
                       size_t hash_len, char *why, size_t cap);

/* Restoring a replaced PC (docs/PROTOCOL.md, "Restoring a replaced PC").
 * A node initialised from a bundle that says "restore: yes" is restoring:
 * it writes nothing (ZB_ERESTORE) until its first sync has brought back
 * its own ops from the server and pulled the rest.
 *
 * zb_node_restore_apply: one RestoreBatch, in one transaction: each op
 * passes zb_opwire_decode, must be this node's next seq, and is chained
 * onto the log as the old PC chained it; the last one's hash must be
 * last_hash.  The acknowledged seq follows.  ZB_EPROTO with a sentence in
 * why (nothing stored) otherwise, also for a node that is not restoring.
 * zb_node_restore_finish: once the first pull is through, rebuilds the
 * state from the logs (zb_node_replay) and ends the restore; nothing for a
 * node that is not restoring. */
typedef struct zb_restore_part {
  const uint8_t *zdata;
  size_t zlen;
  uint64_t raw_size;
  uint32_t count;
  uint64_t last_seq;
  const uint8_t *last_hash;
  size_t last_hash_len;
} zb_restore_part;
int zb_node_restore_apply(zb_node *n, const zb_restore_part *part, char *why, size_t cap);
int zb_node_restore_finish(zb_node *n);
/* The server's clock at HelloAck: later local writes are stamped no
 * earlier than it, so a PC whose clock is behind still orders its new
 * writes after what the server had (docs/DESIGN-NOTES.md, "Time"). */
int zb_node_observe_time(zb_node *n, uint64_t server_ms);
/* How a sync session ended, for `zhibu-node status` (zb_node_info). */
typedef struct zb_sync_outcome {
  uint64_t at_ms;       /* wall time it ended; 0: no session, only the plan changes */
  int code;             /* 0: caught up; else the ZB_E* code it failed with */
  const char *reason;   /* a failure's sentence (NULL: zb_strerror(code)); it
                         * may quote the server: control characters become
                         * spaces, and it is cut to ZB_NODE_REASON_MAX bytes
                         * at a character boundary (invalid UTF-8: "?") */
  uint64_t next_ms;     /* wall time of the next planned session, 0: none */
  bool keep_next;       /* leave the stored plan as it is (a manual sync) */
} zb_sync_outcome;
/* Records o in one small write: last_sync_ms on success, last_error_* on
 * failure (the other kept), next_attempt_ms unless keep_next. */
int zb_node_sync_record(zb_node *n, const zb_sync_outcome *o);
/* The last seq of this node's own log (cheap: one read transaction, for
 * a daemon that watches for local changes every few seconds). */
int zb_node_head_seq(zb_node *n, uint64_t *seq);

/* Conflict records and rejected own ops, oldest first, as views
 * (zb_view.h), valid during the call only. */
int zb_node_conflicts(zb_node *n, zb_conflict_fn fn, void *ctx);
int zb_node_rejected(zb_node *n, zb_rejected_fn fn, void *ctx);

#endif
