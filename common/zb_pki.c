/*
 * zb_pki.c — the deployment's CA, node enrollment and revocation over
 * OpenSSL 3.  See zb_pki.h for the contract and the directory layout.
 *
 * Every OpenSSL call's failure goes through crypto_fail(), which logs
 * OpenSSL's queued messages once and returns ZB_ECRYPTO; where OpenSSL is
 * merely parsing a user's file (a bundle), its queue is cleared instead
 * and the problem reported as ZB_EINVAL with a reason.
 */
#include "zb_pki.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include "zb_err.h"
#include "zb_log.h"
#include "zb_record.h"

#define BUNDLE_MAGIC "# zhibu enrollment bundle"
#define BUNDLE_MAX (64 * 1024)
#define ISSUED_MAX (1024 * 1024)
#define SERVER_NAMES_MAX 32
#define DNS_NAME_MAX 253
#define CA_NAME_MAX 64
/* Certificates start one hour in the past so that a node whose clock is a
 * little behind the server's can use a certificate issued a minute ago. */
#define SKEW_SECONDS 3600L

enum cert_kind { CERT_CA, CERT_SERVER, CERT_NODE };

/* ---- errors and small helpers ---------------------------------------- */

static int crypto_fail(const char *what) {
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

static int io_fail(const char *path, const char *what) {
  zb_log_error("%s: %s: %s", path, what, strerror(errno));
  return ZB_EIO;
}

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

/* Joins dir and name into out; ZB_ETOOBIG if it does not fit. */
static int join(char *out, size_t len, const char *dir, const char *name) {
  int n = snprintf(out, len, "%s/%s", dir, name);
  if (n < 0 || (size_t)n >= len) {
    zb_log_error("%s/%s: path too long", dir, name);
    return ZB_ETOOBIG;
  }
  return 0;
}

static bool is_alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9');
}

int zb_pki_node_id_valid(const char *id) { return id != NULL && zb_node_id_valid(id); }

static bool dns_name_valid(const char *s, size_t len) {
  if (len < 1 || len > DNS_NAME_MAX || s[0] == '-' || s[0] == '.')
    return false;
  for (size_t i = 0; i < len; i++)
    if (!is_alnum(s[i]) && s[i] != '-' && s[i] != '.')
      return false;
  return true;
}

/* An IP literal as the 4 or 16 bytes of a SAN iPAddress, or NULL (with
 * OpenSSL's queue cleared) if s is not one. */
static ASN1_OCTET_STRING *ip_literal(const char *s) {
  ASN1_OCTET_STRING *ip = a2i_IPADDRESS(s);
  ERR_clear_error();
  return ip;
}

int zb_pki_server_addr_valid(const char *addr) {
  if (addr == NULL)
    return 0;
  size_t len = strnlen(addr, ZB_PKI_ADDR_MAX + 1);
  if (len > ZB_PKI_ADDR_MAX)
    return 0;
  const char *colon = strrchr(addr, ':');
  if (colon == NULL || colon == addr)
    return 0;
  const char *port = colon + 1;
  size_t plen = strlen(port);
  if (plen < 1 || plen > 5)
    return 0;
  long p = 0;
  for (size_t i = 0; i < plen; i++) {
    if (port[i] < '0' || port[i] > '9')
      return 0;
    p = p * 10 + (port[i] - '0');
  }
  if (p < 1 || p > 65535)
    return 0;
  size_t hlen = (size_t)(colon - addr);
  char host[ZB_PKI_ADDR_MAX + 1];
  if (addr[0] == '[') {
    /* [IPv6]:PORT, as in a URL, because the address has colons itself. */
    if (hlen < 3 || addr[hlen - 1] != ']')
      return 0;
    memcpy(host, addr + 1, hlen - 2);
    host[hlen - 2] = '\0';
    if (strchr(host, ':') == NULL)
      return 0;
    ASN1_OCTET_STRING *ip = ip_literal(host);
    bool ok = ip != NULL && ASN1_STRING_length(ip) == 16;
    ASN1_OCTET_STRING_free(ip);
    return ok;
  }
  memcpy(host, addr, hlen);
  host[hlen] = '\0';
  return dns_name_valid(host, hlen);
}

/* ---- files ------------------------------------------------------------ */

static int write_all(int fd, const char *path, const char *data, size_t len) {
  while (len > 0) {
    ssize_t w = write(fd, data, len);
    if (w < 0) {
      if (errno == EINTR)
        continue;
      return io_fail(path, "write");
    }
    data += w;
    len -= (size_t)w;
  }
  return 0;
}

/* Creates path (never replacing an existing file) with the given mode and
 * contents, synced to disk.  On failure the file is removed again. */
static int write_new(const char *path, const char *data, size_t len,
                     mode_t mode) {
  int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0) {
    if (errno == EEXIST) {
      zb_log_error("%s: already exists", path);
      return ZB_EEXIST;
    }
    return io_fail(path, "create");
  }
  /* The umask may have narrowed mode; say exactly what we mean. */
  int rc = fchmod(fd, mode) != 0 ? io_fail(path, "chmod") : 0;
  if (rc == 0)
    rc = write_all(fd, path, data, len);
  if (rc == 0 && fsync(fd) != 0)
    rc = io_fail(path, "fsync");
  if (close(fd) != 0 && rc == 0)
    rc = io_fail(path, "close");
  if (rc != 0)
    unlink(path);
  return rc;
}

