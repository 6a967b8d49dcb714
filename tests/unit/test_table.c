/*
 * test_table.c — zb_table: columns line up by display width, numbers are
 * right-aligned, cells are copied.
 *
 * Expected layouts are worked out by hand below; alignment is also checked
 * with the test's own width function, which knows only what these tests
 * print: ASCII (1 column) and 3-byte UTF-8 CJK characters (2 columns).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zb_table.h"

/* Display width of the first n bytes of s, for ASCII and 3-byte CJK only. */
static size_t test_width(const char *s, size_t n) {
  size_t w = 0;
  for (size_t i = 0; i < n;) {
    unsigned char c = (unsigned char)s[i];
    if (c < 0x80) {
      w += 1;
      i += 1;
    } else {
      assert_true(c >= 0xE0 && c < 0xF0); /* only CJK used here */
      w += 2;
      i += 3;
    }
  }
  return w;
}

/* Prints t into a heap buffer (caller frees). */
static char *render(const zb_table *t) {
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  assert_non_null(f);
  zb_table_print(t, f);
  assert_int_equal(fclose(f), 0);
  return buf;
}

/* Splits text into at most max lines (in place); returns the count. Every
 * line must end in '\n'. */
static size_t split_lines(char *text, char **lines, size_t max) {
  size_t n = 0;
  char *p = text;
  while (*p != '\0') {
    char *nl = strchr(p, '\n');
    assert_non_null(nl);
    *nl = '\0';
    assert_true(n < max);
    lines[n++] = p;
    p = nl + 1;
  }
  return n;
}

static zb_table *make(size_t ncols, const char *const *header,
                      const char *const *cells, size_t nrows) {
  zb_table *t = zb_table_new(ncols, header);
  assert_non_null(t);
  for (size_t r = 0; r < nrows; r++)
    assert_int_equal(zb_table_add(t, cells + r * ncols), 0);
  return t;
}

static void test_mixed_cjk_exact_layout(void **state) {
  (void)state;
  static const char *const header[] = {"姓名", "org", "count"};
  static const char *const cells[] = {
      "王伟",     "430121-03", "12",  /**/
      "欧阳娜娜", "x",         "3",   /**/
      "Li",       "430121",    "100",
  };
  zb_table *t = make(3, header, cells, 3);
  char *out = render(t);
  /* Widths: col0 max(4,4,8,2)=8, col1 max(3,9,1,6)=9, col2 max(5,2,1,3)=5;
   * col2 is all numbers, so right-aligned; the last left column gets no
   * trailing blanks (none here: the last column is numeric). */
  const char *expect =
      "姓名      org        count\n"
      "--------  ---------  -----\n"
      "王伟      430121-03     12\n"
      "欧阳娜娜  x              3\n"
      "Li        430121       100\n";
  assert_string_equal(out, expect);
  free(out);
  zb_table_free(t);
}

/* The independent alignment check the brief asks for: in every line, each
 * left-aligned cell starts, and each right-aligned cell ends, at the same
 * display column; the rule's dash runs start at those columns too. */
static void test_column_starts_line_up(void **state) {
  (void)state;
  enum { NC = 4, NR = 5 };
  static const char *const header[NC] = {"支部", "name", "性别", "n"};
  static const char *const cells[NR * NC] = {
      "第1村党支部",       "王芳",      "女", "7",    /**/
      "branch-2",          "Zhang Wei", "男", "1234", /**/
      "第12社区党支部ab",  "欧阳",      "男", "0",    /**/
      "x",                 "李",        "女", "42",   /**/
      "机关",              "Li Na",     "女", "5",
  };
  const int right[NC] = {0, 0, 0, 1};
  zb_table *t = make(NC, header, cells, NR);
  char *out = render(t);
  char *lines[16];
  size_t n = split_lines(out, lines, 16);
  assert_int_equal(n, 2 + NR);

  size_t anchor[NC];
  for (size_t li = 0; li < n; li++) {
    if (li == 1)
      continue; /* the rule, checked below */
    const char *const *row = li == 0 ? header : cells + (li - 2) * NC;
    const char *p = lines[li];
    for (size_t c = 0; c < NC; c++) {
      const char *at = strstr(p, row[c]);
      assert_non_null(at);
      size_t start = test_width(lines[li], (size_t)(at - lines[li]));
      size_t end = start + test_width(row[c], strlen(row[c]));
      size_t a = right[c] ? end : start;
      if (li == 0)
        anchor[c] = a;
      else
        assert_int_equal(a, anchor[c]);
      p = at + strlen(row[c]);
    }
  }
  /* Widths by hand: col0 "第12社区党支部ab" = 6 CJK * 2 + 4 ASCII = 16,
   * col1 "Zhang Wei" = 9, col2 "性别" = 4, col3 "1234" = 4.  So the left
   * columns start at 0, 18, 29, the numbers start at 35 and end at 39. */
  assert_int_equal(anchor[0], 0);
  assert_int_equal(anchor[1], 18);
  assert_int_equal(anchor[2], 29);
  assert_int_equal(anchor[3], 39);
  assert_string_equal(lines[1], "----------------  ---------  ----  ----");
  free(out);
  zb_table_free(t);
}

