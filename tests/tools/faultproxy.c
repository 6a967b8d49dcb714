/*
 * zhibu-faultproxy — a TCP proxy that cuts connections at a chosen byte,
 * for fault-injection tests of sync sessions (docs/PROTOCOL.md; docs/DESIGN-NOTES.md, "Invariants" 2:
 * "a session cut at any byte loses nothing and applies nothing twice"),
 * and a plain byte counter for benchmarks.
 *
 *   zhibu-faultproxy --listen ADDR:PORT --target HOST:PORT [--port-file F]
 *                    [--cut-up N] [--cut-down N] [--cut-count K] [--rst]
 *                    [--stats-file F] [--trace F]
 *
 * It moves bytes both ways unchanged; it cannot read TLS and does not try.
 *   --cut-up N     after forwarding N bytes client→server on a connection,
 *                  close both sides of that connection without forwarding
 *                  anything more (N = 0: at the first byte the client sends).
 *   --cut-down N   the same for server→client.
 *   --cut-count K  cut only the first K connections (default: every one).
 *   --rst          cut with a TCP reset (SO_LINGER 0) instead of a plain
 *                  close; a reset may also discard bytes still unsent in
 *                  the kernel, so the peer can see fewer than N.
 *   --port-file F  written (atomically, "PORT\n") once listening: use
 *                  --listen 127.0.0.1:0 and read the port from F.
 *   --stats-file F one JSON line appended per finished connection:
 *                  {"conn":i,"up":bytes,"down":bytes,"cut":true|false}
 *                  with i counting accepted connections from 1, and up/down
 *                  the bytes forwarded in each direction.
 *   --trace F      one line per read, in order: "CONN up|down OFFSET LEN"
 *                  (OFFSET counts that direction's bytes before this read),
 *                  so that a test can find where a frame burst lies in the
 *                  byte stream and cut inside it.
 * A connection the target refuses is closed at once (up 0, down 0).
 * Half-closes are passed on (EOF from one side shuts down writing to the
 * other), so TLS close_notify exchanges complete normally.
 *
 * Buffers are bounded: reading from one side stops while the other side's
 * write queue holds more than ZB_FP_QUEUE_CAP bytes.
 *
 * SIGTERM or SIGINT: stop listening, close every connection (each gets its
 * stats line), exit 0.  Exit 2 on bad arguments, 1 when it cannot listen.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <uv.h>

#define ZB_FP_READ_SIZE (64u * 1024u)
#define ZB_FP_QUEUE_CAP (256u * 1024u)
#define ZB_FP_NO_CUT UINT64_MAX

struct proxy;
struct conn;

/* One direction of a connection: bytes read from `from` go to `to`. */
struct side {
  uv_tcp_t tcp;
  struct conn *conn;
  struct side *peer;      /* the other side, which we write into */
  uint64_t forwarded;     /* bytes read here and queued for the peer */
  uint64_t cut_at;        /* ZB_FP_NO_CUT or the byte count to cut after */
  bool reading, eof, shut;
};

struct conn {
  struct proxy *px;
  struct conn *next, **prevp;
  uint64_t id;
  struct side client, server;
  uv_connect_t connect_req;
  int open_handles;       /* handles not yet closed */
  int pending_writes;
  bool connected, closing, cut, cut_pending, rst;
};

struct proxy {
  uv_loop_t *loop;
  uv_tcp_t listener;
  uv_signal_t sigterm, sigint;
  struct sockaddr_storage target;
  uint64_t cut_up, cut_down, cut_count, accepted;
  bool rst, stopping;
  const char *stats_file;
  FILE *trace;
  struct conn *conns;
};

struct wreq {
  uv_write_t req;
  struct side *to;
  uv_buf_t buf;
};

static void conn_close(struct conn *c);

/* Appends one line with O_APPEND so that readers never see half a line
 * from one write. */
