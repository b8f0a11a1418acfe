#!/usr/bin/env bash
# util-linux's flock and setpriv (issue 20, ports/util-linux): the scripts in
# tests/tools/util-linux/ run by the same static bash on the Linux host (as root, in a
# tmpfs directory) and in capix (in /tmp, the ram_fs server's files, whose locks the
# server keeps). Their output is cut into the numbered sections the scripts print; one
# "PASS util-linux NAME" or "FAIL util-linux NAME: why" line per section, and one for
# each script's stderr and exit status.
#
# KNOWN lists the sections capix still answers differently, with the reason: each prints
# an "XFAIL" line (counted neither way by tools/run-tests) with both outputs, and a PASS
# line that says so once capix answers as Linux does.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
source tools/qemu-common.sh
declare -A KNOWN=()
bin=$PWD/build/rootfs/bin
for p in flock setpriv bash sh id sed sleep; do
  [[ -e $bin/$p ]] || { echo "FAIL util-linux: build/rootfs/bin/$p missing (make ports)"; exit 1; }
done
tmp=$(mktemp -d /dev/shm/capix-util-linux.XXXXXX) || exit 1
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/with" "$tmp/host"
cp tests/tools/util-linux/flock.sh tests/tools/util-linux/setpriv.sh "$tmp/with/"
failed=0

# section NUMBER FILE: the lines of section NUMBER ("N. title" up to the next header)
section() { awk -v n="$1" '/^[0-9]+\. / { on = ($1 == n ".") } on' "$2"; }

compare() { # SCRIPT: runs it on both sides and compares
  local s=$1 h=$tmp/$1.host c=$tmp/$1.capix hrc crc n name
  # the host's bash gets SIGINT at its default (see bash-scripts.sh)
  (cd "$tmp/host" && env --default-signal=INT -i PATH="$bin" HOME=/tmp LANG=C.UTF-8 TZ=UTC \
    "$bin/bash" "$tmp/with/$s.sh" "$tmp/host" >"$h.out" 2>"$h.err")
  hrc=$?
  CAPIX_EXEC_TIMEOUT=${CAPIX_EXEC_TIMEOUT:-180} CAPIX_EXEC_LOG=$tmp/$s.log \
    tools/capix exec --with "$tmp/with" --cwd /tmp -- /bin/bash "/mnt/host/$s.sh" /tmp \
    </dev/null >"$c.out" 2>"$c.err"
  crc=$?
  sed -i "s|$bin/||g; s|$tmp/with/|/mnt/host/|g" "$h.out" "$h.err"
  for n in $(grep -oE '^[0-9]+\. ' "$h.out" | tr -d '. '); do
    name=$s-$n
    if cmp -s <(section "$n" "$h.out") <(section "$n" "$c.out"); then
      if [[ -n ${KNOWN[$name]:-} ]]; then
        echo "PASS util-linux $name, listed in KNOWN as a gap of capix: drop it there"
      else
        echo "PASS util-linux $name ($(section "$n" "$h.out" | head -n 1))"
      fi
      continue
    fi
    if [[ -n ${KNOWN[$name]:-} ]]; then
      echo "XFAIL util-linux $name: ${KNOWN[$name]}"
    else
      echo "FAIL util-linux $name: capix's output differs from Linux's"
      failed=1
    fi
    diff <(section "$n" "$h.out") <(section "$n" "$c.out") | sed 's/^/    /'
  done
  if [[ $hrc == "$crc" ]] && cmp -s "$h.err" "$c.err"; then
    echo "PASS util-linux $s-end (exit $hrc, $(wc -l <"$h.err") lines of stderr the same)"
  else
    echo "FAIL util-linux $s-end: exit host $hrc capix $crc; stderr (< host, > capix):"
    diff "$h.err" "$c.err" | head -20 | sed 's/^/    /'
    failed=1
  fi
  capix_enosys_check "$tmp/$s.log" "util-linux $s" || failed=1
}

compare flock
if [[ $(id -u) == 0 ]]; then
  compare setpriv
else
  echo "FAIL util-linux setpriv: the host side must run as root (Linux is the oracle as root)"
  failed=1
fi
exit $failed
