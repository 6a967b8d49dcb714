#include "zb_conn.h"

#include <arpa/inet.h>
#include <assert.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "zb_err.h"
#include "zb_frame.h"
#include "zb_log.h"

/* One socket read; libuv asks for a buffer before each read and is done
 * with it when read_cb returns, so one per connection suffices. */
#define ZB_CONN_READ_BUF (64u * 1024u)
/* Plaintext out of SSL_read: one TLS record at most. */
#define ZB_CONN_PLAIN_BUF (16u * 1024u)
/* Frames up to this size are sent as one TLS record with their header. */
#define ZB_CONN_SMALL_FRAME 4096u

enum conn_state {
  ST_NEW,        /* created, not started */
  ST_CONNECTING, /* client: TCP connect in flight */
  ST_HANDSHAKE,  /* TCP up, TLS handshake in progress */
  ST_OPEN,       /* frames flow */
  ST_CLOSING,    /* zb_conn_close() ran; waiting for shutdown/close_cb */
};

struct zb_conn {
  uv_tcp_t tcp;
  uv_timer_t timer;
  uv_connect_t connect_req;
  uv_shutdown_t shutdown_req;
  SSL *ssl;  /* owns rbio and wbio */
  BIO *rbio; /* ciphertext from the socket, read by OpenSSL */
  BIO *wbio; /* ciphertext from OpenSSL, for the socket */
  zb_conn_callbacks cb;
  void *user;
  bool server;
  enum conn_state state;
  bool reading;
  bool handles_closing;
  int handles_open; /* uv handles whose close_cb has not run yet */
  bool want_drain;
  bool corked;        /* inside on_read: what OpenSSL writes leaves at its end */
  int reason;
  zb_conn_hs_fail hs_fail;  /* set when it closes before the handshake is done */
  zb_conn_why why;          /* the first cause of an early end, for a person */
  const char *why_detail;   /* static: the library's name of it, or "" */
  bool timed_out;
  uint64_t handshake_ms, idle_ms;
  uint32_t min_rate;  /* bytes/s a frame must arrive at once idle_ms passed */
  uint64_t rx_t0;     /* loop time the bytes of the current frame began, 0: none */
  uint64_t rx_b0;     /* bytes_in then */
  size_t send_cap;
  size_t queued;
  uint64_t bytes_in, bytes_out;
  zb_frame_decoder dec;
  char peer[INET6_ADDRSTRLEN + 8];
  uint8_t rbuf[ZB_CONN_READ_BUF];
  uint8_t plain[ZB_CONN_PLAIN_BUF];
};

typedef struct write_req {
  uv_write_t req;
  zb_conn *c;
  size_t len;
  uint8_t data[];
} write_req;

static void close_handles(zb_conn *c);

/* Keeps the first cause of an early end (zb_conn_why_closed). */
static void set_why(zb_conn *c, zb_conn_why why, const char *detail) {
  if (c->why == ZB_WHY_NONE) {
    c->why = why;
    c->why_detail = detail ? detail : "";
  }
}

/* What the verify result vr of the peer's certificate tells a person. */
static zb_conn_why verify_why(long vr) {
  switch (vr) {
  case X509_V_ERR_CERT_HAS_EXPIRED:
    return ZB_WHY_CERT_EXPIRED;
  case X509_V_ERR_CERT_NOT_YET_VALID:
    return ZB_WHY_CERT_NOT_YET_VALID;
  case X509_V_ERR_CERT_REVOKED:
    return ZB_WHY_CERT_REVOKED;
  case X509_V_ERR_HOSTNAME_MISMATCH:
  case X509_V_ERR_IP_ADDRESS_MISMATCH:
    return ZB_WHY_CERT_HOST;
  case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
  case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
  case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
  case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
  case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
  case X509_V_ERR_CERT_SIGNATURE_FAILURE:
    return ZB_WHY_CERT_UNKNOWN_CA;
  default:
    return ZB_WHY_CERT_OTHER;
  }
}

/* ---- OpenSSL boundary ---------------------------------------------------- */

/* Logs and clears OpenSSL's error queue (thread-wide, so it must not leak
 * into the next connection's call): as warnings for who, as debug lines
 * when who is NULL (a client's, see CONN_WARN). */
static void log_ssl_errors(const char *who, const char *what) {
  unsigned long e;
  int n = 0;
  while ((e = ERR_get_error()) != 0) {
    if (n++ < 4) {
      char buf[256];
      ERR_error_string_n(e, buf, sizeof buf);
      if (who)
        zb_log_warn("%s: %s: %s", who, what, buf);
      else
        zb_log_debug("tls: %s: %s", what, buf);
    }
  }
}

/* A connection's trouble: a warning in a server's log, for its operator;
 * at a client, whose app tells its user why in words of its own
 * (zb_conn_why_closed), a debug line (ZHIBU_DEBUG). */
#define CONN_WARN(c, ...) ((c)->server ? zb_log_warn(__VA_ARGS__) : zb_log_debug(__VA_ARGS__))

static int client_new_session(SSL *ssl, SSL_SESSION *sess);

