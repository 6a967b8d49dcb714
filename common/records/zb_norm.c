/*
 * zb_norm.c — values as people write them, in normal form (zb_norm.h).
 */
#include "zb_norm.h"

#include <stdbool.h>
#include <string.h>

#include "zb_date.h"
#include "zb_record.h"
#include "zb_utf8.h"

static bool is_digit(char c) { return c >= '0' && c <= '9'; }

static char lower(char c) { return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c; }

/* s[0..n) equals the NUL-terminated w, ASCII letters in any case. */
static bool eq_nocase(const char *s, size_t n, const char *w) {
  size_t i;
  for (i = 0; i < n && w[i]; i++)
    if (lower(s[i]) != lower(w[i]))
      return false;
  return i == n && w[i] == '\0';
}

/* ---- phones ---- */

/* What may stand between the number and its extension (zb_norm.h). */
static const char *const ext_marks[] = {"\xE8\xBD\xAC" /* 转 */, "\xE5\x88\x86\xE6\x9C\xBA" /* 分机 */,
                                        "ext", "x", "#", NULL};

#define PHONE_GROUPS 8

size_t zb_norm_phone(const char *s, size_t len, char out[ZB_FIELD_MAX + 1]) {
  /* The extension: digits after the first mark. */
  size_t main_end = len, ext_at = len, ext_len = 0;
  for (size_t i = 0; i < len && main_end == len; i++)
    for (int k = 0; ext_marks[k]; k++) {
      size_t ml = strlen(ext_marks[k]);
      if (len - i >= ml && eq_nocase(s + i, ml, ext_marks[k])) {
        main_end = i;
        ext_at = i + ml;
        break;
      }
    }
  if (main_end < len) {
    while (ext_at < len && (s[ext_at] == '.' || s[ext_at] == ':' || s[ext_at] == ' '))
      ext_at++;
    while (ext_at + ext_len < len && is_digit(s[ext_at + ext_len]))
      ext_len++;
    if (ext_len < 1 || ext_len > 6 || ext_at + ext_len != len)
      return 0;
  }

  /* The number: groups of digits between spaces, '-', '.', '(' and ')';
   * a leading '+'. */
  size_t gs[PHONE_GROUPS], gl[PHONE_GROUPS], ng = 0, digits = 0;
  bool plus = false;
  for (size_t i = 0; i < main_end;) {
    char c = s[i];
    if (is_digit(c)) {
      if (ng == PHONE_GROUPS)
        return 0;
      gs[ng] = i;
      while (i < main_end && is_digit(s[i]))
        i++;
      gl[ng] = i - gs[ng];
      digits += gl[ng++];
    } else if (c == '+' && ng == 0 && !plus) {
      plus = true;
      i++;
    } else if (c == ' ' || c == '-' || c == '.' || c == '(' || c == ')') {
      i++;
    } else {
      return 0;
    }
  }
  if (ng == 0 || digits > 24)
    return 0;
  char d[32];   /* the digits, with where each group starts */
  size_t at[PHONE_GROUPS + 1], nd = 0;
  for (size_t g = 0; g < ng; g++) {
    at[g] = nd;
    memcpy(d + nd, s + gs[g], gl[g]);
    nd += gl[g];
  }
  at[ng] = nd;
  size_t g0 = 0;
  /* +86, 0086: the country code of the mainland. */
  if ((plus && gl[0] >= 2 && d[0] == '8' && d[1] == '6') ||
      (!plus && gl[0] >= 4 && memcmp(d, "0086", 4) == 0)) {
    size_t cut = plus ? 2 : 4;
    if (gl[0] == cut)
      g0 = 1;
    else
      at[0] = cut; /* "+8613800138000" */
  } else if (plus) {
    return 0;
  }
  size_t from = at[g0];
  /* A mobile: 11 digits from 1, however grouped (86 written without +
   * before it, too). */
  if (main_end == len) {
    if (nd - from == 11 && d[from] == '1') {
      memcpy(out, d + from, 11);
      out[11] = '\0';
      return 11;
    }
    if (nd - from == 13 && memcmp(d + from, "861", 3) == 0) {
      memcpy(out, d + from + 2, 11);
      out[11] = '\0';
      return 11;
    }
  }
  if (g0 == 1 || from > 0)
    return 0; /* a landline with a country code: not a form we store */

  /* A landline: [area] local [ext]. */
  size_t g = 0, area = 0, local_from = 0;
  if (d[0] == '0') {
    if (ng >= 2 && (gl[0] == 3 || gl[0] == 4)) {
      area = gl[0];
      g = 1;
      local_from = at[1];
    } else {
      /* Written together: 010 and 020-029 have three digits, every
       * other area code four. */
      area = d[1] == '1' || d[1] == '2' ? 3 : 4;
      if (gl[0] <= area)
        return 0;
      local_from = area;
      g = 0;
    }
  }
  /* The local number: whole groups until it has 7 digits. */
  size_t local_end = local_from;
  while (g < ng && local_end - local_from < 7)
    local_end = at[++g];
  size_t local = local_end - local_from;
  if (local < 7 || local > 8 || d[local_from] < '2')
    return 0;
  /* One more group is the extension, when no mark gave one. */
  if (g < ng) {
    if (g + 1 != ng || main_end < len || gl[g] > 6)
      return 0;
    ext_at = 0;
    ext_len = gl[g];
  }
  if (area == 3 && !(d[1] == '1' && d[2] == '0') && d[1] != '2')
    return 0;
  if (area == 4 && d[1] < '3')
    return 0;
  size_t n = 0;
  if (area) {
    memcpy(out, d, area);
    n = area;
    out[n++] = '-';
  }
  memcpy(out + n, d + local_from, local);
  n += local;
  if (ext_len) {
    out[n++] = '-';
    memcpy(out + n, ext_at ? s + ext_at : d + at[g], ext_len);
    n += ext_len;
  }
  out[n] = '\0';
  return n;
}

