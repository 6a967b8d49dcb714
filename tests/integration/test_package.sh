#!/usr/bin/env bash
# Installing (README "Installing", deploy/CMakeLists.txt): cpack makes a
# .deb of this build in a scratch directory; unpacked (dpkg-deb -x) into a
# scratch root it holds the binaries in /usr/bin, the systemd units in
# /usr/lib/systemd/system naming those binaries, the docs in
# /usr/share/doc/zhibu; its control file declares the package of every
# shared library the binaries load, and adduser for its postinst, which
# creates the zhibu system user and its state directories; every unit runs
# as zhibu in the sandbox, and systemd-analyze verify finds nothing to say
# about any of them.  `cmake --install` with the default prefix writes
# units that name /usr/local/bin.
#
# systemd-analyze verify without --root checks ExecStart= against this
# machine's /usr/bin, where nothing is installed, and a container has no
# running systemd: so it runs with --root on the scratch root, to which
# the machine's own units (sysinit.target, basic.target, … from the
# systemd package, which deploy/install-deps.sh installs) are copied.
# That needs no running systemd and no root, here and on a fresh Debian.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
zb_setup
# has FILE REGEX: a line of FILE matches (grep -E).
has() {
  grep -q -E -- "$2" "$1" || { head -n 40 "$1" >&2; fail "$1: no line matches '$2'"; }
}
BUILD="$(cd "$ZB_BIN/.." && pwd)"
for tool in cpack dpkg-deb ldd readelf systemd-analyze; do
  command -v "$tool" >/dev/null ||
    fail "$tool is missing: run deploy/install-deps.sh (packages cmake, dpkg, libc-bin, binutils, systemd)"
done
[[ -f "$BUILD/CPackConfig.cmake" ]] || fail "$BUILD has no CPackConfig.cmake"

