#!/usr/bin/env python3
"""The interactive shell on the serial console (issue 8's scenario): boots `make run`'s
system in a pty and types as a person would (30 ms between keys), checking what the
screen shows. One PASS or FAIL line per step; the console transcript goes to
build/test-logs/console-transcript.txt. The network of `make run` too (README.md,
"Network"): bash's /dev/tcp and curl reach servers of this test on the host's loopback
($CAPIX_NET_OUT), and the host reaches a server in capix through 127.0.0.1
($CAPIX_NET_PORT). The components' log goes to build/test-logs/console-run.log; no call
of the syscall census may be named unimplemented there."""
import functools
import hashlib
import http.server
import os
import re
import socket
import sys
import tempfile
import threading
import urllib.request
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from console import Console, ROOT  # noqa: E402
from ttyhost import run_in_pty  # noqa: E402

PROMPT = r'root@capix:[^\n]*# $'
failed = 0


def step(c, name, keys, pattern, timeout=20, pause=0):
    global failed
    if keys:
        c.type(keys)
    if pause:
        time.sleep(pause)
    try:
        c.expect(pattern, timeout=timeout)
        print('PASS console %s' % name)
        return True
    except Exception as e:  # Timeout or EOFError: the rest is reported too
        failed += 1
        print('FAIL console %s: %s' % (name, e))
        return False


def kill_reported(c):
    """`kill %1` of the running sleep: PASS when the prompt comes back; returns whether
    bash already reported the job's end there."""
    global failed
    c.type('kill %1\r')
    try:
        m = c.expect(r'kill %1\n(.*)' + PROMPT, timeout=20)
        print('PASS console kill %1')
        return re.search(rb'\[1\]\+ +Terminated +sleep 100\n', m.group(1)) is not None
    except Exception as e:
        failed += 1
        print('FAIL console kill %%1: %s' % e)
        return False


def ttytest(c):
    """tests/posix/ttytest.c: the terminal calls, first in a pty on the Linux host (the
    oracle), then on capix's console; every check must pass on both."""
    global failed
    host = run_in_pty([os.path.join(ROOT, 'build', 'user', 'bin', 'ttytest')])
    names = re.findall(r'^PASS (.*)$', host, re.M)
    bad = re.findall(r'^FAIL .*$', host, re.M)
    if bad or not names:
        failed += 1
        print('FAIL console ttytest on the Linux host: %s' % (bad or host[-200:]))
    c.type('/capix/bin/ttytest\r')
    try:
        m = c.expect(r'ttytest: (\d+) passed, (\d+) failed\n' + PROMPT, timeout=60)
    except Exception as e:
        failed += 1
        print('FAIL console ttytest: %s' % e)
        return
    got = Console.plain(c.all).decode(errors='replace')
    for name in names:
        ok = re.search(r'^PASS %s$' % re.escape(name), got, re.M) is not None
        failed += not ok
        print('%s console ttytest %s' % ('PASS' if ok else 'FAIL', name))
    if int(m.group(2)):
        failed += 1
        print('FAIL console ttytest: %s' % ' '.join(re.findall(r'^FAIL .*$', got, re.M)))


def sharedfl_tty(c):
    """tests/posix/sharedfl.c's terminal cases: O_NONBLOCK set on a description of the
    terminal by a fork child or a receiver of SCM_RIGHTS is the maker's (F_GETFL, a
    read's EAGAIN), as on Linux's one description; in a pty on the Linux host (the
    oracle), then on capix's console, the same lines."""
    global failed
    host = run_in_pty([os.path.join(ROOT, 'build', 'user', 'bin', 'sharedfl'), 'tty'])
    want = re.findall(r'^(?:PASS|FAIL) .*$', host, re.M)
    if not want or any(line.startswith('FAIL') for line in want):
        failed += 1
        print('FAIL console sharedfl tty on the Linux host: %s' % (want or host[-200:]))
    c.type('/capix/bin/sharedfl tty\r')
    try:
        c.expect(r'sharedfl: \d+ cases, [a-z ]+\n' + PROMPT, timeout=60)
    except Exception as e:
        failed += 1
        print('FAIL console sharedfl tty: %s' % e)
        return
    got = Console.plain(c.all).decode(errors='replace')
    for line in want:
        ok = re.search(r'^%s$' % re.escape(line), got, re.M) is not None
        failed += not ok
        print('%s console sharedfl %s' % ('PASS' if ok else 'FAIL', line.split(' ', 1)[1]))