/* Replaces path atomically: a reader sees the old or the new file whole. */
static int write_replace(const char *path, const char *data, size_t len,
                         mode_t mode) {
  char tmp[4096];
  int n = snprintf(tmp, sizeof tmp, "%s.tmp", path);
  if (n < 0 || (size_t)n >= sizeof tmp)
    return ZB_ETOOBIG;
  unlink(tmp); /* left over by a crash; we hold the lock */
  int rc = write_new(tmp, data, len, mode);
  if (rc != 0)
    return rc;
  if (rename(tmp, path) != 0) {
    rc = io_fail(path, "rename");
    unlink(tmp);
  }
  return rc;
}

/* Reads what is left of fd, at most max bytes, into a NUL-terminated
 * buffer (caller frees).  ZB_ETOOBIG (logged) if there is more. */
static int read_fd(int fd, const char *path, size_t max, char **out,
                   size_t *out_len) {
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
      rc = io_fail(path, "read");
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

/* Reads a whole small file; ZB_ENOTFOUND if absent. */
static int read_small(const char *path, size_t max, char **out,
                      size_t *out_len) {
  *out = NULL;
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return errno == ENOENT ? ZB_ENOTFOUND : io_fail(path, "open");
  int rc = read_fd(fd, path, max, out, out_len);
  close(fd);
  return rc;
}

/* Serialises enroll and revoke on one CA directory; returns the fd to
 * close (which releases the lock) or a negative ZB_E* code. */
static int lock_dir(const char *dir) {
  char path[4096];
  int rc = join(path, sizeof path, dir, "pki.lock");
  if (rc != 0)
    return rc;
  int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0)
    return io_fail(path, "open");
  while (flock(fd, LOCK_EX) != 0) {
    if (errno != EINTR) {
      rc = io_fail(path, "lock");
      close(fd);
      return rc;
    }
  }
  return fd;
}

static int bio_data(BIO *b, const char **data, size_t *len) {
  char *p = NULL;
  long n = BIO_get_mem_data(b, &p);
  if (n < 0)
    return crypto_fail("reading memory BIO");
  *data = p;
  *len = (size_t)n;
  return 0;
}

static int write_pem_cert(const char *path, X509 *x, bool replace) {
  int rc = 0;
  BIO *b = BIO_new(BIO_s_mem());
  const char *data = NULL;
  size_t len = 0;
  if (b == NULL || !PEM_write_bio_X509(b, x)) {
    rc = crypto_fail("encoding certificate");
    goto out;
  }
  if ((rc = bio_data(b, &data, &len)) != 0)
    goto out;
  rc = replace ? write_replace(path, data, len, 0644)
               : write_new(path, data, len, 0644);
out:
  BIO_free(b);
  return rc;
}

static int write_pem_key(const char *path, EVP_PKEY *k) {
  int rc = 0;
  BIO *b = BIO_new(BIO_s_mem());
  const char *data = NULL;
  size_t len = 0;
  if (b == NULL || !PEM_write_bio_PrivateKey(b, k, NULL, NULL, 0, NULL, NULL)) {
    rc = crypto_fail("encoding private key");
    goto out;
  }
  if ((rc = bio_data(b, &data, &len)) != 0)
    goto out;
  rc = write_new(path, data, len, 0600);
out:
  /* The buffer held a private key: wipe it before it returns to malloc. */
  if (b != NULL && bio_data(b, &data, &len) == 0 && len > 0)
    OPENSSL_cleanse((void *)data, len);
  BIO_free(b);
  return rc;
}

static int write_pem_crl(const char *path, X509_CRL *crl, bool replace) {
  int rc = 0;
  BIO *b = BIO_new(BIO_s_mem());
  const char *data = NULL;
  size_t len = 0;
  if (b == NULL || !PEM_write_bio_X509_CRL(b, crl)) {
    rc = crypto_fail("encoding CRL");
    goto out;
  }
  if ((rc = bio_data(b, &data, &len)) != 0)
    goto out;
  rc = replace ? write_replace(path, data, len, 0644)
               : write_new(path, data, len, 0644);
out:
  BIO_free(b);
  return rc;
}

static BIO *open_read(const char *path, int *rc) {
  BIO *b = BIO_new_file(path, "r");
  if (b == NULL) {
    bool absent = errno == ENOENT;
    ERR_clear_error();
    if (absent) {
      *rc = ZB_ENOTFOUND;
    } else {
      *rc = io_fail(path, "open");
    }
  }
  return b;
}

static int read_cert(const char *path, X509 **out) {
  int rc = 0;
  BIO *b = open_read(path, &rc);
  if (b == NULL)
    return rc;
  *out = PEM_read_bio_X509(b, NULL, NULL, NULL);
  if (*out == NULL)
    rc = crypto_fail(path);
  BIO_free(b);
  return rc;
}

static int read_key(const char *path, EVP_PKEY **out) {
  int rc = 0;
  BIO *b = open_read(path, &rc);
  if (b == NULL)
    return rc;
  *out = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL);
  if (*out == NULL)
    rc = crypto_fail(path);
  BIO_free(b);
  return rc;
}

static int read_crl(const char *path, X509_CRL **out) {
  int rc = 0;
  BIO *b = open_read(path, &rc);
  if (b == NULL)
    return rc;
  *out = PEM_read_bio_X509_CRL(b, NULL, NULL, NULL);
  if (*out == NULL)
    rc = crypto_fail(path);
  BIO_free(b);
  return rc;
}

