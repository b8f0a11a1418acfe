#!/bin/bash
# The other sandbox of the sandbox-hostile scenario (docs/sandboxes.md): a numbered
# heartbeat every half second, each with a little file work in this sandbox's /tmp (a
# ram_fs server of its own) and a child process, until the machine powers off.
n=0
while :; do
  n=$((n + 1))
  f=/tmp/beat.$((n % 4))
  echo "beat $n" >"$f"
  read -r got <"$f"
  [[ $got == "beat $n" ]] || echo "FAIL heartbeat $n: /tmp/beat read back '$got'"
  words=$(/bin/cat "$f" | /bin/wc -w)
  [[ $words == 2 ]] || echo "FAIL heartbeat $n: a child process saw $words words"
  echo "heartbeat $n"
  /bin/sleep 0.5
done
