#!/usr/bin/env bash
# tools/mkimage (docs/boot.md): the UEFI disk image checked on the host with the tools a
# user would use: sgdisk reads the GPT and finds one EFI system partition, fsck.fat finds
# that FAT32 file system clean, and mtools finds GRUB at /EFI/BOOT/BOOTX64.EFI and the
# kernel and boot archive in /capix. With --home, the second partition is a clean FAT file
# system, the packed config takes the home disk from it, and making the image again keeps
# a file written there. (The scenario uefi-boot boots such an image.)
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
# --home: a second partition for the home directory, carried over when remade
himg=$tmp/home.img
if ! out=$(tools/mkimage --config config/default.config --out "$himg" --home 32 2>&1); then
  fail home-build "$out"; exit 1
fi
hstart=$(sgdisk -i 2 "$himg" | sed -n 's/^First sector: \([0-9]*\).*/\1/p')
hend=$(sgdisk -i 2 "$himg" | sed -n 's/^Last sector: \([0-9]*\).*/\1/p')
if [[ -n $hstart ]] && sgdisk -i 2 "$himg" | grep -q "capix home" && ((hend - hstart + 1 == 65536)) &&
   dd if="$himg" of="$tmp/home" bs=512 skip="$hstart" count=$((hend - hstart + 1)) status=none &&
   out=$(fsck.fat -n "$tmp/home" 2>&1); then
  pass home-partition
else
  fail home-partition "$(sgdisk -p "$himg" 2>&1 | tail -3) $out"
fi
hs1=$(sgdisk -i 1 "$himg" | sed -n 's/^First sector: \([0-9]*\).*/\1/p')
conf=$(mtype -i "$himg@@$((hs1 * 512))" ::/capix/boot.tar | tar -xOf - config)
disk=$(awk '/^component disk/,/^}/' <<<"$conf")
if grep -q "pci 00:05.0" <<<"$disk" && grep -q 'policy label="home -> home" writeable partition=2' <<<"$disk" &&
   ! grep -q "pci 00:02.0" <<<"$conf"; then
  pass home-config
else
  fail home-config "$disk"
fi
echo "written by the host" >"$tmp/note.txt"
mcopy -i "$himg@@$((hstart * 512))" "$tmp/note.txt" ::/note.txt &&
  tools/mkimage --config config/default.config --out "$himg" --home 48 >/dev/null 2>&1
hstart=$(sgdisk -i 2 "$himg" | sed -n 's/^First sector: \([0-9]*\).*/\1/p')
if [[ $(mtype -i "$himg@@$((hstart * 512))" ::/note.txt 2>&1) == "written by the host" ]]; then
  pass home-kept
else
  fail home-kept "the remade image lost the home's file"
fi
if out=$(tools/mkimage --config tests/scenarios/posix-hello/config --out "$tmp/y.img" --home 32 2>&1) ||
   [[ -e $tmp/y.img ]] || ! grep -q "needs a config with one virtio-blk component" <<<"$out"; then
  fail home-bad-config "a config without a home disk: $out"
else
  pass home-bad-config
fi
if tools/mkimage --config /nonexistent --out "$tmp/x.img" >/dev/null 2>&1 || [[ -e $tmp/x.img ]]; then
  fail bad-config "a missing config made an image"
else
  pass bad-config
fi
exit $rc
