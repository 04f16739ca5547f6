#!/usr/bin/env bash
# Installs the Debian 12 packages svmm needs to build and test, only those missing.
# Run as root (or with sudo available). Idempotent; quiet when nothing is missing.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config git
  clang libclang-rt-14-dev          # second compiler, sanitizers and libFuzzer
  libfmt-dev libcli11-dev nlohmann-json3-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libtpms-dev libssl-dev
  acpica-tools                      # iasl: the ACPI tables' disassembly round trip (tests)
  xz-utils                          # unpacks the Debian kernel's vmlinux (scripts/debian-kernel.sh)
  cpio                              # the demo initramfs (guest/linux/make-initramfs.sh) and its tests
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}" >&2
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
