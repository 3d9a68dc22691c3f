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
#   initramfs.cpio.gz a busybox-static initramfs whose /init prints a marker line and reports
#                    pass/fail through vmm's exit port (0x500) via /dev/port
#   versions.txt     the Debian package versions used
# The outputs are GPL binaries: they are built at test time and never committed.
# Nothing here needs root: apt-get download and dpkg-deb -x work as an ordinary user
# (apt's package lists must exist: run `apt-get update` once as root if they do not).
set -euo pipefail

OUT=${VMM_LINUX_GUEST_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/vmm/linux-guest}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
mkdir -p "$OUT"
log() { printf '[linux-guest] %s\n' "$*" >&2; }

if [[ -s $OUT/bzImage && -s $OUT/vmlinux && -s $OUT/initramfs.cpio.gz && $OUT/initramfs.cpio.gz -nt $HERE/init.sh ]]; then
    log "cached in $OUT"; echo "$OUT"; exit 0
fi

work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
pkg=$(apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-[0-9]/{print $2; exit}')
[[ -n $pkg ]] || { log "apt-cache knows no linux-image-amd64 (run apt-get update)"; exit 1; }
log "downloading $pkg busybox-static"
(cd "$work" && apt-get download "$pkg" busybox-static >/dev/null 2>&1) || { log "apt-get download $pkg busybox-static failed"; exit 1; }
for deb in "$work"/*.deb; do dpkg-deb -x "$deb" "$work/root"; done
{ for deb in "$work"/*.deb; do dpkg-deb -f "$deb" Package Version | paste -sd' '; done; } > "$OUT/versions.txt"

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

# initramfs: busybox-static plus /init, archived by busybox itself (owner root, newc format).
ir=$work/initramfs
mkdir -p "$ir/bin" "$ir/proc" "$ir/sys" "$ir/dev" "$ir/tmp"
cp "$work/root/bin/busybox" "$ir/bin/busybox"
cp "$HERE/init.sh" "$ir/init"; chmod 755 "$ir/init"
(cd "$ir" && find . | "$ir/bin/busybox" cpio -o -H newc -R 0:0 2>/dev/null) | gzip -9 > "$OUT/initramfs.cpio.gz.tmp"

mv "$OUT/bzImage.tmp" "$OUT/bzImage"; mv "$OUT/vmlinux.tmp" "$OUT/vmlinux"; mv "$OUT/initramfs.cpio.gz.tmp" "$OUT/initramfs.cpio.gz"
log "built in $OUT: $(cat "$OUT/versions.txt" | paste -sd';')"
echo "$OUT"
