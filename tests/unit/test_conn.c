/*
 * test_conn.c — TLS 1.3 connections over libuv, in one process and one
 * loop on 127.0.0.1 with an ephemeral port.  A throwaway PKI is made with
 * the openssl command-line tool in a temporary directory: the deployment's
 * CA with a server certificate (SAN localhost, 127.0.0.1) and a client one,
 * and a stranger CA with its own client certificate.  Every wait runs under
 * a 10 s guard timer.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <uv.h>

#include "zb_conn.h"
#include "zb_err.h"
#include "zb_frame.h"

static uv_loop_t loop;
static char dir[64];
static SSL_CTX *srv_ctx, *cli_ctx, *stranger_ctx;
static uv_tcp_t listener;
static struct sockaddr_in srv_addr;

/* ---- server side: echoes every frame --------------------------------- */

static struct {
  int handshakes, closes, frames;
  int reasons[16];
  bool cn_ok;
  uint64_t handshake_ms;
  zb_conn *last;
} srv;

static void peer_cn(X509 *peer, char *out, size_t n) {
  out[0] = '\0';
  X509_NAME_get_text_by_NID(X509_get_subject_name(peer), NID_commonName, out,
                            (int)n);
}

static void srv_on_handshake(zb_conn *c, X509 *peer) {
  (void)c;
  char cn[64];
  peer_cn(peer, cn, sizeof cn);
  srv.cn_ok = strcmp(cn, "client") == 0;
  srv.handshakes++;
}

static void srv_on_frame(zb_conn *c, const uint8_t *p, size_t len) {
  srv.frames++;
  assert_int_equal(zb_conn_send(c, p, len), 0);
}

static void srv_on_close(zb_conn *c, int reason) {
  if (srv.last == c)
    srv.last = NULL;
  if (srv.closes < 16)
    srv.reasons[srv.closes] = reason;
  srv.closes++;
}

static const zb_conn_callbacks srv_cb = {
    .on_handshake = srv_on_handshake,
    .on_frame = srv_on_frame,
    .on_close = srv_on_close,
};

static void on_connection(uv_stream_t *l, int status) {
  assert_int_equal(status, 0);
  zb_conn *c = zb_conn_new(&loop, srv_ctx, true, &srv_cb, NULL);
  assert_non_null(c);
  zb_conn_set_timeouts(c, srv.handshake_ms, 0);
  srv.last = c;
  int rc = zb_conn_accept(c, l);
  if (rc != 0)
    zb_conn_close(c, rc);
}

/* ---- loop helpers ----------------------------------------------------- */

static uv_timer_t guard;
static bool timed_out;

static void on_guard(uv_timer_t *t) {
  (void)t;
  timed_out = true;
}

static void run_until(bool (*done)(void)) {
  timed_out = false;
  uv_timer_start(&guard, on_guard, 10000, 0);
  while (!done() && !timed_out)
    uv_run(&loop, UV_RUN_ONCE);
  uv_timer_stop(&guard);
  assert_false(timed_out);
}

/* ---- client side ------------------------------------------------------- */

static uint8_t pat(size_t j, size_t i) {
  return (uint8_t)(j * 31u + i * 7u + (i >> 8));
}

static const size_t echo_sizes[] = {1,     2,     3,      4,      5,      7,
                                    100,   4091,  4092,   4093,   16383,  16384,
                                    16385, 65536, 100000, 262144, 1048576};
#define N_ECHO (sizeof echo_sizes / sizeof echo_sizes[0])

typedef struct client {
  zb_conn *c;
  const size_t *sizes;
  size_t nsizes;
  size_t sent, received;
  int handshakes, drains;
  bool closed;
  int reason;
  bool send_2gib;
  size_t busy_at; /* frames accepted before the first ZB_EBUSY */
  uint64_t bytes_in, bytes_out;
  uint64_t handshake_at, close_at; /* loop time */
  char server_cn[64];
} client;

static client *cur; /* the client the done() predicates look at */

