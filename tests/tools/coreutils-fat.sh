#!/usr/bin/env bash
# GNU coreutils in capix with the working directory on FAT (issue 17): the same static
# binaries as coreutils-compare.sh, run in capix in a directory of a FAT disk (the fat
# server over virtio-blk, tools/capix exec --disk) and on the host in a copy of the same
# fixture on a tmpfs; stdout, stderr and the exit status must be equal after the masks
# each case names. The fixture is one a FAT volume can hold: no symbolic or hard links,
# every mode 0755 (the fat server's default umask 022 gives files and directories
# 0755), times on even seconds (FAT keeps 2-second ones). What differs on FAT, as on
# Linux's vfat, is expected and explained:
#   - a directory's size is its clusters times the cluster size (tmpfs: its entries),
#     and `total` counts clusters: both masked, with the column padding they move;
#   - symbolic links, hard links and FIFOs are EPERM, chmod of r or x bits is EPERM,
#     names are found whatever their case: checked in capix alone, against the message
#     Linux's vfat gives.
# One line per case: "PASS coreutils-fat CASE" or "FAIL coreutils-fat CASE: why".
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
bindir=$PWD/build/rootfs/bin
[[ -x $bindir/ls ]] || { echo "FAIL coreutils-fat: $bindir/ls missing (build the rootfs)"; exit 1; }
for tool in mkfs.fat mcopy; do
  command -v "$tool" >/dev/null || { echo "FAIL coreutils-fat: $tool missing (apt-get install dosfstools mtools)"; exit 1; }
done
work=$(mktemp -d /dev/shm/capix-coreutils-fat.XXXXXX) || exit 1
trap 'rm -rf "$work"' EXIT
export CAPIX_EXEC_TIMEOUT=${CAPIX_EXEC_TIMEOUT:-60} CAPIX_EXEC_LOG=$work/capix-exec.log
export MTOOLS_SKIP_CHECK=1
fixture=$work/fixture
failed=0 cases=0
declare -A progs=()

