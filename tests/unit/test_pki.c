/*
 * test_pki.c — the deployment CA: creating it, server and node
 * certificates, enrollment bundles, revocation through the CRL, and what
 * X509_verify_cert makes of the results (docs/PROTOCOL.md).
 */
#ifndef _XOPEN_SOURCE
#define _XOPEN_SOURCE 700 /* nftw */
#endif
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "zb_err.h"
#include "zb_bundle.h"
#include "zb_ca.h"
#include "zb_pki.h"

typedef struct fx {
  char root[64];
  char ca[128];      /* a CA directory (created by setup) */
  char other[128];   /* a second, unrelated CA directory (not created) */
  char bundle[128];  /* a bundle path (not created) */
} fx;

static int rm_cb(const char *p, const struct stat *sb, int flag,
                 struct FTW *ftw) {
  (void)sb, (void)flag, (void)ftw;
  return remove(p);
}

static int setup(void **state) {
  fx *f = calloc(1, sizeof *f);
  if (f == NULL)
    return -1;
  snprintf(f->root, sizeof f->root, "/tmp/zb-pki-XXXXXX");
  if (mkdtemp(f->root) == NULL)
    return -1;
  snprintf(f->ca, sizeof f->ca, "%s/ca", f->root);
  snprintf(f->other, sizeof f->other, "%s/other", f->root);
  snprintf(f->bundle, sizeof f->bundle, "%s/node.bundle", f->root);
  if (zb_ca_create(f->ca, "Zhibu Test CA") != 0)
    return -1;
  *state = f;
  return 0;
}