static uint8_t *frame_of(size_t j, size_t len) {
  uint8_t *p = malloc(len);
  assert_non_null(p);
  for (size_t i = 0; i < len; i++)
    p[i] = pat(j, i);
  return p;
}

/* Sends frames until all are sent or the queue is full. */
static void send_more(client *cl) {
  while (cl->sent < cl->nsizes) {
    size_t len = cl->sizes[cl->sent];
    uint8_t *p = frame_of(cl->sent, len);
    int rc = zb_conn_send(cl->c, p, len);
    free(p);
    if (rc == ZB_EBUSY) {
      if (cl->busy_at == 0)
        cl->busy_at = cl->sent;
      return;
    }
    assert_int_equal(rc, 0);
    cl->sent++;
  }
}

static void cli_on_handshake(zb_conn *c, X509 *peer) {
  client *cl = zb_conn_user(c);
  cl->handshakes++;
  cl->handshake_at = uv_now(&loop);
  peer_cn(peer, cl->server_cn, sizeof cl->server_cn);
  if (cl->send_2gib) {
    static const uint8_t lie[] = {0x80, 0x00, 0x00, 0x00, 'x', 'y', 'z'};
    assert_int_equal(zb__conn_send_unframed(c, lie, sizeof lie), 0);
    return;
  }
  send_more(cl);
}

static void cli_on_frame(zb_conn *c, const uint8_t *p, size_t len) {
  client *cl = zb_conn_user(c);
  size_t j = cl->received;
  assert_true(j < cl->sent);
  assert_int_equal(len, cl->sizes[j]);
  for (size_t i = 0; i < len; i++)
    if (p[i] != pat(j, i))
      fail_msg("echo %zu byte %zu differs", j, i);
  cl->received++;
  if (cl->received == cl->nsizes)
    zb_conn_close(c, 0);
}

static void cli_on_drain(zb_conn *c) {
  client *cl = zb_conn_user(c);
  cl->drains++;
  assert_int_equal(zb_conn_queued(c), 0);
  send_more(cl);
}

static void cli_on_close(zb_conn *c, int reason) {
  client *cl = zb_conn_user(c);
  assert_false(cl->closed);
  cl->closed = true;
  cl->reason = reason;
  cl->close_at = uv_now(&loop);
  cl->bytes_in = zb_conn_bytes_in(c);
  cl->bytes_out = zb_conn_bytes_out(c);
  cl->c = NULL;
}

static const zb_conn_callbacks cli_cb = {
    .on_handshake = cli_on_handshake,
    .on_frame = cli_on_frame,
    .on_drain = cli_on_drain,
    .on_close = cli_on_close,
};

static void client_start(client *cl, SSL_CTX *ctx, const char *host) {
  cl->c = zb_conn_new(&loop, ctx, false, &cli_cb, cl);
  assert_non_null(cl->c);
  assert_int_equal(
      zb_conn_connect(cl->c, (const struct sockaddr *)&srv_addr, host), 0);
}

static bool cur_closed(void) { return cur->closed; }
static int want_srv_closes;
static bool cur_and_srv_closed(void) {
  return cur->closed && srv.closes >= want_srv_closes;
}
static bool cur_handshaken(void) {
  return cur->handshakes > 0 && srv.handshakes > 0;
}

static void reset_srv(void) { memset(&srv, 0, sizeof srv); }

/* One honest client, frames of the given sizes echoed back, clean close. */
static void honest_echo(const size_t *sizes, size_t n) {
  client cl = {.sizes = sizes, .nsizes = n};
  int closes0 = srv.closes;
  int hs0 = srv.handshakes;
  client_start(&cl, cli_ctx, "localhost");
  cur = &cl;
  want_srv_closes = closes0 + 1;
  run_until(cur_and_srv_closed);
  assert_int_equal(cl.reason, 0);
  assert_int_equal(cl.handshakes, 1);
  assert_int_equal(cl.received, n);
  assert_string_equal(cl.server_cn, "server");
  assert_int_equal(srv.handshakes, hs0 + 1);
  assert_true(srv.cn_ok);
  assert_int_equal(srv.reasons[closes0], 0);
  size_t payload = 0;
  for (size_t j = 0; j < n; j++)
    payload += 4 + sizes[j];
  /* Raw counters include TLS overhead, so they exceed the framed bytes. */
  assert_true(cl.bytes_out > payload);
  assert_true(cl.bytes_in > payload);
}