T0='2021-03-04 05:06:08'
make_fixture() {
  local f=$fixture
  mkdir -p "$f/dir/sub/deep" "$f/emptydir" "$f/nonempty" "$f/chain/x/y"
  printf 'alpha\nbeta\ngamma\ndelta\nepsilon\n' >"$f/a.txt"
  printf 'pear\napple\npear\nfig\napple\napple\nkiwi\nfig\nPear\n' >"$f/words.txt"
  printf 'name,qty,colour\npear,3,green\napple,12,red\nfig,7,purple\n' >"$f/table.csv"
  printf 'h\xc3\xa9llo w\xc3\xb6rld\nna\xc3\xafve caf\xc3\xa9 \xe2\x82\xac5\n' >"$f/utf8.txt"
  printf 'a long name that is no 8.3 name\n' >"$f/A Long Name, Mixed Case.text"
  printf '#!/bin/sh\necho hi\n' >"$f/exec.sh"
  : >"$f/empty"
  seq 1 40 >"$f/lines.txt"
  seq 1 20000 >"$f/big.txt" # several clusters
  printf 'bee\n' >"$f/dir/b.txt"
  printf 'sea\n' >"$f/dir/sub/c.txt"
  printf 'dee\n' >"$f/dir/sub/deep/d.txt"
  printf 'x\n' >"$f/nonempty/x"
  chmod -R 0755 "$f"
  touch -d "$T0" "$f"/* "$f"/dir/* "$f"/dir/sub/* "$f"/dir/sub/deep/* "$f"/nonempty/*
  touch -d '2022-01-01 00:00:00' "$f/a.txt"
  touch -d '2020-06-15 12:30:02' "$f/words.txt"
  touch -d "$T0" "$f/chain/x/y" "$f/chain/x" "$f/chain" "$f/dir/sub/deep" "$f/dir/sub" \
    "$f/dir" "$f/nonempty" "$f/emptydir" "$f"
}
make_fixture
tar --format=gnu -cf "$work/fixture.tar" -C "$fixture" . || exit 1
# the FAT image: the fixture in directory fx (so that "." is a directory with times and
# ".." the volume's root), times kept (mcopy -m, in UTC as the fat server reads them)
mkfs.fat -C "$work/fixture.img" 16384 >/dev/null || { echo "FAIL coreutils-fat: mkfs.fat"; exit 1; }
if ! TZ=UTC mcopy -s -p -m -i "$work/fixture.img" "$fixture" ::/fx; then
  echo "FAIL coreutils-fat: cannot copy the fixture onto the image"; exit 1
fi

# each case gets a fresh copy of the image
capix_case() {
  cp --sparse=always "$work/fixture.img" "$work/case.img" &&
    tools/capix exec --disk "$work/case.img:/mnt/fat" --cwd /mnt/fat/fx "$@"
}
label=coreutils-fat
source tests/tools/coreutils-lib.sh

# ls -l on FAT: directory sizes and the total are the volume's (see the top), and the
# columns they widen are padded differently: spaces squeezed, both masked
# shellcheck disable=SC2016 # a sed script
M_LS='s/ +/ /g; s/^total [0-9]+$/total [n]/; s/^(d[^ ]+ [0-9]+ [^ ]+ [^ ]+ )[0-9]+ /\1[dirsize] /'

# expect NAME RC STDERR PROG [ARGS...]: a FAT difference, run in capix alone: the exit
# status and stderr must be what Linux's vfat gives
expect() {
  local name=$1 rc=$2 err=$3 crc
  shift 3
  capix_case -- "/bin/$1" "${@:2}" </dev/null >"$work/c.out" 2>"$work/c.err"
  crc=$?
  census_keep
  report "$name" "$([[ $crc == "$rc" && $(cat "$work/c.err") == "$err" ]] && echo 1 || echo 0)" \
    "exit $crc (want $rc), stderr '$(head -c 300 "$work/c.err")' (want '$err')"
}

# --- ls
run_case ls
run_case -m "$M_LS" ls -l
run_case -m "$M_PARENT" -m "$M_LS" ls -la
run_case -m "$M_PARENT" -m "$M_LS" ls -laR
run_case -m "$M_LS" ls -lt --full-time
run_case -m "$M_LS" ls -lR --time-style=full-iso dir
run_case ls -F -C -w 60
run_case -m "$M_LS" ls -ld dir emptydir "A Long Name, Mixed Case.text"
run_case ls nosuch a.txt
# --- reading
run_case cat a.txt "A Long Name, Mixed Case.text" dir/sub/deep/d.txt
run_case head -n 3 lines.txt
run_case tail -c 20 big.txt
run_case wc a.txt words.txt big.txt empty
run_case sort -u words.txt
run_case md5sum big.txt utf8.txt
run_case -m "$M_STAT" stat -c '%n %s %F %a %U %G %y' a.txt empty big.txt
run_case -m "$M_STAT" stat -c '%n %F %a %h %U %G %y' dir emptydir
# --- changing
run_case cp -v a.txt copy.txt
run_case cp -v a.txt copy.txt copy.txt
run_case -f sort_lines cp -rv dir dir2
run_case cp -v words.txt exec.sh dir/sub/deep
run_case cp dir nodir
run_case cp nosuch x
run_case mv -v a.txt renamed.txt
run_case mv -v a.txt "a new long name.txt" a.txt
run_case mv -v words.txt words.txt dir
run_case mv -v dir/sub top
run_case mv -v a.txt exec.sh emptydir
run_case mv -v lines.txt a.txt
run_case mv dir a.txt
run_case rm -v a.txt a.txt
run_case -f sort_lines rm -rv dir
run_case rmdir -v emptydir nonempty
run_case mkdir -v new new
run_case mkdir -pv p/q/r chain/x/y
run_case chmod -v a-w a.txt
run_case chmod -v u+w a.txt
run_case truncate -s 100000 empty
run_case dd if=big.txt of=copy bs=4096 count=3 status=none
run_case touch -d '2020-02-02 02:02:02' a.txt new.txt
# --- what FAT cannot hold (Linux's vfat gives the same)
expect "ln -s: EPERM" 1 "ln: failed to create symbolic link 'l': Operation not permitted" ln -s a.txt l
expect "ln: EPERM" 1 "ln: failed to create hard link 'h' => 'a.txt': Operation not permitted" ln a.txt h
expect "mkfifo: EPERM" 1 "mkfifo: cannot create fifo 'p': Operation not permitted" mkfifo p
expect "chmod 0600: EPERM" 1 "chmod: changing permissions of 'a.txt': Operation not permitted" chmod 0600 a.txt
expect "cat A.TXT finds a.txt" 0 "" cat A.TXT DIR/B.TXT
if [[ $(cat "$work/c.out") == "$(cat "$fixture/a.txt" "$fixture/dir/b.txt")" ]]; then
  report "cat A.TXT prints a.txt" 1
else
  report "cat A.TXT prints a.txt" 0 "printed '$(head -c 200 "$work/c.out")'"
fi

census_report
echo "coreutils-fat: $((cases - failed)) of $cases cases passed"
((failed == 0))
