/*
 * zhibu-faultproxy — a TCP proxy that cuts connections at a chosen byte,
 * for fault-injection tests of sync sessions (docs/PROTOCOL.md; docs/DESIGN-NOTES.md, "Invariants" 2:
 * "a session cut at any byte loses nothing and applies nothing twice"),
 * a plain byte counter for benchmarks, and an emulated poor link (this
 * machine class has no netem/tbf qdisc): latency, bandwidth, jitter,
 * stalls, up/down schedules, cuts at random bytes, small segments.
 *
 *   zhibu-faultproxy --listen ADDR:PORT --target HOST:PORT [--port-file F]
 *                    [--cut-up N] [--cut-down N] [--cut-count K] [--rst]
 *                    [--stats-file F] [--trace F]
 *                    [--profile 2g|flap|cutty] [link options below]
 *
 * It moves bytes both ways unchanged; it cannot read TLS and does not try.
 *   --cut-up N     after forwarding N bytes client→server on a connection,
 *                  close both sides of that connection without forwarding
 *                  anything more (N = 0: at the first byte the client sends).
 *   --cut-down N   the same for server→client.
 *   --cut-count K  cut only the first K connections (default: every one).
 *   --rst          cut with a TCP reset (SO_LINGER 0) instead of a plain
 *                  close; a reset may also discard bytes still unsent in
 *                  the kernel, so the peer can see fewer than N.  Every
 *                  kind of cut below uses it too.
 *   --port-file F  written (atomically, "PORT\n") once listening: use
 *                  --listen 127.0.0.1:0 and read the port from F.
 *   --stats-file F one JSON line appended per finished connection:
 *                  {"conn":i,"up":bytes,"down":bytes,"cut":true|false,
 *                   "why":"…","ms":duration}
 *                  with i counting accepted connections from 1, and up/down
 *                  the bytes forwarded (delivered) in each direction.  "why"
 *                  says what ended it: "end" (the peers closed), "byte"
 *                  (--cut-up/--cut-down), "random" (--cut-every),
 *                  "link-down" (the schedule took the link down),
 *                  "refused" (it arrived while the link was down), "error",
 *                  "stop" (SIGTERM).  "cut" is true for the four cuts.
 *   --trace F      one line per read, in order: "CONN up|down OFFSET LEN"
 *                  (OFFSET counts that direction's bytes read before this
 *                  read), so that a test can find where a frame burst lies
 *                  in the byte stream and cut inside it.
 *
 * The link (each option applies to both directions unless it names one;
 * times in milliseconds unless said otherwise; decimals allowed):
 *   --delay MS, --delay-up MS, --delay-down MS    one-way latency
 *   --jitter MS    each segment arrives up to MS later, at random (bytes of
 *                  one connection stay in order, as TCP keeps them)
 *   --rate KBIT, --rate-up KBIT, --rate-down KBIT  bandwidth in kbit/s,
 *                  shared by all connections in that direction
 *   --segment N    bytes are delivered in writes of at most N bytes
 *                  (default, on a link with a rate: 1460)
 *   --stall-every S --stall-for S   about every S seconds (0.5–1.5 S, at
 *                  random) the link transmits nothing for S seconds; the
 *                  connections stay open
 *   --up S --down S   the link is up S seconds, then down S seconds, and so
 *                  on from the start; while down, a new connection is reset
 *                  at once (the client sees it refused) and, when it goes
 *                  down, every open connection is cut
 *   --start-down   the schedule starts with its down period
 *   --offset S     the schedule starts S seconds into its cycle (up + down)
 *   --cut-every N  cut the connection carrying the byte after about N more
 *                  bytes in a direction (N/2 … 3N/2 at random), counted
 *                  over the link, across connections
 *   --seed N       the random draws (jitter, stalls, cuts); the same seed
 *                  gives the same draws (default 1)
 *   --queue N      bytes held per connection and direction on the link
 *                  before the proxy stops reading from the sender (default
 *                  256 KiB; 32 KiB on a link with a rate)
 *   --profile P    a preset, which the options above then adjust:
 *                  2g     50 kbit/s and 300 ms each way, jitter 50 ms,
 *                         segments of 536 bytes, a 1.5 s stall every ~20 s
 *                  flap   up 20 s, down 40 s; otherwise 64 kbit/s, 100 ms
 *                  cutty  a cut every ~4 KB each way; 256 kbit/s, 60 ms
 *
 * A connection the target refuses is closed at once (up 0, down 0).
 * Half-closes are passed on once the bytes before them have been
 * delivered (EOF from one side shuts down writing to the other), so TLS
 * close_notify exchanges complete normally.
 *
 * SIGTERM or SIGINT: stop listening, close every connection (each gets its
 * stats line), exit 0.  Exit 2 on bad arguments, 1 when it cannot listen.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
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
#define ZB_FP_RATE_QUEUE_CAP (32u * 1024u)
#define ZB_FP_NO_CUT UINT64_MAX

enum { UP = 0, DOWN = 1 };

struct proxy;
struct conn;

/* Bytes on the link, waiting for the time they arrive. */
struct seg {
  struct seg *next;
  double sent;          /* ms (hrtime) when the link has transmitted them */
  double at;            /* ms (hrtime) when they arrive at the other end */
  size_t len;
  char data[];
};