static int ctx_from(bool server, const char *ca, const char *name,
                    SSL_CTX **out);

/* ---- tests ----------------------------------------------------------------
 */

static void test_echo_sizes(void **state) {
  (void)state;
  reset_srv();
  honest_echo(echo_sizes, N_ECHO);
  assert_int_equal(srv.frames, (int)N_ECHO);
}

static void test_stranger_ca_refused(void **state) {
  (void)state;
  reset_srv();
  client cl = {.sizes = echo_sizes, .nsizes = 1};
  client_start(&cl, stranger_ctx, "localhost");
  cur = &cl;
  want_srv_closes = 1;
  run_until(cur_and_srv_closed);
  assert_int_equal(srv.handshakes, 0);
  assert_int_equal(srv.frames, 0);
  assert_int_equal(srv.reasons[0], ZB_EREFUSED);
  /* TLS 1.3: the client learns of the refusal from the server's alert. */
  assert_int_equal(cl.reason, ZB_EREFUSED);
  assert_int_equal(cl.received, 0);
  /* The server keeps serving. */
  honest_echo(echo_sizes, 3);
}

static void test_wrong_hostname_refused(void **state) {
  (void)state;
  reset_srv();
  client cl = {.sizes = echo_sizes, .nsizes = 1};
  client_start(&cl, cli_ctx, "zhibu.example");
  cur = &cl;
  want_srv_closes = 1;
  run_until(cur_and_srv_closed);
  assert_int_equal(cl.handshakes, 0);
  assert_int_equal(cl.reason, ZB_EREFUSED);
  assert_int_equal(srv.handshakes, 0);
  assert_int_not_equal(srv.reasons[0], 0);
  /* By IP literal, matched against the IP SAN: accepted. */
  client ok = {.sizes = echo_sizes, .nsizes = 2};
  client_start(&ok, cli_ctx, "127.0.0.1");
  cur = &ok;
  want_srv_closes = 2;
  run_until(cur_and_srv_closed);
  assert_int_equal(ok.reason, 0);
  assert_int_equal(ok.received, 2);
}

/* A raw TCP peer that writes some bytes and waits for the server's EOF. */
static struct {
  uv_tcp_t tcp;
  uv_connect_t req;
  uv_write_t wreq;
  const char *junk;
  size_t junk_len;
  uint8_t buf[4096];
  bool eof, closed;
} raw;

static void raw_alloc(uv_handle_t *h, size_t s, uv_buf_t *b) {
  (void)h;
  (void)s;
  *b = uv_buf_init((char *)raw.buf, sizeof raw.buf);
}

static void raw_closed(uv_handle_t *h) {
  (void)h;
  raw.closed = true;
}

static void raw_read(uv_stream_t *s, ssize_t n, const uv_buf_t *b) {
  (void)b;
  if (n < 0) {
    raw.eof = true;
    uv_close((uv_handle_t *)s, raw_closed);
  }
}

static void raw_written(uv_write_t *w, int status) {
  (void)w;
  (void)status;
}

static void raw_connected(uv_connect_t *req, int status) {
  assert_int_equal(status, 0);
  if (raw.junk_len > 0) {
    uv_buf_t b = uv_buf_init((char *)raw.junk, (unsigned)raw.junk_len);
    assert_int_equal(uv_write(&raw.wreq, req->handle, &b, 1, raw_written), 0);
  }
  assert_int_equal(uv_read_start(req->handle, raw_alloc, raw_read), 0);
}

static void raw_start(const char *junk, size_t len) {
  memset(&raw, 0, sizeof raw);
  raw.junk = junk;
  raw.junk_len = len;
  assert_int_equal(uv_tcp_init(&loop, &raw.tcp), 0);
  assert_int_equal(uv_tcp_connect(&raw.req, &raw.tcp,
                                  (const struct sockaddr *)&srv_addr,
                                  raw_connected),
                   0);
}

