# Runs in the shell's sandbox (scenario fat-powerloss): write and sync; write without a
# sync and wait past the server's write-back delay (5 s); then the power goes.
set -u
cd /data
for i in $(seq 1 20); do echo "line $i of the synced file" >> synced.txt; done
mkdir kept
echo "in a new directory" > kept/inside.txt
sync
echo "not synced: the server writes it back by itself" > late.txt
sleep 8
echo "SYNCED $(wc -l < synced.txt)"
sleep 100
