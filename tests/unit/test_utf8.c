/*
 * test_utf8.c — well-formedness (Unicode Table 3-7), code point count and
 * terminal width.  Byte sequences are spelled in hex so that what is tested
 * does not depend on this file's own encoding.  No setlocale() anywhere:
 * the width must not depend on it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "zb_utf8.h"

static bool valid(const char *s) { return zb_utf8_valid(s, strlen(s)); }
static size_t width(const char *s) { return zb_utf8_width(s, strlen(s)); }

static void test_valid(void **state) {
  (void)state;
  assert_true(zb_utf8_valid("", 0));
  assert_true(valid("Zhibu 0123 ~!@#"));
  assert_true(valid("\xe6\xb1\x89\xe5\xad\x97")); /* 汉字 */
  assert_true(valid("\xc2\x80"));                  /* U+0080, lowest 2-byte */
  assert_true(valid("\xdf\xbf"));                  /* U+07FF */
  assert_true(valid("\xe0\xa0\x80"));              /* U+0800, lowest 3-byte */
  assert_true(valid("\xed\x9f\xbf"));              /* U+D7FF, below surrogates */
  assert_true(valid("\xee\x80\x80"));              /* U+E000, above them */
  assert_true(valid("\xef\xbf\xbd"));              /* U+FFFD */
  assert_true(valid("\xf0\x90\x80\x80"));          /* U+10000, lowest 4-byte */
  assert_true(valid("\xf0\xa0\x80\x80"));          /* U+20000 𠀀 */
  assert_true(valid("\xf4\x8f\xbf\xbf"));          /* U+10FFFF, the last */
  assert_true(valid("a\tb"));                      /* TAB is allowed */
}

