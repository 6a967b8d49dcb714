/*
 * zb_err.h — error codes of libzhibu.
 *
 * Every fallible function returns 0 on success or a negative ZB_E* code.
 * The codes are generated from one X-macro together with zb_strerror() and
 * zb_err_name(); never renumber an existing code (scripts and logs see them).
 * zb_exit_code() maps a code to the process exit status of DESIGN.md §7.
 */
#ifndef ZB_ERR_H
#define ZB_ERR_H

/* X(name, value, exit status, message) */
#define ZB_ERRNO_MAP(X)                                                        \
  X(EINVAL,    -1,  3, "invalid input")                                        \
  X(ENOMEM,    -2,  1, "out of memory")                                        \
  X(EIO,       -3,  1, "input/output error")                                   \
  X(ENOTFOUND, -4,  4, "not found")                                            \
  X(EEXIST,    -5,  3, "already exists")                                       \
  X(EUSAGE,    -6,  2, "usage error")                                          \
  X(ESCOPE,    -7,  6, "outside this node's scope")                            \
  X(EDB,       -8,  1, "database error")                                       \
  X(ECORRUPT,  -9,  1, "stored data failed verification")                      \
  X(ETOOBIG,   -10, 3, "value too large")                                      \
  X(ENOTINIT,  -11, 4, "data directory is not initialised")                    \
  X(ECRYPTO,   -12, 1, "cryptographic library error")                          \
  X(EUNREACH,  -13, 5, "could not reach or finish a sync")                     \
  X(EREFUSED,  -14, 6, "refused by the server")                                \
  X(EPROTO,    -15, 5, "protocol error")                                       \
  X(EBUSY,     -16, 1, "resource busy")                                      \
  X(EMAPFULL,  -17, 1, "database map is full")

enum zb_err {
  ZB_OK = 0,
#define ZB__ERR_ENUM(name, val, exitc, msg) ZB_##name = (val),
  ZB_ERRNO_MAP(ZB__ERR_ENUM)
#undef ZB__ERR_ENUM
};

/* A static, human-readable message for code (never NULL). */
const char *zb_strerror(int code);
/* The symbolic name, e.g. "ZB_EINVAL" (never NULL). */
const char *zb_err_name(int code);
/* The process exit status of DESIGN.md §7 for code (0 for ZB_OK). */
int zb_exit_code(int code);

#endif
