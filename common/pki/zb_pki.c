/*
 * zb_pki.c — node ids, server addresses and the identity a verified
 * certificate names (zb_pki.h).  The CA lives in zb_ca.c, the enrollment
 * bundle in zb_bundle.c, PEM files in zb_pem.c.
 */
#include "zb_pki.h"

#include <string.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "zb_err.h"
#include "zb_record.h"

static bool is_alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9');
}

int zb_pki_node_id_valid(const char *id) { return id != NULL && zb_node_id_valid(id); }

bool zb_pki_dns_name_valid(const char *s, size_t len) {
  if (len < 1 || len > ZB_PKI_DNS_NAME_MAX || s[0] == '-' || s[0] == '.')
    return false;
  for (size_t i = 0; i < len; i++)
    if (!is_alnum(s[i]) && s[i] != '-' && s[i] != '.')
      return false;
  return true;
}

ASN1_OCTET_STRING *zb_pki_ip_literal(const char *s) {
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
    ASN1_OCTET_STRING *ip = zb_pki_ip_literal(host);
    bool ok = ip != NULL && ASN1_STRING_length(ip) == 16;
    ASN1_OCTET_STRING_free(ip);
    return ok;
  }
  memcpy(host, addr, hlen);
  host[hlen] = '\0';
  return zb_pki_dns_name_valid(host, hlen);
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