static void test_numeric_header_right_aligned(void **state) {
  (void)state;
  static const char *const header[] = {"k", "n"};
  static const char *const cells[] = {"a", "1000", "bb", "7"};
  zb_table *t = make(2, header, cells, 2);
  char *out = render(t);
  assert_string_equal(out,
                      "k      n\n"
                      "--  ----\n"
                      "a   1000\n"
                      "bb     7\n");
  free(out);
  zb_table_free(t);
}

/* One non-number makes the whole column text: left-aligned, and being the
 * last column it is not padded on the right. */
static void test_mixed_column_left_aligned(void **state) {
  (void)state;
  static const char *const header[] = {"k", "v"};
  static const char *const cells[] = {"a", "12", "b", "abcd", "c", "3"};
  zb_table *t = make(2, header, cells, 3);
  char *out = render(t);
  assert_string_equal(out,
                      "k  v\n"
                      "-  ----\n"
                      "a  12\n"
                      "b  abcd\n"
                      "c  3\n");
  free(out);
  zb_table_free(t);
}

static void test_number_forms(void **state) {
  (void)state;
  /* Each case is a one-column table with a wide header "value" and the
   * cell below; right-aligned shows as leading blanks. */
  static const struct {
    const char *cell;
    int numeric;
  } cases[] = {
      {"7", 1},   {"-3", 1},  {"+4", 1}, {"2.5", 1}, {"40%", 1},
      {"1.", 0},  {".5", 0},  {"1e3", 0}, {"", 0},   {"-", 0},
      {"12a", 0}, {"1 2", 0}, {"%", 0},
  };
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    static const char *const header[] = {"value"};
    const char *row[] = {cases[i].cell};
    zb_table *t = make(1, header, row, 1);
    char *out = render(t);
    char *lines[4];
    assert_int_equal(split_lines(out, lines, 4), 3);
    size_t len = strlen(cases[i].cell);
    if (cases[i].numeric) {
      assert_int_equal(strlen(lines[2]), 5);
      assert_string_equal(lines[2] + 5 - len, cases[i].cell);
    } else {
      assert_string_equal(lines[2], cases[i].cell);
    }
    free(out);
    zb_table_free(t);
  }
}

static void test_header_only(void **state) {
  (void)state;
  static const char *const header[] = {"名称", "count"};
  zb_table *t = zb_table_new(2, header);
  assert_non_null(t);
  char *out = render(t);
  /* No data rows: nothing is a number, both columns left-aligned. */
  assert_string_equal(out, "名称  count\n----  -----\n");
  free(out);
  zb_table_free(t);
}

static void test_cells_are_copied(void **state) {
  (void)state;
  char h0[8] = "key", c0[8] = "abc", c1[8] = "5";
  const char *header[] = {h0, "n"};
  const char *row[] = {c0, c1};
  zb_table *t = zb_table_new(2, header);
  assert_non_null(t);
  assert_int_equal(zb_table_add(t, row), 0);
  memcpy(h0, "XXX", 4);
  memcpy(c0, "ZZZ", 4);
  memcpy(c1, "9", 2);
  char *out = render(t);
  assert_string_equal(out, "key  n\n---  -\nabc  5\n");
  free(out);
  zb_table_free(t);
}

static void test_many_rows(void **state) {
  (void)state;
  static const char *const header[] = {"i", "name"};
  zb_table *t = zb_table_new(2, header);
  assert_non_null(t);
  for (int i = 0; i < 1000; i++) {
    char num[16];
    snprintf(num, sizeof(num), "%d", i);
    const char *row[] = {num, i % 2 ? "党员" : "x"};
    assert_int_equal(zb_table_add(t, row), 0);
  }
  char *out = render(t);
  char *lines[1100];
  size_t n = split_lines(out, lines, 1100);
  assert_int_equal(n, 1002);
  assert_string_equal(lines[0], "  i  name");
  assert_string_equal(lines[1], "---  ----");
  assert_string_equal(lines[2], "  0  x");
  assert_string_equal(lines[3], "  1  党员");
  assert_string_equal(lines[1001], "999  党员");
  free(out);
  zb_table_free(t);
}

static void test_free_null(void **state) {
  (void)state;
  zb_table_free(NULL);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_mixed_cjk_exact_layout),
      cmocka_unit_test(test_column_starts_line_up),
      cmocka_unit_test(test_numeric_header_right_aligned),
      cmocka_unit_test(test_mixed_column_left_aligned),
      cmocka_unit_test(test_number_forms),
      cmocka_unit_test(test_header_only),
      cmocka_unit_test(test_cells_are_copied),
      cmocka_unit_test(test_many_rows),
      cmocka_unit_test(test_free_null),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
