/*
 * fuzz_tmp.h — a private temporary directory for a fuzz target's stores:
 * created on first use under $TMPDIR (or /tmp), removed at exit.
 */
#ifndef ZB_FUZZ_TMP_H
#define ZB_FUZZ_TMP_H

#include <stdio.h>

/* The directory (created on first call; aborts if it cannot be).  prefix
 * names it, e.g. "zb-fuzz-push". */
const char *fz_tmpdir(const char *prefix);
/* Removes dir and everything in it (directories nest at most 2 deep
 * here).  0 or -1. */
int fz_rmtree(const char *dir);
/* Writes text to path, aborting on failure. */
void fz_write_file(const char *path, const char *text);

#endif
