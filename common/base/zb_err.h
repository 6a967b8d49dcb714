/*
 * zb_err.h — error codes of libzhibu.
 *
 * Every fallible function returns 0 on success or a negative ZB_E* code.
 * The codes are generated from one X-macro together with zb_strerror() and
 * zb_err_name(); never renumber an existing code (scripts and logs see them).
 * zb_exit_code() and zb_sync_exit_code() map a code to a process exit
 * status; nothing else in the project does (README, "Exit codes").
 */
#ifndef ZB_ERR_H
#define ZB_ERR_H

/* X(name, value, exit status, sync exit status, message)
 *
 * exit status: what every command exits with (README, "Exit codes"):
 *   0 ok, 2 usage, 3 invalid input, 4 not found, 5 sync failed, 6 refused
 *   by scope, 1 anything else.
 * sync exit status: what `zhibu-node sync` and `daemon` exit with (README,
 *   "Sync exit codes"): 5 for anything that running the sync again may
 *   cure (unreachable, cut off, a local fault), 6 refused (a bad bundle
 *   too: zb_sync.c turns it into ZB_EREFUSED), 4 no node here or never
 *   enrolled (docs/DESIGN-NOTES.md, "Where this differs"), 2 for a
 *   --server that is not HOST:PORT (a usage error).
 * These two columns are the only place errors become exit statuses. */
#define ZB_ERRNO_MAP(X)                                                        \
  X(EINVAL,    -1,  3, 2, "invalid input")                                     \
  X(ENOMEM,    -2,  1, 5, "out of memory")                                     \
  X(EIO,       -3,  1, 5, "input/output error")                                \
  X(ENOTFOUND, -4,  4, 5, "not found")                                         \
  X(EEXIST,    -5,  3, 5, "already exists")                                    \
  X(EUSAGE,    -6,  2, 5, "usage error")                                       \
  X(ESCOPE,    -7,  6, 5, "outside this node's scope")                         \
  X(EDB,       -8,  1, 5, "database error")                                    \
  X(ECORRUPT,  -9,  1, 5, "stored data failed verification")                   \
  X(ETOOBIG,   -10, 3, 5, "value too large")                                   \
  X(ENOTINIT,  -11, 4, 4, "data directory is not initialised")                 \
  X(ECRYPTO,   -12, 1, 5, "cryptographic library error")                       \
  X(EUNREACH,  -13, 5, 5, "could not reach or finish a sync")                  \
  X(EREFUSED,  -14, 6, 6, "refused by the server")                             \
  X(EPROTO,    -15, 5, 5, "protocol error")                                    \
  X(EBUSY,     -16, 1, 5, "resource busy")                                     \
  X(EMAPFULL,  -17, 1, 5, "database map is full")                            \
  X(EREVOKED,  -18, 6, 6, "this node's certificate is revoked")                \
  X(ERESTORE,  -19, 1, 5, "this PC replaces its node and has not restored it yet") \
  X(ENOSPC,    -20, 1, 5, "the disk is full")                                  \
  X(EACCES,    -21, 1, 5, "permission denied")

enum zb_err {
  ZB_OK = 0,
#define ZB__ERR_ENUM(name, val, exitc, syncexit, msg) ZB_##name = (val),
  ZB_ERRNO_MAP(ZB__ERR_ENUM)
#undef ZB__ERR_ENUM
};

/* A static, human-readable message for code (never NULL). */
const char *zb_strerror(int code);
/* The symbolic name, e.g. "ZB_EINVAL" (never NULL). */
const char *zb_err_name(int code);
/* The process exit status for code (0 for ZB_OK, 1 for an unknown code). */
int zb_exit_code(int code);
/* The exit status of `zhibu-node sync` / `daemon` for code (0 for ZB_OK,
 * 5 for an unknown code). */
int zb_sync_exit_code(int code);

#endif
