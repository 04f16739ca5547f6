#!/usr/bin/env bash
# svmm-start.sh NAME CONFIG: start a machine in the background (like `virsh start`), with its
# control socket, pidfile, console and log in $SVMM_RUN_DIR/NAME, and wait until it answers.
set -euo pipefail
source "$(dirname "$0")/common.sh"
[ $# -eq 2 ] || die "usage: svmm-start.sh NAME CONFIG"
name=$1 config=$2
dir=$(machine_dir "$name")
mkdir -p "$dir"
[ -e "$dir/svmm.pid" ] && kill -0 "$(cat "$dir/svmm.pid")" 2>/dev/null && die "$name is already running"
"$SVMM" --pidfile "$dir/svmm.pid" --log-format json run --config "$config" \
  --api-socket "$dir/control.sock" --console "file:$dir/console.log" \
  </dev/null >/dev/null 2>"$dir/svmm.log" &
pid=$!
for _ in $(seq 1 200); do
  if [ -e "$dir/svmm.pid" ] && ctl "$name" query-status >/dev/null 2>&1; then
    echo "$pid"
    exit 0
  fi
  kill -0 "$pid" 2>/dev/null || { wait "$pid" || true; tail -5 "$dir/svmm.log" >&2; die "$name exited while starting"; }
  sleep 0.05
done
die "$name did not answer on its control socket"