/* Settings every Zhibu TLS context shares, whatever its keys come from. */
static int ctx_common(SSL_CTX *ctx, bool server) {
  /* docs/PROTOCOL.md: TLS 1.3 only. */
  if (SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION) != 1 ||
      SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION) != 1)
    return ZB_ECRYPTO;
  /* Both sides authenticated by the deployment's CA (docs/PROTOCOL.md). */
  SSL_CTX_set_verify(ctx,
                     server ? SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT
                            : SSL_VERIFY_PEER,
                     NULL);
  /* One key share (X25519; P-256 is accepted too) and only the signature
   * schemes of our ECDSA P-256 certificates: a ClientHello without offers
   * nobody takes is ~40 bytes shorter, which a 2G link feels at every
   * sync. */
  if (SSL_CTX_set1_groups_list(ctx, "X25519:P-256") != 1 ||
      SSL_CTX_set1_sigalgs_list(ctx, "ECDSA+SHA256:ECDSA+SHA384") != 1 ||
      /* SHA-256 suites first: a resumption's binder and both Finished
       * messages are 16 bytes shorter each than with SHA-384. */
      SSL_CTX_set_ciphersuites(ctx, "TLS_AES_128_GCM_SHA256:TLS_CHACHA20_POLY1305_SHA256:"
                                    "TLS_AES_256_GCM_SHA384") != 1)
    return ZB_ECRYPTO;
  if (server) {
    /* No tickets until zb_tls_ctx_set_sessions() gives the context a
     * session store: without one they would be bytes for nothing. */
    SSL_CTX_set_num_tickets(ctx, 0);
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
  } else {
    /* A client keeps no sessions itself: each one the server issues goes
     * to the app (on_session), which decides where it lives. */
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
    SSL_CTX_sess_set_new_cb(ctx, client_new_session);
  }
  /* Idle connections should not hold two 16 KiB record buffers each. */
  SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
  return 0;
}

int zb_tls_ctx_new(bool server, const char *ca_file, const char *cert_file,
                   const char *key_file, const char *crl_file, SSL_CTX **out) {
  SSL_CTX *ctx = NULL;
  int rc = ZB_ECRYPTO;
  const char *what = "SSL_CTX_new";

  if (out == NULL)
    return ZB_EINVAL;
  *out = NULL;
  if (ca_file == NULL || cert_file == NULL || key_file == NULL)
    return ZB_EINVAL;
  ERR_clear_error();
  ctx = SSL_CTX_new(server ? TLS_server_method() : TLS_client_method());
  if (ctx == NULL)
    goto out;
  what = "TLS settings";
  if (ctx_common(ctx, server) != 0)
    goto out;
  what = ca_file;
  if (SSL_CTX_load_verify_locations(ctx, ca_file, NULL) != 1)
    goto out;
  what = cert_file;
  if (SSL_CTX_use_certificate_chain_file(ctx, cert_file) != 1)
    goto out;
  what = key_file;
  if (SSL_CTX_use_PrivateKey_file(ctx, key_file, SSL_FILETYPE_PEM) != 1 ||
      SSL_CTX_check_private_key(ctx) != 1)
    goto out;
  if (crl_file != NULL) {
    what = crl_file;
    X509_STORE *st = SSL_CTX_get_cert_store(ctx);
    X509_LOOKUP *lk = X509_STORE_add_lookup(st, X509_LOOKUP_file());
    if (lk == NULL || X509_load_crl_file(lk, crl_file, X509_FILETYPE_PEM) <= 0)
      goto out;
    X509_STORE_set_flags(st, X509_V_FLAG_CRL_CHECK);
  }
  *out = ctx;
  ctx = NULL;
  rc = 0;
out:
  if (rc != 0)
    log_ssl_errors("tls", what);
  SSL_CTX_free(ctx);
  return rc;
}

int zb_tls_ctx_new_mem(bool server, X509_STORE *store, X509 *cert, EVP_PKEY *key,
                       SSL_CTX **out) {
  SSL_CTX *ctx = NULL;
  int rc = ZB_ECRYPTO;
  if (out == NULL || store == NULL || cert == NULL || key == NULL) {
    X509_STORE_free(store);
    return ZB_EINVAL;
  }
  *out = NULL;
  ERR_clear_error();
  ctx = SSL_CTX_new(server ? TLS_server_method() : TLS_client_method());
  if (ctx == NULL) {
    X509_STORE_free(store);
    goto out;
  }
  SSL_CTX_set_cert_store(ctx, store);   /* the context owns it now */
  if (ctx_common(ctx, server) != 0 || SSL_CTX_use_certificate(ctx, cert) != 1 ||
      SSL_CTX_use_PrivateKey(ctx, key) != 1 || SSL_CTX_check_private_key(ctx) != 1)
    goto out;
  *out = ctx;
  ctx = NULL;
  rc = 0;
out:
  if (rc != 0)
    log_ssl_errors("tls", "certificate and key in memory");
  SSL_CTX_free(ctx);
  return rc;
}

void zb_tls_ctx_free(SSL_CTX *ctx) { SSL_CTX_free(ctx); }

/* ---- resumption ------------------------------------------------------------
 *
 * The server keeps the sessions (TLS 1.3 "stateful" tickets: the ticket a
 * node holds is only the session's id, ~100 bytes on the wire, where a
 * self-contained ticket would carry the node's certificate both ways).
 * The store belongs to the app and outlives contexts: the server rebuilds
 * its context when the CRL changes, and a session issued under the old one
 * resumes under the new one only if its certificate passes the new CRL.
 * Every lookup checks the session's peer certificate against the context's
 * store — CA, CRL, validity — at the current time, exactly as a full
 * handshake would; a certificate that fails is not resumed, the handshake
 * goes on as a full one, and the full one refuses it with its reason.
 */

struct zb_tls_sessions {
  SSL_SESSION **slot;   /* a ring: the oldest is overwritten when full */
  size_t cap, next, count;
  unsigned lifetime_s;
};

static int sessions_index = -1;

static int sessions_ex_index(void) {
  if (sessions_index < 0)
    sessions_index = SSL_CTX_get_ex_new_index(0, NULL, NULL, NULL, NULL);
  return sessions_index;
}

