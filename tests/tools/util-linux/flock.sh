# flock(1) as shell scripts use it, run by the same bash and flock on the Linux host and
# in capix (tests/tools/util-linux.sh compares stdout, stderr and the exit status).
# $1: the directory to work in (a tmpfs on the host, /tmp in capix: a ram_fs server's
# files, whose locks the server holds). Every wait is for a file another process
# writes, never for a time alone, so a slow machine changes no output.
cd "$1" || exit 1
now_ms() { local t=${EPOCHREALTIME/./}; echo $((10#$t / 1000)); }
# waits until file $1 exists (at most 20 s)
await() {
  local i
  for ((i = 0; i < 400; i++)); do
    [[ -e $1 ]] && return 0
    sleep 0.05
  done
  echo "gave up waiting for $1"
  return 1
}

echo "1. one process holds the lock, the others see it"
: >lk
flock lk sh -c ': >held; while [ ! -e release ]; do sleep 0.05; done' &
holder=$!
await held
flock -n lk echo "not printed"
echo "flock -n: $?"
flock -n -E 7 lk true
echo "flock -n -E 7: $?"
flock --nonblock --shared lk true
echo "flock -n -s: $?"
t=$(now_ms)
flock -w 0.5 lk true
rc=$?
echo "flock -w 0.5: $rc, after at least 0.4 s: $(($(now_ms) - t >= 400))"
flock -w 30 lk echo "the waiter got it" >waiter.out &
waiter=$!
sleep 0.5
echo "waiter before the release: [$(cat waiter.out)]"
: >release
wait $waiter
echo "waiter: $? [$(cat waiter.out)]"
wait $holder
echo "holder: $?"
rm -f held release waiter.out

echo "2. the fd form in a subshell: ( flock 9; ... ) 9>file"
(
  flock -n 9 || exit 1
  echo "subshell holds fd 9's lock"
  flock -n lk true
  echo "another open of lk: $?"
  sh -c 'flock -n 9; echo "a child on the same open file: $?"'
  flock -s 9
  echo "converted to shared: $?"
  flock -s -n lk true
  echo "another shared one: $?"
  flock -x -n lk true
  echo "another exclusive one: $?"
  flock -u 9
  flock -n lk true
  echo "after flock -u 9: $?"
) 9>lk
echo "subshell: $?"
(
  flock 9
  echo "the lock is free again"
) 9>>lk
( flock -n 9 && (flock -n 8 || echo "second fd, same file: busy $?") 8>lk ) 9>lk

echo "3. shared locks"
flock -s lk sh -c 'flock -s -n lk echo "shared beside shared"; flock -x -n lk true; echo "exclusive beside shared: $?"'
flock -x lk sh -c 'flock -s -n lk true; echo "shared beside exclusive: $?"'

echo "4. commands, statuses, -c and -o"
flock lk -c 'echo "sh -c under the lock"; exit 3'
echo "flock -c: $?"
flock lk sh -c 'exit 5'
echo "command status: $?"
flock -o lk sh -c 'flock -n lk true; echo "-o, the command without the fd: $?"'
echo "flock -o: $?"
flock lk false
echo "false: $?"
flock lk /nonexistent/program
echo "missing program: $?"

echo "5. released when the holder ends"
(
  sh -c 'exec 9>lk; flock 9; : >held
    exec sh -c "while [ ! -e release ]; do sleep 0.05; done; exit 4"' &
  holder=$!
  await held
  flock -n lk true
  echo "while a program exec'd with the fd holds it: $?"
  : >release
  wait $holder
  echo "it exited: $?"
  flock -n lk echo "free after the exit"
  rm -f held release
  sh -c 'exec 9>lk; flock 9; : >held; exec sleep 60' &
  holder=$!
  await held
  kill $holder
  wait $holder
  echo "sleep terminated: $?"
  flock -n lk echo "free after SIGTERM"
  rm -f held
) 2>/dev/null # bash's "Terminated" line names the script and the pid

echo "6. other files and errors"
flock -n . echo "a directory can be locked"
flock -n newfile echo "flock creates the file"
[[ -f newfile ]] && echo "newfile exists"
flock -n nodir/x true
echo "missing directory: $?"
flock -n 9 9<&-
echo "closed fd: $?"
flock
echo "no arguments: $?"
flock -w nonsense lk true
echo "bad timeout: $?"
rm -f lk newfile

echo "7. released when the holder is killed"
(
  sh -c 'exec 9>killed.lk; flock 9; : >held; exec sleep 60' &
  holder=$!
  await held
  kill -9 $holder
  wait $holder
  echo "sleep killed: $?"
  flock -n killed.lk echo "free after SIGKILL"
  rm -f held killed.lk
) 2>/dev/null # bash's "Killed" line names the script and the pid
