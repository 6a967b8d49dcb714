/*
 * replay_main.c — runs a libFuzzer target without libFuzzer, for ctest.
 *
 * Linked with one fuzz_*.c file in the normal (gcc, ASan+UBSan) build.
 * Every argument is a file or a directory (whose regular files are run in
 * name order, not recursively); a missing argument is skipped, so that an
 * empty crasher directory need not exist.  Calls LLVMFuzzerInitialize
 * first if the target defines it.  A crash or a sanitizer report fails the
 * run, as a fuzzer would; otherwise it prints how many inputs it ran and
 * exits 0 — unless it ran none, which is a broken corpus and exits 1.
 */
#include <dirent.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
__attribute__((weak)) int LLVMFuzzerInitialize(int *argc, char ***argv);

static long ran;

static int run_file(const char *path) {
  FILE *f = fopen(path, "rb");
  if (f == NULL) {
    fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
    return -1;
  }
  size_t cap = 4096, len = 0;
  uint8_t *buf = malloc(cap);
  for (;;) {
    if (buf == NULL) {
      fprintf(stderr, "replay: out of memory\n");
      fclose(f);
      return -1;
    }
    len += fread(buf + len, 1, cap - len, f);
    if (len < cap)
      break;
    uint8_t *nbuf = realloc(buf, cap * 2);
    if (nbuf == NULL)
      free(buf);
    buf = nbuf;
    cap *= 2;
  }
  int bad = ferror(f);
  fclose(f);
  if (bad) {
    fprintf(stderr, "replay: %s: read error\n", path);
    free(buf);
    return -1;
  }
  /* An exact-size copy, so that ASan sees a read past the input's end. */
  uint8_t *copy = malloc(len ? len : 1);
  if (copy == NULL) {
    free(buf);
    return -1;
  }
  memcpy(copy, buf, len);
  free(buf);
  if (getenv("ZB_REPLAY_VERBOSE"))
    fprintf(stderr, "replay: %s (%zu bytes)\n", path, len);
  LLVMFuzzerTestOneInput(copy, len);
  free(copy);
  ran++;
  return 0;
}

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static int run_dir(const char *path) {
  DIR *d = opendir(path);
  if (d == NULL) {
    fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
    return -1;
  }
  char **names = NULL;
  size_t n = 0, cap = 0;
  struct dirent *e;
  int rc = 0;
  while ((e = readdir(d)) != NULL) {
    if (e->d_name[0] == '.')
      continue;   /* also skips .gitkeep */
    if (n == cap) {
      cap = cap ? cap * 2 : 64;
      char **nn = realloc(names, cap * sizeof *names);
      if (nn == NULL) {
        rc = -1;
        break;
      }
      names = nn;
    }
    size_t len = strlen(path) + strlen(e->d_name) + 2;
    if ((names[n] = malloc(len)) == NULL) {
      rc = -1;
      break;
    }
    snprintf(names[n++], len, "%s/%s", path, e->d_name);
  }
  closedir(d);
  if (n > 1)
    qsort(names, n, sizeof *names, cmp_str);
  for (size_t i = 0; i < n; i++) {
    struct stat st;
    if (rc == 0 && stat(names[i], &st) == 0 && S_ISREG(st.st_mode))
      rc = run_file(names[i]);
    free(names[i]);
  }
  free(names);
  return rc;
}

int main(int argc, char **argv) {
  if (LLVMFuzzerInitialize)
    LLVMFuzzerInitialize(&argc, &argv);
  for (int i = 1; i < argc; i++) {
    struct stat st;
    if (stat(argv[i], &st) != 0) {
      fprintf(stderr, "replay: %s: absent, skipped\n", argv[i]);
      continue;
    }
    int rc = S_ISDIR(st.st_mode) ? run_dir(argv[i]) : run_file(argv[i]);
    if (rc)
      return 1;
  }
  printf("replay: ran %ld inputs\n", ran);
  return ran > 0 ? 0 : 1;
}
