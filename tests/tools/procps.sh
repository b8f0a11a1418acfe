#!/usr/bin/env bash
# procps in capix (issue 20): bash, with job control, starts `sleep 30 &` and a pipeline
# `sleep 29 | cat &`; ps -e lists them with bash as their parent, the sleep in a group
# of its own and the two processes of the pipeline in one group (the first one's); pgrep
# finds both sleeps, pkill ends them (wait gives 143 for the first); free and uptime
# print sane numbers; ps aux shows the shell's command line; which (debianutils) finds
# /bin/ls; no call of the syscall census is unimplemented (capix_enosys_check). One
# line per case:
# "PASS procps CASE" or "FAIL procps CASE: why".
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
for p in ps pgrep pkill free uptime bash which; do
  [[ -e build/rootfs/bin/$p ]] || { echo "FAIL procps: build/rootfs/bin/$p missing (make ports)"; exit 1; }
done
work=$(mktemp -d /dev/shm/capix-procps.XXXXXX) || exit 1
trap 'rm -rf "$work"' EXIT
cat >"$work/t.sh" <<'EOF'
set -m
/bin/sleep 30 &
s=$!
/bin/sleep 29 | /bin/cat &
p=$!
echo "ids $$ $s $p"
ps -e -o pid=,ppid=,pgid=,stat=,comm= | sed 's/^/ps /'
echo "pgrep $(pgrep sleep | tr '\n' ' ')"
pkill sleep
wait $s
echo "status $?"
wait $p
echo "left $(pgrep sleep | wc -l)"
free | sed 's/^/free /'
uptime | sed 's/^/uptime /'
ps aux | sed 's/^/aux /'
echo "which $(which ls)"
EOF
export CAPIX_EXEC_TIMEOUT=${CAPIX_EXEC_TIMEOUT:-120} CAPIX_EXEC_LOG=$work/capix-exec.log
tools/capix exec --with "$work" -- /bin/bash /mnt/host/t.sh >"$work/out" 2>"$work/err"
rc=$?
failed=0
result() { # CASE OK WHY
  if [[ $2 == 1 ]]; then
    echo "PASS procps $1"
  else
    echo "FAIL procps $1: $3"
    failed=1
  fi
}
out=$work/out
read -r _ bash sleep pipe < <(grep '^ids ' "$out")
result run "$([[ $rc == 0 && -n ${bash:-} ]] && echo 1)" "exit $rc; output: $(head -c 400 "$out") $(head -c 400 "$work/err")"
line() { awk -v pid="$1" '$1 == "ps" && $2 == pid' "$out"; }
# PID PPID PGID STAT COMM
read -r _ _ sppid spgid _ scomm < <(line "${sleep:-x}")
result ps-sleep "$([[ ${scomm:-} == sleep && $sppid == "$bash" && $spgid == "$sleep" ]] && echo 1)" \
  "$(line "${sleep:-x}")"
first=$(awk -v b="${bash:-x}" -v s="${sleep:-x}" '$1 == "ps" && $3 == b && $6 == "sleep" && $2 != s {print $2}' "$out")
read -r _ _ cppid cpgid _ ccomm < <(line "${pipe:-x}")
read -r _ _ fppid fpgid _ _ < <(line "${first:-x}")
result ps-pipeline "$([[ ${ccomm:-} == cat && $cppid == "$bash" && -n $first && $cpgid == "$first" && $fpgid == "$first" && $fppid == "$bash" ]] && echo 1)" \
  "cat: $(line "${pipe:-x}"); sleep: $(line "${first:-x}")"
read -r _ _ _ _ bstat bcomm < <(line "${bash:-x}")
result ps-shell "$([[ ${bcomm:-} == bash && ${bstat:-} == S* ]] && echo 1)" "$(line "${bash:-x}")"
result ps-self "$(grep -Eq '^ps +[0-9]+ +[0-9]+ +[0-9]+ R +ps$' "$out" && echo 1)" "no running ps line"
result pgrep "$([[ $(grep '^pgrep ' "$out") == "pgrep ${sleep:-x} ${first:-x} " ]] && echo 1)" \
  "$(grep '^pgrep ' "$out")"
result pkill "$(grep -qx 'status 143' "$out" && grep -qx 'left 0' "$out" && echo 1)" \
  "$(grep -E '^(status|left) ' "$out" | tr '\n' ' ')"
read -r _ _ total used free _ < <(grep '^free Mem:' "$out")
result free "$([[ ${total:-0} -gt 1024 && $((used + free)) -le $total && $free -gt 0 ]] && echo 1)" \
  "$(grep '^free ' "$out" | tr '\n' ' ')"
result uptime "$(grep -Eq '^uptime +[0-9]{2}:[0-9]{2}:[0-9]{2} up +[0-9]+ min, +[0-9]+ users?, +load average: 0\.00, 0\.00, 0\.00$' "$out" && echo 1)" \
  "$(grep '^uptime' "$out")"
result ps-aux "$(grep -Eq "^aux root +$bash .* Ss .*/bin/bash /mnt/host/t\.sh$" "$out" && echo 1)" \
  "$(grep '^aux ' "$out" | head -3 | tr '\n' ' ')"
result which "$(grep -qx 'which /bin/ls' "$out" && echo 1)" "$(grep '^which' "$out")"
# the syscall census: no call bash and procps make may be unimplemented
source tools/qemu-common.sh
enosys=$(capix_enosys_check "$CAPIX_EXEC_LOG" census)
result no-census-enosys "$([[ -z $enosys ]] && echo 1)" "${enosys#FAIL census: }"
others=$(tr -d '\r' <"$CAPIX_EXEC_LOG" | grep -oE 'unimplemented Linux call [a-z0-9_]+' | awk '{print $4}' |
  sort -u | grep -vxF -f tests/posix/census-calls.txt | tr '\n' ' ')
[[ -n $others ]] && echo "procps: ENOSYS (calls outside the census): $others"
if [[ $failed == 1 ]]; then
  echo "  capix output:"; sed 's/^/    /' "$out" "$work/err" | head -40
fi
exit $failed