zb_tls_sessions *zb_tls_sessions_new(size_t cap, unsigned lifetime_s) {
  zb_tls_sessions *st = calloc(1, sizeof *st);
  if (st == NULL)
    return NULL;
  st->slot = calloc(cap ? cap : 1, sizeof *st->slot);
  if (st->slot == NULL) {
    free(st);
    return NULL;
  }
  st->cap = cap ? cap : 1;
  st->lifetime_s = lifetime_s;
  return st;
}

void zb_tls_sessions_free(zb_tls_sessions *st) {
  if (st == NULL)
    return;
  for (size_t i = 0; i < st->cap; i++)
    SSL_SESSION_free(st->slot[i]);
  free(st->slot);
  free(st);
}

size_t zb_tls_sessions_count(const zb_tls_sessions *st) { return st->count; }

static size_t sessions_find(const zb_tls_sessions *st, const unsigned char *id,
                            unsigned int len) {
  for (size_t i = 0; i < st->cap; i++) {
    if (st->slot[i] == NULL)
      continue;
    unsigned int l;
    const unsigned char *sid = SSL_SESSION_get_id(st->slot[i], &l);
    if (l == len && memcmp(sid, id, len) == 0)
      return i;
  }
  return st->cap;
}

static void sessions_drop(zb_tls_sessions *st, size_t i) {
  SSL_SESSION_free(st->slot[i]);
  st->slot[i] = NULL;
  st->count--;
}

static zb_tls_sessions *sessions_of(SSL_CTX *ctx) {
  return SSL_CTX_get_ex_data(ctx, sessions_ex_index());
}

/* OpenSSL hands over a new session; returning 1 keeps its reference. */
static int server_new_session(SSL *ssl, SSL_SESSION *sess) {
  zb_tls_sessions *st = sessions_of(SSL_get_SSL_CTX(ssl));
  if (st == NULL)
    return 0;
  if (st->slot[st->next] != NULL)
    sessions_drop(st, st->next);
  st->slot[st->next] = sess;
  st->next = (st->next + 1) % st->cap;
  st->count++;
  return 1;
}

static void server_remove_session(SSL_CTX *ctx, SSL_SESSION *sess) {
  zb_tls_sessions *st = sessions_of(ctx);
  if (st == NULL)
    return;
  for (size_t i = 0; i < st->cap; i++)
    if (st->slot[i] == sess)
      sessions_drop(st, i);
}

/* Whether cert passes the store of ctx now, for a TLS client's purpose
 * (the server resumes only nodes).  why gets the reason when not. */
static bool still_valid(SSL_CTX *ctx, X509 *cert, const char **why) {
  X509_STORE_CTX *vc = X509_STORE_CTX_new();
  bool ok = false;
  *why = "out of memory";
  if (vc != NULL && X509_STORE_CTX_init(vc, SSL_CTX_get_cert_store(ctx), cert, NULL) == 1 &&
      X509_STORE_CTX_set_default(vc, "ssl_client") == 1 &&
      X509_VERIFY_PARAM_set1(X509_STORE_CTX_get0_param(vc), SSL_CTX_get0_param(ctx)) == 1) {
    ok = X509_verify_cert(vc) == 1;
    if (!ok)
      *why = X509_verify_cert_error_string(X509_STORE_CTX_get_error(vc));
  }
  X509_STORE_CTX_free(vc);
  ERR_clear_error();
  return ok;
}

static SSL_SESSION *server_get_session(SSL *ssl, const unsigned char *id, int len, int *copy) {
  SSL_CTX *ctx = SSL_get_SSL_CTX(ssl);
  zb_tls_sessions *st = sessions_of(ctx);
  *copy = 0;
  if (st == NULL || len <= 0)
    return NULL;
  size_t i = sessions_find(st, id, (unsigned int)len);
  if (i == st->cap)
    return NULL;
  SSL_SESSION *sess = st->slot[i];
  /* A ticket is used once: the resumed session gets a new one. */
  st->slot[i] = NULL;
  st->count--;
  zb_conn *c = SSL_get_app_data(ssl);
  const char *why = "expired";
  X509 *peer = SSL_SESSION_get0_peer(sess);
  uint64_t now = (uint64_t)time(NULL);
  if (now > (uint64_t)SSL_SESSION_get_time(sess) + (uint64_t)SSL_SESSION_get_timeout(sess) ||
      peer == NULL || !still_valid(ctx, peer, &why)) {
    zb_log_warn("%s: not resuming the session: certificate refused: %s",
                c != NULL ? c->peer : "?", peer == NULL ? "none" : why);
    SSL_SESSION_free(sess);
    return NULL;
  }
  return sess;   /* our reference goes to OpenSSL (*copy = 0) */
}

int zb_tls_ctx_set_sessions(SSL_CTX *ctx, zb_tls_sessions *st) {
  static const unsigned char sid_ctx[] = "zhibu-sync";
  if (ctx == NULL || st == NULL || sessions_ex_index() < 0)
    return ZB_EINVAL;
  if (SSL_CTX_set_ex_data(ctx, sessions_ex_index(), st) != 1 ||
      SSL_CTX_set_session_id_context(ctx, sid_ctx, sizeof sid_ctx - 1) != 1)
    return ZB_ECRYPTO;
  /* Stateful tickets: the ticket is the session's id. */
  SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
  SSL_CTX_set_num_tickets(ctx, 1);
  SSL_CTX_set_timeout(ctx, (long)st->lifetime_s);
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_SERVER | SSL_SESS_CACHE_NO_INTERNAL);
  SSL_CTX_sess_set_new_cb(ctx, server_new_session);
  SSL_CTX_sess_set_remove_cb(ctx, server_remove_session);
  SSL_CTX_sess_set_get_cb(ctx, server_get_session);
  return 0;
}