static void stats_line(struct conn *c) {
  if (!c->px->stats_file)
    return;
  char line[200];
  int n = snprintf(line, sizeof line, "{\"conn\":%" PRIu64 ",\"up\":%" PRIu64
                   ",\"down\":%" PRIu64 ",\"cut\":%s}\n",
                   c->id, c->client.forwarded, c->server.forwarded, c->cut ? "true" : "false");
  int fd = open(c->px->stats_file, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) {
    fprintf(stderr, "zhibu-faultproxy: %s: %s\n", c->px->stats_file, strerror(errno));
    return;
  }
  if (n > 0 && write(fd, line, (size_t)n) != n)
    fprintf(stderr, "zhibu-faultproxy: %s: short write\n", c->px->stats_file);
  close(fd);
}

static void on_handle_closed(uv_handle_t *h) {
  struct side *s = h->data;
  struct conn *c = s->conn;
  if (--c->open_handles > 0)
    return;
  stats_line(c);
  *c->prevp = c->next;
  if (c->next)
    c->next->prevp = c->prevp;
  free(c);
}

static void side_close(struct side *s, bool rst) {
  uv_handle_t *h = (uv_handle_t *)&s->tcp;
  if (uv_is_closing(h))
    return;
  /* A reset needs a socket; before the target connected there is none. */
  if (rst && s->conn->connected && uv_tcp_close_reset(&s->tcp, on_handle_closed) == 0)
    return;
  uv_close(h, on_handle_closed);
}

/* Closes both sides.  Pending writes are cancelled by libuv (their
 * callbacks run with UV_ECANCELED and free their buffers). */
static void conn_close(struct conn *c) {
  if (c->closing)
    return;
  c->closing = true;
  side_close(&c->client, c->rst);
  side_close(&c->server, c->rst);
}

static void side_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf) {
  (void)h;
  (void)suggested;
  buf->base = malloc(ZB_FP_READ_SIZE);
  buf->len = buf->base ? ZB_FP_READ_SIZE : 0;
}

static void side_read(uv_stream_t *stream, ssize_t nread, const uv_buf_t *buf);

static void side_start(struct side *s) {
  if (s->reading || s->eof || s->conn->closing || s->conn->cut_pending)
    return;
  if (uv_read_start((uv_stream_t *)&s->tcp, side_alloc, side_read) == 0)
    s->reading = true;
}

static void side_stop(struct side *s) {
  if (!s->reading)
    return;
  uv_read_stop((uv_stream_t *)&s->tcp);
  s->reading = false;
}

/* Both directions ended and everything was written: done. */
static void maybe_finish(struct conn *c) {
  if (c->client.eof && c->server.eof && c->pending_writes == 0)
    conn_close(c);
}

static void on_shutdown(uv_shutdown_t *req, int status) {
  struct side *s = req->data;
  free(req);
  if (status == UV_ECANCELED)
    return;
  maybe_finish(s->conn);
}

/* The reading side s saw EOF: pass it on once its queued bytes are out. */
static void pass_eof(struct side *from) {
  struct side *to = from->peer;
  if (to->shut || from->conn->closing)
    return;
  to->shut = true;
  uv_shutdown_t *req = malloc(sizeof *req);
  if (!req || (req->data = to, uv_shutdown(req, (uv_stream_t *)&to->tcp, on_shutdown) != 0)) {
    free(req);
    conn_close(from->conn);
  }
}

static void on_write(uv_write_t *req, int status) {
  struct wreq *w = (struct wreq *)req;
  struct side *to = w->to;
  struct conn *c = to->conn;
  free(w->buf.base);
  free(w);
  c->pending_writes--;
  if (c->closing)
    return;
  if (status < 0) {
    conn_close(c);
    return;
  }
  if (c->cut_pending) {
    /* The last allowed bytes are in the kernel now: cut. */
    if (c->pending_writes == 0)
      conn_close(c);
    return;
  }
  /* Room again in to's queue: resume reading what feeds it. */
  if (to->tcp.write_queue_size <= ZB_FP_QUEUE_CAP / 2)
    side_start(to->peer);
  if (to->peer->eof && c->pending_writes == 0)
    maybe_finish(c);
}