def vim(c):
    """vim on the console: a new file, three lines, search, substitute, split, write, quit;
    Ctrl-Z and fg (a redraw); a new window size reaching vim."""
    if not step(c, 'vim starts', 'vim /tmp/v.txt\r', r'"/tmp/v.txt" \[New\]', timeout=30):
        c.type('\x1b:qa!\r')
        return
    # vim redraws with cursor motions, so the checks ask vim to print what it holds
    step(c, 'vim insert', 'ione\rtwo\rthree\x1b:echo getline(1, "$")\r',
         r"\['one', 'two', 'three'\]", pause=0.5)
    step(c, 'vim search', '/tw\r:echo line(".") col(".")\r', r'col\("\."\)\s*2 1', pause=0.5)
    step(c, 'vim substitute', ':%s/three/THREE/\r', r'THREE', pause=0.5)
    step(c, 'vim split', ':split\r', r'v\.txt.*v\.txt', pause=0.5)
    step(c, 'vim write and quit', ':w\r:qa\r', PROMPT, timeout=15)
    step(c, 'the file is what was typed', 'cat /tmp/v.txt\r', r'\none\ntwo\nTHREE\n' + PROMPT)
    if not step(c, 'vim again', 'vim /tmp/v.txt\r', r'"/tmp/v.txt" 3L', timeout=30):
        c.type('\x1b:qa!\r')
        return
    step(c, 'Ctrl-Z stops vim', '\x1a', r'Stopped +vim /tmp/v.txt\n' + PROMPT, timeout=10)
    step(c, 'fg redraws vim', 'fg\r', r'one.*two.*THREE', timeout=10)
    step(c, 'a new window size reaches vim', ':silent !stty rows 33 cols 90\r:echo &lines &columns\r',
         r'&columns\s*33 90', pause=1)
    step(c, 'vim quits', ':q\r', PROMPT, timeout=15)
    c.type('stty rows 30 cols 100\r')
    c.expect(PROMPT)


def free_port():
    s = socket.socket()
    s.bind(('127.0.0.1', 0))
    port = s.getsockname()[1]
    s.close()
    return port


def upper_server():
    """A server on the host's loopback that answers each line with it in capitals."""
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(('127.0.0.1', 0))
    srv.listen(4)

    def serve():
        while True:
            conn, _ = srv.accept()
            with conn:
                f = conn.makefile('rb')
                for line in f:
                    conn.sendall(line.upper())
    threading.Thread(target=serve, daemon=True).start()
    return srv.getsockname()[1]


def web_server():
    """An HTTP server on the host's loopback with one file, /hello.txt."""
    root = tempfile.mkdtemp()
    with open(os.path.join(root, 'hello.txt'), 'w') as f:
        f.write('hello from the host over http\n' * 1000)

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass
    srv = http.server.ThreadingHTTPServer(('127.0.0.1', 0),
                                          functools.partial(Quiet, directory=root))
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv.server_address[1]


def pattern(n):
    return bytes((((i * 2654435761) & 0xffffffff) >> 13) & 0xff for i in range(n))


def web_in(c, port_in):
    """lighttpd (ports/lighttpd) in capix, on 8080: the host fetches its page through
    127.0.0.1:port_in, and curl in capix through capix's own loopback."""
    global failed
    if not step(c, 'network: lighttpd starts', 'lighttpd -D -f /etc/lighttpd/lighttpd.conf &\r',
                r'server started', timeout=30):
        return
    try:
        page = urllib.request.urlopen('http://127.0.0.1:%d/' % port_in, timeout=60).read()
    except OSError as e:
        page = str(e).encode()
    ok = b'lighttpd in a capix sandbox answers' in page
    print('%s console network: the host fetches lighttpd\'s page through 127.0.0.1%s' %
          ('PASS' if ok else 'FAIL', '' if ok else ': %r' % page[:200]))
    failed += not ok
    c.type('\r')
    c.expect(PROMPT)
    step(c, 'network: curl in capix fetches it over loopback',
         'curl -sS -o /tmp/page http://127.0.0.1:8080/ && grep -c answers /tmp/page\r',
         r'\n1\n' + PROMPT, timeout=30)
    step(c, 'network: lighttpd stops', 'kill %1; wait\r', PROMPT, timeout=30)


