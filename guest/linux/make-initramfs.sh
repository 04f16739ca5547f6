#!/usr/bin/env bash
# Builds a demo initramfs for a Linux guest OS in svmm (guest/linux/README.md):
#
#   guest/linux/make-initramfs.sh OUT.cpio.gz [--svmm-guest PATH] [--init FILE]
#                                 [--cache DIR] [--add SRC:DEST]...
#
# Contents: Debian's busybox-static as /bin/busybox with a symlink per applet (/bin/sh, ...),
# svmm-guest as /bin/svmm-guest, /init (FILE, or init-demo.sh beside this script), empty
# /dev, /proc, /sys, /tmp, /root, /etc, and /dev/console + /dev/null when run as root (the
# default /init mounts devtmpfs either way). The archive is `cpio -o -H newc`, gzipped.
#
# busybox comes from, in this order: $SVMM_BUSYBOX (a static busybox binary); /bin/busybox when
# the busybox-static package is installed; DIR/x/bin/busybox, fetched once with
# `apt-get download busybox-static` and unpacked with `dpkg -x` (no package scripts run).
# DIR is --cache, default OUT's directory/.busybox-static. The binary must be static.
# Exit status 0 with OUT's path on stdout; otherwise 1 with the reason on stderr (2: usage).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
die() { echo "make-initramfs: $*" >&2; exit 1; }
usage() {
  echo "usage: $0 OUT.cpio.gz [--svmm-guest PATH] [--init FILE] [--cache DIR] [--add SRC:DEST]..." >&2
  exit 2
}

out="" guest_tool="" init="$here/init-demo.sh" cache="" adds=()
while [ $# -gt 0 ]; do
  case "$1" in
    --svmm-guest) [ $# -ge 2 ] || usage; guest_tool=$2; shift 2 ;;
    --init) [ $# -ge 2 ] || usage; init=$2; shift 2 ;;
    --cache) [ $# -ge 2 ] || usage; cache=$2; shift 2 ;;
    --add) [ $# -ge 2 ] || usage; adds+=("$2"); shift 2 ;;
    -h|--help) usage ;;
    -*) echo "make-initramfs: unknown option '$1'" >&2; usage ;;
    *) [ -z "$out" ] || usage; out=$1; shift ;;
  esac
done
[ -n "$out" ] || usage
[ -f "$init" ] || die "no init script '$init'"
if [ -z "$guest_tool" ]; then
  for c in "$here/../../build/guest/linux/svmm-guest" "$(command -v svmm-guest 2>/dev/null || true)"; do
    if [ -n "$c" ] && [ -x "$c" ]; then guest_tool=$c; break; fi
  done
  [ -n "$guest_tool" ] || die "svmm-guest not found: build it (ninja -C build svmm-guest) or pass --svmm-guest PATH"
fi
[ -x "$guest_tool" ] || die "'$guest_tool' is not an executable"
command -v cpio >/dev/null || die "cpio is needed (apt-get install cpio)"
command -v gzip >/dev/null || die "gzip is needed"

out_dir=$(dirname "$out")
mkdir -p "$out_dir"
[ -n "$cache" ] || cache="$out_dir/.busybox-static"

is_static() {  # a 64-bit ELF without a program interpreter (no PT_INTERP program header)
  local f=$1 phoff phentsize phnum i
  [ "$(od -An -c -N4 "$f" | tr -d ' ')" = "177ELF" ] || return 1
  [ "$(od -An -tu1 -j4 -N1 "$f" | tr -d ' ')" = 2 ] || return 1
  phoff=$(od -An -tu8 -j32 -N8 "$f" | tr -d ' ')
  phentsize=$(od -An -tu2 -j54 -N2 "$f" | tr -d ' ')
  phnum=$(od -An -tu2 -j56 -N2 "$f" | tr -d ' ')
  for ((i = 0; i < phnum; i++)); do
    [ "$(od -An -tu4 -j $((phoff + i * phentsize)) -N4 "$f" | tr -d ' ')" != 3 ] || return 1
  done
}