/* Queues len bytes of base (taken) for to.  false if the write failed (the
 * connection is then closing). */
static bool forward(struct side *to, char *base, size_t len) {
  struct conn *c = to->conn;
  struct wreq *w = malloc(sizeof *w);
  if (!w) {
    free(base);
    conn_close(c);
    return false;
  }
  w->to = to;
  w->buf = uv_buf_init(base, (unsigned)len);
  if (uv_write(&w->req, (uv_stream_t *)&to->tcp, &w->buf, 1, on_write) != 0) {
    free(base);
    free(w);
    conn_close(c);
    return false;
  }
  c->pending_writes++;
  return true;
}

static void side_read(uv_stream_t *stream, ssize_t nread, const uv_buf_t *buf) {
  struct side *s = stream->data;
  struct conn *c = s->conn;
  if (nread <= 0 || c->closing || c->cut_pending) {
    free(buf->base);
    if (nread == UV_EOF && !c->closing && !c->cut_pending) {
      side_stop(s);
      s->eof = true;
      pass_eof(s);
      maybe_finish(c);
    } else if (nread < 0) {
      conn_close(c);
    }
    return;
  }
  size_t take = (size_t)nread;
  bool cut = false;
  if (c->px->trace)
    fprintf(c->px->trace, "%" PRIu64 " %s %" PRIu64 " %zu\n", c->id,
            s == &c->client ? "up" : "down", s->forwarded, take);
  if (s->cut_at != ZB_FP_NO_CUT && s->forwarded + take >= s->cut_at) {
    take = (size_t)(s->cut_at - s->forwarded);
    cut = true;
  }
  s->forwarded += take;
  if (cut) {
    c->cut = true;
    c->cut_pending = true;
    side_stop(&c->client);
    side_stop(&c->server);
    if (take == 0) {
      free(buf->base);
      conn_close(c);
    } else if (forward(s->peer, buf->base, take) && c->pending_writes == 0) {
      conn_close(c);
    }
    return;
  }
  if (!forward(s->peer, buf->base, take))
    return;
  if (s->peer->tcp.write_queue_size > ZB_FP_QUEUE_CAP)
    side_stop(s);
}

static void on_target_connected(uv_connect_t *req, int status) {
  struct conn *c = req->data;
  if (c->closing)
    return;
  if (status < 0) {
    fprintf(stderr, "zhibu-faultproxy: conn %" PRIu64 ": target: %s\n", c->id,
            uv_strerror(status));
    conn_close(c);
    return;
  }
  c->connected = true;
  side_start(&c->client);
  side_start(&c->server);
}

static void on_connection(uv_stream_t *listener, int status) {
  struct proxy *px = listener->data;
  if (status < 0 || px->stopping)
    return;
  struct conn *c = calloc(1, sizeof *c);
  if (!c)
    return;
  c->px = px;
  c->id = ++px->accepted;
  bool cut = px->cut_count == 0 || c->id <= px->cut_count;
  c->rst = px->rst;
  c->client.conn = c->server.conn = c;
  c->client.peer = &c->server;
  c->server.peer = &c->client;
  c->client.cut_at = cut ? px->cut_up : ZB_FP_NO_CUT;
  c->server.cut_at = cut ? px->cut_down : ZB_FP_NO_CUT;
  uv_tcp_init(px->loop, &c->client.tcp);
  uv_tcp_init(px->loop, &c->server.tcp);
  c->client.tcp.data = &c->client;
  c->server.tcp.data = &c->server;
  c->open_handles = 2;
  c->next = px->conns;
  if (c->next)
    c->next->prevp = &c->next;
  c->prevp = &px->conns;
  px->conns = c;
  if (uv_accept(listener, (uv_stream_t *)&c->client.tcp) != 0) {
    conn_close(c);
    return;
  }
  uv_tcp_nodelay(&c->client.tcp, 1);
  uv_tcp_nodelay(&c->server.tcp, 1);
  c->connect_req.data = c;
  int rc = uv_tcp_connect(&c->connect_req, &c->server.tcp,
                          (const struct sockaddr *)&px->target, on_target_connected);
  if (rc != 0) {
    fprintf(stderr, "zhibu-faultproxy: conn %" PRIu64 ": target: %s\n", c->id, uv_strerror(rc));
    conn_close(c);
  }
}

