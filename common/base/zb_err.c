#include "zb_err.h"

const char *zb_strerror(int code) {
  switch (code) {
  case ZB_OK: return "success";
#define ZB__ERR_MSG(name, val, exitc, syncexit, msg) case ZB_##name: return msg;
  ZB_ERRNO_MAP(ZB__ERR_MSG)
#undef ZB__ERR_MSG
  }
  return "unknown error";
}

const char *zb_err_name(int code) {
  switch (code) {
  case ZB_OK: return "ZB_OK";
#define ZB__ERR_NAME(name, val, exitc, syncexit, msg) case ZB_##name: return "ZB_" #name;
  ZB_ERRNO_MAP(ZB__ERR_NAME)
#undef ZB__ERR_NAME
  }
  return "ZB_UNKNOWN";
}

int zb_exit_code(int code) {
  switch (code) {
  case ZB_OK: return 0;
#define ZB__ERR_EXIT(name, val, exitc, syncexit, msg) case ZB_##name: return exitc;
  ZB_ERRNO_MAP(ZB__ERR_EXIT)
#undef ZB__ERR_EXIT
  }
  return 1;
}

int zb_sync_exit_code(int code) {
  switch (code) {
  case ZB_OK: return 0;
#define ZB__ERR_SYNC(name, val, exitc, syncexit, msg) case ZB_##name: return syncexit;
  ZB_ERRNO_MAP(ZB__ERR_SYNC)
#undef ZB__ERR_SYNC
  }
  return 5;
}
