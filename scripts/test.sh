#!/usr/bin/env bash
# Builds svmm three ways and runs every test:
#   1. clang, ASan+UBSan, with the libFuzzer targets: unit and integration tests, then each
#      fuzzer for SVMM_FUZZ_SECONDS (default 60) seconds;
#   2. g++, ThreadSanitizer: unit and integration tests;
#   3. g++, the normal build with warnings as errors: unit and integration tests.
# Installs missing Debian packages first. Exits non-zero on the first failure.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup-debian.sh
scripts/check-layering.sh

fuzz_seconds=${SVMM_FUZZ_SECONDS:-60}
jobs=$(nproc)

configure_and_build() {  # dir, cmake flags...
  local dir=$1; shift
  echo "== building $dir" >&2
  cmake -S . -B "$dir" -G Ninja -DSVMM_WERROR=ON "$@" >/dev/null
  cmake --build "$dir" -j "$jobs"
}

run_ctest() {  # dir
  echo "== testing $1" >&2
  (cd "$1" && ctest --output-on-failure -j "$jobs" --timeout 300)
}

# 1. ASan + UBSan (clang) and the fuzzers.
configure_and_build build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
  -DSVMM_SANITIZE=address,undefined -DSVMM_FUZZ=ON
# The Debian-kernel boot test (download + decompressor) runs in the plain build only.
SVMM_SKIP_LINUX_DOWNLOAD=1 ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
  run_ctest build-asan
scripts/fuzz.sh build-asan "$fuzz_seconds"

# 2. ThreadSanitizer (g++).
configure_and_build build-tsan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSVMM_SANITIZE=thread
SVMM_SKIP_LINUX_DOWNLOAD=1 TSAN_OPTIONS=halt_on_error=1 run_ctest build-tsan

# 3. The normal build (g++), last so that its summary closes the output.
configure_and_build build -DCMAKE_BUILD_TYPE=RelWithDebInfo
run_ctest build
