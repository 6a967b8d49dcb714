#define _GNU_SOURCE   /* memmem */
/*
 * fuzz_xlsx.c — libFuzzer target for zb_xlsx_read and zb_xlsx_read_parts.
 *
 * Input: the first byte picks the way in.  Bit 0 set: the rest is a whole
 * workbook (the zip archive, through libzip).  Clear: the rest is the XML
 * parts themselves, separated by the 4 bytes "\n##\n", in this order:
 * the sheet, the shared strings, the workbook, its relationships, the
 * package relationships; a part not given is a minimal valid one, so that
 * a mutation of the sheet alone reaches the rows.  Bit 1 makes the
 * workbook count days from 1904 (when it is not given).
 *
 * Besides the sanitizers: every row handed over has NUL-terminated values
 * of the length given, within max_field, valid UTF-8 as the CSV reader
 * hands over; rows come in ascending line order within Excel's rows;
 * every problem has a reason.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "zb_utf8.h"
#include "zb_xlsx.h"

#define NCOLS 4
#define MAXFIELD 64

static const char *const cols[NCOLS] = {"id", "name", "birth_date", "phone"};
static const char *const al_id[] = {"\xE7\xBC\x96\xE5\x8F\xB7", NULL};             /* 编号 */
static const char *const al_name[] = {"\xE5\xA7\x93\xE5\x90\x8D", NULL};           /* 姓名 */
static const char *const al_date[] = {"\xE5\x87\xBA\xE7\x94\x9F\xE6\x97\xA5\xE6\x9C\x9F",
                                      NULL};                                        /* 出生日期 */
static const char *const al_phone[] = {"\xE7\x94\xB5\xE8\xAF\x9D", NULL};          /* 电话 */
static const char *const *const aliases[NCOLS] = {al_id, al_name, al_date, al_phone};

struct seen {
  long last_line;
  long rows;
};

static int on_row(void *ctx, long line, const char *const *values, const size_t *lens) {
  struct seen *s = ctx;
  if (line <= s->last_line || line > 1048576)
    abort();
  s->last_line = line;
  for (size_t j = 0; j < NCOLS; j++) {
    if (strlen(values[j]) != lens[j] || lens[j] > MAXFIELD)
      abort();
    if (!zb_utf8_valid(values[j], lens[j]) && memchr(values[j], '\n', lens[j]) == NULL &&
        memchr(values[j], '\r', lens[j]) == NULL)
      abort();
  }
  s->rows++;
  return 0;
}

static void on_problem(void *ctx, long line, const char *column, const char *reason) {
  (void)ctx, (void)column;
  if (line < 0 || reason == NULL || reason[0] == '\0')
    abort();
}

static const char sep[] = "\n##\n";

static const char def_sheet[] =
    "<worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">"
    "<sheetData><row r=\"1\"><c r=\"A1\" t=\"s\"><v>0</v></c><c r=\"B1\" t=\"s\"><v>1</v></c>"
    "</row><row r=\"2\"><c r=\"A2\" t=\"inlineStr\"><is><t>7</t></is></c></row></sheetData>"
    "</worksheet>";
static const char def_sst[] =
    "<sst xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">"
    "<si><t>id</t></si><si><t>name</t></si></sst>";
static const char def_wb[] =
    "<workbook xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" "
    "xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\">"
    "<sheets><sheet name=\"S\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>";
static const char def_wb1904[] =
    "<workbook xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" "
    "xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\">"
    "<workbookPr date1904=\"1\"/>"
    "<sheets><sheet name=\"S\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>";
static const char def_wbrels[] =
    "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
    "<Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/"
    "relationships/worksheet\" Target=\"worksheets/sheet1.xml\"/>"
    "<Relationship Id=\"rId2\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/"
    "relationships/sharedStrings\" Target=\"sharedStrings.xml\"/></Relationships>";
static const char def_rels[] =
    "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
    "<Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/"
    "relationships/officeDocument\" Target=\"xl/workbook.xml\"/></Relationships>";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1)
    return 0;
  uint8_t mode = data[0];
  data++, size--;
  struct zb_csv_spec spec = {
      .columns = cols,
      .ncolumns = NCOLS,
      .required = 1,
      .max_field = MAXFIELD,
      .aliases = aliases,
      .ignore_unknown = true,
      .dates = 1u << 2,
  };
  struct seen s = {0};
  struct zb_sheet_info info;
  long np = 0;
  if (mode & 1) {
    zb_xlsx_read(NULL, data, size, &spec, on_row, on_problem, &s, &np, &info);
    return 0;
  }
  struct zb_xlsx_part parts[5] = {
      {"xl/worksheets/sheet1.xml", def_sheet, sizeof def_sheet - 1},
      {"xl/sharedStrings.xml", def_sst, sizeof def_sst - 1},
      {"xl/workbook.xml", (mode & 2) ? def_wb1904 : def_wb,
       (mode & 2) ? sizeof def_wb1904 - 1 : sizeof def_wb - 1},
      {"xl/_rels/workbook.xml.rels", def_wbrels, sizeof def_wbrels - 1},
      {"_rels/.rels", def_rels, sizeof def_rels - 1},
  };
  const uint8_t *p = data, *end = data + size;
  for (size_t i = 0; i < 5 && p <= end; i++) {
    const uint8_t *q = memmem(p, (size_t)(end - p), sep, 4);
    const uint8_t *e = q ? q : end;
    parts[i].data = p;
    parts[i].len = (size_t)(e - p);
    if (!q)
      break;
    p = q + 4;
  }
  zb_xlsx_read_parts(parts, 5, &spec, on_row, on_problem, &s, &np, &info);
  if (np < 0 || s.rows < 0)
    abort();
  return 0;
}
