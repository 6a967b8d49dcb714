#include "zb_log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

static const char *progname = "zhibu";
static int debug = -1;

void zb_log_init(const char *name) {
  progname = name;
  debug = getenv("ZHIBU_DEBUG") != NULL;
}

const char *zb_log_progname(void) { return progname; }

static void vlog(const char *level, const char *fmt, va_list ap) {
  char line[2048];
  vsnprintf(line, sizeof line, fmt, ap);
  /* One fputs per line so that concurrent writers do not interleave. */
  fprintf(stderr, "%s: %s%s\n", progname, level, line);
}

void zb_log_error(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vlog("", fmt, ap);
  va_end(ap);
}

void zb_log_warn(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vlog("warning: ", fmt, ap);
  va_end(ap);
}

void zb_log_info(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vlog("", fmt, ap);
  va_end(ap);
}

void zb_log_debug(const char *fmt, ...) {
  if (debug < 0)
    debug = getenv("ZHIBU_DEBUG") != NULL;
  if (!debug)
    return;
  va_list ap;
  va_start(ap, fmt);
  vlog("debug: ", fmt, ap);
  va_end(ap);
}
