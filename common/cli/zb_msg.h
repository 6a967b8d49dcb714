/*
 * zb_msg.h — the one message catalogue: what the command line says to
 * people, in Chinese (the default) and English (docs/DESIGN-NOTES.md,
 * "Language").  Each entry is {key, zh, en} in zb_msgs.c; a key not in the
 * catalogue is text already in the right language (a kind's label, a
 * generated line) and is returned as it is.  --json keys never go through
 * here: they are stable English.
 */
#ifndef ZB_MSG_H
#define ZB_MSG_H

#include <stdbool.h>
#include <stddef.h>

typedef struct zb_msg_entry {
  const char *key;   /* "node.init", "err.unknown_command" */
  const char *zh;
  const char *en;
} zb_msg_entry;

extern const zb_msg_entry zb_msgs[];
extern const size_t zb_msgs_count;

/* The language rule, the same for what is printed and for files (--csv,
 * --xlsx): lang ("zh" or "en", from --lang) when given, else English when
 * the locale (LC_ALL, LC_MESSAGES, LANG: the first that is set and not
 * empty) starts with "en", else Chinese.  Returns -1 for another lang
 * (the caller reports it), else 0 with *zh set. */
int zb_lang_decide(const char *lang, bool *zh);
/* Sets the language for zb_msg from argv (--lang VALUE or --lang=VALUE
 * before a "--") and the locale; a bad --lang leaves Chinese, for the
 * dispatcher to report.  Call first in main(). */
void zb_lang_init(int argc, char **argv);
void zb_lang_set(bool zh);
bool zb_lang_is_zh(void);

/* The text of key in the current language; key itself when the
 * catalogue has no such entry. */
const char *zb_msg(const char *key);
/* The same in a chosen language. */
const char *zb_msg_lang(const char *key, bool zh);
/* Whether the catalogue holds key. */
bool zb_msg_has(const char *key);

/* A refusal reason (coded, zb_reason.h, or plain) in words in the current
 * language / in English (for --json), into out (ZB_WHY_TEXT_MAX bytes
 * hold any); returns out. */
const char *zb_reason_words(const char *reason, char *out, size_t cap);
const char *zb_reason_words_en(const char *reason, char *out, size_t cap);

#endif