/* ---- vocabularies ---- */

/* The vocabulary value s[0..n) stands for, or NULL. */
static const char *vocab_value(const zb_field_desc *fd, const char *s, size_t n) {
  const char *const *vocab = fd->vocab;
  if (!vocab)
    return NULL;
  for (int i = 0; vocab[i]; i++)
    if (vocab[i][0] == s[0] && strncmp(vocab[i], s, n) == 0 && vocab[i][n] == '\0')
      return vocab[i];
  for (const zb_vocab_alias *a = fd->vocab_aliases; a && a->alias; a++)
    if (strlen(a->alias) == n && memcmp(a->alias, s, n) == 0)
      return a->value;
  if (fd->vocab_suffix) {
    size_t sl = strlen(fd->vocab_suffix);
    for (int i = 0; vocab[i]; i++) {
      size_t vl = strlen(vocab[i]);
      if (vl == n + sl && memcmp(vocab[i], s, n) == 0 &&
          memcmp(vocab[i] + n, fd->vocab_suffix, sl) == 0)
        return vocab[i];
    }
  }
  for (int i = 0; vocab[i]; i++)
    if (eq_nocase(s, n, vocab[i]))
      return vocab[i];
  return NULL;
}

/* ---- fields ---- */

size_t zb_norm_field(const zb_field_desc *fd, const char *in, size_t len,
                     char out[ZB_FIELD_MAX + 1]) {
  if (len > ZB_FIELD_MAX)
    len = ZB_FIELD_MAX;
  /* Blanks can only be there if the value starts or ends with a byte of
   * one (space, TAB, U+3000 = E3 80 80). */
  size_t start = 0, n = len;
  if (len > 0 && (in[0] == ' ' || in[0] == '\t' || (unsigned char)in[0] == 0xE3 ||
                  in[len - 1] == ' ' || in[len - 1] == '\t' ||
                  (unsigned char)in[len - 1] == 0x80))
    n = zb_utf8_trim(in, len, &start);
  const char *t = in + start;
  char folded[ZB_FIELD_MAX + 1], made[ZB_FIELD_MAX + 1];
  bool fix_x = false;
  switch (fd->type) {
  case ZB_FT_ID:
  case ZB_FT_DATE:
  case ZB_FT_MONTH:
  case ZB_FT_FEN:
  case ZB_FT_PHONE:
  case ZB_FT_ID_NUMBER:
  case ZB_FT_ORG_CODE:
  case ZB_FT_COUNT:
    /* Digits and letters typed with a Chinese input method. */
    if (zb_utf8_has_fullwidth(t, n)) {
      n = zb_utf8_fold_fullwidth(t, n, folded);
      t = folded + 0;
      size_t s2;
      n = zb_utf8_trim(t, n, &s2);
      t += s2;
    }
    break;
  default:
    break;
  }
  switch (fd->type) {
  case ZB_FT_ID_NUMBER:
    fix_x = n == 18 && t[17] == 'x';
    break;
  case ZB_FT_DATE:
    if (!(n == 10 && t[4] == '-' && t[7] == '-') &&
        zb_date_reshape(t, n, made) == ZB_DATE_FORM_DAY) {
      t = made;
      n = 10;
    }
    break;
  case ZB_FT_MONTH:
    /* 2026/5, 2026年5月, 202605 → 2026-05 (a whole date stays as it is,
     * for the rule to refuse). */
    if (!(n == 7 && t[4] == '-') && zb_date_reshape(t, n, made) == ZB_DATE_FORM_MONTH) {
      t = made;
      n = 7;
    }
    break;
  case ZB_FT_PHONE: {
    bool plain = n == 11 && t[0] == '1';
    for (size_t i = 0; plain && i < n; i++)
      plain = is_digit(t[i]);
    size_t m = plain ? 0 : zb_norm_phone(t, n, made);
    if (m > 0) {
      t = made;
      n = m;
    }
    break;
  }
  case ZB_FT_VOCAB: {
    const char *v = n > 0 ? vocab_value(fd, t, n) : NULL;
    if (v) {
      t = v;
      n = strlen(v);
    }
    break;
  }
  default:
    break;
  }
  if (n > ZB_FIELD_MAX)
    n = ZB_FIELD_MAX;   /* cannot happen: nothing above grows past it */
  if (t != out)
    memmove(out, t, n);
  out[n] = '\0';
  if (fix_x)
    out[17] = 'X';
  return n;
}

void zb_norm_record(const zb_kind_desc *kd, zb_value *v) {
  for (int f = 0; f < kd->nfields; f++)
    zb_norm_field(&kd->fields[f], v[f], strnlen(v[f], ZB_FIELD_MAX), v[f]);
}
