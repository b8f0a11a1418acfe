#!/usr/bin/env bash
# Builds the archives that vfs-plugins/tar/tar_fs_test.c mounts, with the host's GNU tar:
#   tree-ustar.tar  --format=ustar, members "./..."
#   tree-gnu.tar    --format=gnu, with a 300-byte path and a long symlink target
#   tree-pax.tar    --format=pax, members without "./"
# The tree: files with set modes, a directory tree, a symlink, a hard link, an empty
# directory. Owner 1234, group 5678, mtime 1600000000 for every member.
# Usage: make-test-archives.sh OUTDIR
set -euo pipefail
out=$(realpath -m "$1")
mkdir -p "$out"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
r=$tmp/root
mkdir -p "$r/bin" "$r/etc" "$r/usr/share/doc" "$r/empty"
printf 'hello, tar\n' >"$r/etc/greeting"
printf '#!/bin/sh\necho hi\n' >"$r/bin/tool"
head -c 10000 /dev/zero | tr '\0' 'z' >"$r/usr/share/doc/big"
ln -s tool "$r/bin/link"
ln -s ../etc/greeting "$r/bin/up"
ln "$r/etc/greeting" "$r/etc/hardlink"
chmod 0644 "$r/etc/greeting" "$r/usr/share/doc/big"
chmod 0755 "$r/bin/tool"
chmod 0700 "$r/empty"
find "$r" -type d ! -name empty -exec chmod 0755 {} +
common=(--owner=1234 --group=5678 --numeric-owner --mtime=@1600000000 --sort=name)
tar "${common[@]}" --format=ustar -C "$r" -cf "$out/tree-ustar.tar" .
long=$(printf 'averylongdirectoryname/%.0s' $(seq 12))
mkdir -p "$r/$long"
printf 'deep\n' >"$r/${long}file"
ln -s "$(printf 'x/%.0s' $(seq 80))target" "$r/longlink"
tar "${common[@]}" --format=gnu -C "$r" -cf "$out/tree-gnu.tar" .
(cd "$r" && tar "${common[@]}" --format=pax -cf "$out/tree-pax.tar" $(ls -A))