/* Loads ca.crt and ca.key of dir; ZB_ENOTFOUND (logged) if there is no CA. */
static int load_ca(const char *dir, X509 **ca, EVP_PKEY **key) {
  char path[4096];
  int rc = join(path, sizeof path, dir, "ca.crt");
  if (rc == 0)
    rc = read_cert(path, ca);
  if (rc == 0 && (rc = join(path, sizeof path, dir, "ca.key")) == 0)
    rc = read_key(path, key);
  if (rc == ZB_ENOTFOUND)
    zb_log_error("%s: no CA here (missing %s)", dir, path);
  if (rc == 0 && !X509_check_private_key(*ca, *key)) {
    zb_log_error("%s: ca.key does not belong to ca.crt", dir);
    ERR_clear_error();
    rc = ZB_ECORRUPT;
  }
  if (rc != 0) {
    X509_free(*ca);
    EVP_PKEY_free(*key);
    *ca = NULL;
    *key = NULL;
  }
  return rc;
}

/* ---- issuing ---------------------------------------------------------- */

static int new_key(EVP_PKEY **out) {
  *out = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
  return *out == NULL ? crypto_fail("generating an EC P-256 key") : 0;
}

/* A random positive serial of 127 bits: unguessable (so certificates
 * cannot be predicted) and within RFC 5280's 20-octet limit. */
static int random_serial(ASN1_INTEGER **out) {
  unsigned char raw[16];
  int rc = 0;
  BIGNUM *bn = NULL;
  *out = NULL;
  do {
    if (RAND_bytes(raw, sizeof raw) != 1)
      return crypto_fail("drawing a serial number");
    raw[0] &= 0x7f;
  } while (raw[0] == 0); /* keep it 16 bytes long and never zero */
  bn = BN_bin2bn(raw, sizeof raw, NULL);
  if (bn == NULL || (*out = BN_to_ASN1_INTEGER(bn, NULL)) == NULL)
    rc = crypto_fail("encoding a serial number");
  BN_free(bn);
  return rc;
}

static int add_ext(X509 *x, X509V3_CTX *ctx, int nid, const char *value) {
  X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, ctx, nid, value);
  int rc = 0;
  if (ext == NULL || !X509_add_ext(x, ext, -1))
    rc = crypto_fail("adding a certificate extension");
  X509_EXTENSION_free(ext);
  return rc;
}

static int add_san(GENERAL_NAMES *gens, int type, const char *value,
                   ASN1_OCTET_STRING *ip) {
  GENERAL_NAME *gn = GENERAL_NAME_new();
  ASN1_IA5STRING *s = NULL;
  if (gn == NULL)
    goto fail;
  if (type == GEN_IPADD) {
    ASN1_OCTET_STRING *copy = ASN1_OCTET_STRING_dup(ip);
    if (copy == NULL)
      goto fail;
    GENERAL_NAME_set0_value(gn, GEN_IPADD, copy);
  } else {
    s = ASN1_IA5STRING_new();
    if (s == NULL || !ASN1_STRING_set(s, value, (int)strlen(value)))
      goto fail;
    GENERAL_NAME_set0_value(gn, type, s);
    s = NULL;
  }
  if (!sk_GENERAL_NAME_push(gens, gn))
    goto fail;
  return 0;
fail:
  ASN1_IA5STRING_free(s);
  GENERAL_NAME_free(gn);
  return crypto_fail("building subjectAltName");
}

/* Issues a certificate for key, signed by issuer/issuer_key (or self-signed
 * when issuer is NULL), with the extensions of kind.  sans may be NULL. */
static int issue(enum cert_kind kind, EVP_PKEY *key, const char *cn,
                 X509 *issuer, EVP_PKEY *issuer_key, long days,
                 GENERAL_NAMES *sans, ASN1_INTEGER **serial_out, X509 **out) {
  int rc = 0;
  X509 *x = NULL;
  X509_NAME *name = NULL;
  ASN1_INTEGER *serial = NULL;
  *out = NULL;

  if ((rc = random_serial(&serial)) != 0)
    goto out;
  x = X509_new();
  name = X509_NAME_new();
  if (x == NULL || name == NULL || !X509_set_version(x, X509_VERSION_3) ||
      !X509_set_serialNumber(x, serial) ||
      !X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                  (const unsigned char *)cn, -1, -1, 0) ||
      !X509_set_subject_name(x, name) ||
      !X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer)
                                      : name) ||
      !X509_gmtime_adj(X509_getm_notBefore(x), -SKEW_SECONDS) ||
      !X509_time_adj_ex(X509_getm_notAfter(x), (int)days, 0, NULL) ||
      !X509_set_pubkey(x, key)) {
    rc = crypto_fail("building a certificate");
    goto out;
  }

  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer ? issuer : x, x, NULL, NULL, 0);
  if ((rc = add_ext(x, &ctx, NID_subject_key_identifier, "hash")) != 0)
    goto out;
  if (issuer != NULL &&
      (rc = add_ext(x, &ctx, NID_authority_key_identifier, "keyid:always")) !=
          0)
    goto out;
  switch (kind) {
  case CERT_CA:
    if ((rc = add_ext(x, &ctx, NID_basic_constraints, "critical,CA:TRUE")) ||
        (rc = add_ext(x, &ctx, NID_key_usage, "critical,keyCertSign,cRLSign")))
      goto out;
    break;
  case CERT_SERVER:
    if ((rc = add_ext(x, &ctx, NID_basic_constraints, "critical,CA:FALSE")) ||
        (rc = add_ext(x, &ctx, NID_key_usage, "critical,digitalSignature")) ||
        (rc = add_ext(x, &ctx, NID_ext_key_usage, "serverAuth")))
      goto out;
    break;
  case CERT_NODE:
    if ((rc = add_ext(x, &ctx, NID_basic_constraints, "critical,CA:FALSE")) ||
        (rc = add_ext(x, &ctx, NID_key_usage, "critical,digitalSignature")) ||
        (rc = add_ext(x, &ctx, NID_ext_key_usage, "clientAuth")))
      goto out;
    break;
  }
  if (sans != NULL &&
      !X509_add1_ext_i2d(x, NID_subject_alt_name, sans, 0, X509V3_ADD_DEFAULT)) {
    rc = crypto_fail("adding subjectAltName");
    goto out;
  }
  if (!X509_sign(x, issuer_key, EVP_sha256())) {
    rc = crypto_fail("signing a certificate");
    goto out;
  }
  *out = x;
  x = NULL;
  if (serial_out != NULL) {
    *serial_out = serial;
    serial = NULL;
  }
