#!/usr/bin/env python3
"""Results of the Open POSIX Test Suite runs: parse, tabulate, compare, check.

The input is what posix-test/runner.c (ptrun) writes: one line per test, tab-separated
(test, kind, result, detail, seconds); lines starting with '#' are comments, and
'# key value' comments before the first test are kept as metadata.

  results.py table LINUX [CAPIX] [--capix-missing REASON] [--by area|dir] [--tsv OUT]
      the side-by-side table per area (or per interface directory), with totals
  results.py compare OLD NEW
      the tests whose result differs between two runs
  results.py check EXPECTED RESULTS
      one PASS/FAIL line per test named in EXPECTED (one test per line) that must pass
"""
import sys
from collections import Counter, namedtuple

Record = namedtuple("Record", "test kind result detail seconds")

# The outcomes of a test that ran, in table order, with their column headings.
RUN_RESULTS = ["PASS", "FAIL", "UNRESOLVED", "UNSUPPORTED", "UNTESTED", "HUNG", "INTERRUPTED"]
HEADINGS = {"PASS": "PASS", "FAIL": "FAIL", "UNRESOLVED": "UNRES", "UNSUPPORTED": "UNSUP",
            "UNTESTED": "UNTST", "HUNG": "HUNG", "INTERRUPTED": "INTR"}
# Recorded without running.
BUILD_FAIL = "BUILD-FAIL"
BUILD_ONLY = "BUILD-ONLY"
ALL_RESULTS = set(RUN_RESULTS) | {BUILD_FAIL, BUILD_ONLY}


class FormatError(Exception):
    pass


def parse(lines, name="results"):
    """Returns (records by test, metadata dict). Raises FormatError on a bad line."""
    records, meta = {}, {}
    for number, line in enumerate(lines, 1):
        line = line.rstrip("\r\n")
        if not line.strip():
            continue
        if line.startswith("#"):
            words = line[1:].strip().split(None, 1)
            if words and not records:
                meta.setdefault(words[0], words[1] if len(words) > 1 else "")
            continue
        fields = line.split("\t")
        if len(fields) != 5:
            raise FormatError(f"{name}:{number}: {len(fields)} fields, expected 5")
        test, kind, result, detail, seconds = fields
        if result not in ALL_RESULTS:
            raise FormatError(f"{name}:{number}: unknown result {result!r}")
        try:
            secs = float(seconds)
        except ValueError:
            raise FormatError(f"{name}:{number}: seconds {seconds!r} is not a number")
        records[test] = Record(test, kind, result, detail, secs)
    return records, meta


