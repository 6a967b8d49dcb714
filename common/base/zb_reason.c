/*
 * zb_reason.c — coded refusal reasons (zb_reason.h): made, taken apart,
 * filled into a catalogue's template, or shown plainly.
 */
#include "zb_reason.h"

#include <stdio.h>
#include <string.h>

#include "zb_utf8.h"

/* The length of the UTF-8 character at s (at most len bytes), or 0 when
 * it is not one. */
static size_t char_len(const char *s, size_t len) {
  unsigned char b = (unsigned char)s[0];
  if (b < 0x80)
    return 1;
  size_t k = b < 0x80 ? 1 : (b & 0xE0) == 0xC0 ? 2 : (b & 0xF0) == 0xE0 ? 3
                          : (b & 0xF8) == 0xF0 ? 4 : 0;
  if (k == 0 || k > len || !zb_utf8_valid(s, k))
    return 0;
  return k;
}

/* Appends s (len bytes) to out[*o] as plain text, within max bytes of
 * out in all (one kept for the NUL); cut on a character boundary, with
 * "…" when it is.  Control characters become spaces, US ", " when
 * us_as_comma. */
static void put_clean(char *out, size_t *o, size_t max, const char *s, size_t len,
                      bool us_as_comma) {
  size_t i = 0;
  while (i < len) {
    size_t k = char_len(s + i, len - i);
    const char *piece = s + i;
    size_t plen = k;
    if (k == 0) {
      piece = "?";
      plen = 1;
      k = 1;
    } else if (k == 1 && ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)) {
      piece = us_as_comma && s[i] == ZB_REASON_US ? ", " : " ";
      plen = strlen(piece);
    }
    /* Room for this piece and, if more follows, the ellipsis. */
    size_t need = plen + (i + k < len ? 3 : 0);
    if (*o + need + 1 > max) {
      if (*o + 3 + 1 <= max) {
        memcpy(out + *o, "\xE2\x80\xA6", 3);
        *o += 3;
      }
      break;
    }
    memcpy(out + *o, piece, plen);
    *o += plen;
    i += k;
  }
  out[*o] = '\0';
}

void zb_reason_plain(const char *s, size_t len, char *out, size_t cap) {
  if (cap == 0)
    return;
  size_t o = 0;
  out[0] = '\0';
  put_clean(out, &o, cap, s, len, true);
}

/* ---- making --------------------------------------------------------------- */

/* Formats the one conversion at *p (after its '%') with the next value of
 * ap into tmp; advances *p past it.  False for a conversion this reader
 * does not know (a bug in the caller's format: the arg reads "?"). */
static bool one_conversion(const char **p, va_list *ap, char *tmp, size_t cap) {
  const char *q = *p;
  int prec = -1;
  if (*q == '.') {
    q++;
    if (*q == '*') {
      prec = va_arg(*ap, int);
      q++;
    } else {
      prec = 0;
      while (*q >= '0' && *q <= '9')
        prec = prec * 10 + (*q++ - '0');
    }
  }
  int lmod = 0;   /* 1 l, 2 ll, 3 z */
  if (q[0] == 'l' && q[1] == 'l') {
    lmod = 2;
    q += 2;
  } else if (*q == 'l') {
    lmod = 1;
    q++;
  } else if (*q == 'z') {
    lmod = 3;
    q++;
  }
  char conv = *q;
  if (conv)
    q++;
  *p = q;
  switch (conv) {
  case 's': {
    const char *s = va_arg(*ap, const char *);
    if (!s)
      s = "";
    if (prec >= 0)
      snprintf(tmp, cap, "%.*s", prec, s);
    else
      snprintf(tmp, cap, "%s", s);
    return true;
  }
  case 'c':
    snprintf(tmp, cap, "%c", (char)va_arg(*ap, int));
    return true;
  case 'd':
  case 'i':
    if (lmod == 2)
      snprintf(tmp, cap, "%lld", va_arg(*ap, long long));
    else if (lmod == 1)
      snprintf(tmp, cap, "%ld", va_arg(*ap, long));
    else
      snprintf(tmp, cap, "%d", va_arg(*ap, int));
    return true;
  case 'u':
  case 'x':
    if (lmod == 2)
      snprintf(tmp, cap, conv == 'u' ? "%llu" : "%llx", va_arg(*ap, unsigned long long));
    else if (lmod == 1)
      snprintf(tmp, cap, conv == 'u' ? "%lu" : "%lx", va_arg(*ap, unsigned long));
    else if (lmod == 3)
      snprintf(tmp, cap, conv == 'u' ? "%zu" : "%zx", va_arg(*ap, size_t));
    else
      snprintf(tmp, cap, conv == 'u' ? "%u" : "%x", va_arg(*ap, unsigned));
    return true;
  default:
    snprintf(tmp, cap, "?");
    return false;
  }
}

