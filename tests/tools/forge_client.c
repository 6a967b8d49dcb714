/*
 * zhibu-forge — a hand-built sync client for the hostile-peer tests
 * (tests/integration/test_sync_hostile.sh and test_sync_attacks.sh,
 * docs/DESIGN-NOTES.md, "Invariants" 5–7).
 *
 * It holds a node's REAL enrollment bundle, so the server accepts the TLS
 * handshake and the Hello; what it sends afterwards is whatever the test
 * asks for, built here rather than by zb_node, so that none of the node's
 * own checks (scope, seq order, field rules, sizes) stand in the way:
 *
 *   zhibu-forge --bundle FILE | --data NODEDIR  --server HOST:PORT
 *               [--mode MODE] [--timeout-ms N] [--record] [op options…]
 *               [mode options…]
 *
 * Modes (--mode NAME; the mode options below also select their mode):
 *
 *   forge          (default) pushes --count ops (default 1), origin = the
 *                  certificate's node id, seqs from held_seq + 1 (HelloAck)
 *                  on, each setting the phone of --member (typically a
 *                  member of ANOTHER branch), shaped by the op options
 *   wrong-origin   the same op with origin = --origin (another node's id)
 *   gap            the same op with seq = held_seq + 2
 *   garbage-frame  one frame of random bytes (not a protobuf Frame)
 *   huge-length    a bare 4-byte length prefix of 2 GiB, then a few bytes
 *   push-first     a well-formed PushBatch before any Hello
 *   pull           (--pull-cursor N) after HelloAck, one PullRequest{cursor
 *                  = N}; the PullBatch is reported, then the session closed
 *   sessions       (--sessions N) N concurrent sessions with the same
 *                  certificate; each sends Hello, then, after its HelloAck,
 *                  the 4-byte header of a frame declaring --partial-bytes B
 *                  + 100 bytes and B payload bytes, and holds.  Once every
 *                  session has sent that or was refused, they hold for
 *                  --hold-ms (default 3000), then each is reported (refused
 *                  with an error frame, or still open) and closed
 *   trickle        (--trickle-ms MS) after HelloAck, declares a 100000-byte
 *                  frame and sends one byte of it every MS ms until the
 *                  server closes the session (or --timeout-ms runs out);
 *                  reports how long the server took
 *   race           (--race) two sessions with the same certificate; once
 *                  both have their HelloAck, each pushes a DIFFERENT op at
 *                  the same seq (held_seq + 1, or --seq/--seq-offset) in the
 *                  same loop tick: the first as the op options say, the
 *                  second with phone --phone2 and actor "forge-race"
 *   group          (--group-with BUNDLE|NODEDIR) two sessions on one loop:
 *                  this certificate pushes the op the options describe (a
 *                  bad one), the other node's certificate an honest op
 *                  (phone of --group-member, default --member, set to
 *                  --group-phone, at its held_seq + 1, HLC now, base cursor
 *                  = server head); both push frames go out in the same tick
 *
 * Op options (forge, wrong-origin, gap, push-first, race, group):
 *
 *   --member ID          the record's key (default M0000000000)
 *   --phone VALUE        the phone every op sets (default 13800000000)
 *   --phone2 VALUE       race: the second session's phone (13900000001)
 *   --repeat-field N     the op sets phone N times (N FieldSets of field 11)
 *   --name-bytes N       the op also sets name to N bytes 'A'…
 *   --actor-bytes N      the op's actor is N bytes 'A'… (default "forge")
 *   --nul-in WHAT        a string carrying an embedded NUL byte, encoded by
 *                        patching the packed op (protobuf-c packs C
 *                        strings): name  the op also sets name "abc\0def";
 *                        key  the record key is "<member>\0nul";
 *                        org  the op also sets org_code "<org>\0-99"
 *   --hlc N              the op's HLC (u64; default now << 16, + i for the
 *                        i-th op); e.g. 18446744073709551615, or the HLC of
 *                        a year-2200 instant: ms << 16
 *   --base-cursor N      the op's base cursor (default the server head from
 *                        HelloAck: "has seen everything")
 *   --seq N              the first op's seq (default held_seq + 1)
 *   --seq-offset K       the first op's seq is held_seq + 1 + K (K may be
 *                        negative: -1 offers again the op the server holds)
 *   --count N            push N ops with consecutive seqs in one session,
 *                        in batches of at most ~1 MiB raw like the node
 *   --kind N             the record kind of the op (its wire number; default 2,
 *                        member); with --field, the op is that kind's
 *   --field N=VALUE      (repeatable) the op sets field N to VALUE, and only
 *                        the fields given: e.g. a whole dues payment
 *                        (--kind 5 --member M1-202605 --field 1=M1 …), built
 *                        as a node without its checks would
 *   --act NAME           with --kind and --field: the op is the act NAME on
 *                        record --member (its params the --field values),
 *                        e.g. an applicant's 审批 sent by a branch
 *   --create-member      the op creates member --id (default --member) with
 *                        every required field: --name (测试党员), --gender
 *                        (from the id number, else 男), --ethnicity (汉族),
 *                        --birth-date, --id-number (default: a valid one
 *                        built here: area 430121, the birth date, sequence
 *                        001 for 男 / 002 for 女, the GB 11643 MOD 11-2 check
 *                        character), --category (预备党员), --join-date,
 *                        --full-date (none), --org-code (the certificate's
 *                        org), --phone
 *
 * --record (forge mode, with --data, node stopped): the ops are also
 * appended to the node's own log before they are pushed, as a node binary
 * whose checks were patched out would do, so that the node's next ordinary
 * sync meets the server's verdict on ops it knows (a rejection must show
 * in `zhibu-node rejected`).  They take the node's HLC and cursor unless
 * --hlc / --base-cursor say otherwise.  Without it the ops exist only on
 * the wire — a stolen key — and the node's log and the server's disagree
 * about those seqs.  Not with --nul-in, --seq or --seq-offset.
 *
 * Every mode acts after HelloAck (except push-first), then waits for the
 * server's answers and its close.  One JSON object goes to stdout:
 *
 *   {"mode": "...", "node_id": "...", "hello_ack": true|false,
 *    "org": "...", "held_seq": N, "server_head": N,
 *    "sent": {"origin": "...", "seq": N, "count": N, "hlc": "N",
 *             "op_bytes": N, "batches": N} | null,
 *    "push_ack": {"held_seq": N, "rejected": N, "conflicts": N,
 *                 "acks": N} | null,
 *    "error": {"code": N, "message": "..."} | null,
 *    "pull": {"count": N, "cursor": "N", "done": true|false,
 *             "raw_size": N} | null,
 *    "trickle": {"declared": N, "bytes_sent": N,
 *                "closed_after_ms": N | null} | null,
 *    "closed": "ZB_E..." | "clean" | "timeout" | "not-closed",
 *    "sessions": [ {"role": "...", "node_id": ..., the keys above from
 *                   hello_ack to closed, "partial_sent": true|false,
 *                   "open_at_end": true|false}, … ]   (sessions, race, group)
 *   }
 *
 * u64 values that may exceed 2^63 (hlc, pull cursor) are decimal strings.
 * push_ack sums the rejected and conflicts counts of every PushAck of the
 * session, held_seq is the last one's.  In the multi-session modes the
 * top-level keys are those of the first session.
 *
 * Exit status: 0 when the session(s) ran (whatever the server answered), 2
 * for a usage error, 1 for a local failure.
 *
 * A second use makes an EXPIRED copy of a bundle, for the expiry test:
 *
 *   zhibu-forge --expire-bundle IN --ca-dir SERVERDATA/pki --out OUT
 *
 * writes OUT (mode 0600, the bundle format of zb_bundle.h) with the same key,
 * node id and org as IN, but a certificate that the CA signed with
 * notBefore 10 days and notAfter 1 day in the past.
 */
#define _GNU_SOURCE 1   /* memmem */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <netdb.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