say "cpack builds the .deb in a scratch directory"
ok cpack --config "$BUILD/CPackConfig.cmake" -B "$WORK/pkg"
debs=("$WORK"/pkg/zhibu_*.deb)
[[ ${#debs[@]} -eq 1 && -f "${debs[0]}" ]] || fail "expected one zhibu_*.deb, got: $(ls "$WORK/pkg")"
DEB="${debs[0]}"
ROOT="$WORK/root"
ok dpkg-deb -x "$DEB" "$ROOT"

say "the files are where a Debian system looks for them"
UNITS=(zhibu-node.service zhibu-server.service zhibu-node-sync.service zhibu-node-sync.timer)
for f in usr/bin/zhibu-node usr/bin/zhibu-server; do
  [[ -x "$ROOT/$f" ]] || fail "/$f is missing or not executable"
done
for u in "${UNITS[@]}"; do
  [[ -f "$ROOT/usr/lib/systemd/system/$u" ]] || fail "unit $u is missing"
done
for d in README.md DESIGN-NOTES.md PROTOCOL.md RECORDS.md; do
  [[ -s "$ROOT/usr/share/doc/zhibu/$d" ]] || fail "/usr/share/doc/zhibu/$d is missing"
done
extra="$(cd "$ROOT" && find . -type f | grep -v -E '^\./usr/(bin/zhibu-(node|server)|lib/systemd/system/zhibu-[a-z-]+\.(service|timer)|share/doc/zhibu/[A-Z-]+\.md)$' || true)"
[[ -z "$extra" ]] || fail "unexpected files in the package: $extra"
"$ROOT/usr/bin/zhibu-node" --help >/dev/null || fail "the packaged zhibu-node does not run"

say "the control file declares the package of every shared library, and adduser"
ok dpkg-deb -f "$DEB" Package Depends
has "$LAST_OUT" "^Package: zhibu$"
DEPENDS="$(dpkg-deb -f "$DEB" Depends)"
# Which package each library a binary names (DT_NEEDED) comes from, found
# independently of dpkg-shlibdeps: the path ldd resolves the name to, then
# the package that owns that path.
for bin in zhibu-node zhibu-server; do
  ldd "$ROOT/usr/bin/$bin" >"$WORK/ldd"
  n=0
  while read -r name; do
    lib="$(awk -v n="$name" '$1 == n && $2 == "=>" {print $3}' "$WORK/ldd")"
    [[ "$lib" == /* ]] || fail "$bin needs $name, which ldd does not resolve"
    n=$((n + 1))
    pkg="$(dpkg -S "$lib" 2>/dev/null || dpkg -S "$(readlink -f "$lib")" 2>/dev/null || true)"
    pkg="${pkg%%:*}"
    [[ -n "$pkg" ]] || fail "no package owns $lib (loaded by $bin)"
    grep -q -E "(^|, )$pkg( |,|$)" <<<"$DEPENDS" ||
      fail "$bin loads $lib from $pkg, which Depends does not name: $DEPENDS"
  done < <(readelf -d "$ROOT/usr/bin/$bin" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
  [[ $n -ge 8 ]] || fail "$bin names only $n shared libraries"
done
grep -q -E "(^|, )adduser( |,|$)" <<<"$DEPENDS" || fail "Depends lacks adduser: $DEPENDS"
for lib in libssl3 liblmdb0 libuv1; do
  grep -q "$lib" <<<"$DEPENDS" || fail "Depends lacks $lib: $DEPENDS"
done

say "postinst creates the zhibu system user and /var/lib/zhibu-* owned by it"
ok dpkg-deb -e "$DEB" "$WORK/control"
PI="$WORK/control/postinst"
[[ -x "$PI" ]] || fail "postinst is missing or not executable"
ok sh -n "$PI"
has "$PI" "adduser --system"
for d in /var/lib/zhibu-node /var/lib/zhibu-server; do
  has "$PI" "$d"
done
has "$PI" "chown zhibu:zhibu"
# Run it with the system's commands replaced by ones that record their
# arguments and touch nothing: on a machine without the user it adds it
# and makes and chowns both directories.
SHIM="$WORK/shim"
mkdir -p "$SHIM"
for c in adduser chown chmod mkdir systemctl; do
  printf '#!/bin/sh\necho "%s $*" >>"%s"\n' "$c" "$WORK/calls" >"$SHIM/$c"
  chmod +x "$SHIM/$c"
done
printf '#!/bin/sh\nexit 2\n' >"$SHIM/getent"
chmod +x "$SHIM/getent"
sed -e 's|\[ ! -d "\$d" \]|true|' "$PI" >"$WORK/postinst.run"
PATH="$SHIM:$PATH" sh "$WORK/postinst.run" configure || fail "postinst failed"
has "$WORK/calls" "^adduser --system --group .* zhibu$"
has "$WORK/calls" "^chown zhibu:zhibu /var/lib/zhibu-node$"
has "$WORK/calls" "^chown zhibu:zhibu /var/lib/zhibu-server$"

say "every unit runs as zhibu, in its state directory, sandboxed, naming /usr/bin"
for u in zhibu-node.service zhibu-server.service zhibu-node-sync.service; do
  f="$ROOT/usr/lib/systemd/system/$u"
  for line in User=zhibu Group=zhibu "StateDirectory=zhibu-(node|server)" ProtectSystem=strict \
              NoNewPrivileges=yes PrivateTmp=yes ProtectHome=yes "CapabilityBoundingSet=$"; do
    grep -q -E "^$line" "$f" || fail "$u lacks $line"
  done
  exec_bin="$(sed -n 's/^ExecStart=\([^ ]*\).*/\1/p' "$f")"
  [[ "$exec_bin" == /usr/bin/zhibu-* && -x "$ROOT$exec_bin" ]] ||
    fail "$u starts $exec_bin, which the package does not hold"
done
has "$ROOT/usr/lib/systemd/system/zhibu-node.service" "^ExecStart=/usr/bin/zhibu-node daemon$"
has "$ROOT/usr/lib/systemd/system/zhibu-node-sync.service" "^Type=oneshot$"
has "$ROOT/usr/lib/systemd/system/zhibu-node-sync.service" "^ExecStart=/usr/bin/zhibu-node sync"
has "$ROOT/usr/lib/systemd/system/zhibu-node-sync.timer" "^OnCalendar="
has "$ROOT/usr/lib/systemd/system/zhibu-node-sync.timer" "^Conflicts=zhibu-node.service$"

say "systemd-analyze verify: nothing to say about any unit"
SYS_UNITS="$(dirname "$(readlink -f "$(command -v systemd-analyze)")")/../lib/systemd/system"
[[ -f "$SYS_UNITS/sysinit.target" ]] || SYS_UNITS=/lib/systemd/system
[[ -f "$SYS_UNITS/sysinit.target" ]] || fail "no systemd units (sysinit.target) on this machine"
cp -an "$SYS_UNITS/." "$ROOT/usr/lib/systemd/system/"
for u in "${UNITS[@]}"; do
  rc=0
  SYSTEMD_LOG_COLOR=0 systemd-analyze verify --root="$ROOT" "/usr/lib/systemd/system/$u" \
    >"$WORK/verify.out" 2>&1 || rc=$?
  if [[ $rc -ne 0 || -s "$WORK/verify.out" ]]; then
    cat "$WORK/verify.out" >&2
    fail "systemd-analyze verify $u: exit $rc"
  fi
done

say "cmake --install with the build's own prefix: units name that prefix's bin/"
PREFIX="$(sed -n 's/^CMAKE_INSTALL_PREFIX:PATH=//p' "$BUILD/CMakeCache.txt")"
DESTDIR="$WORK/inst" ok cmake --install "$BUILD"
[[ -x "$WORK/inst$PREFIX/bin/zhibu-node" ]] || fail "cmake --install: no $PREFIX/bin/zhibu-node"
has "$WORK/inst$PREFIX/lib/systemd/system/zhibu-node.service" "^ExecStart=$PREFIX/bin/zhibu-node daemon$"
[[ -s "$WORK/inst$PREFIX/share/doc/zhibu/README.md" ]] || fail "cmake --install: no docs"
echo "test_package: ok"
