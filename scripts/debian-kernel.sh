#!/usr/bin/env bash
# Debian's stock kernel for svmm's Linux tests and benchmarks, fetched from Debian's own
# package registry and cached in a directory:
#
#   scripts/debian-kernel.sh DIR bzimage   prints the path of the bzImage (DIR/x/boot/vmlinuz-*)
#   scripts/debian-kernel.sh DIR vmlinux   prints the path of the uncompressed ELF vmlinux
#                                          (DIR/vmlinux, extracted from the bzImage once)
#
# The package is the one `linux-image-amd64` depends on, fetched with `apt-get download` and
# unpacked with `dpkg -x` (no package scripts run). The vmlinux comes out of the bzImage the
# way the kernel's scripts/extract-vmlinux does it, but from the setup header rather than by
# scanning for magic numbers: the compressed payload is at payload_offset (0x248) from the start
# of the protected-mode code, payload_length (0x24c) bytes long, and its last 4 bytes are the
# uncompressed size (arch/x86/boot/compressed/Makefile, size_append), which is checked.
# Exit status 0 with the path on stdout; otherwise 1 with the reason on stderr.
set -euo pipefail

die() { echo "debian-kernel: $*" >&2; exit 1; }

[ $# -eq 2 ] || die "usage: $0 DIR bzimage|vmlinux"
dir=$1
what=$2
case "$what" in bzimage|vmlinux) ;; *) die "unknown artefact '$what' (bzimage or vmlinux)";; esac
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
# One fetch or extraction at a time per cache: tests run this in parallel (ctest -j), and one
# must not see another's half-replaced x/ directory. The lock goes with the process.
command -v flock >/dev/null || die "flock (util-linux) is needed"
exec 9>"$dir/.lock"
flock 9
tmp=""
trap 'rm -rf "${tmp:-}"' EXIT

find_bzimage() {
  local k
  for k in "$dir"/x/boot/vmlinuz-*; do
    [ -f "$k" ] && { echo "$k"; return 0; }
  done
  return 1
}

fetch() {
  command -v apt-get >/dev/null || die "apt-get not found (a Debian system is needed)"
  local pkg
  pkg=$(apt-cache depends linux-image-amd64 2>/dev/null |
        sed -n 's/^ *Depends: \(linux-image-[^ ]*\)$/\1/p' | head -n1 || true)
  [ -n "$pkg" ] || die "apt-cache knows no package that linux-image-amd64 depends on (apt-get update?)"
  tmp=$(mktemp -d "$dir/fetch.XXXXXX")
  # apt-get download runs as the invoking user; "_apt" may not write the directory (a warning).
  if ! (cd "$tmp" && apt-get download "$pkg" >/dev/null 2>"$tmp/apt.err"); then
    local err; err=$(cat "$tmp/apt.err"); rm -rf "$tmp"
    die "apt-get download $pkg failed: $err"
  fi
  dpkg -x "$tmp"/"$pkg"_*.deb "$tmp/x" || { rm -rf "$tmp"; die "dpkg -x of $pkg failed"; }
  rm -rf "$dir/x"
  mkdir -p "$dir/x"
  mv "$tmp/x/boot" "$dir/x/boot"
  rm -rf "$tmp"
  tmp=""
  # dpkg -x keeps the package's mtimes, which can be older than a vmlinux extracted earlier.
  rm -f "$dir/vmlinux"
}

# u32 little endian at byte offset $2 of file $1.
le32() { od -An -tu4 -j "$2" -N4 --endian=little "$1" | tr -d ' '; }
u8() { od -An -tu1 -j "$2" -N1 "$1" | tr -d ' '; }

extract() {
  local bz=$1 out=$2
  [ "$(od -An -c -j 0x202 -N4 "$bz" | tr -d ' ')" = "HdrS" ] || die "$bz is not a bzImage (no HdrS)"
  local setup_sects; setup_sects=$(u8 "$bz" $((0x1f1)))
  [ "$setup_sects" -ne 0 ] || setup_sects=4
  local pm=$(( (setup_sects + 1) * 512 ))
  local poff plen; poff=$(le32 "$bz" $((0x248))); plen=$(le32 "$bz" $((0x24c)))
  local size; size=$(stat -c %s "$bz")
  [ "$plen" -gt 4 ] && [ $((pm + poff + plen)) -le "$size" ] ||
    die "$bz: payload [$((pm + poff)), +$plen) is not inside the file ($size bytes)"
  local start=$((pm + poff))
  local want; want=$(le32 "$bz" $((start + plen - 4)))
  local magic; magic=$(od -An -tx1 -j "$start" -N6 "$bz" | tr -d ' ')
  local dec
  case "$magic" in
    fd377a585a00*) dec="xz -dc --single-stream" ;;
    1f8b*)         dec="gzip -dc" ;;
    28b52ffd*)     dec="zstd -dcq" ;;
    5d0000*)       dec="xz -dc --format=lzma" ;;
    425a68*)       dec="bzip2 -dc" ;;
    02214c18*)     dec="lz4 -dc" ;;
    *) die "$bz: unknown payload compression (magic $magic)" ;;
  esac
  command -v "${dec%% *}" >/dev/null || die "${dec%% *} is needed to unpack the kernel (apt-get install it)"
  tmp="$out.tmp.$$"
  # The decompressor sees the payload without its 4-byte size trailer.
  tail -c +$((start + 1)) "$bz" | head -c $((plen - 4)) | $dec > "$tmp" 2>/dev/null || true
  local got; got=$(stat -c %s "$tmp")
  if [ "$got" -ne "$want" ]; then rm -f "$tmp"; die "$bz: unpacked $got bytes, the header says $want"; fi
  [ "$(od -An -tx1 -N4 "$tmp" | tr -d ' ')" = "7f454c46" ] || { rm -f "$tmp"; die "$bz: the payload is not an ELF"; }
  mv "$tmp" "$out"
  tmp=""
}

bz=$(find_bzimage) || { fetch; bz=$(find_bzimage) || die "the kernel package held no /boot/vmlinuz-*"; }
if [ "$what" = bzimage ]; then echo "$bz"; exit 0; fi
vmlinux="$dir/vmlinux"
# Re-extract when the bzImage is newer (a kernel update in the cache).
if [ ! -f "$vmlinux" ] || [ "$bz" -nt "$vmlinux" ]; then extract "$bz" "$vmlinux"; fi
echo "$vmlinux"