#include "zb_batch.h"
#include "zb_conn.h"
#include "zb_err.h"
#include "zb_frame.h"
#include "zb_hlc.h"
#include "zb_idnum.h"
#include "zb_log.h"
#include "zb_node.h"
#include "zb_oplog.h"
#include "zb_bundle.h"
#include "zb_record.h"
#include "zb_store.h"
#include "zb_sync.h"
#include "zhibu.pb-c.h"

enum mode {
  M_FORGE, M_WRONG_ORIGIN, M_GAP, M_GARBAGE, M_HUGE, M_PUSH_FIRST,
  M_PULL, M_SESSIONS, M_TRICKLE, M_RACE, M_GROUP
};

static const struct {
  const char *name;
  enum mode m;
} modes[] = {
    {"forge", M_FORGE},           {"wrong-origin", M_WRONG_ORIGIN}, {"gap", M_GAP},
    {"garbage-frame", M_GARBAGE}, {"huge-length", M_HUGE},          {"push-first", M_PUSH_FIRST},
    {"pull", M_PULL},             {"sessions", M_SESSIONS},         {"trickle", M_TRICKLE},
    {"race", M_RACE},             {"group", M_GROUP},
};

#define MAX_SESSIONS 64
#define TRICKLE_DECLARED 100000u

struct forge;

/* One TLS session of the forge. */
struct sess {
  struct forge *fg;
  int index;
  const char *role;
  zb_bundle *b;
  zb_conn *conn;
  bool started, hello_ack, closed, timed_out;
  int close_reason;
  uint64_t held, head;
  char org[ZB_PKI_ORG_MAX + 1];
  /* what was pushed */
  bool sent;
  char sent_origin[ZB_PKI_NODE_ID_MAX + 1];
  uint64_t sent_seq, sent_hlc;
  uint32_t sent_count, batches, op_bytes;
  /* what came back */
  uint32_t acks;
  uint64_t ack_held;
  uint32_t ack_rejected, ack_conflicts;
  bool error;
  Zb__ErrorCode err_code;   /* ErrorMsg.code, printed as its number */
  char err_msg[400];
  bool pulled, pull_done;
  uint32_t pull_count;
  uint64_t pull_raw, pull_cursor;
  /* sessions / trickle */
  bool partial_sent, open_at_end;
  uint64_t t0_ms, closed_ms;
  uint32_t trickled;
  /* race / group: the push frame, built when every session is ready */
  bool honest;   /* group: this session pushes the honest op */
};

struct forge {
  enum mode mode;
  const char *mode_name;
  /* op options */
  const char *member, *phone, *phone2, *origin;
  unsigned repeat;
  size_t name_bytes, actor_bytes;
  const char *nul_in;
  bool hlc_set, base_set, seq_set, seq_off_set;
  uint64_t hlc, base, seq;
  long long seq_offset;
  uint32_t count;
  bool create;
  const char *c_id, *c_name, *c_gender, *c_eth, *c_birth, *c_idnum, *c_cat, *c_join, *c_full,
      *c_org;
  /* --kind / --field: a set of exactly these fields */
  uint32_t kind;
  const char *act;   /* --act: the op is this act, not a set */
  unsigned nfields;
  uint32_t field_no[64];
  const char *field_val[64];
  char idnum_buf[20];
  char *name_str, *actor_str;
  /* mode options */
  uint64_t pull_cursor;
  unsigned nsessions;
  size_t partial_bytes;
  uint64_t hold_ms, trickle_ms, timeout_ms;
  const char *group_member, *group_phone;
  const char *record_dir;   /* --record: the node's data dir, or NULL */
  uint64_t *rec_hlc, *rec_base;   /* per op, from --record */
  /* sessions */
  zb_bundle b, b2;          /* the forge's bundle; the honest one (group) */
  struct sess s[MAX_SESSIONS];
  unsigned ns, open;
  uv_loop_t *loop;
  uv_timer_t timer, hold, tick;
  bool hold_init, tick_init, timers_closed, acted;
  int local_rc;
};

static void usage(void) {
  fprintf(stderr,
          "usage: zhibu-forge (--bundle FILE | --data NODEDIR) --server HOST:PORT\n"
          "         [--mode forge|wrong-origin|gap|garbage-frame|huge-length|push-first|\n"
          "                 pull|sessions|trickle|race|group]\n"
          "         [--member ID] [--phone VALUE] [--phone2 VALUE] [--origin ID]\n"
          "         [--timeout-ms N] [--record]\n"
          "         [--repeat-field N] [--name-bytes N] [--actor-bytes N]\n"
          "         [--nul-in name|key|org] [--hlc N] [--base-cursor N]\n"
          "         [--seq N | --seq-offset K] [--count N]\n"
          "         [--kind N] [--field N=VALUE ...] [--act NAME]\n"
          "         [--create-member [--id ID] [--name S] [--gender S] [--ethnicity S]\n"
          "          [--birth-date D] [--id-number S] [--category S] [--join-date D]\n"
          "          [--full-date D] [--org-code CODE]]\n"
          "         [--pull-cursor N] [--sessions N --partial-bytes B [--hold-ms MS]]\n"
          "         [--trickle-ms MS] [--race] [--group-with BUNDLE|NODEDIR\n"
          "          [--group-member ID] [--group-phone VALUE]]\n"
          "       zhibu-forge --expire-bundle IN --ca-dir DIR --out OUT\n");
}

/* ---- building ops ---- */

#define MAX_FIELDS 4096

/* One op under construction and the storage it points into. */
struct opbuf {
  Zb__Op op;
  Zb__RecordSet rs;
  Zb__Act act;
  Zb__FieldSet fs[MAX_FIELDS];
  Zb__FieldSet *fsp[MAX_FIELDS];
  char key[ZB_FIELD_MAX + 32];
  char nulname[16], nulorg[ZB_PKI_ORG_MAX + 16];
  const char *markers[3];   /* strings whose \x01 becomes a NUL on the wire */
  size_t nmarkers;
};

static void add_field(struct opbuf *ob, uint32_t field, const char *value) {
  size_t i = ob->rs.n_fields;
  if (i >= MAX_FIELDS)
    return;
  zb__field_set__init(&ob->fs[i]);
  ob->fs[i].field = field;
  ob->fs[i].value = (char *)value;
  ob->fsp[i] = &ob->fs[i];
  ob->rs.n_fields = i + 1;
}

