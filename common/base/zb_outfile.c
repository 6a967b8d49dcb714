/* Messages for files that cannot be written (zb_outfile.h). */
#include "zb_outfile.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "zb_err.h"
#include "zb_log.h"

/* The folder path goes in ("." for a bare name). */
static void parent_of(const char *path, char *out, size_t cap) {
  const char *slash = strrchr(path, '/');
  if (!slash)
    snprintf(out, cap, ".");
  else if (slash == path)
    snprintf(out, cap, "/");
  else
    snprintf(out, cap, "%.*s", (int)(slash - path), path);
}

int zb_outfile_fail(const char *opt, const char *path, int e) {
  char dir[PATH_MAX];
  parent_of(path, dir, sizeof dir);
  switch (e) {
  case ENOENT:
  case ENOTDIR:
    zb_log_error("%s: 上级目录不存在 (no such folder): cannot write %s, because the folder %s "
                 "does not exist; create it first, or choose another place", opt, path, dir);
    return ZB_ENOTFOUND;
  case EACCES:
  case EPERM:
  case EROFS:
    zb_log_error("%s: 权限不足 (permission denied): cannot write %s: this user may not write in "
                 "%s; choose another place, or fix its permissions (ls -ld %s)", opt, path, dir,
                 dir);
    return ZB_EACCES;
  case ENOSPC:
  case EDQUOT:
    zb_log_error("%s: 磁盘已满 (disk full): cannot write %s; free space on that disk, or "
                 "choose another place", opt, path);
    return ZB_ENOSPC;
  default:
    zb_log_error("%s: cannot write %s: %s", opt, path, strerror(e));
    return ZB_EIO;
  }
}

int zb_outfile_check(const char *opt, const char *path) {
  char dir[PATH_MAX];
  struct stat st;
  parent_of(path, dir, sizeof dir);
  if (stat(dir, &st) != 0)
    return zb_outfile_fail(opt, path, errno);
  if (!S_ISDIR(st.st_mode))
    return zb_outfile_fail(opt, path, ENOTDIR);
  if (access(dir, W_OK | X_OK) != 0)
    return zb_outfile_fail(opt, path, errno);
  return 0;
}
