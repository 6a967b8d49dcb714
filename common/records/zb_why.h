/*
 * zb_why.h — a refusal reason (zb_reason.h) in words, in Chinese or
 * English, at the moment a person reads it (docs/DESIGN-NOTES.md,
 * "Language").  The templates are the message catalogue's (base/zb_msg.h,
 * its entries in common/cli/zb_msgs.c), in the language zb_lang_init set; the
 * references in args (a kind, a field, an act, a vocabulary) are put in
 * words from the kind descriptors: the Chinese label in Chinese, the
 * stable English name in English.
 */
#ifndef ZB_WHY_H
#define ZB_WHY_H

#include <stdbool.h>
#include <stddef.h>

#include "zb_reason.h"

/* Room enough for any reason in words (a vocabulary of 56 values is
 * longest). */
#define ZB_WHY_TEXT_MAX 2048

/* reason (coded or plain, from anywhere: this process, a peer, a log
 * written by an earlier version) in words in zh / en, into out.  A plain
 * reason is shown sanitised; a coded one whose key the catalogue lacks,
 * or whose args do not fit its template, as "key: arg, arg" sanitised.
 * "REASON GS VALUE" gets the value after it.  Returns out. */
const char *zb_why_render(const char *reason, bool zh, char *out, size_t cap);
/* The same in the current language (zb_lang_init), and in English (for
 * --json: "reason" is English words, "reason_code" the key). */
const char *zb_why_text(const char *reason, char *out, size_t cap);
const char *zb_why_text_en(const char *reason, char *out, size_t cap);
/* The key of a coded reason into key, or "" for a plain one. */
void zb_why_code(const char *reason, char key[ZB_REASON_KEY_MAX + 1]);

#endif