out:
  ASN1_INTEGER_free(serial);
  X509_NAME_free(name);
  X509_free(x);
  return rc;
}

/* A CRL for ca holding old's entries (if any) plus serials, numbered one
 * more than old. */
static int build_crl(X509 *ca, EVP_PKEY *ca_key, X509_CRL *old,
                     STACK_OF(ASN1_INTEGER) *serials, X509_CRL **out) {
  int rc = 0;
  X509_CRL *crl = X509_CRL_new();
  ASN1_TIME *now = NULL, *next = NULL;
  ASN1_INTEGER *number = NULL;
  X509_REVOKED *rev = NULL;
  *out = NULL;

  now = X509_gmtime_adj(NULL, 0);
  next = X509_time_adj_ex(NULL, ZB_PKI_CA_DAYS, 0, NULL);
  if (crl == NULL || now == NULL || next == NULL ||
      !X509_CRL_set_version(crl, X509_CRL_VERSION_2) ||
      !X509_CRL_set_issuer_name(crl, X509_get_subject_name(ca)) ||
      !X509_CRL_set1_lastUpdate(crl, now) ||
      !X509_CRL_set1_nextUpdate(crl, next))
    goto fail;

  long n = 1;
  if (old != NULL) {
    ASN1_INTEGER *prev = X509_CRL_get_ext_d2i(old, NID_crl_number, NULL, NULL);
    if (prev != NULL) {
      n = ASN1_INTEGER_get(prev) + 1;
      ASN1_INTEGER_free(prev);
    }
    STACK_OF(X509_REVOKED) *list = X509_CRL_get_REVOKED(old);
    for (int i = 0; i < sk_X509_REVOKED_num(list); i++) {
      rev = X509_REVOKED_dup(sk_X509_REVOKED_value(list, i));
      if (rev == NULL || !X509_CRL_add0_revoked(crl, rev))
        goto fail;
      rev = NULL;
    }
  }
  for (int i = 0; i < sk_ASN1_INTEGER_num(serials); i++) {
    ASN1_INTEGER *s = sk_ASN1_INTEGER_value(serials, i);
    X509_REVOKED *have = NULL;
    if (X509_CRL_get0_by_serial(crl, &have, s) == 1)
      continue; /* revoked before: keep the first revocation date */
    rev = X509_REVOKED_new();
    if (rev == NULL || !X509_REVOKED_set_serialNumber(rev, s) ||
        !X509_REVOKED_set_revocationDate(rev, now) ||
        !X509_CRL_add0_revoked(crl, rev))
      goto fail;
    rev = NULL;
  }
  number = ASN1_INTEGER_new();
  if (number == NULL || !ASN1_INTEGER_set(number, n) ||
      !X509_CRL_add1_ext_i2d(crl, NID_crl_number, number, 0, 0))
    goto fail;

  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, ca, NULL, NULL, crl, 0);
  X509_EXTENSION *aki =
      X509V3_EXT_conf_nid(NULL, &ctx, NID_authority_key_identifier,
                          "keyid:always");
  int added = aki != NULL && X509_CRL_add_ext(crl, aki, -1);
  X509_EXTENSION_free(aki);
  if (!added || !X509_CRL_sort(crl) ||
      !X509_CRL_sign(crl, ca_key, EVP_sha256()))
    goto fail;
  *out = crl;
  crl = NULL;
  goto out;
fail:
  rc = crypto_fail("building the CRL");
out:
  X509_REVOKED_free(rev);
  ASN1_INTEGER_free(number);
  ASN1_TIME_free(next);
  ASN1_TIME_free(now);
  X509_CRL_free(crl);
  return rc;
}

/* ---- CA and server ---------------------------------------------------- */

static bool ca_name_valid(const char *name) {
  if (name == NULL)
    return false;
  size_t len = strnlen(name, CA_NAME_MAX + 1);
  if (len < 1 || len > CA_NAME_MAX)
    return false;
  for (size_t i = 0; i < len; i++)
    if (name[i] < 0x20 || name[i] > 0x7e)
      return false;
  return true;
}

