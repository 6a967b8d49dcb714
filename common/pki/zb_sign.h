/*
 * zb_sign.h — signed files of the deployment: a signature by a key whose
 * certificate the deployment's CA issued, checked the way a TLS session
 * checks its peer (docs/PROTOCOL.md, "Offline parcels").
 *
 * Used by the offline parcels (common/net/zb_offline.h): a node signs what
 * it sends the server with its key from the enrollment bundle, the server
 * with server.key.  The receiver checks the signer's certificate against
 * the store it checks sessions with — the server: ca.crt and crl.pem
 * (zb_ca_load_store, so a revoked node is refused exactly as at the
 * handshake); a node: its bundle's CA (zb_bundle_store) — and for the
 * purpose TLS checks (a node's certificate as a client, the server's as a
 * server).
 *
 * Every function leaves OpenSSL's error queue empty.
 */
#ifndef ZB_SIGN_H
#define ZB_SIGN_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

/* The purposes, as TLS names them. */
#define ZB_SIGN_AS_NODE "ssl_client"
#define ZB_SIGN_AS_SERVER "ssl_server"

/* SHA-256 over data with key: *sig (malloc'ed, caller frees), *siglen.
 * 0, ZB_ECRYPTO or ZB_ENOMEM. */
int zb_sign(EVP_PKEY *key, const uint8_t *data, size_t len, uint8_t **sig, size_t *siglen);

/* cert's DER (malloc'ed, caller frees).  0, ZB_ECRYPTO. */
int zb_sign_cert_der(X509 *cert, uint8_t **der, size_t *len);
/* SHA-256 of cert's DER: the fingerprint a parcel names its deployment by. */
int zb_sign_cert_sha256(X509 *cert, uint8_t out[32]);

/* Checks cert against store for purpose at time when (0: now): chain,
 * validity, revocation when the store has a CRL.  0, or ZB_EREFUSED with
 * OpenSSL's reason in why ("certificate revoked", "unable to get local
 * issuer certificate" …); ZB_ENOMEM. */
int zb_sign_check_cert(X509_STORE *store, const char *purpose, time_t when, X509 *cert,
                       char *why, size_t cap);

/* Decodes cert_der, checks it (zb_sign_check_cert) and checks that sig is
 * its signature over data.  0 with *cert (caller frees), or ZB_EREFUSED
 * with a sentence in why. */
int zb_sign_verify(X509_STORE *store, const char *purpose, time_t when, const uint8_t *cert_der,
                   size_t cert_len, const uint8_t *data, size_t len, const uint8_t *sig,
                   size_t siglen, X509 **cert, char *why, size_t cap);

#endif
