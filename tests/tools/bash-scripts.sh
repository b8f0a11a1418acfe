#!/usr/bin/env bash
# BRIEF section 4, item 4: a bash script (tests/tools/bash/script.sh: pipelines, command
# substitution, subshells, redirections, here-documents, background jobs with wait,
# trap, and the shared offset case `(echo a; echo b) > f`) run by the same bash on the
# Linux host (in a tmpfs directory) and in capix (in /tmp, a ram_fs server's file
# system shared by all processes); stdout, stderr and the exit status must be equal.
cd "$(dirname "$0")/../.." || exit 1
source tools/qemu-common.sh
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/host" "$tmp/with"
cp tests/tools/bash/script.sh "$tmp/with/script.sh"
bin=$PWD/build/rootfs/bin
# the host bash gets SIGINT at its default: a shell started in the background (make test
# from a script's `&`) inherits it ignored, and bash cannot trap a signal ignored on entry
(cd "$tmp/host" && env --default-signal=INT -i PATH="$bin" HOME=/tmp TERM=dumb LANG=C.UTF-8 TZ=UTC \
  "$bin/bash" "$tmp/with/script.sh" "$tmp/host" >"$tmp/h.out" 2>"$tmp/h.err")
hrc=$?
CAPIX_EXEC_LOG=build/bash-scripts.log tools/capix exec --with "$tmp/with" --cwd /tmp -- \
  /bin/bash /mnt/host/script.sh /tmp </dev/null >"$tmp/c.out" 2>"$tmp/c.err"
crc=$?
# the host's paths in error messages are capix's
sed -i "s|$bin/||g; s|$tmp/with/|/mnt/host/|g" "$tmp/h.out" "$tmp/h.err"
rc=0
if [[ $hrc == "$crc" ]] && cmp -s "$tmp/h.out" "$tmp/c.out" && cmp -s "$tmp/h.err" "$tmp/c.err"; then
  echo "PASS bash-script ($(wc -l <"$tmp/h.out") lines, exit $hrc)"
else
  echo "FAIL bash-script: exit host $hrc capix $crc; diff (< host, > capix):"
  diff "$tmp/h.out" "$tmp/c.out" | head -20 | sed 's/^/    /'
  diff "$tmp/h.err" "$tmp/c.err" | head -10 | sed 's/^/    /'
  rc=1
fi
capix_enosys_check build/bash-scripts.log bash-script || rc=1
exit $rc
