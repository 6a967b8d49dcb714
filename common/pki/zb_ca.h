/*
 * zb_ca.h — the deployment's CA: creating it, issuing the server's and
 * the nodes' certificates, enrollment, revocation, and the trust store the
 * server checks nodes against (docs/DESIGN-NOTES.md, "Sync", Enrollment).
 *
 * A deployment has one CA.  `zhibu-server init` calls zb_ca_create and
 * zb_ca_server_cert; `zhibu-server enroll` calls zb_ca_enroll, which
 * writes the one bundle file a node needs (zb_bundle.h); `zhibu-server
 * revoke` calls zb_ca_revoke.  The server's TLS layer builds its trust
 * store with zb_ca_load_store (CA + CRL).
 *
 * The CA directory is the server's (dir below; the server chooses where it
 * lives); only this module writes into it:
 *   ca.key, server.key      EC P-256 private keys, PKCS#8 PEM, mode 0600
 *   ca.crt, server.crt      certificates, PEM, mode 0644
 *   crl.pem                 the CRL, PEM, signed by the CA, mode 0644;
 *                           created empty by zb_ca_create, replaced
 *                           atomically (write + rename) by zb_ca_revoke
 *   issued/<node_id>        every certificate issued to that node, one per
 *                           line (appended by enroll): its lowercase hex
 *                           serial, the org it names and the time it was
 *                           issued (seconds since 1970); lines written
 *                           before the org and time were kept hold the
 *                           serial alone
 *   pki.lock                flock(2) taken by enroll and revoke, so two
 *                           CLI processes cannot lose each other's update
 *
 * Certificates: X.509 v3, SHA-256 signatures, random positive 127-bit
 * serials, notBefore one hour in the past (clock skew between machines).
 *   CA      CN = name, CA:TRUE (critical), keyCertSign + cRLSign,
 *           ZB_CA_DAYS
 *   server  CN = first name, SAN = DNS names / IP addresses, serverAuth,
 *           ZB_CA_SERVER_DAYS
 *   node    CN = node id, SAN = URI:zhibu:node/ID + URI:zhibu:org/CODE
 *           (zb_pki_peer_identity reads them back), clientAuth, `days`
 *           (1 … ZB_CA_NODE_DAYS_MAX)
 *
 * Errors: every OpenSSL failure is logged once (zb_log_error, with
 * OpenSSL's own message) and returned as ZB_ECRYPTO; file problems are
 * logged with the path and returned as ZB_EIO.  No function leaves
 * anything on OpenSSL's error queue.
 */
#ifndef ZB_CA_H
#define ZB_CA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/x509.h>

#include "zb_pki.h"

#define ZB_CA_DAYS 3650
#define ZB_CA_SERVER_DAYS 1825
#define ZB_CA_NODE_DAYS_MAX 3650
#define ZB_CA_NODE_DAYS_DEFAULT 1825

/* Creates dir (0700) if needed and writes ca.key, ca.crt and an empty
 * crl.pem.  name is the CA's common name (1–64 bytes, printable ASCII).
 * ZB_EEXIST if ca.key or ca.crt already exists (nothing is changed);
 * ZB_EINVAL for a bad name; ZB_EIO, ZB_ECRYPTO.  On failure no partial CA
 * is left behind. */
int zb_ca_create(const char *dir, const char *name);

/* Writes server.key and server.crt signed by the CA in dir.  names[0..n)
 * become subjectAltName entries: IPv4/IPv6 literals as IP addresses, the
 * rest as DNS names (zb_pki_dns_name_valid); names[0] is also the CN.
 * n must be ≥ 1 and ≤ 32.
 * ZB_EEXIST if server.key or server.crt exists; ZB_ENOTFOUND if dir holds
 * no CA; ZB_EINVAL for a bad name; ZB_EIO, ZB_ECRYPTO. */
int zb_ca_server_cert(const char *dir, const char *const *names, size_t n);

/* Issues a node certificate valid for days (1 … ZB_CA_NODE_DAYS_MAX),
 * records its serial under dir/issued/node_id and writes the bundle
 * (zb_bundle.h) to out_path, created with O_CREAT|O_EXCL and mode 0600.
 * The private key exists only in the bundle (it is never stored in dir).
 * Enrolling a node id again (e.g. a replaced machine) issues a new
 * certificate; the old one stays valid until the node is revoked, and
 * revoking covers every certificate ever issued to the id.
 * ZB_EINVAL for a bad node id, org code, address or days; ZB_EEXIST if
 * out_path exists (it is left unchanged); ZB_ENOTFOUND if dir holds no CA;
 * ZB_EIO, ZB_ECRYPTO.  On failure out_path is not left behind. */
