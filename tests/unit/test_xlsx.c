/*
 * test_xlsx.c — zb_xlsx_read / zb_sheet_read: the first sheet of an xlsx
 * workbook through the CSV reader's rows.
 *
 * Workbooks are written here two ways: by libxlsxwriter (as Excel and
 * WPS write them: a zip of deflated parts, shared strings, dates as day
 * counts with a date format), and as XML parts given directly
 * (zb_xlsx_read_parts) for what libxlsxwriter never writes: inline and
 * rich strings, phonetic runs, the 1904 system, numbers Excel lost digits
 * of, broken and hostile files.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xlsxwriter.h>

#include "why_en.h"
#include "zb_err.h"
#include "zb_xlsx.h"

#define NCOLS 4
#define MAXROWS 32
#define MAXPROBS 32

/* id, name, birth_date (a date column), phone */
static const char *const cols[NCOLS] = {"id", "name", "birth_date", "phone"};
static const char *const al_id[] = {"编号", NULL};
static const char *const al_name[] = {"姓名", NULL};
static const char *const al_date[] = {"出生日期", NULL};
static const char *const al_phone[] = {"联系电话", NULL};
static const char *const *const aliases[NCOLS] = {al_id, al_name, al_date, al_phone};

static const struct zb_csv_spec spec = {
    .columns = cols,
    .ncolumns = NCOLS,
    .required = 0x3,
    .max_field = 64,
    .aliases = aliases,
    .ignore_unknown = true,
    .dates = 1u << 2,
};

struct got {
  size_t nrows, nprobs;
  long line[MAXROWS];
  char v[MAXROWS][NCOLS][80];
  long pline[MAXPROBS];
  char pcol[MAXPROBS][32];
  char preason[MAXPROBS][600];
};

static int on_row(void *ctx, long line, const char *const *values, const size_t *lens) {
  struct got *g = ctx;
  assert_true(g->nrows < MAXROWS);
  g->line[g->nrows] = line;
  for (int j = 0; j < NCOLS; j++) {
    assert_int_equal(strlen(values[j]), lens[j]);
    snprintf(g->v[g->nrows][j], sizeof g->v[0][0], "%s", values[j]);
  }
  g->nrows++;
  return 0;
}

static void on_problem(void *ctx, long line, const char *column, const char *reason) {
  struct got *g = ctx;
  assert_true(g->nprobs < MAXPROBS);
  g->pline[g->nprobs] = line;
  snprintf(g->pcol[g->nprobs], sizeof g->pcol[0], "%s", column ? column : "");
  snprintf(g->preason[g->nprobs], sizeof g->preason[0], "%s", reason);
  g->nprobs++;
}

static void assert_row(const struct got *g, size_t i, long line, const char *id,
                       const char *name, const char *date, const char *phone) {
  assert_true(i < g->nrows);
  assert_int_equal(g->line[i], line);
  assert_string_equal(g->v[i][0], id);
  assert_string_equal(g->v[i][1], name);
  assert_string_equal(g->v[i][2], date);
  assert_string_equal(g->v[i][3], phone);
}

static void assert_problem(const struct got *g, size_t i, long line, const char *col,
                           const char *part) {
  assert_true(i < g->nprobs);
  assert_int_equal(g->pline[i], line);
  assert_string_equal(g->pcol[i], col);
  if (!strstr(EN(g->preason[i]), part))
    fail_msg("problem %zu: \"%s\" does not say \"%s\"", i, g->preason[i], part);
}

#define NS "xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\""
#define RNS "xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\""

static const char wb_xml[] = "<workbook " NS " " RNS "><sheets>"
                             "<sheet name=\"花名册\" sheetId=\"1\" r:id=\"rId7\"/>"
                             "<sheet name=\"Sheet2\" sheetId=\"2\" r:id=\"rId8\"/></sheets></workbook>";
static const char wb1904_xml[] = "<workbook " NS " " RNS "><workbookPr date1904=\"1\"/><sheets>"
                                 "<sheet name=\"a\" sheetId=\"1\" r:id=\"rId7\"/></sheets></workbook>";
