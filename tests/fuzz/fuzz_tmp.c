/* fuzz_tmp.c — see fuzz_tmp.h. */
#include "fuzz_tmp.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char tmpdir[512];

static void remove_tmpdir(void) {
  if (tmpdir[0])
    fz_rmtree(tmpdir);
}

const char *fz_tmpdir(const char *prefix) {
  if (tmpdir[0])
    return tmpdir;
  const char *base = getenv("TMPDIR");
  if (!base || !*base)
    base = "/tmp";
  snprintf(tmpdir, sizeof tmpdir, "%s/%s-XXXXXX", base, prefix);
  if (!mkdtemp(tmpdir)) {
    perror(tmpdir);
    abort();
  }
  atexit(remove_tmpdir);
  return tmpdir;
}

int fz_rmtree(const char *dir) {
  DIR *d = opendir(dir);
  if (!d)
    return -1;
  struct dirent *e;
  int rc = 0;
  while ((e = readdir(d)) != NULL) {
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
      continue;
    char path[1024];
    struct stat st;
    snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
    if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode))
      rc |= fz_rmtree(path);
    else if (unlink(path) != 0)
      rc = -1;
  }
  closedir(d);
  if (rmdir(dir) != 0)
    rc = -1;
  return rc;
}

void fz_write_file(const char *path, const char *text) {
  FILE *f = fopen(path, "w");
  if (!f || fputs(text, f) < 0 || fclose(f) != 0) {
    perror(path);
    abort();
  }
}