int zb_ca_enroll(const char *dir, const char *node_id, const char *org,
                 const char *server_addr, const char *out_path, int days);
/* The same with the org directory of the node's scope in the bundle
 * (orgs[0..orgs_len): CSV as `org import` reads it; NULL: none), and with
 * restore: the bundle says "restore: yes" (a replacement PC, which restores
 * the node's log from the server before it writes: zb_bundle.h). */
int zb_ca_enroll_orgs(const char *dir, const char *node_id, const char *org,
                      const char *server_addr, const char *out_path, int days,
                      const char *orgs, size_t orgs_len, bool restore);

/* 0 if a certificate was ever issued to node_id in dir (dir/issued/ID has
 * a serial), ZB_ENOTFOUND if not; ZB_EINVAL, ZB_EIO. */
int zb_ca_enrolled(const char *dir, const char *node_id);

/* Revokes, as zb_ca_revoke, every certificate issued to node_id but the
 * last one: what `enroll --replace` does once the replacement's
 * certificate is issued (docs/PROTOCOL.md, "Restoring a replaced PC").
 * ZB_ENOTFOUND if node_id had no earlier certificate. */
int zb_ca_revoke_older(const char *dir, const char *node_id);

/* Whether the server certificate of dir names the host of server_addr
 * (HOST:PORT) as a node will check it when it dials: 0 if so; ZB_EINVAL
 * if not, or if server_addr is no HOST:PORT.  names gets the certificate's
 * DNS and IP names, ", "-separated (cap bytes).  ZB_ENOTFOUND (logged)
 * without a server certificate; ZB_EIO, ZB_ECRYPTO. */
int zb_ca_server_names(const char *dir, const char *server_addr, char *names, size_t cap);

/* Adds every serial issued to node_id to dir/crl.pem and re-signs it
 * (CRL number + 1, nextUpdate ZB_CA_DAYS ahead).  Revoking twice is
 * harmless (0).  ZB_ENOTFOUND if node_id was never enrolled in dir;
 * ZB_EINVAL for a bad node id; ZB_EIO, ZB_ECRYPTO.
 * A running server sees the change only when it reloads the store: the
 * TLS layer should call zb_ca_load_store again when crl.pem's mtime
 * changes (it is replaced by rename, so a reader never sees half a file). */
int zb_ca_revoke(const char *dir, const char *node_id);

/* What was issued to one node (dir/issued/<node_id>), for the freshness
 * report: the org of its latest certificate ("" for one enrolled before
 * orgs were recorded there), when that was issued (ms since 1970 by the
 * server's clock; 0 unknown), how many certificates it has had, and
 * whether every one of them is revoked (crl.pem). */
typedef struct zb_ca_issued {
  char node_id[ZB_PKI_NODE_ID_MAX + 1];
  char org[ZB_PKI_ORG_MAX + 1];
  uint64_t issued_ms;
  unsigned certs;
  bool revoked;
} zb_ca_issued;
typedef int (*zb_ca_issued_fn)(void *ctx, const zb_ca_issued *n);
/* Calls fn for every node ever enrolled in dir, in no particular order
 * (fn returns non-zero to stop; that value is returned).  0 when nobody
 * was enrolled; ZB_ECORRUPT for a missing crl.pem or a line that is no
 * serial; ZB_EIO, ZB_ECRYPTO. */
int zb_ca_issued_scan(const char *dir, zb_ca_issued_fn fn, void *ctx);

/* A new X509_STORE (caller frees with X509_STORE_free) holding ca.crt and
 * crl.pem of dir, with X509_V_FLAG_CRL_CHECK set.  A missing crl.pem is
 * ZB_ECORRUPT, not an empty list: the CA creates one, so its absence means
 * the directory was damaged, and failing open would let revoked nodes
 * back in.  ZB_ENOTFOUND if dir holds no CA; ZB_EIO, ZB_ECRYPTO. */
int zb_ca_load_store(const char *dir, X509_STORE **out);

#endif
