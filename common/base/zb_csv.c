/*
 * zb_csv.c — RFC 4180 CSV reading and writing on libcsv.
 *
 * How the reader works.  The file is read in 64 KiB chunks and handed to
 * libcsv one physical line (LF-terminated piece) at a time, so that while a
 * libcsv callback runs we know which physical line is being parsed.  A
 * record starts on the first line that begins outside quotes; whether a line
 * begins inside quotes is known from the parity of the quote characters seen
 * since the start of the file (in strict mode every quote that libcsv accepts
 * either opens, closes or doubles inside a quoted field, so parity is exact
 * for everything libcsv does not reject).
 *
 * libcsv runs with CSV_STRICT | CSV_STRICT_FINI and with its space trimming
 * switched off: RFC 4180 says spaces are part of a field, and trimming would
 * make values with leading or trailing spaces unreadable after a round trip.
 *
 * Bounded memory.  libcsv collects a field in one buffer that it normally
 * grows without limit.  We give it an allocator that allocates once and
 * refuses to grow, and a block size equal to the cap (max_field + 2, at
 * least ZB_CSV_MIN_CAP), so the buffer is allocated once, at the cap.  When
 * a field fills it, csv_parse stops with CSV_ENOMEM; we then "cut" the
 * field: csv_fini hands over what has been collected (we only count its
 * length), and a fresh field is primed in the same state (inside quotes,
 * just after a quote inside quotes, or inside an unquoted field) so that
 * parsing — and strict checking — goes on with the rest of the field.  A
 * 2 GB field therefore costs the cap, and is reported with its true length.
 */
#include "zb_csv.h"

#include <csv.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "zb_err.h"
#include "zb_utf8.h"

#define ZB_CSV_MAX_COLUMNS 64
#define ZB_CSV_CHUNK (64 * 1024)
/* Small caps would make a long field cost one cut per few bytes. */
#define ZB_CSV_MIN_CAP 4096
/* Header field longer than this cannot be a column name worth echoing. */
#define ZB_CSV_NAME_ECHO_MAX 200

enum zb__csv_fstate { ZB__F_OK = 0, ZB__F_LONG, ZB__F_TEXT };

enum zb__csv_stop {
  ZB__RUN = 0,
  ZB__STOP_RESULT, /* stop and return rd->result */
};

struct zb__csv_reader {
  const struct zb_csv_spec *spec;
  zb_csv_row_fn row;
  zb_csv_problem_fn problem;
  void *ctx;
  long nproblems;

  struct csv_parser p;
  size_t cap; /* size of libcsv's entry buffer, allocated once */

  long line;          /* physical line being fed to libcsv */
  long rec_line;      /* line on which the current record started */
  bool in_quotes;     /* raw quote parity at the start of the current piece */
  unsigned char last; /* last raw byte libcsv consumed */

  bool have_header;
  bool header_bad;
  size_t nhdr;                          /* fields in the header */
  unsigned char map[ZB_CSV_MAX_COLUMNS]; /* header field -> spec column */
  uint64_t seen;                        /* spec columns present in header */

  /* The record being collected. */
  size_t nfields;
  unsigned char fstate[ZB_CSV_MAX_COLUMNS];
  size_t flen[ZB_CSV_MAX_COLUMNS];
  size_t foff[ZB_CSV_MAX_COLUMNS];
  /* Copies of the current record's fields.  Never larger than
   * max(ZB_CSV_MAX_COLUMNS * (max_field + 1), cap + 1): data fields over
   * max_field are not copied, and header names are copied one at a time. */
  char *arena;
  size_t arena_used, arena_size;

  /* A field being cut (see the top of the file). */
  bool cutting;
  size_t cut_len;   /* field bytes before the current piece */
  size_t prime_len; /* bytes the primer put into the current piece */
  size_t piece;     /* length handed over by csv_fini when cutting */

  enum zb__csv_stop stop;
  int result;
};

static int zb__csv_no_space(unsigned char c) {
  (void)c;
  return 0;
}

/* libcsv's realloc hook: the first call allocates, later calls refuse to
 * grow the buffer, which makes csv_parse stop with CSV_ENOMEM at the cap. */
static void *zb__csv_alloc_once(void *ptr, size_t size) {
  if (ptr != NULL)
    return NULL;
  return malloc(size);
}