/* The op the options describe (variant 1: the race's second op). */
static void build_op(struct forge *fg, struct opbuf *ob, const char *origin, const char *org,
                     uint64_t seq, uint64_t hlc, uint64_t base, int variant) {
  memset(ob, 0, sizeof *ob);
  zb__op__init(&ob->op);
  zb__record_set__init(&ob->rs);
  ob->rs.kind = fg->kind ? (Zb__RecordKind)fg->kind : ZB__RECORD_KIND__RECORD_KIND_MEMBER;
  ob->rs.fields = ob->fsp;
  const char *phone = variant == 1 ? fg->phone2 : fg->phone;
  if (fg->nfields) {
    snprintf(ob->key, sizeof ob->key, "%s", fg->member);
    for (unsigned i = 0; i < fg->nfields; i++)
      add_field(ob, fg->field_no[i], fg->field_val[i]);
  } else if (fg->create) {
    const char *id = fg->c_id ? fg->c_id : fg->member;
    snprintf(ob->key, sizeof ob->key, "%s", id);
    add_field(ob, ZB_MF_ID, ob->key);
    add_field(ob, ZB_MF_NAME, fg->c_name);
    add_field(ob, ZB_MF_GENDER, fg->c_gender);
    add_field(ob, ZB_MF_ETHNICITY, fg->c_eth);
    add_field(ob, ZB_MF_BIRTH_DATE, fg->c_birth);
    add_field(ob, ZB_MF_ID_NUMBER, fg->c_idnum);
    add_field(ob, ZB_MF_CATEGORY, fg->c_cat);
    add_field(ob, ZB_MF_JOIN_DATE, fg->c_join);
    if (fg->c_full)
      add_field(ob, ZB_MF_FULL_DATE, fg->c_full);
    add_field(ob, ZB_MF_ORG_CODE, fg->c_org ? fg->c_org : org);
    add_field(ob, ZB_MF_PHONE, phone);
  } else {
    snprintf(ob->key, sizeof ob->key, "%s", fg->member);
    for (unsigned i = 0; i < fg->repeat; i++)
      add_field(ob, ZB_MF_PHONE, phone);
  }
  if (fg->name_str)
    add_field(ob, ZB_MF_NAME, fg->name_str);
  if (fg->nul_in && strcmp(fg->nul_in, "name") == 0) {
    snprintf(ob->nulname, sizeof ob->nulname, "abc\001def");
    add_field(ob, ZB_MF_NAME, ob->nulname);
    ob->markers[ob->nmarkers++] = ob->nulname;
  } else if (fg->nul_in && strcmp(fg->nul_in, "org") == 0) {
    snprintf(ob->nulorg, sizeof ob->nulorg, "%s\001-99", fg->c_org ? fg->c_org : org);
    add_field(ob, ZB_MF_ORG_CODE, ob->nulorg);
    ob->markers[ob->nmarkers++] = ob->nulorg;
  } else if (fg->nul_in && strcmp(fg->nul_in, "key") == 0) {
    size_t n = strlen(ob->key);
    snprintf(ob->key + n, sizeof ob->key - n, "\001nul");
    ob->markers[ob->nmarkers++] = ob->key;
  }
  ob->rs.key = ob->key;
  ob->op.origin = (char *)origin;
  ob->op.seq = seq;
  ob->op.hlc = hlc;
  ob->op.actor = fg->actor_str ? fg->actor_str : (char *)(variant == 1 ? "forge-race" : "forge");
  ob->op.base_cursor = base;
  ob->op.body_case = ZB__OP__BODY_SET;
  ob->op.set = &ob->rs;
  if (fg->act) {
    zb__act__init(&ob->act);
    ob->act.kind = ob->rs.kind;
    ob->act.key = ob->key;
    ob->act.name = (char *)fg->act;
    ob->act.n_params = ob->rs.n_fields;
    ob->act.params = ob->fsp;
    ob->op.body_case = ZB__OP__BODY_ACT;
    ob->op.act = &ob->act;
  }
}

/* An ordinary op: set the phone of member (group mode's honest session). */
static void build_plain_op(struct opbuf *ob, const char *origin, uint64_t seq, uint64_t hlc,
                           uint64_t base, const char *member, const char *phone) {
  memset(ob, 0, sizeof *ob);
  zb__op__init(&ob->op);
  zb__record_set__init(&ob->rs);
  ob->rs.kind = ZB__RECORD_KIND__RECORD_KIND_MEMBER;
  ob->rs.fields = ob->fsp;
  snprintf(ob->key, sizeof ob->key, "%s", member);
  ob->rs.key = ob->key;
  add_field(ob, ZB_MF_PHONE, phone);
  ob->op.origin = (char *)origin;
  ob->op.seq = seq;
  ob->op.hlc = hlc;
  ob->op.actor = "honest";
  ob->op.base_cursor = base;
  ob->op.body_case = ZB__OP__BODY_SET;
  ob->op.set = &ob->rs;
}

/* Packs ob->op (no prev_hash: the server supplies it) into a new buffer,
 * then turns the \x01 of every marker string into a NUL byte: the string
 * keeps its length on the wire, so the encoding stays valid protobuf whose
 * string carries an embedded NUL. */
static uint8_t *pack_op(struct opbuf *ob, size_t *len) {
  ob->op.prev_hash.data = NULL;
  ob->op.prev_hash.len = 0;
  size_t n = zb__op__get_packed_size(&ob->op);
  uint8_t *p = malloc(n ? n : 1);
  if (!p)
    return NULL;
  zb__op__pack(&ob->op, p);
  for (size_t i = 0; i < ob->nmarkers; i++) {
    size_t ml = strlen(ob->markers[i]);
    uint8_t *at = memmem(p, n, ob->markers[i], ml);
    uint8_t *x = at ? memchr(at, 0x01, ml) : NULL;
    if (!x) {
      free(p);
      return NULL;
    }
    *x = 0;
  }
  *len = n;
  return p;
}

/* ---- --record ---- */

struct record_ctx {
  struct forge *fg;
  uint64_t held;
  zb_oplog_head head;   /* the ops' prev_hash points into it */
  bool behind;
};

/* Appends the ops to the node's own log, as a node whose checks were
 * patched out would: same seq, chain and HLC rules as zb_node's writer. */
static int record_write(zb_txn *t, void *ctx) {
  struct record_ctx *rx = ctx;
  struct forge *fg = rx->fg;
  bool back;
  uint64_t cursor;
  int e = zb_oplog_head_load(t, &rx->head);
  if (!e)
    e = zb_meta_get_u64(t, "cursor", &cursor);
  if (e)
    return e;
  if (rx->head.seq != rx->held) {
    rx->behind = true;
    return ZB_EINVAL;
  }
  struct opbuf *ob = malloc(sizeof *ob);
  if (!ob)
    return ZB_ENOMEM;
  for (uint32_t i = 0; i < fg->count && !e; i++) {
    uint64_t hlc;
    if (fg->hlc_set) {
      hlc = fg->hlc;
      if (hlc > rx->head.hlc)
        rx->head.hlc = hlc;
    } else {
      hlc = rx->head.hlc = zb_hlc_next(rx->head.hlc, zb_hlc_wall_ms(), &back);
    }
    fg->rec_hlc[i] = hlc;
    fg->rec_base[i] = fg->base_set ? fg->base : cursor;
    build_op(fg, ob, fg->b.node_id, fg->b.org, rx->head.seq + 1, hlc, fg->rec_base[i], 0);
    e = zb_oplog_append(t, &rx->head, &ob->op);
  }
  free(ob);
  if (e)
    return e;
  return zb_oplog_head_save(t, &rx->head);
}

static int record_ops(struct forge *fg, uint64_t held) {
  zb_store *s;
  struct record_ctx rx = {.fg = fg, .held = held};
  int e = zb_store_open(fg->record_dir, false, &s);
  if (e) {
    fprintf(stderr, "zhibu-forge: %s: %s\n", fg->record_dir, zb_strerror(e));
    return e;
  }
  e = zb_store_write(s, record_write, &rx);
  zb_store_close(s);
  if (rx.behind)
    fprintf(stderr, "zhibu-forge: %s: the node has %llu ops, the server holds %llu: "
            "sync the node first\n", fg->record_dir, (unsigned long long)rx.head.seq,
            (unsigned long long)held);
  else if (e)
    fprintf(stderr, "zhibu-forge: %s: cannot record the ops: %s\n", fg->record_dir,
            zb_strerror(e));
  return e;
}

/* ---- sending ---- */

static void sess_fail(struct sess *s, int rc, const char *what) {
  fprintf(stderr, "zhibu-forge: session %d: %s: %s\n", s->index, what, zb_strerror(rc));
  s->fg->local_rc = rc;
  if (s->conn)
    zb_conn_close(s->conn, rc);
}

/* Compresses batch and sends it as PushBatch number s->batches + 1. */
static int flush_batch(struct sess *s, zb_batch *batch) {
  uint8_t *z = NULL;
  size_t zlen = 0;
  int rc = zb_batch_compress(batch, &z, &zlen);
  if (!rc) {
    Zb__PushBatch pb = ZB__PUSH_BATCH__INIT;
    Zb__Frame f = ZB__FRAME__INIT;
    pb.batch = s->batches + 1;
    pb.count = batch->count;
    pb.raw_size = batch->len;
    pb.zdata.data = z;
    pb.zdata.len = zlen;
    f.msg_case = ZB__FRAME__MSG_PUSH;
    f.push = &pb;
    rc = zb__sync_send(s->conn, &f);
  }
  if (!rc)
    s->batches++;
  free(z);
  zb_batch_reset(batch);
  return rc;
}

