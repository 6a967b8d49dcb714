/*
 * zb_bundle.h — the enrollment bundle: the one file that makes a PC a node
 * (docs/DESIGN-NOTES.md, "Sync", Enrollment; README, "Setting up a server
 * and enrolling a branch").
 *
 * `zhibu-server enroll` (zb_ca_enroll) writes it with zb_bundle_write;
 * `zhibu-node init --enroll` and every sync read it with zb_bundle_read;
 * the node's TLS layer trusts only the bundle's CA (zb_bundle_store).
 *
 * Format, mode 0600 (it holds the node's private key):
 *
 *   # zhibu enrollment bundle
 *   server: HOST:PORT
 *   node: ID
 *   org: CODE
 *   restore: yes          (only in a replacement's bundle: see below)
 *   <CA certificate PEM>
 *   <node certificate PEM>
 *   <node private key PEM, PKCS#8, unencrypted>
 *   -----BEGIN ZHIBU ORGS-----
 *   <the org directory of the node's scope: CSV as `org import` reads it>
 *   -----END ZHIBU ORGS-----
 *
 * Blank lines and '#' comments may stand among the header lines.  The org
 * block is optional (bundles of before it have none): `init --enroll`
 * imports it, so that a node can import its roster before it ever synced
 * (docs/DESIGN-NOTES.md, "Sync", Enrollment).
 *
 * `restore: yes` marks the bundle of `zhibu-server enroll --replace`: the
 * node already has a log at the server, and the new PC must restore it
 * (its first sync does, docs/PROTOCOL.md "Restoring a replaced PC") before
 * it writes anything; such a bundle carries no org block to import.
 */
#ifndef ZB_BUNDLE_H
#define ZB_BUNDLE_H

#include <stddef.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "zb_pki.h"

#define ZB_BUNDLE_MAGIC "# zhibu enrollment bundle"
/* A county's org directory is ~50 KiB; a province's a few MiB. */
#define ZB_BUNDLE_MAX (16 * 1024 * 1024)
#define ZB_BUNDLE_ORGS_BEGIN "-----BEGIN ZHIBU ORGS-----"
#define ZB_BUNDLE_ORGS_END "-----END ZHIBU ORGS-----"

/* A parsed enrollment bundle.  The X509/EVP_PKEY objects belong to the
 * struct: zb_bundle_clear frees them (use X509_up_ref/EVP_PKEY_up_ref to
 * keep one longer).  A zeroed struct is a valid empty bundle. */
typedef struct zb_bundle {
  char server[ZB_PKI_ADDR_MAX + 1];      /* HOST:PORT or [IPv6]:PORT */
  char node_id[ZB_PKI_NODE_ID_MAX + 1];
  char org[ZB_PKI_ORG_MAX + 1];
  X509 *ca;                              /* the deployment's CA */
  X509 *cert;                            /* this node's certificate */
  EVP_PKEY *key;                         /* this node's private key */
  char *orgs;                            /* the org directory (CSV text,
                                            NUL-terminated, owned) or NULL */
  size_t orgs_len;
  bool restore;                          /* "restore: yes": a replacement */
} zb_bundle;

/* Frees the objects of b and zeroes it.  NULL is fine. */
void zb_bundle_clear(zb_bundle *b);

/* Writes b in the format above to fd (already created, mode 0600, by the
 * caller, who also closes it and removes path on failure) and fsyncs it.
 * b is only read.  The in-memory encoding, which holds the private key, is
 * wiped before it is freed.  path is for messages.  ZB_EIO, ZB_ECRYPTO. */
int zb_bundle_write(int fd, const char *path, const zb_bundle *b);

/* Reads and checks a bundle written by zb_bundle_write into *out (which is
 * overwritten; clear it with zb_bundle_clear).  Refused (ZB_EINVAL, *out
 * left empty) if the file is readable or writable by group or others
 * (it holds a private key: "chmod 600" fixes it), is not a regular file,
 * is a symbolic link, is over 64 KiB, lacks the first line, has a missing,
 * repeated, unknown or malformed server/node/org line, lacks one of the
 * three PEM blocks, or if the certificate is not signed by the CA, does
 * not match the key, or names another node id or org than the header
 * lines, or if an org block is not closed or holds a NUL or a line that
 * starts with "-----".  On ZB_EINVAL a one-line reason is written to why (why may be
 * NULL).  ZB_ENOTFOUND if path does not exist; ZB_EIO otherwise. */
int zb_bundle_read(const char *path, zb_bundle *out, char *why, size_t why_len);

/* A new X509_STORE (caller frees) trusting only b->ca: what a node uses to
 * verify the server.  No CRL check (nodes do not hold the CRL).
 * ZB_EINVAL if b has no CA; ZB_ECRYPTO. */
int zb_bundle_store(const zb_bundle *b, X509_STORE **out);

#endif
