/*
 * zb_utf8.c — UTF-8 well-formedness and terminal display width.
 *
 * Well-formedness is checked here, byte by byte, against the Unicode
 * Standard's Table 3-7, because the rule is stricter than a decoder's: a
 * record field also refuses NUL and the other C0 controls (zb_utf8.h).
 *
 * Display width comes from libutf8proc (utf8proc_charwidth: East Asian
 * wide and fullwidth 2, combining and other zero-width characters 0), never
 * from wcwidth(3): wcwidth depends on setlocale() and on the C library's
 * Unicode version, and a report must line up the same on a node in a "C"
 * locale as on the server.  libutf8proc carries its own Unicode tables, so
 * the project need not maintain them (README, "Dependencies").
 */
#include "zb_utf8.h"

#include <stdint.h>
#include <string.h>

#include <utf8proc.h>

/* Decodes one code point at s[0..len) following the Unicode Standard,
 * Table 3-7 "Well-Formed UTF-8 Byte Sequences": that table's byte ranges
 * are exactly what rules out overlong forms, surrogates (U+D800-DFFF) and
 * anything above U+10FFFF.  Returns the bytes used (1-4) and sets *cp, or 0
 * if the bytes there are not a well-formed sequence. */
static size_t zb__utf8_decode(const unsigned char *s, size_t len,
                              uint32_t *cp) {
  unsigned char b0 = s[0];
  size_t n;
  unsigned char lo = 0x80, hi = 0xBF; /* allowed range of the second byte */
  if (b0 < 0x80) {
    *cp = b0;
    return 1;
  }
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    n = 2;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    n = 3;
    if (b0 == 0xE0)
      lo = 0xA0; /* below: overlong */
    else if (b0 == 0xED)
      hi = 0x9F; /* above: surrogates */
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    n = 4;
    if (b0 == 0xF0)
      lo = 0x90; /* below: overlong */
    else if (b0 == 0xF4)
      hi = 0x8F; /* above: beyond U+10FFFF */
  } else {
    return 0; /* continuation byte, C0/C1 (overlong) or F5-FF */
  }
  if (len < n || s[1] < lo || s[1] > hi)
    return 0;
  uint32_t v = b0 & (0xFFu >> (n + 1));
  for (size_t i = 1; i < n; i++) {
    if ((s[i] & 0xC0) != 0x80)
      return 0;
    v = (v << 6) | (s[i] & 0x3Fu);
  }
  *cp = v;
  return n;
}

size_t zb_utf8_cut_tail(char *s) {
  size_t len = strlen(s);
  if (len == 0)
    return 0;
  size_t i = len - 1;
  while (i > 0 && ((unsigned char)s[i] & 0xC0) == 0x80)
    i--;
  unsigned char lead = (unsigned char)s[i];
  size_t need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
  if (i + need > len) {
    s[i] = '\0';
    return i;
  }
  return len;
}

bool zb_utf8_valid(const char *s, size_t len) {
  const unsigned char *p = (const unsigned char *)s;
  size_t i = 0;
  if (s == NULL)
    return len == 0;
  while (i < len) {
    /* Eight bytes at a time while they are ASCII and none is below 0x20
     * (the test for a byte below n of "Bit Twiddling Hacks", hasless). */
    while (len - i >= 8) {
      uint64_t w;
      memcpy(&w, p + i, sizeof w);
      if ((w | ((w - UINT64_C(0x2020202020202020)) & ~w)) & UINT64_C(0x8080808080808080))
        break;
      i += 8;
    }
    if (i >= len)
      break;
    /* C0 controls (NUL, CR, LF, ESC …) have no place in a record field:
     * they break CSV rows, terminals and C strings.  TAB is tolerated
     * because spreadsheets put it in pasted text. */
    if (p[i] < 0x80) {
      if (p[i] < 0x20 && p[i] != '\t')
        return false;
      i++;
      continue;
    }
    /* Most Chinese text: three bytes, lead E1-EC or EE-EF, whose second
     * byte may be any continuation byte (Table 3-7); never a control. */
    if (len - i >= 3 && ((p[i] >= 0xE1 && p[i] <= 0xEC) || p[i] >= 0xEE) && p[i] <= 0xEF &&
        (p[i + 1] & 0xC0) == 0x80 && (p[i + 2] & 0xC0) == 0x80) {
      i += 3;
      continue;
    }
    uint32_t cp;
    size_t n = zb__utf8_decode(p + i, len - i, &cp);
    if (n == 0)
      return false;
    i += n;   /* a multi-byte sequence is never a C0 control */
  }
  return true;
}

size_t zb_utf8_chars(const char *s, size_t len) {
  size_t count = 0;
  if (s == NULL)
    return 0;
  /* Every code point has exactly one byte that is not a continuation
   * byte (10xxxxxx). */
  for (size_t i = 0; i < len; i++)
    if (((unsigned char)s[i] & 0xC0) != 0x80)
      count++;
  return count;
}

/* A code point's columns.  Control characters (TAB, DEL, C1; utf8proc: 0)
 * keep the one column they always had here, so that a table holding a TAB
 * in a field lines up as before. */
static size_t zb__cp_width(uint32_t cp) {
  utf8proc_int32_t c = (utf8proc_int32_t)cp;
  if (utf8proc_category(c) == UTF8PROC_CATEGORY_CC)
    return 1;
  int w = utf8proc_charwidth(c);
  return w > 0 ? (size_t)w : 0;
}

