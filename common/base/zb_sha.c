#include "zb_sha.h"

#include <assert.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdbool.h>
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

/* The one-shot digests reuse one context per thread: EVP_Digest makes and
 * frees a context each call, a quarter of a short op's hash (an import
 * hashes one op per row).  The thread's context is freed when the thread
 * ends (its key's destructor) or stays until the process exits. */
static pthread_key_t one_key;
static pthread_once_t one_once = PTHREAD_ONCE_INIT;
static bool one_keyed;
static _Thread_local EVP_MD_CTX *one_ctx;

static void one_free(void *ctx) { EVP_MD_CTX_free(ctx); }

static void one_init(void) { one_keyed = pthread_key_create(&one_key, one_free) == 0; }

static EVP_MD_CTX *one_get(void) {
  if (one_ctx)
    return one_ctx;
  pthread_once(&one_once, one_init);
  if (!one_keyed)
    return NULL;
  EVP_MD_CTX *c = EVP_MD_CTX_new();
  if (c && pthread_setspecific(one_key, c) != 0) {
    EVP_MD_CTX_free(c);
    c = NULL;
  }
  return one_ctx = c;
}

void zb_sha256(const void *data, size_t len, uint8_t out[ZB_SHA256_LEN]) {
  /* OpenSSL 3's one-shot SHA256() fetches the algorithm on every call
   * (4 % of a 100k-row import); fetch it once.  A race between threads
   * fetching it twice is harmless: both get the same algorithm. */
  static EVP_MD *md;
  if (!md)
    md = EVP_MD_fetch(NULL, "SHA256", NULL);
  unsigned int n = 0;
  EVP_MD_CTX *c = md ? one_get() : NULL;
  int ok = c ? EVP_DigestInit_ex(c, md, NULL) && EVP_DigestUpdate(c, data, len) &&
                   EVP_DigestFinal_ex(c, out, &n)
             : md && EVP_Digest(data, len, out, &n, md, NULL);
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
