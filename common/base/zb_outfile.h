/*
 * zb_outfile.h — one wording for a file a command cannot write (an
 * export, a workbook, a bundle): Chinese first, then the English detail
 * and the fix (README, "When something goes wrong").
 */
#ifndef ZB_OUTFILE_H
#define ZB_OUTFILE_H

/* Before writing path (opt names the option or command, for the message):
 * whether the folder it goes in exists and this user may write in it.  0;
 * or, logged, ZB_ENOTFOUND (no such folder) or ZB_EACCES. */
int zb_outfile_check(const char *opt, const char *path);

/* Logs why path could not be written, from errno value e (ENOENT: the
 * folder does not exist; EACCES, EPERM, EROFS: permission; ENOSPC, EDQUOT:
 * the disk is full), and returns the matching ZB_E* code (ZB_EIO for the
 * rest). */
int zb_outfile_fail(const char *opt, const char *path, int e);

#endif
