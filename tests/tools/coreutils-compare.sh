#!/usr/bin/env bash
# GNU coreutils in capix against Linux (BRIEF.md section 4 item 3): the same static
# binaries (build/rootfs/bin/X) run in capix (tools/capix exec, cwd /tmp = a copy of
# the fixture) and on the host (cwd = a fresh copy of the fixture on a tmpfs, the
# environment tools/capix gives); stdout, stderr and the exit status must be equal
# after the masks each case names. capix runs one program per boot and keeps nothing
# between boots, so a command that changes files shows its effect through its own
# output: -v, a repeated operand (the second sees the first one's work) and errors.
# No run may name a call of the syscall census as unimplemented (census_report).
# One line per case: "PASS coreutils CASE" or "FAIL coreutils CASE: why" followed by
# indented diff lines (< host, > capix). Exits 1 if any case failed.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
root=$PWD
bindir=$root/build/rootfs/bin
[[ -x $bindir/ls ]] || { echo "FAIL coreutils: $bindir/ls missing (build the rootfs)"; exit 1; }
# the host side runs on a tmpfs, the file system capix's ram plugin is shaped after
work=$(mktemp -d /dev/shm/capix-coreutils.XXXXXX) || exit 1
trap 'rm -rf "$work"' EXIT
export CAPIX_EXEC_TIMEOUT=${CAPIX_EXEC_TIMEOUT:-60}
# our own copy of the last run's log (other runs may go at the same time)
export CAPIX_EXEC_LOG=$work/capix-exec.log
fixture=$work/fixture
failed=0 cases=0
declare -A progs=()