/* A client learnt a session (a TLS 1.3 ticket arrives after the
 * handshake, while reading): the app gets it serialized. */
static int client_new_session(SSL *ssl, SSL_SESSION *sess) {
  zb_conn *c = SSL_get_app_data(ssl);
  if (c == NULL || c->cb.on_session == NULL || !SSL_SESSION_is_resumable(sess))
    return 0;
  int len = i2d_SSL_SESSION(sess, NULL);
  if (len <= 0)
    return 0;
  unsigned char *der = malloc((size_t)len), *p = der;
  if (der != NULL && i2d_SSL_SESSION(sess, &p) == len)
    c->cb.on_session(c, der, (size_t)len);
  free(der);
  return 0;   /* we keep no reference */
}

int zb_conn_offer_session(zb_conn *c, const uint8_t *der, size_t len) {
  if (c->server || c->state != ST_NEW || der == NULL || len == 0 || len > LONG_MAX)
    return ZB_EINVAL;
  const unsigned char *p = der;
  SSL_SESSION *sess = d2i_SSL_SESSION(NULL, &p, (long)len);
  int rc = ZB_EINVAL;
  if (sess != NULL && p == der + len && SSL_SESSION_is_resumable(sess)) {
    /* The server's lifetime for its ticket, when it said one. */
    uint64_t life = (uint64_t)SSL_SESSION_get_timeout(sess);
    uint64_t hint = SSL_SESSION_get_ticket_lifetime_hint(sess);
    if (hint && hint < life)
      life = hint;
    if ((uint64_t)time(NULL) < (uint64_t)SSL_SESSION_get_time(sess) + life)
      rc = SSL_set_session(c->ssl, sess) == 1 ? 0 : ZB_ECRYPTO;
  }
  SSL_SESSION_free(sess);
  ERR_clear_error();
  return rc;
}

bool zb_conn_resumed(const zb_conn *c) { return SSL_session_reused(c->ssl) == 1; }

zb_conn_hs_fail zb_conn_handshake_failure(const zb_conn *c) { return c->hs_fail; }

zb_conn_why zb_conn_why_closed(const zb_conn *c, const char **detail) {
  if (detail)
    *detail = c->why_detail ? c->why_detail : "";
  return c->why;
}

/*
 * Maps a failed SSL_* call (its SSL_get_error() value e) to a close reason
 * and logs why.  The certificate cases are told apart from plain garbage so
 * that an operator sees "refused" for a stranger and "protocol" for noise.
 */
static int ssl_failure(zb_conn *c, int e, const char *what) {
  int rc;
  if (e == SSL_ERROR_SSL) {
    unsigned long err = ERR_peek_last_error();
    int why = ERR_GET_REASON(err);
    long vr = SSL_get_verify_result(c->ssl);
    bool ssl_lib = ERR_GET_LIB(err) == ERR_LIB_SSL;
    if (vr != X509_V_OK) {
      CONN_WARN(c, "%s: %s: certificate refused: %s", c->peer, what,
                  X509_verify_cert_error_string(vr));
      rc = ZB_EREFUSED;
      c->hs_fail = vr == X509_V_ERR_CERT_REVOKED ? ZB_HS_REVOKED : ZB_HS_BAD_CERT;
      set_why(c, verify_why(vr), X509_verify_cert_error_string(vr));
    } else if (ssl_lib && why == SSL_R_SSLV3_ALERT_CERTIFICATE_REVOKED) {
      /* The server found our certificate in its CRL: a replaced PC. */
      rc = ZB_EREVOKED;
      c->hs_fail = ZB_HS_REVOKED;
      set_why(c, ZB_WHY_OURS_REVOKED, NULL);
    } else if (ssl_lib && why == SSL_R_SSLV3_ALERT_CERTIFICATE_EXPIRED) {
      rc = ZB_EREFUSED;
      c->hs_fail = ZB_HS_BAD_CERT;
      set_why(c, ZB_WHY_OURS_EXPIRED, NULL);
    } else if (ssl_lib && (why == SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE ||
                           why == SSL_R_CERTIFICATE_VERIFY_FAILED ||
                           why == SSL_AD_REASON_OFFSET + SSL_AD_BAD_CERTIFICATE ||
                           why == SSL_AD_REASON_OFFSET + SSL_AD_UNKNOWN_CA ||
                           why == SSL_AD_REASON_OFFSET + SSL_AD_CERTIFICATE_EXPIRED ||
                           why == SSL_AD_REASON_OFFSET + SSL_AD_CERTIFICATE_REQUIRED)) {
      rc = ZB_EREFUSED;
      c->hs_fail = ZB_HS_BAD_CERT;
      set_why(c, ZB_WHY_OURS_REFUSED, NULL);
    } else if (ssl_lib && why >= SSL_AD_REASON_OFFSET) { /* another alert from the peer */
      rc = ZB_EREFUSED;
      c->hs_fail = ZB_HS_TLS;
      set_why(c, ZB_WHY_TLS, NULL);
    } else {
      rc = ZB_EPROTO;
      c->hs_fail = ZB_HS_TLS;
      set_why(c, ZB_WHY_TLS, NULL);
    }
  } else {
    /* SYSCALL or WANT_WRITE cannot come from memory BIOs: a local fault. */
    CONN_WARN(c, "%s: %s: unexpected SSL error %d", c->peer, what, e);
    rc = ZB_ECRYPTO;
    c->hs_fail = ZB_HS_LOCAL;
  }
  log_ssl_errors(c->server ? c->peer : NULL, what);
  return rc;
}

