#!/bin/busybox sh
# /init of the nested-kvm L1 initramfs (static busybox). Loads the modules listed in /modules.order,
# mounts the host's root (read-only), the shared directories (read-write) and the transfer share over
# virtio-9p, runs /run/nested-kvm/command.sh inside the host root with chroot, stores its exit status
# in the transfer share and powers off. Every line it prints starts with "nested-kvm-init:" so the
# host-side script can find them in the console.
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
say() { echo "nested-kvm-init: $*"; }
uptime_s() { cut -d' ' -f1 /proc/uptime; }
say "kernel up after $(uptime_s) s"

# Module parameters for kvm_amd come on the kernel command line as nestedkvm.kvm_amd="...".
amd_params=$(sed -n 's/.*nestedkvm\.kvm_amd="\([^"]*\)".*/\1/p' /proc/cmdline)
while read -r ko; do
    case $ko in
        kvm-amd.ko)
            if ! grep -qw svm /proc/cpuinfo; then say "the emulated CPU has no svm flag"; continue; fi
            # shellcheck disable=SC2086
            insmod "/lib/modules/$ko" $amd_params || say "insmod $ko failed";;
        *) insmod "/lib/modules/$ko" 2>/dev/null || true;;
    esac
done </modules.order

R=/newroot
nine() { mount -t 9p -o "trans=virtio,version=9p2000.L,msize=512000,$3" "$1" "$2"; }
if ! nine hostroot $R ro,cache=loose; then
    say "cannot mount the host root over virtio-9p"
    poweroff -f
fi
mount -t proc proc $R/proc
mount -t sysfs sysfs $R/sys
mount -t devtmpfs devtmpfs $R/dev
mkdir -p $R/dev/pts $R/dev/shm
mount -t devpts devpts $R/dev/pts
mount -t tmpfs tmpfs $R/dev/shm
for d in /tmp /run /var/tmp; do mount -t tmpfs -o mode=1777 tmpfs $R$d; done
X=$R/run/nested-kvm
mkdir -p $X
nine xfer $X cache=none || { say "cannot mount the transfer share"; poweroff -f; }

# Heartbeat: one byte every 10 s to QEMU's debug console at I/O port 0x4E9 (offset 1257 of /dev/port; 0x402 is SeaBIOS's own debug port),
# which the host side reads as a file. The host treats a heartbeat that stops as a wedged L1, which
# catches the hangs the kernel's own watchdogs cannot report (every vCPU stuck, or the emulator no
# longer running them). A port write is synchronous and needs neither virtio-9p nor an interrupt, so
# it tells a stuck L1 from a stuck transfer share. Kept on CPU 0, away from the nohz_full CPUs.
# Its pid is in heartbeat.pid, for the tool's self-test to silence it.
beat() { while :; do printf . | dd of=/dev/port bs=1 seek=1257 count=1 2>/dev/null; sleep 10; done; }
beat &
echo $! >$X/heartbeat.pid
taskset -p 1 $! >/dev/null 2>&1

# Shared directories: tag share<N> is mounted read-write at the path named in line N of shares.
n=0
while read -r dir; do
    [ -n "$dir" ] || continue
    # A share under /tmp, /run or /var/tmp lies on L1's tmpfs, where its mount point must be made.
    mkdir -p "$R$dir" 2>/dev/null
    if ! nine "share$n" "$R$dir" cache=mmap; then
        say "cannot mount $dir"
        echo "cannot mount the share $dir in L1" >$X/setup-error
        sync
        poweroff -f
    fi
    n=$((n + 1))
done <$X/shares

if [ -e $R/dev/kvm ]; then
    say "/dev/kvm present"
else
    say "no /dev/kvm in L1"
    echo nokvm >$X/status
    sync
    poweroff -f
fi
say "command starts after $(uptime_s) s"
chroot $R /bin/bash /run/nested-kvm/command.sh
rc=$?
say "command ended after $(uptime_s) s with status $rc"
echo "$rc" >$X/status
sync
poweroff -f
