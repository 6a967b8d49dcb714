/*
 * zb_sha.h — SHA-256, the one boundary to OpenSSL's digests.
 */
#ifndef ZB_SHA_H
#define ZB_SHA_H

#include <stddef.h>
#include <stdint.h>

#define ZB_SHA256_LEN 32

typedef struct zb_sha zb_sha;   /* an incremental SHA-256 */

/* A new context, or NULL on allocation failure.  Free with zb_sha_free. */
zb_sha *zb_sha_new(void);
void zb_sha_update(zb_sha *s, const void *data, size_t len);
/* Writes the digest and resets s for reuse. */
void zb_sha_final(zb_sha *s, uint8_t out[ZB_SHA256_LEN]);
void zb_sha_free(zb_sha *s);   /* NULL is fine */
/* One-shot digest. */
void zb_sha256(const void *data, size_t len, uint8_t out[ZB_SHA256_LEN]);
/* Lower-case hex: out must hold 2 * ZB_SHA256_LEN + 1 bytes. */
void zb_hex(const uint8_t *in, size_t len, char *out);

#endif