static int teardown(void **state) {
  fx *f = *state;
  nftw(f->root, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
  free(f);
  /* Nothing the module did may leave errors behind for the next caller. */
  return ERR_peek_error() == 0 ? 0 : -1;
}

static char *slurp(const char *path, size_t *len) {
  FILE *fp = fopen(path, "rb");
  if (fp == NULL)
    return NULL;
  char *buf = calloc(1, 1 << 17);
  size_t n = buf ? fread(buf, 1, (1 << 17) - 1, fp) : 0;
  fclose(fp);
  if (len)
    *len = n;
  return buf;
}

static void spit(const char *path, const char *data, mode_t mode) {
  unlink(path);
  FILE *fp = fopen(path, "wb");
  assert_non_null(fp);
  assert_int_equal(fwrite(data, 1, strlen(data), fp), strlen(data));
  assert_int_equal(fclose(fp), 0);
  assert_int_equal(chmod(path, mode), 0);
}

static X509 *load_cert(const char *path) {
  FILE *fp = fopen(path, "r");
  assert_non_null(fp);
  X509 *x = PEM_read_X509(fp, NULL, NULL, NULL);
  fclose(fp);
  assert_non_null(x);
  return x;
}

static mode_t file_mode(const char *path) {
  struct stat st;
  assert_int_equal(stat(path, &st), 0);
  return st.st_mode & 07777;
}

/* X509_V_OK or the verification error of cert against store, at time at
 * (0: now). */
static int verify_at(X509_STORE *st, X509 *cert, time_t at) {
  X509_STORE_CTX *ctx = X509_STORE_CTX_new();
  assert_non_null(ctx);
  assert_int_equal(X509_STORE_CTX_init(ctx, st, cert, NULL), 1);
  if (at != 0)
    X509_STORE_CTX_set_time(ctx, 0, at);
  int ok = X509_verify_cert(ctx);
  int err = ok == 1 ? X509_V_OK : X509_STORE_CTX_get_error(ctx);
  X509_STORE_CTX_free(ctx);
  ERR_clear_error();
  return err;
}

static int verify_in(const char *ca_dir, X509 *cert) {
  X509_STORE *st = NULL;
  assert_int_equal(zb_ca_load_store(ca_dir, &st), 0);
  int err = verify_at(st, cert, 0);
  X509_STORE_free(st);
  return err;
}

static void enroll_ok(fx *f, const char *path, const char *id,
                      const char *org, zb_bundle *b) {
  char why[256];
  assert_int_equal(zb_ca_enroll(f->ca, id, org, "sync.example.org:7443",
                                 path, 365),
                   0);
  assert_int_equal(zb_bundle_read(path, b, why, sizeof why), 0);
}

/* ---- CA and server ---------------------------------------------------- */

/* The host a node will dial must be one of the server certificate's
 * names, checked as the node's TLS layer checks it. */
static void test_server_names(void **state) {
  fx *f = *state;
  char names[256];
  assert_int_equal(zb_ca_server_names(f->ca, "sync.example.org:7443", names, sizeof names),
                   ZB_ENOTFOUND);
  const char *n[] = {"sync.example.org", "127.0.0.1", "::1"};
  assert_int_equal(zb_ca_server_cert(f->ca, n, 3), 0);
  const char *good[] = {"sync.example.org:7443", "SYNC.example.org:1", "127.0.0.1:7420",
                        "[::1]:7420"};
  for (size_t i = 0; i < 4; i++)
    assert_int_equal(zb_ca_server_names(f->ca, good[i], names, sizeof names), 0);
  assert_string_equal(names, "sync.example.org, 127.0.0.1, ::1");
  const char *bad[] = {"example.org:7443", "x.sync.example.org:7443", "localhost:7420",
                       "127.0.0.2:7420", "[::2]:7420", "sync.example.org", "sync.example.org.:1"};
  for (size_t i = 0; i < 7; i++)
    assert_int_equal(zb_ca_server_names(f->ca, bad[i], names, sizeof names), ZB_EINVAL);
}

/* The org directory rides in the bundle, after the key, and comes back
 * as it went; a block that is not closed, or with a line that looks like
 * a PEM boundary, is refused. */
static void test_bundle_orgs(void **state) {
  fx *f = *state;
  static const char orgs[] = "code,name,type,parent_code\n430121-01,星沙镇党委,committee,430121\n";
  assert_int_equal(zb_ca_enroll_orgs(f->ca, "t01", "430121-01", "h.example:1", f->bundle, 30,
                                     orgs, sizeof orgs - 1, false),
                   0);
  zb_bundle b;
  char why[256];
  assert_int_equal(zb_bundle_read(f->bundle, &b, why, sizeof why), 0);
  assert_non_null(b.orgs);
  assert_int_equal(b.orgs_len, sizeof orgs - 1);
  assert_string_equal(b.orgs, orgs);
  assert_non_null(b.key);
  assert_false(b.restore);
  zb_bundle_clear(&b);
  size_t len;
  char *text = slurp(f->bundle, &len);
  assert_non_null(text);
  char *end = strstr(text, ZB_BUNDLE_ORGS_END);
  assert_non_null(end);
  char *cut = strdup(text);
  cut[end - text] = '\0';
  spit(f->bundle, cut, 0600);
  assert_int_equal(zb_bundle_read(f->bundle, &b, why, sizeof why), ZB_EINVAL);
  assert_non_null(strstr(why, "org block is not closed"));
  char *dash = strdup(text);
  char *row = strstr(dash, "430121-01,");
  memcpy(row, "-----", 5);
  spit(f->bundle, dash, 0600);
  assert_int_equal(zb_bundle_read(f->bundle, &b, why, sizeof why), ZB_EINVAL);
  assert_non_null(strstr(why, "starts with -----"));
  free(cut);
  free(dash);
  free(text);
  /* Without orgs: none. */
  unlink(f->bundle);
  assert_int_equal(zb_ca_enroll(f->ca, "b", "430121", "h.example:1", f->bundle, 30), 0);
  assert_int_equal(zb_bundle_read(f->bundle, &b, why, sizeof why), 0);
  assert_null(b.orgs);
  zb_bundle_clear(&b);
}

static void test_ca_create(void **state) {
  fx *f = *state;
  char p[256];
  snprintf(p, sizeof p, "%s/ca.key", f->ca);
  assert_int_equal(file_mode(p), 0600);
  snprintf(p, sizeof p, "%s/crl.pem", f->ca);
  assert_int_equal(access(p, R_OK), 0);
  snprintf(p, sizeof p, "%s/ca.crt", f->ca);
  X509 *ca = load_cert(p);
  assert_int_equal(X509_check_ca(ca), 1);
  assert_true(X509_get_key_usage(ca) & KU_KEY_CERT_SIGN);
  assert_true(X509_get_key_usage(ca) & KU_CRL_SIGN);
  /* Self-signed, ten years ahead (give or take the clock). */
  assert_int_equal(X509_check_issued(ca, ca), X509_V_OK);
  int days = 0, secs = 0;
  assert_int_equal(
      ASN1_TIME_diff(&days, &secs, NULL, X509_get0_notAfter(ca)), 1);
  assert_in_range(days, ZB_CA_DAYS - 1, ZB_CA_DAYS);
  char cn[128];
  X509_NAME_get_text_by_NID(X509_get_subject_name(ca), NID_commonName, cn,
                            sizeof cn);
  assert_string_equal(cn, "Zhibu Test CA");

  /* Twice: refused, and the existing key is untouched. */
  snprintf(p, sizeof p, "%s/ca.key", f->ca);
  char *before = slurp(p, NULL);
  assert_int_equal(zb_ca_create(f->ca, "Zhibu Test CA"), ZB_EEXIST);
  char *after = slurp(p, NULL);
  assert_string_equal(before, after);
  free(before);
  free(after);
  X509_free(ca);

  assert_int_equal(zb_ca_create(f->other, ""), ZB_EINVAL);
  assert_int_equal(zb_ca_create(f->other, "bad\nname"), ZB_EINVAL);
}

static void test_server_cert_sans(void **state) {
  fx *f = *state;
  const char *names[] = {"sync.example.org", "127.0.0.1", "::1"};
  assert_int_equal(zb_ca_server_cert(f->ca, names, 3), 0);
  assert_int_equal(zb_ca_server_cert(f->ca, names, 3), ZB_EEXIST);

  char p[256];
  snprintf(p, sizeof p, "%s/server.key", f->ca);
  assert_int_equal(file_mode(p), 0600);
  snprintf(p, sizeof p, "%s/server.crt", f->ca);
  X509 *x = load_cert(p);
  GENERAL_NAMES *gens = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
  assert_non_null(gens);
  assert_int_equal(sk_GENERAL_NAME_num(gens), 3);
  const GENERAL_NAME *g0 = sk_GENERAL_NAME_value(gens, 0);
  const GENERAL_NAME *g1 = sk_GENERAL_NAME_value(gens, 1);
  const GENERAL_NAME *g2 = sk_GENERAL_NAME_value(gens, 2);
  assert_int_equal(g0->type, GEN_DNS);
  assert_string_equal(ASN1_STRING_get0_data(g0->d.dNSName),
                      "sync.example.org");
  static const unsigned char v4[4] = {127, 0, 0, 1};
  static const unsigned char v6[16] = {[15] = 1};
  assert_int_equal(g1->type, GEN_IPADD);
  assert_int_equal(ASN1_STRING_length(g1->d.iPAddress), 4);
  assert_memory_equal(ASN1_STRING_get0_data(g1->d.iPAddress), v4, 4);
  assert_int_equal(g2->type, GEN_IPADD);
  assert_int_equal(ASN1_STRING_length(g2->d.iPAddress), 16);
  assert_memory_equal(ASN1_STRING_get0_data(g2->d.iPAddress), v6, 16);
  GENERAL_NAMES_free(gens);

  assert_true(X509_get_extended_key_usage(x) & XKU_SSL_SERVER);
  assert_false(X509_get_extended_key_usage(x) & XKU_SSL_CLIENT);
  assert_int_equal(X509_check_ca(x), 0);
  assert_int_equal(X509_check_host(x, "sync.example.org", 0, 0, NULL), 1);
  assert_int_equal(X509_check_ip_asc(x, "127.0.0.1", 0), 1);
  assert_int_equal(X509_check_host(x, "evil.example.org", 0, 0, NULL), 0);
  assert_int_equal(verify_in(f->ca, x), X509_V_OK);
  X509_free(x);

  /* Bad names and no CA. */
  const char *bad[] = {"ok.example", "two words"};
  assert_int_equal(zb_ca_create(f->other, "Other"), 0);
  assert_int_equal(zb_ca_server_cert(f->other, bad, 2), ZB_EINVAL);
  snprintf(p, sizeof p, "%s/server.crt", f->other);
  assert_int_equal(access(p, F_OK), -1);
  char none[256];
  snprintf(none, sizeof none, "%s/none", f->root);
  assert_int_equal(zb_ca_server_cert(none, names, 1), ZB_ENOTFOUND);
  assert_int_equal(zb_ca_server_cert(f->other, names, 0), ZB_EINVAL);
}

/* ---- enrollment --------------------------------------------------------- */

static void test_enroll_bundle(void **state) {
  fx *f = *state;
  zb_bundle b;
  enroll_ok(f, f->bundle, "node-7.a_b", "430121-03-07", &b);
  assert_int_equal(file_mode(f->bundle), 0600);
  assert_string_equal(b.server, "sync.example.org:7443");
  assert_string_equal(b.node_id, "node-7.a_b");
  assert_string_equal(b.org, "430121-03-07");

  /* The file says what the contract says, in that order. */
  char *text = slurp(f->bundle, NULL);
  assert_non_null(text);
  assert_true(strncmp(text,
                      "# zhibu enrollment bundle\nserver: "
                      "sync.example.org:7443\nnode: node-7.a_b\norg: "
                      "430121-03-07\n-----BEGIN CERTIFICATE-----",
                      strlen("# zhibu enrollment bundle\nserver: "
                             "sync.example.org:7443\nnode: node-7.a_b\norg: "
                             "430121-03-07\n-----BEGIN CERTIFICATE-----")) ==
              0);
  assert_non_null(strstr(text, "-----BEGIN PRIVATE KEY-----"));
  free(text);

  /* The bundle's CA is the deployment's CA. */
  char p[256];
  snprintf(p, sizeof p, "%s/ca.crt", f->ca);
  X509 *ca = load_cert(p);
  assert_int_equal(X509_cmp(ca, b.ca), 0);
  X509_free(ca);

  char cn[128];
  X509_NAME_get_text_by_NID(X509_get_subject_name(b.cert), NID_commonName, cn,
                            sizeof cn);
  assert_string_equal(cn, "node-7.a_b");
  assert_true(X509_get_extended_key_usage(b.cert) & XKU_SSL_CLIENT);
  assert_false(X509_get_extended_key_usage(b.cert) & XKU_SSL_SERVER);
  assert_int_equal(X509_check_ca(b.cert), 0);
  assert_int_equal(X509_check_private_key(b.cert, b.key), 1);
  assert_int_equal(EVP_PKEY_get_base_id(b.key), EVP_PKEY_EC);
  const ASN1_INTEGER *serial = X509_get0_serialNumber(b.cert);
  assert_in_range(ASN1_STRING_length(serial), 15, 16);
  int days = 0, secs = 0;
  assert_int_equal(
      ASN1_TIME_diff(&days, &secs, NULL, X509_get0_notAfter(b.cert)), 1);
  assert_in_range(days, 364, 365);

  char id[ZB_PKI_NODE_ID_MAX + 1], org[ZB_PKI_ORG_MAX + 1];
  assert_int_equal(zb_pki_peer_identity(b.cert, id, sizeof id, org,
                                        sizeof org),
                   0);
  assert_string_equal(id, "node-7.a_b");
  assert_string_equal(org, "430121-03-07");
  assert_int_equal(zb_pki_peer_identity(b.cert, id, 5, org, sizeof org),
                   ZB_ETOOBIG);
  assert_string_equal(id, "");

  /* The node trusts the server through the bundle's CA. */
  const char *names[] = {"sync.example.org"};
  assert_int_equal(zb_ca_server_cert(f->ca, names, 1), 0);
  snprintf(p, sizeof p, "%s/server.crt", f->ca);
  X509 *srv = load_cert(p);
  X509_STORE *st = NULL;
  assert_int_equal(zb_bundle_store(&b, &st), 0);
  assert_int_equal(verify_at(st, srv, 0), X509_V_OK);
  X509_STORE_free(st);
  X509_free(srv);

  zb_bundle_clear(&b);
  assert_null(b.cert);
  zb_bundle_clear(NULL);
}

static void test_enroll_ipv6_server(void **state) {
  fx *f = *state;
  char why[256];
  zb_bundle b;
  assert_int_equal(
      zb_ca_enroll(f->ca, "n1", "430121", "[::1]:7443", f->bundle, 30), 0);
  assert_int_equal(zb_bundle_read(f->bundle, &b, why, sizeof why), 0);
  assert_string_equal(b.server, "[::1]:7443");
  assert_string_equal(b.org, "430121");
  zb_bundle_clear(&b);
}

static void test_enroll_bad_input(void **state) {
  fx *f = *state;
  const char *out = f->bundle;
  assert_int_equal(zb_ca_enroll(f->ca, "a/b", "430121", "h:1", out, 30),
                   ZB_EINVAL);
  assert_int_equal(zb_ca_enroll(f->ca, "", "430121", "h:1", out, 30),
                   ZB_EINVAL);
  char long_id[ZB_PKI_NODE_ID_MAX + 2];
  memset(long_id, 'a', sizeof long_id - 1);
  long_id[sizeof long_id - 1] = '\0';
  assert_int_equal(zb_ca_enroll(f->ca, long_id, "430121", "h:1", out, 30),
                   ZB_EINVAL);
  assert_int_equal(zb_ca_enroll(f->ca, "n", "43012", "h:1", out, 30),
                   ZB_EINVAL);
  assert_int_equal(zb_ca_enroll(f->ca, "n", "430121-", "h:1", out, 30),
                   ZB_EINVAL);
  assert_int_equal(zb_ca_enroll(f->ca, "n", "430121", "host", out, 30),
                   ZB_EINVAL);
  assert_int_equal(zb_ca_enroll(f->ca, "n", "430121", "host:0", out, 30),
                   ZB_EINVAL);
  assert_int_equal(zb_ca_enroll(f->ca, "n", "430121", "host:65536", out, 30),
                   ZB_EINVAL);
  assert_int_equal(zb_ca_enroll(f->ca, "n", "430121", "::1:7443", out, 30),
                   ZB_EINVAL);
  assert_int_equal(zb_ca_enroll(f->ca, "n", "430121", "h:1", out, 0),
                   ZB_EINVAL);
  assert_int_equal(zb_ca_enroll(f->ca, "n", "430121", "h:1", out,
                                 ZB_CA_NODE_DAYS_MAX + 1),
                   ZB_EINVAL);
  assert_int_equal(access(out, F_OK), -1);
  /* No CA: nothing is left at the output path either. */
  assert_int_equal(zb_ca_enroll(f->other, "n", "430121", "h:1", out, 30),
                   ZB_ENOTFOUND);
  assert_int_equal(access(out, F_OK), -1);
  /* Nothing was recorded for "n". */
  assert_int_equal(zb_ca_revoke(f->ca, "n"), ZB_ENOTFOUND);
}

static void test_enroll_existing_out_file(void **state) {
  fx *f = *state;
  spit(f->bundle, "precious\n", 0644);
  assert_int_equal(
      zb_ca_enroll(f->ca, "n1", "430121", "h.example:1", f->bundle, 30),
      ZB_EEXIST);
  size_t len = 0;
  char *text = slurp(f->bundle, &len);
  assert_string_equal(text, "precious\n");
  free(text);
  assert_int_equal(file_mode(f->bundle), 0644);
  /* No certificate was issued for the refused enrollment. */
  assert_int_equal(zb_ca_revoke(f->ca, "n1"), ZB_ENOTFOUND);
}

/* ---- verification and revocation -------------------------------------- */

static void test_verify_and_revoke(void **state) {
  fx *f = *state;
  char path2[256], path3[256];
  snprintf(path2, sizeof path2, "%s/b.bundle", f->root);
  snprintf(path3, sizeof path3, "%s/c.bundle", f->root);
  zb_bundle a, a2, other;
  enroll_ok(f, f->bundle, "node-a", "430121-01", &a);
  enroll_ok(f, path2, "node-a", "430121-01", &a2); /* re-enrolled */
  enroll_ok(f, path3, "node-b", "430121-02", &other);

  assert_int_equal(verify_in(f->ca, a.cert), X509_V_OK);
  assert_int_equal(verify_in(f->ca, a2.cert), X509_V_OK);
  assert_int_equal(verify_in(f->ca, other.cert), X509_V_OK);
  assert_int_not_equal(ASN1_INTEGER_cmp(X509_get0_serialNumber(a.cert),
                                        X509_get0_serialNumber(a2.cert)),
                       0);

  assert_int_equal(zb_ca_revoke(f->ca, "node-a"), 0);
  /* Every certificate the node ever had is revoked, and only those. */
  assert_int_equal(verify_in(f->ca, a.cert), X509_V_ERR_CERT_REVOKED);
  assert_int_equal(verify_in(f->ca, a2.cert), X509_V_ERR_CERT_REVOKED);
  assert_int_equal(verify_in(f->ca, other.cert), X509_V_OK);

  /* Idempotent: the CRL does not grow, and its number still advances. */
  char p[256];
  snprintf(p, sizeof p, "%s/crl.pem", f->ca);
  assert_int_equal(zb_ca_revoke(f->ca, "node-a"), 0);
  FILE *fp = fopen(p, "r");
  assert_non_null(fp);
  X509_CRL *crl = PEM_read_X509_CRL(fp, NULL, NULL, NULL);
  fclose(fp);
  assert_non_null(crl);
  assert_int_equal(sk_X509_REVOKED_num(X509_CRL_get_REVOKED(crl)), 2);
  ASN1_INTEGER *num = X509_CRL_get_ext_d2i(crl, NID_crl_number, NULL, NULL);
  assert_non_null(num);
  assert_int_equal(ASN1_INTEGER_get(num), 3); /* empty, revoke, revoke */
  ASN1_INTEGER_free(num);
  X509_CRL_free(crl);

  assert_int_equal(zb_ca_revoke(f->ca, "node-b"), 0);
  assert_int_equal(verify_in(f->ca, other.cert), X509_V_ERR_CERT_REVOKED);
  assert_int_equal(verify_in(f->ca, a.cert), X509_V_ERR_CERT_REVOKED);

  assert_int_equal(zb_ca_revoke(f->ca, "never-enrolled"), ZB_ENOTFOUND);
  assert_int_equal(zb_ca_revoke(f->ca, "../ca"), ZB_EINVAL);

  zb_bundle_clear(&a);
  zb_bundle_clear(&a2);
  zb_bundle_clear(&other);
}

/* issued/<node_id> (zb_ca_issued_scan): every node enrolled, the org of
 * its latest certificate, when, and whether all its certificates are
 * revoked; a line of the older format (the serial alone) still reads and
 * still revokes. */
#define SCAN_MAX 8
struct scan {
  zb_ca_issued n[SCAN_MAX];
  size_t count;
};

static int scan_row(void *ctx, const zb_ca_issued *n) {
  struct scan *sc = ctx;
  assert_true(sc->count < SCAN_MAX);
  sc->n[sc->count++] = *n;
  return 0;
}

static const zb_ca_issued *scanned(const struct scan *sc, const char *id) {
  for (size_t i = 0; i < sc->count; i++)
    if (strcmp(sc->n[i].node_id, id) == 0)
      return &sc->n[i];
  return NULL;
}

static void test_issued_scan(void **state) {
  fx *f = *state;
  char path[256];
  struct scan sc = {0};
  /* Nobody enrolled yet: no issued/ directory at all. */
  assert_int_equal(zb_ca_issued_scan(f->ca, scan_row, &sc), 0);
  assert_int_equal(sc.count, 0);

  uint64_t t0 = (uint64_t)time(NULL) * 1000;
  zb_bundle a, a2, b;
  enroll_ok(f, f->bundle, "node-a", "430121-01", &a);
  snprintf(path, sizeof path, "%s/a2.bundle", f->root);
  enroll_ok(f, path, "node-a", "430121-02", &a2);   /* re-enrolled for another org */
  snprintf(path, sizeof path, "%s/b.bundle", f->root);
  enroll_ok(f, path, "node-b", "430121-03", &b);
  uint64_t t1 = (uint64_t)time(NULL) * 1000;
  snprintf(path, sizeof path, "%s/issued/node-c", f->ca);
  spit(path, "0abc\n", 0600);   /* the older format */
  assert_int_equal(zb_ca_revoke(f->ca, "node-b"), 0);

  assert_int_equal(zb_ca_issued_scan(f->ca, scan_row, &sc), 0);
  assert_int_equal(sc.count, 3);
  const zb_ca_issued *na = scanned(&sc, "node-a"), *nb = scanned(&sc, "node-b"),
                     *nc = scanned(&sc, "node-c");
  assert_non_null(na);
  assert_non_null(nb);
  assert_non_null(nc);
  assert_string_equal(na->org, "430121-02");
  assert_int_equal(na->certs, 2);
  assert_false(na->revoked);
  assert_true(na->issued_ms >= t0 && na->issued_ms <= t1);
  assert_string_equal(nb->org, "430121-03");
  assert_true(nb->revoked);
  assert_string_equal(nc->org, "");
  assert_int_equal(nc->issued_ms, 0);
  assert_false(nc->revoked);

  assert_int_equal(zb_ca_revoke(f->ca, "node-c"), 0);
  sc.count = 0;
  assert_int_equal(zb_ca_issued_scan(f->ca, scan_row, &sc), 0);
  assert_true(scanned(&sc, "node-c")->revoked);

  spit(path, "not a serial\n", 0600);
  sc.count = 0;
  assert_int_equal(zb_ca_issued_scan(f->ca, scan_row, &sc), ZB_ECORRUPT);
  zb_bundle_clear(&a);
  zb_bundle_clear(&a2);
  zb_bundle_clear(&b);
}

static void test_other_ca_refused(void **state) {
  fx *f = *state;
  zb_bundle b;
  char why[256];
  /* Same CA name as the real one: the issuer name matches, but the
   * authority key identifier does not, so OpenSSL finds no issuer. */
  assert_int_equal(zb_ca_create(f->other, "Zhibu Test CA"), 0);
  assert_int_equal(zb_ca_enroll(f->other, "node-a", "430121",
                                 "h.example:1", f->bundle, 30),
                   0);
  assert_int_equal(zb_bundle_read(f->bundle, &b, why, sizeof why), 0);
  assert_int_equal(verify_in(f->other, b.cert), X509_V_OK);
  assert_int_equal(verify_in(f->ca, b.cert),
                   X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY);
  zb_bundle_clear(&b);

  char third[256], path[256];
  snprintf(third, sizeof third, "%s/third", f->root);
  snprintf(path, sizeof path, "%s/third.bundle", f->root);
  assert_int_equal(zb_ca_create(third, "Another CA"), 0);
  assert_int_equal(
      zb_ca_enroll(third, "node-a", "430121", "h.example:1", path, 30), 0);
  assert_int_equal(zb_bundle_read(path, &b, why, sizeof why), 0);
  assert_int_equal(verify_in(f->ca, b.cert),
                   X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY);
  zb_bundle_clear(&b);
}

static void test_expired_refused(void **state) {
  fx *f = *state;
  zb_bundle b;
  char why[256];
  assert_int_equal(
      zb_ca_enroll(f->ca, "short", "430121", "h.example:1", f->bundle, 1), 0);
  assert_int_equal(zb_bundle_read(f->bundle, &b, why, sizeof why), 0);
  X509_STORE *st = NULL;
  assert_int_equal(zb_ca_load_store(f->ca, &st), 0);
  time_t now = time(NULL);
  assert_int_equal(verify_at(st, b.cert, now + 12 * 3600), X509_V_OK);
  assert_int_equal(verify_at(st, b.cert, now + 2 * 86400),
                   X509_V_ERR_CERT_HAS_EXPIRED);
  /* notBefore is back-dated by the one-hour skew allowance, no more. */
  int days = 0, secs = 0;
  assert_int_equal(
      ASN1_TIME_diff(&days, &secs, X509_get0_notBefore(b.cert), NULL), 1);
  assert_int_equal(days, 0);
  assert_in_range(secs, 3600, 3600 + 60);
  X509_STORE_free(st);
  zb_bundle_clear(&b);
}

static void test_store_needs_crl(void **state) {
  fx *f = *state;
  char p[256];
  X509_STORE *st = (X509_STORE *)1;
  snprintf(p, sizeof p, "%s/crl.pem", f->ca);
  assert_int_equal(unlink(p), 0);
  assert_int_equal(zb_ca_load_store(f->ca, &st), ZB_ECORRUPT);
  assert_null(st);
  assert_int_equal(zb_ca_load_store(f->other, &st), ZB_ENOTFOUND);
  assert_null(st);
}

/* ---- malformed bundles ------------------------------------------------ */

/* A copy of text with the first occurrence of from replaced by to
 * (caller frees). */
static char *replaced(const char *text, const char *from, const char *to) {
  const char *at = strstr(text, from);
  assert_non_null(at);
  size_t len = strlen(text) - strlen(from) + strlen(to);
  char *out = malloc(len + 1);
  assert_non_null(out);
  size_t pre = (size_t)(at - text);
  memcpy(out, text, pre);
  memcpy(out + pre, to, strlen(to));
  memcpy(out + pre + strlen(to), at + strlen(from),
         strlen(at + strlen(from)) + 1);
  return out;
}

static void expect_refused(const char *path, const char *text, mode_t mode,
                           const char *reason) {
  zb_bundle b;
  char why[256];
  spit(path, text, mode);
  memset(&b, 0xa5, sizeof b);
  int rc = zb_bundle_read(path, &b, why, sizeof why);
  if (rc != ZB_EINVAL || strstr(why, reason) == NULL)
    fail_msg("expected ZB_EINVAL with \"%s\", got %s: \"%s\"", reason,
             zb_err_name(rc), why);
  assert_null(b.ca);
  assert_null(b.cert);
  assert_null(b.key);
}

static void test_bundle_malformed(void **state) {
  fx *f = *state;
  zb_bundle b;
  char bad[256];
  snprintf(bad, sizeof bad, "%s/bad.bundle", f->root);
  enroll_ok(f, f->bundle, "node-a", "430121-01", &b);
  zb_bundle_clear(&b);
  char *good = slurp(f->bundle, NULL);

  /* The untouched copy reads back: the edits below are what is refused. */
  spit(bad, good, 0600);
  char why[256];
  assert_int_equal(zb_bundle_read(bad, &b, why, sizeof why), 0);
  zb_bundle_clear(&b);

  /* Missing private key block. */
  char *cut = strdup(good);
  *strstr(cut, "-----BEGIN PRIVATE KEY-----") = '\0';
  expect_refused(bad, cut, 0600, "private key");
  free(cut);
  /* Missing node certificate: drop the second certificate block. */
  char *first_end = strstr(good, "-----END CERTIFICATE-----\n");
  assert_non_null(first_end);
  first_end += strlen("-----END CERTIFICATE-----\n");
  char *second_end = strstr(first_end, "-----END CERTIFICATE-----\n");
  assert_non_null(second_end);
  second_end += strlen("-----END CERTIFICATE-----\n");
  size_t keep = (size_t)(first_end - good);
  char *nocert = malloc(strlen(good) + 1);
  memcpy(nocert, good, keep);
  memcpy(nocert + keep, second_end, strlen(second_end) + 1);
  expect_refused(bad, nocert, 0600, "PEM block");
  free(nocert);

  struct {
    const char *from, *to, *reason;
  } edits[] = {
      {"server: sync.example.org:7443\n", "server: sync.example.org\n",
       "bad server value"},
      {"server: sync.example.org:7443\n", "server: a b:7443\n",
       "bad server value"},
      {"server: sync.example.org:7443\n", "", "no \"server:\" line"},
      {"node: node-a\n", "node: node-a\nnode: node-a\n", "repeated"},
      {"node: node-a\n", "node: node-b\n", "do not match"},
      {"org: 430121-01\n", "org: 430121-02\n", "do not match"},
      {"org: 430121-01\n", "org: 43012\n", "bad org value"},
      {"org: 430121-01\n", "org: 430121-01\ncolour: red\n", "unknown field"},
      {"# zhibu enrollment bundle\n", "# something else\n",
       "not a zhibu enrollment bundle"},
  };
  for (size_t i = 0; i < sizeof edits / sizeof edits[0]; i++) {
    char *t = replaced(good, edits[i].from, edits[i].to);
    expect_refused(bad, t, 0600, edits[i].reason);
    free(t);
  }

  /* A key from another enrollment does not match the certificate. */
  char path2[256];
  snprintf(path2, sizeof path2, "%s/b2.bundle", f->root);
  enroll_ok(f, path2, "node-a", "430121-01", &b);
  zb_bundle_clear(&b);
  char *good2 = slurp(path2, NULL);
  char *mixed = strdup(good);
  *strstr(mixed, "-----BEGIN PRIVATE KEY-----") = '\0';
  char *mixed2 = malloc(strlen(mixed) + strlen(good2) + 1);
  memcpy(mixed2, mixed, strlen(mixed));
  const char *key2 = strstr(good2, "-----BEGIN PRIVATE KEY-----");
  memcpy(mixed2 + strlen(mixed), key2, strlen(key2) + 1);
  expect_refused(bad, mixed2, 0600, "does not match");
  free(mixed);
  free(mixed2);
  free(good2);

  /* Group- or world-readable: refused, it holds a private key. */
  expect_refused(bad, good, 0640, "chmod 600");
  expect_refused(bad, good, 0604, "chmod 600");

  assert_int_equal(zb_bundle_read("/nonexistent/zb.bundle", &b, NULL, 0),
                   ZB_ENOTFOUND);
  free(good);
}

/* ---- identity extraction from hand-made certificates ------------------ */

static X509 *cert_with_san(const char *san) {
  EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
  X509 *x = X509_new();
  assert_non_null(k);
  assert_non_null(x);
  X509_set_version(x, X509_VERSION_3);
  X509_gmtime_adj(X509_getm_notBefore(x), 0);
  X509_gmtime_adj(X509_getm_notAfter(x), 3600);
  X509_set_pubkey(x, k);
  if (san != NULL) {
    X509V3_CTX ctx;
    X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
    X509_EXTENSION *e =
        X509V3_EXT_conf_nid(NULL, &ctx, NID_subject_alt_name, san);
    assert_non_null(e);
    X509_add_ext(x, e, -1);
    X509_EXTENSION_free(e);
  }
  assert_true(X509_sign(x, k, EVP_sha256()) > 0);
  EVP_PKEY_free(k);
  return x;
}

static int identity_of(const char *san, char *id, char *org) {
  X509 *x = cert_with_san(san);
  int rc = zb_pki_peer_identity(x, id, ZB_PKI_NODE_ID_MAX + 1, org,
                                ZB_PKI_ORG_MAX + 1);
  X509_free(x);
  return rc;
}

static void test_peer_identity(void **state) {
  (void)state;
  char id[ZB_PKI_NODE_ID_MAX + 1], org[ZB_PKI_ORG_MAX + 1];
  assert_int_equal(identity_of("DNS:x.example,URI:zhibu:org/430121-9,"
                               "URI:zhibu:node/n9,email:a@b.example",
                               id, org),
                   0);
  assert_string_equal(id, "n9");
  assert_string_equal(org, "430121-9");

  assert_int_equal(identity_of(NULL, id, org), ZB_EINVAL);
  assert_int_equal(identity_of("URI:zhibu:node/n9", id, org), ZB_EINVAL);
  assert_string_equal(id, "");
  assert_int_equal(identity_of("URI:zhibu:org/430121", id, org), ZB_EINVAL);
  assert_int_equal(identity_of("URI:zhibu:node/n9,URI:zhibu:node/n9,"
                               "URI:zhibu:org/430121",
                               id, org),
                   ZB_EINVAL);
  assert_int_equal(identity_of("URI:zhibu:node/n9,URI:zhibu:org/430121,"
                               "URI:zhibu:org/430122",
                               id, org),
                   ZB_EINVAL);
  assert_int_equal(identity_of("URI:zhibu:node/a/b,URI:zhibu:org/430121",
                               id, org),
                   ZB_EINVAL);
  assert_int_equal(identity_of("URI:zhibu:node/n9,URI:zhibu:org/4301", id,
                               org),
                   ZB_EINVAL);
  assert_int_equal(identity_of("URI:zhibu:node/,URI:zhibu:org/430121", id,
                               org),
                   ZB_EINVAL);
  /* A look-alike scheme is not an identity. */
  assert_int_equal(identity_of("URI:zhibu:nodes/n9,URI:zhibu:org/430121",
                               id, org),
                   ZB_EINVAL);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_ca_create, setup, teardown),
      cmocka_unit_test_setup_teardown(test_server_cert_sans, setup, teardown),
      cmocka_unit_test_setup_teardown(test_server_names, setup, teardown),
      cmocka_unit_test_setup_teardown(test_bundle_orgs, setup, teardown),
      cmocka_unit_test_setup_teardown(test_enroll_bundle, setup, teardown),
      cmocka_unit_test_setup_teardown(test_enroll_ipv6_server, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_enroll_bad_input, setup, teardown),
      cmocka_unit_test_setup_teardown(test_enroll_existing_out_file, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_verify_and_revoke, setup, teardown),
      cmocka_unit_test_setup_teardown(test_other_ca_refused, setup, teardown),
      cmocka_unit_test_setup_teardown(test_expired_refused, setup, teardown),
      cmocka_unit_test_setup_teardown(test_store_needs_crl, setup, teardown),
      cmocka_unit_test_setup_teardown(test_issued_scan, setup, teardown),
      cmocka_unit_test_setup_teardown(test_bundle_malformed, setup, teardown),
      cmocka_unit_test(test_peer_identity),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