void zb_reason_vmake(char *out, size_t cap, const char *fmt, va_list ap0) {
  if (cap == 0)
    return;
  if (cap > ZB_REASON_MAX + 1)
    cap = ZB_REASON_MAX + 1;
  va_list ap;
  va_copy(ap, ap0);
  /* The args, each made and bounded first, then shortened together if
   * the whole would not fit. */
  char args[ZB_REASON_ARGS_MAX][ZB_REASON_ARG_MAX + 1];
  size_t alen[ZB_REASON_ARGS_MAX];
  int n = 0;
  size_t klen = strcspn(fmt, ZB_US);
  const char *p = fmt + klen;
  while (*p == ZB_REASON_US && n < ZB_REASON_ARGS_MAX) {
    p++;
    size_t o = 0;
    char *a = args[n];
    a[0] = '\0';
    if (*p == ZB_REASON_RS)
      a[o++] = *p++;
    while (*p && *p != ZB_REASON_US) {
      if (*p == '%' && p[1] == '%') {
        if (o + 1 < sizeof args[n])
          a[o++] = '%';
        p += 2;
      } else if (*p == '%') {
        char tmp[512];
        p++;
        one_conversion(&p, &ap, tmp, sizeof tmp);
        put_clean(a, &o, sizeof args[n], tmp, strlen(tmp), false);
      } else {
        size_t lit = strcspn(p, "%" ZB_US);
        put_clean(a, &o, sizeof args[n], p, lit, false);
        p += lit;
      }
      a[o] = '\0';
    }
    alen[n++] = o;
  }
  va_end(ap);
  if (klen > ZB_REASON_KEY_MAX)
    klen = ZB_REASON_KEY_MAX;
  size_t total = klen;
  for (int i = 0; i < n; i++)
    total += 1 + alen[i];
  /* Too long: cut the longest arg, again and again, on a character
   * boundary, marking the cut with "…". */
  while (total + 1 > cap) {
    int l = 0;
    for (int i = 1; i < n; i++)
      if (alen[i] > alen[l])
        l = i;
    if (n == 0 || alen[l] <= 4)
      break;
    long w = (long)alen[l] - ((long)(total + 1) - (long)cap) - 3;
    if (w > (long)alen[l] - 4)
      w = (long)alen[l] - 4;   /* at least one byte shorter, with room for "…" */
    if (w < 1)
      w = 1;
    size_t want = (size_t)w;
    while (want > 1 && ((unsigned char)args[l][want] & 0xC0) == 0x80)
      want--;
    memcpy(args[l] + want, "\xE2\x80\xA6", 4);
    total -= alen[l];
    alen[l] = want + 3;
    total += alen[l];
  }
  size_t o = 0;
  memcpy(out, fmt, klen < cap - 1 ? klen : cap - 1);
  o = klen < cap - 1 ? klen : cap - 1;
  for (int i = 0; i < n && o + 1 + alen[i] < cap; i++) {
    out[o++] = ZB_REASON_US;
    memcpy(out + o, args[i], alen[i]);
    o += alen[i];
  }
  out[o] = '\0';
}

void zb_reason_make(char *out, size_t cap, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  zb_reason_vmake(out, cap, fmt, ap);
  va_end(ap);
}

