/*
 * zb_pem.h — small files of the PKI: PEM certificates, keys and CRLs, and
 * the careful file writes they need (docs/DESIGN-NOTES.md, "Sync",
 * Enrollment).
 *
 * Who uses it: zb_ca (the CA directory), zb_bundle (the enrollment bundle
 * file).  Nothing here knows what a CA or a bundle is.
 *
 * Ownership: every object returned (zb_pem_read) belongs to the caller,
 * who frees it with the matching OpenSSL *_free; buffers from
 * zb_pem_read_fd / zb_pem_read_small are the caller's to free().  Every
 * function leaves OpenSSL's error queue empty.
 *
 * Errors: OpenSSL failures are logged once (with OpenSSL's own messages)
 * and returned as ZB_ECRYPTO (zb_pem_crypto_fail); file problems are
 * logged with the path and returned as ZB_EIO (zb_pem_io_fail).
 */
#ifndef ZB_PEM_H
#define ZB_PEM_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include <openssl/bio.h>

/* What a PEM file holds.  Keys are written mode 0600 (and their encoding
 * is wiped from memory afterwards); certificates and CRLs mode 0644. */
enum zb_pem_kind {
  ZB_PEM_CERT, /* X509 */
  ZB_PEM_KEY,  /* EVP_PKEY, private, PKCS#8, unencrypted */
  ZB_PEM_CRL,  /* X509_CRL */
};

/* Logs every message on OpenSSL's queue (emptying it) under what;
 * returns ZB_ECRYPTO. */
int zb_pem_crypto_fail(const char *what);
/* Logs "path: what: strerror(errno)"; returns ZB_EIO. */
int zb_pem_io_fail(const char *path, const char *what);

/* dir + "/" + name into out[len]; ZB_ETOOBIG (logged) if it does not fit. */
int zb_pem_join(char *out, size_t len, const char *dir, const char *name);

/* Writes all of data to fd (retrying short writes and EINTR). */
int zb_pem_write_all(int fd, const char *path, const char *data, size_t len);
/* Creates path (never replacing an existing file: ZB_EEXIST, logged) with
 * exactly mode (whatever the umask) and data, fsync'd.  On failure the
 * file is removed again. */
int zb_pem_write_new(const char *path, const char *data, size_t len, mode_t mode);
/* Replaces path atomically (path.tmp, fsync, rename): a reader sees the
 * old or the new file whole.  The caller serialises writers. */
int zb_pem_write_replace(const char *path, const char *data, size_t len, mode_t mode);

/* Reads what is left of fd, at most max bytes, into a NUL-terminated
 * buffer (*out, caller frees).  ZB_ETOOBIG (logged) if there is more. */
int zb_pem_read_fd(int fd, const char *path, size_t max, char **out, size_t *out_len);
/* The same for a whole file; ZB_ENOTFOUND (not logged) if it is absent. */
int zb_pem_read_small(const char *path, size_t max, char **out, size_t *out_len);

/* The bytes a memory BIO holds (still owned by the BIO). */
int zb_pem_bio_data(BIO *b, const char **data, size_t *len);

/* Reads the first PEM object of kind from path: an X509 *, EVP_PKEY * or
 * X509_CRL * (caller frees), or NULL with *rc set: ZB_ENOTFOUND (not
 * logged) if the file is absent, ZB_EIO, or ZB_ECRYPTO if it holds no such
 * object. */
void *zb_pem_read(const char *path, enum zb_pem_kind kind, int *rc);
/* Writes obj (of kind) to path as PEM with the kind's mode: replacing
 * atomically when replace is set (zb_pem_write_replace), else only
 * creating (zb_pem_write_new). */
int zb_pem_write(const char *path, enum zb_pem_kind kind, const void *obj, bool replace);

#endif
