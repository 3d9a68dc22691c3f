#!/bin/busybox sh
# /init of the test initramfs (busybox-static). It proves the kernel reached user space, prints
# what the boot tests check, and ends the VM through vmm's exit port 0x500 (offset 1280 of
# /dev/port, Documentation/admin-guide/devices.txt: /dev/port is I/O port access).
# Kernel command line switches (read from /proc/cmdline):
#   vmmtest=fail    report failure (a negative control for the verdict path)
#   vmmtest=reboot  end with `reboot -f` instead of the exit port
#   vmmtest=panic   end with a kernel panic (sysrq c); with panic=-1 the kernel reboots at once
#   vmmtest=shell   run a shell on ttyS0 (commands typed into vmm's standard input) until it exits or
#                   vmmtest.shelltimeout=S seconds pass (default 120); its exit status is the verdict
#   vmmtest=tlb     run /bin/tlbcheck (tlbcheck.c: remote TLB flush stale-read test) and report the remote
#                   flush counters around it; the verdict is tlbcheck's exit status (0 no stale read,
#                   1 stale reads, 2 error, 3 its time limit). Options (ignored by the kernel, which
#                   leaves dotted unknown parameters alone): vmmtest.rounds=N (default 500),
#                   vmmtest.remap=fixed|unmap (default fixed), vmmtest.checked=K (default 16),
#                   vmmtest.cpus=LIST (taskset -c LIST: the CPUs tlbcheck may use; default all)
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
# Report through the kernel log at level 2 (shown even with "quiet"; boot with printk.devkmsg=on so that
# /dev/kmsg is not rate limited to 10 lines): the console driver writes it out
# synchronously, while tty output is drained by interrupts and would be cut short when the VM ends.
say() { echo "<2>$*" > /dev/kmsg; }
# vmmtest.NAME=VALUE from the kernel command line, or $2.
option() { v=$(tr ' ' '\n' < /proc/cmdline | sed -n "s/^vmmtest\.$1=//p" | tail -1); echo "${v:-$2}"; }
# The TLB row of /proc/interrupts: TLB shootdown IPIs each CPU received (arch/x86/kernel/irq.c
# arch_show_interrupts; arch/x86/mm/tlb.c flush_tlb_func counts every flush run for another CPU). The
# paravirtual path (arch/x86/hyperv/mmu.c) flushes through the hypercall and never runs it remotely.
tlb_row() { awk '$1 == "TLB:" { s = 0; for (i = 2; i <= NF; i++) if ($i ~ /^[0-9]+$/) s += $i; print s; f = 1 } END { if (!f) print 0 }' /proc/interrupts; }
tlb_cpus() { awk '$1 == "TLB:" { r = ""; for (i = 2; i <= NF; i++) if ($i ~ /^[0-9]+$/) r = r (r == "" ? "" : ",") $i; print r }' /proc/interrupts; }
# Events the tracepoint hyperv:hyperv_mmu_flush_tlb_multi recorded so far (arch/x86/include/asm/trace/hyperv.h;
# fired at each entry of hyperv_flush_tlb_multi, before any fallback): entries kept plus entries
# overwritten, summed over the per-CPU ring buffers (Documentation/trace/ftrace.rst, per_cpu/cpuN/stats).
# Ticks of USER_HZ (100 on x86, include/asm-generic/param.h) all CPUs spent in the kernel (proc(5), /proc/stat "cpu"
# line: system, then irq + softirq): the whole guest's kernel time around the workload, IPI handlers included.
stat_sys() { awk '$1 == "cpu" { print $4; exit }' /proc/stat; }
stat_irq() { awk '$1 == "cpu" { print $7 + $8; exit }' /proc/stat; }
tp_count() { cat $T/per_cpu/cpu*/stats 2>/dev/null | awk '$1 == "entries:" || $1 == "overrun:" { s += $2 } END { print s + 0 }'; }
T=/sys/kernel/tracing
EV=$T/events/hyperv/hyperv_mmu_flush_tlb_multi
tp_start() {
    mount -t tracefs nodev $T 2>/dev/null
    if [ -d $EV ]; then
        echo 0 > $T/tracing_on; echo > $T/trace; echo 4096 > $T/buffer_size_kb
        echo 1 > $EV/enable; echo 1 > $T/tracing_on; tp=yes
    else
        tp=absent
    fi
}
tlb_mode() {
    rounds=$(option rounds 500); remap=$(option remap fixed); checked=$(option checked 16); cpus=$(option cpus '')
    pin=; [ -n "$cpus" ] && pin="taskset -c $cpus"
    tp0=$(tp_count); tlb0=$(tlb_row); cpus0=$(tlb_cpus); sys0=$(stat_sys); irq0=$(stat_irq)
    $pin /bin/tlbcheck -r "$rounds" -m "$remap" -k "$checked" -l 240 > /tmp/tlbcheck.out 2>&1
    rc=$?
    sys1=$(stat_sys); irq1=$(stat_irq); tlb1=$(tlb_row); cpus1=$(tlb_cpus); tp1=$(tp_count)
    while read -r line; do say "$line"; done < /tmp/tlbcheck.out
    say "VMM-TLB tlb_before=$tlb0 tlb_after=$tlb1 tlb_delta=$((tlb1 - tlb0)) tlb_cpus_before=$cpus0 tlb_cpus_after=$cpus1"
    say "VMM-TLB stat_sys_ticks=$((sys1 - sys0)) stat_irq_ticks=$((irq1 - irq0)) user_hz=100"
    if [ "$tp" = yes ]; then
        say "VMM-TLB tracepoint=$tp run=$((tp1 - tp0)) since_init=$tp1"
    else
        say "VMM-TLB tracepoint=$tp"
    fi
    say "VMM-TLB tlbcheck_status=$rc"
    verdict="\\00$rc"
}
# In tlb mode the tracepoint counts from here on, so its total can be set against vmm's hypercall trace.
grep -q 'vmmtest=tlb' /proc/cmdline && tp_start
cs=$(cat /sys/devices/system/clocksource/clocksource0/current_clocksource 2>/dev/null)
say "VMM-INIT cpus=$(nproc) clocksource=$cs uptime=$(cut -d' ' -f1 /proc/uptime)"
dmesg | grep -E 'Hypervisor detected|Hyper-V:|smp: Brought up|clocksource: Switched|RTC|BIOS-e820|Using hypercall' | while read -r line; do say "dmesg: $line"; done
mode=$(sed -n 's/.*vmmtest=\([a-z]*\).*/\1/p' /proc/cmdline)
verdict='\000'
[ "$mode" = fail ] && verdict='\001'
[ "$mode" = tlb ] && tlb_mode
case "$mode" in
    reboot) say "VMM-INIT reboot -f"; reboot -f ;;
    panic) say "VMM-INIT forcing a panic"; echo 1 > /proc/sys/kernel/sysrq; echo c > /proc/sysrq-trigger ;;
    shell)
        # Open ttyS0 before saying "ready": the 8250 driver clears the UART's FIFO when the port is first
        # opened (serial8250_startup, drivers/tty/serial/8250/8250_port.c), and from then on buffers input.
        exec 3<> /dev/ttyS0
        say "VMM-SHELL ready"
        # SIGKILL: an interactive shell ignores SIGTERM (POSIX, sh "Signals"), timeout's default.
        timeout -s KILL "$(option shelltimeout 120)" sh <&3 >&3 2>&3
        rc=$?
        say "VMM-SHELL status=$rc"
        verdict="\\$(printf %03o "$rc")" ;;
esac
say "VMM-INIT verdict $mode"
printf "$verdict" | dd of=/dev/port bs=1 seek=1280 count=1 2>/dev/null
reboot -f