void zb_reason_nest(char *out, size_t cap, const char *inner) {
  zb_reason_parts p;
  size_t olen = strlen(out), ilen = strlen(inner);
  if (cap > ZB_REASON_MAX + 1)
    cap = ZB_REASON_MAX + 1;
  if (!zb_reason_decode(inner, ilen, &p) || olen + 2 + ilen + 1 > cap ||
      strchr(inner, ZB_REASON_FS)) {
    snprintf(out, cap, "%s", inner);
    return;
  }
  out[olen++] = ZB_REASON_US;
  out[olen++] = ZB_REASON_FS;
  for (size_t i = 0; i < ilen; i++)
    out[olen++] = inner[i] == ZB_REASON_US ? ZB_REASON_FS : inner[i];
  out[olen] = '\0';
}

/* ---- reading -------------------------------------------------------------- */

bool zb_reason_decode(const char *s, size_t len, zb_reason_parts *p) {
  if (!s || len > ZB_REASON_MAX || len < 5 || memcmp(s, "why.", 4) != 0)
    return false;
  size_t klen = 0;
  while (klen < len && s[klen] != ZB_REASON_US) {
    char c = s[klen];
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.'))
      return false;
    klen++;
  }
  if (klen > ZB_REASON_KEY_MAX || klen <= 4)
    return false;
  memcpy(p->key, s, klen);
  p->key[klen] = '\0';
  memcpy(p->buf, s, len);
  p->buf[len] = '\0';
  p->nargs = 0;
  size_t i = klen;
  while (i < len) {
    /* s[i] is US. */
    if (p->nargs == ZB_REASON_ARGS_MAX)
      return false;
    size_t start = ++i;
    size_t end = start;
    while (end < len && s[end] != ZB_REASON_US)
      end++;
    size_t j = start;
    if (j < end && s[j] == ZB_REASON_FS) {
      /* A nested reason, FS KEY *(FS TEXT), checked as a reason of its
       * own (its args bounded like these). */
      char inner[ZB_REASON_MAX + 1];
      size_t n = end - start - 1;
      memcpy(inner, s + start + 1, n);
      for (size_t k = 0; k < n; k++) {
        if (inner[k] == ZB_REASON_US)
          return false;
        if (inner[k] == ZB_REASON_FS)
          inner[k] = ZB_REASON_US;
      }
      zb_reason_parts tmp, *sub = &tmp;
      if (!zb_reason_decode(inner, n, sub))
        return false;
      for (int a = 0; a < sub->nargs; a++)
        if (sub->arg[a][0] == ZB_REASON_FS)
          return false;   /* one level deep */
      p->buf[end] = '\0';
      p->arg[p->nargs++] = p->buf + start;
      i = end;
      continue;
    }
    if (end - start > ZB_REASON_ARG_MAX)
      return false;
    if (j < end && s[j] == ZB_REASON_RS) {
      j++;
      if (j == end)
        return false;   /* a reference to nothing */
    }
    while (j < end) {
      size_t k = char_len(s + j, end - j);
      if (k == 0 || (k == 1 && ((unsigned char)s[j] < 0x20 || s[j] == 0x7f)))
        return false;
      j += k;
    }
    p->buf[end] = '\0';
    p->arg[p->nargs++] = p->buf + start;
    i = end;
  }
  return true;
}

int zb_reason_fill(const char *tmpl, const char *const *args, int n, char *out, size_t cap) {
  if (cap == 0)
    return -1;
  out[0] = '\0';
  /* Count first: a template that does not take exactly these args is
   * never half used. */
  int want = 0;
  for (const char *p = tmpl; *p; p++) {
    if (*p != '%')
      continue;
    if (p[1] == '%') {
      p++;
    } else if (p[1] == 's') {
      want++;
      p++;
    } else {
      return -1;
    }
  }
  if (want != n)
    return -1;
  size_t o = 0;
  int next = 0;
  for (const char *p = tmpl; *p && o + 1 < cap; p++) {
    const char *piece = p;
    size_t plen = 1;
    if (*p == '%' && p[1] == '%') {
      p++;
    } else if (*p == '%') {
      piece = args[next++];
      plen = strlen(piece);
      p++;
    }
    if (o + plen + 1 > cap)
      plen = cap - 1 - o;
    memcpy(out + o, piece, plen);
    o += plen;
  }
  /* A cut in the middle of a character would leave invalid UTF-8. */
  while (o > 0 && !zb_utf8_valid(out, o))
    o--;
  out[o] = '\0';
  return 0;
}