find_busybox() {
  if [ -n "${SVMM_BUSYBOX:-}" ]; then echo "$SVMM_BUSYBOX"; return 0; fi
  if dpkg-query -W -f='${Status}' busybox-static 2>/dev/null | grep -q "install ok installed" &&
     [ -x /bin/busybox ]; then
    echo /bin/busybox; return 0
  fi
  if [ -x "$cache/x/bin/busybox" ]; then echo "$cache/x/bin/busybox"; return 0; fi
  command -v apt-get >/dev/null || { echo "apt-get not found (a Debian system is needed)" >&2; return 1; }
  mkdir -p "$cache" || return 1
  # One fetch at a time per cache (parallel builds and tests); the lock goes with the process.
  exec 9>"$cache/.lock"
  if command -v flock >/dev/null; then flock 9; fi
  if [ -x "$cache/x/bin/busybox" ]; then echo "$cache/x/bin/busybox"; return 0; fi
  local tmp
  tmp=$(mktemp -d "$cache/fetch.XXXXXX") || return 1
  # apt-get download runs as the invoking user; "_apt" may not write the directory (a warning).
  if ! (cd "$tmp" && apt-get download busybox-static >/dev/null 2>"$tmp/apt.err"); then
    echo "apt-get download busybox-static failed: $(cat "$tmp/apt.err")" >&2
    rm -rf "$tmp"; return 1
  fi
  if ! dpkg -x "$tmp"/busybox-static_*.deb "$tmp/x"; then
    echo "dpkg -x of busybox-static failed" >&2; rm -rf "$tmp"; return 1
  fi
  rm -rf "$cache/x"
  mv "$tmp/x" "$cache/x"
  rm -rf "$tmp"
  [ -x "$cache/x/bin/busybox" ] || { echo "busybox-static held no /bin/busybox" >&2; return 1; }
  echo "$cache/x/bin/busybox"
}

busybox=$(find_busybox) || die "cannot obtain a static busybox"
is_static "$busybox" || die "$busybox is not a static executable (install busybox-static, or set SVMM_BUSYBOX)"
is_static "$guest_tool" || die "$guest_tool is not a static executable"

stage=$(mktemp -d "${TMPDIR:-/tmp}/svmm-initramfs.XXXXXX")
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage"/{bin,sbin,usr/bin,usr/sbin,dev,proc,sys,tmp,root,etc}
chmod 1777 "$stage/tmp"
cp "$busybox" "$stage/bin/busybox"
chmod 0755 "$stage/bin/busybox"
# One symlink per applet, where busybox would install it (--list-full: "bin/sh", "sbin/poweroff").
applets=$("$busybox" --list-full 2>/dev/null || "$busybox" --list | sed 's|^|bin/|')
[ -n "$applets" ] || die "$busybox lists no applets"
while read -r a; do
  [ -n "$a" ] && [ "$a" != bin/busybox ] || continue
  mkdir -p "$stage/$(dirname "$a")"
  [ -e "$stage/$a" ] || ln -s /bin/busybox "$stage/$a"
done <<< "$applets"
[ -L "$stage/bin/sh" ] || ln -s /bin/busybox "$stage/bin/sh"
cp "$guest_tool" "$stage/bin/svmm-guest"
chmod 0755 "$stage/bin/svmm-guest"
cp "$init" "$stage/init"
chmod 0755 "$stage/init"
for a in ${adds[@]+"${adds[@]}"}; do
  src=${a%%:*} dest=${a#*:}
  [ -e "$src" ] && [ -n "$dest" ] && [ "$src" != "$a" ] || die "--add '$a': expected SRC:DEST with an existing SRC"
  mkdir -p "$stage/$(dirname "${dest#/}")"
  cp -a "$src" "$stage/${dest#/}"
done
# The kernel opens /dev/console for init before anything is mounted. Device nodes need root;
# otherwise the default /init reopens the console on the devtmpfs it mounts.
if [ "$(id -u)" -eq 0 ]; then
  mknod -m 600 "$stage/dev/console" c 5 1
  mknod -m 666 "$stage/dev/null" c 1 3
fi

tmp_out="$out.tmp.$$"
(cd "$stage" && find . -mindepth 1 -printf '%P\n' | LC_ALL=C sort | cpio -o -H newc --owner=0:0 --quiet) |
  gzip -9n > "$tmp_out" || { rm -f "$tmp_out"; die "cpio/gzip failed"; }
mv "$tmp_out" "$out"
echo "$out"
