#!/usr/bin/env bash
# Builds the archives that lib/tar/tar_test.c reads, with the host's GNU tar:
#   ustar.tar  --format=ustar (long path stored with the prefix field), members "./..."
#   gnu.tar    --format=gnu   (also a 433-byte path and a 150-byte symlink target: 'L'/'K')
#   pax.tar    --format=pax   (the same, through 'x' extended headers), members without "./"
# Owner 1234, group 5678, mtime 1600000000 for every member; modes are set explicitly.
# Usage: make-test-archives.sh OUTDIR
set -euo pipefail
out=$(realpath -m "$1")
mkdir -p "$out"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
r=$tmp/root
mkdir -p "$r/dir/sub"
printf 'hello, tar\n' >"$r/hello.txt"
: >"$r/empty"
head -c 512 /dev/zero | tr '\0' 'a' >"$r/exact512"
python3 -c 'import sys; sys.stdout.buffer.write(bytes((i * 7) % 251 for i in range(5000)))' >"$r/big.bin"
printf 'nested\n' >"$r/dir/sub/file.txt"
deep=$(printf 'aaaaaaaaaa/%.0s' $(seq 15))
mkdir -p "$r/$deep"
printf 'deep\n' >"$r/${deep}file-in-deep-dir.txt"
ln -s hello.txt "$r/link"
ln "$r/hello.txt" "$r/xhard"
chmod 0644 "$r/hello.txt" "$r/exact512" "$r/dir/sub/file.txt" "$r/${deep}file-in-deep-dir.txt"
chmod 0600 "$r/empty"
chmod 0755 "$r/big.bin"
find "$r" -type d -exec chmod 0755 {} +
common=(--owner=1234 --group=5678 --numeric-owner --mtime=@1600000000 --sort=name)
tar "${common[@]}" --format=ustar -C "$r" -cf "$out/ustar.tar" .
long=$(printf 'verylongname%.0s' $(seq 18))
mkdir "$r/$long"
printf 'long\n' >"$r/$long/$long"
chmod 0755 "$r/$long"
chmod 0644 "$r/$long/$long"
ln -s "$(printf 'target/%.0s' $(seq 21))end" "$r/longlink"
tar "${common[@]}" --format=gnu -C "$r" -cf "$out/gnu.tar" .
(cd "$r" && tar "${common[@]}" --format=pax -cf "$out/pax.tar" $(ls -A))