static void test_invalid(void **state) {
  (void)state;
  static const char *const bad[] = {
      "\xc0\x80",             /* overlong NUL */
      "\xc0\xaf",             /* overlong '/' */
      "\xc1\xbf",             /* overlong U+007F */
      "\xe0\x80\xaf",         /* overlong '/' in 3 bytes */
      "\xe0\x9f\xbf",         /* overlong U+07FF */
      "\xf0\x80\x80\xaf",     /* overlong '/' in 4 bytes */
      "\xf0\x8f\xbf\xbf",     /* overlong U+FFFF */
      "\xed\xa0\x80",         /* U+D800, a high surrogate */
      "\xed\xbf\xbf",         /* U+DFFF, a low surrogate */
      "\xed\xa0\xbd\xed\xb8\x80", /* CESU-8 surrogate pair */
      "\xf4\x90\x80\x80",     /* U+110000 */
      "\xf5\x80\x80\x80",     /* lead byte above F4 */
      "\xf7\xbf\xbf\xbf",     /* U+1FFFFF */
      "\xf8\x88\x80\x80\x80", /* 5-byte form */
      "\xfe", "\xff",
      "\x80",                 /* lone continuation byte */
      "a\xbf" "b",
      "\xe6\xb1",             /* 汉 missing its last byte */
      "\xe6",                 /* lead byte alone */
      "\xf0\xa0\x80",         /* 4-byte sequence cut short */
      "\xe6\xb1" "a",         /* cut short, then ASCII */
      "\xc3" "A",             /* continuation replaced by ASCII */
      "\xe6\x41\x89",         /* bad second byte */
      "\xe6\xb1\xc9",         /* bad third byte */
      "a\nb", "a\rb", "\x1b[31m", "\x01", "\x1f", /* C0 controls */
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    if (valid(bad[i]))
      fail_msg("bad[%zu] accepted", i);
  /* An embedded NUL within the length. */
  assert_false(zb_utf8_valid("a\0b", 3));
  /* The length bounds the check: 汉 cut at 2 of its 3 bytes. */
  assert_true(zb_utf8_valid("\xe6\xb1\x89", 3));
  assert_false(zb_utf8_valid("\xe6\xb1\x89", 2));
  assert_true(zb_utf8_valid("ab\xff", 2));
}

/* Every 2-byte lead C2-DF, every 3-byte lead with its allowed second-byte
 * range, and the 4-byte leads, checked against Table 3-7 byte by byte. */
static void test_table_3_7_exhaustive_second_byte(void **state) {
  (void)state;
  for (int lead = 0x80; lead <= 0xff; lead++) {
    for (int b1 = 0x00; b1 <= 0xff; b1++) {
      int lo = 0x80, hi = 0xbf, n;
      if (lead >= 0xc2 && lead <= 0xdf)
        n = 2;
      else if (lead >= 0xe0 && lead <= 0xef)
        n = 3;
      else if (lead >= 0xf0 && lead <= 0xf4)
        n = 4;
      else
        n = 0;
      if (lead == 0xe0)
        lo = 0xa0;
      if (lead == 0xed)
        hi = 0x9f;
      if (lead == 0xf0)
        lo = 0x90;
      if (lead == 0xf4)
        hi = 0x8f;
      char s[4] = {(char)lead, (char)b1, (char)0x80, (char)0x80};
      bool want = n != 0 && b1 >= lo && b1 <= hi;
      bool got = zb_utf8_valid(s, n == 0 ? 2 : (size_t)n);
      if (got != want)
        fail_msg("%02X %02X: got %d, expected %d", lead, b1, got, want);
    }
  }
}

/* The eight-bytes-at-a-time ASCII path: every byte value at every
 * position of a long ASCII run is judged as the byte-wise rules judge it. */
static void test_ascii_words(void **state) {
  (void)state;
  char buf[40];
  for (size_t pos = 0; pos < sizeof buf; pos++) {
    for (int b = 0; b < 256; b++) {
      memset(buf, 'a', sizeof buf);
      buf[pos] = (char)b;
      bool want = (b >= 0x20 && b < 0x80) || b == '\t';
      assert_int_equal(zb_utf8_valid(buf, sizeof buf), want);
    }
  }
  /* A multi-byte character after a long ASCII run, and one before it. */
  assert_true(valid("2015-06-30 430121194508292637 夏涵萍"));
  assert_true(valid("夏涵萍 430121194508292637"));
  assert_false(valid("430121194508292637\xe5\xa4"));   /* cut short at the end */
  assert_false(valid("\xe5\xa4\xe6"));                  /* a lead byte where a continuation belongs */
  assert_false(valid("\xe5\xa4\xc0"));
  assert_true(valid("\xe1\x80\x80\xec\xbf\xbf"));   /* U+1000 and U+CFFF */
}

static void test_chars(void **state) {
  (void)state;
  assert_int_equal(zb_utf8_chars("", 0), 0);
  assert_int_equal(zb_utf8_chars("abc", 3), 3);
  assert_int_equal(zb_utf8_chars("\xe6\xb1\x89\xe5\xad\x97", 6), 2);
  assert_int_equal(zb_utf8_chars("\xe5\xbc\xa0\xe4\xb8\x89" "abc", 9), 5);
  assert_int_equal(zb_utf8_chars("\xf0\xa0\x80\x80", 4), 1);
  assert_int_equal(zb_utf8_chars("\xc3\xa9", 2), 1);
}

static void test_width(void **state) {
  (void)state;
  assert_int_equal(width(""), 0);
  assert_int_equal(width("abc"), 3);
  assert_int_equal(width("\xe6\xb1\x89\xe5\xad\x97"), 4);          /* 汉字 */
  assert_int_equal(width("\xe5\xbc\xa0\xe4\xb8\x89" "abc"), 7);    /* 张三abc */
  assert_int_equal(width("430121-03 \xe7\xac\xac" "1"), 13);      /* 第 */
  assert_int_equal(width("\xe3\x80\x80"), 2);  /* U+3000 ideographic space */
  assert_int_equal(width("\xe3\x80\x82"), 2);  /* U+3002 。 */
  assert_int_equal(width("\xe3\x80\xbf"), 1);  /* U+303F, the exception */
  assert_int_equal(width("\xef\xbc\xa1"), 2);  /* U+FF21 Ａ fullwidth */
  assert_int_equal(width("\xef\xbc\x8c"), 2);  /* U+FF0C ， */
  assert_int_equal(width("\xef\xbd\xa0"), 2);  /* U+FF60, end of range */
  assert_int_equal(width("\xef\xbd\xb1"), 1);  /* U+FF71 ｱ halfwidth */
  assert_int_equal(width("\xef\xbf\xa5"), 2);  /* U+FFE5 ￥ */
  assert_int_equal(width("\xed\x95\x9c"), 2);  /* U+D55C 한 Hangul */
  assert_int_equal(width("\xea\xb0\x80"), 2);  /* U+AC00 */
  assert_int_equal(width("\xed\x9e\xa3"), 2);  /* U+D7A3 */
  assert_int_equal(width("\xe1\x84\x80"), 2);  /* U+1100 Hangul jamo */
  assert_int_equal(width("\xe3\x81\x82"), 2);  /* U+3042 あ */
  /* U+A4C6, the last Yi radical.  (This line tested U+A4CF, which is
   * unassigned: UAX #11 gives an unassigned code point outside the CJK
   * ideograph blocks width 1, and libutf8proc follows it.) */
  assert_int_equal(width("\xea\x93\x86"), 2);
  assert_int_equal(width("\xea\x93\x90"), 1);  /* U+A4D0 Lisu, narrow */
  assert_int_equal(width("\xef\xa4\x80"), 2);  /* U+F900 compatibility */
  assert_int_equal(width("\xef\xb8\xb0"), 2);  /* U+FE30 vertical form */
  assert_int_equal(width("\xf0\xa0\x80\x80"), 2); /* U+20000 */
  assert_int_equal(width("\xf0\xaf\xa8\x9d"), 2); /* U+2FA1D */
  assert_int_equal(width("\xf0\xb0\x80\x80"), 2); /* U+30000 */
  assert_int_equal(width("\xc2\xb7"), 1);      /* U+00B7 middle dot */
  assert_int_equal(width("\xc3\xa9"), 1);      /* é precomposed */
  assert_int_equal(width("e\xcc\x81"), 1);     /* e + U+0301 combining */
  assert_int_equal(width("\xe3\x81\x8b\xe3\x82\x99"), 2); /* か + U+3099 */
  assert_int_equal(width("\xd0\x96"), 1);      /* Cyrillic Ж */
  assert_int_equal(width("\xe2\x80\x94"), 1);  /* U+2014 em dash */
  /* Only len bytes are measured. */
  assert_int_equal(zb_utf8_width("\xe6\xb1\x89\xe5\xad\x97", 3), 2);
}

/* Every CJK Unified Ideograph in the basic block is 2 columns. */
static void test_width_cjk_block(void **state) {
  (void)state;
  for (unsigned cp = 0x4e00; cp <= 0x9fff; cp++) {
    char s[3] = {(char)(0xe0 | (cp >> 12)), (char)(0x80 | ((cp >> 6) & 0x3f)),
                 (char)(0x80 | (cp & 0x3f))};
    if (zb_utf8_width(s, 3) != 2)
      fail_msg("U+%04X is not 2 columns", cp);
  }
  /* And every printable ASCII character is 1. */
  for (char c = 0x20; c < 0x7f; c++)
    assert_int_equal(zb_utf8_width(&c, 1), 1);
}

/* The eight-bytes-at-a-time path: a control character (TAB aside) or a
 * bad byte at any place of a long ASCII text is found, and the three-byte
 * path takes CJK after it. */
static void test_valid_long(void **state) {
  (void)state;
  char buf[40];
  for (size_t at = 0; at < 24; at++)
    for (int b = 0; b < 0x100; b++) {
      memset(buf, 'a', sizeof buf);
      buf[at] = (char)b;
      bool want = b == '\t' || (b >= 0x20 && b < 0x80);
      if (zb_utf8_valid(buf, 30) != want)
        fail_msg("byte 0x%02x at %zu: want %d", b, at, want);
    }
  /* 汉字 after and before ASCII runs; ED A0 80 (a surrogate) is refused. */
  assert_true(valid("abcdefghij\xe6\xb1\x89\xe5\xad\x97klmnopqrstu"));
  assert_false(valid("abcdefghij\xed\xa0\x80klmnopqrstu"));
  assert_false(valid("abcdefghij\xe6\xb1klmnopqrstu"));
}

/* zb_utf8_prefix: well-formed sequences only (controls allowed), the
 * count of non-ASCII characters, and a sequence cut by the buffer's end
 * told from an invalid one. */
static void test_prefix(void **state) {
  (void)state;
  size_t multi = 0;
  bool partial = true;
  const char *s = "ab\x01\xe6\xb1\x89\xe5\xad\x97";
  assert_int_equal(zb_utf8_prefix(s, strlen(s), &multi, &partial), strlen(s));
  assert_int_equal(multi, 2);
  assert_false(partial);
  /* 汉 cut after one or two bytes: partial. */
  multi = 0;
  assert_int_equal(zb_utf8_prefix("a\xe6", 2, &multi, &partial), 1);
  assert_true(partial);
  assert_int_equal(zb_utf8_prefix("a\xe6\xb1", 3, &multi, &partial), 1);
  assert_true(partial);
  assert_int_equal(multi, 0);
  /* Cut sequences whose second byte has a narrower range. */
  assert_int_equal(zb_utf8_prefix("\xe0", 1, &multi, &partial), 0);
  assert_true(partial);
  assert_int_equal(zb_utf8_prefix("\xf0", 1, &multi, &partial), 0);
  assert_true(partial);
  assert_int_equal(zb_utf8_prefix("\xe0\x80", 2, &multi, &partial), 0);
  assert_false(partial); /* overlong whatever follows */
  assert_int_equal(zb_utf8_prefix("\xed\xa0", 2, &multi, &partial), 0);
  assert_false(partial); /* a surrogate */
  /* Invalid: GBK 张三 (D5 C5 C8 FD) after ASCII, long enough not to be a
   * cut sequence. */
  assert_int_equal(zb_utf8_prefix("id,\xd5\xc5\xc8\xfd", 7, &multi, &partial), 3);
  assert_false(partial);
  assert_int_equal(zb_utf8_prefix("\xff", 1, &multi, &partial), 0);
  assert_false(partial);
  /* The eight-bytes-at-a-time path stops at a high byte wherever it is. */
  char buf[40];
  for (size_t at = 0; at < 32; at++) {
    memset(buf, 'x', sizeof buf);
    buf[at] = '\x80';
    multi = 0;
    assert_int_equal(zb_utf8_prefix(buf, sizeof buf, &multi, &partial), at);
  }
}

static void test_trim(void **state) {
  (void)state;
  size_t start;
  const char *s = "\xe3\x80\x80 \t\xe5\xbc\xa0 \xe4\xb8\x89\t\xe3\x80\x80 ";
  size_t n = zb_utf8_trim(s, strlen(s), &start);
  assert_int_equal(start, 5);
  assert_int_equal(n, 7); /* 张 三, the inner space kept */
  assert_int_equal(zb_utf8_trim("  ", 2, &start), 0);
  assert_int_equal(zb_utf8_trim("", 0, &start), 0);
  assert_int_equal(zb_utf8_trim("\xe3\x80\x80\xe3\x80\x80", 6, &start), 0);
  /* E3 80 81 (、) is not a blank. */
  assert_int_equal(zb_utf8_trim("\xe3\x80\x81", 3, &start), 3);
  assert_int_equal(start, 0);
}

static void test_fold_fullwidth(void **state) {
  (void)state;
  char out[64];
  /* １９９０－０７－０１ */
  const char *d = "\xef\xbc\x91\xef\xbc\x99\xef\xbc\x99\xef\xbc\x90\xef\xbc\x8d\xef\xbc\x90"
                  "\xef\xbc\x97\xef\xbc\x8d\xef\xbc\x90\xef\xbc\x91";
  assert_true(zb_utf8_has_fullwidth(d, strlen(d)));
  assert_int_equal(zb_utf8_fold_fullwidth(d, strlen(d), out), 10);
  assert_string_equal(out, "1990-07-01");
  /* ！ (FF01) and ～ (FF5E), the ends of the range; ｘ; （０７３１）; U+3000 */
  const char *e = "\xef\xbc\x81\xef\xbd\x9e\xef\xbd\x98\xef\xbc\x88\xef\xbc\x90\xef\xbc\x89"
                  "\xe3\x80\x80z";
  assert_int_equal(zb_utf8_fold_fullwidth(e, strlen(e), out), 8);
  assert_string_equal(out, "!~x(0) z");
  /* Outside the range: U+FF00, U+FF5F (EF BD 9F), CJK: kept. */
  const char *k = "\xef\xbc\x80\xef\xbd\x9f\xe5\xbc\xa0";
  assert_false(zb_utf8_has_fullwidth(k, strlen(k)));
  assert_int_equal(zb_utf8_fold_fullwidth(k, strlen(k), out), strlen(k));
  assert_string_equal(out, k);
}

/* As snprintf("%s") into cap bytes: at most cap - 1 of src, then NUL. */
static void copy_cut(char *dst, size_t cap, const char *src) {
  size_t n = strlen(src) < cap - 1 ? strlen(src) : cap - 1;
  memcpy(dst, src, n);
  dst[n] = '\0';
}

/* A sentence cut by its buffer keeps its whole characters only. */
static void test_cut_tail(void **state) {
  (void)state;
  char buf[16], b18[18];
  copy_cut(b18, sizeof b18, "同步失败：连接");   /* 17 of its 21 bytes: 5 whole, 2 of 连 */
  assert_int_equal(zb_utf8_cut_tail(b18), 15);
  assert_string_equal(b18, "同步失败：");
  copy_cut(buf, sizeof buf, "ab同步失败：连接");   /* 15 bytes: 2 + 4 × 3, then 1 of ： */
  assert_int_equal(zb_utf8_cut_tail(buf), 14);
  assert_string_equal(buf, "ab同步失败");
  assert_true(valid(buf));
  copy_cut(buf, sizeof buf, "whole 同步");        /* nothing cut: left alone */
  assert_int_equal(zb_utf8_cut_tail(buf), strlen("whole 同步"));
  assert_string_equal(buf, "whole 同步");
  buf[0] = '\0';
  assert_int_equal(zb_utf8_cut_tail(buf), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_valid),
      cmocka_unit_test(test_cut_tail),
      cmocka_unit_test(test_valid_long),
      cmocka_unit_test(test_prefix),
      cmocka_unit_test(test_trim),
      cmocka_unit_test(test_fold_fullwidth),
      cmocka_unit_test(test_invalid),
      cmocka_unit_test(test_table_3_7_exhaustive_second_byte),
      cmocka_unit_test(test_ascii_words),
      cmocka_unit_test(test_chars),
      cmocka_unit_test(test_width),
      cmocka_unit_test(test_width_cjk_block),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