static bool raw_and_srv_closed(void) {
  return raw.closed && srv.closes >= want_srv_closes;
}

static void test_garbage_closes_only_that_peer(void **state) {
  (void)state;
  reset_srv();
  /* An honest client first, kept open across the garbage. */
  static const size_t one[] = {1000};
  client cl = {.sizes = one, .nsizes = 1};
  cl.sizes = one;
  cl.nsizes = 0; /* sends nothing on handshake */
  client_start(&cl, cli_ctx, "localhost");
  cur = &cl;
  run_until(cur_handshaken);
  zb_conn *honest_srv = srv.last;
  assert_non_null(honest_srv);

  static const char junk[] = "GET / HTTP/1.1\r\nHost: x\r\n\r\n"
                             "\x16\x03\x01\xff\xff garbage garbage";
  raw_start(junk, sizeof junk - 1);
  want_srv_closes = 1;
  run_until(raw_and_srv_closed);
  assert_true(raw.eof);
  assert_int_equal(srv.reasons[0], ZB_EPROTO);
  assert_int_equal(srv.handshakes, 1);

  /* The honest session still works. */
  cl.nsizes = 1;
  send_more(&cl);
  want_srv_closes = 2;
  run_until(cur_and_srv_closed);
  assert_int_equal(cl.reason, 0);
  assert_int_equal(cl.received, 1);
  assert_int_equal(srv.reasons[1], 0);
}

static void test_2gib_prefix_closes_with_eproto(void **state) {
  (void)state;
  reset_srv();
  client cl = {.sizes = echo_sizes, .nsizes = 1, .send_2gib = true};
  client_start(&cl, cli_ctx, "localhost");
  cur = &cl;
  want_srv_closes = 1;
  run_until(cur_and_srv_closed);
  assert_int_equal(srv.handshakes, 1); /* it was an authenticated peer */
  assert_int_equal(srv.frames, 0);
  assert_int_equal(srv.reasons[0], ZB_EPROTO);
  assert_int_not_equal(cl.reason, 0);
  honest_echo(echo_sizes, 2);
}

static SSL_CTX *tls12_client_ctx(void) {
  char ca[128], crt[128], key[128];
  snprintf(ca, sizeof ca, "%s/ca.crt", dir);
  snprintf(crt, sizeof crt, "%s/client.crt", dir);
  snprintf(key, sizeof key, "%s/client.key", dir);
  SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
  assert_non_null(ctx);
  assert_int_equal(SSL_CTX_set_max_proto_version(ctx, TLS1_2_VERSION), 1);
  assert_int_equal(SSL_CTX_load_verify_locations(ctx, ca, NULL), 1);
  assert_int_equal(SSL_CTX_use_certificate_chain_file(ctx, crt), 1);
  assert_int_equal(SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM), 1);
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
  return ctx;
}

static void test_tls12_client_refused(void **state) {
  (void)state;
  reset_srv();
  SSL_CTX *ctx = tls12_client_ctx();
  client cl = {.sizes = echo_sizes, .nsizes = 1};
  client_start(&cl, ctx, "localhost");
  SSL_CTX_free(ctx); /* the conn holds its own reference */
  cur = &cl;
  want_srv_closes = 1;
  run_until(cur_and_srv_closed);
  assert_int_equal(cl.handshakes, 0);
  assert_int_not_equal(cl.reason, 0);
  assert_int_equal(srv.handshakes, 0);
  assert_int_equal(srv.reasons[0], ZB_EPROTO);
  honest_echo(echo_sizes, 2);
}

static void test_handshake_timeout(void **state) {
  (void)state;
  reset_srv();
  srv.handshake_ms = 200;
  uint64_t t0 = uv_now(&loop);
  raw_start(NULL, 0); /* connects, says nothing */
  want_srv_closes = 1;
  run_until(raw_and_srv_closed);
  uv_update_time(&loop);
  assert_true(uv_now(&loop) - t0 >= 190);
  assert_int_equal(srv.reasons[0], ZB_EUNREACH);
  assert_true(raw.eof);
  srv.handshake_ms = 0;
}

