/*
 * zb_conn.h — one mutually authenticated TLS 1.3 connection over a libuv
 * TCP stream, carrying length-prefixed frames (zb_frame.h, docs/PROTOCOL.md).
 *
 * OpenSSL never touches the socket: it is driven through two memory BIOs,
 * libuv moves the ciphertext.  Everything runs on the thread of the loop
 * the connection was created on; no function here is thread-safe.
 *
 * Lifecycle (libuv conventions):
 *   zb_conn_new()  ->  zb_conn_accept() or zb_conn_connect()
 *                  ->  on_handshake  ->  on_frame* / zb_conn_send()*
 *                  ->  zb_conn_close() (by the app, or internally on error)
 *                  ->  on_close, exactly once, from the last uv close_cb;
 *                      the conn is freed right after on_close returns.
 * on_close fires for every conn zb_conn_new() returned, also one that never
 * connected, but only after zb_conn_close() or an internal close; the app
 * must therefore close a conn whose accept/connect returned an error.
 * zb_conn_close() is idempotent and safe from inside any callback; the
 * memory is never freed inside the conn's own callback chain.
 *
 * A peer's bad input (bytes that are not TLS, a failed certificate check,
 * a zero or oversize frame length) closes that connection with a
 * zb_log_warn line naming the peer address and reason; it never touches
 * other connections.  Payloads are never logged.
 *
 * Every network wait has a timer: the handshake (including the TCP
 * connect) must finish within handshake_ms, then the connection closes
 * after idle_ms without a byte read or a write completed, and a clean
 * close gives the peer handshake_ms to take our close_notify.
 *
 * TLS 1.3 detail worth knowing: the client finishes its handshake before
 * the server has checked the client's certificate.  A client the server
 * refuses thus sees on_handshake, then on_close(ZB_EREFUSED) when the
 * server's alert arrives.  Applications must not trust a session until the
 * server has answered (HelloAck).
 */
#ifndef ZB_CONN_H
#define ZB_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/ssl.h>
#include <uv.h>

#define ZB_CONN_HANDSHAKE_MS 10000u            /* default handshake timeout */
#define ZB_CONN_IDLE_MS 60000u                 /* default idle timeout */
#define ZB_CONN_SEND_CAP (32u * 1024u * 1024u) /* default queued-bytes cap */

/*
 * Builds a TLS context for zb_conn.  TLS 1.3 only; the peer must present a
 * certificate chaining to ca_file (PEM): the server requires a client
 * certificate (SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT), the
 * client verifies the server's.  cert_file is a PEM chain (leaf first),
 * key_file its private key.  crl_file (PEM, may be NULL) enables CRL checks
 * of the peer's leaf certificate (X509_V_FLAG_CRL_CHECK): with it, a peer
 * whose CA has no CRL in the file is refused.
 * On success *out is a new context the caller frees with zb_tls_ctx_free();
 * every zb_conn holds its own reference, so the context may be freed while
 * connections are open.  Errors: ZB_EINVAL (NULL argument), ZB_ECRYPTO
 * (unreadable or mismatched file; OpenSSL's reason is logged), ZB_ENOMEM.
 */
int zb_tls_ctx_new(bool server, const char *ca_file, const char *cert_file,
                   const char *key_file, const char *crl_file, SSL_CTX **out);
/* The same from objects in memory (a node's enrollment bundle): store
 * (taken, freed on error too) holds the CA, cert and key are referenced,
 * not taken. */
int zb_tls_ctx_new_mem(bool server, X509_STORE *store, X509 *cert, EVP_PKEY *key,
                       SSL_CTX **out);
void zb_tls_ctx_free(SSL_CTX *ctx); /* NULL is fine */

/*
 * Session resumption (docs/PROTOCOL.md, "Reconnecting cheaply").  The
 * server keeps the sessions it issues in a store of at most cap entries
 * (the oldest goes first), each valid lifetime_s seconds and used once: a
 * resumed connection gets a new ticket.  A lookup resumes a session only
 * if its peer's certificate passes the store of the context it arrives on
 * (CA, CRL, validity) right now; otherwise the handshake goes on as a full
 * one, which checks the certificate and refuses it as it always does.  The
 * store is the app's and may serve several contexts in turn (one at a
 * time, on the loop's thread); free it after the last of them.
 */
typedef struct zb_tls_sessions zb_tls_sessions;
zb_tls_sessions *zb_tls_sessions_new(size_t cap, unsigned lifetime_s); /* NULL: no memory */
void zb_tls_sessions_free(zb_tls_sessions *st);                       /* NULL is fine */
size_t zb_tls_sessions_count(const zb_tls_sessions *st);
/* Makes server context ctx issue one ticket per connection and resume from
 * st.  0, ZB_EINVAL, ZB_ECRYPTO. */
