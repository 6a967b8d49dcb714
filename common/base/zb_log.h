/*
 * zb_log.h — diagnostics on stderr.
 *
 * One line per message, prefixed with the program name ("zhibu-node: ").
 * Never pass personal data (names, ID numbers, phones) to these
 * (docs/RECORDS.md, personal data).  Debug lines appear only when ZHIBU_DEBUG is set.
 */
#ifndef ZB_LOG_H
#define ZB_LOG_H

/* Sets the prefix (static string) and whether warnings are shown. */
void zb_log_init(const char *progname);
const char *zb_log_progname(void);

void zb_log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void zb_log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void zb_log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void zb_log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
