/* Signatures by the deployment's keys, checked as TLS checks a peer
 * (zb_sign.h). */
#include "zb_sign.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/x509_vfy.h>

#include "zb_err.h"
#include "zb_pem.h"

int zb_sign(EVP_PKEY *key, const uint8_t *data, size_t len, uint8_t **sig, size_t *siglen) {
  *sig = NULL;
  *siglen = 0;
  EVP_MD_CTX *md = EVP_MD_CTX_new();
  size_t n = 0;
  uint8_t *out = NULL;
  if (!md || EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, key) != 1 ||
      EVP_DigestSign(md, NULL, &n, data, len) != 1 || !(out = malloc(n ? n : 1)) ||
      EVP_DigestSign(md, out, &n, data, len) != 1) {
    EVP_MD_CTX_free(md);
    free(out);
    return zb_pem_crypto_fail("signing");
  }
  EVP_MD_CTX_free(md);
  *sig = out;
  *siglen = n;
  return 0;
}

int zb_sign_cert_der(X509 *cert, uint8_t **der, size_t *len) {
  unsigned char *p = NULL;
  int n = i2d_X509(cert, &p);
  if (n <= 0)
    return zb_pem_crypto_fail("encoding a certificate");
  *der = malloc((size_t)n);
  if (!*der) {
    OPENSSL_free(p);
    return ZB_ENOMEM;
  }
  memcpy(*der, p, (size_t)n);
  OPENSSL_free(p);
  *len = (size_t)n;
  return 0;
}

int zb_sign_cert_sha256(X509 *cert, uint8_t out[32]) {
  unsigned int n = 0;
  if (X509_digest(cert, EVP_sha256(), out, &n) != 1 || n != 32)
    return zb_pem_crypto_fail("a certificate's fingerprint");
  return 0;
}

int zb_sign_check_cert(X509_STORE *store, const char *purpose, time_t when, X509 *cert,
                       char *why, size_t cap) {
  X509_STORE_CTX *ctx = X509_STORE_CTX_new();
  if (!ctx) {
    ERR_clear_error();
    return ZB_ENOMEM;
  }
  int rc = ZB_EREFUSED;
  if (X509_STORE_CTX_init(ctx, store, cert, NULL) != 1 ||
      X509_STORE_CTX_set_default(ctx, purpose) != 1) {
    snprintf(why, cap, "cannot check the certificate");
  } else {
    if (when)
      X509_STORE_CTX_set_time(ctx, 0, when);
    if (X509_verify_cert(ctx) == 1)
      rc = 0;
    else
      snprintf(why, cap, "%s",
               X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx)));
  }
  X509_STORE_CTX_free(ctx);
  ERR_clear_error();
  return rc;
}

int zb_sign_verify(X509_STORE *store, const char *purpose, time_t when, const uint8_t *cert_der,
                   size_t cert_len, const uint8_t *data, size_t len, const uint8_t *sig,
                   size_t siglen, X509 **cert, char *why, size_t cap) {
  *cert = NULL;
  const unsigned char *p = cert_der;
  X509 *c = cert_len <= 65536 ? d2i_X509(NULL, &p, (long)cert_len) : NULL;
  if (!c || p != cert_der + cert_len) {
    X509_free(c);
    ERR_clear_error();
    snprintf(why, cap, "the signer's certificate does not decode");
    return ZB_EREFUSED;
  }
  char reason[200];
  int rc = zb_sign_check_cert(store, purpose, when, c, reason, sizeof reason);
  if (rc) {
    if (rc == ZB_EREFUSED)
      snprintf(why, cap, "the signer's certificate is not accepted here: %s", reason);
    X509_free(c);
    return rc;
  }
  EVP_MD_CTX *md = EVP_MD_CTX_new();
  int ok = md && EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, X509_get0_pubkey(c)) == 1 &&
           EVP_DigestVerify(md, sig, siglen, data, len) == 1;
  EVP_MD_CTX_free(md);
  ERR_clear_error();
  if (!ok) {
    snprintf(why, cap, "the signature does not match its contents (altered or damaged)");
    X509_free(c);
    return ZB_EREFUSED;
  }
  *cert = c;
  return 0;
}