# Fixed times, so that listings compare equal; they differ per file for ls -t.
T0='2021-03-04 05:06:07'
make_fixture() {
  local f=$fixture
  mkdir -p "$f/dir/sub/deep" "$f/emptydir" "$f/nonempty" "$f/chain/x/y"
  printf 'alpha\nbeta\ngamma\ndelta\nepsilon\n' >"$f/a.txt"
  printf 'pear\napple\npear\nfig\napple\napple\nkiwi\nfig\nPear\n' >"$f/words.txt"
  printf 'apple\napple\napple\nfig\nfig\nkiwi\npear\npear\n' >"$f/sorted.txt"
  printf 'name,qty,colour\npear,3,green\napple,12,red\nfig,7,purple\nkiwi,12,brown\n' >"$f/table.csv"
  printf 'a\tb\tc\n1\t2\t3\nno tab here\n' >"$f/tabs.txt"
  printf 'h\xc3\xa9llo w\xc3\xb6rld\nna\xc3\xafve caf\xc3\xa9 \xe2\x82\xac5\n' >"$f/utf8.txt"
  printf 'Hello,   World!  \n\n\n\nfoo  bar\tbaz\n' >"$f/mixed.txt"
  printf 'top secret\n' >"$f/secret"
  printf '#!/bin/sh\necho hi\n' >"$f/exec.sh"
  : >"$f/empty"
  seq 1 40 >"$f/lines.txt"
  # 150000 short lines: GNU sort --parallel=2 sorts them in two threads (its
  # heuristic needs 128 Ki lines per buffer; checked with strace -f on the host)
  awk 'BEGIN { x = 1; for (i = 0; i < 150000; i++) {
         x = (x * 69069 + 1) % 4294967296; printf "%04d\n", int(x / 65536) % 2000 } }' \
    >"$f/big.txt"
  printf 'bee\n' >"$f/dir/b.txt"
  printf 'sea\n' >"$f/dir/sub/c.txt"
  printf 'dee\n' >"$f/dir/sub/deep/d.txt"
  printf 'x\n' >"$f/nonempty/x"
  chmod 0600 "$f/secret"
  chmod 0755 "$f/exec.sh"
  chmod 0750 "$f/dir/sub"
  chmod 1777 "$f"
  ln "$f/a.txt" "$f/hard"
  ln -s a.txt "$f/link"
  ln -s missing-target "$f/dangling"
  ln -s ../a.txt "$f/dir/up"
  touch -h -d "$T0" "$f"/* "$f"/dir/* "$f"/dir/sub/* "$f"/dir/sub/deep/* "$f"/nonempty/*
  touch -d '2022-01-01 00:00:00' "$f/a.txt"
  touch -d '2020-06-15 12:30:00' "$f/words.txt"
  touch -d '2019-12-31 23:59:59.5' "$f/big.txt"
  # directories last (deepest first): creating entries changes their mtime
  touch -d "$T0" "$f/chain/x/y" "$f/chain/x" "$f/chain" "$f/dir/sub/deep" "$f/dir/sub" \
    "$f/dir" "$f/nonempty" "$f/emptydir" "$f"
}
make_fixture
# the host copy is made from the archive tools/capix makes for --tmp (same options)
tar --format=gnu -cf "$work/fixture.tar" -C "$fixture" . || exit 1

# capix runs each case with a fresh copy of the fixture as its /tmp, the working directory
capix_case() {
  tools/capix exec --tmp "$fixture" --cwd /tmp "$@"
}
source tests/tools/coreutils-lib.sh

# --- ls
run_case ls
run_case ls -l
run_case -m "$M_PARENT" ls -la
run_case -m "$M_PARENT" ls -laR
run_case ls -laR --time-style=full-iso dir
run_case ls -lt --full-time
run_case ls -lSr
run_case ls -F -C -w 60
run_case ls -ld dir link dangling dir/up
run_case ls -lL link dir/up
run_case ls -ln secret exec.sh
run_case -f map_inodes ls -i1 a.txt hard link
run_case ls -lh big.txt
run_case ls nosuch a.txt
run_case ls -f dir
# --- cp
run_case cp -v a.txt copy.txt
run_case cp -v a.txt copy.txt copy.txt
run_case cp -rv dir dir2
run_case cp -v secret exec.sh dir/sub/deep
run_case cp a.txt /dev/stdout
run_case cp dir nodir
run_case cp -rv dir dir
run_case cp nosuch x
# --- mv
run_case mv -v a.txt renamed.txt
run_case mv -v words.txt words.txt dir
run_case mv -v dir/sub top
run_case mv -v a.txt exec.sh emptydir
run_case mv dir a.txt
run_case mv nosuch x
# --- rm
run_case rm -v a.txt hard a.txt
run_case rm -rv dir
run_case rm -v link dangling
run_case rm dir
run_case rm -dv emptydir
run_case rm -fv nosuch
run_case rm nosuch
# --- mkdir
run_case mkdir -v new new
run_case mkdir -pv p/q/r p/q
run_case mkdir -v -m 700 priv
run_case mkdir dir
run_case mkdir nosuch/x
# --- mkfifo, mknod (the second operand sees the first FIFO; devices as root)
run_case mkfifo -m 640 fifo fifo
run_case mknod -m 600 node c 60 7
run_case mknod -m 600 node p
# --- rmdir
run_case rmdir -v emptydir emptydir
run_case rmdir -pv chain/x/y
run_case rmdir nonempty
run_case rmdir a.txt
# --- ln, ln -s
run_case ln -v a.txt newhard
run_case ln -v a.txt hard
run_case ln -v dir dirlink
run_case ln -sv a.txt newsym newsym
run_case ln -sfv words.txt link
run_case ln -sv ../a.txt emptydir
run_case ln -v nosuch x
# --- chmod (the second operand shares the first one's inode: it shows the change)
run_case chmod -v 640 a.txt hard
run_case chmod -v u+x,go-r a.txt secret
run_case chmod -R -v go-rwx dir
run_case chmod -c 0644 a.txt secret exec.sh
run_case chmod 999 a.txt
run_case chmod 644 nosuch
# --- stat
run_case -m "$M_STAT" stat a.txt
run_case -m "$M_STAT" stat dir link
run_case -m "$M_STAT" stat -L link
run_case stat -c '%n|%s|%a|%A|%h|%F|%u|%U|%g|%G|%y|%Y|%N' a.txt hard link dangling dir secret empty big.txt
run_case -f map_inodes stat -c '%i %h %n' a.txt hard link
run_case stat -f -c '%T %s %S %l' .
run_case stat nosuch
# --- touch (no second program can look: exit status, errors and messages)
run_case touch new a.txt
run_case touch -d '2001-02-03 04:05:06' -h link dir
run_case touch -c nosuch
run_case touch nosuch/x
run_case touch -d 'not a date' a.txt
run_case touch -r nosuch a.txt
# --- cat
run_case cat a.txt link empty
run_case cat -n words.txt
run_case cat -A tabs.txt mixed.txt utf8.txt
run_case cat -s mixed.txt
run_case -i words.txt cat
run_case -i a.txt cat - table.csv
run_case cat dir
run_case cat nosuch a.txt
# --- head
run_case head -n 3 lines.txt
run_case head -c 10 a.txt
run_case head -n -35 lines.txt
run_case head a.txt words.txt
run_case -i lines.txt head -n 2
run_case head nosuch
# --- tail
run_case tail -n 3 lines.txt
run_case tail -c 12 a.txt
run_case tail -n +38 lines.txt
run_case tail -n 2 a.txt words.txt
run_case tail -n 2 big.txt
run_case -i lines.txt tail -n 4
run_case tail dir
# --- sort
run_case sort words.txt
run_case sort -r -u words.txt
run_case sort -f words.txt
run_case sort -t, -k2,2n -k1,1 table.csv
run_case -i words.txt sort
run_case sort -c words.txt
# two threads: the trace must show the clone that makes the second one
run_case -l '^\[exec\] \[trace\] clone\(.*\) = [0-9]+$' sort -u --parallel=2 big.txt
# a small buffer: sorted runs go to temporary files in /tmp and are merged
run_case sort -n -u -S 64K big.txt
run_case sort nosuch
# --- uniq
run_case uniq -c sorted.txt
run_case uniq -d sorted.txt
run_case uniq -u sorted.txt
run_case -i words.txt uniq -i
# --- wc
run_case wc a.txt words.txt big.txt
run_case wc -l lines.txt
run_case wc -m -c -w utf8.txt
run_case wc -L mixed.txt
run_case -i table.csv wc
run_case wc nosuch a.txt
# --- cut
run_case cut -d, -f1,3 table.csv
run_case cut -c 2-4 a.txt
run_case cut -f 2 tabs.txt
run_case cut -s -f 2- tabs.txt
run_case cut a.txt
# --- tr (reads stdin only)
run_case -i a.txt tr a-z A-Z
run_case -i a.txt tr -d aeiou
run_case -i mixed.txt tr -s ' \n'
run_case -i mixed.txt tr -c -d '[:alnum:]\n'
run_case -i utf8.txt tr '[:lower:]' '[:upper:]'
run_case tr a
# --- dd
run_case -m "$M_DD" dd if=a.txt
run_case dd if=lines.txt bs=5 skip=2 count=3 status=noxfer
run_case dd if=a.txt conv=ucase status=noxfer
run_case dd if=/dev/zero of=zeros bs=4096 count=256 status=noxfer
run_case dd if=big.txt of=copy bs=64K status=noxfer
run_case dd if=/dev/urandom of=/dev/null bs=512 count=4 status=noxfer
run_case dd if=nosuch
# --- du (sizes are tmpfs's on both: 4 KiB pages, no blocks for directories)
run_case du
run_case du -a dir
run_case du -s -h .
run_case du -c a.txt hard big.txt
run_case du -a -b dir
run_case du nosuch
# --- df
run_case -m "$M_DF" df .
run_case -m "$M_DF" df -h .
run_case df nosuch
run_case df -t nosuchfs
# --- date
run_case date -u -d @0
run_case date -d '2020-02-29 12:00' +%j
run_case date -u -d @1234567890 '+%F %T %Z %s %a %A %b %B %U %V %u'
run_case date -r a.txt
run_case date +%Y
run_case date -d 'not a date'
# --- env (alone, and running a command with execve)
run_case env
run_case env -i A=1 B=two
run_case env -u HOME -u TERM FOO=bar
run_case env -i A=1 /bin/env
run_case env FOO=bar printenv FOO
run_case env /no/such/program
# --- sleep
run_case sleep 0.2
run_case sleep x
# --- test
run_case test -f a.txt
run_case test -d a.txt
run_case test -L link
run_case test -e dangling
run_case test -x exec.sh
run_case test -s empty
run_case test a.txt -ef hard
run_case test a.txt -nt words.txt
run_case test -k .
run_case test 1 -eq x

# clocks: capix's wall clock is the host's (to a few seconds); sleep sleeps
host_now=$(date +%s)
capix_now=$(tools/capix exec -- /bin/date +%s </dev/null 2>&1)
if [[ $capix_now =~ ^[0-9]+$ ]] && ((capix_now - host_now >= -2 && capix_now - host_now <= 10)); then
  report "date +%s is the host's time" 1
else
  report "date +%s is the host's time" 0 "host $host_now capix $capix_now"
fi
start=$(date +%s%N)
tools/capix exec -- /bin/sleep 1 </dev/null >/dev/null 2>&1; rc=$?
ms=$((($(date +%s%N) - start) / 1000000))
if ((rc == 0 && ms >= 1000)); then report "sleep 1 lasts 1 s" 1; else
  report "sleep 1 lasts 1 s" 0 "exit $rc after $ms ms (boot included)"; fi

# capix runs build/rootfs as tools/capix packed it: the very files the host ran
mkdir "$work/packed"
members=()
for p in "${!progs[@]}"; do members+=("./bin/$p"); done
bad=""
if tar -xf build/rootfs.tar -C "$work/packed" "${members[@]}"; then
  for p in "${!progs[@]}"; do cmp -s "$bindir/$p" "$work/packed/bin/$p" || bad+=" $p"; done
else
  bad=" (cannot unpack build/rootfs.tar)"
fi
if [[ -z $bad ]]; then report "same binaries in capix and on the host (${#progs[@]})" 1; else
  report "same binaries in capix and on the host" 0 "build/rootfs.tar differs from build/rootfs/bin:$bad"; fi

census_report
echo "coreutils: $((cases - failed)) of $cases cases passed"
((failed == 0))
