/*
 * zb_reason.h — a refusal reason in coded form: a stable message key and
 * its arguments, made where a record, an op or a file row is refused and
 * put into words only where a person reads it, in that person's language
 * (docs/PROTOCOL.md, "Reasons"; docs/DESIGN-NOTES.md, "Language").
 *
 *   REASON = KEY *( US ARG )        US = 0x1F
 *   KEY    = "why." 1*( a-z 0-9 _ . ), at most ZB_REASON_KEY_MAX bytes
 *   ARG    = [ RS ] TEXT            RS = 0x1E: the arg names a kind, a
 *                                   field, an act or a vocabulary (the
 *                                   records layer puts it in words)
 *          / FS KEY *( FS TEXT )    FS = 0x1C: a reason inside a reason
 *                                   (an act's consequence refused), one
 *                                   level deep
 *   TEXT   = UTF-8 without control characters, at most ZB_REASON_ARG_MAX
 *            bytes
 *
 * at most ZB_REASON_ARGS_MAX args and ZB_REASON_MAX bytes in all.  Text
 * that is not of this form is a plain reason (written by an earlier
 * version, or by a peer): it is shown as it is, sanitised.
 *
 * A problem found in a file row may carry the value as the file has it:
 * REASON GS VALUE (GS = 0x1D); it never leaves the process.
 */
#ifndef ZB_REASON_H
#define ZB_REASON_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#define ZB_REASON_MAX 319
#define ZB_REASON_KEY_MAX 48
#define ZB_REASON_ARGS_MAX 8
#define ZB_REASON_ARG_MAX 160
#define ZB_REASON_US '\x1f'
#define ZB_REASON_RS '\x1e'
#define ZB_REASON_GS '\x1d'
#define ZB_REASON_FS '\x1c'
/* The same as string literals (octal: a hex escape would swallow the
 * letters after it). */
#define ZB_US "\037"
#define ZB_RS "\036"

/* Writes the coded reason fmt describes into out (cap bytes, at least
 * ZB_REASON_MAX + 1 for every reason to fit): fmt is "why.KEY", then for
 * each arg US and a piece of printf text whose conversions make the arg
 * ("why.date_after_today" ZB_US "%s").  The pieces support the
 * conversions s c d i u x with the length modifiers l ll z and a
 * precision; what a conversion writes is sanitised (control characters
 * become spaces, invalid UTF-8 '?') and each arg is bounded, so that the
 * result always decodes.  A piece may begin with RS (a reference). */
void zb_reason_make(char *out, size_t cap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void zb_reason_vmake(char *out, size_t cap, const char *fmt, va_list ap);

/* Appends the coded reason inner to the coded reason out as its last arg
 * (FS form).  When it does not fit, or inner is not coded, out becomes
 * inner as it is. */
void zb_reason_nest(char *out, size_t cap, const char *inner);

/* A coded reason taken apart; args point into buf (a nested reason's arg
 * starts with FS and keeps its FS separators). */
typedef struct zb_reason_parts {
  char key[ZB_REASON_KEY_MAX + 1];
  int nargs;
  const char *arg[ZB_REASON_ARGS_MAX];
  char buf[ZB_REASON_MAX + 1];
} zb_reason_parts;

/* Whether s (len bytes, from anywhere: a peer, a stored log) is a
 * well-formed coded reason; if so, fills p. */
bool zb_reason_decode(const char *s, size_t len, zb_reason_parts *p);

/* Writes tmpl with its i-th "%s" replaced by args[i] and "%%" by "%".
 * Returns 0, or -1 (out is "") when tmpl has another conversion or not
 * exactly n of them: the caller shows the reason plainly.  tmpl is the
 * catalogue's; args are never read as formats. */
int zb_reason_fill(const char *tmpl, const char *const *args, int n, char *out, size_t cap);

/* s (len bytes) as plain text for a person: invalid UTF-8 as '?', US as
 * ", ", other control characters as spaces, cut to cap (on a character
 * boundary, with "…" when cut). */
void zb_reason_plain(const char *s, size_t len, char *out, size_t cap);

#endif
