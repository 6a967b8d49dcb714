/*
 * zb_bundle.c — the enrollment bundle file (zb_bundle.h).  Where OpenSSL
 * is merely parsing a user's file, its queue is cleared and the problem
 * reported as ZB_EINVAL with a reason, not logged as a library failure.
 */
#include "zb_bundle.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/pem.h>

#include "zb_err.h"
#include "zb_pem.h"
#include "zb_record.h"

static void set_why(char *why, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void set_why(char *why, size_t len, const char *fmt, ...) {
  if (why == NULL || len == 0)
    return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(why, len, fmt, ap);
  va_end(ap);
}

int zb_bundle_write(int fd, const char *path, const zb_bundle *b) {
  int rc = 0;
  BIO *mem = BIO_new(BIO_s_mem());
  if (mem == NULL ||
      BIO_printf(mem, "%s\nserver: %s\nnode: %s\norg: %s\n%s", ZB_BUNDLE_MAGIC,
                 b->server, b->node_id, b->org, b->restore ? "restore: yes\n" : "") <= 0 ||
      !PEM_write_bio_X509(mem, b->ca) || !PEM_write_bio_X509(mem, b->cert) ||
      !PEM_write_bio_PrivateKey(mem, b->key, NULL, NULL, 0, NULL, NULL)) {
    rc = zb_pem_crypto_fail("encoding the bundle");
    goto out;
  }
  if (b->orgs && b->orgs_len > 0) {
    bool nl = b->orgs[b->orgs_len - 1] == '\n';
    if (BIO_printf(mem, "%s\n", ZB_BUNDLE_ORGS_BEGIN) <= 0 ||
        BIO_write(mem, b->orgs, (int)b->orgs_len) != (int)b->orgs_len ||
        BIO_printf(mem, "%s%s\n", nl ? "" : "\n", ZB_BUNDLE_ORGS_END) <= 0) {
      rc = zb_pem_crypto_fail("encoding the bundle");
      goto out;
    }
  }
  const char *data = NULL;
  size_t len = 0;
  if ((rc = zb_pem_bio_data(mem, &data, &len)) != 0 ||
      (rc = zb_pem_write_all(fd, path, data, len)) != 0)
    goto out;
  if (fsync(fd) != 0)
    rc = zb_pem_io_fail(path, "fsync");
out:
  if (mem != NULL) {
    const char *kdata = NULL;
    size_t klen = 0;
    if (zb_pem_bio_data(mem, &kdata, &klen) == 0 && klen > 0)
      OPENSSL_cleanse((void *)kdata, klen); /* it held the private key */
    BIO_free(mem);
  }
  return rc;
}

void zb_bundle_clear(zb_bundle *b) {
  if (b == NULL)
    return;
  X509_free(b->ca);
  X509_free(b->cert);
  EVP_PKEY_free(b->key);
  free(b->orgs);
  memset(b, 0, sizeof *b);
}

/* Copies the value of a "key: value" header line into dst; false if it is
 * empty, too long or has stray spaces. */
static bool header_value(const char *v, size_t vlen, char *dst, size_t cap) {
  if (vlen == 0 || vlen >= cap || v[0] == ' ' || v[vlen - 1] == ' ' ||
      v[vlen - 1] == '\t')
    return false;
  memcpy(dst, v, vlen);
  dst[vlen] = '\0';
  return strlen(dst) == vlen; /* no embedded NUL */
}

int zb_bundle_read(const char *path, zb_bundle *out, char *why,
                       size_t why_len) {
  int rc = 0, fd = -1;
  char *buf = NULL;
  size_t len = 0;
  BIO *pem = NULL;
  zb_bundle b = {0};
  char id[ZB_PKI_NODE_ID_MAX + 1], org[ZB_PKI_ORG_MAX + 1];
  struct stat st;

  memset(out, 0, sizeof *out);
  set_why(why, why_len, "%s", "");
  fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) {
    if (errno == ENOENT)
      return ZB_ENOTFOUND;
    if (errno == ELOOP) {
      set_why(why, why_len, "%s: is a symbolic link", path);
      return ZB_EINVAL;
    }
    return zb_pem_io_fail(path, "open");
  }
  if (fstat(fd, &st) != 0) {
    rc = zb_pem_io_fail(path, "stat");
    goto out;
  }
  if (!S_ISREG(st.st_mode)) {
    set_why(why, why_len, "%s: not a regular file", path);
    rc = ZB_EINVAL;
    goto out;
  }
  /* Refuse rather than warn, as ssh does for keys: the file holds the
   * node's private key, and a warning is easily scrolled past. */
  if ((st.st_mode & 077) != 0) {
    set_why(why, why_len,
            "%s: readable or writable by others (mode %03o); it holds a "
            "private key: chmod 600 it", path, (unsigned)(st.st_mode & 0777));
    rc = ZB_EINVAL;
    goto out;
  }
  if (st.st_size > ZB_BUNDLE_MAX) {
    set_why(why, why_len, "%s: larger than %d bytes", path, ZB_BUNDLE_MAX);
    rc = ZB_EINVAL;
    goto out;
  }
  /* Read through the descriptor that was checked, not the path again. */
  rc = zb_pem_read_fd(fd, path, ZB_BUNDLE_MAX, &buf, &len);
  if (rc == ZB_ETOOBIG) {
    set_why(why, why_len, "%s: larger than %d bytes", path, ZB_BUNDLE_MAX);
    rc = ZB_EINVAL;
  }
  if (rc != 0)
    goto out;
  if (strlen(buf) != len) {
    set_why(why, why_len, "%s: contains a NUL byte", path);
    rc = ZB_EINVAL;
    goto out;
  }

  /* Header: the magic line, then exactly one each of server/node/org,
   * until the first PEM block. */
  char *p = buf;
  long line = 0;
  bool seen_server = false, seen_node = false, seen_org = false, seen_restore = false;
  char restore[8] = "";
  for (;;) {
    char *nl = strchr(p, '\n');
    size_t ll = nl ? (size_t)(nl - p) : strlen(p);
    line++;
    if (ll > 0 && p[ll - 1] == '\r')
      ll--;
    if (line == 1) {
      if (ll != strlen(ZB_BUNDLE_MAGIC) || memcmp(p, ZB_BUNDLE_MAGIC, ll) != 0) {
        set_why(why, why_len, "%s:1: not a zhibu enrollment bundle (first "
                "line must be \"%s\")", path, ZB_BUNDLE_MAGIC);
        rc = ZB_EINVAL;
        goto out;
      }
    } else if (ll >= 5 && memcmp(p, "-----", 5) == 0) {
      break; /* first PEM block */
    } else if (ll == 0 || p[0] == '#') {
      /* blank lines and comments are allowed in the header */
    } else {
      const char *colon = memchr(p, ':', ll);
      if (colon == NULL || colon[1] != ' ') {
        set_why(why, why_len, "%s:%ld: expected \"key: value\"", path, line);
        rc = ZB_EINVAL;
        goto out;
      }
      size_t klen = (size_t)(colon - p);
      const char *v = colon + 2;
      size_t vlen = ll - klen - 2;
      char *dst;
      size_t cap;
      bool *seen;
      if (klen == 6 && memcmp(p, "server", 6) == 0) {
        dst = b.server, cap = sizeof b.server, seen = &seen_server;
      } else if (klen == 4 && memcmp(p, "node", 4) == 0) {
        dst = b.node_id, cap = sizeof b.node_id, seen = &seen_node;
      } else if (klen == 3 && memcmp(p, "org", 3) == 0) {
        dst = b.org, cap = sizeof b.org, seen = &seen_org;
      } else if (klen == 7 && memcmp(p, "restore", 7) == 0) {
        dst = restore, cap = sizeof restore, seen = &seen_restore;
      } else {
        set_why(why, why_len, "%s:%ld: unknown field \"%.*s\"", path, line,
                (int)(klen > 32 ? 32 : klen), p);
        rc = ZB_EINVAL;
        goto out;
      }
      if (*seen) {
        set_why(why, why_len, "%s:%ld: field \"%.*s\" repeated", path, line,
                (int)klen, p);
        rc = ZB_EINVAL;
        goto out;
      }
      *seen = true;
      bool ok = header_value(v, vlen, dst, cap);
      if (ok && dst == b.server)
        ok = zb_pki_server_addr_valid(dst);
      else if (ok && dst == b.node_id)
        ok = zb_pki_node_id_valid(dst);
      else if (ok && dst == b.org)
        ok = zb_org_code_valid(dst);
      else if (ok && dst == restore)
        ok = b.restore = strcmp(restore, "yes") == 0;
      if (!ok) {
        set_why(why, why_len, "%s:%ld: bad %.*s value%s", path, line,
                (int)klen, p,
                dst == b.server ? " (expected HOST:PORT)" : "");
        rc = ZB_EINVAL;
        goto out;
      }
    }
    if (nl == NULL) {
      p += ll;
      break;
    }
    p = nl + 1;
  }
  const char *missing = !seen_server ? "server" : !seen_node ? "node"
                        : !seen_org  ? "org"    : NULL;
  if (missing != NULL) {
    set_why(why, why_len, "%s: no \"%s:\" line", path, missing);
    rc = ZB_EINVAL;
    goto out;
  }

  /* The org directory, after the key: cut off before the PEM blocks are
   * read (its text is the node's own data, checked by the import that
   * reads it). */
  char *ob = strstr(p, "\n" ZB_BUNDLE_ORGS_BEGIN "\n");
  if (ob) {
    char *text = ob + 1 + strlen(ZB_BUNDLE_ORGS_BEGIN) + 1;
    char *oe = strstr(text, ZB_BUNDLE_ORGS_END);
    if (!oe || (oe != text && oe[-1] != '\n')) {
      set_why(why, why_len, "%s: the org block is not closed (%s)", path, ZB_BUNDLE_ORGS_END);
      rc = ZB_EINVAL;
      goto out;
    }
    size_t olen = (size_t)(oe - text);
    for (const char *q = text; q < oe;) {
      if (strncmp(q, "-----", 5) == 0) {
        set_why(why, why_len, "%s: a line of the org block starts with -----", path);
        rc = ZB_EINVAL;
        goto out;
      }
      const char *nl = memchr(q, '\n', (size_t)(oe - q));
      if (!nl)
        break;
      q = nl + 1;
    }
    b.orgs = malloc(olen + 1);
    if (!b.orgs) {
      rc = ZB_ENOMEM;
      goto out;
    }
    memcpy(b.orgs, text, olen);
    b.orgs[olen] = '\0';
    b.orgs_len = olen;
    ob[1] = '\0';   /* the PEM blocks end here */
  }

  /* The three PEM blocks, in order.  PEM_read_bio skips text between
   * blocks, so the order of the BEGIN labels is what is checked. */
  pem = BIO_new_mem_buf(p, (int)strlen(p));
  if (pem == NULL) {
    rc = zb_pem_crypto_fail("reading the bundle");
    goto out;
  }
  b.ca = PEM_read_bio_X509(pem, NULL, NULL, NULL);
  if (b.ca != NULL)
    b.cert = PEM_read_bio_X509(pem, NULL, NULL, NULL);
  if (b.cert != NULL)
    b.key = PEM_read_bio_PrivateKey(pem, NULL, NULL, NULL);
  ERR_clear_error(); /* a user's file, not a library failure */
  if (b.key == NULL) {
    set_why(why, why_len, "%s: missing or malformed %s PEM block", path,
            b.ca == NULL     ? "CA certificate"
            : b.cert == NULL ? "node certificate"
                             : "private key");
    rc = ZB_EINVAL;
    goto out;
  }

  EVP_PKEY *ca_pub = X509_get0_pubkey(b.ca);
  if (ca_pub == NULL || X509_verify(b.cert, ca_pub) != 1) {
    ERR_clear_error();
    set_why(why, why_len, "%s: the node certificate is not signed by the "
            "bundle's CA", path);
    rc = ZB_EINVAL;
    goto out;
  }
  if (X509_check_private_key(b.cert, b.key) != 1) {
    ERR_clear_error();
    set_why(why, why_len, "%s: the private key does not match the node "
            "certificate", path);
    rc = ZB_EINVAL;
    goto out;
  }
  if (zb_pki_peer_identity(b.cert, id, sizeof id, org, sizeof org) != 0 ||
      strcmp(id, b.node_id) != 0 || strcmp(org, b.org) != 0) {
    set_why(why, why_len, "%s: the node/org lines do not match the "
            "certificate", path);
    rc = ZB_EINVAL;
    goto out;
  }
  *out = b;
  memset(&b, 0, sizeof b);
out:
  zb_bundle_clear(&b);
  BIO_free(pem);
  if (buf != NULL) {
    OPENSSL_cleanse(buf, len);
    free(buf);
  }
  if (fd >= 0)
    close(fd);
  return rc;
}

int zb_bundle_store(const zb_bundle *b, X509_STORE **out) {
  *out = NULL;
  if (b == NULL || b->ca == NULL)
    return ZB_EINVAL;
  X509_STORE *st = X509_STORE_new();
  if (st == NULL || !X509_STORE_add_cert(st, b->ca)) {
    X509_STORE_free(st);
    return zb_pem_crypto_fail("building the trust store");
  }
  *out = st;
  return 0;
}
