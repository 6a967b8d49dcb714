/*
 * zb_log.h — diagnostics on stderr.
 *
 * One line per message, prefixed with the program name ("zhibu-node: "),
 * plain text (no colours), so that a log file or the journal reads one
 * event per line.  When stderr is the systemd journal (JOURNAL_STREAM
 * names stderr's device and inode, as systemd sets it for a service), the
 * prefix is the message's priority instead, "<3>" error, "<4>" warning,
 * "<6>" info, "<7>" debug (sd-daemon(3)): the journal adds the program's
 * name itself and `journalctl -p warning` finds the failures.
 * Never pass personal data (names, ID numbers, phones) to these
 * (docs/RECORDS.md, personal data).  Debug lines appear only when ZHIBU_DEBUG is set.
 */
#ifndef ZB_LOG_H
#define ZB_LOG_H

/* Sets the prefix (static string), whether debug lines are shown and
 * whether stderr is the journal. */
void zb_log_init(const char *progname);
const char *zb_log_progname(void);

void zb_log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void zb_log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void zb_log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void zb_log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
