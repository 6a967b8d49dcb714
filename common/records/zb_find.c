#include "zb_find.h"

#include <ctype.h>
#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include "zb_norm.h"
#include "zb_utf8.h"

size_t zb_find_prepare(const char *text, char out[ZB_FIELD_MAX + 1]) {
  static const zb_field_desc plain = {.name = "text", .type = ZB_FT_TEXT};
  size_t len = strnlen(text, ZB_FIELD_MAX + 1);
  if (len > ZB_FIELD_MAX)
    len = ZB_FIELD_MAX;
  char folded[ZB_FIELD_MAX + 1];
  /* Trimmed as every field is (space, TAB, U+3000), then full-width forms
   * folded: １３８ is 138, ｘ is x. */
  size_t n = zb_norm_field(&plain, text, len, folded);
  if (zb_utf8_has_fullwidth(folded, n))
    n = zb_utf8_fold_fullwidth(folded, n, out);
  else
    memcpy(out, folded, n + 1);
  out[n] = '\0';
  return n;
}

/* The ASCII digits of s, into out (cap bytes); their number. */
static size_t digits_of(const char *s, char *out, size_t cap) {
  size_t n = 0;
  for (; *s && n + 1 < cap; s++)
    if (*s >= '0' && *s <= '9')
      out[n++] = *s;
  out[n] = '\0';
  return n;
}

/* Whether q could be the tail of an ID number: 4 to 18 digits, the 18th
 * character of a whole one X (or x). */
static bool id_tail(const char *q, size_t n) {
  if (n < 4 || n > 18)
    return false;
  for (size_t i = 0; i < n; i++)
    if (!isdigit((unsigned char)q[i]) && !(i == n - 1 && (q[i] == 'X' || q[i] == 'x')))
      return false;
  return true;
}

/* Whether q reads as (part of) a phone number: digits, with blanks, '-',
 * '+', '(' and ')' between them, 4 digits or more. */
static bool phone_part(const char *q) {
  size_t d = 0;
  for (const char *p = q; *p; p++) {
    if (isdigit((unsigned char)*p))
      d++;
    else if (!strchr(" -+()", *p))
      return false;
  }
  return d >= 4;
}

enum zb_find_how zb_find_match(const zb_member *m, const char *q) {
  size_t n = strlen(q);
  if (n == 0)
    return ZB_FIND_NONE;
  if (strcmp(m->v[ZB_MF_ID], q) == 0)
    return ZB_FIND_ID;
  if (strstr(m->v[ZB_MF_NAME], q))
    return ZB_FIND_NAME;
  const char *idn = m->v[ZB_MF_ID_NUMBER];
  size_t il = strlen(idn);
  if (id_tail(q, n) && il >= n && strncasecmp(idn + il - n, q, n) == 0)
    return ZB_FIND_ID_NUMBER;
  if (phone_part(q)) {
    char qd[ZB_FIELD_MAX + 1], pd[ZB_FIELD_MAX + 1];
    digits_of(q, qd, sizeof qd);
    if (digits_of(m->v[ZB_MF_PHONE], pd, sizeof pd) && strstr(pd, qd))
      return ZB_FIND_PHONE;
  }
  return ZB_FIND_NONE;
}

const char *zb_find_how_name(enum zb_find_how how) {
  switch (how) {
  case ZB_FIND_ID: return "id";
  case ZB_FIND_NAME: return "name";
  case ZB_FIND_ID_NUMBER: return "id_number";
  case ZB_FIND_PHONE: return "phone";
  case ZB_FIND_NONE: break;
  }
  return "";
}
