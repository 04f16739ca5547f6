#!/usr/bin/env bash
# Time to Linux's "Linux version" banner, svmm against QEMU's microvm, same kernel, same command
# line, 1 vCPU, 256 MiB, alternating runs; plus each one's RSS at the banner (issue #6):
#
#   scripts/bench-linux.sh              # 5 runs of each (the figures in README.md)
#   scripts/bench-linux.sh --runs 1     # a smoke run
#
# Arguments go to svmm_linux_bench (--runs N, --cmdline TEXT, --memory MIB, --timeout SECONDS,
# --qemu PATH, --qemu-cpu MODEL). Installs qemu-system-x86 and the build's packages when missing,
# fetches Debian's stock kernel as a PVH vmlinux (scripts/debian-kernel.sh, cached in
# BUILD/linux-kernel), builds svmm_linux_bench in BUILD (default build, configured as
# scripts/test.sh does when it is not yet) and runs it. Needs /dev/kvm.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${SVMM_BENCH_BUILD:-build}

scripts/setup-debian.sh
if ! command -v qemu-system-x86_64 >/dev/null; then
  echo "bench-linux: installing qemu-system-x86" >&2
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends qemu-system-x86 >/dev/null
fi

vmlinux=$(scripts/debian-kernel.sh "$build/linux-kernel" vmlinux)

if [ ! -f "$build/CMakeCache.txt" ]; then
  cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
fi
cmake --build "$build" --target svmm_linux_bench >/dev/null

exec "$build/tests/bench/svmm_linux_bench" --kernel "$vmlinux" "$@"
