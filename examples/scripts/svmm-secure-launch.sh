#!/usr/bin/env bash
# svmm-secure-launch.sh NAME [VM]: launch one trusted VM (config index) or all of them.
set -euo pipefail
source "$(dirname "$0")/common.sh"
[ $# -ge 1 ] && [ $# -le 2 ] || die "usage: svmm-secure-launch.sh NAME [VM]"
if [ $# -eq 2 ]; then ctl "$1" secure-launch "{\"vm\": $2}"; else ctl "$1" secure-launch; fi
