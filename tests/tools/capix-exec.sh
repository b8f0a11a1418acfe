#!/usr/bin/env bash
# tools/capix exec against Linux: the same static binaries from build/rootfs run on the
# host and in capix; stdout, stderr and the exit status must be equal. Only programs
# that need no files yet are listed (the VFS comes next); each line is one case.
cd "$(dirname "$0")/../.."
cases=(
  "/bin/echo hello world"
  "/bin/echo -e a\\tb\\\\n"
  "/bin/true"
  "/bin/false"
  "/bin/printf %s-%05d|%x\\n word 42 255"
  "/bin/seq -s , 1 3 20"
  "/bin/factor 1001 65537 600851475143"
  "/bin/expr 6 + 7"
  "/bin/expr length capix"
  "/bin/basename /usr/share/terminfo/x/xterm .x"
  "/bin/dirname /usr/share/terminfo/x/xterm"
  "/bin/test 3 -gt 2"
  "/bin/test abc = abd"
  "/bin/uname -s -m"
  "/bin/sleep 0.05"
  "/bin/seq 0"
  "/bin/expr 1 / 0"
  "/bin/census"
  "/bin/threads"
)
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
for c in "${cases[@]}"; do
  read -r -a argv <<<"$c"
  prog=${argv[0]}
  host_bin=build/rootfs${prog}
  [[ -f $host_bin ]] || host_bin=build/user/bin/$(basename "$prog")
  "$host_bin" "${argv[@]:1}" >"$tmp/h.out" 2>"$tmp/h.err"; hrc=$?
  tools/capix exec -- "${argv[@]}" >"$tmp/c.out" 2>"$tmp/c.err"; crc=$?
  # the program's own name in messages differs only by path: mask it
  sed -i "s|$host_bin|$prog|g" "$tmp/h.err"
  if [[ $hrc == "$crc" ]] && cmp -s "$tmp/h.out" "$tmp/c.out" && cmp -s "$tmp/h.err" "$tmp/c.err"; then
    echo "PASS capix-exec $c"
  else
    echo "FAIL capix-exec $c: exit host $hrc capix $crc; stdout/stderr diff:"
    diff "$tmp/h.out" "$tmp/c.out" | head -5 | sed 's/^/    /'
    diff "$tmp/h.err" "$tmp/c.err" | head -5 | sed 's/^/    /'
  fi
done

# --with: a host directory read-only under /mnt/host; stdin from the host
mkdir -p "$tmp/with/sub"
printf 'alpha\nbeta\ngamma\n' >"$tmp/with/sub/file.txt"
out=$(tools/capix exec --with "$tmp/with" -- /bin/cat /mnt/host/sub/file.txt </dev/null 2>&1)
if [[ $out == $'alpha\nbeta\ngamma' ]]; then echo "PASS capix-exec --with cat"
else echo "FAIL capix-exec --with cat: got: ${out:0:200}"; fi
tools/capix exec --with "$tmp/with" -- /bin/touch /mnt/host/new </dev/null >"$tmp/ro.out" 2>&1
rc=$?
if ((rc == 1)) && grep -q "Read-only file system" "$tmp/ro.out"; then echo "PASS capix-exec --with read-only"
else echo "FAIL capix-exec --with read-only: exit $rc: $(head -c 200 "$tmp/ro.out")"; fi
out=$(printf '3\n1\n2\n' | tools/capix exec -- /bin/sort 2>&1)
if [[ $out == $'1\n2\n3' ]]; then echo "PASS capix-exec stdin sort"
else echo "FAIL capix-exec stdin sort: got: ${out:0:200}"; fi
# a program the tree does not have
tools/capix exec -- /bin/no-such-program </dev/null >"$tmp/np.out" 2>&1
rc=$?
if ((rc == 127)); then echo "PASS capix-exec missing program"
else echo "FAIL capix-exec missing program: exit $rc (expected 127)"; fi
# a pipeline of three programs (the processes issue): the same count as on the host
want=$(ls build/rootfs/bin | sort | wc -l)
got=$(tools/capix exec -- /bin/bash -c 'ls /bin | sort | wc -l' </dev/null 2>&1)
if [[ $got == "$want" ]]; then echo "PASS capix-exec pipeline ls | sort | wc -l"
else echo "FAIL capix-exec pipeline ls | sort | wc -l: capix $got, host $want"; fi
