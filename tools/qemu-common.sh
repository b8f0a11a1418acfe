# Shared by run-qemu and run-scenario: the QEMU command line and the accelerator.
# The same CPU model under KVM and TCG: qemu64 without the features the nested KVM
# here lacks, so that behaviour does not depend on the accelerator.

capix_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CAPIX_BUILD=${CAPIX_BUILD:-$capix_root/build}
CAPIX_CPU=${CAPIX_CPU:-qemu64,-sse3,-ssse3,-sse4.1,-sse4.2,-popcnt,-x2apic}

# capix_kvm_usable: 0 when /dev/kvm opens and QEMU can start a KVM machine.
capix_kvm_usable() {
  [[ -r /dev/kvm && -w /dev/kvm ]] && echo quit | timeout 10 qemu-system-x86_64 \
    -accel kvm -M none -display none -nodefaults -monitor stdio >/dev/null 2>&1
}

# capix_accel: kvm or tcg (CAPIX_ACCEL overrides). KVM is used when usable, except
# when it is PVM (the kvm_pvm module: software nested virtualisation for PVM-aware
# guests). Measured there: every store of a non-PVM guest kernel traps (a 4 KiB byte
# loop costs 22 ms) and a null system call takes 395 us, against 0.65 us under TCG.
# CAPIX_ACCEL_REASON says why the choice was made.
capix_accel() {
  if [[ -z ${CAPIX_ACCEL:-} ]]; then
    CAPIX_ACCEL=tcg; CAPIX_ACCEL_REASON="no usable /dev/kvm"
    if capix_kvm_usable; then
      if [[ -d /sys/module/kvm_pvm ]]; then
        CAPIX_ACCEL_REASON="/dev/kvm is PVM, far slower than TCG for capix (CAPIX_ACCEL=kvm forces it)"
      else
        CAPIX_ACCEL=kvm; CAPIX_ACCEL_REASON="/dev/kvm is usable"
      fi
    fi
    export CAPIX_ACCEL CAPIX_ACCEL_REASON
  fi
  CAPIX_ACCEL_REASON=${CAPIX_ACCEL_REASON:-chosen by CAPIX_ACCEL}
  echo "$CAPIX_ACCEL"
}

