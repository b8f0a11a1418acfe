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
# --net (README.md, "Network"): curl in capix fetches a file from a server of this test on
# the host's loopback through CAPIX_NET_OUT, byte for byte; without --net the sandbox has
# no route to a network server, socket() is refused and curl fails cleanly (exit 7)
mkdir -p "$tmp/www" && head -c 300000 /dev/urandom >"$tmp/www/blob"
wport=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
python3 -m http.server --bind 127.0.0.1 "$wport" --directory "$tmp/www" >/dev/null 2>&1 &
web_pid=$!
for _ in $(seq 50); do python3 -c "import socket; socket.create_connection(('127.0.0.1', $wport))" 2>/dev/null && break; sleep 0.1; done
# and in the same boot nc (ports/netcat): a line to a server on the host and its answer
# back, a listener and a client in capix over the loopback, and -z on a closed port
nport=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
python3 - "$nport" "$tmp/nc-host.ready" >"$tmp/nc-host.out" 2>&1 <<'PY' &
import socket, sys
l = socket.create_server(("127.0.0.1", int(sys.argv[1])))
l.settimeout(120)
open(sys.argv[2], "w").close()
c, _ = l.accept()
line = c.makefile("rb").readline()
c.sendall(b"host got " + line)
c.close()
print(line.decode().strip())
PY
nc_pid=$!
for _ in $(seq 50); do [[ -e $tmp/nc-host.ready ]] && break; sleep 0.1; done
got=$(CAPIX_NET_OUT="$wport $nport" tools/capix exec --net -- /bin/bash -c \
  "curl -sS -o /tmp/blob http://10.0.2.100:$wport/blob && sha256sum </tmp/blob
   echo from-capix | nc -q 5 10.0.2.100 $nport
   nc -l -p 9000 >/tmp/got & sleep 1; echo over-loopback | nc -q 1 127.0.0.1 9000
   wait \$!; echo \"listener \$?: \$(cat /tmp/got)\"
   nc -z -w 5 127.0.0.1 9001; echo \"closed port \$?\"
   for i in 1 2 3 4 5 6; do nc -l -p 910\$i >/tmp/s\$i & done; sleep 1
   for i in 1 2 3 4 5 6; do echo session-\$i | nc -q 1 127.0.0.1 910\$i; done; wait
   cat /tmp/s1 /tmp/s2 /tmp/s3 /tmp/s4 /tmp/s5 /tmp/s6 | tr '\\n' ' '; echo" </dev/null 2>&1)
wait "$nc_pid"
lines=$(printf '%s\n' "$got" | tail -n 4 | head -n 3)
sessions=$(printf '%s\n' "$got" | tail -n 1)
if [[ $(printf '%s\n' "$got" | head -n 1) == "$(sha256sum <"$tmp/www/blob")" ]]; then echo "PASS capix-exec --net curl from the host"
else echo "FAIL capix-exec --net curl from the host: got: ${got:0:300}"; fi
if [[ $lines == $'host got from-capix\nlistener 0: over-loopback\nclosed port 1' && $(cat "$tmp/nc-host.out") == from-capix ]]; then
  echo "PASS capix-exec --net nc to the host, over the loopback, -z"
else
  echo "FAIL capix-exec --net nc: capix: ${lines:0:300}; host: $(head -c 200 "$tmp/nc-host.out")"
fi
# six listeners and six clients, each process its own Net session (12 at once at most)
if [[ $sessions == "session-1 session-2 session-3 session-4 session-5 session-6 " ]]; then
  echo "PASS capix-exec --net twelve programs with their own Net sessions"
else
  echo "FAIL capix-exec --net twelve programs with their own Net sessions: ${sessions:0:300}"
fi
CAPIX_NET_OUT=$wport CAPIX_EXEC_LOG=$tmp/noroute.log tools/capix exec -- /bin/curl -sS \
  "http://10.0.2.100:$wport/blob" </dev/null >"$tmp/nr.out" 2>&1
rc=$?
if ((rc == 7)) && grep -q "Couldn't connect" "$tmp/nr.out" && grep -q "no route for a Net session" "$tmp/noroute.log"; then
  echo "PASS capix-exec no network route: curl fails cleanly"
else
  echo "FAIL capix-exec no network route: exit $rc: $(head -c 200 "$tmp/nr.out") $(grep -a -i net "$tmp/noroute.log" | head -3)"
fi
# /tmp's session donation (fs quota=, CAPIX_TMP_QUOTA): 64 MiB fit with 96M, not with the
# default 32M; a value that is no size in M is refused before the boot
big='dd if=/dev/zero of=/tmp/big bs=64k count=1024 2>/dev/null && stat -c %s /tmp/big'
got=$(CAPIX_EXEC_QUOTA=448M CAPIX_MEM=1G CAPIX_TMP_QUOTA=96M tools/capix exec -- /bin/bash -c "$big" </dev/null 2>&1)
small=$(tools/capix exec -- /bin/bash -c "$big || echo refused" </dev/null 2>&1)
CAPIX_TMP_QUOTA=5G tools/capix exec -- /bin/true >"$tmp/q.out" 2>&1
rc=$?
if [[ $got == 67108864 && $small == refused && $rc == 2 ]] && grep -q "CAPIX_TMP_QUOTA=5G: expected" "$tmp/q.out"; then
  echo "PASS capix-exec CAPIX_TMP_QUOTA: /tmp holds 64 MiB with 96M, not with 32M"
else
  echo "FAIL capix-exec CAPIX_TMP_QUOTA: with 96M '${got:0:100}', default '${small:0:100}', 5G: exit $rc $(head -c 100 "$tmp/q.out")"
fi
kill "$web_pid" 2>/dev/null
