# The shell of scenario sandbox-trees: runs programs that have their own tree.
echo inside > /tmp/in.txt
ln -s /etc/passwd /tmp/link-out
ln -s ../etc/passwd /tmp/link-rel
cp /capix/bin/treetest /tmp/wide
cp /capix/bin/treetest /tmp/spawner
if read -r line < /tmp/link-out && read -r line < /etc/passwd; then
    echo "PASS shell_reaches_outside"
else
    echo "FAIL shell_reaches_outside"
fi
# fork + exec, with descriptor 3 outside the program's tree and 4 inside it
/capix/bin/treetest check 3</etc/passwd 4</tmp/in.txt
echo "treetest exit status $?"
# posix_spawn, from a program without a rule
/tmp/spawner spawn /capix/bin/treetest check-spawned 3</etc/passwd
echo "spawned exit status $?"
# a script with a rule
printf '%s\n' '#!/bin/bash' \
    'if read -r l < /etc/passwd 2>/dev/null; then echo "FAIL script_outside"; else echo "PASS script_outside"; fi' \
    'if read -r l < /tmp/in.txt; then echo "PASS script_inside"; else echo "FAIL script_inside"; fi' \
    > /tmp/narrow.sh
chmod +x /tmp/narrow.sh
/tmp/narrow.sh
echo "script exit status $?"
# descriptors passed between two programs in the same own tree, each with its own session
# of /x: a file of the sender's /x is not installed, one of /tmp (shared) is
cp /capix/bin/treetest /tmp/passer
/tmp/passer receive /tmp/pass.sock &
/tmp/passer pass /tmp/pass.sock
echo "pass exit status $?"
wait $!
echo "receive exit status $?"
# the wide program, run by the shell, reads the read-only tree
if ls / > /tmp/root.txt && grep -q "^bin$" /tmp/root.txt && grep -q "^tmp$" /tmp/root.txt && [ "$(wc -l < /tmp/root.txt)" -lt 20 ]; then echo "PASS shell_lists_root"; else echo "FAIL shell_lists_root"; fi
/tmp/wide wide
echo "wide exit status $?"
# what treetest wrote in the home, read by the shell
if [ "$(cat /root/out.txt)" = "from treetest" ]; then echo "PASS shell_sees_home_file"; else echo "FAIL shell_sees_home_file"; fi
# the shell itself was not narrowed by its children
if read -r line < /etc/passwd; then echo "PASS shell_still_wide"; else echo "FAIL shell_still_wide"; fi
echo "trees.sh done"
