#!/usr/bin/env bash
# svmm-stop.sh NAME: orderly stop (an orderly teardown first if secure), waiting for the
# process to end; SIGTERM after 10 s if `quit` was not enough (like `virsh shutdown`).
set -euo pipefail
source "$(dirname "$0")/common.sh"
[ $# -eq 1 ] || die "usage: svmm-stop.sh NAME"
dir=$(machine_dir "$1")
[ -e "$dir/svmm.pid" ] || die "$1 is not running"
pid=$(cat "$dir/svmm.pid")
ctl "$1" quit >/dev/null || kill -TERM "$pid" 2>/dev/null || true
for _ in $(seq 1 200); do
  kill -0 "$pid" 2>/dev/null || exit 0
  sleep 0.05
done
kill -TERM "$pid" 2>/dev/null || true
sleep 1
kill -0 "$pid" 2>/dev/null && die "$1 (pid $pid) did not stop"
exit 0
