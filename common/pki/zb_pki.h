/*
 * zb_pki.h — who a certificate names: the identity rules of the
 * deployment's PKI (docs/DESIGN-NOTES.md, "Sync", Enrollment).
 *
 * The PKI is five modules:
 *   zb_pki     (this one) node ids, server addresses, DNS names and IP
 *              literals as the certificates carry them, and the identity of
 *              a verified peer (zb_pki_peer_identity): the server takes the
 *              node id and org from the certificate only, never from what
 *              the peer says;
 *   zb_ca      the CA directory: create, issue server and node
 *              certificates, enroll, revoke (CRL), the server's trust store;
 *   zb_bundle  the enrollment bundle file a node is given: write, read,
 *              clear, the node's trust store;
 *   zb_pem     PEM files and keys, atomic 0600 writes (used by the two
 *              above);
 *   zb_sign    signatures by the deployment's keys on offline parcels,
 *              checked against the same stores as a TLS peer.
 *
 * Nothing here allocates; certificates passed in stay the caller's.
 */
#ifndef ZB_PKI_H
#define ZB_PKI_H

#include <stdbool.h>
#include <stddef.h>

#include <openssl/x509.h>

#define ZB_PKI_NODE_ID_MAX 64  /* same rule as zb_node_id_valid */
#define ZB_PKI_ORG_MAX 64      /* same rule as zb_org_code_valid */
#define ZB_PKI_ADDR_MAX 261    /* "[" + 253-byte host + "]:" + 5 digits */
#define ZB_PKI_DNS_NAME_MAX 253

/* The SAN URI prefixes that carry a node's identity. */
#define ZB_PKI_URI_NODE "zhibu:node/"
#define ZB_PKI_URI_ORG "zhibu:org/"

/* Syntax checks used before anything is issued. */
/* Node ids: 1–64 ASCII letters, digits, '-', '_', '.'. */
int zb_pki_node_id_valid(const char *id);          /* 1 or 0 */
/* HOST:PORT where HOST is a DNS name (letters, digits, '-', '.'), an IPv4
 * literal, or [IPv6]; PORT 1–65535. */
int zb_pki_server_addr_valid(const char *addr);    /* 1 or 0 */
/* s[0..len) is a DNS name as a server certificate may carry it: 1–253
 * letters, digits, '-', '.', not starting with '-' or '.'. */
bool zb_pki_dns_name_valid(const char *s, size_t len);
/* An IP literal (IPv4 dotted quad or IPv6) as the 4 or 16 bytes of a SAN
 * iPAddress (caller frees with ASN1_OCTET_STRING_free), or NULL if s is
 * not one.  OpenSSL's error queue is left empty either way. */
ASN1_OCTET_STRING *zb_pki_ip_literal(const char *s);

/* Extracts the node id and org from the SAN URIs of cert (which the caller
 * has already verified) into node_id[node_id_len] and org[org_len].
 * ZB_EINVAL if the certificate has no SAN, the SAN appears twice, either
 * URI is missing or appears twice, or a value breaks the node id / org
 * code rules; ZB_ETOOBIG if a buffer is too small (ZB_PKI_NODE_ID_MAX + 1
 * and ZB_PKI_ORG_MAX + 1 always suffice).  Outputs are "" on error. */
int zb_pki_peer_identity(X509 *cert, char *node_id, size_t node_id_len,
                         char *org, size_t org_len);

#endif