/* One direction of a connection: bytes read from this side's socket go,
 * over the link, to peer's socket. */
struct side {
  uv_tcp_t tcp;
  uv_timer_t timer;       /* fires when the head of q arrives */
  struct conn *conn;
  struct side *peer;      /* the other side, which we write into */
  int dir;                /* UP for the client's side, DOWN for the server's */
  uint64_t read_bytes;    /* bytes read here */
  uint64_t forwarded;     /* bytes delivered to the peer */
  uint64_t cut_at;        /* ZB_FP_NO_CUT or the byte count to cut after */
  struct seg *q, **qtail; /* on the link, in order of arrival */
  size_t qbytes;
  double last_at;         /* arrival time of the last segment queued */
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
  double t0;
  const char *why;
  bool connected, closing, cut, cut_pending, rst;
};

/* The random draws: splitmix64, one stream per use, so that jitter does
 * not move the cut points. */
struct rng {
  uint64_t s;
};

static uint64_t rng_next(struct rng *r) {
  uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

/* Uniform in [0, 1). */
static double rng_unit(struct rng *r) { return (double)(rng_next(r) >> 11) / 9007199254740992.0; }

struct link {
  /* settings */
  double delay[2], jitter, rate[2];   /* ms, ms, bytes per ms (0: unlimited) */
  size_t segment;
  double stall_every, stall_for;      /* ms */
  double up_ms, down_ms, offset_ms;
  bool start_down;
  uint64_t cut_every;
  uint64_t seed;
  size_t queue_cap;
  /* state */
  double tx_free[2];                  /* when the transmitter is free again */
  struct rng jit[2], cut[2], stall[2];
  double stall_start[2], stall_end[2];
  uint64_t carried[2], next_cut[2];   /* delivered bytes over the link */
  bool down;
  uv_timer_t phase;
};

struct proxy {
  uv_loop_t *loop;
  uv_tcp_t listener;
  uv_signal_t sigterm, sigint;
  struct sockaddr_storage target;
  uint64_t cut_up, cut_down, cut_count, accepted;
  bool rst, stopping, shaped;
  const char *stats_file;
  FILE *trace;
  struct conn *conns;
  struct link link;
  double t0;
};

struct wreq {
  uv_write_t req;
  struct side *to;
  uv_buf_t buf;
};

static void conn_close(struct conn *c);
static void conn_cut(struct conn *c, const char *why);
static void side_start(struct side *s);

static double now_ms(void) { return (double)uv_hrtime() / 1e6; }

/* Appends one line with O_APPEND so that readers never see half a line
 * from one write. */
static void stats_line(struct conn *c) {
  if (!c->px->stats_file)
    return;
  char line[300];
  int n = snprintf(line, sizeof line,
                   "{\"conn\":%" PRIu64 ",\"up\":%" PRIu64 ",\"down\":%" PRIu64
                   ",\"cut\":%s,\"why\":\"%s\",\"ms\":%.0f}\n",
                   c->id, c->client.forwarded, c->server.forwarded, c->cut ? "true" : "false",
                   c->why ? c->why : "end", now_ms() - c->t0);
  int fd = open(c->px->stats_file, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) {
    fprintf(stderr, "zhibu-faultproxy: %s: %s\n", c->px->stats_file, strerror(errno));
    return;
  }
  if (n > 0 && write(fd, line, (size_t)n) != n)
    fprintf(stderr, "zhibu-faultproxy: %s: short write\n", c->px->stats_file);
  close(fd);
}

/* The link's transmitter in direction d is busy until the last segment
 * still queued on any connection is sent: what a cut connection had
 * queued is not transmitted, and the others' segments keep their times. */
static void retime(struct proxy *px, int d) {
  double busy = now_ms();
  for (struct conn *c = px->conns; c; c = c->next) {
    struct side *s = d == UP ? &c->client : &c->server;
    for (struct seg *g = s->q; g; g = g->next)
      if (g->sent > busy)
        busy = g->sent;
  }
  if (px->link.tx_free[d] > busy)
    px->link.tx_free[d] = busy;
}

static void drop_queue(struct side *s) {
  bool had = s->q != NULL;
  while (s->q) {
    struct seg *g = s->q;
    s->q = g->next;
    free(g);
  }
  s->qtail = &s->q;
  s->qbytes = 0;
  if (had)
    retime(s->conn->px, s->dir);
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
  drop_queue(&c->client);
  drop_queue(&c->server);
  free(c);
}

static void side_close(struct side *s, bool rst) {
  uv_handle_t *h = (uv_handle_t *)&s->tcp;
  if (!uv_is_closing((uv_handle_t *)&s->timer))
    uv_close((uv_handle_t *)&s->timer, on_handle_closed);
  if (uv_is_closing(h))
    return;
  /* A reset needs a socket; before the target connected there is none. */
  if (rst && s->conn->connected && uv_tcp_close_reset(&s->tcp, on_handle_closed) == 0)
    return;
  uv_close(h, on_handle_closed);
}

/* Closes both sides.  Pending writes are cancelled by libuv (their
 * callbacks run with UV_ECANCELED and free their buffers); bytes still on
 * the link are lost. */
static void conn_close(struct conn *c) {
  if (c->closing)
    return;
  c->closing = true;
  drop_queue(&c->client);
  drop_queue(&c->server);
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

/* Bytes read from s not yet written by its peer's socket. */
static size_t backlog(const struct side *s) { return s->qbytes + s->peer->tcp.write_queue_size; }

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

/* Both directions ended and everything was delivered: done. */
static void maybe_finish(struct conn *c) {
  if (c->client.eof && c->server.eof && c->pending_writes == 0 && !c->client.q && !c->server.q)
    conn_close(c);
}

static void on_shutdown(uv_shutdown_t *req, int status) {
  struct side *s = req->data;
  free(req);
  if (status == UV_ECANCELED)
    return;
  maybe_finish(s->conn);
}

/* The reading side `from` saw EOF: pass it on once every byte before it
 * has been delivered. */
static void pass_eof(struct side *from) {
  struct side *to = from->peer;
  if (to->shut || from->conn->closing || from->q)
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
    c->why = "error";
    conn_close(c);
    return;
  }
  if (c->cut_pending) {
    /* The last allowed bytes are in the kernel now: cut. */
    if (c->pending_writes == 0)
      conn_close(c);
    return;
  }
  /* Room again: resume reading what feeds `to`. */
  struct side *from = to->peer;
  if (backlog(from) <= from->conn->px->link.queue_cap / 2)
    side_start(from);
  if (from->eof && c->pending_writes == 0)
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
    c->why = "error";
    conn_close(c);
    return false;
  }
  c->pending_writes++;
  return true;
}

