#!/usr/bin/env bash
# Makes the seed images of fat_fuzz in DIR: small FAT12, FAT16 and FAT32 volumes made by
# mkfs.fat and filled with mtools (long and short names, nested directories, a file of
# several clusters), each cut after its last non-zero byte (the fuzzer reads the rest as
# zeros). Usage: make-fuzz-seeds.sh DIR
set -euo pipefail
out=$1
export PATH=/usr/sbin:/sbin:$PATH MTOOLS_SKIP_CHECK=1
mkdir -p "$out"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
head -c 5000 /dev/zero | tr '\0' 'q' >"$tmp/data"
echo hello >"$tmp/small"
make_one() { # NAME SIZE_KIB MKFS_ARGS...
  local name=$1 size=$2 img="$tmp/$1.img"
  shift 2
  mkfs.fat -C "$@" "$img" "$size" >/dev/null
  mmd -i "$img" "::Long Directory" "::Long Directory/sub"
  mcopy -i "$img" "$tmp/small" "::README.TXT"
  mcopy -i "$img" "$tmp/small" "::a file with a long name.txt"
  mcopy -i "$img" "$tmp/data" "::Long Directory/sub/data.bin"
  python3 - "$img" "$out/$name" <<'PY'
import sys
data = open(sys.argv[1], 'rb').read().rstrip(b'\0')
open(sys.argv[2], 'wb').write(data + b'\0' * (-len(data) % 512))
PY
}
make_one fat12 128 -F 12 -s 1
make_one fat16 2200 -F 16 -s 1 -f 1
make_one fat32 34000 -F 32 -s 1 -f 1