/* ---- writing ------------------------------------------------------------- */

static void on_write(uv_write_t *req, int status) {
  write_req *w = (write_req *)req;
  zb_conn *c = w->c;
  size_t len = w->len;
  c->queued -= len;
  free(w);
  if (status < 0) {
    if (status != UV_ECANCELED && c->state != ST_CLOSING) {
      CONN_WARN(c, "%s: write: %s", c->peer, uv_strerror(status));
      zb_conn_close(c, ZB_EUNREACH);
    }
    return;
  }
  c->bytes_out += len;
  if (c->state == ST_OPEN) {
    uv_timer_again(&c->timer);
    if (c->want_drain && c->queued == 0) {
      c->want_drain = false;
      if (c->cb.on_drain != NULL)
        c->cb.on_drain(c);
    }
  }
}

/*
 * Moves everything OpenSSL wrote into the write BIO to the socket.  Called
 * after every SSL_* call, so handshake messages, alerts and close_notify
 * leave even when no application data does.
 */
static int flush(zb_conn *c) {
  size_t n = BIO_ctrl_pending(c->wbio);
  if (n == 0)
    return 0;
  if (c->handles_closing) {
    /* The socket is gone; what OpenSSL produced has nowhere to go. */
    (void)BIO_reset(c->wbio);
    return 0;
  }
  assert(n <= INT_MAX);
  write_req *w = malloc(sizeof *w + n);
  if (w == NULL) {
    (void)BIO_reset(c->wbio);
    return ZB_ENOMEM;
  }
  int got = BIO_read(c->wbio, w->data, (int)n);
  assert(got == (int)n);
  w->c = c;
  w->len = (size_t)got;
  uv_buf_t b = uv_buf_init((char *)w->data, (unsigned)got);
  int rc = uv_write(&w->req, (uv_stream_t *)&c->tcp, &b, 1, on_write);
  if (rc < 0) {
    free(w);
    CONN_WARN(c, "%s: write: %s", c->peer, uv_strerror(rc));
    return ZB_EUNREACH;
  }
  c->queued += w->len;
  return 0;
}

/* Flushes now, or — while corked, i.e. inside on_read — once everything
 * the peer's bytes caused has been written: a client's Finished, Hello and
 * pull request, or an ack and close_notify, leave in one write (one TCP
 * segment where they fit) instead of one each.  Alerts never wait. */
static int flush_soon(zb_conn *c) { return c->corked ? 0 : flush(c); }

/* SSL_write of len bytes, then flush; closes c on failure. */
static int tls_write(zb_conn *c, const void *data, size_t len) {
  assert(len <= INT_MAX);
  ERR_clear_error();
  int r = SSL_write(c->ssl, data, (int)len);
  int e = r > 0 ? SSL_ERROR_NONE : SSL_get_error(c->ssl, r);
  int rc = r > 0 ? flush_soon(c) : flush(c);
  if (r <= 0) {
    rc = ssl_failure(c, e, "write");
  } else if ((size_t)r != len) {
    /* Partial writes are off and a memory BIO never refuses bytes. */
    CONN_WARN(c, "%s: write: short TLS write", c->peer);
    rc = ZB_ECRYPTO;
  }
  if (rc != 0)
    zb_conn_close(c, rc);
  return rc;
}

static int send_check(zb_conn *c, size_t len, size_t extra) {
  if (c->state == ST_CLOSING)
    return ZB_EUNREACH;
  if (c->state != ST_OPEN || len == 0)
    return ZB_EINVAL;
  if (len > ZB_FRAME_MAX || len + extra > c->send_cap)
    return ZB_ETOOBIG;
  if (c->queued + BIO_ctrl_pending(c->wbio) + len + extra > c->send_cap) {
    c->want_drain = true;
    return ZB_EBUSY;
  }
  return 0;
}

int zb_conn_send(zb_conn *c, const void *payload, size_t len) {
  int rc = send_check(c, len, ZB_FRAME_HDR);
  if (rc != 0)
    return rc;
  if (len <= ZB_CONN_SMALL_FRAME - ZB_FRAME_HDR) {
    /* One record for header and payload: small frames are the common case
     * and a separate 4-byte record would cost 22 bytes of TLS overhead. */
    uint8_t tmp[ZB_CONN_SMALL_FRAME];
    rc = zb_frame_write_header(tmp, len);
    assert(rc == 0);
    memcpy(tmp + ZB_FRAME_HDR, payload, len);
    return tls_write(c, tmp, ZB_FRAME_HDR + len);
  }
  uint8_t hdr[ZB_FRAME_HDR];
  rc = zb_frame_write_header(hdr, len);
  assert(rc == 0);
  rc = tls_write(c, hdr, sizeof hdr);
  if (rc != 0)
    return rc;
  return tls_write(c, payload, len);
}

int zb__conn_send_unframed(zb_conn *c, const void *data, size_t len) {
  int rc = send_check(c, len, 0);
  if (rc != 0)
    return rc;
  return tls_write(c, data, len);
}

/* ---- reading ------------------------------------------------------------- */

static int on_payload(void *user, const uint8_t *payload, size_t len) {
  zb_conn *c = user;
  c->rx_t0 = 0;   /* a whole frame: the rate counts afresh from the next byte */
  if (c->cb.on_frame != NULL)
    c->cb.on_frame(c, payload, len);
  /* The app may have closed c from on_frame: stop delivering. */
  return c->state == ST_OPEN ? 0 : 1;
}

