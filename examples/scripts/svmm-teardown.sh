#!/usr/bin/env bash
# svmm-teardown.sh NAME: tear the secure environment down and print the report (JSON).
set -euo pipefail
source "$(dirname "$0")/common.sh"
[ $# -eq 1 ] || die "usage: svmm-teardown.sh NAME"
ctl "$1" teardown
