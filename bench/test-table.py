#!/usr/bin/env python3
"""Host unit tests of bench/table.py: one PASS or FAIL line per case."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import table  # noqa: E402

HOST = """\
# bench 1 on Linux 6.1 x86_64, files in /dev/shm, 0.50 s per case
BENCH null_call ns 150.0 140.0 160.0 1001 512
BENCH fork_wait ns 85000.0 66000.0 140000.0 1001 1
BENCH spawn_wait ns 2500000.0 900000.0 18400000.0 201 1
"""
GUEST_TCG = "# accel tcg\nBENCH null_call ns 400.0 390.0 420.0 1001 128\n"
CAPIX_KVM = "# accel kvm\nBENCH null_call ns 300.0 290.0 310.0 1001 128\nBENCH extra ns 5 4 6 11 1\n"
MISSING = "not yet: needs the POSIX runtime (issue 4)"

passed = failed = 0


def col(tsv, line, name):
    """The field called name of TSV line number line (0 is the header)."""
    return tsv[line].split("\t")[tsv[0].split("\t").index(name)]


def case(name, cond, why=""):
    global passed, failed
    if cond:
        print(f"PASS {name}")
        passed += 1
    else:
        print(f"FAIL {name}: {why}")
        failed += 1


host = table.parse(HOST.splitlines())
case("parse_cases", list(host.cases) == ["null_call", "fork_wait", "spawn_wait"],
     repr(host.cases))
case("parse_values", host.cases["null_call"] == (150.0, 140.0, 160.0))
case("parse_no_accel_is_native", host.accel == "" and not host.tcg)
g = table.parse(GUEST_TCG.splitlines())
case("parse_accel", g.tcg)
f = table.parse(["# failed: Linux guest under KVM: timed out after 300 s"])
case("parse_failed", not f.cases and f.why.startswith("Linux guest under KVM"), f.why)
case("parse_empty_says_so", table.parse([]).why == "no BENCH lines")
try:
    table.parse(["BENCH x cycles 1 2 3 4 5"])
    case("parse_rejects_other_unit", False, "accepted")
except ValueError:
    case("parse_rejects_other_unit", True)

case("human_units", [table.human(x) for x in (24.5, 150, 9999, 85000, 2500000)] ==
     ["24.5 ns", "150 ns", "9999 ns", "85.0 us", "2.50 ms"])
case("cell_one_unit_range", table.cell(host, "null_call") == "150 ns (140-160 ns)",
     table.cell(host, "null_call"))
case("cell_mixed_unit_range", table.cell(host, "spawn_wait") == "2.50 ms (900.0 us-18.40 ms)",
     table.cell(host, "spawn_wait"))
case("cell_tcg_marked", table.cell(g, "null_call").endswith(" TCG"))

capix_missing = table.Run(why=MISSING)
out, tsv = table.build(host, table.Run(why="not run: PVM"), capix_missing)
case("table_header", out[0].split()[:3] == ["case", "capix", "Linux"], out[0])
case("table_capix_not_yet", all(" not yet " in l for l in out[1:4]), "\n".join(out))
case("table_capix_reason", f"capix: {MISSING}" in out, "\n".join(out))
case("table_guest_reason", "Linux guest: not run: PVM" in out, "\n".join(out))
case("tsv_columns", tsv[0].split("\t") == [
    "case", "capix_median_ns", "capix_p10_ns", "capix_p90_ns", "capix_note",
    "host_median_ns", "host_p10_ns", "host_p90_ns", "host_note",
    "guest_median_ns", "guest_p10_ns", "guest_p90_ns", "guest_note", "ratio_capix_host",
    "ratio_capix_guest", "capix_rounds", "guest_rounds", "ratio_capix_guest_rounds"],
    tsv[0])
row = tsv[1].split("\t")
case("tsv_missing_capix_note", row[0] == "null_call" and row[1:5] == ["", "", "", MISSING]
     and row[5] == "150.0" and row[8] == "native" and row[12] == "not run: PVM", repr(row))

out, tsv = table.build(host, g, table.parse(CAPIX_KVM.splitlines()))
row = tsv[1].split("\t")
case("ratio_capix_kvm", col(tsv, 1, "ratio_capix_host") == "2.00", repr(row))
case("ratio_guest_needs_the_same_accel", col(tsv, 1, "ratio_capix_guest") == "differs",
     repr(row))
case("ratio_not_for_missing_case", col(tsv, 2, "ratio_capix_host") == ""
     and col(tsv, 2, "ratio_capix_guest") == "", tsv[2])
case("extra_capix_case_listed", tsv[-1].startswith("extra\t"), tsv[-1])
case("guest_tcg_note", "Linux guest: TCG: emulated, not compared" in out, "\n".join(out))

out, tsv = table.build(host, g, table.parse(CAPIX_KVM.replace("kvm", "tcg").splitlines()))
case("ratio_never_for_tcg", col(tsv, 1, "ratio_capix_host") == "TCG", tsv[1])
case("ratio_guest_same_tcg", col(tsv, 1, "ratio_capix_guest") == "0.75", tsv[1])
ic = table.parse(["# accel tcg", "# icount 1", "BENCH null_call ns 800.0 790.0 810.0 9 1"])
gic = table.parse(["# accel tcg", "# icount 1", "BENCH null_call ns 400.0 390.0 420.0 9 1"])
case("parse_icount", ic.icount and not g.icount)
out, tsv = table.build(host, gic, ic)
case("ratio_guest_icount", col(tsv, 1, "ratio_capix_guest") == "2.00" and any("ICOUNT=1" in l for l in out),
     tsv[1])
out, tsv = table.build(host, g, ic)
case("ratio_guest_not_across_clocks", col(tsv, 1, "ratio_capix_guest") == "differs", tsv[1])

CAPIX_PART = ("# accel tcg\nBENCH null_call ns 856.3 799.6 997.2 1001 64\n"
              "SKIP fork_wait: fork_wait: Function not implemented\n")
part = table.parse(CAPIX_PART.splitlines())
case("parse_skip", part.skipped == {"fork_wait": "fork_wait: Function not implemented"},
     repr(part.skipped))
out, tsv = table.build(host, g, part)
rows = {l.split("\t")[0]: l.split("\t") for l in tsv[1:]}
case("skip_cell", any(l.startswith("fork_wait") and " not yet (ENOSYS) " in l for l in out),
     "\n".join(out))
case("skip_tsv_note", rows["fork_wait"][1:5] == ["", "", "", "skipped: fork_wait: Function not "
                                                 "implemented"], repr(rows["fork_wait"]))
case("skip_footnote",
     "capix: not yet / failed = the case stopped there with: Function not implemented" in out,
     "\n".join(out))
case("partial_capix_tcg_ratio", rows["null_call"][-5] == "TCG" and rows["spawn_wait"][-5] == "",
     repr(rows["null_call"]))

# rounds: each side's best round per case, the per-round ratios beside it
def tcg_run(text):
    return table.parse(("# accel tcg\n" + text).splitlines())


c1 = tcg_run("BENCH null_call ns 700.0 690.0 720.0 9 1\nBENCH fork_wait ns 90.0 80.0 99.0 9 1\n")
c2 = tcg_run("BENCH null_call ns 450.0 440.0 460.0 9 1\n"
             "SKIP fork_wait: fork_wait: Function not implemented\n")
g1 = tcg_run("BENCH null_call ns 500.0 490.0 510.0 9 1\nBENCH fork_wait ns 60.0 50.0 70.0 9 1\n")
g2 = tcg_run("BENCH null_call ns 600.0 590.0 610.0 9 1\nBENCH fork_wait ns 30.0 20.0 40.0 9 1\n")
cm, gm = table.merge([c1, c2]), table.merge([g1, g2])
case("merge_best_round", cm.cases["null_call"] == (450.0, 440.0, 460.0)
     and gm.cases["fork_wait"] == (30.0, 20.0, 40.0), repr((cm.cases, gm.cases)))
case("merge_skip_only_if_never_measured", "fork_wait" not in cm.skipped
     and cm.cases["fork_wait"][0] == 90.0, repr(cm.skipped))
case("merge_skip_kept", "fork_wait" in table.merge([c2]).skipped)
try:
    table.merge([c1, ic])
    case("merge_rejects_mixed_clocks", False, "accepted")
except ValueError:
    case("merge_rejects_mixed_clocks", True)
out, tsv = table.build(host, gm, cm)
case("rounds_ratio_of_best", col(tsv, 1, "ratio_capix_guest") == "0.90", tsv[1])
case("rounds_per_round_ratios", col(tsv, 1, "ratio_capix_guest_rounds") == "1.40,0.75"
     and col(tsv, 1, "capix_rounds") == "2", tsv[1])
case("rounds_column_shows_spread", out[0].rstrip().endswith("per round")
     and out[1].rstrip().endswith("0.75-1.40"), "\n".join(out[:2]))
case("rounds_pair_only_both_measured", col(tsv, 2, "ratio_capix_guest_rounds") == "1.50"
     and col(tsv, 2, "capix_rounds") == "1", tsv[2])
case("rounds_footnote", any(l.startswith("rounds: capix 2, Linux guest 2") for l in out),
     "\n".join(out))
out, tsv = table.build(host, g1, c1)
case("one_round_no_column", "per round" not in out[0], out[0])

# load: one path (the host's) or a list of round files; a missing file is skipped
import tempfile  # noqa: E402
with tempfile.TemporaryDirectory() as d:
    one, two = os.path.join(d, "one.txt"), os.path.join(d, "two.txt")
    with open(one, "w") as f:
        f.write(HOST)
    with open(two, "w") as f:
        f.write("BENCH null_call ns 120.0 110.0 130.0 1001 512\n")
    case("load_one_path", list(table.load(one, "none").cases) == list(host.cases))
    both = table.load([one, two, os.path.join(d, "gone.txt")], "none")
    case("load_rounds", both.cases["null_call"][0] == 120.0 and len(both.rounds) == 2,
         repr(both.cases))
    case("load_none_says_why", table.load([], "not run").why == "not run")

print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
