# Shared by the example scripts: where svmm is and where a named machine keeps its files.
#   SVMM          the svmm binary (default: svmm on PATH, else this checkout's build/svmm)
#   SVMM_RUN_DIR  where machines keep socket, pidfile and logs (default: $XDG_RUNTIME_DIR/svmm
#                 or /tmp/svmm-$USER)
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
if [ -z "${SVMM:-}" ]; then
  if command -v svmm >/dev/null 2>&1; then SVMM=svmm; else SVMM="$here/../../build/svmm"; fi
fi
SVMM_RUN_DIR=${SVMM_RUN_DIR:-${XDG_RUNTIME_DIR:-/tmp/svmm-${USER:-$(id -u)}}/svmm}
machine_dir() { echo "$SVMM_RUN_DIR/$1"; }
sock() { echo "$(machine_dir "$1")/control.sock"; }
ctl() { local name=$1; shift; "$SVMM" ctl --socket "$(sock "$name")" "$@"; }
die() { echo "$(basename "$0"): $*" >&2; exit 1; }
