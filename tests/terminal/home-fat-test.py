#!/usr/bin/env python3
"""The home directory on FAT (config/default.config, issue 17): boots the system, writes
a file in ~ and powers off; boots again from the same disk image and reads it back; then
the host checks the image with fsck.fat and mtools. One PASS or FAIL line per step."""
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from console import Console, ROOT  # noqa: E402

PROMPT = r'root@capix:[^\n]*# $'
CONFIG = 'config/default.config'
failed = 0


def step(c, name, keys, pattern, timeout=30):
    global failed
    if keys:
        c.type(keys)
    try:
        c.expect(pattern, timeout=timeout)
        print('PASS home-fat %s' % name)
    except Exception as e:  # Timeout or EOFError
        failed += 1
        print('FAIL home-fat %s: %s' % (name, e))


def boot(log):
    return Console(config=CONFIG, log=os.path.join(ROOT, 'build', 'test-logs', log))


def main():
    os.makedirs(os.path.join(ROOT, 'build', 'test-logs'), exist_ok=True)
    img = os.path.join(ROOT, 'build', 'test-home-fat.img')
    if os.path.exists(img):
        os.remove(img)
    os.environ['CAPIX_HOME'] = img
    c = boot('home-fat-1.txt')
    step(c, 'first boot', '', r'capix.*' + PROMPT, 120)
    step(c, 'write in the home', 'echo kept across power-off > ~/persist.txt; mkdir ~/Docs; '
         'echo x > ~/Docs/Long\\ name\\ here.txt; sync; echo written\r', r'\nwritten\n' + PROMPT)
    # size and modification time (FAT keeps it to 2 s), to be the same after the reboot
    c.type('touch -d "2024-02-29 13:14:16" ~/persist.txt; stat -c "S=%s M=%Y" ~/persist.txt\r')
    before = None
    try:
        before = tuple(g.decode() for g in c.expect(r'\nS=(\d+) M=(\d+)\n' + PROMPT).groups())
    except Exception as e:  # Timeout or EOFError
        print('FAIL home-fat size and time before the reboot: %s' % e)
    c.type('exit\r')
    c.close(timeout=30)
    c = boot('home-fat-2.txt')
    step(c, 'second boot', '', r'capix.*' + PROMPT, 120)
    step(c, 'the file is still there', 'cat ~/persist.txt\r',
         r'\nkept across power-off\n' + PROMPT)
    step(c, 'and the long name', 'ls ~/Docs\r', r"\n'Long name here.txt'\n" + PROMPT)
    if before:
        step(c, 'with its size and modification time',
             'stat -c "S=%s M=%Y" ~/persist.txt\r',
             r'\nS=%s M=%s\n' % before + PROMPT)
    else:
        global failed
        failed += 1
    # no sync: the launcher syncs its file systems when the sandbox ends (`exit`)
    step(c, 'write without sync', 'echo written at exit > ~/at-exit.txt\r', PROMPT)
    c.type('exit\r')
    c.close(timeout=30)
    env = dict(os.environ, MTOOLS_SKIP_CHECK='1')
    fsck = subprocess.run(['/usr/sbin/fsck.fat', '-n', img], capture_output=True, text=True)
    ok = fsck.returncode == 0
    print('%s home-fat fsck.fat finds the image clean%s' %
          ('PASS' if ok else 'FAIL', '' if ok else ': ' + fsck.stdout[-300:]))
    failed_now = not ok
    out = subprocess.run(['mtype', '-i', img, '::/persist.txt'], capture_output=True,
                         text=True, env=env).stdout
    ok2 = out == 'kept across power-off\n'
    print('%s home-fat mtools reads the file on the host%s' %
          ('PASS' if ok2 else 'FAIL', '' if ok2 else ': %r' % out))
    out = subprocess.run(['mtype', '-i', img, '::/at-exit.txt'], capture_output=True,
                         text=True, env=env).stdout
    ok3 = out == 'written at exit\n'
    print('%s home-fat a clean exit writes back what was not synced%s' %
          ('PASS' if ok3 else 'FAIL', '' if ok3 else ': %r' % out))
    return 1 if failed or failed_now or not ok2 or not ok3 else 0


if __name__ == '__main__':
    sys.exit(main())