static void on_signal(uv_signal_t *sig, int signum) {
  struct proxy *px = sig->data;
  (void)signum;
  if (px->stopping)
    return;
  px->stopping = true;
  uv_close((uv_handle_t *)&px->listener, NULL);
  for (struct conn *c = px->conns; c; c = c->next)
    conn_close(c);
  uv_close((uv_handle_t *)&px->sigterm, NULL);
  uv_close((uv_handle_t *)&px->sigint, NULL);
}

/* "host:port" or "[v6]:port" into a sockaddr; numeric addresses only, as
 * tests use. */
static int parse_addr(const char *s, struct sockaddr_storage *out) {
  char host[128];
  const char *colon, *h = s;
  size_t hlen;
  if (s[0] == '[') {
    const char *end = strchr(s, ']');
    if (!end || end[1] != ':')
      return -1;
    h = s + 1;
    hlen = (size_t)(end - h);
    colon = end + 1;
  } else {
    colon = strrchr(s, ':');
    if (!colon)
      return -1;
    hlen = (size_t)(colon - s);
  }
  if (hlen == 0 || hlen >= sizeof host)
    return -1;
  memcpy(host, h, hlen);
  host[hlen] = '\0';
  char *end;
  errno = 0;
  long port = strtol(colon + 1, &end, 10);
  if (errno || end == colon + 1 || *end || port < 0 || port > 65535)
    return -1;
  if (strcmp(host, "localhost") == 0)
    memcpy(host, "127.0.0.1", sizeof "127.0.0.1");
  memset(out, 0, sizeof *out);
  if (uv_ip4_addr(host, (int)port, (struct sockaddr_in *)out) == 0)
    return 0;
  if (uv_ip6_addr(host, (int)port, (struct sockaddr_in6 *)out) == 0)
    return 0;
  return -1;
}

static int parse_count(const char *opt, const char *v, uint64_t *out) {
  char *end;
  errno = 0;
  unsigned long long n = strtoull(v, &end, 10);
  if (errno || end == v || *end || v[0] == '-') {
    fprintf(stderr, "zhibu-faultproxy: %s: \"%s\" is not a byte count\n", opt, v);
    return -1;
  }
  *out = (uint64_t)n;
  return 0;
}

/* Writes "PORT\n" to path through a temporary file and a rename, so that a
 * test polling for the file never reads it half written. */
static int write_port_file(const char *path, int port) {
  char tmp[4200];
  if (snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp)
    return -1;
  FILE *f = fopen(tmp, "w");
  if (!f)
    return -1;
  fprintf(f, "%d\n", port);
  if (fclose(f) != 0 || rename(tmp, path) != 0)
    return -1;
  return 0;
}

static void usage(void) {
  fprintf(stderr, "usage: zhibu-faultproxy --listen ADDR:PORT --target HOST:PORT "
                  "[--port-file F] [--cut-up N] [--cut-down N] [--cut-count K] [--rst] "
                  "[--stats-file F] [--trace F]\n");
}