int zb_pki_ca_create(const char *dir, const char *name) {
  int rc = 0;
  EVP_PKEY *key = NULL;
  X509 *ca = NULL;
  X509_CRL *crl = NULL;
  char key_path[4096], crt_path[4096], crl_path[4096];
  bool wrote_key = false, wrote_crt = false;

  if (dir == NULL || !ca_name_valid(name)) {
    zb_log_error("CA name must be 1-%d printable ASCII characters",
                 CA_NAME_MAX);
    return ZB_EINVAL;
  }
  if ((rc = join(key_path, sizeof key_path, dir, "ca.key")) ||
      (rc = join(crt_path, sizeof crt_path, dir, "ca.crt")) ||
      (rc = join(crl_path, sizeof crl_path, dir, "crl.pem")))
    return rc;
  if (mkdir(dir, 0700) != 0 && errno != EEXIST)
    return io_fail(dir, "mkdir");
  /* Check both before writing either, so a half-present CA is reported
   * rather than half-overwritten. */
  if (access(key_path, F_OK) == 0 || access(crt_path, F_OK) == 0) {
    zb_log_error("%s: a CA already exists here", dir);
    return ZB_EEXIST;
  }

  if ((rc = new_key(&key)) != 0 ||
      (rc = issue(CERT_CA, key, name, NULL, key, ZB_PKI_CA_DAYS, NULL, NULL,
                  &ca)) != 0 ||
      (rc = build_crl(ca, key, NULL, NULL, &crl)) != 0)
    goto out;
  if ((rc = write_pem_key(key_path, key)) != 0)
    goto out;
  wrote_key = true;
  if ((rc = write_pem_cert(crt_path, ca, false)) != 0)
    goto out;
  wrote_crt = true;
  rc = write_pem_crl(crl_path, crl, true);
out:
  if (rc != 0 && rc != ZB_EEXIST) {
    if (wrote_crt)
      unlink(crt_path);
    if (wrote_key)
      unlink(key_path);
  } else if (rc == ZB_EEXIST) {
    /* Lost a race with another init between the check and the write. */
    if (wrote_key)
      unlink(key_path);
  }
  X509_CRL_free(crl);
  X509_free(ca);
  EVP_PKEY_free(key);
  return rc;
}

int zb_pki_server_cert(const char *dir, const char *const *names, size_t n) {
  int rc = 0;
  X509 *ca = NULL, *x = NULL;
  EVP_PKEY *ca_key = NULL, *key = NULL;
  GENERAL_NAMES *sans = NULL;
  ASN1_OCTET_STRING *ip = NULL;
  char key_path[4096], crt_path[4096];
  bool wrote_key = false;

  if (dir == NULL || names == NULL || n < 1 || n > SERVER_NAMES_MAX) {
    zb_log_error("the server certificate needs 1-%d names", SERVER_NAMES_MAX);
    return ZB_EINVAL;
  }
  if ((rc = join(key_path, sizeof key_path, dir, "server.key")) ||
      (rc = join(crt_path, sizeof crt_path, dir, "server.crt")))
    return rc;
  if ((sans = sk_GENERAL_NAME_new_null()) == NULL)
    return crypto_fail("building subjectAltName");
  for (size_t i = 0; i < n; i++) {
    const char *s = names[i];
    if (s == NULL || s[0] == '\0') {
      zb_log_error("server name %zu is empty", i + 1);
      rc = ZB_EINVAL;
      goto out;
    }
    /* a2i_IPADDRESS accepts exactly the IPv4 dotted quad and IPv6 forms;
     * anything else must be a DNS name. */
    ip = ip_literal(s);
    if (ip != NULL) {
      rc = add_san(sans, GEN_IPADD, s, ip);
    } else if (dns_name_valid(s, strnlen(s, DNS_NAME_MAX + 1))) {
      rc = add_san(sans, GEN_DNS, s, NULL);
    } else {
      zb_log_error("server name \"%.*s\" is neither an IP address nor a DNS "
                   "name (letters, digits, '-', '.')", DNS_NAME_MAX, s);
      rc = ZB_EINVAL;
    }
    ASN1_OCTET_STRING_free(ip);
    ip = NULL;
    if (rc != 0)
      goto out;
  }
  if (strnlen(names[0], CA_NAME_MAX + 1) > CA_NAME_MAX) {
    /* CN is limited to 64 bytes (RFC 5280 ub-common-name); the SAN still
     * carries the long name. */
    zb_log_error("the first server name must be at most %d bytes (it "
                 "becomes the CN)", CA_NAME_MAX);
    rc = ZB_EINVAL;
    goto out;
  }
  if (access(key_path, F_OK) == 0 || access(crt_path, F_OK) == 0) {
    zb_log_error("%s: a server certificate already exists here", dir);
    rc = ZB_EEXIST;
    goto out;
  }
  if ((rc = load_ca(dir, &ca, &ca_key)) != 0 || (rc = new_key(&key)) != 0 ||
      (rc = issue(CERT_SERVER, key, names[0], ca, ca_key, ZB_PKI_SERVER_DAYS,
                  sans, NULL, &x)) != 0)
    goto out;
  if ((rc = write_pem_key(key_path, key)) != 0)
    goto out;
  wrote_key = true;
  rc = write_pem_cert(crt_path, x, false);
out:
  if (rc != 0 && wrote_key)
    unlink(key_path);
  GENERAL_NAMES_free(sans);
  X509_free(x);
  EVP_PKEY_free(key);
  EVP_PKEY_free(ca_key);
  X509_free(ca);
  return rc;
}

/* ---- enrollment ------------------------------------------------------- */

