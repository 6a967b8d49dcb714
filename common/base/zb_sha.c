#include "zb_sha.h"

#include <assert.h>
#include <openssl/evp.h>
#include <openssl/sha.h>

struct zb_sha {
  EVP_MD_CTX *ctx;
};

zb_sha *zb_sha_new(void) {
  zb_sha *s = OPENSSL_zalloc(sizeof *s);
  if (!s)
    return NULL;
  s->ctx = EVP_MD_CTX_new();
  if (!s->ctx || !EVP_DigestInit_ex(s->ctx, EVP_sha256(), NULL)) {
    zb_sha_free(s);
    return NULL;
  }
  return s;
}

void zb_sha_update(zb_sha *s, const void *data, size_t len) {
  /* EVP_DigestUpdate only fails on a broken context, which is a bug. */
  int ok = EVP_DigestUpdate(s->ctx, data, len);
  assert(ok);
  (void)ok;
}

void zb_sha_final(zb_sha *s, uint8_t out[ZB_SHA256_LEN]) {
  unsigned int n = 0;
  int ok = EVP_DigestFinal_ex(s->ctx, out, &n) &&
           EVP_DigestInit_ex(s->ctx, EVP_sha256(), NULL);
  assert(ok && n == ZB_SHA256_LEN);
  (void)ok;
}

void zb_sha_free(zb_sha *s) {
  if (!s)
    return;
  EVP_MD_CTX_free(s->ctx);
  OPENSSL_free(s);
}

void zb_sha256(const void *data, size_t len, uint8_t out[ZB_SHA256_LEN]) {
  /* OpenSSL 3's one-shot SHA256() fetches the algorithm on every call
   * (4 % of a 100k-row import); fetch it once.  A race between threads
   * fetching it twice is harmless: both get the same algorithm. */
  static EVP_MD *md;
  if (!md)
    md = EVP_MD_fetch(NULL, "SHA256", NULL);
  unsigned int n = 0;
  int ok = md && EVP_Digest(data, len, out, &n, md, NULL);
  assert(ok && n == ZB_SHA256_LEN);
  (void)ok;
}

void zb_hex(const uint8_t *in, size_t len, char *out) {
  static const char digits[] = "0123456789abcdef";
  for (size_t i = 0; i < len; i++) {
    out[2 * i] = digits[in[i] >> 4];
    out[2 * i + 1] = digits[in[i] & 15];
  }
  out[2 * len] = '\0';
}
