#!/usr/bin/env python3
"""insn-report.py RUN BASE OPS [N]: instructions per operation by function.

RUN and BASE are tools/insn-plugin.c outputs of a benchmark run and of a run that only
boots (so boot and start-up cancel out); OPS is the case's instructions per operation
(its posixbench figure under CAPIX_ICOUNT=1). Prints the share of the kernel, the
runtime and user programs, the N (default 50) costliest functions, and the times each
kernel call and fault handler was entered per operation. Symbols come from the
kernel, the runtime and the launcher (user addresses below 0x20000000 are ambiguous
between programs: both candidate names are shown)."""
import bisect
import collections
import os
import subprocess
import sys

BUILD = os.environ.get('CAPIX_BUILD', os.path.join(os.path.dirname(__file__), '..', 'build'))


def symbols(path):
    out = subprocess.run(['nm', '-n', '--defined-only', path], capture_output=True,
                         text=True).stdout
    addrs, names = [], []
    for line in out.splitlines():
        f = line.split()
        if len(f) == 3 and f[1] in 'tTwW':
            addrs.append(int(f[0], 16))
            names.append(f[2])
    return addrs, names


def name_of(table, addr):
    i = bisect.bisect_right(table[0], addr) - 1
    return table[1][i] if i >= 0 else '?'


def read(path):
    insns, runs = collections.Counter(), collections.Counter()
    with open(path) as f:
        for line in f:
            va, n, count = line.split()
            insns[int(va, 16)] += int(n) * int(count)
            runs[int(va, 16)] += int(count)
    return insns, runs


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    run_i, run_n = read(sys.argv[1])
    base_i, base_n = read(sys.argv[2])
    per_op = float(sys.argv[3])
    top = int(sys.argv[4]) if len(sys.argv) > 4 else 50
    kern = symbols(os.path.join(BUILD, 'kernel/capix.elf'))
    rt = symbols(os.path.join(BUILD, 'user/bin/capix-runtime'))
    launcher = symbols(os.environ.get('INSN_USER', os.path.join(BUILD, 'user/bin/posix-spawn')))
    diff = {va: run_i[va] - base_i[va] for va in set(run_i) | set(base_i)}
    ops = sum(diff.values()) / per_op
    print('operations: %.0f' % ops)
    by_fn, by_area = collections.Counter(), collections.Counter()
    for va, n in diff.items():
        if va >= 0xffff800000000000:
            name, area = 'kernel:' + name_of(kern, va), 'kernel'
        elif 0x30000000 <= va < 0x100000000:
            name, area = 'runtime:' + name_of(rt, va), 'runtime'
        else:
            name, area = 'user:' + name_of(launcher, va) + '?', 'user'
        by_fn[name] += n
        by_area[area] += n
    for area, n in by_area.most_common():
        print('%10.0f %s' % (n / ops, area))
    print('-- costliest functions (instructions per operation)')
    for name, n in by_fn.most_common(top):
        print('%10.0f %s' % (n / ops, name))
    print('-- entries per operation')
    for va, name in zip(*kern):
        if name.startswith('sys_') or name in ('syscall_entry', 'pd_handle_fault',
                                               'interrupt_entry_c', 'mem_unshare'):
            n = (run_n[va] - base_n[va]) / ops
            if n >= 0.5:
                print('%10.1f %s' % (n, name))


main()
