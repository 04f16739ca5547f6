#!/usr/bin/env bash
# Static checks of the layering rules (design/architecture.md, README "Layout"):
#  - every KVM ioctl goes through vmm/kvm/ (no `ioctl(` elsewhere in host code);
#  - <linux/kvm.h> is included only through vmm/kvm/linux_kvm.h (C++ layout fix);
#  - devices/ and chipset/ never see KVM;
#  - host views of guest RAM (host_bytes) are taken only in vmm/memory/.
set -euo pipefail
cd "$(dirname "$0")/.."
fail=0
check() {  # description, grep output
  if [ -n "$2" ]; then
    echo "layering: $1:" >&2
    echo "$2" >&2
    fail=1
  fi
}
src=(protocol vmm devices chipset tests)
check "ioctl outside vmm/kvm" \
  "$(grep -rn --include='*.cc' --include='*.h' -E '\bioctl\(' "${src[@]}" | grep -v '^vmm/kvm/' || true)"
check "<linux/kvm.h> included directly" \
  "$(grep -rn --include='*.cc' --include='*.h' '#include <linux/kvm.h>' "${src[@]}" | grep -v '^vmm/kvm/linux_kvm.h' || true)"
check "KVM in devices/ or chipset/" \
  "$(grep -rn -E 'vmm/kvm/|linux/kvm.h' devices chipset || true)"
check "host views of guest RAM outside vmm/memory" \
  "$(grep -rn --include='*.cc' --include='*.h' 'host_bytes()' vmm devices chipset | grep -v '^vmm/memory/' || true)"
[ $fail -eq 0 ] && echo "layering: ok" >&2
exit $fail
