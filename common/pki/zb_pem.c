/*
 * zb_pem.c — PEM objects in files, and the file writes of the PKI
 * (zb_pem.h).  Split out of zb_pki.c; the behaviour is unchanged.
 */
#include "zb_pem.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/pem.h>

#include "zb_err.h"
#include "zb_log.h"

int zb_pem_crypto_fail(const char *what) {
  unsigned long e;
  char buf[256];
  bool any = false;
  while ((e = ERR_get_error()) != 0) {
    ERR_error_string_n(e, buf, sizeof buf);
    zb_log_error("%s: %s", what, buf);
    any = true;
  }
  if (!any)
    zb_log_error("%s: OpenSSL failed without a message", what);
  return ZB_ECRYPTO;
}

int zb_pem_io_fail(const char *path, const char *what) {
  zb_log_error("%s: %s: %s", path, what, strerror(errno));
  return ZB_EIO;
}

int zb_pem_join(char *out, size_t len, const char *dir, const char *name) {
  int n = snprintf(out, len, "%s/%s", dir, name);
  if (n < 0 || (size_t)n >= len) {
    zb_log_error("%s/%s: path too long", dir, name);
    return ZB_ETOOBIG;
  }
  return 0;
}

/* ---- writing files ---------------------------------------------------- */

int zb_pem_write_all(int fd, const char *path, const char *data, size_t len) {
  while (len > 0) {
    ssize_t w = write(fd, data, len);
    if (w < 0) {
      if (errno == EINTR)
        continue;
      return zb_pem_io_fail(path, "write");
    }
    data += w;
    len -= (size_t)w;
  }
  return 0;
}

int zb_pem_write_new(const char *path, const char *data, size_t len, mode_t mode) {
  int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0) {
    if (errno == EEXIST) {
      zb_log_error("%s: already exists", path);
      return ZB_EEXIST;
    }
    return zb_pem_io_fail(path, "create");
  }
  /* The umask may have narrowed mode; say exactly what we mean. */
  int rc = fchmod(fd, mode) != 0 ? zb_pem_io_fail(path, "chmod") : 0;
  if (rc == 0)
    rc = zb_pem_write_all(fd, path, data, len);
  if (rc == 0 && fsync(fd) != 0)
    rc = zb_pem_io_fail(path, "fsync");
  if (close(fd) != 0 && rc == 0)
    rc = zb_pem_io_fail(path, "close");
  if (rc != 0)
    unlink(path);
  return rc;
}

int zb_pem_write_replace(const char *path, const char *data, size_t len, mode_t mode) {
  char tmp[4096];
  int n = snprintf(tmp, sizeof tmp, "%s.tmp", path);
  if (n < 0 || (size_t)n >= sizeof tmp)
    return ZB_ETOOBIG;
  unlink(tmp); /* left over by a crash; the caller holds the lock */
  int rc = zb_pem_write_new(tmp, data, len, mode);
  if (rc != 0)
    return rc;
  if (rename(tmp, path) != 0) {
    rc = zb_pem_io_fail(path, "rename");
    unlink(tmp);
  }
  return rc;
}

/* ---- reading files ---------------------------------------------------- */

int zb_pem_read_fd(int fd, const char *path, size_t max, char **out, size_t *out_len) {
  int rc = 0;
  size_t len = 0;
  char *buf = malloc(max + 1);
  *out = NULL;
  if (buf == NULL)
    return ZB_ENOMEM;
  for (;;) {
    ssize_t r = read(fd, buf + len, max + 1 - len);
    if (r < 0) {
      if (errno == EINTR)
        continue;
      rc = zb_pem_io_fail(path, "read");
      goto out;
    }
    if (r == 0)
      break;
    len += (size_t)r;
    if (len > max) {
      zb_log_error("%s: larger than %zu bytes", path, max);
      rc = ZB_ETOOBIG;
      goto out;
    }
  }
  buf[len] = '\0';
  *out = buf;
  *out_len = len;
  buf = NULL;
out:
  free(buf);
  return rc;
}

int zb_pem_read_small(const char *path, size_t max, char **out, size_t *out_len) {
  *out = NULL;
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return errno == ENOENT ? ZB_ENOTFOUND : zb_pem_io_fail(path, "open");
  int rc = zb_pem_read_fd(fd, path, max, out, out_len);
  close(fd);
  return rc;
}

int zb_pem_bio_data(BIO *b, const char **data, size_t *len) {
  char *p = NULL;
  long n = BIO_get_mem_data(b, &p);
  if (n < 0)
    return zb_pem_crypto_fail("reading memory BIO");
  *data = p;
  *len = (size_t)n;
  return 0;
}

/* ---- PEM objects ------------------------------------------------------ */

void *zb_pem_read(const char *path, enum zb_pem_kind kind, int *rc) {
  void *obj = NULL;
  *rc = 0;
  BIO *b = BIO_new_file(path, "r");
  if (b == NULL) {
    bool absent = errno == ENOENT;
    ERR_clear_error();
    *rc = absent ? ZB_ENOTFOUND : zb_pem_io_fail(path, "open");
    return NULL;
  }
  switch (kind) {
  case ZB_PEM_CERT: obj = PEM_read_bio_X509(b, NULL, NULL, NULL); break;
  case ZB_PEM_KEY: obj = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL); break;
  case ZB_PEM_CRL: obj = PEM_read_bio_X509_CRL(b, NULL, NULL, NULL); break;
  }
  if (obj == NULL)
    *rc = zb_pem_crypto_fail(path);
  BIO_free(b);
  return obj;
}

int zb_pem_write(const char *path, enum zb_pem_kind kind, const void *obj, bool replace) {
  int rc = 0, ok = 0;
  const char *what = "encoding certificate";
  mode_t mode = 0644;
  BIO *b = BIO_new(BIO_s_mem());
  const char *data = NULL;
  size_t len = 0;
  if (b != NULL) {
    switch (kind) {
    case ZB_PEM_CERT:
      ok = PEM_write_bio_X509(b, obj);
      break;
    case ZB_PEM_KEY:
      what = "encoding private key";
      mode = 0600;
      ok = PEM_write_bio_PrivateKey(b, obj, NULL, NULL, 0, NULL, NULL);
      break;
    case ZB_PEM_CRL:
      what = "encoding CRL";
      ok = PEM_write_bio_X509_CRL(b, obj);
      break;
    }
  }
  if (!ok) {
    rc = zb_pem_crypto_fail(what);
    goto out;
  }
  if ((rc = zb_pem_bio_data(b, &data, &len)) != 0)
    goto out;
  rc = replace ? zb_pem_write_replace(path, data, len, mode)
               : zb_pem_write_new(path, data, len, mode);
out:
  /* A key's encoding is wiped before the buffer returns to malloc. */
  if (kind == ZB_PEM_KEY && b != NULL && zb_pem_bio_data(b, &data, &len) == 0 && len > 0)
    OPENSSL_cleanse((void *)data, len);
  BIO_free(b);
  return rc;
}
