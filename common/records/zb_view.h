/*
 * zb_view.h — what the command lines show of an op, of an own op the server
 * rejected, and of a conflict record, as plain C.  The replicas decode the
 * stored messages (zhibu.proto) and fill these; node/, server/ and common/cli
 * print them and never see the wire types.  Kinds and fields come as names,
 * through zb_field_name (zb_state.h).  Every pointer in a view is valid
 * during the callback only.
 */
#ifndef ZB_VIEW_H
#define ZB_VIEW_H

#include <stddef.h>
#include <stdint.h>

/* One op of a node's log.  Field names only, never values: the log may be
 * shown to anyone at the office PC, and values are personal data. */
typedef struct zb_op_view {
  uint64_t seq;
  const char *origin;
  uint64_t hlc;
  const char *actor;
  const char *kind;             /* "member", "org" …; "?" for an op with no record */
  const char *key;              /* "" for an op with no record */
  const char *tag;              /* "act" / "fact", NULL for an op that sets fields */
  const char *step;             /* the act's or fact's name, NULL for a set */
  size_t nfields;
  const char *const *fields;    /* the names of the fields it sets (a set), of
                                 * its parameters (an act) or values (a fact);
                                 * "?" if unknown */
  uint64_t base_cursor;
  char hash[65];                /* lowercase hex SHA-256 of the packed op */
} zb_op_view;
/* fn returns non-zero to stop (negative: returned as the error). */
typedef int (*zb_op_view_fn)(void *ctx, const zb_op_view *op);

/* One of the node's own ops that the server refused (docs/PROTOCOL.md). */
typedef struct zb_rejected_view {
  uint64_t seq;                 /* the op's own seq */
  uint64_t hlc;
  const char *actor;
  const char *kind;             /* "member", "org" …; "?" if unknown */
  const char *key;
  const char *field;            /* the field the refusal concerns, "" if none */
  const char *reason;
  uint64_t caused_by;           /* the earlier rejected op that left the record
                                 * missing at the server; 0: none */
} zb_rejected_view;
typedef int (*zb_rejected_fn)(void *ctx, const zb_rejected_view *r);

/* A conflict record (docs/DESIGN-NOTES.md, "Merge"): both values of a field
 * written concurrently, the one kept (winner) and the other. */
typedef struct zb_conflict_view {
  const char *kind;             /* "member", "org" …; "?" if unknown */
  const char *key;
  const char *field;            /* "" if unknown */
  const char *winner_value, *winner_origin;
  uint64_t winner_hlc;
  const char *loser_value, *loser_origin;
  uint64_t loser_hlc;
  uint64_t server_seq;          /* of the op whose arrival revealed it */
} zb_conflict_view;
typedef int (*zb_conflict_fn)(void *ctx, const zb_conflict_view *c);

/* The name of a kind by its wire number (zb_kind.h), "?" if unknown. */
const char *zb_view_kind_name(int kind);
/* zb_field_name, or unknown for a kind or field there is no such name for. */
const char *zb_view_field_name(int kind, int field, const char *unknown);

#endif
