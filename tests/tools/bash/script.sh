# The bash script of BRIEF section 4, item 4: run by the same bash binary on the Linux
# host and in capix (tests/tools/bash-scripts.sh); the outputs must be equal.
# $1: a writable directory (capix: its /tmp, a ram_fs server's; host: a tmpfs).
set -u
cd "$1" || exit 1
echo "pipeline: $(printf 'c\nb\na\n' | sort | head -n 2 | tr '\n' ' ')"
x=$(echo sub; echo shell)
echo "substitution: $x"
echo "nested: $(echo "$(echo inner)")"
echo "subshell status: $( (exit 7); echo $?)"
(cd / && pwd)
echo one >f
echo two >>f
cat <f
echo "lines: $(wc -l <f)"
ls nosuch 2>&1
ls nosuch >err 2>&1; echo "status $?: $(cat err)"
cat <<END
here-document: $x
END
cat <<'END' | tr a-z A-Z
quoted $x
END
(echo a; echo b) >g
/bin/echo c >>g
cat g
sleep 0.2 &
p=$!
wait "$p"
echo "waited: $?"
(sleep 0.1; echo first >bg1) &
(echo second >bg2) &
wait
cat bg1 bg2
trap 'echo trapped USR1' USR1
kill -USR1 $$
echo "after the trap"
false | true
echo "pipestatus: ${PIPESTATUS[*]}"
yes | head -n 3
echo "yes pipestatus: ${PIPESTATUS[*]}"
read -r line <f
echo "read: $line"
fn() { local v=$1; echo "function $v $#"; }
fn arg other
exec 3>h
echo "via fd 3" >&3
exec 3>&-
cat h
i=0
while [ $i -lt 3 ]; do i=$((i + 1)); done
echo "while: $i, arithmetic: $((6 * 7))"
case "$x" in *shell*) echo "case: matched" ;; *) echo "case: no" ;; esac
for w in $(seq 3); do printf '%s.' "$w"; done; echo
out=$(bash -c 'echo child bash; exit 4'); echo "$out: $?"
sh -c 'echo "sh is bash: ${BASH_VERSION:+yes}"'
trap 'echo trapped INT' INT
kill -INT $$
echo "after the INT trap"
trap - INT
sleep 5 &
kill $!
{ wait $!; } 2>/dev/null
echo "killed job: $?"
sleep 0.5 &
s=$!
(sleep 0.05; exit 7) &
wait -n "$s" $!
echo "wait -n: $?"
kill $s
{ wait $s; } 2>/dev/null
timeout 0.2 sleep 5
echo "timeout: $?"
rm -f f g h bg1 bg2 err
ls -A
trap 'echo exit trap' EXIT
exit 3
