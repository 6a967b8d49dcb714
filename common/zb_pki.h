/*
 * zb_pki.h — the deployment's certificates: the one OpenSSL boundary for
 * key generation, issuing, revocation and enrollment bundles (DESIGN.md §6).
 *
 * A deployment has one CA.  `zhibu-server init` calls zb_pki_ca_create and
 * zb_pki_server_cert; `zhibu-server enroll` calls zb_pki_enroll, which
 * writes the one bundle file a node needs; `zhibu-server revoke` calls
 * zb_pki_revoke.  The TLS layer builds its trust store with
 * zb_pki_load_store (server side: CA + CRL) or zb_pki_bundle_store (node
 * side: the CA from the bundle) and learns who a verified peer is with
 * zb_pki_peer_identity — the server takes node id and org from the
 * certificate only, never from what the peer says.
 *
 * Layout of a CA directory (dir below; the server chooses where it lives):
 *   ca.key, server.key      EC P-256 private keys, PKCS#8 PEM, mode 0600
 *   ca.crt, server.crt      certificates, PEM, mode 0644
 *   crl.pem                 the CRL, PEM, signed by the CA, mode 0644;
 *                           created empty by zb_pki_ca_create, replaced
 *                           atomically (write + rename) by zb_pki_revoke
 *   issued/<node_id>        every serial issued to that node, one lowercase
 *                           hex serial per line (appended by enroll)
 *   pki.lock                flock(2) taken by enroll and revoke, so two
 *                           CLI processes cannot lose each other's update
 *
 * Certificates: X.509 v3, SHA-256 signatures, random positive 127-bit
 * serials, notBefore one hour in the past (clock skew between machines).
 *   CA      CN = name, CA:TRUE (critical), keyCertSign + cRLSign,
 *           ZB_PKI_CA_DAYS
 *   server  CN = first name, SAN = DNS names / IP addresses, serverAuth,
 *           ZB_PKI_SERVER_DAYS
 *   node    CN = node id, SAN = URI:zhibu:node/ID + URI:zhibu:org/CODE,
 *           clientAuth, `days` (1 … ZB_PKI_NODE_DAYS_MAX)
 *
 * Errors: every OpenSSL failure is logged once here (zb_log_error, with
 * OpenSSL's own message) and returned as ZB_ECRYPTO; file problems are
 * logged with the path and returned as ZB_EIO.  No function leaves
 * anything on OpenSSL's error queue.
 */
#ifndef ZB_PKI_H
#define ZB_PKI_H

#include <stddef.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#define ZB_PKI_CA_DAYS 3650
#define ZB_PKI_SERVER_DAYS 1825
#define ZB_PKI_NODE_DAYS_MAX 3650
#define ZB_PKI_NODE_DAYS_DEFAULT 1825

#define ZB_PKI_NODE_ID_MAX 64  /* same rule as zb_node_id_valid */
#define ZB_PKI_ORG_MAX 64      /* same rule as zb_org_code_valid */
#define ZB_PKI_ADDR_MAX 261    /* "[" + 253-byte host + "]:" + 5 digits */

/* The SAN URI prefixes that carry a node's identity. */
#define ZB_PKI_URI_NODE "zhibu:node/"
#define ZB_PKI_URI_ORG "zhibu:org/"

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
} zb_bundle;

/* Frees the objects of b and zeroes it.  NULL is fine. */
void zb_bundle_clear(zb_bundle *b);

/* Syntax checks used before anything is issued. */
/* Node ids: 1–64 ASCII letters, digits, '-', '_', '.'. */
int zb_pki_node_id_valid(const char *id);          /* 1 or 0 */
/* HOST:PORT where HOST is a DNS name (letters, digits, '-', '.'), an IPv4
 * literal, or [IPv6]; PORT 1–65535. */
int zb_pki_server_addr_valid(const char *addr);    /* 1 or 0 */

/* Creates dir (0700) if needed and writes ca.key, ca.crt and an empty
 * crl.pem.  name is the CA's common name (1–64 bytes, printable ASCII).
 * ZB_EEXIST if ca.key or ca.crt already exists (nothing is changed);
 * ZB_EINVAL for a bad name; ZB_EIO, ZB_ECRYPTO.  On failure no partial CA
 * is left behind. */
int zb_pki_ca_create(const char *dir, const char *name);

