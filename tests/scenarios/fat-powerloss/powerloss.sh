# Runs in the shell's sandbox (scenario fat-powerloss): write, sync, then the power goes.
set -u
cd /data
for i in $(seq 1 20); do echo "line $i of the synced file" >> synced.txt; done
mkdir kept
echo "in a new directory" > kept/inside.txt
sync
echo "SYNCED $(wc -l < synced.txt)"
sleep 100
