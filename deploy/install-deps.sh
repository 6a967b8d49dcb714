#!/usr/bin/env bash
# Installs the Debian packages Zhibu needs to build, run and test — only the
# ones that are missing, so a machine that has them all is left alone.
# Run as root, or as a user with sudo.
set -euo pipefail

PACKAGES=(
  build-essential cmake pkg-config   # compiler and build
  liblmdb-dev lmdb-utils             # the embedded store (+ mdb_dump/mdb_load for tests)
  libprotobuf-c-dev protobuf-c-compiler  # ops and wire frames
  libssl-dev                         # SHA-256 now, mutual TLS for sync
  libuv1-dev                         # the sync event loop
  libcsv-dev                         # RFC 4180 CSV parsing
  libzstd-dev                        # compression of sync batches
  libjansson-dev                     # JSON output
  libutf8proc-dev                    # terminal widths of CJK text (tables line up); Unicode tables we need not keep
  libmicrohttpd-dev                  # the dashboard's HTTPS server (zhibu-server run --http): no hand-written HTTP parser
  chromium fonts-wqy-microhei        # tests: a real browser opens the dashboard (and its CJK glyphs in the screenshot)
  libzip-dev libexpat1-dev           # xlsx workbooks read: the zip archive, its XML parts
  libxlsxwriter-dev                  # xlsx workbooks written (member list --xlsx, report stats --xlsx)
  libinih-dev                        # the points scheme file (INI): a maintained reader, not our own
  libcmocka-dev                      # unit tests
  python3                            # integration tests' independent checks
  python3-openpyxl                   # tests: workbooks written by another program than ours
  time                               # /usr/bin/time for the benchmark's peak RSS
  faketime                           # tests: a branch PC whose clock is wrong
  clang libclang-rt-dev              # tests: libFuzzer targets of tests/fuzz (a clang sub-build)
  dpkg-dev                           # cpack's .deb: dpkg-shlibdeps finds the library packages to depend on
  systemd                            # tests: systemd-analyze verify of the packaged units (and their targets)
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#PACKAGES[@]} packages present" >&2
  exit 0
fi
echo "install-deps: installing ${missing[*]}" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "install-deps: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
  SUDO=sudo
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
