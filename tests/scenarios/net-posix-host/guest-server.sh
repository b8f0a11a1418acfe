# The host's server behind the guestfwd (10.0.2.100:80): QEMU starts it for each
# connection, the connection its stdin and stdout. Sends 1 MiB of socktest's pattern,
# reads what comes until the guest's FIN and answers "OK" when it is 512 KiB of the
# same pattern (checked by hash), else "BAD". No socket on the host. Nothing may go to
# stderr: QEMU hands that to the connection too.
exec python3 -c '
import hashlib, sys
def pattern(n):
    return bytes((((i * 2654435761) & 0xffffffff) >> 13) & 0xff for i in range(n))
out = pattern(1 << 20)
sys.stdout.buffer.write(out)
sys.stdout.buffer.flush()
got = sys.stdin.buffer.read()
ok = hashlib.sha256(got).digest() == hashlib.sha256(out[: 512 << 10]).digest()
sys.stdout.buffer.write(b"OK\n" if ok else b"BAD\n")
sys.stdout.buffer.flush()
'
