#!/usr/bin/env python3
"""`make run UEFI=1`: the default system booted as a PC boots it (OVMF, GRUB, Multiboot2;
docs/boot.md) gives the same console and the same shell as `make run`: the prompt, a
command line with a pipeline, the home directory, and `exit` powering the machine off.
One PASS or FAIL line per step; the transcript goes to
build/test-logs/uefi-console-transcript.txt."""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from console import Console, ROOT  # noqa: E402

PROMPT = r'root@capix:[^\n]*# $'


def main():
    logdir = os.path.join(ROOT, 'build', 'test-logs')
    os.makedirs(logdir, exist_ok=True)
    c = Console(log=os.path.join(logdir, 'uefi-console-transcript.txt'), rows=24, cols=80,
                uefi=True)
    failed = 0
    t0 = time.time()
    steps = [
        ('uefi: boot to the prompt', '', r'capix.*' + PROMPT, 240),
        ('uefi: the window size is the host terminal\'s', 'stty size\r', r'\n24 80\n' + PROMPT, 20),
        ('uefi: a pipeline', 'echo one two three | tr a-z A-Z | wc -w\r', r'\n3\n' + PROMPT, 20),
        ('uefi: the home is writable', 'echo x > ~/f && cat ~/f\r', r'\nx\n' + PROMPT, 20),
    ]
    for name, keys, pattern, timeout in steps:
        if keys:
            c.type(keys)
        try:
            c.expect(pattern, timeout=timeout)
            print('PASS %s' % name)
        except Exception as e:  # Timeout or EOFError
            print('FAIL %s: %s' % (name, e))
            failed += 1
            break
        if name.endswith('prompt'):
            print('uefi console: prompt after %.1f s wall' % (time.time() - t0))
    c.type('exit\r')
    status = c.close(timeout=30)
    off = status is not None and os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
    print('%s uefi: exit powers off and QEMU ends' % ('PASS' if off else 'FAIL'))
    return 1 if failed or not off else 0


if __name__ == '__main__':
    sys.exit(main())
