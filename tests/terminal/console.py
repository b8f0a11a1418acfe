#!/usr/bin/env python3
"""Drives capix's serial console as a person would: `make run`'s command in a pty, with
keystrokes sent one by one with real delays, and the screen output read back.

    from console import Console
    c = Console()            # boots the default system (tools/run-qemu --interactive)
    c.expect(r'# $')         # waits (regex over the output since the last expect)
    c.type('ls\\r')           # keystrokes, 30 ms apart
    c.close()
"""
import fcntl
import os
import pty
import re
import select
import socket
import signal
import struct
import sys
import termios
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


class Timeout(Exception):
    pass


class Console:
    def __init__(self, config='config/default.config', rows=24, cols=80, log=None, uefi=False):
        self.log = open(log, 'wb') if log else None
        pid, fd = pty.fork()
        if pid == 0:
            # the pty's window size, which run-qemu passes to the terminal server
            fcntl.ioctl(1, termios.TIOCSWINSZ, struct.pack('HHHH', rows, cols, 0, 0))
            os.chdir(ROOT)
            # a fresh home disk for each test run, never the user's build/home.img
            if 'CAPIX_HOME' not in os.environ:
                home = os.path.join(ROOT, 'build', 'test-home.img')
                if os.path.exists(home):
                    os.remove(home)
                os.environ['CAPIX_HOME'] = home
            # the network's forward into capix on a free port of the host's loopback
            if 'CAPIX_NET_PORT' not in os.environ:
                s = socket.socket()
                s.bind(('127.0.0.1', 0))
                os.environ['CAPIX_NET_PORT'] = str(s.getsockname()[1])
                s.close()
            # and a fresh UEFI image (whose second partition is the home there)
            if uefi and 'CAPIX_IMAGE' not in os.environ:
                image = os.path.join(ROOT, 'build', 'test-uefi.img')
                if os.path.exists(image):
                    os.remove(image)
                os.environ['CAPIX_IMAGE'] = image
            os.execvp('tools/run-qemu', ['tools/run-qemu', '--interactive'] +
                      (['--uefi'] if uefi else []) + ['--config', config])
        self.pid, self.fd = pid, fd
        self.buf = b''
        self.all = b''

    def _read(self, timeout):
        r, _, _ = select.select([self.fd], [], [], timeout)
        if not r:
            return False
        try:
            data = os.read(self.fd, 4096)
        except OSError:
            data = b''
        if not data:
            raise EOFError('the console closed')
        self.buf += data
        self.all += data
        if self.log:
            self.log.write(data)
            self.log.flush()
        return True

    @staticmethod
    def plain(data):
        """The text a person reads: escape sequences and carriage returns left out."""
        data = re.sub(rb'\x1b\[[0-9;?>=]*[ -/]*[@-~]', b'', data)
        data = re.sub(rb'\x1b[()][0-9A-Za-z]|\x1b[=>78]', b'', data)
        return data.replace(b'\r', b'')

    def expect(self, pattern, timeout=30):
        """Waits until pattern (a regex, DOTALL) matches the plain text of the output since
        the last expect; returns the match and forgets the output up to its end."""
        rx = re.compile(pattern.encode() if isinstance(pattern, str) else pattern, re.S)
        end = time.time() + timeout
        while True:
            self.buf = self.plain(self.buf)
            m = rx.search(self.buf)
            if m:
                self.buf = self.buf[m.end():]
                return m
            left = end - time.time()
            if left <= 0:
                raise Timeout('no %r within %ss; got %r' % (pattern, timeout, self.buf[-300:]))
            self._read(min(left, 0.5))

    def drain(self, quiet=0.5, limit=10):
        """Reads until the output has been quiet for `quiet` seconds; returns it."""
        end = time.time() + limit
        while time.time() < end and self._read(quiet):
            pass
        out, self.buf = self.buf, b''
        return out

    def type(self, keys, delay=0.03):
        for ch in keys.encode() if isinstance(keys, str) else keys:
            os.write(self.fd, bytes([ch]))
            time.sleep(delay)

    def close(self, timeout=20):
        """Waits for QEMU to end (after the shell exited); kills it after timeout."""
        end = time.time() + timeout
        while time.time() < end:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                return status
            try:
                self._read(0.2)
            except EOFError:
                pass
        os.kill(self.pid, signal.SIGKILL)
        os.waitpid(self.pid, 0)
        return None