# capix_archive OUT CONFIG [EXTRA FILES...]: the boot archive, init first.
capix_archive() {
  local out=$1 config=$2; shift 2
  local dir; dir=$(mktemp -d)
  cp "$CAPIX_BUILD/user/bin/init" "$dir/init"
  cp "$config" "$dir/config"
  local names=(init config)
  for f in "$CAPIX_BUILD"/user/bin/* "$@"; do
    local b; b=$(basename "$f")
    [[ $b == init || ! -f $f ]] && continue
    cp "$f" "$dir/$b"; names+=("$b")
  done
  tar --format=ustar -cf "$out" -C "$dir" "${names[@]}"
  rm -rf "$dir"
}

# capix_rootfs_tar: brings $CAPIX_BUILD/rootfs.tar (build/rootfs packed, the default
# tree's read-only part) up to date; prints its path, or nothing without build/rootfs.
capix_rootfs_tar() {
  local tarf=$CAPIX_BUILD/rootfs.tar tmp
  [[ -d $CAPIX_BUILD/rootfs ]] || return 0
  if [[ ! -f $tarf ]] || [[ -n $(find "$CAPIX_BUILD/rootfs" -newer "$tarf" -print -quit) ]]; then
    tmp=$(mktemp "$tarf.XXXXXX")
    tar --format=gnu --owner=0 --group=0 --sort=name -cf "$tmp" -C "$CAPIX_BUILD/rootfs" . &&
      mv "$tmp" "$tarf"
  fi
  echo "$tarf"
}

# capix_icount_args: with CAPIX_ICOUNT=1 (TCG only), `-icount shift=0,sleep=off`: the
# guest clock counts instructions (1 ns = 1 instruction), so timings repeat exactly on
# a busy machine (docs/measurements.md).
capix_icount_args() {
  if [[ ${CAPIX_ICOUNT:-0} == 1 && $(capix_accel) == tcg ]]; then
    QEMU_ARGS+=(-icount shift=0,sleep=off)
  fi
}

# capix_qemu_args ARCHIVE: the common QEMU arguments. The machine has $CAPIX_MEM of RAM,
# 320M unless said (scenarios; run-qemu and capix exec ask more): the boot archive, with
# build/rootfs packed as rootfs.tar when a config names it, takes its share of it first.
capix_qemu_args() {
  local accel; accel=$(capix_accel)
  QEMU_ARGS=(-M pc -bios /usr/share/qemu/qboot.rom -accel "$accel" -cpu "$CAPIX_CPU"
    -m "${CAPIX_MEM:-320M}" -kernel "$CAPIX_BUILD/kernel/capix.elf" -initrd "$1"
    -display none -no-reboot -nodefaults
    -device isa-debug-exit,iobase=0xf4,iosize=0x04)
  capix_icount_args
  # CAPIX_QEMU_EXTRA: more QEMU arguments, split on spaces (e.g. a QMP socket for
  # tools/qemu-sample)
  [[ -n ${CAPIX_QEMU_EXTRA:-} ]] && read -ra _extra <<<"$CAPIX_QEMU_EXTRA" && QEMU_ARGS+=("${_extra[@]}")
  return 0
}

# capix_qemu_net_args SLOT [HOSTPORT GUESTPORT]: a virtio-net card in PCI slot SLOT (hex)
# on QEMU's user network restricted to this machine (restrict=on: nothing is routed
# out). With HOSTPORT, the host's 127.0.0.1:HOSTPORT forwards to GUESTPORT in capix; each
# port P of $CAPIX_NET_OUT (a list) is 10.0.2.100:P in capix, a connection to the host's
# 127.0.0.1:P (tools/net-relay). Sets CAPIX_NET_NOTE to a one-line description.
capix_qemu_net_args() {
  local slot=$1 hport=${2:-} gport=${3:-} netdev=user,id=n0,restrict=on p relay
  CAPIX_NET_NOTE="network: loopback of this machine only"
  if [[ -n $hport ]]; then
    netdev+=",hostfwd=tcp:127.0.0.1:$hport-:$gport"
    CAPIX_NET_NOTE+=", 127.0.0.1:$hport -> capix:$gport"
  fi
  relay=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/net-relay
  [[ $relay != *,* ]] || { echo "capix: the path $relay has a comma, which QEMU's -netdev cannot take" >&2; return 1; }
  for p in ${CAPIX_NET_OUT:-}; do
    [[ $p =~ ^[0-9]+$ ]] && ((p > 0 && p < 65536)) ||
      { echo "capix: CAPIX_NET_OUT is a list of host ports, 1 to 65535 (not $p)" >&2; return 1; }
    netdev+=",guestfwd=tcp:10.0.2.100:$p-cmd:python3 $relay $p"
    CAPIX_NET_NOTE+=", capix 10.0.2.100:$p -> 127.0.0.1:$p"
  done
  QEMU_ARGS+=(-netdev "$netdev" -device "virtio-net-pci,netdev=n0,disable-legacy=on,addr=0x$slot")
}

# capix_qemu_uefi_args IMAGE: the common QEMU arguments for booting IMAGE (tools/mkimage)
# under OVMF, Debian's UEFI firmware: its code read-only, a writable copy of its
# variables next to the image. The disk is a virtio block device, as in the storage
# scenarios.
capix_qemu_uefi_args() {
  local accel vars=${1%.img}.vars.fd
  accel=$(capix_accel)
  cp /usr/share/OVMF/OVMF_VARS.fd "$vars"
  QEMU_ARGS=(-M pc -accel "$accel" -cpu "$CAPIX_CPU" -m "${CAPIX_MEM:-256M}"
    -drive if=pflash,format=raw,readonly=on,file=/usr/share/OVMF/OVMF_CODE.fd
    -drive "if=pflash,format=raw,file=$vars"
    -drive "file=$1,if=none,id=boot,format=raw"
    -device virtio-blk-pci,drive=boot,disable-legacy=on,addr=0x5
    -display none -no-reboot -nodefaults
    -device isa-debug-exit,iobase=0xf4,iosize=0x04)
}

# capix_enosys_check LOG NAME: fails (with a FAIL line) when LOG says a call of the
# syscall census (tests/posix/census-calls.txt) is unimplemented.
capix_enosys_check() {
  local log=$1 name=$2 calls bad
  calls=$(tr '\n' '|' <"$(dirname "${BASH_SOURCE[0]}")/../tests/posix/census-calls.txt")
  bad=$(tr -d '\r' <"$log" | grep -oE "unimplemented Linux call (${calls%|}) " | sort -u)
  if [[ -n $bad ]]; then
    echo "FAIL $name: ENOSYS for calls of the census: $(echo "$bad" | awk '{print $4}' | tr '\n' ' ')"
    return 1
  fi
  return 0
}
