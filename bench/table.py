#!/usr/bin/env python3
"""The benchmark table: capix, Linux host and Linux guest side by side.

  table.py --host FILE [--guest FILE]... [--guest-missing WHY] [--capix FILE]...
           [--capix-missing WHY] [--tsv OUT]

Each FILE is what build/bench/posixbench prints: 'BENCH name ns median p10 p90 samples
per_sample' lines, 'SKIP name: reason' for a case that failed (posixbench -k), and '#'
comments; '# accel kvm|tcg' says how a guest ran, '# icount 1' that its clock counted
instructions (-icount shift=0), '# failed: WHY' that it did not run.

Two ratios. capix/host (capix median / Linux host median) only for capix under KVM or on
hardware: an emulated figure is never compared with a native one. capix/guest (capix
median / Linux guest median) whenever both ran in the same QEMU configuration: the same
accelerator and the same clock (both TCG time, both instruction counts, or both KVM),
the comparison issue 19 asks for (docs/measurements.md).

--guest and --capix may be given once per round (tools/bench-linux --rounds N runs the
guest and capix by turns). A side's figure for a case is then that of its best round,
the one with the lowest median: the host's load comes in phases of seconds that slow an
emulated run by up to 1.6 times, and the best round is the one least disturbed. Both
sides are treated alike, and the column "per round" shows capix/guest of each round
(round i of capix beside round i of the guest, run one after the other) as min-max, so
the spread stays visible.
"""
import sys

TCG_NOTE = "TCG: emulated, not compared"


class Run:
    """One side's results: BENCH lines by case, metadata, or why there are none."""

    def __init__(self, cases=None, accel="", why="", skipped=None, icount=False):
        self.cases = cases or {}
        self.accel = accel
        self.why = why
        self.skipped = skipped or {}
        self.icount = icount
        self.rounds = [self.cases] if self.cases else []

    @property
    def tcg(self):
        return self.accel == "tcg"


def parse(lines):
    cases, accel, why, skipped, icount = {}, "", "", {}, False
    for line in lines:
        line = line.strip()
        if line.startswith("# accel "):
            accel = line.split()[2]
        elif line == "# icount 1":
            icount = True
        elif line.startswith("# failed:"):
            why = line[len("# failed:"):].strip()
        elif line.startswith("SKIP "):
            name, _, reason = line[5:].partition(":")
            skipped[name.strip()] = reason.strip()
        elif line.startswith("BENCH "):
            f = line.split()
            if len(f) < 7 or f[2] != "ns":
                raise ValueError(f"malformed line: {line}")
            cases[f[1]] = tuple(float(x) for x in f[3:6])
    if not cases and not why:
        why = "no BENCH lines"
    return Run(cases, accel, why, skipped, icount)


def merge(runs):
    """One side's rounds as one Run: each case from the round with its lowest median.

    The rounds must have run the same way (accelerator and clock), else ValueError. A
    case is skipped only if no round measured it. rounds keeps each round's cases.
    """
    runs = [r for r in runs if r.cases or r.skipped]
    if not runs:
        return None
    first = runs[0]
    for r in runs[1:]:
        if (r.accel, r.icount) != (first.accel, first.icount):
            raise ValueError("rounds of one side ran differently (accelerator or clock)")
    cases, skipped = {}, {}
    for r in runs:
        for name, fig in r.cases.items():
            if name not in cases or fig[0] < cases[name][0]:
                cases[name] = fig
        for name, why in r.skipped.items():
            skipped.setdefault(name, why)
    for name in cases:
        skipped.pop(name, None)
    merged = Run(cases, first.accel, "", skipped, first.icount)
    merged.rounds = [r.cases for r in runs]
    return merged


def load(paths, missing):
    """The Run of one side from its round files (a path or a list); missing: why none."""
    if isinstance(paths, str):
        paths = [paths]
    runs = []
    for path in paths or []:
        try:
            with open(path, encoding="utf-8", errors="replace") as f:
                runs.append(parse(f))
        except OSError:
            pass
    merged = merge(runs)
    if merged:
        return merged
    failed = [r.why for r in runs if r.why and r.why != "no BENCH lines"]
    return Run(why=failed[0] if failed else runs[0].why if runs else missing)


def human(ns):
    if ns < 10_000:
        return f"{ns:.0f} ns" if ns >= 100 else f"{ns:.1f} ns"
    if ns < 1_000_000:
        return f"{ns / 1000:.1f} us"
    return f"{ns / 1e6:.2f} ms"


def cell(run, case):
    if case in run.skipped:
        return "not yet (ENOSYS)" if run.skipped[case].endswith("not implemented") else "failed"
    if case not in run.cases:
        return "-" if run.cases else "not yet" if run.why.startswith("not yet") else "-"
    med, p10, p90 = run.cases[case]
    lo, hi = human(p10), human(p90)
    if lo.split()[1] == hi.split()[1]:
        lo = lo.split()[0]  # one unit for the range: (160-168 ns)
    return f"{human(med)} ({lo}-{hi})" + (" TCG" if run.tcg else "")


def ratio(capix, host, case):
    if case not in capix.cases or case not in host.cases:
        return ""
    if capix.tcg or host.tcg:
        return "TCG"
    return f"{capix.cases[case][0] / host.cases[case][0]:.2f}"


