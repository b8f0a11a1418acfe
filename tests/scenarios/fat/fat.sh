# Runs in the shell's sandbox (scenario fat): /data is the fat server's volume.
set -u
cd /data
echo "read: $(cat hello.txt)"
echo "long name: $(cat 'Docs/A Long File Name.txt')"
echo "case-insensitive: $(cat HELLO.TXT)"
echo "written by capix" > new.txt
mkdir -p dir/sub
for i in $(seq 1 40); do echo "file $i" > "dir/File number $i.txt"; done
mv new.txt dir/sub/moved.txt
rm "dir/File number 7.txt"
dd if=/dev/zero bs=4096 count=300 2>/dev/null | tr '\0' 'x' > big.dat
echo "big: $(wc -c < big.dat)"
ln -s x link 2>/dev/null && echo "symlink: made" || echo "symlink: refused"
sync
echo "files: $(ls dir | wc -l) moved: $(cat dir/sub/moved.txt)"
df -k /data | tail -1 | awk '{print "df: " ($2 > 30000 ? "size ok" : "size " $2)}'
mkdir -p shared && echo "for the viewer" > shared/note.txt && sync && touch shared/ready
echo "fat: done"