def network(c, port_in):
    """bash's /dev/tcp out to the host's server; then socktest (capix's own test program)
    serving on 8080 in capix, which the host reaches through 127.0.0.1:port_in: 1 MiB in,
    512 KiB back, both checked by hash."""
    global failed
    step(c, 'network: bash /dev/tcp to the host',
         'exec 3<>/dev/tcp/10.0.2.100/$OUTPORT; echo hello from capix >&3; '
         'read -r l <&3; echo "got: $l"; exec 3>&-\r', r'\ngot: HELLO FROM CAPIX\n' + PROMPT,
         timeout=30)
    step(c, 'network: curl fetches a file from the host',
         'curl -sS http://10.0.2.100:$WEBPORT/hello.txt | sort | uniq -c\r',
         r'\n *1000 hello from the host over http\n' + PROMPT, timeout=60)
    web_in(c, port_in)
    if not step(c, 'network: a server in capix listens', '/capix/bin/socktest serve 8080\r',
                r'socktest: listening on 8080\n', timeout=30):
        c.type('\x03')
        return
    data = pattern(1 << 20)
    back = b''
    try:
        s = socket.create_connection(('127.0.0.1', port_in), timeout=60)
        s.sendall(data)
        s.shutdown(socket.SHUT_WR)
        while True:
            b = s.recv(65536)
            if not b:
                break
            back += b
        s.close()
    except OSError as e:
        back = str(e).encode()
    ok = back == data[:512 << 10]
    print('%s console network: the host reaches the server in capix through 127.0.0.1%s' %
          ('PASS' if ok else 'FAIL', '' if ok else ': %d bytes back, hash %s' %
           (len(back), hashlib.sha256(back).hexdigest()[:16])))
    failed += not ok
    step(c, 'network: what the host sent arrived', '', r'PASS serve_bytes_by_hash[^\n]*\n'
         r'(.*\n)*' + PROMPT, timeout=30)


def census(log):
    """No call of the syscall census (tests/posix/census-calls.txt: what bash, coreutils
    and vim make on Linux) is named unimplemented in the run's log; the calls outside it
    that are get a line of their own."""
    global failed
    with open(os.path.join(ROOT, 'tests', 'posix', 'census-calls.txt')) as f:
        calls = set(f.read().split())
    try:
        with open(log, 'rb') as f:
            text = f.read().decode('latin-1').replace('\r', '')
    except OSError as e:
        failed += 1
        print('FAIL console no call of the census is ENOSYS: %s' % e)
        return
    named = sorted(set(re.findall(r'unimplemented Linux call (\w+) ', text)))
    bad = [n for n in named if n in calls]
    if bad:
        failed += 1
        print('FAIL console no call of the census is ENOSYS: %s' % ' '.join(bad))
    else:
        print('PASS console no call of the census is ENOSYS')
    others = [n for n in named if n not in calls]
    if others:
        print('console: ENOSYS (calls outside the census): %s' % ' '.join(others))