static void test_send_cap_busy_then_drain(void **state) {
  (void)state;
  reset_srv();
  static size_t sizes[20];
  for (size_t j = 0; j < 20; j++)
    sizes[j] = 10 * 1024;
  client cl = {.sizes = sizes, .nsizes = 20};
  cl.c = zb_conn_new(&loop, cli_ctx, false, &cli_cb, &cl);
  assert_non_null(cl.c);
  uint8_t b[1] = {0};
  /* Not connected yet. */
  assert_int_equal(zb_conn_send(cl.c, b, 1), ZB_EINVAL);
  zb_conn_set_send_cap(cl.c, 100 * 1024);
  assert_int_equal(
      zb_conn_connect(cl.c, (const struct sockaddr *)&srv_addr, "localhost"),
      0);
  cur = &cl;
  run_until(cur_handshaken);
  /* Whole-queue limits, independent of what is queued. */
  assert_int_equal(zb_conn_send(cl.c, b, 0), ZB_EINVAL);
  uint8_t *big = calloc(1, 100 * 1024);
  assert_non_null(big);
  assert_int_equal(zb_conn_send(cl.c, big, 100 * 1024), ZB_ETOOBIG);
  free(big);
  /* 10 frames of 10 KiB + header exceed 100 KiB: at most 9 fit at once. */
  assert_true(cl.busy_at >= 1 && cl.busy_at <= 9);
  want_srv_closes = 1;
  run_until(cur_and_srv_closed);
  assert_true(cl.drains >= 1);
  assert_int_equal(cl.received, 20);
  assert_int_equal(cl.reason, 0);
  assert_int_equal(srv.frames, 20);
}

static void test_crl_refuses_revoked_client(void **state) {
  (void)state;
  reset_srv();
  char a[128], c[128], k[128], crl[128];
  snprintf(a, sizeof a, "%s/ca.crt", dir);
  snprintf(c, sizeof c, "%s/server.crt", dir);
  snprintf(k, sizeof k, "%s/server.key", dir);
  snprintf(crl, sizeof crl, "%s/crl.pem", dir);
  SSL_CTX *crl_ctx = NULL, *revoked_ctx = NULL;
  assert_int_equal(zb_tls_ctx_new(true, a, c, k, crl, &crl_ctx), 0);
  assert_int_equal(ctx_from(false, "ca", "client3", &revoked_ctx), 0);
  SSL_CTX *plain = srv_ctx;
  srv_ctx = crl_ctx; /* on_connection uses it for new conns */

  /* Without the CRL, client3 is a valid client... */
  client before = {.sizes = echo_sizes, .nsizes = 1};
  srv_ctx = plain;
  client_start(&before, revoked_ctx, "localhost");
  cur = &before;
  want_srv_closes = 1;
  run_until(cur_and_srv_closed);
  assert_int_equal(before.reason, 0);

  /* ...with it, refused. */
  srv_ctx = crl_ctx;
  client cl = {.sizes = echo_sizes, .nsizes = 1};
  client_start(&cl, revoked_ctx, "localhost");
  cur = &cl;
  want_srv_closes = 2;
  run_until(cur_and_srv_closed);
  assert_int_equal(srv.reasons[1], ZB_EREFUSED);
  assert_int_equal(srv.handshakes, 1);
  /* The client learns why: its certificate is revoked (a replaced PC). */
  assert_int_equal(cl.reason, ZB_EREVOKED);
  assert_int_equal(cl.received, 0);
  /* A client that is not revoked passes the CRL check. */
  honest_echo(echo_sizes, 2);
  srv_ctx = plain;
  zb_tls_ctx_free(crl_ctx);
  zb_tls_ctx_free(revoked_ctx);
}