static const char wbrels_xml[] =
    "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
    "<Relationship Id=\"rId8\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/"
    "relationships/worksheet\" Target=\"worksheets/second.xml\"/>"
    "<Relationship Id=\"rId7\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/"
    "relationships/worksheet\" Target=\"/xl/worksheets/../worksheets/first.xml\"/>"
    "<Relationship Id=\"rId9\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/"
    "relationships/sharedStrings\" Target=\"strings.xml\"/></Relationships>";
static const char rels_xml[] =
    "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
    "<Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/"
    "relationships/officeDocument\" Target=\"xl/workbook.xml\"/></Relationships>";
static const char sst_xml[] = "<sst " NS "><si><t>编号</t></si><si><t> 姓名 </t></si>"
                              "<si><t>出生日期</t></si><si><t>联系电话</t></si><si><t>序号</t></si>"
                              "<si><r><t>王</t></r><r><t>五</t></r><rPh><t>wang wu</t></rPh></si>"
                              "<si><t>a_x000A_b_x005F_x0041_</t></si></sst>";

/* Reads sheet (and the parts above; wb may be NULL for wb_xml). */
static int read_parts(const char *sheet, const char *wb, struct got *g, long *np) {
  struct zb_xlsx_part parts[] = {
      {"_rels/.rels", rels_xml, strlen(rels_xml)},
      {"xl/workbook.xml", wb ? wb : wb_xml, strlen(wb ? wb : wb_xml)},
      {"xl/_rels/workbook.xml.rels", wbrels_xml, strlen(wbrels_xml)},
      {"xl/strings.xml", sst_xml, strlen(sst_xml)},
      {"xl/worksheets/first.xml", sheet, strlen(sheet)},
      {"xl/worksheets/second.xml", "<worksheet/>", 12},
  };
  memset(g, 0, sizeof *g);
  struct zb_sheet_info info;
  int rc = zb_xlsx_read_parts(parts, 6, &spec, on_row, on_problem, g, np, &info);
  assert_true(info.xlsx);
  if (!wb)
    assert_string_equal(info.sheet, "花名册");
  return rc;
}

/* The first sheet found through the relationships (not the part named
 * sheet1); a title row skipped; headers by their Chinese names, blanks
 * trimmed, an ignored column; shared, rich (without its phonetic run) and
 * inline strings; numbers as Excel shows them; day counts in the date
 * column (1900 system: 33055 is 1990-07-01, 59 is 1900-02-28, 61 is
 * 1900-03-01); _xHHHH_ escapes; cells without r in order; a formula's
 * cached value. */
static void test_values(void **state) {
  (void)state;
  static const char sheet[] =
      "<worksheet " NS "><sheetData>"
      "<row r=\"1\"><c r=\"B1\" t=\"inlineStr\"><is><t>某支部 党员花名册</t></is></c></row>"
      "<row r=\"3\"><c r=\"A3\" t=\"s\"><v>4</v></c><c r=\"B3\" t=\"s\"><v>0</v></c>"
      "<c r=\"C3\" t=\"s\"><v>1</v></c><c r=\"D3\" t=\"s\"><v>2</v></c>"
      "<c r=\"E3\" t=\"s\"><v>3</v></c></row>"
      "<row r=\"4\"><c r=\"A4\"><v>1</v></c><c r=\"B4\" t=\"inlineStr\"><is><t>M1</t></is></c>"
      "<c r=\"C4\" t=\"s\"><v>5</v></c><c r=\"D4\" s=\"3\"><v>33055</v></c>"
      "<c r=\"E4\"><v>13800138000</v></c></row>"
      "<row r=\"6\"><c><v>2</v></c><c t=\"str\"><f>\"M\"&amp;A6</f><v>M2</v></c>"
      "<c t=\"s\"><v>6</v></c><c><v>59.75</v></c><c><v>1.3800138001E10</v></c></row>"
      "<row r=\"7\"><c r=\"B7\" t=\"inlineStr\"><is><t>M3</t></is></c>"
      "<c r=\"C7\" t=\"b\"><v>1</v></c><c r=\"D7\"><v>61</v></c><c r=\"E7\"><v>3.5</v></c></row>"
      "<row r=\"8\"><c r=\"B8\" t=\"inlineStr\"><is><t>M4</t></is></c>"
      "<c r=\"C8\" t=\"inlineStr\"><is><t>x</t></is></c>"
      "<c r=\"D8\" t=\"d\"><v>1990-07-01T00:00:00</v></c></row>"
      "</sheetData></worksheet>";
  struct got g;
  long np = -1;
  assert_int_equal(read_parts(sheet, NULL, &g, &np), 0);
  assert_int_equal(np, 0);
  assert_int_equal(g.nrows, 4);
  assert_row(&g, 0, 4, "M1", "王五", "1990-07-01", "13800138000");
  assert_row(&g, 1, 6, "M2", "a\nb_x0041_", "1900-02-28", "13800138001");
  assert_row(&g, 2, 7, "M3", "TRUE", "1900-03-01", "3.5");
  assert_row(&g, 3, 8, "M4", "x", "1990-07-01T00:00:00", "");
}

