# setpriv(1) dropping a root process's ids, run by the same bash and setpriv as root on
# the Linux host and in capix (tests/tools/util-linux.sh compares each section). Names
# of ids are left out of id's output: the host's /etc/group need not be capix's.
ids() { sed -E 's/\([^)]*\)//g'; }
run() {
  "$@" 2>&1 | ids
  echo "status ${PIPESTATUS[0]}"
}

echo "1. to nobody: setpriv --reuid=65534 --regid=65534 --clear-groups id"
run setpriv --reuid=65534 --regid=65534 --clear-groups id

echo "2. and no new privileges: setpriv --no-new-privs ..."
run setpriv --no-new-privs --reuid=65534 --regid=65534 --clear-groups id

echo "3. for good: nobody cannot become root again"
run setpriv --reuid=65534 --regid=65534 --clear-groups setpriv --reuid=0 --regid=0 --clear-groups id

echo "4. usage errors"
run setpriv
run setpriv --regid=65534 id
run setpriv --reuid=nosuchuser --regid=0 --clear-groups id
run setpriv --init-groups id