/* Delivers len bytes of base (taken) that s read to s's peer, applying
 * the cuts: the connection's own (--cut-up/--cut-down) and the link's
 * random ones.  false once the connection is cut or closing. */
static bool deliver(struct side *s, char *base, size_t len) {
  struct conn *c = s->conn;
  struct link *L = &c->px->link;
  size_t take = len;
  const char *why = NULL;
  if (s->cut_at != ZB_FP_NO_CUT && s->forwarded + take >= s->cut_at) {
    take = (size_t)(s->cut_at - s->forwarded);
    why = "byte";
  }
  if (L->cut_every && L->carried[s->dir] + take >= L->next_cut[s->dir]) {
    take = (size_t)(L->next_cut[s->dir] - L->carried[s->dir]);
    why = "random";
    uint64_t span = L->cut_every / 2 + rng_next(&L->cut[s->dir]) % (L->cut_every + 1);
    L->next_cut[s->dir] += span ? span : 1;
  }
  s->forwarded += take;
  L->carried[s->dir] += take;
  if (!why) {
    if (!forward(s->peer, base, take))
      return false;
    if (backlog(s) > L->queue_cap)
      side_stop(s);
    return true;
  }
  c->cut = true;
  c->why = why;
  c->cut_pending = true;
  side_stop(&c->client);
  side_stop(&c->server);
  drop_queue(&c->client);
  drop_queue(&c->server);
  if (take == 0) {
    free(base);
    conn_close(c);
  } else if (forward(s->peer, base, take) && c->pending_writes == 0) {
    conn_close(c);
  }
  return false;
}