def ratio_guest(capix, guest, case):
    """capix / Linux guest, when both ran the same way (accelerator and clock)."""
    if case not in capix.cases or case not in guest.cases:
        return ""
    if capix.accel != guest.accel or capix.icount != guest.icount:
        return "differs"
    return f"{capix.cases[case][0] / guest.cases[case][0]:.2f}"


def ratio_rounds(capix, guest, case):
    """capix/guest of round i beside round i, for each round both measured the case."""
    if ratio_guest(capix, guest, case) in ("", "differs"):
        return []
    return [c[case][0] / g[case][0] for c, g in zip(capix.rounds, guest.rounds)
            if case in c and case in g]


def spread(ratios):
    if not ratios:
        return ""
    lo, hi = min(ratios), max(ratios)
    return f"{lo:.2f}" if len(ratios) == 1 else f"{lo:.2f}-{hi:.2f}"


def build(host, guest, capix):
    """(printed lines, tsv lines)."""
    names = list(host.cases)
    for r in (guest, capix):
        names += [n for n in list(r.cases) + list(r.skipped) if n not in names]
    glabel = "Linux guest" + (" (TCG)" if guest.tcg else "")
    head = ["case", "capix", "Linux host", glabel, "capix/host", "capix/guest"]
    rows = [[n, cell(capix, n), cell(host, n), cell(guest, n), ratio(capix, host, n),
             ratio_guest(capix, guest, n)] for n in names]
    nrounds = max(len(capix.rounds), len(guest.rounds))
    if nrounds > 1:
        head.append("per round")
        for r in rows:
            r.append(spread(ratio_rounds(capix, guest, r[0])))
    widths = [max(len(r[i]) for r in rows + [head]) for i in range(len(head))]
    fmt = lambda r: "  ".join(f"{v:<{widths[i]}}" for i, v in enumerate(r)).rstrip()
    out = [fmt(head)] + [fmt(r) for r in rows]
    out.append("median (p10-p90) of each case; capix/host = capix median / Linux host median "
               "(KVM or hardware only); capix/guest = capix median / Linux guest median, "
               "both in the same QEMU, CPU model and accelerator")
    if capix.icount and guest.icount:
        out.append("ICOUNT=1: both guests ran with -icount shift=0,sleep=off: 1 ns = 1 "
                   "instruction, so capix/guest compares instruction counts")
    if nrounds > 1:
        out.append(f"rounds: capix {len(capix.rounds)}, Linux guest {len(guest.rounds)}, run "
                   "by turns; each side's figure is its best round (lowest median); per "
                   "round = capix/guest of each round beside the guest's round of the same "
                   "number, min-max")
    if not capix.cases:
        out.append(f"capix: {capix.why}")
    elif capix.tcg:
        out.append(f"capix: {TCG_NOTE}")
    if capix.skipped:
        out.append("capix: not yet / failed = the case stopped there with: "
                   + "; ".join(sorted(set(r.split(": ")[-1] for r in capix.skipped.values()))))
    if not guest.cases:
        out.append(f"Linux guest: {guest.why}")
    elif guest.tcg:
        out.append(f"Linux guest: {TCG_NOTE}")

    cols = ["case"]
    for side in ("capix", "host", "guest"):
        cols += [f"{side}_median_ns", f"{side}_p10_ns", f"{side}_p90_ns", f"{side}_note"]
    cols += ["ratio_capix_host", "ratio_capix_guest", "capix_rounds", "guest_rounds",
             "ratio_capix_guest_rounds"]
    tsv = ["\t".join(cols)]
    for n in names:
        row = [n]
        for run in (capix, host, guest):
            if n in run.cases:
                row += [f"{v:.1f}" for v in run.cases[n]]
                row.append(TCG_NOTE if run.tcg else run.accel or "native")
            elif n in run.skipped:
                row += ["", "", "", f"skipped: {run.skipped[n]}"]
            else:
                row += ["", "", "", run.why or "not measured"]
        row += [ratio(capix, host, n), ratio_guest(capix, guest, n)]
        row += [str(sum(n in c for c in run.rounds)) for run in (capix, guest)]
        row.append(",".join(f"{x:.2f}" for x in ratio_rounds(capix, guest, n)))
        tsv.append("\t".join(row))
    return out, tsv


def main(argv):
    opts = {"guest": [], "capix": []}
    args = argv[1:]
    while args:
        if not args[0].startswith("--") or len(args) < 2:
            print(__doc__, file=sys.stderr)
            return 2
        key = args[0][2:]
        if key in ("guest", "capix"):
            opts[key].append(args[1])
        else:
            opts[key] = args[1]
        args = args[2:]
    if "host" not in opts:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        host = load(opts["host"], "no results")
        guest = load(opts.get("guest"), opts.get("guest-missing", "not run"))
        capix = load(opts.get("capix"), opts.get("capix-missing", "not yet"))
    except ValueError as e:
        print(f"table.py: {e}", file=sys.stderr)
        return 2
    if not host.cases:
        print(f"table.py: no BENCH lines in {opts['host']}", file=sys.stderr)
        return 1
    out, tsv = build(host, guest, capix)
    print("\n".join(out))
    if "tsv" in opts:
        with open(opts["tsv"], "w", encoding="utf-8") as f:
            f.write("\n".join(tsv) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