/* The 1904 system: day 0 is 1904-01-01. */
static void test_1904(void **state) {
  (void)state;
  static const char sheet[] =
      "<worksheet " NS "><sheetData>"
      "<row><c t=\"inlineStr\"><is><t>id</t></is></c><c t=\"inlineStr\"><is><t>name</t></is></c>"
      "<c t=\"inlineStr\"><is><t>birth_date</t></is></c></row>"
      "<row><c t=\"inlineStr\"><is><t>M1</t></is></c><c t=\"inlineStr\"><is><t>a</t></is></c>"
      "<c><v>31593</v></c></row></sheetData></worksheet>";
  struct got g;
  long np;
  assert_int_equal(read_parts(sheet, wb1904_xml, &g, &np), 0);
  assert_int_equal(g.nrows, 1);
  assert_row(&g, 0, 2, "M1", "a", "1990-07-01", "");
}

/* Cells that cannot be used: named on their column and row, the row not
 * handed over; a value right of the header. */
static void test_cell_problems(void **state) {
  (void)state;
  static const char sheet[] =
      "<worksheet " NS "><sheetData>"
      "<row r=\"2\"><c r=\"A2\" t=\"s\"><v>0</v></c><c r=\"B2\" t=\"s\"><v>1</v></c>"
      "<c r=\"C2\" t=\"s\"><v>2</v></c><c r=\"D2\" t=\"s\"><v>3</v></c></row>"
      "<row r=\"3\"><c r=\"A3\"><v>4.30121199007011E+17</v></c>"
      "<c r=\"B3\" t=\"inlineStr\"><is><t>a</t></is></c></row>"
      "<row r=\"4\"><c r=\"A4\" t=\"inlineStr\"><is><t>M4</t></is></c>"
      "<c r=\"B4\" t=\"e\"><v>#N/A</v></c><c r=\"C4\"><v>60</v></c></row>"
      "<row r=\"5\"><c r=\"A5\" t=\"inlineStr\"><is><t>M5</t></is></c>"
      "<c r=\"B5\" t=\"inlineStr\"><is><t>b</t></is></c><c r=\"F5\"><v>1</v></c></row>"
      "<row r=\"6\"><c r=\"A6\" t=\"inlineStr\"><is><t>M6</t></is></c>"
      "<c r=\"B6\" t=\"inlineStr\"><is><t>c</t></is></c></row>"
      "</sheetData></worksheet>";
  struct got g;
  long np;
  assert_int_equal(read_parts(sheet, NULL, &g, &np), 0);
  assert_int_equal(np, 4);
  assert_problem(&g, 0, 3, "id", "16 or more digits");
  assert_problem(&g, 1, 4, "name", "Excel error");
  assert_problem(&g, 2, 4, "birth_date", "no date Excel can show");
  assert_problem(&g, 3, 5, "", "right of the header's last column (D)");
  assert_int_equal(g.nrows, 1);
  assert_row(&g, 0, 6, "M6", "c", "", "");
}

/* Broken and hostile workbooks: one problem, nothing handed over after
 * it, ZB_EINVAL. */