static void test_idle_timeout(void **state) {
  (void)state;
  reset_srv();
  client cl = {.sizes = echo_sizes, .nsizes = 0};
  cl.c = zb_conn_new(&loop, cli_ctx, false, &cli_cb, &cl);
  assert_non_null(cl.c);
  zb_conn_set_timeouts(cl.c, 0, 300);
  assert_int_equal(
      zb_conn_connect(cl.c, (const struct sockaddr *)&srv_addr, "localhost"),
      0);
  cur = &cl;
  run_until(cur_handshaken);
  want_srv_closes = 1;
  run_until(cur_and_srv_closed);
  /* The idle timer starts with the session, in the loop's time. */
  assert_true(cl.close_at - cl.handshake_at >= 300);
  assert_int_equal(cl.handshakes, 1);
  assert_int_equal(cl.reason, ZB_EUNREACH);
  /* The server saw the socket go without close_notify. */
  assert_int_equal(srv.reasons[0], ZB_EUNREACH);
}

static void test_close_before_connect(void **state) {
  (void)state;
  client cl = {0};
  cl.c = zb_conn_new(&loop, cli_ctx, false, &cli_cb, &cl);
  assert_non_null(cl.c);
  zb_conn_close(cl.c, 0);
  zb_conn_close(cl.c, ZB_EIO); /* idempotent: the first reason counts */
  assert_false(cl.closed);     /* on_close comes from the loop */
  cur = &cl;
  run_until(cur_closed);
  assert_int_equal(cl.reason, 0);
  /* Misuse is refused, not crashed on. */
  client cs = {0};
  cs.c = zb_conn_new(&loop, srv_ctx, true, &cli_cb, &cs);
  assert_int_equal(
      zb_conn_connect(cs.c, (const struct sockaddr *)&srv_addr, "localhost"),
      ZB_EINVAL);
  zb_conn_close(cs.c, ZB_EINVAL);
  cur = &cs;
  run_until(cur_closed);
  assert_int_equal(cs.reason, ZB_EINVAL);
}

static void test_ctx_errors(void **state) {
  (void)state;
  SSL_CTX *ctx = (SSL_CTX *)1;
  char ca[128], crt[128], key[128];
  snprintf(ca, sizeof ca, "%s/ca.crt", dir);
  snprintf(crt, sizeof crt, "%s/client.crt", dir);
  snprintf(key, sizeof key, "%s/server.key", dir); /* not client.crt's key */
  assert_int_equal(zb_tls_ctx_new(false, ca, crt, key, NULL, &ctx), ZB_ECRYPTO);
  assert_null(ctx);
  assert_int_equal(
      zb_tls_ctx_new(false, "/nonexistent/ca.crt", crt, key, NULL, &ctx),
      ZB_ECRYPTO);
  assert_int_equal(zb_tls_ctx_new(false, NULL, crt, key, NULL, &ctx),
                   ZB_EINVAL);
  zb_tls_ctx_free(NULL);
}

/* ---- fixture --------------------------------------------------------------
 */

static int sh(const char *cmd) {
  char full[4096];
  snprintf(full, sizeof full, "cd '%s' && { %s ; } >/dev/null 2>&1", dir, cmd);
  return system(full);
}