int zb_tls_ctx_set_sessions(SSL_CTX *ctx, zb_tls_sessions *st);

typedef struct zb_conn zb_conn;

/*
 * Callbacks, all optional (NULL), all called on the loop thread.  Pointers
 * passed to them are borrowed and valid only during the call.
 */
typedef struct zb_conn_callbacks {
  /* Handshake done; peer is the verified certificate of the peer (never
   * NULL), for the app to read its identity. */
  void (*on_handshake)(zb_conn *c, X509 *peer);
  /* One complete frame payload, 1..ZB_FRAME_MAX bytes. */
  void (*on_frame)(zb_conn *c, const uint8_t *payload, size_t len);
  /* After zb_conn_send() returned ZB_EBUSY: the send queue is empty. */
  void (*on_drain)(zb_conn *c);
  /* Client: the server issued a session (a ticket), serialized in der, to
   * offer at the next connection (zb_conn_offer_session).  It holds the
   * session's secret: keep it as private as the key. */
  void (*on_session)(zb_conn *c, const uint8_t *der, size_t len);
  /*
   * Last call for c; c is freed when it returns.  reason: 0 for a clean
   * close (the app's zb_conn_close(c, 0) or the peer's close_notify), the
   * value the app passed to zb_conn_close(), or:
   *   ZB_EPROTO    the peer sent non-TLS bytes, broke TLS, or sent a zero
   *                or oversize frame length;
   *   ZB_EREFUSED  a certificate or host name check failed, on either side
   *                (ours, or the peer's alert), or the TLS versions clash
   *                on the client side;
   *   ZB_EUNREACH  connect failed, the peer vanished without close_notify,
   *                a socket error, or a timeout;
   *   ZB_ENOMEM, ZB_ECRYPTO  local failures.
   */
  void (*on_close)(zb_conn *c, int reason);
} zb_conn_callbacks;

/*
 * A new, unconnected connection.  cb is copied; user is the app's pointer
 * (zb_conn_user()).  The conn takes its own reference on ctx.  NULL on
 * allocation or OpenSSL failure (nothing to close then).
 */
zb_conn *zb_conn_new(uv_loop_t *loop, SSL_CTX *ctx, bool server,
                     const zb_conn_callbacks *cb, void *user);

/* Client, before connect: offers the session der (from on_session) for
 * resumption.  0; ZB_EINVAL when it does not parse or has expired (then
 * the handshake is a full one). */
int zb_conn_offer_session(zb_conn *c, const uint8_t *der, size_t len);
/* After on_handshake: the handshake resumed a session (no certificates
 * crossed the wire; the peer's is the one of the session). */
bool zb_conn_resumed(const zb_conn *c);

/* Why a connection closed before its handshake finished (for the server's
 * counters, zb_syncd.h), known from the close on: */
typedef enum zb_conn_hs_fail {
  ZB_HS_NONE = 0,   /* the handshake finished, or the connection is still open */
  ZB_HS_BAD_CERT,   /* the peer's certificate failed its check (unknown CA, expired,
                       none at all), or the peer refused ours */
  ZB_HS_REVOKED,    /* the peer's certificate is on the CRL */
  ZB_HS_TLS,        /* not TLS, broken TLS, a version clash, another alert */
  ZB_HS_TIMEOUT,    /* not done within handshake_ms */
  ZB_HS_CLOSED,     /* the peer went away (or we stopped) during the handshake */
  ZB_HS_LOCAL,      /* a local failure (memory, OpenSSL) */
} zb_conn_hs_fail;
zb_conn_hs_fail zb_conn_handshake_failure(const zb_conn *c);

/* Why a connection ended before its app finished with it, in the terms a
 * person is told (zb_sync.c words each through the catalogue,
 * "sync.why.*"): the first cause seen, from the close on.  *detail, when
 * not NULL, gets a static string naming the cause as the library does
 * (libuv's error name, OpenSSL's verify message) or "". */