def main():
    port_in = free_port()
    os.environ['CAPIX_NET_PORT'] = str(port_in)
    web_port = web_server()
    os.environ['CAPIX_NET_OUT'] = '%d %d' % (upper_server(), web_port)
    logdir = os.path.join(ROOT, 'build', 'test-logs')
    os.makedirs(logdir, exist_ok=True)
    # the components' log (COM1), for the census check at the end
    runlog = os.environ.setdefault('CAPIX_RUN_LOG', os.path.join(logdir, 'console-run.log'))
    c = Console(log=os.path.join(logdir, 'console-transcript.txt'), rows=30, cols=100)
    t0 = time.time()
    if not step(c, 'boot to the prompt', '', r'capix.*' + PROMPT, timeout=120):
        c.close(timeout=1)
        return 1
    print('console: prompt after %.1f s wall' % (time.time() - t0))
    step(c, 'the window size is the host terminal\'s', 'stty size\r', r'\n30 100\n' + PROMPT)
    step(c, 'typo erased and fixed', 'ecgo\x7f\x7f\x7fcho fixed\r', r'\nfixed\n' + PROMPT)
    step(c, 'word erase and line kill', 'echo bad words\x17\x17good\r', r'\ngood\n' + PROMPT)
    step(c, 'sleep 100 started', 'sleep 100\r', r'sleep 100\n', pause=2)
    step(c, 'Ctrl-C ends sleep', '\x03', r'\^C\n' + PROMPT, timeout=10)
    step(c, 'busy loop started', "bash -c 'while :; do :; done'\r", r"done'\n", pause=2)
    step(c, 'Ctrl-C ends the loop', '\x03', PROMPT, timeout=10)
    step(c, 'sleep 100 again', 'sleep 100\r', r'sleep 100\n', pause=2)
    step(c, 'Ctrl-Z stops it', '\x1a', r'\[1\]\+ +Stopped +sleep 100\n' + PROMPT, timeout=10)
    step(c, 'jobs: stopped', 'jobs\r', r'\[1\]\+ +Stopped +sleep 100\n' + PROMPT)
    step(c, 'bg', 'bg\r', r'\[1\]\+ sleep 100 &\n' + PROMPT)
    step(c, 'jobs: running', 'jobs\r', r'\[1\]\+ +Running +sleep 100 &\n' + PROMPT)
    # bash reports a job's end at the first prompt after it noticed it: right after
    # `kill` when the launcher (which runs above its processes) delivers the death before
    # bash prints its prompt, else at the next `jobs`; bash on Linux does either,
    # depending on timing
    said = kill_reported(c)
    step(c, 'jobs: terminated', 'jobs\r',
         (r'jobs\n' if said else r'\[1\]\+ +Terminated +sleep 100\n') + PROMPT)
    step(c, 'cat & started', 'cat &\r', r'\[1\] \d+\n' + PROMPT, pause=1)
    step(c, 'cat & stopped for terminal input', 'jobs\r', r'\[1\]\+ +Stopped +cat\n' + PROMPT)
    step(c, 'kill -9 %1', 'kill -9 %1\r', PROMPT)
    c.type('jobs\r')
    c.expect(PROMPT)
    step(c, 'sleep & started', 'sleep 100 &\r', r'\[1\] \d+\n' + PROMPT, pause=0.5)
    step(c, 'kill -STOP of a background job', 'kill -STOP %1\r', PROMPT, pause=0.5)
    step(c, 'jobs: stopped by SIGSTOP', 'jobs\r', r'\[1\]\+ +Stopped +sleep 100\n' + PROMPT)
    step(c, 'kill -CONT of it', 'kill -CONT %1\r', PROMPT, pause=0.5)
    step(c, 'jobs: running again', 'jobs\r', r'\[1\]\+ +Running +sleep 100 &\n' + PROMPT)
    step(c, 'kill %1 of the continued job', 'kill %1\r', PROMPT)
    c.type('jobs\r')
    c.expect(PROMPT)
    step(c, 'cat reads a line', 'cat\rline one\r', r'line one\nline one\n', pause=0.5)
    step(c, 'cat ends at Ctrl-D', '\x04', PROMPT)
    step(c, 'pipeline', 'echo one two three | tr a-z A-Z | wc -w\r', r'\n3\n' + PROMPT)
    step(c, 'history: up arrow', '\x1b[A\r', r'wc -w\n3\n' + PROMPT)
    step(c, 'job control is on', 'echo $-; tty\r', r'\n[^\n]*m[^\n]*\n/dev/tty\n' + PROMPT)
    step(c, 'stty sees the line discipline', 'stty -a | tr " " "\\n" | grep -x -e icanon -e isig -e echo\r',
         r'\nisig\nicanon\necho\n' + PROMPT)
    step(c, 'ps names the console', 'ps -o tty=,comm= -p $$\r', r'\nttyS0 +bash\n' + PROMPT)
    step(c, 'home and /tmp are writable', 'echo x > ~/f && cp ~/f /tmp/g && cat /tmp/g\r',
         r'\nx\n' + PROMPT)
    c.type('OUTPORT=%s WEBPORT=%d\r' % (os.environ['CAPIX_NET_OUT'].split()[0], web_port))
    c.expect(PROMPT)
    network(c, port_in)
    ttytest(c)
    sharedfl_tty(c)
    vim(c)
    c.type('exit\r')
    status = c.close(timeout=30)
    if status is None:
        failed_exit = True
    else:
        failed_exit = not (os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0)
    print('%s console exit powers off and QEMU ends' % ('FAIL' if failed_exit else 'PASS'))
    census(runlog)
    return 1 if failed or failed_exit else 0


if __name__ == '__main__':
    sys.exit(main())
