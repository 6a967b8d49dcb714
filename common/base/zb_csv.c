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
 *
 * Encoding.  Each chunk is checked for well-formed UTF-8 before libcsv
 * sees it (zb_utf8_prefix; a sequence cut by the chunk's end waits for the
 * next chunk), so a UTF-8 file costs no second pass.  At the first bytes
 * that are not UTF-8 the reader decides, once:
 *  - a file that began with a UTF-8 BOM says it is UTF-8;
 *  - if everything handed to libcsv so far was ASCII (the same bytes in
 *    GB18030), it goes on converting from GB18030 with iconv, from the
 *    start of this chunk;
 *  - if a few non-ASCII characters came first (fewer than
 *    ZB_CSV_UTF8_PROOF: in GBK text, short runs of bytes that happen to be
 *    valid UTF-8 are common), the file is read again from its start as
 *    GB18030: a regular file is rewound; stdin or a FIFO is read again
 *    from a copy kept of it (at most ZB_CSV_SPOOL_MAX bytes, and only until
 *    the text has proved to be UTF-8); the caller is told to forget what it
 *    was handed (spec->encoding);
 *  - after ZB_CSV_UTF8_PROOF characters of valid UTF-8 the file is UTF-8
 *    too (read as GB18030, the UTF-8 part would turn into other
 *    characters, and every row would be refused for it).
 * A UTF-8 file with bytes that are not is parsed as it is, and from then
 * on each field is checked and reported alone, so that the rest of the
 * file is still checked.
 * In GB18030 mode a chunk that does not convert is one problem, "neither
 * UTF-8 nor GB18030", and nothing of it is parsed.  Converted text is at
 * most 1.5 times as long (two GBK bytes become three UTF-8 bytes);
 * max_field applies after conversion.
 */
#include "zb_csv.h"

#include <csv.h>
#include <errno.h>
#include <iconv.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "zb_err.h"
#include "zb_reason.h"
#include "zb_utf8.h"

#define ZB_CSV_MAX_COLUMNS 64
/* Header fields, known columns and ignored ones together. */
#define ZB_CSV_MAX_HEADER 256
#define ZB_CSV_CHUNK (64 * 1024)
/* Small caps would make a long field cost one cut per few bytes. */
#define ZB_CSV_MIN_CAP 4096
/* Header field longer than this cannot be a column name worth echoing. */
#define ZB_CSV_NAME_ECHO_MAX 200
/* Non-ASCII characters of valid UTF-8 after which bytes that are not
 * UTF-8 are a fault of a UTF-8 file, not a sign of GB18030 (see the top). */
#define ZB_CSV_UTF8_PROOF 16
/* The copy of a non-seekable input kept to read it again. */
#define ZB_CSV_SPOOL_MAX ((size_t)64 << 20)
/* A header field that names no column. */
#define ZB__IGNORED 0xFF

enum zb__csv_fstate { ZB__F_OK = 0, ZB__F_LONG, ZB__F_TEXT, ZB__F_NOT_UTF8 };

enum zb__csv_stop {
  ZB__RUN = 0,
  ZB__STOP_RESULT, /* stop and return rd->result */
};

/* What a restart forgets: the parse of the file so far. */
struct zb__csv_parse {
  long line;          /* physical line being fed to libcsv */
  long rec_line;      /* line on which the current record started */
  bool in_quotes;     /* raw quote parity at the start of the current piece */
  bool at_line_start;
  unsigned char last; /* last raw byte libcsv consumed */

  bool have_header;
  bool header_bad;
  size_t nhdr;                          /* fields in the header */
  unsigned char map[ZB_CSV_MAX_HEADER]; /* header field -> spec column */
  size_t hoff[ZB_CSV_MAX_HEADER];       /* its name in names */
  size_t hsrc[ZB_CSV_MAX_COLUMNS];      /* spec column -> header field */
  uint64_t seen;                        /* spec columns present in header */

  /* The record being collected. */
  size_t nfields;
  bool known_data;   /* a known column holds more than blanks */
  bool other_data;   /* an ignored or surplus field does */
  size_t nonblank;   /* before the header: fields that hold more than blanks */
  size_t nonblank_at; /* the last of them */
  unsigned char fstate[ZB_CSV_MAX_HEADER];
  size_t flen[ZB_CSV_MAX_HEADER];
  size_t foff[ZB_CSV_MAX_HEADER];

  /* A field being cut (see the top of the file). */
  bool cutting;
  size_t cut_len;   /* field bytes before the current piece */
  size_t prime_len; /* bytes the primer put into the current piece */
  size_t piece;     /* length handed over by csv_fini when cutting */

  /* What has gone to libcsv. */
  size_t fed;       /* bytes */
  size_t fed_multi; /* non-ASCII characters */
};

enum zb__csv_enc { ZB__ENC_UTF8 = 0, ZB__ENC_GB18030 };

struct zb__csv_reader {
  const struct zb_csv_spec *spec;
  zb_csv_row_fn row;
  zb_csv_problem_fn problem;
  void *ctx;
  long nproblems;

  struct csv_parser p;
  bool parser_ready;
  size_t cap; /* size of libcsv's entry buffer, allocated once */
  struct zb__csv_parse ps;

  /* Copies of the current record's fields.  Never larger than
   * max(ZB_CSV_MAX_COLUMNS * (max_field + 1), cap + 1): data fields over
   * max_field and those of ignored columns are not copied, and header
   * names are copied one at a time. */
  char *arena;
  size_t arena_used, arena_size;
  /* The header's names as written (trimmed), NUL-separated. */
  char *names;
  size_t names_used, names_size;

  /* The input. */
  FILE *f;
  bool seekable;
  bool bom;              /* it began with a UTF-8 BOM: it says it is UTF-8 */
  bool settled;          /* spec->settled was called */
  bool dirty;            /* a UTF-8 file with bytes that are not: fields
                            are checked for them one by one */
  enum zb__csv_enc enc;
  iconv_t cd;            /* GB18030 -> UTF-8 once needed, else (iconv_t)-1 */
  char *conv;            /* converted text of one chunk */
  size_t conv_size;
  /* Non-seekable input kept while it may have to be read again. */
  char *spool;
  size_t spool_len, spool_size, replay;
  bool spooling, replaying;

