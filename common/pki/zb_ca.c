/*
 * zb_ca.c — the deployment's CA over OpenSSL 3 (zb_ca.h): issuing,
 * enrollment, revocation and the server's trust store.  PEM files are
 * read and written through zb_pem.h, the bundle through zb_bundle.h.
 */
#include "zb_ca.h"
#include "zb_outfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <dirent.h>
#include <time.h>
#include <arpa/inet.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include "zb_bundle.h"
#include "zb_err.h"
#include "zb_log.h"
#include "zb_pem.h"
#include "zb_record.h"

#define ISSUED_MAX (1024 * 1024)
#define SERVER_NAMES_MAX 32
#define CA_NAME_MAX 64
/* Certificates start one hour in the past so that a node whose clock is a
 * little behind the server's can use a certificate issued a minute ago. */
#define SKEW_SECONDS 3600L

enum cert_kind { CERT_CA, CERT_SERVER, CERT_NODE };

/* Serialises enroll and revoke on one CA directory; returns the fd to
 * close (which releases the lock) or a negative ZB_E* code. */
static int lock_dir(const char *dir) {
  char path[4096];
  int rc = zb_pem_join(path, sizeof path, dir, "pki.lock");
  if (rc != 0)
    return rc;
  int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0)
    return zb_pem_io_fail(path, "open");
  while (flock(fd, LOCK_EX) != 0) {
    if (errno != EINTR) {
      rc = zb_pem_io_fail(path, "lock");
      close(fd);
      return rc;
    }
  }
  return fd;
}

/* Loads ca.crt and ca.key of dir; ZB_ENOTFOUND (logged) if there is no CA. */
static int load_ca(const char *dir, X509 **ca, EVP_PKEY **key) {
  char path[4096];
  int rc = zb_pem_join(path, sizeof path, dir, "ca.crt");
  if (rc == 0)
    *ca = zb_pem_read(path, ZB_PEM_CERT, &rc);
  if (rc == 0 && (rc = zb_pem_join(path, sizeof path, dir, "ca.key")) == 0)
    *key = zb_pem_read(path, ZB_PEM_KEY, &rc);
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
  return *out == NULL ? zb_pem_crypto_fail("generating an EC P-256 key") : 0;
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
      return zb_pem_crypto_fail("drawing a serial number");
    raw[0] &= 0x7f;
  } while (raw[0] == 0); /* keep it 16 bytes long and never zero */
  bn = BN_bin2bn(raw, sizeof raw, NULL);
  if (bn == NULL || (*out = BN_to_ASN1_INTEGER(bn, NULL)) == NULL)
    rc = zb_pem_crypto_fail("encoding a serial number");
  BN_free(bn);
  return rc;
}

