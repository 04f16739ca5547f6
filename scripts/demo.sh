#!/usr/bin/env bash
# Builds svmm and its tiny test kernel, then boots the kernel on KVM with the example config:
# the guest's console appears on stdout, svmm's log on stderr.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup-debian.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build --target svmm svmm-test-kernel
# The example config names the kernel relative to itself; point it at this build.
exec build/svmm run --config examples/demo.json