/* Pushes the session's ops: the honest op (group), the race's second op
 * (variant 1), or --count ops as the options describe. */
static int send_push(struct sess *s, int variant) {
  struct forge *fg = s->fg;
  uint32_t count = s->honest || variant == 1 ? 1 : fg->count;
  uint64_t first = s->held + 1;
  if (fg->mode == M_GAP)
    first = s->held + 2;
  else if (fg->seq_set && !s->honest)
    first = fg->seq;
  else if (fg->seq_off_set && !s->honest)
    first = (uint64_t)((long long)s->held + 1 + fg->seq_offset);
  const char *origin = fg->mode == M_WRONG_ORIGIN ? fg->origin : s->b->node_id;
  if (fg->record_dir && !s->honest) {
    int e = record_ops(fg, s->held);
    if (e)
      return e;
  }
  struct opbuf *ob = malloc(sizeof *ob);
  zb_batch batch;
  zb_batch_init(&batch);
  int rc = ob ? 0 : ZB_ENOMEM;
  uint64_t now = zb_hlc_wall_ms() << 16;
  for (uint32_t i = 0; i < count && !rc; i++) {
    uint64_t seq = first + i, hlc, base;
    if (s->honest) {
      build_plain_op(ob, origin, seq, now, s->head, fg->group_member, fg->group_phone);
    } else {
      hlc = fg->record_dir ? fg->rec_hlc[i] : fg->hlc_set ? fg->hlc : now + i;
      base = fg->record_dir ? fg->rec_base[i] : fg->base_set ? fg->base : s->head;
      build_op(fg, ob, origin, s->b->org, seq, hlc, base, variant);
    }
    size_t len;
    uint8_t *packed = pack_op(ob, &len);
    if (!packed) {
      rc = ZB_ENOMEM;
      break;
    }
    if (batch.count && batch.len + len + 10 > ZB_SYNC_BATCH_RAW)
      rc = flush_batch(s, &batch);
    if (!rc)
      rc = zb_batch_add(&batch, packed, len);
    if (!rc && i == 0) {
      s->sent_hlc = ob->op.hlc;
      s->op_bytes = (uint32_t)len;
      snprintf(s->sent_origin, sizeof s->sent_origin, "%s", origin);
      s->sent_seq = seq;
    }
    free(packed);
  }
  if (!rc && batch.count)
    rc = flush_batch(s, &batch);
  if (!rc) {
    s->sent = true;
    s->sent_count = count;
  }
  zb_batch_free(&batch);
  free(ob);
  return rc;
}

static int send_hello(struct sess *s) {
  Zb__Hello h = ZB__HELLO__INIT;
  Zb__Frame f = ZB__FRAME__INIT;
  h.protocol = ZB_PROTOCOL_VERSION;
  h.node_id = s->b->node_id;
  f.msg_case = ZB__FRAME__MSG_HELLO;
  f.hello = &h;
  return zb__sync_send(s->conn, &f);
}

static void on_tick(uv_timer_t *t) {
  struct forge *fg = t->data;
  struct sess *s = &fg->s[0];
  if (!s->conn || s->closed)
    return;
  if (s->trickled >= TRICKLE_DECLARED) {
    uv_timer_stop(t);
    return;
  }
  int rc = zb__conn_send_unframed(s->conn, "z", 1);
  if (rc)
    sess_fail(s, rc, "cannot trickle");
  else
    s->trickled++;
}

/* sessions mode: once every session has sent its partial frame or was
 * refused, hold for --hold-ms, then report and close them all. */
static void on_hold(uv_timer_t *t) {
  struct forge *fg = t->data;
  for (unsigned i = 0; i < fg->ns; i++) {
    struct sess *s = &fg->s[i];
    s->open_at_end = s->conn && !s->closed && !s->error;
    if (s->conn && !s->closed)
      zb_conn_close(s->conn, 0);
  }
}

static void maybe_hold(struct forge *fg) {
  if (fg->mode != M_SESSIONS || fg->hold_init)
    return;
  for (unsigned i = 0; i < fg->ns; i++) {
    const struct sess *s = &fg->s[i];
    if (!s->partial_sent && !s->closed && !s->error)
      return;
  }
  uv_timer_init(fg->loop, &fg->hold);
  fg->hold.data = fg;
  fg->hold_init = true;
  uv_timer_start(&fg->hold, on_hold, fg->hold_ms, 0);
}

/* race and group: every session is pushed in the same loop tick, once all
 * of them have their HelloAck (or are gone). */
static void maybe_act_all(struct forge *fg) {
  if (fg->acted)
    return;
  for (unsigned i = 0; i < fg->ns; i++)
    if (!fg->s[i].hello_ack && !fg->s[i].closed)
      return;
  fg->acted = true;
  for (unsigned i = 0; i < fg->ns; i++) {
    struct sess *s = &fg->s[i];
    if (!s->conn || s->closed)
      continue;
    int rc = send_push(s, fg->mode == M_RACE ? (int)i : 0);
    if (rc)
      sess_fail(s, rc, "cannot push");
  }
}

/* The act of the mode, once the server has accepted the session. */
static void act(struct sess *s) {
  struct forge *fg = s->fg;
  int rc = 0;
  switch (fg->mode) {
  case M_FORGE:
  case M_WRONG_ORIGIN:
  case M_GAP:
  case M_PUSH_FIRST:
    rc = send_push(s, 0);
    break;
  case M_GARBAGE: {
    uint8_t junk[512];
    if (RAND_bytes(junk, sizeof junk) != 1) {
      rc = ZB_ECRYPTO;
      break;
    }
    /* Tag byte 0x07: field 0, wire type 7 — invalid in protobuf whatever
     * follows, so the frame can never decode by luck. */
    junk[0] = 0x07;
    rc = zb_conn_send(s->conn, junk, sizeof junk);
    break;
  }
  case M_HUGE: {
    /* 2 GiB announced, a handful of bytes sent: the server must refuse
     * from the header alone, before allocating anything. */
    static const uint8_t hdr[] = {0x80, 0x00, 0x00, 0x00, 'z', 'h', 'i', 'b', 'u'};
    rc = zb__conn_send_unframed(s->conn, hdr, sizeof hdr);
    break;
  }
  case M_PULL: {
    Zb__PullRequest pr = ZB__PULL_REQUEST__INIT;
    Zb__Frame f = ZB__FRAME__INIT;
    pr.cursor = fg->pull_cursor;
    f.msg_case = ZB__FRAME__MSG_PULL;
    f.pull = &pr;
    rc = zb__sync_send(s->conn, &f);
    break;
  }
  case M_SESSIONS: {
    /* A frame header announcing B + 100 bytes, then B of them: the
     * server has to buffer them while it waits for the rest. */
    size_t b = fg->partial_bytes, decl = b + 100;
    uint8_t *buf = calloc(1, 4 + b);
    if (!buf) {
      rc = ZB_ENOMEM;
      break;
    }
    buf[0] = (uint8_t)(decl >> 24);
    buf[1] = (uint8_t)(decl >> 16);
    buf[2] = (uint8_t)(decl >> 8);
    buf[3] = (uint8_t)decl;
    if (b > 0 && RAND_bytes(buf + 4, (int)b) != 1)
      rc = ZB_ECRYPTO;
    if (!rc)
      rc = zb__conn_send_unframed(s->conn, buf, 4 + b);
    free(buf);
    if (!rc)
      s->partial_sent = true;
    maybe_hold(fg);
    break;
  }
  case M_TRICKLE: {
    uint8_t hdr[4] = {(uint8_t)(TRICKLE_DECLARED >> 24), (uint8_t)(TRICKLE_DECLARED >> 16),
                      (uint8_t)(TRICKLE_DECLARED >> 8), (uint8_t)TRICKLE_DECLARED};
    rc = zb__conn_send_unframed(s->conn, hdr, sizeof hdr);
    if (!rc) {
      s->t0_ms = zb_hlc_wall_ms();
      uv_timer_init(fg->loop, &fg->tick);
      fg->tick.data = fg;
      fg->tick_init = true;
      uv_timer_start(&fg->tick, on_tick, fg->trickle_ms, fg->trickle_ms);
    }
    break;
  }
  case M_RACE:
  case M_GROUP:
    maybe_act_all(fg);
    return;
  }
  if (rc)
    sess_fail(s, rc, "cannot send");
}

