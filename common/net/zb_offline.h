/*
 * zb_offline.h — sync for an office with no link: a session's two halves
 * carried as signed parcel files (数据包) on a USB stick
 * (docs/PROTOCOL.md, "Offline parcels"; README, "No network at this office").
 * Not the enrollment bundle (common/pki/zb_bundle.h): that makes a PC a
 * node once; parcels carry ops at every trip.
 *
 *   node   export  → the ops the server does not hold yet (after the acked
 *                    seq, up to the head) as the session's Hello and
 *                    PushBatch frames, with the node's cursor;
 *   server import  → the session's push: zb_hub_push_all, the same checks
 *                    (zb_opwire_decode, origin, order, forks, scope, the
 *                    daily allowance), node id and org from the verified
 *                    certificate, revocation as at the handshake;
 *   server export  → HelloAck and the PullBatch frames zb_hub_pull gives
 *                    from the node's last known cursor (or --since);
 *   node   import  → what a session does with HelloAck, PushAck and pulled
 *                    batches (zb_node_check_held, zb_node_parcel_apply), in
 *                    one transaction.
 *
 * Every parcel is signed by its maker's key and checked against the
 * deployment's CA before anything is used; a refused parcel stores
 * nothing.  The file format is common/wire/zb_parcel.h.
 */
#ifndef ZB_OFFLINE_H
#define ZB_OFFLINE_H

#include <stdbool.h>
#include <stdint.h>

#include "zb_hub.h"
#include "zb_node.h"
#include "zb_pki.h"

typedef struct zb_offline_report {
  char node_id[ZB_PKI_NODE_ID_MAX + 1];
  char org[ZB_FIELD_MAX + 1];
  uint64_t seq;             /* server parcels: the parcel's number */
  uint64_t from, to;        /* ops (to the server) or server seqs (to a node) */
  uint64_t cursor;          /* the node's cursor the parcel carries / leaves */
  uint64_t held_seq;        /* the node's ops the server holds */
  uint32_t batches;
  uint64_t ops;             /* ops or entries in the parcel */
  uint64_t applied, duplicates, rejected, conflicts, skipped;
  bool already;             /* nothing changed: it was imported before */
  uint64_t bytes;
  char error[400];          /* why it failed, one line */
} zb_offline_report;

/* Writes node n's parcel for the server to path (replaced atomically).
 * ZB_ENOTINIT when n is not enrolled. */
int zb_offline_node_export(zb_node *n, const char *path, zb_offline_report *r);
/* Applies a server parcel at node n.  ZB_EINVAL (not a parcel, damaged,
 * truncated, the wrong direction), ZB_EREFUSED (signature, another
 * deployment, another node, older than the one imported, a gap); nothing
 * stored then.  r->already when it had been imported. */
int zb_offline_node_import(zb_node *n, const char *path, zb_offline_report *r);

/* Imports a node's parcel at the server whose CA directory is pki_dir.
 * expect_node, when not NULL, must be the node whose certificate signed it.
 * Errors as zb_offline_node_import; ZB_EREFUSED too when the push breaks
 * the protocol (a gap, a fork, another origin). */
int zb_offline_server_import(zb_hub *h, const char *pki_dir, const char *path,
                             const char *expect_node, zb_offline_report *r);
/* Writes the parcel for node_id: what it would pull after since (NULL: the
 * cursor it last acknowledged or its last parcel carried).  ZB_ENOTFOUND
 * when the server has never heard of the node, ZB_EREFUSED when its
 * certificate is revoked. */
int zb_offline_server_export(zb_hub *h, const char *pki_dir, const char *node_id,
                             const uint64_t *since, const char *path, zb_offline_report *r);

#endif
