#!/usr/bin/env bash
# Runs every libFuzzer target of a build made with -DSVMM_FUZZ=ON (clang) for N seconds each,
# starting from the seed corpora in tests/fuzz/corpus/<name>/. New inputs go to a scratch
# corpus; crashes are written to build/fuzz/artifacts/ and fail the run.
#   scripts/fuzz.sh [BUILD_DIR] [SECONDS]      (defaults: build-asan 60)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build-asan}
seconds=${2:-60}
artifacts="$build/fuzz/artifacts"
mkdir -p "$artifacts"
shopt -s nullglob
targets=("$build"/fuzz/fuzz_*)
if [ ${#targets[@]} -eq 0 ]; then
  echo "fuzz: no fuzz targets in $build/fuzz (configure with -DSVMM_FUZZ=ON and clang)" >&2
  exit 1
fi
for t in "${targets[@]}"; do
  name=$(basename "$t")
  seed="tests/fuzz/corpus/${name#fuzz_}"
  work="$build/fuzz/corpus-${name#fuzz_}"
  mkdir -p "$work"
  echo "== fuzzing $name for ${seconds}s" >&2
  dirs=("$work")
  [ -d "$seed" ] && dirs+=("$seed")
  "$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=4096 -print_final_stats=1 \
    -artifact_prefix="$artifacts/${name}-" "${dirs[@]}" 2>"$build/fuzz/$name.log" \
    || { tail -50 "$build/fuzz/$name.log" >&2; echo "fuzz: $name failed" >&2; exit 1; }
  grep -E "^stat::number_of_executed_runs" "$build/fuzz/$name.log" | sed "s/^/$name /" >&2 || true
done