  /* Rows come from a sheet (zb_csv_rows_*), not from CSV text: a row is
   * as wide as its last cell, and a title above the header may be one
   * cell alone. */
  bool sheet;

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
  char reason[512];
  va_list ap;
  va_start(ap, fmt);
  /* A coded reason (zb_reason.h), put in words by the reader; or text
   * made already. */
  if (strncmp(fmt, "why.", 4) == 0)
    zb_reason_vmake(reason, sizeof reason, fmt, ap);
  else
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

/* The text reaching libcsv is well-formed UTF-8 (checked, or converted,
 * chunk by chunk); a field must still hold no control character.  RFC
 * 4180 lets a quoted field hold line ends, which we keep as they are. */
static bool zb__csv_text_ok(const char *s, size_t n) {
  const unsigned char *p = (const unsigned char *)s;
  for (size_t i = 0; i < n; i++)
    if (p[i] < 0x20 && p[i] != '\t' && p[i] != '\n' && p[i] != '\r')
      return false;
  return true;
}

/* zb_utf8_valid refuses CR and LF, single bytes that never occur inside a
 * multi-byte sequence: checking the pieces between them is exact. */
static bool zb__csv_utf8_ok(const char *s, size_t n) {
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

static bool zb__csv_blank(const char *s, size_t n) {
  /* Most fields start with something else than a blank (space, TAB, the
   * E3 of U+3000). */
  if (n > 0 && s[0] != ' ' && s[0] != '\t' && (unsigned char)s[0] != 0xE3)
    return false;
  size_t start;
  return zb_utf8_trim(s, n, &start) == 0;
}

/* Appends s[0..n) and a NUL to a growing buffer; returns its offset or
 * SIZE_MAX when out of memory. */
static size_t zb__csv_buf_put(char **buf, size_t *used, size_t *size,
                              const void *s, size_t n) {
  size_t need = *used + n + 1;
  if (need > *size) {
    size_t sz = *size ? *size : 1024;
    while (sz < need)
      sz *= 2;
    char *a = realloc(*buf, sz);
    if (a == NULL)
      return SIZE_MAX;
    *buf = a;
    *size = sz;
  }
  size_t off = *used;
  if (n > 0)
    memcpy(*buf + off, s, n);
  (*buf)[off + n] = '\0';
  *used = need;
  return off;
}

static size_t zb__csv_arena_put(struct zb__csv_reader *rd, const void *s,
                                size_t n) {
  return zb__csv_buf_put(&rd->arena, &rd->arena_used, &rd->arena_size, s, n);
}

/* ASCII letters compared without case, everything else byte for byte. */
static bool zb__csv_name_eq(const char *a, const char *b, size_t blen) {
  size_t i;
  for (i = 0; i < blen && a[i] != '\0'; i++) {
    unsigned char x = (unsigned char)a[i], y = (unsigned char)b[i];
    if (x >= 'A' && x <= 'Z')
      x = (unsigned char)(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z')
      y = (unsigned char)(y - 'A' + 'a');
    if (x != y)
      return false;
  }
  return i == blen && a[i] == '\0';
}

/* The spec column a header name (len bytes, trimmed) names, or -1. */
static int zb__csv_column_of(const struct zb_csv_spec *spec, const char *name,
                             size_t len) {
  for (size_t j = 0; j < spec->ncolumns; j++) {
    if (zb__csv_name_eq(spec->columns[j], name, len))
      return (int)j;
    const char *const *al = spec->aliases ? spec->aliases[j] : NULL;
    for (size_t k = 0; al != NULL && al[k] != NULL; k++)
      if (zb__csv_name_eq(al[k], name, len))
        return (int)j;
  }
  return -1;
}

/* "id_number, 公民身份号码, 身份证号" into buf: the names column j may
 * have in the header. */
static void zb__csv_accepted(const struct zb_csv_spec *spec, size_t j,
                             char *buf, size_t size) {
  int n = snprintf(buf, size, "%s", spec->columns[j]);
  size_t used = n > 0 ? (size_t)n : 0;
  const char *const *al = spec->aliases ? spec->aliases[j] : NULL;
  for (size_t k = 0; al != NULL && al[k] != NULL && used < size; k++) {
    n = snprintf(buf + used, size - used, ", %s", al[k]);
    if (n < 0)
      break;
    used += (size_t)n;
  }
}

/* Checks header field i; returns false if it is unusable (reported). */
static bool zb__csv_header_field(struct zb__csv_reader *rd, size_t i,
                                 const char *s, size_t len, bool cut) {
  const struct zb_csv_spec *spec = rd->spec;
  struct zb__csv_parse *ps = &rd->ps;
  if (i >= ZB_CSV_MAX_HEADER) {
    if (i == ZB_CSV_MAX_HEADER)
      zb__csv_report(rd, ps->rec_line, NULL,
                     "why.csv_wide" ZB_US "%d", ZB_CSV_MAX_HEADER);
    return false;
  }
  const char *why = NULL;
  size_t start = 0, tlen = 0;
  if (cut || len > ZB_CSV_NAME_ECHO_MAX)
    why = "long";
  else if (!zb_utf8_valid(s, len))
    why = "text";
  else if ((tlen = zb_utf8_trim(s, len, &start)) == 0)
    why = "empty";
  int j = why ? -1 : zb__csv_column_of(spec, s + start, tlen);
  if (j < 0 && spec->ignore_unknown) {
    char label[32];
    size_t off;
    if (why) {
      snprintf(label, sizeof label, "(column %zu)", i + 1);
      off = zb__csv_buf_put(&rd->names, &rd->names_used, &rd->names_size,
                            label, strlen(label));
    } else {
      off = zb__csv_buf_put(&rd->names, &rd->names_used, &rd->names_size,
                            s + start, tlen);
    }
    if (off == SIZE_MAX) {
      zb__csv_stop(rd, ZB_ENOMEM);
      return false;
    }
    ps->map[i] = ZB__IGNORED;
    ps->hoff[i] = off;
    return true;
  }
  if (why && strcmp(why, "long") == 0) {
    zb__csv_report(rd, ps->rec_line, NULL,
                   "why.csv_header_long" ZB_US "%zu" ZB_US "%zu", i + 1, len);
    return false;
  }
  if (why && strcmp(why, "text") == 0) {
    zb__csv_report(rd, ps->rec_line, NULL,
                   "why.csv_header_text" ZB_US "%zu", i + 1);
    return false;
  }
  if (why) {
    zb__csv_report(rd, ps->rec_line, NULL, "why.csv_header_empty" ZB_US "%zu", i + 1);
    return false;
  }
  size_t off = zb__csv_buf_put(&rd->names, &rd->names_used, &rd->names_size,
                               s + start, tlen);
  if (off == SIZE_MAX) {
    zb__csv_stop(rd, ZB_ENOMEM);
    return false;
  }
  const char *name = rd->names + off;
  if (j < 0) {
    zb__csv_report(rd, ps->rec_line, name, "why.csv_unknown_column");
    return false;
  }
  if (ps->seen & (UINT64_C(1) << j)) {
    size_t other = ps->hsrc[j];
    zb__csv_report(rd, ps->rec_line, spec->columns[j],
                   "why.csv_duplicate" ZB_US "%zu" ZB_US "%s" ZB_US "%zu" ZB_US "%s",
                   other + 1, rd->names + ps->hoff[other], i + 1, name);
    return false;
  }
  ps->seen |= UINT64_C(1) << j;
  ps->map[i] = (unsigned char)j;
  ps->hoff[i] = off;
  ps->hsrc[j] = i;
  return true;
}

static void zb__csv_header_done(struct zb__csv_reader *rd) {
  const struct zb_csv_spec *spec = rd->spec;
  struct zb__csv_parse *ps = &rd->ps;
  bool bad = ps->header_bad;
  for (size_t j = 0; j < spec->ncolumns; j++) {
    uint64_t bit = UINT64_C(1) << j;
    if ((spec->required & bit) && !(ps->seen & bit)) {
      char names[400];
      zb__csv_accepted(spec, j, names, sizeof names);
      zb__csv_report(rd, ps->rec_line, spec->columns[j],
                     "why.csv_missing_column" ZB_US "%s", names);
      bad = true;
    }
  }
  if (bad) {
    zb__csv_stop(rd, ZB_EINVAL);
    return;
  }
  ps->have_header = true;
  if (spec->header == NULL)
    return;
  const char *names[ZB_CSV_MAX_COLUMNS];
  const char *ignored[ZB_CSV_MAX_HEADER];
  size_t nignored = 0;
  for (size_t j = 0; j < spec->ncolumns; j++)
    names[j] = (ps->seen & (UINT64_C(1) << j))
                   ? rd->names + ps->hoff[ps->hsrc[j]]
                   : NULL;
  for (size_t i = 0; i < ps->nhdr; i++)
    if (ps->map[i] == ZB__IGNORED)
      ignored[nignored++] = rd->names + ps->hoff[i];
  int rc = spec->header(rd->ctx, ps->rec_line, names, ignored, nignored);
  if (rc != 0)
    zb__csv_stop(rd, rc);
}

/* libcsv field callback. */
static void zb__csv_on_field(void *data, size_t len, void *vrd) {
  struct zb__csv_reader *rd = vrd;
  struct zb__csv_parse *ps = &rd->ps;
  if (rd->stop != ZB__RUN)
    return;
  size_t i = ps->nfields++;
  bool cut = ps->cutting;
  if (cut) {
    /* The last piece of a cut field: len counts the primer too. */
    len = ps->cut_len + len - ps->prime_len;
    ps->cutting = false;
    ps->cut_len = ps->prime_len = 0;
  }
  bool data_here = cut || !zb__csv_blank(data, len);
  if (!ps->have_header) {
    /* Header fields are looked at once the record has ended: a row of
     * blanks above the header is skipped like a blank line. */
    ps->known_data |= data_here;
    if (data_here) {
      ps->nonblank++;
      ps->nonblank_at = i;
    }
    if (i >= ZB_CSV_MAX_HEADER)
      return;
    ps->flen[i] = len;
    if (cut || len > ZB_CSV_NAME_ECHO_MAX) {
      ps->fstate[i] = ZB__F_LONG;
      return;
    }
    size_t off = zb__csv_arena_put(rd, data, len);
    if (off == SIZE_MAX) {
      zb__csv_stop(rd, ZB_ENOMEM);
      return;
    }
    ps->foff[i] = off;
    ps->fstate[i] = ZB__F_OK;
    return;
  }
  if (i >= ps->nhdr || ps->map[i] == ZB__IGNORED) {
    /* Surplus fields are reported at the end of the record; those of
     * ignored columns are not looked at. */
    ps->other_data |= data_here;
    return;
  }
  ps->known_data |= data_here;
  ps->flen[i] = len;
  if (cut || len > rd->spec->max_field) {
    ps->fstate[i] = ZB__F_LONG;
  } else if (!zb__csv_text_ok(data, len)) {
    ps->fstate[i] = ZB__F_TEXT;
  } else if (rd->dirty && !zb__csv_utf8_ok(data, len)) {
    ps->fstate[i] = ZB__F_NOT_UTF8;
  } else {
    size_t off = zb__csv_arena_put(rd, data, len);
    if (off == SIZE_MAX) {
      zb__csv_stop(rd, ZB_ENOMEM);
      return;
    }
    ps->foff[i] = off;
    ps->fstate[i] = ZB__F_OK;
  }
}

static void zb__csv_row_done(struct zb__csv_reader *rd) {
  const struct zb_csv_spec *spec = rd->spec;
  struct zb__csv_parse *ps = &rd->ps;
  /* Nothing but blanks in the columns read: skipped like a blank line,
   * unless a surplus field makes it a row of the wrong length. */
  if (!ps->known_data && (!ps->other_data || ps->nfields == ps->nhdr))
    return;
  if (ps->nfields != ps->nhdr && rd->sheet) {
    char col[8];
    zb_csv_column_letters(ps->nhdr - 1, col);
    zb__csv_report(rd, ps->rec_line, NULL,
                   "why.csv_right_of_header" ZB_US "%s", col);
    return;
  }
  if (ps->nfields != ps->nhdr) {
    zb__csv_report(rd, ps->rec_line, NULL,
                   "why.csv_field_count" ZB_US "%zu" ZB_US "%zu", ps->nfields, ps->nhdr);
    return;
  }
  bool bad = false;
  for (size_t i = 0; i < ps->nhdr; i++) {
    if (ps->map[i] == ZB__IGNORED)
      continue;
    const char *col = spec->columns[ps->map[i]];
    switch ((enum zb__csv_fstate)ps->fstate[i]) {
    case ZB__F_OK:
      break;
    case ZB__F_LONG:
      zb__csv_report(rd, ps->rec_line, col,
                     "why.csv_field_long" ZB_US "%zu" ZB_US "%zu", ps->flen[i],
                     spec->max_field);
      bad = true;
      break;
    case ZB__F_TEXT:
      zb__csv_report(rd, ps->rec_line, col,
                     "why.csv_field_control");
      bad = true;
      break;
    case ZB__F_NOT_UTF8:
      zb__csv_report(rd, ps->rec_line, col,
                     "why.csv_field_not_utf8");
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
  for (size_t i = 0; i < ps->nhdr; i++) {
    if (ps->map[i] == ZB__IGNORED)
      continue;
    values[ps->map[i]] = rd->arena + ps->foff[i];
    lens[ps->map[i]] = ps->flen[i];
  }
  int rc = rd->row(rd->ctx, ps->rec_line, values, lens);
  if (rc != 0)
    zb__csv_stop(rd, rc);
}

/* Before the header: whether the record just ended is a title — one
 * field alone holds text, which names no column — rather than a header.
 * In CSV text the record must have more fields than that one (the title
 * row of a sheet saved as CSV: "花名册,,,,"); a lone field there is a
 * header of one column. */
static bool zb__csv_title(struct zb__csv_reader *rd) {
  struct zb__csv_parse *ps = &rd->ps;
  size_t i = ps->nonblank_at;
  if (ps->nonblank != 1 || i >= ZB_CSV_MAX_HEADER || (!rd->sheet && ps->nfields < 2))
    return false;
  if (ps->fstate[i] == ZB__F_LONG)
    return true;
  const char *s = rd->arena + ps->foff[i];
  size_t start, len = zb_utf8_trim(s, ps->flen[i], &start);
  return zb__csv_column_of(rd->spec, s + start, len) < 0;
}

/* libcsv record callback. */
static void zb__csv_on_record(int c, void *vrd) {
  struct zb__csv_reader *rd = vrd;
  struct zb__csv_parse *ps = &rd->ps;
  (void)c;
  if (rd->stop != ZB__RUN)
    return;
  if (!ps->have_header) {
    if (ps->known_data && zb__csv_title(rd)) {
      /* A title above the header (the org's name and a date, as a
       * 花名册 has): skipped like a blank line. */
    } else if (ps->known_data) {
      size_t n = ps->nfields < ZB_CSV_MAX_HEADER + 1 ? ps->nfields : ZB_CSV_MAX_HEADER + 1;
      for (size_t i = 0; i < n && rd->stop == ZB__RUN; i++) {
        bool long_field = i < ZB_CSV_MAX_HEADER && ps->fstate[i] == ZB__F_LONG;
        const char *name = i < ZB_CSV_MAX_HEADER ? rd->arena + ps->foff[i] : "";
        if (!zb__csv_header_field(rd, i, name, i < ZB_CSV_MAX_HEADER ? ps->flen[i] : 0,
                                  long_field))
          ps->header_bad = true;
      }
      ps->nhdr = ps->nfields;
      if (rd->stop == ZB__RUN)
        zb__csv_header_done(rd);
    }
  } else {
    zb__csv_row_done(rd);
  }
  ps->nfields = 0;
  ps->known_data = ps->other_data = false;
  ps->nonblank = 0;
  rd->arena_used = 0;
  memset(ps->fstate, 0, sizeof ps->fstate);
  /* A bare CR ends a record in mid-line; the next one starts here. */
  ps->rec_line = ps->line;
}

static void zb__csv_on_piece(void *data, size_t len, void *vrd) {
  struct zb__csv_reader *rd = vrd;
  (void)data;
  rd->ps.piece = len;
}

/* How many times byte c occurs in s[0..n). */
static size_t zb__csv_count(const char *s, size_t n, char c) {
  size_t count = 0;
  const char *end = s + n;
  const char *q;
  while (s < end && (q = memchr(s, c, (size_t)(end - s))) != NULL) {
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
  struct zb__csv_parse *ps = &rd->ps;
  if (csv_get_buffer_size(p) < rd->cap)
    return ZB_ENOMEM; /* the first allocation itself fell short */
  unsigned char opts = (unsigned char)csv_get_opts(p);
  /* Without STRICT_FINI, csv_fini hands over an open quoted field too. */
  csv_set_opts(p, opts & (unsigned char)~CSV_STRICT_FINI);
  ps->piece = 0;
  csv_fini(p, zb__csv_on_piece, NULL, rd);
  csv_set_opts(p, opts);
  ps->cut_len += ps->piece - ps->prime_len;
  ps->cutting = true;

  const char *primer;
  if (inq) {
    primer = "\""; /* inside a quoted field */
    ps->prime_len = 0;
  } else if (ps->last == '"') {
    primer = "\"\""; /* just after a quote inside a quoted field */
    ps->prime_len = 0;
  } else {
    primer = "x"; /* inside an unquoted field */
    ps->prime_len = 1;
  }
  size_t n = strlen(primer);
  if (csv_parse(p, primer, n, NULL, NULL, rd) != n)
    return ZB_ENOMEM;
  return 0;
}

static void zb__csv_parse_error(struct zb__csv_reader *rd) {
  struct zb__csv_parse *ps = &rd->ps;
  if (ps->line != ps->rec_line)
    zb__csv_report(rd, ps->rec_line, NULL,
                   "why.csv_quotes_at" ZB_US "%ld", ps->line);
  else
    zb__csv_report(rd, ps->rec_line, NULL,
                   "why.csv_quotes");
  /* A broken header makes the file unusable; a broken data row stops the
   * read with the problem counted, so the caller stores nothing. */
  zb__csv_stop(rd, ps->have_header ? 0 : ZB_EINVAL);
}

/* Feeds one piece of at most one physical line to libcsv. */
static int zb__csv_feed_piece(struct zb__csv_reader *rd, const char *s,
                              size_t n) {
  struct zb__csv_parse *ps = &rd->ps;
  bool q0 = ps->in_quotes;
  size_t off = 0;
  while (off < n && rd->stop == ZB__RUN) {
    size_t got = csv_parse(&rd->p, s + off, n - off, zb__csv_on_field,
                           zb__csv_on_record, rd);
    if (got > 0)
      ps->last = (unsigned char)s[off + got - 1];
    off += got;
    if (off == n || rd->stop != ZB__RUN)
      break; /* a callback may have stopped us before libcsv did */
    switch (csv_error(&rd->p)) {
    case CSV_EPARSE:
      zb__csv_parse_error(rd);
      return 0;
    case CSV_ENOMEM: {
      bool inq = q0 ^ (zb__csv_count(s, off, '"') & 1);
      int rc = zb__csv_cut(rd, inq);
      if (rc != 0)
        return rc;
      break;
    }
    default:
      return ZB_ENOMEM;
    }
  }
  ps->in_quotes = q0 ^ (zb__csv_count(s, n, '"') & 1);
  return 0;
}

/* Feeds text (UTF-8 by now) to libcsv one physical line at a time, so that
 * the callbacks know the line. */
static int zb__csv_feed(struct zb__csv_reader *rd, const char *s, size_t n) {
  struct zb__csv_parse *ps = &rd->ps;
  const char *end = s + n;
  ps->fed += n;
  while (s < end) {
    const char *nl = memchr(s, '\n', (size_t)(end - s));
    const char *e = nl != NULL ? nl + 1 : end;
    /* Outside quotes at a line start, no record is open: the next one
     * starts on this line, or later if this line is blank. */
    if (ps->at_line_start && !ps->in_quotes)
      ps->rec_line = ps->line;
    ps->at_line_start = false;
    int rc = zb__csv_feed_piece(rd, s, (size_t)(e - s));
    if (rc != 0)
      return rc;
    if (rd->stop != ZB__RUN)
      return 0;
    if (nl != NULL) {
      ps->line++;
      ps->at_line_start = true;
    }
    s = e;
  }
  return 0;
}

static int zb__csv_parser_start(struct zb__csv_reader *rd) {
  if (rd->parser_ready)
    csv_free(&rd->p);
  rd->parser_ready = false;
  if (csv_init(&rd->p, CSV_STRICT | CSV_STRICT_FINI) != 0)
    return ZB_ENOMEM;
  rd->parser_ready = true;
  csv_set_space_func(&rd->p, zb__csv_no_space);
  csv_set_realloc_func(&rd->p, zb__csv_alloc_once);
  csv_set_blk_size(&rd->p, rd->cap);
  memset(&rd->ps, 0, sizeof rd->ps);
  rd->ps.line = 1;
  rd->ps.rec_line = 1;
  rd->ps.at_line_start = true;
  rd->arena_used = 0;
  rd->names_used = 0;
  rd->nproblems = 0;
  return 0;
}

/* ---- the input: reading, encodings ---- */

/* Up to want bytes of input into dst: a kept copy first after a restart,
 * then the file.  *eof once the file has ended. */
static int zb__csv_source(struct zb__csv_reader *rd, char *dst, size_t want,
                          size_t *got, bool *eof) {
  size_t n = 0;
  *eof = false;
  if (rd->replaying) {
    size_t k = rd->spool_len - rd->replay;
    if (k > want)
      k = want;
    memcpy(dst, rd->spool + rd->replay, k);
    rd->replay += k;
    n = k;
    if (rd->replay == rd->spool_len) {
      rd->replaying = false;
      /* Bytes read before the reader started (zb_csv_read_stream's head)
       * stay in the copy while it is kept. */
      if (!rd->spooling) {
        free(rd->spool);
        rd->spool = NULL;
        rd->spool_len = rd->spool_size = 0;
      }
      rd->replay = 0;
    }
  }
  if (n < want && !rd->replaying) {
    size_t m = fread(dst + n, 1, want - n, rd->f);
    if (m < want - n) {
      if (ferror(rd->f))
        return ZB_EIO;
      *eof = true;
    }
    if (rd->spooling && m > 0) {
      if (rd->spool_len + m > ZB_CSV_SPOOL_MAX) {
        rd->spooling = false; /* too long to keep: no second reading */
        free(rd->spool);
        rd->spool = NULL;
        rd->spool_len = rd->spool_size = 0;
      } else if (zb__csv_buf_put(&rd->spool, &rd->spool_len, &rd->spool_size,
                                 dst + n, m) == SIZE_MAX) {
        return ZB_ENOMEM;
      } else {
        rd->spool_len--; /* buf_put counts its NUL */
      }
    }
    n += m;
  }
  *got = n;
  return 0;
}

/* "\xC3 \x28 \xA1" for the message: the first bytes at s. */
static void zb__csv_hex(const char *s, size_t n, char *out, size_t size) {
  size_t used = 0;
  out[0] = '\0';
  for (size_t i = 0; i < n && i < 4 && used + 6 < size; i++)
    used += (size_t)snprintf(out + used, size - used, "%s0x%02X",
                             i ? " " : "", (unsigned char)s[i]);
}

/* What is wrong with a file's encoding: the keys of the reasons. */
enum zb__csv_enc_why {
  ZB__ENC_MIXED,        /* not UTF-8 after lines that are */
  ZB__ENC_MIXED_STDIN,  /* the same, and stdin cannot be read again */
  ZB__ENC_CUT,          /* ends in the middle of a character */
  ZB__ENC_UTF16,        /* UTF-16 text */
  ZB__ENC_NEITHER,      /* neither UTF-8 nor GB18030 */
};

/* The problem that ends the read for bytes at s[bad] of a chunk whose
 * start s is at the current line. */
static void zb__csv_encoding_problem(struct zb__csv_reader *rd, const char *s,
                                     size_t bad, size_t len, enum zb__csv_enc_why why) {
  struct zb__csv_parse *ps = &rd->ps;
  long line = ps->line + (long)zb__csv_count(s, bad, '\n');
  char hex[40];
  zb__csv_hex(s + bad, len - bad, hex, sizeof hex);
  switch (why) {
  case ZB__ENC_MIXED:
    zb__csv_report(rd, line, NULL, "why.csv_enc_mixed" ZB_US "%s", hex);
    break;
  case ZB__ENC_MIXED_STDIN:
    zb__csv_report(rd, line, NULL, "why.csv_enc_mixed_stdin" ZB_US "%s", hex);
    break;
  case ZB__ENC_CUT:
    zb__csv_report(rd, line, NULL, "why.csv_enc_cut" ZB_US "%s", hex);
    break;
  case ZB__ENC_UTF16:
    zb__csv_report(rd, line, NULL, "why.csv_enc_utf16" ZB_US "%s", hex);
    break;
  case ZB__ENC_NEITHER:
    zb__csv_report(rd, line, NULL, "why.csv_enc_neither" ZB_US "%s", hex);
    break;
  }
  zb__csv_stop(rd, ps->have_header ? 0 : ZB_EINVAL);
}

#define ZB__RESTART 1

/* The copy of a non-seekable input is no longer needed. */
static void zb__csv_spool_drop(struct zb__csv_reader *rd) {
  rd->spooling = false;
  if (!rd->replaying) {
    free(rd->spool);
    rd->spool = NULL;
    rd->spool_len = rd->spool_size = 0;
  }
}

/* The bytes at the end of s[0..len) that start a UTF-8 sequence the end
 * cuts short (0-3): they wait for the next chunk. */
static size_t zb__csv_cut_tail(const char *s, size_t len) {
  for (size_t k = 1; k <= 3 && k <= len; k++) {
    unsigned char b = (unsigned char)s[len - k];
    if (b < 0x80)
      return 0;
    if (b >= 0xC0) {
      size_t multi = 0;
      bool partial;
      return zb_utf8_prefix(s + len - k, k, &multi, &partial) == 0 && partial ? k : 0;
    }
  }
  return 0;
}

static int zb__csv_to_gb18030(struct zb__csv_reader *rd) {
  rd->enc = ZB__ENC_GB18030;
  zb__csv_spool_drop(rd);
  if (rd->cd == (iconv_t)-1) {
    rd->cd = iconv_open("UTF-8", "GB18030");
    if (rd->cd == (iconv_t)-1)
      return ZB_EIO;
  }
  return 0;
}

/* Bytes at s[bad] are not UTF-8, after a few non-ASCII characters that
 * were: read the file again from its start as GB18030, if it can be. */
static int zb__csv_restart(struct zb__csv_reader *rd, const char *s,
                           size_t bad, size_t len) {
  if (rd->spec->encoding == NULL) {
    zb__csv_encoding_problem(rd, s, bad, len, ZB__ENC_MIXED);
    return 0;
  }
  if (rd->seekable) {
    if (fseeko(rd->f, 0, SEEK_SET) != 0)
      return ZB_EIO;
    clearerr(rd->f);
  } else if (rd->spooling) {
    rd->replaying = true;
    rd->replay = 0;
  } else {
    zb__csv_encoding_problem(rd, s, bad, len, ZB__ENC_MIXED_STDIN);
    return 0;
  }
  int rc = zb__csv_to_gb18030(rd);
  if (rc == 0)
    rc = zb__csv_parser_start(rd);
  if (rc != 0)
    return rc;
  rd->spec->encoding(rd->ctx, true);
  return ZB__RESTART;
}

/* One chunk of input s[0..len) (eof: the last).  Feeds what it can and
 * sets *used to the bytes consumed; the rest (a character cut by the end of
 * the chunk) is handed in again with the next.  ZB__RESTART when the file
 * is to be read again from its start. */
static int zb__csv_chunk(struct zb__csv_reader *rd, const char *s, size_t len,
                         bool eof, size_t *used) {
  *used = len;
  if (rd->enc == ZB__ENC_UTF8) {
    size_t multi = 0;
    bool partial;
    size_t p = zb_utf8_prefix(s, len, &multi, &partial);
    if (p == len || (partial && !eof)) {
      rd->ps.fed_multi += multi;
      if (rd->ps.fed_multi >= ZB_CSV_UTF8_PROOF)
        zb__csv_spool_drop(rd); /* proved UTF-8: never read again */
      *used = p;
      return zb__csv_feed(rd, s, p);
    }
    if (rd->bom || rd->ps.fed_multi + multi >= ZB_CSV_UTF8_PROOF) {
      /* A UTF-8 file (it says so, or has shown it) with bytes that are
       * not: read as GB18030, its UTF-8 would become other characters.
       * Parsed as it is; the fields holding such bytes are reported one by
       * one, and the rest of the file is still checked. */
      rd->dirty = true;
      rd->ps.fed_multi += multi;
      zb__csv_spool_drop(rd);
      size_t keep = eof ? 0 : zb__csv_cut_tail(s, len);
      *used = len - keep;
      return zb__csv_feed(rd, s, len - keep);
    }
    if (rd->ps.fed_multi > 0)
      return zb__csv_restart(rd, s, p, len);
    /* Everything before this chunk was ASCII: GB18030 from here on. */
    int rc = zb__csv_to_gb18030(rd);
    if (rc != 0)
      return rc;
    if (rd->spec->encoding != NULL)
      rd->spec->encoding(rd->ctx, false);
  }

  /* GB18030: convert the whole chunk before any of it is parsed. */
  size_t need = len + len / 2 + 16;
  if (need > rd->conv_size) {
    char *c = realloc(rd->conv, need);
    if (c == NULL)
      return ZB_ENOMEM;
    rd->conv = c;
    rd->conv_size = need;
  }
  char *in = (char *)s, *out = rd->conv;
  size_t inleft = len, outleft = rd->conv_size;
  iconv(rd->cd, NULL, NULL, NULL, NULL);
  while (inleft > 0) {
    if (iconv(rd->cd, &in, &inleft, &out, &outleft) != (size_t)-1)
      continue;
    if (errno == EINVAL && !eof)
      break; /* a character cut by the end of the chunk */
    if (errno == E2BIG)
      return ZB_ENOMEM; /* cannot happen: at most 1.5 times as long */
    const unsigned char *u = (const unsigned char *)s;
    bool utf16 = rd->ps.fed == 0 && len >= 2 &&
                 ((u[0] == 0xFF && u[1] == 0xFE) || (u[0] == 0xFE && u[1] == 0xFF));
    zb__csv_encoding_problem(rd, s, (size_t)(in - s), len,
                             errno == EINVAL ? ZB__ENC_CUT
                             : utf16         ? ZB__ENC_UTF16
                                             : ZB__ENC_NEITHER);
    return 0;
  }
  *used = (size_t)(in - s);
  const char *t = rd->conv;
  size_t tlen = (size_t)(out - rd->conv);
  /* GB18030's own byte order mark (84 31 95 33) becomes U+FEFF. */
  if (rd->ps.fed == 0 && tlen >= 3 && memcmp(t, "\xEF\xBB\xBF", 3) == 0) {
    t += 3;
    tlen -= 3;
  }
  return zb__csv_feed(rd, t, tlen);
}

static int zb__csv_run(struct zb__csv_reader *rd, char *buf) {
  size_t carry = 0;
  bool start = true;
  for (;;) {
    size_t n;
    bool eof;
    int rc = zb__csv_source(rd, buf + carry, ZB_CSV_CHUNK - carry, &n, &eof);
    if (rc != 0)
      return rc;
    size_t len = carry + n;
    if (len == 0)
      return 0;
    char *s = buf;
    /* The source fills the buffer unless the file ends, so a BOM is
     * whole. */
    if (start && len >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0) {
      s += 3;
      len -= 3;
      rd->bom = true;
    }
    start = false;
    size_t used;
    rc = zb__csv_chunk(rd, s, len, eof, &used);
    if (rc == ZB__RESTART) {
      carry = 0;
      start = true;
      continue;
    }
    if (rc != 0)
      return rc;
    if (rd->stop != ZB__RUN)
      return 0;
    /* No restart can come any more (zb__csv_chunk): say so once. */
    if (!rd->settled && rd->spec->settled != NULL &&
        (rd->bom || rd->enc == ZB__ENC_GB18030 ||
         rd->ps.fed_multi >= ZB_CSV_UTF8_PROOF)) {
      rd->settled = true;
      rd->spec->settled(rd->ctx);
    }
    carry = len - used;
    memmove(buf, s + used, carry);
    if (eof && carry > 0) {
      /* Only a UTF-8 sequence cut by the end of the file gets here. */
      zb__csv_encoding_problem(rd, buf, 0, carry, ZB__ENC_CUT);
      return 0;
    }
    if (eof)
      return 0;
  }
}

/* A reader for spec, or NULL (*rc: ZB_EINVAL for a bad spec, ZB_ENOMEM). */
static struct zb__csv_reader *zb__csv_reader_new(const struct zb_csv_spec *spec,
                                                 zb_csv_row_fn row,
                                                 zb_csv_problem_fn problem,
                                                 void *ctx, int *rc) {
  *rc = ZB_EINVAL;
  if (spec == NULL || spec->columns == NULL || spec->ncolumns == 0 ||
      spec->ncolumns > ZB_CSV_MAX_COLUMNS ||
      spec->max_field > SIZE_MAX / 2 / ZB_CSV_MAX_COLUMNS)
    return NULL;
  size_t longest = 0;
  for (size_t j = 0; j < spec->ncolumns; j++) {
    if (spec->columns[j] == NULL)
      return NULL;
    size_t l = strlen(spec->columns[j]);
    if (l > longest)
      longest = l;
  }
  struct zb__csv_reader *rd = calloc(1, sizeof *rd);
  if (rd == NULL) {
    *rc = ZB_ENOMEM;
    return NULL;
  }
  rd->cd = (iconv_t)-1;
  rd->spec = spec;
  rd->row = row;
  rd->problem = problem;
  rd->ctx = ctx;
  rd->cap = spec->max_field > longest ? spec->max_field : longest;
  rd->cap += 2; /* a field of max_field bytes plus a pending closing quote */
  if (rd->cap < ZB_CSV_MIN_CAP)
    rd->cap = ZB_CSV_MIN_CAP;
  *rc = 0;
  return rd;
}

static void zb__csv_reader_free(struct zb__csv_reader *rd) {
  if (rd->parser_ready)
    csv_free(&rd->p);
  if (rd->cd != (iconv_t)-1)
    iconv_close(rd->cd);
  free(rd->arena);
  free(rd->names);
  free(rd->conv);
  free(rd->spool);
  free(rd);
}

int zb_csv_read(const char *path, const struct zb_csv_spec *spec,
                zb_csv_row_fn row, zb_csv_problem_fn problem, void *ctx,
                long *nproblems) {
  if (nproblems != NULL)
    *nproblems = 0;
  if (path == NULL)
    return ZB_EINVAL;
  if (strcmp(path, "-") == 0)
    return zb_csv_read_stream(stdin, NULL, 0, spec, row, problem, ctx, nproblems);
  FILE *f = fopen(path, "rb");
  if (f == NULL)
    return ZB_EIO;
  int rc = zb_csv_read_stream(f, NULL, 0, spec, row, problem, ctx, nproblems);
  fclose(f);
  return rc;
}

int zb_csv_read_stream(FILE *f, const void *head, size_t nhead,
                       const struct zb_csv_spec *spec, zb_csv_row_fn row,
                       zb_csv_problem_fn problem, void *ctx, long *nproblems) {
  int rc = 0;
  char *buf = NULL;
  struct zb__csv_reader *rd = NULL;

  if (nproblems != NULL)
    *nproblems = 0;
  if (f == NULL)
    return ZB_EINVAL;
  rd = zb__csv_reader_new(spec, row, problem, ctx, &rc);
  if (rd == NULL)
    return rc;
  buf = malloc(ZB_CSV_CHUNK);
  if (buf == NULL) {
    zb__csv_reader_free(rd);
    return ZB_ENOMEM;
  }
  rd->f = f;
  struct stat st;
  rd->seekable = nhead == 0 && fstat(fileno(rd->f), &st) == 0 &&
                 S_ISREG(st.st_mode) && ftello(rd->f) == 0;
  rd->spooling = !rd->seekable;
  if (nhead > 0) {
    /* Bytes the caller read already: handed over first, and kept for a
     * second reading like the rest of a non-seekable input. */
    if (zb__csv_buf_put(&rd->spool, &rd->spool_len, &rd->spool_size, head,
                        nhead) == SIZE_MAX) {
      rc = ZB_ENOMEM;
      goto out;
    }
    rd->spool_len--; /* buf_put counts its NUL */
    rd->replaying = true;
    rd->replay = 0;
  }

  if ((rc = zb__csv_parser_start(rd)) != 0)
    goto out;
  rc = zb__csv_run(rd, buf);
  if (rc != 0)
    goto out;
  if (rd->stop != ZB__RUN) {
    rc = rd->result;
    goto out;
  }

  /* End of file: a last record without a line end is still a record. */
  if (csv_fini(&rd->p, zb__csv_on_field, zb__csv_on_record, rd) != 0) {
    zb__csv_report(rd, rd->ps.rec_line, NULL,
                   "why.csv_quote_open");
    if (!rd->ps.have_header)
      zb__csv_stop(rd, ZB_EINVAL);
  }
  if (rd->stop != ZB__RUN) {
    rc = rd->result;
  } else if (!rd->ps.have_header) {
    zb__csv_report(rd, 1, NULL, "why.csv_no_header");
    rc = ZB_EINVAL;
  }
out:
  if (nproblems != NULL)
    *nproblems = rd->nproblems;
  zb__csv_reader_free(rd);
  free(buf);
  return rc;
}

/* ---- rows from a sheet ---- */

struct zb_csv_rows {
  struct zb__csv_reader *rd;
};

int zb_csv_rows_open(const struct zb_csv_spec *spec, zb_csv_row_fn row,
                     zb_csv_problem_fn problem, void *ctx, zb_csv_rows **out) {
  int rc;
  *out = NULL;
  zb_csv_rows *r = calloc(1, sizeof *r);
  if (r == NULL)
    return ZB_ENOMEM;
  r->rd = zb__csv_reader_new(spec, row, problem, ctx, &rc);
  if (r->rd == NULL) {
    free(r);
    return rc;
  }
  r->rd->sheet = true;
  r->rd->ps.line = 1;
  *out = r;
  return 0;
}

int zb_csv_rows_column(const zb_csv_rows *r, size_t i) {
  const struct zb__csv_parse *ps = &r->rd->ps;
  if (!ps->have_header || i >= ps->nhdr || i >= ZB_CSV_MAX_HEADER ||
      ps->map[i] == ZB__IGNORED)
    return -1;
  return ps->map[i];
}

int zb_csv_rows_add(zb_csv_rows *r, long line, const struct zb_csv_cell *cells,
                    size_t n) {
  struct zb__csv_reader *rd = r->rd;
  struct zb__csv_parse *ps = &rd->ps;
  if (rd->stop != ZB__RUN)
    return rd->result;
  ps->line = ps->rec_line = line;
  /* A sheet row ends at its last cell: the cells the header has beyond
   * it are empty.  A surplus cell that holds nothing is no surplus. */
  size_t width = n;
  while (ps->have_header && width > ps->nhdr && cells[width - 1].full == 0)
    width--;
  if (ps->have_header && width < ps->nhdr)
    width = ps->nhdr;
  for (size_t i = 0; i < width && rd->stop == ZB__RUN; i++) {
    const struct zb_csv_cell *c = i < n ? &cells[i] : NULL;
    const char *s = c && c->s ? c->s : "";
    size_t len = c ? c->len : 0, full = c ? c->full : 0;
    if (full > len) {
      /* Cut by the sheet reader: the bytes kept are longer than any limit
       * here; the length reported is the whole cell's. */
      ps->cutting = true;
      ps->cut_len = full - len;
      ps->prime_len = 0;
    }
    zb__csv_on_field((void *)s, len, rd);
  }
  if (rd->stop != ZB__RUN)
    return rd->result;
  /* A cell the sheet reader refused (a number that lost digits, an Excel
   * error): named on its column, and the row is not handed over. */
  bool bad = false;
  for (size_t i = 0; ps->have_header && i < n && i < ps->nhdr; i++) {
    if (cells[i].problem == NULL || ps->map[i] == ZB__IGNORED)
      continue;
    zb__csv_report(rd, line, rd->spec->columns[ps->map[i]], "%s",
                   cells[i].problem);
    bad = true;
  }
  if (bad) {
    /* The row's own problems are reported too; it goes no further. */
    zb_csv_row_fn keep = rd->row;
    rd->row = NULL;
    zb__csv_on_record(0, rd);
    rd->row = keep;
  } else {
    zb__csv_on_record(0, rd);
  }
  return rd->stop != ZB__RUN ? rd->result : 0;
}

void zb_csv_rows_problem(zb_csv_rows *r, long line, const char *reason) {
  zb__csv_report(r->rd, line, NULL, "%s", reason);
}

int zb_csv_rows_end(zb_csv_rows *r, long *nproblems) {
  struct zb__csv_reader *rd = r->rd;
  int rc = 0;
  if (rd->stop != ZB__RUN) {
    rc = rd->result;
  } else if (!rd->ps.have_header) {
    zb__csv_report(rd, 1, NULL, "why.csv_no_header");
    rc = ZB_EINVAL;
  }
  if (nproblems != NULL)
    *nproblems = rd->nproblems;
  return rc;
}

void zb_csv_rows_free(zb_csv_rows *r) {
  if (r == NULL)
    return;
  zb__csv_reader_free(r->rd);
  free(r);
}

void zb_csv_column_letters(size_t i, char out[8]) {
  char tmp[8];
  size_t n = 0;
  i++;
  while (i > 0 && n < 7) {
    tmp[n++] = (char)('A' + (i - 1) % 26);
    i = (i - 1) / 26;
  }
  for (size_t k = 0; k < n; k++)
    out[k] = tmp[n - 1 - k];
  out[n] = '\0';
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