static void on_handshake(zb_conn *c, X509 *peer) {
  struct sess *s = zb_conn_user(c);
  (void)peer;
  if (s->fg->mode == M_PUSH_FIRST) {
    act(s);
    return;
  }
  int rc = send_hello(s);
  if (rc)
    sess_fail(s, rc, "cannot send hello");
}

static void on_frame(zb_conn *c, const uint8_t *payload, size_t len) {
  struct sess *s = zb_conn_user(c);
  Zb__Frame *f = zb__frame__unpack(NULL, len, payload);
  if (!f) {
    fprintf(stderr, "zhibu-forge: the server sent a malformed frame\n");
    zb_conn_close(c, ZB_EPROTO);
    return;
  }
  switch (f->msg_case) {
  case ZB__FRAME__MSG_HELLO_ACK:
    s->hello_ack = true;
    s->held = f->hello_ack->held_seq;
    s->head = f->hello_ack->server_head;
    snprintf(s->org, sizeof s->org, "%s", f->hello_ack->org);
    act(s);
    break;
  case ZB__FRAME__MSG_PUSH_ACK:
    s->acks++;
    s->ack_held = f->push_ack->held_seq;
    s->ack_rejected += f->push_ack->rejected;
    s->ack_conflicts += f->push_ack->conflicts;
    if (s->acks >= s->batches)
      zb_conn_close(c, 0);
    break;
  case ZB__FRAME__MSG_PULL_BATCH:
    s->pulled = true;
    s->pull_count = f->pull_batch->count;
    s->pull_raw = f->pull_batch->raw_size;
    s->pull_cursor = f->pull_batch->cursor;
    s->pull_done = f->pull_batch->done;
    zb_conn_close(c, 0);
    break;
  case ZB__FRAME__MSG_ERROR:
    s->error = true;
    s->err_code = f->error->code;
    snprintf(s->err_msg, sizeof s->err_msg, "%s", f->error->message);
    /* The server closes after an error; wait for it. */
    maybe_hold(s->fg);
    break;
  case ZB__FRAME__MSG_HELLO:
  case ZB__FRAME__MSG_PUSH:
  case ZB__FRAME__MSG_PULL:
  case ZB__FRAME__MSG_PULL_ACK:
  case ZB__FRAME__MSG_RESTORE:
  case ZB__FRAME__MSG_RESTORE_BATCH:
  case ZB__FRAME__MSG_PARCEL_HEADER:
  case ZB__FRAME__MSG_PARCEL_SEAL:
  case ZB__FRAME__MSG__NOT_SET:
  case _ZB__FRAME__MSG__CASE_IS_INT_SIZE:
    fprintf(stderr, "zhibu-forge: unexpected frame %d from the server\n", (int)f->msg_case);
    zb_conn_close(c, ZB_EPROTO);
    break;
  }
  zb__frame__free_unpacked(f, NULL);
}

static void close_timers(struct forge *fg) {
  if (fg->timers_closed)
    return;
  fg->timers_closed = true;
  uv_timer_stop(&fg->timer);
  uv_close((uv_handle_t *)&fg->timer, NULL);
  if (fg->hold_init) {
    uv_timer_stop(&fg->hold);
    uv_close((uv_handle_t *)&fg->hold, NULL);
  }
  if (fg->tick_init) {
    uv_timer_stop(&fg->tick);
    uv_close((uv_handle_t *)&fg->tick, NULL);
  }
}

static void on_close(zb_conn *c, int reason) {
  struct sess *s = zb_conn_user(c);
  struct forge *fg = s->fg;
  s->closed = true;
  s->close_reason = reason;
  s->conn = NULL;
  s->closed_ms = zb_hlc_wall_ms();
  if (fg->mode == M_TRICKLE && fg->tick_init)
    uv_timer_stop(&fg->tick);
  maybe_hold(fg);
  if (fg->mode == M_RACE || fg->mode == M_GROUP)
    maybe_act_all(fg);
  if (--fg->open == 0)
    close_timers(fg);
}

static void on_timeout(uv_timer_t *t) {
  struct forge *fg = t->data;
  for (unsigned i = 0; i < fg->ns; i++) {
    struct sess *s = &fg->s[i];
    if (s->conn && !s->closed) {
      s->timed_out = true;
      zb_conn_close(s->conn, ZB_EUNREACH);
    }
  }
}

/* ---- the report ---- */

static json_t *u64_str(uint64_t v) {
  char buf[24];
  snprintf(buf, sizeof buf, "%llu", (unsigned long long)v);
  return json_string(buf);
}

/* The keys of one session, into j. */
static void sess_json(const struct sess *s, json_t *j) {
  const struct forge *fg = s->fg;
  json_object_set_new(j, "hello_ack", json_boolean(s->hello_ack));
  json_object_set_new(j, "org", json_string(s->org));
  json_object_set_new(j, "held_seq", json_integer((json_int_t)s->held));
  json_object_set_new(j, "server_head", json_integer((json_int_t)s->head));
  json_t *sent = json_null();
  if (s->sent) {
    sent = json_pack("{s:s, s:I, s:i, s:i, s:i}", "origin", s->sent_origin, "seq",
                     (json_int_t)s->sent_seq, "count", (int)s->sent_count, "op_bytes",
                     (int)s->op_bytes, "batches", (int)s->batches);
    json_object_set_new(sent, "hlc", u64_str(s->sent_hlc));
  }
  json_object_set_new(j, "sent", sent);
  json_object_set_new(j, "push_ack",
                      s->acks ? json_pack("{s:I, s:i, s:i, s:i}", "held_seq",
                                          (json_int_t)s->ack_held, "rejected",
                                          (int)s->ack_rejected, "conflicts",
                                          (int)s->ack_conflicts, "acks", (int)s->acks)
                              : json_null());
  json_object_set_new(j, "error",
                      s->error ? json_pack("{s:i, s:s}", "code", (int)s->err_code, "message",
                                           s->err_msg)
                               : json_null());
  json_t *pull = json_null();
  if (s->pulled) {
    pull = json_pack("{s:i, s:b, s:I}", "count", (int)s->pull_count, "done", s->pull_done,
                     "raw_size", (json_int_t)s->pull_raw);
    json_object_set_new(pull, "cursor", u64_str(s->pull_cursor));
  }
  json_object_set_new(j, "pull", pull);
  json_t *tr = json_null();
  if (fg->mode == M_TRICKLE && s->t0_ms) {
    tr = json_pack("{s:i, s:i}", "declared", (int)TRICKLE_DECLARED, "bytes_sent",
                   (int)s->trickled);
    json_object_set_new(tr, "closed_after_ms",
                        s->closed && !s->timed_out
                            ? json_integer((json_int_t)(s->closed_ms - s->t0_ms))
                            : json_null());
  }
  json_object_set_new(j, "trickle", tr);
  const char *closed = s->timed_out ? "timeout"
                       : !s->closed ? "not-closed"
                       : s->close_reason == 0 ? "clean"
                                              : zb_err_name(s->close_reason);
  json_object_set_new(j, "closed", json_string(closed));
}

