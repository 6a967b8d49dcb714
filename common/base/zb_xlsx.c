/*
 * zb_xlsx.c — the first sheet of an xlsx workbook as rows (zb_xlsx.h).
 *
 * How it reads.  Each XML part is unpacked from the archive in 64 KiB
 * pieces and parsed by expat as it comes, never held whole: first the
 * package relationships (_rels/.rels: where the workbook is), the workbook
 * (its first <sheet> and whether it counts days from 1904), the workbook's
 * relationships (the sheet's part and the shared strings), the shared
 * strings (kept: cells refer to them by number), then the sheet, whose
 * rows go one by one to the CSV reader's pipeline (zb_csv_rows_*), so
 * that headers, checks and messages are those of a CSV file.
 *
 * Elements are matched by their local name (expat splits namespaces), so
 * prefixed parts (<x:row>) and ISO "strict" workbooks read the same.  A
 * DOCTYPE stops the parse: OOXML has none, and without it there are no
 * entities to expand.
 */
#include "zb_xlsx.h"

#include <errno.h>
#include <expat.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <zip.h>

#include "zb_err.h"

#define ZB_XLSX_CHUNK (64 * 1024)
#define ZB_XLSX_MAX_ROW 1048576L
#define ZB_XLSX_MAX_COL 16384
/* Sheet columns kept per row: one more than the CSV reader's header may
 * have (256), so that a wider header or a value right of the header is
 * still seen and reported. */
#define ZB_XLSX_COLS_KEPT 257
#define ZB_XLSX_CELL_KEEP 4096
#define ZB_XLSX_MAX_STRINGS ((size_t)1 << 24)
#define ZB_XLSX_MAX_STRTEXT ((size_t)256 << 20)
#define ZB_XLSX_MAX_DEPTH 64
#define ZB_XLSX_NAME_MAX 512
#define ZB_XLSX_NS '\x01'
/* expat holds a token (a tag with its attributes, a comment) whole until
 * it ends: one longer than this is refused. */
#define ZB_XLSX_MAX_TOKEN ((size_t)16 << 20)

size_t zb_xlsx_max_xml = ZB_XLSX_MAX_XML;

enum part_kind { P_RELS_ROOT, P_RELS_WB, P_WORKBOOK, P_STRINGS, P_SHEET };

struct xlsx {
  /* The source: an archive, or parts given by name. */
  zip_t *za;
  const struct zb_xlsx_part *parts;
  size_t nparts;
  size_t unpacked;
  size_t last_event;    /* unpacked when expat last called a handler */

  const struct zb_csv_spec *spec;
  zb_csv_problem_fn problem;
  void *ctx;
  long nproblems;
  struct zb_sheet_info *info;

  XML_Parser xp;
  enum part_kind kind;
  const char *part;
  int depth;
  int rc;               /* set by a handler that stopped the parse */

  char wb_path[ZB_XLSX_NAME_MAX];
  char sheet_path[ZB_XLSX_NAME_MAX];
  char sst_path[ZB_XLSX_NAME_MAX];
  char rid[256];
  bool have_sheet;      /* the first <sheet> was seen */
  bool date1904;

  /* Text being collected: of a shared string, or of a cell. */
  bool in_text;
  int rph;              /* inside phonetic runs (<rPh>): not the value */
  char *text;
  size_t text_len, text_full;

  /* Shared strings: text and offsets (n + 1 of them). */
  char *st;
  size_t st_used, st_size;
  size_t *st_off;
  size_t nst, st_cap;

  /* The sheet. */
  zb_csv_rows *rows;
  long row, last_row;
  bool in_row, in_cell;
  long cell_col, next_col;
  char ctype[16];
  struct zb_csv_cell cells[ZB_XLSX_COLS_KEPT];
  size_t cell_off[ZB_XLSX_COLS_KEPT];
  size_t ncells;
  char *rowbuf;
  size_t rowbuf_used, rowbuf_size;
  char numbuf[ZB_XLSX_COLS_KEPT][32];
};

