/*
 * zb_msg.h — the one message catalogue: what the programs say to people,
 * in Chinese (the default) and English (docs/DESIGN-NOTES.md,
 * "Language").  Each entry is {key, zh, en} in cli/zb_msgs.c; a key not in
 * the catalogue is text already in the right language (a kind's label, a
 * generated line) and is returned as it is.  --json keys never go through
 * here: they are stable English.
 *
 * The lookup and the language choice live in base/ so that every layer
 * can word what it prints for people — a report's table (records/,
 * replica/), a sync's failure reason (net/) — through the same table; the
 * table itself is data, defined once in cli/zb_msgs.c with the rest of
 * the command line's texts.
 */
#ifndef ZB_MSG_H
#define ZB_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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
/* The words for an error code (zb_err.h) in the current language: the
 * catalogue's entry named like the code ("ZB_EUNREACH"), else
 * zb_strerror's English. */
const char *zb_msg_err(int code);
/* A vocabulary value (a record's Chinese word: 去世, 支部党员大会) as a
 * report shows it: itself in Chinese; in English the catalogue's
 * "vocab.VALUE" when there is one, else itself. */
const char *zb_msg_vocab(const char *value);
/* A length of time for people, in the current language and the unit that
 * suits it: "约 3 年", "5 天", "2 小时 5 分钟", "4 分钟", "30 秒" /
 * "about 3 years", "5 days", "2 h 5 min", "4 min", "30 s". */
void zb_msg_duration(uint64_t ms, char *out, size_t cap);

#endif
