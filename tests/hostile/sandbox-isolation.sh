#!/bin/bash
# sandbox-isolation.sh ME OTHER ROLE: one side of the sandbox-isolation scenario
# (docs/sandboxes.md). Two sandboxes run it at once, each with its own ram_fs for /tmp
# and for its home (/home/ME); ROLE is `killer` (signals every pid it can name, then
# kill -9 -1) or `survivor` (its processes must outlive that). Every check prints
# `PASS ME: ...` or `FAIL ME: ...`; the scenario's `order` file makes sure the
# survivor's checks come after the killer's deeds. The two sides share no channel:
# the timing is by sleeps, and a check made too early fails the order instead of
# passing.
me=$1 other=$2 role=$3
home=/home/$me
t0=$SECONDS
pass() { echo "PASS $me: $*"; }
fail() { echo "FAIL $me: $*"; }
at() { # at SECONDS: sleep until that many seconds after the start
  local left=$(($1 - (SECONDS - t0)))
  ((left > 0)) && /bin/sleep "$left"
}

# a long-lived process of our own, which the other side can only reach by a pid number
/bin/sleep 1000 &
mysleep=$!

# 1. write in /tmp and home, read back
secret="secret of $me: $RANDOM$RANDOM"
echo "$secret" >"/tmp/$me-secret.txt"
echo "$secret" >"$home/$me-secret.txt"
/bin/mkdir -p "/tmp/$me-dir" && echo inside >"/tmp/$me-dir/file"
if [[ $(/bin/cat "/tmp/$me-secret.txt") == "$secret" && $(<"$home/$me-secret.txt") == "$secret" &&
  $(<"/tmp/$me-dir/file") == inside ]]; then
  pass "wrote and read back /tmp/$me-secret.txt, $home/$me-secret.txt and /tmp/$me-dir/file"
else
  fail "write and read back in /tmp and $home"
fi

at 4 # the other side has written its files by now

# 2. listing: only our own names in /tmp and home
shopt -s nullglob dotglob
foreign=""
for f in /tmp/* "$home"/*; do
  [[ ${f##*/} == "$me"-* ]] || foreign+=" $f"
done
if [[ -z $foreign ]]; then
  pass "/tmp and $home hold only my files: $(echo /tmp/* "$home"/*)"
else
  fail "foreign names in /tmp or $home:$foreign"
fi

# 3. the other's secret, by name and by content, wherever we can look
found=""
for p in "/tmp/$other-secret.txt" "/tmp/../tmp/$other-secret.txt" "/home/$other/$other-secret.txt" \
  "$home/../$other/$other-secret.txt" "$home/$other-secret.txt" "/$other-secret.txt" \
  "/root/$other-secret.txt" "/proc/self/cwd/$other-secret.txt" "/tmp/$other-dir/file" \
  "/home/$other"; do
  [[ -e $p ]] && found+=" $p"
done
# every tree we can reach (reading / itself loops for now: see docs/sandboxes.md)
trees="/tmp /home /proc /dev /capix /bin /etc /usr"
hits=$(/bin/find $trees -name "$other-*" 2>/dev/null)
[[ -n $hits ]] && found+=" (find: $hits)"
greps=$(/bin/grep -rl "secret of $other" /tmp /home 2>/dev/null)
[[ -n $greps ]] && found+=" (grep: $greps)"
# the same searches find our own secret: so they would find the other's
own_find=$(/bin/find $trees -name "$me-secret.txt" 2>&1)
own_grep=$(/bin/grep -rl "secret of $me" /tmp /home 2>&1)
own_find=${own_find//$'\n'/ } own_grep=${own_grep//$'\n'/ }
if [[ " $own_find " != *" /tmp/$me-secret.txt "* || " $own_find " != *" $home/$me-secret.txt "* ||
  " $own_grep " != *" /tmp/$me-secret.txt "* || " $own_grep " != *" $home/$me-secret.txt "* ]]; then
  fail "the searches do not find my own secret: find gave '$own_find', grep '$own_grep'"
elif [[ -z $found ]]; then
  pass "no file of $other's found by name (find $trees -name '$other-*') or content"
else
  fail "$other's files are reachable:$found"
fi

# 4. wait: no pid number but our own child's can be waited for
/capix/bin/sandbox-probe wait 1 64 | sed "s/^\(PASS\|FAIL\) /\1 $me: /"

if [[ $role == killer ]]; then
  at 6
  # SIGTERM to every pid we can name, our own shell's excepted
  reached=""
  for p in {2..64}; do
    kill -TERM "$p" 2>/dev/null && reached+=" $p"
  done
  wait "$mysleep"
  st=$?
  echo "$me: sent SIGTERM to pids 2..64; reached:$reached"
  if ((st == 143)); then pass "my own sleep (pid $mysleep) ended by my SIGTERM"; else
    fail "my own sleep (pid $mysleep): wait status $st, not 143"
  fi
  at 12
  /bin/sleep 1000 &
  s=$!
  kill -9 -1
  wait "$s"
  st=$?
  echo "$me: kill -9 -1 done"
  if ((st == 137)); then pass "kill -9 -1 ended my own sleep (pid $s), and not me"; else
    fail "kill -9 -1: my sleep's wait status $st, not 137"
  fi
  echo "$me: still here after kill -9 -1"
else
  at 10
  if kill -0 "$mysleep" 2>/dev/null; then
    pass "my sleep (pid $mysleep) outlived $other's SIGTERM to every pid"
  else
    fail "my sleep (pid $mysleep) is gone after $other's SIGTERM to every pid"
  fi
  at 14
  for i in 1 2 3 4 5 6; do
    echo "$me: still running ($i) after $other's kill -9 -1"
    /bin/sleep 0.5
  done
  if kill -0 "$mysleep" 2>/dev/null; then
    pass "my sleep (pid $mysleep) outlived $other's kill -9 -1"
  else
    fail "my sleep (pid $mysleep) is gone after $other's kill -9 -1"
  fi
  kill -TERM "$mysleep"
  wait "$mysleep"
fi
echo "$me: done"
