#!/usr/bin/env bash
# svmm-status.sh NAME: the machine's status and VMs as one JSON object (like `virsh dominfo`).
set -euo pipefail
source "$(dirname "$0")/common.sh"
[ $# -eq 1 ] || die "usage: svmm-status.sh NAME"
status=$(ctl "$1" query-status) || die "$1 is not running"
vms=$(ctl "$1" query-vms)
echo "{\"status\": $status, \"vms\": $vms}"