static void zb__csv_report(struct zb__csv_reader *rd, long line,
                           const char *column, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void zb__csv_report(struct zb__csv_reader *rd, long line,
                           const char *column, const char *fmt, ...) {
  char reason[256];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(reason, sizeof reason, fmt, ap);
  va_end(ap);
  rd->nproblems++;
  if (rd->problem != NULL)
    rd->problem(rd->ctx, line, column, reason);
}

static void zb__csv_stop(struct zb__csv_reader *rd, int result) {
  rd->stop = ZB__STOP_RESULT;
  rd->result = result;
}

/* zb_utf8_valid rejects CR and LF, but RFC 4180 lets a quoted field hold
 * line ends, which we keep as they are; CR and LF are single bytes that
 * never occur inside a multi-byte sequence, so checking the pieces between
 * them is exact. */
static bool zb__csv_text_ok(const char *s, size_t n) {
  size_t start = 0;
  for (size_t i = 0; i < n; i++) {
    if (s[i] == '\n' || s[i] == '\r') {
      if (!zb_utf8_valid(s + start, i - start))
        return false;
      start = i + 1;
    }
  }
  return zb_utf8_valid(s + start, n - start);
}

/* Copies s[0..n) NUL-terminated into the arena; returns its offset or
 * SIZE_MAX when out of memory. */
static size_t zb__csv_arena_put(struct zb__csv_reader *rd, const void *s,
                                size_t n) {
  size_t need = rd->arena_used + n + 1;
  if (need > rd->arena_size) {
    size_t size = rd->arena_size ? rd->arena_size : 1024;
    while (size < need)
      size *= 2;
    char *a = realloc(rd->arena, size);
    if (a == NULL)
      return SIZE_MAX;
    rd->arena = a;
    rd->arena_size = size;
  }
  size_t off = rd->arena_used;
  if (n > 0)
    memcpy(rd->arena + off, s, n);
  rd->arena[off + n] = '\0';
  rd->arena_used = need;
  return off;
}

/* Checks header field i; returns false if it is not a known, new column
 * (reported). */
static bool zb__csv_header_field(struct zb__csv_reader *rd, size_t i,
                                 const char *s, size_t len, bool cut) {
  const struct zb_csv_spec *spec = rd->spec;
  if (cut || len > ZB_CSV_NAME_ECHO_MAX) {
    zb__csv_report(rd, rd->rec_line, NULL,
                   "header field %zu is %zu bytes long, not a known column",
                   i + 1, len);
    return false;
  }
  if (len == 0) {
    zb__csv_report(rd, rd->rec_line, NULL, "header field %zu is empty", i + 1);
    return false;
  }
  if (!zb_utf8_valid(s, len)) {
    zb__csv_report(rd, rd->rec_line, NULL,
                   "header field %zu is not valid UTF-8 text (or holds a "
                   "control character)",
                   i + 1);
    return false;
  }
  size_t off = zb__csv_arena_put(rd, s, len);
  if (off == SIZE_MAX) {
    zb__csv_stop(rd, ZB_ENOMEM);
    return false;
  }
  const char *name = rd->arena + off;
  bool ok = false;
  size_t j;
  for (j = 0; j < spec->ncolumns; j++)
    if (strcmp(spec->columns[j], name) == 0)
      break;
  if (j == spec->ncolumns) {
    zb__csv_report(rd, rd->rec_line, name, "unknown column");
  } else if (rd->seen & (UINT64_C(1) << j)) {
    zb__csv_report(rd, rd->rec_line, name, "duplicate column");
  } else if (i < ZB_CSV_MAX_COLUMNS) {
    /* Always true when the header has no unknown or duplicate column
     * before this one: then i < ncolumns <= 32. */
    rd->seen |= UINT64_C(1) << j;
    rd->map[i] = (unsigned char)j;
    ok = true;
  }
  rd->arena_used = 0;
  return ok;
}

static void zb__csv_header_done(struct zb__csv_reader *rd) {
  const struct zb_csv_spec *spec = rd->spec;
  bool bad = rd->header_bad;
  for (size_t j = 0; j < spec->ncolumns; j++) {
    uint64_t bit = UINT64_C(1) << j;
    if ((spec->required & bit) && !(rd->seen & bit)) {
      zb__csv_report(rd, rd->rec_line, spec->columns[j],
                     "required column is missing");
      bad = true;
    }
  }
  if (bad) {
    zb__csv_stop(rd, ZB_EINVAL);
    return;
  }
  rd->have_header = true;
}

/* libcsv field callback. */
static void zb__csv_on_field(void *data, size_t len, void *vrd) {
  struct zb__csv_reader *rd = vrd;
  if (rd->stop != ZB__RUN)
    return;
  size_t i = rd->nfields++;
  bool cut = rd->cutting;
  if (cut) {
    /* The last piece of a cut field: len counts the primer too. */
    len = rd->cut_len + len - rd->prime_len;
    rd->cutting = false;
    rd->cut_len = rd->prime_len = 0;
  }
  if (!rd->have_header) {
    if (!zb__csv_header_field(rd, i, data, len, cut))
      rd->header_bad = true;
    return;
  }
  if (i >= rd->nhdr)
    return; /* wrong field count, reported at the end of the record */
  rd->flen[i] = len;
  if (cut || len > rd->spec->max_field) {
    rd->fstate[i] = ZB__F_LONG;
  } else if (!zb__csv_text_ok(data, len)) {
    rd->fstate[i] = ZB__F_TEXT;
  } else {
    size_t off = zb__csv_arena_put(rd, data, len);
    if (off == SIZE_MAX) {
      zb__csv_stop(rd, ZB_ENOMEM);
      return;
    }
    rd->foff[i] = off;
    rd->fstate[i] = ZB__F_OK;
  }
}

static void zb__csv_row_done(struct zb__csv_reader *rd) {
  const struct zb_csv_spec *spec = rd->spec;
  if (rd->nfields != rd->nhdr) {
    zb__csv_report(rd, rd->rec_line, NULL, "has %zu fields, header has %zu",
                   rd->nfields, rd->nhdr);
    return;
  }
  bool bad = false;
  for (size_t i = 0; i < rd->nhdr; i++) {
    const char *col = spec->columns[rd->map[i]];
    switch ((enum zb__csv_fstate)rd->fstate[i]) {
    case ZB__F_OK:
      break;
    case ZB__F_LONG:
      zb__csv_report(rd, rd->rec_line, col,
                     "field is %zu bytes, longer than the limit of %zu",
                     rd->flen[i], spec->max_field);
      bad = true;
      break;
    case ZB__F_TEXT:
      zb__csv_report(rd, rd->rec_line, col,
                     "not valid UTF-8 text (or holds a control character)");
      bad = true;
      break;
    }
  }
  if (bad || rd->row == NULL)
    return;
  const char *values[ZB_CSV_MAX_COLUMNS];
  size_t lens[ZB_CSV_MAX_COLUMNS];
  for (size_t j = 0; j < spec->ncolumns; j++) {
    values[j] = "";
    lens[j] = 0;
  }
  for (size_t i = 0; i < rd->nhdr; i++) {
    values[rd->map[i]] = rd->arena + rd->foff[i];
    lens[rd->map[i]] = rd->flen[i];
  }
  int rc = rd->row(rd->ctx, rd->rec_line, values, lens);
  if (rc != 0)
    zb__csv_stop(rd, rc);
}

/* libcsv record callback. */
static void zb__csv_on_record(int c, void *vrd) {
  struct zb__csv_reader *rd = vrd;
  (void)c;
  if (rd->stop != ZB__RUN)
    return;
  if (!rd->have_header) {
    rd->nhdr = rd->nfields;
    zb__csv_header_done(rd);
  } else {
    zb__csv_row_done(rd);
  }
  rd->nfields = 0;
  rd->arena_used = 0;
  memset(rd->fstate, 0, sizeof rd->fstate);
  /* A bare CR ends a record in mid-line; the next one starts here. */
  rd->rec_line = rd->line;
}

static void zb__csv_on_piece(void *data, size_t len, void *vrd) {
  struct zb__csv_reader *rd = vrd;
  (void)data;
  rd->piece = len;
}

static size_t zb__csv_count_quotes(const char *s, size_t n) {
  size_t count = 0;
  const char *end = s + n;
  const char *q;
  while (s < end && (q = memchr(s, '"', (size_t)(end - s))) != NULL) {
    count++;
    s = q + 1;
  }
  return count;
}

/* The entry buffer is full in the middle of a field; inq says whether the
 * parse position is inside quotes.  Hand over the collected bytes (only
 * their length matters: the field is over max_field) and prime an empty
 * field in the same parser state. */
static int zb__csv_cut(struct zb__csv_reader *rd, bool inq) {
  struct csv_parser *p = &rd->p;
  if (csv_get_buffer_size(p) < rd->cap)
    return ZB_ENOMEM; /* the first allocation itself fell short */
  unsigned char opts = (unsigned char)csv_get_opts(p);
  /* Without STRICT_FINI, csv_fini hands over an open quoted field too. */
  csv_set_opts(p, opts & (unsigned char)~CSV_STRICT_FINI);
  rd->piece = 0;
  csv_fini(p, zb__csv_on_piece, NULL, rd);
  csv_set_opts(p, opts);
  rd->cut_len += rd->piece - rd->prime_len;
  rd->cutting = true;

  const char *primer;
  if (inq) {
    primer = "\""; /* inside a quoted field */
    rd->prime_len = 0;
  } else if (rd->last == '"') {
    primer = "\"\""; /* just after a quote inside a quoted field */
    rd->prime_len = 0;
  } else {
    primer = "x"; /* inside an unquoted field */
    rd->prime_len = 1;
  }
  size_t n = strlen(primer);
  if (csv_parse(p, primer, n, NULL, NULL, rd) != n)
    return ZB_ENOMEM;
  return 0;
}

static void zb__csv_parse_error(struct zb__csv_reader *rd) {
  if (rd->line != rd->rec_line)
    zb__csv_report(rd, rd->rec_line, NULL,
                   "malformed quotes (found on line %ld); the rest of the "
                   "file was not read",
                   rd->line);
  else
    zb__csv_report(rd, rd->rec_line, NULL,
                   "malformed quotes; the rest of the file was not read");
  /* A broken header makes the file unusable; a broken data row stops the
   * read with the problem counted, so the caller stores nothing. */
  zb__csv_stop(rd, rd->have_header ? 0 : ZB_EINVAL);
}

/* Feeds one piece of at most one physical line to libcsv. */
static int zb__csv_feed(struct zb__csv_reader *rd, const char *s, size_t n) {
  bool q0 = rd->in_quotes;
  size_t off = 0;
  while (off < n && rd->stop == ZB__RUN) {
    size_t got = csv_parse(&rd->p, s + off, n - off, zb__csv_on_field,
                           zb__csv_on_record, rd);
    if (got > 0)
      rd->last = (unsigned char)s[off + got - 1];
    off += got;
    if (off == n || rd->stop != ZB__RUN)
      break; /* a callback may have stopped us before libcsv did */
    switch (csv_error(&rd->p)) {
    case CSV_EPARSE:
      zb__csv_parse_error(rd);
      return 0;
    case CSV_ENOMEM: {
      bool inq = q0 ^ (zb__csv_count_quotes(s, off) & 1);
      int rc = zb__csv_cut(rd, inq);
      if (rc != 0)
        return rc;
      break;
    }
    default:
      return ZB_ENOMEM;
    }
  }
  rd->in_quotes = q0 ^ (zb__csv_count_quotes(s, n) & 1);
  return 0;
}

int zb_csv_read(const char *path, const struct zb_csv_spec *spec,
                zb_csv_row_fn row, zb_csv_problem_fn problem, void *ctx,
                long *nproblems) {
  int rc = 0;
  FILE *f = NULL;
  char *buf = NULL;
  bool parser_ready = false;
  struct zb__csv_reader *rd = NULL;

  if (nproblems != NULL)
    *nproblems = 0;
  if (path == NULL || spec == NULL || spec->columns == NULL ||
      spec->ncolumns == 0 || spec->ncolumns > ZB_CSV_MAX_COLUMNS ||
      spec->max_field > SIZE_MAX / 2 / ZB_CSV_MAX_COLUMNS)
    return ZB_EINVAL;
  size_t longest = 0;
  for (size_t j = 0; j < spec->ncolumns; j++) {
    if (spec->columns[j] == NULL)
      return ZB_EINVAL;
    size_t l = strlen(spec->columns[j]);
    if (l > longest)
      longest = l;
  }

  rd = calloc(1, sizeof *rd);
  buf = malloc(ZB_CSV_CHUNK);
  if (rd == NULL || buf == NULL) {
    rc = ZB_ENOMEM;
    goto out;
  }
  rd->spec = spec;
  rd->row = row;
  rd->problem = problem;
  rd->ctx = ctx;
  rd->cap = spec->max_field > longest ? spec->max_field : longest;
  rd->cap += 2; /* a field of max_field bytes plus a pending closing quote */
  if (rd->cap < ZB_CSV_MIN_CAP)
    rd->cap = ZB_CSV_MIN_CAP;

  if (strcmp(path, "-") == 0) {
    f = stdin;
  } else {
    f = fopen(path, "rb");
    if (f == NULL) {
      rc = ZB_EIO;
      goto out;
    }
  }

  if (csv_init(&rd->p, CSV_STRICT | CSV_STRICT_FINI) != 0) {
    rc = ZB_ENOMEM;
    goto out;
  }
  parser_ready = true;
  csv_set_space_func(&rd->p, zb__csv_no_space);
  csv_set_realloc_func(&rd->p, zb__csv_alloc_once);
  csv_set_blk_size(&rd->p, rd->cap);

  rd->line = 1;
  rd->rec_line = 1;
  bool at_line_start = true;
  bool first = true;
  for (;;) {
    size_t n = fread(buf, 1, ZB_CSV_CHUNK, f);
    if (n == 0) {
      if (ferror(f)) {
        rc = ZB_EIO;
        goto out;
      }
      break;
    }
    const char *s = buf;
    const char *end = buf + n;
    /* fread fills the buffer unless the file ends, so a BOM is whole. */
    if (first && n >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0)
      s += 3;
    first = false;
    while (s < end) {
      const char *nl = memchr(s, '\n', (size_t)(end - s));
      const char *e = nl != NULL ? nl + 1 : end;
      /* Outside quotes at a line start, no record is open: the next one
       * starts on this line, or later if this line is blank. */
      if (at_line_start && !rd->in_quotes)
        rd->rec_line = rd->line;
      at_line_start = false;
      rc = zb__csv_feed(rd, s, (size_t)(e - s));
      if (rc != 0)
        goto out;
      if (rd->stop != ZB__RUN) {
        rc = rd->result;
        goto out;
      }
      if (nl != NULL) {
        rd->line++;
        at_line_start = true;
      }
      s = e;
    }
  }

  /* End of file: a last record without a line end is still a record. */
  if (csv_fini(&rd->p, zb__csv_on_field, zb__csv_on_record, rd) != 0) {
    zb__csv_report(rd, rd->rec_line, NULL,
                   "quoted field is not closed at the end of the file");
    if (!rd->have_header)
      zb__csv_stop(rd, ZB_EINVAL);
  }
  if (rd->stop != ZB__RUN) {
    rc = rd->result;
  } else if (!rd->have_header) {
    zb__csv_report(rd, 1, NULL, "no header row");
    rc = ZB_EINVAL;
  }
out:
  if (rd != NULL && nproblems != NULL)
    *nproblems = rd->nproblems;
  if (parser_ready)
    csv_free(&rd->p);
  if (f != NULL && f != stdin)
    fclose(f);
  if (rd != NULL)
    free(rd->arena);
  free(rd);
  free(buf);
  return rc;
}

/* Besides RFC 4180's comma, quote, CR and LF we also quote a field with a
 * leading or trailing space or tab: our reader keeps such spaces either
 * way, but some other readers trim them from unquoted fields. */
static bool zb__csv_needs_quotes(const char *s, size_t len) {
  if (len == 0)
    return false;
  if (s[0] == ' ' || s[0] == '\t' || s[len - 1] == ' ' || s[len - 1] == '\t')
    return true;
  return strpbrk(s, ",\"\r\n") != NULL;
}

int zb_csv_write_row(FILE *out, const char *const *fields, size_t n) {
  if (out == NULL || (fields == NULL && n > 0))
    return ZB_EIO;
  for (size_t i = 0; i < n; i++) {
    const char *s = fields[i] != NULL ? fields[i] : "";
    size_t len = strlen(s);
    if (i > 0 && putc(',', out) == EOF)
      return ZB_EIO;
    /* A lone empty field would make an empty line, which readers skip. */
    if (!zb__csv_needs_quotes(s, len) && !(n == 1 && len == 0)) {
      if (fwrite(s, 1, len, out) != len)
        return ZB_EIO;
      continue;
    }
    if (putc('"', out) == EOF)
      return ZB_EIO;
    const char *q;
    while ((q = strchr(s, '"')) != NULL) {
      /* Write up to and including the quote, then the quote again. */
      size_t k = (size_t)(q - s) + 1;
      if (fwrite(s, 1, k, out) != k || putc('"', out) == EOF)
        return ZB_EIO;
      s = q + 1;
    }
    len = strlen(s);
    if (fwrite(s, 1, len, out) != len || putc('"', out) == EOF)
      return ZB_EIO;
  }
  if (putc('\n', out) == EOF)
    return ZB_EIO;
  return 0;
}