static void print_result(const struct forge *fg) {
  json_t *j = json_object();
  json_object_set_new(j, "mode", json_string(fg->mode_name));
  json_object_set_new(j, "node_id", json_string(fg->b.node_id));
  sess_json(&fg->s[0], j);
  if (fg->ns > 1 || fg->mode == M_SESSIONS) {
    json_t *arr = json_array();
    for (unsigned i = 0; i < fg->ns; i++) {
      const struct sess *s = &fg->s[i];
      json_t *o = json_object();
      json_object_set_new(o, "index", json_integer(i));
      json_object_set_new(o, "role", json_string(s->role));
      json_object_set_new(o, "node_id", json_string(s->b->node_id));
      sess_json(s, o);
      json_object_set_new(o, "partial_sent", json_boolean(s->partial_sent));
      json_object_set_new(o, "open_at_end", json_boolean(s->open_at_end));
      json_array_append_new(arr, o);
    }
    json_object_set_new(j, "sessions", arr);
  }
  char *out = json_dumps(j, JSON_COMPACT | JSON_ENSURE_ASCII);
  if (out)
    printf("%s\n", out);
  free(out);
  json_decref(j);
}

/* ---- running the sessions ---- */

static int run_sessions(struct forge *fg, const char *server) {
  char host[256], port[8];
  if (zb_sync_parse_addr(server, host, sizeof host, port, sizeof port)) {
    fprintf(stderr, "zhibu-forge: --server: \"%s\" is not HOST:PORT\n", server);
    return 2;
  }
  SSL_CTX *ctx[2] = {NULL, NULL};
  zb_bundle *bundles[2] = {&fg->b, &fg->b2};
  int nctx = fg->mode == M_GROUP ? 2 : 1;
  for (int i = 0; i < nctx; i++) {
    X509_STORE *store = NULL;
    int rc = zb_bundle_store(bundles[i], &store);
    if (!rc)
      rc = zb_tls_ctx_new_mem(false, store, bundles[i]->cert, bundles[i]->key, &ctx[i]);
    if (rc) {
      fprintf(stderr, "zhibu-forge: TLS setup: %s\n", zb_strerror(rc));
      zb_tls_ctx_free(ctx[0]);
      return 1;
    }
  }
  struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *ai = NULL;
  if (getaddrinfo(host, port, &hints, &ai) != 0 || !ai) {
    fprintf(stderr, "zhibu-forge: cannot resolve %s\n", host);
    zb_tls_ctx_free(ctx[0]);
    zb_tls_ctx_free(ctx[1]);
    return 1;
  }
  uv_loop_t loop;
  uv_loop_init(&loop);
  fg->loop = &loop;
  uv_timer_init(&loop, &fg->timer);
  fg->timer.data = fg;
  fg->ns = fg->mode == M_SESSIONS ? fg->nsessions
           : fg->mode == M_RACE || fg->mode == M_GROUP ? 2
                                                        : 1;
  static const zb_conn_callbacks cbs = {
      .on_handshake = on_handshake, .on_frame = on_frame, .on_close = on_close};
  /* The sessions' own idle timers must not cut a hold short. */
  uint64_t conn_ms = fg->timeout_ms + fg->hold_ms;
  for (unsigned i = 0; i < fg->ns; i++) {
    struct sess *s = &fg->s[i];
    s->fg = fg;
    s->index = (int)i;
    s->honest = fg->mode == M_GROUP && i == 1;
    s->b = s->honest ? &fg->b2 : &fg->b;
    s->role = fg->mode == M_GROUP ? (s->honest ? "honest" : "forge")
              : fg->mode == M_RACE ? (i == 0 ? "first" : "second")
                                   : "forge";
    s->conn = zb_conn_new(&loop, ctx[s->honest ? 1 : 0], false, &cbs, s);
    if (!s->conn) {
      s->closed = true;
      s->close_reason = ZB_ENOMEM;
      fg->local_rc = ZB_ENOMEM;
      continue;
    }
    fg->open++;
    zb_conn_set_timeouts(s->conn, fg->timeout_ms, conn_ms);
    if (zb_conn_connect(s->conn, ai->ai_addr, host) != 0)
      zb_conn_close(s->conn, ZB_EUNREACH);
  }
  if (fg->open == 0)
    close_timers(fg);
  else
    uv_timer_start(&fg->timer, on_timeout, fg->timeout_ms, 0);
  uv_run(&loop, UV_RUN_DEFAULT);
  uv_loop_close(&loop);
  freeaddrinfo(ai);
  zb_tls_ctx_free(ctx[0]);
  zb_tls_ctx_free(ctx[1]);
  print_result(fg);
  return fg->local_rc ? 1 : 0;
}

/* ---- --expire-bundle ---- */

static EVP_PKEY *read_key(const char *path) {
  FILE *f = fopen(path, "r");
  if (!f)
    return NULL;
  EVP_PKEY *k = PEM_read_PrivateKey(f, NULL, NULL, NULL);
  fclose(f);
  return k;
}

static X509 *read_cert(const char *path) {
  FILE *f = fopen(path, "r");
  if (!f)
    return NULL;
  X509 *x = PEM_read_X509(f, NULL, NULL, NULL);
  fclose(f);
  return x;
}

static int expire_bundle(const char *in, const char *ca_dir, const char *out_path) {
  char why[320] = "", path[4096];
  zb_bundle b;
  memset(&b, 0, sizeof b);
  EVP_PKEY *ca_key = NULL;
  X509 *ca = NULL, *x = NULL;
  FILE *f = NULL;
  int fd = -1, rc = 1;
  if (zb_bundle_read(in, &b, why, sizeof why) != 0) {
    fprintf(stderr, "zhibu-forge: %s: %s\n", in, why[0] ? why : "unreadable bundle");
    goto out;
  }
  snprintf(path, sizeof path, "%s/ca.key", ca_dir);
  ca_key = read_key(path);
  snprintf(path, sizeof path, "%s/ca.crt", ca_dir);
  ca = read_cert(path);
  if (!ca_key || !ca) {
    fprintf(stderr, "zhibu-forge: %s: no readable ca.key and ca.crt\n", ca_dir);
    goto out;
  }
  /* The same certificate (subject, SAN, key) re-signed by the real CA with
   * a validity window that ended yesterday. */
  x = X509_dup(b.cert);
  if (!x || !X509_gmtime_adj(X509_getm_notBefore(x), -10L * 86400) ||
      !X509_gmtime_adj(X509_getm_notAfter(x), -1L * 86400) ||
      !X509_sign(x, ca_key, EVP_sha256())) {
    fprintf(stderr, "zhibu-forge: cannot re-sign the certificate\n");
    goto out;
  }
  fd = open(out_path, O_WRONLY | O_CREAT | O_EXCL, 0600);
  if (fd < 0 || !(f = fdopen(fd, "w"))) {
    fprintf(stderr, "zhibu-forge: %s: %s\n", out_path, strerror(errno));
    goto out;
  }
  fd = -1;
  fprintf(f, "# zhibu enrollment bundle\nserver: %s\nnode: %s\norg: %s\n", b.server, b.node_id,
          b.org);
  if (!PEM_write_X509(f, b.ca) || !PEM_write_X509(f, x) ||
      !PEM_write_PrivateKey(f, b.key, NULL, NULL, 0, NULL, NULL)) {
    fprintf(stderr, "zhibu-forge: %s: cannot write\n", out_path);
    goto out;
  }
  rc = 0;
out:
  if (f && fclose(f) != 0)
    rc = 1;
  if (fd >= 0)
    close(fd);
  X509_free(x);
  X509_free(ca);
  EVP_PKEY_free(ca_key);
  zb_bundle_clear(&b);
  return rc;
}

/* ---- main ---- */

/* The bundle a node's data directory was enrolled with. */
static int bundle_of_node(const char *dir, char *out, size_t cap) {
  zb_node *n;
  int rc = zb_node_open(dir, &n);
  if (rc) {
    fprintf(stderr, "zhibu-forge: %s: %s\n", dir, zb_strerror(rc));
    return rc;
  }
  snprintf(out, cap, "%s", zb_node_bundle_path(n));
  zb_node_close(n);
  if (!out[0]) {
    fprintf(stderr, "zhibu-forge: %s: the node is not enrolled\n", dir);
    return ZB_ENOTINIT;
  }
  return 0;
}