static int make_pki(void) {
  static const char *const steps[] = {
      "printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\\n"
      "basicConstraints=CA:FALSE\\nextendedKeyUsage=serverAuth\\n' > "
      "server.ext",
      "printf 'basicConstraints=CA:FALSE\\nextendedKeyUsage=clientAuth\\n' > "
      "client.ext",
      "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes "
      "-keyout ca.key -out ca.crt -days 2 -subj /CN=zhibu-test-ca",
      "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes "
      "-keyout ca2.key -out ca2.crt -days 2 -subj /CN=stranger-ca",
      "openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes "
      "-keyout server.key -out server.csr -subj /CN=server",
      "openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -set_serial 2 "
      "-days 2 -extfile server.ext -out server.crt",
      "openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes "
      "-keyout client.key -out client.csr -subj /CN=client",
      "openssl x509 -req -in client.csr -CA ca.crt -CAkey ca.key -set_serial 3 "
      "-days 2 -extfile client.ext -out client.crt",
      "openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes "
      "-keyout client2.key -out client2.csr -subj /CN=client",
      "openssl x509 -req -in client2.csr -CA ca2.crt -CAkey ca2.key "
      "-set_serial 4 "
      "-days 2 -extfile client.ext -out client2.crt",
      /* client3: the deployment's CA, then revoked. */
      "openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes "
      "-keyout client3.key -out client3.csr -subj /CN=client",
      "openssl x509 -req -in client3.csr -CA ca.crt -CAkey ca.key -set_serial "
      "5 "
      "-days 2 -extfile client.ext -out client3.crt",
      "printf '[ca]\ndefault_ca=zb\n[zb]\ndatabase=index.txt\n"
      "crlnumber=crlnumber\ndefault_md=sha256\ndefault_crl_days=2\n"
      "certificate=ca.crt\nprivate_key=ca.key\n' > ca.cnf && "
      ": > index.txt && echo 01 > crlnumber",
      "openssl ca -config ca.cnf -revoke client3.crt",
      "openssl ca -config ca.cnf -gencrl -out crl.pem",
  };
  for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++)
    if (sh(steps[i]) != 0) {
      fprintf(stderr, "PKI step failed: %s\n", steps[i]);
      return -1;
    }
  return 0;
}

static int ctx_from(bool server, const char *ca, const char *name,
                    SSL_CTX **out) {
  char a[128], c[128], k[128];
  snprintf(a, sizeof a, "%s/%s.crt", dir, ca);
  snprintf(c, sizeof c, "%s/%s.crt", dir, name);
  snprintf(k, sizeof k, "%s/%s.key", dir, name);
  return zb_tls_ctx_new(server, a, c, k, NULL, out);
}

static int setup(void **state) {
  (void)state;
  snprintf(dir, sizeof dir, "/tmp/zb_conn_XXXXXX");
  if (mkdtemp(dir) == NULL)
    return -1;
  if (make_pki() != 0)
    return -1;
  if (ctx_from(true, "ca", "server", &srv_ctx) != 0 ||
      ctx_from(false, "ca", "client", &cli_ctx) != 0 ||
      ctx_from(false, "ca", "client2", &stranger_ctx) != 0)
    return -1;
  if (uv_loop_init(&loop) != 0 || uv_timer_init(&loop, &guard) != 0 ||
      uv_tcp_init(&loop, &listener) != 0)
    return -1;
  struct sockaddr_in any;
  uv_ip4_addr("127.0.0.1", 0, &any);
  if (uv_tcp_bind(&listener, (const struct sockaddr *)&any, 0) != 0 ||
      uv_listen((uv_stream_t *)&listener, 16, on_connection) != 0)
    return -1;
  int len = sizeof srv_addr;
  if (uv_tcp_getsockname(&listener, (struct sockaddr *)&srv_addr, &len) != 0)
    return -1;
  return 0;
}

static int teardown(void **state) {
  (void)state;
  uv_close((uv_handle_t *)&listener, NULL);
  uv_close((uv_handle_t *)&guard, NULL);
  uv_run(&loop, UV_RUN_DEFAULT);
  int rc = uv_loop_close(&loop); /* UV_EBUSY if a conn leaked a handle */
  zb_tls_ctx_free(srv_ctx);
  zb_tls_ctx_free(cli_ctx);
  zb_tls_ctx_free(stranger_ctx);
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  if (system(cmd) != 0)
    return -1;
  return rc == 0 ? 0 : -1;
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_ctx_errors),
      cmocka_unit_test(test_echo_sizes),
      cmocka_unit_test(test_stranger_ca_refused),
      cmocka_unit_test(test_wrong_hostname_refused),
      cmocka_unit_test(test_garbage_closes_only_that_peer),
      cmocka_unit_test(test_2gib_prefix_closes_with_eproto),
      cmocka_unit_test(test_tls12_client_refused),
      cmocka_unit_test(test_handshake_timeout),
      cmocka_unit_test(test_send_cap_busy_then_drain),
      cmocka_unit_test(test_crl_refuses_revoked_client),
      cmocka_unit_test(test_idle_timeout),
      cmocka_unit_test(test_close_before_connect),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
