/*
 * zb_why.c — refusal reasons in words (zb_why.h).
 */
#include "zb_why.h"

#include <stdio.h>
#include <string.h>

#include "zb_kind.h"
#include "zb_msg.h"
#include "zb_record.h"

/* The catalogue's template for key in one language, or NULL when it has
 * no such key. */
static const char *tmpl(const char *key, bool zh) {
  return zb_msg_has(key) ? zb_msg_lang(key, zh) : NULL;
}

/* The values of vocab as "a、b或c" / "a, b or c". */
static void vocab_words(const char *const *vocab, bool zh, char *out, size_t cap) {
  size_t used = 0;
  out[0] = '\0';
  for (int i = 0; vocab[i] != NULL && used < cap; i++) {
    const char *sep = i == 0 ? "" : vocab[i + 1] == NULL ? (zh ? "或" : " or ") : (zh ? "、" : ", ");
    int n = snprintf(out + used, cap - used, "%s%s", sep, vocab[i]);
    if (n < 0)
      break;
    used += (size_t)n;
  }
}

/* A kind, or a kind of fact (a meeting's attendance), by name. */
static const zb_kind_desc *find_kind(const char *name, size_t len) {
  const zb_kind_desc *kd = zb_kind_by_name(name, len);
  for (int k = 0; !kd && zb_kinds[k]; k++)
    for (int i = 0; !kd && i < zb_kinds[k]->nfacts; i++) {
      const zb_kind_desc *fk = zb_kinds[k]->facts[i];
      if (strlen(fk->name) == len && memcmp(fk->name, name, len) == 0)
        kd = fk;
    }
  return kd;
}

/* A reference (the text after RS) in words into out; false when it names
 * nothing this version knows. */
static bool ref_words(const char *ref, bool zh, char *out, size_t cap) {
  size_t klen = strcspn(ref, ".:");
  const zb_kind_desc *kd = find_kind(ref, klen);
  if (!kd)
    return false;
  const char *rest = ref + klen;
  if (*rest == '\0') {
    snprintf(out, cap, "%s", zh ? kd->zh : kd->name);
    return true;
  }
  if (*rest == ':') {
    const zb_act_desc *ad = zb_kind_act(kd, rest + 1);
    if (!ad)
      return false;
    if (zh)
      snprintf(out, cap, "%s", ad->zh);
    else
      snprintf(out, cap, "%s (%s)", ad->name, ad->zh);
    return true;
  }
  rest++;
  size_t flen = strcspn(rest, "=");
  bool vocab = rest[flen] == '=';
  if (vocab && rest[flen + 1] != '\0')
    return false;
  int f = zb_kind_field(kd, rest, flen);
  if (f < 0)
    return false;
  const zb_field_desc *fd = &kd->fields[f];
  if (!vocab) {
    snprintf(out, cap, "%s", zh ? fd->zh : fd->name);
    return true;
  }
  if (!fd->vocab)
    return false;
  if (fd->vocab == zb_ethnicities && fd->vocab_desc) {
    const char *t = tmpl("why.vocab_ethnic", zh);
    snprintf(out, cap, "%s", t ? t : fd->vocab_desc);
  } else if (fd->vocab_desc && !zh) {
    snprintf(out, cap, "%s", fd->vocab_desc);
  } else {
    vocab_words(fd->vocab, zh, out, cap);
  }
  return true;
}

/* "key: arg, arg", plain. */
static void raw(const zb_reason_parts *p, char *out, size_t cap) {
  size_t o = 0;
  char tmp[ZB_REASON_MAX + 64];
  int n = snprintf(tmp, sizeof tmp, "%s", p->key);
  o = n > 0 ? (size_t)n : 0;
  for (int i = 0; i < p->nargs && o < sizeof tmp; i++) {
    const char *a = p->arg[i];
    if (*a == ZB_REASON_RS)
      a++;
    n = snprintf(tmp + o, sizeof tmp - o, "%s%s", i ? ", " : ": ", a);
    if (n < 0)
      break;
    o += (size_t)n;
  }
  if (o >= sizeof tmp)
    o = sizeof tmp - 1;
  zb_reason_plain(tmp, o, out, cap);
}

static void render_one(const char *s, size_t len, bool zh, char *out, size_t cap) {
  zb_reason_parts p;   /* words below may hold a nested reason's words */
  if (!zb_reason_decode(s, len, &p)) {
    zb_reason_plain(s, len, out, cap);
    return;
  }
  const char *t = tmpl(p.key, zh);
  if (!t) {
    raw(&p, out, cap);
    return;
  }
  char words[ZB_REASON_ARGS_MAX][1024];
  const char *args[ZB_REASON_ARGS_MAX];
  for (int i = 0; i < p.nargs; i++) {
    args[i] = p.arg[i];
    if (p.arg[i][0] == ZB_REASON_FS) {
      /* A nested reason (decode checked it, one level deep). */
      char inner[ZB_REASON_MAX + 1];
      size_t n = strlen(p.arg[i] + 1);
      memcpy(inner, p.arg[i] + 1, n + 1);
      for (size_t k = 0; k < n; k++)
        if (inner[k] == ZB_REASON_FS)
          inner[k] = ZB_REASON_US;
      render_one(inner, n, zh, words[i], sizeof words[i]);
      args[i] = words[i];
    } else if (p.arg[i][0] == ZB_REASON_RS) {
      /* Known: its words; unknown: the name as it came (checked text). */
      args[i] = ref_words(p.arg[i] + 1, zh, words[i], sizeof words[i]) ? words[i] : p.arg[i] + 1;
    }
  }
  if (zb_reason_fill(t, args, p.nargs, out, cap) != 0)
    raw(&p, out, cap);
}

const char *zb_why_render(const char *reason, bool zh, char *out, size_t cap) {
  if (cap == 0)
    return out;
  out[0] = '\0';
  if (!reason)
    return out;
  size_t len = strnlen(reason, ZB_WHY_TEXT_MAX);
  const char *gs = memchr(reason, ZB_REASON_GS, len);
  if (!gs) {
    render_one(reason, len, zh, out, cap);
    return out;
  }
  char r[ZB_WHY_TEXT_MAX], v[ZB_WHY_TEXT_MAX];
  render_one(reason, (size_t)(gs - reason), zh, r, sizeof r);
  zb_reason_plain(gs + 1, len - (size_t)(gs - reason) - 1, v, sizeof v);
  const char *t = tmpl("why.with_value", zh);
  const char *args[2] = {r, v};
  if (!t || zb_reason_fill(t, args, 2, out, cap) != 0)
    snprintf(out, cap, "%s (\"%s\")", r, v);
  return out;
}

const char *zb_why_text(const char *reason, char *out, size_t cap) {
  return zb_why_render(reason, zb_lang_is_zh(), out, cap);
}

void zb_why_code(const char *reason, char key[ZB_REASON_KEY_MAX + 1]) {
  zb_reason_parts p;
  key[0] = '\0';
  if (reason) {
    size_t len = strnlen(reason, ZB_WHY_TEXT_MAX);
    const char *gs = memchr(reason, ZB_REASON_GS, len);
    if (gs)
      len = (size_t)(gs - reason);
    if (zb_reason_decode(reason, len, &p))
      memcpy(key, p.key, sizeof p.key);
  }
}

const char *zb_why_text_en(const char *reason, char *out, size_t cap) {
  return zb_why_render(reason, false, out, cap);
}
