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
/* Number of code points in valid UTF-8. */
size_t zb_utf8_chars(const char *s, size_t len);
/* Columns the text takes on a terminal, from libutf8proc's
 * utf8proc_charwidth: East Asian wide and fullwidth characters (CJK,
 * Hangul, fullwidth forms) count 2, combining marks and other zero-width
 * characters 0, control characters (TAB) and others 1.  s should be valid
 * UTF-8; a stray byte counts 1. */
size_t zb_utf8_width(const char *s, size_t len);

#endif