int main(int argc, char **argv) {
  struct proxy px;
  memset(&px, 0, sizeof px);
  px.cut_up = px.cut_down = ZB_FP_NO_CUT;
  const char *listen = NULL, *target = NULL, *port_file = NULL, *trace = NULL;
  for (int i = 1; i < argc; i++) {
    const char *o = argv[i];
    if (strcmp(o, "--rst") == 0) {
      px.rst = true;
      continue;
    }
    if (strcmp(o, "--help") == 0) {
      usage();
      return 0;
    }
    if (i + 1 >= argc) {
      usage();
      return 2;
    }
    const char *v = argv[++i];
    if (strcmp(o, "--listen") == 0)
      listen = v;
    else if (strcmp(o, "--target") == 0)
      target = v;
    else if (strcmp(o, "--port-file") == 0)
      port_file = v;
    else if (strcmp(o, "--stats-file") == 0)
      px.stats_file = v;
    else if (strcmp(o, "--trace") == 0)
      trace = v;
    else if (strcmp(o, "--cut-up") == 0) {
      if (parse_count(o, v, &px.cut_up))
        return 2;
    } else if (strcmp(o, "--cut-down") == 0) {
      if (parse_count(o, v, &px.cut_down))
        return 2;
    } else if (strcmp(o, "--cut-count") == 0) {
      if (parse_count(o, v, &px.cut_count))
        return 2;
      if (px.cut_count == 0) {
        fprintf(stderr, "zhibu-faultproxy: --cut-count must be at least 1\n");
        return 2;
      }
    } else {
      fprintf(stderr, "zhibu-faultproxy: unknown option %s\n", o);
      usage();
      return 2;
    }
  }
  if (!listen || !target) {
    usage();
    return 2;
  }
  struct sockaddr_storage laddr;
  if (parse_addr(listen, &laddr) != 0) {
    fprintf(stderr, "zhibu-faultproxy: --listen: \"%s\" is not ADDRESS:PORT\n", listen);
    return 2;
  }
  if (parse_addr(target, &px.target) != 0) {
    fprintf(stderr, "zhibu-faultproxy: --target: \"%s\" is not ADDRESS:PORT\n", target);
    return 2;
  }
  if (trace) {
    px.trace = fopen(trace, "w");
    if (!px.trace) {
      fprintf(stderr, "zhibu-faultproxy: %s: %s\n", trace, strerror(errno));
      return 1;
    }
    /* Line-buffered: a test reads it while the proxy still runs. */
    setvbuf(px.trace, NULL, _IOLBF, 0);
  }
  /* A peer that vanishes must not kill the proxy with SIGPIPE (libuv
   * reports EPIPE instead). */
  signal(SIGPIPE, SIG_IGN);
  px.loop = uv_default_loop();
  uv_tcp_init(px.loop, &px.listener);
  px.listener.data = &px;
  int rc = uv_tcp_bind(&px.listener, (const struct sockaddr *)&laddr, 0);
  if (rc == 0)
    rc = uv_listen((uv_stream_t *)&px.listener, 128, on_connection);
  if (rc != 0) {
    fprintf(stderr, "zhibu-faultproxy: cannot listen on %s: %s\n", listen, uv_strerror(rc));
    return 1;
  }
  struct sockaddr_storage bound;
  int blen = sizeof bound;
  uv_tcp_getsockname(&px.listener, (struct sockaddr *)&bound, &blen);
  int port = ntohs(bound.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&bound)->sin6_port
                                               : ((struct sockaddr_in *)&bound)->sin_port);
  if (port_file && write_port_file(port_file, port) != 0) {
    fprintf(stderr, "zhibu-faultproxy: %s: %s\n", port_file, strerror(errno));
    return 1;
  }
  uv_signal_init(px.loop, &px.sigterm);
  uv_signal_init(px.loop, &px.sigint);
  px.sigterm.data = px.sigint.data = &px;
  uv_signal_start(&px.sigterm, on_signal, SIGTERM);
  uv_signal_start(&px.sigint, on_signal, SIGINT);
  uv_run(px.loop, UV_RUN_DEFAULT);
  uv_loop_close(px.loop);
  if (px.trace)
    fclose(px.trace);
  return 0;
}