/* Writes server.key and server.crt signed by the CA in dir.  names[0..n)
 * become subjectAltName entries: IPv4/IPv6 literals as IP addresses, the
 * rest as DNS names (1–253 bytes of letters, digits, '-', '.'); names[0]
 * is also the CN.  n must be ≥ 1 and ≤ 32.
 * ZB_EEXIST if server.key or server.crt exists; ZB_ENOTFOUND if dir holds
 * no CA; ZB_EINVAL for a bad name; ZB_EIO, ZB_ECRYPTO. */
int zb_pki_server_cert(const char *dir, const char *const *names, size_t n);

/* Issues a node certificate valid for days (1 … ZB_PKI_NODE_DAYS_MAX),
 * records its serial under dir/issued/node_id and writes the bundle to
 * out_path, created with O_CREAT|O_EXCL and mode 0600:
 *
 *   # zhibu enrollment bundle
 *   server: HOST:PORT
 *   node: ID
 *   org: CODE
 *   <CA certificate PEM>
 *   <node certificate PEM>
 *   <node private key PEM, PKCS#8, unencrypted>
 *
 * The private key exists only in the bundle (it is never stored in dir).
 * Enrolling a node id again (e.g. a replaced machine) issues a new
 * certificate; the old one stays valid until the node is revoked, and
 * revoking covers every certificate ever issued to the id.
 * ZB_EINVAL for a bad node id, org code, address or days; ZB_EEXIST if
 * out_path exists (it is left unchanged); ZB_ENOTFOUND if dir holds no CA;
 * ZB_EIO, ZB_ECRYPTO.  On failure out_path is not left behind. */
int zb_pki_enroll(const char *dir, const char *node_id, const char *org,
                  const char *server_addr, const char *out_path, int days);

/* Reads and checks a bundle written by zb_pki_enroll into *out (which is
 * overwritten; clear it with zb_bundle_clear).  Refused (ZB_EINVAL, *out
 * left empty) if the file is readable or writable by group or others
 * (it holds a private key: "chmod 600" fixes it), is not a regular file,
 * is over 64 KiB, lacks the first line, has a missing, repeated, unknown
 * or malformed server/node/org line, lacks one of the three PEM blocks, or
 * if the certificate is not signed by the CA, does not match the key, or
 * names another node id or org than the header lines.  On ZB_EINVAL a
 * one-line reason is written to why (why may be NULL).
 * ZB_ENOTFOUND if path does not exist; ZB_EIO otherwise. */
int zb_pki_bundle_read(const char *path, zb_bundle *out, char *why,
                       size_t why_len);

/* Adds every serial issued to node_id to dir/crl.pem and re-signs it
 * (CRL number + 1, nextUpdate ZB_PKI_CA_DAYS ahead).  Revoking twice is
 * harmless (0).  ZB_ENOTFOUND if node_id was never enrolled in dir;
 * ZB_EINVAL for a bad node id; ZB_EIO, ZB_ECRYPTO.
 * A running server sees the change only when it reloads the store: the
 * TLS layer should call zb_pki_load_store again when crl.pem's mtime
 * changes (it is replaced by rename, so a reader never sees half a file). */
int zb_pki_revoke(const char *dir, const char *node_id);

/* A new X509_STORE (caller frees with X509_STORE_free) holding ca.crt and
 * crl.pem of dir, with X509_V_FLAG_CRL_CHECK set.  A missing crl.pem is
 * ZB_ECORRUPT, not an empty list: the CA creates one, so its absence means
 * the directory was damaged, and failing open would let revoked nodes
 * back in.  ZB_ENOTFOUND if dir holds no CA; ZB_EIO, ZB_ECRYPTO. */
int zb_pki_load_store(const char *dir, X509_STORE **out);

/* A new X509_STORE (caller frees) trusting only b->ca: what a node uses to
 * verify the server.  No CRL check (nodes do not hold the CRL).
 * ZB_EINVAL if b has no CA; ZB_ECRYPTO. */
int zb_pki_bundle_store(const zb_bundle *b, X509_STORE **out);

/* Extracts the node id and org from the SAN URIs of cert (which the caller
 * has already verified) into node_id[node_id_len] and org[org_len].
 * ZB_EINVAL if the certificate has no SAN, the SAN appears twice, either
 * URI is missing or appears twice, or a value breaks the node id / org
 * code rules; ZB_ETOOBIG if a buffer is too small (ZB_PKI_NODE_ID_MAX + 1
 * and ZB_PKI_ORG_MAX + 1 always suffice).  Outputs are "" on error. */
int zb_pki_peer_identity(X509 *cert, char *node_id, size_t node_id_len,
                         char *org, size_t org_len);

#endif