static int record_serial(const char *dir, const char *node_id,
                         const ASN1_INTEGER *serial) {
  int rc = 0;
  char path[4096], *hex = NULL, line[128];
  BIGNUM *bn = NULL;
  int fd = -1;

  if ((rc = join(path, sizeof path, dir, "issued")) != 0)
    return rc;
  if (mkdir(path, 0700) != 0 && errno != EEXIST)
    return io_fail(path, "mkdir");
  int n = snprintf(path, sizeof path, "%s/issued/%s", dir, node_id);
  if (n < 0 || (size_t)n >= sizeof path)
    return ZB_ETOOBIG;
  bn = ASN1_INTEGER_to_BN(serial, NULL);
  hex = bn ? BN_bn2hex(bn) : NULL;
  if (hex == NULL) {
    rc = crypto_fail("formatting a serial number");
    goto out;
  }
  n = snprintf(line, sizeof line, "%s\n", hex);
  if (n < 0 || (size_t)n >= sizeof line) {
    rc = ZB_ETOOBIG;
    goto out;
  }
  for (char *p = line; *p; p++)
    if (*p >= 'A' && *p <= 'F')
      *p = (char)(*p - 'A' + 'a');
  fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) {
    rc = io_fail(path, "open");
    goto out;
  }
  if ((rc = write_all(fd, path, line, (size_t)n)) == 0 && fsync(fd) != 0)
    rc = io_fail(path, "fsync");
out:
  if (fd >= 0 && close(fd) != 0 && rc == 0)
    rc = io_fail(path, "close");
  OPENSSL_free(hex);
  BN_free(bn);
  return rc;
}

int zb_pki_enroll(const char *dir, const char *node_id, const char *org,
                  const char *server_addr, const char *out_path, int days) {
  int rc = 0, lock = -1, fd = -1;
  X509 *ca = NULL, *x = NULL;
  EVP_PKEY *ca_key = NULL, *key = NULL;
  GENERAL_NAMES *sans = NULL;
  ASN1_INTEGER *serial = NULL;
  BIO *b = NULL;
  char uri[128];
  bool created = false;

  if (dir == NULL || out_path == NULL)
    return ZB_EINVAL;
  if (!zb_pki_node_id_valid(node_id)) {
    zb_log_error("node id must be 1-%d letters, digits, '-', '_' or '.'",
                 ZB_PKI_NODE_ID_MAX);
    return ZB_EINVAL;
  }
  if (!zb_org_code_valid(org)) {
    zb_log_error("org code must be 6 digits, then -parts of 1-8 letters or "
                 "digits, at most 64 bytes (e.g. 430121-03-07)");
    return ZB_EINVAL;
  }
  if (!zb_pki_server_addr_valid(server_addr)) {
    zb_log_error("server address must be HOST:PORT or [IPv6]:PORT");
    return ZB_EINVAL;
  }
  if (days < 1 || days > ZB_PKI_NODE_DAYS_MAX) {
    zb_log_error("certificate lifetime must be 1-%d days",
                 ZB_PKI_NODE_DAYS_MAX);
    return ZB_EINVAL;
  }

  /* Claim the output first: an existing file is never touched, and nothing
   * is issued or recorded for an enrollment that cannot be written. */
  fd = open(out_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    if (errno == EEXIST) {
      zb_log_error("%s: already exists; not overwriting it", out_path);
      return ZB_EEXIST;
    }
    return io_fail(out_path, "create");
  }
  created = true;
  if (fchmod(fd, 0600) != 0) {
    rc = io_fail(out_path, "chmod");
    goto out;
  }
  if ((rc = load_ca(dir, &ca, &ca_key)) != 0 || (rc = new_key(&key)) != 0)
    goto out;
  if ((lock = lock_dir(dir)) < 0) {
    rc = lock;
    goto out;
  }
  if ((sans = sk_GENERAL_NAME_new_null()) == NULL) {
    rc = crypto_fail("building subjectAltName");
    goto out;
  }
  snprintf(uri, sizeof uri, "%s%s", ZB_PKI_URI_NODE, node_id);
  if ((rc = add_san(sans, GEN_URI, uri, NULL)) != 0)
    goto out;
  snprintf(uri, sizeof uri, "%s%s", ZB_PKI_URI_ORG, org);
  if ((rc = add_san(sans, GEN_URI, uri, NULL)) != 0)
    goto out;
  if ((rc = issue(CERT_NODE, key, node_id, ca, ca_key, days, sans, &serial,
                  &x)) != 0)
    goto out;

  b = BIO_new(BIO_s_mem());
  if (b == NULL ||
      BIO_printf(b, "%s\nserver: %s\nnode: %s\norg: %s\n", BUNDLE_MAGIC,
                 server_addr, node_id, org) <= 0 ||
      !PEM_write_bio_X509(b, ca) || !PEM_write_bio_X509(b, x) ||
      !PEM_write_bio_PrivateKey(b, key, NULL, NULL, 0, NULL, NULL)) {
    rc = crypto_fail("encoding the bundle");
    goto out;
  }
  /* Record the serial before the bundle is complete: a serial without a
   * bundle is harmless, a bundle whose serial revoke cannot find is not. */
  if ((rc = record_serial(dir, node_id, serial)) != 0)
    goto out;
  const char *data = NULL;
  size_t len = 0;
  if ((rc = bio_data(b, &data, &len)) != 0 ||
      (rc = write_all(fd, out_path, data, len)) != 0)
    goto out;
  if (fsync(fd) != 0)
    rc = io_fail(out_path, "fsync");
out:
  if (fd >= 0 && close(fd) != 0 && rc == 0)
    rc = io_fail(out_path, "close");
  if (rc != 0 && created)
    unlink(out_path);
  if (lock >= 0)
    close(lock);
  if (b != NULL) {
    const char *kdata = NULL;
    size_t klen = 0;
    if (bio_data(b, &kdata, &klen) == 0 && klen > 0)
      OPENSSL_cleanse((void *)kdata, klen); /* it held the private key */
    BIO_free(b);
  }
  ASN1_INTEGER_free(serial);
  GENERAL_NAMES_free(sans);
  X509_free(x);
  EVP_PKEY_free(key);
  EVP_PKEY_free(ca_key);
  X509_free(ca);
  return rc;
}

