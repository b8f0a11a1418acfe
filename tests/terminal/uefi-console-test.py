#!/usr/bin/env python3
"""`make run UEFI=1`: the default system booted as a PC boots it (OVMF, GRUB, Multiboot2;
docs/boot.md) gives the same console and the same shell as `make run`: the prompt, a
command line with a pipeline, the home directory, and `exit` powering the machine off.
The home is the image's second partition: after the run, the host reads the file the
shell wrote there with mtools and finds the partition clean with fsck.fat.
One PASS or FAIL line per step; the transcript goes to
build/test-logs/uefi-console-transcript.txt."""
import os
import subprocess
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
        ('uefi: the home is writable', 'echo on the image > ~/f && cat ~/f\r',
         r'\non the image\n' + PROMPT, 20),
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
    return 1 if failed or not off or not home_on_image() else 0


def home_on_image():
    """The file the shell wrote is in the image's partition 2, which is clean FAT."""
    image = os.path.join(ROOT, 'build', 'test-uefi.img')
    info = subprocess.run(['sgdisk', '-i', '2', image], capture_output=True, text=True).stdout
    first = [line.split()[2] for line in info.splitlines() if line.startswith('First sector:')]
    last = [line.split()[2] for line in info.splitlines() if line.startswith('Last sector:')]
    if 'capix home' not in info or not first or not last:
        print('FAIL uefi: the image has a home partition: %s' % info[-300:])
        return False
    part = os.path.join(ROOT, 'build', 'test-uefi-home.img')
    with open(image, 'rb') as src, open(part, 'wb') as dst:
        src.seek(int(first[0]) * 512)
        dst.write(src.read((int(last[0]) - int(first[0]) + 1) * 512))
    env = dict(os.environ, MTOOLS_SKIP_CHECK='1')
    out = subprocess.run(['mtype', '-i', part, '::/f'], capture_output=True, text=True,
                         env=env).stdout
    fsck = subprocess.run(['/usr/sbin/fsck.fat', '-n', part], capture_output=True, text=True)
    os.remove(part)
    ok = out == 'on the image\n' and fsck.returncode == 0
    print('%s uefi: the host reads ~/f from the image\'s home partition, clean%s' %
          ('PASS' if ok else 'FAIL', '' if ok else ': %r %s' % (out, fsck.stdout[-300:])))
    return ok


if __name__ == '__main__':
    sys.exit(main())
