#!/usr/bin/env bash
# tools/capix exec --disk (docs/fat.md): a FAT image made and filled on the host is
# given to a run; what the host put there is read in capix, and what capix writes
# (40 MiB, more than a File_system session's quota donation: a disk's space is the
# disk's, not the session's memory; a long name; a directory) is read back on the host
# with mtools, byte for byte, and fsck.fat finds the image clean. A full disk gives
# ENOSPC; a bad --disk is refused with a message before any boot.
cd "$(dirname "$0")/../.." || exit 1
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
export MTOOLS_SKIP_CHECK=1 CAPIX_EXEC_LOG=$tmp/log
rc=0
pass() { echo "PASS capix-exec-disk $1"; }
fail() { echo "FAIL capix-exec-disk $1: $2"; rc=1; }
img=$tmp/disk.img
mkfs.fat -C "$img" 65536 >/dev/null || { fail mkfs "mkfs.fat failed"; exit 1; }
printf 'put there by the host\n' >"$tmp/from host.txt"
mcopy -i "$img" "$tmp/from host.txt" "::/from host.txt"
out=$(tools/capix exec --disk "$img:/data" -- /bin/bash -c '
  cat "/data/from host.txt"
  head -c 40M /dev/urandom > /data/big && sha256sum < /data/big
  mkdir /data/Docs && echo "written in capix" > "/data/Docs/A long name.txt"
  dd if=/dev/zero of=/data/fill bs=1M count=64 2>&1 | grep -o "No space left on device"
  rm /data/fill' 2>&1)
st=$?
if [[ $st == 0 && $(sed -n 1p <<<"$out") == "put there by the host" ]]; then
  pass "the host's file read in capix"
else
  fail "the host's file read in capix" "status $st: $(head -5 <<<"$out")"
fi
want=$(sed -n 2p <<<"$out")
if [[ $want =~ ^[0-9a-f]{64}\ \ -$ ]]; then
  pass "40 MiB written (beyond the session's quota)"
else
  fail "40 MiB written (beyond the session's quota)" "$want"
fi
if [[ $(sed -n 3p <<<"$out") == "No space left on device" ]]; then
  pass "a full disk gives ENOSPC"
else
  fail "a full disk gives ENOSPC" "$(sed -n 3,6p <<<"$out")"
fi
if [[ "$(mtype -i "$img" ::/big | sha256sum)" == "$want" ]]; then
  pass "the host reads the 40 MiB back"
else
  fail "the host reads the 40 MiB back" "hash differs"
fi
if [[ $(mtype -i "$img" "::/Docs/A long name.txt") == "written in capix" ]]; then
  pass "long name in a new directory"
else
  fail "long name in a new directory" "$(mdir -i "$img" ::/Docs 2>&1 | head -5)"
fi
if fout=$(fsck.fat -n "$img" 2>&1); then
  pass "fsck.fat finds the image clean"
else
  fail "fsck.fat finds the image clean" "$fout"
fi
if err=$(tools/capix exec --disk "$tmp/missing.img" -- /bin/true 2>&1); then
  fail "a missing image is refused" "it ran"
elif [[ $err == *"not a writable file"* ]]; then
  pass "a missing image is refused"
else
  fail "a missing image is refused" "$err"
fi
exit $rc
