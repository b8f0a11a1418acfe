"""Runs a program in a fresh pty on the Linux host (the oracle) and returns its output."""
import os
import pty
import select


def run_in_pty(argv, timeout=20):
    pid, fd = pty.fork()
    if pid == 0:
        os.execv(argv[0], argv)
    out = b''
    while True:
        r, _, _ = select.select([fd], [], [], timeout)
        if not r:
            break
        try:
            data = os.read(fd, 4096)
        except OSError:
            break
        if not data:
            break
        out += data
    os.waitpid(pid, 0)
    return out.decode(errors='replace').replace('\r', '')