static void problem(struct xlsx *x, long line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void problem(struct xlsx *x, long line, const char *fmt, ...) {
  char reason[600];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(reason, sizeof reason, fmt, ap);
  va_end(ap);
  if (x->rows) {
    zb_csv_rows_problem(x->rows, line, reason);
  } else {
    x->nproblems++;
    if (x->problem)
      x->problem(x->ctx, line, NULL, reason);
  }
}

/* A problem that ends the read of a broken workbook: the parse stops. */
static void fail(struct xlsx *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fail(struct xlsx *x, const char *fmt, ...) {
  char reason[600];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(reason, sizeof reason, fmt, ap);
  va_end(ap);
  if (x->rc == 0) {
    problem(x, x->rows ? x->row : 0, "%s", reason);
    x->rc = ZB_EINVAL;
  }
  if (x->xp)
    XML_StopParser(x->xp, XML_FALSE);
}

static void stop(struct xlsx *x, int rc) {
  if (x->rc == 0)
    x->rc = rc;
  XML_StopParser(x->xp, XML_FALSE);
}

/* ---- names ---- */

static const char *local(const XML_Char *name) {
  const char *s = strrchr(name, ZB_XLSX_NS);
  return s ? s + 1 : name;
}

/* The value of the attribute with local name want; ns: it must have a
 * namespace (r:id) or must not (Id). */
static const char *attr(const XML_Char **atts, const char *want, bool ns) {
  for (size_t i = 0; atts[i]; i += 2) {
    bool has_ns = strchr(atts[i], ZB_XLSX_NS) != NULL;
    if (has_ns == ns && strcmp(local(atts[i]), want) == 0)
      return atts[i + 1];
  }
  return NULL;
}

static bool ends_with(const char *s, const char *tail) {
  size_t n = strlen(s), t = strlen(tail);
  return n >= t && strcmp(s + n - t, tail) == 0;
}

/* A relationship's target, relative to the directory dir ("xl/"), as a
 * part name without the leading "/": "worksheets/sheet1.xml" →
 * "xl/worksheets/sheet1.xml", "/xl/a.xml" → "xl/a.xml", "../b.xml" →
 * "b.xml".  false if it does not fit or climbs above the root. */
static bool resolve(const char *dir, const char *target, char out[ZB_XLSX_NAME_MAX]) {
  char tmp[ZB_XLSX_NAME_MAX * 2];
  int n = target[0] == '/' ? snprintf(tmp, sizeof tmp, "%s", target + 1)
                           : snprintf(tmp, sizeof tmp, "%s%s", dir, target);
  if (n < 0 || (size_t)n >= ZB_XLSX_NAME_MAX)
    return false;
  /* Segment by segment: "." dropped, ".." takes the one before. */
  size_t o = 0;
  char *save = NULL;
  out[0] = '\0';
  for (char *seg = strtok_r(tmp, "/", &save); seg; seg = strtok_r(NULL, "/", &save)) {
    if (strcmp(seg, ".") == 0)
      continue;
    if (strcmp(seg, "..") == 0) {
      if (o == 0)
        return false;
      while (o > 0 && out[o - 1] != '/')
        o--;
      if (o > 0)
        o--;   /* the slash before it */
      out[o] = '\0';
      continue;
    }
    size_t l = strlen(seg);
    if (o + l + 2 > ZB_XLSX_NAME_MAX)
      return false;
    if (o > 0)
      out[o++] = '/';
    memcpy(out + o, seg, l + 1);
    o += l;
  }
  return o > 0;
}

/* "xl/workbook.xml" → dir "xl/" and rels "xl/_rels/workbook.xml.rels". */
static void wb_dir(const char *wb, char dir[ZB_XLSX_NAME_MAX]) {
  const char *slash = strrchr(wb, '/');
  size_t n = slash ? (size_t)(slash - wb) + 1 : 0;
  memcpy(dir, wb, n);
  dir[n] = '\0';
}

/* ---- text ---- */

static void text_reset(struct xlsx *x) {
  x->text_len = x->text_full = 0;
}

static void XMLCALL on_text(void *ud, const XML_Char *s, int len) {
  struct xlsx *x = ud;
  x->last_event = x->unpacked;
  if (!x->in_text || x->rph > 0 || len <= 0)
    return;
  size_t n = (size_t)len, room = ZB_XLSX_CELL_KEEP - x->text_len;
  size_t k = n < room ? n : room;
  memcpy(x->text + x->text_len, s, k);
  x->text_len += k;
  x->text_full += n;
}

static int hexval(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

/* OOXML writes a character XML cannot hold (a control character) as
 * _xHHHH_, and a text "_x" that would read so as _x005F_x: decoded in
 * place (the result is never longer). */
static void unescape(struct xlsx *x) {
  char *s = x->text;
  size_t n = x->text_len, o = 0;
  for (size_t i = 0; i < n;) {
    if (i + 7 <= n && s[i] == '_' && s[i + 1] == 'x' && s[i + 6] == '_') {
      int v = 0, k;
      for (k = 2; k < 6; k++) {
        int h = hexval(s[i + k]);
        if (h < 0)
          break;
        v = v * 16 + h;
      }
      if (k == 6 && !(v >= 0xD800 && v <= 0xDFFF)) {
        size_t before = o;
        if (v < 0x80) {
          s[o++] = (char)v;
        } else if (v < 0x800) {
          s[o++] = (char)(0xC0 | (v >> 6));
          s[o++] = (char)(0x80 | (v & 0x3F));
        } else {
          s[o++] = (char)(0xE0 | (v >> 12));
          s[o++] = (char)(0x80 | ((v >> 6) & 0x3F));
          s[o++] = (char)(0x80 | (v & 0x3F));
        }
        x->text_full -= 7 - (o - before);
        i += 7;
        continue;
      }
    }
    s[o++] = s[i++];
  }
  x->text_len = o;
}

/* ---- numbers and dates ---- */

/* Days since 1970-01-01 of a civil date, and back (proleptic Gregorian;
 * H. Hinnant's algorithms). */
static long days_from_civil(long y, long m, long d) {
  y -= m <= 2;
  long era = (y >= 0 ? y : y - 399) / 400;
  long yoe = y - era * 400;
  long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

static void civil_from_days(long z, long *y, long *m, long *d) {
  z += 719468;
  long era = (z >= 0 ? z : z - 146096) / 146097;
  long doe = z - era * 146097;
  long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  long mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp + (mp < 10 ? 3 : -9);
  *y = yoe + era * 400 + (*m <= 2);
}

/* Excel's day count v as YYYY-MM-DD into out; false if it names no day
 * Excel has (its day 60 of 1900 is 29 February 1900, which never was). */
static bool serial_date(const struct xlsx *x, double v, char out[32]) {
  if (!(v >= 1 && v < 2958466))   /* 1900-01-01 (1904-01-02) .. 9999-12-31 */
    return false;
  long n = (long)floor(v), days;
  if (x->date1904)
    days = days_from_civil(1904, 1, 1) + n;
  else if (n < 60)
    days = days_from_civil(1899, 12, 31) + n;
  else if (n == 60)
    return false;
  else
    days = days_from_civil(1899, 12, 30) + n;
  long y, m, d;
  civil_from_days(days, &y, &m, &d);
  if (y < 1900 || y > 9999 || m < 1 || m > 12 || d < 1 || d > 31)
    return false;
  /* YYYY-MM-DD by hand: every digit is known to fit. */
  const long parts[3] = {y, m, d};
  const int widths[3] = {4, 2, 2};
  char *o = out;
  for (int k = 0; k < 3; k++) {
    if (k)
      *o++ = '-';
    for (int w = widths[k] - 1; w >= 0; w--) {
      long div = 1;
      for (int e = 0; e < w; e++)
        div *= 10;
      *o++ = (char)('0' + parts[k] / div % 10);
    }
  }
  *o = '\0';
  return true;
}

static bool all_digits(const char *s, size_t n) {
  if (n == 0)
    return false;
  for (size_t i = 0; i < n; i++)
    if (s[i] < '0' || s[i] > '9')
      return false;
  return true;
}

/* A number cell's value as text, in cell i: as Excel shows it in a cell
 * of the General format.  *why: NULL, or why it cannot be used. */
static void number_cell(struct xlsx *x, size_t i, bool date_col, const char **v, size_t *len,
                        const char **why) {
  const char *s = x->text;
  size_t n = x->text_len;
  char *out = x->numbuf[i];
  *v = s;
  *len = n;
  char tmp[64];
  if (n == 0 || n >= sizeof tmp)
    return;
  memcpy(tmp, s, n);
  tmp[n] = '\0';
  char *end;
  errno = 0;
  double d = strtod(tmp, &end);
  if (*end != '\0' || errno == ERANGE || !isfinite(d))
    return;   /* not a number: left as written, for the rules to refuse */
  if (date_col) {
    if (serial_date(x, d, out)) {
      *v = out;
      *len = strlen(out);
    } else {
      *why = "is a number that is no date Excel can show: type the date as 2015-06-30";
    }
    return;
  }
  if (all_digits(s, n))
    return;   /* exactly as written */
  if (fabs(d) >= 1e15) {
    *why = "why.xlsx_15_digits";
    return;
  }
  if (d == floor(d))
    snprintf(out, 32, "%.0f", d);
  else
    snprintf(out, 32, "%.15g", d);
  *v = out;
  *len = strlen(out);
}

/* ---- the sheet ---- */

/* "AB12" → column 27 (0-based) and row 12; false if it is not a cell
 * reference inside Excel's limits. */
static bool cell_ref(const char *r, long *col, long *row) {
  long c = 0, w = 0;
  size_t i = 0;
  for (; r[i] >= 'A' && r[i] <= 'Z' && i < 3; i++)
    c = c * 26 + (r[i] - 'A' + 1);
  if (i == 0 || c > ZB_XLSX_MAX_COL)
    return false;
  size_t j = i;
  for (; r[j] >= '0' && r[j] <= '9' && j < i + 7; j++)
    w = w * 10 + (r[j] - '0');
  if (r[j] != '\0' || (j > i && (w < 1 || w > ZB_XLSX_MAX_ROW)))
    return false;
  *col = c - 1;
  *row = j > i ? w : 0;
  return true;
}

static void row_start(struct xlsx *x, const XML_Char **atts) {
  const char *r = attr(atts, "r", false);
  long n = x->last_row + 1;
  if (r) {
    char *end;
    errno = 0;
    n = strtol(r, &end, 10);
    if (*end != '\0' || errno || n < 1 || n > ZB_XLSX_MAX_ROW) {
      fail(x, "%s: row number \"%.20s\" is not one of Excel's (1 to %ld)", x->part, r,
           ZB_XLSX_MAX_ROW);
      return;
    }
  }
  if (n > ZB_XLSX_MAX_ROW) {
    fail(x, "%s: more than %ld rows", x->part, ZB_XLSX_MAX_ROW);
    return;
  }
  if (n <= x->last_row) {
    fail(x, "%s: row %ld comes after row %ld: the sheet's rows are out of order", x->part, n,
         x->last_row);
    return;
  }
  x->row = n;
  x->in_row = true;
  x->ncells = 0;
  x->next_col = 0;
  x->rowbuf_used = 0;
}

static void cell_start(struct xlsx *x, const XML_Char **atts) {
  const char *r = attr(atts, "r", false), *t = attr(atts, "t", false);
  long col = x->next_col, row = 0;
  if (r && !cell_ref(r, &col, &row)) {
    fail(x, "%s: row %ld: cell reference \"%.20s\" is not one of Excel's (A1 to XFD%ld)",
         x->part, x->row, r, ZB_XLSX_MAX_ROW);
    return;
  }
  if (col >= ZB_XLSX_MAX_COL || (row && row != x->row) || col < x->next_col) {
    fail(x, "%s: row %ld: cell %.20s is out of place (cells of a row go left to right, in "
         "their row)", x->part, x->row, r ? r : "(unnamed)");
    return;
  }
  x->cell_col = col;
  x->next_col = col + 1;
  snprintf(x->ctype, sizeof x->ctype, "%s", t ? t : "n");
  x->in_cell = true;
  text_reset(x);
}

/* Appends the kept text of a cell to the row's buffer; its offset. */
static bool rowbuf_put(struct xlsx *x, const char *s, size_t n, size_t *off) {
  if (x->rowbuf_used + n + 1 > x->rowbuf_size) {
    size_t sz = x->rowbuf_size ? x->rowbuf_size : 4096;
    while (sz < x->rowbuf_used + n + 1)
      sz *= 2;
    char *b = realloc(x->rowbuf, sz);
    if (!b)
      return false;
    x->rowbuf = b;
    x->rowbuf_size = sz;
  }
  *off = x->rowbuf_used;
  memcpy(x->rowbuf + *off, s, n);
  x->rowbuf[*off + n] = '\0';
  x->rowbuf_used += n + 1;
  return true;
}

static void cell_end(struct xlsx *x) {
  x->in_cell = false;
  size_t i = (size_t)x->cell_col;
  if (i >= ZB_XLSX_COLS_KEPT - 1) {
    /* Beyond any header: only that it holds a value matters. */
    i = ZB_XLSX_COLS_KEPT - 1;
    if (x->text_full == 0 && strcmp(x->ctype, "s") != 0)
      return;
    while (x->ncells < i)
      x->cells[x->ncells++] = (struct zb_csv_cell){0};
    x->cells[i] = (struct zb_csv_cell){NULL, 0, 1, NULL};
    x->cell_off[i] = 0;
    x->ncells = i + 1;
    return;
  }
  const char *v = x->text, *why = NULL;
  size_t len = x->text_len, full = x->text_full;
  const char *t = x->ctype;
  if (strcmp(t, "s") == 0) {
    char *end;
    errno = 0;
    x->text[x->text_len] = '\0';
    unsigned long k = strtoul(x->text, &end, 10);
    if (!all_digits(x->text, x->text_len) || *end != '\0' || errno || k >= x->nst) {
      fail(x, "%s: row %ld: a cell refers to shared string \"%.20s\", which the workbook does "
           "not have (a damaged file)", x->part, x->row, x->text_len ? x->text : "");
      return;
    }
    v = x->st + x->st_off[k];
    len = x->st_off[k + 1] - x->st_off[k] - 1;
    full = len;
    if (len > ZB_XLSX_CELL_KEEP)
      len = ZB_XLSX_CELL_KEEP;
  } else if (strcmp(t, "inlineStr") == 0 || strcmp(t, "str") == 0) {
    unescape(x);
    len = x->text_len;
    full = x->text_full;
  } else if (strcmp(t, "b") == 0) {
    v = x->text_len == 1 && x->text[0] == '1' ? "TRUE" : x->text_len ? "FALSE" : "";
    len = full = strlen(v);
  } else if (strcmp(t, "e") == 0) {
    why = "why.xlsx_error_value";
  } else if (strcmp(t, "d") == 0) {
    /* An ISO 8601 date cell: its text, which dates read. */
  } else {
    int c = zb_csv_rows_column(x->rows, i);
    bool date_col = c >= 0 && (x->spec->dates >> c & 1);
    if (full <= len) {
      number_cell(x, i, date_col, &v, &len, &why);
      full = len;
    }
  }
  if (full == 0 && !why)
    return;   /* an empty cell: as if absent */
  size_t off;
  if (!rowbuf_put(x, v, len, &off)) {
    stop(x, ZB_ENOMEM);
    return;
  }
  while (x->ncells < i)
    x->cells[x->ncells++] = (struct zb_csv_cell){0};
  x->cells[i] = (struct zb_csv_cell){NULL, len, full ? full : 1, why};
  x->cell_off[i] = off;
  if (x->ncells <= i)
    x->ncells = i + 1;
}

static void row_end(struct xlsx *x) {
  x->in_row = false;
  x->last_row = x->row;
  for (size_t i = 0; i < x->ncells; i++)
    if (x->cells[i].full)
      x->cells[i].s = x->cells[i].len ? x->rowbuf + x->cell_off[i] : "";
  if (x->ncells == 0)
    return;
  int rc = zb_csv_rows_add(x->rows, x->row, x->cells, x->ncells);
  if (rc)
    stop(x, rc);
}

/* ---- the parts ---- */

static void XMLCALL on_start(void *ud, const XML_Char *name, const XML_Char **atts) {
  struct xlsx *x = ud;
  x->last_event = x->unpacked;
  if (++x->depth > ZB_XLSX_MAX_DEPTH) {
    fail(x, "%s: XML nested more than %d deep", x->part, ZB_XLSX_MAX_DEPTH);
    return;
  }
  const char *el = local(name);
  switch (x->kind) {
  case P_RELS_ROOT:
  case P_RELS_WB: {
    if (strcmp(el, "Relationship") != 0)
      return;
    const char *id = attr(atts, "Id", false), *type = attr(atts, "Type", false),
               *target = attr(atts, "Target", false), *mode = attr(atts, "TargetMode", false);
    if (!type || !target || (mode && strcmp(mode, "External") == 0))
      return;
    char dir[ZB_XLSX_NAME_MAX];
    if (x->kind == P_RELS_ROOT) {
      if (ends_with(type, "/officeDocument") && !resolve("", target, x->wb_path))
        fail(x, "%s: the workbook's name \"%.60s\" is not a part name", x->part, target);
      return;
    }
    wb_dir(x->wb_path, dir);
    if (ends_with(type, "/sharedStrings") && !resolve(dir, target, x->sst_path))
      x->sst_path[0] = '\0';
    if (id && x->rid[0] && strcmp(id, x->rid) == 0 && !resolve(dir, target, x->sheet_path))
      fail(x, "%s: the first sheet's name \"%.60s\" is not a part name", x->part, target);
    return;
  }
  case P_WORKBOOK:
    if (strcmp(el, "workbookPr") == 0) {
      const char *d = attr(atts, "date1904", false);
      x->date1904 = d && (strcmp(d, "1") == 0 || strcmp(d, "true") == 0);
    } else if (strcmp(el, "sheet") == 0 && !x->have_sheet) {
      const char *id = attr(atts, "id", true), *nm = attr(atts, "name", false);
      x->have_sheet = true;
      snprintf(x->rid, sizeof x->rid, "%s", id ? id : "");
      if (x->info && nm) {
        /* Cut on a character boundary. */
        size_t n = strlen(nm), cap = sizeof x->info->sheet - 1;
        if (n > cap) {
          n = cap;
          while (n > 0 && ((unsigned char)nm[n] & 0xC0) == 0x80)
            n--;
        }
        memcpy(x->info->sheet, nm, n);
        x->info->sheet[n] = '\0';
      }
    }
    return;
  case P_STRINGS:
    if (strcmp(el, "si") == 0) {
      text_reset(x);
      x->rph = 0;
    } else if (strcmp(el, "rPh") == 0) {
      x->rph++;
    } else if (strcmp(el, "t") == 0) {
      x->in_text = true;
    }
    return;
  case P_SHEET:
    if (strcmp(el, "row") == 0 && !x->in_row) {
      row_start(x, atts);
    } else if (strcmp(el, "c") == 0 && x->in_row && !x->in_cell) {
      cell_start(x, atts);
    } else if (x->in_cell && strcmp(el, "rPh") == 0) {
      x->rph++;
    } else if (x->in_cell && (strcmp(el, "v") == 0 || strcmp(el, "t") == 0)) {
      /* <v>: the value (a formula's cached result); <t>: inline text. */
      x->in_text = true;
    }
    return;
  }
}

/* A shared string ends: kept whole (all of them: 256 MiB at most). */
static void string_end(struct xlsx *x) {
  if (x->nst + 1 >= ZB_XLSX_MAX_STRINGS) {
    fail(x, "%s: more than %zu shared strings", x->part, ZB_XLSX_MAX_STRINGS - 1);
    return;
  }
  unescape(x);
  size_t n = x->text_len;
  if (x->st_used + n + 1 > ZB_XLSX_MAX_STRTEXT) {
    fail(x, "%s: the shared strings hold more than %zu MiB of text", x->part,
         ZB_XLSX_MAX_STRTEXT >> 20);
    return;
  }
  if (x->nst + 2 > x->st_cap) {
    size_t cap = x->st_cap ? x->st_cap * 2 : 1024;
    size_t *o = realloc(x->st_off, cap * sizeof *o);
    if (!o) {
      stop(x, ZB_ENOMEM);
      return;
    }
    x->st_off = o;
    x->st_cap = cap;
  }
  if (x->st_used + n + 1 > x->st_size) {
    size_t sz = x->st_size ? x->st_size : 65536;
    while (sz < x->st_used + n + 1)
      sz *= 2;
    char *b = realloc(x->st, sz);
    if (!b) {
      stop(x, ZB_ENOMEM);
      return;
    }
    x->st = b;
    x->st_size = sz;
  }
  if (x->nst == 0)
    x->st_off[0] = 0;
  /* A string longer than a cell keeps (4 KiB: beyond every limit) is
   * kept that long; cells using it count its kept length. */
  memcpy(x->st + x->st_used, x->text, n);
  x->st[x->st_used + n] = '\0';
  x->st_used += n + 1;
  x->st_off[++x->nst] = x->st_used;
}

static void XMLCALL on_end(void *ud, const XML_Char *name) {
  struct xlsx *x = ud;
  x->last_event = x->unpacked;
  x->depth--;
  const char *el = local(name);
  if (x->kind == P_STRINGS) {
    if (strcmp(el, "t") == 0)
      x->in_text = false;
    else if (strcmp(el, "rPh") == 0 && x->rph > 0)
      x->rph--;
    else if (strcmp(el, "si") == 0)
      string_end(x);
  } else if (x->kind == P_SHEET) {
    if (strcmp(el, "v") == 0 || strcmp(el, "t") == 0)
      x->in_text = false;
    else if (strcmp(el, "rPh") == 0 && x->rph > 0)
      x->rph--;
    else if (strcmp(el, "c") == 0 && x->in_cell)
      cell_end(x);
    else if (strcmp(el, "row") == 0 && x->in_row)
      row_end(x);
  }
}

static void XMLCALL on_comment(void *ud, const XML_Char *data) {
  struct xlsx *x = ud;
  (void)data;
  x->last_event = x->unpacked;
}

static void XMLCALL on_pi(void *ud, const XML_Char *target, const XML_Char *data) {
  struct xlsx *x = ud;
  (void)target, (void)data;
  x->last_event = x->unpacked;
}

static void XMLCALL on_doctype(void *ud, const XML_Char *name, const XML_Char *sysid,
                               const XML_Char *pubid, int internal) {
  struct xlsx *x = ud;
  (void)name, (void)sysid, (void)pubid, (void)internal;
  fail(x, "%s: has a DOCTYPE, which no Excel file has (refused: it could declare entities)",
       x->part);
}

/* Finds a part: its index in the archive or the parts; -1 if absent. */
static long part_find(struct xlsx *x, const char *name) {
  if (x->za) {
    zip_int64_t i = zip_name_locate(x->za, name, ZIP_FL_NOCASE);
    return i < 0 ? -1 : (long)i;
  }
  for (size_t i = 0; i < x->nparts; i++)
    if (x->parts[i].name && strcasecmp(x->parts[i].name, name) == 0)
      return (long)i;
  return -1;
}

/* Parses part name as kind; ZB_ENOTFOUND if there is none. */
static int part_parse(struct xlsx *x, const char *name, enum part_kind kind) {
  long idx = part_find(x, name);
  if (idx < 0)
    return ZB_ENOTFOUND;
  XML_Parser xp = XML_ParserCreateNS(NULL, ZB_XLSX_NS);
  if (!xp)
    return ZB_ENOMEM;
  x->xp = xp;
  x->kind = kind;
  x->part = name;
  x->depth = 0;
  x->in_text = false;
  x->rph = 0;
  XML_SetUserData(xp, x);
  XML_SetElementHandler(xp, on_start, on_end);
  XML_SetCharacterDataHandler(xp, on_text);
  XML_SetStartDoctypeDeclHandler(xp, on_doctype);
  XML_SetCommentHandler(xp, on_comment);
  XML_SetProcessingInstructionHandler(xp, on_pi);
  x->last_event = x->unpacked;

  zip_file_t *zf = NULL;
  const char *mem = NULL;
  size_t mem_left = 0;
  if (x->za) {
    zf = zip_fopen_index(x->za, (zip_uint64_t)idx, 0);
    if (!zf) {
      fail(x, "%s: cannot be unpacked (%s)", name, zip_strerror(x->za));
      goto out;
    }
  } else {
    mem = x->parts[idx].data;
    mem_left = x->parts[idx].len;
  }
  char *buf;
  for (bool last = false; !last && x->rc == 0;) {
    if (!(buf = XML_GetBuffer(xp, ZB_XLSX_CHUNK))) {
      x->rc = ZB_ENOMEM;
      break;
    }
    size_t n;
    if (zf) {
      zip_int64_t got = zip_fread(zf, buf, ZB_XLSX_CHUNK);
      if (got < 0) {
        fail(x, "%s: cannot be unpacked (%s)", name, zip_file_strerror(zf));
        break;
      }
      n = (size_t)got;
    } else {
      n = mem_left < ZB_XLSX_CHUNK ? mem_left : ZB_XLSX_CHUNK;
      memcpy(buf, mem, n);
      mem += n;
      mem_left -= n;
    }
    last = n == 0;
    x->unpacked += n;
    if (x->unpacked > zb_xlsx_max_xml) {
      fail(x, "%s: the workbook unpacks to more than %zu MiB of XML (a damaged or hostile "
           "file); save the sheet as \"CSV UTF-8 (逗号分隔)\" and import that", name,
           zb_xlsx_max_xml >> 20);
      break;
    }
    if (x->unpacked - x->last_event > ZB_XLSX_MAX_TOKEN) {
      fail(x, "%s: line %lu: an XML tag or comment longer than %zu MiB (a damaged or hostile "
           "file)", name, (unsigned long)XML_GetCurrentLineNumber(xp), ZB_XLSX_MAX_TOKEN >> 20);
      break;
    }
    if (XML_ParseBuffer(xp, (int)n, last) == XML_STATUS_ERROR) {
      if (x->rc == 0)
        fail(x, "%s: line %lu: not well-formed XML (%s): a damaged file", name,
             (unsigned long)XML_GetCurrentLineNumber(xp), XML_ErrorString(XML_GetErrorCode(xp)));
      break;
    }
  }
out:
  if (zf)
    zip_fclose(zf);
  XML_ParserFree(xp);
  x->xp = NULL;
  return x->rc;
}

static int xlsx_run(struct xlsx *x, zb_csv_row_fn row) {
  int rc = part_parse(x, "_rels/.rels", P_RELS_ROOT);
  if (rc && rc != ZB_ENOTFOUND)
    return rc;
  if (!x->wb_path[0])
    snprintf(x->wb_path, sizeof x->wb_path, "xl/workbook.xml");
  if ((rc = part_parse(x, x->wb_path, P_WORKBOOK)) == ZB_ENOTFOUND) {
    fail(x, "not an Excel workbook: the archive has no %s", x->wb_path);
    return x->rc;
  }
  if (rc)
    return rc;
  if (!x->have_sheet || !x->rid[0]) {
    fail(x, "%s: the workbook names no sheet", x->wb_path);
    return x->rc;
  }
  char dir[ZB_XLSX_NAME_MAX], rels[ZB_XLSX_NAME_MAX * 2];
  wb_dir(x->wb_path, dir);
  snprintf(rels, sizeof rels, "%s_rels/%s.rels", dir, x->wb_path + strlen(dir));
  if ((rc = part_parse(x, rels, P_RELS_WB)) && rc != ZB_ENOTFOUND)
    return rc;
  if (!x->sheet_path[0]) {
    fail(x, "%s: the workbook's first sheet (%s) has no part", x->wb_path, x->rid);
    return x->rc;
  }
  if (x->sst_path[0] && (rc = part_parse(x, x->sst_path, P_STRINGS)) && rc != ZB_ENOTFOUND)
    return rc;
  if ((rc = zb_csv_rows_open(x->spec, row, x->problem, x->ctx, &x->rows)))
    return rc;
  if ((rc = part_parse(x, x->sheet_path, P_SHEET)) == ZB_ENOTFOUND) {
    fail(x, "the workbook's first sheet %s is missing from the archive", x->sheet_path);
    rc = x->rc;
  }
  return rc;
}

/* ---- the entry points ---- */

/* The archive cannot be opened: say why, as a problem of the file. */
static void problem_nofile(struct xlsx *x, zip_error_t *ze) {
  int code = zip_error_code_zip(ze);
  problem(x, 0, "%s",
          code == ZIP_ER_NOZIP || code == ZIP_ER_INCONS
              ? "why.xlsx_not_zip"
          : code == ZIP_ER_ENCRNOTSUPP || code == ZIP_ER_NOPASSWD
              ? "why.xlsx_encrypted"
              : zip_error_strerror(ze));
}

bool zb_xlsx_magic(const void *head, size_t n) {
  return n >= 4 && memcmp(head, "PK\x03\x04", 4) == 0;
}

/* An OLE2 compound file: an Excel 97-2003 workbook, or an xlsx saved with
 * a password (encrypted inside one). */
static bool ole_magic(const void *head, size_t n) {
  return n >= 8 && memcmp(head, "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 8) == 0;
}

static int xlsx_go(struct xlsx *x, zb_csv_row_fn row, long *nproblems) {
  x->text = malloc(ZB_XLSX_CELL_KEEP + 1);
  int rc = x->text ? xlsx_run(x, row) : ZB_ENOMEM;
  long n = x->nproblems;
  if (x->rows) {
    long k = 0;
    int end = zb_csv_rows_end(x->rows, &k);
    if (rc == 0)
      rc = end;
    n += k;
  }
  if (rc == 0 && x->rc)
    rc = x->rc;
  if (nproblems)
    *nproblems = n;
  zb_csv_rows_free(x->rows);
  free(x->text);
  free(x->st);
  free(x->st_off);
  free(x->rowbuf);
  return rc;
}

static void xlsx_init(struct xlsx *x, const struct zb_csv_spec *spec, zb_csv_problem_fn problem,
                      void *ctx, struct zb_sheet_info *info) {
  memset(x, 0, sizeof *x);
  x->spec = spec;
  x->problem = problem;
  x->ctx = ctx;
  x->info = info;
  if (info) {
    info->xlsx = true;
    info->sheet[0] = '\0';
  }
}

int zb_xlsx_read_parts(const struct zb_xlsx_part *parts, size_t nparts,
                       const struct zb_csv_spec *spec, zb_csv_row_fn row,
                       zb_csv_problem_fn problem, void *ctx, long *nproblems,
                       struct zb_sheet_info *info) {
  struct xlsx *x = malloc(sizeof *x);
  if (!x)
    return ZB_ENOMEM;
  xlsx_init(x, spec, problem, ctx, info);
  x->parts = parts;
  x->nparts = nparts;
  int rc = xlsx_go(x, row, nproblems);
  free(x);
  return rc;
}

int zb_xlsx_read(const char *path, const void *data, size_t len, const struct zb_csv_spec *spec,
                 zb_csv_row_fn row, zb_csv_problem_fn problem, void *ctx, long *nproblems,
                 struct zb_sheet_info *info) {
  struct xlsx *x = malloc(sizeof *x);
  if (!x)
    return ZB_ENOMEM;
  xlsx_init(x, spec, problem, ctx, info);
  zip_error_t ze;
  zip_error_init(&ze);
  int rc = 0;
  if (path) {
    int err = 0;
    x->za = zip_open(path, ZIP_RDONLY, &err);
    if (!x->za)
      zip_error_init_with_code(&ze, err);
  } else {
    zip_source_t *src = zip_source_buffer_create(data, len, 0, &ze);
    if (src && !(x->za = zip_open_from_source(src, ZIP_RDONLY, &ze)))
      zip_source_free(src);
  }
  if (!x->za) {
    if (zip_error_code_zip(&ze) == ZIP_ER_OPEN || zip_error_code_zip(&ze) == ZIP_ER_READ)
      rc = ZB_EIO;
    else
      problem_nofile(x, &ze);
  }
  zip_error_fini(&ze);
  if (x->za) {
    rc = xlsx_go(x, row, nproblems);
    zip_discard(x->za);
  } else if (nproblems) {
    *nproblems = x->nproblems;
  }
  if (!x->za && rc == 0)
    rc = ZB_EINVAL;
  free(x);
  return rc;
}

static bool regular(FILE *f) {
  struct stat st;
  return fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode);
}

int zb_sheet_read(const char *path, const struct zb_csv_spec *spec, zb_csv_row_fn row,
                  zb_csv_problem_fn problem, void *ctx, long *nproblems,
                  struct zb_sheet_info *info) {
  if (info) {
    info->xlsx = false;
    info->sheet[0] = '\0';
  }
  if (nproblems)
    *nproblems = 0;
  if (!path)
    return ZB_EINVAL;
  bool in = strcmp(path, "-") == 0;
  FILE *f = in ? stdin : fopen(path, "rb");
  if (!f)
    return ZB_EIO;
  unsigned char head[8];
  size_t n = fread(head, 1, sizeof head, f);
  if (n < sizeof head && ferror(f)) {
    if (!in)
      fclose(f);
    return ZB_EIO;
  }
  int rc;
  if (ole_magic(head, n)) {
    if (nproblems)
      *nproblems = 1;
    if (problem)
      problem(ctx, 0, NULL,
              "why.xlsx_xls");
    rc = ZB_EINVAL;
  } else if (zb_xlsx_magic(head, n) && !in && regular(f)) {
    fclose(f);
    return zb_xlsx_read(path, NULL, 0, spec, row, problem, ctx, nproblems, info);
  } else if (zb_xlsx_magic(head, n)) {
    /* A workbook on stdin or a pipe: held in memory (the archive's
     * directory is at its end). */
    size_t size = 1 << 20, len = n;
    char *buf = malloc(size);
    rc = buf ? 0 : ZB_ENOMEM;
    if (buf)
      memcpy(buf, head, n);
    while (rc == 0) {
      if (len == size) {
        char *b = size < ZB_XLSX_STDIN_MAX ? realloc(buf, size * 2) : NULL;
        if (!b) {
          rc = size < ZB_XLSX_STDIN_MAX ? ZB_ENOMEM : ZB_ETOOBIG;
          break;
        }
        buf = b;
        size *= 2;
      }
      size_t got = fread(buf + len, 1, size - len, f);
      len += got;
      if (got == 0) {
        rc = ferror(f) ? ZB_EIO : 0;
        break;
      }
    }
    if (rc == ZB_ETOOBIG && problem) {
      problem(ctx, 0, NULL, "why.xlsx_stdin_big");
      if (nproblems)
        *nproblems = 1;
      rc = ZB_EINVAL;
    }
    if (rc == 0)
      rc = zb_xlsx_read(NULL, buf, len, spec, row, problem, ctx, nproblems, info);
    free(buf);
  } else if (!in && fseeko(f, 0, SEEK_SET) == 0) {
    rc = zb_csv_read_stream(f, NULL, 0, spec, row, problem, ctx, nproblems);
  } else {
    rc = zb_csv_read_stream(f, head, n, spec, row, problem, ctx, nproblems);
  }
  if (!in)
    fclose(f);
  return rc;
}
