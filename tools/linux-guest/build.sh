#!/usr/bin/env bash
# build.sh: produce a stock Debian Linux guest for `vmm run --kernel`, from Debian packages only.
#
# Usage: tools/linux-guest/build.sh            prints the output directory on stdout
#
# Outputs (in $VMM_LINUX_GUEST_DIR, default ${XDG_CACHE_HOME:-$HOME/.cache}/vmm/linux-guest):
#   bzImage          Debian's boot/vmlinuz-* (linux-image-amd64's current ABI package)
#   vmlinux          the ELF kernel proper, decompressed from the bzImage payload
#                    (setup header fields payload_offset 0x248 / payload_length 0x24C,
#                    Documentation/arch/x86/boot.rst)
#   initramfs.cpio.gz a busybox-static initramfs whose /init (init.sh) prints a marker line and reports
#                    pass/fail through vmm's exit port (0x500) via /dev/port, with /bin/tlbcheck
#                    (tlbcheck.c, built static with this machine's gcc and glibc) for vmmtest=tlb
#   initramfs.stamp  sha256 of what the initramfs is made of (init.sh, tlbcheck.c, this script):
#                    the initramfs is rebuilt whenever that changes, the kernel only when missing
#   versions.txt     the Debian package versions used
# The outputs are GPL binaries: they are built at test time and never committed.
# Nothing here needs root: apt-get download and dpkg-deb -x work as an ordinary user
# (apt's package lists must exist: run `apt-get update` once as root if they do not).
# Needs gcc with glibc's static libc (Debian's gcc and libc6-dev) for tlbcheck.
set -euo pipefail

OUT=${VMM_LINUX_GUEST_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/vmm/linux-guest}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
mkdir -p "$OUT"
log() { printf '[linux-guest] %s\n' "$*" >&2; }

stamp=$(cat "$HERE/init.sh" "$HERE/tlbcheck.c" "${BASH_SOURCE[0]}" | sha256sum | cut -d' ' -f1)
have_kernel=0; [[ -s $OUT/bzImage && -s $OUT/vmlinux ]] && have_kernel=1
if [[ $have_kernel = 1 && -s $OUT/initramfs.cpio.gz && $(cat "$OUT/initramfs.stamp" 2>/dev/null) = "$stamp" ]]; then
    log "cached in $OUT"; echo "$OUT"; exit 0
fi

work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
# tlbcheck first: a machine without a static libc fails here, before any download.
gcc -static -O2 -Wall -pthread -o "$work/tlbcheck" "$HERE/tlbcheck.c" || { log "gcc -static tlbcheck.c failed (needs gcc and libc6-dev)"; exit 1; }
debs=busybox-static
if [[ $have_kernel = 0 ]]; then
    pkg=$(apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-[0-9]/{print $2; exit}')
    [[ -n $pkg ]] || { log "apt-cache knows no linux-image-amd64 (run apt-get update)"; exit 1; }
    debs="$pkg $debs"
fi
log "downloading $debs"
(cd "$work" && apt-get download $debs >/dev/null 2>&1) || { log "apt-get download $debs failed"; exit 1; }
for deb in "$work"/*.deb; do dpkg-deb -x "$deb" "$work/root"; done
{
    [[ $have_kernel = 1 ]] && grep -v '^Package: busybox' "$OUT/versions.txt" 2>/dev/null
    for deb in "$work"/*.deb; do dpkg-deb -f "$deb" Package Version | paste -sd' '; done
} > "$work/versions.txt"

if [[ $have_kernel = 0 ]]; then
kernel=$(ls "$work"/root/boot/vmlinuz-* | head -1)
cp "$kernel" "$OUT/bzImage.tmp"

# vmlinux: the payload is the compressed kernel proper; its format is told by its magic.
python3 - "$OUT/bzImage.tmp" "$OUT/vmlinux.tmp" <<'PY'
import lzma, struct, sys, subprocess
data = open(sys.argv[1], 'rb').read()
setup_sects = data[0x1F1] or 4
off, length = struct.unpack_from('<II', data, 0x248)
start = (setup_sects + 1) * 512 + off
payload = data[start:start + length]
if payload[:6] == b'\xfd7zXZ\x00':
    out = lzma.LZMADecompressor(format=lzma.FORMAT_XZ).decompress(payload)
elif payload[:4] == b'\x28\xb5\x2f\xfd':
    out = subprocess.run(['zstd', '-dc'], input=payload, stdout=subprocess.PIPE, check=True).stdout
else:
    sys.exit('unknown payload compression, magic %s' % payload[:6].hex())
if out[:4] != b'\x7fELF':
    sys.exit('the decompressed payload is not an ELF file')
open(sys.argv[2], 'wb').write(out)
PY
mv "$OUT/bzImage.tmp" "$OUT/bzImage"; mv "$OUT/vmlinux.tmp" "$OUT/vmlinux"
fi

# initramfs: busybox-static, /init and tlbcheck, archived by busybox itself (owner root, newc format).
ir=$work/initramfs
mkdir -p "$ir/bin" "$ir/proc" "$ir/sys" "$ir/dev" "$ir/tmp"
cp "$work/root/bin/busybox" "$ir/bin/busybox"
cp "$work/tlbcheck" "$ir/bin/tlbcheck"
cp "$HERE/init.sh" "$ir/init"; chmod 755 "$ir/init"
(cd "$ir" && find . | "$ir/bin/busybox" cpio -o -H newc -R 0:0 2>/dev/null) | gzip -9 > "$OUT/initramfs.cpio.gz.tmp"

mv "$OUT/initramfs.cpio.gz.tmp" "$OUT/initramfs.cpio.gz"
mv "$work/versions.txt" "$OUT/versions.txt"
echo "$stamp" > "$OUT/initramfs.stamp"
log "built in $OUT: $(paste -sd';' "$OUT/versions.txt")"
echo "$OUT"
