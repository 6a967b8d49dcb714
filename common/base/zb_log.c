#include "zb_log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *progname = "zhibu";
static int debug = -1;
static int journal;

/* systemd sets JOURNAL_STREAM=DEV:INO for a service whose stderr goes to
 * the journal; a child whose stderr was redirected elsewhere inherits the
 * variable, so it counts only when it names stderr itself. */
static int stderr_is_journal(void) {
  const char *js = getenv("JOURNAL_STREAM");
  unsigned long long dev, ino;
  struct stat st;
  if (!js || sscanf(js, "%llu:%llu", &dev, &ino) != 2 || fstat(STDERR_FILENO, &st))
    return 0;
  return (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}

void zb_log_init(const char *name) {
  progname = name;
  debug = getenv("ZHIBU_DEBUG") != NULL;
  journal = stderr_is_journal();
}

const char *zb_log_progname(void) { return progname; }

static void vlog(int priority, const char *level, const char *fmt, va_list ap) {
  char line[2048];
  vsnprintf(line, sizeof line, fmt, ap);
  /* A message is one line: an embedded newline would split it into two
   * journal entries (and a log reader's grep). */
  for (char *p = line; *p; p++)
    if (*p == '\n' || *p == '\r')
      *p = ' ';
  /* One fprintf per line so that concurrent writers do not interleave. */
  if (journal)
    fprintf(stderr, "<%d>%s%s\n", priority, level, line);
  else
    fprintf(stderr, "%s: %s%s\n", progname, level, line);
}

void zb_log_error(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vlog(3, "", fmt, ap);
  va_end(ap);
}

void zb_log_warn(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vlog(4, "warning: ", fmt, ap);
  va_end(ap);
}

void zb_log_info(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vlog(6, "", fmt, ap);
  va_end(ap);
}

void zb_log_debug(const char *fmt, ...) {
  if (debug < 0)
    debug = getenv("ZHIBU_DEBUG") != NULL;
  if (!debug)
    return;
  va_list ap;
  va_start(ap, fmt);
  vlog(7, "debug: ", fmt, ap);
  va_end(ap);
}