/* The end of the stall at or after t in direction d, or t outside stalls. */
static double unstall(struct link *L, int d, double t) {
  if (L->stall_every <= 0 || L->stall_for <= 0)
    return t;
  for (;;) {
    if (t < L->stall_start[d])
      return t;
    if (t < L->stall_end[d])
      return L->stall_end[d];
    L->stall_start[d] = L->stall_end[d] + L->stall_every * (0.5 + rng_unit(&L->stall[d]));
    L->stall_end[d] = L->stall_start[d] + L->stall_for;
  }
}

static void on_side_timer(uv_timer_t *t);

static void arm(struct side *s) {
  if (!s->q || s->conn->closing)
    return;
  double wait = s->q->at - now_ms();
  uint64_t ms = wait > 0 ? (uint64_t)ceil(wait) : 0;
  uv_timer_start(&s->timer, on_side_timer, ms, 0);
}

/* Delivers every segment that has arrived by now. */
static void on_side_timer(uv_timer_t *t) {
  struct side *s = t->data;
  struct conn *c = s->conn;
  double now = now_ms();
  while (s->q && s->q->at <= now + 0.5 && !c->closing && !c->cut_pending) {
    struct seg *g = s->q;
    s->q = g->next;
    if (!s->q)
      s->qtail = &s->q;
    s->qbytes -= g->len;
    char *buf = malloc(g->len);
    if (!buf) {
      free(g);
      conn_close(c);
      return;
    }
    memcpy(buf, g->data, g->len);
    size_t len = g->len;
    free(g);
    if (!deliver(s, buf, len))
      return;
  }
  if (c->closing || c->cut_pending)
    return;
  if (s->q) {
    arm(s);
    return;
  }
  if (backlog(s) <= c->px->link.queue_cap / 2)
    side_start(s);
  if (s->eof) {
    pass_eof(s);
    maybe_finish(c);
  }
}

