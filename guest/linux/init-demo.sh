#!/bin/sh
# /init of svmm's demo initramfs (make-initramfs.sh): mounts the pseudo file systems, shows
# what svmm-guest sees of the chipset, then gives a shell on the console (respawned on exit).
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null || true
# The kernel opened /dev/console for us if the archive had it; reopen it from devtmpfs anyway.
[ -c /dev/console ] && exec 0</dev/console 1>/dev/console 2>&1
echo
echo "svmm demo initramfs: Linux $(uname -r), $(busybox | head -n1 | cut -d' ' -f1-2)"
svmm-guest info || echo "(svmm-guest found no svmm chipset: is this running in svmm?)"
echo
echo "Try: svmm-guest launch; svmm-guest state; svmm-guest registers;"
echo "     svmm-guest teardown --report; poweroff -f"
while true; do
  setsid cttyhack sh -l
  echo "shell exited; starting a new one (poweroff -f to stop)"
done
