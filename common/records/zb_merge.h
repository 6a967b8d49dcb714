/*
 * zb_merge.h — apply(state, op): the one merge function (docs/DESIGN-NOTES.md, "Merge"),
 * used by a node for its own ops and for what it pulls, and by the server
 * for what nodes push.
 *
 * Fields are last-writer-wins, ordered by (HLC, origin node id).  The
 * resulting record must satisfy every record rule (zb_record.h), its org
 * must exist and lie inside the writer's scope, and an id_number belongs to
 * one member only; otherwise the op is rejected with a reason and the state
 * is left exactly as it was.  The op itself stays in the log either way.
 */
#ifndef ZB_MERGE_H
#define ZB_MERGE_H

#include <stdbool.h>
#include <stdint.h>
#include "zb_record.h"
#include "zb_state.h"
#include "zb_store.h"
#include "zhibu.pb-c.h"

enum zb_apply_status {
  ZB_APPLY_OK = 0,          /* applied (possibly a no-op: changed is false) */
  ZB_APPLY_CONFLICT,        /* applied; a concurrent write was recorded */
  ZB_APPLY_REJECTED,        /* not applied: see field and reason */
};

/* A concurrent write (docs/DESIGN-NOTES.md, "Merge"): the field's current winner was
 * written by another origin at a server seq above the incoming op's base
 * cursor, so neither writer saw the other, and the values differ. */
typedef struct zb_conflict {
  int field;
  char winner_value[ZB_FIELD_MAX + 1], loser_value[ZB_FIELD_MAX + 1];
  char winner_origin[ZB_NODE_ID_MAX + 1], loser_origin[ZB_NODE_ID_MAX + 1];
  uint64_t winner_hlc, loser_hlc;
} zb_conflict;

typedef struct zb_apply_result {
  enum zb_apply_status status;
  bool changed;             /* the state changed */
  bool existed;             /* the record existed before the op */
  int field;                /* field a rejection concerns, or -1 */
  bool scope;               /* the rejection is the writer's scope */
  bool complete;            /* set by the caller's flag ZB_APPLY_COMPLETE:
                               this replica holds every record (the
                               server), so a record an act names that is
                               not here does not exist */
  char reason[320];         /* why it was rejected, one sentence; never names
                               a record outside the writer's scope */
  char detail[160];         /* for the server's operator only (who holds an
                               ID number), "" when there is nothing to add */
  char org_before[ZB_FIELD_MAX + 1];  /* member's org before / after ("" if */
  char org_after[ZB_FIELD_MAX + 1];   /* none); an org record's own code   */
  char org_also[ZB_FIELD_MAX + 1];    /* the kind's reach_field, or "" */
  int nconflicts;
  zb_conflict conflicts[ZB_REC_FIELDS_MAX];
} zb_apply_result;

/* The body "set fields[i] of record (kind, key) to vals[i]" of a local op
 * (a node's write, the server's org import), with room for every field of
 * any kind.  It points into key and vals, which must outlive it. */
typedef struct zb_set_body {
  Zb__RecordSet set;
  Zb__FieldSet fs[ZB_REC_FIELDS_MAX];
  Zb__FieldSet *fsp[ZB_REC_FIELDS_MAX];
} zb_set_body;
/* Fills b and makes it op's body.  nf is at most ZB_REC_FIELDS_MAX. */
void zb_op_set_body(Zb__Op *op, zb_set_body *b, const zb_kind_desc *kind, const char *key,
                    const int *fields, char *const *vals, size_t nf);

/* The record an op of any body concerns: its kind number, key, and the
 * act's or fact's name (NULL for a set; name may be NULL).  False for an
 * op without a body this version knows. */
bool zb_op_target(const Zb__Op *op, int *kind, const char **key, const char **name);

/* Fills r as a rejection of the op (field: the field it concerns, or -1)
 * with a reason; returns 0.  For the kinds' state checks (zb_kind.h). */
int zb_reject(zb_apply_result *r, int field, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Flags of zb_merge_apply. */
#define ZB_APPLY_TRUSTED 1u  /* the op was accepted by the server already:
                                last-writer-wins only, no rule checks (the
                                node may hold only part of what the server
                                checked against) */
#define ZB_APPLY_COMPLETE 4u /* the server: it holds every record */
#define ZB_APPLY_CHECKED 2u  /* the writer checked the whole resulting record
                                with zb_rec_validate just before (a node's
                                own import row or add/update): the fields
                                are not checked again; every rule against
                                the state still is */

/* Whether a writer with this scope is a committee above org: its org a
 * committee or general branch (in the org tree t holds) and a proper
 * ancestor of org.  0 if so (or scope is NULL: the server itself);
 * otherwise a rejection in r, marked as the writer's scope, saying that
 * only such a committee may record what (e.g. "出党"), or a storage
 * error. */
int zb_committee_above(struct zb_txn *t, const char *scope, const char *org, const char *what,
                       zb_apply_result *r);

/* Whether a node with this scope (NULL: the server) holds the record of
 * kd with values v (zb_kind.h, reach and reach_field): it receives the
 * record's ops, shows it, and may add facts to it. */
bool zb_holds(const zb_kind_desc *kd, const zb_value *v, const char *scope);

/* Applies op in t.  server_seq is the server's sequence number of the op
 * (0 for a node's own op not yet sequenced).  scope is the subtree the
 * writer may write in (NULL: anywhere).  Returns 0 with *r filled, or a
 * negative code for a storage failure (the caller aborts the txn).
 *
 * Before anything else, always (trusted or not), the op's shape is
 * checked: origin a node id, actor at most ZB_NODE_ID_MAX bytes of text,
 * a known record kind, a key and values of at most ZB_FIELD_MAX bytes of
 * UTF-8 text without control characters (for ZB_APPLY_CHECKED, the values
 * other than the key were checked so by the writer), field numbers that
 * exist and appear once.  An op that fails is rejected with a reason.
 *
 * The op counts at its own HLC, and "today" for the record rules is the
 * day after the UTC date of that HLC. */
int zb_merge_apply(zb_txn *t, const Zb__Op *op, uint64_t server_seq,
                   const char *scope, unsigned flags, zb_apply_result *r);

/* The same, with the time the op counts at for last-writer-wins (hlc) and
 * the day the record rules take as today given by the caller: the server
 * bounds both by its own clock (docs/DESIGN-NOTES.md, "Time"), and every
 * replica then applies the op at that hlc. */
int zb_merge_apply_at(zb_txn *t, const Zb__Op *op, uint64_t hlc, zb_date today,
                      uint64_t server_seq, const char *scope, unsigned flags,
                      zb_apply_result *r);

/* The day after the UTC date of an HLC: "today" for an op stamped at it
 * (a record entered just after midnight east of UTC is not in the future). */
zb_date zb_hlc_today(uint64_t hlc);

#endif