def load(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        return parse(f, path)


TIME_FUNCTIONS = {"asctime", "ctime", "difftime", "gmtime", "localtime", "mktime",
                  "strftime", "time"}
MMAP_FAMILY = ("mmap", "munmap", "mprotect", "msync", "madvise", "posix_madvise",
               "posix_mem", "posix_typed_mem")


def interface_dir(test):
    """conformance/interfaces/fork/7-1 -> fork; other tests -> their first two levels."""
    parts = test.split("/")
    if len(parts) >= 3 and parts[0] == "conformance" and parts[1] == "interfaces":
        return parts[2]
    return "/".join(parts[:2])


def area(test):
    """The family a test belongs to, as the suite groups its interfaces."""
    parts = test.split("/")
    if parts[0] != "conformance":
        return parts[0]  # functional, stress
    if len(parts) < 3 or parts[1] != "interfaces":
        return parts[1] if len(parts) > 1 else parts[0]  # behavior, definitions
    d = parts[2]
    if d.startswith("aio_") or d == "lio_listio":
        return "aio"
    if d.startswith("clock"):
        return "clock"
    if d in ("kill", "killpg", "raise"):
        return "kill"
    if d.startswith(("mlock", "munlock")):
        return "mlock"
    if d.startswith(MMAP_FAMILY):
        return "mmap"
    for prefix in ("mq", "pthread", "sched", "sem", "shm", "timer"):
        if d.startswith(prefix + "_"):
            return prefix
    if d.startswith("sig"):
        return "sig"
    if d == "nanosleep":
        return "nanosleep"
    if d in TIME_FUNCTIONS:
        return "time"
    if d in ("fork",):
        return d
    return "other"


def tabulate(records, key=area):
    """{group: Counter(result)} and the Counter of all, build-only tests left out."""
    groups, total = {}, Counter()
    for r in records.values():
        if r.result == BUILD_ONLY:
            continue
        groups.setdefault(key(r.test), Counter())[r.result] += 1
        total[r.result] += 1
    return groups, total


def count_tests(c):
    return sum(n for res, n in c.items() if res != BUILD_ONLY)


def table(linux, capix=None, capix_missing="not yet", key=area, linux_label="Linux host"):
    """The side-by-side table as text lines. LINUX and CAPIX are record dicts; when CAPIX
    is None its column says CAPIX_MISSING."""
    lg, lt = tabulate(linux, key)
    cg, ct = tabulate(capix, key) if capix is not None else ({}, Counter())
    names = sorted(set(lg) | set(cg))
    w = max([len("area")] + [len(n) for n in names]) + 1
    cols = [HEADINGS[r] for r in RUN_RESULTS]
    side = " ".join(f"{c:>5}" for c in cols)
    head1 = f"{'':<{w}} {'':>5} {'':>5}   {linux_label:<{len(side)}}   capix"
    head2 = f"{'area':<{w}} {'tests':>5} {'bfail':>5}   {side}   "
    head2 += f"{side}  PASS ratio" if capix is not None else ""
    lines = [head1.rstrip(), head2.rstrip()]

    def row(name, lc, cc, have_capix):
        # Build failures are the same binaries on both sides; counted once.
        tests = max(count_tests(lc), count_tests(cc))
        bfail = max(lc[BUILD_FAIL], cc[BUILD_FAIL])
        s = f"{name:<{w}} {tests:>5} {bfail or '':>5}   "
        s += " ".join(f"{lc[r] or '':>5}" for r in RUN_RESULTS) + "   "
        if capix is None:
            s += capix_missing
        elif not have_capix:
            s += "not run"
        else:
            s += " ".join(f"{cc[r] or '':>5}" for r in RUN_RESULTS)
            s += f"  {cc['PASS'] / lc['PASS']:>10.2f}" if lc["PASS"] else f"  {'-':>10}"
        return s.rstrip()

    for n in names:
        lines.append(row(n, lg.get(n, Counter()), cg.get(n, Counter()), n in cg))
    lines.append(row("all", lt, ct, bool(cg)))
    return lines


def table_tsv(linux, capix=None, key=area):
    """Machine-readable form of the table: group, side, tests, then one column a result."""
    out = ["group\tside\ttests\t" + "\t".join(RUN_RESULTS + [BUILD_FAIL])]
    for side, recs in (("linux", linux), ("capix", capix)):
        if recs is None:
            continue
        groups, total = tabulate(recs, key)
        for name in sorted(groups) + ["all"]:
            c = total if name == "all" else groups[name]
            vals = [str(c[r]) for r in RUN_RESULTS + [BUILD_FAIL]]
            out.append(f"{name}\t{side}\t{count_tests(c)}\t" + "\t".join(vals))
    return out


def compare(old, new):
    """Lines naming each test whose result changed, appeared or disappeared."""
    out = []
    for t in sorted(set(old) | set(new)):
        a = old[t].result if t in old else "absent"
        b = new[t].result if t in new else "absent"
        if a != b:
            detail = f" ({new[t].detail})" if t in new and new[t].detail else ""
            out.append(f"{t}: {a} -> {b}{detail}")
    return out


def check(expected, records):
    """(lines, failures): PASS/FAIL per expected test, and notes on tests that pass but
    are not on the list."""
    lines, failures = [], 0
    for t in expected:
        r = records.get(t)
        if r is None:
            lines.append(f"FAIL {t}: not run")
            failures += 1
        elif r.result != "PASS":
            lines.append(f"FAIL {t}: {r.result} ({r.detail})")
            failures += 1
        else:
            lines.append(f"PASS {t}")
    extra = sorted(t for t, r in records.items() if r.result == "PASS" and t not in set(expected))
    for t in extra:
        lines.append(f"note: {t} passes and is not on the list; add it")
    return lines, failures


def read_list(path):
    with open(path, encoding="utf-8") as f:
        return [l.split("#", 1)[0].strip() for l in f if l.split("#", 1)[0].strip()]


def main(argv):
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    cmd, args = argv[1], argv[2:]
    opts, pos = {}, []
    i = 0
    while i < len(args):
        if args[i].startswith("--") and i + 1 < len(args):
            opts[args[i][2:]] = args[i + 1]
            i += 2
        else:
            pos.append(args[i])
            i += 1
    try:
        if cmd == "table" and 1 <= len(pos) <= 2:
            linux, meta = load(pos[0])
            capix = load(pos[1])[0] if len(pos) == 2 else None
            key = interface_dir if opts.get("by") == "dir" else area
            label = opts.get("linux-label", "Linux host")
            for line in table(linux, capix, opts.get("capix-missing", "not yet"), key, label):
                print(line)
            if "tsv" in opts:
                with open(opts["tsv"], "w", encoding="utf-8") as f:
                    f.write("\n".join(table_tsv(linux, capix, key)) + "\n")
            only = sum(1 for r in linux.values() if r.result == BUILD_ONLY)
            if only:
                print(f"({only} build-only tests compiled and not counted; bfail = did not "
                      f"build with musl)")
            return 0
        if cmd == "compare" and len(pos) == 2:
            old, new = load(pos[0])[0], load(pos[1])[0]
            changes = compare(old, new)
            for line in changes:
                print(line)
            print(f"{len(changes)} tests changed")
            return 0
        if cmd == "check" and len(pos) == 2:
            lines, failures = check(read_list(pos[0]), load(pos[1])[0])
            for line in lines:
                print(line)
            return 1 if failures else 0
    except (OSError, FormatError) as e:
        print(f"results.py: {e}", file=sys.stderr)
        return 2
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
