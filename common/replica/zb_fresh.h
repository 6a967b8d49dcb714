/*
 * zb_fresh.h — the freshness report (`zhibu-server report freshness`):
 * which nodes keep syncing and which went quiet, and which branches have
 * no node at all (docs/PROTOCOL.md, "What the server remembers of each
 * node").
 *
 * The nodes are those the CA ever enrolled (zb_ca_issued_scan: org, time
 * of enrollment, revoked) and those the server has heard from
 * (zb_hub_peers: the last successful session or parcel, the last failed
 * session and why, the node's log head as it said then, and how far the
 * server holds its ops).  Every time is the server's clock, never a
 * node's.  For each node:
 *
 *   days_silent  whole days from the last successful contact to now; for
 *                a node that never had one, from its enrollment (unknown,
 *                -1, for one enrolled before enrollment times were kept);
 *                never negative (a server clock set back);
 *   unpushed     its ops the server does not hold: its log head at its
 *                last contact minus the seq the server holds now (-1:
 *                never heard from);
 *   state        "revoked" (every certificate of it revoked), "never" (no
 *                successful contact yet), "silent" (days_silent above
 *                days), "failing" (its last contact failed), or "ok";
 *   flagged      "silent", or "never" for more than days (or since when
 *                is unknown) — the nodes to go and see.
 *
 * Branches (type branch) in the scope without a node of their own that is
 * not revoked are listed with the nearest org above them that has one
 * (its node covers the branch's records) or none.
 */
#ifndef ZB_FRESH_H
#define ZB_FRESH_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <jansson.h>

#include "zb_hub.h"
#include "zb_pki.h"

#define ZB_FRESH_DAYS_DEFAULT 14

typedef struct zb_fresh_node {
  char node_id[ZB_PKI_NODE_ID_MAX + 1];
  char org[ZB_PKI_ORG_MAX + 1];        /* "" when unknown */
  char org_name[ZB_FIELD_MAX + 1];     /* "" when the org is not in the tree */
  bool enrolled, revoked, heard;
  uint64_t enrolled_ms;                /* 0: unknown */
  uint64_t ok_ms, err_ms;              /* 0: never */
  uint8_t ok_via, err_via;             /* enum zb_hub_via */
  char err[ZB_HUB_REASON_MAX + 1];
  uint64_t log_head, held;
  int64_t unpushed;                    /* -1: unknown */
  int64_t days_silent;                 /* -1: unknown */
  const char *state;
  bool flagged;
} zb_fresh_node;

typedef struct zb_fresh_org {
  char code[ZB_PKI_ORG_MAX + 1];
  char name[ZB_FIELD_MAX + 1];
  char covered_org[ZB_PKI_ORG_MAX + 1];     /* "" when none */
  char covered_by[ZB_PKI_NODE_ID_MAX + 1];  /* a node of covered_org */
} zb_fresh_org;

typedef struct zb_fresh {
  uint64_t now_ms;
  int days;
  char org[ZB_PKI_ORG_MAX + 1];        /* the scope; "" for all */
  zb_fresh_node *nodes;                /* by org, then node id */
  size_t nnodes, flagged;
  zb_fresh_org *orgs;                  /* branches without a node, by code */
  size_t norgs;
} zb_fresh;

/* Builds the report for the subtree of org (NULL: everything) at now_ms
 * (the server's clock), flagging nodes silent more than days.  pki_dir is
 * the CA directory.  ZB_ENOTFOUND when org is not in the org tree.  Free
 * with zb_fresh_free, also after an error. */
int zb_fresh_build(zb_hub *h, const char *pki_dir, const char *org, uint64_t now_ms, int days,
                   zb_fresh *out);
void zb_fresh_free(zb_fresh *f);
/* Whole days since the last successful contact of the node that keeps org:
 * a node of org itself, or else of the nearest org above it that has one
 * (the freshest of them, revoked ones aside); -1 when none has synced.
 * What `report ranking` takes as a branch's sync freshness at the server
 * (docs/RECORDS.md, "Ranking"). */
long zb_fresh_days_of(const zb_fresh *f, const char *org);

/* JSON keys: "as_of" (the server's time), "days", "org", "nodes" (objects:
 * "node_id", "org", "org_name", "state", "flagged", "days_silent" (null:
 * unknown), "last_sync", "last_sync_via" ("session"/"parcel"),
 * "last_error", "last_error_via", "last_error_reason", "enrolled",
 * "revoked", "log_head", "held_seq", "unpushed" (null: unknown); times
 * ISO 8601 UTC or null), "flagged" (how many), "orgs_without_node"
 * (objects: "code", "name", "covered_by_org", "covered_by_node", null
 * when none).  NULL when out of memory. */
json_t *zb_fresh_to_json(const zb_fresh *f);
/* One row per node, then one per branch without a node: columns kind,
 * node_id, org, org_name, state, flagged, days_silent, last_sync,
 * last_error, last_error_reason, unpushed, covered_by — with zh, headed
 * by the table's Chinese words under a UTF-8 BOM, kind, state and flagged
 * in Chinese.  0 or ZB_EIO. */
int zb_fresh_write_csv(const zb_fresh *f, FILE *out, bool zh);
/* Two tables in the current language (zb_msg.h), times local: the nodes, then the branches without a node. */
void zb_fresh_print(const zb_fresh *f, FILE *out);

#endif
