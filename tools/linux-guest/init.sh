#!/bin/busybox sh
# /init of the test initramfs (busybox-static). It proves the kernel reached user space, prints
# what the boot tests check, and ends the VM through vmm's exit port 0x500 (offset 1280 of
# /dev/port, Documentation/admin-guide/devices.txt: /dev/port is I/O port access).
# Kernel command line switches (read from /proc/cmdline):
#   vmmtest=fail    report failure (a negative control for the verdict path)
#   vmmtest=reboot  end with `reboot -f` instead of the exit port
#   vmmtest=panic   end with a kernel panic (sysrq c); with panic=-1 the kernel reboots at once
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
# Report through the kernel log at level 2 (shown even with "quiet"; boot with printk.devkmsg=on so that
# /dev/kmsg is not rate limited to 10 lines): the console driver writes it out
# synchronously, while tty output is drained by interrupts and would be cut short when the VM ends.
say() { echo "<2>$*" > /dev/kmsg; }
cs=$(cat /sys/devices/system/clocksource/clocksource0/current_clocksource 2>/dev/null)
say "VMM-INIT cpus=$(nproc) clocksource=$cs uptime=$(cut -d' ' -f1 /proc/uptime)"
dmesg | grep -E 'Hypervisor detected|Hyper-V:|smp: Brought up|clocksource: Switched|RTC|BIOS-e820|Using hypercall' | while read -r line; do say "dmesg: $line"; done
mode=$(sed -n 's/.*vmmtest=\([a-z]*\).*/\1/p' /proc/cmdline)
verdict='\000'
[ "$mode" = fail ] && verdict='\001'
case "$mode" in
    reboot) say "VMM-INIT reboot -f"; reboot -f ;;
    panic) say "VMM-INIT forcing a panic"; echo 1 > /proc/sys/kernel/sysrq; echo c > /proc/sysrq-trigger ;;
esac
say "VMM-INIT verdict $mode"
printf "$verdict" | dd of=/dev/port bs=1 seek=1280 count=1 2>/dev/null
reboot -f
