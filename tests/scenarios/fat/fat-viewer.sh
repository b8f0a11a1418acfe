# Runs in the viewer's sandbox (scenario fat): its /data is the fat server's /shared,
# read-only. It waits (at most 60 s) for the shell's note, then looks around.
for i in $(seq 1 600); do [[ -e /data/ready ]] && break; sleep 0.1; done
cd /data || exit 1
echo "viewer: sees $(ls | tr '\n' ' ')"
echo "viewer: reads $(cat note.txt)"
echo "viewer: above its root $(ls /data/.. | grep -c hello.txt) hello.txt; $(cat /data/../../hello.txt 2>&1 | head -c 40)"
echo "viewer: write: $(echo x 2>&1 > /data/mine.txt | sed 's/.*: //')"
echo "viewer: mkdir: $(mkdir /data/d 2>&1 | sed 's/.*: //')"
echo "viewer: rm: $(rm /data/note.txt 2>&1 | sed 's/.*: //')"
