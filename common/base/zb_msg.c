#include "zb_msg.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zb_err.h"

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

void zb_lang_init(int argc, char **argv) {
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

bool zb_msg_has(const char *key) {
  return key && find(key) != NULL;
}

const char *zb_msg_err(int code) {
  const char *name = zb_err_name(code);
  return zb_msg_has(name) ? zb_msg(name) : zb_strerror(code);
}

const char *zb_msg_vocab(const char *value) {
  if (!value || lang_zh)
    return value ? value : "";
  char key[128];
  int n = snprintf(key, sizeof key, "vocab.%s", value);
  if (n < 0 || (size_t)n >= sizeof key)
    return value;
  const zb_msg_entry *e = find(key);
  return e ? e->en : value;
}

void zb_msg_duration(uint64_t ms, char *out, size_t cap) {
  uint64_t sec = ms / 1000, min = sec / 60, h = min / 60, d = h / 24;
  if (d >= 730)
    snprintf(out, cap, zb_msg("sync.span_years"), (unsigned long long)((d + 182) / 365));
  else if (d >= 2)
    snprintf(out, cap, zb_msg("sync.span_days"), (unsigned long long)d);
  else if (h >= 1)
    snprintf(out, cap, zb_msg("sync.span_hours"), (unsigned long long)h,
             (unsigned long long)(min % 60));
  else if (min >= 1)
    snprintf(out, cap, zb_msg("sync.span_minutes"), (unsigned long long)min);
  else
    snprintf(out, cap, zb_msg("sync.span_seconds"), (unsigned long long)sec);
}