/* Handshake step; true when the connection is open afterwards. */
static bool handshake(zb_conn *c) {
  ERR_clear_error();
  int r = SSL_do_handshake(c->ssl);
  int e = r == 1 ? SSL_ERROR_NONE : SSL_get_error(c->ssl, r);
  /* ClientHello, server flight, or an alert (at once) */
  int frc = r == 1 || e == SSL_ERROR_WANT_READ ? flush_soon(c) : flush(c);
  if (r != 1) {
    if (e == SSL_ERROR_WANT_READ) {
      if (frc != 0)
        zb_conn_close(c, frc);
      return false;
    }
    zb_conn_close(c, ssl_failure(c, e, "handshake"));
    return false;
  }
  if (frc != 0) {
    zb_conn_close(c, frc);
    return false;
  }
  /* Belt and braces: the verify mode already requires both. */
  X509 *peer = SSL_get0_peer_certificate(c->ssl);
  if (peer == NULL || SSL_get_verify_result(c->ssl) != X509_V_OK) {
    CONN_WARN(c, "%s: handshake: no verified peer certificate", c->peer);
    zb_conn_close(c, ZB_EREFUSED);
    return false;
  }
  c->state = ST_OPEN;
  return true;
}

static void on_timer(uv_timer_t *t);

static void process(zb_conn *c) {
  if (c->state == ST_HANDSHAKE) {
    if (!handshake(c))
      return;
    /* From now on the idle timer, re-armed by every read and write. */
    uv_timer_start(&c->timer, on_timer, c->idle_ms, c->idle_ms);
    zb_log_debug("%s: TLS 1.3 session up", c->peer);
    if (c->cb.on_handshake != NULL)
      c->cb.on_handshake(c, SSL_get0_peer_certificate(c->ssl));
    if (c->state != ST_OPEN)
      return;
  }
  while (c->state == ST_OPEN) {
    ERR_clear_error();
    int r = SSL_read(c->ssl, c->plain, sizeof c->plain);
    int e = r > 0 ? SSL_ERROR_NONE : SSL_get_error(c->ssl, r);
    int frc = flush_soon(c); /* e.g. a KeyUpdate answer */
    if (frc != 0) {
      zb_conn_close(c, frc);
      return;
    }
    if (r > 0) {
      int drc = zb_frame_decoder_feed(&c->dec, c->plain, (size_t)r);
      if (c->state != ST_OPEN)
        return; /* closed from on_frame */
      if (drc != 0) {
        CONN_WARN(c, "%s: bad frame: %s", c->peer, zb_strerror(drc));
        zb_conn_close(c, drc);
        return;
      }
      continue;
    }
    if (e == SSL_ERROR_WANT_READ)
      return;
    if (e == SSL_ERROR_ZERO_RETURN) {
      /* close_notify.  Half a frame before it is the peer's fault. */
      if (!zb_frame_decoder_idle(&c->dec)) {
        CONN_WARN(c, "%s: closed inside a frame", c->peer);
        zb_conn_close(c, ZB_EPROTO);
      } else {
        zb_conn_close(c, 0);
      }
      return;
    }
    zb_conn_close(c, ssl_failure(c, e, "read"));
    return;
  }
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf) {
  zb_conn *c = h->data;
  (void)suggested;
  *buf = uv_buf_init((char *)c->rbuf, sizeof c->rbuf);
}

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf) {
  zb_conn *c = s->data;
  if (nread == 0 || c->state == ST_CLOSING)
    return;
  if (nread < 0) {
    if (nread == UV_EOF)
      CONN_WARN(c, "%s: connection closed without close_notify", c->peer);
    else
      CONN_WARN(c, "%s: read: %s", c->peer, uv_strerror((int)nread));
    set_why(c, ZB_WHY_PEER_GONE, nread == UV_EOF ? "" : uv_err_name((int)nread));
    zb_conn_close(c, ZB_EUNREACH);
    return;
  }
  uint64_t now = uv_now(s->loop);
  if (c->state == ST_OPEN && c->rx_t0 == 0) {
    c->rx_t0 = now;
    c->rx_b0 = c->bytes_in;
  }
  c->bytes_in += (uint64_t)nread;
  if (c->state == ST_OPEN)
    uv_timer_again(&c->timer);
  /* A memory BIO grows without bound, but it is emptied by process()
   * below before the next read, so it never holds more than one read. */
  if (BIO_write(c->rbio, buf->base, (int)nread) != (int)nread) {
    log_ssl_errors(c->server ? c->peer : NULL, "BIO_write");
    zb_conn_close(c, ZB_ENOMEM);
    return;
  }
  c->corked = true;
  process(c);
  c->corked = false;
  if (!c->handles_closing) {
    int frc = flush(c);
    if (frc != 0) {
      zb_conn_close(c, frc);
      return;
    }
  }
  /* A peer that keeps the idle timer alive with a byte now and then, but
   * never finishes a frame, holds a buffer for nothing: once idle_ms has
   * passed since the frame's first byte, it must have come at min_rate. */
  if (c->state == ST_OPEN && c->rx_t0 && c->min_rate && now - c->rx_t0 > c->idle_ms) {
    uint64_t need = (now - c->rx_t0 - c->idle_ms) * c->min_rate / 1000;
    uint64_t got = c->bytes_in - c->rx_b0;
    if (got < need) {
      CONN_WARN(c, "%s: too slow: %llu bytes in %.1f s", c->peer, (unsigned long long)got,
                  (double)(now - c->rx_t0) / 1000.0);
      set_why(c, ZB_WHY_IDLE_TIMEOUT, NULL);
      zb_conn_close(c, ZB_EUNREACH);
    }
  }
}

