/*
 * zb_utf8.h — UTF-8 checks and display width.
 */
#ifndef ZB_UTF8_H
#define ZB_UTF8_H

#include <stdbool.h>
#include <stddef.h>

/* True if s[0..len) is well-formed UTF-8 (no overlongs, no surrogates, no
 * code point above U+10FFFF) and holds no NUL or other C0 control except TAB. */
bool zb_utf8_valid(const char *s, size_t len);
/* Ends the string s where its last whole character ends: a character that
 * snprintf cut at the end of a buffer is dropped (a sentence in Chinese
 * is three bytes a character).  Returns the new length. */
size_t zb_utf8_cut_tail(char *s);
/* Number of code points in valid UTF-8. */
size_t zb_utf8_chars(const char *s, size_t len);
/* Columns the text takes on a terminal, from libutf8proc's
 * utf8proc_charwidth: East Asian wide and fullwidth characters (CJK,
 * Hangul, fullwidth forms) count 2, combining marks and other zero-width
 * characters 0, control characters (TAB) and others 1.  s should be valid
 * UTF-8; a stray byte counts 1. */
size_t zb_utf8_width(const char *s, size_t len);

/* Encoding detection (zb_csv.c): the length of the longest prefix of
 * s[0..len) made of whole well-formed sequences (Table 3-7: no overlongs,
 * surrogates or code points above U+10FFFF; controls are allowed here).
 * *multi is increased by the number of multi-byte sequences in that
 * prefix (the text's non-ASCII characters).  *partial is set when the rest, s[ret..len), is the start of
 * a well-formed sequence cut short by the end of the buffer (more bytes
 * may complete it), cleared when the rest is invalid or empty. */
size_t zb_utf8_prefix(const char *s, size_t len, size_t *multi,
                      bool *partial);

/* The blanks people leave around a value: ASCII space, TAB and the
 * full-width (ideographic) space U+3000.  Returns the length of s[0..len)
 * without leading and trailing blanks and sets *start to where it begins. */
size_t zb_utf8_trim(const char *s, size_t len, size_t *start);

/* True if s[0..len) holds a full-width form U+FF01-U+FF5E or U+3000. */
bool zb_utf8_has_fullwidth(const char *s, size_t len);
/* Copies s[0..len) to out, folding the full-width forms U+FF01-U+FF5E
 * (ＡＢ１２－（）…) to their ASCII twins 0x21-0x7E and U+3000 to a space;
 * out needs len + 1 bytes (folding only shrinks).  NUL-terminates and
 * returns the length written. */
size_t zb_utf8_fold_fullwidth(const char *s, size_t len, char *out);

#endif