size_t zb_utf8_width(const char *s, size_t len) {
  const unsigned char *p = (const unsigned char *)s;
  size_t i = 0, width = 0;
  if (s == NULL)
    return 0;
  while (i < len) {
    uint32_t cp;
    size_t n = zb__utf8_decode(p + i, len - i, &cp);
    if (n == 0) {
      /* Not valid UTF-8 (a caller broke the contract): count the stray
       * byte as one column, as a terminal shows one replacement mark. */
      width++;
      i++;
      continue;
    }
    width += zb__cp_width(cp);
    i += n;
  }
  return width;
}

size_t zb_utf8_prefix(const char *s, size_t len, size_t *multi,
                      bool *partial) {
  const unsigned char *p = (const unsigned char *)s;
  size_t i = 0, high = 0;
  *partial = false;
  while (i < len) {
    /* ASCII, eight bytes at a time: the common case of a roster's digits,
     * dates and punctuation. */
    while (len - i >= 8) {
      uint64_t w;
      memcpy(&w, p + i, sizeof w);
      if (w & UINT64_C(0x8080808080808080))
        break;
      i += 8;
    }
    if (i >= len)
      break;
    if (p[i] < 0x80) {
      i++;
      continue;
    }
    /* Most Chinese text: three bytes, lead E1-EC or EE-EF, whose second
     * byte may be any continuation byte (Table 3-7). */
    if (len - i >= 3 && ((p[i] >= 0xE1 && p[i] <= 0xEC) || p[i] >= 0xEE) && p[i] <= 0xEF &&
        (p[i + 1] & 0xC0) == 0x80 && (p[i + 2] & 0xC0) == 0x80) {
      high++;
      i += 3;
      continue;
    }
    uint32_t cp;
    size_t n = zb__utf8_decode(p + i, len - i, &cp);
    if (n == 0) {
      /* Invalid, or cut short: decode again with the missing bytes
       * assumed good.  A sequence is "partial" when every byte present is
       * in range for its position. */
      size_t rest = len - i;
      unsigned char pad[4];
      if (rest < 4) {
        memcpy(pad, p + i, rest);
        /* The continuation byte 0x80 is not in range after E0 and F0
         * (overlongs) whose second byte must be at least A0 / 90: pad
         * with a byte valid for any position instead. */
        for (size_t k = rest; k < 4; k++)
          pad[k] = k == 1 && p[i] == 0xE0 ? 0xA0 : k == 1 && p[i] == 0xF0 ? 0x90 : 0x80;
        *partial = zb__utf8_decode(pad, 4, &cp) > rest;
      }
      break;
    }
    high++;
    i += n;
  }
  *multi += high;
  return i;
}

/* U+3000 IDEOGRAPHIC SPACE is E3 80 80. */
static bool zb__is_ideo_space(const unsigned char *p, size_t n) {
  return n >= 3 && p[0] == 0xE3 && p[1] == 0x80 && p[2] == 0x80;
}

size_t zb_utf8_trim(const char *s, size_t len, size_t *start) {
  const unsigned char *p = (const unsigned char *)s;
  size_t a = 0, b = len;
  for (;;) {
    if (a < b && (p[a] == ' ' || p[a] == '\t'))
      a++;
    else if (zb__is_ideo_space(p + a, b - a))
      a += 3;
    else
      break;
  }
  for (;;) {
    if (b > a && (p[b - 1] == ' ' || p[b - 1] == '\t'))
      b--;
    else if (b - a >= 3 && zb__is_ideo_space(p + b - 3, 3))
      b -= 3;
    else
      break;
  }
  *start = a;
  return b - a;
}

/* U+FF01-U+FF5E is EF BC 81 - EF BC BF, then EF BD 80 - EF BD 9E. */
static int zb__fullwidth_ascii(const unsigned char *p, size_t n) {
  if (n < 3 || p[0] != 0xEF)
    return -1;
  if (p[1] == 0xBC && p[2] >= 0x81 && p[2] <= 0xBF)
    return 0x21 + (p[2] - 0x81);
  if (p[1] == 0xBD && p[2] >= 0x80 && p[2] <= 0x9E)
    return 0x21 + 0x3F + (p[2] - 0x80);
  return -1;
}

bool zb_utf8_has_fullwidth(const char *s, size_t len) {
  const unsigned char *p = (const unsigned char *)s;
  size_t i = 0;
  /* ASCII, eight bytes at a time: dates, phones and ID numbers. */
  for (; len - i >= 8; i += 8) {
    uint64_t w;
    memcpy(&w, p + i, sizeof w);
    if (w & UINT64_C(0x8080808080808080))
      break;
  }
  for (; i < len; i++) {
    if (p[i] < 0xE3)   /* neither lead byte: the usual case */
      continue;
    if ((p[i] == 0xEF && zb__fullwidth_ascii(p + i, len - i) >= 0) ||
        zb__is_ideo_space(p + i, len - i))
      return true;
  }
  return false;
}

size_t zb_utf8_fold_fullwidth(const char *s, size_t len, char *out) {
  const unsigned char *p = (const unsigned char *)s;
  size_t i = 0, o = 0;
  while (i < len) {
    int c = zb__fullwidth_ascii(p + i, len - i);
    if (c >= 0) {
      out[o++] = (char)c;
      i += 3;
    } else if (zb__is_ideo_space(p + i, len - i)) {
      out[o++] = ' ';
      i += 3;
    } else {
      out[o++] = s[i++];
    }
  }
  out[o] = '\0';
  return o;
}
