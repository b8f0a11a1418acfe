#!/usr/bin/env bash
# glibc-static.sh: a static program built with glibc, not musl (issue 20): Debian's
# busybox-static (fetched with apt-get download into build/glibc-static/, never
# committed) runs the same shell script on the Linux host and in capix, and the outputs
# must be the same; glibc's own calls (set_robust_list, rseq's ENOSYS fallback, its
# startup) must leave nothing unimplemented but rseq, which glibc gives up cleanly.
# glibc-clone.c, built here with the host's glibc (static), makes a thread, a
# posix_spawn child and a fork child: glibc tries clone3 first and falls back to clone
# on capix's ENOSYS (then its threads wait with FUTEX_WAIT_BITSET and advise their
# stacks away, guard page and all); the output must be Linux's, and nothing
# unimplemented but rseq and clone3.
cd "$(dirname "$0")/../.." || exit 1
dir=build/glibc-static
mkdir -p "$dir/bin"
if [[ ! -x $dir/bin/busybox ]]; then
  rm -f "$dir"/*.deb
  # (package lists that were cleaned away are fetched again first, when we may)
  if ! (cd "$dir" && apt-get download busybox-static >download.log 2>&1) &&
    ! { [[ $(id -u) == 0 ]] && apt-get update -qq >>"$dir/download.log" 2>&1 &&
      (cd "$dir" && apt-get download busybox-static >>download.log 2>&1); }; then
    echo "FAIL glibc-static fetch: apt-get download busybox-static failed: $(tail -n 1 "$dir/download.log")"
    exit 1
  fi
  dpkg-deb -x "$dir"/busybox-static_*.deb "$dir/x" && cp "$dir/x/bin/busybox" "$dir/bin/busybox"
  rm -rf "$dir/x"
fi
if ! readelf -h "$dir/bin/busybox" >/dev/null 2>&1 || readelf -l "$dir/bin/busybox" | grep -q INTERP; then
  echo "FAIL glibc-static binary: $dir/bin/busybox is not a static program"
  exit 1
fi
script='b=/mnt/host/busybox; [ -x $b ] || b=$PWD/busybox
cd /tmp && rm -rf gs && mkdir gs && cd gs
$b echo hello from glibc
$b seq 1 5 | $b sort -r | $b tr "\n" " "; echo
printf "b 2\na 1\nc 3\n" | $b sort | $b awk "{s += \$2} END {print NR, s}"
$b printf "%05d %s\n" 42 x
echo abc | $b md5sum
$b expr 6 \* 7
echo one two three | $b sed "s/two/2/"
$b mkdir -p d/e && $b touch d/f && $b ls d | $b wc -l
$b date -u -d @0 +%Y-%m-%dT%H:%M
$b basename /a/b/c.txt .txt
(exit 3); echo status $?
cd /tmp && rm -rf gs && echo done'
cp "$dir/bin/busybox" "$dir/busybox"
(cd "$dir" && ./busybox sh -c "$script") >"$dir/host.out" 2>&1
CAPIX_EXEC_LOG=$dir/capix.log CAPIX_EXEC_TIMEOUT=120 \
  tools/capix exec --with "$dir/bin" -- /mnt/host/busybox sh -c "$script" </dev/null >"$dir/capix.out" 2>&1
rc=0
if cmp -s "$dir/host.out" "$dir/capix.out" && [[ -s $dir/host.out ]]; then
  echo "PASS glibc-static busybox same output as on Linux ($(wc -l <"$dir/host.out") lines)"
else
  echo "FAIL glibc-static busybox: output differs:"; diff "$dir/host.out" "$dir/capix.out" | head -20; rc=1
fi
missing=$(tr -d '\r' <"$dir/capix.log" | grep -a 'unimplemented Linux call' | grep -v ' rseq ' || true)
if [[ -z $missing ]]; then echo "PASS glibc-static no unimplemented call but rseq"
else echo "FAIL glibc-static unimplemented calls: $missing"; rc=1; fi
# threads, posix_spawn and fork of a glibc program: clone3's ENOSYS and glibc's fallback
mkdir -p "$dir/clone"
if ! clang -static -O2 -pthread -o "$dir/clone/glibc-clone" tests/tools/glibc-clone.c 2>"$dir/clone.build.log"; then
  echo "FAIL glibc-static clone build: clang -static with glibc failed: $(head -n 1 "$dir/clone.build.log")"
  exit 1
fi
"$dir/clone/glibc-clone" >"$dir/clone.host.out" 2>&1
CAPIX_EXEC_LOG=$dir/clone.capix.log CAPIX_EXEC_TIMEOUT=120 \
  tools/capix exec --with "$dir/clone" -- /mnt/host/glibc-clone </dev/null >"$dir/clone.capix.out" 2>&1
if cmp -s "$dir/clone.host.out" "$dir/clone.capix.out" && [[ -s $dir/clone.host.out ]]; then
  echo "PASS glibc-static threads, posix_spawn and fork same output as on Linux"
else
  echo "FAIL glibc-static threads, posix_spawn and fork: output differs:"
  diff "$dir/clone.host.out" "$dir/clone.capix.out" | head -20; rc=1
fi
missing=$(tr -d '\r' <"$dir/clone.capix.log" | grep -a 'unimplemented Linux call' |
  grep -v -e ' rseq ' -e ' clone3 ' || true)
if [[ -z $missing ]]; then echo "PASS glibc-static threads: no unimplemented call but rseq and clone3"
else echo "FAIL glibc-static threads: unimplemented calls: $missing"; rc=1; fi
exit $rc