typedef enum zb_conn_why {
  ZB_WHY_NONE = 0,
  ZB_WHY_CONNECT_REFUSED,    /* nothing listens at that address and port */
  ZB_WHY_CONNECT_FAILED,     /* no route, network down (detail: the errno name) */
  ZB_WHY_HANDSHAKE_TIMEOUT,  /* no TLS handshake within handshake_ms */
  ZB_WHY_IDLE_TIMEOUT,       /* silent for idle_ms, or too slow */
  ZB_WHY_PEER_GONE,          /* the peer closed or reset without close_notify */
  ZB_WHY_CERT_EXPIRED,       /* our check of the peer's certificate: */
  ZB_WHY_CERT_NOT_YET_VALID,
  ZB_WHY_CERT_REVOKED,
  ZB_WHY_CERT_HOST,          /* it does not name the host or address dialled */
  ZB_WHY_CERT_UNKNOWN_CA,    /* not signed by the CA we trust */
  ZB_WHY_CERT_OTHER,         /* another failure (detail: OpenSSL's words) */
  ZB_WHY_OURS_EXPIRED,       /* the peer's alert about our certificate: */
  ZB_WHY_OURS_REVOKED,
  ZB_WHY_OURS_REFUSED,       /* unknown CA, bad, or none */
  ZB_WHY_TLS,                /* not TLS, broken TLS, a version clash, another alert */
} zb_conn_why;
zb_conn_why zb_conn_why_closed(const zb_conn *c, const char **detail);

/* Settings; call before accept/connect.  0 keeps the default. */
void zb_conn_set_timeouts(zb_conn *c, uint64_t handshake_ms, uint64_t idle_ms);
/* Cap on bytes queued for the socket (default ZB_CONN_SEND_CAP), counted
 * as header + payload; TLS adds under 1% on top.  A frame that could not
 * fit even an empty queue is ZB_ETOOBIG. */
void zb_conn_set_send_cap(zb_conn *c, size_t cap);
/* Slowest a frame may arrive (default 0: no limit).  The bytes of a frame
 * are counted from the first one; once idle_ms has passed since then, a
 * peer that has sent fewer than bytes_per_s for every further second is
 * closed (ZB_EUNREACH) even though it never fell silent for idle_ms. */
void zb_conn_set_min_rate(zb_conn *c, uint32_t bytes_per_s);
/* Largest payload accepted from the peer (default and ceiling ZB_FRAME_MAX). */
void zb_conn_set_max_frame(zb_conn *c, size_t max);

/*
 * Server side: accepts a pending connection on listener (call from its
 * connection_cb) and starts the handshake.  Returns 0, ZB_EINVAL (not a
 * server conn, or already started), ZB_EUNREACH (uv_accept/read failed).
 */
int zb_conn_accept(zb_conn *c, uv_stream_t *listener);

/*
 * Client side: connects to addr and checks that the server's certificate is
 * valid for hostname (a DNS name, also sent as SNI, or an IP literal matched
 * against the IP SANs).  Returns 0, ZB_EINVAL (not a client conn, already
 * started, NULL or unusable hostname), ZB_EUNREACH (uv_tcp_connect failed
 * at once), ZB_ECRYPTO.  A later connect failure arrives as
 * on_close(ZB_EUNREACH).
 */
int zb_conn_connect(zb_conn *c, const struct sockaddr *addr,
                    const char *hostname);

/*
 * Frames payload (len bytes, copied), encrypts and queues it.  Returns 0;
 * ZB_EINVAL (len == 0 or handshake not done); ZB_ETOOBIG (len above
 * ZB_FRAME_MAX, or 4 + len above the send cap); ZB_EBUSY (the queue would
 * exceed the send cap; nothing was queued; on_drain follows when the queue
 * empties); ZB_EUNREACH (closing);
 * ZB_ECRYPTO, ZB_ENOMEM (the connection is then being closed).
 */
int zb_conn_send(zb_conn *c, const void *payload, size_t len);

/*
 * Closes c with reason (0 = clean: sends close_notify and waits, under the
 * timer, for the queue to drain; nonzero: drops queued data).  Idempotent:
 * only the first reason counts.  on_close(c, reason) follows from the loop.
 */
void zb_conn_close(zb_conn *c, int reason);

void *zb_conn_user(const zb_conn *c);
/* "address:port" of the peer, "?" before accept/connect. */
const char *zb_conn_peer_name(const zb_conn *c);
/* Raw (encrypted) bytes read from / written to the socket so far. */
uint64_t zb_conn_bytes_in(const zb_conn *c);
uint64_t zb_conn_bytes_out(const zb_conn *c);
/* Bytes handed to the socket and not yet written. */
size_t zb_conn_queued(const zb_conn *c);

/*
 * For tests only: encrypts and queues bytes with no frame header, to play a
 * peer that lies about lengths.  Same errors as zb_conn_send().
 */
int zb__conn_send_unframed(zb_conn *c, const void *data, size_t len);

#endif