void zb_bundle_clear(zb_bundle *b) {
  if (b == NULL)
    return;
  X509_free(b->ca);
  X509_free(b->cert);
  EVP_PKEY_free(b->key);
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

int zb_pki_bundle_read(const char *path, zb_bundle *out, char *why,
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
    return io_fail(path, "open");
  }
  if (fstat(fd, &st) != 0) {
    rc = io_fail(path, "stat");
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
  if (st.st_size > BUNDLE_MAX) {
    set_why(why, why_len, "%s: larger than %d bytes", path, BUNDLE_MAX);
    rc = ZB_EINVAL;
    goto out;
  }
  /* Read through the descriptor that was checked, not the path again. */
  rc = read_fd(fd, path, BUNDLE_MAX, &buf, &len);
  if (rc == ZB_ETOOBIG) {
    set_why(why, why_len, "%s: larger than %d bytes", path, BUNDLE_MAX);
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
  bool seen_server = false, seen_node = false, seen_org = false;
  for (;;) {
    char *nl = strchr(p, '\n');
    size_t ll = nl ? (size_t)(nl - p) : strlen(p);
    line++;
    if (ll > 0 && p[ll - 1] == '\r')
      ll--;
    if (line == 1) {
      if (ll != strlen(BUNDLE_MAGIC) || memcmp(p, BUNDLE_MAGIC, ll) != 0) {
        set_why(why, why_len, "%s:1: not a zhibu enrollment bundle (first "
                "line must be \"%s\")", path, BUNDLE_MAGIC);
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

  /* The three PEM blocks, in order.  PEM_read_bio skips text between
   * blocks, so the order of the BEGIN labels is what is checked. */
  pem = BIO_new_mem_buf(p, (int)strlen(p));
  if (pem == NULL) {
    rc = crypto_fail("reading the bundle");
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

/* ---- revocation and trust --------------------------------------------- */

int zb_pki_revoke(const char *dir, const char *node_id) {
  int rc = 0, lock = -1;
  char path[4096], crl_path[4096], *list = NULL;
  size_t len = 0;
  X509 *ca = NULL;
  EVP_PKEY *ca_key = NULL;
  X509_CRL *old = NULL, *crl = NULL;
  STACK_OF(ASN1_INTEGER) *serials = NULL;
  BIGNUM *bn = NULL;

  if (dir == NULL || !zb_pki_node_id_valid(node_id)) {
    zb_log_error("node id must be 1-%d letters, digits, '-', '_' or '.'",
                 ZB_PKI_NODE_ID_MAX);
    return ZB_EINVAL;
  }
  int n = snprintf(path, sizeof path, "%s/issued/%s", dir, node_id);
  if (n < 0 || (size_t)n >= sizeof path)
    return ZB_ETOOBIG;
  if ((rc = join(crl_path, sizeof crl_path, dir, "crl.pem")) != 0)
    return rc;
  if ((lock = lock_dir(dir)) < 0)
    return lock;
  rc = read_small(path, ISSUED_MAX, &list, &len);
  if (rc == ZB_ENOTFOUND) {
    zb_log_error("node %s was never enrolled here", node_id);
    goto out;
  }
  if (rc != 0)
    goto out;
  if ((serials = sk_ASN1_INTEGER_new_null()) == NULL) {
    rc = crypto_fail("revoking");
    goto out;
  }
  long line = 0;
  for (char *p = list; *p != '\0';) {
    char *nl = strchr(p, '\n');
    if (nl != NULL)
      *nl = '\0';
    line++;
    if (*p != '\0') {
      ASN1_INTEGER *s = NULL;
      size_t plen = strlen(p);
      bool hex = plen <= 40 && strspn(p, "0123456789abcdefABCDEF") == plen;
      if (!hex || !BN_hex2bn(&bn, p) ||
          (s = BN_to_ASN1_INTEGER(bn, NULL)) == NULL) {
        ERR_clear_error();
        zb_log_error("%s:%ld: not a serial number", path, line);
        rc = ZB_ECORRUPT;
        goto out;
      }
      if (!sk_ASN1_INTEGER_push(serials, s)) {
        ASN1_INTEGER_free(s);
        rc = crypto_fail("revoking");
        goto out;
      }
    }
    if (nl == NULL)
      break;
    p = nl + 1;
  }
  if (sk_ASN1_INTEGER_num(serials) == 0) {
    zb_log_error("node %s was never enrolled here (%s is empty)", node_id,
                 path);
    rc = ZB_ENOTFOUND;
    goto out;
  }
  if ((rc = load_ca(dir, &ca, &ca_key)) != 0)
    goto out;
  rc = read_crl(crl_path, &old);
  if (rc == ZB_ENOTFOUND) {
    /* Starting over from an empty list is safe here: we are adding. */
    zb_log_warn("%s: missing; starting a new CRL", crl_path);
    rc = 0;
  }
  if (rc != 0 || (rc = build_crl(ca, ca_key, old, serials, &crl)) != 0)
    goto out;
  rc = write_pem_crl(crl_path, crl, true);
out:
  BN_free(bn);
  sk_ASN1_INTEGER_pop_free(serials, ASN1_INTEGER_free);
  X509_CRL_free(crl);
  X509_CRL_free(old);
  EVP_PKEY_free(ca_key);
  X509_free(ca);
  free(list);
  if (lock >= 0)
    close(lock);
  return rc;
}

int zb_pki_load_store(const char *dir, X509_STORE **out) {
  int rc = 0;
  char path[4096];
  X509 *ca = NULL;
  X509_CRL *crl = NULL;
  X509_STORE *st = NULL;

  *out = NULL;
  if ((rc = join(path, sizeof path, dir, "ca.crt")) != 0)
    return rc;
  if ((rc = read_cert(path, &ca)) != 0) {
    if (rc == ZB_ENOTFOUND)
      zb_log_error("%s: no CA here (missing %s)", dir, path);
    goto out;
  }
  if ((rc = join(path, sizeof path, dir, "crl.pem")) != 0)
    goto out;
  if ((rc = read_crl(path, &crl)) != 0) {
    if (rc == ZB_ENOTFOUND) {
      zb_log_error("%s: missing; refusing to trust nodes without the "
                   "revocation list", path);
      rc = ZB_ECORRUPT;
    }
    goto out;
  }
  st = X509_STORE_new();
  if (st == NULL || !X509_STORE_add_cert(st, ca) ||
      !X509_STORE_add_crl(st, crl) ||
      !X509_STORE_set_flags(st, X509_V_FLAG_CRL_CHECK)) {
    rc = crypto_fail("building the trust store");
    goto out;
  }
  *out = st;
  st = NULL;
out:
  X509_STORE_free(st);
  X509_CRL_free(crl);
  X509_free(ca);
  return rc;
}

int zb_pki_bundle_store(const zb_bundle *b, X509_STORE **out) {
  *out = NULL;
  if (b == NULL || b->ca == NULL)
    return ZB_EINVAL;
  X509_STORE *st = X509_STORE_new();
  if (st == NULL || !X509_STORE_add_cert(st, b->ca)) {
    X509_STORE_free(st);
    return crypto_fail("building the trust store");
  }
  *out = st;
  return 0;
}

/* Copies the part of uri after prefix into dst if uri starts with it;
 * values longer than max can never be valid, shorter ones that do not fit
 * in cap are the caller's small buffer. */
static int take_uri(const ASN1_IA5STRING *uri, const char *prefix, char *dst,
                    size_t cap, size_t max, int *count,
                    bool (*valid)(const char *)) {
  const char *s = (const char *)ASN1_STRING_get0_data(uri);
  int len = ASN1_STRING_length(uri);
  size_t plen = strlen(prefix);
  if (s == NULL || len < 0 || (size_t)len < plen || memcmp(s, prefix, plen))
    return 0;
  if (++*count > 1)
    return ZB_EINVAL;
  size_t vlen = (size_t)len - plen;
  if (memchr(s + plen, '\0', vlen) != NULL)
    return ZB_EINVAL; /* an embedded NUL would cut the id short */
  if (vlen >= cap)
    return vlen > max ? ZB_EINVAL : ZB_ETOOBIG;
  memcpy(dst, s + plen, vlen);
  dst[vlen] = '\0';
  return valid(dst) ? 0 : ZB_EINVAL;
}

static bool node_id_ok(const char *s) { return zb_pki_node_id_valid(s); }
static bool org_ok(const char *s) { return zb_org_code_valid(s); }

int zb_pki_peer_identity(X509 *cert, char *node_id, size_t node_id_len,
                         char *org, size_t org_len) {
  int rc = 0, crit = 0, nodes = 0, orgs = 0;
  GENERAL_NAMES *gens = NULL;
  if (node_id_len > 0)
    node_id[0] = '\0';
  if (org_len > 0)
    org[0] = '\0';
  if (cert == NULL || node_id_len == 0 || org_len == 0)
    return ZB_EINVAL;
  /* crit is -2 when the extension occurs more than once: two SANs could
   * name two identities, so that is refused, not resolved. */
  gens = X509_get_ext_d2i(cert, NID_subject_alt_name, &crit, NULL);
  ERR_clear_error();
  if (gens == NULL) {
    rc = ZB_EINVAL;
    goto out;
  }
  for (int i = 0; i < sk_GENERAL_NAME_num(gens) && rc == 0; i++) {
    const GENERAL_NAME *gn = sk_GENERAL_NAME_value(gens, i);
    if (gn->type != GEN_URI)
      continue;
    rc = take_uri(gn->d.uniformResourceIdentifier, ZB_PKI_URI_NODE, node_id,
                  node_id_len, ZB_PKI_NODE_ID_MAX, &nodes, node_id_ok);
    if (rc == 0)
      rc = take_uri(gn->d.uniformResourceIdentifier, ZB_PKI_URI_ORG, org,
                    org_len, ZB_PKI_ORG_MAX, &orgs, org_ok);
  }
  if (rc == 0 && (nodes != 1 || orgs != 1))
    rc = ZB_EINVAL;
out:
  if (rc != 0) {
    node_id[0] = '\0';
    org[0] = '\0';
  }
  GENERAL_NAMES_free(gens);
  return rc;
}