static int add_ext(X509 *x, X509V3_CTX *ctx, int nid, const char *value) {
  X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, ctx, nid, value);
  int rc = 0;
  if (ext == NULL || !X509_add_ext(x, ext, -1))
    rc = zb_pem_crypto_fail("adding a certificate extension");
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
  return zb_pem_crypto_fail("building subjectAltName");
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
    rc = zb_pem_crypto_fail("building a certificate");
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
    rc = zb_pem_crypto_fail("adding subjectAltName");
    goto out;
  }
  if (!X509_sign(x, issuer_key, EVP_sha256())) {
    rc = zb_pem_crypto_fail("signing a certificate");
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
  next = X509_time_adj_ex(NULL, ZB_CA_DAYS, 0, NULL);
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
  rc = zb_pem_crypto_fail("building the CRL");
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

int zb_ca_create(const char *dir, const char *name) {
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
  if ((rc = zb_pem_join(key_path, sizeof key_path, dir, "ca.key")) ||
      (rc = zb_pem_join(crt_path, sizeof crt_path, dir, "ca.crt")) ||
      (rc = zb_pem_join(crl_path, sizeof crl_path, dir, "crl.pem")))
    return rc;
  if (mkdir(dir, 0700) != 0 && errno != EEXIST)
    return zb_pem_io_fail(dir, "mkdir");
  /* Check both before writing either, so a half-present CA is reported
   * rather than half-overwritten. */
  if (access(key_path, F_OK) == 0 || access(crt_path, F_OK) == 0) {
    zb_log_error("%s: a CA already exists here", dir);
    return ZB_EEXIST;
  }

  if ((rc = new_key(&key)) != 0 ||
      (rc = issue(CERT_CA, key, name, NULL, key, ZB_CA_DAYS, NULL, NULL,
                  &ca)) != 0 ||
      (rc = build_crl(ca, key, NULL, NULL, &crl)) != 0)
    goto out;
  if ((rc = zb_pem_write(key_path, ZB_PEM_KEY, key, false)) != 0)
    goto out;
  wrote_key = true;
  if ((rc = zb_pem_write(crt_path, ZB_PEM_CERT, ca, false)) != 0)
    goto out;
  wrote_crt = true;
  rc = zb_pem_write(crl_path, ZB_PEM_CRL, crl, true);
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

int zb_ca_server_cert(const char *dir, const char *const *names, size_t n) {
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
  if ((rc = zb_pem_join(key_path, sizeof key_path, dir, "server.key")) ||
      (rc = zb_pem_join(crt_path, sizeof crt_path, dir, "server.crt")))
    return rc;
  if ((sans = sk_GENERAL_NAME_new_null()) == NULL)
    return zb_pem_crypto_fail("building subjectAltName");
  for (size_t i = 0; i < n; i++) {
    const char *s = names[i];
    if (s == NULL || s[0] == '\0') {
      zb_log_error("server name %zu is empty", i + 1);
      rc = ZB_EINVAL;
      goto out;
    }
    /* a2i_IPADDRESS accepts exactly the IPv4 dotted quad and IPv6 forms;
     * anything else must be a DNS name. */
    ip = zb_pki_ip_literal(s);
    if (ip != NULL) {
      rc = add_san(sans, GEN_IPADD, s, ip);
    } else if (zb_pki_dns_name_valid(s, strnlen(s, ZB_PKI_DNS_NAME_MAX + 1))) {
      rc = add_san(sans, GEN_DNS, s, NULL);
    } else {
      zb_log_error("server name \"%.*s\" is neither an IP address nor a DNS "
                   "name (letters, digits, '-', '.')", ZB_PKI_DNS_NAME_MAX, s);
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
      (rc = issue(CERT_SERVER, key, names[0], ca, ca_key, ZB_CA_SERVER_DAYS,
                  sans, NULL, &x)) != 0)
    goto out;
  if ((rc = zb_pem_write(key_path, ZB_PEM_KEY, key, false)) != 0)
    goto out;
  wrote_key = true;
  rc = zb_pem_write(crt_path, ZB_PEM_CERT, x, false);
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

/* Appends "SERIAL ORG SECONDS" to dir/issued/node_id: the serial (lowercase
 * hex), the org the certificate names and when it was issued by this
 * machine's clock (seconds since 1970), for revoke and for the freshness
 * report (zb_ca_issued_scan).  Lines of an older version hold the serial
 * alone. */
static int record_serial(const char *dir, const char *node_id, const char *org,
                         const ASN1_INTEGER *serial) {
  int rc = 0;
  char path[4096], *hex = NULL, line[256];
  BIGNUM *bn = NULL;
  int fd = -1;

  if ((rc = zb_pem_join(path, sizeof path, dir, "issued")) != 0)
    return rc;
  if (mkdir(path, 0700) != 0 && errno != EEXIST)
    return zb_pem_io_fail(path, "mkdir");
  int n = snprintf(path, sizeof path, "%s/issued/%s", dir, node_id);
  if (n < 0 || (size_t)n >= sizeof path)
    return ZB_ETOOBIG;
  bn = ASN1_INTEGER_to_BN(serial, NULL);
  hex = bn ? BN_bn2hex(bn) : NULL;
  if (hex == NULL) {
    rc = zb_pem_crypto_fail("formatting a serial number");
    goto out;
  }
  n = snprintf(line, sizeof line, "%s %s %lld\n", hex, org, (long long)time(NULL));
  if (n < 0 || (size_t)n >= sizeof line) {
    rc = ZB_ETOOBIG;
    goto out;
  }
  for (char *p = line; *p; p++)
    if (*p >= 'A' && *p <= 'F')
      *p = (char)(*p - 'A' + 'a');
  fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) {
    rc = zb_pem_io_fail(path, "open");
    goto out;
  }
  if ((rc = zb_pem_write_all(fd, path, line, (size_t)n)) == 0 && fsync(fd) != 0)
    rc = zb_pem_io_fail(path, "fsync");
out:
  if (fd >= 0 && close(fd) != 0 && rc == 0)
    rc = zb_pem_io_fail(path, "close");
  OPENSSL_free(hex);
  BN_free(bn);
  return rc;
}

int zb_ca_enroll(const char *dir, const char *node_id, const char *org,
                  const char *server_addr, const char *out_path, int days) {
  return zb_ca_enroll_orgs(dir, node_id, org, server_addr, out_path, days, NULL, 0, false);
}

int zb_ca_enroll_orgs(const char *dir, const char *node_id, const char *org,
                      const char *server_addr, const char *out_path, int days,
                      const char *orgs, size_t orgs_len, bool restore) {
  int rc = 0, lock = -1, fd = -1;
  X509 *ca = NULL, *x = NULL;
  EVP_PKEY *ca_key = NULL, *key = NULL;
  GENERAL_NAMES *sans = NULL;
  ASN1_INTEGER *serial = NULL;
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
  if (days < 1 || days > ZB_CA_NODE_DAYS_MAX) {
    zb_log_error("certificate lifetime must be 1-%d days",
                 ZB_CA_NODE_DAYS_MAX);
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
    return zb_outfile_fail("--out", out_path, errno);
  }
  created = true;
  if (fchmod(fd, 0600) != 0) {
    rc = zb_pem_io_fail(out_path, "chmod");
    goto out;
  }
  if ((rc = load_ca(dir, &ca, &ca_key)) != 0 || (rc = new_key(&key)) != 0)
    goto out;
  if ((lock = lock_dir(dir)) < 0) {
    rc = lock;
    goto out;
  }
  if ((sans = sk_GENERAL_NAME_new_null()) == NULL) {
    rc = zb_pem_crypto_fail("building subjectAltName");
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

  /* Record the serial before the bundle is written: a serial without a
   * bundle is harmless, a bundle whose serial revoke cannot find is not. */
  if ((rc = record_serial(dir, node_id, org, serial)) != 0)
    goto out;
  /* The bundle borrows the objects; they are freed below, not by it. */
  zb_bundle b = {.ca = ca, .cert = x, .key = key, .orgs = (char *)orgs, .orgs_len = orgs_len,
                 .restore = restore};
  snprintf(b.server, sizeof b.server, "%s", server_addr);
  snprintf(b.node_id, sizeof b.node_id, "%s", node_id);
  snprintf(b.org, sizeof b.org, "%s", org);
  rc = zb_bundle_write(fd, out_path, &b);
out:
  if (fd >= 0 && close(fd) != 0 && rc == 0)
    rc = zb_pem_io_fail(out_path, "close");
  if (rc != 0 && created)
    unlink(out_path);
  if (lock >= 0)
    close(lock);
  ASN1_INTEGER_free(serial);
  GENERAL_NAMES_free(sans);
  X509_free(x);
  EVP_PKEY_free(key);
  EVP_PKEY_free(ca_key);
  X509_free(ca);
  return rc;
}

/* The host of HOST:PORT or [IPv6]:PORT into host (cap bytes). */
static bool addr_host(const char *addr, char *host, size_t cap) {
  const char *colon = strrchr(addr, ':');
  if (!colon)
    return false;
  const char *h = addr;
  size_t n = (size_t)(colon - addr);
  if (n >= 2 && addr[0] == '[' && addr[n - 1] == ']') {
    h++;
    n -= 2;
  }
  if (n == 0 || n >= cap)
    return false;
  memcpy(host, h, n);
  host[n] = '\0';
  return true;
}

int zb_ca_server_names(const char *dir, const char *server_addr, char *names, size_t cap) {
  char path[4096], host[ZB_PKI_ADDR_MAX + 1];
  names[0] = '\0';
  if (!zb_pki_server_addr_valid(server_addr) || !addr_host(server_addr, host, sizeof host))
    return ZB_EINVAL;
  int rc = zb_pem_join(path, sizeof path, dir, "server.crt");
  X509 *x = rc == 0 ? zb_pem_read(path, ZB_PEM_CERT, &rc) : NULL;
  if (rc) {
    if (rc == ZB_ENOTFOUND)
      zb_log_error("%s: no server certificate here", dir);
    return rc;
  }
  /* The names a client may dial: every DNS and IP subjectAltName. */
  GENERAL_NAMES *sans = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
  size_t used = 0;
  for (int i = 0; sans && i < sk_GENERAL_NAME_num(sans); i++) {
    const GENERAL_NAME *g = sk_GENERAL_NAME_value(sans, i);
    char one[ZB_PKI_DNS_NAME_MAX + 1] = "";
    if (g->type == GEN_DNS) {
      const ASN1_IA5STRING *d = g->d.dNSName;
      snprintf(one, sizeof one, "%.*s", ASN1_STRING_length(d), (const char *)ASN1_STRING_get0_data(d));
    } else if (g->type == GEN_IPADD) {
      const ASN1_OCTET_STRING *ip = g->d.iPAddress;
      const unsigned char *b = ASN1_STRING_get0_data(ip);
      if (ASN1_STRING_length(ip) == 4)
        snprintf(one, sizeof one, "%u.%u.%u.%u", b[0], b[1], b[2], b[3]);
      else if (ASN1_STRING_length(ip) == 16)
        inet_ntop(AF_INET6, b, one, sizeof one);
    }
    if (!one[0])
      continue;
    int n = snprintf(names + used, cap - used, "%s%s", used ? ", " : "", one);
    if (n > 0 && (size_t)n < cap - used)
      used += (size_t)n;
  }
  GENERAL_NAMES_free(sans);
  /* As the node's TLS layer checks the server (zb_conn.c): an IP literal
   * against the IP names, anything else against the DNS names. */
  ASN1_OCTET_STRING *ip = zb_pki_ip_literal(host);
  int ok = ip ? X509_check_ip(x, ASN1_STRING_get0_data(ip), (size_t)ASN1_STRING_length(ip), 0)
              : X509_check_host(x, host, strlen(host), X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS, NULL);
  ASN1_OCTET_STRING_free(ip);
  X509_free(x);
  ERR_clear_error();
  return ok == 1 ? 0 : ZB_EINVAL;
}

/* ---- revocation and trust --------------------------------------------- */

static int revoke_serials(const char *dir, const char *node_id, bool keep_last);

int zb_ca_revoke(const char *dir, const char *node_id) {
  return revoke_serials(dir, node_id, false);
}

int zb_ca_revoke_older(const char *dir, const char *node_id) {
  return revoke_serials(dir, node_id, true);
}

int zb_ca_enrolled(const char *dir, const char *node_id) {
  char path[4096], *list = NULL;
  size_t len = 0;
  if (dir == NULL || !zb_pki_node_id_valid(node_id))
    return ZB_EINVAL;
  int n = snprintf(path, sizeof path, "%s/issued/%s", dir, node_id);
  if (n < 0 || (size_t)n >= sizeof path)
    return ZB_ETOOBIG;
  int rc = zb_pem_read_small(path, ISSUED_MAX, &list, &len);
  if (rc == 0 && strspn(list, " \n") == len)
    rc = ZB_ENOTFOUND;
  free(list);
  return rc;
}

/* Every serial issued to node_id into the CRL; keep_last: but the last one
 * issued (the replacement's, which enroll has just appended). */
static int revoke_serials(const char *dir, const char *node_id, bool keep_last) {
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
  if ((rc = zb_pem_join(crl_path, sizeof crl_path, dir, "crl.pem")) != 0)
    return rc;
  if ((lock = lock_dir(dir)) < 0)
    return lock;
  rc = zb_pem_read_small(path, ISSUED_MAX, &list, &len);
  if (rc == ZB_ENOTFOUND) {
    zb_log_error("node %s was never enrolled here", node_id);
    goto out;
  }
  if (rc != 0)
    goto out;
  if ((serials = sk_ASN1_INTEGER_new_null()) == NULL) {
    rc = zb_pem_crypto_fail("revoking");
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
      size_t plen = strcspn(p, " ");   /* the serial; the org and time follow */
      p[plen] = '\0';
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
        rc = zb_pem_crypto_fail("revoking");
        goto out;
      }
    }
    if (nl == NULL)
      break;
    p = nl + 1;
  }
  if (keep_last && sk_ASN1_INTEGER_num(serials) > 0)
    ASN1_INTEGER_free(sk_ASN1_INTEGER_pop(serials));
  if (sk_ASN1_INTEGER_num(serials) == 0) {
    zb_log_error("node %s was never enrolled here (%s is empty)", node_id,
                 path);
    rc = ZB_ENOTFOUND;
    goto out;
  }
  if ((rc = load_ca(dir, &ca, &ca_key)) != 0)
    goto out;
  old = zb_pem_read(crl_path, ZB_PEM_CRL, &rc);
  if (rc == ZB_ENOTFOUND) {
    /* Starting over from an empty list is safe here: we are adding. */
    zb_log_warn("%s: missing; starting a new CRL", crl_path);
    rc = 0;
  }
  if (rc != 0 || (rc = build_crl(ca, ca_key, old, serials, &crl)) != 0)
    goto out;
  rc = zb_pem_write(crl_path, ZB_PEM_CRL, crl, true);
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

int zb_ca_load_store(const char *dir, X509_STORE **out) {
  int rc = 0;
  char path[4096];
  X509 *ca = NULL;
  X509_CRL *crl = NULL;
  X509_STORE *st = NULL;

  *out = NULL;
  if ((rc = zb_pem_join(path, sizeof path, dir, "ca.crt")) != 0)
    return rc;
  if ((ca = zb_pem_read(path, ZB_PEM_CERT, &rc)) == NULL) {
    if (rc == ZB_ENOTFOUND)
      zb_log_error("%s: no CA here (missing %s)", dir, path);
    goto out;
  }
  if ((rc = zb_pem_join(path, sizeof path, dir, "crl.pem")) != 0)
    goto out;
  if ((crl = zb_pem_read(path, ZB_PEM_CRL, &rc)) == NULL) {
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
    rc = zb_pem_crypto_fail("building the trust store");
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

/* ---- what was issued, for reports -------------------------------------- */

/* One issued/<node_id> file: its lines "SERIAL[ ORG[ SECONDS]]" summed up
 * in n, each serial looked up in crl (NULL: none revoked). */
static int issued_read(const char *path, X509_CRL *crl, zb_ca_issued *n) {
  char *list = NULL;
  size_t len = 0;
  int rc = zb_pem_read_small(path, ISSUED_MAX, &list, &len);
  if (rc)
    return rc;
  BIGNUM *bn = NULL;
  unsigned revoked = 0;
  long line = 0;
  for (char *p = list; *p != '\0' && rc == 0;) {
    char *nl = strchr(p, '\n');
    if (nl != NULL)
      *nl = '\0';
    line++;
    char serial[64] = "", org[ZB_PKI_ORG_MAX + 2] = "";
    long long secs = 0;
    int got = sscanf(p, "%63s %65s %lld", serial, org, &secs);
    if (got >= 1) {
      size_t slen = strlen(serial);
      ASN1_INTEGER *s = NULL;
      if (slen > 40 || strspn(serial, "0123456789abcdefABCDEF") != slen ||
          !BN_hex2bn(&bn, serial) || (s = BN_to_ASN1_INTEGER(bn, NULL)) == NULL) {
        ERR_clear_error();
        zb_log_error("%s:%ld: not a serial number", path, line);
        rc = ZB_ECORRUPT;
        break;
      }
      X509_REVOKED *r = NULL;
      if (crl != NULL && X509_CRL_get0_by_serial(crl, &r, s) == 1)
        revoked++;
      ASN1_INTEGER_free(s);
      n->certs++;
      /* The latest line names the org of the latest certificate. */
      if (got >= 2 && zb_org_code_valid(org))   /* at most ZB_PKI_ORG_MAX bytes */
        memcpy(n->org, org, strlen(org) + 1);
      if (got >= 3 && secs > 0)
        n->issued_ms = (uint64_t)secs * 1000u;
    }
    if (nl == NULL)
      break;
    p = nl + 1;
  }
  n->revoked = rc == 0 && n->certs > 0 && revoked == n->certs;
  BN_free(bn);
  free(list);
  return rc;
}

int zb_ca_issued_scan(const char *dir, zb_ca_issued_fn fn, void *ctx) {
  char path[4096];
  int rc = zb_pem_join(path, sizeof path, dir, "crl.pem");
  if (rc != 0)
    return rc;
  X509_CRL *crl = zb_pem_read(path, ZB_PEM_CRL, &rc);
  if (crl == NULL) {
    if (rc == ZB_ENOTFOUND) {
      zb_log_error("%s: missing: every node is refused until it is restored", path);
      rc = ZB_ECORRUPT;
    }
    return rc;
  }
  if ((rc = zb_pem_join(path, sizeof path, dir, "issued")) != 0) {
    X509_CRL_free(crl);
    return rc;
  }
  DIR *d = opendir(path);
  if (d == NULL) {
    X509_CRL_free(crl);
    return errno == ENOENT ? 0 : zb_pem_io_fail(path, "opendir");   /* nobody enrolled yet */
  }
  struct dirent *e;
  while (rc == 0 && (e = readdir(d)) != NULL) {
    if (!zb_pki_node_id_valid(e->d_name) || strcmp(e->d_name, ".") == 0 ||
        strcmp(e->d_name, "..") == 0)
      continue;
    char file[4400];
    snprintf(file, sizeof file, "%s/%s", path, e->d_name);
    zb_ca_issued n;
    memset(&n, 0, sizeof n);
    memcpy(n.node_id, e->d_name, strlen(e->d_name) + 1);   /* a valid node id */
    if ((rc = issued_read(file, crl, &n)) == 0 && n.certs > 0)
      rc = fn(ctx, &n);
  }
  closedir(d);
  X509_CRL_free(crl);
  return rc;
}
