#include "zb_msg.h"

#include <stdlib.h>
#include <string.h>

#include "zb_why.h"

static bool lang_zh = true;

int zb_lang_decide(const char *lang, bool *zh) {
  if (lang) {
    if (strcmp(lang, "zh") != 0 && strcmp(lang, "en") != 0)
      return -1;
    *zh = strcmp(lang, "zh") == 0;
    return 0;
  }
  static const char *const names[] = {"LC_ALL", "LC_MESSAGES", "LANG"};
  for (size_t i = 0; i < 3; i++) {
    const char *v = getenv(names[i]);
    if (v && *v) {
      *zh = strncmp(v, "en", 2) != 0;
      return 0;
    }
  }
  *zh = true;
  return 0;
}

static const char *why_lookup(const char *key, bool zh);

void zb_lang_init(int argc, char **argv) {
  zb_why_set_catalogue(why_lookup, zb_lang_is_zh);
  const char *lang = NULL;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--") == 0)
      break;
    if (strcmp(argv[i], "--lang") == 0 && i + 1 < argc)
      lang = argv[++i];
    else if (strncmp(argv[i], "--lang=", 7) == 0)
      lang = argv[i] + 7;
  }
  bool zh = true;
  if (zb_lang_decide(lang, &zh) != 0)
    zh = true;
  lang_zh = zh;
}

void zb_lang_set(bool zh) {
  lang_zh = zh;
}

bool zb_lang_is_zh(void) {
  return lang_zh;
}

static const zb_msg_entry *find(const char *key) {
  for (size_t i = 0; i < zb_msgs_count; i++)
    if (strcmp(zb_msgs[i].key, key) == 0)
      return &zb_msgs[i];
  return NULL;
}

const char *zb_msg_lang(const char *key, bool zh) {
  if (!key)
    return "";
  const zb_msg_entry *e = find(key);
  if (!e)
    return key;
  return zh ? e->zh : e->en;
}

const char *zb_msg(const char *key) {
  return zb_msg_lang(key, lang_zh);
}

/* The catalogue as the records layer reads it (zb_why.h). */
static const char *why_lookup(const char *key, bool zh) {
  const zb_msg_entry *e = find(key);
  return e ? (zh ? e->zh : e->en) : NULL;
}

const char *zb_reason_words(const char *reason, char *out, size_t cap) {
  zb_why_set_catalogue(why_lookup, zb_lang_is_zh);
  return zb_why_render(reason, lang_zh, out, cap);
}

const char *zb_reason_words_en(const char *reason, char *out, size_t cap) {
  zb_why_set_catalogue(why_lookup, zb_lang_is_zh);
  return zb_why_render(reason, false, out, cap);
}

bool zb_msg_has(const char *key) {
  return key && find(key) != NULL;
}
