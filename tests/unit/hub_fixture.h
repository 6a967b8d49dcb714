/* A hub over a real LMDB store in a temporary directory, with a county, one
 * township and its two branches imported: the fixture of the hub tests
 * (test_hub.c, test_hub_hostile.c).  Include after cmocka.h. */
#ifndef ZB_TEST_HUB_FIXTURE_H
#define ZB_TEST_HUB_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include "zb_err.h"
#include "zb_hub.h"

static char dir[64];
static zb_hub *hub;

static void quiet(void *ctx, const char *file, long line, const char *column, const char *reason) {
  (void)ctx;
  fail_msg("org import: %s:%ld: %s: %s", file, line, column ? column : "", reason);
}

static int setup(void **state) {
  (void)state;
  snprintf(dir, sizeof dir, "/tmp/zb-hub-XXXXXX");
  assert_non_null(mkdtemp(dir));
  char path[128];
  snprintf(path, sizeof path, "%s/orgs.csv", dir);
  FILE *f = fopen(path, "w");
  fputs("code,name,type,parent_code\n430121,县委,committee,\n430121-01,一镇,committee,430121\n"
        "430121-01-01,一支部,branch,430121-01\n430121-01-02,二支部,branch,430121-01\n",
        f);
  fclose(f);
  assert_int_equal(zb_hub_init(dir), 0);
  assert_int_equal(zb_hub_init(dir), ZB_EEXIST);
  assert_int_equal(zb_hub_open(dir, &hub), 0);
  assert_int_equal(zb_hub_org_import(hub, path, quiet, NULL, NULL), 0);
  return 0;
}

static int teardown(void **state) {
  (void)state;
  zb_hub_close(hub);
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
  return system(cmd);
}

#endif