static void test_broken(void **state) {
  (void)state;
  static const struct {
    const char *sheet, *says;
  } cases[] = {
      {"<!DOCTYPE w [<!ENTITY a \"aaaa\"><!ENTITY b \"&a;&a;&a;&a;\">]><worksheet/>", "DOCTYPE"},
      {"<worksheet " NS "><sheetData><row r=\"2\"/><row r=\"1\"/></sheetData></worksheet>",
       "out of order"},
      {"<worksheet " NS "><sheetData><row r=\"1048577\"/></sheetData></worksheet>",
       "not one of Excel's"},
      {"<worksheet " NS "><sheetData><row r=\"1\"><c r=\"XFE1\"/></row></sheetData></worksheet>",
       "not one of Excel's"},
      {"<worksheet " NS "><sheetData><row r=\"1\"><c r=\"B1\"/><c r=\"A1\"/></row></sheetData>"
       "</worksheet>", "out of place"},
      {"<worksheet " NS "><sheetData><row r=\"1\"><c t=\"s\"><v>99</v></c></row></sheetData>"
       "</worksheet>", "shared string \"99\""},
      {"<worksheet " NS "><sheetData><row r=\"1\"><c t=\"s\"><v>-1</v></c></row></sheetData>"
       "</worksheet>", "shared string \"-1\""},
      {"<worksheet><sheetData><row>", "not well-formed XML"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    struct got g;
    long np;
    int rc = read_parts(cases[i].sheet, NULL, &g, &np);
    assert_int_equal(rc, ZB_EINVAL);
    assert_int_equal(g.nrows, 0);
    assert_true(g.nprobs >= 1);
    if (!strstr(EN(g.preason[0]), cases[i].says))
      fail_msg("case %zu: \"%s\" does not say \"%s\"", i, g.preason[0], cases[i].says);
  }
  /* Deep nesting. */
  char deep[4096] = "<worksheet>";
  for (int i = 0; i < 100; i++)
    strcat(deep, "<a>");
  struct got g;
  long np;
  assert_int_equal(read_parts(deep, NULL, &g, &np), ZB_EINVAL);
  assert_non_null(strstr(EN(g.preason[0]), "nested more than"));
}

static char *tmp_path(const char *suffix) {
  const char *dir = getenv("TMPDIR");
  char *path = malloc(4096);
  assert_non_null(path);
  snprintf(path, 4096, "%s/zb_test_xlsx_XXXXXX%s", dir ? dir : "/tmp", suffix);
  int fd = mkstemps(path, (int)strlen(suffix));
  assert_true(fd >= 0);
  close(fd);
  return path;
}

/* A workbook as libxlsxwriter writes it, read through zb_sheet_read under
 * a name ending in .csv: told by its bytes.  A date cell, a number in a
 * text column, ID-like text kept as text. */
static void test_libxlsxwriter(void **state) {
  (void)state;
  char *path = tmp_path(".csv");
  lxw_workbook *wb = workbook_new(path);
  lxw_worksheet *ws = workbook_add_worksheet(wb, "名单");
  workbook_add_worksheet(wb, "other");
  lxw_format *df = workbook_add_format(wb);
  format_set_num_format(df, "yyyy-mm-dd");
  worksheet_write_string(ws, 0, 0, "党员花名册", NULL);
  const char *hdr[] = {"编号", "姓名", "出生日期", "联系电话", "备注"};
  for (int j = 0; j < 5; j++)
    worksheet_write_string(ws, 1, (lxw_col_t)j, hdr[j], NULL);
  worksheet_write_string(ws, 2, 0, "M0000000001", NULL);
  worksheet_write_string(ws, 2, 1, "张三", NULL);
  lxw_datetime dt = {1990, 7, 1, 0, 0, 0};
  worksheet_write_datetime(ws, 2, 2, &dt, df);
  worksheet_write_number(ws, 2, 3, 13800138000.0, NULL);
  worksheet_write_string(ws, 3, 0, "M0000000002", NULL);
  worksheet_write_string(ws, 3, 1, "李四", NULL);
  worksheet_write_string(ws, 3, 2, "2001/2/3", NULL);
  worksheet_write_string(ws, 3, 3, "0731-84012345", NULL);
  assert_int_equal(workbook_close(wb), LXW_NO_ERROR);
  struct got g = {0};
  long np = -1;
  struct zb_sheet_info info;
  assert_int_equal(zb_sheet_read(path, &spec, on_row, on_problem, &g, &np, &info), 0);
  assert_int_equal(np, 0);
  assert_true(info.xlsx);
  assert_string_equal(info.sheet, "名单");
  assert_int_equal(g.nrows, 2);
  assert_row(&g, 0, 3, "M0000000001", "张三", "1990-07-01", "13800138000");
  assert_row(&g, 1, 4, "M0000000002", "李四", "2001/2/3", "0731-84012345");

  /* The same bytes from stdin. */
  FILE *saved = stdin;
  stdin = fopen(path, "rb");
  assert_non_null(stdin);
  memset(&g, 0, sizeof g);
  assert_int_equal(zb_sheet_read("-", &spec, on_row, on_problem, &g, &np, &info), 0);
  fclose(stdin);
  stdin = saved;
  assert_true(info.xlsx);
  assert_int_equal(g.nrows, 2);
  assert_row(&g, 1, 4, "M0000000002", "李四", "2001/2/3", "0731-84012345");

  /* Cut short: a damaged archive is one problem of the file. */
  FILE *f = fopen(path, "r+b");
  assert_non_null(f);
  assert_int_equal(ftruncate(fileno(f), 600), 0);
  fclose(f);
  memset(&g, 0, sizeof g);
  assert_int_equal(zb_sheet_read(path, &spec, on_row, on_problem, &g, &np, &info), ZB_EINVAL);
  assert_int_equal(np, 1);
  assert_int_equal(g.pline[0], 0);
  assert_non_null(strstr(EN(g.preason[0]), "save it again"));
  unlink(path);
  free(path);
}

/* A zip bomb: a sheet that unpacks past the limit stops there, however
 * small the archive. */
static void test_bomb(void **state) {
  (void)state;
  char *path = tmp_path(".xlsx");
  lxw_workbook *wb = workbook_new(path);
  lxw_worksheet *ws = workbook_add_worksheet(wb, "a");
  worksheet_write_string(ws, 0, 0, "id", NULL);
  worksheet_write_string(ws, 0, 1, "name", NULL);
  for (lxw_row_t r = 1; r < 40000; r++)
    worksheet_write_string(ws, r, 1, "x", NULL);
  assert_int_equal(workbook_close(wb), LXW_NO_ERROR);
  size_t saved = zb_xlsx_max_xml;
  zb_xlsx_max_xml = (size_t)1 << 20;
  struct got g = {0};
  long np;
  int rc = zb_sheet_read(path, &spec, NULL, on_problem, &g, &np, NULL);
  zb_xlsx_max_xml = saved;
  assert_int_equal(rc, ZB_EINVAL);
  assert_non_null(strstr(EN(g.preason[g.nprobs - 1]), "unpacks to more than 1 MiB"));
  unlink(path);
  free(path);
}

/* An Excel 97-2003 workbook (or one with a password): says how to save. */
static void test_xls(void **state) {
  (void)state;
  char *path = tmp_path(".xlsx");
  FILE *f = fopen(path, "wb");
  assert_non_null(f);
  fwrite("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1\0\0\0\0", 1, 12, f);
  fclose(f);
  struct got g = {0};
  long np;
  assert_int_equal(zb_sheet_read(path, &spec, on_row, on_problem, &g, &np, NULL), ZB_EINVAL);
  assert_int_equal(np, 1);
  assert_non_null(strstr(EN(g.preason[0]), "Excel 97-2003"));
  unlink(path);
  free(path);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_values),        cmocka_unit_test(test_1904),
      cmocka_unit_test(test_cell_problems), cmocka_unit_test(test_broken),
      cmocka_unit_test(test_libxlsxwriter), cmocka_unit_test(test_bomb),
      cmocka_unit_test(test_xls),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
