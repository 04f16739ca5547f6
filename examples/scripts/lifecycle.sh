#!/usr/bin/env bash
# lifecycle.sh CONFIG: the whole life of a machine through the scripts above, checking each
# step: start, status, secure launch, status secure, teardown with its report, status normal,
# stop, and that the socket and pidfile are gone. CONFIG needs at least one trusted VM and a
# guest OS that keeps running (the test kernel's `spin`). Exit 0 when every step held.
set -euo pipefail
source "$(dirname "$0")/common.sh"
[ $# -eq 1 ] || die "usage: lifecycle.sh CONFIG"
name=lifecycle-$$
s=$(dirname "$0")
step() { echo "lifecycle: $*"; }
expect() {  # expect JSON KEY VALUE: a crude check with standard tools only
  echo "$1" | grep -q "\"$2\":$3" || die "expected \"$2\":$3 in $1"
}

step "start"; "$s/svmm-start.sh" "$name" "$1" >/dev/null
trap '"$s/svmm-stop.sh" "$name" >/dev/null 2>&1 || true' EXIT
out=$("$s/svmm-status.sh" "$name"); step "status $out"
expect "$out" mode '"normal"'; expect "$out" state '"running"'
"$s/svmm-secure-launch.sh" "$name" >/dev/null; step "secure launch"
out=$("$s/svmm-status.sh" "$name"); expect "$out" mode '"secure"'
report=$("$s/svmm-teardown.sh" "$name"); step "teardown $report"
expect "$report" trigger '"control"'; expect "$report" magic 1381258835
out=$("$s/svmm-status.sh" "$name"); expect "$out" mode '"normal"'
dir=$(machine_dir "$name")
"$s/svmm-stop.sh" "$name"; step "stopped"
trap - EXIT
[ ! -e "$dir/control.sock" ] || die "the control socket is still there"
[ ! -e "$dir/svmm.pid" ] || die "the pidfile is still there"
grep -q '"event":"SHUTDOWN"\|SHUTDOWN' "$dir/svmm.log" || die "no SHUTDOWN in the log"
rm -rf "$dir"
step "ok"