/* Puts len bytes read from s on the link, cut into segments, each with the
 * time it arrives: after the transmitter is free (the rate, stalls), the
 * delay and the jitter, never before the segment ahead of it. */
static bool enqueue(struct side *s, const char *data, size_t len) {
  struct link *L = &s->conn->px->link;
  int d = s->dir;
  double now = now_ms();
  size_t segsz = L->segment ? L->segment : len;
  while (len > 0) {
    size_t n = len < segsz ? len : segsz;
    struct seg *g = malloc(sizeof *g + n);
    if (!g)
      return false;
    memcpy(g->data, data, n);
    g->len = n;
    g->next = NULL;
    double start = L->tx_free[d] > now ? L->tx_free[d] : now;
    start = unstall(L, d, start);
    double done = start + (L->rate[d] > 0 ? (double)n / L->rate[d] : 0);
    L->tx_free[d] = g->sent = done;
    double at = done + L->delay[d] + (L->jitter > 0 ? L->jitter * rng_unit(&L->jit[d]) : 0);
    if (at < s->last_at)
      at = s->last_at;
    s->last_at = g->at = at;
    *s->qtail = g;
    s->qtail = &g->next;
    s->qbytes += n;
    data += n;
    len -= n;
  }
  if (uv_is_active((uv_handle_t *)&s->timer) == 0)
    arm(s);
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
      if (!c->why)
        c->why = "error";
      conn_close(c);
    }
    return;
  }
  size_t len = (size_t)nread;
  if (c->px->trace)
    fprintf(c->px->trace, "%" PRIu64 " %s %" PRIu64 " %zu\n", c->id,
            s == &c->client ? "up" : "down", s->read_bytes, len);
  s->read_bytes += len;
  if (!c->px->shaped) {
    /* No link to emulate: straight through, as a plain proxy. */
    deliver(s, buf->base, len);
    return;
  }
  bool ok = enqueue(s, buf->base, len);
  free(buf->base);
  if (!ok) {
    c->why = "error";
    conn_close(c);
    return;
  }
  if (backlog(s) > c->px->link.queue_cap)
    side_stop(s);
}

static void on_target_connected(uv_connect_t *req, int status) {
  struct conn *c = req->data;
  if (c->closing)
    return;
  if (status < 0) {
    fprintf(stderr, "zhibu-faultproxy: conn %" PRIu64 ": target: %s\n", c->id,
            uv_strerror(status));
    c->why = "error";
    conn_close(c);
    return;
  }
  c->connected = true;
  side_start(&c->client);
  side_start(&c->server);
}

static void side_init(struct conn *c, struct side *s, struct side *peer, int dir, uint64_t cut) {
  s->conn = c;
  s->peer = peer;
  s->dir = dir;
  s->cut_at = cut;
  s->qtail = &s->q;
  uv_tcp_init(c->px->loop, &s->tcp);
  uv_timer_init(c->px->loop, &s->timer);
  s->tcp.data = s;
  s->timer.data = s;
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
  c->t0 = now_ms();
  bool cut = px->cut_count == 0 || c->id <= px->cut_count;
  c->rst = px->rst;
  side_init(c, &c->client, &c->server, UP, cut ? px->cut_up : ZB_FP_NO_CUT);
  side_init(c, &c->server, &c->client, DOWN, cut ? px->cut_down : ZB_FP_NO_CUT);
  c->open_handles = 4;
  c->next = px->conns;
  if (c->next)
    c->next->prevp = &c->next;
  c->prevp = &px->conns;
  px->conns = c;
  if (uv_accept(listener, (uv_stream_t *)&c->client.tcp) != 0) {
    c->why = "error";
    conn_close(c);
    return;
  }
  if (px->link.down) {
    /* Nothing gets through: the client is reset at once. */
    c->cut = true;
    c->why = "refused";
    c->closing = true;
    uv_close((uv_handle_t *)&c->client.timer, on_handle_closed);
    uv_close((uv_handle_t *)&c->server.timer, on_handle_closed);
    uv_close((uv_handle_t *)&c->server.tcp, on_handle_closed);
    if (uv_tcp_close_reset(&c->client.tcp, on_handle_closed) != 0)
      uv_close((uv_handle_t *)&c->client.tcp, on_handle_closed);
    return;
  }
  uv_tcp_nodelay(&c->client.tcp, 1);
  uv_tcp_nodelay(&c->server.tcp, 1);
  c->connect_req.data = c;
  int rc = uv_tcp_connect(&c->connect_req, &c->server.tcp,
                          (const struct sockaddr *)&px->target, on_target_connected);
  if (rc != 0) {
    fprintf(stderr, "zhibu-faultproxy: conn %" PRIu64 ": target: %s\n", c->id, uv_strerror(rc));
    c->why = "error";
    conn_close(c);
  }
}