static int read_bundle(const char *path, zb_bundle *b) {
  char why[320] = "";
  if (zb_bundle_read(path, b, why, sizeof why) != 0) {
    fprintf(stderr, "zhibu-forge: %s: %s\n", path, why[0] ? why : "unreadable bundle");
    return 1;
  }
  return 0;
}

/* An unsigned decimal number of up to 64 bits, whole string. */
static bool parse_u64(const char *s, uint64_t *out) {
  if (!s[0] || s[0] == '-' || s[0] == '+')
    return false;
  char *end;
  errno = 0;
  unsigned long long v = strtoull(s, &end, 10);
  if (errno || *end)
    return false;
  *out = (uint64_t)v;
  return true;
}

static bool parse_range(const char *opt, const char *s, uint64_t lo, uint64_t hi, uint64_t *out) {
  if (!parse_u64(s, out) || *out < lo || *out > hi) {
    fprintf(stderr, "zhibu-forge: --%s: \"%s\" is not %llu..%llu\n", opt, s,
            (unsigned long long)lo, (unsigned long long)hi);
    return false;
  }
  return true;
}

/* A valid 18-character id number for birth (YYYY-MM-DD) and gender: area
 * 430121, the birth date, sequence 001 (男) or 002 (女), the check char. */
static bool make_idnum(const char *birth, bool male, char out[19]) {
  if (strlen(birth) != 10 || birth[4] != '-' || birth[7] != '-')
    return false;
  snprintf(out, 19, "430121%.4s%.2s%.2s00%c", birth, birth + 5, birth + 8, male ? '1' : '2');
  char c = zb_idnum_check_char(out);
  if (!c)
    return false;
  out[17] = c;
  out[18] = '\0';
  return true;
}

static void set_mode(struct forge *fg, enum mode m) {
  for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++)
    if (modes[i].m == m) {
      fg->mode = m;
      fg->mode_name = modes[i].name;
    }
}

enum {
  O_REPEAT = 256, O_NAME_BYTES, O_ACTOR_BYTES, O_NUL_IN, O_HLC, O_BASE, O_SEQ, O_SEQ_OFF,
  O_COUNT, O_CREATE, O_ID, O_NAME, O_GENDER, O_ETH, O_BIRTH, O_IDNUM, O_CAT, O_JOIN, O_FULL,
  O_ORG_CODE, O_PULL, O_SESSIONS, O_PARTIAL, O_HOLD, O_TRICKLE, O_RACE, O_GROUP,
  O_GROUP_MEMBER, O_GROUP_PHONE, O_PHONE2, O_KIND, O_FIELD, O_ACT
};

