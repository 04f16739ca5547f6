#!/bin/sh
# Fails if the test kernel has a vector (SSE/AVX/AVX-512/MMX) or x87 instruction outside the
# CPL 3-only section .text.user (kvm_pvm ends the VM on any of them at CPL 0).
# Usage: check_cpl0_simd.sh OBJDUMP NM KERNEL_ELF
set -eu
objdump=$1 nm=$2 elf=$3
start=$("$nm" "$elf" | awk '$3 == "__user_text_start" { print $1 }')
end=$("$nm" "$elf" | awk '$3 == "__user_text_end" { print $1 }')
if [ -z "$start" ] || [ -z "$end" ]; then
  echo "check_cpl0_simd: __user_text_start/__user_text_end missing in $elf" >&2
  exit 1
fi
"$objdump" -d --no-show-raw-insn "$elf" | awk -v start="$start" -v end="$end" '
  function hex(s,   i, c, v) {
    v = 0; s = tolower(s)
    for (i = 1; i <= length(s); i++) { c = index("0123456789abcdef", substr(s, i, 1)) - 1; v = v * 16 + c }
    return v
  }
  BEGIN { lo = hex(start); hi = hex(end); bad = 0 }
  /^ *[0-9a-f]+:\t/ {
    addr = $1; sub(":", "", addr)
    insn = $0; sub(/^ *[0-9a-f]+:\t/, "", insn)
    split(insn, w, /[ \t]+/); m = w[1]
    if (m ~ /^(rex|data16|lock|rep|repz|repnz|notrack|bnd|cs|ds|es|fs|gs|ss)/ && w[2] != "") m = w[2]
    simd = insn ~ /%([xyz]mm[0-9]|mm[0-7]|st(\(|$|,| )|k[0-7])/ ||
           m ~ /^(f[a-z]|ldmxcsr|stmxcsr|vldmxcsr|vstmxcsr|xsave|xrstor|emms|femms|vzero)/
    a = hex(addr)
    if (simd && (a < lo || a >= hi)) { print "check_cpl0_simd: CPL 0 reachable SIMD/x87 instruction at 0x" addr ": " insn; bad = 1 }
  }
  END { exit bad }
' || { echo "check_cpl0_simd: $elf has vector/x87 instructions outside .text.user" >&2; exit 1; }
