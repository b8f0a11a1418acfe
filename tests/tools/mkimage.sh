#!/usr/bin/env bash
# tools/mkimage (docs/boot.md): the UEFI disk image checked on the host with the tools a
# user would use: sgdisk reads the GPT and finds one EFI system partition, fsck.fat finds
# that FAT32 file system clean, and mtools finds GRUB at /EFI/BOOT/BOOTX64.EFI and the
# kernel and boot archive in /capix. (The scenario uefi-boot boots such an image.)
cd "$(dirname "$0")/../.." || exit 1
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
rc=0
pass() { echo "PASS mkimage-$1"; }
fail() { echo "FAIL mkimage-$1: $2"; rc=1; }
img=$tmp/capix.img
if ! out=$(tools/mkimage --config tests/scenarios/posix-hello/config --out "$img" 2>&1); then
  fail build "$out"; exit 1
fi
pass build
if sgdisk -v "$img" 2>&1 | grep -q "No problems found" &&
   [[ $(sgdisk -i 1 "$img" | grep -c "C12A7328-F81F-11D2-BA4B-00A0C93EC93B") == 1 ]]; then
  pass gpt
else
  fail gpt "$(sgdisk -v "$img" 2>&1 | head -3; sgdisk -i 1 "$img" 2>&1 | head -2)"
fi
start=$(sgdisk -i 1 "$img" | sed -n 's/^First sector: \([0-9]*\).*/\1/p')
end=$(sgdisk -i 1 "$img" | sed -n 's/^Last sector: \([0-9]*\).*/\1/p')
dd if="$img" of="$tmp/esp" bs=512 skip="$start" count=$((end - start + 1)) status=none
if out=$(fsck.fat -n "$tmp/esp" 2>&1); then pass esp-clean; else fail esp-clean "$out"; fi
export MTOOLS_SKIP_CHECK=1
if mdir -b -i "$tmp/esp" ::/EFI/BOOT 2>/dev/null | grep -q "::/EFI/BOOT/BOOTX64.EFI"; then
  pass loader
else
  fail loader "$(mdir -i "$tmp/esp" ::/EFI/BOOT 2>&1 | head -5)"
fi
listing=$(mdir -b -i "$tmp/esp" ::/capix 2>&1)
if grep -q "::/capix/capix.elf" <<<"$listing" && grep -q "::/capix/boot.tar" <<<"$listing" &&
   cmp -s <(mtype -i "$tmp/esp" ::/capix/capix.elf) build/kernel/capix.elf; then
  pass kernel-and-archive
else
  fail kernel-and-archive "$listing"
fi
if tools/mkimage --config /nonexistent --out "$tmp/x.img" >/dev/null 2>&1 || [[ -e $tmp/x.img ]]; then
  fail bad-config "a missing config made an image"
else
  pass bad-config
fi
exit $rc