int main(int argc, char **argv) {
  static const struct option opts[] = {
      {"bundle", required_argument, NULL, 'b'},  {"data", required_argument, NULL, 'd'},
      {"server", required_argument, NULL, 's'},  {"mode", required_argument, NULL, 'm'},
      {"member", required_argument, NULL, 'i'},  {"phone", required_argument, NULL, 'p'},
      {"origin", required_argument, NULL, 'o'},  {"timeout-ms", required_argument, NULL, 't'},
      {"expire-bundle", required_argument, NULL, 'E'},
      {"ca-dir", required_argument, NULL, 'C'},  {"out", required_argument, NULL, 'O'},
      {"record", no_argument, NULL, 'R'},
      {"repeat-field", required_argument, NULL, O_REPEAT},
      {"name-bytes", required_argument, NULL, O_NAME_BYTES},
      {"actor-bytes", required_argument, NULL, O_ACTOR_BYTES},
      {"nul-in", required_argument, NULL, O_NUL_IN},
      {"hlc", required_argument, NULL, O_HLC},
      {"base-cursor", required_argument, NULL, O_BASE},
      {"seq", required_argument, NULL, O_SEQ},
      {"seq-offset", required_argument, NULL, O_SEQ_OFF},
      {"count", required_argument, NULL, O_COUNT},
      {"create-member", no_argument, NULL, O_CREATE},
      {"id", required_argument, NULL, O_ID},
      {"name", required_argument, NULL, O_NAME},
      {"gender", required_argument, NULL, O_GENDER},
      {"ethnicity", required_argument, NULL, O_ETH},
      {"birth-date", required_argument, NULL, O_BIRTH},
      {"id-number", required_argument, NULL, O_IDNUM},
      {"category", required_argument, NULL, O_CAT},
      {"join-date", required_argument, NULL, O_JOIN},
      {"full-date", required_argument, NULL, O_FULL},
      {"org-code", required_argument, NULL, O_ORG_CODE},
      {"pull-cursor", required_argument, NULL, O_PULL},
      {"sessions", required_argument, NULL, O_SESSIONS},
      {"partial-bytes", required_argument, NULL, O_PARTIAL},
      {"hold-ms", required_argument, NULL, O_HOLD},
      {"trickle-ms", required_argument, NULL, O_TRICKLE},
      {"race", no_argument, NULL, O_RACE},
      {"group-with", required_argument, NULL, O_GROUP},
      {"group-member", required_argument, NULL, O_GROUP_MEMBER},
      {"group-phone", required_argument, NULL, O_GROUP_PHONE},
      {"phone2", required_argument, NULL, O_PHONE2},
      {"kind", required_argument, NULL, O_KIND},
      {"field", required_argument, NULL, O_FIELD},
      {"act", required_argument, NULL, O_ACT},
      {NULL, 0, NULL, 0}};
  /* A server that closes a session we are still writing to must not kill
   * us: the write fails and the session's outcome is reported. */
  signal(SIGPIPE, SIG_IGN);
  const char *bundle = NULL, *data = NULL, *server = NULL, *expire = NULL, *ca_dir = NULL,
             *out = NULL, *group_with = NULL;
  static struct forge fg;   /* large: MAX_SESSIONS sessions */
  memset(&fg, 0, sizeof fg);
  fg.mode = M_FORGE;
  fg.mode_name = "forge";
  fg.member = "M0000000000";
  fg.phone = "13800000000";
  fg.phone2 = "13900000001";
  fg.origin = "someone-else";
  fg.group_phone = "13700000002";
  fg.repeat = 1;
  fg.count = 1;
  fg.timeout_ms = 15000;
  fg.hold_ms = 3000;
  fg.c_name = "测试党员";
  fg.c_eth = "汉族";
  fg.c_cat = "预备党员";
  bool record = false, mode_given = false;
  bool has_names = false, has_actor = false;
  uint64_t name_bytes = 0, actor_bytes = 0, v;
  int ch;
  zb_log_init("zhibu-forge");
  while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
    switch (ch) {
    case 'b': bundle = optarg; break;
    case 'd': data = optarg; break;
    case 's': server = optarg; break;
    case 'i': fg.member = optarg; break;
    case 'p': fg.phone = optarg; break;
    case 'o': fg.origin = optarg; break;
    case 'E': expire = optarg; break;
    case 'C': ca_dir = optarg; break;
    case 'O': out = optarg; break;
    case 'R': record = true; break;
    case 'm': {
      size_t i;
      for (i = 0; i < sizeof modes / sizeof modes[0]; i++)
        if (strcmp(optarg, modes[i].name) == 0)
          break;
      if (i == sizeof modes / sizeof modes[0]) {
        fprintf(stderr, "zhibu-forge: --mode: unknown mode \"%s\"\n", optarg);
        return 2;
      }
      fg.mode = modes[i].m;
      fg.mode_name = modes[i].name;
      mode_given = true;
      break;
    }
    case 't':
      if (!parse_range("timeout-ms", optarg, 100, 600000, &fg.timeout_ms))
        return 2;
      break;
    case O_REPEAT:
      if (!parse_range("repeat-field", optarg, 1, MAX_FIELDS - 16, &v))
        return 2;
      fg.repeat = (unsigned)v;
      break;
    case O_NAME_BYTES:
      if (!parse_range("name-bytes", optarg, 0, 64u << 20, &name_bytes))
        return 2;
      has_names = true;
      break;
    case O_ACTOR_BYTES:
      if (!parse_range("actor-bytes", optarg, 0, 64u << 20, &actor_bytes))
        return 2;
      has_actor = true;
      break;
    case O_NUL_IN:
      if (strcmp(optarg, "name") && strcmp(optarg, "key") && strcmp(optarg, "org")) {
        fprintf(stderr, "zhibu-forge: --nul-in: \"%s\" is not name, key or org\n", optarg);
        return 2;
      }
      fg.nul_in = optarg;
      break;
    case O_HLC:
      if (!parse_range("hlc", optarg, 0, UINT64_MAX, &fg.hlc))
        return 2;
      fg.hlc_set = true;
      break;
    case O_BASE:
      if (!parse_range("base-cursor", optarg, 0, UINT64_MAX, &fg.base))
        return 2;
      fg.base_set = true;
      break;
    case O_SEQ:
      if (!parse_range("seq", optarg, 0, UINT64_MAX, &fg.seq))
        return 2;
      fg.seq_set = true;
      break;
    case O_SEQ_OFF: {
      char *end;
      errno = 0;
      fg.seq_offset = strtoll(optarg, &end, 10);
      if (errno || *end || !optarg[0]) {
        fprintf(stderr, "zhibu-forge: --seq-offset: \"%s\" is not an integer\n", optarg);
        return 2;
      }
      fg.seq_off_set = true;
      break;
    }
    case O_COUNT:
      if (!parse_range("count", optarg, 1, 1000000, &v))
        return 2;
      fg.count = (uint32_t)v;
      break;
    case O_KIND:
      if (!parse_range("kind", optarg, 1, 255, &v))
        return 2;
      fg.kind = (uint32_t)v;
      break;
    case O_FIELD: {
      char *eq = strchr(optarg, '=');
      uint64_t fno;
      if (!eq || fg.nfields >= 64) {
        fprintf(stderr, "zhibu-forge: --field: \"%s\" is not N=VALUE (at most 64)\n", optarg);
        return 2;
      }
      *eq = '\0';
      if (!parse_range("field", optarg, 0, 4095, &fno))
        return 2;
      fg.field_no[fg.nfields] = (uint32_t)fno;
      fg.field_val[fg.nfields++] = eq + 1;
      break;
    }
    case O_ACT: fg.act = optarg; break;
    case O_CREATE: fg.create = true; break;
    case O_ID: fg.c_id = optarg; break;
    case O_NAME: fg.c_name = optarg; break;
    case O_GENDER: fg.c_gender = optarg; break;
    case O_ETH: fg.c_eth = optarg; break;
    case O_BIRTH: fg.c_birth = optarg; break;
    case O_IDNUM: fg.c_idnum = optarg; break;
    case O_CAT: fg.c_cat = optarg; break;
    case O_JOIN: fg.c_join = optarg; break;
    case O_FULL: fg.c_full = optarg; break;
    case O_ORG_CODE: fg.c_org = optarg; break;
    case O_PULL:
      if (!parse_range("pull-cursor", optarg, 0, UINT64_MAX, &fg.pull_cursor))
        return 2;
      set_mode(&fg, M_PULL);
      break;
    case O_SESSIONS:
      if (!parse_range("sessions", optarg, 1, MAX_SESSIONS, &v))
        return 2;
      fg.nsessions = (unsigned)v;
      set_mode(&fg, M_SESSIONS);
      break;
    case O_PARTIAL:
      if (!parse_range("partial-bytes", optarg, 0, 16u << 20, &v))
        return 2;
      fg.partial_bytes = (size_t)v;
      break;
    case O_HOLD:
      if (!parse_range("hold-ms", optarg, 0, 600000, &fg.hold_ms))
        return 2;
      break;
    case O_TRICKLE:
      if (!parse_range("trickle-ms", optarg, 1, 600000, &fg.trickle_ms))
        return 2;
      set_mode(&fg, M_TRICKLE);
      break;
    case O_RACE: set_mode(&fg, M_RACE); break;
    case O_GROUP:
      group_with = optarg;
      set_mode(&fg, M_GROUP);
      break;
    case O_GROUP_MEMBER: fg.group_member = optarg; break;
    case O_GROUP_PHONE: fg.group_phone = optarg; break;
    case O_PHONE2: fg.phone2 = optarg; break;
    default:
      usage();
      return 2;
    }
  }
  (void)mode_given;
  if (optind != argc) {
    usage();
    return 2;
  }
  if (expire) {
    if (!ca_dir || !out) {
      usage();
      return 2;
    }
    return expire_bundle(expire, ca_dir, out);
  }
  if ((!bundle == !data) || !server) {
    usage();
    return 2;
  }
  if (record && (!data || fg.mode != M_FORGE || fg.nul_in || fg.seq_set || fg.seq_off_set)) {
    fprintf(stderr, "zhibu-forge: --record needs --data and the forge mode, and goes with "
                    "neither --nul-in nor --seq/--seq-offset\n");
    return 2;
  }
  if (fg.act && (!fg.kind || fg.create)) {
    fprintf(stderr, "zhibu-forge: --act needs --kind (and its params as --field)\n");
    return 2;
  }
  if (fg.mode == M_SESSIONS && fg.partial_bytes + 100 > ZB_FRAME_MAX) {
    fprintf(stderr, "zhibu-forge: --partial-bytes: a frame holds at most %u bytes\n",
            ZB_FRAME_MAX);
    return 2;
  }
  if (fg.create) {
    if (!fg.c_birth || !fg.c_join) {
      fprintf(stderr, "zhibu-forge: --create-member needs --birth-date and --join-date\n");
      return 2;
    }
    if (!fg.c_idnum) {
      bool male = !fg.c_gender || strcmp(fg.c_gender, "女") != 0;
      if (!make_idnum(fg.c_birth, male, fg.idnum_buf)) {
        fprintf(stderr, "zhibu-forge: --birth-date: \"%s\" is not YYYY-MM-DD\n", fg.c_birth);
        return 2;
      }
      fg.c_idnum = fg.idnum_buf;
    }
    if (!fg.c_gender)
      fg.c_gender = strlen(fg.c_idnum) == 18 && (fg.c_idnum[16] - '0') % 2 == 0 ? "女" : "男";
  }
  if (!fg.group_member)
    fg.group_member = fg.member;
  int rc = 1;
  if (has_names && !(fg.name_str = malloc(name_bytes + 1)))
    return 1;
  if (has_actor && !(fg.actor_str = malloc(actor_bytes + 1)))
    goto done;
  if (fg.name_str) {
    memset(fg.name_str, 'A', name_bytes);
    fg.name_str[name_bytes] = '\0';
  }
  if (fg.actor_str) {
    memset(fg.actor_str, 'A', actor_bytes);
    fg.actor_str[actor_bytes] = '\0';
  }
  if (record) {
    fg.record_dir = data;
    fg.rec_hlc = calloc(fg.count, sizeof *fg.rec_hlc);
    fg.rec_base = calloc(fg.count, sizeof *fg.rec_base);
    if (!fg.rec_hlc || !fg.rec_base)
      goto done;
  }
  char path[4096], path2[4096];
  if (data) {
    if (bundle_of_node(data, path, sizeof path))
      goto done;
    bundle = path;
  }
  if (read_bundle(bundle, &fg.b))
    goto done;
  if (group_with) {
    struct stat st;
    const char *gb = group_with;
    if (stat(group_with, &st) == 0 && S_ISDIR(st.st_mode)) {
      if (bundle_of_node(group_with, path2, sizeof path2))
        goto done;
      gb = path2;
    }
    if (read_bundle(gb, &fg.b2))
      goto done;
  }
  rc = run_sessions(&fg, server);
done:
  zb_bundle_clear(&fg.b);
  zb_bundle_clear(&fg.b2);
  free(fg.name_str);
  free(fg.actor_str);
  free(fg.rec_hlc);
  free(fg.rec_base);
  return rc;
}