static int start_reading(zb_conn *c) {
  int rc = uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read);
  if (rc < 0) {
    CONN_WARN(c, "%s: read: %s", c->peer, uv_strerror(rc));
    return ZB_EUNREACH;
  }
  c->reading = true;
  return 0;
}

/* ---- timers, closing ----------------------------------------------------- */

static void on_timer(uv_timer_t *t) {
  zb_conn *c = t->data;
  switch (c->state) {
  case ST_CLOSING:
    /* The peer did not take our close_notify in time. */
    close_handles(c);
    return;
  case ST_NEW:
  case ST_CONNECTING:
  case ST_HANDSHAKE:
    CONN_WARN(c, "%s: handshake timed out", c->peer);
    set_why(c, ZB_WHY_HANDSHAKE_TIMEOUT, NULL);
    c->timed_out = true;
    zb_conn_close(c, ZB_EUNREACH);
    return;
  case ST_OPEN:
    CONN_WARN(c, "%s: idle timeout", c->peer);
    set_why(c, ZB_WHY_IDLE_TIMEOUT, NULL);
    zb_conn_close(c, ZB_EUNREACH);
    return;
  }
}

static void on_handle_closed(uv_handle_t *h) {
  zb_conn *c = h->data;
  if (--c->handles_open > 0)
    return;
  /* Every request has completed (libuv cancels them before close_cb), so
   * nothing refers to c any more. */
  assert(c->queued == 0);
  if (c->cb.on_close != NULL)
    c->cb.on_close(c, c->reason);
  zb_frame_decoder_fini(&c->dec);
  /* OpenSSL forgets the session of a connection freed without a clean
   * shutdown (against truncation, a TLS 1.2 worry); here every frame
   * carries its length and nothing counts until acknowledged, and a node
   * whose link was cut is just the one that needs a cheap reconnect. */
  SSL_set_shutdown(c->ssl, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
  SSL_free(c->ssl);
  free(c);
}

static void close_handles(zb_conn *c) {
  if (c->handles_closing)
    return;
  c->handles_closing = true;
  uv_timer_stop(&c->timer);
  uv_close((uv_handle_t *)&c->timer, on_handle_closed);
  uv_close((uv_handle_t *)&c->tcp, on_handle_closed);
}

static void on_shutdown(uv_shutdown_t *req, int status) {
  zb_conn *c = req->data;
  (void)status;
  close_handles(c);
}

void zb_conn_close(zb_conn *c, int reason) {
  if (c == NULL || c->state == ST_CLOSING)
    return;
  enum conn_state prev = c->state;
  c->state = ST_CLOSING;
  c->reason = reason;
  /* Only a handshake that ran can have failed: ssl_failure has told the
   * certificate and TLS cases apart; the rest by the close's reason.  A
   * failure of an open connection is no handshake failure. */
  if (prev == ST_HANDSHAKE || prev == ST_CONNECTING) {
    if (c->timed_out)
      c->hs_fail = ZB_HS_TIMEOUT;
    else if (c->hs_fail == ZB_HS_NONE)
      c->hs_fail = reason == ZB_EREFUSED  ? ZB_HS_BAD_CERT
                   : reason == ZB_EPROTO  ? ZB_HS_TLS
                   : reason == ZB_ENOMEM || reason == ZB_ECRYPTO ? ZB_HS_LOCAL
                                          : ZB_HS_CLOSED;
  } else {
    c->hs_fail = ZB_HS_NONE;
  }
  if (c->reading) {
    uv_read_stop((uv_stream_t *)&c->tcp);
    c->reading = false;
  }
  if (reason == 0 && prev == ST_OPEN) {
    /* Clean close: close_notify, then let the queue drain, under a timer. */
    ERR_clear_error();
    (void)SSL_shutdown(c->ssl);
    ERR_clear_error();
    c->shutdown_req.data = c;
    if (flush(c) == 0 && uv_shutdown(&c->shutdown_req, (uv_stream_t *)&c->tcp,
                                     on_shutdown) == 0) {
      uv_timer_start(&c->timer, on_timer, c->handshake_ms, 0);
      return;
    }
  }
  close_handles(c);
}

/* ---- setup --------------------------------------------------------------- */

zb_conn *zb_conn_new(uv_loop_t *loop, SSL_CTX *ctx, bool server,
                     const zb_conn_callbacks *cb, void *user) {
  zb_conn *c = calloc(1, sizeof *c);
  if (c == NULL)
    return NULL;
  ERR_clear_error();
  c->ssl = SSL_new(ctx);
  BIO *rbio = BIO_new(BIO_s_mem());
  BIO *wbio = BIO_new(BIO_s_mem());
  if (c->ssl == NULL || rbio == NULL || wbio == NULL) {
    log_ssl_errors("tls", "SSL_new");
    BIO_free(rbio);
    BIO_free(wbio);
    SSL_free(c->ssl);
    free(c);
    return NULL;
  }
  SSL_set_app_data(c->ssl, c);
  /* An empty read BIO means "more to come", not end of stream. */
  BIO_set_mem_eof_return(rbio, -1);
  SSL_set_bio(c->ssl, rbio, wbio);
  c->rbio = rbio;
  c->wbio = wbio;
  if (server)
    SSL_set_accept_state(c->ssl);
  else
    SSL_set_connect_state(c->ssl);
  if (uv_tcp_init(loop, &c->tcp) != 0) {
    SSL_free(c->ssl);
    free(c);
    return NULL;
  }
  /* uv_timer_init cannot fail (it only links the handle into the loop). */
  int rc = uv_timer_init(loop, &c->timer);
  assert(rc == 0);
  (void)rc;
  c->tcp.data = c;
  c->timer.data = c;
  c->connect_req.data = c;
  c->handles_open = 2;
  if (cb != NULL)
    c->cb = *cb;
  c->user = user;
  c->server = server;
  c->state = ST_NEW;
  c->handshake_ms = ZB_CONN_HANDSHAKE_MS;
  c->idle_ms = ZB_CONN_IDLE_MS;
  c->send_cap = ZB_CONN_SEND_CAP;
  zb_frame_decoder_init(&c->dec, ZB_FRAME_MAX, on_payload, c);
  snprintf(c->peer, sizeof c->peer, "?");
  return c;
}

void zb_conn_set_timeouts(zb_conn *c, uint64_t handshake_ms, uint64_t idle_ms) {
  if (handshake_ms != 0)
    c->handshake_ms = handshake_ms;
  if (idle_ms != 0)
    c->idle_ms = idle_ms;
}

void zb_conn_set_min_rate(zb_conn *c, uint32_t bytes_per_s) { c->min_rate = bytes_per_s; }

void zb_conn_set_send_cap(zb_conn *c, size_t cap) {
  if (cap != 0)
    c->send_cap = cap;
}

void zb_conn_set_max_frame(zb_conn *c, size_t max) {
  /* Nothing is buffered before the connection starts, so re-init is safe. */
  if (c->state == ST_NEW)
    zb_frame_decoder_init(&c->dec, max, on_payload, c);
}

static void name_peer(zb_conn *c, const struct sockaddr *sa) {
  char host[INET6_ADDRSTRLEN] = "?";
  int port = 0;
  if (sa->sa_family == AF_INET) {
    const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
    uv_ip4_name(in, host, sizeof host);
    port = ntohs(in->sin_port);
  } else if (sa->sa_family == AF_INET6) {
    const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
    uv_ip6_name(in6, host, sizeof host);
    port = ntohs(in6->sin6_port);
  }
  snprintf(c->peer, sizeof c->peer, "%s:%d", host, port);
}

int zb_conn_accept(zb_conn *c, uv_stream_t *listener) {
  if (!c->server || c->state != ST_NEW)
    return ZB_EINVAL;
  int rc = uv_accept(listener, (uv_stream_t *)&c->tcp);
  if (rc < 0) {
    zb_log_warn("accept: %s", uv_strerror(rc));
    return ZB_EUNREACH;
  }
  struct sockaddr_storage ss;
  int sslen = sizeof ss;
  if (uv_tcp_getpeername(&c->tcp, (struct sockaddr *)&ss, &sslen) == 0)
    name_peer(c, (struct sockaddr *)&ss);
  (void)uv_tcp_nodelay(&c->tcp, 1);
  rc = start_reading(c);
  if (rc != 0)
    return rc;
  c->state = ST_HANDSHAKE;
  uv_timer_start(&c->timer, on_timer, c->handshake_ms, 0);
  return 0;
}

static void on_connect(uv_connect_t *req, int status) {
  zb_conn *c = req->data;
  if (c->state != ST_CONNECTING)
    return; /* closed meanwhile; status is UV_ECANCELED */
  if (status < 0) {
    CONN_WARN(c, "%s: connect: %s", c->peer, uv_strerror(status));
    set_why(c, status == UV_ECONNREFUSED ? ZB_WHY_CONNECT_REFUSED : ZB_WHY_CONNECT_FAILED,
            uv_err_name(status));
    zb_conn_close(c, ZB_EUNREACH);
    return;
  }
  (void)uv_tcp_nodelay(&c->tcp, 1);
  int rc = start_reading(c);
  if (rc != 0) {
    zb_conn_close(c, rc);
    return;
  }
  c->state = ST_HANDSHAKE;
  process(c); /* sends the ClientHello */
}

int zb_conn_connect(zb_conn *c, const struct sockaddr *addr,
                    const char *hostname) {
  if (c->server || c->state != ST_NEW || addr == NULL || hostname == NULL ||
      hostname[0] == '\0')
    return ZB_EINVAL;
  unsigned char ip[16];
  ERR_clear_error();
  if (inet_pton(AF_INET, hostname, ip) == 1 ||
      inet_pton(AF_INET6, hostname, ip) == 1) {
    if (X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(c->ssl), hostname) != 1) {
      log_ssl_errors("tls", "server address");
      return ZB_ECRYPTO;
    }
  } else {
    SSL_set_hostflags(c->ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    if (SSL_set_tlsext_host_name(c->ssl, hostname) != 1 ||
        SSL_set1_host(c->ssl, hostname) != 1) {
      log_ssl_errors("tls", "server name");
      return ZB_EINVAL;
    }
  }
  name_peer(c, addr);
  int rc = uv_tcp_connect(&c->connect_req, &c->tcp, addr, on_connect);
  if (rc < 0) {
    CONN_WARN(c, "%s: connect: %s", c->peer, uv_strerror(rc));
    return ZB_EUNREACH;
  }
  c->state = ST_CONNECTING;
  uv_timer_start(&c->timer, on_timer, c->handshake_ms, 0);
  return 0;
}

/* ---- accessors ----------------------------------------------------------- */

void *zb_conn_user(const zb_conn *c) { return c->user; }
const char *zb_conn_peer_name(const zb_conn *c) { return c->peer; }
uint64_t zb_conn_bytes_in(const zb_conn *c) { return c->bytes_in; }
uint64_t zb_conn_bytes_out(const zb_conn *c) { return c->bytes_out; }
size_t zb_conn_queued(const zb_conn *c) { return c->queued; }