/* A cut that is not at a byte: everything on the link is lost. */
static void conn_cut(struct conn *c, const char *why) {
  if (c->closing)
    return;
  c->cut = true;
  c->why = why;
  conn_close(c);
}

static void on_phase(uv_timer_t *t) {
  struct proxy *px = t->data;
  struct link *L = &px->link;
  L->down = !L->down;
  if (L->down)
    for (struct conn *c = px->conns; c; c = c->next)
      conn_cut(c, "link-down");
  uv_timer_start(t, on_phase, (uint64_t)(L->down ? L->down_ms : L->up_ms), 0);
}

static void on_signal(uv_signal_t *sig, int signum) {
  struct proxy *px = sig->data;
  (void)signum;
  if (px->stopping)
    return;
  px->stopping = true;
  uv_close((uv_handle_t *)&px->listener, NULL);
  for (struct conn *c = px->conns; c; c = c->next) {
    if (!c->why)
      c->why = "stop";
    conn_close(c);
  }
  uv_close((uv_handle_t *)&px->sigterm, NULL);
  uv_close((uv_handle_t *)&px->sigint, NULL);
  uv_close((uv_handle_t *)&px->link.phase, NULL);
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

/* A number ≥ 0, decimals allowed, below a day's worth of anything. */
static int parse_num(const char *opt, const char *v, double *out) {
  char *end;
  errno = 0;
  double d = strtod(v, &end);
  if (errno || end == v || *end || !(d >= 0) || d > 1e9) {
    fprintf(stderr, "zhibu-faultproxy: %s: \"%s\" is not a number of at least 0\n", opt, v);
    return -1;
  }
  *out = d;
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
  fprintf(stderr,
          "usage: zhibu-faultproxy --listen ADDR:PORT --target HOST:PORT "
          "[--port-file F] [--cut-up N] [--cut-down N] [--cut-count K] [--rst] "
          "[--stats-file F] [--trace F]\n"
          "       [--profile 2g|flap|cutty] [--delay MS] [--delay-up MS] [--delay-down MS] "
          "[--jitter MS] [--rate KBIT] [--rate-up KBIT] [--rate-down KBIT] [--segment N] "
          "[--stall-every S] [--stall-for S] [--up S] [--down S] [--start-down] [--offset S] "
          "[--cut-every N] [--seed N] [--queue N]\n");
}

/* The presets; kbit/s and ms and seconds as on the command line. */
static int apply_profile(struct link *L, const char *name) {
  if (strcmp(name, "2g") == 0) {
    L->rate[UP] = L->rate[DOWN] = 50.0 * 1000 / 8 / 1000;
    L->delay[UP] = L->delay[DOWN] = 300;
    L->jitter = 50;
    L->segment = 536;
    L->stall_every = 20000;
    L->stall_for = 1500;
  } else if (strcmp(name, "flap") == 0) {
    L->up_ms = 20000;
    L->down_ms = 40000;
    L->rate[UP] = L->rate[DOWN] = 64.0 * 1000 / 8 / 1000;
    L->delay[UP] = L->delay[DOWN] = 100;
  } else if (strcmp(name, "cutty") == 0) {
    L->cut_every = 4096;
    L->rate[UP] = L->rate[DOWN] = 256.0 * 1000 / 8 / 1000;
    L->delay[UP] = L->delay[DOWN] = 60;
    L->jitter = 10;
  } else {
    fprintf(stderr, "zhibu-faultproxy: --profile: \"%s\" is not 2g, flap or cutty\n", name);
    return -1;
  }
  return 0;
}

int main(int argc, char **argv) {
  struct proxy px;
  memset(&px, 0, sizeof px);
  px.cut_up = px.cut_down = ZB_FP_NO_CUT;
  struct link *L = &px.link;
  L->seed = 1;
  double queue = 0;
  const char *listen = NULL, *target = NULL, *port_file = NULL, *trace = NULL;
  /* The profile first, whatever its place: the other options adjust it. */
  for (int i = 1; i + 1 < argc; i++)
    if (strcmp(argv[i], "--profile") == 0 && apply_profile(L, argv[i + 1]) != 0)
      return 2;
  for (int i = 1; i < argc; i++) {
    const char *o = argv[i];
    if (strcmp(o, "--rst") == 0) {
      px.rst = true;
      continue;
    }
    if (strcmp(o, "--start-down") == 0) {
      L->start_down = true;
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
    double d = 0;
    uint64_t n = 0;
    int bad = 0;
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
    else if (strcmp(o, "--profile") == 0)
      ; /* applied above */
    else if (strcmp(o, "--cut-up") == 0)
      bad = parse_count(o, v, &px.cut_up);
    else if (strcmp(o, "--cut-down") == 0)
      bad = parse_count(o, v, &px.cut_down);
    else if (strcmp(o, "--cut-count") == 0) {
      if (parse_count(o, v, &px.cut_count))
        return 2;
      if (px.cut_count == 0) {
        fprintf(stderr, "zhibu-faultproxy: --cut-count must be at least 1\n");
        return 2;
      }
    } else if (strcmp(o, "--delay") == 0) {
      bad = parse_num(o, v, &d);
      L->delay[UP] = L->delay[DOWN] = d;
    } else if (strcmp(o, "--delay-up") == 0)
      bad = parse_num(o, v, &L->delay[UP]);
    else if (strcmp(o, "--delay-down") == 0)
      bad = parse_num(o, v, &L->delay[DOWN]);
    else if (strcmp(o, "--jitter") == 0)
      bad = parse_num(o, v, &L->jitter);
    else if (strcmp(o, "--rate") == 0 || strcmp(o, "--rate-up") == 0 ||
             strcmp(o, "--rate-down") == 0) {
      bad = parse_num(o, v, &d);
      d = d * 1000 / 8 / 1000; /* kbit/s to bytes per ms */
      if (strcmp(o, "--rate-down") != 0)
        L->rate[UP] = d;
      if (strcmp(o, "--rate-up") != 0)
        L->rate[DOWN] = d;
    } else if (strcmp(o, "--segment") == 0) {
      bad = parse_count(o, v, &n);
      L->segment = (size_t)n;
    } else if (strcmp(o, "--stall-every") == 0) {
      bad = parse_num(o, v, &d);
      L->stall_every = d * 1000;
    } else if (strcmp(o, "--stall-for") == 0) {
      bad = parse_num(o, v, &d);
      L->stall_for = d * 1000;
    } else if (strcmp(o, "--up") == 0) {
      bad = parse_num(o, v, &d);
      L->up_ms = d * 1000;
    } else if (strcmp(o, "--down") == 0) {
      bad = parse_num(o, v, &d);
      L->down_ms = d * 1000;
    } else if (strcmp(o, "--offset") == 0) {
      bad = parse_num(o, v, &d);
      L->offset_ms = d * 1000;
    } else if (strcmp(o, "--cut-every") == 0)
      bad = parse_count(o, v, &L->cut_every);
    else if (strcmp(o, "--seed") == 0)
      bad = parse_count(o, v, &L->seed);
    else if (strcmp(o, "--queue") == 0)
      bad = parse_num(o, v, &queue);
    else {
      fprintf(stderr, "zhibu-faultproxy: unknown option %s\n", o);
      usage();
      return 2;
    }
    if (bad)
      return 2;
  }
  if (!listen || !target) {
    usage();
    return 2;
  }
  if ((L->up_ms > 0) != (L->down_ms > 0)) {
    fprintf(stderr, "zhibu-faultproxy: --up and --down go together (both above 0, or both 0)\n");
    return 2;
  }
  if (L->up_ms > 0 && (L->up_ms < 1 || L->down_ms < 1)) {
    fprintf(stderr, "zhibu-faultproxy: --up and --down must be at least 0.001 s\n");
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
  px.shaped = L->delay[UP] > 0 || L->delay[DOWN] > 0 || L->jitter > 0 || L->rate[UP] > 0 ||
              L->rate[DOWN] > 0 || L->segment > 0 || (L->stall_every > 0 && L->stall_for > 0);
  /* A link with a rate delivers bytes as they come through, not a whole
   * read at its end: segments of a full Ethernet frame's payload. */
  if ((L->rate[UP] > 0 || L->rate[DOWN] > 0) && L->segment == 0)
    L->segment = 1460;
  L->queue_cap = queue > 0 ? (size_t)queue
                           : (L->rate[UP] > 0 || L->rate[DOWN] > 0 ? ZB_FP_RATE_QUEUE_CAP
                                                                   : ZB_FP_QUEUE_CAP);
  for (int d = 0; d < 2; d++) {
    L->jit[d].s = L->seed * 4 + 0 + (uint64_t)d * 2;
    L->cut[d].s = L->seed * 4 + 1 + (uint64_t)d * 2;
    /* Both directions stall together: one stream, drawn twice. */
    L->stall[d].s = L->seed * 4 + 0x5157a11ull;
    if (L->cut_every)
      L->next_cut[d] = L->cut_every / 2 + rng_next(&L->cut[d]) % (L->cut_every + 1);
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
  px.t0 = now_ms();
  for (int d = 0; d < 2; d++) {
    if (L->stall_every > 0 && L->stall_for > 0) {
      L->stall_start[d] = px.t0 + L->stall_every * (0.5 + rng_unit(&L->stall[d]));
      L->stall_end[d] = L->stall_start[d] + L->stall_for;
    }
  }
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
  uv_timer_init(px.loop, &L->phase);
  L->phase.data = &px;
  if (L->up_ms > 0) {
    double at = fmod((L->start_down ? L->up_ms : 0) + L->offset_ms, L->up_ms + L->down_ms);
    L->down = at >= L->up_ms;
    double left = L->down ? L->up_ms + L->down_ms - at : L->up_ms - at;
    uv_timer_start(&L->phase, on_phase, (uint64_t)(left < 1 ? 1 : left), 0);
  }
  uv_signal_init(px.loop, &px.sigterm);
  uv_signal_init(px.loop, &px.sigint);
  px.sigterm.data = px.sigint.data = &px;
  uv_signal_start(&px.sigterm, on_signal, SIGTERM);
  uv_signal_start(&px.sigint, on_signal, SIGINT);
  /* The port file last: once a test sees it, the schedule has begun. */
  if (port_file && write_port_file(port_file, port) != 0) {
    fprintf(stderr, "zhibu-faultproxy: %s: %s\n", port_file, strerror(errno));
    return 1;
  }
  uv_run(px.loop, UV_RUN_DEFAULT);
  uv_loop_close(px.loop);
  if (px.trace)
    fclose(px.trace);
  return 0;
}
